/*
 * leftright_oplog.h — leftright's try-mode oplog (--lr-publish try): what
 * the writer wrote and the copies do not hold yet.  variants/leftright.c
 * says why it exists; this file owns the entries and their life:
 *
 *   - the writer makes one entry per page it writes in a transaction (a
 *     64-byte header, then the page image) and keeps, per page, its newest
 *     entry, so that a later write of the page starts from it;
 *   - commit pushes the transaction's entries onto `incoming`, a lock-free
 *     stack that publishers take from;
 *   - a publisher (whoever holds leftright's publisher token) moves them
 *     into the oplog proper, in commit order, copies them into a copy, and
 *     retires those both copies hold;
 *   - a retired entry is freed once the writer cannot be reading it: during
 *     a transaction the writer may read the entries of commits above its
 *     horizon (the retired_upto it saw at begin_write), so publishers free
 *     only up to the horizon.  `writer_horizon` is 0 while begin_write
 *     reads retired_upto, UINT64_MAX outside a transaction.
 *
 * Memory: the per-page index (16 bytes a page) from open on, and every
 * entry until it is freed, are counted in `retained` (never as visible:
 * readers read the copies, not entries).
 */
#ifndef SNAPBENCH_LEFTRIGHT_OPLOG_H
#define SNAPBENCH_LEFTRIGHT_OPLOG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

/* One page write: its commit, the page, then (at LR_ENTRY_HEADER_BYTES)
 * the page image. */
struct lr_entry {
	struct lr_entry *next;
	uint64_t commit;
	uint64_t pageno;
};

/* Bytes before the page image in an entry (keeps images aligned). */
#define LR_ENTRY_HEADER_BYTES 64u

/* The writer's index of its newest entry of a page. */
struct lr_latest {
	struct lr_entry *entry;     /* valid while commit > the txn's horizon */
	uint64_t commit;            /* 0: the page has none */
};

struct lr_oplog {
	uint64_t pages;
	size_t page_size;
	struct sb_retained *retained;

	/* The writer's, under its lock. */
	struct lr_latest *latest;   /* per page */
	struct lr_entry *txn_entries; /* the open transaction's, newest first */
	uint64_t txn_commit;
	uint64_t txn_horizon;

	/* Between the writer and the publishers. */
	_Atomic(struct lr_entry *) incoming; /* pushed, newest first */
	_Atomic uint64_t retired_upto; /* entries up to here: in both copies */
	_Atomic uint64_t writer_horizon;

	/* The publisher's (the token holder's). */
	struct lr_entry *head, *tail;                 /* commit order */
	struct lr_entry *unfreed_head, *unfreed_tail; /* in both copies */
};

/* SB_OK, or SB_ERESOURCE when the per-page index cannot be allocated. */
int lr_oplog_init(struct lr_oplog *log, uint64_t pages, size_t page_size,
                  struct sb_retained *retained);
/* Frees everything; no thread may be using the oplog. */
void lr_oplog_destroy(struct lr_oplog *log);

/* ---- the writer ---- */

/* Begins transaction `commit`: announces the horizon. */
void lr_oplog_txn_begin(struct lr_oplog *log, uint64_t commit);
/* The writable image of `pageno` in this transaction, starting from the
 * page's newest entry, or from `published_page` (the page in the copy
 * readers use, loaded with acquire) when the copies hold its newest
 * version.  NULL when memory ran out. */
void *lr_oplog_write(struct lr_oplog *log, uint64_t pageno,
                     const char *published_page);
/* Hands the transaction's entries to the publishers (release). */
void lr_oplog_txn_push(struct lr_oplog *log);
/* Ends the transaction: publishers may free any retired entry again. */
void lr_oplog_txn_end(struct lr_oplog *log);

/* ---- the publisher ---- */

/* Moves what the writer pushed to the end of the oplog, in commit order. */
void lr_oplog_take(struct lr_oplog *log);
/* Copies into `copy` every logged page of the commits after `after` up to
 * `upto`, in commit order. */
void lr_oplog_apply(const struct lr_oplog *log, char *copy, uint64_t after,
                    uint64_t upto);
/* Retires the entries of commits up to `both` (both copies hold them) and
 * frees those the writer cannot be reading. */
void lr_oplog_retire(struct lr_oplog *log, uint64_t both);

#endif
