/*
 * pagever_races: libpagever's lock-free protocols, each with one thread
 * stopped at the instruction where a wrong order would let the others hurt
 * it.
 *
 * A race of these protocols needs a thread to stop between two particular
 * instructions (a reader between loading the commit count and announcing
 * it, the writer between pushing a head and publishing its commit, a
 * reader in the middle of a chain walk) while the others commit, trim and
 * reuse.  A stress test (reuse_stress) lands there by chance; these tests
 * land there every time.  A hardware watchpoint (perf_event_open,
 * PERF_TYPE_BREAKPOINT, with attr.sigtrap, Linux 5.13 or later) on a field
 * of the store makes each access to it by one thread raise SIGTRAP right
 * after the accessing instruction; the handler counts the accesses and, at
 * the chosen one, holds the thread there while the test thread acts, then
 * lets it go.  Each test then checks what the stopped thread, or a reader
 * that ran while it was stopped, saw: every page exactly as of its
 * snapshot's commit.  Where the kernel offers no watchpoint (a container
 * that forbids perf_event_open), the tests are skipped, and say why.
 *
 * They read the library's internals (variants/pagever/internal.h): where
 * `committed` and the page heads are, and the trim lock and pass, to run a
 * trim at a chosen moment.
 *
 * Every atomic operation of this file is seq_cst: flags and counts that a
 * test thread and one stopped thread hand each other, where the order must
 * be plain to see and speed does not matter; its loads of the library's
 * fields are made by the thread that wrote them, or under the trim lock.
 */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <errno.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#ifndef TRAP_PERF
#define TRAP_PERF 6 /* si_code of a perf event with sigtrap (asm-generic) */
#endif

/* ---- stopping a thread after its n-th access to a field ---- */

static _Atomic unsigned accesses, stop_at;
static _Atomic bool stopped, released;
static _Atomic int watch_errno;

static void pause_briefly(void)
{
	struct timespec ts = {0, 50000};
	nanosleep(&ts, NULL);
}

static void pause_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000};
	nanosleep(&ts, NULL);
}

static void on_trap(int signo, siginfo_t *info, void *context)
{
	(void)signo;
	(void)context;
	if (info->si_code != TRAP_PERF)
		return;
	int saved = errno;
	if (atomic_fetch_add(&accesses, 1) + 1 == atomic_load(&stop_at)) {
		atomic_store(&stopped, true);
		while (!atomic_load(&released))
			pause_briefly();
	}
	errno = saved;
}

/* Watches the 8 bytes at `addr` for the calling thread: each read or
 * write of them by this thread raises SIGTRAP after the instruction.  The
 * descriptor, or -1 (errno in watch_errno). */
static int watch(const void *addr)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.type = PERF_TYPE_BREAKPOINT;
	attr.size = sizeof attr;
	attr.bp_type = HW_BREAKPOINT_RW;
	attr.bp_addr = (uintptr_t)addr;
	attr.bp_len = HW_BREAKPOINT_LEN_8;
	attr.sample_period = 1;
	attr.sigtrap = 1;
	attr.remove_on_exec = 1; /* the kernel requires it with sigtrap */
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1,
	                      PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		atomic_store(&watch_errno, errno);
	return fd;
}

/* Whether this kernel gives a thread watchpoints that raise SIGTRAP. */
static bool watchpoints_work(void)
{
	static _Atomic uint64_t probe;
	int fd = watch(&probe);
	if (fd < 0)
		return false;
	atomic_store(&stop_at, 0);
	atomic_store(&accesses, 0);
	atomic_fetch_add(&probe, 1);
	close(fd);
	return atomic_load(&accesses) == 1;
}

static void setup_traps(void)
{
	struct sigaction sa = {.sa_sigaction = on_trap, .sa_flags = SA_SIGINFO};
	sigemptyset(&sa.sa_mask);
	cr_assert_eq(sigaction(SIGTRAP, &sa, NULL), 0);
	if (!watchpoints_work())
		cr_skip_test("no hardware watchpoints with SIGTRAP here "
		             "(perf_event_open: %s)",
		             strerror(atomic_load(&watch_errno)));
}

