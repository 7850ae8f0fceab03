#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "version.h"

const char report_csv_header[] =
	"variant,pages,page_size,readers,scan_pages,scan_work,read_pause_ms,"
	"writers,write_pages,write_rate,hot_pct,duration_s,seed,commits,"
	"commits_per_s,write_p50_us,write_p99_us,write_p999_us,write_max_us,"
	"writer_blocked_ms,reads,read_p50_ms,read_max_ms,scan_gbps,"
	"stale_max_commits,retained_peak_bytes,retained_end_bytes,rss_peak_bytes,"
	"violations,git_commit,host,cpu,timestamp,"
	/* beyond the contract's columns: */
	"warmup_s,lr_publish,read_retries,rss_end_bytes,starved_reads,"
	"read_start_s,reads_per_reader";

static const char *const publish_names[] = {"block", "try"};

void run_meta_collect(struct run_meta *meta)
{
	memset(meta, 0, sizeof *meta);
	snprintf(meta->git_commit, sizeof meta->git_commit, "%s",
	         SNAPBENCH_GIT_COMMIT);
	if (gethostname(meta->host, sizeof meta->host - 1) != 0)
		snprintf(meta->host, sizeof meta->host, "unknown");
	snprintf(meta->cpu, sizeof meta->cpu, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (f) {
		char line[256];
		while (fgets(line, sizeof line, f)) {
			char *colon = strchr(line, ':');
			if (strncmp(line, "model name", 10) == 0 && colon) {
				colon++;
				while (*colon == ' ')
					colon++;
				colon[strcspn(colon, "\n")] = '\0';
				snprintf(meta->cpu, sizeof meta->cpu, "%s", colon);
				break;
			}
		}
		fclose(f);
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	meta->cores = cores > 0 ? (unsigned)cores : 0;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(meta->timestamp, sizeof meta->timestamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static double us(uint64_t ns) { return (double)ns / 1e3; }
static double ms(uint64_t ns) { return (double)ns / 1e6; }
static double mib(uint64_t bytes) { return (double)bytes / 1048576.0; }

void report_table(FILE *out, const struct run_result *results, size_t count)
{
	fprintf(out, "%-10s %10s %9s %9s %9s %10s %10s %7s %9s %7s %6s %10s %9s %5s\n",
	        "variant", "commits/s", "w_p50_us", "w_p99_us", "w_p999_us",
	        "w_max_us", "blocked_ms", "reads", "r_p50_ms", "scan_GB/s",
	        "stale", "retain_MiB", "rss_MiB", "viol");
	for (size_t i = 0; i < count; i++) {
		const struct run_result *r = &results[i];
		fprintf(out, "%-10s %10.0f %9.2f %9.2f %9.2f %10.1f %10.1f %7llu "
		        "%9.2f %9.3f %6llu %10.2f %9.1f %5llu\n",
		        r->variant, r->commits_per_s,
		        us(hist_quantile(&r->write_latency, 0.50)),
		        us(hist_quantile(&r->write_latency, 0.99)),
		        us(hist_quantile(&r->write_latency, 0.999)),
		        us(r->write_latency.max), ms(r->writer_blocked_ns),
		        (unsigned long long)r->reads,
		        ms(hist_quantile(&r->read_duration, 0.50)), r->scan_gbps,
		        (unsigned long long)r->stale_max_commits,
		        mib(r->retained_peak_bytes), mib(r->rss_peak_bytes),
		        (unsigned long long)violations_total(&r->violations));
	}
}

/* A CSV field, quoted when it holds a comma, a quote or a newline. */
static void csv_text(FILE *out, const char *text)
{
	if (!strpbrk(text, ",\"\n")) {
		fputs(text, out);
		return;
	}
	fputc('"', out);
	for (const char *c = text; *c; c++) {
		if (*c == '"')
			fputc('"', out);
		fputc(*c, out);
	}
	fputc('"', out);
}

static void csv_row(FILE *out, const struct run_config *c,
                    const struct run_result *r, const struct run_meta *meta)
{
	fprintf(out, "%s,%llu,%zu,%u,%llu,%s,%g,%u,%u,%g,%g,%g,%llu,%llu,%.3f,"
	        "%.3f,%.3f,%.3f,%.3f,%.3f,%llu,%.3f,%.3f,%.4f,%llu,%llu,%llu,"
	        "%llu,%llu,",
	        r->variant, (unsigned long long)c->pages, c->page_size,
	        c->readers, (unsigned long long)c->scan_pages,
	        scan_work_names[c->scan_work], c->read_pause_ms, c->writers,
	        c->write_pages, c->write_rate, c->hot_pct, c->duration_s,
	        (unsigned long long)c->seed, (unsigned long long)r->commits,
	        r->commits_per_s, us(hist_quantile(&r->write_latency, 0.50)),
	        us(hist_quantile(&r->write_latency, 0.99)),
	        us(hist_quantile(&r->write_latency, 0.999)),
	        us(r->write_latency.max), ms(r->writer_blocked_ns),
	        (unsigned long long)r->reads,
	        ms(hist_quantile(&r->read_duration, 0.50)),
	        ms(r->read_duration.max), r->scan_gbps,
	        (unsigned long long)r->stale_max_commits,
	        (unsigned long long)r->retained_peak_bytes,
	        (unsigned long long)r->retained_end_bytes,
	        (unsigned long long)r->rss_peak_bytes,
	        (unsigned long long)violations_total(&r->violations));
	csv_text(out, meta->git_commit);
	fputc(',', out);
	csv_text(out, meta->host);
	fputc(',', out);
	csv_text(out, meta->cpu);
	fprintf(out, ",%s,%g,%s,%llu,%llu,%llu,%g,%llu\n", meta->timestamp,
	        c->warmup_s, publish_names[c->publish],
	        (unsigned long long)r->read_retries,
	        (unsigned long long)r->rss_end_bytes,
	        (unsigned long long)r->starved_reads, c->read_start_s,
	        (unsigned long long)c->reads_per_reader);
}

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

/* The whole of an existing file, or an empty buffer when there is none. */
static int read_existing(const char *path, char **data, size_t *len,
                         char *err, size_t errlen)
{
	*data = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT)
			return SB_OK;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return SB_ERESOURCE;
	}
	FILE *mem = open_memstream(data, len);
	if (!mem) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return SB_ERESOURCE;
	}
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, mem);
	bool failed = ferror(f);
	fclose(f);
	if (fclose(mem) != 0 || failed) {
		free(*data);
		*data = NULL;
		snprintf(err, errlen, "%s: cannot read it", path);
		return SB_ERESOURCE;
	}
	return SB_OK;
}

