/*
 * rcucow — shadow paging published with RCU: liburcu's memb flavour.
 *
 * Scheme: the copy-on-write core (cow.h): page versions are immutable and a
 * radix tree of page tables maps page numbers to them.  A commit copies the
 * pages it writes and the table path to each, and publishes the new root
 * with one pointer exchange; a reader loads the root once, inside an RCU
 * read-side section that lasts the whole read, and reads through it.  What a
 * commit replaced is freed by urcu_memb_call_rcu after a grace period.
 *
 * Origin: liburcu (Desnoyers et al., "User-Level Implementations of
 * Read-Copy Update", IEEE TPDS 2012), memb flavour (sys_membarrier readers);
 * LMDB's copy-on-write B-tree for the shadow paging.
 *
 * Costs.  Writer stall: none from readers: the writer never waits for a grace
 * period (call_rcu queues the free to liburcu's own thread); a commit costs
 * copying each written page and the table path to it (1 KiB per node).
 * Reader overhead: a read-side lock/unlock per read (no atomic
 * read-modify-write in the memb flavour; one relaxed increment and
 * decrement of a shared counter per read keep the open-snapshot count
 * behind the visible bytes) and a radix walk per page.  Memory retained: a
 * grace period cannot end while any reader is inside, so every version made
 * while the longest read runs is kept until it ends — all of them, not only
 * those some reader can see (unlike pagever).  Staleness: 0 (strict):
 * begin_read loads the latest published root.
 *
 * retained_bytes: the page tables and page-version headers of the tree,
 * and every replaced version, node and batch list until call_rcu frees it
 * (cow.h, "Memory").  retained_visible_bytes: a bound: all of the replaced
 * ones while any snapshot is open, else 0.
 *
 * Publication: rcu_xchg_pointer, which is rcu_assign_pointer that also
 * returns the previous pointer (liburcu pointer.h: "same as
 * rcu_assign_pointer").  Its xchg is a full barrier.  It is used rather
 * than rcu_assign_pointer because liburcu 0.13's rcu_assign_pointer is a
 * volatile store that ThreadSanitizer sees as a plain write racing with
 * rcu_dereference's __atomic consume load, whereas the xchg is inline
 * assembly TSan does not see; the edge itself is taught with tsan.h.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>

#include "cow.h"
#include "tsan.h"
#include "urcu_thread.h"

struct sb_db {
	struct cow_tree tree;
	struct cow_node *root;       /* published: rcu_xchg_pointer, rcu_dereference */
	pthread_mutex_t write_lock;  /* held from begin_write to commit */
	struct cow_txn txn;
	bool txn_open;               /* under write_lock */
	_Atomic uint64_t batches_pending; /* handed to call_rcu, not yet freed */
};

/* How often close looks whether the last callbacks have run. */
#define CLOSE_POLL_NS 100000u

struct sb_snap {
	sb_db *db;
	const struct cow_node *root;
};


static int rcucow_open(const struct sb_config *config, sb_db **out, char *err,
                       size_t errlen)
{
	sb_db *db = calloc(1, sizeof *db);
	if (!db) {
		snprintf(err, errlen, "cannot allocate the database handle");
		return SB_ERESOURCE;
	}
	db->root = cow_tree_init(&db->tree, config, err, errlen);
	if (!db->root) {
		free(db);
		return SB_ERESOURCE;
	}
	pthread_mutex_init(&db->write_lock, NULL);
	*out = db;
	return SB_OK;
}

static void rcucow_close(sb_db *db)
{
	/* Waits until every batch this database handed to call_rcu is freed
	 * (no reader is inside, so the grace periods end at once).  Rather
	 * than rcu_barrier: that waits for every database's callbacks, and
	 * its completion objects, freed by the call_rcu thread under uatomic
	 * reference counts, are races to ThreadSanitizer inside liburcu.
	 * Acquire: pairs with rcucow_free_batch's release; its frees happen
	 * before the ones below. */
	while (atomic_load_explicit(&db->batches_pending, memory_order_acquire))
		sb_sleep_ns(CLOSE_POLL_NS);
	if (db->txn_open)
		cow_txn_abandon(&db->tree, &db->txn);
	cow_tree_destroy(&db->tree, db->root);
	pthread_mutex_destroy(&db->write_lock);
	free(db);
}

static int rcucow_thread_enter(sb_db *db)
{
	(void)db;
	sb_urcu_thread_enter();
	return SB_OK;
}

static void rcucow_thread_exit(sb_db *db)
{
	(void)db;
	sb_urcu_thread_exit();
}

static sb_snap *rcucow_begin_read(sb_db *db)
{
	sb_snap *snap = malloc(sizeof *snap);
	if (!snap)
		return NULL;
	snap->db = db;
	/* The read-side section holds back every grace period that starts
	 * after this point until rcucow_end_read: nothing reachable from the
	 * root loaded below is freed meanwhile. */
	cow_snapshot_opened(&db->tree);
	urcu_memb_read_lock();
	/* rcu_dereference: a consume load (an __atomic load with
	 * __ATOMIC_CONSUME, which GCC strengthens to acquire): every node and
	 * page reached through the root was written before the writer's
	 * rcu_xchg_pointer (a full barrier) published it. */
	snap->root = rcu_dereference(db->root);
	SB_TSAN_ACQUIRE(snap->root);
	return snap;
}

