/*
 * cli_run.h — helpers for the tests that drive the snapbench program:
 * run it, read what it wrote (CSV, JSON fields, files).
 */
#ifndef SNAPBENCH_TEST_CLI_RUN_H
#define SNAPBENCH_TEST_CLI_RUN_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct outcome {
	int status;
	char out[16384];
	char err[8192];
};

/* Runs snapbench with the NULL-terminated arguments; asserts that it
 * exited normally. */
struct outcome cli_run(const char *first, ...);
/* The same with an argument array (NULL-terminated, without argv[0]). */
struct outcome cli_runv(const char *const *args);
/* Starts snapbench in the background, its output discarded. */
pid_t cli_start(const char *const *args);
/* Waits for a cli_start'ed process: its exit status. */
int cli_wait(pid_t pid);

/* The whole of a file (at most size - 1 bytes); "" if there is none. */
void slurp(const char *path, char *buf, size_t size);
/* A fresh path for a file the test will make ("/tmp/snapbench-TAG-..."),
 * nothing there yet; free it. */
char *temp_path(const char *tag);

/* Splits one CSV line (quoted fields allowed) into fields in place. */
int csv_split(char *line, char **fields, int max);

#define CSV_MAX_COLUMNS 160
#define CSV_MAX_ROWS 64

/* A CSV file read whole. */
struct csv {
	char *text;
	char *header[CSV_MAX_COLUMNS];
	int columns;
	char *rows[CSV_MAX_ROWS][CSV_MAX_COLUMNS];
	int nrows;
};

/* Reads `path`; asserts that every row has the header's column count. */
void csv_read(const char *path, struct csv *csv);
/* The index of `column`; asserts that it exists. */
int csv_column(const struct csv *csv, const char *column);
/* Row r's cell of `column`. */
const char *csv_get(const struct csv *csv, int row, const char *column);
void csv_free(struct csv *csv);

/* Runs snapbench with `args` (NULL-terminated, without argv[0]) plus
 * -o FILE -q; asserts that it exits `want` and reads the CSV it wrote
 * into csv (none written: no rows, no columns).  Free csv with csv_free. */
struct outcome cli_run_csv(struct csv *csv, int want, const char *const *args);
/* Row r's cell of `column` as a number; asserts that it is one. */
double csv_number(const struct csv *csv, int row, const char *column);

/* The text of `"name": ` 's value in the JSON `text` after `from` (a
 * number, null, or a quoted string with its quotes), copied into buf;
 * asserts that it is there. */
const char *json_value(const char *text, const char *name, char *buf,
                       size_t len);

#endif
