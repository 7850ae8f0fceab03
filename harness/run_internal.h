/*
 * run_internal.h — the state one run's threads share (run.c runs the
 * writers, readers and the main thread's steps; monitor.c the monitor and
 * the timeline).  Not for use outside those two files.
 */
#ifndef SNAPBENCH_RUN_INTERNAL_H
#define SNAPBENCH_RUN_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "retained_min.h"
#include "workload.h"

struct run_shared;

struct writer_state {
	struct run_shared *run;
	unsigned index;
	int cpu;                      /* pinned to it; -1 = not pinned */
	pthread_t thread;
	bool started;
	struct writer_rng rng;
	struct hist latency;          /* commits intended in the window */
	struct hist late;             /* start lateness of unblocked commits */
	uint64_t commits;             /* completed in the window */
	uint64_t unfinished;
	struct violations found;
	uint64_t spin_ns;             /* see calibrate_spin */
	uint64_t *slot_commits;       /* timeline: completed per slot */
	struct hist *slot_latency;    /* timeline: per slot, by intended start */
};

struct reader_state {
	struct run_shared *run;
	unsigned index;
	int cpu;
	pthread_t thread;
	bool started;
	struct writer_rng rng;
	uint64_t *stamps;
	struct hist duration;
	uint64_t reads, pages, bytes, active_ns, stale_max;
	struct violations found;
	uint64_t *slot_reads;
};

struct run_shared {
	const struct sb_variant *variant;
	const struct run_config *config;
	sb_db *db;
	struct oracle oracle;
	uint64_t slots;               /* timeline slots over the window */
	struct writer_state *writers;
	struct reader_state *readers;
	bool pinned;

	/* The start gate: `ready` counts threads at it; `go` and the schedule
	 * are set under `gate` before `go` is broadcast, and read after it. */
	pthread_mutex_t gate;
	pthread_cond_t gate_changed;
	unsigned ready;
	bool go;
	uint64_t gate_ns;             /* when `go` was set */
	uint64_t t_start, measure_start, measure_end, drain_end;

	/* Readers finish, writers stop.  In a shared mapping, so that a read
	 * run in a forked child (run_read) sees it too. */
	_Atomic bool *stop;
	_Atomic unsigned writers_done;  /* writers through the window's commits */
	_Atomic bool monitor_stop;
	_Atomic int error;            /* first error's status, 0 = none */
	char error_msg[256];          /* written by the thread that set error */
	uint64_t failed_at_ns;        /* when, written by that thread too */
	_Atomic uint64_t reads_done;  /* for the progress line */
	_Atomic uint64_t commits_done;

	/* The main thread's samples at the window's start and end. */
	struct sb_stats stats_start, stats_end;
	double steal_start_ms, steal_end_ms;

	/* The monitor's, read after it is joined. */
	pthread_t monitor;
	bool monitor_started;
	uint64_t rss_peak;
	uint64_t retained_peak;
	uint64_t retained_visible_peak;
	struct timeline_slot *timeline;

	/* --retained-min: each reader's open snapshot (commit + 1, 0 = none;
	 * a shared mapping, see read_arg), and the monitor's computation. */
	_Atomic uint64_t *live_snapshots;
	struct retained_min retained_min;
	uint64_t *snapshot_sample;    /* the monitor's scratch, readers long */
	uint64_t retained_min_peak;   /* pages */
};

/* Sets the run's error (the first one wins) and stops it. */
void run_fail(struct run_shared *run, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The timeline slot of time t (clamped into the window). */
static inline uint64_t slot_of(const struct run_shared *run, uint64_t t)
{
	if (t < run->measure_start)
		return 0;
	uint64_t slot = (t - run->measure_start) / TIMELINE_SLOT_NS;
	return slot < run->slots ? slot : run->slots - 1;
}

/* monitor.c */
/* Allocates a writer's and a reader's per-slot series: SB_OK or
 * SB_ERESOURCE. */
int timeline_writer_init(struct writer_state *w, uint64_t slots);
int timeline_reader_init(struct reader_state *r, uint64_t slots);
void timeline_writer_free(struct writer_state *w, uint64_t slots);
/* Sums the threads' series into run->timeline. */
void timeline_merge(struct run_shared *run);
/* Starts the monitor thread (it samples until monitor_stop_and_join). */
void monitor_start(struct run_shared *run);
void monitor_stop_and_join(struct run_shared *run);

#endif
