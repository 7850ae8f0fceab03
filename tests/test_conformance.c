/*
 * Conformance: what variant.h promises, checked against every registered
 * variant, in each publish mode it honours (a new variant is tested by being
 * registered).  Tests that need a reader and a writer at once run on the
 * variants that are safe with them.  An eventual variant (two copies with
 * try-publish) is held to the same tests: with no reader on the old copy
 * its publish must go through at once, and a reader that begins after the
 * old copy drained must see every commit.  A frozen variant (floor) never
 * shows a reader a commit: where a test reads what the writer committed, it
 * reads through begin_final_read instead, and frozen_readers_* holds its
 * readers to commit 0.  Memory is held to the one definition of
 * variants/common.h.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

#define PAGES 16
static size_t page_size = 128;


/* A snapshot that reflects every commit so far, for a test with no other
 * thread inside the database: a frozen variant's final-read snapshot, any
 * other variant's begin_read. */
static sb_snap *latest_snapshot(const struct sb_variant *v, sb_db *db)
{
	sb_snap *snap = v->frozen ? v->begin_final_read(db) : v->begin_read(db);
	cr_assert_not_null(snap, "%s: no snapshot", v->name);
	return snap;
}

/* One transaction writing `count` pages stamped `stamp`, committed. */
static void commit_pages(const struct sb_variant *v, sb_db *db, uint64_t stamp,
                         const uint64_t *pages, unsigned count)
{
	cr_assert_eq(fixture_commit(v, db, page_size, stamp, pages, count), SB_OK,
	             "%s: commit", v->name);
}

ParameterizedTestParameters(conformance, initial_pages_are_the_ones_supplied)
{
	return fixture_variants(FIXTURE_ALL);
}
ParameterizedTest(struct variant_case *c, conformance, initial_pages_are_the_ones_supplied)
{
	const struct sb_variant *v = sb_variants[c->index];
	sb_db *db = fixture_open(v, PAGES, &page_size, 1, 0, c->publish);
	sb_snap *snap = v->begin_read(db);
	cr_assert_not_null(snap);
	cr_assert_eq(v->snapshot_commit(snap), 0, "%s", v->name);
	for (uint64_t n = 0; n < PAGES; n++)
		cr_assert_eq(fixture_stamp(v, snap, page_size, n), 0, "%s", v->name);
	v->end_read(snap);
	fixture_close(v, db);
}

ParameterizedTestParameters(conformance, reader_after_commit_sees_new_pages)
{
	return fixture_variants(FIXTURE_ALL);
}
ParameterizedTest(struct variant_case *c, conformance, reader_after_commit_sees_new_pages)
{
	const struct sb_variant *v = sb_variants[c->index];
	sb_db *db = fixture_open(v, PAGES, &page_size, 0, 1, c->publish);
	commit_pages(v, db, 1, (uint64_t[]){3, 5}, 2);
	sb_snap *snap = latest_snapshot(v, db);
	cr_assert_eq(v->snapshot_commit(snap), 1, "%s", v->name);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 3), 1, "%s", v->name);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 5), 1, "%s", v->name);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 4), 0, "%s", v->name);
	v->end_read(snap);
	commit_pages(v, db, 2, (uint64_t[]){5, 6}, 2);
	commit_pages(v, db, 3, (uint64_t[]){0, 15}, 2);
	snap = latest_snapshot(v, db);
	cr_assert_eq(v->snapshot_commit(snap), 3, "%s: snapshot_commit", v->name);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 3), 1, "%s", v->name);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 5), 2, "%s", v->name);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 15), 3, "%s", v->name);
	v->end_read(snap);
	fixture_close(v, db);
}