/* When every test was skipped (no watchpoints), the program exits 77,
 * which CTest reports as skipped (SKIP_RETURN_CODE), not as passed. */
ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	if (stats->nb_tests > 0 && stats->tests_skipped == stats->nb_tests) {
		fflush(NULL);
		_exit(77);
	}
}

/* A thread that will stop after its at-th access to a watched field. */
struct stopper {
	pthread_t thread;
	_Atomic bool done;
};

static void arm(unsigned at)
{
	atomic_store(&accesses, 0);
	atomic_store(&stop_at, at);
	atomic_store(&stopped, false);
	atomic_store(&released, false);
}

/* Waits until the thread stopped (true) or finished without reaching the
 * access (false); 10 s at most. */
static bool wait_stopped(struct stopper *st)
{
	for (int i = 0; i < 200000; i++) {
		if (atomic_load(&stopped))
			return true;
		if (atomic_load(&st->done))
			return false;
		pause_briefly();
	}
	cr_assert_fail("the watched thread neither stopped nor finished in 10 s");
	return false;
}

static void release_and_join(struct stopper *st)
{
	atomic_store(&released, true);
	pthread_join(st->thread, NULL);
}

/* ---- the store ---- */

#define PAGE_WORDS 8 /* 64-byte pages: word 0 the page, word 1 the commit */

static void fill(void *page, uint64_t pageno, uint64_t commit)
{
	uint64_t *w = page;
	for (int i = 0; i < PAGE_WORDS; i++)
		w[i] = i == 0 ? pageno : commit;
}

static void init_page(void *ctx, uint64_t pageno, void *page)
{
	(void)ctx;
	fill(page, pageno, 0);
}

static struct pagever *open_store(uint64_t pages, size_t page_size)
{
	struct pagever_options o;
	pagever_options_init(&o);
	o.pages = pages;
	o.page_size = page_size;
	o.init_page = init_page;
	struct pagever *s;
	cr_assert_eq(pagever_open(&o, &s), PAGEVER_OK);
	return s;
}

/* Commits pages [first, first + count) stamped with the next commit;
 * returns it. */
static uint64_t commit_pages(struct pagever *s, uint64_t first, uint64_t count)
{
	cr_assert_eq(pagever_begin_write(s), PAGEVER_OK);
	uint64_t next = atomic_load(&s->committed) + 1;
	for (uint64_t n = first; n < first + count; n++) {
		void *page;
		cr_assert_eq(pagever_write_page(s, n, &page), PAGEVER_OK);
		fill(page, n, next);
	}
	uint64_t made;
	cr_assert_eq(pagever_commit(s, &made), PAGEVER_OK);
	cr_assert_eq(made, next);
	return made;
}

/* A store with a reader at time 0 in `oldest`, then commit 1 of pages
 * [0, count): every page keeps its version 0 for as long as that reader
 * lives, so that a version unlinked above leaves an older one below, not
 * the end of a chain, and a walk led astray ends on a version of another
 * page. */
static struct pagever *open_with_oldest(uint64_t pages, size_t page_size,
                                        pagever_reader *oldest,
                                        uint64_t count)
{
	struct pagever *s = open_store(pages, page_size);
	*oldest = (pagever_reader){0};
	cr_assert_eq(pagever_begin_read(s, oldest), PAGEVER_OK);
	commit_pages(s, 0, count);
	return s;
}

/* A trim pass now, as the trimmer would run it. */
static void trim_now(struct pagever *s)
{
	pv_trim_lock(s);
	pv_trim_pass(s, true, UINT64_MAX);
	pv_trim_unlock(s);
}

/* What a read saw of one page. */
struct seen {
	uint64_t pageno, commit;
};

static struct seen read_one(pagever_reader *r, uint64_t n)
{
	const uint64_t *page;
	cr_assert_eq(pagever_read_page(r, n, (const void **)&page), PAGEVER_OK);
	return (struct seen){page[0], page[1]};
}

/* ---- a reader stopped while it announces its time ---- */

#define ANNOUNCE_PAGES 4

struct announce_job {
	struct stopper st;
	struct pagever *s;
	uint64_t time;
	struct seen seen[ANNOUNCE_PAGES];
	int fd;
};

