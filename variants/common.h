/*
 * common.h — helpers that more than one variant needs: a flat page array
 * and a retained-bytes counter with its peak.  Variants only; the
 * harness has its own.
 */
#ifndef SNAPBENCH_VARIANTS_COMMON_H
#define SNAPBENCH_VARIANTS_COMMON_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h"
#include "variant.h"

/* A page-aligned array of config->pages pages holding the initial contents,
 * or NULL (with err filled) when it cannot be allocated. */
void *sb_flat_alloc(const struct sb_config *config, char *err, size_t errlen);
void sb_flat_free(void *flat, const struct sb_config *config);

/* Retained bytes and their peak.  Updated by the variant's own threads and
 * read by the harness's monitor at any time. */
struct sb_retained {
	_Atomic uint64_t bytes;
	_Atomic uint64_t peak;
};

static inline void sb_retained_add(struct sb_retained *r, uint64_t delta)
{
	/* Relaxed: a statistic; nothing else is published through it. */
	uint64_t now = atomic_fetch_add_explicit(&r->bytes, delta,
	                                         memory_order_relaxed) + delta;
	uint64_t peak = atomic_load_explicit(&r->peak, memory_order_relaxed);
	/* Relaxed CAS: only the maximum matters, not its order with others. */
	while (now > peak &&
	       !atomic_compare_exchange_weak_explicit(&r->peak, &peak, now,
	                                              memory_order_relaxed,
	                                              memory_order_relaxed))
		;
}

static inline void sb_retained_sub(struct sb_retained *r, uint64_t delta)
{
	/* Relaxed: as in sb_retained_add. */
	atomic_fetch_sub_explicit(&r->bytes, delta, memory_order_relaxed);
}

static inline void sb_retained_read(struct sb_retained *r, struct sb_stats *s)
{
	/* Relaxed: a sample for the monitor; it may be a moment old. */
	s->retained_bytes = atomic_load_explicit(&r->bytes, memory_order_relaxed);
	s->retained_peak_bytes =
		atomic_load_explicit(&r->peak, memory_order_relaxed);
}

#endif
