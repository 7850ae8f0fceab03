/*
 * isolate.h — one variant's run in a process of its own.  The child is
 * forked before anything variant-specific is allocated; it runs
 * run_variant and sends its whole result (figures, histograms, timeline)
 * back through a pipe, so that its memory figures are its own, fork()'s
 * cost does not depend on an earlier variant's page tables, and a crash
 * takes down that variant alone.
 */
#ifndef SNAPBENCH_ISOLATE_H
#define SNAPBENCH_ISOLATE_H

#include "workload.h"

/* Runs `variant` in a child process.  Returns what run_variant returned
 * there, or SB_ERESOURCE when the child died (of a signal, or without a
 * whole result); err then says how.  `result` holds whatever came back
 * (its violations count even when the run failed) and is freed with
 * run_result_free.  rss_peak_bytes also takes the child's getrusage
 * maxrss; rss_children_peak_bytes is its RUSAGE_CHILDREN maxrss. */
int run_variant_isolated(const struct sb_variant *variant,
                         const struct run_config *config,
                         struct run_result *result, char *err, size_t errlen);

#endif
