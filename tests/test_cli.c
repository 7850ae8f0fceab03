/* The command line: bad input exits 2 with one line naming the flag;
 * --list with properties; -v by name and by property; a CSV row with every
 * contract column, in order; the JSON and the timeline. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_run.h"
#include "variant.h"

static void expect_usage_error(const char *needle, struct outcome o)
{
	cr_expect_eq(o.status, 2, "exit %d for a bad input (%s): %s", o.status,
	             needle, o.err);
	cr_expect(strstr(o.err, needle) != NULL, "message '%s' lacks '%s'",
	          o.err, needle);
	char *newline = strchr(o.err, '\n');
	cr_expect(newline && newline[1] == '\0', "not one line: '%s'", o.err);
	cr_expect_eq(o.out[0], '\0', "bad input printed on stdout: %s", o.out);
}

Test(cli, bad_inputs_exit_2_with_one_line_naming_the_flag)
{
	expect_usage_error("--pages", cli_run("-p", "0", NULL));
	expect_usage_error("--pages", cli_run("--pages", "12x", NULL));
	expect_usage_error("--pages", cli_run("--pages", "-5", NULL));
	expect_usage_error("--page-size", cli_run("-s", "100", NULL));
	expect_usage_error("--page-size", cli_run("-s", "32", NULL));
	expect_usage_error("--duration", cli_run("-d", "0", NULL));
	expect_usage_error("--duration", cli_run("-d", "nan", NULL));
	expect_usage_error("--warmup", cli_run("--warmup", "-1", NULL));
	expect_usage_error("--drain", cli_run("--drain", "-1", NULL));
	expect_usage_error("--drain", cli_run("--drain", "long", NULL));
	expect_usage_error("--readers", cli_run("-r", "many", NULL));
	expect_usage_error("--writers", cli_run("-w", "100000", NULL));
	expect_usage_error("--scan", cli_run("--scan", "0", NULL));
	expect_usage_error("--scan", cli_run("--scan", "150%", NULL));
	expect_usage_error("--scan", cli_run("-p", "10", "--scan", "11", NULL));
	expect_usage_error("--scan-work", cli_run("--scan-work", "count", NULL));
	expect_usage_error("--read-pause", cli_run("--read-pause", "soon", NULL));
	expect_usage_error("--read-start", cli_run("--read-start", "-0.5", NULL));
	expect_usage_error("--reads", cli_run("--reads", "-1", NULL));
	expect_usage_error("--reads", cli_run("--reads", "some", NULL));
	expect_usage_error("--write-pages", cli_run("-k", "1", NULL));
	expect_usage_error("--write-pages", cli_run("-p", "8", "--hot", "25%", NULL));
	expect_usage_error("--write-rate", cli_run("--write-rate", "-3", NULL));
	expect_usage_error("--hot", cli_run("--hot", "0%", NULL));
	expect_usage_error("--lr-publish", cli_run("--lr-publish", "maybe", NULL));
	expect_usage_error("--seed", cli_run("--seed", "x", NULL));
	expect_usage_error("--percentiles", cli_run("--percentiles", "0", NULL));
	expect_usage_error("--percentiles", cli_run("--percentiles", "100", NULL));
	expect_usage_error("--percentiles", cli_run("--percentiles", "50,x", NULL));
	expect_usage_error("--percentiles", cli_run("--percentiles", "50,", NULL));
	expect_usage_error("--percentiles", cli_run("--percentiles", "",  NULL));
	expect_usage_error("--percentiles", cli_run("--percentiles", "99,99.0", NULL));
	expect_usage_error("--hgrm", cli_run("--hgrm", "", NULL));
	expect_usage_error("--hgrm", cli_run("-v", "rwlock", "--hgrm",
	                                     "/proc/version", NULL));
	expect_usage_error("--variant", cli_run("-v", "nosuch", NULL));
	expect_usage_error("--variant", cli_run("-v", "-nosuch", NULL));
	expect_usage_error("--variant", cli_run("-v", ",", NULL));
	expect_usage_error("--variant", cli_run("-v", "", NULL));
	expect_usage_error("--variant", cli_run("-v", "rwlock,-rwlock", NULL));
	expect_usage_error("unknown option", cli_run("--frobnicate", NULL));
	expect_usage_error("needs a value", cli_run("--pages", NULL));
	expect_usage_error("unexpected argument", cli_run("extra", NULL));
	expect_usage_error("nothing to measure", cli_run("-r", "0", "-w", "0", NULL));
}

Test(cli, none_with_readers_and_writers_is_refused)
{
	expect_usage_error("'none'", cli_run("-v", "none", "-r", "1", "-w", "1", NULL));
	expect_usage_error("'none'", cli_run("-v", "none", "-r", "0", "-w", "2", NULL));
}

Test(cli, a_database_too_large_exits_3)
{
	struct outcome o = cli_run("-v", "rwlock", "-p", "4294967295", "-s",
	                           "1073741824", "-q", NULL);
	cr_assert_eq(o.status, 3, "exit %d: %s", o.status, o.err);
	cr_assert(strstr(o.err, "cannot allocate") != NULL, "%s", o.err);
}

/* --list: NAME PROPERTIES SUMMARY, in registry order, the properties as
 * the variant's flags say. */
