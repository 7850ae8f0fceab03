/*
 * internal.h — what the files of libpagever share: the version header, the
 * reader slot, the store, and the calls one file makes into another.  Each
 * file owns one job:
 *   api.c      the public calls (pagever.h): open, close, reads, the writer
 *   store.c    version memory: slabs, home slots, the pool and its refill
 *   readers.c  reader slots: claiming, announcing a time, the live times,
 *              chain walks and the wait for them before reuse
 *   trim.c     trim passes: which replaced versions a live reader can see,
 *              unlinking the others in O(1)
 *   home.c     reuse after a trim: moving pages back to their home slots
 *   trimmer.c  the trimmer thread and the writer's back-pressure
 * Field comments say who may write each field; "trim lock" means only the
 * holder of store->trim_lock.
 */
#ifndef PAGEVER_INTERNAL_H
#define PAGEVER_INTERNAL_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "pagever.h"

/* Invariant checks: compiled in with PAGEVER_CHECKS (the test builds), out
 * otherwise (the benchmarks). */
#ifdef PAGEVER_CHECKS
void pv_assert_failed(const char *what, const char *file, int line);
#define PV_ASSERT(cond) \
	((cond) ? (void)0 : pv_assert_failed(#cond, __FILE__, __LINE__))
#else
#define PV_ASSERT(cond) ((void)0)
#endif

/* A slot's time while no reader uses it. */
#define NO_READER UINT64_MAX
/* A slot's time while its reader is starting: STARTING | t0 means "a reader
 * whose time will be >= t0" (readers.c, pv_slot_announce). */
#define STARTING (UINT64_C(1) << 63)

/* Versions are carved from slabs of this size and alignment (one huge
 * page), which are never returned before close. */
#define SLAB_BYTES ((size_t)2 << 20)

/* One version of one page: a 64-byte header; its data lies elsewhere in the
 * same slab, found from the header's address (pv_data). */
struct version {
	/* The commit that made it current.  Written before publication
	 * (the writer at commit, a move home under the trim lock);
	 * immutable while the version is reachable. */
	_Alignas(64) uint64_t since;
	/* The commit that replaced it; 0 while current.  The writer writes
	 * it once, after the head CAS; the trim lock's holder reads it after
	 * the queue hands the version over. */
	uint64_t end;
	/* The next older version of the page.  Stored by the writer before
	 * publication and by the trim lock's holder (unlink, move home). */
	_Atomic(struct version *) older;
	/* The next newer version: the writer sets it when it replaces the
	 * head; the trim lock's holder when it unlinks or moves. */
	struct version *newer;
	/* Lock-free stacks: the writer -> trimmer queue, the pool. */
	struct version *link;
	/* Trim lock lists: kept, unlinked, awaiting reuse, moved. */
	struct version *list;
	uint64_t pageno;
	bool detached;  /* taken off its chain by a move home (trim lock) */
	bool counted;   /* in retained_visible (writer at commit; trim lock) */
	bool listed;    /* a home slot in the homeless list (trim lock) */
};
_Static_assert(sizeof(struct version) == 64, "a header is one cache line");

struct reader_slot {
	/* NO_READER, STARTING | t0, or the reader's time.  seq_cst: see
	 * pv_slot_announce. */
	_Alignas(64) _Atomic uint64_t time;
	/* move_epoch as the reader saw it after announcing (home.c). */
	_Atomic uint64_t epoch;
	_Atomic bool claimed;
	/* Odd while the reader walks a chain (pv_walk_begin); on a line of
	 * its own, because the reader writes it often and the writer reads
	 * the line above at every commit. */
	_Alignas(64) _Atomic uint64_t walking;
};

/* Slabs mapped by one thread, unmapped at close. */
struct slab_list {
	char **slabs;
	size_t count, cap;
};

/* A batch of unlinked versions waiting until no chain walk can be on one
 * of them (readers.c).  `walking[i]` is slot i's walk counter when the
 * wait began, kept only where it was odd. */
struct grace {
	struct version *batch;
	uint64_t *walking;
	unsigned slots;       /* slots covered */
	bool active;
};

struct pagever {
	/* Read by every page read and written only at open: one line. */
	uint64_t pages;
	size_t page_size;
	/* Per page: its newest version; that version's `since`, stored before
	 * the version is published; and its data, stored after (the read
	 * fast path reads these two, never a header). */
	_Atomic(struct version *) *head;
	_Atomic uint64_t *head_since;
	_Atomic(const unsigned char *) *head_data;
	/* Version memory (store.c).  A slab holds per_slab headers, then
	 * their data from data_offset. */
	size_t per_slab, data_offset, slab_bytes;
	unsigned reader_slots;
	bool move_home;

	/* Written by the writer at each commit, read by every page read: a
	 * line of their own. */
	/* The last commit that has begun to push its heads: equal to
	 * `committed` between commits (the read fast path). */
	_Alignas(64) _Atomic uint64_t started;
	/* The last published commit. */
	_Atomic uint64_t committed;

	_Alignas(64) void (*init_page)(void *init_ctx, uint64_t pageno,
	                               void *page);
	void *init_ctx;

	struct reader_slot *slots;
	/* Slots [0, slots_used) have been claimed at least once. */
	_Atomic unsigned slots_used;
	/* Bumped after each batch of moves home (home.c). */
	_Atomic uint64_t move_epoch;
	/* Reads ended so far: the trimmer rescans kept versions when it
	 * moved since its last rescan. */
	_Atomic uint64_t reads_ended;

	/* The writer. */
	pthread_mutex_t writer;
	/* The thread with the transaction open (the address of a thread-local
	 * byte), or NULL: the writer's own stores, under the mutex; others
	 * load it only to refuse a call. */
	_Atomic(const void *) writer_owner;
	struct version **dirty, **replaced;
	unsigned dirty_count, dirty_cap;
	uint64_t *commit_times;       /* the writer's live set: reader_slots */
	/* The writer's private part of the pool (it takes the shared stack
	 * whole). */
	struct version *spare;
	_Atomic uint64_t writer_allocs, writer_trims;

	/* Page n's home slot: slot n % per_slab of home_slab[n / per_slab]. */
	char **home_slab;
	/* n's home slot holds no live version and the writer may claim it. */
	_Atomic bool *home_free;
	char *carve_slab;             /* writer (or open) */
	size_t carve_next;
	struct slab_list carved;      /* writer (or open) */
	struct slab_list refilled;    /* the holder of `refilling` */
	_Atomic uint64_t mapped_bytes;
	uint64_t table_bytes;         /* page table and slots, fixed at open */
	/* Freed versions: a stack pushed by the trimmer (and the writer) and
	 * taken whole by the writer. */
	_Atomic(struct version *) pool;
	_Atomic uint64_t pooled;      /* about how many */
	_Atomic uint64_t taken;       /* versions the writer has used */
	uint64_t refill_taken;        /* `refilling`: `taken` at the last refill */
	/* Held by whoever refills the pool (the trimmer, an end_read). */
	atomic_flag refilling;

	/* Trimming. */
	pthread_mutex_t trim_lock;
	const void *trim_owner;       /* checks: the holder, or NULL */
	/* Writer -> trimmer: replaced versions (a Treiber stack). */
	_Atomic(struct version *) queue;
	/* Versions replaced and not yet decided, in the queue or the
	 * backlog: added by the writer before its push, subtracted by the
	 * pass that decides them.  (Reset when a pass took the queue, it
	 * hid a backlog that grew without bound behind passes of one
	 * batch: at 100,000 commits/s the back-pressure never acted.) */
	_Atomic uint64_t queued;
	/* trim lock: taken from the queue, not yet decided (a pass decides
	 * at most its limit) */
	struct version *backlog;
	struct version *kept;         /* trim lock: seen by a live reader */
	struct version *unlinked;     /* trim lock: awaiting a grace */
	struct grace grace;           /* trim lock */
	uint64_t *live_times;         /* trim lock: reader_slots entries */
	uint64_t rescanned_at;        /* trim lock: reads_ended then */
	/* trim lock: pages whose home slot is free while they live away
	 * (home.c) */
	uint64_t *homeless;
	size_t homeless_count;

	/* Retained bytes (api.c counts them; pagever_stats reads them). */
	_Atomic uint64_t visible_bytes, visible_peak_bytes;
	_Atomic uint64_t retained_peak_bytes;

	/* The trimmer thread. */
	_Atomic bool stopping;
	sem_t wake;
	pthread_t trimmer;
};

/* ---- store.c ---- */

/* The data of version v (from its address alone: no load of its header). */
static inline unsigned char *pv_data(const struct pagever *s,
                                     const struct version *v)
{
	uintptr_t slab = (uintptr_t)v & ~(uintptr_t)(SLAB_BYTES - 1);
	size_t i = ((uintptr_t)v - slab) / sizeof(struct version);
	return (unsigned char *)slab + s->data_offset + i * s->page_size;
}

static inline struct version *pv_home(const struct pagever *s, uint64_t pageno)
{
	return (struct version *)(s->home_slab[pageno / s->per_slab] +
	                          pageno % s->per_slab * sizeof(struct version));
}

/* Lays out slabs for the store's page size; carves and fills every page's
 * home slot.  PAGEVER_OK or PAGEVER_ENOMEM. */
int pv_store_open(struct pagever *s);
void pv_store_close(struct pagever *s);
/* A version for the writer: a home slot is the caller's business; this
 * takes one from the pool, else maps memory (writer_allocs).  NULL when
 * memory is short. */
struct version *pv_version_get(struct pagever *s);
/* Gives a dead version to the pool (the trimmer, or the writer). */
void pv_version_put(struct pagever *s, struct version *v);
/* The refill: maps and faults in slabs ahead of need.  The trimmer or an
 * end_read; returns at once when the other is refilling. */
void pv_pool_refill(struct pagever *s);

/* ---- readers.c ---- */

/* Claims a free slot; NULL when all are in use. */
struct reader_slot *pv_slot_claim(struct pagever *s);
/* Announces a time in the slot and returns it. */
uint64_t pv_slot_announce(struct pagever *s, struct reader_slot *slot);
void pv_slot_release(struct pagever *s, struct reader_slot *slot);

static inline void pv_walk_begin(struct reader_slot *slot)
{
	/* seq_cst, and so are the walk's loads of heads and links (plain
	 * loads on x86): with the seq_cst unlinks and the seq_cst loads of
	 * pv_grace_begin, the single total order puts either this increment
	 * before the reclaimer's load (which then sees an odd count and
	 * waits for the walk) or that load before it, and then every unlink
	 * before this walk's loads, which see them: a store-buffering pair
	 * (a fetch-and-add, not a fence, which ThreadSanitizer cannot
	 * follow).  Only this slot's reader writes the counter. */
	atomic_fetch_add(&slot->walking, 1);
}

static inline void pv_walk_end(struct reader_slot *slot)
{
	/* Release: the walk's loads happen before a reclaimer that sees the
	 * even count (acquire) reuses what the walk passed.  Only this slot's
	 * reader writes the counter, so a load and a store do. */
	uint64_t w = atomic_load_explicit(&slot->walking, memory_order_relaxed);
	atomic_store_explicit(&slot->walking, w + 1, memory_order_release);
}

/* The live readers' times, as a trim pass or a commit collects them. */
struct live_set {
	uint64_t *times;         /* sorted exact times */
	unsigned count;
	/* The smallest lower bound of a reader still starting (STARTING),
	 * or NO_READER when none is: such a reader may hold any time from
	 * its bound up, the latest commit included. */
	uint64_t starting_bound;
};

/* Which live readers to collect. */
#define ALL_READERS UINT64_MAX
/* Collects the live readers (with before_epoch other than ALL_READERS, only
 * those that saw a move_epoch older than it) into `live`, whose `times`
 * has room for reader_slots entries.  The trim lock's holder, or the
 * writer at commit with an array of its own. */
void pv_live_collect(struct pagever *s, uint64_t before_epoch,
                     struct live_set *live);
/* Whether some live reader may see a version that was current over
 * commits [since, end). */
bool pv_live_sees(const struct live_set *live, uint64_t since, uint64_t end);

/* Starts the wait for chain walks on the trim lock's unlinked list (which
 * it takes); false when a wait is already under way. */
bool pv_grace_begin(struct pagever *s);
/* The batch whose wait is over, or NULL (the wait goes on). */
struct version *pv_grace_poll(struct pagever *s);

/* ---- trim.c ---- */

void pv_trim_lock(struct pagever *s);
bool pv_trim_trylock(struct pagever *s);
void pv_trim_unlock(struct pagever *s);
/* One pass under the trim lock: decides the versions the writer handed
 * over (at most `limit` of them) and, with `rescan`, the kept ones;
 * unlinks what no live reader can see.  Returns how many it decided. */
uint64_t pv_trim_pass(struct pagever *s, bool rescan, uint64_t limit);
/* Takes version v off its chain (trim lock): O(1). */
void pv_unlink(struct pagever *s, struct version *v);
void pv_visible_add(struct pagever *s, uint64_t bytes);
void pv_visible_sub(struct pagever *s, uint64_t bytes);

/* ---- home.c ---- */

/* Reuses versions whose grace has passed: home slots take their page back
 * (with copy_home; else, or when a reader may hold the away version, they
 * wait free for the writer and the page is listed), the rest go to the
 * pool; with copy_home, also moves home the listed pages no reader can
 * hold now.  Trim lock. */
void pv_recycle(struct pagever *s, struct version *dead, bool copy_home);

/* ---- trimmer.c ---- */

int pv_trimmer_start(struct pagever *s);
/* After a commit queued versions (the count went from before to after):
 * wakes the trimmer, or catches up itself past the limit. */
void pv_writer_note_queued(struct pagever *s, uint64_t before,
                           uint64_t after);
void pv_trimmer_stop(struct pagever *s);
void pv_trimmer_wake(struct pagever *s);
/* An ending reader's turn of upkeep, if the trim lock is free; true when
 * nothing is left for the trimmer. */
bool pv_reader_upkeep(struct pagever *s);
/* The writer's back-pressure: when the trimmer has fallen behind, trims
 * and reuses one bounded batch itself, if the trim lock is free. */
void pv_writer_catch_up(struct pagever *s);

#endif
