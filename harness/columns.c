/*
 * columns.c — the table of result columns (columns.h) and the CSV, JSON
 * and terminal renderings it drives.  A column's value comes from one
 * small function of the row; the table below holds everything else.
 */
#include <stdlib.h>
#include <string.h>

#include "columns.h"

static const char *const publish_names[] = {"block", "try"};

static struct cell u64(uint64_t value)
{
	return (struct cell){.kind = CELL_U64, .u64 = value};
}

static struct cell f64(double value)
{
	return (struct cell){.kind = CELL_F64, .f64 = value};
}

static struct cell text(const char *value)
{
	return (struct cell){.kind = CELL_TEXT, .text = value};
}

static const struct cell empty = {.kind = CELL_EMPTY};

static double us(uint64_t ns) { return (double)ns / 1e3; }
static double ms(uint64_t ns) { return (double)ns / 1e6; }

/* A read figure: empty when the readers completed no read in the window. */
static struct cell read_figure(const struct row *row, struct cell value)
{
	return row->result->reads ? value : empty;
}

#define COLUMN_FN(fn, expr) \
	static struct cell fn(const struct column *column, const struct row *row) \
	{ \
		(void)column; \
		const struct run_config *c = row->config; \
		const struct run_result *r = row->result; \
		const struct run_meta *m = row->meta; \
		(void)c, (void)r, (void)m; \
		return expr; \
	}

COLUMN_FN(col_variant, text(r->variant))
COLUMN_FN(col_pages, u64(c->pages))
COLUMN_FN(col_page_size, u64(c->page_size))
COLUMN_FN(col_readers, u64(c->readers))
COLUMN_FN(col_scan_pages, u64(c->scan_pages))
COLUMN_FN(col_scan_work, text(scan_work_names[c->scan_work]))
COLUMN_FN(col_read_pause_ms, f64(c->read_pause_ms))
COLUMN_FN(col_writers, u64(c->writers))
COLUMN_FN(col_write_pages, u64(c->write_pages))
COLUMN_FN(col_write_rate, f64(c->write_rate))
COLUMN_FN(col_hot_pct, f64(c->hot_pct))
COLUMN_FN(col_duration_s, f64(c->duration_s))
COLUMN_FN(col_seed, u64(c->seed))
COLUMN_FN(col_commits, u64(r->commits))
COLUMN_FN(col_commits_per_s, f64(r->commits_per_s))
COLUMN_FN(col_write_max_us, r->write_latency.count
          ? f64(us(r->write_latency.max)) : empty)
COLUMN_FN(col_writer_blocked_ms, f64(ms(r->writer_blocked_ns)))
COLUMN_FN(col_reads, u64(r->reads))
COLUMN_FN(col_read_p50_ms, read_figure(row,
          f64(ms(hist_quantile(&r->read_duration, 0.5)))))
COLUMN_FN(col_read_max_ms, read_figure(row, f64(ms(r->read_duration.max))))
COLUMN_FN(col_scan_gbps, read_figure(row, f64(r->scan_gbps)))
COLUMN_FN(col_stale_max_commits, read_figure(row, u64(r->stale_max_commits)))
COLUMN_FN(col_retained_peak_bytes, u64(r->retained_peak_bytes))
COLUMN_FN(col_retained_end_bytes, u64(r->retained_end_bytes))
COLUMN_FN(col_rss_peak_bytes, u64(r->rss_peak_bytes))
COLUMN_FN(col_violations, u64(violations_total(&r->violations)))
COLUMN_FN(col_git_commit, text(m->git_commit))
COLUMN_FN(col_host, text(m->host))
COLUMN_FN(col_cpu, text(m->cpu))
COLUMN_FN(col_timestamp, text(m->timestamp))
COLUMN_FN(col_warmup_s, f64(c->warmup_s))
COLUMN_FN(col_lr_publish, text(publish_names[c->publish]))
COLUMN_FN(col_read_retries, u64(r->read_retries))
COLUMN_FN(col_rss_end_bytes, u64(r->rss_end_bytes))
COLUMN_FN(col_starved_reads, u64(r->starved_reads))
COLUMN_FN(col_read_start_s, f64(c->read_start_s))
COLUMN_FN(col_reads_per_reader, u64(c->reads_per_reader))
COLUMN_FN(col_unfinished_commits, u64(r->unfinished_commits))
COLUMN_FN(col_verified, u64(c->scan_work == SCAN_VERIFY))
COLUMN_FN(col_steal_ms, f64(r->steal_ms))
COLUMN_FN(col_writer_spin_us, f64(us(r->writer_spin_ns)))
COLUMN_FN(col_writer_late_p99_us,
          hist_percentile_supported(r->writer_late_count, 99)
          ? f64(us(r->writer_late_p99_ns)) : empty)