/* Finishes a memstream and writes it whole. */
static int finish_and_write(const char *path, FILE *mem, char **data,
                            size_t *len, char *err, size_t errlen)
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

int report_csv_append(const char *path, const struct run_config *config,
                      const struct run_result *result,
                      const struct run_meta *meta, char *err, size_t errlen)
{
	char *old;
	size_t old_len;
	int status = read_existing(path, &old, &old_len, err, errlen);
	if (status != SB_OK)
		return status;
	char *data = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&data, &len);
	if (!mem) {
		free(old);
		snprintf(err, errlen, "%s: out of memory", path);
		return SB_ERESOURCE;
	}
	if (old_len > 0) {
		fwrite(old, 1, old_len, mem);
		if (old[old_len - 1] != '\n')
			fputc('\n', mem);
	} else {
		fprintf(mem, "%s\n", report_csv_header);
	}
	free(old);
	csv_row(mem, config, result, meta);
	return finish_and_write(path, mem, &data, &len, err, errlen);
}

static void json_hist(FILE *out, const struct hist *h)
{
	fprintf(out, "{\"unit\": \"ns\", \"count\": %llu, \"min\": %llu, "
	        "\"max\": %llu, \"buckets\": [",
	        (unsigned long long)h->count,
	        (unsigned long long)(h->count ? h->min : 0),
	        (unsigned long long)h->max);
	bool first = true;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		if (!h->buckets[i])
			continue;
		fprintf(out, "%s[%llu, %llu, %llu]", first ? "" : ", ",
		        (unsigned long long)hist_bucket_low(i),
		        (unsigned long long)hist_bucket_high(i),
		        (unsigned long long)h->buckets[i]);
		first = false;
	}
	fprintf(out, "]}");
}

static void json_string(FILE *out, const char *text)
{
	fputc('"', out);
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(out, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(out, "\\u%04x", *c);
		else
			fputc(*c, out);
	}
	fputc('"', out);
}

