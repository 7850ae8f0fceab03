/*
 * pagever — per-page version history: every reader gets a virtual copy of
 * the database as of its start, and the writer never waits for it.
 *
 * Origin: RustDb (George Barwood, src/pstore.rs; "Concurrency in RustDb",
 * 2022).  There each page has a current version and a history of old ones
 * keyed by the commit at which each stopped being current; a reader at time
 * T reads, per page, the version current at T; a trim frees every version no
 * live reader can see, including those between two live readers.  Steam
 * (Böttcher et al., PVLDB 13(2), 2019) prunes MVCC versions the same way.
 *
 * Here.  Each page is a chain of versions, newest first, each tagged with
 * `since`, the commit that made it current.  A reader at time T takes the
 * first version with since <= T.  A write transaction copies a page on its
 * first write_page (the copy is private until commit); commit tags the
 * copies with the new commit number, pushes each onto its page's chain with
 * a release CAS, and only then publishes the commit number: a reader whose
 * T includes the commit sees all of its pages, one whose T does not skips
 * them (atomic commits without a lock).  The replaced version goes to a
 * trim pass, which unlinks it at once if no live reader time lies in
 * [since, end) (end = the commit that replaced it), or keeps it until the
 * readers that can see it have ended.  Trim passes run on a trimmer thread
 * (within a millisecond of a commit) and in every end_read, which the
 * reader pays for, as in RustDb; a mutex the writer never takes keeps them
 * one at a time.
 *
 * Layout: versions are carved from 2 MiB slabs (huge pages where the
 * kernel allows) kept until close and recycled through a pool; a slab
 * holds 64-byte headers, then their data from a 4 KiB boundary.  Page n's
 * first version sits in its home slot, the slabs holding pages in order,
 * so a scan streams data as it would a flat array (and headers beside).
 * A write moves the current version away (to a pool slot, or home if the
 * home slot is free); when the reader that kept the home version ends, its
 * end_read copies the current version home again and swaps it in for the
 * away one (a CAS on the head, with the same `since`; the writer's CAS
 * retries once if it loses), unless a live reader may hold the away one —
 * then the page is listed, and goes home at its next write or at the
 * first end_read or trimmer's grace period after the readers that could
 * hold the away one have ended, whichever comes first.  So with one
 * reader at a time the pages a
 * scan reads lie in page order, not wherever a rewritten version landed:
 * scattered 4 KiB reads run at a third of a sequential scan on the 2-core
 * VM (the prefetcher starts over at every page), and a software prefetch
 * of the next pages recovers little of that.
 *
 * Safe memory without locks.  Readers announce their time in a slot (see
 * pagever_begin_read for the store/load protocol that keeps trim passes
 * from missing a reader that is starting, and recycle for the one that
 * covers moves home).  A version a reader can see is never reused while
 * the reader lives (a move home may take it off its chain, but then keeps
 * it), so the data pointer read_page returns stays valid until end_read.  But a reader walking a chain passes versions newer than its
 * time, which a trim pass may unlink: each read_page walks inside a short
 * liburcu (memb) read-side section, and unlinked versions are reused only
 * after urcu_memb_synchronize_rcu — by the trimmer, at most one grace period
 * per 5 ms (each one's sys_membarrier interrupts the other cores running
 * the process), or by end_read for what it unlinked.  Neither is the writer.
 *
 * Retained bytes count, from commit to unlink, each replaced version that a
 * reader live at the commit can see (commit checks the few claimed slots
 * with the trimmer's protocol), plus a copy kept for a reader that began
 * during a move home.  The count drops at unlink, not at reuse: from then
 * on no reader can find the version and none that lives can see it; what
 * waits for a grace period or sits in the pool is the allocator's, not a
 * snapshot's.  Versions no reader can see are never counted, however long
 * the trimmer takes to unlink them (a TRIM_BATCH or a millisecond of
 * commits, when it gets a core).  So retained is the versions some live
 * reader can see, and when end_read returns its versions are gone from it
 * (end_read trims synchronously) — except a version whose commit raced
 * with that end_read, which goes at the next trim pass.  Two ways it can
 * count more than the visible set: a copy kept for a reader that began
 * during a move home is tested against every live time later, so newer
 * readers can keep it (and its bytes) until a commit replaces the page or
 * the overlap ends.  Note the definition: rcucow and epochcow (cow.c)
 * count a retired page until it is freed after its grace period; here
 * the up to GRACE_PERIOD_NS of unlinked versions awaiting one are not
 * counted (at 1000 commits/s x 4 pages, about 20 pages).
 *
 * Costs.  Writer stall: none for readers — commit never waits for a reader
 * or for trim work (trims take a lock the writer never takes; a move home
 * can make one head CAS retry once); a commit pays one pool pop and one page
 * copy per page written (it reads no version header first: see data_of),
 * one CAS to hand the replaced versions to the trimmer, and reads the
 * claimed reader slots once; new
 * slabs are mapped and faulted in by the trimmer when the pool runs low
 * (a huge-page fault can take milliseconds), by the writer only if the
 * trimmer falls behind.  With no reader live, each rewritten page costs a
 * second copy, off the writer: the trimmer unlinks the home version at
 * once and, at its next grace period, copies the away version home (the
 * head CAS then retries once).  Reader overhead: per read_page, an RCU
 * section (two thread-local stores with sys_membarrier), a prefetch,
 * one load and a compare when the page has no version newer than T, one
 * more load per newer version otherwise;
 * begin_read claims a slot (a CAS scan from slot 0) and allocates its
 * handle; end_read waits for the trim lock (held by the trimmer or another
 * end_read, at most a page copy per move), runs a trim pass and a grace
 * period (whose sys_membarrier interrupts every core running the process,
 * the writer's too), and copies home each page written during the read
 * (page_size bytes each), and each page left away earlier that no live
 * reader can hold any more (move_homeless).  Commit reads every reader slot below the
 * high-water mark of slots ever used.  Memory retained: one page per
 * version some live reader can see (at most one per page written during
 * the read, per distinct reader time), plus a 64-byte header per version;
 * besides, the slabs keep the most versions ever alive at once, and the
 * page table 25 bytes per page (head, home_free, homeless).  Staleness: 0 (strict).
 * Limits: PAGEVER_SLOTS readers at once.  While readers overlap so that
 * one is always live, a page left away waits for its next write to go
 * home, and scans read it away from the stream.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common.h"
#include "tsan.h"
#include "urcu_thread.h"

/* read_page prefetches the newest header of the page this far ahead. */
#define PREFETCH_AHEAD 3
/* Reader slots: snapshots open at once. */
#define PAGEVER_SLOTS 1024
/* A slot's time while no reader uses it. */
#define NO_READER UINT64_MAX
/* The trimmer looks at new history at least this often... */
#define TRIM_PERIOD_NS 1000000u
/* ...and at once when this many replaced versions are waiting. */
#define TRIM_BATCH 64
/* Unlinked versions wait for one grace period, at most one per this long. */
#define GRACE_PERIOD_NS 5000000u
/* Versions are carved from slabs of this size and alignment (one huge
 * page), which are never returned before close. */