COLUMN_FN(col_pinned, u64(r->pinned))
COLUMN_FN(col_retained_visible_peak_bytes, u64(r->retained_visible_peak_bytes))
COLUMN_FN(col_rss_children_peak_bytes, u64(r->rss_children_peak_bytes))
COLUMN_FN(col_writer_allocs, u64(r->writer_allocs))
COLUMN_FN(col_schema, u64(RESULT_SCHEMA))
COLUMN_FN(col_writer_trims, u64(r->writer_trims))
COLUMN_FN(col_pv_home, text(c->move_home ? "on" : "off"))
COLUMN_FN(col_drain_s, f64(c->drain_s))
COLUMN_FN(col_read_stagger_s, f64(c->read_stagger_s))
COLUMN_FN(col_retained_limit_bytes, u64(c->retained_limit_bytes))
COLUMN_FN(col_retained_min_peak_bytes, c->retained_min
          ? u64(r->retained_min_pages_peak * c->page_size) : empty)
COLUMN_FN(col_scan_gbps_wall, read_figure(row,
          f64((double)r->scan_bytes / c->duration_s / 1e9)))

static struct cell col_write_percentile(const struct column *column,
                                        const struct row *row)
{
	const struct hist *h = &row->result->write_latency;
	if (!hist_percentile_supported(h->count, column->percentile))
		return empty;
	return f64(us(hist_quantile(h, column->percentile / 100.0)));
}

/* The fixed columns, in CSV order; PERCENTILES_HERE marks where the
 * write percentile columns go. */
#define PERCENTILES_HERE "(percentiles)"
#define COUNTER "; counted over the window (the variant's count at its end minus at its start)"