static uint64_t rcucow_snapshot_commit(const sb_snap *snap)
{
	return cow_root_commit(snap->root);
}

static const void *rcucow_read_page(sb_snap *snap, uint64_t pageno)
{
	return cow_read(&snap->db->tree, snap->root, pageno);
}

static void rcucow_end_read(sb_snap *snap)
{
	sb_db *db = snap->db;
	free(snap);
	/* The grace-period edge for TSan: this reader's page reads happen
	 * before any free that a grace period ending after this unlock
	 * allows (rcucow_free_batch acquires the token). */
	SB_TSAN_RELEASE(&db->tree.grace_token);
	/* urcu_memb_read_unlock orders this section's loads before the
	 * reader's counter store (a compiler barrier and the membarrier the
	 * grace period issues), as liburcu documents. */
	urcu_memb_read_unlock();
	cow_snapshot_ended(&db->tree);
}

static sb_txn *rcucow_begin_write(sb_db *db)
{
	pthread_mutex_lock(&db->write_lock);
	/* A plain read: only commit writes db->root, under write_lock, which
	 * orders that write before this read. */
	if (cow_txn_begin(&db->tree, &db->txn, db->root) != SB_OK) {
		pthread_mutex_unlock(&db->write_lock);
		return NULL;
	}
	db->txn_open = true;
	return (sb_txn *)db;
}

static void *rcucow_write_page(sb_txn *txn, uint64_t pageno)
{
	sb_db *db = (sb_db *)txn;
	return cow_txn_write(&db->tree, &db->txn, pageno);
}

/* Runs on liburcu's call_rcu thread after a grace period: no reader can
 * reach anything in the batch any more. */
static void rcucow_free_batch(struct rcu_head *head)
{
	struct cow_retired *batch =
		caa_container_of(head, struct cow_retired, hook.rcu);
	/* TSan: the writer's release before call_rcu (the batch's pages were
	 * last written before it), and every ended reader's release. */
	SB_TSAN_ACQUIRE(batch);
	SB_TSAN_ACQUIRE(&batch->tree->grace_token);
	sb_db *db = (sb_db *)((char *)batch->tree - offsetof(sb_db, tree));
	cow_retired_free(batch);
	/* Release: the frees above happen before close frees the rest. */
	atomic_fetch_sub_explicit(&db->batches_pending, 1, memory_order_release);
}

static int rcucow_commit(sb_txn *txn)
{
	sb_db *db = (sb_db *)txn;
	struct cow_node *root;
	struct cow_retired *batch = cow_txn_finish(&db->tree, &db->txn, &root);
	db->txn_open = false;
	SB_TSAN_RELEASE(root);
	/* Publication.  rcu_xchg_pointer is a full barrier: every store that
	 * made the new tree is visible before the root is, to any reader whose
	 * rcu_dereference returns it.  The previous root is already in the
	 * batch (cow_txn_begin). */
	(void)rcu_xchg_pointer(&db->root, root);
	SB_TSAN_RELEASE(batch);
	/* Relaxed: close reads it only after every thread stopped committing
	 * (its own acquire pairs with the callback's release). */
	atomic_fetch_add_explicit(&db->batches_pending, 1, memory_order_relaxed);
	/* Never blocks: the batch is queued for liburcu's call_rcu thread,
	 * which frees it after a grace period (its own synchronize_rcu, off
	 * the commit path). */
	urcu_memb_call_rcu(&batch->hook.rcu, rcucow_free_batch);
	pthread_mutex_unlock(&db->write_lock);
	return SB_OK;
}

#if defined(__SANITIZE_THREAD__)
/*
 * The ThreadSanitizer suppression, for a race inside liburcu's own code
 * that no annotation of ours can order; it names exactly one function.
 * TSan reads this hook at start-up; it may be defined only once per
 * program, so another suppression would have to be added here (or the hook
 * moved to a file of its own).
 *
 *   urcu_common_wake_up_gp (urcu/static/urcu-common.h, inlined into
 *     urcu_memb_read_unlock under _LGPL_SOURCE) reads and resets the grace
 *     period's futex word with uatomic_read/uatomic_set, volatile loads and
 *     stores in liburcu 0.13: two readers ending while a grace period waits
 *     both see -1 and both store 0.  Benign by design (same value; the
 *     futex wake is idempotent), a plain race to TSan.
 */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "race:urcu_common_wake_up_gp\n";
}
#endif

static void rcucow_stats(sb_db *db, struct sb_stats *stats)
{
	cow_stats(&db->tree, stats);
}

const struct sb_variant sb_variant_rcucow = {
	.name = "rcucow",
	.summary = "copy-on-write page tables published by RCU; liburcu call_rcu "
	           "frees old versions after long readers end",
	.strict = true,
	.concurrent_safe = true,
	.open = rcucow_open,
	.close = rcucow_close,
	.thread_enter = rcucow_thread_enter,
	.thread_exit = rcucow_thread_exit,
	.begin_read = rcucow_begin_read,
	.snapshot_commit = rcucow_snapshot_commit,
	.read_page = rcucow_read_page,
	.end_read = rcucow_end_read,
	.begin_write = rcucow_begin_write,
	.write_page = rcucow_write_page,
	.commit = rcucow_commit,
	.stats = rcucow_stats,
};
