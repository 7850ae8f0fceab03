/*
 * epochcow — shadow paging with ConcurrencyKit epoch reclamation.
 *
 * Scheme: the copy-on-write core (cow.h), as in rcucow: commit copies the
 * written pages and their table paths and publishes the new root with one
 * atomic store; a reader loads the root once inside a ck_epoch section that
 * lasts the whole read.  What a commit replaced is deferred with
 * ck_epoch_call and freed when ck_epoch_poll finds its epoch safe.  No
 * thread of ours or the library's runs in the background: reclamation runs
 * only when someone polls (below).
 *
 * Origin: ConcurrencyKit's ck_epoch (Samy Al Bahra), after Fraser's
 * epoch-based reclamation ("Practical Lock-Freedom", Cambridge 2004).
 *
 * Costs.  Writer stall: none from readers: the writer never calls
 * ck_epoch_synchronize or ck_epoch_barrier on the commit path and never
 * waits for the reclamation turn (it is taken with a try-lock); a commit
 * costs the copies, a poll (a scan of every thread's record) and the frees
 * the poll allows.  Reader overhead: ck_epoch_begin/end per read (an atomic
 * exchange and a fence on entry), a radix walk per page, and at end_read a
 * reclamation turn if nobody else holds it — so the reader that ends last
 * frees what it held back; one relaxed increment and decrement of a shared
 * counter per read keep the open-snapshot count behind the visible bytes.
 * Memory retained: the global epoch cannot move two steps past a reader
 * still inside its section, so every version made during the longest read
 * is kept until it ends.  Staleness: 0 (strict).
 *
 * retained_bytes: the page tables and page-version headers of the tree,
 * and every replaced version, node and batch list until a poll frees it
 * (cow.h, "Memory").  retained_visible_bytes: a bound: all of the replaced
 * ones while any snapshot is open, else 0.
 *
 * Who may call ck_epoch_call and ck_epoch_poll.  Both work on one record's
 * pending lists and are not safe against each other, so every deferred
 * batch goes to ONE record, `reclaim`, which belongs to no thread and is
 * never inside a section; it is touched only by the holder of the try-lock
 * `reclaim_busy`.  The writer pushes each batch on a lock-free hand-off
 * stack and then takes a turn; a reader takes a turn after ck_epoch_end.
 * A turn: clear `poll_wanted`, move the hand-off stack into ck_epoch_call,
 * ck_epoch_poll, let go, and go round again if a batch or a request came
 * meanwhile.  Nobody ever waits for the lock: whoever finds it taken leaves
 * its request (`poll_wanted`, or the batch on the stack) and the holder
 * sees it after letting go (the store-buffering argument at
 * epochcow_reclaim).  So after the last reader's end_read some poll starts
 * with no reader inside, and ck_epoch_poll then dispatches every pending
 * callback: memory returns to zero without another commit.  A thread that
 * polls from inside a section of its own (nested snapshots) is safe: poll
 * never waits, and its own active record only holds reclamation back.
 */
#include <ck_epoch.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "cow.h"
#include "tsan.h"

/* A thread's reader record.  ck keeps every registered record on its global
 * list for good (ck_epoch_unregister only marks it free for
 * ck_epoch_recycle), so these are freed only at close. */
struct epoch_thread {
	ck_epoch_record_t record;   /* first: found back from a recycled record */
	unsigned entered;           /* thread_enter nesting on this thread */
	struct epoch_thread *next_allocated;
};

struct sb_db {
	ck_epoch_record_t reclaim;  /* the only record with pending callbacks */
	ck_epoch_t epoch;
	struct cow_tree tree;
	_Atomic(struct cow_node *) root;   /* published */
	pthread_mutex_t write_lock;        /* held from begin_write to commit */
	struct cow_txn txn;
	bool txn_open;                     /* under write_lock */

	pthread_key_t thread_key;          /* this thread's epoch_thread */
	pthread_mutex_t threads_lock;      /* guards `threads` */
	struct epoch_thread *threads;      /* every record allocated */

