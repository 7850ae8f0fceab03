/*
 * leftright — two full copies of the database: readers read the copy that a
 * shared word names, the writer changes the other one, and a commit swaps
 * them.
 *
 * Origin: evmap / left-right (jonhoo): per-reader cache-padded epoch
 * counters, odd while inside a read; publish = swap the pointer, wait for
 * every reader that was odd at the swap, replay the oplog onto the copy the
 * readers left; `try_publish` checks once instead of waiting.  Ramalhete &
 * Correia's Left-Right is the same two-instance idea with read indicators.
 * "Concurrency in RustDb" (2022) objects to it: one long reader stalls the
 * writer for as long as it reads.
 *
 * Readers.  Each reading thread owns a record (thread_enter) whose epoch
 * counter, alone on its cache line, is made odd by begin_read and even by
 * end_read.  begin_read then loads `published` = (commit << 1 | copy): the
 * snapshot is that copy, and its commit number is exact because a copy is
 * only ever published whole, after every page of that commit is in it.
 * read_page is an address computation into a plain array.  A reader never
 * waits and takes no lock.
 *
 * --lr-publish=block (strict).  The writer writes straight into the write
 * copy (no reader is on it) and logs the page numbers.  commit swaps
 * `published`, snapshots every epoch, waits until every reader that was odd
 * at the swap has moved on, then replays the log by copying the logged pages
 * from the new copy into the old one, which becomes the next write copy.
 * The wait spins for 20 us (short reads end without a system call), then
 * sleeps a quarter of the time waited so far, at least 50 us and at most
 * 1 ms: it overshoots the reader's end by at most a quarter of the wait or
 * 1 ms, and wakes at most ~1000 times per second of a long read.  Not
 * sched_yield: on a two-core machine where the reader is the only other
 * runnable thread, yield returns at once and the writer would burn a core
 * for the whole read, slowing that very reader.  Not a futex woken by
 * end_read: that would put a conditional system call on the reader's path.
 *
 * --lr-publish=try (eventual).  The writer never waits for readers.  Each
 * write goes into an oplog entry holding the page image, and commit pushes
 * the transaction's entries to the publisher.  Publishing (bringing the
 * non-published copy up to the newest commit, then swapping) needs that
 * copy drained of the readers that were on it at the last swap, so it is
 * done by whoever holds a publisher token, taken only by a non-blocking
 * test: the writer tries at each commit, and a reader whose end_read finds
 * unpublished commits tries too.  A request that finds the token held sets
 * a RECHECK bit instead, and the holder looks again before it lets go, so no
 * request is lost and nobody waits.  Why readers: when the last reader on
 * the old copy leaves while the writer is idle, only that reader is there to
 * publish; so a reader that begins after the old copy drained (and after
 * any publish then in progress) sees every commit, without another commit.
 * The helping reader pays for it: it copies the pending pages in end_read.
 * The holder also brings the other copy up to date once it drains, and frees
 * the entries both copies hold, so an idle database keeps no oplog; it
 * spares the entries the writer may be reading in an open transaction (the
 * writer announces that horizon at begin_write, see writer_horizon).
 *
 * Costs.  Writer stall: block mode waits, in commit, for the longest read
 * that was running on the old copy at the swap, so a long reader stalls the
 * writer for its whole length (counted in writer_blocked_ns); try mode never
 * waits for readers (writer_blocked_ns stays 0) but copies each page three
 * times (image, then each copy).  Reader overhead: one sequentially
 * consistent store and one load at begin_read and end_read, none per page;
 * in try mode the reader that drains the old copy also copies the pending
 * pages into both copies and frees their entries (milliseconds after a long
 * read), in end_read.  Memory retained: always the second copy (pages x page_size), plus
 * the oplog: 8 bytes per written page during a block-mode commit, and in try
 * mode a page image (plus a 64-byte header) per page written since both
 * copies last agreed, which grows by write rate x read length while a long
 * reader holds the old copy.  Staleness: 0 in block mode; in try mode a
 * reader that begins while the old copy still has readers sees the copy
 * published before them, up to one read's length behind.  A lone reader
 * sees almost none: it is the last on the old copy, and publishes as it
 * leaves, before its next begin_read.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common.h"

#define CACHE_LINE 64
/* The drained-wait of a block-mode commit: spin this long, then sleep a
 * quarter of the time waited so far, within these bounds (see the opening
 * comment). */