ParameterizedTestParameters(conformance, write_page_holds_current_contents)
{
	return fixture_variants(FIXTURE_ALL);
}
ParameterizedTest(struct variant_case *c, conformance, write_page_holds_current_contents)
{
	const struct sb_variant *v = sb_variants[c->index];
	sb_db *db = fixture_open(v, PAGES, &page_size, 0, 1, c->publish);
	commit_pages(v, db, 1, (uint64_t[]){2, 7}, 2);
	sb_txn *txn = v->begin_write(db);
	void *page = v->write_page(txn, 2);
	cr_assert_eq(page_header(page)->stamp, 1, "%s: committed version", v->name);
	page_fill(page, page_size, 2, 2, 0);
	page = v->write_page(txn, 2);
	cr_assert_eq(page_header(page)->stamp, 2,
	             "%s: the transaction's own earlier write", v->name);
	page = v->write_page(txn, 7);
	page_fill(page, page_size, 7, 2, 0);
	cr_assert_eq(v->commit(txn), SB_OK);
	sb_snap *snap = latest_snapshot(v, db);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 2), 2, "%s", v->name);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 7), 2, "%s", v->name);
	v->end_read(snap);
	fixture_close(v, db);
}

struct writer_job {
	const struct sb_variant *v;
	sb_db *db;
	uint64_t first_stamp;
	unsigned commits;
	_Atomic bool done;
};

static void *writer_thread(void *arg)
{
	struct writer_job *job = arg;
	cr_assert_eq(sb_thread_enter(job->v, job->db), SB_OK);
	for (unsigned i = 0; i < job->commits; i++)
		commit_pages(job->v, job->db, job->first_stamp + i,
		             (uint64_t[]){3, 4}, 2);
	sb_thread_exit(job->v, job->db);
	atomic_store(&job->done, true);
	return NULL;
}

/* Waits until the job is done or `ms` passed: a variant whose writer waits
 * for readers is not done while one is open. */
static void wait_for(struct writer_job *job, unsigned ms)
{
	for (unsigned i = 0; i < ms && !atomic_load(&job->done); i++)
		usleep(1000);
}

/* Runs the job on a thread of its own, and waits for it as wait_for does. */
static pthread_t start_writer(struct writer_job *job, unsigned ms)
{
	pthread_t writer;
	pthread_create(&writer, NULL, writer_thread, job);
	wait_for(job, ms);
	return writer;
}

ParameterizedTestParameters(conformance, reader_before_commit_keeps_old_pages)
{
	return fixture_variants(FIXTURE_SAFE);
}
ParameterizedTest(struct variant_case *c, conformance, reader_before_commit_keeps_old_pages)
{
	const struct sb_variant *v = sb_variants[c->index];
	sb_db *db = fixture_open(v, PAGES, &page_size, 1, 1, c->publish);
	sb_snap *old = v->begin_read(db);
	struct writer_job job = {v, db, 1, 3, false};
	pthread_t writer = start_writer(&job, 300);
	cr_assert_eq(v->snapshot_commit(old), 0, "%s", v->name);
	cr_assert_eq(fixture_stamp(v, old, page_size, 3), 0, "%s: saw a later commit", v->name);
	cr_assert_eq(fixture_stamp(v, old, page_size, 4), 0, "%s: saw a later commit", v->name);
	v->end_read(old);
	pthread_join(writer, NULL);
	sb_snap *fresh = latest_snapshot(v, db);
	cr_assert_eq(v->snapshot_commit(fresh), 3, "%s", v->name);
	cr_assert_eq(fixture_stamp(v, fresh, page_size, 3), 3, "%s", v->name);
	cr_assert_eq(fixture_stamp(v, fresh, page_size, 4), 3, "%s", v->name);
	v->end_read(fresh);
	fixture_close(v, db);
}

struct reader_job {
	const struct sb_variant *v;
	sb_db *db;
	uint64_t snapshot, stamp3, stamp4;
};

static void *reader_thread(void *arg)
{
	struct reader_job *job = arg;
	cr_assert_eq(sb_thread_enter(job->v, job->db), SB_OK);
	sb_snap *snap = job->v->begin_read(job->db);
	job->snapshot = job->v->snapshot_commit(snap);
	job->stamp3 = fixture_stamp(job->v, snap, page_size, 3);
	job->stamp4 = fixture_stamp(job->v, snap, page_size, 4);
	job->v->end_read(snap);
	sb_thread_exit(job->v, job->db);
	return NULL;
}

