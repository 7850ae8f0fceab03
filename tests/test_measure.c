/*
 * Figures a reviewer cannot knock over, through the snapbench program:
 * each variant's memory is its own (a process per variant), commit rates
 * and latencies count the window honestly (what completed in it; readers
 * through the warm-up and the drain; counters over the window), a
 * percentile is printed only where the data hold it, the run's noise is
 * recorded, and read figures are empty where there was no read.
 */
#include <criterion/criterion.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_run.h"

/* rss_end_bytes carried what earlier variants left in one process:
 * seqlock after rcucow showed twice its own. */
Test(measure, memory_figures_belong_to_their_variant)
{
	struct csv alone, after;
	cli_run_csv(&alone, 0, (const char *[]){"-v", "seqlock", "-r", "1", "-d", "0.3",
	                                 "--warmup", "0", NULL});
	cli_run_csv(&after, 0, (const char *[]){"-v", "rcucow,seqlock", "-r", "1", "-d",
	                                 "0.3", "--warmup", "0", NULL});
	cr_assert_eq(after.nrows, 2);
	cr_assert_str_eq(csv_get(&after, 1, "variant"), "seqlock");
	double own = csv_number(&alone, 0, "rss_end_bytes");
	double later = csv_number(&after, 1, "rss_end_bytes");
	cr_assert(later > own * 0.9 && later < own * 1.1,
	          "seqlock's rss_end_bytes alone %.0f, after rcucow %.0f", own,
	          later);
	csv_free(&alone);
	csv_free(&after);
}

/* forkcow's readers are processes: their memory is counted apart. */
Test(measure, memory_of_a_variant_s_children_is_counted)
{
	struct csv csv;
	cli_run_csv(&csv, 0, (const char *[]){"-v", "rwlock,forkcow", "-r", "1", "-p",
	                               "4096", "-d", "0.3", "--warmup", "0", NULL});
	cr_assert_str_eq(csv_get(&csv, 0, "variant"), "rwlock");
	cr_assert_str_eq(csv_get(&csv, 0, "rss_children_peak_bytes"), "0");
	/* A forked reader scans the whole 16-MiB database. */
	cr_assert_gt(csv_number(&csv, 1, "rss_children_peak_bytes"), 8e6);
	csv_free(&csv);
}

/* commits_per_s was the target rate whatever happened: it equalled
 * write_rate where the writer waited seconds behind a read. */
Test(measure, a_read_holding_the_lock_cuts_the_commit_rate)
{
	struct csv csv;
	cli_run_csv(&csv, 0, (const char *[]){"-v", "rwlock", "-r", "1", "--reads", "1",
	                               "--read-start", "0.2", "--read-pause",
	                               "2500", "-d", "2", "--warmup", "0", "-p",
	                               "64", "-s", "128", "--write-rate", "1000",
	                               NULL});
	double rate = csv_number(&csv, 0, "commits_per_s");
	cr_assert_lt(rate, 0.6 * 1000, "commits_per_s %.1f", rate);
	cr_assert_gt(rate, 0);
	cr_assert_eq(csv_number(&csv, 0, "commits"), rate * 2);
	csv_free(&csv);
}

/* The window's backlog used to drain with the readers stopped, so a
 * starved writer's latency was cut at the window's end. */
Test(measure, the_drain_waits_for_the_window_s_commits)
{
	struct csv csv;
	cli_run_csv(&csv, 0, (const char *[]){"-v", "rwlock", "-r", "1", "--reads", "1",
	                               "--read-start", "0.5", "--read-pause",
	                               "3000", "-d", "2", "--warmup", "0", NULL});
	double max_us = csv_number(&csv, 0, "write_max_us");
	cr_assert_geq(max_us, 2.8e6, "write_max_us %.0f", max_us);
	cr_assert_str_eq(csv_get(&csv, 0, "unfinished_commits"), "0");
	csv_free(&csv);
}

