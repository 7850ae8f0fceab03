/*
 * workload.h — one measured run of one variant, in this process: open-loop
 * writers, long readers, a monitor, the oracle; and what the run measured.
 * run_variant is the in-process entry point (the stress program and the
 * tests drive it); the snapbench program runs each variant through
 * isolate.h, which calls it in a child process.
 *
 * A run's time line:
 *
 *   gate       every thread has entered the variant; readers whose
 *              --read-start is 0 begin reading, writers calibrate their
 *              spin with them running (the prologue, PROLOGUE_NS); with
 *              --read-stagger S, reader i begins i x S after the readers'
 *              start (the gate, or --read-start into the window);
 *   t_start    the writers' open-loop schedule begins: the warm-up;
 *   window     [measure_start, measure_end): what the figures count;
 *   drain      after the window, readers go on as they were until every
 *              commit intended inside the window has completed or
 *              drain_s has passed (drain_end); commits still not done
 *              then are unfinished and count as (drain_end - intended).
 */
#ifndef SNAPBENCH_WORKLOAD_H
#define SNAPBENCH_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "../variants/variant.h"
#include "hist.h"
#include "operations.h"
#include "oracle.h"

struct run_config {
	uint64_t pages;
	size_t page_size;
	double duration_s;
	double warmup_s;
	double drain_s;           /* the drain's limit; 0 = none (commits still
	                             waiting at the window's end are unfinished) */
	unsigned readers;
	uint64_t scan_pages;      /* pages per read, 1..pages */
	enum scan_work scan_work;
	double read_pause_ms;
	double read_start_s;      /* readers begin this far into the measured
	                             time; 0 = at the gate, before the warm-up */
	uint64_t reads_per_reader; /* then stop; 0 = read until the run ends */
	double read_stagger_s;    /* reader i begins i x this after the
	                             readers' start (--read-stagger) */
	unsigned writers;
	unsigned write_pages;     /* >= 2 */
	double write_rate;        /* commits/s over all writers, 0 = unbounded */
	uint64_t hot_pages;       /* writes go to pages 0..hot_pages-1 */
	double hot_pct;           /* as given, for reports */
	enum sb_publish publish;
	bool move_home;           /* --pv-home (pagever) */
	bool pin;                 /* --pin: threads on CPUs of their own */
	uint64_t seed;
	bool progress;            /* a progress line on stderr */
	bool timeline;            /* keep the per-100-ms series */
	bool retained_min;        /* compute retained_min_peak_bytes from the
	                             oracle's log (--retained-min; needs
	                             scan_work verify) */
	uint64_t retained_limit_bytes; /* a resource error once the variant
	                             retains more; 0 = no limit */
};

#define TIMELINE_SLOT_NS 100000000ull

struct timeline_slot {
	uint64_t commits;            /* completed in the slot */
	uint64_t reads;              /* completed in the slot */
	uint64_t write_p99_ns;       /* of the commits intended in the slot */
	uint64_t retained_bytes;     /* the highest sample in the slot */
	uint64_t retained_visible_bytes;
	uint64_t rss_bytes;
};

struct run_result {
	const char *variant;
	double measured_s;
	uint64_t commits;            /* completed inside the window */
	double commits_per_s;        /* commits / window */
	uint64_t unfinished_commits; /* intended in the window, not done by
	                                the drain's end */
	struct hist write_latency;   /* ns from each commit's intended start,
	                                every commit intended in the window */
	uint64_t writer_blocked_ns;  /* the counters: differences over the window */
	uint64_t read_retries;
	uint64_t starved_reads;
	uint64_t writer_allocs;
	uint64_t writer_trims;
	uint64_t writer_spin_ns;     /* the longest calibrated spin */
	uint64_t writer_late_p99_ns; /* lateness of unblocked commits' starts */
	uint64_t writer_late_count;  /* the commits that p99 is over */
	bool pinned;                 /* threads ran on CPUs of their own */
	double steal_ms;             /* the hypervisor's steal in the window */
	uint64_t reads;              /* completed inside the window */
	struct hist read_duration;   /* ns */
	uint64_t scan_bytes;
	uint64_t scan_pages;
	uint64_t scan_active_ns;     /* summed over readers, pauses excluded */
	double scan_gbps;            /* aggregate over readers, 1e9 bytes/s */
	double scan_pages_per_s;
	uint64_t stale_max_commits;
	uint64_t retained_peak_bytes;
	uint64_t retained_end_bytes;
	uint64_t retained_visible_peak_bytes;
	uint64_t retained_min_pages_peak; /* see retained_min.h; with
	                                     retained_min only */
	uint64_t rss_peak_bytes;
	uint64_t rss_end_bytes;
	uint64_t rss_children_peak_bytes; /* filled by isolate.c, 0 in process */
	struct violations violations;
	struct timeline_slot *timeline; /* timeline_slots entries, or NULL */
	uint64_t timeline_slots;     /* a failed run's series ends with the
	                                slot it failed in */
};

/* Runs `variant` under `config` in this process.  Returns 0 (the run
 * happened; violations are in result), SB_EUSAGE or SB_ERESOURCE with a
 * message in err (result then still holds what was found).  Free the
 * result with run_result_free either way. */
int run_variant(const struct sb_variant *variant,
                const struct run_config *config, struct run_result *result,
                char *err, size_t errlen);
void run_result_free(struct run_result *result);

/* The timeline's 100-ms slots over a window of duration_s (the last one
 * may be shorter). */
uint64_t timeline_slot_count(double duration_s);

#endif