#define DRAIN_SPIN_NS 20000u
#define DRAIN_SLEEP_MIN_NS 50000u
#define DRAIN_SLEEP_MAX_NS 1000000u
/* Bytes before the page image in an oplog entry (keeps images aligned). */
#define ENTRY_HEADER_BYTES 64u

/* The publisher token (try mode). */
#define PUBLISHER_HELD 1u
#define PUBLISHER_RECHECK 2u

/* One reading thread's registration.  Records are never freed before close;
 * thread_exit returns one for reuse. */
struct reader_record {
	/* Written by the owner at every begin_read and end_read, scanned by
	 * the publisher: alone on its cache line. */
	_Alignas(CACHE_LINE) _Atomic uint64_t epoch; /* odd inside a read */
	unsigned depth;          /* owner only: snapshots open on this thread */
	/* Rarely written. */
	_Alignas(CACHE_LINE) struct reader_record *next; /* the registry list;
	                                           immutable once published */
	sb_db *db;               /* immutable */
	_Atomic bool in_use;
	uint64_t swap_epoch;     /* publisher only: epoch seen at the last swap */
	struct reader_record *thread_next; /* owner only: this thread's records */
};

/* One page write (try mode): its commit, the page, then the page image. */
struct oplog_entry {
	struct oplog_entry *next;
	uint64_t commit;
	uint64_t pageno;
};

struct sb_snap {
	const char *base;
	size_t page_size;
	uint64_t commit;
	struct reader_record *record;
	sb_db *db;
};

struct sb_txn {
	sb_db *db;
	uint64_t commit;
	struct oplog_entry *entries; /* try mode: this transaction's writes */
	uint64_t horizon;            /* try mode: see writer_horizon */
};

/* The writer's index of its newest entry of a page (try mode). */
struct latest_entry {
	struct oplog_entry *entry; /* valid while commit > the txn's horizon */
	uint64_t commit;           /* 0: the page has none */
};

struct sb_db {
	struct sb_config config;
	bool try_publish;
	char *copy[2];
	/* (commit << 1) | index of the copy readers use. */
	_Alignas(CACHE_LINE) _Atomic uint64_t published;
	_Atomic(struct reader_record *) records;
	struct sb_retained retained;
	_Atomic uint64_t writer_blocked_ns;

	/* ---- the writer, under writer_lock ---- */
	pthread_mutex_t writer_lock;
	struct sb_txn txn;
	uint64_t commits;        /* the last commit number handed out */
	/* block mode: the pages written by the open transaction */
	uint64_t *log;
	size_t log_len, log_cap;
	uint64_t *logged;        /* bitmap: page is in `log` */
	/* try mode: per page, its newest oplog entry */
	struct latest_entry *latest;

	/* ---- try mode: between the writer and the publisher ---- */
	_Atomic uint64_t committed;                /* last commit pushed */
	_Atomic(struct oplog_entry *) incoming;    /* pushed, newest first */
	_Atomic unsigned publisher;                /* PUBLISHER_* bits */
	/* Entries of commits up to retired_upto are in both copies.  During a
	 * transaction the writer reads the entries of commits above
	 * writer_horizon (the retired_upto it saw at begin_write), so a
	 * publisher frees only up to the horizon: 0 while begin_write reads
	 * retired_upto, UINT64_MAX outside a transaction. */
	_Atomic uint64_t retired_upto;
	_Atomic uint64_t writer_horizon;

	/* ---- the publisher: the token holder (try) or the writer (block) ---- */
	struct oplog_entry *oplog_head, *oplog_tail; /* commit order */
	struct oplog_entry *unfreed_head, *unfreed_tail; /* in both copies */
	uint64_t applied[2];     /* the commit each copy holds */
};

