/*
 * reuse_stress — libpagever (include/pagever.h) with a closed-loop writer
 * and readers that are frozen at random instants, every page a reader gets
 * checked against the exact version its snapshot must show.
 *
 * Why frozen.  Issue 15 item 8: deleting pagever's wait before unlinked
 * versions are reused passed every test, yet a closed-loop writer beside
 * four readers found torn pages within seconds.  The races of such a
 * scheme need a thread to stop at one wrong instruction (a reader in the
 * middle of a chain walk or of announcing its time, the writer between two
 * stores of a commit) for long enough that the others unlink, reuse or
 * publish what it is about to touch.  The scheduler seldom does that on a
 * machine with few threads, and a run that passes proves little.  So the
 * readers and the writer are frozen at random instants (tests/freeze.h): a
 * preemption at an arbitrary instruction, while the library's trimmer,
 * never frozen, goes on trimming and reusing.  (tests/test_pagever_races.c
 * stops threads at the exact instructions instead, with watchpoints; this
 * program needs no kernel support and also finds what no one thought of.)
 *
 * The check.  Every commit writes PAGES_PER_COMMIT pages of a small hot
 * set, each filled from (page number, commit); before the commit the
 * writer appends the commit to the page's log of writes.  A reader at time
 * T checks that each page it reads is page n, untorn, written by a commit
 * c <= T that n's log holds, with no later write <= T: exactly the version
 * current at T, as the snapshot promises.
 *
 * The phases (`phases` below) shape the load and the freezes for one kind
 * of race each, and each runs with pages moved home and without.  A phase
 * opens a fresh store every CYCLE_S: the pool of free versions only grows,
 * and the larger it is, the longer a freed version waits to be reused.
 *
 * usage: reuse_stress [SECONDS_PER_PHASE]   (default 1.0)
 * Exit status 0 when every phase was clean, 1 when one was not (a check
 * failed, or a phase did too little to count), 2 on bad usage, 3 when
 * memory or a thread could not be had.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "freeze.h"
#include "pagever.h"

#define PAGES_PER_COMMIT 2
#define MAX_READERS 8
/* Writes logged per page in one store's life; the writer stops early
 * when a log is full. */
#define LOG_CAPACITY ((size_t)1 << 22)
/* A store's life within a phase. */
#define CYCLE_S 0.25
/* A phase that runs this much longer than asked has hung. */
#define HANG_S 20

/* ---- the phases ---- */

struct phase {
	const char *name;
	size_t page_size;
	uint64_t pages, hot;
	unsigned readers;
	/* A read: the hot set from a random page on, pausing `hold_ns`
	 * halfway, repeated for `snapshot_ns` (0: once) before end_read. */
	uint64_t hold_ns, snapshot_ns;
	/* Every check_stride-th word of a page is checked, and the last. */
	size_t check_stride;
	/* The freezes: slot 0 is the writer, 1.. the readers (`first` 0
	 * freezes the writer too; `count` is filled from `readers`). */
	struct freeze_plan freezes;
};

static const struct phase phases[] = {
	/* A reader re-reads its snapshot of four hot pages for 2 ms, so
	 * that most of its time is spent walking chains of versions newer
	 * than it, which the trimmer unlinks and the writer reuses.  16 KiB
	 * pages: few versions per slab, so a fresh store's pool is small and
	 * turns over within milliseconds.  Long freezes of readers only: one
	 * that stops a walk outlasts the reuse of the version it stood on. */
	{.name = "walks over reused versions", .page_size = 16384,
	 .pages = 64, .hot = 4, .readers = 2, .snapshot_ns = 2000000,
	 .check_stride = 61,
	 .freezes = {.min_ns = 500e3, .max_ns = 50e6, .gap_ns = 5000000,
	             .first = 1}},
	/* Short reads and commits of 64-byte pages: begin_read's
	 * announcement and the writer's commit are much of each thread's
	 * time.  Short, frequent freezes of every thread. */
	{.name = "announcing and committing", .page_size = 64, .pages = 64,
	 .hot = 4, .readers = 4, .check_stride = 1,
	 .freezes = {.min_ns = 20e3, .max_ns = 5e6, .gap_ns = 50000}},
	/* Readers hold their snapshot 1 ms: versions are kept, unlinked
	 * between live readers and moved home after them. */
	{.name = "held snapshots", .page_size = 256, .pages = 64, .hot = 8,
	 .readers = 4, .hold_ns = 1000000, .check_stride = 1,
	 .freezes = {.min_ns = 5e3, .max_ns = 10e6, .gap_ns = 100000}},
};