int report_json(const char *path, const struct run_config *c,
                const struct run_result *results, size_t count,
                const struct run_meta *meta, char *err, size_t errlen)
{
	char *data = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&data, &len);
	if (!out) {
		snprintf(err, errlen, "%s: out of memory", path);
		return SB_ERESOURCE;
	}
	fprintf(out, "{\n  \"snapbench\": \"%s\",\n  \"git_commit\": ",
	        SNAPBENCH_VERSION);
	json_string(out, meta->git_commit);
	fprintf(out, ",\n  \"host\": ");
	json_string(out, meta->host);
	fprintf(out, ",\n  \"cpu\": ");
	json_string(out, meta->cpu);
	fprintf(out, ",\n  \"cores\": %u,\n  \"timestamp\": \"%s\",\n",
	        meta->cores, meta->timestamp);
	fprintf(out, "  \"config\": {\"pages\": %llu, \"page_size\": %zu, "
	        "\"duration_s\": %g, \"warmup_s\": %g, \"readers\": %u, "
	        "\"scan_pages\": %llu, \"scan_work\": \"%s\", "
	        "\"read_pause_ms\": %g, \"read_start_s\": %g, "
	        "\"reads_per_reader\": %llu, \"writers\": %u, \"write_pages\": %u, "
	        "\"write_rate\": %g, \"hot_pct\": %g, \"hot_pages\": %llu, "
	        "\"lr_publish\": \"%s\", \"seed\": %llu},\n  \"variants\": [",
	        (unsigned long long)c->pages, c->page_size, c->duration_s,
	        c->warmup_s, c->readers, (unsigned long long)c->scan_pages,
	        scan_work_names[c->scan_work], c->read_pause_ms, c->read_start_s,
	        (unsigned long long)c->reads_per_reader, c->writers,
	        c->write_pages, c->write_rate, c->hot_pct,
	        (unsigned long long)c->hot_pages, publish_names[c->publish],
	        (unsigned long long)c->seed);
	for (size_t i = 0; i < count; i++) {
		const struct run_result *r = &results[i];
		fprintf(out, "%s\n    {\"variant\": \"%s\", \"measured_s\": %g, "
		        "\"commits\": %llu, \"commits_per_s\": %.3f,\n"
		        "     \"write_p50_us\": %.3f, \"write_p99_us\": %.3f, "
		        "\"write_p999_us\": %.3f, \"write_max_us\": %.3f, "
		        "\"writer_blocked_ms\": %.3f, \"writer_spin_us\": %.1f,\n"
		        "     \"reads\": %llu, \"read_p50_ms\": %.3f, "
		        "\"read_max_ms\": %.3f, \"scan_bytes\": %llu, "
		        "\"scan_pages\": %llu, \"scan_gbps\": %.4f, "
		        "\"scan_pages_per_s\": %.1f, \"read_retries\": %llu, "
		        "\"starved_reads\": %llu,\n"
		        "     \"stale_max_commits\": %llu, "
		        "\"retained_peak_bytes\": %llu, \"retained_end_bytes\": %llu, "
		        "\"rss_peak_bytes\": %llu, \"rss_end_bytes\": %llu,\n"
		        "     \"violations\": %llu, \"violations_by_kind\": {",
		        i ? "," : "", r->variant, r->measured_s,
		        (unsigned long long)r->commits, r->commits_per_s,
		        us(hist_quantile(&r->write_latency, 0.50)),
		        us(hist_quantile(&r->write_latency, 0.99)),
		        us(hist_quantile(&r->write_latency, 0.999)),
		        us(r->write_latency.max), ms(r->writer_blocked_ns),
		        r->writer_spin_ns / 1e3,
		        (unsigned long long)r->reads,
		        ms(hist_quantile(&r->read_duration, 0.50)),
		        ms(r->read_duration.max),
		        (unsigned long long)r->scan_bytes,
		        (unsigned long long)r->scan_pages, r->scan_gbps,
		        r->scan_pages_per_s, (unsigned long long)r->read_retries,
		        (unsigned long long)r->starved_reads,
		        (unsigned long long)r->stale_max_commits,
		        (unsigned long long)r->retained_peak_bytes,
		        (unsigned long long)r->retained_end_bytes,
		        (unsigned long long)r->rss_peak_bytes,
		        (unsigned long long)r->rss_end_bytes,
		        (unsigned long long)violations_total(&r->violations));
		for (int k = 0; k < V_KINDS; k++)
			fprintf(out, "%s\"%s\": %llu", k ? ", " : "",
			        violation_names[k],
			        (unsigned long long)r->violations.count[k]);
		fprintf(out, "},\n     \"write_latency\": ");
		json_hist(out, &r->write_latency);
		fprintf(out, ",\n     \"read_duration\": ");
		json_hist(out, &r->read_duration);
		fprintf(out, "}");
	}
	fprintf(out, "\n  ]\n}\n");
	return finish_and_write(path, out, &data, &len, err, errlen);
}

int report_timeline(const char *path, const struct run_result *results,
                    size_t count, char *err, size_t errlen)
{
	char *data = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&data, &len);
	if (!out) {
		snprintf(err, errlen, "%s: out of memory", path);
		return SB_ERESOURCE;
	}
	fprintf(out, "variant,t_s,commits,reads,write_p99_us,retained_bytes,"
	        "rss_bytes\n");
	for (size_t i = 0; i < count; i++) {
		const struct run_result *r = &results[i];
		for (uint64_t s = 0; s < r->timeline_slots; s++) {
			const struct timeline_slot *slot = &r->timeline[s];
			fprintf(out, "%s,%.1f,%llu,%llu,%.3f,%llu,%llu\n", r->variant,
			        (double)(s + 1) * TIMELINE_SLOT_NS / 1e9,
			        (unsigned long long)slot->commits,
			        (unsigned long long)slot->reads,
			        us(slot->write_p99_ns),
			        (unsigned long long)slot->retained_bytes,
			        (unsigned long long)slot->rss_bytes);
		}
	}
	return finish_and_write(path, out, &data, &len, err, errlen);
}
