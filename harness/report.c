/*
 * report.c — CSV rows, the JSON document and the timeline (report.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"
#include "version.h"

static const char *const publish_names[] = {"block", "try"};

int write_file_whole(const char *path, const char *data, size_t len,
                     char *err, size_t errlen)
{
	size_t tmplen = strlen(path) + 32;
	char *tmp = malloc(tmplen);
	if (!tmp) {
		snprintf(err, errlen, "%s: out of memory", path);
		return SB_ERESOURCE;
	}
	snprintf(tmp, tmplen, "%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return SB_ERESOURCE;
	}
	const char *at = data;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(fd, at, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", tmp,
			         n < 0 ? strerror(errno) : "short write");
			close(fd);
			unlink(tmp);
			free(tmp);
			return SB_ERESOURCE;
		}
		at += n;
		left -= (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		free(tmp);
		return SB_ERESOURCE;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return SB_ERESOURCE;
	}
	free(tmp);
	return SB_OK;
}

FILE *open_output(const char *path, char **data, size_t *len, char *err,
                  size_t errlen)
{
	*data = NULL;
	*len = 0;
	FILE *out = open_memstream(data, len);
	if (!out)
		snprintf(err, errlen, "%s: out of memory", path);
	return out;
}

int finish_and_write(const char *path, FILE *mem, char **data, size_t *len,
                     char *err, size_t errlen)
{
	if (fclose(mem) != 0 || !*data) {
		free(*data);
		snprintf(err, errlen, "%s: out of memory", path);
		return SB_ERESOURCE;
	}
	int status = write_file_whole(path, *data, *len, err, errlen);
	free(*data);
	return status;
}

/* ---- CSV ---- */

/* The header line the columns make, in a malloc'ed string. */
static char *header_text(const struct column_set *columns)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem)
		return NULL;
	columns_csv_header(columns, mem);
	if (fclose(mem) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* The first line of the open file `fd` (size > 0), malloc'ed. */
static char *first_line(int fd)
{
	size_t cap = 4096, len = 0;
	char *line = malloc(cap);
	while (line) {
		ssize_t n = pread(fd, line + len, cap - len - 1, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		line[len] = '\0';
		if (strchr(line, '\n') || len + 1 < cap)
			break;
		char *bigger = cap < (1u << 24) ? realloc(line, cap * 2) : NULL;
		if (!bigger) {
			free(line);
			return NULL;
		}
		line = bigger;
		cap *= 2;
	}
	if (line) {
		line[len] = '\0';
		line[strcspn(line, "\r\n")] = '\0';
	}
	return line;
}

/* Names the first column where `found` and `expected` (header lines)
 * part, into err. */
static void describe_difference(const char *path, const char *found,
                                const char *expected, char *err,
                                size_t errlen)
{
	unsigned column = 1;
	size_t i = 0;
	while (found[i] && found[i] == expected[i]) {
		if (found[i] == ',')
			column++;
		i++;
	}
	size_t start = i;
	while (start > 0 && expected[start - 1] != ',')
		start--;
	size_t found_len = strcspn(found + start, ",");
	size_t expected_len = strcspn(expected + start, ",");
	snprintf(err, errlen, "%s has other columns than this snapbench "
	         "writes (column %u is '%.*s', expected '%.*s'); write to a new "
	         "file", path, column, (int)(found_len < 64 ? found_len : 64),
	         found + start, (int)(expected_len < 64 ? expected_len : 64),
	         expected + start);
}

/* SB_OK when the file is empty or starts with `header`. */
static int check_header(int fd, const char *path, const char *header,
                        char *err, size_t errlen)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return SB_ERESOURCE;
	}
	if (st.st_size == 0)
		return SB_OK;
	char *line = first_line(fd);
	if (!line) {
		snprintf(err, errlen, "%s: cannot read its header", path);
		return SB_ERESOURCE;
	}
	int status = SB_OK;
	if (strcmp(line, header) != 0) {
		describe_difference(path, line, header, err, errlen);
		status = SB_EUSAGE;
	}
	free(line);
	return status;
}

