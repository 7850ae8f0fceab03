/*
 * store.c — version memory.  Owns: the slabs versions are carved from, the
 * home slots (page n's first version, the slabs holding pages in order so
 * that a scan streams them as it would a flat array), and the pool of dead
 * versions with the trimmer's refill, which maps and faults in memory
 * before the writer needs it.
 *
 * A slab is SLAB_BYTES-aligned and holds per_slab 64-byte headers, then,
 * from the 4 KiB boundary data_offset, their pages in the same order; so a
 * version's data follows from its header's address (pv_data) and the writer
 * copies a page without loading its header.  Slabs are kept until close.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

/* The trimmer keeps at least this many bytes of versions in the pool (256
 * pages of 4 KiB; at least 4 versions of any size)... */
#define POOL_LOW_BYTES ((uint64_t)1 << 20)
#define POOL_LOW_VERSIONS 4u
/* ...and, up to POOL_HIGH_BYTES, what the writer takes in about
 * POOL_DEMAND_FACTOR turns (measured since the last refill), mapping at
 * most REFILL_SLABS slabs a turn below the floor and one above it.  The
 * factor covers a trimmer turn that moves a long read's pages home (tens of
 * milliseconds) without the writer mapping memory; the cap keeps a late
 * turn's inflated take from mapping slabs that are never returned (a
 * cap-free refill mapped 120 MiB of pool for 2 MiB of history). */
#define POOL_DEMAND_FACTOR 20u
#define POOL_HIGH_BYTES ((uint64_t)8 << 20)
#define REFILL_SLABS 8u

#ifdef PAGEVER_FAIL_ALLOC
/* Allocation failure injection for the library's own tests: the
 * countdown-th mapping from now fails (0: none). */
_Atomic long pagever_fail_map_countdown;
#endif

/* Maps one slab, aligned to SLAB_BYTES and backed by huge pages where the
 * kernel allows; NULL when memory is short. */
