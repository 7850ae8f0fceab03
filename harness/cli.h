/* cli.h — snapbench's command line (README, "The CLI"). */
#ifndef SNAPBENCH_CLI_H
#define SNAPBENCH_CLI_H

#include <stdbool.h>

#include "columns.h"
#include "workload.h"

struct cli {
	struct run_config run;
	const char *variant_list;     /* -v, resolved by select_variants */
	double percentiles[MAX_PERCENTILES];
	unsigned percentile_count;
	const char *csv_path, *json_path, *timeline_path, *hgrm_dir;
	bool quiet, list, columns, help, version, calibrate;
};

/* Parses argv into cli.  Returns 0, or 2 after printing one line naming
 * the flag and what it accepts. */
int cli_parse(int argc, char **argv, struct cli *cli);
void cli_usage(FILE *out);

#endif