	_Atomic(struct cow_retired *) handoff; /* batches not yet deferred */
	_Atomic bool reclaim_busy;         /* the try-lock over `reclaim` */
	_Atomic bool poll_wanted;          /* a reader ended since the last poll */
};

struct sb_snap {
	sb_db *db;
	struct epoch_thread *self;
	const struct cow_node *root;
};

/* aligned_alloc wants a size that is a multiple of the alignment. */
static void *alloc_aligned(size_t align, size_t size)
{
	return aligned_alloc(align, (size + align - 1) / align * align);
}

static int epochcow_open(const struct sb_config *config, sb_db **out,
                         char *err, size_t errlen)
{
	sb_db *db = alloc_aligned(alignof(sb_db), sizeof *db);
	if (!db) {
		snprintf(err, errlen, "cannot allocate the database handle");
		return SB_ERESOURCE;
	}
	memset(db, 0, sizeof *db);
	if (pthread_key_create(&db->thread_key, NULL) != 0) {
		snprintf(err, errlen, "cannot create a thread-specific key");
		free(db);
		return SB_ERESOURCE;
	}
	struct cow_node *root = cow_tree_init(&db->tree, config, err, errlen);
	if (!root) {
		pthread_key_delete(db->thread_key);
		free(db);
		return SB_ERESOURCE;
	}
	atomic_init(&db->root, root);
	atomic_init(&db->handoff, NULL);
	atomic_init(&db->reclaim_busy, false);
	atomic_init(&db->poll_wanted, false);
	ck_epoch_init(&db->epoch);
	ck_epoch_register(&db->epoch, &db->reclaim, NULL);
	pthread_mutex_init(&db->write_lock, NULL);
	pthread_mutex_init(&db->threads_lock, NULL);
	*out = db;
	return SB_OK;
}

/* ck_epoch_call for each batch of the hand-off stack.  Holder only. */
static void defer_handed_off(sb_db *db);

static void epochcow_close(sb_db *db)
{
	/* No thread is inside any operation, so no reader is in a section:
	 * ck_epoch_barrier's wait ends at once and it runs every callback. */
	defer_handed_off(db);
	ck_epoch_barrier(&db->reclaim);
	if (db->txn_open)
		cow_txn_abandon(&db->tree, &db->txn);
	/* Relaxed: every thread that stored it has stopped; the caller's join
	 * (or equivalent) ordered those stores before close. */
	cow_tree_destroy(&db->tree, atomic_load_explicit(&db->root,
	                                                 memory_order_relaxed));
	for (struct epoch_thread *t = db->threads, *next; t; t = next) {
		next = t->next_allocated;
		free(t);
	}
	pthread_key_delete(db->thread_key);
	pthread_mutex_destroy(&db->write_lock);
	pthread_mutex_destroy(&db->threads_lock);
	free(db);
}

static int epochcow_thread_enter(sb_db *db)
{
	struct epoch_thread *self = pthread_getspecific(db->thread_key);
	if (self) {
		self->entered++;
		return SB_OK;
	}
	ck_epoch_record_t *record = ck_epoch_recycle(&db->epoch, NULL);
	if (record) {
		self = (struct epoch_thread *)record;
		/* TSan: ck_epoch_recycle's exchange on the record's state (inline
		 * assembly) orders this thread after the one that unregistered
		 * it (epochcow_thread_exit releases). */
		SB_TSAN_ACQUIRE(self);
	} else {
		self = alloc_aligned(alignof(struct epoch_thread), sizeof *self);
		if (!self)
			return SB_ERESOURCE;
		memset(self, 0, sizeof *self);
		pthread_mutex_lock(&db->threads_lock);
		self->next_allocated = db->threads;
		db->threads = self;
		pthread_mutex_unlock(&db->threads_lock);
		ck_epoch_register(&db->epoch, &self->record, NULL);
	}
	self->entered = 1;
	if (pthread_setspecific(db->thread_key, self) != 0) {
		SB_TSAN_RELEASE(self);
		ck_epoch_unregister(&self->record);
		return SB_ERESOURCE;
	}
	return SB_OK;
}