static char *slab_map(struct pagever *s)
{
#ifdef PAGEVER_FAIL_ALLOC
	/* Relaxed: a test's countdown, read and decremented by one thread
	 * at a time in the tests that set it. */
	long left = atomic_load_explicit(&pagever_fail_map_countdown,
	                                 memory_order_relaxed);
	if (left > 0) {
		atomic_store_explicit(&pagever_fail_map_countdown, left - 1,
		                      memory_order_relaxed);
		if (left == 1)
			return NULL;
	}
#endif
	size_t bytes = s->slab_bytes;
	char *raw = mmap(NULL, bytes + SLAB_BYTES, PROT_READ | PROT_WRITE,
	                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	char *slab = (char *)(((uintptr_t)raw + SLAB_BYTES - 1) &
	                      ~(uintptr_t)(SLAB_BYTES - 1));
	if (slab > raw)
		munmap(raw, (size_t)(slab - raw));
	munmap(slab + bytes, (size_t)(raw + SLAB_BYTES - slab));
	/* A hint: without huge pages the store works, with more TLB misses. */
	(void)madvise(slab, bytes, MADV_HUGEPAGE);
	return slab;
}

/* Maps a slab and records it in `list` for close; NULL when memory is
 * short. */
static char *slab_add(struct pagever *s, struct slab_list *list)
{
	if (list->count == list->cap) {
		size_t cap = list->cap ? 2 * list->cap : 64;
		char **grown = realloc(list->slabs, cap * sizeof *grown);
		if (!grown)
			return NULL;
		list->slabs = grown;
		list->cap = cap;
	}
	char *slab = slab_map(s);
	if (!slab)
		return NULL;
	list->slabs[list->count++] = slab;
	/* Relaxed: a statistic. */
	atomic_fetch_add_explicit(&s->mapped_bytes, s->slab_bytes,
	                          memory_order_relaxed);
	return slab;
}

static void slab_list_free(struct pagever *s, struct slab_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		munmap(list->slabs[i], s->slab_bytes);
	free(list->slabs);
}

/* A version never used before, carved from the writer's current slab (a
 * new one when it is full: `mapped` tells).  The writer, or open. */
static struct version *version_carve(struct pagever *s, bool *mapped)
{
	*mapped = false;
	if (!s->carve_slab || s->carve_next == s->per_slab) {
		char *slab = slab_add(s, &s->carved);
		if (!slab)
			return NULL;
		s->carve_slab = slab;
		s->carve_next = 0;
		*mapped = true;
	}
	return (struct version *)s->carve_slab + s->carve_next++;
}

int pv_store_open(struct pagever *s)
{
	size_t ps = s->page_size, per_slab = 0;
	/* As many versions as fit with their headers rounded up to 4 KiB. */
	while (((per_slab + 1) * sizeof(struct version) + 4095) / 4096 * 4096 +
	       (per_slab + 1) * ps <= SLAB_BYTES)
		per_slab++;
	if (!per_slab)
		per_slab = 1;
	s->per_slab = per_slab;
	s->data_offset = (per_slab * sizeof(struct version) + 4095) / 4096 * 4096;
	s->slab_bytes = (s->data_offset + per_slab * ps + SLAB_BYTES - 1) &
	                ~(SLAB_BYTES - 1);
	size_t home_slabs = (s->pages + per_slab - 1) / per_slab;
	s->head = calloc(s->pages, sizeof *s->head);
	s->head_since = calloc(s->pages, sizeof *s->head_since);
	s->head_data = calloc(s->pages, sizeof *s->head_data);
	s->home_free = calloc(s->pages, sizeof *s->home_free);
	s->homeless = malloc(s->pages * sizeof *s->homeless);
	s->home_slab = malloc(home_slabs * sizeof *s->home_slab);
	if (!s->head || !s->head_since || !s->head_data || !s->home_free || !s->homeless ||
	    !s->home_slab)
		return PAGEVER_ENOMEM;
	s->table_bytes += s->pages * (sizeof *s->head + sizeof *s->head_since +
	                              sizeof *s->head_data +
	                              sizeof *s->home_free +
	                              sizeof *s->homeless) +
	                  home_slabs * sizeof *s->home_slab;
	for (uint64_t n = 0; n < s->pages; n++) {
		bool mapped;
		struct version *v = version_carve(s, &mapped);
		if (!v)
			return PAGEVER_ENOMEM;
		memset(v, 0, sizeof *v);
		v->pageno = n;
		if (n % per_slab == 0)
			s->home_slab[n / per_slab] = (char *)v;
		if (s->init_page)
			s->init_page(s->init_ctx, n, pv_data(s, v));
		atomic_init(&s->head[n], v);
		atomic_init(&s->head_since[n], 0);
		atomic_init(&s->head_data[n], pv_data(s, v));
	}
	/* The rest of the last home slab starts the pool: a small store
	 * needs no second slab. */
	while (s->carve_next < s->per_slab)
		pv_version_put(s, (struct version *)s->carve_slab +
		                  s->carve_next++);
	return PAGEVER_OK;
}

void pv_store_close(struct pagever *s)
{
	/* Every version, linked, pooled or dirty, lives in a slab. */
	slab_list_free(s, &s->carved);
	slab_list_free(s, &s->refilled);
	free(s->home_slab);
	free((void *)s->home_free);
	free(s->homeless);
	free((void *)s->head_since);
	free((void *)s->head_data);
	free((void *)s->head);
}

void pv_version_put(struct pagever *s, struct version *v)
{
	/* Relaxed: a hint for the refill. */
	atomic_fetch_add_explicit(&s->pooled, 1, memory_order_relaxed);
	/* Relaxed: a first guess at the top, checked and published by the
	 * release CAS. */
	struct version *top = atomic_load_explicit(&s->pool,
	                                           memory_order_relaxed);
	do
		v->link = top;
	/* Release: the writer that takes the stack (acquire) sees the link
	 * and every store the recycler made to v.  The CAS fails only when
	 * another push or the writer's take changed the top: pushers are
	 * the trimmer and the writer, each a handful of times per pass. */
	while (!atomic_compare_exchange_weak_explicit(&s->pool, &top, v,
	                                              memory_order_release,
	                                              memory_order_relaxed));
}

/* The writer's private pool, refilled by taking the shared stack whole
 * (one exchange: no ABA, no retry). */
static struct version *pool_pop(struct pagever *s)
{
	if (!s->spare)
		/* Acquire: pairs with pv_version_put's release. */
		s->spare = atomic_exchange_explicit(&s->pool, NULL,
		                                    memory_order_acquire);
	struct version *v = s->spare;
	if (!v)
		return NULL;
	s->spare = v->link;
	/* Relaxed: hints for the refill. */
	atomic_fetch_sub_explicit(&s->pooled, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->taken, 1, memory_order_relaxed);
	return v;
}

struct version *pv_version_get(struct pagever *s)
{
	struct version *v = pool_pop(s);
	if (v)
		return v;
	/* The pool is empty: if the trimmer has fallen behind, do a bounded
	 * batch of its work (back-pressure that waits for no one)... */
	pv_writer_catch_up(s);
	if ((v = pool_pop(s)))
		return v;
	/* ...else map memory here, the one allocation the writer makes. */
	bool mapped;
	v = version_carve(s, &mapped);
	if (mapped)
		/* Relaxed: a statistic. */
		atomic_fetch_add_explicit(&s->writer_allocs, 1,
		                          memory_order_relaxed);
	if (v)
		atomic_fetch_add_explicit(&s->taken, 1, memory_order_relaxed);
	return v;
}

static void pool_refill(struct pagever *s)
{
	/* Relaxed: hints; a wrong guess costs a slab, or a writer's map. */
	uint64_t taken = atomic_load_explicit(&s->taken, memory_order_relaxed);
	uint64_t demand = (taken - s->refill_taken) * POOL_DEMAND_FACTOR;
	s->refill_taken = taken;
	/* A floor in bytes, not versions: 256 spare versions of 16 MiB pages
	 * would be 4 GiB mapped for an idle store. */
	uint64_t low = POOL_LOW_BYTES / s->page_size;
	if (low < POOL_LOW_VERSIONS)
		low = POOL_LOW_VERSIONS;
	uint64_t high = POOL_HIGH_BYTES / s->page_size;
	if (high < low)
		high = low;
	uint64_t want = demand < low ? low : demand > high ? high : demand;
	for (unsigned i = 0; i < REFILL_SLABS; i++) {
		uint64_t pooled = atomic_load_explicit(&s->pooled,
		                                       memory_order_relaxed);
		if (pooled >= want || (i > 0 && pooled >= low))
			return;
		char *slab = slab_add(s, &s->refilled);
		if (!slab)
			return; /* the writer's own map will report it */
		/* Fault it in here, not in the writer (a huge-page fault can
		 * take milliseconds in a VM). */
		for (size_t off = 0; off < s->slab_bytes; off += 4096)
			slab[off] = 0;
		for (size_t j = 0; j < s->per_slab; j++)
			pv_version_put(s, (struct version *)slab + j);
	}
}

void pv_pool_refill(struct pagever *s)
{
	/* The trimmer and an ending reader may both come here: one refills,
	 * the other goes on (no wait).  Acquire and release: the winner sees
	 * refill_taken and the refilled list as the last one left them. */
	if (atomic_flag_test_and_set_explicit(&s->refilling,
	                                      memory_order_acquire))
		return;
	pool_refill(s);
	atomic_flag_clear_explicit(&s->refilling, memory_order_release);
}
