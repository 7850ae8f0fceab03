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
 * a release store, and only then publishes the commit number: a reader whose
 * T includes the commit sees all of its pages, one whose T does not skips
 * them (atomic commits without a lock).  The replaced version goes to a
 * background trimmer, which unlinks it at once if no live reader time lies
 * in [since, end) (end = the commit that replaced it), or keeps it until the
 * readers that can see it have ended.  So what is retained is exactly the
 * versions some live reader can see, plus versions the trimmer has not yet
 * looked at (it runs within a millisecond of a commit and at every
 * end_read).
 *
 * Safe memory without locks.  Readers announce their time in a slot (see
 * pagever_begin_read for the store/load protocol that keeps the trimmer
 * from missing a reader that is starting).  A version a reader can see is
 * never unlinked while the reader lives, so the data pointer read_page
 * returns stays valid until end_read.  But a reader walking a chain passes
 * versions newer than its time, which the trimmer may unlink and free: each
 * read_page walks inside a short liburcu (memb) read-side section, and the
 * trimmer frees what it unlinked only after urcu_memb_synchronize_rcu.  The
 * sections last a chain walk, not a read, so grace periods stay short and
 * the trimmer — never the writer — waits for them.
 *
 * Costs.  Writer stall: none for readers — commit never waits for a reader
 * or for a reader's trim (the trimmer is a thread of its own, and pushes
 * and unlinks touch different fields); a commit pays one allocation and one
 * page copy per page written.  Reader overhead: per read_page, an RCU
 * section (two thread-local stores with sys_membarrier), one acquire load
 * and a compare when the page has no version newer than T, one more load per
 * newer version otherwise; begin_read and end_read are a few atomic
 * operations on the reader's slot.  Memory retained: one page per version
 * some live reader can see (at most one per page written during the read,
 * per distinct reader time), plus a 64-byte header per version.
 * Staleness: 0 (strict).  Limits: PAGEVER_SLOTS readers at once.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "tsan.h"
#include "urcu_thread.h"

/* read_page prefetches the newest versions of this many following pages. */
#define PREFETCH_PAGES 2
/* Reader slots: snapshots open at once. */
#define PAGEVER_SLOTS 1024
/* A slot's time while no reader uses it. */
#define NO_READER UINT64_MAX
/* The trimmer looks at new history at least this often... */
#define TRIM_PERIOD_NS 1000000u
/* ...and at once when this many replaced versions are waiting. */
#define TRIM_BATCH 64
/* Freed versions kept for reuse by the writer: malloc would return them to
 * the kernel (madvise) and the writer would pay a page fault per copy. */
#define POOL_MAX 4096

/* One version of one page.  The header is padded to 64 bytes so that the
 * data that follows it is as aligned as a cache line. */
struct version {
	uint64_t since;                 /* commit that made it current */
	uint64_t end;                   /* commit that replaced it (0: current) */
	_Atomic(struct version *) older;/* next older version of the page */
	struct version *queue_next;     /* writer -> trimmer queue; the pool */
	struct version *kept_next;      /* the trimmer's list of kept versions */
	uint64_t pageno;
	char pad[16];
	_Alignas(64) unsigned char data[];
};

struct reader_slot {
	/* The reader's time, or NO_READER.  seq_cst: see begin_read. */
	_Alignas(64) _Atomic uint64_t time;
	_Atomic bool claimed;
};

struct sb_db {
	struct sb_config config;
	_Atomic(struct version *) *head; /* per page: its newest version */
	_Atomic uint64_t committed;      /* the last published commit */
	struct reader_slot slots[PAGEVER_SLOTS];

	pthread_mutex_t writer;          /* held from begin_write to commit */
	struct version **dirty;          /* this transaction's copies */
	unsigned dirty_count, dirty_cap;

