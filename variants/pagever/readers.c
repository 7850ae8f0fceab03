/*
 * readers.c — the reader slots.  Owns: claiming and freeing a slot,
 * announcing a reader's time so that no trim pass can miss it, collecting
 * the live times for trim passes and commits, and the wait before a
 * version taken off its chain is reused (chain walks, pv_walk_begin).
 * Nothing here waits: a reader announces with stores, and the wait for
 * walks is a poll the trimmer repeats.
 */
#include <stdlib.h>

#include "internal.h"

struct reader_slot *pv_slot_claim(struct pagever *s)
{
	struct reader_slot *slot = NULL;
	/* At most one compare-and-swap per slot. */
	for (unsigned i = 0; i < s->reader_slots && !slot; i++) {
		bool free_slot = false;
		/* Acquire: the previous owner's pv_slot_release (release) is
		 * done with the slot. */
		if (atomic_compare_exchange_strong_explicit(
			    &s->slots[i].claimed, &free_slot, true,
			    memory_order_acquire, memory_order_relaxed))
			slot = &s->slots[i];
	}
	if (!slot)
		return NULL;
	/* seq_cst, before the announcement: the scans that stop at
	 * slots_used (trim passes, commits, graces) cover this slot.  A
	 * failed CAS means another reader raised the mark: at most
	 * reader_slots retries. */
	unsigned want = (unsigned)(slot - s->slots) + 1;
	unsigned used = atomic_load(&s->slots_used);
	while (used < want &&
	       !atomic_compare_exchange_weak(&s->slots_used, &used, want))
		;
	return slot;
}

/*
 * The announcement.  A trim pass judges a version v that a commit c = v.end
 * replaced; c was published (a seq_cst store of `committed`) before the
 * queue handed v to the pass, and the pass's seq_cst loads of the slots
 * come after, so in the single total order of seq_cst operations
 * publish(c) < scan.  The reader stores STARTING | t0 (t0 a commit it
 * loaded), loads `committed` again as t, and stores t; all seq_cst.
 *  - A scan that sees neither store came before the first one in the total
 *    order: then publish(c) < scan < store < load of t, so t >= c = v.end
 *    and the reader cannot see v.
 *  - A scan that sees STARTING | t0 keeps every version with end > t0,
 *    which covers whatever t >= t0 turns out to be.
 *  - A scan that sees t judges exactly.
 * No retry, no wait: the read's time is t, the last commit completed when
 * it loaded it, so the read is strict.
 */
uint64_t pv_slot_announce(struct pagever *s, struct reader_slot *slot)
{
	uint64_t t0 = atomic_load(&s->committed);
	atomic_store(&slot->time, STARTING | t0);
	uint64_t t = atomic_load(&s->committed);
	atomic_store(&slot->time, t);
	/* seq_cst: after the time, before any head load of this read (home.c
	 * relies on it: pv_recycle's argument about moved versions). */
	atomic_store(&slot->epoch, atomic_load(&s->move_epoch));
	return t;
}

void pv_slot_release(struct pagever *s, struct reader_slot *slot)
{
	(void)s;
	/* Release: this reader's page reads happen before a trim pass that
	 * loads NO_READER and unlinks versions only it could see. */
	atomic_store_explicit(&slot->time, NO_READER, memory_order_release);
	/* Release: the slot is free for the next pv_slot_claim. */
	atomic_store_explicit(&slot->claimed, false, memory_order_release);
}

static int compare_times(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void pv_live_collect(struct pagever *s, uint64_t before_epoch,
                     struct live_set *live)
{
	live->count = 0;
	live->starting_bound = NO_READER;
	/* seq_cst: a reader raises slots_used (seq_cst) before it announces,
	 * so this covers every announced slot. */
	unsigned used = atomic_load(&s->slots_used);
	for (unsigned i = 0; i < used; i++) {
		/* seq_cst: the scan of pv_slot_announce's argument. */
		uint64_t t = atomic_load(&s->slots[i].time);
		if (t == NO_READER)
			continue;
		if (t & STARTING) {
			/* Its epoch is not yet stored: it may hold anything
			 * from its bound up, and a move must count it. */
			uint64_t bound = t & ~STARTING;
			if (bound < live->starting_bound)
				live->starting_bound = bound;
			continue;
		}
		/* seq_cst: see pv_recycle. */
		if (before_epoch != ALL_READERS &&
		    atomic_load(&s->slots[i].epoch) >= before_epoch)
			continue;
		live->times[live->count++] = t;
	}
	qsort(live->times, live->count, sizeof *live->times, compare_times);
}

bool pv_live_sees(const struct live_set *live, uint64_t since, uint64_t end)
{
	PV_ASSERT(since < end);
	/* A starting reader's time is some t >= its bound: t in [since, end)
	 * is possible exactly when end > bound. */
	if (live->starting_bound != NO_READER && end > live->starting_bound)
		return true;
	unsigned lo = 0, hi = live->count; /* the first time >= since */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (live->times[mid] < since)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < live->count && live->times[lo] < end;
}

bool pv_grace_begin(struct pagever *s)
{
	PV_ASSERT(s->trim_owner != NULL);
	struct grace *g = &s->grace;
	if (g->active || !s->unlinked)
		return false;
	g->batch = s->unlinked;
	s->unlinked = NULL;
	/* The other half of pv_walk_begin's store-buffering pair: the
	 * unlinks (seq_cst stores, pv_unlink; seq_cst CASes, moves home)
	 * precede these seq_cst loads in the total order.  A walk whose odd
	 * count they miss made its increment after them, and its loads see
	 * every unlink; one whose odd count they see is waited for. */
	/* seq_cst: as in pv_live_collect; a slot claimed after this load
	 * walks after it. */
	unsigned used = atomic_load(&s->slots_used);
	for (unsigned i = 0; i < used; i++) {
		/* seq_cst: see above.  An even count a finished walk stored
		 * (release, pv_walk_end) also orders that walk's loads
		 * before our reuse. */
		uint64_t w = atomic_load(&s->slots[i].walking);
		g->walking[i] = w & 1 ? w : 0;
	}
	g->slots = used;
	g->active = true;
	return true;
}

struct version *pv_grace_poll(struct pagever *s)
{
	PV_ASSERT(s->trim_owner != NULL);
	struct grace *g = &s->grace;
	if (!g->active)
		return NULL;
	for (unsigned i = 0; i < g->slots; i++) {
		if (!g->walking[i])
			continue;
		/* Acquire: pairs with pv_walk_end's release; the walk's loads
		 * happen before our reuse of what it passed. */
		if (atomic_load_explicit(&s->slots[i].walking,
		                         memory_order_acquire) == g->walking[i])
			return NULL; /* still on the same walk: poll again */
		g->walking[i] = 0;
	}
	g->active = false;
	struct version *batch = g->batch;
	g->batch = NULL;
	return batch;
}
