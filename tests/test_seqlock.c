/*
 * seqlock: optimistic whole-read retries, the starvation bound, and the
 * pessimistic direct snapshots (variants/seqlock.c).
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

static size_t page_size = 128;

static const struct sb_variant *seqlock(void)
{
	const struct sb_variant *v = sb_variant_find("seqlock");
	cr_assert_not_null(v);
	return v;
}

/* One commit writing pages 3 and 4 with `stamp`, on a thread of its own (a
 * writer must never be the reader's thread in a seqlock). */
struct commit_job {
	sb_db *db;
	uint64_t stamp;
};

static void *commit_main(void *arg)
{
	struct commit_job *job = arg;
	const struct sb_variant *v = seqlock();
	cr_assert_eq(sb_thread_enter(v, job->db), SB_OK);
	fixture_commit_ok(v, job->db, page_size, job->stamp, (uint64_t[]){3, 4},
	                  2);
	sb_thread_exit(v, job->db);
	return NULL;
}

static void commit_on_another_thread(sb_db *db, uint64_t stamp)
{
	struct commit_job job = {db, stamp};
	pthread_t thread;
	pthread_create(&thread, NULL, commit_main, &job);
	pthread_join(thread, NULL);
}

/* A read of pages 3 and 4 that, on its first `commits_inside` attempts,
 * lets a commit happen between the two pages. */
struct split_read {
	sb_db *db;
	unsigned attempts;
	unsigned commits_inside;
};

struct split_result {
	uint64_t snapshot, stamp3, stamp4;
	unsigned attempt;
	uint64_t untouched; /* left as the caller set it */
};

static void split_read_fn(const struct sb_variant *v, sb_snap *snap, void *argp,
                          void *resultp)
{
	struct split_read *arg = argp;
	struct split_result *result = resultp;
	arg->attempts++;
	result->attempt = arg->attempts;
	result->snapshot = v->snapshot_commit(snap);
	result->stamp3 = page_header(v->read_page(snap, 3))->stamp;
	if (arg->attempts <= arg->commits_inside)
		commit_on_another_thread(arg->db, 100 + arg->attempts);
	result->stamp4 = page_header(v->read_page(snap, 4))->stamp;
}

Test(seqlock, overlapping_commit_restarts_the_whole_read)
{
	const struct sb_variant *v = seqlock();
	sb_db *db = fixture_open(v, 16, &page_size, 1, 1, SB_PUBLISH_BLOCK);
	struct split_read arg = {.db = db, .commits_inside = 1};
	struct split_result result = {.untouched = 42};
	cr_assert_eq(v->run_read(db, split_read_fn, &arg, &result,
	                         sizeof result), SB_OK);
	/* The first attempt saw page 3 at commit 0 and page 4 at commit 1: a
	 * fractured read, which must have been thrown away. */
	cr_assert_eq(arg.attempts, 2);
	cr_assert_eq(result.attempt, 2, "the discarded attempt's result leaked");
	cr_assert_eq(result.snapshot, 1);
	cr_assert_eq(result.stamp3, 101);
	cr_assert_eq(result.stamp4, 101);
	cr_assert_eq(result.untouched, 42);
	struct sb_stats stats = fixture_stats(v, db);
	cr_assert_eq(stats.read_retries, 1);
	cr_assert_eq(stats.starved_reads, 0);
	fixture_close(v, db);
}

Test(seqlock, read_that_always_overlaps_starves_after_the_bound)
{
	const struct sb_variant *v = seqlock();
	sb_db *db = fixture_open(v, 16, &page_size, 1, 1, SB_PUBLISH_BLOCK);
	struct split_read arg = {.db = db, .commits_inside = 1000};
	struct split_result result;
	memset(&result, 0xab, sizeof result);
	struct split_result before = result;
	cr_assert_eq(v->run_read(db, split_read_fn, &arg, &result,
	                         sizeof result), SB_ESTARVED);
	cr_assert_gt(arg.attempts, 1, "gave up without retrying");
	cr_assert_lt(arg.attempts, 1000, "no bound");
	cr_assert(memcmp(&result, &before, sizeof result) == 0,
	          "a starved read wrote its result");
	struct sb_stats stats = fixture_stats(v, db);
	cr_assert_eq(stats.starved_reads, 1);
	cr_assert_eq(stats.read_retries, arg.attempts - 1);
	/* The next read without interference completes on its first attempt
	 * and is strict: it reflects every commit made so far (one per
	 * attempt of the starved read). */
	uint64_t commits = arg.attempts;
	arg = (struct split_read){.db = db};
	cr_assert_eq(v->run_read(db, split_read_fn, &arg, &result,
	                         sizeof result), SB_OK);
	cr_assert_eq(arg.attempts, 1);
	cr_assert_eq(result.snapshot, commits);
	cr_assert_eq(result.stamp3, 100 + commits);
	fixture_close(v, db);
}

struct writer_job {
	sb_db *db;
	_Atomic bool done;
};