	/* Writer -> trimmer: a stack of replaced versions (Treiber). */
	_Atomic(struct version *) queue;
	_Atomic unsigned queued;
	_Atomic bool reader_ended;       /* kept versions may have died */
	_Atomic bool stopping;
	sem_t wake;
	pthread_t trimmer;
	struct version *kept;            /* trimmer only */
	/* Trimmer -> writer: freed versions for reuse, a stack with one
	 * pusher (the trimmer) and one popper at a time (the writer, under
	 * its mutex), so popping has no ABA problem. */
	_Atomic(struct version *) pool;
	_Atomic unsigned pooled;
	uint64_t *live_times;            /* trimmer only: PAGEVER_SLOTS */

	struct sb_retained retained;
	char gp_token;                   /* TSan: the grace period's edge */
};

struct sb_snap {
	sb_db *db;
	struct reader_slot *slot;
	uint64_t time;
};

static struct version *version_alloc(size_t page_size)
{
	return aligned_alloc(64, sizeof(struct version) + page_size);
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
		return version_alloc(db->config.page_size);
	/* Relaxed: a bound on the pool's size, nothing more. */
	atomic_fetch_sub_explicit(&db->pooled, 1, memory_order_relaxed);
	return top;
}

/* Gives a dead version back: to the pool, or to malloc when it is full. */
static void version_put(sb_db *db, struct version *v)
{
	/* Relaxed: as in version_get. */
	if (atomic_load_explicit(&db->pooled, memory_order_relaxed) >= POOL_MAX) {
		free(v);
		return;
	}
	atomic_fetch_add_explicit(&db->pooled, 1, memory_order_relaxed);
	struct version *top = atomic_load_explicit(&db->pool,
	                                           memory_order_relaxed);
	do
		v->queue_next = top;
	/* Release: the writer that pops v sees its link (and owns v). */
	while (!atomic_compare_exchange_weak_explicit(&db->pool, &top, v,
	                                              memory_order_release,
	                                              memory_order_relaxed));
}

/* ---- the trimmer ---- */

static int compare_times(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Sorted times of the live readers; returns how many. */
static unsigned collect_live_times(sb_db *db)
{
	unsigned n = 0;
	for (unsigned i = 0; i < PAGEVER_SLOTS; i++) {
		/* seq_cst: pairs with begin_read's seq_cst store and load
		 * (a reader this load misses sees the newer commit). */
		uint64_t t = atomic_load(&db->slots[i].time);
		if (t != NO_READER)
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

/* Unlinks v from its page's chain.  Only the trimmer writes `older` of a
 * published version, and v is never the head (it was replaced). */
static void unlink_version(sb_db *db, struct version *v)
{
	/* Acquire: pairs with commit's release; the chain below is visible. */
	struct version *prev = atomic_load_explicit(&db->head[v->pageno],
	                                            memory_order_acquire);
	for (;;) {
		/* Relaxed: only this thread stores `older` of published
		 * versions; the writer's stores to new versions happen before
		 * their publication, which the acquire above saw. */
		struct version *next = atomic_load_explicit(&prev->older,
		                                            memory_order_relaxed);
		if (next == v)
			break;
		prev = next;
	}
	/* Release: a reader that follows prev->older past v sees the
	 * (immutable) version it now points to, fully written. */
	atomic_store_explicit(&prev->older,
	                      atomic_load_explicit(&v->older, memory_order_relaxed),
	                      memory_order_release);
}

/* One pass: decide each new version and, after a reader ended, each kept
 * one; free what no live reader can see once no chain walk can be on it. */
static void trim_pass(sb_db *db)
{
	/* Acquire: pairs with commit's release push; the versions' fields
	 * written before it are visible. */
	struct version *fresh = atomic_exchange_explicit(&db->queue, NULL,
	                                                 memory_order_acquire);
	/* Relaxed: a hint to wake early; the queue itself is exact. */
	atomic_store_explicit(&db->queued, 0, memory_order_relaxed);
	/* seq_cst: ordered before collect_live_times' loads, so a reader whose
	 * end_read set the flag before we cleared it is not counted live. */
	bool rescan = atomic_exchange(&db->reader_ended, false);
	unsigned n = collect_live_times(db);
	struct version *dead = NULL;
	size_t ps = db->config.page_size;
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
			v->queue_next = dead;
			dead = v;
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
			v->queue_next = dead;
			dead = v;
		}
	}
	if (!dead)
		return;
	/* Every read_page that could be walking an unlinked version is inside
	 * a read-side section that began before the unlink: wait them out. */
	urcu_memb_synchronize_rcu();
	SB_TSAN_ACQUIRE(&db->gp_token);
	while (dead) {
		struct version *v = dead;
		dead = v->queue_next;
		version_put(db, v);
		sb_retained_sub(&db->retained, ps);
	}
}

static void *trimmer_main(void *arg)
{
	sb_db *db = arg;
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
		trim_pass(db);
		if (last)
			return NULL;
	}
}

