/*
 * report.h — what a run leaves in files: CSV rows (appended under a lock),
 * a JSON document, a timeline.  The JSON and the timeline are written
 * whole: to a temporary file beside the target, then renamed over it.  A
 * CSV row is appended in one write under flock(LOCK_EX), and taken back
 * (the file truncated to its old length) if the write fails.
 */
#ifndef SNAPBENCH_REPORT_H
#define SNAPBENCH_REPORT_H

#include <stdio.h>

#include "columns.h"
#include "sysinfo.h"

/* Checks that an existing CSV at `path` has exactly this header: SB_OK
 * (also when there is no file or it is empty), SB_EUSAGE with a one-line
 * message in err when its header differs, SB_ERESOURCE if unreadable. */
int report_csv_check(const char *path, const struct column_set *columns,
                     char *err, size_t errlen);

/* Appends one row (and the header, to a new or empty file).  SB_OK,
 * SB_EUSAGE (the file's header differs: nothing appended) or
 * SB_ERESOURCE, with a message in err. */
int report_csv_append(const char *path, const struct column_set *columns,
                      const struct row *row, char *err, size_t errlen);

/* The JSON document: schema, machine, configuration, and per variant
 * every column, the histograms and the CPUs its threads ran on. */
int report_json(const char *path, const struct column_set *columns,
                const struct machine_info *machine, const struct row *rows,
                size_t count, char *err, size_t errlen);

int report_timeline(const char *path, const struct row *rows, size_t count,
                    char *err, size_t errlen);

/* Writes `len` bytes to `path` whole: temporary file, fsync, rename. */
int write_file_whole(const char *path, const char *data, size_t len,
                     char *err, size_t errlen);

/* A memstream over *data, *len for a file to be written whole to `path`
 * by finish_and_write; NULL (and a message in err) if out of memory. */
FILE *open_output(const char *path, char **data, size_t *len, char *err,
                  size_t errlen);

/* Closes the memstream `mem` (over *data, *len), writes it whole to
 * `path` and frees it. */
int finish_and_write(const char *path, FILE *mem, char **data, size_t *len,
                     char *err, size_t errlen);

#endif
