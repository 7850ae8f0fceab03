/*
 * The base scheme: the writer writes a private copy of the database and
 * commit rotates it in as current (keeping the previous state too); a reader
 * copies the current state at begin_read under a mutex.  Correct but slow;
 * each fault below breaks exactly one promise of variant.h.
 *
 * Memory, by the one definition (variants/common.h): retained is the two
 * copies beyond the current one (previous, next) and each snapshot's copy
 * and scratch page; visible is the snapshots' copies.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "broken.h"
#include "common.h"

enum fault { NONE, TORN, FRACTURED, INCONSISTENT, STALE, LOST_WRITE };

#define MAX_TXN_PAGES 64

struct sb_db {
	pthread_mutex_t writer;  /* held from begin_write to commit */
	pthread_mutex_t state;   /* guards current, previous, commits */
	struct sb_config config;
	enum fault fault;
	size_t bytes;
	char *current, *previous, *next;
	uint64_t commits;
	uint64_t last_pages[MAX_TXN_PAGES]; /* pages of the last commit */
	unsigned last_count;
	uint64_t txn_pages[MAX_TXN_PAGES];
	unsigned txn_count;
	struct sb_retained retained;
};

struct sb_snap {
	sb_db *db;
	char *copy;
	char *scratch;           /* one page, for the torn fault */
	uint64_t commit;
};

static int open_with(const struct sb_config *config, sb_db **out,
                     enum fault fault)
{
	sb_db *db = calloc(1, sizeof *db);
	if (!db)
		return SB_ERESOURCE;
	db->config = *config;
	db->fault = fault;
	db->bytes = config->pages * config->page_size;
	db->current = malloc(db->bytes);
	db->previous = malloc(db->bytes);
	db->next = malloc(db->bytes);
	if (!db->current || !db->previous || !db->next) {
		free(db->current);
		free(db->previous);
		free(db->next);
		free(db);
		return SB_ERESOURCE;
	}
	for (uint64_t n = 0; n < config->pages; n++)
		config->init_page(config->init_ctx, n,
		                  db->current + n * config->page_size);
	memcpy(db->previous, db->current, db->bytes);
	sb_retained_add(&db->retained, 2 * db->bytes);
	pthread_mutex_init(&db->writer, NULL);
	pthread_mutex_init(&db->state, NULL);
	*out = db;
	return SB_OK;
}

static void broken_close(sb_db *db)
{
	pthread_mutex_destroy(&db->writer);
	pthread_mutex_destroy(&db->state);
	free(db->current);
	free(db->previous);
	free(db->next);
	free(db);
}

static sb_snap *broken_begin_read(sb_db *db)
{
	sb_snap *snap = calloc(1, sizeof *snap);
	if (!snap)
		return NULL;
	snap->db = db;
	snap->copy = malloc(db->bytes);
	snap->scratch = malloc(db->config.page_size);
	if (!snap->copy || !snap->scratch) {
		free(snap->copy);
		free(snap->scratch);
		free(snap);
		return NULL;
	}
	size_t ps = db->config.page_size;
	sb_retained_add(&db->retained, db->bytes + ps);
	sb_retained_visible_add(&db->retained, db->bytes);
	pthread_mutex_lock(&db->state);
	snap->commit = db->commits;
	bool behind = db->commits > 0 &&
	              (db->fault == INCONSISTENT || db->fault == STALE);
	memcpy(snap->copy, behind ? db->previous : db->current, db->bytes);
	if (behind && db->fault == STALE)
		snap->commit = db->commits - 1;
	if (db->fault == FRACTURED && db->commits > 0) {
		/* The first page of the last commit stays at its old version. */
		uint64_t n = db->last_pages[0];
		memcpy(snap->copy + n * ps, db->previous + n * ps, ps);
	}
	pthread_mutex_unlock(&db->state);
	return snap;
}

static uint64_t broken_snapshot_commit(const sb_snap *snap)
{
	return snap->commit;
}

static const void *broken_read_page(sb_snap *snap, uint64_t pageno)
{
	size_t ps = snap->db->config.page_size;
	const char *page = snap->copy + pageno * ps;
	if (snap->db->fault != TORN)
		return page;
	/* First half as of the snapshot, second half as first written. */
	snap->db->config.init_page(snap->db->config.init_ctx, pageno,
	                           snap->scratch);
	memcpy(snap->scratch, page, ps / 2);
	return snap->scratch;
}

