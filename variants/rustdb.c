/*
 * rustdb — RustDb's own scheme, as its src/pstore.rs has it: per-page
 * version history keyed by the commit that ended each version, a registry
 * of live reader times, a mutex per page and one on the "stash".
 *
 * Origin: RustDb (George Barwood; github georgebarwood/RustDB, crate rustdb
 * 5.2, src/pstore.rs), described in "Concurrency in RustDb" (2022), the post
 * that started this project.  Written here in C from a description of that
 * design (this comment gives all of it), not translated from its code.
 *
 * Scheme.  `time` counts commits: a reader that begins at time t sees
 * commits 1..t (commit 0 is the initial state), and registers t in the
 * stash's reader registry (time -> count).  Each page has its current
 * version and a history: entries keyed by a time.  The writer's first write
 * to a page in the transaction made at time T saves the page's current
 * version as history entry T and installs a new current version (readers
 * at time T or earlier read entry T from then on; no reader sees a time
 * above T before the commit), and notes the page in the stash's `vers`
 * (time -> pages).  Commit is time += 1, then a trim.  The entry at key t
 * holds the version that readers with times from (the previous key + 1) to
 * t see: it ENDS at its key (RustDb once had this the other way round, as
 * a version's start, and freed versions readers still needed; its author
 * found it by a test).  A page read at time t returns the first entry with
 * a key >= t, or the current version when there is none.
 *
 * Trim(t), at the end of a write (with the new time) and when the last
 * reader of time t ends: s = 1 + the largest live reader time below t (0
 * when none), r = the smallest live reader time >= t (the current time when
 * none); for every page noted in vers at a time k in [s, r), its entry k is
 * freed unless its versions' first time, (the previous key + 1), is below
 * s: only then does a live reader (the one at s - 1) see it.  So versions
 * between two live readers are freed while both still run, and after every
 * trim each version left in a history is one some live reader sees.
 *
 * Locks, as RustDb has them: the stash mutex guards time, the registry and
 * vers, and is taken by begin_read, end_read (with its trim), the writer's
 * first write of each page, commit (with its trim), and every page read (in
 * RustDb it guards the map from page numbers to page infos; here the infos
 * are an array, but the lookup takes the mutex all the same).  Each page's
 * mutex guards its current version and history: taken on every page read,
 * by the writer when it saves a version, and by trims.  Lock order: stash,
 * then a page.  One writer at a time (a writer mutex, which readers never
 * take).  Pthread mutexes throughout: every access to shared state is under
 * one, so there is no atomic in the scheme itself (the counters below are
 * statistics).
 *
 * The maps (RustDb's BTreeMaps) are sorted arrays here: every insertion is
 * keyed by the current time, which never decreases, so every insertion is
 * an append (amortised O(1), no rebalancing); lookups are binary searches
 * over contiguous memory, which the hot path (a page read) needs; only
 * removals, in trims, shift the array's tail: a page's history and the
 * registry are short, and vers holds only the times that still have
 * versions.  A balanced tree would remove in O(log n) but allocate a node
 * per entry and chase pointers on every page read.  An array that empties
 * is freed.
 *
 * Costs.  Writer stall: the writer takes the stash mutex and page mutexes
 * that readers take too, so it waits whenever a reader holds one: for a
 * page lookup (short), for a whole trim at a reader's end (all the versions
 * between two live readers, each under its page's mutex: milliseconds after
 * a long read under a fast writer), and for as long as a reader holding a
 * mutex is preempted (a scheduler time slice); writer_blocked_ns counts
 * these waits.  Reader overhead: two mutexes per page read (the stash's to
 * find the page, the page's to find the version) and a binary search of
 * the page's history; a registration and a trim per read.  Memory retained:
 * every version some live reader sees and only those, but no bound on how
 * many; and the page infos.  Staleness: 0 (strict).
 *
 * retained_bytes: the page infos (a mutex, the current pointer, the
 * history array per page), every history version (page_size bytes each) and
 * the arrays' capacity (history entries, vers and its page lists, the
 * registry).  retained_visible_bytes: the history versions, exact after each
 * trim (see above); a transaction's saved versions count from its commit's
 * trim on.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "timed_lock.h"

/* The elements of the three sorted arrays below each start with their key
 * (see lower_bound).
 *
 * History entry `key`: the version seen by readers whose time is above the
 * previous entry's key and at most `key`. */