/* A drain limit: the commits still waiting then are unfinished, and count
 * as (drain end - intended start). */
Test(measure, a_drain_limit_leaves_commits_unfinished)
{
	struct csv csv;
	cli_run_csv(&csv, 0, (const char *[]){"-v", "rwlock", "-r", "1", "--reads", "1",
	                               "--read-start", "0.5", "--read-pause",
	                               "3000", "-d", "2", "--warmup", "0",
	                               "--drain", "0.5", "-p", "64", "-s", "128",
	                               NULL});
	/* The read holds the lock from 0.5 s; the drain ends at 2.5 s. */
	double unfinished = csv_number(&csv, 0, "unfinished_commits");
	cr_assert(unfinished > 1000 && unfinished <= 1510, "unfinished %.0f",
	          unfinished);
	double max_us = csv_number(&csv, 0, "write_max_us");
	cr_assert(max_us > 1.8e6 && max_us < 2.4e6, "write_max_us %.0f", max_us);
	cr_assert_str_eq(csv_get(&csv, 0, "drain_s"), "0.5");
	csv_free(&csv);
}

/* Readers read through the warm-up (--read-start 0), and counters kept
 * since open count only the window: a read that held the writer out in
 * the warm-up leaves the window's figures alone. */
Test(measure, readers_read_through_the_warm_up_and_counters_cover_the_window)
{
	struct csv csv;
	cli_run_csv(&csv, 0, (const char *[]){"-v", "rwlock", "-r", "1", "--reads", "1",
	                               "--read-pause", "600", "--warmup", "1",
	                               "-d", "1", "-p", "64", "-s", "128", NULL});
	cr_assert_str_eq(csv_get(&csv, 0, "reads"), "0",
	                 "the one read ended in the warm-up");
	double blocked = csv_number(&csv, 0, "writer_blocked_ms");
	cr_assert_lt(blocked, 100, "writer_blocked_ms %.1f counts the warm-up",
	             blocked);
	double max_us = csv_number(&csv, 0, "write_max_us");
	cr_assert_lt(max_us, 300000, "write_max_us %.0f", max_us);
	csv_free(&csv);
}

