/*
 * hold_out.h — the writer hold-out of the variants whose reader takes its
 * snapshot in one step under the writer's lock (fullcopy's memcpy,
 * forkcow's fork): writers queue among themselves on `writer_order`; the
 * one in front holds `hold_out` from begin_write to commit; a reader holds
 * `hold_out` only while it takes its snapshot.  Under hold_out no
 * transaction is half-applied, and the mutex's acquire and release order
 * the writer's page stores before the snapshot (and the snapshot's loads
 * before the next writer's stores).
 *
 * writer_blocked_ns counts only what a writer waited for hold_out once it
 * was in front, i.e. for a reader's snapshot; waiting for another writer
 * is not a reader's doing and is not counted.  Pthread mutexes, which
 * ThreadSanitizer understands.
 */
#ifndef SNAPBENCH_HOLD_OUT_H
#define SNAPBENCH_HOLD_OUT_H

#include "timed_lock.h"

struct sb_hold_out {
	pthread_mutex_t writer_order; /* one write transaction at a time */
	pthread_mutex_t hold_out;     /* the writer's transaction, or one
	                                 snapshot being taken */
	_Atomic uint64_t writer_blocked_ns;
};

static inline void sb_hold_out_init(struct sb_hold_out *h)
{
	pthread_mutex_init(&h->writer_order, NULL);
	pthread_mutex_init(&h->hold_out, NULL);
	atomic_init(&h->writer_blocked_ns, 0);
}

static inline void sb_hold_out_destroy(struct sb_hold_out *h)
{
	pthread_mutex_destroy(&h->writer_order);
	pthread_mutex_destroy(&h->hold_out);
}

/* begin_write: first in line among writers, then past the readers. */
static inline void sb_hold_out_writer_enter(struct sb_hold_out *h)
{
	pthread_mutex_lock(&h->writer_order);
	/* With writer_order held no other writer holds hold_out: if it is
	 * taken, a reader is taking its snapshot, and this wait is the
	 * writer's stall. */
	sb_mutex_lock_timed(&h->hold_out, &h->writer_blocked_ns);
}

/* commit: the unlock's release publishes the transaction to the next
 * snapshot. */
static inline void sb_hold_out_writer_exit(struct sb_hold_out *h)
{
	pthread_mutex_unlock(&h->hold_out);
	pthread_mutex_unlock(&h->writer_order);
}

/* A reader's snapshot: the lock's acquire makes every completed commit
 * visible; no transaction is half-applied until the exit. */
static inline void sb_hold_out_reader_enter(struct sb_hold_out *h)
{
	pthread_mutex_lock(&h->hold_out);
}

static inline void sb_hold_out_reader_exit(struct sb_hold_out *h)
{
	pthread_mutex_unlock(&h->hold_out);
}

#endif
