/* The command line: bad input exits 2 with one line naming the flag; --list;
 * a CSV row with every contract column, in order. */
#include <criterion/criterion.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"
#include "variant.h"

extern char **environ;

struct outcome {
	int status;
	char out[8192];
	char err[8192];
};

static void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, size - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
}

/* Runs snapbench with the NULL-terminated arguments. */
static struct outcome run(const char *first, ...)
{
	const char *argv[64] = {SNAPBENCH_BIN, first};
	int argc = 2;
	va_list ap;
	va_start(ap, first);
	while (first && argc < 63 && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	argv[first ? argc : 1] = NULL;
	char out_path[] = "/tmp/snapbench-cli-out-XXXXXX";
	char err_path[] = "/tmp/snapbench-cli-err-XXXXXX";
	int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
	pid_t pid;
	cr_assert_eq(posix_spawn(&pid, SNAPBENCH_BIN, &actions, NULL,
	                         (char **)argv, environ), 0);
	posix_spawn_file_actions_destroy(&actions);
	struct outcome o;
	int wstatus;
	waitpid(pid, &wstatus, 0);
	cr_assert(WIFEXITED(wstatus), "snapbench did not exit normally");
	o.status = WEXITSTATUS(wstatus);
	close(out_fd);
	close(err_fd);
	slurp(out_path, o.out, sizeof o.out);
	slurp(err_path, o.err, sizeof o.err);
	unlink(out_path);
	unlink(err_path);
	return o;
}

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
	expect_usage_error("--pages", run("-p", "0", NULL));
	expect_usage_error("--pages", run("--pages", "12x", NULL));
	expect_usage_error("--pages", run("--pages", "-5", NULL));
	expect_usage_error("--page-size", run("-s", "100", NULL));
	expect_usage_error("--page-size", run("-s", "32", NULL));
	expect_usage_error("--duration", run("-d", "0", NULL));
	expect_usage_error("--duration", run("-d", "nan", NULL));
	expect_usage_error("--warmup", run("--warmup", "-1", NULL));
	expect_usage_error("--readers", run("-r", "many", NULL));
	expect_usage_error("--writers", run("-w", "100000", NULL));
	expect_usage_error("--scan", run("--scan", "0", NULL));
	expect_usage_error("--scan", run("--scan", "150%", NULL));
	expect_usage_error("--scan", run("-p", "10", "--scan", "11", NULL));
	expect_usage_error("--scan-work", run("--scan-work", "count", NULL));
	expect_usage_error("--read-pause", run("--read-pause", "soon", NULL));
	expect_usage_error("--read-start", run("--read-start", "-0.5", NULL));
	expect_usage_error("--reads", run("--reads", "-1", NULL));
	expect_usage_error("--reads", run("--reads", "some", NULL));
	expect_usage_error("--write-pages", run("-k", "1", NULL));
	expect_usage_error("--write-pages", run("-p", "8", "--hot", "25%", NULL));
	expect_usage_error("--write-rate", run("--write-rate", "-3", NULL));
	expect_usage_error("--hot", run("--hot", "0%", NULL));
	expect_usage_error("--lr-publish", run("--lr-publish", "maybe", NULL));
	expect_usage_error("--seed", run("--seed", "x", NULL));
	expect_usage_error("--variant", run("-v", "nosuch", NULL));
	expect_usage_error("--variant", run("-v", ",", NULL));
	expect_usage_error("unknown option", run("--frobnicate", NULL));
	expect_usage_error("needs a value", run("--pages", NULL));
	expect_usage_error("unexpected argument", run("extra", NULL));
	expect_usage_error("nothing to measure", run("-r", "0", "-w", "0", NULL));
}

Test(cli, none_with_readers_and_writers_is_refused)
{
	expect_usage_error("'none'", run("-v", "none", "-r", "1", "-w", "1", NULL));
	expect_usage_error("'none'", run("-v", "none", "-r", "0", "-w", "2", NULL));
}

Test(cli, a_database_too_large_exits_3)
{
	struct outcome o = run("-v", "rwlock", "-p", "4294967295", "-s",
	                       "1073741824", "-q", NULL);
	cr_assert_eq(o.status, 3, "exit %d: %s", o.status, o.err);
	cr_assert(strstr(o.err, "cannot allocate") != NULL, "%s", o.err);
}

Test(cli, list_names_every_variant)
{
	struct outcome o = run("--list", NULL);
	cr_assert_eq(o.status, 0);
	for (size_t i = 0; i < sb_variant_count; i++) {
		char needle[64];
		snprintf(needle, sizeof needle, "%s ", sb_variants[i]->name);
		cr_assert(strstr(o.out, needle) != NULL, "--list lacks %s",
		          sb_variants[i]->name);
	}
}

/* The contract's columns, in order (DESIGN.md, "CSV columns"). */
static const char *const contract_columns[] = {
	"variant", "pages", "page_size", "readers", "scan_pages", "scan_work",
	"read_pause_ms", "writers", "write_pages", "write_rate", "hot_pct",
	"duration_s", "seed", "commits", "commits_per_s", "write_p50_us",
	"write_p99_us", "write_p999_us", "write_max_us", "writer_blocked_ms",
	"reads", "read_p50_ms", "read_max_ms", "scan_gbps", "stale_max_commits",
	"retained_peak_bytes", "retained_end_bytes", "rss_peak_bytes",
	"violations", "git_commit", "host", "cpu", "timestamp",
};