Test(cli, list_shows_each_variant_with_its_properties)
{
	struct outcome o = cli_run("--list", NULL);
	cr_assert_eq(o.status, 0);
	char *save = NULL, *line = strtok_r(o.out, "\n", &save);
	for (size_t i = 0; i < sb_variant_count; i++, line = strtok_r(NULL, "\n", &save)) {
		const struct sb_variant *v = sb_variants[i];
		cr_assert(line, "--list ends before %s", v->name);
		char name[64], properties[128];
		int used = 0;
		cr_assert_eq(sscanf(line, "%63s %127s %n", name, properties, &used), 2);
		cr_assert_str_eq(name, v->name);
		cr_assert_str_eq(line + used, v->summary);
		char expected[128];
		snprintf(expected, sizeof expected, "%s%s%s%s%s",
		         !v->strict ? "eventual" : v->publish_modes
		         ? "strict,try-eventual" : "strict",
		         v->concurrent_safe ? ",concurrent" : "",
		         v->control ? ",control" : "", v->engine ? ",engine" : "",
		         v->frozen ? ",frozen" : "");
		cr_assert_str_eq(properties, expected, "%s", v->name);
	}
	cr_assert_null(line, "--list has more lines than variants");
}

/* The variant column of a small run's CSV rows, comma-joined. */
static void chosen_by(const char *list, const char *readers, char *out,
                      size_t len)
{
	char *csv = temp_path("sel");
	struct outcome o = cli_run("-v", list, "-r", readers, "-p", "64", "-s",
	                           "128", "-d", "0.05", "--warmup", "0", "-o",
	                           csv, "-q", NULL);
	cr_assert_eq(o.status, 0, "-v %s: exit %d: %s", list, o.status, o.err);
	struct csv rows;
	csv_read(csv, &rows);
	out[0] = '\0';
	for (int r = 0; r < rows.nrows; r++)
		snprintf(out + strlen(out), len - strlen(out), "%s%s", r ? "," : "",
		         csv_get(&rows, r, "variant"));
	csv_free(&rows);
	unlink(csv);
	free(csv);
}

/* What a -v item should choose, from the registry's flags. */
static void expected_by(bool (*wanted)(const struct sb_variant *), bool fits_only,
                        char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < sb_variant_count; i++) {
		const struct sb_variant *v = sb_variants[i];
		if (!wanted(v) || (fits_only && !v->concurrent_safe))
			continue;
		snprintf(out + strlen(out), len - strlen(out), "%s%s",
		         out[0] ? "," : "", v->name);
	}
}

static bool is_concurrent_scheme(const struct sb_variant *v)
{
	return v->concurrent_safe && !v->control;
}

static bool is_strict_not_rwlock(const struct sb_variant *v)
{
	return v->strict && strcmp(v->name, "rwlock") != 0;
}

static bool is_engine(const struct sb_variant *v)
{
	return v->engine;
}