/* Each thread's records, one per database it entered. */
static _Thread_local struct reader_record *thread_records;

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static inline char *page_in(const sb_db *db, unsigned copy, uint64_t pageno)
{
	return db->copy[copy] + pageno * db->config.page_size;
}

static inline char *entry_image(struct oplog_entry *entry)
{
	return (char *)entry + ENTRY_HEADER_BYTES;
}

static inline uint64_t entry_bytes(const sb_db *db)
{
	return ENTRY_HEADER_BYTES + db->config.page_size;
}

/* ---- open and close ---- */

static void free_entries(sb_db *db, struct oplog_entry *entry)
{
	while (entry) {
		struct oplog_entry *next = entry->next;
		free(entry);
		sb_retained_sub(&db->retained, entry_bytes(db));
		entry = next;
	}
}

static void leftright_close(sb_db *db)
{
	/* No thread is inside any operation: the caller's joins ordered every
	 * other thread's writes before this (acquire only for form). */
	struct reader_record *record =
		atomic_load_explicit(&db->records, memory_order_acquire);
	while (record) {
		struct reader_record *next = record->next;
		free(record);
		record = next;
	}
	free_entries(db, db->txn.entries);
	free_entries(db, db->oplog_head);
	free_entries(db, atomic_load_explicit(&db->incoming, memory_order_acquire));
	free_entries(db, db->unfreed_head);
	free(db->latest);
	free(db->log);
	free(db->logged);
	sb_flat_free(db->copy[0], &db->config);
	sb_flat_free(db->copy[1], &db->config);
	pthread_mutex_destroy(&db->writer_lock);
	free(db);
}

static int leftright_open(const struct sb_config *config, sb_db **out,
                          char *err, size_t errlen)
{
	/* aligned_alloc: `published` sits on a cache line of its own. */
	sb_db *db = aligned_alloc(CACHE_LINE, sizeof *db);
	if (!db) {
		snprintf(err, errlen, "cannot allocate the database handle");
		return SB_ERESOURCE;
	}
	memset(db, 0, sizeof *db);
	db->config = *config;
	db->try_publish = config->publish == SB_PUBLISH_TRY;
	db->txn.db = db;
	pthread_mutex_init(&db->writer_lock, NULL);
	size_t bytes = (size_t)config->pages * config->page_size;
	db->copy[0] = sb_flat_alloc(config, err, errlen);
	if (!db->copy[0]) {
		leftright_close(db);
		return SB_ERESOURCE;
	}
	/* The second copy: mmap, as sb_flat_alloc does, then the same bytes. */
	void *second = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (second == MAP_FAILED) {
		snprintf(err, errlen, "cannot allocate %zu bytes for the second copy",
		         bytes);
		leftright_close(db);
		return SB_ERESOURCE;
	}
	db->copy[1] = second;
	memcpy(db->copy[1], db->copy[0], bytes);
	sb_retained_add(&db->retained, bytes);
	if (db->try_publish)
		db->latest = calloc(config->pages, sizeof *db->latest);
	else
		db->logged = calloc((config->pages + 63) / 64, sizeof *db->logged);
	if (!db->latest && !db->logged) {
		snprintf(err, errlen, "cannot allocate the oplog's index of %llu pages",
		         (unsigned long long)config->pages);
		leftright_close(db);
		return SB_ERESOURCE;
	}
	/* Relaxed: no other thread exists yet; thread creation publishes. */
	atomic_store_explicit(&db->published, 0, memory_order_relaxed);
	atomic_store_explicit(&db->writer_horizon, UINT64_MAX,
	                      memory_order_relaxed);
	*out = db;
	return SB_OK;
}

/* ---- thread registration ---- */

