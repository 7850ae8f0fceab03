/*
 * monitor.c — the run's monitor thread and its timeline: every 10 ms it
 * samples the process's RSS and the variant's retained memory (their peaks,
 * and the highest sample of each 100-ms slot of the window), stops the run
 * once the variant retains more than --retained-limit, and draws the
 * progress line; every 100 ms, with --retained-min, it computes the least
 * a scheme must retain for the live snapshots (retained_min.h); after the
 * run the writers' and readers' per-slot series are summed into the
 * timeline (run_internal.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "../variants/clock.h"
#include "run_internal.h"
#include "sysinfo.h"

#define MONITOR_PERIOD_NS 10000000u
/* The minimum's cost grows with the commits since the oldest live
 * snapshot (retained_min.h), so it is sampled ten times less often. */
#define RETAINED_MIN_PERIOD_NS 100000000u
#define PROGRESS_PERIOD_NS 500000000u

uint64_t timeline_slot_count(double duration_s)
{
	uint64_t slots = (uint64_t)(duration_s * 1e9 / TIMELINE_SLOT_NS);
	if ((double)slots * TIMELINE_SLOT_NS < duration_s * 1e9)
		slots++;
	return slots ? slots : 1;
}

int timeline_writer_init(struct writer_state *w, uint64_t slots)
{
	w->slot_commits = calloc(slots, sizeof *w->slot_commits);
	w->slot_latency = calloc(slots, sizeof *w->slot_latency);
	if (!w->slot_commits || !w->slot_latency)
		return SB_ERESOURCE;
	for (uint64_t s = 0; s < slots; s++)
		if (hist_init(&w->slot_latency[s], HIST_COARSE_BITS) != SB_OK)
			return SB_ERESOURCE;
	return SB_OK;
}

int timeline_reader_init(struct reader_state *r, uint64_t slots)
{
	r->slot_reads = calloc(slots, sizeof *r->slot_reads);
	return r->slot_reads ? SB_OK : SB_ERESOURCE;
}

void timeline_writer_free(struct writer_state *w, uint64_t slots)
{
	for (uint64_t s = 0; w->slot_latency && s < slots; s++)
		hist_destroy(&w->slot_latency[s]);
	free(w->slot_latency);
	free(w->slot_commits);
	w->slot_latency = NULL;
	w->slot_commits = NULL;
}

void timeline_merge(struct run_shared *run)
{
	const struct run_config *config = run->config;
	struct hist merged;
	if (!run->timeline || hist_init(&merged, HIST_COARSE_BITS) != SB_OK)
		return;
	for (uint64_t s = 0; s < run->slots; s++) {
		struct timeline_slot *slot = &run->timeline[s];
		hist_reset(&merged);
		for (unsigned i = 0; i < config->writers; i++) {
			slot->commits += run->writers[i].slot_commits[s];
			hist_merge(&merged, &run->writers[i].slot_latency[s]);
		}
		for (unsigned i = 0; i < config->readers; i++)
			slot->reads += run->readers[i].slot_reads[s];
		/* The p99 of the commits intended in this slot, which are not
		 * the ones that completed in it (slot->commits). */
		slot->write_p99_ns = hist_quantile(&merged, 0.99);
	}
	hist_destroy(&merged);
}

static void monitor_sample(struct run_shared *run, uint64_t now)
{
	struct sb_stats stats;
	run->variant->stats(run->db, &stats);
	uint64_t rss = process_rss_bytes();
	if (rss > run->rss_peak)
		run->rss_peak = rss;
	if (stats.retained_bytes > run->retained_peak)
		run->retained_peak = stats.retained_bytes;
	if (stats.retained_visible_bytes > run->retained_visible_peak)
		run->retained_visible_peak = stats.retained_visible_bytes;
	uint64_t limit = run->config->retained_limit_bytes;
	if (limit && stats.retained_bytes > limit)
		run_fail(run, SB_ERESOURCE, "retained %.1f MiB, over "
		         "--retained-limit (%.1f MiB), %.1f s into the window",
		         (double)stats.retained_bytes / 1048576.0,
		         (double)limit / 1048576.0,
		         ((double)now - (double)run->measure_start) / 1e9);
	if (!run->timeline || now < run->measure_start || now >= run->measure_end)
		return;
	struct timeline_slot *slot = &run->timeline[slot_of(run, now)];
	if (stats.retained_bytes > slot->retained_bytes)
		slot->retained_bytes = stats.retained_bytes;
	if (stats.retained_visible_bytes > slot->retained_visible_bytes)
		slot->retained_visible_bytes = stats.retained_visible_bytes;
	if (rss > slot->rss_bytes)
		slot->rss_bytes = rss;
}

