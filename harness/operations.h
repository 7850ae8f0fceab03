/*
 * operations.h — the work one thread does against a variant: one write
 * transaction (money moved between pages, every page stamped and logged for
 * the oracle) and one read (a scan with the chosen work and an optional
 * pause in its middle).  The threads that repeat them are in run.c.
 */
#ifndef SNAPBENCH_OPERATIONS_H
#define SNAPBENCH_OPERATIONS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../variants/variant.h"
#include "oracle.h"

enum scan_work { SCAN_TOUCH, SCAN_SUM, SCAN_VERIFY };

extern const char *const scan_work_names[3];

/* Pauses and waits are cut into slices this long, so that a stop or an
 * error is noticed within it. */
#define SLICE_NS 10000000u

struct writer_rng {
	uint64_t state;
};

static inline uint64_t rng_next(struct writer_rng *rng)
{
	/* splitmix64 (Steele, Lea, Flood, OOPSLA 2014). */
	uint64_t z = (rng->state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* One write transaction: write_pages distinct pages of the hot set, money
 * moved between them, stamped with the commit number.  Returns SB_OK or
 * SB_ERESOURCE. */
int workload_commit(const struct sb_variant *variant, sb_db *db,
                    struct oracle *oracle, uint64_t hot_pages,
                    struct writer_rng *rng, struct violations *found);

/* What one read found; plain bytes, so that a read run in another process
 * can send it back. */
struct read_result {
	uint64_t snapshot;
	uint64_t pages;
	uint64_t pause_ns;
	uint64_t sink;              /* keeps the scan work from being optimised away */
	struct violations violations;
};

struct read_arg {
	struct oracle *oracle;
	uint64_t start, count;
	enum scan_work work;
	uint64_t pause_ns;
	const _Atomic bool *stop;   /* ends a pause early; may be NULL */
	uint64_t *stamps;           /* count entries, for verify */
	/* Where the read shows its snapshot while it is open (commit + 1;
	 * 0 when no read is open), for --retained-min; may be NULL.  In a
	 * shared mapping: a read may run in a forked child. */
	_Atomic uint64_t *live_snapshot;
};

/* The sb_read_fn every reader runs: scans [start, start+count) with the
 * chosen work, pausing in the middle. */
void workload_read(const struct sb_variant *variant, sb_snap *snap, void *arg,
                   void *result);

/* Sleeps until `end` (sb_now_ns time), in slices, returning early once
 * *stop (if any) is set. */
void sleep_unless_stopped(uint64_t end, const _Atomic bool *stop);

#endif