struct history_entry {
	uint64_t key;
	char *version;
};

struct page_info {
	pthread_mutex_t lock;
	char *current;
	struct history_entry *history;  /* ascending keys */
	size_t history_len, history_cap;
};

/* Live readers of one time. */
struct reader_time {
	uint64_t time;
	uint64_t count;
};

/* The pages whose version ended at `time` (vers in RustDb). */
struct version_set {
	uint64_t time;
	uint64_t *pages;
	size_t len, cap;
};

struct stash {
	pthread_mutex_t lock;
	uint64_t time;                  /* commits so far */
	struct reader_time *readers;    /* ascending times */
	size_t readers_len, readers_cap;
	struct version_set *vers;       /* ascending times */
	size_t vers_len, vers_cap;
};

struct sb_db {
	struct sb_config config;
	struct page_info *pages;
	struct stash stash;
	pthread_mutex_t writer_lock;    /* one write transaction at a time */
	uint64_t txn_saved;             /* writer: versions saved this txn */
	_Atomic uint64_t writer_blocked_ns;
	struct sb_retained retained;
};

struct sb_snap {
	sb_db *db;
	uint64_t time;
};

/* ---- sorted arrays ---- */

/* Grows *array (of `size`-byte elements, *cap of them) to hold one more
 * than `len`, counting the growth in retained bytes; false when out of
 * memory. */
static bool array_reserve(sb_db *db, void **array, size_t *cap, size_t len,
                          size_t size)
{
	if (len < *cap)
		return true;
	size_t grown = *cap ? 2 * *cap : 4;
	void *larger = realloc(*array, grown * size);
	if (!larger)
		return false;
	sb_retained_add(&db->retained, (grown - *cap) * size);
	*array = larger;
	*cap = grown;
	return true;
}

/* Frees an emptied array and uncounts it. */
static void array_release(sb_db *db, void **array, size_t *cap, size_t size)
{
	sb_retained_sub(&db->retained, *cap * size);
	free(*array);
	*array = NULL;
	*cap = 0;
}

/* The first index in a sorted array of `len` elements of `size` bytes,
 * each starting with its uint64_t key, whose key is >= key. */
