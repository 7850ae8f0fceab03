/*
 * selection.h — which variants a run takes: `-v LIST` by name and by
 * property, and `--list`, which prints each variant with its properties.
 *
 * Properties, in this order: `strict` or `eventual` (eventual: snapshots
 * may lag; a variant strict only under --lr-publish block lists
 * `strict,try-eventual`), `concurrent` (safe with readers and writers at
 * once), `control` (measures the machine, not a scheme), `engine` (a real
 * database engine), `frozen` (readers see commit 0 for ever).
 */
#ifndef SNAPBENCH_SELECTION_H
#define SNAPBENCH_SELECTION_H

#include <stdio.h>

#include "workload.h"

#define MAX_VARIANTS 64

/* True when the variant can run this workload: one that is not safe with
 * concurrent threads runs readers alone, or at most one writer alone. */
bool variant_fits(const struct sb_variant *v, const struct run_config *c);

/* The variant's properties, comma-joined, as --list prints them. */
void variant_properties(const struct sb_variant *v, char *buf, size_t len);

/* `snapbench --list`: NAME  PROPERTIES  SUMMARY per variant, in registry
 * order. */
void list_variants(FILE *out);

/* Resolves a -v list, items taken left to right: a variant name adds it
 * (refused when it cannot run the workload); `all` adds every variant
 * that can run it; a property (strict and eventual as under this run's
 * --lr-publish) adds every variant that has it and can run it; `schemes`
 * every one that is not a control; `-ITEM` removes what ITEM names.  The
 * chosen variants come out once each, in registry order.  Returns SB_OK,
 * or SB_EUSAGE after one line on stderr.  Variants a group item skipped
 * are noted on stderr unless `quiet`. */
int select_variants(const char *list, const struct run_config *config,
                    bool quiet, const struct sb_variant **chosen,
                    unsigned *count);

#endif
