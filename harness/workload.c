#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "../variants/clock.h"
#include "page.h"
#include "workload.h"

const char *const scan_work_names[3] = {"touch", "sum", "verify"};

/* A writer sleeps until a little before a commit's intended start, then
 * spins, so that the kernel's wake-up delay does not count as commit
 * latency.  How little is measured per writer before the run (that delay
 * is 5 us on one boot of a VM and 50-100 us on the next): the 95th
 * percentile of its lateness over a few sleeps, plus a margin, kept
 * between these bounds.  The spin costs that much CPU per commit. */
#define WRITER_SPIN_MIN_NS 20000u
#define WRITER_SPIN_MAX_NS 500000u
#define SPIN_PROBES 64
/* Pauses and the main thread's wait are cut into slices this long, so that
 * a stop or an error is noticed within it. */
#define SLICE_NS 10000000u
#define MONITOR_PERIOD_NS 10000000u
#define PROGRESS_PERIOD_NS 500000000u

/* ---- one write transaction ---- */

int workload_commit(const struct sb_variant *variant, sb_db *db,
                    struct oracle *oracle, uint64_t hot_pages,
                    struct writer_rng *rng, struct violations *found)
{
	unsigned k = oracle->write_pages;
	uint64_t pageno[k];
	for (unsigned i = 0; i < k; i++) {
		bool fresh;
		do {
			pageno[i] = rng_next(rng) % hot_pages;
			fresh = true;
			for (unsigned j = 0; j < i; j++)
				if (pageno[j] == pageno[i])
					fresh = false;
		} while (!fresh);
	}
	sb_txn *txn = variant->begin_write(db);
	if (!txn)
		return SB_ERESOURCE;
	uint64_t commit = oracle_txn_begin(oracle, found);
	/* Money moves from page 0 of the transaction to the others: the
	 * balances of a consistent snapshot always sum to zero. */
	int64_t moved = 0;
	for (unsigned i = 1; i < k; i++) {
		void *page = variant->write_page(txn, pageno[i]);
		if (!page)
			return SB_ERESOURCE;
		int64_t amount = (int64_t)(rng_next(rng) % 1000) + 1;
		moved += amount;
		oracle_txn_write(oracle, commit, pageno[i], page, amount, found);
	}
	void *page = variant->write_page(txn, pageno[0]);
	if (!page)
		return SB_ERESOURCE;
	oracle_txn_write(oracle, commit, pageno[0], page, -moved, found);
	if (oracle_txn_log(oracle, commit, pageno) != SB_OK)
		return SB_ERESOURCE;
	oracle_txn_end(oracle, commit);
	if (variant->commit(txn) != SB_OK)
		return SB_ERESOURCE;
	oracle_txn_completed(oracle, commit);
	return SB_OK;
}

/* ---- one read ---- */

/* Sleeps until `end`, in slices, returning early once *stop (if any) is
 * set. */
static void sleep_unless_stopped(uint64_t end, const _Atomic bool *stop)
{
	for (uint64_t now = sb_now_ns(); now < end; now = sb_now_ns()) {
		/* Acquire: nothing is read through the flag; any order would do,
		 * acquire keeps the reasoning simple. */
		if (stop && atomic_load_explicit(stop, memory_order_acquire))
			return;
		sb_sleep_ns(end - now < SLICE_NS ? end - now : SLICE_NS);
	}
}

static void pause_read(const struct read_arg *arg, struct read_result *res)
{
	uint64_t start = sb_now_ns();
	sleep_unless_stopped(start + arg->pause_ns, arg->stop);
	res->pause_ns = sb_now_ns() - start;
}