static size_t lower_bound(const void *array, size_t len, size_t size,
                          uint64_t key)
{
	size_t low = 0, high = len;
	while (low < high) {
		size_t mid = low + (high - low) / 2;
		uint64_t at;
		memcpy(&at, (const char *)array + mid * size, sizeof at);
		if (at < key)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

static size_t history_lower_bound(const struct page_info *info, uint64_t key)
{
	return lower_bound(info->history, info->history_len,
	                   sizeof *info->history, key);
}

static size_t readers_lower_bound(const struct stash *stash, uint64_t time)
{
	return lower_bound(stash->readers, stash->readers_len,
	                   sizeof *stash->readers, time);
}

static size_t vers_lower_bound(const struct stash *stash, uint64_t time)
{
	return lower_bound(stash->vers, stash->vers_len, sizeof *stash->vers,
	                   time);
}

/* ---- open and close ---- */

static void rustdb_close(sb_db *db)
{
	for (uint64_t n = 0; db->pages && n < db->config.pages; n++) {
		struct page_info *info = &db->pages[n];
		for (size_t i = 0; i < info->history_len; i++)
			free(info->history[i].version);
		free(info->history);
		free(info->current);
		pthread_mutex_destroy(&info->lock);
	}
	for (size_t i = 0; i < db->stash.vers_len; i++)
		free(db->stash.vers[i].pages);
	free(db->stash.vers);
	free(db->stash.readers);
	free(db->pages);
	pthread_mutex_destroy(&db->stash.lock);
	pthread_mutex_destroy(&db->writer_lock);
	free(db);
}

static int rustdb_open(const struct sb_config *config, sb_db **out, char *err,
                       size_t errlen)
{
	sb_db *db = sb_handle_alloc(sizeof *db, err, errlen);
	if (!db)
		return SB_ERESOURCE;
	db->config = *config;
	pthread_mutex_init(&db->stash.lock, NULL);
	pthread_mutex_init(&db->writer_lock, NULL);
	db->pages = calloc(config->pages, sizeof *db->pages);
	if (!db->pages) {
		snprintf(err, errlen, "cannot allocate %llu page infos",
		         (unsigned long long)config->pages);
		rustdb_close(db);
		return SB_ERESOURCE;
	}
	sb_retained_add(&db->retained, config->pages * sizeof *db->pages);
	for (uint64_t n = 0; n < config->pages; n++) {
		struct page_info *info = &db->pages[n];
		pthread_mutex_init(&info->lock, NULL);
		/* page_size is a multiple of 64: aligned_alloc's rule holds. */
		info->current = aligned_alloc(64, config->page_size);
		if (!info->current) {
			snprintf(err, errlen, "cannot allocate %llu pages of %zu bytes",
			         (unsigned long long)config->pages, config->page_size);
			db->config.pages = n + 1; /* what close must undo */
			rustdb_close(db);
			return SB_ERESOURCE;
		}
		config->init_page(config->init_ctx, n, info->current);
	}
	*out = db;
	return SB_OK;
}

/* ---- trimming (under the stash mutex) ---- */

enum trimmed { ENTRY_KEPT, ENTRY_FREED, ENTRY_ABSENT };

/* Frees page `pageno`'s entry `key` unless a live reader at s - 1 or below
 * sees it: its versions' first time is the previous key + 1 (0 with no
 * previous entry), and only a first time below s reaches such a reader.
 * ENTRY_ABSENT: vers noted the page but no entry was saved (the write ran
 * out of memory). */
static enum trimmed trim_entry(sb_db *db, uint64_t pageno, uint64_t key,
                               uint64_t s)
{
	struct page_info *info = &db->pages[pageno];
	pthread_mutex_lock(&info->lock);
	size_t i = history_lower_bound(info, key);
	enum trimmed result = ENTRY_ABSENT;
	if (i < info->history_len && info->history[i].key == key) {
		uint64_t first_time = i > 0 ? info->history[i - 1].key + 1 : 0;
		result = first_time >= s ? ENTRY_FREED : ENTRY_KEPT;
		if (result == ENTRY_FREED) {
			free(info->history[i].version);
			memmove(&info->history[i], &info->history[i + 1],
			        (info->history_len - i - 1) * sizeof *info->history);
			info->history_len--;
			sb_retained_sub(&db->retained, db->config.page_size);
			if (info->history_len == 0)
				array_release(db, (void **)&info->history,
				              &info->history_cap, sizeof *info->history);
		}
	}
	pthread_mutex_unlock(&info->lock);
	return result;
}

/* RustDb's trim(t) (see the opening comment).  Versions saved at time
 * `open_time` belong to a transaction not yet settled and are not yet
 * counted visible; returns how many of them it freed. */
static uint64_t trim(sb_db *db, uint64_t t, uint64_t open_time)
{
	struct stash *stash = &db->stash;
	size_t at = readers_lower_bound(stash, t);
	uint64_t s = at > 0 ? stash->readers[at - 1].time + 1 : 0;
	uint64_t r = at < stash->readers_len ? stash->readers[at].time
	                                     : stash->time;
	uint64_t freed_open = 0;
	size_t first = vers_lower_bound(stash, s), kept = first, i = first;
	for (; i < stash->vers_len && stash->vers[i].time < r; i++) {
		struct version_set *set = &stash->vers[i];
		size_t left = 0;
		for (size_t p = 0; p < set->len; p++) {
			enum trimmed result = trim_entry(db, set->pages[p],
			                                 set->time, s);
			if (result == ENTRY_KEPT)
				set->pages[left++] = set->pages[p];
			else if (result == ENTRY_FREED && set->time == open_time)
				freed_open++;
			else if (result == ENTRY_FREED)
				sb_retained_visible_sub(&db->retained,
				                        db->config.page_size);
		}
		set->len = left;
		if (left == 0)
			array_release(db, (void **)&set->pages, &set->cap,
			              sizeof *set->pages);
		else
			stash->vers[kept++] = *set;
	}
	if (kept < i) {
		memmove(&stash->vers[kept], &stash->vers[i],
		        (stash->vers_len - i) * sizeof *stash->vers);
		stash->vers_len -= i - kept;
	}
	if (stash->vers_len == 0 && stash->vers)
		array_release(db, (void **)&stash->vers, &stash->vers_cap,
		              sizeof *stash->vers);
	return freed_open;
}

/* ---- reading ---- */

static sb_snap *rustdb_begin_read(sb_db *db)
{
	sb_snap *snap = malloc(sizeof *snap);
	if (!snap)
		return NULL;
	struct stash *stash = &db->stash;
	pthread_mutex_lock(&stash->lock);
	snap->db = db;
	snap->time = stash->time;
	/* No registered time exceeds the current one: an append or the last
	 * entry. */
	size_t n = stash->readers_len;
	if (n > 0 && stash->readers[n - 1].time == snap->time) {
		stash->readers[n - 1].count++;
	} else if (array_reserve(db, (void **)&stash->readers,
	                         &stash->readers_cap, n, sizeof *stash->readers)) {
		stash->readers[n] = (struct reader_time){snap->time, 1};
		stash->readers_len++;
	} else {
		free(snap);
		snap = NULL;
	}
	pthread_mutex_unlock(&stash->lock);
	return snap;
}

static uint64_t rustdb_snapshot_commit(const sb_snap *snap)
{
	return snap->time;
}

static const void *rustdb_read_page(sb_snap *snap, uint64_t pageno)
{
	sb_db *db = snap->db;
	/* RustDb finds the page's info under the stash mutex. */
	pthread_mutex_lock(&db->stash.lock);
	struct page_info *info = &db->pages[pageno];
	pthread_mutex_unlock(&db->stash.lock);
	/* The version stays valid after the unlock: a trim frees it only when
	 * no live reader sees it, and this one does until end_read.  Nor does
	 * it change: the writer writes only the version its open transaction
	 * installed, which readers reach only from the commit on. */
	pthread_mutex_lock(&info->lock);
	size_t i = history_lower_bound(info, snap->time);
	const char *version = i < info->history_len ? info->history[i].version
	                                            : info->current;
	pthread_mutex_unlock(&info->lock);
	return version;
}

static void rustdb_end_read(sb_snap *snap)
{
	sb_db *db = snap->db;
	struct stash *stash = &db->stash;
	pthread_mutex_lock(&stash->lock);
	size_t at = readers_lower_bound(stash, snap->time);
	if (--stash->readers[at].count == 0) {
		memmove(&stash->readers[at], &stash->readers[at + 1],
		        (stash->readers_len - at - 1) * sizeof *stash->readers);
		stash->readers_len--;
		if (stash->readers_len == 0)
			array_release(db, (void **)&stash->readers,
			              &stash->readers_cap, sizeof *stash->readers);
		/* Versions of the open transaction, if any, lie at the current
		 * time, which this trim's range never reaches. */
		trim(db, snap->time, stash->time);
	}
	pthread_mutex_unlock(&stash->lock);
	free(snap);
}

/* ---- writing ---- */

static sb_txn *rustdb_begin_write(sb_db *db)
{
	pthread_mutex_lock(&db->writer_lock);
	db->txn_saved = 0;
	return (sb_txn *)db;
}

/* Notes `pageno` in vers at the current time; 1 when it was new there, 0
 * when this transaction already wrote it, -1 when out of memory.  Under
 * the stash mutex. */
static int note_written(sb_db *db, uint64_t pageno)
{
	struct stash *stash = &db->stash;
	size_t n = stash->vers_len;
	if (n == 0 || stash->vers[n - 1].time != stash->time) {
		if (!array_reserve(db, (void **)&stash->vers, &stash->vers_cap, n,
		                   sizeof *stash->vers))
			return -1;
		stash->vers[n] = (struct version_set){.time = stash->time};
		stash->vers_len = ++n;
	}
	struct version_set *set = &stash->vers[n - 1];
	for (size_t i = 0; i < set->len; i++)
		if (set->pages[i] == pageno)
			return 0;
	if (!array_reserve(db, (void **)&set->pages, &set->cap, set->len,
	                   sizeof *set->pages))
		return -1;
	set->pages[set->len++] = pageno;
	return 1;
}

static void *rustdb_write_page(sb_txn *txn, uint64_t pageno)
{
	sb_db *db = (sb_db *)txn;
	struct page_info *info = &db->pages[pageno];
	sb_mutex_lock_timed(&db->stash.lock, &db->writer_blocked_ns);
	uint64_t time = db->stash.time;
	int first = note_written(db, pageno);
	pthread_mutex_unlock(&db->stash.lock);
	if (first <= 0)
		/* Written before in this transaction: the current version is
		 * already this transaction's (only this thread changes it). */
		return first == 0 ? info->current : NULL;
	char *version = aligned_alloc(64, db->config.page_size);
	if (!version)
		return NULL;
	/* The current version is immutable (it belongs to a committed
	 * transaction), so it is copied without its mutex. */
	memcpy(version, info->current, db->config.page_size);
	sb_mutex_lock_timed(&info->lock, &db->writer_blocked_ns);
	if (!array_reserve(db, (void **)&info->history, &info->history_cap,
	                   info->history_len, sizeof *info->history)) {
		pthread_mutex_unlock(&info->lock);
		free(version);
		return NULL;
	}
	/* Keys only grow: the entry goes at the end. */
	info->history[info->history_len++] =
		(struct history_entry){time, info->current};
	info->current = version;
	pthread_mutex_unlock(&info->lock);
	sb_retained_add(&db->retained, db->config.page_size);
	db->txn_saved++;
	return version;
}

static int rustdb_commit(sb_txn *txn)
{
	sb_db *db = (sb_db *)txn;
	struct stash *stash = &db->stash;
	sb_mutex_lock_timed(&stash->lock, &db->writer_blocked_ns);
	uint64_t time = stash->time++;
	uint64_t freed = trim(db, stash->time, time);
	/* What the trim kept of this transaction's saved versions is seen by
	 * a live reader: visible from now on. */
	sb_retained_visible_add(&db->retained,
	                        (db->txn_saved - freed) * db->config.page_size);
	pthread_mutex_unlock(&stash->lock);
	pthread_mutex_unlock(&db->writer_lock);
	return SB_OK;
}

static void rustdb_stats(sb_db *db, struct sb_stats *stats)
{
	sb_stats_fill(stats, &db->retained, &db->writer_blocked_ns);
}

const struct sb_variant sb_variant_rustdb = {
	.name = "rustdb",
	.summary = "RustDb's own scheme: per-page history keyed by the commit "
	           "that ended each version, a mutex per page and a stash mutex",
	.strict = true,
	.concurrent_safe = true,
	.open = rustdb_open,
	.close = rustdb_close,
	.begin_read = rustdb_begin_read,
	.snapshot_commit = rustdb_snapshot_commit,
	.read_page = rustdb_read_page,
	.end_read = rustdb_end_read,
	.begin_write = rustdb_begin_write,
	.write_page = rustdb_write_page,
	.commit = rustdb_commit,
	.stats = rustdb_stats,
};