#define SLAB_BYTES ((size_t)2 << 20)
/* The trimmer maps and faults in a slab for the pool when fewer than this
 * many versions are left in it, so that the writer seldom has to. */
#define POOL_LOW 256u

/* One version of one page: a 64-byte header, and its data elsewhere in the
 * same slab, found from the header's address (data_of). */
struct version {
	_Alignas(64) uint64_t since;    /* commit that made it current */
	uint64_t end;                   /* commit that replaced it (0: current) */
	_Atomic(struct version *) older;/* next older version of the page */
	struct version *queue_next;     /* writer -> trimmer queue; the pool */
	struct version *kept_next;      /* kept or unlinked list (trim_lock) */
	/* The next newer version on the chain, so that unlinking is O(1):
	 * set by the writer when it replaces the head, by trim_lock's holder
	 * otherwise (an unlink, a move home). */
	struct version *newer;
	uint64_t pageno;
	bool detached;                  /* moved home, kept off any chain */
	bool counted;                   /* in the retained bytes */
	bool listed;                    /* a home slot in `homeless`; trim_lock
	                                 * only, never the writer, who may
	                                 * own the slot meanwhile */
};
_Static_assert(sizeof(struct version) == 64, "a header is one cache line");

struct reader_slot {
	/* The reader's time, or NO_READER.  seq_cst: see begin_read. */
	_Alignas(64) _Atomic uint64_t time;
	/* move_epoch as the reader saw it after announcing its time.
	 * seq_cst: see recycle. */
	_Atomic uint64_t epoch;
	_Atomic bool claimed;
};

struct sb_db {
	struct sb_config config;
	_Atomic(struct version *) *head; /* per page: its newest version */
	_Atomic uint64_t committed;      /* the last published commit */
	struct reader_slot slots[PAGEVER_SLOTS];

	pthread_mutex_t writer;          /* held from begin_write to commit */
	struct version **dirty;          /* this transaction's copies */
	struct version **replaced;       /* commit: what each one replaced */
	unsigned dirty_count, dirty_cap;

	/* Version memory: slabs carved in order (writer, or open); a slab
	 * holds per_slab headers, then (from data_offset) their data. */
	size_t data_offset, slab_bytes;
	char *carve_slab;
	size_t carve_next;
	char **slabs;
	size_t slab_count, slab_cap;
	/* Home slots: page n's is slot n % per_slab of home_slab[n / per_slab],
	 * in page order.  home_free[n]: n's home slot holds no version and
	 * the writer may claim it. */
	char **home_slab;
	size_t per_slab;
	_Atomic bool *home_free;
	/* trim_lock: pages whose home slot was freed while a live reader
	 * could hold the current version, each once (its home slot's
	 * `listed`), with that version's `since`: moved home once no live
	 * reader's time reaches it (move_homeless). */
	struct homeless { uint64_t pageno, since; } *homeless;
	size_t homeless_count;
	/* Slots [0, slots_used) have been claimed at least once. */
	_Atomic unsigned slots_used;
	/* Bumped after each batch of moves home (see recycle). */
	_Atomic uint64_t move_epoch;

	/* Writer -> trimmer: a stack of replaced versions (Treiber). */
	_Atomic(struct version *) queue;
	_Atomic unsigned queued;
	_Atomic bool stopping;
	sem_t wake;
	pthread_t trimmer;
	/* One trim pass at a time, by the trimmer thread or an end_read;
	 * never taken by the writer. */
	pthread_mutex_t trim_lock;
	struct version *kept;            /* trim_lock: seen by a live reader */
	struct version *unlinked;        /* trim_lock: awaiting a grace period */
	uint64_t *live_times;            /* trim_lock: PAGEVER_SLOTS */
	/* Freed versions for the writer's reuse: a stack pushed by whoever
	 * recycles (the trimmer, an end_read) and popped by one thread at a
	 * time (the writer, under its mutex), so popping has no ABA problem. */
	_Atomic(struct version *) pool;
	_Atomic unsigned pooled;         /* about how many are in the pool */
	/* Slabs the trimmer mapped ahead of need (trimmer only). */
	char **spare_slabs;
	size_t spare_count, spare_cap;