/* ---- one store's life ---- */

/* Word i of page n as commit c wrote it; word 0 is n, word 1 is c. */
static uint64_t page_word(uint64_t n, uint64_t c, size_t i)
{
	return (n * 0x9e3779b97f4a7c15u ^ c * 0xc2b2ae3d27d4eb4fu) + i;
}

static void page_fill(uint64_t *page, size_t words, uint64_t n, uint64_t c)
{
	page[0] = n;
	page[1] = c;
	for (size_t i = 2; i < words; i++)
		page[i] = page_word(n, c, i);
}

/* Page n's writes, ascending: commit 0 (its initial contents), then each
 * commit that wrote it, appended before that commit is made. */
struct page_log {
	_Atomic uint32_t *commits;
	_Atomic size_t len;
};

enum fault { WRONG_PAGE, TORN, FUTURE, NOT_WRITTEN, STALE, FAULTS };
static const char *const fault_names[FAULTS] = {
	"a page read as another page",
	"a torn page (the contents of no single write)",
	"a version committed after the reader's time",
	"a version no commit wrote",
	"an older version than the one current at the reader's time",
};

struct faults {
	pthread_mutex_t lock;
	uint64_t count[FAULTS];
	char first[FAULTS][160];
};

/* What one store's life shares between its threads.  `error`, `commits`
 * and `reads` are stored by the threads and read by the main thread after
 * joining them, which orders everything: seq_cst where nothing is said,
 * for no reason but plainness. */
struct cycle {
	const struct phase *phase;
	pagever *store;
	struct page_log *logs;
	struct faults *faults;
	_Atomic bool stop;
	_Atomic uint64_t commits, reads;
	_Atomic int error;  /* a PAGEVER_* code a thread got, or 0 */
};