/* -v takes properties and removals, left to right, and gives each variant
 * once, in registry order. */
Test(cli, variant_lists_select_by_property)
{
	char got[1024], want[1024];
	chosen_by("concurrent,-control", "1", got, sizeof got);
	expected_by(is_concurrent_scheme, true, want, sizeof want);
	cr_assert_str_eq(got, want);
	chosen_by("strict,-rwlock", "1", got, sizeof got);
	expected_by(is_strict_not_rwlock, true, want, sizeof want);
	cr_assert_str_eq(got, want);
	chosen_by("sqlite,engine,lmdb,engine", "1", got, sizeof got);
	expected_by(is_engine, true, want, sizeof want);
	cr_assert_str_eq(got, want);
	/* A name after a removal adds it back. */
	chosen_by("engine,-engine,rwlock", "1", got, sizeof got);
	cr_assert_str_eq(got, "rwlock");
}

/* The contract's columns, in order, then those of the earlier phases and
 * this one's (docs/design.md, "CSV columns"). */
static const char *const contract_columns[] = {
	"variant", "pages", "page_size", "readers", "scan_pages", "scan_work",
	"read_pause_ms", "writers", "write_pages", "write_rate", "hot_pct",
	"duration_s", "seed", "commits", "commits_per_s", "write_p50_us",
	"write_p99_us", "write_p999_us", "write_max_us", "writer_blocked_ms",
	"reads", "read_p50_ms", "read_max_ms", "scan_gbps", "stale_max_commits",
	"retained_peak_bytes", "retained_end_bytes", "rss_peak_bytes",
	"violations", "git_commit", "host", "cpu", "timestamp",
	"warmup_s", "lr_publish", "read_retries", "rss_end_bytes",
	"starved_reads", "read_start_s", "reads_per_reader",
	"unfinished_commits", "verified", "steal_ms", "writer_spin_us",
	"writer_late_p99_us", "pinned", "retained_visible_peak_bytes",
	"rss_children_peak_bytes", "writer_allocs", "schema",
	"writer_trims", "pv_home", "drain_s", "read_stagger_s",
	"retained_limit_bytes", "retained_min_peak_bytes", "scan_gbps_wall",
};

