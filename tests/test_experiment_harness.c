/*
 * What the experiments of results/README.md need from the harness, with
 * answers known by construction: the least memory a scheme must retain
 * for the live snapshots (--retained-min, computed from the oracle's
 * log), readers whose snapshots are staggered in time (--read-stagger), a
 * run stopped by a memory limit that keeps its timeline up to the stop
 * (--retained-limit), the aggregate scan rate over wall time
 * (scan_gbps_wall) and the copy bandwidth of --calibrate.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_run.h"
#include "oracle.h"
#include "retained_min.h"

/* Logs commits writing the given pairs of pages, as the writer does. */
static void log_commits(struct oracle *o, const uint64_t (*pages)[2],
                        unsigned commits)
{
	for (unsigned c = 0; c < commits; c++)
		cr_assert_eq(oracle_txn_log(o, c + 1, pages[c]), SB_OK);
}

/* On a log made by hand: commit 1 writes pages {0, 1}, 2 {1, 2}, 3
 * {0, 1}.  For snapshots of commits 0, 1 and 2 the versions they see
 * that are no longer current are page 0 at 0 and at 1, page 1 at 0, 1
 * and 2, page 2 at 0: six; for a snapshot of 0 alone, the first versions
 * of pages 0, 1 and 2: three. */
Test(experiment_harness, the_minimum_counts_each_superseded_version_once)
{
	struct oracle o;
	cr_assert_eq(oracle_init(&o, 8, 64, 2, true), SB_OK);
	static const uint64_t pages[][2] = {{0, 1}, {1, 2}, {0, 1}};
	log_commits(&o, pages, 3);
	struct retained_min m;
	cr_assert_eq(retained_min_init(&m, 8, 8), SB_OK);
	cr_assert_eq(retained_min_pages(&m, &o, (uint64_t[]){0, 1, 2}, 3, 3), 6);
	/* Any order; a snapshot time held twice counts once. */
	cr_assert_eq(retained_min_pages(&m, &o, (uint64_t[]){2, 0, 2, 1}, 4, 3),
	             6);
	cr_assert_eq(retained_min_pages(&m, &o, (uint64_t[]){0}, 1, 3), 3);
	cr_assert_eq(retained_min_pages(&m, &o, (uint64_t[]){1}, 1, 3), 3);
	cr_assert_eq(retained_min_pages(&m, &o, (uint64_t[]){2}, 1, 3), 2);
	/* The newest snapshot, or one newer than `now`, keeps nothing. */
	cr_assert_eq(retained_min_pages(&m, &o, (uint64_t[]){3}, 1, 3), 0);
	cr_assert_eq(retained_min_pages(&m, &o, (uint64_t[]){7}, 1, 3), 0);
	cr_assert_eq(retained_min_pages(&m, &o, NULL, 0, 3), 0);
	/* Only commits up to `now` count: at now = 2, snapshot 0 sees
	 * pages 0, 1, 2 superseded. */
	cr_assert_eq(retained_min_pages(&m, &o, (uint64_t[]){0}, 1, 2), 3);
	cr_assert_eq(retained_min_pages(&m, &o, (uint64_t[]){1}, 1, 2), 2);
	retained_min_destroy(&m);
	oracle_destroy(&o);
}

/* Every commit writes the same two pages (a hot set of two, two pages per
 * commit), and each reader holds one snapshot to the end: each reader
 * whose snapshot is of another commit needs its own two old versions.
 * Staggered by 0.3 s at 200 commits/s, three readers hold three distinct
 * snapshots: 6 pages; started together they share one: 2 pages. */
static const char *const *stagger_args(const char *stagger)
{
	static const char *args[32];
	const char *fixed[] = {
		"-v", "pagever", "-p", "64", "-k", "2", "--hot", "3.125%",
		"-r", "3", "--reads", "1", "--read-pause", "10000",
		"--write-rate", "200", "--warmup", "0", "-d", "1.5",
		"--retained-min", "--read-stagger", stagger, NULL,
	};
	memcpy(args, fixed, sizeof fixed);
	return args;
}

Test(experiment_harness, staggered_readers_hold_distinct_snapshots)
{
	struct csv csv;
	cli_run_csv(&csv, 0, stagger_args("0.3"));
	cr_assert_eq(csv_number(&csv, 0, "read_stagger_s"), 0.3);
	cr_assert_eq(csv_number(&csv, 0, "retained_min_peak_bytes"), 6 * 4096.0);
	/* A strict scheme keeps at least what its open snapshots can see. */
	cr_assert_geq(csv_number(&csv, 0, "retained_visible_peak_bytes"), 6 * 4096.0);
	csv_free(&csv);
	cli_run_csv(&csv, 0, stagger_args("0"));
	cr_assert_eq(csv_number(&csv, 0, "retained_min_peak_bytes"), 2 * 4096.0);
	csv_free(&csv);
}