static void scan_range(const struct sb_variant *variant, sb_snap *snap,
                       const struct read_arg *arg, struct read_check *check,
                       uint64_t from, uint64_t to, struct read_result *res)
{
	struct oracle *o = arg->oracle;
	uint64_t pages = o->pages;
	size_t page_size = o->page_size;
	uint64_t pageno = (arg->start + from) % pages;
	uint64_t sink = 0;
	switch (arg->work) {
	case SCAN_TOUCH:
		for (uint64_t off = from; off < to; off++) {
			sink += page_header(variant->read_page(snap, pageno))->stamp;
			pageno = pageno + 1 == pages ? 0 : pageno + 1;
		}
		break;
	case SCAN_SUM:
		for (uint64_t off = from; off < to; off++) {
			sink += page_sum_words(variant->read_page(snap, pageno),
			                       page_size);
			pageno = pageno + 1 == pages ? 0 : pageno + 1;
		}
		break;
	case SCAN_VERIFY:
		for (uint64_t off = from; off < to; off++) {
			oracle_check_page(o, check, off,
			                  variant->read_page(snap, pageno),
			                  &res->violations);
			pageno = pageno + 1 == pages ? 0 : pageno + 1;
		}
		break;
	}
	res->sink += sink;
	res->pages += to - from;
}

void workload_read(const struct sb_variant *variant, sb_snap *snap, void *argp,
                   void *result)
{
	const struct read_arg *arg = argp;
	struct read_result *res = result;
	memset(res, 0, sizeof *res);
	res->snapshot = variant->snapshot_commit(snap);
	struct read_check check;
	oracle_read_begin(&check, res->snapshot, arg->start, arg->count,
	                  arg->stamps);
	uint64_t half = arg->count / 2;
	scan_range(variant, snap, arg, &check, 0, half, res);
	if (arg->pause_ns)
		pause_read(arg, res);
	scan_range(variant, snap, arg, &check, half, arg->count, res);
	if (arg->work == SCAN_VERIFY)
		oracle_read_end(arg->oracle, &check, &res->violations);
}

/* ---- the run ---- */

struct run_shared;

struct writer_state {
	struct run_shared *run;
	unsigned index;
	pthread_t thread;
	bool started;
	struct writer_rng rng;
	struct hist latency;
	uint64_t commits;
	struct violations found;
	uint64_t *slot_commits;
	struct slot_hist *slot_latency;
	uint64_t spin_ns;             /* see calibrate_spin */
};

struct reader_state {
	struct run_shared *run;
	unsigned index;
	pthread_t thread;
	bool started;
	struct writer_rng rng;
	uint64_t *stamps;
	struct hist duration;
	uint64_t reads, pages, bytes, active_ns, stale_max;
	struct violations found;
	uint64_t *slot_reads;
};

struct run_shared {
	const struct sb_variant *variant;
	const struct run_config *config;
	sb_db *db;
	struct oracle oracle;
	uint64_t slots;

	/* The start gate: set under `gate` before `go` is broadcast. */
	pthread_mutex_t gate;
	pthread_cond_t gate_changed;
	unsigned ready;
	bool go;
	uint64_t t_start, measure_start, measure_end;

	/* Readers finish, writers stop.  In a shared mapping, so that a read
	 * run in a forked child (run_read) sees it too. */
	_Atomic bool *stop;
	_Atomic bool monitor_stop;
	_Atomic int error;            /* first error's status, 0 = none */
	char error_msg[256];          /* written by the thread that set error */
	_Atomic uint64_t reads_done;  /* for the progress line */
	_Atomic uint64_t commits_done;

	/* Monitor, joined before these are read. */
	uint64_t rss_peak;
	uint64_t retained_peak;
	struct timeline_slot *timeline;
};

static void run_fail(struct run_shared *run, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void run_fail(struct run_shared *run, int status, const char *fmt, ...)
{
	int none = 0;
	/* Acq_rel: the winner's message is published by the joins that follow;
	 * the exchange only decides who writes it. */
	if (atomic_compare_exchange_strong_explicit(&run->error, &none, status,
	                                            memory_order_acq_rel,
	                                            memory_order_acquire)) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(run->error_msg, sizeof run->error_msg, fmt, ap);
		va_end(ap);
	}
	/* Release: pairs with the acquire loads of `stop`. */
	atomic_store_explicit(run->stop, true, memory_order_release);
}

static bool run_stopping(struct run_shared *run)
{
	/* Acquire: pairs with the release in run_fail / the main thread. */
	return atomic_load_explicit(run->stop, memory_order_acquire);
}

