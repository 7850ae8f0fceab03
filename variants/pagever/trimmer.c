/*
 * trimmer.c — who does the upkeep, and when.  Owns: upkeep_locked, one
 * batch of it under the trim lock (a trim pass, reuse of what the wait for
 * chain walks has released, moves home); the reader's turn at end_read
 * (batches, then a pool refill); the trimmer thread, which covers the
 * times when no read ends; and
 * pv_writer_catch_up, the bounded batch the writer does itself when
 * neither has kept up, so that history stays bounded at any write rate
 * without the writer ever waiting.
 *
 * Readers first.  The trimmer runs at the lowest priority, so that it
 * never takes the writer's core from it.  But when the application's
 * threads fill every core (on 2 cores: a reader scanning flat out and a
 * writer that spins before each commit), a nice-19 thread gets about 1.5 %
 * of a core: it fell behind, and, preempted while it held the trim lock,
 * it also kept every end_read and the writer's catch-up out, so that the
 * pool ran dry, the writer mapped memory (writer_allocs 165-192 in 3 s)
 * and history grew to 500 MiB (three of six 3-s runs of scripts/
 * pagever-figures' 4 KiB scan beside 10,000 commits/s).  So the readers,
 * whose snapshots are what history is kept for, pay for it: each end_read
 * that gets the lock does a whole turn, and the trimmer stays away from
 * the lock while reads end often (READS_END_OFTEN_NS), whatever the
 * queue's length: past QUEUE_LIMIT the writer's catch-up acts.  So it
 * holds the lock only when no read is ending, which is when a reader's
 * core is likely idle (a read paused, or none running).  What is left
 * uncovered: reads that neither end nor leave a core idle (flat-out
 * scans of minutes on full cores), where the upkeep waits for the
 * starved trimmer and the writer's catch-up finds its lock taken.
 */
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../clock.h"
#include "internal.h"

/* The trimmer looks at new history at least this often... */
#define TRIM_PERIOD_NS 1000000u
/* ...and is woken early when this many replaced versions are waiting. */
#define TRIM_BATCH 64u
/* Past this many waiting versions, the writer trims a batch itself, of at
 * most twice as many: more than it took, so that the backlog drains.  Room
 * for what a writer at 10,000 commits/s of 4 pages replaces between the
 * ends of 100-ms reads. */
#define QUEUE_LIMIT 4096u
#define CATCH_UP_BATCH (2u * QUEUE_LIMIT)
/* The trimmer decides at most this many versions per hold of the trim
 * lock, so that the writer's back-pressure and an ending reader find it
 * free between batches (a whole backlog held it for up to 19 ms). */
#define TRIMMER_BATCH 4096u
/* An end_read's turn decides at most this many batches. */
#define READER_BATCHES 4u
/* The trimmer leaves the upkeep to end_read while some read has ended
 * within this time.  Shorter than the gap between the ends of flat-out
 * scans here (5-40 ms), and short enough that a writer at 10,000
 * commits/s of 4 pages queues under QUEUE_LIMIT after a read ends, when
 * the next read may pause: with 100 ms the writer caught up itself after
 * every end of a 1-s read.  (Telling a starved trimmer by its late
 * wake-ups did not do: one punctual wake-up between preemptions let it
 * take the lock, and at 100,000 commits/s the writer fell to 19,000/s.) */
#define READS_END_OFTEN_NS 50000000u

/* Reuses the batch whose chain walks are over, starts the wait for what
 * was unlinked since, and polls it at once: a wait seldom finds a walk
 * under way, so this pass's batch is usually reused in this pass.  With
 * copy_home (the trimmer), pages go home; the writer's batch only frees
 * their home slots.  Trim lock. */
static void reclaim(struct pagever *s, bool copy_home)
{
	bool recycled = false;
	for (int round = 0; round < 2; round++) {
		struct version *dead = pv_grace_poll(s);
		if (dead) {
			pv_recycle(s, dead, copy_home);
			recycled = true;
		}
		if (!pv_grace_begin(s))
			break;
	}
	if (!recycled && copy_home && s->homeless_count)
		pv_recycle(s, NULL, true);
}

static void wait_for_work(struct pagever *s)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t deadline = (uint64_t)ts.tv_sec * 1000000000u +
	                    (uint64_t)ts.tv_nsec + TRIM_PERIOD_NS;
	ts.tv_sec = (time_t)(deadline / 1000000000u);
	ts.tv_nsec = (long)(deadline % 1000000000u);
	while (sem_timedwait(&s->wake, &ts) != 0 && errno == EINTR)
		;
}

/* One batch of upkeep: a trim pass over at most TRIMMER_BATCH new versions
 * (and the kept ones, if a read ended since the last rescan), then reuse.
 * Returns the versions the pass decided.  The caller holds the trim lock. */
static uint64_t upkeep_locked(struct pagever *s)
{
	/* Acquire: pairs with end_read's release increment; a read that
	 * ended since the last rescan may free kept versions. */
	bool rescan = atomic_load_explicit(&s->reads_ended,
	                                   memory_order_acquire) !=
	              s->rescanned_at;
	uint64_t decided = pv_trim_pass(s, rescan, TRIMMER_BATCH);
	reclaim(s, true);
	return decided;
}

