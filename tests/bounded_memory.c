/*
 * bounded_memory — issue 15 item 3: with no live reader, libpagever's
 * history stays bounded at any write rate.  The trimmer thread unlinks
 * and reuses replaced versions; where it falls behind, the writer trims a
 * bounded batch itself (back-pressure), without ever waiting.
 *
 * A closed-loop writer commits two of 16 pages of 256 bytes as fast as it
 * can, with no reader, while the trimmer thread is frozen (freeze.h) for
 * 100 to 300 ms at a time, most of the run: a trimmer that has fallen far
 * behind.  It is frozen only where it does not hold the trim lock: a
 * holder of the lock also stops the writer's own trimming, the one case
 * the back-pressure cannot help without waiting (and the library never
 * waits), so that the history may grow while the trimmer holds the lock
 * and the system preempts it.  Hence what is checked: at the end of each
 * freeze, after 100 ms or more in which the writer was alone with the
 * history, the history (versions mapped, less those in the pool and the
 * pages' current versions) is under HISTORY_BOUND versions plus two slabs
 * (one the trimmer may have mapped and not yet pooled when it froze, one
 * the writer may be carving).  Without the back-pressure it is the
 * writer's rate times the freeze: hundreds of thousands of versions.
 * Runs with pages moved home and without.  The test reads the library's
 * internals (internal.h): the trim lock, to freeze outside it, and the
 * counts of memory mapped and pooled.
 *
 * A third run adds a reader that ends a read every few microseconds and
 * paces the writer at WITH_READER_RATE commits/s, the trimmer frozen as
 * before: with reads ending often the readers do the upkeep (trimmer.c),
 * so after a warm-up the writer must neither map memory (writer_allocs)
 * nor trim (writer_trims).  When end_read only trimmed and left reuse and
 * the pool to the trimmer, the writer mapped memory throughout.
 *
 * What it does not bound: the history's peak (printed), for the reason
 * above; and retained_bytes, which also counts the pool: the pool is sized
 * by what the writer took while the trimmer was away, and is never
 * returned (printed too).
 *
 * usage: bounded_memory [SECONDS_PER_RUN]   (default 2.0)
 * Exit status 0 when the history was bounded after every freeze in every
 * run, 1 when not, 2 on bad usage, 3 when the store or a thread could not
 * be had.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "freeze.h"
#include "internal.h"

#define PAGES 16
#define PAGE_SIZE 256
#define PAGES_PER_COMMIT 2
/* Versions of history allowed beyond two slabs: what the writer's
 * back-pressure lets wait before it trims (4,096, QUEUE_LIMIT in
 * trimmer.c) and trims at once (8,192), with room to spare. */
#define HISTORY_BOUND 16384u
/* The paced writer beside the reader, and the warm-up after which its
 * allocations and trims are counted. */
#define WITH_READER_RATE 20000u
#define WARM_UP_NS 200000000u
/* Threads in this process, at most. */
#define MAX_THREADS 64

/* The store whose trimmer is frozen, and the worst history seen at the
 * end of a freeze. */
static _Atomic(struct pagever *) frozen_store;
static _Atomic int64_t worst_after_freeze;

/* The store, in the handler: stored (release) before the freezer that
 * sends the signals starts. */
static struct pagever *store_in_handler(void)
{
	return atomic_load_explicit(&frozen_store, memory_order_acquire);
}

/* Versions the store holds as history now: mapped, less pooled and
 * current.  The counts are read one after the other, not at one instant;
 * async-signal-safe. */
static int64_t history_now(struct pagever *s)
{
	/* Relaxed: statistics, each exact. */
	uint64_t mapped = atomic_load_explicit(&s->mapped_bytes,
	                                       memory_order_relaxed) /
	                  s->slab_bytes * s->per_slab;
	uint64_t pooled = atomic_load_explicit(&s->pooled,
	                                       memory_order_relaxed);
	return (int64_t)mapped - (int64_t)pooled - PAGES;
}

/* The trimmer may freeze only where it does not hold the trim lock.  A
 * signal handler calls a mutex trylock here: safe, for the thread it
 * interrupts is this store's trimmer, which takes the lock with
 * pthread_mutex_lock only, and a trylock that finds the lock taken (by
 * the interrupted thread itself, or by the writer's back-pressure) fails
 * without waiting. */
static bool trimmer_lock_free(void)
{
	struct pagever *s = store_in_handler();
	if (pthread_mutex_trylock(&s->trim_lock) != 0)
		return false;
	pthread_mutex_unlock(&s->trim_lock);
	return true;
}