/* The minimum for the snapshots open now (retained_min.h), and its peak. */
static void retained_min_sample(struct run_shared *run)
{
	unsigned open = 0;
	for (unsigned i = 0; i < run->config->readers; i++) {
		/* Relaxed: a sample (see workload_read). */
		uint64_t slot = atomic_load_explicit(&run->live_snapshots[i],
		                                     memory_order_relaxed);
		if (slot)
			run->snapshot_sample[open++] = slot - 1;
	}
	/* The commits written and logged: completed (acquire) never passes
	 * logged with the writers' log-then-commit order, but take the
	 * lesser so that every entry read is whole. */
	uint64_t now = oracle_completed(&run->oracle);
	uint64_t logged = oracle_logged(&run->oracle);
	if (logged < now)
		now = logged;
	uint64_t pages = retained_min_pages(&run->retained_min, &run->oracle,
	                                    run->snapshot_sample, open, now);
	if (pages > run->retained_min_peak)
		run->retained_min_peak = pages;
}

static void progress_line(struct run_shared *run, uint64_t now)
{
	struct sb_stats stats;
	run->variant->stats(run->db, &stats);
	double t = ((double)now - (double)run->t_start) / 1e9;
	/* Relaxed: counters for this line only. */
	fprintf(stderr, "\r%-10s %6.1f s  commits %-10llu reads %-8llu "
	        "retained %.1f MiB   ", run->variant->name, t,
	        (unsigned long long)atomic_load_explicit(&run->commits_done,
	                                                 memory_order_relaxed),
	        (unsigned long long)atomic_load_explicit(&run->reads_done,
	                                                 memory_order_relaxed),
	        (double)stats.retained_bytes / 1048576.0);
}

static void *monitor_main(void *argp)
{
	struct run_shared *run = argp;
	uint64_t next_progress = run->t_start + PROGRESS_PERIOD_NS;
	uint64_t next_minimum = 0;
	for (;;) {
		/* Acquire: pairs with monitor_stop_and_join's release. */
		bool last = atomic_load_explicit(&run->monitor_stop,
		                                 memory_order_acquire);
		uint64_t now = sb_now_ns();
		monitor_sample(run, now);
		if (run->live_snapshots && now >= next_minimum) {
			next_minimum = now + RETAINED_MIN_PERIOD_NS;
			retained_min_sample(run);
		}
		if (run->config->progress && now >= next_progress) {
			next_progress += PROGRESS_PERIOD_NS;
			progress_line(run, now);
		}
		if (last)
			break;
		sb_sleep_ns(MONITOR_PERIOD_NS);
	}
	if (run->config->progress)
		fprintf(stderr, "\r%80s\r", "");
	return NULL;
}

void monitor_start(struct run_shared *run)
{
	run->monitor_started =
		pthread_create(&run->monitor, NULL, monitor_main, run) == 0;
	if (!run->monitor_started)
		run_fail(run, SB_ERESOURCE, "cannot create the monitor thread");
}

void monitor_stop_and_join(struct run_shared *run)
{
	/* Release: pairs with the monitor's acquire. */
	atomic_store_explicit(&run->monitor_stop, true, memory_order_release);
	if (run->monitor_started)
		pthread_join(run->monitor, NULL);
	run->monitor_started = false;
}
