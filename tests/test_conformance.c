/*
 * Conformance: what variant.h promises, checked against every registered
 * variant, in each publish mode it honours (a new variant is tested by being
 * registered).  Tests that need a reader and a writer at once run on the
 * variants that are safe with them.  An eventual variant (two copies with
 * try-publish) is held to the same tests: with no reader on the old copy
 * its publish must go through at once, and a reader that begins after the
 * old copy drained must see every commit.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <pthread.h>
#include <unistd.h>

#include "fixture.h"

#define PAGES 16
static size_t page_size = 128;


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
	sb_snap *snap = v->begin_read(db);
	cr_assert_eq(v->snapshot_commit(snap), 1, "%s", v->name);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 3), 1, "%s", v->name);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 5), 1, "%s", v->name);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 4), 0, "%s", v->name);
	v->end_read(snap);
	commit_pages(v, db, 2, (uint64_t[]){5, 6}, 2);
	commit_pages(v, db, 3, (uint64_t[]){0, 15}, 2);
	snap = v->begin_read(db);
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
	sb_snap *snap = v->begin_read(db);
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
	pthread_t writer;
	pthread_create(&writer, NULL, writer_thread, &job);
	wait_for(&job, 300);
	cr_assert_eq(v->snapshot_commit(old), 0, "%s", v->name);
	cr_assert_eq(fixture_stamp(v, old, page_size, 3), 0, "%s: saw a later commit", v->name);
	cr_assert_eq(fixture_stamp(v, old, page_size, 4), 0, "%s: saw a later commit", v->name);
	v->end_read(old);
	pthread_join(writer, NULL);
	sb_snap *fresh = v->begin_read(db);
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

/* Retained bytes once every reader ended, after one more commit and up to
 * three seconds for deferred reclamation: back to what the database held
 * when it opened (0 for most schemes; a second copy for a two-copy scheme). */
/* Commits once more, then waits up to 3 s for retained_visible_bytes to
 * fall to 0 (no reader is live); returns it. */
static uint64_t settled_visible_bytes(const struct sb_variant *v, sb_db *db)
{
	commit_pages(v, db, 1000, (uint64_t[]){8, 9}, 2);
	struct sb_stats stats;
	for (int i = 0; i < 300; i++) {
		v->stats(db, &stats);
		if (stats.retained_visible_bytes == 0)
			break;
		usleep(10000);
	}
	return stats.retained_visible_bytes;
}

ParameterizedTestParameters(conformance, retained_bytes_return_to_their_value_at_open)
{
	return fixture_variants(FIXTURE_SAFE);
}
ParameterizedTest(struct variant_case *c, conformance, retained_bytes_return_to_their_value_at_open)
{
	const struct sb_variant *v = sb_variants[c->index];
	sb_db *db = fixture_open(v, PAGES, &page_size, 1, 1, c->publish);
	struct sb_stats stats;
	v->stats(db, &stats);
	uint64_t at_open = stats.retained_bytes;
	/* A slab-based store holds its 2 MiB slab for a tiny database. */
	cr_assert_leq(at_open, (uint64_t)PAGES * page_size + (4u << 20),
	              "%s: more than one extra copy retained at open", v->name);
	sb_snap *old = v->begin_read(db);
	struct writer_job job = {v, db, 1, 5, false};
	pthread_t writer;
	pthread_create(&writer, NULL, writer_thread, &job);
	wait_for(&job, 300);
	cr_assert_eq(fixture_stamp(v, old, page_size, 3), 0, "%s", v->name);
	v->end_read(old);
	pthread_join(writer, NULL);
	uint64_t retained = settled_visible_bytes(v, db);
	cr_assert_eq(retained, 0, "%s: %llu bytes still visible, %llu retained at open",
	             v->name, (unsigned long long)retained,
	             (unsigned long long)at_open);
	v->stats(db, &stats);
	cr_assert_geq(stats.retained_peak_bytes, stats.retained_bytes);
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
