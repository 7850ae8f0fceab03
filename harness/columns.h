/*
 * columns.h — the one table of result columns: each column's name, unit,
 * short name in the terminal table, description, format and how its value
 * is computed from a run.  It drives the CSV header and rows, the terminal
 * table, the JSON's per-variant figures and `snapbench --columns`.
 *
 * Short names abbreviate the CSV names by one rule: write_ and writer_
 * become w_, read_ r_, retained_ ret_, rss_ stays; a _bytes column is
 * shown in MiB and its short name ends in _MiB; _commits and _reads
 * suffixes are dropped where the short name says it already.
 */
#ifndef SNAPBENCH_COLUMNS_H
#define SNAPBENCH_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sysinfo.h"
#include "workload.h"

/* The CSV and JSON schema's number: it changes whenever a column's name,
 * place or meaning does. */
#define RESULT_SCHEMA 2

#define MAX_PERCENTILES 16

/* One cell: a number, a text, or empty (empty in the CSV, `-` in the
 * table, null in JSON: the data do not hold it). */
enum cell_kind { CELL_EMPTY, CELL_U64, CELL_F64, CELL_TEXT };

struct cell {
	enum cell_kind kind;
	uint64_t u64;
	double f64;
	const char *text;
};

/* What a row is made of. */
struct row {
	const struct run_config *config;
	const struct run_result *result;
	const struct run_meta *meta;
};

struct column {
	const char *name;
	const char *unit;         /* "-" when unitless */
	const char *short_name;   /* in the terminal table, or NULL */
	const char *description;  /* what it is and how it is computed */
	const char *format;       /* printf format of a CELL_F64 (CSV, JSON) */
	const char *table_format; /* the same in the table (after scaling) */
	bool table_mib;           /* bytes, shown in MiB in the table */
	double percentile;        /* percentile columns: the percentile */
	struct cell (*value)(const struct column *column, const struct row *row);
};

/* The columns of this invocation: the fixed ones with one write
 * percentile column per --percentiles entry in their place. */
struct column_set {
	struct column *columns;
	size_t count;
	char names[MAX_PERCENTILES][64];
	char short_names[MAX_PERCENTILES][64];
	char descriptions[MAX_PERCENTILES][192];
};

/* Builds the set for `percentiles` (each in (0, 100), distinct names):
 * SB_OK, SB_EUSAGE (two percentiles share a column name; a line on
 * stderr says so) or SB_ERESOURCE. */
int columns_build(struct column_set *set, const double *percentiles,
                  size_t count);
void columns_free(struct column_set *set);

/* A percentile's column name: write_pNN_us, NN its %g text without the
 * dot (50 -> write_p50_us, 99.9 -> write_p999_us). */
void percentile_column_name(double percentile, char *buf, size_t len);

/* The CSV header line, without its newline. */
void columns_csv_header(const struct column_set *set, FILE *out);
/* One CSV row, without its newline. */
void columns_csv_row(const struct column_set *set, const struct row *row,
                     FILE *out);
/* `"name": value` for every column, separated by ", ". */
void columns_json_fields(const struct column_set *set, const struct row *row,
                         FILE *out);
/* The terminal table: the columns with a short name, one line per row,
 * and a note under it if some row was not verified. */
void columns_table(const struct column_set *set, const struct row *rows,
                   size_t count, FILE *out);
/* `snapbench --columns`: NAME, UNIT, SHORT, DESCRIPTION, tab-separated. */
void columns_print_table(const struct column_set *set, FILE *out);

/* A JSON string, quoted and escaped. */
void json_string(FILE *out, const char *text);

#endif