/* ---- open and close ---- */

static void free_all(sb_db *db)
{
	for (uint64_t n = 0; db->head && n < db->config.pages; n++) {
		struct version *v = atomic_load_explicit(&db->head[n],
		                                         memory_order_relaxed);
		while (v) {
			struct version *older = atomic_load_explicit(
				&v->older, memory_order_relaxed);
			free(v);
			v = older;
		}
	}
	for (unsigned i = 0; i < db->dirty_count; i++)
		free(db->dirty[i]);
	struct version *pooled = atomic_load_explicit(&db->pool,
	                                              memory_order_relaxed);
	while (pooled) {
		struct version *next = pooled->queue_next;
		free(pooled);
		pooled = next;
	}
	free(db->head);
	free(db->dirty);
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
	db->head = calloc(config->pages, sizeof *db->head);
	db->live_times = malloc(PAGEVER_SLOTS * sizeof *db->live_times);
	db->dirty_cap = 16;
	db->dirty = malloc(db->dirty_cap * sizeof *db->dirty);
	if (!db->head || !db->live_times || !db->dirty) {
		snprintf(err, errlen, "cannot allocate the page table of %llu pages",
		         (unsigned long long)config->pages);
		free_all(db);
		return SB_ERESOURCE;
	}
	for (uint64_t n = 0; n < config->pages; n++) {
		struct version *v = version_alloc(config->page_size);
		if (!v) {
			snprintf(err, errlen, "cannot allocate %llu pages of %zu "
			         "bytes", (unsigned long long)config->pages,
			         config->page_size);
			free_all(db);
			return SB_ERESOURCE;
		}
		memset(v, 0, sizeof *v);
		v->pageno = n;
		config->init_page(config->init_ctx, n, v->data);
		atomic_init(&db->head[n], v);
	}
	for (unsigned i = 0; i < PAGEVER_SLOTS; i++)
		atomic_init(&db->slots[i].time, NO_READER);
	pthread_mutex_init(&db->writer, NULL);
	if (sem_init(&db->wake, 0, 0) != 0 ||
	    pthread_create(&db->trimmer, NULL, trimmer_main, db) != 0) {
		snprintf(err, errlen, "cannot start the trimmer thread");
		pthread_mutex_destroy(&db->writer);
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
	free_all(db); /* kept versions are still linked in their chains */
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
	/* Announce a time, then check that it is still the last commit.  All
	 * seq_cst: if the trimmer's scan missed this slot, the scan came
	 * before the store below in the single total order, and the commit
	 * whose version it was judging was published (seq_cst) before the
	 * scan, so the load below sees that commit and the reader moves up to
	 * it — past every version the trimmer may free. */
	uint64_t time = atomic_load(&db->committed);
	for (;;) {
		atomic_store(&slot->time, time);
		uint64_t now = atomic_load(&db->committed);
		if (now == time)
			break;
		time = now;
	}
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
	/* Acquire: pairs with commit's release store of the head; the
	 * version's header and data are visible. */
	struct version *v = atomic_load_explicit(&db->head[pageno],
	                                         memory_order_acquire);
	/* Long reads scan forward, and versions a writer replaced lie
	 * anywhere in memory, where the hardware's stride prefetcher cannot
	 * follow: ask for the next pages' headers now.  Relaxed: only an
	 * address for a prefetch, which never faults, even if the version
	 * it names is freed meanwhile. */
	for (uint64_t ahead = 1; ahead <= PREFETCH_PAGES; ahead++)
		if (pageno + ahead < db->config.pages)
			__builtin_prefetch(atomic_load_explicit(
				&db->head[pageno + ahead], memory_order_relaxed));
	while (v->since > snap->time)
		/* Acquire: pairs with commit's release (a new version's
		 * `older`) and the trimmer's (an unlink). */
		v = atomic_load_explicit(&v->older, memory_order_acquire);
	/* The version v is one this reader can see: the trimmer keeps it
	 * until end_read, so its data outlives the section. */
	SB_TSAN_RELEASE(&db->gp_token);
	urcu_memb_read_unlock();
	return v->data;
}

static void pagever_end_read(sb_snap *snap)
{
	sb_db *db = snap->db;
	/* Release: this reader's page reads happen before the trimmer, which
	 * loads the slot, frees versions only it could see. */
	atomic_store_explicit(&snap->slot->time, NO_READER, memory_order_release);
	/* Release: the slot is free for the next begin_read. */
	atomic_store_explicit(&snap->slot->claimed, false, memory_order_release);
	/* seq_cst: the trimmer's exchange is ordered against it (see
	 * trim_pass).  Then wake the trimmer: the reader does no trim work. */
	atomic_store(&db->reader_ended, true);
	sem_post(&db->wake);
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
			return db->dirty[i]->data;
	if (db->dirty_count == db->dirty_cap) {
		struct version **grown = realloc(db->dirty, 2 * db->dirty_cap *
		                                             sizeof *grown);
		if (!grown)
			return NULL;
		db->dirty = grown;
		db->dirty_cap *= 2;
	}
	struct version *copy = version_get(db);
	if (!copy)
		return NULL;
	/* Relaxed: only the writer stores heads. */
	struct version *current = atomic_load_explicit(&db->head[pageno],
	                                               memory_order_relaxed);
	memcpy(copy->data, current->data, db->config.page_size);
	copy->pageno = pageno;
	copy->end = 0;
	db->dirty[db->dirty_count++] = copy;
	return copy->data;
}

static int pagever_commit(sb_txn *txn)
{
	sb_db *db = (sb_db *)txn;
	/* Relaxed: only the writer stores it. */
	uint64_t commit = atomic_load_explicit(&db->committed,
	                                       memory_order_relaxed) + 1;
	for (unsigned i = 0; i < db->dirty_count; i++) {
		struct version *copy = db->dirty[i];
		struct version *old = atomic_load_explicit(&db->head[copy->pageno],
		                                           memory_order_relaxed);
		copy->since = commit;
		/* Relaxed: copy is not yet published; the release below
		 * publishes this store with it. */
		atomic_store_explicit(&copy->older, old, memory_order_relaxed);
		/* Release: a reader that loads the new head sees its header
		 * and data.  Readers with time < commit skip it. */
		atomic_store_explicit(&db->head[copy->pageno], copy,
		                      memory_order_release);
		old->end = commit;
	}
	/* seq_cst: publishes the commit after every head above (release
	 * suffices for that); seq_cst orders it before the trimmer's scan of
	 * the reader slots (see begin_read). */
	atomic_store(&db->committed, commit);
	for (unsigned i = 0; i < db->dirty_count; i++) {
		struct version *replaced = atomic_load_explicit(
			&db->dirty[i]->older, memory_order_relaxed);
		sb_retained_add(&db->retained, db->config.page_size);
		struct version *top = atomic_load_explicit(&db->queue,
		                                           memory_order_relaxed);
		do
			replaced->queue_next = top;
		/* Release: the trimmer's acquire exchange sees `end` and the
		 * version's other fields. */
		while (!atomic_compare_exchange_weak_explicit(
			       &db->queue, &top, replaced, memory_order_release,
			       memory_order_relaxed));
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
