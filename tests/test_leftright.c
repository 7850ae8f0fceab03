/*
 * leftright: what its two publish modes promise beyond the shared
 * conformance tests.  --lr-publish=block: a commit waits for the readers of
 * the old copy (measured by writer_blocked_ns), while new readers already
 * see it.  --lr-publish=try: the writer never waits; commits made while the
 * old copy has readers stay invisible (with an exact snapshot commit) until
 * it drains, and are then published without another commit; the oplog
 * counts as retained bytes until both copies hold it.  Retained bytes are
 * the second copy and its bookkeeping; visible bytes are the second copy
 * while a snapshot is open.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <unistd.h>

#include "clock.h"
#include "fixture.h"

#define PAGES 16
static size_t page_size = 128;

static const struct sb_variant *leftright(void)
{
	const struct sb_variant *v = sb_variant_find("leftright");
	cr_assert_not_null(v, "leftright is not registered");
	return v;
}

static uint64_t now_ms(void)
{
	return sb_now_ns() / 1000000u;
}

/* One transaction stamping pages `a` and `b` with `stamp`. */
static void commit_two(sb_db *db, uint64_t stamp, uint64_t a, uint64_t b)
{
	fixture_commit_ok(leftright(), db, page_size, stamp, (uint64_t[]){a, b},
	                  2);
}

/* A short read on a thread of its own: the snapshot it got and the stamps
 * of pages 3 and 4. */
struct probe {
	sb_db *db;
	uint64_t snapshot, stamp3, stamp4;
};

static void *probe_thread(void *arg)
{
	struct probe *p = arg;
	const struct sb_variant *v = leftright();
	cr_assert_eq(sb_thread_enter(v, p->db), SB_OK);
	sb_snap *snap = v->begin_read(p->db);
	cr_assert_not_null(snap);
	p->snapshot = v->snapshot_commit(snap);
	p->stamp3 = fixture_stamp(v, snap, page_size, 3);
	p->stamp4 = fixture_stamp(v, snap, page_size, 4);
	v->end_read(snap);
	sb_thread_exit(v, p->db);
	return NULL;
}

static struct probe probe(sb_db *db)
{
	struct probe p = {db, 99, 99, 99};
	pthread_t thread;
	cr_assert_eq(pthread_create(&thread, NULL, probe_thread, &p), 0);
	pthread_join(thread, NULL);
	return p;
}

/* ---- block mode ---- */

struct long_reader {
	sb_db *db;
	unsigned hold_ms;
	_Atomic bool inside;
	uint64_t snapshot, stamp3, end_ms;
};

static void *long_reader_thread(void *arg)
{
	struct long_reader *r = arg;
	const struct sb_variant *v = leftright();
	cr_assert_eq(sb_thread_enter(v, r->db), SB_OK);
	sb_snap *snap = v->begin_read(r->db);
	atomic_store(&r->inside, true);
	usleep(r->hold_ms * 1000u);
	r->snapshot = v->snapshot_commit(snap);
	r->stamp3 = fixture_stamp(v, snap, page_size, 3);
	r->end_ms = now_ms();
	v->end_read(snap);
	sb_thread_exit(v, r->db);
	return NULL;
}

Test(leftright, block_commit_waits_for_a_long_reader_about_its_duration)
{
	const struct sb_variant *v = leftright();
	sb_db *db = fixture_open(v, PAGES, &page_size, 2, 1, SB_PUBLISH_BLOCK);
	struct long_reader r = {.db = db, .hold_ms = 300};
	pthread_t reader;
	cr_assert_eq(pthread_create(&reader, NULL, long_reader_thread, &r), 0);
	while (!atomic_load(&r.inside))
		usleep(1000);
	uint64_t start = now_ms();
	commit_two(db, 1, 3, 4);
	uint64_t returned = now_ms();
	pthread_join(reader, NULL);
	uint64_t blocked_ms = fixture_stats(v, db).writer_blocked_ns / 1000000u;
	cr_assert_geq(returned, r.end_ms, "commit returned before the reader left");
	cr_assert_geq(blocked_ms, 250, "writer blocked only %llu ms",
	              (unsigned long long)blocked_ms);
	cr_assert_leq(blocked_ms, returned - start + 1);
	cr_assert_eq(r.snapshot, 0);
	cr_assert_eq(r.stamp3, 0, "the long reader saw the commit");
	struct probe after = probe(db);
	cr_assert_eq(after.snapshot, 1);
	cr_assert_eq(after.stamp3, 1);
	fixture_close(v, db);
}

