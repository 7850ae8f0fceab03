/*
 * run.c — one run of one variant in this process (workload.h): the writer
 * and reader threads, the start gate and the schedule, and run_variant's
 * steps: open, start, measure (the main thread's window and drain),
 * collect, teardown.  The monitor and the timeline are in monitor.c; the
 * transactions and reads the threads repeat are in operations.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "../variants/clock.h"
#include "run_internal.h"
#include "sysinfo.h"

/* A writer sleeps until a little before a commit's intended start, then
 * spins, so that the kernel's wake-up delay does not count as commit
 * latency.  How little is measured per writer (that delay is 5 us on one
 * boot of a VM and 50-100 us on the next): the 95th percentile of its
 * lateness over a few sleeps, plus a margin, kept between these bounds.
 * It is measured after the gate, with the readers already reading, in a
 * prologue before the schedule starts.  The spin costs that much CPU per
 * commit. */
#define WRITER_SPIN_MIN_NS 20000u
#define WRITER_SPIN_MAX_NS 500000u
#define SPIN_PROBES 64
#define SPIN_PROBE_NS 100000u
#define PROLOGUE_NS 50000000u

void run_fail(struct run_shared *run, int status, const char *fmt, ...)
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
		run->failed_at_ns = sb_now_ns();
	}
	/* Release: pairs with the acquire loads of `stop`. */
	atomic_store_explicit(run->stop, true, memory_order_release);
}

static bool run_stopping(struct run_shared *run)
{
	/* Acquire: pairs with the release in run_fail / run_stop. */
	return atomic_load_explicit(run->stop, memory_order_acquire);
}

static bool run_failed(struct run_shared *run)
{
	/* Acquire: pairs with run_fail's exchange. */
	return atomic_load_explicit(&run->error, memory_order_acquire) != 0;
}

/* ---- the threads ---- */

/* Enters the variant, pins the thread if asked, and waits at the start
 * gate.  False when the run failed before it started. */
