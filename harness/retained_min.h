/*
 * retained_min.h — the least memory any snapshot scheme must retain for a
 * set of live snapshots, computed from the oracle's log (--retained-min).
 *
 * A snapshot of commit T can see, of page p, the version written by the
 * last commit <= T that wrote p.  A scheme must keep that version while
 * the snapshot lives, and it is retained (beyond the one current copy of
 * the database) once a later commit has written p again.  The exact
 * minimum for snapshots T_1 < ... < T_n, with `now` the last commit, is
 * the number of distinct such (page, version) pairs that are not the
 * page's current version.  Sorted, it is a sum over the gaps between
 * them:
 *
 *     sum over i of |distinct pages written by commits in (T_i, T_i+1]|,
 *     with T_n+1 = now,
 *
 * because the versions p has at T_i and T_i+1 differ exactly when some
 * commit in (T_i, T_i+1] wrote p, and the version at T_n is superseded
 * exactly when a commit in (T_n, now] wrote it.  So the cost of one
 * computation is the pages the commits since the oldest live snapshot
 * wrote, (now - T_1) x write_pages steps, plus sorting the snapshots: the
 * monitor does it every 100 ms, and only when asked.
 *
 * In pages; the column multiplies by the page size (page contents only:
 * no header, index or allocator overhead of any scheme).
 */
#ifndef SNAPBENCH_RETAINED_MIN_H
#define SNAPBENCH_RETAINED_MIN_H

#include <stdint.h>

#include "oracle.h"

struct retained_min {
	uint64_t pages;
	uint64_t *mark;         /* per page: the last gap that counted it */
	uint64_t gap;           /* gaps counted so far: the marks' clock */
	uint64_t *snapshots;    /* scratch: the live snapshots, sorted */
	unsigned capacity;
};

/* For a database of `pages` pages and at most `snapshots` live snapshots:
 * SB_OK or SB_ERESOURCE. */
int retained_min_init(struct retained_min *m, uint64_t pages,
                      unsigned snapshots);
void retained_min_destroy(struct retained_min *m);

/* The minimum, in pages, for the `count` (<= capacity) live snapshots
 * given by their commit numbers (in any order, repeats allowed), with
 * commits 1..now written and logged (now <= oracle_logged(o)).  A
 * snapshot newer than `now` can see only current versions. */
uint64_t retained_min_pages(struct retained_min *m, struct oracle *o,
                            const uint64_t *snapshots, unsigned count,
                            uint64_t now);

#endif