static void broken_end_read(sb_snap *snap)
{
	sb_retained_visible_sub(&snap->db->retained, snap->db->bytes);
	sb_retained_sub(&snap->db->retained,
	                snap->db->bytes + snap->db->config.page_size);
	free(snap->copy);
	free(snap->scratch);
	free(snap);
}

static sb_txn *broken_begin_write(sb_db *db)
{
	pthread_mutex_lock(&db->writer);
	/* Only this writer changes current, so reading it needs no lock. */
	memcpy(db->next, db->current, db->bytes);
	db->txn_count = 0;
	return (sb_txn *)db;
}

static void *broken_write_page(sb_txn *txn, uint64_t pageno)
{
	sb_db *db = (sb_db *)txn;
	bool seen = false;
	for (unsigned i = 0; i < db->txn_count; i++)
		seen |= db->txn_pages[i] == pageno;
	if (!seen && db->txn_count < MAX_TXN_PAGES)
		db->txn_pages[db->txn_count++] = pageno;
	return db->next + pageno * db->config.page_size;
}

static int broken_commit(sb_txn *txn)
{
	sb_db *db = (sb_db *)txn;
	size_t ps = db->config.page_size;
	if (db->fault == LOST_WRITE && db->txn_count > 0) {
		uint64_t n = db->txn_pages[db->txn_count - 1];
		memcpy(db->next + n * ps, db->current + n * ps, ps);
	}
	pthread_mutex_lock(&db->state);
	char *old_previous = db->previous;
	db->previous = db->current;
	db->current = db->next;
	db->next = old_previous;
	db->commits++;
	memcpy(db->last_pages, db->txn_pages, sizeof db->txn_pages);
	db->last_count = db->txn_count;
	pthread_mutex_unlock(&db->state);
	pthread_mutex_unlock(&db->writer);
	return SB_OK;
}

static void broken_stats(sb_db *db, struct sb_stats *stats)
{
	sb_stats_fill(stats, &db->retained, NULL);
}

#define BROKEN_OPEN(fault_name, fault)                                       \
	static int open_##fault_name(const struct sb_config *config,           \
	                             sb_db **db, char *err, size_t errlen)     \
	{                                                                      \
		(void)err;                                                     \
		(void)errlen;                                                  \
		return open_with(config, db, fault);                           \
	}

BROKEN_OPEN(correct, NONE)
BROKEN_OPEN(torn, TORN)
BROKEN_OPEN(fractured, FRACTURED)
BROKEN_OPEN(inconsistent, INCONSISTENT)
BROKEN_OPEN(stale, STALE)
BROKEN_OPEN(lost_write, LOST_WRITE)

#define BROKEN_VARIANT(fault_name, what)                                     \
	const struct sb_variant broken_##fault_name = {                        \
		.name = "broken_" #fault_name,                                 \
		.summary = what,                                               \
		.strict = true,                                                \
		.concurrent_safe = true,                                       \
		.open = open_##fault_name,                                     \
		.close = broken_close,                                         \
		.begin_read = broken_begin_read,                               \
		.snapshot_commit = broken_snapshot_commit,                     \
		.read_page = broken_read_page,                                 \
		.end_read = broken_end_read,                                   \
		.begin_write = broken_begin_write,                             \
		.write_page = broken_write_page,                               \
		.commit = broken_commit,                                       \
		.stats = broken_stats,                                         \
	};

BROKEN_VARIANT(correct, "the base scheme with no fault")
BROKEN_VARIANT(torn, "a page's second half is an older version")
BROKEN_VARIANT(fractured, "one page of the last commit is missing")
BROKEN_VARIANT(inconsistent, "reports commit c but shows commit c-1")
BROKEN_VARIANT(stale, "a strict variant one commit behind")
BROKEN_VARIANT(lost_write, "drops the last page written by each commit")

bool broken_has_fault(const struct sb_variant *v)
{
	const struct sb_variant *const faulty[] = {
		&broken_torn, &broken_fractured, &broken_inconsistent,
		&broken_stale, &broken_lost_write,
	};
	for (size_t i = 0; i < sizeof faulty / sizeof faulty[0]; i++)
		if (v == faulty[i])
			return true;
	return false;
}
