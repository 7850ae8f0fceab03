/*
 * What snapbench writes, through the program: CSV rows appended by several
 * processes at once, a CSV of other columns refused, the column table
 * (--columns) that drives the CSV, the terminal table and the JSON,
 * --percentiles, HdrHistogram files that agree with the JSON, and the
 * machine metadata.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_run.h"
#include "variant.h"

/* Several processes append rows of several variants each, at once, with
 * short unbounded runs so that their appends overlap. */
Test(outputs, processes_appending_to_one_csv_keep_every_row)
{
	char *path = temp_path("lock");
	const char *list = "rwlock,rcucow,epochcow,seqlock,leftright,fullcopy,"
	                   "forkcow,lmdb,sqlite";
	const unsigned per_process = 9, processes = 4;
	const char *args[] = {"-v", list, "-r", "0", "-p", "64", "-s", "128",
	                      "-d", "0.01", "--warmup", "0", "--write-rate", "0",
	                      "-q", "-o", path, NULL};
	pid_t pids[4];
	for (unsigned i = 0; i < processes; i++)
		pids[i] = cli_start(args);
	for (unsigned i = 0; i < processes; i++)
		cr_assert_eq(cli_wait(pids[i]), 0);
	struct csv csv;
	csv_read(path, &csv);
	cr_assert_eq(csv.nrows, (int)(per_process * processes),
	             "%d rows of %u", csv.nrows, per_process * processes);
	csv_free(&csv);
	/* One header only. */
	char text[1 << 16];
	slurp(path, text, sizeof text);
	cr_assert_null(strstr(text + 1, "\nvariant,"), "a second header");
	unlink(path);
	free(path);
}

Test(outputs, a_csv_with_other_columns_is_refused)
{
	char *path = temp_path("hdr");
	const char *old = "variant,pages,page_size\nrwlock,64,128\n";
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs(old, f);
	fclose(f);
	struct outcome o = cli_run("-v", "rwlock", "-p", "64", "-s", "128", "-d",
	                           "0.1", "--warmup", "0", "-o", path, "-q", NULL);
	cr_assert_eq(o.status, 2, "exit %d: %s", o.status, o.err);
	cr_assert(strstr(o.err, "--csv") && strstr(o.err, "other columns"),
	          "%s", o.err);
	char *newline = strchr(o.err, '\n');
	cr_assert(newline && newline[1] == '\0', "not one line: %s", o.err);
	char text[4096];
	slurp(path, text, sizeof text);
	cr_assert_str_eq(text, old, "the file changed");
	unlink(path);
	free(path);
}

#define MAX_COLUMNS 160

struct column_line {
	char *name, *unit, *short_name, *description;
};

/* `snapbench --columns ARGS...`: its lines split at tabs. */
static int read_columns(struct outcome *o, struct column_line *lines,
                        const char *percentiles)
{
	*o = percentiles ? cli_run("--columns", "--percentiles", percentiles, NULL)
	                 : cli_run("--columns", NULL);
	cr_assert_eq(o->status, 0, "%s", o->err);
	int n = 0;
	char *save = NULL;
	for (char *line = strtok_r(o->out, "\n", &save); line && n < MAX_COLUMNS;
	     line = strtok_r(NULL, "\n", &save), n++) {
		char *field[5] = {line}, *at = line;
		int fields = 1;
		while (fields < 5 && (at = strchr(at, '\t'))) {
			*at++ = '\0';
			field[fields++] = at;
		}
		cr_assert_eq(fields, 4, "line %d has %d fields", n + 1, fields);
		lines[n] = (struct column_line){field[0], field[1], field[2], field[3]};
		cr_assert(*field[1] && *field[3], "%s: no unit or description",
		          field[0]);
	}
	return n;
}

/* --columns is the CSV's header, in order, and its short names are the
 * terminal table's, in order. */
