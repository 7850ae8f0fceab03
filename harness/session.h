/*
 * session.h — one invocation's runs: each chosen variant in a process of
 * its own (isolate.h), one after another; each row appended to the CSV as
 * soon as its variant is done; then the table, the JSON, the timeline and
 * the hgrm files for the variants that ran.  A variant that failed has no
 * row, but the timeline keeps its series up to the slot it failed in (a
 * run stopped by --retained-limit, an engine whose file filled).
 */
#ifndef SNAPBENCH_SESSION_H
#define SNAPBENCH_SESSION_H

#include "cli.h"
#include "columns.h"

/* Runs `variants` (count of them) under cli's configuration and writes
 * what cli asks for.  Returns the exit status: 1 if any variant's oracle
 * found a violation (even when a variant also failed), else 2 or 3 for
 * the first usage or resource error (a variant's own, or writing a file),
 * else 0.  A variant that fails is reported on stderr and the others
 * still run. */
int session_run(const struct cli *cli, const struct column_set *columns,
                const struct sb_variant *const *variants, unsigned count);

/* Makes `dir` if it does not exist: SB_OK, or SB_EUSAGE after a line on
 * stderr. */
int session_prepare_hgrm_dir(const char *dir);

#endif
