/*
 * timed_lock.h — waits that count as writer stall.  A writer that finds a
 * lock free pays nothing extra (one try); one that must wait adds the time
 * it waited to a writer_blocked_ns counter, which the harness reports.
 */
#ifndef SNAPBENCH_TIMED_LOCK_H
#define SNAPBENCH_TIMED_LOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "clock.h"

/* Adds the time since start_ns to *blocked_ns. */
static inline void sb_blocked_since(_Atomic uint64_t *blocked_ns,
                                    uint64_t start_ns)
{
	/* Relaxed: a statistic, read by the monitor at any time. */
	atomic_fetch_add_explicit(blocked_ns, sb_now_ns() - start_ns,
	                          memory_order_relaxed);
}

/* pthread_mutex_lock, counting any wait in *blocked_ns. */
static inline void sb_mutex_lock_timed(pthread_mutex_t *mutex,
                                       _Atomic uint64_t *blocked_ns)
{
	if (pthread_mutex_trylock(mutex) == 0)
		return;
	uint64_t start = sb_now_ns();
	pthread_mutex_lock(mutex);
	sb_blocked_since(blocked_ns, start);
}

#endif
