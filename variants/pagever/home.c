/*
 * home.c — reuse after a trim.  Owns: sending dead versions to the pool or,
 * for a page's home slot, copying the page's current version back home
 * (move home) so that scans read pages in address order; the pages that
 * had to stay away because a reader could hold their away version (the
 * homeless list); and the move epoch that tells which readers may hold a
 * version a move took off its chain.
 *
 * A move copies the current version B (which lives away) into the dead
 * home slot H and swaps H in for B with a CAS on the head, same `since`,
 * same contents.  The writer's own CAS on the head then fails once and
 * retries (api.c).  B is off every chain from then ("detached"), but a
 * reader that loaded the head before the swap may hold B's data, so B is
 * kept while such a reader may live (settle_moved).  A move is made even
 * when a live reader can see B: the rest of that reader's scan then reads
 * the page home, and B is kept (two copies of the page) until the reader
 * ends.  Refusing such moves left pages away for as long as back-to-back
 * reads overlapped: a scan beside a writer at 10,000 commits/s fell to 0.5
 * of a flat array's rate, and history held 150 MiB instead of 12-18.  A
 * move waits only for B's commit to be published; until then the home
 * slot is free for the writer (whose next write of the page goes home)
 * and the page is listed, to move at the trimmer's next pass.
 */
#include <string.h>

#include "internal.h"

/* Home slot h is free again.  If `may_copy` and the commit of its page's
 * current version B (which lives away) is published, copies B home and
 * makes the copy current; returns B then, for settle_moved.  Else marks h
 * free for the writer and lists the page.  Trim lock. */
static struct version *move_home(struct pagever *s, struct version *h,
                                 bool may_copy)
{
	uint64_t pageno = h->pageno;
	/* A home slot is in one state at a time: here it is dead (past the
	 * wait for walks), so neither free for the writer nor current. */
	PV_ASSERT(h == pv_home(s, pageno));
	PV_ASSERT(!atomic_load_explicit(&s->home_free[pageno],
	                                memory_order_relaxed));
	/* Acquire: B's contents, written before its publication, are
	 * visible; B is current, so it is not reused while we hold the
	 * trim lock. */
	struct version *b = atomic_load_explicit(&s->head[pageno],
	                                         memory_order_acquire);
	PV_ASSERT(b != h);
	/* Acquire: pairs with the writer's publication of B's commit.  A B
	 * whose commit is still under way (its heads pushed, the commit not
	 * yet published) is not moved: that commit has yet to store its
	 * predecessor's `newer` (after the head CAS), which a move rewrites;
	 * the page is listed, and moved at a later pass. */
	bool published = b->since <= atomic_load_explicit(&s->committed,
	                                                  memory_order_acquire);
	if (may_copy && published) {
		memcpy(pv_data(s, h), pv_data(s, b), s->page_size);
		h->since = b->since;
		h->end = 0;
		h->detached = false;
		h->counted = false;
		h->newer = NULL;
		/* Relaxed: only the trim lock's holder stores `older` of a
		 * published version; the CAS below publishes h. */
		struct version *below = atomic_load_explicit(&b->older,
		                                             memory_order_relaxed);
		atomic_store_explicit(&h->older, below, memory_order_relaxed);
		/* seq_cst: publishes h (release) and comes before
		 * pv_recycle's epoch bump in the total order.  Fails only
		 * when the writer replaced B meanwhile: then B is history as
		 * usual, and h waits for the writer or the list below. */
		if (atomic_compare_exchange_strong(&s->head[pageno], &b, h)) {
			if (below)
				below->newer = h;
			/* seq_cst: before the epoch bump (settle_moved), so a
			 * reader of a later epoch loads the new data; release
			 * would publish it (the read fast path).  A CAS, not a
			 * store: if the writer replaced h meanwhile, its own
			 * store of the newer data must not be overwritten
			 * with h's (a store here made snapshots read a page
			 * older than their time).  B's data cannot come back
			 * meanwhile: B is off every chain and out of the pool
			 * while we hold the trim lock. */
			const unsigned char *expected = pv_data(s, b);
			atomic_compare_exchange_strong(&s->head_data[pageno],
			                               &expected, pv_data(s, h));
			return b;
		}
	}
	/* Release: the writer that claims h (acquire exchange) owns its
	 * memory after our stores to it. */
	atomic_store_explicit(&s->home_free[pageno], true, memory_order_release);
	if (!h->listed) {
		h->listed = true;
		s->homeless[s->homeless_count++] = pageno;
		PV_ASSERT(s->homeless_count <= s->pages);
	}
	return NULL;
}

