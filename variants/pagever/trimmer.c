/*
 * trimmer.c — the trimmer thread and the writer's back-pressure.  Owns: the
 * background loop that, every TRIM_PERIOD_NS or when woken, refills the
 * pool, runs a trim pass, and reuses what the wait for chain walks has
 * released; and pv_writer_catch_up, the bounded batch the writer does
 * itself when the trimmer has fallen behind, so that history stays bounded
 * at any write rate without the writer ever waiting.
 */
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* The trimmer looks at new history at least this often... */
#define TRIM_PERIOD_NS 1000000u
/* ...and is woken early when this many replaced versions are waiting. */
#define TRIM_BATCH 64u
/* Past this many waiting versions, the writer trims a batch itself, of at
 * most twice as many: more than it took, so that the backlog drains. */
#define QUEUE_LIMIT 1024u
#define CATCH_UP_BATCH (2u * QUEUE_LIMIT)
/* The trimmer decides at most this many versions per hold of the trim
 * lock, so that the writer's back-pressure and an ending reader find it
 * free between batches (a whole backlog held it for up to 19 ms). */
#define TRIMMER_BATCH 4096u

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

static void *trimmer_main(void *arg)
{
	struct pagever *s = arg;
	/* The lowest priority: when cores are short, the writer's and the
	 * readers' threads run first, and a wake-up of the trimmer does not
	 * preempt them; if it falls behind, the writer's bounded catch-up
	 * acts.  (On Linux a thread's nice value is its own.)  Best effort:
	 * a failure leaves it at the default. */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
	for (;;) {
		wait_for_work(s);
		/* Acquire: pairs with close's release; nothing else is read
		 * through it. */
		bool last = atomic_load_explicit(&s->stopping,
		                                 memory_order_acquire);
		/* Before the lock: an end_read holding it does not delay
		 * the writer's memory. */
		pv_pool_refill(s);
		uint64_t decided;
		do {
			pv_trim_lock(s);
			/* Acquire: pairs with end_read's release increment; a
			 * read that ended since the last rescan may free kept
			 * versions. */
			bool rescan = atomic_load_explicit(
				&s->reads_ended, memory_order_acquire) !=
			              s->rescanned_at;
			decided = pv_trim_pass(s, rescan, TRIMMER_BATCH);
			reclaim(s, true);
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