Test(experiment_harness, the_minimum_is_empty_unless_asked_and_needs_verify)
{
	struct csv csv;
	cli_run_csv(&csv, 0, (const char *[]){"-v", "pagever", "-p", "64", "-d",
	                                   "0.2", "--warmup", "0", NULL});
	cr_assert_str_eq(csv_get(&csv, 0, "retained_min_peak_bytes"), "");
	cr_assert_eq(csv_number(&csv, 0, "retained_limit_bytes"), 0);
	csv_free(&csv);
	struct outcome o = cli_run("-v", "pagever", "-p", "64", "-d", "0.2",
	                           "--retained-min", "--scan-work", "sum", NULL);
	cr_assert_eq(o.status, 2);
	cr_assert(strstr(o.err, "--retained-min") && strstr(o.err, "verify"),
	          "%s", o.err);
	char *newline = strchr(o.err, '\n');
	cr_assert(newline && newline[1] == '\0', "not one line: %s", o.err);
}

/* A reader held open while rcucow keeps every version: past the limit its
 * run stops with a resource error (exit 3), its row is not written, and
 * the timeline keeps its series up to the slot it stopped in.  rwlock,
 * which keeps no version (its writer waits instead), runs to the end. */
Test(experiment_harness, a_run_over_its_memory_limit_keeps_its_timeline)
{
	char *timeline = temp_path("limit");
	struct csv csv;
	struct outcome o = cli_run_csv(&csv, 3, (const char *[]){
		"-v", "rwlock,rcucow", "-p", "1024", "--hot", "1%", "-k", "2",
		"-r", "1", "--reads", "1", "--read-pause", "10000",
		"--write-rate", "1000", "--warmup", "0", "-d", "2",
		"--drain", "0.5", "--retained-limit", "4194304",
		"--timeline", timeline, NULL});
	cr_assert(strstr(o.err, "rcucow") && strstr(o.err, "--retained-limit"),
	          "%s", o.err);
	cr_assert_eq(csv.nrows, 1);
	cr_assert_str_eq(csv_get(&csv, 0, "variant"), "rwlock");
	cr_assert_eq(csv_number(&csv, 0, "retained_limit_bytes"), 4194304);
	csv_free(&csv);
	csv_read(timeline, &csv);
	int rwlock_slots = 0, rcucow_slots = 0;
	double rcucow_last = 0;
	for (int r = 0; r < csv.nrows; r++) {
		const char *v = csv_get(&csv, r, "variant");
		if (strcmp(v, "rwlock") == 0)
			rwlock_slots++;
		else if (strcmp(v, "rcucow") == 0) {
			rcucow_slots++;
			rcucow_last = csv_number(&csv, r, "retained_bytes");
		}
	}
	cr_assert_eq(rwlock_slots, 20);
	cr_assert(rcucow_slots >= 1 && rcucow_slots < 20,
	          "rcucow has %d slots", rcucow_slots);
	cr_assert_gt(rcucow_last, 4194304.0,
	             "its last slot shows what stopped it");
	csv_free(&csv);
	unlink(timeline);
	free(timeline);
}

/* scan_gbps_wall is every reader's bytes over the window: the reads
 * counted x pages per read x page size / duration_s; never more than the
 * sum of the readers' own rates, which leaves their idle time out. */
Test(experiment_harness, the_wall_scan_rate_is_bytes_over_the_window)
{
	struct csv csv;
	cli_run_csv(&csv, 0, (const char *[]){"-v", "rwlock", "-w", "0", "-r", "2",
	                                   "-p", "256", "--scan-work", "sum",
	                                   "--read-pause", "5", "-d", "0.5",
	                                   "--warmup", "0", NULL});
	double bytes = csv_number(&csv, 0, "reads") * csv_number(&csv, 0, "scan_pages") *
	               csv_number(&csv, 0, "page_size");
	cr_assert_gt(bytes, 0);
	double want = bytes / csv_number(&csv, 0, "duration_s") / 1e9;
	double wall = csv_number(&csv, 0, "scan_gbps_wall");
	cr_assert(wall > want * 0.999 - 1e-4 && wall < want * 1.001 + 1e-4,
	          "scan_gbps_wall %g, want %g", wall, want);
	cr_assert_lt(wall, csv_number(&csv, 0, "scan_gbps"));
	csv_free(&csv);
	/* No read completed: empty, as the other read figures. */
	cli_run_csv(&csv, 0, (const char *[]){"-v", "rwlock", "-w", "0", "-r", "1",
	                                   "-p", "64", "--read-pause", "5000",
	                                   "-d", "0.2", "--warmup", "0", NULL});
	cr_assert_str_eq(csv_get(&csv, 0, "scan_gbps_wall"), "");
	csv_free(&csv);
}

Test(experiment_harness, calibrate_prints_the_copy_bandwidth)
{
	struct outcome o = cli_run("--calibrate", "-p", "256", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	const char *line = strstr(o.out, "calibrate: memcpy of 1048576 bytes");
	cr_assert(line, "%s", o.out);
	const char *colon = strstr(line, "faulted in: ");
	cr_assert(colon, "%s", line);
	cr_assert_gt(atof(colon + strlen("faulted in: ")), 0.0, "%s", line);
}