/* Enters the variant and waits at the start gate.  False when the run
 * failed before it started. */
static bool thread_start(struct run_shared *run)
{
	int entered = sb_thread_enter(run->variant, run->db);
	pthread_mutex_lock(&run->gate);
	run->ready++;
	pthread_cond_broadcast(&run->gate_changed);
	while (!run->go)
		pthread_cond_wait(&run->gate_changed, &run->gate);
	pthread_mutex_unlock(&run->gate);
	if (entered != SB_OK) {
		run_fail(run, SB_ERESOURCE, "%s: thread_enter failed",
		         run->variant->name);
		return false;
	}
	/* Acquire: pairs with run_fail; a failed start ends the run. */
	return atomic_load_explicit(&run->error, memory_order_acquire) == 0;
}

static uint64_t slot_of(const struct run_shared *run, uint64_t t)
{
	if (t < run->measure_start)
		return 0;
	uint64_t slot = (t - run->measure_start) / TIMELINE_SLOT_NS;
	return slot < run->slots ? slot : run->slots - 1;
}

static unsigned slot_index(uint64_t value)
{
	if (value < 2 * 8)
		return (unsigned)value;
	unsigned msb = 63u - (unsigned)__builtin_clzll(value);
	unsigned shift = msb - SLOT_SUB_BITS;
	return shift * 8 + (unsigned)(value >> shift);
}

static uint64_t slot_bucket_high(unsigned index)
{
	if (index < 2 * 8)
		return index;
	unsigned shift = index / 8 - 1;
	return ((uint64_t)(index - shift * 8) << shift) + ((1ull << shift) - 1);
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* How long before a deadline this thread must stop sleeping to be awake in
 * time, nearly always: see WRITER_SPIN_MIN_NS. */
static uint64_t calibrate_spin(void)
{
	uint64_t late[SPIN_PROBES];
	for (int i = 0; i < SPIN_PROBES; i++) {
		uint64_t deadline = sb_now_ns() + 100000;
		sb_sleep_until_ns(deadline);
		uint64_t now = sb_now_ns();
		late[i] = now > deadline ? now - deadline : 0;
	}
	qsort(late, SPIN_PROBES, sizeof late[0], compare_u64);
	uint64_t spin = late[SPIN_PROBES * 95 / 100] * 5 / 4 + 5000;
	if (spin < WRITER_SPIN_MIN_NS)
		spin = WRITER_SPIN_MIN_NS;
	return spin > WRITER_SPIN_MAX_NS ? WRITER_SPIN_MAX_NS : spin;
}

static void wait_until(uint64_t deadline, uint64_t spin_ns)
{
	uint64_t now = sb_now_ns();
	if (now + spin_ns < deadline)
		sb_sleep_until_ns(deadline - spin_ns);
	while (sb_now_ns() < deadline)
		;
}

static void *writer_main(void *argp)
{
	struct writer_state *w = argp;
	struct run_shared *run = w->run;
	const struct run_config *config = run->config;
	/* The kernel's default 50 us timer slack would be commit latency. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	w->spin_ns = config->write_rate > 0 ? calibrate_spin() : 0;
	if (!thread_start(run))
		goto out;
	uint64_t period_ns = config->write_rate > 0
		? (uint64_t)(1e9 / config->write_rate) : 0;
	if (config->write_rate > 0 && period_ns == 0)
		period_ns = 1;
	for (uint64_t n = 0;; n++) {
		uint64_t intended;
		if (period_ns) {
			intended = run->t_start +
			           (n * config->writers + w->index) * period_ns;
			if (intended >= run->measure_end)
				break;
			if (atomic_load_explicit(&run->error, memory_order_relaxed))
				break;
			wait_until(intended, w->spin_ns);
		} else {
			intended = sb_now_ns();
			if (intended >= run->measure_end || run_stopping(run))
				break;
		}
		int status = workload_commit(run->variant, run->db, &run->oracle,
		                             config->hot_pages, &w->rng, &w->found);
		uint64_t done = sb_now_ns();
		if (status != SB_OK) {
			run_fail(run, status, "%s: a write transaction failed: out "
			         "of memory or another resource", run->variant->name);
			break;
		}
		/* Relaxed: a counter for the progress line only. */
		atomic_fetch_add_explicit(&run->commits_done, 1, memory_order_relaxed);
		if (intended < run->measure_start)
			continue;
		hist_record(&w->latency, done - intended);
		w->commits++;
		if (w->slot_commits) {
			/* Commits count where they completed (a stalled writer
			 * shows as a gap, then a burst); latency where it was
			 * intended (the slot whose commits waited). */
			w->slot_commits[slot_of(run, done)]++;
			w->slot_latency[slot_of(run, intended)]
				.buckets[slot_index(done - intended)]++;
		}
	}
out:
	sb_thread_exit(run->variant, run->db);
	return NULL;
}