static int leftright_thread_enter(sb_db *db)
{
	/* Reuse a record some thread gave back. */
	struct reader_record *record =
		atomic_load_explicit(&db->records, memory_order_acquire);
	for (; record; record = record->next) {
		bool free_record = false;
		/* Acquire: the previous owner's last epoch store happens before
		 * our use of the counter; relaxed on failure, nothing is read. */
		if (!atomic_load_explicit(&record->in_use, memory_order_relaxed) &&
		    atomic_compare_exchange_strong_explicit(&record->in_use,
		                                            &free_record, true,
		                                            memory_order_acquire,
		                                            memory_order_relaxed))
			break;
	}
	if (!record) {
		record = aligned_alloc(CACHE_LINE, sizeof *record);
		if (!record)
			return SB_ERESOURCE;
		memset(record, 0, sizeof *record);
		record->db = db;
		atomic_init(&record->epoch, 0);
		atomic_init(&record->in_use, true);
		record->next = atomic_load_explicit(&db->records, memory_order_relaxed);
		/* Seq_cst on success: publishes the record's fields (release) and
		 * is ordered before this thread's first epoch store, so that a
		 * publisher whose registry scan misses the record also swapped
		 * before this thread's first begin_read loads `published` (see
		 * snapshot_epochs).  Relaxed on failure: only `next` is reloaded. */
		while (!atomic_compare_exchange_weak_explicit(&db->records,
		                                              &record->next, record,
		                                              memory_order_seq_cst,
		                                              memory_order_relaxed))
			;
	}
	record->depth = 0;
	record->thread_next = thread_records;
	thread_records = record;
	return SB_OK;
}

static struct reader_record *thread_record(sb_db *db)
{
	for (struct reader_record *r = thread_records; r; r = r->thread_next)
		if (r->db == db)
			return r;
	return NULL;
}

static void leftright_thread_exit(sb_db *db)
{
	for (struct reader_record **link = &thread_records; *link;
	     link = &(*link)->thread_next) {
		struct reader_record *record = *link;
		if (record->db != db)
			continue;
		*link = record->thread_next;
		/* Release: our epoch stores happen before the next owner's. */
		atomic_store_explicit(&record->in_use, false, memory_order_release);
		return;
	}
}

/* ---- who is still on the old copy ---- */

/* Right after a swap: remembers every reader's epoch, so that those odd now
 * (possibly on the copy just swapped out) can be told from later readers. */
static void snapshot_epochs(sb_db *db)
{
	/* Seq_cst, like the epoch loads below, after the seq_cst store of
	 * `published`: a reader whose seq_cst epoch store comes after these
	 * loads in the single total order then loads the new `published`; one
	 * that came before is seen odd here.  The same holds for a record
	 * pushed after this load (see thread_enter). */
	struct reader_record *record =
		atomic_load_explicit(&db->records, memory_order_seq_cst);
	for (; record; record = record->next)
		record->swap_epoch = atomic_load_explicit(&record->epoch,
		                                          memory_order_seq_cst);
}

/* Whether every reader that was odd at the last swap has moved on: then no
 * reader is left on the copy that is not published. */
static bool old_copy_drained(sb_db *db)
{
	/* Acquire: the records' fields as pushed.  Records pushed after the
	 * last swap hold swap_epoch 0 (even) and cannot be on the old copy. */
	struct reader_record *record =
		atomic_load_explicit(&db->records, memory_order_acquire);
	for (; record; record = record->next) {
		if (!(record->swap_epoch & 1))
			continue;
		/* Seq_cst (an acquire is what the copy needs: a changed epoch
		 * means that reader's page reads happen before our writes into
		 * the old copy; seq_cst also orders this load after the writer's
		 * store of `committed` for the try-mode hand-off in end_read). */
		if (atomic_load_explicit(&record->epoch, memory_order_seq_cst) ==
		    record->swap_epoch)
			return false;
	}
	return true;
}

/* Stores (commit, copy) as what readers use from now on. */
static void publish_copy(sb_db *db, uint64_t commit, unsigned copy)
{
	/* Seq_cst: release, so that every page of the copy is visible to a
	 * reader that loads this value; and ordered before snapshot_epochs'
	 * loads (the Dekker pattern with begin_read's store-then-load). */
	atomic_store_explicit(&db->published, commit << 1 | copy,
	                      memory_order_seq_cst);
	snapshot_epochs(db);
}