/* The listed pages, unless the writer claimed their home slot meanwhile
 * (then its write went home).  Returns `moved` with the versions moved
 * from added.  Trim lock. */
static struct version *move_homeless(struct pagever *s, struct version *moved)
{
	size_t count = s->homeless_count;
	s->homeless_count = 0;
	/* An entry is written back, or relisted by move_home, at most once
	 * per entry read, so at or below i. */
	for (size_t i = 0; i < count; i++) {
		uint64_t pageno = s->homeless[i];
		struct version *h = pv_home(s, pageno);
		h->listed = false;
		/* Relaxed: the trim lock orders our stores to h with the
		 * store of `true` (made under it); the exchange only decides
		 * who owns h: when the writer's claim won, its write went
		 * home. */
		if (!atomic_exchange_explicit(&s->home_free[pageno], false,
		                              memory_order_relaxed))
			continue;
		struct version *b = move_home(s, h, true);
		if (b) {
			b->list = moved;
			moved = b;
		}
	}
	return moved;
}

/* Decides on versions a move took off their chains.  Who may hold a moved
 * B: a reader that loaded the head (seq_cst) before the CAS replaced it.
 * Such a reader announced its time before that and had not yet seen the
 * epoch bump below, which follows every CAS (all seq_cst): a scan after the
 * bump sees its time with an older epoch (or a later store to its slot,
 * made after it ended).  A reader whose epoch is the bump's or later loads
 * heads only after the CASes and never saw a B.  A reader still starting
 * counts (pv_live_collect). */
static void settle_moved(struct pagever *s, struct version *moved)
{
	uint64_t bump = atomic_fetch_add(&s->move_epoch, 1) + 1;
	struct live_set live = {.times = s->live_times};
	pv_live_collect(s, bump, &live);
	/* seq_cst: after the CASes; no reader that holds a B has a time past
	 * it.  A B may belong to a commit that has pushed its heads and not
	 * yet published itself (since = now + 1): no reader holds that one. */
	uint64_t now = atomic_load(&s->committed);
	while (moved) {
		struct version *b = moved;
		moved = b->list;
		b->detached = true;
		b->end = (b->since > now ? b->since : now) + 1;
		b->counted = pv_live_sees(&live, b->since, b->end);
		if (b->counted) {
			/* A copy some reader may hold: kept, and visible. */
			pv_visible_add(s, s->page_size + sizeof(struct version));
			b->list = s->kept;
			s->kept = b;
		} else {
			/* Unseen, but chain walks may be on it. */
			b->list = s->unlinked;
			s->unlinked = b;
		}
	}
}

void pv_recycle(struct pagever *s, struct version *dead, bool copy_home)
{
	PV_ASSERT(s->trim_owner != NULL);
	struct version *moved = NULL;
	while (dead) {
		struct version *v = dead;
		dead = v->list;
		if (!s->move_home || v != pv_home(s, v->pageno)) {
			pv_version_put(s, v);
			continue;
		}
		struct version *b = move_home(s, v, copy_home);
		if (b) {
			b->list = moved;
			moved = b;
		}
	}
	if (copy_home && s->homeless_count)
		moved = move_homeless(s, moved);
	if (moved)
		settle_moved(s, moved);
}