static void *announcing_reader(void *arg)
{
	struct announce_job *job = arg;
	job->fd = watch(&job->s->committed);
	pagever_reader r = {0};
	int status = pagever_begin_read(job->s, &r);
	if (job->fd >= 0)
		close(job->fd);
	if (status == PAGEVER_OK) {
		job->time = pagever_reader_commit(&r);
		for (uint64_t n = 0; n < ANNOUNCE_PAGES; n++)
			job->seen[n] = read_one(&r, n);
		pagever_end_read(&r);
	}
	atomic_store(&job->st.done, true);
	return NULL;
}

Test(pagever_races, a_reader_stopped_while_announcing_loses_no_version)
{
	setup_traps();
	/* Stopped after its first load of the commit count, then after its
	 * second (if it loads it twice): meanwhile two commits replace every
	 * page and a trim pass runs.  Whatever time the reader ends with,
	 * it must see every page as of that time: a pass that missed it
	 * unlinked its versions, and it reads older ones. */
	for (unsigned at = 1; at <= 2; at++) {
		pagever_reader oldest;
		struct pagever *s = open_with_oldest(ANNOUNCE_PAGES, 64,
		                                     &oldest, ANNOUNCE_PAGES);
		struct announce_job job = {.s = s};
		arm(at);
		cr_assert_eq(pthread_create(&job.st.thread, NULL,
		                            announcing_reader, &job), 0);
		bool reached = wait_stopped(&job.st);
		if (reached) {
			commit_pages(s, 0, ANNOUNCE_PAGES);
			commit_pages(s, 0, ANNOUNCE_PAGES);
			trim_now(s);
		}
		release_and_join(&job.st);
		cr_assert_geq(job.fd, 0, "perf_event_open failed in the reader");
		cr_assert(reached || at > 1,
		          "begin_read never loaded the commit count");
		for (uint64_t n = 0; n < ANNOUNCE_PAGES; n++) {
			cr_expect_eq(job.seen[n].pageno, n);
			cr_expect_eq(job.seen[n].commit, job.time,
			             "stopped after load %u: the reader at time "
			             "%llu reads page %llu as of commit %llu", at,
			             (unsigned long long)job.time,
			             (unsigned long long)n,
			             (unsigned long long)job.seen[n].commit);
		}
		pagever_end_read(&oldest);
		pagever_close(s);
	}
}

/* ---- the writer stopped in the middle of a commit ---- */

#define COMMIT_PAGES 4

struct commit_job {
	struct stopper st;
	struct pagever *s;
	const void *watched;
	uint64_t made;
	int fd;
};

static void *committing_writer(void *arg)
{
	struct commit_job *job = arg;
	struct pagever *s = job->s;
	if (pagever_begin_write(s) == PAGEVER_OK) {
		uint64_t next = atomic_load(&s->committed) + 1;
		for (uint64_t n = 0; n < COMMIT_PAGES; n++) {
			void *page;
			if (pagever_write_page(s, n, &page) == PAGEVER_OK)
				fill(page, n, next);
		}
		/* Only the commit's own accesses count. */
		job->fd = watch(job->watched);
		pagever_commit(s, &job->made);
		if (job->fd >= 0)
			close(job->fd);
	}
	atomic_store(&job->st.done, true);
	return NULL;
}

static const void *committed_of(struct pagever *s)
{
	return &s->committed;
}

static const void *head_of_page_0(struct pagever *s)
{
	return &s->head[0];
}

/* Stops the commit after each of its first `most` accesses to a field in
 * turn (it must make at least `least`); at each stop a reader begins,
 * reads every page and must see them all as of its time: all of the
 * commit, or none of it. */