static void *reader_main(void *argp)
{
	struct reader_state *r = argp;
	struct run_shared *run = r->run;
	const struct run_config *config = run->config;
	if (!thread_start(run))
		goto out;
	struct read_arg arg = {
		.oracle = &run->oracle,
		.count = config->scan_pages,
		.work = config->scan_work,
		.pause_ns = (uint64_t)(config->read_pause_ms * 1e6),
		.stop = run->stop,
		.stamps = r->stamps,
	};
	/* A late start (--read-start); a stop ends the wait. */
	sleep_unless_stopped(run->measure_start +
	                     (uint64_t)(config->read_start_s * 1e9), run->stop);
	for (uint64_t done = 0; !run_stopping(run); done++) {
		if (config->reads_per_reader && done == config->reads_per_reader)
			break;
		arg.start = rng_next(&r->rng) % config->pages;
		struct read_result res;
		uint64_t begin = sb_now_ns();
		uint64_t completed_before = oracle_completed(&run->oracle);
		int status = sb_run_read(run->variant, run->db, workload_read,
		                         &arg, &res, sizeof res);
		uint64_t end = sb_now_ns();
		if (status == SB_ESTARVED)
			continue; /* counted by the variant's starved_reads */
		if (status != SB_OK) {
			run_fail(run, status, "%s: a read failed: out of memory or "
			         "another resource", run->variant->name);
			break;
		}
		violations_add(&r->found, &res.violations);
		uint64_t stale = oracle_check_snapshot(&run->oracle,
		                                       sb_variant_strict(run->variant,
		                                                         config->publish),
		                                       completed_before,
		                                       res.snapshot, &r->found);
		/* Relaxed: a counter for the progress line only. */
		atomic_fetch_add_explicit(&run->reads_done, 1, memory_order_relaxed);
		if (end < run->measure_start)
			continue;
		if (stale > r->stale_max)
			r->stale_max = stale;
		bool cut_short = arg.pause_ns && res.pause_ns + SLICE_NS / 2 < arg.pause_ns;
		if (end > run->measure_end || cut_short)
			continue;
		hist_record(&r->duration, end - begin);
		r->reads++;
		r->pages += res.pages;
		r->bytes += res.pages * config->page_size;
		r->active_ns += end - begin - res.pause_ns;
		if (r->slot_reads)
			r->slot_reads[slot_of(run, end)]++;
	}
out:
	sb_thread_exit(run->variant, run->db);
	return NULL;
}