Test(leftright, block_commit_without_readers_does_not_block)
{
	const struct sb_variant *v = leftright();
	sb_db *db = fixture_open(v, PAGES, &page_size, 2, 1, SB_PUBLISH_BLOCK);
	for (uint64_t c = 1; c <= 50; c++)
		commit_two(db, c, c % PAGES, (c + 1) % PAGES);
	cr_assert_eq(fixture_stats(v, db).writer_blocked_ns, 0);
	fixture_close(v, db);
}

struct writer_job {
	sb_db *db;
	_Atomic bool done;
};

static void *one_commit_thread(void *arg)
{
	struct writer_job *job = arg;
	cr_assert_eq(sb_thread_enter(leftright(), job->db), SB_OK);
	commit_two(job->db, 1, 3, 4);
	sb_thread_exit(leftright(), job->db);
	atomic_store(&job->done, true);
	return NULL;
}

Test(leftright, block_new_reader_sees_commit_while_the_writer_still_waits)
{
	const struct sb_variant *v = leftright();
	sb_db *db = fixture_open(v, PAGES, &page_size, 2, 1, SB_PUBLISH_BLOCK);
	sb_snap *old = v->begin_read(db);
	struct writer_job job = {db, false};
	pthread_t writer;
	cr_assert_eq(pthread_create(&writer, NULL, one_commit_thread, &job), 0);
	/* The swap comes first in commit: a new reader soon sees commit 1,
	 * without waiting, while the writer waits for `old`. */
	struct probe fresh = {0};
	for (int i = 0; i < 2000 && fresh.snapshot != 1; i++) {
		usleep(1000);
		fresh = probe(db);
	}
	cr_assert_eq(fresh.snapshot, 1, "no reader saw the commit");
	cr_assert_eq(fresh.stamp3, 1);
	cr_assert_eq(fresh.stamp4, 1);
	cr_assert(!atomic_load(&job.done), "the writer did not wait for `old`");
	cr_assert_eq(fixture_stamp(v, old, page_size, 3), 0);
	v->end_read(old);
	pthread_join(writer, NULL);
	cr_assert_gt(fixture_stats(v, db).writer_blocked_ns, 0);
	fixture_close(v, db);
}

/* A thread's reader record and the like: small next to a copy. */
#define BOOKKEEPING_MAX 4096u

Test(leftright, block_retained_bytes_are_the_second_copy_and_its_bookkeeping)
{
	const struct sb_variant *v = leftright();
	sb_db *db = fixture_open(v, PAGES, &page_size, 2, 1, SB_PUBLISH_BLOCK);
	const uint64_t copy = PAGES * page_size, bitmap = (PAGES + 63) / 64 * 8;
	uint64_t at_open = fixture_stats(v, db).retained_bytes;
	cr_assert_geq(at_open, copy + bitmap);
	cr_assert_leq(at_open, copy + bitmap + BOOKKEEPING_MAX);
	/* The first commit makes the log's array, kept for the next ones. */
	commit_two(db, 1, 3, 4);
	uint64_t with_log = fixture_stats(v, db).retained_bytes;
	cr_assert_gt(with_log, at_open);
	cr_assert_leq(with_log, at_open + BOOKKEEPING_MAX);
	for (uint64_t c = 2; c <= 5; c++)
		commit_two(db, c, 3, c + 3);
	struct sb_stats stats = fixture_stats(v, db);
	cr_assert_eq(stats.retained_bytes, with_log);
	cr_assert_eq(stats.retained_peak_bytes, with_log);
	cr_assert_eq(stats.retained_visible_bytes, 0, "no snapshot is open");
	fixture_close(v, db);
}

