/*
 * hgrm.c — HdrHistogram's percentile distribution from snapbench's
 * buckets (hgrm.h).  The format, as HdrHistogram_c's
 * hdr_percentiles_print (CLASSIC) prints it (HdrHistogram_c,
 * src/hdr_histogram.c; public domain):
 *
 *   a header line `Value Percentile TotalCount 1/(1-Percentile)`, each
 *   right-aligned in 12 columns, and a blank line;
 *   a row per reporting level: the highest value equivalent to the bucket
 *   where the cumulative count first reaches the level (%12.Nf, N the
 *   histogram's significant figures), the level as a fraction (%12f),
 *   the cumulative count (%12d) and 1/(1 - level) (%12.2f); a last row
 *   at level 1 (1/(1-1) prints as inf);
 *   the footer `#[Mean = ..., StdDeviation = ...]`,
 *   `#[Max = ..., Total count = ...]`, `#[Buckets = ..., SubBuckets = ...]`.
 *
 * The levels start at 0 and step by 100 / (ticks * 2^k) percent, where
 * 2^k is the smallest power of two above 100 / (100 - level): every time
 * the distance left to 100% halves, the step halves, so that each half of
 * what is left gets `ticks` rows.  Several rows may come from one bucket;
 * the bucket that completes the count gives one row before the last.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../variants/variant.h"
#include "hgrm.h"
#include "report.h"

/* HdrHistogram's significant figures for 2^(b+1) sub-buckets: the most
 * decimal digits d with 2 * 10^d <= 2^(b+1), at least 1. */
static int significant_figures(unsigned sub_bits)
{
	int digits = 1;
	while (2.0 * pow(10, digits + 1) <= ldexp(1, (int)sub_bits + 1))
		digits++;
	return digits;
}

static double next_level(double level, unsigned ticks_per_half)
{
	int64_t halvings = (int64_t)(log(100.0 / (100.0 - level)) / log(2)) + 1;
	double ticks = (double)ticks_per_half * pow(2, (double)halvings);
	return level + 100.0 / ticks;
}

static void print_row(FILE *out, const char *format, double value,
                      double level, uint64_t cumulative)
{
	double fraction = level / 100.0;
	fprintf(out, format, value, fraction, (unsigned long long)cumulative,
	        1.0 / (1.0 - fraction));
}

void hgrm_print(FILE *out, const struct hist *h, unsigned ticks_per_half,
                double value_scale)
{
	char format[40];
	snprintf(format, sizeof format, "%%12.%df %%12f %%12llu %%12.2f\n",
	         significant_figures(h->sub_bits));
	fprintf(out, "%12s %12s %12s %12s\n\n", "Value", "Percentile",
	        "TotalCount", "1/(1-Percentile)");
	uint64_t cumulative = 0;
	double level = 0, last_value = 0;
	for (unsigned i = 0; i < h->bucket_count && cumulative < h->count; i++) {
		if (!h->buckets[i])
			continue;
		cumulative += h->buckets[i];
		last_value = (double)hist_bucket_high(h, i) / value_scale;
		double reached = 100.0 * (double)cumulative / (double)h->count;
		while (level <= reached) {
			print_row(out, format, last_value, level, cumulative);
			level = next_level(level, ticks_per_half);
			if (cumulative == h->count)
				break;
		}
	}
	print_row(out, format, last_value, 100.0, cumulative);
	double max = h->count
		? (double)hist_bucket_high(h, hist_index(h, h->max)) / value_scale
		: 0;
	fprintf(out, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n"
	        "#[Max     = %12.3f, Total count    = %12llu]\n"
	        "#[Buckets = %12u, SubBuckets     = %12u]\n",
	        hist_mean(h) / value_scale, hist_stddev(h) / value_scale, max,
	        (unsigned long long)h->count, 64u - h->sub_bits,
	        2u << h->sub_bits);
}

int hgrm_write(const char *dir, const char *variant, const char *what,
               const struct hist *h, char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.%s.hgrm", dir, variant, what);
	char *data;
	size_t len;
	FILE *out = open_output(path, &data, &len, err, errlen);
	if (!out)
		return SB_ERESOURCE;
	hgrm_print(out, h, HGRM_TICKS_PER_HALF_DISTANCE, 1000.0);
	return finish_and_write(path, out, &data, &len, err, errlen);
}
