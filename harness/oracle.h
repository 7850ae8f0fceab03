/*
 * oracle.h — proves that every snapshot a variant gave out was consistent.
 *
 * The writer side keeps a model of every page (its stamp and balance) and a
 * log of which commit wrote which page, with, for each write, the next commit
 * that wrote the same page.  The reader side checks each page it reads
 * against the snapshot's commit S:
 *
 *   torn          the checksum or the page number in the header is wrong;
 *   inconsistent  the stamp is not the last commit <= S that wrote the page
 *                 (including a stamp newer than S, or a commit that did not
 *                 write this page);
 *   fractured     the read saw a page of commit t but another page of t, in
 *                 the range it read, older than t;
 *   stale         a strict variant's S is older than the last commit that
 *                 completed before begin_read was called;
 *   lost write    after the run, a final read differs from the model (or a
 *                 writer was handed a page that is not the current version);
 *   balance       a full scan's balances do not sum to zero.
 */
#ifndef SNAPBENCH_ORACLE_H
#define SNAPBENCH_ORACLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../variants/variant.h"

enum violation_kind {
	V_TORN,
	V_FRACTURED,
	V_INCONSISTENT,
	V_STALE,
	V_LOST_WRITE,
	V_BALANCE,
	V_KINDS
};

extern const char *const violation_names[V_KINDS];

/* What checks found: a count per kind and the first finding of each kind in
 * words.  Plain bytes: a read run in a forked child sends it back whole, and
 * a read that a variant discards (an optimistic reader's failed attempt)
 * leaves no trace.  Nothing is printed where a violation is found. */
#define VIOLATION_TEXT 160
struct violations {
	uint64_t count[V_KINDS];
	char first[V_KINDS][VIOLATION_TEXT];
};

uint64_t violations_total(const struct violations *v);
/* Adds the counts; keeps into's first findings, else takes from's. */
void violations_add(struct violations *into, const struct violations *from);
/* One line per kind found: "VARIANT: N x KIND, first: ..." on `out`. */
void violations_print(FILE *out, const char *variant,
                      const struct violations *v);

#define LOG_CHUNK_COMMITS 65536u
#define LOG_MAX_CHUNKS 65536u

struct oracle {
	uint64_t pages;
	size_t page_size;
	unsigned write_pages;
	bool keep_log;          /* readers check pages against the log */

	/* Writer model: touched only inside a write transaction. */
	uint64_t *model_stamp;
	int64_t *model_balance;
	uint64_t commits;       /* the last commit number handed out */

	/* The log.  Entry c (commit c) holds write_pages page numbers and, for
	 * each, the next commit that wrote that page (0 = none yet). */
	_Atomic(uint32_t *) page_chunks[LOG_MAX_CHUNKS];
	_Atomic(uint64_t *) next_chunks[LOG_MAX_CHUNKS];
	_Atomic uint64_t *first_write; /* per page: first commit to write it */
	_Atomic uint64_t logged;       /* commits 1..logged have full entries */
	_Atomic uint64_t completed;    /* highest commit whose commit() returned */
	_Atomic int txn_active;        /* a write transaction is in progress */
};

/* 0, or SB_ERESOURCE when the model cannot be allocated. */
int oracle_init(struct oracle *o, uint64_t pages, size_t page_size,
                unsigned write_pages, bool keep_log);
void oracle_destroy(struct oracle *o);

/* The initial contents of page n (stamp 0, balance 0): an sb_config
 * init_page callback whose context is the oracle. */
void oracle_init_page(void *oracle, uint64_t pageno, void *page);

/* ---- writer side, all inside a write transaction ---- */

/* Marks the transaction begun and returns the commit number it will get;
 * counts a lost-write violation when another transaction is in progress
 * (the variant failed to serialise its writers). */
uint64_t oracle_txn_begin(struct oracle *o, struct violations *found);
/* Checks that the buffer write_page gave for `pageno` is its current
 * version, then fills it as written by `commit` with the new balance. */
void oracle_txn_write(struct oracle *o, uint64_t commit, uint64_t pageno,
                      void *page, int64_t balance_delta,
                      struct violations *found);
/* Logs commit `commit` as writing `pageno[0..write_pages)`.  Call after the
 * pages are written and before the variant's commit(). */
int oracle_txn_log(struct oracle *o, uint64_t commit, const uint64_t *pageno);
void oracle_txn_end(struct oracle *o, uint64_t commit);
/* After the variant's commit() returned. */
void oracle_txn_completed(struct oracle *o, uint64_t commit);

/* The last commit that completed (acquire: what a strict snapshot opened
 * after this load must reflect). */
static inline uint64_t oracle_completed(struct oracle *o)
{
	return atomic_load_explicit(&o->completed, memory_order_acquire);
}

/* The commits whose log entries are whole: 1..oracle_logged (acquire:
 * pairs with oracle_txn_log's release, so oracle_commit_pages may read
 * them).  0 when the log is not kept. */
static inline uint64_t oracle_logged(struct oracle *o)
{
	return atomic_load_explicit(&o->logged, memory_order_acquire);
}

/* The write_pages page numbers commit `commit` wrote, 1 <= commit <=
 * oracle_logged(o); with keep_log only. */
const uint32_t *oracle_commit_pages(struct oracle *o, uint64_t commit);

/* ---- reader side ---- */

struct read_check {
	uint64_t snapshot;   /* S */
	uint64_t start;      /* first page of the range */
	uint64_t count;      /* pages in the range */
	uint64_t *stamps;    /* count entries: the stamp read at each offset */
	int64_t balance_sum;
	uint64_t checked;
};

/* Checks the snapshot's commit against the last commit completed before
 * begin_read (strict variants must reflect it); returns the staleness. */
uint64_t oracle_check_snapshot(struct oracle *o, bool strict,
                               uint64_t completed_before, uint64_t snapshot,
                               struct violations *found);
void oracle_read_begin(struct read_check *check, uint64_t snapshot,
                       uint64_t start, uint64_t count, uint64_t *stamps);
/* Checks the page at offset `offset` of the range (page start+offset). */
void oracle_check_page(struct oracle *o, struct read_check *check,
                       uint64_t offset, const void *page,
                       struct violations *found);
/* Fractured commits within the range, and the balance sum of a full scan. */
void oracle_read_end(struct oracle *o, struct read_check *check,
                     struct violations *found);

/* After every thread stopped: reads every page through a new snapshot and
 * compares it with the model.  SB_OK or SB_ERESOURCE. */
int oracle_final_check(struct oracle *o, const struct sb_variant *variant,
                       sb_db *db, struct violations *found);

/* Counts a violation in `found`, keeping its text if it is the first of its
 * kind there.  Takes no lock and does no I/O (safe in a forked child). */
void oracle_report(struct oracle *o, struct violations *found,
                   enum violation_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