static void check_commit_stopped(const void *(*field)(struct pagever *),
                                 const char *name, unsigned least,
                                 unsigned most)
{
	for (unsigned at = 1; at <= most; at++) {
		struct pagever *s = open_store(COMMIT_PAGES, 64);
		commit_pages(s, 0, COMMIT_PAGES);
		struct commit_job job = {.s = s, .watched = field(s)};
		arm(at);
		cr_assert_eq(pthread_create(&job.st.thread, NULL,
		                            committing_writer, &job), 0);
		bool reached = wait_stopped(&job.st);
		uint64_t time = 0;
		struct seen seen[COMMIT_PAGES];
		if (reached) {
			pagever_reader r = {0};
			cr_assert_eq(pagever_begin_read(s, &r), PAGEVER_OK);
			time = pagever_reader_commit(&r);
			for (uint64_t n = 0; n < COMMIT_PAGES; n++)
				seen[n] = read_one(&r, n);
			pagever_end_read(&r);
		}
		release_and_join(&job.st);
		cr_assert_geq(job.fd, 0, "perf_event_open failed in the writer");
		cr_assert(reached || at > least,
		          "commit touched %s fewer than %u times", name, least);
		for (uint64_t n = 0; reached && n < COMMIT_PAGES; n++)
			cr_expect_eq(seen[n].commit, time,
			             "commit stopped after its access %u to %s: "
			             "a reader at time %llu reads page %llu as of "
			             "commit %llu", at, name,
			             (unsigned long long)time,
			             (unsigned long long)n,
			             (unsigned long long)seen[n].commit);
		cr_assert_eq(job.made, 2);
		pagever_close(s);
	}
}

Test(pagever_races, a_commit_stopped_after_publishing_shows_all_its_pages)
{
	setup_traps();
	/* The load, then the store, of `committed`: a reader that begins
	 * after the store must find every head the commit pushed. */
	check_commit_stopped(committed_of, "committed", 2, 3);
}

Test(pagever_races, a_commit_stopped_after_pushing_a_head_shows_none_of_it)
{
	setup_traps();
	/* Page 0's head: its load, then the compare-and-swap that pushes the
	 * new version, then whatever follows.  A reader that begins while
	 * the commit is unpublished must not take the new head for its own
	 * (the read fast path's head_since). */
	check_commit_stopped(head_of_page_0, "page 0's head", 2, 3);
}

/* ---- a reader stopped in the middle of a chain walk ---- */

#define WALK_PAGES 8

struct walk_job {
	struct stopper st;
	struct pagever *s;
	_Atomic bool began, may_read;
	uint64_t time;
	struct seen seen;
	int fd;
};

static void *walking_reader(void *arg)
{
	struct walk_job *job = arg;
	pagever_reader r = {0};
	if (pagever_begin_read(job->s, &r) == PAGEVER_OK) {
		job->time = pagever_reader_commit(&r);
		atomic_store(&job->began, true);
		while (!atomic_load(&job->may_read))
			pause_briefly();
		job->fd = watch(&job->s->head[0]);
		job->seen = read_one(&r, 0);
		if (job->fd >= 0)
			close(job->fd);
		pagever_end_read(&r);
	}
	atomic_store(&job->began, true);
	atomic_store(&job->st.done, true);
	return NULL;
}

Test(pagever_races, a_version_a_stopped_walk_stands_on_is_not_reused)
{
	setup_traps();
	/* A reader at time 1 reads page 0 after commits 2 and 3 rewrote it:
	 * its fast path loads the page's data pointer and finds it too new,
	 * so it walks from the head; it is stopped right after that load of
	 * the head, standing on version 3.  Commit 4 replaces version 3, which no
	 * reader sees, so a trim pass unlinks it; then the writer commits
	 * other pages until version 3 has been reused, or until it has gone
	 * through the pool twice.  The reader must still find page 0 as of
	 * commit 1: the wait before reuse covers a walk under way. */
	pagever_reader oldest;
	struct pagever *s = open_with_oldest(WALK_PAGES, 1024, &oldest, 2);
	struct walk_job job = {.s = s};
	arm(1);
	cr_assert_eq(pthread_create(&job.st.thread, NULL, walking_reader,
	                            &job), 0);
	while (!atomic_load(&job.began))
		pause_briefly();
	commit_pages(s, 0, 1);
	commit_pages(s, 0, 1);
	atomic_store(&job.may_read, true);
	bool reached = wait_stopped(&job.st);
	struct version *stood_on = atomic_load(&s->head[0]);
	uint64_t since = stood_on->since;
	bool reused = false;
	if (reached) {
		commit_pages(s, 0, 1);
		/* The writer reaches a reused version once it has used up
		 * the pool it holds and what the trimmer put in since: a few
		 * times what was mapped is past that.  (While the walk is
		 * stopped nothing is reused, so each commit maps a version:
		 * hence a fixed limit, and small pages.)  A pause every 256
		 * commits lets the trimmer trim and reuse. */
		struct pagever_stats stats;
		pagever_stats(s, &stats);
		uint64_t limit = 4 * stats.versions_mapped + 8192;
		for (uint64_t i = 0; !reused && i < limit; i++) {
			commit_pages(s, 1 + i % (WALK_PAGES - 1), 1);
			if (i % 256 == 255) {
				trim_now(s);
				pause_ms(1);
			}
			/* This thread is the writer: it wrote these fields
			 * itself if the version was reused. */
			reused = stood_on->pageno != 0 || stood_on->since != since;
		}
	}
	release_and_join(&job.st);
	cr_assert_geq(job.fd, 0, "perf_event_open failed in the reader");
	cr_assert(reached, "reading page 0 did not load its head");
	cr_expect(!reused, "the version a walk stood on was reused under it");
	cr_expect_eq(job.time, 1);
	cr_expect_eq(job.seen.pageno, 0, "page 0 read as page %llu",
	             (unsigned long long)job.seen.pageno);
	cr_expect_eq(job.seen.commit, 1, "page 0 read as of commit %llu",
	             (unsigned long long)job.seen.commit);
	pagever_end_read(&oldest);
	pagever_close(s);
}