/* At the end of a freeze: the history the writer left, alone. */
static void note_history(void)
{
	int64_t now = history_now(store_in_handler());
	/* Relaxed: a maximum, read after the freezer stopped. */
	int64_t worst = atomic_load_explicit(&worst_after_freeze,
	                                     memory_order_relaxed);
	while (now > worst &&
	       !atomic_compare_exchange_weak_explicit(&worst_after_freeze,
	                                              &worst, now,
	                                              memory_order_relaxed,
	                                              memory_order_relaxed))
		;
}

/* The thread pagever_open started: the one `after` has and `before` has
 * not; 0 when there is not exactly one. */
static pid_t new_thread(const pid_t *before, size_t nb, const pid_t *after,
                        size_t na)
{
	pid_t found = 0;
	for (size_t i = 0; i < na; i++) {
		bool old = false;
		for (size_t j = 0; j < nb; j++)
			old |= after[i] == before[j];
		if (!old) {
			if (found)
				return 0;
			found = after[i];
		}
	}
	return found;
}

/* The reader of the third run: back-to-back reads of two pages. */
struct reader_arg {
	struct pagever *s;
	_Atomic bool stop;
	uint64_t reads;
	int status;
};

static void *reader_main(void *p)
{
	struct reader_arg *a = p;
	/* Relaxed: a stop flag; the join orders the rest. */
	while (!atomic_load_explicit(&a->stop, memory_order_relaxed)) {
		pagever_reader r = {0};
		a->status = pagever_begin_read(a->s, &r);
		if (a->status != PAGEVER_OK)
			break;
		for (uint64_t n = 0; n < 2; n++)
			(void)*(const volatile uint64_t *)pagever_page(&r, n);
		pagever_end_read(&r);
		a->reads++;
	}
	return NULL;
}

/* One run; prints a line.  0 when the history stayed bounded (and, with
 * the reader, the writer neither mapped nor trimmed after the warm-up), 1
 * when not, 3 when it could not run. */