static void fault(struct faults *f, enum fault kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fault(struct faults *f, enum fault kind, const char *fmt, ...)
{
	pthread_mutex_lock(&f->lock);
	if (f->count[kind]++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(f->first[kind], sizeof f->first[kind], fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&f->lock);
}

static void init_page(void *ctx, uint64_t n, void *page)
{
	const struct phase *ph = ctx;
	page_fill(page, ph->page_size / 8, n, 0);
}

/* Where commit c is in page n's log, or the log's length when it is not
 * there.  Searched back from the end: the versions read are recent. */
static size_t log_find(struct page_log *log, size_t len, uint64_t c)
{
	size_t hi = len, step = 1;
	/* Relaxed: entries below `len` were published by its release. */
	while (hi > step && atomic_load_explicit(&log->commits[hi - step],
	                                         memory_order_relaxed) > c) {
		hi -= step;
		step *= 2;
	}
	size_t lo = hi > step ? hi - step : 0; /* commits[lo] <= c, if any */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (atomic_load_explicit(&log->commits[mid],
		                         memory_order_relaxed) < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < len && atomic_load_explicit(&log->commits[lo],
	                                        memory_order_relaxed) == c
	               ? lo : len;
}

/* Checks page n as a reader at time t got it. */
static void check_page(struct cycle *cy, uint64_t n, const uint64_t *page,
                       uint64_t t)
{
	const struct phase *ph = cy->phase;
	uint64_t c = page[1];
	if (page[0] != n) {
		fault(cy->faults, WRONG_PAGE, "page %llu at time %llu holds "
		      "page %llu (commit %llu)", (unsigned long long)n,
		      (unsigned long long)t, (unsigned long long)page[0],
		      (unsigned long long)c);
		return;
	}
	size_t words = ph->page_size / 8;
	for (size_t i = 2; i < words; i += ph->check_stride)
		if (page[i] != page_word(n, c, i))
			goto torn;
	if (page[words - 1] != page_word(n, c, words - 1))
		goto torn;
	if (c > t) {
		fault(cy->faults, FUTURE, "page %llu at time %llu: commit %llu",
		      (unsigned long long)n, (unsigned long long)t,
		      (unsigned long long)c);
		return;
	}
	struct page_log *log = &cy->logs[n];
	/* Acquire: pairs with the writer's release; every write <= t was
	 * logged before its commit, which came before this read began. */
	size_t len = atomic_load_explicit(&log->len, memory_order_acquire);
	size_t at = log_find(log, len, c);
	if (at == len) {
		fault(cy->faults, NOT_WRITTEN, "page %llu at time %llu: commit "
		      "%llu never wrote it", (unsigned long long)n,
		      (unsigned long long)t, (unsigned long long)c);
		return;
	}
	if (at + 1 < len) {
		/* Relaxed: as in log_find. */
		uint64_t next = atomic_load_explicit(&log->commits[at + 1],
		                                     memory_order_relaxed);
		if (next <= t)
			fault(cy->faults, STALE, "page %llu at time %llu: commit "
			      "%llu's version, but commit %llu wrote it",
			      (unsigned long long)n, (unsigned long long)t,
			      (unsigned long long)c, (unsigned long long)next);
	}
	return;
torn:
	fault(cy->faults, TORN, "page %llu at time %llu, commit %llu",
	      (unsigned long long)n, (unsigned long long)t,
	      (unsigned long long)c);
}

static bool stopping(struct cycle *cy)
{
	/* Acquire: pairs with the release that stops the cycle; nothing
	 * else is read through it. */
	return atomic_load_explicit(&cy->stop, memory_order_acquire);
}

struct reader_arg {
	struct cycle *cycle;
	unsigned index;
};

static void *reader_main(void *argp)
{
	struct reader_arg *arg = argp;
	struct cycle *cy = arg->cycle;
	const struct phase *ph = cy->phase;
	freeze_register_self(1 + arg->index);
	uint64_t x = 0x9e3779b97f4a7c15u * (arg->index + 1), reads = 0;
	unsigned per_pass = (unsigned)ph->hot;
	while (!stopping(cy)) {
		pagever_reader reader = {0};
		int status = pagever_begin_read(cy->store, &reader);
		if (status != PAGEVER_OK) {
			atomic_store(&cy->error, status);
			break;
		}
		uint64_t t = pagever_reader_commit(&reader);
		uint64_t until = ph->snapshot_ns ? freeze_now_ns() + ph->snapshot_ns : 0;
		do {
			x = x * 6364136223846793005u + 1442695040888963407u;
			uint64_t first = (x >> 33) % ph->hot;
			for (unsigned i = 0; i < per_pass; i++) {
				if (ph->hold_ns && i == per_pass / 2)
					freeze_sleep_ns(ph->hold_ns);
				uint64_t n = (first + i) % ph->hot;
				const void *page;
				status = pagever_read_page(&reader, n, &page);
				if (status != PAGEVER_OK) {
					atomic_store(&cy->error, status);
					break;
				}
				check_page(cy, n, page, t);
			}
		} while (status == PAGEVER_OK && until && freeze_now_ns() < until &&
		         !stopping(cy));
		pagever_end_read(&reader);
		reads++;
	}
	freeze_unregister(1 + arg->index);
	/* Relaxed: read after the join. */
	atomic_fetch_add_explicit(&cy->reads, reads, memory_order_relaxed);
	return NULL;
}

/* Appends commit c to page n's log. */
static bool log_append(struct page_log *log, uint64_t c)
{
	/* Relaxed: only the writer appends. */
	size_t len = atomic_load_explicit(&log->len, memory_order_relaxed);
	atomic_store_explicit(&log->commits[len], (uint32_t)c,
	                      memory_order_relaxed);
	/* Release: a reader that sees the length sees the entry. */
	atomic_store_explicit(&log->len, len + 1, memory_order_release);
	return len + 2 < LOG_CAPACITY;
}

static void *writer_main(void *argp)
{
	struct cycle *cy = argp;
	const struct phase *ph = cy->phase;
	freeze_register_self(0);
	uint64_t x = 77, commit = 0;
	bool room = true;
	while (room && !stopping(cy)) {
		int status = pagever_begin_write(cy->store);
		uint64_t c = commit + 1, written[PAGES_PER_COMMIT];
		for (unsigned k = 0; status == PAGEVER_OK &&
		                     k < PAGES_PER_COMMIT; k++) {
			uint64_t n;
			bool again;
			do {
				x = x * 6364136223846793005u + 1442695040888963407u;
				n = (x >> 33) % ph->hot;
				again = false;
				for (unsigned j = 0; j < k; j++)
					again |= written[j] == n;
			} while (again);
			written[k] = n;
			void *page;
			status = pagever_write_page(cy->store, n, &page);
			if (status == PAGEVER_OK) {
				page_fill(page, ph->page_size / 8, n, c);
				room &= log_append(&cy->logs[n], c);
			}
		}
		uint64_t made = 0;
		if (status == PAGEVER_OK)
			status = pagever_commit(cy->store, &made);
		if (status != PAGEVER_OK) {
			atomic_store(&cy->error, status);
			break;
		}
		if (made != c) {
			fault(cy->faults, NOT_WRITTEN, "commit %llu came out as "
			      "%llu", (unsigned long long)c,
			      (unsigned long long)made);
			break;
		}
		commit = c;
		/* Relaxed: read after the join. */
		atomic_store_explicit(&cy->commits, c, memory_order_relaxed);
	}
	freeze_unregister(0);
	return NULL;
}

/* What a phase did, over its cycles. */
struct totals {
	uint64_t commits, reads, peak_bytes;
};

/* One store's life: PAGEVER_OK, or the code of what went wrong. */
static int run_cycle(const struct phase *ph, bool move_home,
                     struct page_log *logs, struct faults *faults,
                     struct totals *totals)
{
	struct cycle cy = {.phase = ph, .logs = logs, .faults = faults};
	for (uint64_t n = 0; n < ph->pages; n++)
		atomic_store(&logs[n].len, 1); /* commit 0 */
	struct pagever_options options;
	pagever_options_init(&options);
	options.pages = ph->pages;
	options.page_size = ph->page_size;
	options.move_home = move_home;
	options.init_page = init_page;
	options.init_ctx = (void *)ph;
	int status = pagever_open(&options, &cy.store);
	if (status != PAGEVER_OK)
		return status;
	pthread_t writer, readers[MAX_READERS];
	struct reader_arg args[MAX_READERS];
	unsigned started = 0;
	bool writing = pthread_create(&writer, NULL, writer_main, &cy) == 0;
	for (; writing && started < ph->readers; started++) {
		args[started] = (struct reader_arg){&cy, started};
		if (pthread_create(&readers[started], NULL, reader_main,
		                   &args[started]) != 0)
			break;
	}
	if (writing && started == ph->readers)
		freeze_sleep_ns((uint64_t)(CYCLE_S * 1e9));
	/* Release: pairs with the threads' acquire loads. */
	atomic_store_explicit(&cy.stop, true, memory_order_release);
	for (unsigned i = 0; i < started; i++)
		pthread_join(readers[i], NULL);
	if (writing)
		pthread_join(writer, NULL);
	struct pagever_stats stats;
	pagever_stats(cy.store, &stats);
	pagever_close(cy.store);
	totals->commits += atomic_load(&cy.commits);
	totals->reads += atomic_load(&cy.reads);
	if (stats.retained_peak_bytes > totals->peak_bytes)
		totals->peak_bytes = stats.retained_peak_bytes;
	if (!writing || started < ph->readers)
		return PAGEVER_ETHREAD;
	return atomic_load(&cy.error);
}

/* Runs one phase for `seconds`; prints a line.  Returns 0 when it was
 * clean, 1 when not, 3 on a resource error. */
static int run_phase(const struct phase *ph, bool move_home, double seconds)
{
	struct faults faults = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct page_log *logs = calloc(ph->pages, sizeof *logs);
	bool have_logs = logs != NULL;
	for (uint64_t n = 0; have_logs && n < ph->pages; n++) {
		/* calloc: the log pages never written cost nothing. */
		logs[n].commits = calloc(LOG_CAPACITY, sizeof(uint32_t));
		have_logs = logs[n].commits != NULL;
	}
	int status = have_logs ? PAGEVER_OK : PAGEVER_ENOMEM;
	struct totals totals = {0};
	uint64_t frozen = freeze_count();
	struct freeze_plan plan = ph->freezes;
	plan.count = 1 + ph->readers - plan.first;
	struct freezer freezer;
	bool freezing = status == PAGEVER_OK && freezer_start(&freezer, &plan);
	if (!freezing && status == PAGEVER_OK)
		status = PAGEVER_ETHREAD;
	/* A hang (a chain made circular, a wait that never ends) ends the
	 * program: SIGALRM's default action. */
	alarm((unsigned)seconds + HANG_S);
	for (uint64_t start = freeze_now_ns(); status == PAGEVER_OK &&
	                                freeze_now_ns() - start < seconds * 1e9;)
		status = run_cycle(ph, move_home, logs, &faults, &totals);
	alarm(0);
	if (freezing)
		freezer_stop(&freezer);
	frozen = freeze_count() - frozen;
	for (uint64_t n = 0; logs && n < ph->pages; n++)
		free((void *)logs[n].commits);
	free(logs);

	uint64_t found = 0;
	for (int k = 0; k < FAULTS; k++)
		found += faults.count[k];
	/* The phase did what it is for: commits, reads and freezes (few
	 * enough to hold under ThreadSanitizer, which runs it ten times
	 * slower). */
	bool enough = totals.commits > 100 && totals.reads > 10 &&
	              frozen > 10;
	const char *verdict = found ? "FAIL" : status != PAGEVER_OK ? "ERROR"
	                      : enough ? "ok" : "FAIL";
	printf("%-5s %-28s home %-3s commits %-8llu reads %-8llu "
	       "freezes %-6llu peak %.1f MiB\n", verdict, ph->name,
	       move_home ? "on" : "off", (unsigned long long)totals.commits,
	       (unsigned long long)totals.reads, (unsigned long long)frozen,
	       (double)totals.peak_bytes / (1 << 20));
	for (int k = 0; k < FAULTS; k++)
		if (faults.count[k])
			printf("      %llu x %s; first: %s\n",
			       (unsigned long long)faults.count[k], fault_names[k],
			       faults.first[k]);
	if (status != PAGEVER_OK)
		printf("      %s\n", pagever_strerror(status));
	else if (!enough && !found)
		printf("      too little happened to count\n");
	pthread_mutex_destroy(&faults.lock);
	return found || (status == PAGEVER_OK && !enough) ? 1
	       : status != PAGEVER_OK ? 3 : 0;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	if (argc > 2 || !(seconds > 0 && seconds <= 3600)) {
		fprintf(stderr, "usage: reuse_stress [SECONDS_PER_PHASE]\n");
		return 2;
	}
	if (!freeze_install(NULL, NULL)) {
		fprintf(stderr, "reuse_stress: cannot handle SIGUSR1\n");
		return 3;
	}
	int status = 0;
	for (size_t i = 0; i < sizeof phases / sizeof *phases; i++)
		for (int home = 1; home >= 0; home--) {
			int r = run_phase(&phases[i], home, seconds);
			/* A failed check (1) wins over a resource error (3). */
			if (r == 1 || (r == 3 && status == 0))
				status = r;
		}
	printf("%s\n", status == 0 ? "every phase clean" : "FAILED");
	return status;
}