/* ---- a version moved home while a reader takes it ---- */

struct holder_job {
	pthread_t thread;
	struct pagever *s;
	_Atomic bool check;
	const uint64_t *held;
	struct seen first, later;
	_Atomic bool done;
};

/* Waits until the trimmer's stand-in is stopped inside the move, reads
 * page 0 (taking the version about to be moved), lets the move go on,
 * and later reads the same bytes again. */
static void *holding_reader(void *arg)
{
	struct holder_job *job = arg;
	while (!atomic_load(&stopped))
		pause_briefly();
	pagever_reader r = {0};
	if (pagever_begin_read(job->s, &r) == PAGEVER_OK) {
		pagever_read_page(&r, 0, (const void **)&job->held);
		job->first = (struct seen){job->held[0], job->held[1]};
		atomic_store(&released, true);
		while (!atomic_load(&job->check))
			pause_briefly();
		job->later = (struct seen){job->held[0], job->held[1]};
		pagever_end_read(&r);
	}
	atomic_store(&released, true);
	atomic_store(&job->done, true);
	return NULL;
}

/* Does the trimmer's reuse of what was unlinked, if no walk is under
 * way (the test holds the trim lock). */
static void reuse_released(struct pagever *s)
{
	pv_grace_begin(s);
	struct version *dead = pv_grace_poll(s);
	if (dead)
		pv_recycle(s, dead, true);
}

/* As the trimmer would, under the trim lock: ends the reader that kept
 * page 0's home slot, unlinks the slot, and waits for walks; returns the
 * slot, ready for reuse. */
static struct version *free_home_slot_of_page_0(struct pagever *s,
                                               pagever_reader *keeper)
{
	pagever_end_read(keeper);
	pv_trim_pass(s, true, UINT64_MAX);
	struct version *dead = s->unlinked;
	cr_assert_eq(dead, pv_home(s, 0), "the home slot was not unlinked");
	pv_grace_begin(s);
	cr_assert_eq(pv_grace_poll(s), dead);
	return dead;
}