static void epochcow_thread_exit(sb_db *db)
{
	struct epoch_thread *self = pthread_getspecific(db->thread_key);
	if (--self->entered > 0)
		return;
	pthread_setspecific(db->thread_key, NULL);
	SB_TSAN_RELEASE(self);
	ck_epoch_unregister(&self->record);
}

static sb_snap *epochcow_begin_read(sb_db *db)
{
	sb_snap *snap = malloc(sizeof *snap);
	if (!snap)
		return NULL;
	snap->db = db;
	snap->self = pthread_getspecific(db->thread_key);
	/* ck_epoch_begin marks the record active and then (an atomic exchange,
	 * a full barrier on x86, or a store and ck_pr_fence_memory) reads the
	 * global epoch: a poll that could free what the load below returns
	 * sees this record active first. */
	cow_snapshot_opened(&db->tree);
	ck_epoch_begin(&snap->self->record, NULL);
	/* Acquire: pairs with commit's release store; the tree under the root
	 * was written before it was published. */
	snap->root = atomic_load_explicit(&db->root, memory_order_acquire);
	return snap;
}

static uint64_t epochcow_snapshot_commit(const sb_snap *snap)
{
	return cow_root_commit(snap->root);
}

static const void *epochcow_read_page(sb_snap *snap, uint64_t pageno)
{
	return cow_read(&snap->db->tree, snap->root, pageno);
}

/* Runs inside ck_epoch_poll or ck_epoch_barrier, in whichever thread holds
 * the reclamation turn, once no section that could reach the batch is
 * left. */
static void epochcow_free_batch(ck_epoch_entry_t *entry)
{
	struct cow_retired *batch =
		(struct cow_retired *)((char *)entry -
		                       offsetof(struct cow_retired, hook.epoch));
	/* TSan: every ended reader released the token before ck_epoch_end. */
	SB_TSAN_ACQUIRE(&batch->tree->grace_token);
	cow_retired_free(batch);
}

static void defer_handed_off(sb_db *db)
{
	/* Acquire: pairs with the writer's release push; the batch was
	 * unpublished (the new root stored) before it was pushed, so the epoch
	 * ck_epoch_call reads below is no older than the unpublication —
	 * deferring later than the writer could have is only more careful. */
	struct cow_retired *batch =
		atomic_exchange_explicit(&db->handoff, NULL, memory_order_acquire);
	while (batch) {
		struct cow_retired *next = batch->next;
		ck_epoch_call(&db->reclaim, &batch->hook.epoch, epochcow_free_batch);
		batch = next;
	}
}

/*
 * One or more reclamation turns, or none if another thread holds the turn.
 *
 * Why no request is lost (every access to reclaim_busy and poll_wanted is
 * seq_cst, so they all fall in one total order S): a requester stores
 * poll_wanted = true (or pushes a batch) and then exchanges reclaim_busy.
 * If its exchange reads false it takes the turn itself.  If it reads true,
 * the holder's release store of false comes after that exchange in S, and
 * the holder's load of poll_wanted (or handoff) after its release comes
 * after the request too: it reads true — or a holder already cleared the
 * flag after the request and polled after that — so the holder goes round
 * again.  The clearing exchange reads the requester's store, so the
 * requester's ck_epoch_end (before its store) happens before the poll.
 */
static void epochcow_reclaim(sb_db *db)
{
	for (;;) {
		/* seq_cst: the try-lock's side of the argument above; it also
		 * acquires the previous holder's work on `reclaim`. */
		if (atomic_exchange_explicit(&db->reclaim_busy, true,
		                             memory_order_seq_cst))
			return;
		/* seq_cst exchange: reads the latest request, and so acquires
		 * the ck_epoch_end of the reader that made it. */
		(void)atomic_exchange_explicit(&db->poll_wanted, false,
		                               memory_order_seq_cst);
		defer_handed_off(db);
		ck_epoch_poll(&db->reclaim);
		/* seq_cst: releases the turn (and this holder's work on
		 * `reclaim`); ordered before the loads below in S. */
		atomic_store_explicit(&db->reclaim_busy, false,
		                      memory_order_seq_cst);
		if (!atomic_load_explicit(&db->poll_wanted, memory_order_seq_cst) &&
		    !atomic_load_explicit(&db->handoff, memory_order_seq_cst))
			return;
	}
}

