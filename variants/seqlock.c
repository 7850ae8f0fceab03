/*
 * seqlock — optimistic readers under a ConcurrencyKit ck_sequence.
 *
 * Scheme: one array of live pages and one sequence counter.  A write
 * transaction stages private copies of the pages it writes; commit installs
 * them into the live array between ck_sequence_write_begin and _end (the
 * counter is odd meanwhile).  A read (run_read) notes the counter, runs the
 * whole read, and keeps its result only if the counter did not move; else
 * it throws the result away and runs the whole read again.  After
 * SEQLOCK_MAX_ATTEMPTS attempts it gives up: SB_ESTARVED, counted in
 * starved_reads (the harness skips such a read).
 *
 * Origin: ConcurrencyKit's ck_sequence; the Linux kernel's seqlock_t
 * (Hemminger, 2002).  Hans Boehm, "Can Seqlocks Get Along with Programming
 * Language Memory Models?" (MSPC 2012) for the memory model: the data a
 * reader reads while a writer may be writing it must be atomic (else the
 * race is undefined behaviour, even though the result is discarded), and
 * relaxed atomics suffice given two fences: the writer orders its odd
 * counter store before its data stores (a release fence after the first
 * counter update), the reader orders its data loads before re-reading the
 * counter (an acquire fence before the second counter load).
 * ck_sequence_write_begin's ck_pr_fence_store and ck_sequence_read_retry's
 * ck_pr_fence_load are those two fences; the pages are read and installed
 * with __atomic_load_n / __atomic_store_n (__ATOMIC_RELAXED), word by word.
 *
 * Costs.  Writer stall: none from optimistic readers — the writer never
 * waits for them.  Reader overhead: every page is copied word by word into
 * the snapshot's buffer (relaxed loads), and a read that overlaps any
 * commit, on any page, is wasted and run again: a read longer than the gap
 * between commits almost never completes (starvation), which is this
 * scheme's cost.  Memory retained: one page buffer per running optimistic
 * read, and the writer's staged pages (kept from one transaction to the
 * next for reuse).  Staleness: 0
 * (strict): a completed read reflects every commit that completed before it
 * began, since the counter it saw is at least that commit's final value.
 *
 * Direct snapshots (begin_read / read_page / end_read, which the
 * conformance tests use; the harness reads through run_read) cannot retry
 * by themselves: pages already handed to the caller cannot be taken back
 * when a later page reveals an overlapping commit.  So a direct snapshot is
 * pessimistic: it holds `install_lock` shared for its life, and commit
 * takes it exclusive around the install; read_page then returns the live
 * page itself, which no commit can write meanwhile.  A commit thus waits
 * for direct snapshots (counted in writer_blocked_ns).  The harness's
 * readers and its final check use run_read only, so in a measured run the
 * writer never waits.  (The alternative, an optimistic copy of the whole
 * database at begin_read, would cost a full copy per snapshot and could
 * itself starve.)
 *
 * retained_bytes: the writer's staged-page buffers and their array (a pool:
 * as many buffers as the largest transaction wrote, kept until close), and
 * per running optimistic read its page buffer and the copy of its result
 * an attempt works on.  retained_visible_bytes: the running reads' page
 * buffers (exact: each holds the last page its snapshot read).
 */
#include <ck_sequence.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "timed_lock.h"

/* Attempts per read before it is given up as starved.  Small, so that a
 * read that overlaps commits as a rule (a long read under a steady writer)
 * ends after a few tries and the figures show it starve, instead of one
 * read taking the whole run. */
#define SEQLOCK_MAX_ATTEMPTS 4

extern const struct sb_variant sb_variant_seqlock; /* run_read passes it */

struct staged_page {
	uint64_t pageno;
	uint64_t *words;
};

struct sb_db {
	struct sb_config config;
	size_t page_words;
	uint64_t *live;               /* words: relaxed atomics while shared */
	ck_sequence_t sequence;       /* odd while commit installs pages */
	_Atomic uint64_t commits;     /* written inside the write section */
	pthread_rwlock_t install_lock; /* direct snapshots vs install */
	pthread_mutex_t write_lock;   /* held from begin_write to commit */

	/* The write transaction, under write_lock.  Buffers stay allocated
	 * from one transaction to the next. */
	struct staged_page *staged;
	size_t staged_count, staged_capacity;
	size_t staged_buffers;        /* buffers allocated in staged[] so far */

	struct sb_retained retained;
	_Atomic uint64_t read_retries;
	_Atomic uint64_t starved_reads;
	_Atomic uint64_t writer_blocked_ns;
};

struct sb_snap {
	sb_db *db;
	uint64_t commit;
	bool direct;                  /* holds install_lock shared */
	uint64_t *buffer;             /* optimistic: the last page read */
};