Test(pagever_races, a_version_moved_home_under_a_new_reader_is_kept_for_it)
{
	setup_traps();
	/* Page 0 is rewritten (commit 1) while a reader at time 0 keeps its
	 * home slot, so version 1 lives away.  The test then does the
	 * trimmer's work itself, under the trim lock: the reader ends, its
	 * home slot is unlinked and reused, and the page is moved home.
	 * The move is stopped right after it loads page 0's head, past the
	 * check that no live reader can see that version; a new reader
	 * (time 1) begins there and takes version 1, then the move copies
	 * it home and swaps the copy in.  The moved-out version must stay
	 * as it is for as long as that reader lives, however much the writer
	 * commits meanwhile. */
	pagever_reader oldest;
	struct pagever *s = open_with_oldest(4, 64, &oldest, 1);
	struct version *away = atomic_load(&s->head[0]);
	cr_assert_neq(away, pv_home(s, 0));
	pv_trim_lock(s);
	struct version *dead = free_home_slot_of_page_0(s, &oldest);
	struct holder_job job = {.s = s};
	arm(1);
	cr_assert_eq(pthread_create(&job.thread, NULL, holding_reader, &job), 0);
	int fd = watch(&s->head[0]);
	cr_assert_geq(fd, 0);
	pv_recycle(s, dead, true);
	close(fd);
	cr_assert(atomic_load(&stopped), "the move never loaded page 0's head");
	cr_assert_eq(atomic_load(&s->head[0]), pv_home(s, 0),
	             "page 0 was not moved home");
	reuse_released(s);
	pv_trim_unlock(s);
	/* Enough commits of the other pages to go through the pool. */
	struct pagever_stats stats;
	pagever_stats(s, &stats);
	uint64_t limit = 4 * stats.versions_mapped + 8192;
	bool reused = false;
	for (uint64_t i = 0; i < limit && !reused; i++) {
		commit_pages(s, 1 + i % 3, 1);
		if (i % 256 == 255)
			pause_ms(1);
		/* This thread is the writer: it wrote the header if it
		 * reused the version. */
		reused = away->pageno != 0;
	}
	atomic_store(&job.check, true);
	pthread_join(job.thread, NULL);
	cr_expect(!reused, "the version the reader held was reused");
	cr_expect_eq(job.first.pageno, 0);
	cr_expect_eq(job.first.commit, 1);
	cr_expect_eq(job.later.pageno, 0, "the held page became page %llu",
	             (unsigned long long)job.later.pageno);
	cr_expect_eq(job.later.commit, 1, "the held page became commit %llu",
	             (unsigned long long)job.later.commit);
	pagever_close(s);
}

Test(pagever_races, a_page_is_not_moved_home_in_the_middle_of_its_commit)
{
	setup_traps();
	/* Page 0 lives away (commit 1) while a reader at time 0 keeps its
	 * home slot.  Commit 2 rewrites page 0 and is stopped right after
	 * the compare-and-swap that pushed its new version, before it links
	 * the version it replaced to it.  Meanwhile the test, as the
	 * trimmer, frees the home slot and reuses it: a move home now would
	 * copy a version whose commit is not yet published and swap it in,
	 * and the commit would then link the replaced version to the
	 * version the move took out.  After the commit, page 0's chain must
	 * be linked both ways: a wrong back link makes a later unlink write
	 * into a version that is no longer on the chain, and may have been
	 * reused. */
	pagever_reader oldest;
	struct pagever *s = open_with_oldest(COMMIT_PAGES, 64, &oldest, 1);
	pv_trim_lock(s);
	struct version *dead = free_home_slot_of_page_0(s, &oldest);
	struct commit_job job = {.s = s, .watched = &s->head[0]};
	arm(2);
	cr_assert_eq(pthread_create(&job.st.thread, NULL, committing_writer,
	                            &job), 0);
	bool reached = wait_stopped(&job.st);
	if (reached)
		pv_recycle(s, dead, true);
	release_and_join(&job.st);
	pv_trim_unlock(s);
	cr_assert_geq(job.fd, 0, "perf_event_open failed in the writer");
	cr_assert(reached, "commit touched page 0's head fewer than twice");
	cr_assert_eq(job.made, 2);
	for (struct version *v = atomic_load(&s->head[0]);
	     atomic_load(&v->older); v = atomic_load(&v->older))
		cr_expect_eq(atomic_load(&v->older)->newer, v,
		             "page 0's version of commit %llu links down to "
		             "commit %llu's, which links up to another",
		             (unsigned long long)v->since,
		             (unsigned long long)atomic_load(&v->older)->since);
	pagever_reader r = {0};
	cr_assert_eq(pagever_begin_read(s, &r), PAGEVER_OK);
	struct seen seen = read_one(&r, 0);
	cr_expect_eq(seen.commit, 2);
	pagever_end_read(&r);
	pagever_close(s);
}

/* ---- a commit between a move's head CAS and its data pointer ---- */

struct overtaking_job {
	struct stopper st;
	struct pagever *s;
	uint64_t made;
};