static void *writer_main(void *arg)
{
	struct writer_job *job = arg;
	commit_on_another_thread(job->db, 1);
	atomic_store(&job->done, true);
	return NULL;
}

Test(seqlock, direct_snapshot_holds_back_commit_and_counts_the_wait)
{
	/* begin_read cannot retry, so it keeps commits out until end_read:
	 * the commit waits, and the wait is writer stall. */
	const struct sb_variant *v = seqlock();
	sb_db *db = fixture_open(v, 16, &page_size, 1, 1, SB_PUBLISH_BLOCK);
	sb_snap *snap = v->begin_read(db);
	const void *page3 = v->read_page(snap, 3);
	struct writer_job job = {db, false};
	pthread_t writer;
	pthread_create(&writer, NULL, writer_main, &job);
	usleep(200000);
	cr_assert(!atomic_load(&job.done), "the commit went through under a "
	          "direct snapshot");
	cr_assert_eq(page_header(page3)->stamp, 0);
	cr_assert_eq(page_header(v->read_page(snap, 4))->stamp, 0);
	cr_assert_eq(page_header(page3)->checksum, page_checksum(page3, page_size));
	v->end_read(snap);
	pthread_join(writer, NULL);
	cr_assert_geq(fixture_stats(v, db).writer_blocked_ns, 100000000u);
	snap = v->begin_read(db);
	cr_assert_eq(v->snapshot_commit(snap), 1);
	cr_assert_eq(page_header(v->read_page(snap, 4))->stamp, 1);
	v->end_read(snap);
	cr_assert_eq(fixture_stats(v, db).retained_visible_bytes, 0,
	             "a direct snapshot holds no copy");
	fixture_close(v, db);
}

/* ---- retained bytes ---- */

/* A read that samples the statistics from inside itself. */
struct sampling_read {
	sb_db *db;
	struct sb_stats inside;
};

static void sampling_read_fn(const struct sb_variant *variant, sb_snap *snap,
                             void *arg, void *result)
{
	struct sampling_read *r = arg;
	(void)result;
	(void)variant->read_page(snap, 3);
	variant->stats(r->db, &r->inside);
}

Test(seqlock, retained_is_the_writers_pool_and_each_running_reads_buffer)
{
	const struct sb_variant *v = seqlock();
	sb_db *db = fixture_open(v, 16, &page_size, 1, 1, SB_PUBLISH_BLOCK);
	cr_assert_eq(fixture_stats(v, db).retained_bytes, 0);
	commit_on_another_thread(db, 1);
	/* Two staged buffers and their array, kept for the next commit. */
	uint64_t pool = fixture_stats(v, db).retained_bytes;
	cr_assert_gt(pool, 2 * page_size);
	cr_assert_lt(pool, 2 * page_size + 1024);
	commit_on_another_thread(db, 2);
	cr_assert_eq(fixture_stats(v, db).retained_bytes, pool, "not reused");
	struct sampling_read r = {.db = db};
	char result[100];
	cr_assert_eq(v->run_read(db, sampling_read_fn, &r, result, sizeof result),
	             SB_OK);
	cr_assert_eq(r.inside.retained_bytes, pool + page_size + sizeof result);
	cr_assert_eq(r.inside.retained_visible_bytes, page_size);
	struct sb_stats after = fixture_stats(v, db);
	cr_assert_eq(after.retained_bytes, pool);
	cr_assert_eq(after.retained_visible_bytes, 0);
	cr_assert_eq(after.retained_visible_peak_bytes, page_size);
	fixture_close(v, db);
}

/* ---- under the harness ---- */

static struct run_result run(double write_rate, uint64_t scan_pages,
                             double read_pause_ms)
{
	struct run_config config = fixture_run_config(64, 256, 2, 0.5);
	config.write_rate = write_rate;
	config.scan_pages = scan_pages;
	config.read_pause_ms = read_pause_ms;
	struct run_result result;
	char err[256] = "";
	cr_assert_eq(run_variant(seqlock(), &config, &result, err, sizeof err),
	             SB_OK, "%s", err);
	cr_assert_eq(violations_total(&result.violations), 0);
	return result;
}

Test(seqlock, short_reads_complete_under_a_slow_writer)
{
	/* 20 commits/s against reads of 8 pages: most attempts succeed. */
	struct run_result r = run(20, 8, 0);
	cr_assert_gt(r.reads, 100);
	cr_assert_gt(r.commits, 3);
	run_result_free(&r);
}

Test(seqlock, long_reads_starve_under_a_steady_writer_and_the_run_ends)
{
	/* 2000 commits/s against reads paused 20 ms: every attempt overlaps a
	 * commit, so every read gives up after the bound; none hangs. */
	struct run_result r = run(2000, 16, 20);
	cr_assert_eq(r.reads, 0);
	cr_assert_gt(r.starved_reads, 0);
	cr_assert_geq(r.read_retries, r.starved_reads);
	cr_assert_gt(r.commits, 500);
	run_result_free(&r);
}
