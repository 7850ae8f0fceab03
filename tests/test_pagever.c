/* pagever: RustDb's own concurrency test, precise trimming and moving
 * pages home; with --pv-home off (the ablation of moving pages home), the
 * same promises, the oracle, and pages that stay where the writer put
 * them. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <unistd.h>

#include "fixture.h"

extern const struct sb_variant sb_variant_pagever;
static const struct sb_variant *v = &sb_variant_pagever;

#define PAGES 32
static size_t page_size = 256;

static void commit_pages(sb_db *db, uint64_t stamp, uint64_t a, uint64_t b)
{
	cr_assert_eq(fixture_commit(v, db, page_size, stamp, (uint64_t[]){a, b}, 2),
	             SB_OK);
}

/* The bytes one old version costs: its page and its 64-byte header. */
#define VERSION_BYTES (page_size + 64)

static sb_db *open_db(bool move_home)
{
	return fixture_open_home(v, PAGES, &page_size, 1, 1, SB_PUBLISH_BLOCK,
	                         move_home);
}

/* The tests that hold with pages moved home (--pv-home on) and without. */
#define BOTH_HOMES(name)                                                     \
	ParameterizedTestParameters(pagever, name)                           \
	{                                                                    \
		static bool homes[] = {true, false};                         \
		return cr_make_param_array(bool, homes, 2);                  \
	}                                                                    \
	ParameterizedTest(bool *move_home, pagever, name)

/* Waits up to 3 s for the trimmer to bring the versions some live reader
 * can see (retained_visible_bytes) to `want` bytes. */
static uint64_t visible_settles_at(sb_db *db, uint64_t want)
{
	struct sb_stats stats;
	for (int i = 0; i < 300; i++) {
		v->stats(db, &stats);
		if (stats.retained_visible_bytes == want)
			break;
		usleep(10000);
	}
	return stats.retained_visible_bytes;
}

