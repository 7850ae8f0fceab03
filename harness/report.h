/*
 * report.h — what a run leaves behind: the comparison table on stdout, CSV
 * rows, a JSON document and a timeline.  Files are always written whole: to
 * a temporary file beside the target, then renamed over it.
 */
#ifndef SNAPBENCH_REPORT_H
#define SNAPBENCH_REPORT_H

#include <stdio.h>

#include "workload.h"

/* Where and when a row was measured. */
struct run_meta {
	char git_commit[64];
	char host[128];
	char cpu[128];
	char timestamp[32];  /* ISO 8601, UTC */
	unsigned cores;
};

void run_meta_collect(struct run_meta *meta);

void report_table(FILE *out, const struct run_result *results, size_t count);

/* Each returns 0, or SB_ERESOURCE with a message in err. */
int report_csv_append(const char *path, const struct run_config *config,
                      const struct run_result *result,
                      const struct run_meta *meta, char *err, size_t errlen);
int report_json(const char *path, const struct run_config *config,
                const struct run_result *results, size_t count,
                const struct run_meta *meta, char *err, size_t errlen);
int report_timeline(const char *path, const struct run_result *results,
                    size_t count, char *err, size_t errlen);

/* The CSV header line, without its newline. */
extern const char report_csv_header[];

/* Writes `len` bytes to `path` whole: temporary file, fsync, rename. */
int write_file_whole(const char *path, const char *data, size_t len,
                     char *err, size_t errlen);

#endif