int report_csv_check(const char *path, const struct column_set *columns,
                     char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return SB_OK;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return SB_ERESOURCE;
	}
	char *header = header_text(columns);
	int status = header ? check_header(fd, path, header, err, errlen)
	                    : SB_ERESOURCE;
	if (!header)
		snprintf(err, errlen, "%s: out of memory", path);
	free(header);
	close(fd);
	return status;
}

/* What to append to a file of `size` bytes: the header if it is empty, a
 * newline if its last line has none, the row. */
static char *append_text(int fd, off_t size, const char *header,
                         const struct column_set *columns,
                         const struct row *row, size_t *len)
{
	char *text = NULL;
	FILE *mem = open_memstream(&text, len);
	if (!mem)
		return NULL;
	char last = '\n';
	if (size > 0 && pread(fd, &last, 1, size - 1) != 1)
		last = '\n';
	if (size == 0)
		fprintf(mem, "%s\n", header);
	else if (last != '\n')
		fputc('\n', mem);
	columns_csv_row(columns, row, mem);
	fputc('\n', mem);
	if (fclose(mem) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* Appends `len` bytes in place; on failure truncates back to `size`. */
static int append_whole(int fd, off_t size, const char *path,
                        const char *text, size_t len, char *err,
                        size_t errlen)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", path,
			         n < 0 ? strerror(errno) : "short write");
			if (ftruncate(fd, size) != 0)
				snprintf(err, errlen, "%s: a row is half written: %s",
				         path, strerror(errno));
			return SB_ERESOURCE;
		}
		done += (size_t)n;
	}
	if (fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return SB_ERESOURCE;
	}
	return SB_OK;
}