BOTH_HOMES(readers_opened_between_commits_each_see_their_time)
{
	/* RustDb's test: a reader opened before each of many updates, then
	 * every reader checked, in random order, for exactly its time. */
	enum { COMMITS = 1000 };
	sb_db *db = open_db(*move_home);
	sb_snap *reader[COMMITS];
	/* writer_of[c][p]: the last commit <= c that wrote page p. */
	static uint64_t last_write[COMMITS][PAGES];
	uint64_t current[PAGES] = {0};
	struct writer_rng rng = {5};
	for (uint64_t c = 0; c < COMMITS; c++) {
		reader[c] = v->begin_read(db);
		cr_assert_eq(v->snapshot_commit(reader[c]), c);
		for (int p = 0; p < PAGES; p++)
			last_write[c][p] = current[p];
		uint64_t a = rng_next(&rng) % PAGES, b = (a + 1 + rng_next(&rng) % (PAGES - 1)) % PAGES;
		commit_pages(db, c + 1, a, b);
		current[a] = current[b] = c + 1;
	}
	unsigned order[COMMITS];
	for (unsigned i = 0; i < COMMITS; i++)
		order[i] = i;
	for (unsigned i = COMMITS - 1; i > 0; i--) {
		unsigned j = (unsigned)(rng_next(&rng) % (i + 1)), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (unsigned i = 0; i < COMMITS; i++) {
		unsigned c = order[i];
		for (uint64_t p = 0; p < PAGES; p++) {
			const struct page_header *h = v->read_page(reader[c], p);
			cr_assert_eq(h->stamp, last_write[c][p],
			             "reader at %u, page %llu: stamp %llu, want %llu",
			             c, (unsigned long long)p,
			             (unsigned long long)h->stamp,
			             (unsigned long long)last_write[c][p]);
		}
		v->end_read(reader[c]);
	}
	cr_assert_eq(visible_settles_at(db, 0), 0);
	fixture_close(v, db);
}

BOTH_HOMES(versions_between_two_live_readers_are_freed)
{
	sb_db *db = open_db(*move_home);
	sb_snap *first = v->begin_read(db);           /* time 0 */
	for (uint64_t c = 1; c <= 10; c++)
		commit_pages(db, c, 5, 6);
	sb_snap *second = v->begin_read(db);          /* time 10 */
	for (uint64_t c = 11; c <= 12; c++)
		commit_pages(db, c, 5, 6);
	/* Needed: pages 5 and 6 as of 0 (first) and as of 10 (second);
	 * versions 1..9 lie between the readers and 11 is seen by no one. */
	cr_assert_eq(visible_settles_at(db, 4 * VERSION_BYTES), 4 * VERSION_BYTES);
	cr_assert_eq(((const struct page_header *)v->read_page(first, 5))->stamp, 0);
	cr_assert_eq(((const struct page_header *)v->read_page(second, 6))->stamp, 10);
	v->end_read(first);
	cr_assert_eq(visible_settles_at(db, 2 * VERSION_BYTES), 2 * VERSION_BYTES,
	             "the first reader's versions were not freed");
	cr_assert_eq(((const struct page_header *)v->read_page(second, 5))->stamp, 10);
	v->end_read(second);
	cr_assert_eq(visible_settles_at(db, 0), 0);
	struct sb_stats stats;
	v->stats(db, &stats);
	cr_assert_geq(stats.retained_visible_peak_bytes, 4 * VERSION_BYTES);
	cr_assert_geq(stats.retained_peak_bytes, stats.retained_visible_peak_bytes);
	fixture_close(v, db);
}

BOTH_HOMES(the_writer_never_waits_for_a_reader)
{
	sb_db *db = open_db(*move_home);
	sb_snap *reader = v->begin_read(db);
	for (uint64_t c = 1; c <= 100; c++)
		commit_pages(db, c, c % PAGES, (c + 1) % PAGES);
	struct sb_stats stats;
	v->stats(db, &stats);
	cr_assert_eq(stats.writer_blocked_ns, 0);
	cr_assert_eq(v->snapshot_commit(reader), 0);
	for (uint64_t p = 0; p < PAGES; p++)
		cr_assert_eq(((const struct page_header *)v->read_page(reader, p))->stamp, 0);
	/* One old version per page written while it was open. */
	cr_assert_eq(visible_settles_at(db, PAGES * VERSION_BYTES), PAGES * VERSION_BYTES);
	v->end_read(reader);
	cr_assert_eq(visible_settles_at(db, 0), 0);
	fixture_close(v, db);
}

BOTH_HOMES(an_ended_readers_versions_are_trimmed_and_the_others_kept)
{
	sb_db *db = open_db(*move_home);
	sb_snap *first = v->begin_read(db);           /* time 0 */
	commit_pages(db, 1, 5, 6);
	commit_pages(db, 2, 5, 7);
	sb_snap *second = v->begin_read(db);          /* time 2 */
	commit_pages(db, 3, 5, 6);
	/* first: pages 5, 6, 7 as of 0; second: 5 and 6 as of 2. */
	cr_assert_eq(visible_settles_at(db, 5 * VERSION_BYTES), 5 * VERSION_BYTES);
	v->end_read(first);
	/* second's two; and with home slots, page 7's away version too: the
	 * end of `first` frees 7's home slot, 7 moves home, and second (time
	 * 2) may hold the away copy it replaced. */
	uint64_t kept = (*move_home ? 3 : 2) * VERSION_BYTES;
	cr_assert_eq(visible_settles_at(db, kept), kept,
	             "the first reader's versions were not trimmed");
	cr_assert_eq(fixture_stamp(v, second, page_size, 5), 2);
	cr_assert_eq(fixture_stamp(v, second, page_size, 7), 2);
	v->end_read(second);
	cr_assert_eq(visible_settles_at(db, 0), 0);
	fixture_close(v, db);
}

/* Where page n's data lives before any write: its home slot. */
static const void *home_slot(sb_db *db, uint64_t n)
{
	sb_snap *snap = v->begin_read(db);
	cr_assert_not_null(snap);
	const void *home = v->read_page(snap, n);
	v->end_read(snap);
	return home;
}

/* Whether a read finds page n in its home slot, trying for up to 1 s.  The
 * move is the ending reader's, unless the trimmer's pass unlinked the home
 * version first (it may run between that end_read's release of its slot
 * and its trim); then the trimmer moves it at its next grace period, or,
 * if a read has begun by then, the end_read of that read does. */
static bool reaches_home(sb_db *db, uint64_t n, const void *home)
{
	for (int i = 0; i < 1000; i++) {
		sb_snap *snap = v->begin_read(db);
		cr_assert_not_null(snap);
		bool at_home = v->read_page(snap, n) == home;
		v->end_read(snap);
		if (at_home)
			return true;
		usleep(1000);
	}
	return false;
}

Test(pagever, rewritten_pages_move_back_home_when_their_reader_ends)
{
	sb_db *db = open_db(true);
	const void *home = home_slot(db, 5);
	sb_snap *snap = v->begin_read(db);            /* time 0 */
	commit_pages(db, 1, 5, 6);                    /* 5 lives away now */
	cr_assert_eq(v->read_page(snap, 5), home);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 5), 0);
	v->end_read(snap);                            /* frees the home slot */
	cr_assert(reaches_home(db, 5, home),
	          "the current version was not moved to its home slot");
	snap = v->begin_read(db);                     /* time 1 */
	cr_assert_eq(fixture_stamp(v, snap, page_size, 5), 1);
	v->end_read(snap);
	cr_assert_eq(visible_settles_at(db, 0), 0);
	fixture_close(v, db);
}