static int seqlock_open(const struct sb_config *config, sb_db **out,
                        char *err, size_t errlen)
{
	sb_db *db = sb_handle_alloc(sizeof *db, err, errlen);
	if (!db)
		return SB_ERESOURCE;
	db->config = *config;
	db->page_words = config->page_size / sizeof(uint64_t);
	db->live = sb_flat_alloc(config, err, errlen);
	if (!db->live) {
		free(db);
		return SB_ERESOURCE;
	}
	ck_sequence_init(&db->sequence);
	pthread_rwlock_init(&db->install_lock, NULL);
	pthread_mutex_init(&db->write_lock, NULL);
	*out = db;
	return SB_OK;
}

static void seqlock_close(sb_db *db)
{
	for (size_t i = 0; i < db->staged_buffers; i++)
		free(db->staged[i].words);
	free(db->staged);
	sb_flat_free(db->live, &db->config);
	pthread_rwlock_destroy(&db->install_lock);
	pthread_mutex_destroy(&db->write_lock);
	free(db);
}

/* ---- direct (pessimistic) snapshots ---- */

static sb_snap *seqlock_begin_read(sb_db *db)
{
	sb_snap *snap = malloc(sizeof *snap);
	if (!snap)
		return NULL;
	snap->db = db;
	snap->direct = true;
	snap->buffer = NULL;
	/* pthread_rwlock_rdlock acquires: the pages installed and the commit
	 * number stored by the last commit that held the lock are visible. */
	pthread_rwlock_rdlock(&db->install_lock);
	/* Relaxed: ordered by the lock; no commit can change it now. */
	snap->commit = atomic_load_explicit(&db->commits, memory_order_relaxed);
	return snap;
}

static uint64_t seqlock_snapshot_commit(const sb_snap *snap)
{
	return snap->commit;
}

static const void *seqlock_read_page(sb_snap *snap, uint64_t pageno)
{
	sb_db *db = snap->db;
	const uint64_t *page = db->live + pageno * db->page_words;
	if (snap->direct)
		return page; /* no commit installs while the lock is held */
	/* Optimistic: a commit may be installing this very page.  Relaxed
	 * loads (no tearing within a word, no undefined behaviour); whether
	 * the copy is whole is decided by ck_sequence_read_retry after the
	 * whole read, whose fence orders these loads before it. */
	for (size_t i = 0; i < db->page_words; i++)
		snap->buffer[i] = __atomic_load_n(&page[i], __ATOMIC_RELAXED);
	return snap->buffer;
}

static void seqlock_end_read(sb_snap *snap)
{
	/* Release (rwlock unlock): this snapshot's reads of live pages happen
	 * before the next install overwrites them. */
	pthread_rwlock_unlock(&snap->db->install_lock);
	free(snap);
}

/* ---- optimistic reads ---- */

static int seqlock_run_read(sb_db *db, sb_read_fn fn, void *arg, void *result,
                            size_t result_size)
{
	sb_snap snap = {.db = db, .direct = false};
	snap.buffer = aligned_alloc(64, db->config.page_size);
	/* An attempt's findings go here and reach `result` only if no commit
	 * overlapped the attempt: a discarded attempt leaves no trace.  Each
	 * attempt starts from the caller's `result` as it was given (fn may
	 * add to what is there, as the final check does). */
	void *attempt_result = malloc(result_size ? result_size : 1);
	if (!snap.buffer || !attempt_result) {
		free(snap.buffer);
		free(attempt_result);
		return SB_ERESOURCE;
	}
	sb_retained_add(&db->retained, db->config.page_size + result_size);
	sb_retained_visible_add(&db->retained, db->config.page_size);
	int status = SB_ESTARVED;
	for (unsigned attempt = 1; attempt <= SEQLOCK_MAX_ATTEMPTS; attempt++) {
		/* Spins while a commit is installing (odd), then loads with
		 * ck_pr_fence_load after it: the acquire side of the commit's
		 * ck_sequence_write_end. */
		memcpy(attempt_result, result, result_size);
		unsigned version = ck_sequence_read_begin(&db->sequence);
		/* Relaxed, like the pages: validated by the retry below. */
		snap.commit = atomic_load_explicit(&db->commits,
		                                   memory_order_relaxed);
		fn(&sb_variant_seqlock, &snap, arg, attempt_result);
		/* ck_pr_fence_load, then the counter again: Boehm's acquire
		 * fence.  Unchanged means no install overlapped any load of the
		 * attempt, so every page it read is as of snap.commit. */
		if (!ck_sequence_read_retry(&db->sequence, version)) {
			memcpy(result, attempt_result, result_size);
			status = SB_OK;
			break;
		}
		if (attempt < SEQLOCK_MAX_ATTEMPTS)
			/* Relaxed: a statistic. */
			atomic_fetch_add_explicit(&db->read_retries, 1,
			                          memory_order_relaxed);
	}
	if (status == SB_ESTARVED)
		/* Relaxed: a statistic. */
		atomic_fetch_add_explicit(&db->starved_reads, 1,
		                          memory_order_relaxed);
	sb_retained_visible_sub(&db->retained, db->config.page_size);
	sb_retained_sub(&db->retained, db->config.page_size + result_size);
	free(snap.buffer);
	free(attempt_result);
	return status;
}