Test(outputs, the_column_table_drives_the_csv_and_the_table)
{
	struct outcome listing;
	struct column_line lines[MAX_COLUMNS];
	int n = read_columns(&listing, lines, NULL);
	char *path = temp_path("cols");
	struct outcome o = cli_run("-v", "rwlock", "-p", "64", "-s", "128", "-d",
	                           "0.1", "--warmup", "0", "-o", path, NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	struct csv csv;
	csv_read(path, &csv);
	cr_assert_eq(csv.columns, n);
	for (int i = 0; i < n; i++)
		cr_assert_str_eq(csv.header[i], lines[i].name, "column %d", i);
	char *save = NULL, *header = strtok_r(o.out, "\n", &save);
	char *table_save = NULL;
	char *shown = strtok_r(header, " ", &table_save);
	for (int i = 0; i < n; i++) {
		if (strcmp(lines[i].short_name, "-") == 0)
			continue;
		cr_assert(shown, "the table ends before %s", lines[i].short_name);
		cr_assert_str_eq(shown, lines[i].short_name);
		shown = strtok_r(NULL, " ", &table_save);
	}
	cr_assert_null(shown, "the table has a column --columns lacks");
	csv_free(&csv);
	unlink(path);
	free(path);
}

/* --percentiles replaces the three write percentile columns in their
 * place; the rule of ten samples applies to each. */
Test(outputs, percentiles_choose_the_write_columns)
{
	struct outcome listing;
	struct column_line lines[MAX_COLUMNS];
	int n = read_columns(&listing, lines, "90,99.99");
	cr_assert_str_eq(lines[14].name, "commits_per_s");
	cr_assert_str_eq(lines[15].name, "write_p90_us");
	cr_assert_str_eq(lines[15].short_name, "w_p90_us");
	cr_assert_str_eq(lines[16].name, "write_p9999_us");
	cr_assert_str_eq(lines[17].name, "write_max_us");
	for (int i = 0; i < n; i++)
		cr_assert_neq(strcmp(lines[i].name, "write_p50_us"), 0);
	char *path = temp_path("pcts"), *json = temp_path("pctsj");
	struct outcome o = cli_run("-v", "rwlock", "-r", "0", "-p", "64", "-s",
	                           "128", "-d", "1", "--warmup", "0",
	                           "--percentiles", "90,99.99", "-o", path,
	                           "--json", json, "-q", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	struct csv csv;
	csv_read(path, &csv);
	cr_assert_eq(csv.columns, n);
	cr_assert_gt(atof(csv_get(&csv, 0, "write_p90_us")), 0);
	cr_assert_str_eq(csv_get(&csv, 0, "write_p9999_us"), "");
	char text[1 << 16], value[64];
	slurp(json, text, sizeof text);
	cr_assert_str_eq(json_value(text, "write_p9999_us", value, sizeof value),
	                 "null");
	cr_assert_neq(strcmp(json_value(text, "write_p90_us", value,
	                                sizeof value), "null"), 0);
	csv_free(&csv);
	unlink(path);
	unlink(json);
	free(path);
	free(json);
}

struct hgrm_row {
	double value, percentile, inverse;
	unsigned long long count;
};

struct hgrm {
	struct hgrm_row rows[512];
	int nrows;
	double mean, stddev, max;
	unsigned long long total;
	unsigned buckets, sub_buckets;
};

/* Parses an .hgrm file as HdrHistogram_c's hdr_percentiles_print writes
 * it, asserting its layout. */
static void hgrm_read(const char *path, struct hgrm *h)
{
	static char text[1 << 17];
	slurp(path, text, sizeof text);
	memset(h, 0, sizeof *h);
	const char *head = "       Value   Percentile   TotalCount "
	                   "1/(1-Percentile)\n\n";
	cr_assert(strncmp(text, head, strlen(head)) == 0, "%s: header: %.80s",
	          path, text);
	char *save = NULL;
	for (char *line = strtok_r(text + strlen(head), "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#') {
			double a, b;
			unsigned long long c;
			unsigned d, e;
			if (sscanf(line, "#[Mean    = %lf, StdDeviation   = %lf]", &a, &b) == 2)
				h->mean = a, h->stddev = b;
			else if (sscanf(line, "#[Max     = %lf, Total count    = %llu]", &a, &c) == 2)
				h->max = a, h->total = c;
			else if (sscanf(line, "#[Buckets = %u, SubBuckets     = %u]", &d, &e) == 2)
				h->buckets = d, h->sub_buckets = e;
			else
				cr_assert_fail("%s: footer line '%s'", path, line);
			continue;
		}
		struct hgrm_row *r = &h->rows[h->nrows];
		cr_assert_lt(h->nrows, 512);
		cr_assert_eq(sscanf(line, "%lf %lf %llu %lf", &r->value,
		                    &r->percentile, &r->count, &r->inverse), 4,
		             "%s: row '%s'", path, line);
		h->nrows++;
	}
	cr_assert_gt(h->nrows, 1);
}

static double json_number(const char *text, const char *name)
{
	char value[64];
	json_value(text, name, value, sizeof value);
	cr_assert_neq(strcmp(value, "null"), 0, "%s is null", name);
	return atof(value);
}

/* A JSON percentile lies between the hgrm rows around its level (the
 * rows give each bucket's top, the JSON its midpoint: within 1%). */
static void expect_between_rows(const struct hgrm *h, double percentile,
                                double json_us)
{
	double below = 0, above = INFINITY;
	for (int i = 0; i < h->nrows; i++) {
		if (h->rows[i].percentile <= percentile)
			below = h->rows[i].value;
		if (h->rows[i].percentile >= percentile && above == INFINITY)
			above = h->rows[i].value;
	}
	cr_assert(json_us >= below * 0.99 - 0.01 && json_us <= above + 0.01,
	          "p%g: JSON %.3f us outside the rows' [%.2f, %.2f]",
	          percentile * 100, json_us, below, above);
}

Test(outputs, hgrm_files_agree_with_the_json)
{
	char *dir = temp_path("hgrm"), *json = temp_path("hgrmj");
	/* 10000 commits: p99.9 has its ten samples. */
	struct outcome o = cli_run("-v", "rwlock", "-r", "1", "-p", "64", "-s",
	                           "128", "-d", "2", "--warmup", "0",
	                           "--write-rate", "5000", "--hgrm", dir,
	                           "--json", json, "-q", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	static char text[1 << 20];
	slurp(json, text, sizeof text);
	char path[256];
	snprintf(path, sizeof path, "%s/rwlock.commit.hgrm", dir);
	struct hgrm h;
	hgrm_read(path, &h);
	/* HdrHistogram's first levels with 5 ticks per half-distance. */
	static const double levels[] = {0, .1, .2, .3, .4, .5, .55, .6, .65,
	                                .7, .75, .775, .8, .825, .85, .875};
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
		cr_assert(fabs(h.rows[i].percentile - levels[i]) < 1e-6,
		          "row %zu at %f, not %f", i, h.rows[i].percentile, levels[i]);
	for (int i = 1; i < h.nrows; i++) {
		cr_assert_geq(h.rows[i].value, h.rows[i - 1].value);
		cr_assert_gt(h.rows[i].percentile, h.rows[i - 1].percentile);
		cr_assert_geq(h.rows[i].count, h.rows[i - 1].count);
	}
	struct hgrm_row *last = &h.rows[h.nrows - 1];
	cr_assert_eq(last->percentile, 1.0);
	cr_assert(isinf(last->inverse));
	const char *latency = strstr(text, "\"write_latency\": ");
	cr_assert(latency);
	unsigned long long count = (unsigned long long)json_number(latency, "count");
	cr_assert_eq(count, 10000);
	cr_assert_eq(last->count, count);
	cr_assert_eq(h.total, count);
	cr_assert_eq(h.buckets, 57);
	cr_assert_eq(h.sub_buckets, 256);
	double max_us = json_number(text, "write_max_us");
	cr_assert(fabs(h.max - max_us) <= max_us * 0.01 + 0.01,
	          "Max %.3f, JSON %.3f", h.max, max_us);
	cr_assert(h.mean > 0 && h.mean <= h.max && h.stddev >= 0);
	/* p50 is a level of its own; p99 and p99.9 fall between levels. */
	double p50 = json_number(text, "write_p50_us");
	cr_assert(fabs(h.rows[5].value - p50) <= p50 * 0.01 + 0.01,
	          "row at 0.5: %.2f, JSON p50 %.3f", h.rows[5].value, p50);
	expect_between_rows(&h, 0.99, json_number(text, "write_p99_us"));
	expect_between_rows(&h, 0.999, json_number(text, "write_p999_us"));
	snprintf(path, sizeof path, "%s/rwlock.read.hgrm", dir);
	hgrm_read(path, &h);
	const char *reads = strstr(text, "\"read_duration\": ");
	cr_assert(reads);
	cr_assert_eq(h.rows[h.nrows - 1].count,
	             (unsigned long long)json_number(reads, "count"));
	snprintf(path, sizeof path, "%s/rwlock.commit.hgrm", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/rwlock.read.hgrm", dir);
	unlink(path);
	rmdir(dir);
	unlink(json);
	free(dir);
	free(json);
}

/* The JSON: schema 2, the machine's metadata, and per variant every CSV
 * column and the CPUs its threads ran on. */
Test(outputs, the_json_records_the_machine_and_every_column)
{
	struct outcome listing;
	struct column_line lines[MAX_COLUMNS];
	int n = read_columns(&listing, lines, NULL);
	char *json = temp_path("meta");
	struct outcome o = cli_run("-v", "rwlock", "-p", "64", "-s", "128", "-d",
	                           "0.1", "--warmup", "0", "--pin", "--json", json,
	                           "-q", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	static char text[1 << 20];
	slurp(json, text, sizeof text);
	char value[256];
	cr_assert_str_eq(json_value(text, "schema", value, sizeof value), "2");
	const char *machine = strstr(text, "\"machine\": {");
	cr_assert(machine, "no machine");
	static const char *const keys[] = {
		"kernel", "cpufreq_governor", "turbo", "smt",
		"transparent_hugepages", "loadavg_before", "compiler", "cflags",
		"affinity",
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		json_value(machine, keys[i], value, sizeof value);
	cr_assert_neq(strcmp(json_value(machine, "compiler", value, sizeof value),
	                     "null"), 0);
	cr_assert_neq(strcmp(json_value(machine, "kernel", value, sizeof value),
	                     "null"), 0);
	const char *libraries = strstr(machine, "\"libraries\": {");
	cr_assert(libraries);
	static const char *const libs[] = {"liburcu-memb", "ck", "lmdb", "sqlite3"};
	for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++)
		cr_assert(json_value(libraries, libs[i], value, sizeof value)[0] == '"',
		          "%s has no version", libs[i]);
	const char *variant = strstr(text, "\"variants\": [");
	cr_assert(variant);
	for (int i = 0; i < n; i++)
		json_value(variant, lines[i].name, value, sizeof value);
	cr_assert(strstr(variant, "\"affinity\": {\"pinned\": "));
	unlink(json);
	free(json);
}
