/*
 * hist.h — log-linear histograms (HdrHistogram's bucketing, Gil Tene): with
 * `sub_bits` = b, values below 2^(b+1) are counted exactly; above, each
 * power of two is split into 2^b equal sub-buckets, so a recorded value is
 * known to within 1/2^b of itself, from 1 to 2^64 - 1.  That is exactly an
 * HdrHistogram with 2^(b+1) sub-buckets and a unit of 1 (so the hgrm files
 * come straight from these buckets).
 *
 * One implementation serves two sizes: the main latency histograms
 * (HIST_FINE_BITS: within 0.8%, 7424 buckets) and the timeline's one per
 * 100-ms slot (HIST_COARSE_BITS: within 12.5%, 496 buckets).  One histogram
 * per thread, merged at the end; recording is a shift, an add and an
 * increment.
 */
#ifndef SNAPBENCH_HIST_H
#define SNAPBENCH_HIST_H

#include <stdbool.h>
#include <stdint.h>

#define HIST_FINE_BITS 7
#define HIST_COARSE_BITS 3
#define HIST_MAX_BITS 16

struct hist {
	unsigned sub_bits;       /* 2^sub_bits sub-buckets per power of two */
	unsigned bucket_count;   /* entries in buckets: (65 - b) * 2^b */
	uint64_t count;
	uint64_t max;
	uint64_t min;            /* UINT64_MAX while empty */
	uint64_t *buckets;
};

/* Buckets a histogram of `sub_bits` has. */
static inline unsigned hist_bucket_count(unsigned sub_bits)
{
	return (65u - sub_bits) << sub_bits;
}

/* Allocates an empty histogram: SB_OK, or SB_ERESOURCE (h then holds no
 * memory, and hist_destroy on it is harmless). */
int hist_init(struct hist *h, unsigned sub_bits);
void hist_destroy(struct hist *h);
/* Empties it, keeping its buckets. */
void hist_reset(struct hist *h);

static inline unsigned hist_index(const struct hist *h, uint64_t value)
{
	unsigned b = h->sub_bits;
	if (value < (2ull << b))
		return (unsigned)value;
	unsigned msb = 63u - (unsigned)__builtin_clzll(value);
	unsigned shift = msb - b;
	return (shift << b) + (unsigned)(value >> shift);
}

static inline void hist_record(struct hist *h, uint64_t value)
{
	h->buckets[hist_index(h, value)]++;
	h->count++;
	if (value > h->max)
		h->max = value;
	if (value < h->min)
		h->min = value;
}

/* Lowest and highest value counted in bucket `index`. */
uint64_t hist_bucket_low(const struct hist *h, unsigned index);
uint64_t hist_bucket_high(const struct hist *h, unsigned index);

/* Adds `from` into `into`; both must have the same sub_bits. */
void hist_merge(struct hist *into, const struct hist *from);

/* The value at quantile q (0..1): the midpoint of the bucket holding the
 * ceil(q * count)-th value, clamped to the exact minimum and maximum (which
 * q = 0 and q = 1 return); 0 for an empty histogram. */
uint64_t hist_quantile(const struct hist *h, double q);

/* Whether `count` samples hold the percentile `pct` (0..100): at least 10
 * samples lie beyond it, count * (1 - pct/100) >= 10. */
bool hist_percentile_supported(uint64_t count, double pct);

/* HdrHistogram's mean and standard deviation: each bucket's count at its
 * median-equivalent value (low + half its width).  0 when empty. */
double hist_mean(const struct hist *h);
double hist_stddev(const struct hist *h);

#endif