Test(cli, csv_rows_carry_every_contract_column)
{
	char *path = temp_path("csv"); /* a new file: the header is written */
	struct outcome o = cli_run("-v", "seqlock,rwlock", "-p", "64", "-s",
	                           "128", "-d", "0.2", "--warmup", "0", "-o", path,
	                           "-q", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	o = cli_run("-v", "rwlock", "-p", "64", "-s", "128", "-d", "0.2",
	            "--warmup", "0", "-o", path, "-q", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	struct csv csv;
	csv_read(path, &csv);
	int ncontract = sizeof contract_columns / sizeof contract_columns[0];
	cr_assert_eq(csv.columns, ncontract);
	for (int i = 0; i < ncontract; i++)
		cr_assert_str_eq(csv.header[i], contract_columns[i], "column %d", i);
	cr_assert_eq(csv.nrows, 3, "one header and three rows expected");
	/* Registry order within one invocation. */
	cr_assert_str_eq(csv_get(&csv, 0, "variant"), "rwlock");
	cr_assert_str_eq(csv_get(&csv, 1, "variant"), "seqlock");
	for (int r = 0; r < csv.nrows; r++) {
		cr_assert_str_eq(csv_get(&csv, r, "pages"), "64");
		cr_assert_str_eq(csv_get(&csv, r, "page_size"), "128");
		cr_assert_gt(atol(csv_get(&csv, r, "commits")), 0, "commits");
		cr_assert_str_eq(csv_get(&csv, r, "violations"), "0");
		cr_assert_str_eq(csv_get(&csv, r, "schema"), "2");
		cr_assert_str_eq(csv_get(&csv, r, "drain_s"), "10");
		cr_assert_str_eq(csv_get(&csv, r, "pv_home"), "on");
		const char *ts = csv_get(&csv, r, "timestamp");
		cr_assert(strlen(ts) == 20 && ts[19] == 'Z', "timestamp %s", ts);
	}
	csv_free(&csv);
	unlink(path);
	free(path);
}

Test(cli, json_and_timeline_are_written)
{
	char *json = temp_path("json"), *timeline = temp_path("tl");
	struct outcome o = cli_run("-v", "rwlock", "-p", "64", "-s", "128", "-d",
	                           "0.5", "--warmup", "0", "--json", json,
	                           "--timeline", timeline, NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, "rwlock") != NULL, "no table: %s", o.out);
	char text[65536];
	slurp(json, text, sizeof text);
	cr_assert(strstr(text, "\"variant\": \"rwlock\"") != NULL);
	cr_assert(strstr(text, "\"write_latency\": {\"unit\": \"ns\"") != NULL);
	slurp(timeline, text, sizeof text);
	const char *header = "variant,t_s,commits,reads,write_p99_us,"
	                     "retained_bytes,rss_bytes,retained_visible_bytes\n";
	cr_assert(strncmp(text, header, strlen(header)) == 0, "%s", text);
	int rows = 0;
	for (char *c = text; *c; c++)
		rows += *c == '\n';
	cr_assert_eq(rows, 1 + 5, "0.5 s is five 100-ms rows: %s", text);
	unlink(json);
	unlink(timeline);
	free(json);
	free(timeline);
}

/* --read-start and --reads place a given number of reads late in the run:
 * the timeline shows none before the start, and the reader stops after its
 * reads. */
Test(cli, read_start_and_reads_bound_the_reads)
{
	char *path = temp_path("rs"), *timeline = temp_path("rstl");
	struct outcome o = cli_run("-v", "rwlock", "-p", "64", "-s", "128", "-d",
	                           "1", "--warmup", "0", "--read-start", "0.5",
	                           "--reads", "3", "--timeline", timeline, "-o",
	                           path, "-q", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	struct csv csv;
	csv_read(path, &csv);
	cr_assert_str_eq(csv_get(&csv, 0, "reads"), "3");
	cr_assert_str_eq(csv_get(&csv, 0, "read_start_s"), "0.5");
	cr_assert_str_eq(csv_get(&csv, 0, "reads_per_reader"), "3");
	csv_free(&csv);
	char text[65536], *save;
	slurp(timeline, text, sizeof text);
	int slots = 0, early = 0, total = 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *f[8];
		if (csv_split(l, f, 8) < 4 || strcmp(f[0], "variant") == 0)
			continue;
		slots++;
		if (atof(f[1]) < 0.45)
			early += atoi(f[3]);
		total += atoi(f[3]);
	}
	cr_assert_eq(slots, 10);
	cr_assert_eq(early, 0, "reads before --read-start");
	cr_assert_eq(total, 3, "reads in the timeline");
	unlink(path);
	unlink(timeline);
	free(path);
	free(timeline);
}

/* The timeline of a writer held out by a long read: no commit completes
 * while the read holds the lock, and the slots whose commits waited show
 * that wait as their p99 (it is the p99 of the commits intended in a slot,
 * not of those completed in it). */
Test(cli, timeline_shows_a_stalled_writer)
{
	char *timeline = temp_path("stl");
	struct outcome o = cli_run("-v", "rwlock", "-p", "64", "-s", "128", "-d",
	                           "1.2", "--warmup", "0", "--read-start", "0.3",
	                           "--reads", "1", "--read-pause", "500",
	                           "--timeline", timeline, "-q", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	char text[65536];
	slurp(timeline, text, sizeof text);
	unlink(timeline);
	free(timeline);
	char *save;
	int checked = 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *f[8];
		if (csv_split(l, f, 8) < 5 || strcmp(f[0], "variant") == 0)
			continue;
		double t = atof(f[1]);
		if (t > 0.45 && t < 0.75) {  /* slots inside the read */
			cr_assert_eq(atoi(f[2]), 0, "a commit completed at %s s", f[1]);
			cr_assert_gt(atof(f[4]), 100000.0, "p99 at %s s: %s us", f[1], f[4]);
			checked++;
		}
	}
	cr_assert_eq(checked, 3);
}