/* ---- reading ---- */

static sb_snap *leftright_begin_read(sb_db *db)
{
	struct reader_record *record = thread_record(db);
	if (!record)
		return NULL; /* the thread did not thread_enter */
	sb_snap *snap = malloc(sizeof *snap);
	if (!snap)
		return NULL;
	if (record->depth++ == 0) {
		/* Relaxed: only this thread stores the counter. */
		uint64_t epoch = atomic_load_explicit(&record->epoch,
		                                      memory_order_relaxed);
		/* Seq_cst: this store must come before the load of `published`
		 * below (a store-load order only seq_cst gives): a publisher that
		 * swaps after our load sees us odd and treats us as on the old
		 * copy. */
		atomic_store_explicit(&record->epoch, epoch + 1,
		                      memory_order_seq_cst);
	}
	/* Seq_cst: acquire, for every page of the copy as published, and the
	 * other half of the store-load pattern above. */
	uint64_t published = atomic_load_explicit(&db->published,
	                                          memory_order_seq_cst);
	snap->base = db->copy[published & 1];
	snap->page_size = db->config.page_size;
	snap->commit = published >> 1;
	snap->record = record;
	snap->db = db;
	return snap;
}

static uint64_t leftright_snapshot_commit(const sb_snap *snap)
{
	return snap->commit;
}

static const void *leftright_read_page(sb_snap *snap, uint64_t pageno)
{
	return snap->base + pageno * snap->page_size;
}

static void publish_help(sb_db *db);

static void leftright_end_read(sb_snap *snap)
{
	sb_db *db = snap->db;
	struct reader_record *record = snap->record;
	free(snap);
	if (--record->depth > 0)
		return;
	/* Relaxed: only this thread stores the counter. */
	uint64_t epoch = atomic_load_explicit(&record->epoch, memory_order_relaxed);
	/* Seq_cst: release, so that our page reads happen before a publisher
	 * that sees the new value overwrites the copy; and, in try mode,
	 * ordered before the load of `committed` below: either the publisher
	 * checking for a drain sees us gone, or we see its pending commit and
	 * ask for a publish. */
	atomic_store_explicit(&record->epoch, epoch + 1, memory_order_seq_cst);
	if (!db->try_publish)
		return;
	/* Seq_cst: see above.  `published` may be relaxed: if it is older
	 * than it should be we only ask for a publish that finds nothing. */
	uint64_t committed = atomic_load_explicit(&db->committed,
	                                          memory_order_seq_cst);
	uint64_t published = atomic_load_explicit(&db->published,
	                                          memory_order_relaxed);
	if (committed > published >> 1)
		publish_help(db);
}

/* ---- block mode: write into the write copy, wait at commit ---- */

static void *block_write_page(sb_db *db, uint64_t pageno)
{
	uint64_t bit = 1ull << (pageno % 64);
	if (!(db->logged[pageno / 64] & bit)) {
		if (db->log_len == db->log_cap) {
			size_t cap = db->log_cap ? 2 * db->log_cap : 64;
			uint64_t *log = realloc(db->log, cap * sizeof *log);
			if (!log)
				return NULL;
			db->log = log;
			db->log_cap = cap;
		}
		db->log[db->log_len++] = pageno;
		db->logged[pageno / 64] |= bit;
		sb_retained_add(&db->retained, sizeof *db->log);
	}
	/* Relaxed: only the writer stores `published`. */
	uint64_t published = atomic_load_explicit(&db->published,
	                                          memory_order_relaxed);
	return page_in(db, (published & 1) ^ 1, pageno);
}

/* Waits until no reader is left on the copy that is not published: spins
 * briefly, then sleeps (see the opening comment). */