Test(pagever, a_version_a_live_reader_may_hold_is_moved_home_and_kept_for_it)
{
	sb_db *db = open_db(true);
	const void *home = home_slot(db, 5);
	sb_snap *old = v->begin_read(db);             /* time 0 */
	commit_pages(db, 1, 5, 6);                    /* 5 and 6 live away */
	sb_snap *holder = v->begin_read(db);          /* time 1 */
	const struct page_header *away = v->read_page(holder, 5);
	cr_assert_eq(away->stamp, 1);
	cr_assert_neq((const void *)away, home);
	cr_assert_eq(visible_settles_at(db, 2 * VERSION_BYTES), 2 * VERSION_BYTES);
	/* Ending `old` frees the home slots: pages 5 and 6 move home although
	 * `holder` (time 1) may hold their away versions, which are kept for
	 * it (and counted) until it ends. */
	v->end_read(old);
	cr_assert(reaches_home(db, 5, home),
	          "page 5 was not moved home beside a reader that can see it");
	cr_assert_eq(visible_settles_at(db, 2 * VERSION_BYTES), 2 * VERSION_BYTES,
	             "the away versions the holder may hold are not kept");
	/* The holder's later reads find the page home, the same contents. */
	cr_assert_eq(v->read_page(holder, 5), home);
	for (uint64_t c = 2; c < 200; c++)
		commit_pages(db, c, 6, 7);            /* the pool turns over */
	cr_assert_eq(away->stamp, 1, "a held version was reused");
	cr_assert_eq(away->pageno, 5, "a held version was reused");
	v->end_read(holder);
	cr_assert_eq(visible_settles_at(db, 0), 0);
	fixture_close(v, db);
}

Test(pagever, a_page_away_when_two_readers_end_goes_home_with_its_contents)
{
	/* Whichever of the two end_reads (or the trimmer) does the move,
	 * and with no later write of the page, it ends home, holding the
	 * commit that put it away.  (Which end_read moves it is not fixed:
	 * the first one's upkeep does, unless the trimmer holds the lock
	 * then.) */
	sb_db *db = open_db(true);
	const void *home = home_slot(db, 5);
	sb_snap *old = v->begin_read(db);             /* time 0 */
	commit_pages(db, 1, 5, 6);                    /* 5 and 6 live away */
	sb_snap *holder = v->begin_read(db);          /* time 1 */
	cr_assert_neq(v->read_page(holder, 5), home);
	v->end_read(old);                             /* frees the home slots */
	v->end_read(holder);
	cr_assert(reaches_home(db, 5, home),
	          "a page left away for a reader stayed away after it");
	sb_snap *snap = v->begin_read(db);            /* time 1 */
	cr_assert_eq(fixture_stamp(v, snap, page_size, 5), 1);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 6), 1);
	v->end_read(snap);
	cr_assert_eq(visible_settles_at(db, 0), 0);
	fixture_close(v, db);
}

Test(pagever, with_home_off_a_rewritten_page_stays_where_the_writer_put_it)
{
	/* The ablation: a page rewritten while a reader kept its home slot
	 * lives away, and stays away after the reader ends, though the home
	 * slot is free (with --pv-home on it moves back within a
	 * millisecond: rewritten_pages_move_back_home_when_their_reader_ends). */
	sb_db *db = open_db(false);
	const void *home = home_slot(db, 5);
	sb_snap *snap = v->begin_read(db);            /* time 0 */
	commit_pages(db, 1, 5, 6);
	cr_assert_eq(v->read_page(snap, 5), home);
	v->end_read(snap);
	cr_assert_eq(visible_settles_at(db, 0), 0);
	/* Many trim periods: a move, if any, would have happened. */
	usleep(50000);
	snap = v->begin_read(db);                     /* time 1 */
	const void *away = v->read_page(snap, 5);
	cr_assert_neq(away, home, "page 5 was moved home with --pv-home off");
	cr_assert_eq(fixture_stamp(v, snap, page_size, 5), 1);
	v->end_read(snap);
	fixture_close(v, db);
}

Test(pagever, with_home_off_the_oracle_finds_nothing)
{
	/* Readers that pause mid-scan over a hot set the writer rewrites:
	 * versions kept, freed between readers, reused; every snapshot
	 * checked. */
	struct run_config config = fixture_run_config(256, 256, 3, 1.0);
	config.move_home = false;
	config.hot_pages = 16;
	config.hot_pct = 100.0 * 16 / 256;
	config.write_rate = 20000;
	config.read_pause_ms = 2;
	struct run_result r;
	char err[256] = "";
	cr_assert_eq(run_variant(v, &config, &r, err, sizeof err), SB_OK, "%s",
	             err);
	uint64_t violations = violations_total(&r.violations);
	for (int k = 0; k < V_KINDS; k++)
		cr_expect_eq(r.violations.count[k], 0, "%llu x %s, first: %s",
		             (unsigned long long)r.violations.count[k],
		             violation_names[k], r.violations.first[k]);
	cr_assert_eq(violations, 0);
	cr_assert_gt(r.reads, 10, "too few reads to count: %llu",
	             (unsigned long long)r.reads);
	cr_assert_gt(r.commits, 1000, "too few commits to count: %llu",
	             (unsigned long long)r.commits);
	run_result_free(&r);
}
