#include <string.h>

#include "hist.h"

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof *h);
	h->min = UINT64_MAX;
}

uint64_t hist_bucket_low(unsigned index)
{
	if (index < 2 * HIST_SUB)
		return index;
	unsigned shift = index / HIST_SUB - 1;
	return (uint64_t)(index - shift * HIST_SUB) << shift;
}

uint64_t hist_bucket_high(unsigned index)
{
	if (index < 2 * HIST_SUB)
		return index;
	unsigned shift = index / HIST_SUB - 1;
	return hist_bucket_low(index) + ((1ull << shift) - 1);
}

void hist_merge(struct hist *into, const struct hist *from)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
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
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t low = hist_bucket_low(i), high = hist_bucket_high(i);
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