static void wait_for_old_copy(sb_db *db)
{
	if (old_copy_drained(db))
		return;
	uint64_t start = sb_now_ns(), now = start;
	while (now - start < DRAIN_SPIN_NS) {
		cpu_relax();
		if (old_copy_drained(db))
			goto drained;
		now = sb_now_ns();
	}
	while (!old_copy_drained(db)) {
		uint64_t sleep_ns = (now - start) / 4;
		if (sleep_ns < DRAIN_SLEEP_MIN_NS)
			sleep_ns = DRAIN_SLEEP_MIN_NS;
		if (sleep_ns > DRAIN_SLEEP_MAX_NS)
			sleep_ns = DRAIN_SLEEP_MAX_NS;
		sb_sleep_ns(sleep_ns);
		now = sb_now_ns();
	}
drained:
	/* Relaxed: a statistic, read by the monitor at any time. */
	atomic_fetch_add_explicit(&db->writer_blocked_ns, sb_now_ns() - start,
	                          memory_order_relaxed);
}

static void block_commit(sb_db *db, uint64_t commit)
{
	/* Relaxed: only the writer stores `published`. */
	unsigned old = atomic_load_explicit(&db->published,
	                                    memory_order_relaxed) & 1;
	publish_copy(db, commit, old ^ 1);
	wait_for_old_copy(db);
	for (size_t i = 0; i < db->log_len; i++) {
		uint64_t pageno = db->log[i];
		memcpy(page_in(db, old, pageno), page_in(db, old ^ 1, pageno),
		       db->config.page_size);
		db->logged[pageno / 64] &= ~(1ull << (pageno % 64));
	}
	sb_retained_sub(&db->retained, db->log_len * sizeof *db->log);
	db->log_len = 0;
}

/* ---- try mode: the oplog and the publisher ---- */

/* Moves what the writer pushed to the end of the oplog, in commit order. */
static void take_incoming(sb_db *db)
{
	/* Acquire: pairs with the writer's release push; the entries' fields
	 * and images are visible. */
	struct oplog_entry *newest_first =
		atomic_exchange_explicit(&db->incoming, NULL, memory_order_acquire);
	struct oplog_entry *oldest_first = NULL;
	while (newest_first) {
		struct oplog_entry *next = newest_first->next;
		newest_first->next = oldest_first;
		oldest_first = newest_first;
		newest_first = next;
	}
	if (!oldest_first)
		return;
	if (db->oplog_tail)
		db->oplog_tail->next = oldest_first;
	else
		db->oplog_head = oldest_first;
	struct oplog_entry *tail = oldest_first;
	while (tail->next)
		tail = tail->next;
	db->oplog_tail = tail;
}

/* Copies into `copy` every logged page of the commits after the one it
 * holds, up to `upto`, in commit order. */
static void apply_oplog(sb_db *db, unsigned copy, uint64_t upto)
{
	for (struct oplog_entry *e = db->oplog_head; e && e->commit <= upto;
	     e = e->next)
		if (e->commit > db->applied[copy])
			memcpy(page_in(db, copy, e->pageno), entry_image(e),
			       db->config.page_size);
	db->applied[copy] = upto;
}

/* Frees the entries both copies hold, except those the writer may still
 * read (see writer_horizon); those wait in `unfreed` for a later holder. */
static void retire_oplog(sb_db *db)
{
	uint64_t both = db->applied[0] < db->applied[1] ? db->applied[0]
	                                                : db->applied[1];
	while (db->oplog_head && db->oplog_head->commit <= both) {
		struct oplog_entry *entry = db->oplog_head;
		db->oplog_head = entry->next;
		entry->next = NULL;
		if (db->unfreed_tail)
			db->unfreed_tail->next = entry;
		else
			db->unfreed_head = entry;
		db->unfreed_tail = entry;
	}
	if (!db->oplog_head)
		db->oplog_tail = NULL;
	if (!db->unfreed_head)
		return;
	/* Seq_cst store, then seq_cst load of the horizon: the writer's
	 * begin_write does the mirror image (horizon, then this), so either
	 * we see its horizon or it sees `both` (see writer_horizon).  The
	 * store is also a release: both copies hold these pages. */
	atomic_store_explicit(&db->retired_upto, both, memory_order_seq_cst);
	uint64_t horizon = atomic_load_explicit(&db->writer_horizon,
	                                        memory_order_seq_cst);
	uint64_t limit = horizon < both ? horizon : both;
	while (db->unfreed_head && db->unfreed_head->commit <= limit) {
		struct oplog_entry *entry = db->unfreed_head;
		db->unfreed_head = entry->next;
		free(entry);
		sb_retained_sub(&db->retained, entry_bytes(db));
	}
	if (!db->unfreed_head)
		db->unfreed_tail = NULL;
}