/* Waits until the move is stopped, commits page 0 (as the writer), and
 * lets the move go on. */
static void *overtaking_writer(void *arg)
{
	struct overtaking_job *job = arg;
	while (!atomic_load(&stopped) && !atomic_load(&job->st.done))
		pause_briefly();
	if (atomic_load(&stopped))
		job->made = commit_pages(job->s, 0, 1);
	atomic_store(&released, true);
	return NULL;
}

Test(pagever_races, a_move_home_never_hides_a_commit_made_during_it)
{
	setup_traps();
	/* Page 0 lives away (commit 1) while a reader at time 0 keeps its
	 * home slot.  The test, as the trimmer, frees the slot and moves the
	 * page home; the move is stopped right after its compare-and-swap of
	 * page 0's head, before it publishes the home copy's data pointer.
	 * Meanwhile the writer commits page 0 again (commit 2) and publishes
	 * that version's data.  The move must not then put the home copy's
	 * data (commit 1) back: a reader at time 2 would read page 0 as of
	 * commit 1 through the fast path. */
	pagever_reader oldest;
	struct pagever *s = open_with_oldest(4, 64, &oldest, 1);
	pv_trim_lock(s);
	struct version *dead = free_home_slot_of_page_0(s, &oldest);
	struct overtaking_job job = {.s = s};
	arm(2);
	cr_assert_eq(pthread_create(&job.st.thread, NULL, overtaking_writer,
	                            &job), 0);
	int fd = watch(&s->head[0]);
	cr_assert_geq(fd, 0);
	pv_recycle(s, dead, true);
	close(fd);
	atomic_store(&job.st.done, true);
	bool reached = atomic_load(&stopped);
	atomic_store(&released, true);
	pthread_join(job.st.thread, NULL);
	pv_trim_unlock(s);
	cr_assert(reached, "the move did not swap page 0's head");
	cr_assert_eq(job.made, 2);
	pagever_reader r = {0};
	cr_assert_eq(pagever_begin_read(s, &r), PAGEVER_OK);
	cr_assert_eq(pagever_reader_commit(&r), 2);
	struct seen seen = read_one(&r, 0);
	cr_expect_eq(seen.pageno, 0);
	cr_expect_eq(seen.commit, 2, "page 0 read as of commit %llu at time 2",
	             (unsigned long long)seen.commit);
	pagever_end_read(&r);
	pagever_close(s);
}

/* ---- abort and a home slot the writer took ---- */

Test(pagever_races, abort_gives_back_a_home_slot_it_took)
{
	/* Page 0 lives away (commit 1) while a reader at time 0 keeps its
	 * home slot.  The test, as the writer's back-pressure does, frees the
	 * slot without copying (pv_recycle without copy_home), holding the
	 * trim lock so that the trimmer cannot move the page home meanwhile.
	 * The writer's next write of page 0 takes the home slot; an abort
	 * must give it back, so that the write after takes it again, and
	 * leave the page's contents as they were. */
	pagever_reader oldest;
	struct pagever *s = open_with_oldest(4, 64, &oldest, 1);
	pv_trim_lock(s);
	struct version *dead = free_home_slot_of_page_0(s, &oldest);
	pv_recycle(s, dead, false);
	cr_assert(atomic_load(&s->home_free[0]), "the home slot is not free");
	const void *home = pv_data(s, pv_home(s, 0));
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(pagever_begin_write(s), PAGEVER_OK);
		void *page;
		cr_assert_eq(pagever_write_page(s, 0, &page), PAGEVER_OK);
		cr_assert_eq(page, home, "write %d did not take the free home slot", i);
		fill(page, 0, 99);
		cr_assert_eq(pagever_abort(s), PAGEVER_OK);
		cr_assert(atomic_load(&s->home_free[0]),
		          "abort kept the home slot from the writer");
	}
	pv_trim_unlock(s);
	pagever_reader r = {0};
	cr_assert_eq(pagever_begin_read(s, &r), PAGEVER_OK);
	struct seen seen = read_one(&r, 0);
	cr_expect_eq(seen.commit, 1, "an aborted write reached page 0");
	pagever_end_read(&r);
	pagever_close(s);
}