ParameterizedTestParameters(conformance, writes_invisible_until_commit)
{
	return fixture_variants(FIXTURE_SAFE);
}
ParameterizedTest(struct variant_case *c, conformance, writes_invisible_until_commit)
{
	const struct sb_variant *v = sb_variants[c->index];
	sb_db *db = fixture_open(v, PAGES, &page_size, 1, 1, c->publish);
	sb_txn *txn = v->begin_write(db);
	page_fill(v->write_page(txn, 3), page_size, 3, 1, 0);
	page_fill(v->write_page(txn, 4), page_size, 4, 1, 0);
	/* A reader during the transaction (it may wait for the commit). */
	struct reader_job job = {v, db, 99, 99, 99};
	pthread_t reader;
	pthread_create(&reader, NULL, reader_thread, &job);
	usleep(100000);
	cr_assert_eq(v->commit(txn), SB_OK);
	pthread_join(reader, NULL);
	cr_assert(job.snapshot <= 1, "%s: snapshot %llu", v->name,
	          (unsigned long long)job.snapshot);
	cr_assert_eq(job.stamp3, job.snapshot,
	             "%s: snapshot %llu saw page 3 at stamp %llu", v->name,
	             (unsigned long long)job.snapshot,
	             (unsigned long long)job.stamp3);
	cr_assert_eq(job.stamp4, job.snapshot, "%s", v->name);
	fixture_close(v, db);
}

/* ---- memory: retained and visible bytes (variants/common.h) ---- */

/* The variant's statistics, after checking what holds at any moment: no
 * more visible than retained, and no peak below its current value. */
static struct sb_stats memory_sample(const struct sb_variant *v, sb_db *db)
{
	struct sb_stats stats = fixture_stats(v, db);
	cr_assert_leq(stats.retained_visible_bytes, stats.retained_bytes,
	              "%s: %llu visible of %llu retained", v->name,
	              (unsigned long long)stats.retained_visible_bytes,
	              (unsigned long long)stats.retained_bytes);
	cr_assert_geq(stats.retained_peak_bytes, stats.retained_bytes, "%s",
	              v->name);
	cr_assert_geq(stats.retained_visible_peak_bytes,
	              stats.retained_visible_bytes, "%s", v->name);
	return stats;
}

/* The least retained bytes seen while deferred reclamation (a grace
 * period, an epoch) catches up, polling for up to `ms` milliseconds and
 * stopping early at `target`. */
static uint64_t retained_settling_to(const struct sb_variant *v, sb_db *db,
                                     uint64_t target, unsigned ms)
{
	uint64_t least = memory_sample(v, db).retained_bytes;
	for (unsigned waited = 0; least != target && waited < ms; waited += 10) {
		usleep(10000);
		uint64_t now = memory_sample(v, db).retained_bytes;
		if (now < least)
			least = now;
	}
	return least;
}

/* Visible bytes once every snapshot has ended, polling for up to three
 * seconds for a reclamation that is deferred. */
static uint64_t settled_visible_bytes(const struct sb_variant *v, sb_db *db)
{
	uint64_t visible = memory_sample(v, db).retained_visible_bytes;
	for (int i = 0; i < 300 && visible != 0; i++) {
		usleep(10000);
		visible = memory_sample(v, db).retained_visible_bytes;
	}
	return visible;
}

ParameterizedTestParameters(conformance, nothing_is_visible_without_a_snapshot)
{
	return fixture_variants(FIXTURE_ALL);
}
ParameterizedTest(struct variant_case *c, conformance, nothing_is_visible_without_a_snapshot)
{
	const struct sb_variant *v = sb_variants[c->index];
	/* A variant unsafe with readers and writers at once is opened for a
	 * writer; its snapshot below is taken with no commit running. */
	sb_db *db = fixture_open(v, PAGES, &page_size, v->concurrent_safe, 1,
	                         c->publish);
	cr_assert_eq(memory_sample(v, db).retained_visible_bytes, 0,
	             "%s: visible bytes at open", v->name);
	commit_pages(v, db, 1, (uint64_t[]){3, 4}, 2);
	commit_pages(v, db, 2, (uint64_t[]){3, 5}, 2);
	cr_assert_eq(settled_visible_bytes(v, db), 0,
	             "%s: visible bytes after commits with no snapshot", v->name);
	sb_snap *snap = v->begin_read(db);
	memory_sample(v, db);
	v->end_read(snap);
	cr_assert_eq(settled_visible_bytes(v, db), 0,
	             "%s: visible bytes after the only snapshot ended", v->name);
	fixture_close(v, db);
}

