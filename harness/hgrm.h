/*
 * hgrm.h — a histogram as HdrHistogram's percentile-distribution text
 * (the .hgrm files HdrHistogram's plotter and its users' scripts read),
 * written the way HdrHistogram_c's hdr_percentiles_print writes it in its
 * CLASSIC format.
 */
#ifndef SNAPBENCH_HGRM_H
#define SNAPBENCH_HGRM_H

#include <stdio.h>

#include "hist.h"

/* HdrHistogram's usual reporting density: 5 levels per half-distance. */
#define HGRM_TICKS_PER_HALF_DISTANCE 5

/* Prints h, whose values are in ns, with values divided by value_scale
 * (1000: microseconds). */
void hgrm_print(FILE *out, const struct hist *h, unsigned ticks_per_half,
                double value_scale);

/* Writes DIR/VARIANT.WHAT.hgrm whole, values in microseconds: SB_OK, or
 * SB_ERESOURCE with a message in err. */
int hgrm_write(const char *dir, const char *variant, const char *what,
               const struct hist *h, char *err, size_t errlen);

#endif
