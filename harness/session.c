/*
 * session.c — one invocation's runs and the files they leave (session.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hgrm.h"
#include "isolate.h"
#include "report.h"
#include "session.h"

int session_prepare_hgrm_dir(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return SB_OK;
		fprintf(stderr, "snapbench: --hgrm: '%s' is not a directory\n", dir);
		return SB_EUSAGE;
	}
	if (mkdir(dir, 0777) != 0) {
		fprintf(stderr, "snapbench: --hgrm: cannot make '%s': %s\n", dir,
		        strerror(errno));
		return SB_EUSAGE;
	}
	return SB_OK;
}

static int write_hgrm(const char *dir, const struct row *rows, size_t count,
                      char *err, size_t errlen)
{
	int status = SB_OK;
	for (size_t i = 0; i < count && status == SB_OK; i++) {
		const struct run_result *r = rows[i].result;
		status = hgrm_write(dir, r->variant, "commit", &r->write_latency,
		                    err, errlen);
		if (status == SB_OK)
			status = hgrm_write(dir, r->variant, "read", &r->read_duration,
			                    err, errlen);
	}
	return status;
}

/* The table and the files written whole; the first error's status.  The
 * timeline also has the series of variants that failed (timeline_rows,
 * timeline_count: every run that sent one back, in run order). */
static int write_outputs(const struct cli *cli, const struct column_set *columns,
                         const struct machine_info *machine,
                         const struct row *rows, size_t count,
                         const struct row *timeline_rows,
                         size_t timeline_count)
{
	if (!cli->quiet && count > 0)
		columns_table(columns, rows, count, stdout);
	char err[512];
	int first = SB_OK, status;
	if (cli->timeline_path && timeline_count > 0 &&
	    (status = report_timeline(cli->timeline_path, timeline_rows,
	                              timeline_count, err, sizeof err)) != SB_OK) {
		fprintf(stderr, "snapbench: --timeline: %s\n", err);
		first = status;
	}
	if (count == 0)
		return first;
	if (cli->json_path &&
	    (status = report_json(cli->json_path, columns, machine, rows, count,
	                          err, sizeof err)) != SB_OK) {
		fprintf(stderr, "snapbench: --json: %s\n", err);
		first = first ? first : status;
	}
	if (cli->hgrm_dir &&
	    (status = write_hgrm(cli->hgrm_dir, rows, count, err,
	                         sizeof err)) != SB_OK) {
		fprintf(stderr, "snapbench: --hgrm: %s\n", err);
		first = first ? first : status;
	}
	return first;
}

int session_run(const struct cli *cli, const struct column_set *columns,
                const struct sb_variant *const *variants, unsigned count)
{
	struct machine_info machine;
	machine_info_collect(&machine); /* the load average before the runs */
	struct run_result *results = calloc(count ? count : 1, sizeof *results);
	struct run_meta *metas = calloc(count ? count : 1, sizeof *metas);
	struct row *rows = calloc(count ? count : 1, sizeof *rows);
	struct row *timeline_rows = calloc(count ? count : 1,
	                                   sizeof *timeline_rows);
	if (!results || !metas || !rows || !timeline_rows) {
		fprintf(stderr, "snapbench: out of memory\n");
		free(results);
		free(metas);
		free(rows);
		free(timeline_rows);
		return SB_ERESOURCE;
	}
	bool violated = false;
	int first_error = SB_OK;
	/* results[0..done) ran; results[count - 1 - j] for j < failed are
	 * runs that failed but sent back the series that led up to it. */
	unsigned done = 0, failed = 0, in_timeline = 0;
	for (unsigned i = 0; i < count; i++) {
		struct run_result *result = &results[done];
		char err[512] = "";
		int status = run_variant_isolated(variants[i], &cli->run, result,
		                                  err, sizeof err);
		violated |= violations_total(&result->violations) > 0;
		if (status != SB_OK) {
			fprintf(stderr, "snapbench: %s: %s\n", variants[i]->name, err);
			first_error = first_error ? first_error : status;
			if (!result->timeline_slots) {
				run_result_free(result);
				continue;
			}
			/* Its timeline is kept, ending where it failed. */
			struct run_result *kept = &results[count - 1 - failed++];
			if (kept != result) { /* the same slot on the last run */
				*kept = *result;
				memset(result, 0, sizeof *result);
			}
			timeline_rows[in_timeline++] =
				(struct row){&cli->run, kept, NULL};
			continue;
		}
		run_meta_collect(&metas[done]);
		rows[done] = (struct row){&cli->run, result, &metas[done]};
		timeline_rows[in_timeline++] = rows[done];
		done++;
		if (cli->csv_path &&
		    (status = report_csv_append(cli->csv_path, columns,
		                                &rows[done - 1], err,
		                                sizeof err)) != SB_OK) {
			fprintf(stderr, "snapbench: --csv: %s\n", err);
			first_error = first_error ? first_error : status;
			break;
		}
	}
	int status = write_outputs(cli, columns, &machine, rows, done,
	                           timeline_rows, in_timeline);
	first_error = first_error ? first_error : status;
	for (unsigned i = 0; i < done; i++)
		run_result_free(&results[i]);
	for (unsigned j = 0; j < failed; j++)
		run_result_free(&results[count - 1 - j]);
	free(results);
	free(metas);
	free(rows);
	free(timeline_rows);
	return violated ? 1 : first_error;
}
