/* leftright_oplog.c — leftright's try-mode oplog (see leftright_oplog.h). */
#include <stdlib.h>
#include <string.h>

#include "leftright_oplog.h"

static inline char *entry_image(struct lr_entry *entry)
{
	return (char *)entry + LR_ENTRY_HEADER_BYTES;
}

static inline uint64_t entry_bytes(const struct lr_oplog *log)
{
	return LR_ENTRY_HEADER_BYTES + log->page_size;
}

static uint64_t index_bytes(const struct lr_oplog *log)
{
	return log->pages * sizeof *log->latest;
}

int lr_oplog_init(struct lr_oplog *log, uint64_t pages, size_t page_size,
                  struct sb_retained *retained)
{
	memset(log, 0, sizeof *log);
	log->pages = pages;
	log->page_size = page_size;
	log->retained = retained;
	log->latest = calloc(pages, sizeof *log->latest);
	if (!log->latest)
		return SB_ERESOURCE;
	sb_retained_add(retained, index_bytes(log));
	/* Relaxed: no other thread exists yet; thread creation publishes. */
	atomic_store_explicit(&log->incoming, NULL, memory_order_relaxed);
	atomic_store_explicit(&log->retired_upto, 0, memory_order_relaxed);
	atomic_store_explicit(&log->writer_horizon, UINT64_MAX,
	                      memory_order_relaxed);
	return SB_OK;
}

static void free_entries(struct lr_oplog *log, struct lr_entry *entry)
{
	while (entry) {
		struct lr_entry *next = entry->next;
		free(entry);
		sb_retained_sub(log->retained, entry_bytes(log));
		entry = next;
	}
}

void lr_oplog_destroy(struct lr_oplog *log)
{
	if (!log->latest)
		return;
	free_entries(log, log->txn_entries);
	free_entries(log, log->head);
	/* Acquire only for form: no thread is using the oplog. */
	free_entries(log, atomic_load_explicit(&log->incoming,
	                                       memory_order_acquire));
	free_entries(log, log->unfreed_head);
	sb_retained_sub(log->retained, index_bytes(log));
	free(log->latest);
	log->latest = NULL;
}

/* ---- the writer ---- */

void lr_oplog_txn_begin(struct lr_oplog *log, uint64_t commit)
{
	log->txn_commit = commit;
	/* Seq_cst, all three: first "keep every entry", then read how far
	 * entries are in both copies, then allow freeing up to there (the
	 * mirror image of lr_oplog_retire's store-then-load). */
	atomic_store_explicit(&log->writer_horizon, 0, memory_order_seq_cst);
	log->txn_horizon = atomic_load_explicit(&log->retired_upto,
	                                        memory_order_seq_cst);
	atomic_store_explicit(&log->writer_horizon, log->txn_horizon,
	                      memory_order_seq_cst);
}

void *lr_oplog_write(struct lr_oplog *log, uint64_t pageno,
                     const char *published_page)
{
	struct lr_latest *newest = &log->latest[pageno];
	if (newest->commit == log->txn_commit)
		return entry_image(newest->entry);
	struct lr_entry *entry = aligned_alloc(64, entry_bytes(log));
	if (!entry)
		return NULL;
	sb_retained_add(log->retained, entry_bytes(log));
	entry->commit = log->txn_commit;
	entry->pageno = pageno;
	/* The page's newest version.  If its newest entry is above the
	 * horizon, that entry is not freed before this transaction ends (and
	 * is immutable).  Else both copies hold it (the publisher said so
	 * through retired_upto), and the published one is not written before
	 * this transaction commits: a publisher writes only the pages of
	 * commits a copy lacks. */
	const char *source = newest->commit > log->txn_horizon
		? entry_image(newest->entry) : published_page;
	memcpy(entry_image(entry), source, log->page_size);
	entry->next = log->txn_entries;
	log->txn_entries = entry;
	newest->entry = entry;
	newest->commit = entry->commit;
	return entry_image(entry);
}

void lr_oplog_txn_push(struct lr_oplog *log)
{
	struct lr_entry *first = log->txn_entries, *last = first;
	log->txn_entries = NULL;
	if (!first)
		return;
	while (last->next)
		last = last->next;
	last->next = atomic_load_explicit(&log->incoming, memory_order_relaxed);
	/* Release: the entries and their images are visible to the publisher
	 * that takes them.  Relaxed on failure: it only reloads the head. */
	while (!atomic_compare_exchange_weak_explicit(&log->incoming, &last->next,
	                                              first, memory_order_release,
	                                              memory_order_relaxed))
		;
}

void lr_oplog_txn_end(struct lr_oplog *log)
{
	/* Seq_cst (release is what it needs: our reads of entries happen
	 * before a publisher frees them). */
	atomic_store_explicit(&log->writer_horizon, UINT64_MAX,
	                      memory_order_seq_cst);
}

/* ---- the publisher ---- */

void lr_oplog_take(struct lr_oplog *log)
{
	/* Acquire: pairs with the writer's release push; the entries' fields
	 * and images are visible. */
	struct lr_entry *newest_first =
		atomic_exchange_explicit(&log->incoming, NULL, memory_order_acquire);
	struct lr_entry *oldest_first = NULL;
	while (newest_first) {
		struct lr_entry *next = newest_first->next;
		newest_first->next = oldest_first;
		oldest_first = newest_first;
		newest_first = next;
	}
	if (!oldest_first)
		return;
	if (log->tail)
		log->tail->next = oldest_first;
	else
		log->head = oldest_first;
	struct lr_entry *tail = oldest_first;
	while (tail->next)
		tail = tail->next;
	log->tail = tail;
}

void lr_oplog_apply(const struct lr_oplog *log, char *copy, uint64_t after,
                    uint64_t upto)
{
	for (struct lr_entry *e = log->head; e && e->commit <= upto; e = e->next)
		if (e->commit > after)
			memcpy(copy + e->pageno * log->page_size, entry_image(e),
			       log->page_size);
}

void lr_oplog_retire(struct lr_oplog *log, uint64_t both)
{
	while (log->head && log->head->commit <= both) {
		struct lr_entry *entry = log->head;
		log->head = entry->next;
		entry->next = NULL;
		if (log->unfreed_tail)
			log->unfreed_tail->next = entry;
		else
			log->unfreed_head = entry;
		log->unfreed_tail = entry;
	}
	if (!log->head)
		log->tail = NULL;
	if (!log->unfreed_head)
		return;
	/* Seq_cst store, then seq_cst load of the horizon: the writer's
	 * lr_oplog_txn_begin does the mirror image (horizon, then this), so
	 * either we see its horizon or it sees `both`.  The store is also a
	 * release: both copies hold these pages. */
	atomic_store_explicit(&log->retired_upto, both, memory_order_seq_cst);
	uint64_t horizon = atomic_load_explicit(&log->writer_horizon,
	                                        memory_order_seq_cst);
	uint64_t limit = horizon < both ? horizon : both;
	while (log->unfreed_head && log->unfreed_head->commit <= limit) {
		struct lr_entry *entry = log->unfreed_head;
		log->unfreed_head = entry->next;
		free(entry);
		sb_retained_sub(log->retained, entry_bytes(log));
	}
	if (!log->unfreed_head)
		log->unfreed_tail = NULL;
}