static void epochcow_end_read(sb_snap *snap)
{
	sb_db *db = snap->db;
	/* TSan: the grace-period edge (see epochcow_free_batch). */
	SB_TSAN_RELEASE(&db->tree.grace_token);
	/* ck_epoch_end: ck_pr_fence_release, then the record goes inactive:
	 * this section's reads are done before a poll can see it inactive. */
	ck_epoch_end(&snap->self->record, NULL);
	cow_snapshot_ended(&db->tree);
	free(snap);
	/* seq_cst: the request side of the argument at epochcow_reclaim. */
	atomic_store_explicit(&db->poll_wanted, true, memory_order_seq_cst);
	epochcow_reclaim(db);
}

static sb_txn *epochcow_begin_write(sb_db *db)
{
	pthread_mutex_lock(&db->write_lock);
	/* Relaxed: only commit stores the root, under write_lock, which orders
	 * that store before this load. */
	struct cow_node *current =
		atomic_load_explicit(&db->root, memory_order_relaxed);
	if (cow_txn_begin(&db->tree, &db->txn, current) != SB_OK) {
		pthread_mutex_unlock(&db->write_lock);
		return NULL;
	}
	db->txn_open = true;
	return (sb_txn *)db;
}

static void *epochcow_write_page(sb_txn *txn, uint64_t pageno)
{
	sb_db *db = (sb_db *)txn;
	return cow_txn_write(&db->tree, &db->txn, pageno);
}

static int epochcow_commit(sb_txn *txn)
{
	sb_db *db = (sb_db *)txn;
	struct cow_node *root;
	struct cow_retired *batch = cow_txn_finish(&db->tree, &db->txn, &root);
	db->txn_open = false;
	/* Release: the new tree's nodes and pages are written before a reader
	 * that loads this root (acquire) reads them. */
	atomic_store_explicit(&db->root, root, memory_order_release);
	/* Push on the hand-off stack.  seq_cst (as a release): the batch's
	 * contents and the unpublication above come before its deferral by
	 * whoever takes it, and the push is a request in the sense of
	 * epochcow_reclaim's argument.  Relaxed on failure: it only reloads
	 * the head to retry. */
	struct cow_retired *head =
		atomic_load_explicit(&db->handoff, memory_order_relaxed);
	do
		batch->next = head;
	while (!atomic_compare_exchange_weak_explicit(&db->handoff, &head, batch,
	                                              memory_order_seq_cst,
	                                              memory_order_relaxed));
	pthread_mutex_unlock(&db->write_lock);
	epochcow_reclaim(db);
	return SB_OK;
}

static void epochcow_stats(sb_db *db, struct sb_stats *stats)
{
	cow_stats(&db->tree, stats);
}

const struct sb_variant sb_variant_epochcow = {
	.name = "epochcow",
	.summary = "copy-on-write page tables; ck_epoch frees old versions, "
	           "polled by the writer and by ending readers",
	.strict = true,
	.concurrent_safe = true,
	.open = epochcow_open,
	.close = epochcow_close,
	.thread_enter = epochcow_thread_enter,
	.thread_exit = epochcow_thread_exit,
	.begin_read = epochcow_begin_read,
	.snapshot_commit = epochcow_snapshot_commit,
	.read_page = epochcow_read_page,
	.end_read = epochcow_end_read,
	.begin_write = epochcow_begin_write,
	.write_page = epochcow_write_page,
	.commit = epochcow_commit,
	.stats = epochcow_stats,
};