Test(leftright, visible_bytes_are_the_second_copy_while_a_snapshot_is_open)
{
	const struct sb_variant *v = leftright();
	sb_db *db = fixture_open(v, PAGES, &page_size, 2, 1, SB_PUBLISH_TRY);
	cr_assert_eq(fixture_stats(v, db).retained_visible_bytes, 0);
	sb_snap *snap = v->begin_read(db);
	commit_two(db, 1, 3, 4);
	struct sb_stats stats = fixture_stats(v, db);
	cr_assert_eq(stats.retained_visible_bytes, PAGES * page_size);
	cr_assert_lt(stats.retained_visible_bytes, stats.retained_bytes);
	v->end_read(snap);
	stats = fixture_stats(v, db);
	cr_assert_eq(stats.retained_visible_bytes, 0);
	cr_assert_eq(stats.retained_visible_peak_bytes, PAGES * page_size);
	fixture_close(v, db);
}

/* ---- try mode ---- */

Test(leftright, try_commit_never_waits_for_a_reader_on_the_old_copy)
{
	const struct sb_variant *v = leftright();
	sb_db *db = fixture_open(v, PAGES, &page_size, 2, 1, SB_PUBLISH_TRY);
	/* This thread holds a snapshot and commits: in block mode that would
	 * wait for itself forever. */
	sb_snap *old = v->begin_read(db);
	uint64_t start = now_ms();
	for (uint64_t c = 1; c <= 50; c++)
		commit_two(db, c, 3, 4);
	cr_assert_lt(now_ms() - start, 1000);
	cr_assert_eq(fixture_stats(v, db).writer_blocked_ns, 0);
	cr_assert_eq(v->snapshot_commit(old), 0);
	cr_assert_eq(fixture_stamp(v, old, page_size, 3), 0);
	cr_assert_eq(fixture_stamp(v, old, page_size, 4), 0);
	v->end_read(old);
	fixture_close(v, db);
}

Test(leftright, try_publish_goes_through_at_once_without_readers)
{
	const struct sb_variant *v = leftright();
	sb_db *db = fixture_open(v, PAGES, &page_size, 2, 1, SB_PUBLISH_TRY);
	for (uint64_t c = 1; c <= 5; c++) {
		commit_two(db, c, 3, 4);
		struct probe p = probe(db);
		cr_assert_eq(p.snapshot, c);
		cr_assert_eq(p.stamp3, c);
	}
	fixture_close(v, db);
}

Test(leftright, try_reader_after_the_old_copy_drained_sees_every_commit)
{
	const struct sb_variant *v = leftright();
	sb_db *db = fixture_open(v, PAGES, &page_size, 2, 1, SB_PUBLISH_TRY);
	sb_snap *old = v->begin_read(db);
	/* Commit 1 goes into the copy nobody reads and is published at once;
	 * `old` stays on the other copy, so commits 2..5 cannot be. */
	commit_two(db, 1, 3, 4);
	cr_assert_eq(probe(db).snapshot, 1);
	for (uint64_t c = 2; c <= 5; c++)
		commit_two(db, c, 3, 4);
	struct probe stale = probe(db);
	cr_assert_eq(stale.snapshot, 1, "snapshot %llu while the old copy is held",
	             (unsigned long long)stale.snapshot);
	cr_assert_eq(stale.stamp3, 1);
	cr_assert_eq(stale.stamp4, 1);
	cr_assert_eq(fixture_stamp(v, old, page_size, 3), 0);
	/* The last reader leaves the old copy: no further commit is needed. */
	v->end_read(old);
	struct probe fresh = probe(db);
	cr_assert_eq(fresh.snapshot, 5);
	cr_assert_eq(fresh.stamp3, 5);
	cr_assert_eq(fresh.stamp4, 5);
	fixture_close(v, db);
}