/* The publisher's work, token held: publish the newest commit if the copy
 * readers left has drained, then bring the other copy up to date if it has
 * drained too, then retire what both copies hold. */
static void publish_work(sb_db *db)
{
	/* Acquire: pairs with the writer's store; every entry of the commits
	 * up to `newest` was pushed before it, so take_incoming's exchange
	 * (which reads the newest value of `incoming`) finds them.  Entries of
	 * a later commit may come along; they wait in the oplog. */
	uint64_t newest = atomic_load_explicit(&db->committed,
	                                       memory_order_acquire);
	take_incoming(db);
	/* Relaxed: only token holders store `published`; the token orders
	 * them. */
	uint64_t published = atomic_load_explicit(&db->published,
	                                          memory_order_relaxed);
	unsigned shown = published & 1, other = shown ^ 1;
	if (newest > published >> 1 && old_copy_drained(db)) {
		apply_oplog(db, other, newest);
		publish_copy(db, newest, other);
		shown = other;
		other ^= 1;
	}
	if (db->applied[other] < db->applied[shown] && old_copy_drained(db))
		apply_oplog(db, other, db->applied[shown]);
	retire_oplog(db);
}

/* Asks for a publish without ever waiting: either takes the token and
 * works until no request is left, or leaves a request for the holder. */
static void publish_help(sb_db *db)
{
	/* Seq_cst (acq_rel is what the hand-off needs: our pushes and epoch
	 * stores happen before the holder's next look, and the previous
	 * holder's work happens before ours; seq_cst keeps it in the single
	 * order that the drain argument in end_read uses). */
	unsigned before = atomic_fetch_or_explicit(&db->publisher,
	                                           PUBLISHER_HELD | PUBLISHER_RECHECK,
	                                           memory_order_seq_cst);
	if (before & PUBLISHER_HELD)
		return; /* the holder sees RECHECK before it lets go */
	unsigned held;
	do {
		/* Seq_cst: as above; takes the requests made so far. */
		atomic_fetch_and_explicit(&db->publisher, ~PUBLISHER_RECHECK,
		                          memory_order_seq_cst);
		publish_work(db);
		held = PUBLISHER_HELD;
		/* Seq_cst: releases our work to the next holder; fails, and we
		 * look again, when a request came in meanwhile. */
	} while (!atomic_compare_exchange_strong_explicit(&db->publisher, &held,
	                                                  0, memory_order_seq_cst,
	                                                  memory_order_seq_cst));
}

static void *try_write_page(sb_db *db, uint64_t pageno)
{
	struct latest_entry *newest = &db->latest[pageno];
	if (newest->commit == db->txn.commit)
		return entry_image(newest->entry);
	struct oplog_entry *entry = aligned_alloc(CACHE_LINE, entry_bytes(db));
	if (!entry)
		return NULL;
	sb_retained_add(&db->retained, entry_bytes(db));
	entry->commit = db->txn.commit;
	entry->pageno = pageno;
	/* The page's newest version.  If its newest entry is above the
	 * horizon, that entry is not freed before this transaction ends (and
	 * is immutable).  Else both copies hold it (the publisher said so
	 * through retired_upto), and the published one is not written before
	 * this transaction commits: a publisher writes only the pages of
	 * commits a copy lacks.  Acquire: pairs with publish_copy. */
	const char *source = newest->commit > db->txn.horizon
		? entry_image(newest->entry)
		: page_in(db, atomic_load_explicit(&db->published,
		                                   memory_order_acquire) & 1,
		          pageno);
	memcpy(entry_image(entry), source, db->config.page_size);
	entry->next = db->txn.entries;
	db->txn.entries = entry;
	newest->entry = entry;
	newest->commit = entry->commit;
	return entry_image(entry);
}