static bool thread_start(struct run_shared *run, int cpu)
{
	int entered = sb_thread_enter(run->variant, run->db);
	int pin_error = cpu >= 0 ? pin_this_thread(cpu) : 0;
	pthread_mutex_lock(&run->gate);
	run->ready++;
	pthread_cond_broadcast(&run->gate_changed);
	while (!run->go)
		pthread_cond_wait(&run->gate_changed, &run->gate);
	pthread_mutex_unlock(&run->gate);
	if (entered != SB_OK)
		run_fail(run, SB_ERESOURCE, "%s: thread_enter failed",
		         run->variant->name);
	else if (pin_error)
		run_fail(run, SB_ERESOURCE, "--pin: cannot pin a thread to CPU %d: "
		         "%s", cpu, strerror(pin_error));
	return !run_failed(run);
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* How long before a deadline this thread must stop sleeping to be awake in
 * time, nearly always (see WRITER_SPIN_MIN_NS); probes until `deadline`
 * at the latest. */
static uint64_t calibrate_spin(uint64_t deadline)
{
	uint64_t late[SPIN_PROBES];
	int probes = 0;
	while (probes < SPIN_PROBES &&
	       (probes == 0 || sb_now_ns() + 2 * SPIN_PROBE_NS < deadline)) {
		uint64_t wake = sb_now_ns() + SPIN_PROBE_NS;
		sb_sleep_until_ns(wake);
		uint64_t now = sb_now_ns();
		late[probes++] = now > wake ? now - wake : 0;
	}
	qsort(late, (size_t)probes, sizeof late[0], compare_u64);
	uint64_t spin = late[probes * 95 / 100] * 5 / 4 + 5000;
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

static uint64_t writer_period_ns(const struct run_config *config)
{
	if (config->write_rate <= 0)
		return 0;
	uint64_t period_ns = (uint64_t)(1e9 / config->write_rate);
	return period_ns ? period_ns : 1;
}

/* Counts one commit: its latency if it was intended inside the window
 * (cut at the drain's end: then it is unfinished), the commit itself if it
 * completed inside the window. */
static void writer_account(struct writer_state *w, uint64_t intended,
                           uint64_t done)
{
	struct run_shared *run = w->run;
	if (intended >= run->measure_start) {
		uint64_t latency = done - intended;
		if (done > run->drain_end) {
			w->unfinished++;
			latency = run->drain_end - intended;
		}
		hist_record(&w->latency, latency);
		if (w->slot_latency)
			hist_record(&w->slot_latency[slot_of(run, intended)], latency);
	}
	if (done >= run->measure_start && done < run->measure_end) {
		w->commits++;
		if (w->slot_commits)
			w->slot_commits[slot_of(run, done)]++;
	}
}

/* The drain ended before commit n: it and every later commit intended
 * inside the window are unfinished, at (drain end - intended start). */
static void writer_give_up(struct writer_state *w, uint64_t n,
                           uint64_t period_ns)
{
	struct run_shared *run = w->run;
	unsigned writers = run->config->writers;
	for (; period_ns; n++) {
		uint64_t intended = run->t_start + (n * writers + w->index) * period_ns;
		if (intended >= run->measure_end)
			break;
		if (intended < run->measure_start)
			continue;
		w->unfinished++;
		hist_record(&w->latency, run->drain_end - intended);
		if (w->slot_latency)
			hist_record(&w->slot_latency[slot_of(run, intended)],
			            run->drain_end - intended);
	}
}

static void writer_loop(struct writer_state *w)
{
	struct run_shared *run = w->run;
	const struct run_config *config = run->config;
	uint64_t period_ns = writer_period_ns(config);
	uint64_t previous_done = 0;
	for (uint64_t n = 0;; n++) {
		uint64_t intended = period_ns
			? run->t_start + (n * config->writers + w->index) * period_ns
			: sb_now_ns();
		if (intended >= run->measure_end || run_failed(run))
			break;
		if (sb_now_ns() >= run->drain_end) {
			writer_give_up(w, n, period_ns);
			break;
		}
		if (period_ns)
			wait_until(intended, w->spin_ns);
		uint64_t began = sb_now_ns();
		/* The harness's own lateness, where no earlier commit held
		 * this one back. */
		if (period_ns && previous_done <= intended &&
		    intended >= run->measure_start)
			hist_record(&w->late, began - intended);
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
		writer_account(w, intended, done);
		previous_done = done;
	}
}

static void *writer_main(void *argp)
{
	struct writer_state *w = argp;
	struct run_shared *run = w->run;
	/* The kernel's default 50 us timer slack would be commit latency. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	if (thread_start(run, w->cpu)) {
		if (run->config->write_rate > 0)
			w->spin_ns = calibrate_spin(run->t_start);
		writer_loop(w);
	}
	/* Release: the main thread's drain reads it (and joins after). */
	atomic_fetch_add_explicit(&run->writers_done, 1, memory_order_release);
	sb_thread_exit(run->variant, run->db);
	return NULL;
}

/* Counts one completed read, if it ended inside the window and was not cut
 * short by the run's end. */
static void reader_account(struct reader_state *r, const struct read_arg *arg,
                           const struct read_result *res, uint64_t begin,
                           uint64_t end, uint64_t stale)
{
	struct run_shared *run = r->run;
	if (end < run->measure_start || end > run->measure_end)
		return;
	if (stale > r->stale_max)
		r->stale_max = stale;
	if (arg->pause_ns && res->pause_ns + SLICE_NS / 2 < arg->pause_ns)
		return;
	hist_record(&r->duration, end - begin);
	r->reads++;
	r->pages += res->pages;
	r->bytes += res->pages * run->config->page_size;
	r->active_ns += end - begin - res->pause_ns;
	if (r->slot_reads)
		r->slot_reads[slot_of(run, end)]++;
}

static void reader_loop(struct reader_state *r)
{
	struct run_shared *run = r->run;
	const struct run_config *config = run->config;
	struct read_arg arg = {
		.oracle = &run->oracle,
		.count = config->scan_pages,
		.work = config->scan_work,
		.pause_ns = (uint64_t)(config->read_pause_ms * 1e6),
		.stop = run->stop,
		.stamps = r->stamps,
		.live_snapshot = run->live_snapshots
			? &run->live_snapshots[r->index] : NULL,
	};
	bool strict = sb_variant_strict(run->variant, config->publish);
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
		uint64_t stale = oracle_check_snapshot(&run->oracle, strict,
		                                       completed_before,
		                                       res.snapshot, &r->found);
		/* Relaxed: a counter for the progress line only. */
		atomic_fetch_add_explicit(&run->reads_done, 1, memory_order_relaxed);
		reader_account(r, &arg, &res, begin, end, stale);
	}
}

static void *reader_main(void *argp)
{
	struct reader_state *r = argp;
	struct run_shared *run = r->run;
	if (thread_start(run, r->cpu)) {
		/* A late start (--read-start), and reader i a further i x
		 * --read-stagger after it; a stop ends the wait.  With neither
		 * the readers read from the gate on, through the warm-up. */
		const struct run_config *config = run->config;
		uint64_t start = config->read_start_s > 0
			? run->measure_start + (uint64_t)(config->read_start_s * 1e9)
			: run->gate_ns;
		start += (uint64_t)(r->index * config->read_stagger_s * 1e9);
		if (start > run->gate_ns)
			sleep_unless_stopped(start, run->stop);
		reader_loop(r);
	}
	sb_thread_exit(run->variant, run->db);
	return NULL;
}

/* ---- open ---- */

static void free_threads(struct run_shared *run)
{
	const struct run_config *config = run->config;
	for (unsigned i = 0; run->writers && i < config->writers; i++) {
		hist_destroy(&run->writers[i].latency);
		hist_destroy(&run->writers[i].late);
		timeline_writer_free(&run->writers[i], run->slots);
	}
	for (unsigned i = 0; run->readers && i < config->readers; i++) {
		hist_destroy(&run->readers[i].duration);
		free(run->readers[i].stamps);
		free(run->readers[i].slot_reads);
	}
	free(run->writers);
	free(run->readers);
	run->writers = NULL;
	run->readers = NULL;
}

/* --retained-min: the readers' snapshot slots (shared, see read_arg) and
 * the monitor's state.  SB_OK or SB_ERESOURCE. */
static int init_retained_min(struct run_shared *run)
{
	const struct run_config *config = run->config;
	unsigned readers = config->readers ? config->readers : 1;
	void *slots = mmap(NULL, readers * sizeof *run->live_snapshots,
	                   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	                   -1, 0);
	if (slots == MAP_FAILED)
		return SB_ERESOURCE;
	run->live_snapshots = slots; /* zero: no read open */
	run->snapshot_sample = calloc(readers, sizeof *run->snapshot_sample);
	if (!run->snapshot_sample)
		return SB_ERESOURCE;
	return retained_min_init(&run->retained_min, config->pages, readers);
}

/* With --pin and a CPU for each thread: writer i on the i-th CPU this
 * process may use, reader j on the (writers + j)-th.  Else none pinned. */
static void assign_cpus(struct run_shared *run)
{
	const struct run_config *config = run->config;
	unsigned threads = config->writers + config->readers;
	int *cpus = malloc((threads ? threads : 1) * sizeof *cpus);
	run->pinned = config->pin && cpus &&
	              allowed_cpus(cpus, threads) >= threads;
	for (unsigned i = 0; i < config->writers; i++)
		run->writers[i].cpu = run->pinned ? cpus[i] : -1;
	for (unsigned i = 0; i < config->readers; i++)
		run->readers[i].cpu = run->pinned ? cpus[config->writers + i] : -1;
	free(cpus);
}

static int init_writer(struct run_shared *run, unsigned i)
{
	const struct run_config *config = run->config;
	struct writer_state *w = &run->writers[i];
	w->run = run;
	w->index = i;
	w->rng.state = config->seed * 0x2545f4914f6cdd1dull + 2 * i + 1;
	if (hist_init(&w->latency, HIST_FINE_BITS) != SB_OK ||
	    hist_init(&w->late, HIST_FINE_BITS) != SB_OK)
		return SB_ERESOURCE;
	return config->timeline ? timeline_writer_init(w, run->slots) : SB_OK;
}

static int init_reader(struct run_shared *run, unsigned i)
{
	const struct run_config *config = run->config;
	struct reader_state *r = &run->readers[i];
	r->run = run;
	r->index = i;
	r->rng.state = config->seed * 0x2545f4914f6cdd1dull + 2 * i + 2;
	if (hist_init(&r->duration, HIST_FINE_BITS) != SB_OK)
		return SB_ERESOURCE;
	if (config->scan_work == SCAN_VERIFY) {
		r->stamps = malloc(config->scan_pages * sizeof *r->stamps);
		if (!r->stamps)
			return SB_ERESOURCE;
	}
	return config->timeline ? timeline_reader_init(r, run->slots) : SB_OK;
}

static int init_threads(struct run_shared *run)
{
	const struct run_config *config = run->config;
	run->slots = timeline_slot_count(config->duration_s);
	run->writers = calloc(config->writers ? config->writers : 1,
	                      sizeof *run->writers);
	run->readers = calloc(config->readers ? config->readers : 1,
	                      sizeof *run->readers);
	if (!run->writers || !run->readers)
		return SB_ERESOURCE;
	if (config->timeline) {
		run->timeline = calloc(run->slots, sizeof *run->timeline);
		if (!run->timeline)
			return SB_ERESOURCE;
	}
	for (unsigned i = 0; i < config->writers; i++)
		if (init_writer(run, i) != SB_OK)
			return SB_ERESOURCE;
	for (unsigned i = 0; i < config->readers; i++)
		if (init_reader(run, i) != SB_OK)
			return SB_ERESOURCE;
	assign_cpus(run);
	return SB_OK;
}

static void run_teardown(struct run_shared *run)
{
	free_threads(run);
	free(run->timeline);
	if (run->live_snapshots)
		munmap(run->live_snapshots, (run->config->readers
		                             ? run->config->readers : 1) *
		       sizeof *run->live_snapshots);
	free(run->snapshot_sample);
	retained_min_destroy(&run->retained_min);
	if (run->db)
		run->variant->close(run->db);
	oracle_destroy(&run->oracle);
	pthread_mutex_destroy(&run->gate);
	pthread_cond_destroy(&run->gate_changed);
	munmap(run->stop, sizeof *run->stop);
	free(run);
}

/* Everything a run needs before its threads start: the oracle, the
 * database, the threads' state. */
static int run_open(const struct sb_variant *variant,
                    const struct run_config *config, struct run_shared **out,
                    char *err, size_t errlen)
{
	struct run_shared *run = calloc(1, sizeof *run);
	void *stop = run ? mmap(NULL, sizeof *run->stop, PROT_READ | PROT_WRITE,
	                        MAP_SHARED | MAP_ANONYMOUS, -1, 0) : MAP_FAILED;
	if (stop == MAP_FAILED) {
		free(run);
		snprintf(err, errlen, "cannot allocate the run's state");
		return SB_ERESOURCE;
	}
	run->stop = stop;
	atomic_init(run->stop, false);
	run->variant = variant;
	run->config = config;
	pthread_mutex_init(&run->gate, NULL);
	pthread_cond_init(&run->gate_changed, NULL);
	bool keep_log = config->readers > 0 && config->scan_work == SCAN_VERIFY;
	if (oracle_init(&run->oracle, config->pages, config->page_size,
	                config->write_pages, keep_log) != SB_OK) {
		run_teardown(run);
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
	if (status == SB_OK && init_threads(run) != SB_OK) {
		status = SB_ERESOURCE;
		snprintf(err, errlen, "cannot allocate the threads' state");
	}
	if (status == SB_OK && config->retained_min && !keep_log &&
	    config->readers > 0) {
		status = SB_EUSAGE;
		snprintf(err, errlen, "--retained-min needs --scan-work verify: "
		         "the minimum is computed from the oracle's log");
	} else if (status == SB_OK && config->retained_min &&
	           init_retained_min(run) != SB_OK) {
		status = SB_ERESOURCE;
		snprintf(err, errlen, "--retained-min: cannot allocate its state");
	}
	if (status != SB_OK) {
		run_teardown(run);
		return status;
	}
	*out = run;
	return SB_OK;
}

/* ---- start, measure, stop ---- */

/* Fixes the schedule; called with the gate held, before `go`. */
static void set_schedule(struct run_shared *run)
{
	const struct run_config *config = run->config;
	bool calibrating = config->writers > 0 && config->write_rate > 0;
	run->gate_ns = sb_now_ns();
	run->t_start = run->gate_ns + (calibrating ? PROLOGUE_NS : 0);
	run->measure_start = run->t_start + (uint64_t)(config->warmup_s * 1e9);
	run->measure_end = run->measure_start +
	                   (uint64_t)(config->duration_s * 1e9);
	run->drain_end = run->measure_end + (uint64_t)(config->drain_s * 1e9);
}

static void run_start(struct run_shared *run)
{
	const struct run_config *config = run->config;
	unsigned created = 0;
	for (unsigned i = 0; i < config->writers; i++) {
		struct writer_state *w = &run->writers[i];
		if (pthread_create(&w->thread, NULL, writer_main, w))
			break;
		w->started = true;
		created++;
	}
	for (unsigned i = 0; created == config->writers + i && i < config->readers; i++) {
		struct reader_state *r = &run->readers[i];
		if (pthread_create(&r->thread, NULL, reader_main, r))
			break;
		r->started = true;
		created++;
	}
	if (created < config->writers + config->readers)
		run_fail(run, SB_ERESOURCE, "cannot create %u threads",
		         config->writers + config->readers);
	pthread_mutex_lock(&run->gate);
	while (run->ready < created)
		pthread_cond_wait(&run->gate_changed, &run->gate);
	set_schedule(run);
	run->go = true;
	pthread_cond_broadcast(&run->gate_changed);
	pthread_mutex_unlock(&run->gate);
	monitor_start(run);
}

/* Sleeps until `deadline` in slices; false if the run failed first. */
static bool sleep_until_or_failed(struct run_shared *run, uint64_t deadline)
{
	for (uint64_t now = sb_now_ns(); now < deadline; now = sb_now_ns()) {
		if (run_failed(run))
			return false;
		uint64_t left = deadline - now;
		sb_sleep_ns(left < SLICE_NS ? left : SLICE_NS);
	}
	return !run_failed(run);
}

/* The main thread's part: the counters at the window's start and end, then
 * the drain (until every writer is through the window's commits, or its
 * limit). */
static void run_measure(struct run_shared *run)
{
	if (!sleep_until_or_failed(run, run->measure_start))
		return;
	run->variant->stats(run->db, &run->stats_start);
	run->steal_start_ms = steal_ms_now();
	if (!sleep_until_or_failed(run, run->measure_end))
		return;
	run->variant->stats(run->db, &run->stats_end);
	run->steal_end_ms = steal_ms_now();
	/* Acquire: pairs with each writer's release when it is done. */
	while (atomic_load_explicit(&run->writers_done, memory_order_acquire) <
	       run->config->writers && !run_failed(run)) {
		uint64_t now = sb_now_ns();
		if (now >= run->drain_end)
			break;
		uint64_t left = run->drain_end - now;
		sb_sleep_ns(left < SLICE_NS / 10 ? left : SLICE_NS / 10);
	}
}

static void run_stop(struct run_shared *run)
{
	/* Release: pairs with run_stopping's acquire. */
	atomic_store_explicit(run->stop, true, memory_order_release);
	for (unsigned i = 0; i < run->config->writers; i++)
		if (run->writers[i].started)
			pthread_join(run->writers[i].thread, NULL);
	for (unsigned i = 0; i < run->config->readers; i++)
		if (run->readers[i].started)
			pthread_join(run->readers[i].thread, NULL);
	monitor_stop_and_join(run);
}

/* ---- collect ---- */

static uint64_t window_difference(uint64_t start, uint64_t end)
{
	return end > start ? end - start : 0;
}

static void collect_counters(struct run_shared *run, struct run_result *result)
{
	const struct sb_stats *a = &run->stats_start, *b = &run->stats_end;
	struct sb_stats now;
	run->variant->stats(run->db, &now);
	result->writer_blocked_ns =
		window_difference(a->writer_blocked_ns, b->writer_blocked_ns);
	result->read_retries = window_difference(a->read_retries, b->read_retries);
	result->starved_reads = window_difference(a->starved_reads,
	                                          b->starved_reads);
	result->writer_allocs = window_difference(a->writer_allocs,
	                                          b->writer_allocs);
	result->writer_trims = window_difference(a->writer_trims, b->writer_trims);
	result->steal_ms = run->steal_start_ms >= 0 && run->steal_end_ms >= 0
		? run->steal_end_ms - run->steal_start_ms : 0;
	result->retained_end_bytes = now.retained_bytes;
	result->retained_peak_bytes = now.retained_peak_bytes > run->retained_peak
		? now.retained_peak_bytes : run->retained_peak;
	result->retained_visible_peak_bytes =
		now.retained_visible_peak_bytes > run->retained_visible_peak
		? now.retained_visible_peak_bytes : run->retained_visible_peak;
	result->retained_min_pages_peak = run->retained_min_peak;
	result->rss_end_bytes = process_rss_bytes();
	result->rss_peak_bytes = run->rss_peak > result->rss_end_bytes
		? run->rss_peak : result->rss_end_bytes;
	result->pinned = run->pinned;
}

static void collect_writers(struct run_shared *run, struct run_result *result)
{
	const struct run_config *config = run->config;
	struct hist late;
	bool have_late = hist_init(&late, HIST_FINE_BITS) == SB_OK;
	for (unsigned i = 0; i < config->writers; i++) {
		struct writer_state *w = &run->writers[i];
		hist_merge(&result->write_latency, &w->latency);
		if (have_late)
			hist_merge(&late, &w->late);
		result->commits += w->commits;
		result->unfinished_commits += w->unfinished;
		if (w->spin_ns > result->writer_spin_ns)
			result->writer_spin_ns = w->spin_ns;
		violations_add(&result->violations, &w->found);
	}
	result->writer_late_count = late.count;
	result->writer_late_p99_ns = hist_quantile(&late, 0.99);
	hist_destroy(&late);
	result->measured_s = config->duration_s;
	result->commits_per_s = (double)result->commits / config->duration_s;
}

static void collect_readers(struct run_shared *run, struct run_result *result)
{
	const struct run_config *config = run->config;
	double rate_sum = 0;
	for (unsigned i = 0; i < config->readers; i++) {
		struct reader_state *r = &run->readers[i];
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
	result->scan_gbps = rate_sum; /* bytes per ns = GB/s */
	result->scan_pages_per_s = result->scan_bytes
		? rate_sum * 1e9 / (double)config->page_size : 0;
}

/* The oracle's final check (when the run went through), then what the
 * threads and the monitor measured.  Returns the run's status. */
static int run_collect(struct run_shared *run, struct run_result *result,
                       char *err, size_t errlen)
{
	const struct sb_variant *variant = run->variant;
	if (!run_failed(run)) {
		struct violations final = {0};
		if (sb_thread_enter(variant, run->db) != SB_OK ||
		    oracle_final_check(&run->oracle, variant, run->db, &final) != SB_OK)
			run_fail(run, SB_ERESOURCE, "%s: the final read failed",
			         variant->name);
		else
			sb_thread_exit(variant, run->db);
		violations_add(&result->violations, &final);
	}
	collect_counters(run, result);
	collect_writers(run, result);
	collect_readers(run, result);
	timeline_merge(run);
	result->timeline = run->timeline;
	result->timeline_slots = run->timeline ? run->slots : 0;
	if (run_failed(run) && run->timeline) {
		/* The series ends with the slot the run failed in: what
		 * follows it was not measured. */
		result->timeline_slots = run->failed_at_ns < run->measure_start
			? 0 : slot_of(run, run->failed_at_ns) + 1;
	}
	run->timeline = NULL;
	violations_print(stderr, variant->name, &result->violations);
	int status = atomic_load_explicit(&run->error, memory_order_acquire);
	if (status != SB_OK)
		snprintf(err, errlen, "%s", run->error_msg);
	return status;
}

int run_variant(const struct sb_variant *variant,
                const struct run_config *config, struct run_result *result,
                char *err, size_t errlen)
{
	memset(result, 0, sizeof *result);
	result->variant = variant->name;
	if (hist_init(&result->write_latency, HIST_FINE_BITS) != SB_OK ||
	    hist_init(&result->read_duration, HIST_FINE_BITS) != SB_OK) {
		snprintf(err, errlen, "cannot allocate the run's histograms");
		return SB_ERESOURCE;
	}
	struct run_shared *run;
	int status = run_open(variant, config, &run, err, errlen);
	if (status != SB_OK)
		return status;
	run_start(run);
	run_measure(run);
	run_stop(run);
	status = run_collect(run, result, err, errlen);
	run_teardown(run);
	return status;
}

void run_result_free(struct run_result *result)
{
	hist_destroy(&result->write_latency);
	hist_destroy(&result->read_duration);
	free(result->timeline);
	result->timeline = NULL;
}