int report_csv_append(const char *path, const struct column_set *columns,
                      const struct row *row, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return SB_ERESOURCE;
	}
	int locked;
	while ((locked = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
		;
	char *header = header_text(columns);
	int status = SB_ERESOURCE;
	if (locked != 0)
		snprintf(err, errlen, "%s: cannot lock it: %s", path,
		         strerror(errno));
	else if (!header)
		snprintf(err, errlen, "%s: out of memory", path);
	else
		status = check_header(fd, path, header, err, errlen);
	struct stat st;
	if (status == SB_OK && fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		status = SB_ERESOURCE;
	}
	if (status == SB_OK) {
		size_t len;
		char *text = append_text(fd, st.st_size, header, columns, row, &len);
		status = text ? append_whole(fd, st.st_size, path, text, len, err,
		                             errlen) : SB_ERESOURCE;
		if (!text)
			snprintf(err, errlen, "%s: out of memory", path);
		free(text);
	}
	free(header);
	close(fd); /* releases the lock */
	return status;
}

/* ---- JSON ---- */

static void json_hist(FILE *out, const struct hist *h)
{
	fprintf(out, "{\"unit\": \"ns\", \"sub_buckets\": %u, \"count\": %llu, "
	        "\"min\": %llu, \"max\": %llu, \"buckets\": [",
	        2u << h->sub_bits, (unsigned long long)h->count,
	        (unsigned long long)(h->count ? h->min : 0),
	        (unsigned long long)h->max);
	bool first = true;
	for (unsigned i = 0; i < h->bucket_count; i++) {
		if (!h->buckets[i])
			continue;
		fprintf(out, "%s[%llu, %llu, %llu]", first ? "" : ", ",
		        (unsigned long long)hist_bucket_low(h, i),
		        (unsigned long long)hist_bucket_high(h, i),
		        (unsigned long long)h->buckets[i]);
		first = false;
	}
	fprintf(out, "]}");
}

/* A text field, or null when unknown (empty). */
static void json_text_or_null(FILE *out, const char *name, const char *value)
{
	fprintf(out, "\"%s\": ", name);
	if (*value)
		json_string(out, value);
	else
		fputs("null", out);
}

static void json_libraries(FILE *out, const char *libraries)
{
	fprintf(out, "\"libraries\": {");
	char copy[256], *save = NULL;
	snprintf(copy, sizeof copy, "%s", libraries);
	bool first = true;
	for (char *item = strtok_r(copy, ";", &save); item;
	     item = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(item, '=');
		if (!eq)
			continue;
		*eq = '\0';
		fprintf(out, "%s", first ? "" : ", ");
		json_text_or_null(out, item, eq + 1);
		first = false;
	}
	fprintf(out, "}");
}

static void json_machine(FILE *out, const struct machine_info *m)
{
	fprintf(out, "  \"machine\": {");
	json_text_or_null(out, "kernel", m->kernel);
	fputs(", ", out);
	json_text_or_null(out, "cpufreq_governor", m->governor);
	fputs(", ", out);
	json_text_or_null(out, "turbo", m->turbo);
	fputs(", ", out);
	json_text_or_null(out, "smt", m->smt);
	fputs(", ", out);
	json_text_or_null(out, "transparent_hugepages", m->thp);
	fprintf(out, ",\n    \"loadavg_before\": ");
	if (m->loadavg[0] >= 0)
		fprintf(out, "[%.2f, %.2f, %.2f]", m->loadavg[0], m->loadavg[1],
		        m->loadavg[2]);
	else
		fputs("null", out);
	fputs(", ", out);
	json_text_or_null(out, "compiler", m->compiler);
	fputs(", ", out);
	json_text_or_null(out, "cflags", m->cflags);
	fputs(",\n    ", out);
	json_libraries(out, m->libraries);
	fputs(", ", out);
	json_text_or_null(out, "affinity", m->affinity);
	fprintf(out, "},\n");
}

static void json_config(FILE *out, const struct run_config *c)
{
	fprintf(out, "  \"config\": {\"pages\": %llu, \"page_size\": %zu, "
	        "\"duration_s\": %g, \"warmup_s\": %g, \"drain_s\": %g, "
	        "\"readers\": %u, \"scan_pages\": %llu, \"scan_work\": \"%s\", "
	        "\"read_pause_ms\": %g, \"read_start_s\": %g, "
	        "\"reads_per_reader\": %llu, \"writers\": %u, \"write_pages\": %u, "
	        "\"write_rate\": %g, \"hot_pct\": %g, \"hot_pages\": %llu, "
	        "\"lr_publish\": \"%s\", \"pv_home\": \"%s\", \"pin\": %s, "
	        "\"seed\": %llu, \"read_stagger_s\": %g, "
	        "\"retained_min\": %s, \"retained_limit_bytes\": %llu},\n",
	        (unsigned long long)c->pages, c->page_size, c->duration_s,
	        c->warmup_s, c->drain_s, c->readers,
	        (unsigned long long)c->scan_pages, scan_work_names[c->scan_work],
	        c->read_pause_ms, c->read_start_s,
	        (unsigned long long)c->reads_per_reader, c->writers,
	        c->write_pages, c->write_rate, c->hot_pct,
	        (unsigned long long)c->hot_pages, publish_names[c->publish],
	        c->move_home ? "on" : "off", c->pin ? "true" : "false",
	        (unsigned long long)c->seed, c->read_stagger_s,
	        c->retained_min ? "true" : "false",
	        (unsigned long long)c->retained_limit_bytes);
}

/* The CPUs the threads ran on: with --pin, writer i on the i-th CPU this
 * process may use and reader j on the (writers + j)-th (run.c). */
static void json_affinity(FILE *out, const struct row *row)
{
	const struct run_config *c = row->config;
	unsigned threads = c->writers + c->readers;
	int *cpus = malloc((threads ? threads : 1) * sizeof *cpus);
	fprintf(out, "\"affinity\": {\"pinned\": %s",
	        row->result->pinned ? "true" : "false");
	if (row->result->pinned && cpus && allowed_cpus(cpus, threads) >= threads) {
		fprintf(out, ", \"writer_cpus\": [");
		for (unsigned i = 0; i < c->writers; i++)
			fprintf(out, "%s%d", i ? ", " : "", cpus[i]);
		fprintf(out, "], \"reader_cpus\": [");
		for (unsigned i = 0; i < c->readers; i++)
			fprintf(out, "%s%d", i ? ", " : "", cpus[c->writers + i]);
		fprintf(out, "]");
	}
	fprintf(out, "}");
	free(cpus);
}

static void json_variant(FILE *out, const struct column_set *columns,
                         const struct row *row)
{
	const struct run_result *r = row->result;
	fprintf(out, "\n    {");
	columns_json_fields(columns, row, out);
	fprintf(out, ",\n     \"measured_s\": %g, \"scan_bytes\": %llu, "
	        "\"scan_pages_total\": %llu, \"scan_pages_per_s\": %.1f, "
	        "\"writer_late_count\": %llu, ", r->measured_s,
	        (unsigned long long)r->scan_bytes,
	        (unsigned long long)r->scan_pages, r->scan_pages_per_s,
	        (unsigned long long)r->writer_late_count);
	json_affinity(out, row);
	fprintf(out, ",\n     \"violations_by_kind\": {");
	for (int k = 0; k < V_KINDS; k++)
		fprintf(out, "%s\"%s\": %llu", k ? ", " : "", violation_names[k],
		        (unsigned long long)r->violations.count[k]);
	fprintf(out, "},\n     \"write_latency\": ");
	json_hist(out, &r->write_latency);
	fprintf(out, ",\n     \"read_duration\": ");
	json_hist(out, &r->read_duration);
	fprintf(out, "}");
}

int report_json(const char *path, const struct column_set *columns,
                const struct machine_info *machine, const struct row *rows,
                size_t count, char *err, size_t errlen)
{
	if (count == 0) {
		snprintf(err, errlen, "%s: no variant to write", path);
		return SB_ERESOURCE;
	}
	char *data;
	size_t len;
	FILE *out = open_output(path, &data, &len, err, errlen);
	if (!out)
		return SB_ERESOURCE;
	const struct run_meta *meta = rows[0].meta;
	fprintf(out, "{\n  \"schema\": %d,\n  \"snapbench\": \"%s\",\n"
	        "  \"git_commit\": ", RESULT_SCHEMA, SNAPBENCH_VERSION);
	json_string(out, meta->git_commit);
	fprintf(out, ",\n  \"host\": ");
	json_string(out, meta->host);
	fprintf(out, ",\n  \"cpu\": ");
	json_string(out, meta->cpu);
	fprintf(out, ",\n  \"cores\": %u,\n  \"timestamp\": \"%s\",\n",
	        meta->cores, meta->timestamp);
	json_machine(out, machine);
	json_config(out, rows[0].config);
	fprintf(out, "  \"variants\": [");
	for (size_t i = 0; i < count; i++) {
		fprintf(out, "%s", i ? "," : "");
		json_variant(out, columns, &rows[i]);
	}
	fprintf(out, "\n  ]\n}\n");
	return finish_and_write(path, out, &data, &len, err, errlen);
}

/* ---- the timeline ---- */

int report_timeline(const char *path, const struct row *rows, size_t count,
                    char *err, size_t errlen)
{
	char *data;
	size_t len;
	FILE *out = open_output(path, &data, &len, err, errlen);
	if (!out)
		return SB_ERESOURCE;
	fprintf(out, "variant,t_s,commits,reads,write_p99_us,retained_bytes,"
	        "rss_bytes,retained_visible_bytes\n");
	for (size_t i = 0; i < count; i++) {
		const struct run_result *r = rows[i].result;
		for (uint64_t s = 0; s < r->timeline_slots; s++) {
			const struct timeline_slot *slot = &r->timeline[s];
			fprintf(out, "%s,%.1f,%llu,%llu,%.3f,%llu,%llu,%llu\n",
			        r->variant, (double)(s + 1) * TIMELINE_SLOT_NS / 1e9,
			        (unsigned long long)slot->commits,
			        (unsigned long long)slot->reads,
			        (double)slot->write_p99_ns / 1e3,
			        (unsigned long long)slot->retained_bytes,
			        (unsigned long long)slot->rss_bytes,
			        (unsigned long long)slot->retained_visible_bytes);
		}
	}
	return finish_and_write(path, out, &data, &len, err, errlen);
}