static void *monitor_main(void *argp)
{
	struct run_shared *run = argp;
	uint64_t next_progress = run->t_start + PROGRESS_PERIOD_NS;
	for (;;) {
		/* Acquire: pairs with the main thread's release. */
		bool last = atomic_load_explicit(&run->monitor_stop,
		                                 memory_order_acquire);
		uint64_t now = sb_now_ns();
		struct sb_stats stats;
		run->variant->stats(run->db, &stats);
		uint64_t rss = process_rss_bytes();
		if (rss > run->rss_peak)
			run->rss_peak = rss;
		if (stats.retained_bytes > run->retained_peak)
			run->retained_peak = stats.retained_bytes;
		if (run->timeline && now >= run->measure_start &&
		    now < run->measure_end) {
			struct timeline_slot *slot = &run->timeline[slot_of(run, now)];
			if (stats.retained_bytes > slot->retained_bytes)
				slot->retained_bytes = stats.retained_bytes;
			if (rss > slot->rss_bytes)
				slot->rss_bytes = rss;
		}
		if (run->config->progress && now >= next_progress) {
			next_progress += PROGRESS_PERIOD_NS;
			double t = (double)(now - run->t_start) / 1e9;
			fprintf(stderr, "\r%-10s %6.1f s  commits %-10llu reads %-8llu "
			        "retained %.1f MiB   ",
			        run->variant->name, t,
			        (unsigned long long)atomic_load_explicit(
					&run->commits_done, memory_order_relaxed),
			        (unsigned long long)atomic_load_explicit(
					&run->reads_done, memory_order_relaxed),
			        (double)stats.retained_bytes / 1048576.0);
		}
		if (last)
			break;
		sb_sleep_ns(MONITOR_PERIOD_NS);
	}
	if (run->config->progress)
		fprintf(stderr, "\r%80s\r", "");
	return NULL;
}