/* ---- the writer ---- */

static sb_txn *seqlock_begin_write(sb_db *db)
{
	pthread_mutex_lock(&db->write_lock);
	/* Nothing is staged unless a transaction failed before its commit. */
	db->staged_count = 0;
	return (sb_txn *)db;
}

static void *seqlock_write_page(sb_txn *txn, uint64_t pageno)
{
	sb_db *db = (sb_db *)txn;
	for (size_t i = 0; i < db->staged_count; i++)
		if (db->staged[i].pageno == pageno)
			return db->staged[i].words;
	if (db->staged_count == db->staged_capacity) {
		size_t capacity = db->staged_capacity ? 2 * db->staged_capacity : 8;
		struct staged_page *staged =
			realloc(db->staged, capacity * sizeof *staged);
		if (!staged)
			return NULL;
		sb_retained_add(&db->retained, (capacity - db->staged_capacity) *
		                               sizeof *staged);
		db->staged = staged;
		db->staged_capacity = capacity;
	}
	/* Buffers are kept from one transaction to the next. */
	struct staged_page *page = &db->staged[db->staged_count];
	if (db->staged_count == db->staged_buffers) {
		page->words = aligned_alloc(64, db->config.page_size);
		if (!page->words)
			return NULL;
		db->staged_buffers++;
		sb_retained_add(&db->retained, db->config.page_size);
	}
	page->pageno = pageno;
	/* A plain copy: only commit writes live pages, under write_lock,
	 * which this thread holds. */
	memcpy(page->words, db->live + pageno * db->page_words,
	       db->config.page_size);
	db->staged_count++;
	return page->words;
}

static int seqlock_commit(sb_txn *txn)
{
	sb_db *db = (sb_db *)txn;
	/* Waits only for direct snapshots (see the opening comment). */
	if (pthread_rwlock_trywrlock(&db->install_lock) != 0) {
		uint64_t start = sb_now_ns();
		pthread_rwlock_wrlock(&db->install_lock);
		sb_blocked_since(&db->writer_blocked_ns, start);
	}
	/* The counter goes odd, then ck_pr_fence_store: Boehm's release fence
	 * that orders it before the data stores below, so a reader whose
	 * relaxed load sees any installed word also sees the counter moved. */
	ck_sequence_write_begin(&db->sequence);
	for (size_t p = 0; p < db->staged_count; p++) {
		uint64_t *live = db->live + db->staged[p].pageno * db->page_words;
		const uint64_t *words = db->staged[p].words;
		for (size_t i = 0; i < db->page_words; i++)
			/* Relaxed: ordered by the surrounding fences. */
			__atomic_store_n(&live[i], words[i], __ATOMIC_RELAXED);
	}
	/* Relaxed: inside the write section, like the pages. */
	atomic_store_explicit(&db->commits,
	                      atomic_load_explicit(&db->commits,
	                                           memory_order_relaxed) + 1,
	                      memory_order_relaxed);
	/* ck_pr_fence_store, then the counter goes even: a release; a reader
	 * that begins with the new even value sees every installed word. */
	ck_sequence_write_end(&db->sequence);
	pthread_rwlock_unlock(&db->install_lock);
	db->staged_count = 0;
	pthread_mutex_unlock(&db->write_lock);
	return SB_OK;
}

static void seqlock_stats(sb_db *db, struct sb_stats *stats)
{
	sb_stats_fill(stats, &db->retained, &db->writer_blocked_ns);
	/* Relaxed: samples of statistics. */
	stats->read_retries = atomic_load_explicit(&db->read_retries,
	                                           memory_order_relaxed);
	stats->starved_reads = atomic_load_explicit(&db->starved_reads,
	                                            memory_order_relaxed);
}

const struct sb_variant sb_variant_seqlock = {
	.name = "seqlock",
	.summary = "optimistic readers under ck_sequence retry the whole read "
	           "after any overlapping commit; long reads may starve",
	.strict = true,
	.concurrent_safe = true,
	.open = seqlock_open,
	.close = seqlock_close,
	.begin_read = seqlock_begin_read,
	.snapshot_commit = seqlock_snapshot_commit,
	.read_page = seqlock_read_page,
	.end_read = seqlock_end_read,
	.begin_write = seqlock_begin_write,
	.write_page = seqlock_write_page,
	.commit = seqlock_commit,
	.run_read = seqlock_run_read,
	.stats = seqlock_stats,
};