/* A p99.9 from 1000 commits is the second-largest sample: not printed. */
Test(measure, a_percentile_needs_ten_samples_beyond_it)
{
	char *json = temp_path("pct"), *path = temp_path("pctcsv");
	struct outcome o = cli_run("-v", "rwlock", "-r", "0", "-d", "1",
	                           "--warmup", "0", "--write-rate", "1000", "-p",
	                           "64", "-s", "128", "--json", json, "-o", path,
	                           NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	struct csv csv;
	csv_read(path, &csv);
	cr_assert_str_eq(csv_get(&csv, 0, "write_p999_us"), "");
	cr_assert_neq(csv_get(&csv, 0, "write_p99_us")[0], '\0');
	cr_assert_neq(csv_get(&csv, 0, "write_p50_us")[0], '\0');
	char text[1 << 16], value[64];
	slurp(json, text, sizeof text);
	cr_assert_str_eq(json_value(text, "write_p999_us", value, sizeof value),
	                 "null");
	cr_assert(strstr(text, "\"count\": 1000,"), "not 1000 commits");
	/* The table: w_p999_us shows '-'. */
	char *save, *header = strtok_r(o.out, "\n", &save);
	char *row = strtok_r(NULL, "\n", &save);
	cr_assert(header && row);
	char *h[32], *c[32], *hs, *cs;
	int n = 0;
	for (char *t = strtok_r(header, " ", &hs); t && n < 32;
	     t = strtok_r(NULL, " ", &hs))
		h[n++] = t;
	int m = 0;
	for (char *t = strtok_r(row, " ", &cs); t && m < 32;
	     t = strtok_r(NULL, " ", &cs))
		c[m++] = t;
	cr_assert_eq(n, m);
	bool seen = false;
	for (int i = 0; i < n; i++)
		if (strcmp(h[i], "w_p999_us") == 0) {
			cr_assert_str_eq(c[i], "-");
			seen = true;
		}
	cr_assert(seen, "no w_p999_us in the table");
	csv_free(&csv);
	unlink(json);
	unlink(path);
	free(json);
	free(path);
}

static unsigned usable_cpus(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	cr_assert_eq(sched_getaffinity(0, sizeof set, &set), 0);
	return (unsigned)CPU_COUNT(&set);
}

/* The run's noise: steal, the writer's calibrated spin, its own
 * scheduling lateness (over 1500 commits that nothing held back: no
 * reader), and whether the threads were pinned. */
Test(measure, the_noise_is_recorded)
{
	struct csv csv;
	cli_run_csv(&csv, 0, (const char *[]){"-v", "rwlock", "-r", "0", "-d", "1.5",
	                               "--warmup", "0.2", "-p", "64", "-s", "128",
	                               NULL});
	cr_assert_geq(csv_number(&csv, 0, "steal_ms"), 0);
	double spin = csv_number(&csv, 0, "writer_spin_us");
	cr_assert(spin >= 20 && spin <= 500, "writer_spin_us %.1f", spin);
	double late = csv_number(&csv, 0, "writer_late_p99_us");
	cr_assert(late >= 0 && late < 100000, "writer_late_p99_us %.1f", late);
	cr_assert_str_eq(csv_get(&csv, 0, "pinned"), "0");
	csv_free(&csv);
	cli_run_csv(&csv, 0, (const char *[]){"-v", "rwlock", "-r", "1", "-d", "0.2",
	                               "--warmup", "0", "-p", "64", "-s", "128",
	                               "--pin", NULL});
	cr_assert_str_eq(csv_get(&csv, 0, "pinned"), usable_cpus() >= 2 ? "1" : "0");
	csv_free(&csv);
	if (usable_cpus() < 9) {
		cli_run_csv(&csv, 0, (const char *[]){"-v", "rwlock", "-r", "8", "-d",
		                               "0.2", "--warmup", "0", "-p", "64",
		                               "-s", "128", "--pin", NULL});
		cr_assert_str_eq(csv_get(&csv, 0, "pinned"), "0");
		csv_free(&csv);
	}
}

/* Runs that check no page say so; a variant that completed no read has no
 * read figures (they were 0, drawn as if measured). */
Test(measure, unverified_runs_are_marked_and_readless_rows_are_empty)
{
	struct csv csv;
	cli_run_csv(&csv, 0, (const char *[]){"-v", "rwlock", "-r", "1", "-d", "0.2",
	                               "--warmup", "0", "-p", "64", "-s", "128",
	                               "--scan-work", "sum", NULL});
	cr_assert_str_eq(csv_get(&csv, 0, "verified"), "0");
	csv_free(&csv);
	struct outcome o = cli_run("-v", "rwlock", "-r", "1", "-d", "0.2",
	                           "--warmup", "0", "-p", "64", "-s", "128",
	                           "--scan-work", "touch", NULL);
	cr_assert_eq(o.status, 0);
	cr_assert(strstr(o.out, "verified 0: --scan-work touch checks no page"),
	          "no mark in the table: %s", o.out);
	cli_run_csv(&csv, 0, (const char *[]){"-v", "rwlock", "-r", "1", "-d", "0.3",
	                               "--warmup", "0", "-p", "64", "-s", "128",
	                               "--read-start", "5", NULL});
	cr_assert_str_eq(csv_get(&csv, 0, "verified"), "1");
	cr_assert_str_eq(csv_get(&csv, 0, "reads"), "0");
	static const char *const empty[] = {
		"read_p50_ms", "read_max_ms", "scan_gbps", "stale_max_commits",
	};
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++)
		cr_assert_str_eq(csv_get(&csv, 0, empty[i]), "", "%s", empty[i]);
	csv_free(&csv);
}
