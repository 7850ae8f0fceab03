/*
 * hist.c — the log-linear histograms of hist.h: bucket bounds, merging,
 * quantiles, and HdrHistogram's mean and deviation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../variants/variant.h"
#include "hist.h"

int hist_init(struct hist *h, unsigned sub_bits)
{
	memset(h, 0, sizeof *h);
	h->min = UINT64_MAX;
	if (sub_bits > HIST_MAX_BITS)
		return SB_ERESOURCE;
	h->sub_bits = sub_bits;
	h->bucket_count = hist_bucket_count(sub_bits);
	h->buckets = calloc(h->bucket_count, sizeof *h->buckets);
	if (!h->buckets) {
		h->bucket_count = 0;
		return SB_ERESOURCE;
	}
	return SB_OK;
}

void hist_destroy(struct hist *h)
{
	free(h->buckets);
	h->buckets = NULL;
	h->bucket_count = 0;
}

void hist_reset(struct hist *h)
{
	if (h->buckets)
		memset(h->buckets, 0, h->bucket_count * sizeof *h->buckets);
	h->count = 0;
	h->max = 0;
	h->min = UINT64_MAX;
}

uint64_t hist_bucket_low(const struct hist *h, unsigned index)
{
	unsigned b = h->sub_bits;
	if (index < (2u << b))
		return index;
	unsigned shift = (index >> b) - 1;
	return (uint64_t)(index - (shift << b)) << shift;
}

uint64_t hist_bucket_high(const struct hist *h, unsigned index)
{
	unsigned b = h->sub_bits;
	if (index < (2u << b))
		return index;
	unsigned shift = (index >> b) - 1;
	return hist_bucket_low(h, index) + ((1ull << shift) - 1);
}

void hist_merge(struct hist *into, const struct hist *from)
{
	for (unsigned i = 0; i < into->bucket_count && i < from->bucket_count; i++)
		into->buckets[i] += from->buckets[i];
	into->count += from->count;
	if (from->max > into->max)
		into->max = from->max;
	if (from->min < into->min)
		into->min = from->min;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	if (h->count == 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	/* The rank of the value: ceil(q * count), at least 1. */
	uint64_t rank = (uint64_t)(q * (double)h->count);
	if ((double)rank < q * (double)h->count)
		rank++;
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < h->bucket_count; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t low = hist_bucket_low(h, i);
			uint64_t high = hist_bucket_high(h, i);
			uint64_t mid = low + (high - low) / 2;
			if (mid > h->max)
				mid = h->max;
			if (mid < h->min)
				mid = h->min;
			return mid;
		}
	}
	return h->max;
}

bool hist_percentile_supported(uint64_t count, double pct)
{
	/* In percent, so that 100 - 99.9 is not rounded below 0.1 by a
	 * binary 1 - 0.999; the tolerance absorbs what rounding is left. */
	return (double)count * (100.0 - pct) >= 1000.0 * (1.0 - 1e-9);
}

static double median_equivalent(const struct hist *h, unsigned index)
{
	uint64_t low = hist_bucket_low(h, index);
	uint64_t width = hist_bucket_high(h, index) - low + 1;
	return (double)(low + width / 2);
}

double hist_mean(const struct hist *h)
{
	if (h->count == 0)
		return 0;
	double total = 0;
	for (unsigned i = 0; i < h->bucket_count; i++)
		if (h->buckets[i])
			total += (double)h->buckets[i] * median_equivalent(h, i);
	return total / (double)h->count;
}

double hist_stddev(const struct hist *h)
{
	if (h->count == 0)
		return 0;
	double mean = hist_mean(h), total = 0;
	for (unsigned i = 0; i < h->bucket_count; i++) {
		if (!h->buckets[i])
			continue;
		double dev = median_equivalent(h, i) - mean;
		total += dev * dev * (double)h->buckets[i];
	}
	return sqrt(total / (double)h->count);
}
