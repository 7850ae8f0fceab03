/*
 * cow.h — the copy-on-write core shared by rcucow and epochcow: shadow
 * paging over a small radix tree of page tables.  Only the reclamation
 * differs between the two (liburcu call_rcu, ck_epoch); everything here is
 * the same for both.
 *
 * Origin: shadow paging (Lorie, "Physical Integrity in a Large Segmented
 * Database", TODS 1977) in the form LMDB uses it: a write transaction copies
 * every page it changes and every table node on the path to it, and commit
 * publishes the new root with one pointer store.
 *
 * Invariants:
 *   - A published tree is immutable: no node or page version reachable from
 *     a root that readers may hold is ever written again.
 *   - Every node and page version carries the commit that made it; during a
 *     transaction, `commit == txn->commit` means "private to this
 *     transaction, still unpublished, writable in place".
 *   - Each tree is a tree: within one version a node or page is reachable
 *     through exactly one slot.  Versions share everything they did not
 *     change.
 *   - A commit retires exactly what it replaced (the old root, the old nodes
 *     on each written path, the old page versions) into one batch; the batch
 *     is freed as a whole once no reader can reach it.
 *
 * Memory (common.h's definition).  retained: the table nodes and the 64-byte
 * header of every page version of the published tree (`baseline_bytes`,
 * fixed at init: the tree always has the same shape), plus every retired
 * batch not yet freed: its nodes, its page versions with their headers, and
 * the batch's own list.  A transaction's private copies are counted from
 * its commit on, as the versions they replaced.  visible: a bound: every
 * retired byte not yet freed while any snapshot is open, else 0 (set at
 * each stats() sample, so its peak is the peak of the samples).  Exact
 * would need each open snapshot's root, which readers of a grace-period
 * scheme do not publish; the bound counts also versions made after the
 * newest reader began, which no reader can reach.
 *
 * Threads: the writer side (cow_txn_*) runs under the variant's write lock;
 * cow_read runs on any reader holding a root it obtained with an acquire
 * (or consume) load of the published pointer; cow_retired_free runs wherever
 * the variant's reclamation runs, after a grace period.
 */
#ifndef SNAPBENCH_COW_H
#define SNAPBENCH_COW_H

#include <ck_epoch.h>
/* For struct rcu_head.  The flavour header, not <urcu/call-rcu.h> alone: it
 * maps call_rcu to urcu_memb_call_rcu before declaring it, and an include
 * guard would keep a later include from doing so.  A file that wants
 * liburcu's inline fast paths defines _LGPL_SOURCE before including this. */
#include <urcu/urcu-memb.h>

#include "common.h"

/* 128 slots per node: 1 KiB of pointers, two levels cover 16384 pages (the
 * default database), three cover two million. */
#define COW_FANOUT_BITS 7u
#define COW_FANOUT (1u << COW_FANOUT_BITS)

/* A page table node: children (interior levels) or page versions (leaves). */
struct cow_node {
	uint64_t commit;             /* the commit that made this node */
	void *slot[COW_FANOUT];
};

/* One version of one page: the header, then page_size bytes at offset
 * COW_PAGE_HEADER (64, so that the data keeps a cache line's alignment). */
struct cow_page {
	uint64_t commit;             /* the commit that made this version */
};
#define COW_PAGE_HEADER 64u

/* Everything one commit replaced, freed together after a grace period. */
struct cow_retired {
	union {
		struct rcu_head rcu;     /* rcucow: urcu_memb_call_rcu */
		ck_epoch_entry_t epoch;  /* epochcow: ck_epoch_call */
	} hook;
	struct cow_retired *next;    /* epochcow: its hand-off stack */
	struct cow_tree *tree;
	uint64_t bytes;              /* counted in tree->retained */
	size_t count, capacity;
	void *item[];                /* nodes and page versions, each malloc'ed */
};

struct cow_tree {
	uint64_t pages;
	size_t page_size;
	unsigned depth;              /* node levels from root to leaf, >= 1 */
	struct sb_retained retained;
	uint64_t baseline_bytes;     /* the published tree beyond its pages */
	_Atomic uint64_t open_snapshots;
	/* ThreadSanitizer only: each reader releases it as its read ends, and
	 * a batch's free acquires it, which is the grace period's edge that
	 * the libraries make with code TSan cannot see (tsan.h). */
	char grace_token;
};

/* The write transaction's state, kept in the variant's database handle. */
struct cow_txn {
	struct cow_node *root;       /* private: root->commit == commit */
	uint64_t commit;
	struct cow_retired *retired;
};

/* Builds commit 0 with config's initial pages; returns its root, or NULL
 * (with err filled) when memory ran out, leaving nothing allocated. */
struct cow_node *cow_tree_init(struct cow_tree *tree,
                               const struct sb_config *config, char *err,
                               size_t errlen);
/* Frees the tree of `root` (the last published one).  Every retired batch
 * must have been freed first. */
void cow_tree_destroy(struct cow_tree *tree, struct cow_node *root);

/* The commit a root was made by: the snapshot's commit number. */
static inline uint64_t cow_root_commit(const struct cow_node *root)
{
	return root->commit;
}

/* Page n in the tree of `root`.  Plain loads: the tree is immutable once
 * published, and the caller reached `root` through an acquire or consume
 * load, so each load below depends on one that is ordered after it. */
static inline const void *cow_read(const struct cow_tree *tree,
                                   const struct cow_node *root,
                                   uint64_t pageno)
{
	const struct cow_node *node = root;
	for (unsigned level = tree->depth - 1; level > 0; level--)
		node = node->slot[(pageno >> (level * COW_FANOUT_BITS)) &
		                  (COW_FANOUT - 1)];
	return (const char *)node->slot[pageno & (COW_FANOUT - 1)] +
	       COW_PAGE_HEADER;
}

/* Starts a transaction on top of `current` (the published root): copies the
 * root.  SB_OK or SB_ERESOURCE. */
int cow_txn_begin(struct cow_tree *tree, struct cow_txn *txn,
                  const struct cow_node *current);
/* A private, writable copy of page n (copied on its first write in the
 * transaction, with the table path to it), or NULL when memory ran out (the
 * transaction stays usable: nothing it published changes). */
void *cow_txn_write(struct cow_tree *tree, struct cow_txn *txn,
                    uint64_t pageno);
/* Ends the transaction: counts the batch of what it replaced in `retained`
 * and hands it back with the new root in *root.  The caller publishes the
 * root, then defers cow_retired_free(batch) past a grace period. */
struct cow_retired *cow_txn_finish(struct cow_tree *tree, struct cow_txn *txn,
                                   struct cow_node **root);
/* Drops an unfinished transaction (close after a failed write): frees its
 * private nodes and pages; the published tree is untouched. */
void cow_txn_abandon(struct cow_tree *tree, struct cow_txn *txn);

/* Frees a batch and everything in it, and uncounts its bytes. */
void cow_retired_free(struct cow_retired *batch);

/* A snapshot opened or ended: the count behind the visible bound.  Relaxed:
 * a statistic; it orders nothing. */
static inline void cow_snapshot_opened(struct cow_tree *tree)
{
	atomic_fetch_add_explicit(&tree->open_snapshots, 1, memory_order_relaxed);
}

static inline void cow_snapshot_ended(struct cow_tree *tree)
{
	atomic_fetch_sub_explicit(&tree->open_snapshots, 1, memory_order_relaxed);
}

/* The retained figures (see "Memory" above) into a zeroed `stats`. */
void cow_stats(struct cow_tree *tree, struct sb_stats *stats);

#endif
