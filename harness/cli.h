/* cli.h — snapbench's command line (DESIGN.md, "The CLI"). */
#ifndef SNAPBENCH_CLI_H
#define SNAPBENCH_CLI_H

#include <stdbool.h>

#include "workload.h"

#define CLI_MAX_VARIANTS 64

struct cli {
	struct run_config run;
	const struct sb_variant *variants[CLI_MAX_VARIANTS];
	unsigned variant_count;
	/* Chosen by 'all' or by default, not by name: skipped, not refused,
	 * when it cannot run the workload. */
	bool from_all[CLI_MAX_VARIANTS];
	const char *csv_path, *json_path, *timeline_path;
	bool quiet, list, help, version, calibrate;
};

/* Parses argv into cli.  Returns 0, or 2 after printing one line naming
 * the flag and what it accepts. */
int cli_parse(int argc, char **argv, struct cli *cli);
void cli_usage(FILE *out);

#endif