static int run(bool move_home, bool with_reader, double seconds)
{
	pid_t before[MAX_THREADS], after[MAX_THREADS];
	size_t nb = freeze_list_threads(before, MAX_THREADS);
	struct pagever_options options;
	pagever_options_init(&options);
	options.pages = PAGES;
	options.page_size = PAGE_SIZE;
	options.move_home = move_home;
	struct pagever *s;
	int status = pagever_open(&options, &s);
	if (status != PAGEVER_OK) {
		fprintf(stderr, "bounded_memory: %s\n", pagever_strerror(status));
		return 3;
	}
	size_t na = freeze_list_threads(after, MAX_THREADS);
	pid_t trimmer = new_thread(before, nb, after, na);
	if (!trimmer) {
		fprintf(stderr, "bounded_memory: cannot tell the trimmer thread\n");
		pagever_close(s);
		return 3;
	}
	/* Release: see store_in_handler. */
	atomic_store_explicit(&frozen_store, s, memory_order_release);
	atomic_store(&worst_after_freeze, 0);
	freeze_register(0, trimmer);
	struct freeze_plan plan = {.min_ns = 100e6, .max_ns = 300e6,
	                           .gap_ns = 50000000, .first = 0, .count = 1};
	uint64_t frozen = freeze_count();
	struct freezer freezer;
	if (!freezer_start(&freezer, &plan)) {
		fprintf(stderr, "bounded_memory: cannot start a thread\n");
		pagever_close(s);
		return 3;
	}
	struct reader_arg reader = {.s = s};
	pthread_t reader_thread;
	if (with_reader &&
	    pthread_create(&reader_thread, NULL, reader_main, &reader) != 0) {
		freezer_stop(&freezer);
		freeze_unregister(0);
		pagever_close(s);
		fprintf(stderr, "bounded_memory: cannot start a thread\n");
		return 3;
	}
	int64_t peak = 0;
	uint64_t commits = 0, x = 1, start = freeze_now_ns();
	uint64_t allocs_warm = UINT64_MAX, trims_warm = 0;
	for (uint64_t end = start + (uint64_t)(seconds * 1e9);
	     freeze_now_ns() < end && status == PAGEVER_OK;) {
		if (with_reader) {
			uint64_t due = start + commits * 1000000000u /
			                       WITH_READER_RATE;
			uint64_t now = freeze_now_ns();
			if (now < due)
				freeze_sleep_ns(due - now);
			if (allocs_warm == UINT64_MAX &&
			    now >= start + WARM_UP_NS) {
				struct pagever_stats st;
				pagever_stats(s, &st);
				allocs_warm = st.writer_allocs;
				trims_warm = st.writer_trims;
			}
		}
		status = pagever_begin_write(s);
		uint64_t first = 0;
		for (unsigned k = 0; k < PAGES_PER_COMMIT && status == PAGEVER_OK;
		     k++) {
			x = x * 6364136223846793005u + 1442695040888963407u;
			uint64_t n = k == 0 ? (x >> 33) % PAGES
			                    : (first + 1 + (x >> 33) % (PAGES - 1)) %
			                              PAGES;
			first = n;
			void *page;
			status = pagever_write_page(s, n, &page);
			if (status == PAGEVER_OK)
				memcpy(page, &commits, sizeof commits);
		}
		if (status == PAGEVER_OK)
			status = pagever_commit(s, NULL);
		else
			pagever_abort(s);
		commits++;
		int64_t history = history_now(s);
		if (history > peak)
			peak = history;
	}
	if (with_reader) {
		/* Relaxed: the join orders the reader's stores. */
		atomic_store_explicit(&reader.stop, true, memory_order_relaxed);
		pthread_join(reader_thread, NULL);
		if (reader.status != PAGEVER_OK)
			status = reader.status;
	}
	freezer_stop(&freezer);
	freeze_unregister(0);
	struct pagever_stats stats;
	pagever_stats(s, &stats);
	uint64_t bound = HISTORY_BOUND + 2 * s->per_slab;
	/* Joins the trimmer, and with it a freeze still under way. */
	pagever_close(s);
	frozen = freeze_count() - frozen;
	if (status != PAGEVER_OK) {
		fprintf(stderr, "bounded_memory: %s\n", pagever_strerror(status));
		return 3;
	}
	/* Relaxed: the trimmer has been joined. */
	int64_t worst = atomic_load_explicit(&worst_after_freeze,
	                                     memory_order_relaxed);
	/* The trimmer really fell behind: several freezes. */
	bool ok = worst <= (int64_t)bound && frozen >= 3 &&
	          (with_reader || stats.retained_visible_peak_bytes == 0);
	if (with_reader) {
		bool warm = allocs_warm != UINT64_MAX;
		uint64_t allocs = warm ? stats.writer_allocs - allocs_warm : 0;
		uint64_t trims = warm ? stats.writer_trims - trims_warm : 0;
		ok = ok && warm && allocs == 0 && trims == 0 && reader.reads;
		printf("     with a reader (%llu reads): after the warm-up the "
		       "writer mapped %llu slabs and trimmed %llu times (both "
		       "must be 0)\n", (unsigned long long)reader.reads,
		       (unsigned long long)allocs, (unsigned long long)trims);
	}
	printf("%-4s home %-3s%s commits %-9llu freezes %-3llu history after a "
	       "freeze %lld versions (bound %llu), peak %lld  writer trims "
	       "%llu  retained peak %.1f MiB\n",
	       ok ? "ok" : "FAIL", move_home ? "on" : "off",
	       with_reader ? " reader" : "",
	       (unsigned long long)commits, (unsigned long long)frozen,
	       (long long)worst, (unsigned long long)bound, (long long)peak,
	       (unsigned long long)stats.writer_trims,
	       (double)stats.retained_peak_bytes / (1 << 20));
	if (frozen < 3)
		printf("     the trimmer was frozen only %llu times: too few to "
		       "count\n", (unsigned long long)frozen);
	return ok ? 0 : 1;
}

static void *nothing(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;
	if (argc > 2 || !(seconds > 0 && seconds <= 3600)) {
		fprintf(stderr, "usage: bounded_memory [SECONDS_PER_RUN]\n");
		return 2;
	}
	/* A sanitizer may start a thread of its own with the first
	 * pthread_create: let it, before threads are counted to tell the
	 * trimmer. */
	pthread_t first;
	if (pthread_create(&first, NULL, nothing, NULL) == 0)
		pthread_join(first, NULL);
	if (!freeze_install(trimmer_lock_free, note_history)) {
		fprintf(stderr, "bounded_memory: cannot handle SIGUSR1\n");
		return 3;
	}
	int status = 0;
	for (int k = 0; k < 3; k++) {
		/* Home on, home off, then home on beside a reader. */
		int r = run(k != 1, k == 2, seconds);
		/* A broken bound (1) wins over a resource error (3). */
		if (r == 1 || (r == 3 && status == 0))
			status = r;
	}
	return status;
}