/* Splits one CSV line (quoted fields allowed) into fields; returns count. */
static int csv_split(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;
	while (n < max) {
		fields[n++] = p;
		if (*p == '"') {
			char *w = p;
			for (p++;; p++) {
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p++;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p;
				}
			}
			if (*p == ',')
				*w = '\0', p++;
			else {
				*w = '\0';
				break;
			}
			continue;
		}
		char *comma = strchr(p, ',');
		if (!comma)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	return n;
}

Test(cli, csv_rows_carry_every_contract_column)
{
	char path[] = "/tmp/snapbench-cli-csv-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	unlink(path); /* a new file: the header must be written */
	struct outcome o = run("-v", "rwlock,rwlock", "-p", "64", "-s", "128", "-d",
	                       "0.2", "--warmup", "0", "-o", path, "-q", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	o = run("-v", "rwlock", "-p", "64", "-s", "128", "-d", "0.2",
	        "--warmup", "0", "-o", path, "-q", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	char text[16384];
	slurp(path, text, sizeof text);
	unlink(path);
	char *lines[8];
	int nlines = 0;
	for (char *save, *line = strtok_r(text, "\n", &save); line && nlines < 8;
	     line = strtok_r(NULL, "\n", &save))
		lines[nlines++] = line;
	cr_assert_eq(nlines, 4, "one header and three rows expected");
	char *header[64], *row[64];
	int ncols = csv_split(lines[0], header, 64);
	int ncontract = sizeof contract_columns / sizeof contract_columns[0];
	cr_assert_geq(ncols, ncontract);
	for (int i = 0; i < ncontract; i++)
		cr_assert_str_eq(header[i], contract_columns[i], "column %d", i);
	for (int r = 1; r < nlines; r++) {
		cr_assert_eq(csv_split(lines[r], row, 64), ncols, "row %d", r);
		cr_assert_str_eq(row[0], "rwlock");
		cr_assert_str_eq(row[1], "64");
		cr_assert_str_eq(row[2], "128");
		cr_assert_gt(atol(row[13]), 0, "commits");
		cr_assert_str_eq(row[28], "0", "violations");
		cr_assert(strlen(row[32]) == 20 && row[32][19] == 'Z', "timestamp %s",
		          row[32]);
	}
}

Test(cli, json_and_timeline_are_written)
{
	char json[] = "/tmp/snapbench-cli-json-XXXXXX";
	char timeline[] = "/tmp/snapbench-cli-tl-XXXXXX";
	close(mkstemp(json));
	close(mkstemp(timeline));
	struct outcome o = run("-v", "rwlock", "-p", "64", "-s", "128", "-d", "0.5",
	                       "--warmup", "0", "--json", json, "--timeline",
	                       timeline, NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, "rwlock") != NULL, "no table: %s", o.out);
	char text[65536];
	slurp(json, text, sizeof text);
	cr_assert(strstr(text, "\"variant\": \"rwlock\"") != NULL);
	cr_assert(strstr(text, "\"write_latency\": {\"unit\": \"ns\"") != NULL);
	slurp(timeline, text, sizeof text);
	cr_assert(strncmp(text, "variant,t_s,commits,reads,write_p99_us,"
	                        "retained_bytes,rss_bytes\n", 61) == 0, "%s", text);
	int rows = 0;
	for (char *c = text; *c; c++)
		rows += *c == '\n';
	cr_assert_eq(rows, 1 + 5, "0.5 s is five 100-ms rows: %s", text);
	unlink(json);
	unlink(timeline);
}

/* --read-start and --reads place a given number of reads late in the run:
 * the timeline shows none before the start, and the reader stops after its
 * reads. */
Test(cli, read_start_and_reads_bound_the_reads)
{
	char csv[] = "/tmp/snapbench-cli-rs-XXXXXX";
	char timeline[] = "/tmp/snapbench-cli-rstl-XXXXXX";
	close(mkstemp(csv));
	unlink(csv);
	close(mkstemp(timeline));
	struct outcome o = run("-v", "rwlock", "-p", "64", "-s", "128", "-d", "1",
	                       "--warmup", "0", "--read-start", "0.5", "--reads",
	                       "3", "--timeline", timeline, "-o", csv, "-q", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	char text[65536];
	slurp(csv, text, sizeof text);
	char *save, *header = strtok_r(text, "\n", &save);
	char *line = strtok_r(NULL, "\n", &save);
	cr_assert(header && line, "no row");
	char *cols[64], *row[64];
	int n = csv_split(header, cols, 64);
	cr_assert_eq(csv_split(line, row, 64), n);
	cr_assert_str_eq(row[20], "3", "reads: %s", row[20]);
	cr_assert_str_eq(cols[n - 2], "read_start_s");
	cr_assert_str_eq(row[n - 2], "0.5");
	cr_assert_str_eq(cols[n - 1], "reads_per_reader");
	cr_assert_str_eq(row[n - 1], "3");
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
	unlink(csv);
	unlink(timeline);
}

/* The timeline of a writer held out by a long read: no commit completes
 * while the read holds the lock, and the slots whose commits waited show
 * that wait as their p99 (it is the p99 of the commits intended in a slot,
 * not of those completed in it). */
Test(cli, timeline_shows_a_stalled_writer)
{
	char timeline[] = "/tmp/snapbench-cli-stl-XXXXXX";
	close(mkstemp(timeline));
	struct outcome o = run("-v", "rwlock", "-p", "64", "-s", "128", "-d", "1.2",
	                       "--warmup", "0", "--read-start", "0.3", "--reads",
	                       "1", "--read-pause", "500", "--timeline", timeline,
	                       "-q", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	char text[65536];
	slurp(timeline, text, sizeof text);
	unlink(timeline);
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
