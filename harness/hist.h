/*
 * hist.h — log-linear latency histograms (HdrHistogram's bucketing, Gil Tene):
 * values below 256 ns are counted exactly; above, each power of two is split
 * into 128 equal sub-buckets, so a recorded value is known to within 1/128
 * (0.8%) from 1 ns to 2^64 ns.  One histogram per thread, merged at the end;
 * recording is a shift, an add and an increment.
 */
#ifndef SNAPBENCH_HIST_H
#define SNAPBENCH_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)
/* Highest index: shift 56 (for 2^63), value >> 56 up to 255. */
#define HIST_BUCKETS (57u * HIST_SUB + HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t max;
	uint64_t min;
	uint64_t buckets[HIST_BUCKETS];
};

void hist_init(struct hist *h);

static inline unsigned hist_index(uint64_t value)
{
	if (value < 2 * HIST_SUB)
		return (unsigned)value;
	unsigned msb = 63u - (unsigned)__builtin_clzll(value);
	unsigned shift = msb - HIST_SUB_BITS;
	return shift * HIST_SUB + (unsigned)(value >> shift);
}

static inline void hist_record(struct hist *h, uint64_t value)
{
	h->buckets[hist_index(value)]++;
	h->count++;
	if (value > h->max)
		h->max = value;
	if (value < h->min)
		h->min = value;
}

/* Lowest and highest value counted in bucket `index`. */
uint64_t hist_bucket_low(unsigned index);
uint64_t hist_bucket_high(unsigned index);

void hist_merge(struct hist *into, const struct hist *from);

/* The value at quantile q (0..1): the midpoint of the bucket holding it,
 * clamped to the exact minimum and maximum (which q = 0 and q = 1
 * return); 0 for an empty histogram. */
uint64_t hist_quantile(const struct hist *h, double q);

#endif