uint64_t process_rss_bytes(void)
{
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	char buf[128];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	unsigned long long size, resident;
	if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return 0;
	return resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void merge_results(struct run_shared *run, struct writer_state *writers,
                          struct reader_state *readers,
                          struct run_result *result)
{
	const struct run_config *config = run->config;
	hist_init(&result->write_latency);
	hist_init(&result->read_duration);
	for (unsigned i = 0; i < config->writers; i++) {
		hist_merge(&result->write_latency, &writers[i].latency);
		result->commits += writers[i].commits;
		if (writers[i].spin_ns > result->writer_spin_ns)
			result->writer_spin_ns = writers[i].spin_ns;
		violations_add(&result->violations, &writers[i].found);
	}
	double rate_sum = 0;
	for (unsigned i = 0; i < config->readers; i++) {
		struct reader_state *r = &readers[i];
		hist_merge(&result->read_duration, &r->duration);
		result->reads += r->reads;
		result->scan_pages += r->pages;
		result->scan_bytes += r->bytes;
		result->scan_active_ns += r->active_ns;
		if (r->active_ns)
			rate_sum += (double)r->bytes / (double)r->active_ns;
		if (r->stale_max > result->stale_max_commits)
			result->stale_max_commits = r->stale_max;
		violations_add(&result->violations, &r->found);
	}
	result->measured_s = config->duration_s;
	result->commits_per_s = (double)result->commits / config->duration_s;
	result->scan_gbps = rate_sum; /* bytes per ns = GB/s */
	result->scan_pages_per_s = result->scan_bytes
		? rate_sum * 1e9 / (double)config->page_size : 0;
	if (run->timeline) {
		for (uint64_t s = 0; s < run->slots; s++) {
			struct timeline_slot *slot = &run->timeline[s];
			struct slot_hist merged = {0};
			for (unsigned i = 0; i < config->writers; i++) {
				slot->commits += writers[i].slot_commits[s];
				for (unsigned b = 0; b < SLOT_BUCKETS; b++)
					merged.buckets[b] +=
						writers[i].slot_latency[s].buckets[b];
			}
			for (unsigned i = 0; i < config->readers; i++)
				slot->reads += readers[i].slot_reads[s];
			/* The p99 of the commits intended in this slot, which are
			 * not the ones that completed in it (slot->commits). */
			uint64_t intended = 0;
			for (unsigned b = 0; b < SLOT_BUCKETS; b++)
				intended += merged.buckets[b];
			uint64_t rank = intended - intended / 100, seen = 0;
			for (unsigned b = 0; b < SLOT_BUCKETS && intended; b++) {
				seen += merged.buckets[b];
				if (seen >= rank) {
					slot->write_p99_ns = slot_bucket_high(b);
					break;
				}
			}
		}
		result->timeline = run->timeline;
		result->timeline_slots = run->slots;
		run->timeline = NULL;
	}
}

static void free_states(struct writer_state *writers, unsigned nwriters,
                        struct reader_state *readers, unsigned nreaders)
{
	for (unsigned i = 0; writers && i < nwriters; i++) {
		free(writers[i].slot_commits);
		free(writers[i].slot_latency);
	}
	for (unsigned i = 0; readers && i < nreaders; i++) {
		free(readers[i].stamps);
		free(readers[i].slot_reads);
	}
	free(writers);
	free(readers);
}

int run_variant(const struct sb_variant *variant,
                const struct run_config *config, struct run_result *result,
                char *err, size_t errlen)
{
	memset(result, 0, sizeof *result);
	result->variant = variant->name;
	struct run_shared *run = calloc(1, sizeof *run);
	if (!run) {
		snprintf(err, errlen, "cannot allocate the run's state");
		return SB_ERESOURCE;
	}
	run->variant = variant;
	run->config = config;
	run->stop = mmap(NULL, sizeof *run->stop, PROT_READ | PROT_WRITE,
	                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (run->stop == MAP_FAILED) {
		free(run);
		snprintf(err, errlen, "cannot map the run's stop flag");
		return SB_ERESOURCE;
	}
	atomic_init(run->stop, false);
	bool keep_log = config->readers > 0 && config->scan_work == SCAN_VERIFY;
	if (oracle_init(&run->oracle, config->pages, config->page_size,
	                config->write_pages, keep_log) != SB_OK) {
		munmap(run->stop, sizeof *run->stop);
		free(run);
		snprintf(err, errlen, "cannot allocate the oracle's model of %llu "
		         "pages", (unsigned long long)config->pages);
		return SB_ERESOURCE;
	}
	struct sb_config db_config = {
		.pages = config->pages,
		.page_size = config->page_size,
		.readers = config->readers,
		.writers = config->writers,
		.publish = config->publish,
		.move_home = config->move_home,
		.init_page = oracle_init_page,
		.init_ctx = &run->oracle,
	};
	int status = variant->open(&db_config, &run->db, err, errlen);
	if (status != SB_OK) {
		oracle_destroy(&run->oracle);
		munmap(run->stop, sizeof *run->stop);
		free(run);
		return status;
	}

	run->slots = (uint64_t)(config->duration_s * 1e9 / TIMELINE_SLOT_NS);
	if ((double)run->slots * TIMELINE_SLOT_NS < config->duration_s * 1e9)
		run->slots++;
	if (run->slots == 0)
		run->slots = 1;
	struct writer_state *writers = calloc(config->writers ? config->writers : 1,
	                                      sizeof *writers);
	struct reader_state *readers = calloc(config->readers ? config->readers : 1,
	                                      sizeof *readers);
	bool ok = writers && readers;
	if (ok && config->timeline) {
		run->timeline = calloc(run->slots, sizeof *run->timeline);
		ok = run->timeline != NULL;
	}
	for (unsigned i = 0; ok && i < config->writers; i++) {
		struct writer_state *w = &writers[i];
		w->run = run;
		w->index = i;
		w->rng.state = config->seed * 0x2545f4914f6cdd1dull + 2 * i + 1;
		hist_init(&w->latency);
		if (config->timeline) {
			w->slot_commits = calloc(run->slots, sizeof *w->slot_commits);
			w->slot_latency = calloc(run->slots, sizeof *w->slot_latency);
			ok = w->slot_commits && w->slot_latency;
		}
	}
	for (unsigned i = 0; ok && i < config->readers; i++) {
		struct reader_state *r = &readers[i];
		r->run = run;
		r->index = i;
		r->rng.state = config->seed * 0x2545f4914f6cdd1dull + 2 * i + 2;
		hist_init(&r->duration);
		if (config->scan_work == SCAN_VERIFY) {
			r->stamps = malloc(config->scan_pages * sizeof *r->stamps);
			ok = r->stamps != NULL;
		}
		if (ok && config->timeline) {
			r->slot_reads = calloc(run->slots, sizeof *r->slot_reads);
			ok = r->slot_reads != NULL;
		}
	}
	if (!ok) {
		snprintf(err, errlen, "cannot allocate the threads' state");
		free_states(writers, config->writers, readers, config->readers);
		free(run->timeline);
		variant->close(run->db);
		oracle_destroy(&run->oracle);
		munmap(run->stop, sizeof *run->stop);
		free(run);
		return SB_ERESOURCE;
	}

	pthread_mutex_init(&run->gate, NULL);
	pthread_cond_init(&run->gate_changed, NULL);
	unsigned created = 0;
	for (unsigned i = 0; i < config->writers; i++) {
		if (pthread_create(&writers[i].thread, NULL, writer_main, &writers[i]))
			break;
		writers[i].started = true;
		created++;
	}
	for (unsigned i = 0; created == config->writers + i && i < config->readers; i++) {
		if (pthread_create(&readers[i].thread, NULL, reader_main, &readers[i]))
			break;
		readers[i].started = true;
		created++;
	}
	if (created < config->writers + config->readers)
		run_fail(run, SB_ERESOURCE, "cannot create %u threads",
		         config->writers + config->readers);

	pthread_mutex_lock(&run->gate);
	while (run->ready < created)
		pthread_cond_wait(&run->gate_changed, &run->gate);
	run->t_start = sb_now_ns();
	run->measure_start = run->t_start + (uint64_t)(config->warmup_s * 1e9);
	run->measure_end = run->measure_start + (uint64_t)(config->duration_s * 1e9);
	run->go = true;
	pthread_cond_broadcast(&run->gate_changed);
	pthread_mutex_unlock(&run->gate);

	pthread_t monitor;
	bool monitor_started =
		pthread_create(&monitor, NULL, monitor_main, run) == 0;
	for (uint64_t now = sb_now_ns(); now < run->measure_end; now = sb_now_ns()) {
		if (atomic_load_explicit(&run->error, memory_order_acquire))
			break;
		uint64_t left = run->measure_end - now;
		sb_sleep_ns(left < SLICE_NS ? left : SLICE_NS);
	}
	/* Release: pairs with run_stopping's acquire. */
	atomic_store_explicit(run->stop, true, memory_order_release);
	for (unsigned i = 0; i < config->writers; i++)
		if (writers[i].started)
			pthread_join(writers[i].thread, NULL);
	for (unsigned i = 0; i < config->readers; i++)
		if (readers[i].started)
			pthread_join(readers[i].thread, NULL);
	/* Release: pairs with the monitor's acquire. */
	atomic_store_explicit(&run->monitor_stop, true, memory_order_release);
	if (monitor_started)
		pthread_join(monitor, NULL);
	else
		run_fail(run, SB_ERESOURCE, "cannot create the monitor thread");

	status = atomic_load(&run->error);
	if (status == SB_OK) {
		struct violations final = {0};
		if (sb_thread_enter(variant, run->db) != SB_OK ||
		    oracle_final_check(&run->oracle, variant, run->db, &final) != SB_OK)
			run_fail(run, SB_ERESOURCE, "%s: the final read failed",
			         variant->name);
		else
			sb_thread_exit(variant, run->db);
		violations_add(&result->violations, &final);
		status = atomic_load(&run->error);
	}
	struct sb_stats stats;
	variant->stats(run->db, &stats);
	result->writer_blocked_ns = stats.writer_blocked_ns;
	result->read_retries = stats.read_retries;
	result->starved_reads = stats.starved_reads;
	result->retained_end_bytes = stats.retained_bytes;
	result->retained_peak_bytes = stats.retained_peak_bytes > run->retained_peak
		? stats.retained_peak_bytes : run->retained_peak;
	result->rss_end_bytes = process_rss_bytes();
	result->rss_peak_bytes = run->rss_peak > result->rss_end_bytes
		? run->rss_peak : result->rss_end_bytes;
	merge_results(run, writers, readers, result);
	violations_print(stderr, variant->name, &result->violations);
	if (status != SB_OK)
		snprintf(err, errlen, "%s", run->error_msg);

	free_states(writers, config->writers, readers, config->readers);
	free(run->timeline);
	variant->close(run->db);
	oracle_destroy(&run->oracle);
	pthread_mutex_destroy(&run->gate);
	pthread_cond_destroy(&run->gate_changed);
	munmap(run->stop, sizeof *run->stop);
	free(run);
	return status;
}

void run_result_free(struct run_result *result)
{
	free(result->timeline);
	result->timeline = NULL;
}
