/*
 * rustdb: RustDb's own scheme (variants/rustdb.c) beyond the conformance
 * tests — a history entry's key is the time its version ENDED (RustDb's
 * historical trim bug read it as the time the version began, and freed
 * versions live readers still needed), and the trims free versions between
 * two live readers while both still run, so that exactly the versions
 * some reader sees stay (visible bytes, exact after each trim).
 */
#include <criterion/criterion.h>

#include "fixture.h"

extern const struct sb_variant sb_variant_rustdb;
static const struct sb_variant *const v = &sb_variant_rustdb;

#define PAGES 16
static size_t page_size = 128;

static sb_db *open_db(void)
{
	return fixture_open(v, PAGES, &page_size, 2, 1, SB_PUBLISH_BLOCK);
}

static void commit_page(sb_db *db, uint64_t stamp, uint64_t pageno)
{
	fixture_commit_page(v, db, page_size, stamp, pageno);
}

static struct sb_stats stats(sb_db *db)
{
	return fixture_stats(v, db);
}

Test(rustdb, a_reader_keeps_a_version_that_ended_after_it_began)
{
	sb_db *db = open_db();
	commit_page(db, 1, 5);            /* page 5's version of commit 1 */
	sb_snap *reader = v->begin_read(db); /* sees commits 1.. 1 */
	commit_page(db, 2, 6);
	commit_page(db, 3, 6);
	/* Commit 4 replaces page 5's version: that version began at commit 1
	 * and ended with commit 4.  Its history entry's key is the time it
	 * ended (3, the time of commit 4's transaction); the reader's time (1)
	 * lies in it.  Read as the time the version began, the entry would
	 * serve times from 3 on only, and the trim at this commit's end
	 * (no reader from 2 to 3) would free it. */
	commit_page(db, 4, 5);
	cr_assert_eq(v->snapshot_commit(reader), 1);
	cr_assert_eq(fixture_stamp(v, reader, page_size, 5), 1,
	             "the reader lost the version it sees");
	cr_assert_eq(fixture_stamp(v, reader, page_size, 6), 0);
	v->end_read(reader);
	fixture_close(v, db);
}

Test(rustdb, versions_between_two_live_readers_are_freed_while_both_run)
{
	sb_db *db = open_db();
	const uint64_t at_open = stats(db).retained_bytes;
	sb_snap *a = v->begin_read(db);   /* time 0 */
	for (uint64_t c = 1; c <= 10; c++)
		commit_page(db, c, 3);
	/* Only the version reader a sees is kept (and the arrays holding it). */
	struct sb_stats s = stats(db);
	cr_assert_eq(s.retained_visible_bytes, page_size);
	sb_snap *b = v->begin_read(db);   /* time 10 */
	for (uint64_t c = 11; c <= 15; c++)
		commit_page(db, c, 3);
	/* Versions 1 to 9 were never seen; 10 is b's. */
	cr_assert_eq(stats(db).retained_visible_bytes, 2 * page_size);
	cr_assert_eq(fixture_stamp(v, a, page_size, 3), 0);
	cr_assert_eq(fixture_stamp(v, b, page_size, 3), 10);
	/* b ends while a still runs: b's version goes. */
	v->end_read(b);
	cr_assert_eq(stats(db).retained_visible_bytes, page_size);
	cr_assert_eq(fixture_stamp(v, a, page_size, 3), 0);
	v->end_read(a);
	s = stats(db);
	cr_assert_eq(s.retained_visible_bytes, 0);
	cr_assert_eq(s.retained_bytes, at_open, "%llu bytes retained, %llu at "
	             "open", (unsigned long long)s.retained_bytes,
	             (unsigned long long)at_open);
	cr_assert_eq(s.retained_visible_peak_bytes, 2 * page_size);
	fixture_close(v, db);
}

Test(rustdb, readers_of_one_time_share_an_entry_until_the_last_ends)
{
	sb_db *db = open_db();
	sb_snap *first = v->begin_read(db);
	sb_snap *second = v->begin_read(db);
	commit_page(db, 1, 3);
	commit_page(db, 2, 3);
	v->end_read(first);
	/* The second reader of time 0 still sees commit 0's version. */
	cr_assert_eq(fixture_stamp(v, second, page_size, 3), 0);
	cr_assert_eq(stats(db).retained_visible_bytes, page_size);
	v->end_read(second);
	cr_assert_eq(stats(db).retained_visible_bytes, 0);
	fixture_close(v, db);
}
