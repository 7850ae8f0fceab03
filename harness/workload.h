/*
 * workload.h — one measured run of one variant: open-loop writers, long
 * readers, a monitor, the oracle; and what the run measured.
 */
#ifndef SNAPBENCH_WORKLOAD_H
#define SNAPBENCH_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "../variants/variant.h"
#include "hist.h"
#include "oracle.h"

enum scan_work { SCAN_TOUCH, SCAN_SUM, SCAN_VERIFY };

extern const char *const scan_work_names[3];

struct run_config {
	uint64_t pages;
	size_t page_size;
	double duration_s;
	double warmup_s;
	unsigned readers;
	uint64_t scan_pages;      /* pages per read, 1..pages */
	enum scan_work scan_work;
	double read_pause_ms;
	double read_start_s;      /* readers begin this far into the measured time;
	                             0 = at the start, with the warm-up */
	uint64_t reads_per_reader; /* then stop; 0 = read until the run ends */
	unsigned writers;
	unsigned write_pages;     /* >= 2 */
	double write_rate;        /* commits/s over all writers, 0 = unbounded */
	uint64_t hot_pages;       /* writes go to pages 0..hot_pages-1 */
	double hot_pct;           /* as given, for reports */
	enum sb_publish publish;
	bool move_home;           /* --pv-home (pagever) */
	uint64_t seed;
	bool progress;            /* a progress line on stderr */
	bool timeline;            /* keep the per-100-ms series */
};

#define TIMELINE_SLOT_NS 100000000ull

/* A coarse latency histogram for one timeline slot: 8 sub-buckets per
 * power of two (at most 12.5% error), small enough to keep one per slot. */
#define SLOT_SUB_BITS 3
#define SLOT_BUCKETS (61u * 8u + 8u)
struct slot_hist {
	uint32_t buckets[SLOT_BUCKETS];
};

struct timeline_slot {
	uint64_t commits;
	uint64_t reads;
	uint64_t write_p99_ns;
	uint64_t retained_bytes;
	uint64_t rss_bytes;
};

struct run_result {
	const char *variant;
	double measured_s;
	uint64_t commits;
	double commits_per_s;
	struct hist write_latency;   /* ns, from each commit's intended start */
	uint64_t writer_blocked_ns;
	uint64_t writer_spin_ns;     /* the longest spin before a commit's start */
	uint64_t reads;
	struct hist read_duration;   /* ns */
	uint64_t scan_bytes;
	uint64_t scan_pages;
	uint64_t scan_active_ns;     /* summed over readers, pauses excluded */
	double scan_gbps;            /* aggregate over readers, 1e9 bytes/s */
	double scan_pages_per_s;
	uint64_t stale_max_commits;
	uint64_t read_retries;
	uint64_t starved_reads;
	uint64_t retained_peak_bytes;
	uint64_t retained_end_bytes;
	uint64_t rss_peak_bytes;
	uint64_t rss_end_bytes;
	struct violations violations;
	struct timeline_slot *timeline; /* timeline_slots entries, or NULL */
	uint64_t timeline_slots;
};

/* Runs `variant` under `config`.  Returns 0 (the run happened; violations
 * are in result), SB_EUSAGE or SB_ERESOURCE with a message in err. */
int run_variant(const struct sb_variant *variant,
                const struct run_config *config, struct run_result *result,
                char *err, size_t errlen);
void run_result_free(struct run_result *result);

/* Resident set size of this process in bytes (0 if unknown). */
uint64_t process_rss_bytes(void);

/* ---- pieces of a run, for tests that drive a variant step by step ---- */

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
};

/* The sb_read_fn every reader runs: scans [start, start+count) with the
 * chosen work, pausing in the middle. */
void workload_read(const struct sb_variant *variant, sb_snap *snap, void *arg,
                   void *result);

#endif