static const struct column fixed_columns[] = {
	{"variant", "-", "variant", "the variant's name", NULL, NULL, false, 0, col_variant},
	{"pages", "pages", NULL, "pages in the database (-p)", NULL, NULL, false, 0, col_pages},
	{"page_size", "bytes", NULL, "bytes per page (-s)", NULL, NULL, false, 0, col_page_size},
	{"readers", "threads", NULL, "long-reader threads (-r)", NULL, NULL, false, 0, col_readers},
	{"scan_pages", "pages", NULL, "pages per read (--scan)", NULL, NULL, false, 0, col_scan_pages},
	{"scan_work", "-", NULL, "what a read does with each page: touch, sum or verify (--scan-work)", NULL, NULL, false, 0, col_scan_work},
	{"read_pause_ms", "ms", NULL, "pause in the middle of each read (--read-pause)", "%g", NULL, false, 0, col_read_pause_ms},
	{"writers", "threads", NULL, "writer threads (-w)", NULL, NULL, false, 0, col_writers},
	{"write_pages", "pages", NULL, "pages per write transaction (-k)", NULL, NULL, false, 0, col_write_pages},
	{"write_rate", "commits/s", NULL, "target commit rate over all writers, 0 = unbounded (--write-rate)", "%g", NULL, false, 0, col_write_rate},
	{"hot_pct", "%", NULL, "writes go to the first hot_pct% of pages (--hot)", "%g", NULL, false, 0, col_hot_pct},
	{"duration_s", "s", NULL, "the measured window (-d)", "%g", NULL, false, 0, col_duration_s},
	{"seed", "-", NULL, "the random seed (--seed)", NULL, NULL, false, 0, col_seed},
	{"commits", "commits", NULL, "commits completed inside the window", NULL, NULL, false, 0, col_commits},
	{"commits_per_s", "commits/s", "commits_per_s", "commits / duration_s: the achieved rate (write_rate is the target)", "%.3f", "%.0f", false, 0, col_commits_per_s},
	{PERCENTILES_HERE, NULL, NULL, NULL, NULL, NULL, false, 0, NULL},
	{"write_max_us", "us", "w_max_us", "the longest commit latency among the commits intended inside the window (unfinished ones at drain end - intended start); empty without commits", "%.3f", "%.1f", false, 0, col_write_max_us},
	{"writer_blocked_ms", "ms", "w_blocked_ms", "time writers spent blocked waiting for readers, as the variant counts it (when a wait ends)" COUNTER, "%.3f", "%.1f", false, 0, col_writer_blocked_ms},
	{"reads", "reads", "reads", "reads completed inside the window, not cut short by the run's end", NULL, NULL, false, 0, col_reads},
	{"read_p50_ms", "ms", "r_p50_ms", "median read duration, pause included, of the reads counted in reads; empty without reads", "%.3f", "%.2f", false, 0, col_read_p50_ms},
	{"read_max_ms", "ms", NULL, "longest read duration among the reads counted in reads; empty without reads", "%.3f", NULL, false, 0, col_read_max_ms},
	{"scan_gbps", "GB/s", "scan_gbps", "each reader's bytes read / its time reading (pauses excluded), summed over readers, 1e9 bytes/s; empty without reads", "%.4f", "%.3f", false, 0, col_scan_gbps},
	{"stale_max_commits", "commits", "stale_max", "most commits a snapshot lagged behind the last commit completed before its read began, over reads ending inside the window; empty without reads", NULL, NULL, false, 0, col_stale_max_commits},
	{"retained_peak_bytes", "bytes", "ret_peak_MiB", "peak of the bytes the scheme held beyond one copy of the database (the variant's own peak or the monitor's 10-ms samples, whichever is higher)", NULL, "%.2f", true, 0, col_retained_peak_bytes},
	{"retained_end_bytes", "bytes", NULL, "bytes held beyond one copy of the database after the run", NULL, NULL, false, 0, col_retained_end_bytes},
	{"rss_peak_bytes", "bytes", "rss_peak_MiB", "peak resident memory of the variant's own process (10-ms samples and getrusage's maxrss)", NULL, "%.1f", true, 0, col_rss_peak_bytes},
	{"violations", "-", "violations", "consistency violations the oracle found, warm-up and drain included", NULL, NULL, false, 0, col_violations},
	{"git_commit", "-", NULL, "the commit snapbench was built from (-dirty: with local changes)", NULL, NULL, false, 0, col_git_commit},
	{"host", "-", NULL, "the machine's host name", NULL, NULL, false, 0, col_host},
	{"cpu", "-", NULL, "the CPU model (/proc/cpuinfo)", NULL, NULL, false, 0, col_cpu},
	{"timestamp", "-", NULL, "when the variant's run ended, ISO 8601 UTC", NULL, NULL, false, 0, col_timestamp},
	{"warmup_s", "s", NULL, "unmeasured time before the window (--warmup)", "%g", NULL, false, 0, col_warmup_s},
	{"lr_publish", "-", NULL, "how a two-copy variant publishes: block or try (--lr-publish)", NULL, NULL, false, 0, col_lr_publish},
	{"read_retries", "reads", NULL, "reads an optimistic variant started again" COUNTER, NULL, NULL, false, 0, col_read_retries},
	{"rss_end_bytes", "bytes", NULL, "resident memory of the variant's process after the run", NULL, NULL, false, 0, col_rss_end_bytes},
	{"starved_reads", "reads", NULL, "reads an optimistic variant gave up" COUNTER, NULL, NULL, false, 0, col_starved_reads},
	{"read_start_s", "s", NULL, "readers begin this far into the window; 0 = from the start, warm-up included (--read-start)", "%g", NULL, false, 0, col_read_start_s},
	{"reads_per_reader", "reads", NULL, "reads per reader before it stops, 0 = no limit (--reads)", NULL, NULL, false, 0, col_reads_per_reader},
	{"unfinished_commits", "commits", "unfinished", "commits intended inside the window and not completed when the drain ended", NULL, NULL, false, 0, col_unfinished_commits},
	{"verified", "-", "verified", "1 when every page read was checked (--scan-work verify), else 0: violations then counts only staleness and the final check", NULL, NULL, false, 0, col_verified},
	{"steal_ms", "ms", "steal_ms", "the hypervisor's steal time during the window, every CPU summed (/proc/stat)", "%g", "%.0f", false, 0, col_steal_ms},
	{"writer_spin_us", "us", NULL, "how long before a commit's intended start a writer stops sleeping and spins (calibrated with the readers running; the longest over writers)", "%.1f", NULL, false, 0, col_writer_spin_us},
	{"writer_late_p99_us", "us", NULL, "p99 of how late a writer began commits that no earlier commit held back (the harness's own scheduling lateness); empty when fewer than 1000 such commits", "%.3f", NULL, false, 0, col_writer_late_p99_us},
	{"pinned", "-", NULL, "1 when the writer and each reader ran on a CPU of their own (--pin and enough CPUs), else 0", NULL, NULL, false, 0, col_pinned},
	{"retained_visible_peak_bytes", "bytes", NULL, "peak of the retained bytes some live snapshot could still reach", NULL, NULL, false, 0, col_retained_visible_peak_bytes},
	{"rss_children_peak_bytes", "bytes", NULL, "largest peak resident memory of a process the variant started and waited for (getrusage RUSAGE_CHILDREN); 0 if none", NULL, NULL, false, 0, col_rss_children_peak_bytes},
	{"writer_allocs", "-", NULL, "times a writer allocated version memory itself because the background pool was empty" COUNTER, NULL, NULL, false, 0, col_writer_allocs},
	{"schema", "-", NULL, "the number of this set of columns", NULL, NULL, false, 0, col_schema},
	{"writer_trims", "-", NULL, "times a writer trimmed history itself because the background trimmer fell behind" COUNTER, NULL, NULL, false, 0, col_writer_trims},
	{"pv_home", "-", NULL, "pagever moves rewritten pages home: on or off (--pv-home)", NULL, NULL, false, 0, col_pv_home},
	{"drain_s", "s", NULL, "the drain's limit after the window (--drain)", "%g", NULL, false, 0, col_drain_s},
	{"read_stagger_s", "s", NULL, "reader i began i x read_stagger_s after the readers' start (--read-stagger)", "%g", NULL, false, 0, col_read_stagger_s},
	{"retained_limit_bytes", "bytes", NULL, "a run stops with a resource error once its variant retains more than this; 0 = no limit (--retained-limit)", NULL, NULL, false, 0, col_retained_limit_bytes},
	{"retained_min_peak_bytes", "bytes", NULL, "peak over 100-ms samples of the least any scheme must retain for the snapshots open then: the distinct (page, version) pairs some open snapshot can see that are no longer the page's current version, x page_size (page contents only, no headers); from the oracle's log with --retained-min, else empty", NULL, NULL, false, 0, col_retained_min_peak_bytes},
	{"scan_gbps_wall", "GB/s", NULL, "bytes of the reads counted in reads, all readers together, / the window (duration_s), 1e9 bytes/s: the aggregate scan rate over wall time, pauses included; empty without reads", "%.4f", NULL, false, 0, col_scan_gbps_wall},
};