Test(leftright, try_publish_waits_for_the_last_of_several_readers_on_the_old_copy)
{
	const struct sb_variant *v = leftright();
	sb_db *db = fixture_open(v, PAGES, &page_size, 2, 1, SB_PUBLISH_TRY);
	struct long_reader r = {.db = db, .hold_ms = 200};
	pthread_t reader;
	cr_assert_eq(pthread_create(&reader, NULL, long_reader_thread, &r), 0);
	while (!atomic_load(&r.inside))
		usleep(1000);
	sb_snap *old = v->begin_read(db);
	commit_two(db, 1, 3, 4);
	commit_two(db, 2, 3, 4);
	v->end_read(old);
	/* One reader is still on the old copy. */
	cr_assert_eq(probe(db).snapshot, 1);
	pthread_join(reader, NULL);
	cr_assert_eq(r.stamp3, 0);
	cr_assert_eq(probe(db).snapshot, 2);
	fixture_close(v, db);
}

Test(leftright, try_write_page_starts_from_a_pending_commit)
{
	const struct sb_variant *v = leftright();
	sb_db *db = fixture_open(v, PAGES, &page_size, 2, 1, SB_PUBLISH_TRY);
	sb_snap *old = v->begin_read(db);
	commit_two(db, 1, 3, 4);  /* published */
	commit_two(db, 2, 3, 5);  /* pending: `old` holds the other copy */
	sb_txn *txn = v->begin_write(db);
	cr_assert_eq(page_header(v->write_page(txn, 3))->stamp, 2,
	             "not the pending commit's page");
	cr_assert_eq(page_header(v->write_page(txn, 4))->stamp, 1);
	cr_assert_eq(page_header(v->write_page(txn, 6))->stamp, 0);
	page_fill(v->write_page(txn, 6), page_size, 6, 3, 0);
	cr_assert_eq(v->commit(txn), SB_OK);
	v->end_read(old);
	struct probe fresh = probe(db);
	cr_assert_eq(fresh.snapshot, 3);
	cr_assert_eq(fresh.stamp3, 2);
	cr_assert_eq(fresh.stamp4, 1);
	fixture_close(v, db);
}

Test(leftright, try_oplog_counts_as_retained_until_both_copies_hold_it)
{
	const struct sb_variant *v = leftright();
	sb_db *db = fixture_open(v, PAGES, &page_size, 2, 1, SB_PUBLISH_TRY);
	const uint64_t copy = PAGES * page_size, entry = 64 + page_size;
	const uint64_t index = PAGES * 16;
	uint64_t at_open = fixture_stats(v, db).retained_bytes;
	cr_assert_geq(at_open, copy + index);
	cr_assert_leq(at_open, copy + index + BOOKKEEPING_MAX);
	/* Without readers both copies take each commit at once. */
	commit_two(db, 1, 3, 4);
	cr_assert_eq(fixture_stats(v, db).retained_bytes, at_open);
	sb_snap *old = v->begin_read(db);
	for (uint64_t c = 2; c <= 6; c++) {
		commit_two(db, c, 3, 4);
		cr_assert_eq(fixture_stats(v, db).retained_bytes,
		             at_open + 2 * (c - 1) * entry, "after commit %llu",
		             (unsigned long long)c);
	}
	v->end_read(old);
	commit_two(db, 7, 8, 9);
	struct sb_stats stats = fixture_stats(v, db);
	cr_assert_eq(stats.retained_bytes, at_open);
	cr_assert_geq(stats.retained_peak_bytes, at_open + 10 * entry);
	fixture_close(v, db);
}

Test(leftright, try_a_thread_may_hold_two_snapshots)
{
	const struct sb_variant *v = leftright();
	sb_db *db = fixture_open(v, PAGES, &page_size, 2, 1, SB_PUBLISH_TRY);
	sb_snap *outer = v->begin_read(db);
	sb_snap *inner = v->begin_read(db);
	v->end_read(inner);
	/* The thread is still on copy 0 through `outer`: commit 1 goes to
	 * copy 1, commit 2 must not overwrite copy 0. */
	commit_two(db, 1, 3, 4);
	commit_two(db, 2, 3, 4);
	cr_assert_eq(v->snapshot_commit(outer), 0);
	cr_assert_eq(fixture_stamp(v, outer, page_size, 3), 0,
	             "copy 0 overwritten under a reader");
	cr_assert_eq(fixture_stamp(v, outer, page_size, 4), 0);
	cr_assert_eq(probe(db).snapshot, 1);
	v->end_read(outer);
	cr_assert_eq(probe(db).snapshot, 2);
	fixture_close(v, db);
}