ParameterizedTestParameters(conformance, retained_returns_to_the_variants_baseline_after_readers_end)
{
	return fixture_variants(FIXTURE_SAFE);
}
ParameterizedTest(struct variant_case *c, conformance, retained_returns_to_the_variants_baseline_after_readers_end)
{
	const struct sb_variant *v = sb_variants[c->index];
	sb_db *db = fixture_open(v, PAGES, &page_size, 1, 1, c->publish);
	uint64_t at_open = memory_sample(v, db).retained_bytes;
	/* The baseline: after a first commit, made on a thread of its own as
	 * the later ones are, has made whatever is kept for reuse (pools and
	 * per-thread records are retained bytes too), with no reader. */
	struct writer_job first = {v, db, 1, 1, false};
	pthread_t first_writer;
	pthread_create(&first_writer, NULL, writer_thread, &first);
	pthread_join(first_writer, NULL);
	uint64_t baseline = retained_settling_to(v, db, at_open, 2000);
	sb_snap *old = v->begin_read(db);
	struct writer_job job = {v, db, 2, 5, false};
	pthread_t writer = start_writer(&job, 300);
	memory_sample(v, db);
	cr_assert_eq(fixture_stamp(v, old, page_size, 3), v->frozen ? 0 : 1,
	             "%s", v->name);
	v->end_read(old);
	pthread_join(writer, NULL);
	commit_pages(v, db, 1000, (uint64_t[]){8, 9}, 2);
	cr_assert_eq(settled_visible_bytes(v, db), 0, "%s: visible bytes after "
	             "the reader ended", v->name);
	if (v->engine) {
		/* An engine's files do not shrink: what a reader made them grow
		 * stays, but with no reader further commits reuse it. */
		uint64_t after_reader = retained_settling_to(v, db, 0, 0);
		cr_assert_geq(after_reader, baseline, "%s", v->name);
		for (uint64_t stamp = 1001; stamp <= 1010; stamp++)
			commit_pages(v, db, stamp, (uint64_t[]){3, 4}, 2);
		uint64_t later = memory_sample(v, db).retained_bytes;
		cr_assert_leq(later, after_reader, "%s: %llu bytes retained after "
		              "commits with no reader, %llu before them", v->name,
		              (unsigned long long)later,
		              (unsigned long long)after_reader);
	} else {
		uint64_t retained = retained_settling_to(v, db, baseline, 3000);
		cr_assert_eq(retained, baseline, "%s: %llu bytes retained, %llu "
		             "before the reader", v->name,
		             (unsigned long long)retained,
		             (unsigned long long)baseline);
	}
	fixture_close(v, db);
}

ParameterizedTestParameters(conformance, a_snapshot_that_keeps_old_pages_makes_them_visible)
{
	return fixture_variants(FIXTURE_SAFE);
}
ParameterizedTest(struct variant_case *c, conformance, a_snapshot_that_keeps_old_pages_makes_them_visible)
{
	const struct sb_variant *v = sb_variants[c->index];
	sb_db *db = fixture_open(v, PAGES, &page_size, 1, 1, c->publish);
	sb_snap *old = v->begin_read(db);
	struct writer_job job = {v, db, 1, 5, false};
	pthread_t writer = start_writer(&job, 1000);
	/* A writer that waits for the snapshot keeps nothing for it. */
	if (atomic_load(&job.done)) {
		/* Page 3 is at commit 5 now, and the snapshot still shows its
		 * commit-0 version: bytes beyond the one copy that it reaches. */
		cr_assert_eq(fixture_stamp(v, old, page_size, 3), 0, "%s", v->name);
		struct sb_stats stats = memory_sample(v, db);
		cr_assert_gt(stats.retained_visible_bytes, 0, "%s: a snapshot "
		             "reads kept versions, none visible", v->name);
		cr_assert_gt(stats.retained_bytes, 0, "%s", v->name);
	}
	v->end_read(old);
	pthread_join(writer, NULL);
	fixture_close(v, db);
}

