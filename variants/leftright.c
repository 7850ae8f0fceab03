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
 * writer announces that horizon at begin_write, see leftright_oplog.h).
 *
 * Costs.  Writer stall: block mode waits, in commit, for the longest read
 * that was running on the old copy at the swap, so a long reader stalls the
 * writer for its whole length (counted in writer_blocked_ns); try mode never
 * waits for readers (writer_blocked_ns stays 0) but copies each page three
 * times (image, then each copy).  Reader overhead: one sequentially
 * consistent store and one load at begin_read and end_read, none per page;
 * in try mode the reader that drains the old copy also copies the pending
 * pages into both copies and frees their entries (milliseconds after a long
 * read), in end_read.  Memory retained: always the second copy (pages x
 * page_size); in try mode the oplog (leftright_oplog.h): a page image plus
 * a 64-byte header per page written since both copies last agreed, which
 * grows by write rate x read length while a long reader holds the old copy.
 * Staleness: 0 in block mode; in try mode a
 * reader that begins while the old copy still has readers sees the copy
 * published before them, up to one read's length behind.  A lone reader
 * sees almost none: it is the last on the old copy, and publishes as it
 * leaves, before its next begin_read.
 *
 * retained_bytes: the second copy; each reading thread's record; in block
 * mode the bitmap of logged pages (1 bit a page) and the log's array (its
 * capacity, kept for reuse); in try mode the oplog's per-page index (16
 * bytes a page) and its entries until they are freed.
 * retained_visible_bytes: a bound: the second copy while any snapshot is
 * open, else 0 (computed in stats from the readers' epochs, so its peak is
 * the peak of stats' samples).  Which copy
 * each reader is on is not published, so a reader on the newest copy
 * counts too; the oplog is never visible (readers read the copies).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "leftright_oplog.h"
#include "timed_lock.h"

#define CACHE_LINE 64
/* The drained-wait of a block-mode commit: spin this long, then sleep a
 * quarter of the time waited so far, within these bounds (see the opening
 * comment). */
#define DRAIN_SPIN_NS 20000u
#define DRAIN_SLEEP_MIN_NS 50000u
#define DRAIN_SLEEP_MAX_NS 1000000u

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

	/* ---- try mode ---- */
	struct lr_oplog oplog;
	_Atomic uint64_t committed;                /* last commit pushed */
	_Atomic unsigned publisher;                /* PUBLISHER_* bits */
	/* The publisher's (the token holder): the commit each copy holds. */
	uint64_t applied[2];
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

/* ---- open and close ---- */

/* Bytes of the block-mode bitmap of logged pages. */
static uint64_t logged_bytes(const sb_db *db)
{
	return (db->config.pages + 63) / 64 * sizeof *db->logged;
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
	lr_oplog_destroy(&db->oplog);
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
	uint64_t bytes = sb_database_bytes(config);
	/* Both copies as sb_flat_alloc makes them: the same initial bytes. */
	db->copy[0] = sb_flat_alloc(config, err, errlen);
	db->copy[1] = db->copy[0] ? sb_flat_alloc(config, err, errlen) : NULL;
	if (!db->copy[1]) {
		leftright_close(db);
		return SB_ERESOURCE;
	}
	sb_retained_add(&db->retained, bytes);
	int status = SB_OK;
	if (db->try_publish) {
		status = lr_oplog_init(&db->oplog, config->pages,
		                       config->page_size, &db->retained);
	} else {
		db->logged = calloc((config->pages + 63) / 64, sizeof *db->logged);
		if (db->logged)
			sb_retained_add(&db->retained, logged_bytes(db));
		else
			status = SB_ERESOURCE;
	}
	if (status != SB_OK) {
		snprintf(err, errlen, "cannot allocate the oplog's index of %llu pages",
		         (unsigned long long)config->pages);
		leftright_close(db);
		return SB_ERESOURCE;
	}
	/* Relaxed: no other thread exists yet; thread creation publishes. */
	atomic_store_explicit(&db->published, 0, memory_order_relaxed);
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
		sb_retained_add(&db->retained, sizeof *record);
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
			sb_retained_add(&db->retained,
			                (cap - db->log_cap) * sizeof *log);
			db->log = log;
			db->log_cap = cap;
		}
		db->log[db->log_len++] = pageno;
		db->logged[pageno / 64] |= bit;
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
	sb_blocked_since(&db->writer_blocked_ns, start);
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
	db->log_len = 0;
}

/* ---- try mode: the publisher ---- */

/* Copies into `copy` the pages of the commits after the one it holds, up
 * to `upto`. */
static void apply_oplog(sb_db *db, unsigned copy, uint64_t upto)
{
	lr_oplog_apply(&db->oplog, db->copy[copy], db->applied[copy], upto);
	db->applied[copy] = upto;
}

/* The publisher's work, token held: publish the newest commit if the copy
 * readers left has drained, then bring the other copy up to date if it has
 * drained too, then retire what both copies hold. */
static void publish_work(sb_db *db)
{
	/* Acquire: pairs with the writer's store; every entry of the commits
	 * up to `newest` was pushed before it, so lr_oplog_take's exchange
	 * (which reads the newest value of `incoming`) finds them.  Entries of
	 * a later commit may come along; they wait in the oplog. */
	uint64_t newest = atomic_load_explicit(&db->committed,
	                                       memory_order_acquire);
	lr_oplog_take(&db->oplog);
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
	lr_oplog_retire(&db->oplog, db->applied[0] < db->applied[1]
	                            ? db->applied[0] : db->applied[1]);
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

static void try_commit(sb_db *db, uint64_t commit)
{
	lr_oplog_txn_push(&db->oplog);
	/* Seq_cst: ordered before the publisher's drain check (ours in
	 * publish_help, or another holder's after our request), the other
	 * half of the pattern in end_read. */
	atomic_store_explicit(&db->committed, commit, memory_order_seq_cst);
	lr_oplog_txn_end(&db->oplog);
	publish_help(db);
}

/* ---- the write transaction ---- */

static sb_txn *leftright_begin_write(sb_db *db)
{
	pthread_mutex_lock(&db->writer_lock);
	db->txn.commit = db->commits + 1;
	if (db->try_publish)
		lr_oplog_txn_begin(&db->oplog, db->txn.commit);
	return &db->txn;
}

static void *leftright_write_page(sb_txn *txn, uint64_t pageno)
{
	sb_db *db = txn->db;
	if (!db->try_publish)
		return block_write_page(db, pageno);
	/* Acquire: pairs with publish_copy; the copy readers use, in case the
	 * copies hold the page's newest version. */
	uint64_t published = atomic_load_explicit(&db->published,
	                                          memory_order_acquire);
	return lr_oplog_write(&db->oplog, pageno,
	                      page_in(db, published & 1, pageno));
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

/* Whether any reading thread is inside a read now (a sample). */
static bool some_snapshot_open(sb_db *db)
{
	/* Acquire: the records' fields as pushed. */
	for (struct reader_record *record =
	             atomic_load_explicit(&db->records, memory_order_acquire);
	     record; record = record->next)
		/* Relaxed: a sample for a statistic; it orders nothing. */
		if (atomic_load_explicit(&record->epoch, memory_order_relaxed) & 1)
			return true;
	return false;
}

static void leftright_stats(sb_db *db, struct sb_stats *stats)
{
	/* The visible bound (see the opening comment), set at each sample. */
	sb_gauge_set(&db->retained.visible, some_snapshot_open(db)
	             ? sb_database_bytes(&db->config) : 0);
	sb_stats_fill(stats, &db->retained, &db->writer_blocked_ns);
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