static void try_commit(sb_db *db, uint64_t commit)
{
	struct oplog_entry *first = db->txn.entries, *last = first;
	db->txn.entries = NULL;
	if (first) {
		while (last->next)
			last = last->next;
		last->next = atomic_load_explicit(&db->incoming,
		                                  memory_order_relaxed);
		/* Release: the entries and their images are visible to the
		 * publisher that takes them.  Relaxed on failure. */
		while (!atomic_compare_exchange_weak_explicit(&db->incoming,
		                                              &last->next, first,
		                                              memory_order_release,
		                                              memory_order_relaxed))
			;
	}
	/* Seq_cst: ordered before the publisher's drain check (ours in
	 * publish_help, or another holder's after our request), the other
	 * half of the pattern in end_read. */
	atomic_store_explicit(&db->committed, commit, memory_order_seq_cst);
	/* Seq_cst (release is what it needs: our reads of entries happen
	 * before a publisher frees them; see writer_horizon). */
	atomic_store_explicit(&db->writer_horizon, UINT64_MAX,
	                      memory_order_seq_cst);
	publish_help(db);
}

/* ---- the write transaction ---- */

static sb_txn *leftright_begin_write(sb_db *db)
{
	pthread_mutex_lock(&db->writer_lock);
	db->txn.commit = db->commits + 1;
	if (db->try_publish) {
		/* Seq_cst, all three: first "keep every entry", then read how
		 * far entries are in both copies, then allow freeing up to there
		 * (see writer_horizon and retire_oplog). */
		atomic_store_explicit(&db->writer_horizon, 0, memory_order_seq_cst);
		db->txn.horizon = atomic_load_explicit(&db->retired_upto,
		                                       memory_order_seq_cst);
		atomic_store_explicit(&db->writer_horizon, db->txn.horizon,
		                      memory_order_seq_cst);
	}
	return &db->txn;
}

static void *leftright_write_page(sb_txn *txn, uint64_t pageno)
{
	sb_db *db = txn->db;
	return db->try_publish ? try_write_page(db, pageno)
	                       : block_write_page(db, pageno);
}

static int leftright_commit(sb_txn *txn)
{
	sb_db *db = txn->db;
	db->commits = txn->commit;
	if (db->try_publish)
		try_commit(db, txn->commit);
	else
		block_commit(db, txn->commit);
	pthread_mutex_unlock(&db->writer_lock);
	return SB_OK;
}

static void leftright_stats(sb_db *db, struct sb_stats *stats)
{
	*stats = (struct sb_stats){0};
	sb_retained_read(&db->retained, stats);
	/* Relaxed: a sample; see wait_for_old_copy. */
	stats->writer_blocked_ns =
		atomic_load_explicit(&db->writer_blocked_ns, memory_order_relaxed);
}

const struct sb_variant sb_variant_leftright = {
	.name = "leftright",
	.summary = "two copies swapped at commit; --lr-publish block waits for "
	           "readers of the old copy, try never waits (eventual)",
	.strict = true,
	.concurrent_safe = true,
	.publish_modes = true,
	.open = leftright_open,
	.close = leftright_close,
	.thread_enter = leftright_thread_enter,
	.thread_exit = leftright_thread_exit,
	.begin_read = leftright_begin_read,
	.snapshot_commit = leftright_snapshot_commit,
	.read_page = leftright_read_page,
	.end_read = leftright_end_read,
	.begin_write = leftright_begin_write,
	.write_page = leftright_write_page,
	.commit = leftright_commit,
	.stats = leftright_stats,
};