void percentile_column_name(double percentile, char *buf, size_t len)
{
	char number[40], digits[40];
	snprintf(number, sizeof number, "%.15g", percentile);
	size_t n = 0;
	for (const char *c = number; *c && n + 1 < sizeof digits; c++)
		if (*c != '.')
			digits[n++] = *c;
	digits[n] = '\0';
	snprintf(buf, len, "write_p%s_us", digits);
}

static struct column percentile_column(struct column_set *set, size_t i,
                                       double percentile)
{
	percentile_column_name(percentile, set->names[i], sizeof set->names[i]);
	/* write_pNN_us -> w_pNN_us */
	snprintf(set->short_names[i], sizeof set->short_names[i], "w%s",
	         set->names[i] + strlen("write"));
	snprintf(set->descriptions[i], sizeof set->descriptions[i],
	         "the %.15gth percentile of commit latency over the commits "
	         "intended inside the window; empty unless n*(1-q) >= 10",
	         percentile);
	return (struct column){
		.name = set->names[i],
		.unit = "us",
		.short_name = set->short_names[i],
		.description = set->descriptions[i],
		.format = "%.3f",
		.table_format = "%.2f",
		.percentile = percentile,
		.value = col_write_percentile,
	};
}

int columns_build(struct column_set *set, const double *percentiles,
                  size_t count)
{
	memset(set, 0, sizeof *set);
	size_t fixed = sizeof fixed_columns / sizeof fixed_columns[0];
	if (count > MAX_PERCENTILES)
		return SB_EUSAGE;
	set->columns = calloc(fixed - 1 + count, sizeof *set->columns);
	if (!set->columns)
		return SB_ERESOURCE;
	for (size_t i = 0; i < fixed; i++) {
		if (strcmp(fixed_columns[i].name, PERCENTILES_HERE) != 0) {
			set->columns[set->count++] = fixed_columns[i];
			continue;
		}
		for (size_t p = 0; p < count; p++)
			set->columns[set->count++] =
				percentile_column(set, p, percentiles[p]);
	}
	for (size_t i = 0; i < set->count; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(set->columns[i].name, set->columns[j].name) == 0) {
				fprintf(stderr, "snapbench: --percentiles: two "
				        "percentiles give the column %s\n",
				        set->columns[i].name);
				columns_free(set);
				return SB_EUSAGE;
			}
	return SB_OK;
}

void columns_free(struct column_set *set)
{
	free(set->columns);
	set->columns = NULL;
	set->count = 0;
}

static void csv_text(FILE *out, const char *value)
{
	if (!strpbrk(value, ",\"\n")) {
		fputs(value, out);
		return;
	}
	fputc('"', out);
	for (const char *c = value; *c; c++) {
		if (*c == '"')
			fputc('"', out);
		fputc(*c, out);
	}
	fputc('"', out);
}

