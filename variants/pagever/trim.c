/*
 * trim.c — trim passes.  Owns: the trim lock; deciding, for each version a
 * commit replaced, whether a live reader can see it (its time lies in the
 * version's [since, end)); keeping those, unlinking the others in O(1); the
 * count of visible retained bytes.  A pass runs on the trimmer thread, in
 * an end_read that finds the lock free, or in the writer's back-pressure
 * (trimmer.c); never while holding anything a reader or the writer waits
 * for, since none of them waits for this lock.
 */
#include "internal.h"

/* Who holds the trim lock, for the checks: the address of a thread-local
 * byte identifies a thread. */
static _Thread_local char this_thread;

void pv_trim_lock(struct pagever *s)
{
	pthread_mutex_lock(&s->trim_lock);
	s->trim_owner = &this_thread;
}

bool pv_trim_trylock(struct pagever *s)
{
	if (pthread_mutex_trylock(&s->trim_lock) != 0)
		return false;
	s->trim_owner = &this_thread;
	return true;
}

void pv_trim_unlock(struct pagever *s)
{
	PV_ASSERT(s->trim_owner == &this_thread);
	s->trim_owner = NULL;
	pthread_mutex_unlock(&s->trim_lock);
}

/* The bytes one version costs: its page and its header. */
static uint64_t version_bytes(const struct pagever *s)
{
	return s->page_size + sizeof(struct version);
}

void pv_visible_add(struct pagever *s, uint64_t bytes)
{
	/* Relaxed: statistics; nothing is published through them. */
	uint64_t now = atomic_fetch_add_explicit(&s->visible_bytes, bytes,
	                                         memory_order_relaxed) + bytes;
	uint64_t peak = atomic_load_explicit(&s->visible_peak_bytes,
	                                     memory_order_relaxed);
	/* Relaxed CAS: only the maximum matters. */
	while (now > peak &&
	       !atomic_compare_exchange_weak_explicit(&s->visible_peak_bytes,
	                                              &peak, now,
	                                              memory_order_relaxed,
	                                              memory_order_relaxed))
		;
}

void pv_visible_sub(struct pagever *s, uint64_t bytes)
{
	/* Relaxed: as in pv_visible_add. */
	atomic_fetch_sub_explicit(&s->visible_bytes, bytes, memory_order_relaxed);
}

void pv_unlink(struct pagever *s, struct version *v)
{
	PV_ASSERT(s->trim_owner != NULL);
	if (!v->detached) { /* a version moved home is on no chain */
		/* Relaxed: a check only. */
		PV_ASSERT(atomic_load_explicit(&s->head[v->pageno],
		                               memory_order_relaxed) != v);
		/* v was replaced, so it is not the head and has a newer
		 * version: O(1), where a walk from the head turned trimming
		 * quadratic once a fast writer let chains grow. */
		struct version *prev = v->newer;
		PV_ASSERT(prev != NULL);
		/* Relaxed: v->older was last stored by the writer before it
		 * published v (ordered before the queue push that handed v
		 * over) or by this lock's holder. */
		struct version *next = atomic_load_explicit(&v->older,
		                                            memory_order_relaxed);
		/* seq_cst: a reader that follows prev->older past v sees the
		 * (immutable) version it now points to, fully written
		 * (release would do for that); seq_cst for the wait on
		 * chain walks (pv_walk_begin). */
		atomic_store(&prev->older, next);
		if (next)
			next->newer = prev;
	}
	v->list = s->unlinked;
	s->unlinked = v;
	/* From here no new walk can find v, and no live reader can see it. */
	if (v->counted) {
		v->counted = false;
		pv_visible_sub(s, version_bytes(s));
	}
}

uint64_t pv_trim_pass(struct pagever *s, bool rescan, uint64_t limit)
{
	PV_ASSERT(s->trim_owner != NULL);
	/* Acquire: pairs with commit's release push; `end`, `newer` and the
	 * other fields written before it are visible.  The exchange also
	 * orders this pass's slot scan after the commits whose versions it
	 * judges (pv_slot_announce's argument). */
	struct version *fresh = atomic_exchange_explicit(&s->queue, NULL,
	                                                 memory_order_acquire);
	if (fresh) {
		struct version *last = fresh;
		while (last->link)
			last = last->link;
		last->link = s->backlog;
		s->backlog = fresh;
	}
	if (!s->backlog && !(rescan && s->kept))
		return 0;
	/* Acquire, and before the slot scan: pairs with end_read's release
	 * increment, which follows its slot's release; every read counted
	 * here has its slot seen free by the scan below.  (Loaded after the
	 * scan, it could count a read the scan still saw live, and no later
	 * pass would rescan for it: the Spin model found that.) */
	uint64_t ended = atomic_load_explicit(&s->reads_ended,
	                                      memory_order_acquire);
	struct live_set live = {.times = s->live_times};
	pv_live_collect(s, ALL_READERS, &live);
	uint64_t decided = 0;
	if (rescan) {
		s->rescanned_at = ended;
		struct version **link = &s->kept;
		while (*link) {
			struct version *v = *link;
			if (pv_live_sees(&live, v->since, v->end)) {
				link = &v->list;
				continue;
			}
			*link = v->list;
			pv_unlink(s, v);
		}
	}
	while (s->backlog && decided < limit) {
		struct version *v = s->backlog;
		s->backlog = v->link;
		decided++;
		PV_ASSERT(v->end > v->since);
		if (pv_live_sees(&live, v->since, v->end)) {
			v->list = s->kept;
			s->kept = v;
		} else {
			pv_unlink(s, v);
		}
	}
	/* Relaxed: a hint, as the writer's add. */
	atomic_fetch_sub_explicit(&s->queued, decided, memory_order_relaxed);
	return decided;
}
