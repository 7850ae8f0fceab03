/*
 * common.h — helpers that more than one variant needs: a flat page array,
 * a byte count with its peak, and retained memory by the one definition.
 * Variants only; the harness has its own.
 *
 * Memory (docs/design.md, "Memory").  Every variant reports, through
 * sb_stats, the same two figures:
 *   - retained: every byte the scheme holds beyond one copy of the database
 *     (pages x page_size), whether or not a reader can still see it: old
 *     versions and their headers, versions waiting to be reclaimed, pools
 *     and buffers kept for reuse, second copies, snapshot copies, page
 *     tables beyond the pages, oplogs, an engine's files beyond the pages;
 *   - visible: the part of it that some live snapshot can still reach.
 * Handles of a few words (a snapshot's, a transaction's) are not counted.
 * Each variant's opening comment says what it counts in each, and where it
 * can only bound `visible`.
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
/* The same, never backed by transparent huge pages (the kernel's unit of
 * copy-on-write stays its base page whatever the machine's THP setting). */
void *sb_flat_alloc_small_pages(const struct sb_config *config, char *err,
                                size_t errlen);
void sb_flat_free(void *flat, const struct sb_config *config);

/* The part of a handle that the variants keeping one flat array in place
 * share (none, floor, rwlock, fullcopy): the configuration and the array.
 * It is the handle's first member. */
struct sb_flat_db {
	struct sb_config config;
	char *flat;
};

/* A zeroed handle of `size` bytes that starts with a struct sb_flat_db,
 * whose array is allocated and holds the initial pages; NULL with err
 * filled. */
void *sb_flat_db_open(size_t size, const struct sb_config *config, char *err,
                      size_t errlen);
/* Frees the handle's array and the handle. */
void sb_flat_db_close(void *handle);

static inline char *sb_flat_db_page(const struct sb_flat_db *base,
                                    uint64_t pageno)
{
	return base->flat + pageno * base->config.page_size;
}

/* The bytes of one copy of the database. */
static inline uint64_t sb_database_bytes(const struct sb_config *config)
{
	return config->pages * (uint64_t)config->page_size;
}

/* A zeroed database handle of `size` bytes, or NULL with err filled. */
void *sb_handle_alloc(size_t size, char *err, size_t errlen);

/* Raises *peak to `value` if it is higher.  Relaxed CAS: a statistic;
 * only the maximum matters, not its order with anything else. */
static inline void sb_peak_raise(_Atomic uint64_t *peak, uint64_t value)
{
	uint64_t seen = atomic_load_explicit(peak, memory_order_relaxed);
	while (value > seen &&
	       !atomic_compare_exchange_weak_explicit(peak, &seen, value,
	                                              memory_order_relaxed,
	                                              memory_order_relaxed))
		;
}

/* A byte count and its peak, updated by the variant's own threads and read
 * by the harness's monitor at any time.  Relaxed throughout: statistics;
 * nothing else is published through them. */
struct sb_gauge {
	_Atomic uint64_t bytes;
	_Atomic uint64_t peak;
};

static inline void sb_gauge_add(struct sb_gauge *g, uint64_t delta)
{
	/* Relaxed: see struct sb_gauge. */
	uint64_t now = atomic_fetch_add_explicit(&g->bytes, delta,
	                                         memory_order_relaxed) + delta;
	sb_peak_raise(&g->peak, now);
}

static inline void sb_gauge_sub(struct sb_gauge *g, uint64_t delta)
{
	/* Relaxed: see struct sb_gauge. */
	atomic_fetch_sub_explicit(&g->bytes, delta, memory_order_relaxed);
}

/* For a figure computed whole (an engine's files): the new value. */
static inline void sb_gauge_set(struct sb_gauge *g, uint64_t value)
{
	/* Relaxed: see struct sb_gauge. */
	atomic_store_explicit(&g->bytes, value, memory_order_relaxed);
	sb_peak_raise(&g->peak, value);
}

static inline uint64_t sb_gauge_bytes(struct sb_gauge *g)
{
	/* Relaxed: see struct sb_gauge. */
	return atomic_load_explicit(&g->bytes, memory_order_relaxed);
}

static inline uint64_t sb_gauge_peak(struct sb_gauge *g)
{
	/* Relaxed: see struct sb_gauge. */
	return atomic_load_explicit(&g->peak, memory_order_relaxed);
}

/* Retained memory by the definition above: all of it, and the part live
 * snapshots can reach. */
struct sb_retained {
	struct sb_gauge all;
	struct sb_gauge visible;
};

static inline void sb_retained_add(struct sb_retained *r, uint64_t delta)
{
	sb_gauge_add(&r->all, delta);
}

static inline void sb_retained_sub(struct sb_retained *r, uint64_t delta)
{
	sb_gauge_sub(&r->all, delta);
}

static inline void sb_retained_visible_add(struct sb_retained *r,
                                           uint64_t delta)
{
	sb_gauge_add(&r->visible, delta);
}

static inline void sb_retained_visible_sub(struct sb_retained *r,
                                           uint64_t delta)
{
	sb_gauge_sub(&r->visible, delta);
}

/* Fills the four retained fields of `s` (a sample: it may be a moment old,
 * and `visible` may be read a moment apart from `all`). */
static inline void sb_retained_read(struct sb_retained *r, struct sb_stats *s)
{
	s->retained_bytes = sb_gauge_bytes(&r->all);
	s->retained_peak_bytes = sb_gauge_peak(&r->all);
	s->retained_visible_bytes = sb_gauge_bytes(&r->visible);
	s->retained_visible_peak_bytes = sb_gauge_peak(&r->visible);
}

/* Reads a writer_blocked_ns counter into a zeroed sb_stats, with the
 * retained figures when `retained` is not NULL: what most variants'
 * stats() are. */
static inline void sb_stats_fill(struct sb_stats *s, struct sb_retained *retained,
                                 _Atomic uint64_t *writer_blocked_ns)
{
	*s = (struct sb_stats){0};
	if (retained)
		sb_retained_read(retained, s);
	if (writer_blocked_ns)
		/* Relaxed: a sample of a statistic. */
		s->writer_blocked_ns = atomic_load_explicit(writer_blocked_ns,
		                                            memory_order_relaxed);
}

#endif