/* ---- frozen variants ---- */

ParameterizedTestParameters(conformance, properties_agree)
{
	return fixture_variants(FIXTURE_ALL);
}
ParameterizedTest(struct variant_case *c, conformance, properties_agree)
{
	const struct sb_variant *v = sb_variants[c->index];
	/* Only a frozen variant needs a final read of its own (variant.h),
	 * and a frozen variant is a control whose readers lag: eventual. */
	cr_assert_eq(v->begin_final_read != NULL, v->frozen, "%s", v->name);
	if (v->frozen)
		cr_assert(v->control && !v->strict, "%s", v->name);
	cr_assert(!(v->control && v->engine), "%s", v->name);
}

ParameterizedTestParameters(conformance, frozen_readers_see_commit_0_and_the_final_read_every_commit)
{
	return fixture_variants(FIXTURE_FROZEN);
}
ParameterizedTest(struct variant_case *c, conformance, frozen_readers_see_commit_0_and_the_final_read_every_commit)
{
	const struct sb_variant *v = sb_variants[c->index];
	sb_db *db = fixture_open(v, PAGES, &page_size, 1, 1, c->publish);
	sb_snap *before = v->begin_read(db);
	for (uint64_t stamp = 1; stamp <= 4; stamp++)
		commit_pages(v, db, stamp, (uint64_t[]){stamp, stamp + 8}, 2);
	sb_snap *after = v->begin_read(db);
	for (uint64_t n = 0; n < PAGES; n++) {
		cr_assert_eq(fixture_stamp(v, before, page_size, n), 0, "%s", v->name);
		cr_assert_eq(fixture_stamp(v, after, page_size, n), 0, "%s", v->name);
	}
	cr_assert_eq(v->snapshot_commit(before), 0, "%s", v->name);
	cr_assert_eq(v->snapshot_commit(after), 0, "%s", v->name);
	v->end_read(before);
	v->end_read(after);
	sb_snap *final = v->begin_final_read(db);
	cr_assert_eq(v->snapshot_commit(final), 4, "%s", v->name);
	for (uint64_t n = 0; n < PAGES; n++) {
		uint64_t written = (n >= 1 && n <= 4) ? n
		                 : (n >= 9 && n <= 12) ? n - 8 : 0;
		cr_assert_eq(fixture_stamp(v, final, page_size, n), written,
		             "%s: page %llu", v->name, (unsigned long long)n);
	}
	v->end_read(final);
	fixture_close(v, db);
}

struct enter_job {
	const struct sb_variant *v;
	sb_db *db;
	unsigned bad;
};

static void *enter_exit_thread(void *arg)
{
	struct enter_job *job = arg;
	for (int i = 0; i < 20; i++) {
		if (sb_thread_enter(job->v, job->db) != SB_OK) {
			job->bad++;
			continue;
		}
		sb_snap *snap = job->v->begin_read(job->db);
		const struct page_header *h = page_header(job->v->read_page(snap, 6));
		if (h->pageno != 6 || job->v->snapshot_commit(snap) != 0)
			job->bad++;
		job->v->end_read(snap);
		sb_thread_exit(job->v, job->db);
	}
	return NULL;
}

ParameterizedTestParameters(conformance, threads_enter_and_exit_repeatedly)
{
	return fixture_variants(FIXTURE_ALL);
}
ParameterizedTest(struct variant_case *c, conformance, threads_enter_and_exit_repeatedly)
{
	const struct sb_variant *v = sb_variants[c->index];
	sb_db *db = fixture_open(v, PAGES, &page_size, 4, 0, c->publish);
	struct enter_job jobs[4];
	pthread_t threads[4];
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct enter_job){v, db, 0};
		pthread_create(&threads[i], NULL, enter_exit_thread, &jobs[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(threads[i], NULL);
		cr_assert_eq(jobs[i].bad, 0, "%s", v->name);
	}
	fixture_close(v, db);
}