void json_string(FILE *out, const char *value)
{
	fputc('"', out);
	for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(out, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(out, "\\u%04x", *c);
		else
			fputc(*c, out);
	}
	fputc('"', out);
}

/* A number cell in the column's CSV/JSON format. */
static void print_number(FILE *out, const struct column *column,
                         struct cell cell)
{
	if (cell.kind == CELL_U64)
		fprintf(out, "%llu", (unsigned long long)cell.u64);
	else
		fprintf(out, column->format ? column->format : "%g", cell.f64);
}

void columns_csv_header(const struct column_set *set, FILE *out)
{
	for (size_t i = 0; i < set->count; i++)
		fprintf(out, "%s%s", i ? "," : "", set->columns[i].name);
}

void columns_csv_row(const struct column_set *set, const struct row *row,
                     FILE *out)
{
	for (size_t i = 0; i < set->count; i++) {
		const struct column *column = &set->columns[i];
		struct cell cell = column->value(column, row);
		if (i)
			fputc(',', out);
		if (cell.kind == CELL_TEXT)
			csv_text(out, cell.text);
		else if (cell.kind != CELL_EMPTY)
			print_number(out, column, cell);
	}
}

void columns_json_fields(const struct column_set *set, const struct row *row,
                         FILE *out)
{
	for (size_t i = 0; i < set->count; i++) {
		const struct column *column = &set->columns[i];
		struct cell cell = column->value(column, row);
		fprintf(out, "%s\"%s\": ", i ? ", " : "", column->name);
		if (cell.kind == CELL_TEXT)
			json_string(out, cell.text);
		else if (cell.kind == CELL_EMPTY)
			fputs("null", out);
		else
			print_number(out, column, cell);
	}
}

/* A cell as the table shows it. */
static void table_cell(const struct column *column, struct cell cell,
                       char *buf, size_t len)
{
	const char *format = column->table_format ? column->table_format : "%g";
	switch (cell.kind) {
	case CELL_EMPTY:
		snprintf(buf, len, "-");
		break;
	case CELL_TEXT:
		snprintf(buf, len, "%s", cell.text);
		break;
	case CELL_U64:
		if (column->table_mib)
			snprintf(buf, len, format, (double)cell.u64 / 1048576.0);
		else
			snprintf(buf, len, "%llu", (unsigned long long)cell.u64);
		break;
	case CELL_F64:
		snprintf(buf, len, format, cell.f64);
		break;
	}
}

#define TABLE_CELL 32

void columns_table(const struct column_set *set, const struct row *rows,
                   size_t count, FILE *out)
{
	size_t shown[set->count], nshown = 0;
	for (size_t i = 0; i < set->count; i++)
		if (set->columns[i].short_name)
			shown[nshown++] = i;
	/* Row 0 holds the short names, row r + 1 the cells of rows[r]. */
	char (*cells)[TABLE_CELL] = calloc((count + 1) * nshown, TABLE_CELL);
	if (!cells)
		return;
	size_t width[nshown];
	for (size_t k = 0; k < nshown; k++) {
		const struct column *column = &set->columns[shown[k]];
		snprintf(cells[k], TABLE_CELL, "%s", column->short_name);
		width[k] = strlen(cells[k]);
		for (size_t r = 0; r < count; r++) {
			char *cell = cells[(r + 1) * nshown + k];
			table_cell(column, column->value(column, &rows[r]), cell,
			           TABLE_CELL);
			if (strlen(cell) > width[k])
				width[k] = strlen(cell);
		}
	}
	for (size_t r = 0; r <= count; r++) {
		for (size_t k = 0; k < nshown; k++)
			fprintf(out, k ? " %*s" : "%-*s", (int)width[k],
			        cells[r * nshown + k]);
		fputc('\n', out);
	}
	bool unverified = false;
	for (size_t r = 0; r < count; r++)
		unverified |= rows[r].config->scan_work != SCAN_VERIFY;
	if (unverified)
		fprintf(out, "verified 0: --scan-work %s checks no page, so "
		        "violations counts only staleness and the final check\n",
		        scan_work_names[rows[0].config->scan_work]);
	free(cells);
}

void columns_print_table(const struct column_set *set, FILE *out)
{
	for (size_t i = 0; i < set->count; i++) {
		const struct column *column = &set->columns[i];
		fprintf(out, "%s\t%s\t%s\t%s\n", column->name, column->unit,
		        column->short_name ? column->short_name : "-",
		        column->description);
	}
}