	struct sb_retained retained;
	char gp_token;                   /* TSan: the grace period's edge */
};

struct sb_snap {
	sb_db *db;
	struct reader_slot *slot;
	uint64_t time;
};

/* Maps a slab of db->slab_bytes, aligned to SLAB_BYTES and backed by huge
 * pages where the kernel allows; NULL when memory is short. */
static char *slab_map(const sb_db *db)
{
	size_t bytes = db->slab_bytes;
	char *raw = mmap(NULL, bytes + SLAB_BYTES, PROT_READ | PROT_WRITE,
	                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	char *slab = (char *)(((uintptr_t)raw + SLAB_BYTES - 1) &
	                      ~(uintptr_t)(SLAB_BYTES - 1));
	if (slab > raw)
		munmap(raw, (size_t)(slab - raw));
	munmap(slab + bytes, (size_t)(raw + SLAB_BYTES - slab));
	/* A hint: without huge pages the scheme works, with more TLB misses. */
	(void)madvise(slab, bytes, MADV_HUGEPAGE);
	return slab;
}

/* Appends a slab to a list that close unmaps; false when memory is short. */
static bool slab_keep(char ***list, size_t *count, size_t *cap, char *slab)
{
	if (*count == *cap) {
		size_t grown_cap = *cap ? 2 * *cap : 64;
		char **grown = realloc(*list, grown_cap * sizeof *grown);
		if (!grown)
			return false;
		*list = grown;
		*cap = grown_cap;
	}
	(*list)[(*count)++] = slab;
	return true;
}

/* A new slab to carve from (the writer, or open). */
static bool slab_new(sb_db *db)
{
	char *slab = slab_map(db);
	if (!slab)
		return false;
	if (!slab_keep(&db->slabs, &db->slab_count, &db->slab_cap, slab)) {
		munmap(slab, db->slab_bytes);
		return false;
	}
	db->carve_slab = slab;
	db->carve_next = 0;
	return true;
}

/* A version never used before, carved from the current slab. */
static struct version *version_carve(sb_db *db)
{
	if ((!db->carve_slab || db->carve_next == db->per_slab) && !slab_new(db))
		return NULL;
	return (struct version *)db->carve_slab + db->carve_next++;
}

/* The data of version v.  A slab starts at a SLAB_BYTES boundary and its
 * headers lie in its first SLAB_BYTES (a slab has one version when a page
 * is that large), so v's slab and index follow from v's address.  The
 * writer copies a page without loading its header, a cache miss that
 * would cost as much as a tenth of the copy. */
static unsigned char *data_of(const sb_db *db, const struct version *v)
{
	uintptr_t slab = (uintptr_t)v & ~(uintptr_t)(SLAB_BYTES - 1);
	size_t i = ((uintptr_t)v - slab) / sizeof(struct version);
	return (unsigned char *)slab + db->data_offset + i * db->config.page_size;
}

/* A version for the writer: from the pool, else a new one. */
static struct version *version_get(sb_db *db)
{
	/* Acquire: pairs with version_put's release; the popped version's
	 * link is visible. */
	struct version *top = atomic_load_explicit(&db->pool,
	                                           memory_order_acquire);
	while (top && !atomic_compare_exchange_weak_explicit(
		              &db->pool, &top, top->queue_next,
		              memory_order_acquire, memory_order_acquire))
		;
	if (!top)
		return version_carve(db);
	/* Relaxed: a hint for the trimmer's refill, nothing more. */
	atomic_fetch_sub_explicit(&db->pooled, 1, memory_order_relaxed);
	return top;
}

/* Gives a dead version back to the pool. */
static void version_put(sb_db *db, struct version *v)
{
	/* Relaxed: as in version_get. */
	atomic_fetch_add_explicit(&db->pooled, 1, memory_order_relaxed);
	/* Relaxed: only a first guess at the top; the release CAS below checks
	 * it and publishes the link. */
	struct version *top = atomic_load_explicit(&db->pool,
	                                           memory_order_relaxed);
	do
		v->queue_next = top;
	/* Release: the writer that pops v sees its link (and owns v). */
	while (!atomic_compare_exchange_weak_explicit(&db->pool, &top, v,
	                                              memory_order_release,
	                                              memory_order_relaxed));
}

/* ---- trimming ---- */

static int compare_times(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Every live reader, for before_epoch. */
#define ALL_READERS UINT64_MAX

/* Sorted times of the live readers (only those that saw a move_epoch
 * older than before_epoch, unless it is ALL_READERS) into live_times;
 * returns how many.  Called under trim_lock. */
static unsigned collect_live_times(sb_db *db, uint64_t before_epoch)
{
	unsigned n = 0;
	/* seq_cst: a reader claims its slot index (seq_cst) before it
	 * announces its time, so this covers every announced slot. */
	unsigned used = atomic_load(&db->slots_used);
	for (unsigned i = 0; i < used; i++) {
		/* seq_cst: pairs with begin_read's seq_cst store and load
		 * (a reader this load misses sees the newer commit); the
		 * epoch's load too, for recycle's argument. */
		uint64_t t = atomic_load(&db->slots[i].time);
		if (t != NO_READER &&
		    (before_epoch == ALL_READERS ||
		     atomic_load(&db->slots[i].epoch) < before_epoch))
			db->live_times[n++] = t;
	}
	qsort(db->live_times, n, sizeof *db->live_times, compare_times);
	return n;
}

/* Whether some live time T has since <= T < end. */
static bool seen_by_a_reader(const uint64_t *times, unsigned n,
                             const struct version *v)
{
	unsigned lo = 0, hi = n; /* first time >= since */
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (times[mid] < v->since)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && times[lo] < v->end;
}

/* Unlinks v from its page's chain and stops counting it as retained.
 * Called under trim_lock: only its holder writes `older` of a published
 * version, and v is never the head (it was replaced). */
static void unlink_version(sb_db *db, struct version *v)
{
	if (!v->detached) { /* a version moved home is on no chain */
		/* v is never the head (it was replaced), so it has a newer
		 * version; O(1), where walking from the head made trimming
		 * quadratic in the chain's length when the writer outran the
		 * trimmer. */
		struct version *prev = v->newer;
		/* Relaxed: v->older was last written by the writer before it
		 * published v (ordered before the push that handed v to
		 * trimming) or under the trim lock, held here. */
		struct version *next = atomic_load_explicit(&v->older,
		                                            memory_order_relaxed);
		/* Release: a reader that follows prev->older past v sees the
		 * (immutable) version it now points to, fully written. */
		atomic_store_explicit(&prev->older, next, memory_order_release);
		if (next)
			next->newer = prev;
	}
	v->kept_next = db->unlinked;
	db->unlinked = v;
	/* From here no reader can find v, and none that lives can see it:
	 * it is no longer retained for a snapshot (see the opening comment). */
	if (v->counted)
		sb_retained_sub(&db->retained, db->config.page_size);
}

/* One pass, under trim_lock: decide each new version and, when `rescan`
 * (a reader ended), each kept one; unlink what no live reader can see. */
static void trim_pass(sb_db *db, bool rescan)
{
	/* Acquire: pairs with commit's release push; the versions' fields
	 * written before it are visible. */
	struct version *fresh = atomic_exchange_explicit(&db->queue, NULL,
	                                                 memory_order_acquire);
	/* Relaxed: a hint to wake early; the queue itself is exact. */
	atomic_store_explicit(&db->queued, 0, memory_order_relaxed);
	if (!fresh && !(rescan && db->kept))
		return;
	unsigned n = collect_live_times(db, ALL_READERS);
	if (rescan) {
		struct version **link = &db->kept;
		while (*link) {
			struct version *v = *link;
			if (seen_by_a_reader(db->live_times, n, v)) {
				link = &v->kept_next;
				continue;
			}
			*link = v->kept_next;
			unlink_version(db, v);
		}
	}
	while (fresh) {
		struct version *v = fresh;
		fresh = v->queue_next;
		if (seen_by_a_reader(db->live_times, n, v)) {
			v->kept_next = db->kept;
			db->kept = v;
		} else {
			unlink_version(db, v);
		}
	}
}

static struct version *home_of(const sb_db *db, uint64_t pageno)
{
	return (struct version *)(db->home_slab[pageno / db->per_slab] +
	                          pageno % db->per_slab * sizeof(struct version));
}

/* Home slot h is free again (dead, past a grace period).  If its page's
 * current version B lives away and no live reader (times[0..n)) can see
 * it, copy it home and make the copy current; returns B then, for the
 * caller to decide on.  Else marks h free for the writer.  Called under
 * trim_lock. */
static struct version *move_home(sb_db *db, struct version *h,
                                 const uint64_t *times, unsigned n)
{
	uint64_t pageno = h->pageno;
	/* Acquire: B's contents, written before its publication, are visible
	 * (it is current, so it is not freed while trim_lock is held). */
	struct version *b = atomic_load_explicit(&db->head[pageno],
	                                         memory_order_acquire);
	/* A reader with time >= B's since may hold B: moving it would keep
	 * two copies; the writer's next write of the page goes home, or
	 * move_homeless moves it once no such reader is live. */
	if (!n || times[n - 1] < b->since) {
		memcpy(data_of(db, h), data_of(db, b), db->config.page_size);
		h->since = b->since;
		h->end = 0;
		h->detached = false;
		h->newer = NULL;
		/* Relaxed: only trim_lock's holder stores `older` of a
		 * published version; h is published by the CAS below. */
		atomic_store_explicit(&h->older,
		                      atomic_load_explicit(&b->older,
		                                           memory_order_relaxed),
		                      memory_order_relaxed);
		/* seq_cst: publishes h (release) and is ordered before
		 * recycle's epoch bump.  Fails only when the writer replaced
		 * B meanwhile: then B is history as usual. */
		if (atomic_compare_exchange_strong(&db->head[pageno], &b, h)) {
			/* Relaxed: as above. */
			struct version *below = atomic_load_explicit(
				&h->older, memory_order_relaxed);
			if (below)
				below->newer = h;
			return b;
		}
	}
	/* Release: the writer that claims h (acquire) owns its memory after
	 * our stores to it. */
	atomic_store_explicit(&db->home_free[pageno], true, memory_order_release);
	/* Until the writer claims h, the page is read away from home. */
	if (!h->listed) {
		h->listed = true;
		db->homeless[db->homeless_count++] =
			(struct homeless){pageno, b->since};
	}
	return NULL;
}

/* The pages move_home had to leave away from home that no live reader
 * (times[0..n)) can hold now, unless the writer has claimed their home
 * slot (then its write went home).  Returns `moved` with the versions
 * moved from added.  Without this, a page freed while a reader could see
 * its away version stayed away until its next write: with one long reader
 * after another, about 1,700 of 65,536 pages at 40,000 page writes/s, and
 * each breaks a scan's stream (a 256 MiB scan beside that writer ran at
 * 0.76 of none's rate, at 0.85 to 0.97 with this).  Called under trim_lock. */
static struct version *move_homeless(sb_db *db, struct version *moved,
                                     const uint64_t *times, unsigned n)
{
	size_t count = db->homeless_count;
	db->homeless_count = 0;
	/* An entry is written back (or move_home lists its page again) at
	 * most once per entry read, so at or below i. */
	for (size_t i = 0; i < count; i++) {
		struct homeless e = db->homeless[i];
		if (n && times[n - 1] >= e.since) {
			/* A live reader may still hold the away version (or
			 * the writer replaced it, and the slot is claimed). */
			db->homeless[db->homeless_count++] = e;
			continue;
		}
		struct version *h = home_of(db, e.pageno);
		h->listed = false;
		/* Relaxed: the lock orders our stores to h and the store of
		 * `true` (made under it); the exchange only decides who owns
		 * h: if the writer's claim won, its write went home. */
		if (!atomic_exchange_explicit(&db->home_free[e.pageno], false,
		                              memory_order_relaxed))
			continue;
		struct version *b = move_home(db, h, times, n);
		if (b) {
			b->kept_next = moved;
			moved = b;
		}
	}
	return moved;
}

/* Reuses versions that were unlinked before a grace period that has now
 * passed (none, to move only the homeless pages): home slots go home
 * (move_home), others to the pool. */
static void recycle(sb_db *db, struct version *dead)
{
	struct version *moved = NULL;
	pthread_mutex_lock(&db->trim_lock);
	unsigned n = collect_live_times(db, ALL_READERS);
	while (dead) {
		struct version *v = dead;
		dead = v->kept_next;
		if (v != home_of(db, v->pageno)) {
			version_put(db, v);
			continue;
		}
		struct version *b = move_home(db, v, db->live_times, n);
		if (b) {
			b->kept_next = moved;
			moved = b;
		}
	}
	if (db->homeless_count)
		moved = move_homeless(db, moved, db->live_times, n);
	if (moved) {
		/* Who may hold a moved B: a reader that loaded the head
		 * (seq_cst) before our CAS replaced it.  It announced its time
		 * before that, and it had not yet seen this bump, which
		 * follows every CAS (all seq_cst): the scan below sees its
		 * time with an older epoch (or a later store to the slot,
		 * made after it ended).  A reader whose epoch is this bump's
		 * or later loads heads only after the CASes: it never saw a
		 * B.  Only one that began during the moves counts. */
		uint64_t bump = atomic_fetch_add(&db->move_epoch, 1) + 1;
		unsigned live = collect_live_times(db, bump);
		/* seq_cst: after the CASes; no reader that holds a B has a
		 * time past it. */
		uint64_t now = atomic_load(&db->committed);
		while (moved) {
			struct version *b = moved;
			moved = b->kept_next;
			b->detached = true;
			b->end = now + 1;
			b->counted = seen_by_a_reader(db->live_times, live, b);
			if (b->counted) {
				/* A copy some reader may hold: retained. */
				sb_retained_add(&db->retained,
				                db->config.page_size);
				b->kept_next = db->kept;
				db->kept = b;
			} else {
				/* Unseen; chain walks may still be on it. */
				b->kept_next = db->unlinked;
				db->unlinked = b;
			}
		}
	}
	pthread_mutex_unlock(&db->trim_lock);
}

/* Waits until no chain walk can be on a version unlinked so far: every
 * read_page that could be walking one is inside a read-side section
 * that began before the unlink. */
static void grace_period(sb_db *db)
{
	urcu_memb_synchronize_rcu();
	SB_TSAN_ACQUIRE(&db->gp_token);
}

/* The trimmer's refill: when the pool runs low, a new slab, faulted in
 * here (a huge-page fault can take milliseconds in a VM), goes to the
 * pool, so the writer carves and faults only if the trimmer falls behind.
 * A failure is left to the writer's own carve, which reports it. */
static void pool_refill(sb_db *db)
{
	/* Relaxed: a hint; a wrong guess costs a slab or a writer's carve. */
	if (atomic_load_explicit(&db->pooled, memory_order_relaxed) >= POOL_LOW)
		return;
	char *slab = slab_map(db);
	if (!slab)
		return;
	if (!slab_keep(&db->spare_slabs, &db->spare_count, &db->spare_cap,
	               slab)) {
		munmap(slab, db->slab_bytes);
		return;
	}
	for (size_t off = 0; off < db->slab_bytes; off += 4096)
		slab[off] = 0;
	for (size_t i = 0; i < db->per_slab; i++)
		version_put(db, (struct version *)slab + i);
}

static void *trimmer_main(void *arg)
{
	sb_db *db = arg;
	struct version *pending = NULL, **pending_tail = &pending;
	uint64_t last_gp = 0;
	for (;;) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t real = (uint64_t)ts.tv_sec * 1000000000u +
		                (uint64_t)ts.tv_nsec + TRIM_PERIOD_NS;
		ts.tv_sec = (time_t)(real / 1000000000u);
		ts.tv_nsec = (long)(real % 1000000000u);
		while (sem_timedwait(&db->wake, &ts) != 0 && errno == EINTR)
			;
		/* Acquire: pairs with close's release; nothing else is read
		 * through it. */
		bool last = atomic_load_explicit(&db->stopping, memory_order_acquire);
		pthread_mutex_lock(&db->trim_lock);
		trim_pass(db, false);
		struct version *taken = db->unlinked;
		db->unlinked = NULL;
		pthread_mutex_unlock(&db->trim_lock);
		for (; taken; taken = taken->kept_next) {
			*pending_tail = taken;
			pending_tail = &taken->kept_next;
		}
		*pending_tail = NULL;
		uint64_t now = sb_now_ns();
		if (pending && (last || now - last_gp >= GRACE_PERIOD_NS)) {
			grace_period(db);
			recycle(db, pending);
			pending = NULL;
			pending_tail = &pending;
			last_gp = now;
		}
		if (last)
			return NULL;
		pool_refill(db);
	}
}

/* ---- open and close ---- */

static void free_all(sb_db *db)
{
	/* Every version, linked, pooled or dirty, lives in a slab. */
	for (size_t i = 0; i < db->slab_count; i++)
		munmap(db->slabs[i], db->slab_bytes);
	free(db->slabs);
	for (size_t i = 0; i < db->spare_count; i++)
		munmap(db->spare_slabs[i], db->slab_bytes);
	free(db->spare_slabs);
	free(db->home_slab);
	free((void *)db->home_free);
	free(db->homeless);
	free(db->head);
	free(db->dirty);
	free(db->replaced);
	free(db->live_times);
	free(db);
}

static int pagever_open(const struct sb_config *config, sb_db **out, char *err,
                        size_t errlen)
{
	sb_db *db = calloc(1, sizeof *db);
	if (!db) {
		snprintf(err, errlen, "cannot allocate the database handle");
		return SB_ERESOURCE;
	}
	db->config = *config;
	/* Headers first, then the data from a 4 KiB boundary: pages in
	 * home slots lie in page order at page-size strides, as in a flat
	 * array, and their headers in order too. */
	size_t ps = config->page_size, per_slab = 0;
	while (((per_slab + 1) * sizeof(struct version) + 4095) / 4096 * 4096 +
	       (per_slab + 1) * ps <= SLAB_BYTES)
		per_slab++;
	if (!per_slab)
		per_slab = 1;
	db->per_slab = per_slab;
	db->data_offset = (per_slab * sizeof(struct version) + 4095) / 4096 * 4096;
	db->slab_bytes = (db->data_offset + per_slab * ps + SLAB_BYTES - 1) &
	                 ~(SLAB_BYTES - 1);
	size_t home_slabs = (config->pages + per_slab - 1) / per_slab;
	db->head = calloc(config->pages, sizeof *db->head);
	db->home_free = calloc(config->pages, sizeof *db->home_free);
	db->homeless = malloc(config->pages * sizeof *db->homeless);
	db->home_slab = malloc(home_slabs * sizeof *db->home_slab);
	db->live_times = malloc(PAGEVER_SLOTS * sizeof *db->live_times);
	db->dirty_cap = 16;
	db->dirty = malloc(db->dirty_cap * sizeof *db->dirty);
	db->replaced = malloc(db->dirty_cap * sizeof *db->replaced);
	if (!db->replaced || !db->head || !db->home_free || !db->homeless ||
	    !db->home_slab || !db->live_times || !db->dirty) {
		snprintf(err, errlen, "cannot allocate the page table of %llu pages",
		         (unsigned long long)config->pages);
		free_all(db);
		return SB_ERESOURCE;
	}
	for (uint64_t n = 0; n < config->pages; n++) {
		struct version *v = version_carve(db);
		if (!v) {
			snprintf(err, errlen, "cannot allocate %llu pages of %zu "
			         "bytes", (unsigned long long)config->pages,
			         config->page_size);
			free_all(db);
			return SB_ERESOURCE;
		}
		memset(v, 0, sizeof *v);
		v->pageno = n;
		if (n % per_slab == 0)
			db->home_slab[n / per_slab] = (char *)v;
		config->init_page(config->init_ctx, n, data_of(db, v));
		atomic_init(&db->head[n], v);
	}
	for (unsigned i = 0; i < PAGEVER_SLOTS; i++)
		atomic_init(&db->slots[i].time, NO_READER);
	pthread_mutex_init(&db->writer, NULL);
	pthread_mutex_init(&db->trim_lock, NULL);
	bool sem_ok = sem_init(&db->wake, 0, 0) == 0;
	if (!sem_ok ||
	    pthread_create(&db->trimmer, NULL, trimmer_main, db) != 0) {
		snprintf(err, errlen, "cannot start the trimmer thread");
		if (sem_ok)
			sem_destroy(&db->wake);
		pthread_mutex_destroy(&db->writer);
		pthread_mutex_destroy(&db->trim_lock);
		free_all(db);
		return SB_ERESOURCE;
	}
	*out = db;
	return SB_OK;
}

static void pagever_close(sb_db *db)
{
	/* Release: pairs with the trimmer's acquire. */
	atomic_store_explicit(&db->stopping, true, memory_order_release);
	sem_post(&db->wake);
	pthread_join(db->trimmer, NULL);
	sem_destroy(&db->wake);
	pthread_mutex_destroy(&db->writer);
	pthread_mutex_destroy(&db->trim_lock);
	free_all(db);
}

static int pagever_thread_enter(sb_db *db)
{
	(void)db;
	sb_urcu_thread_enter();
	return SB_OK;
}

static void pagever_thread_exit(sb_db *db)
{
	(void)db;
	sb_urcu_thread_exit();
}

/* ---- readers ---- */

static sb_snap *pagever_begin_read(sb_db *db)
{
	sb_snap *snap = malloc(sizeof *snap);
	if (!snap)
		return NULL;
	struct reader_slot *slot = NULL;
	for (unsigned i = 0; i < PAGEVER_SLOTS && !slot; i++) {
		bool free_slot = false;
		/* Acquire: the previous owner's end_read (release) is done
		 * with the slot. */
		if (atomic_compare_exchange_strong_explicit(
			    &db->slots[i].claimed, &free_slot, true,
			    memory_order_acquire, memory_order_relaxed))
			slot = &db->slots[i];
	}
	if (!slot) {
		fprintf(stderr, "snapbench: pagever: more than %d snapshots open "
		        "at once\n", PAGEVER_SLOTS);
		free(snap);
		return NULL;
	}
	/* seq_cst: before the announcement below, so that the scans that
	 * stop at slots_used (trim passes, commit, recycle) cover the slot. */
	unsigned want = (unsigned)(slot - db->slots) + 1;
	unsigned used = atomic_load(&db->slots_used);
	while (used < want &&
	       !atomic_compare_exchange_weak(&db->slots_used, &used, want))
		;
	/* Announce a time, then check that it is still the last commit.  All
	 * seq_cst: if a trim pass's (or commit's) scan missed this slot, the
	 * scan came before the store below in the single total order, and the
	 * commit whose version it was judging was published (seq_cst) before
	 * the scan, so the load below sees that commit and the reader moves
	 * up to it — past every version a trim pass may unlink. */
	uint64_t time = atomic_load(&db->committed);
	for (;;) {
		atomic_store(&slot->time, time);
		uint64_t now = atomic_load(&db->committed);
		if (now == time)
			break;
		time = now;
	}
	/* seq_cst: see recycle; every head load of this read follows it. */
	atomic_store(&slot->epoch, atomic_load(&db->move_epoch));
	snap->db = db;
	snap->slot = slot;
	snap->time = time;
	return snap;
}

static uint64_t pagever_snapshot_commit(const sb_snap *snap)
{
	return snap->time;
}

static const void *pagever_read_page(sb_snap *snap, uint64_t pageno)
{
	sb_db *db = snap->db;
	urcu_memb_read_lock();
	/* seq_cst (a plain load on x86): pairs with commit's and move_home's
	 * publication of the head (the version's header and data are
	 * visible), and orders this load after begin_read's announcement,
	 * for recycle's argument. */
	struct version *v = atomic_load(&db->head[pageno]);
	/* Long reads scan forward.  The hardware's prefetcher follows the
	 * data of home slots, which lie in page order, and their headers;
	 * but a page written since the read began has its newest version
	 * away, anywhere in memory, and the walk reads that header before
	 * stepping to the version this reader sees: ask for it a few pages
	 * early.  (Prefetching away data too cost more than it saved: with
	 * one reader at a time the data read is almost always home.)  A
	 * prefetch never faults, even of a version freed meanwhile.
	 * Relaxed: only an address for a prefetch. */
	if (pageno + PREFETCH_AHEAD < db->config.pages)
		__builtin_prefetch(atomic_load_explicit(
			&db->head[pageno + PREFETCH_AHEAD], memory_order_relaxed));
	while (v->since > snap->time)
		/* Acquire: pairs with commit's release (a new version's
		 * `older`) and the trimmer's (an unlink). */
		v = atomic_load_explicit(&v->older, memory_order_acquire);
	/* The version v is one this reader can see: the trimmer keeps it
	 * until end_read, so its data outlives the section. */
	SB_TSAN_RELEASE(&db->gp_token);
	urcu_memb_read_unlock();
	return data_of(db, v);
}

static void pagever_end_read(sb_snap *snap)
{
	sb_db *db = snap->db;
	/* Release: this reader's page reads happen before a trim pass that
	 * loads the slot and unlinks versions only it could see. */
	atomic_store_explicit(&snap->slot->time, NO_READER, memory_order_release);
	/* Release: the slot is free for the next begin_read. */
	atomic_store_explicit(&snap->slot->claimed, false, memory_order_release);
	/* The reader, not the writer, trims what it alone could see: when
	 * end_read returns, those versions are unlinked and no longer count
	 * as retained.  The grace period before their reuse is the
	 * trimmer's. */
	pthread_mutex_lock(&db->trim_lock);
	trim_pass(db, true);
	struct version *dead = db->unlinked;
	db->unlinked = NULL;
	bool homeless = db->homeless_count != 0;
	pthread_mutex_unlock(&db->trim_lock);
	/* ...and moves the pages the writer replaced while it read back to
	 * their home slots (and those left away while it read, if it was
	 * the last reader), so the next read streams them in page order. */
	if (dead)
		grace_period(db);
	if (dead || homeless)
		recycle(db, dead);
	free(snap);
}

/* ---- the writer ---- */

static sb_txn *pagever_begin_write(sb_db *db)
{
	/* Waits only for another writer, never for a reader. */
	pthread_mutex_lock(&db->writer);
	db->dirty_count = 0;
	return (sb_txn *)db;
}

static void *pagever_write_page(sb_txn *txn, uint64_t pageno)
{
	sb_db *db = (sb_db *)txn;
	for (unsigned i = 0; i < db->dirty_count; i++)
		if (db->dirty[i]->pageno == pageno)
			return data_of(db, db->dirty[i]);
	if (db->dirty_count == db->dirty_cap) {
		struct version **grown = realloc(db->dirty, 2 * db->dirty_cap *
		                                             sizeof *grown);
		if (!grown)
			return NULL;
		db->dirty = grown;
		grown = realloc(db->replaced, 2 * db->dirty_cap * sizeof *grown);
		if (!grown)
			return NULL;
		db->replaced = grown;
		db->dirty_cap *= 2;
	}
	/* Acquire: the current version's data may be a copy move_home
	 * wrote. */
	struct version *current = atomic_load_explicit(&db->head[pageno],
	                                               memory_order_acquire);
	/* Commit writes the current version's header (its `end`, its link
	 * to the trimmer); fetch it now, while the copy below runs, rather
	 * than wait for it then.  Here nothing reads it: whether current is
	 * home is an address compare, its data an address (data_of). */
	__builtin_prefetch(current, 1);
	struct version *home = home_of(db, pageno), *copy;
	/* Relaxed, then acquire: a free home slot is claimed once; the claim
	 * sees the trimmer's last stores to it (release). */
	if (current != home &&
	    atomic_load_explicit(&db->home_free[pageno], memory_order_relaxed) &&
	    atomic_exchange_explicit(&db->home_free[pageno], false,
	                             memory_order_acquire))
		copy = home;
	else
		copy = version_get(db);
	if (!copy)
		return NULL;
	unsigned char *data = data_of(db, copy);
	memcpy(data, data_of(db, current), db->config.page_size);
	copy->pageno = pageno;
	copy->end = 0;
	copy->newer = NULL;
	copy->detached = false;
	db->dirty[db->dirty_count++] = copy;
	return data;
}

static int pagever_commit(sb_txn *txn)
{
	sb_db *db = (sb_db *)txn;
	/* Relaxed: only the writer stores it. */
	uint64_t commit = atomic_load_explicit(&db->committed,
	                                       memory_order_relaxed) + 1;
	for (unsigned i = 0; i < db->dirty_count; i++) {
		struct version *copy = db->dirty[i];
		/* Acquire: the head may be a copy move_home wrote, whose
		 * `end` we store below. */
		struct version *old = atomic_load_explicit(&db->head[copy->pageno],
		                                           memory_order_acquire);
		copy->since = commit;
		do
			/* Relaxed: copy is not yet published; the CAS below
			 * publishes this store with it. */
			atomic_store_explicit(&copy->older, old,
			                      memory_order_relaxed);
		/* Release: a reader that loads the new head sees its header
		 * and data.  Readers with time < commit skip it.  A CAS, not
		 * a store, because move_home may have replaced the head with
		 * an identical copy; then it fails once (acquire: that copy's
		 * fields are visible) and retries.  The writer never waits.
		 * (acq_rel on success only because C11 wants the failure order
		 * no stronger than the success order.) */
		while (!atomic_compare_exchange_weak_explicit(
			       &db->head[copy->pageno], &old, copy,
			       memory_order_acq_rel, memory_order_acquire));
		old->end = commit;
		/* Read by the trimmer after the queue push below (release). */
		old->newer = copy;
		db->replaced[i] = old;
	}
	/* seq_cst: publishes the commit after every head above (release
	 * suffices for that); seq_cst orders it before the trimmer's scan of
	 * the reader slots (see begin_read). */
	atomic_store(&db->committed, commit);
	/* Which replaced versions some live reader can see: those with
	 * since <= T for the newest live time T < commit.  The same protocol
	 * as the trimmer's (see begin_read): a reader these seq_cst loads
	 * miss sees this commit, so never what it replaced.  Only they count
	 * as retained; the trimmer's own scan decides what to unlink. */
	uint64_t newest = 0;
	bool any = false;
	/* seq_cst: a reader claims its slot index (seq_cst) before it
	 * announces its time, so this load covers every announced slot. */
	unsigned used = atomic_load(&db->slots_used);
	for (unsigned i = 0; i < used; i++) {
		/* seq_cst: as above. */
		uint64_t t = atomic_load(&db->slots[i].time);
		if (t < commit && (!any || t > newest)) {
			newest = t;
			any = true;
		}
	}
	unsigned k = db->dirty_count;
	for (unsigned i = 0; i < k; i++) {
		struct version *replaced = db->replaced[i];
		replaced->counted = any && replaced->since <= newest;
		if (replaced->counted)
			sb_retained_add(&db->retained, db->config.page_size);
		if (i + 1 < k)
			replaced->queue_next = db->replaced[i + 1];
	}
	/* The replaced versions go to the trimmer as one list, one CAS (its
	 * line moves between this core and the trimmer's). */
	if (k) {
		/* Relaxed: a first guess at the top, checked and published by
		 * the release CAS. */
		struct version *top = atomic_load_explicit(&db->queue,
		                                           memory_order_relaxed);
		do
			db->replaced[k - 1]->queue_next = top;
		/* Release: the trimmer's acquire exchange sees `end`, the
		 * links and the versions' other fields. */
		while (!atomic_compare_exchange_weak_explicit(
			       &db->queue, &top, db->replaced[0],
			       memory_order_release, memory_order_relaxed));
	}
	/* Relaxed: a hint for when to wake the trimmer early. */
	unsigned queued = atomic_fetch_add_explicit(&db->queued, db->dirty_count,
	                                            memory_order_relaxed) +
	                  db->dirty_count;
	db->dirty_count = 0;
	pthread_mutex_unlock(&db->writer);
	if (queued >= TRIM_BATCH)
		sem_post(&db->wake);
	return SB_OK;
}

static void pagever_stats(sb_db *db, struct sb_stats *stats)
{
	*stats = (struct sb_stats){0};
	sb_retained_read(&db->retained, stats);
}

const struct sb_variant sb_variant_pagever = {
	.name = "pagever",
	.summary = "per-page version history (RustDb): readers see their start time, the writer never waits",
	.strict = true,
	.concurrent_safe = true,
	.open = pagever_open,
	.close = pagever_close,
	.thread_enter = pagever_thread_enter,
	.thread_exit = pagever_thread_exit,
	.begin_read = pagever_begin_read,
	.snapshot_commit = pagever_snapshot_commit,
	.read_page = pagever_read_page,
	.end_read = pagever_end_read,
	.begin_write = pagever_begin_write,
	.write_page = pagever_write_page,
	.commit = pagever_commit,
	.stats = pagever_stats,
};