bool pv_reader_upkeep(struct pagever *s)
{
	/* Never wait: a holder of the lock is doing this already, or the
	 * trimmer, woken by the caller, will. */
	if (!pv_trim_trylock(s))
		return false;
	/* Up to READER_BATCHES batches: a fast writer replaces more than
	 * one between two ends of short reads (100,000 commits/s of 4 pages
	 * and 10-ms reads: 4,000 versions), and what is left waits for the
	 * next end_read or the writer's catch-up. */
	uint64_t decided = 0;
	for (unsigned i = 0; i < READER_BATCHES; i++)
		if ((decided = upkeep_locked(s)) < TRIMMER_BATCH)
			break;
	pv_trim_unlock(s);
	pv_pool_refill(s);
	/* More left: the trimmer goes on with it if reads stop ending. */
	return decided < TRIMMER_BATCH;
}

static void *trimmer_main(void *arg)
{
	struct pagever *s = arg;
	/* The lowest priority: when cores are short, the writer's and the
	 * readers' threads run first, and a wake-up of the trimmer does not
	 * preempt them (see the opening comment for who works then).  (On
	 * Linux a thread's nice value is its own.)  Best effort: a failure
	 * leaves it at the default. */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
	uint64_t seen_ended = 0, last_end = 0;
	for (;;) {
		wait_for_work(s);
		/* Acquire: pairs with close's release; nothing else is read
		 * through it. */
		bool last = atomic_load_explicit(&s->stopping,
		                                 memory_order_acquire);
		/* Relaxed: hints.  The upkeep itself reloads reads_ended
		 * with acquire, and the queue's exchange is exact. */
		uint64_t ended = atomic_load_explicit(&s->reads_ended,
		                                      memory_order_relaxed);
		uint64_t now = sb_now_ns();
		if (ended != seen_ended) {
			seen_ended = ended;
			last_end = now;
		}
		/* Whatever an end_read left (its lock was taken, or more
		 * than its batches waited) goes to the next end_read, or to
		 * the writer's catch-up, while reads end often: were the
		 * trimmer to take the lock then on full cores, it would hold
		 * it preempted (a first version also took it past half the
		 * queue limit: at 100,000 commits/s the writer then fell to
		 * 20,000-80,000 commits/s, mapping memory, with 100,000
		 * versions queued). */
		bool readers_keep_up =
			last_end && now - last_end < READS_END_OFTEN_NS;
		/* Always, and before the lock: the refill takes no lock, so
		 * neither an end_read holding the trim lock nor a turn left
		 * to the readers delays the writer's memory. */
		pv_pool_refill(s);
		if (!last && readers_keep_up)
			continue;
		uint64_t decided;
		do {
			pv_trim_lock(s);
			decided = upkeep_locked(s);
			pv_trim_unlock(s);
		} while (decided == TRIMMER_BATCH);
		if (last)
			return NULL;
	}
}

int pv_trimmer_start(struct pagever *s)
{
	if (sem_init(&s->wake, 0, 0) != 0)
		return PAGEVER_ETHREAD;
	if (pthread_create(&s->trimmer, NULL, trimmer_main, s) != 0) {
		sem_destroy(&s->wake);
		return PAGEVER_ETHREAD;
	}
	return PAGEVER_OK;
}

void pv_trimmer_stop(struct pagever *s)
{
	/* Release: pairs with the trimmer's acquire. */
	atomic_store_explicit(&s->stopping, true, memory_order_release);
	sem_post(&s->wake);
	pthread_join(s->trimmer, NULL);
	sem_destroy(&s->wake);
}

void pv_trimmer_wake(struct pagever *s)
{
	/* A wake-up, not a wait: sem_post never blocks. */
	sem_post(&s->wake);
}

void pv_writer_note_queued(struct pagever *s, uint64_t before, uint64_t after)
{
	if (before < TRIM_BATCH && after >= TRIM_BATCH)
		pv_trimmer_wake(s);
	if (after >= QUEUE_LIMIT)
		pv_writer_catch_up(s);
}

void pv_writer_catch_up(struct pagever *s)
{
	/* Relaxed: a hint; the queue itself is exact.  Below the limit the
	 * trimmer keeps up, and an empty pool is the trimmer's to refill or
	 * the writer's to map: a pass here would mostly find versions that
	 * readers keep. */
	if (atomic_load_explicit(&s->queued, memory_order_relaxed) < QUEUE_LIMIT)
		return;
	/* Never wait: a holder of the lock is trimming already. */
	if (!pv_trim_trylock(s))
		return;
	pv_trim_pass(s, false, CATCH_UP_BATCH);
	reclaim(s, false);
	pv_trim_unlock(s);
	/* Relaxed: a statistic. */
	atomic_fetch_add_explicit(&s->writer_trims, 1, memory_order_relaxed);
}
