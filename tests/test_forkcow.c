/*
 * forkcow: what the shared conformance tests do not show — the read runs in
 * a child process and keeps its snapshot while the writer goes on; retained
 * bytes count exactly the pages the kernel copies (checked against /proc),
 * plus each live child's page-table entries for the array and its bitmap;
 * a failed fork and a dying child are resource errors, never a crash or a
 * hang; and what the oracle finds in the child reaches the harness.
 *
 * Every test has a timeout: a hang is the failure these tests look for.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fixture.h"

extern const struct sb_variant sb_variant_forkcow;
static const struct sb_variant *const v = &sb_variant_forkcow;

static size_t page_size;

/* `pages` pages of `size` bytes, one reader, one writer; page_size keeps
 * the size for the rest of the test. */
static sb_db *open_db(uint64_t pages, size_t size)
{
	page_size = size;
	return fixture_open(v, pages, &page_size, 1, 1, SB_PUBLISH_BLOCK);
}

/* What each live snapshot adds to retained bytes besides copied pages
 * (variants/forkcow.c): its child's last-level page-table entries for the
 * array, 8 bytes per kernel page, and its bitmap of those pages. */
static uint64_t per_snapshot_bytes(uint64_t pages, size_t size)
{
	const uint64_t os_page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t os_pages = (pages * size + os_page - 1) / os_page;
	return 8 * os_pages + 8 * ((os_pages + 63) / 64);
}

/* Retained bytes, after checking that forkcow counts all of them visible
 * (everything it keeps is kept for a live snapshot). */
static uint64_t retained(sb_db *db)
{
	struct sb_stats stats = fixture_stats(v, db);
	cr_assert_eq(stats.retained_visible_bytes, stats.retained_bytes);
	cr_assert_eq(stats.retained_visible_peak_bytes, stats.retained_peak_bytes);
	return stats.retained_bytes;
}

/* ---- the read runs in a child, on the snapshot of its fork ---- */

struct child_report {
	pid_t pid;
	uint64_t snapshot;
	uint64_t stamp_before, stamp_after;
};

/* Shared with the child: it says when it has read once, and waits until
 * the parent says it has committed. */
struct handshake {
	_Atomic bool child_read_once;
	_Atomic bool parent_committed;
};

static void read_around_commits(const struct sb_variant *variant,
                                sb_snap *snap, void *arg, void *result)
{
	struct handshake *hs = arg;
	struct child_report *r = result;
	r->pid = getpid();
	r->snapshot = variant->snapshot_commit(snap);
	r->stamp_before = page_header(variant->read_page(snap, 3))->stamp;
	if (!hs)
		return;
	atomic_store(&hs->child_read_once, true);
	for (int i = 0; i < 5000 && !atomic_load(&hs->parent_committed); i++)
		usleep(1000);
	r->stamp_after = page_header(variant->read_page(snap, 3))->stamp;
}

Test(forkcow, run_read_runs_the_read_in_a_child_and_returns_its_result,
     .timeout = 30)
{
	sb_db *db = open_db(16, 128);
	fixture_commit_ok(v, db, page_size, 1, (uint64_t[]){3, 4}, 2);
	struct child_report r = {0};
	cr_assert_eq(sb_run_read(v, db, read_around_commits, NULL, &r, sizeof r),
	             SB_OK);
	cr_assert_neq(r.pid, 0, "no result came back");
	cr_assert_neq(r.pid, getpid(), "the read ran in the parent");
	cr_assert_eq(r.snapshot, 1);
	cr_assert_eq(r.stamp_before, 1);
	cr_assert_eq(fixture_stats(v, db).retained_bytes, 0);
	fixture_close(v, db);
}

struct run_read_job {
	sb_db *db;
	struct handshake *hs;
	struct child_report report;
	int status;
};

static void *run_read_thread(void *arg)
{
	struct run_read_job *job = arg;
	cr_assert_eq(sb_thread_enter(v, job->db), SB_OK);
	job->status = sb_run_read(v, job->db, read_around_commits, job->hs,
	                          &job->report, sizeof job->report);
	sb_thread_exit(v, job->db);
	return NULL;
}

Test(forkcow, read_in_child_keeps_its_snapshot_while_the_writer_commits,
     .timeout = 30)
{
	sb_db *db = open_db(16, 4096);
	struct handshake *hs = mmap(NULL, sizeof *hs, PROT_READ | PROT_WRITE,
	                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert(hs != MAP_FAILED);
	struct run_read_job job = {.db = db, .hs = hs};
	pthread_t reader;
	cr_assert_eq(pthread_create(&reader, NULL, run_read_thread, &job), 0);
	for (int i = 0; i < 5000 && !atomic_load(&hs->child_read_once); i++)
		usleep(1000);
	cr_assert(atomic_load(&hs->child_read_once), "the child never read");
	/* The read is in progress in the child: the writer goes on at once,
	 * writing in place the page the child reads. */
	fixture_commit_ok(v, db, page_size, 1, (uint64_t[]){3, 4}, 2);
	fixture_commit_ok(v, db, page_size, 2, (uint64_t[]){3, 5}, 2);
	/* The child's read lasts until parent_committed is set below, so a
	 * writer that waited for it would never get here.  The writer may
	 * still have waited out the fork itself: the child can report its
	 * first read before the parent has left fork() and let go of the
	 * writer, so the wait is bounded, not zero. */
	cr_assert_lt(fixture_stats(v, db).writer_blocked_ns, 1000000000ull,
	             "the writer waited over a second");
	cr_assert_eq(retained(db), 4096 * 3 + per_snapshot_bytes(16, 4096),
	             "pages 3, 4, 5 were copied once each");
	atomic_store(&hs->parent_committed, true);
	pthread_join(reader, NULL);
	cr_assert_eq(job.status, SB_OK);
	cr_assert_eq(job.report.snapshot, 0);
	cr_assert_eq(job.report.stamp_before, 0);
	cr_assert_eq(job.report.stamp_after, 0, "the child saw a later commit");
	cr_assert_eq(fixture_stats(v, db).retained_bytes, 0);
	munmap(hs, sizeof *hs);
	fixture_close(v, db);
}

Test(forkcow, served_snapshot_keeps_old_pages_and_the_writer_never_waits,
     .timeout = 30)
{
	/* One thread: a writer that waited for a live snapshot would never
	 * return from begin_write here. */
	sb_db *db = open_db(16, 128);
	sb_snap *old = v->begin_read(db);
	cr_assert_not_null(old);
	fixture_commit_ok(v, db, page_size, 1, (uint64_t[]){3, 4}, 2);
	fixture_commit_ok(v, db, page_size, 2, (uint64_t[]){3, 9}, 2);
	cr_assert_eq(v->snapshot_commit(old), 0);
	cr_assert_eq(fixture_stamp(v, old, page_size, 3), 0);
	cr_assert_eq(fixture_stamp(v, old, page_size, 9), 0);
	sb_snap *fresh = v->begin_read(db);
	cr_assert_eq(v->snapshot_commit(fresh), 2);
	cr_assert_eq(fixture_stamp(v, fresh, page_size, 3), 2);
	cr_assert_eq(fixture_stamp(v, fresh, page_size, 4), 1);
	v->end_read(old);
	v->end_read(fresh);
	cr_assert_eq(fixture_stats(v, db).writer_blocked_ns, 0);
	fixture_close(v, db);
}

/* ---- retained bytes ---- */

Test(forkcow, retained_counts_each_live_childs_page_tables_and_bitmap,
     .timeout = 30)
{
	sb_db *db = open_db(1000, 512);
	cr_assert_eq(retained(db), 0);
	sb_snap *a = v->begin_read(db);
	cr_assert_eq(retained(db), per_snapshot_bytes(1000, 512));
	sb_snap *b = v->begin_read(db);
	cr_assert_eq(retained(db), 2 * per_snapshot_bytes(1000, 512));
	v->end_read(a);
	cr_assert_eq(retained(db), per_snapshot_bytes(1000, 512));
	v->end_read(b);
	cr_assert_eq(retained(db), 0);
	fixture_close(v, db);
}

Test(forkcow, retained_counts_each_copied_page_once, .timeout = 30)
{
	const size_t os_page = (size_t)sysconf(_SC_PAGESIZE);
	sb_db *db = open_db(16, os_page);
	const uint64_t snapshot = per_snapshot_bytes(16, os_page);
	sb_snap *a = v->begin_read(db);
	fixture_commit_ok(v, db, page_size, 1, (uint64_t[]){3, 4}, 2);
	cr_assert_eq(retained(db), 2 * os_page + snapshot);
	fixture_commit_ok(v, db, page_size, 2, (uint64_t[]){3, 5}, 2);
	cr_assert_eq(retained(db), 3 * os_page + snapshot,
	             "page 3 is private to the writer since its first write");
	sb_snap *b = v->begin_read(db);
	fixture_commit_ok(v, db, page_size, 3, (uint64_t[]){3, 6}, 2);
	cr_assert_eq(retained(db), 5 * os_page + 2 * snapshot,
	             "page 3 is shared with b again: copied again");
	/* b ends first: a now holds the old versions of 3, 4, 5, 6 and b's
	 * version of 3 (commit 2) is freed. */
	v->end_read(b);
	cr_assert_eq(retained(db), 4 * os_page + snapshot);
	fixture_commit_ok(v, db, page_size, 4, (uint64_t[]){3, 7}, 2);
	cr_assert_eq(retained(db), 5 * os_page + snapshot,
	             "page 3 was private since b ended; 7 is new");
	v->end_read(a);
	cr_assert_eq(retained(db), 0);
	cr_assert_eq(fixture_stats(v, db).retained_peak_bytes,
	             5 * os_page + 2 * snapshot);
	fixture_close(v, db);
}

Test(forkcow, retained_counts_kernel_pages_not_database_pages, .timeout = 30)
{
	const size_t os_page = (size_t)sysconf(_SC_PAGESIZE);
	const size_t small = 256, per_os_page = os_page / small;
	sb_db *db = open_db(4 * per_os_page, small);
	sb_snap *snap = v->begin_read(db);
	/* Two database pages in the first kernel page, one in the third. */
	fixture_commit_ok(v, db, page_size, 1, (uint64_t[]){0, 1}, 2);
	fixture_commit_ok(v, db, page_size, 2,
	                  (uint64_t[]){2 * per_os_page + 1, 0}, 2);
	cr_assert_eq(retained(db),
	             2 * os_page + per_snapshot_bytes(4 * per_os_page, small));
	v->end_read(snap);
	cr_assert_eq(retained(db), 0);
	fixture_close(v, db);
}

/* The children this thread forked, from /proc; returns how many. */
static int children_of_this_thread(pid_t *pids, int max)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)gettid());
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s", path);
	int n = 0, pid;
	while (n < max && fscanf(f, "%d", &pid) == 1)
		pids[n++] = pid;
	fclose(f);
	return n;
}

/* Private_Dirty of a process in bytes: the pages mapped only by it. */
static uint64_t private_dirty_bytes(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s", path);
	unsigned long long kb = 0;
	bool found = false;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Private_Dirty: %llu kB", &kb) == 1) {
			found = true;
			break;
		}
	fclose(f);
	cr_assert(found, "no Private_Dirty in %s", path);
	return kb * 1024;
}

Test(forkcow, retained_bytes_match_the_pages_the_kernel_copied, .timeout = 30)
{
	const size_t os_page = (size_t)sysconf(_SC_PAGESIZE);
	const uint64_t pages = 2048, written = 1000;
	sb_db *db = open_db(pages, os_page);
	sb_snap *snap = v->begin_read(db);
	/* The child has run: */
	cr_assert_eq(fixture_stamp(v, snap, page_size, 0), 0);
	pid_t child[4];
	cr_assert_eq(children_of_this_thread(child, 4), 1);
	uint64_t before = private_dirty_bytes(child[0]);
	for (uint64_t p = 0; p < written; p += 2)
		fixture_commit_ok(v, db, page_size, 1 + p / 2,
		                  (uint64_t[]){p, p + 1}, 2);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 0), 0);
	uint64_t after = private_dirty_bytes(child[0]);
	uint64_t copied = retained(db) - per_snapshot_bytes(pages, os_page);
	cr_assert_eq(copied, written * os_page);
	/* The kernel's copies leave the old pages to the child alone.  The
	 * parent's own stack and heap writes since the fork do the same to a
	 * few more pages (more under a sanitizer's shadow memory). */
	cr_assert_geq(after - before, copied - 8 * os_page,
	              "the child gained %llu private bytes; counted %llu",
	              (unsigned long long)(after - before),
	              (unsigned long long)copied);
	cr_assert_leq(after - before, copied + 128 * os_page,
	              "the child gained %llu private bytes; counted %llu",
	              (unsigned long long)(after - before),
	              (unsigned long long)copied);
	v->end_read(snap);
	cr_assert_eq(fixture_stats(v, db).retained_bytes, 0);
	fixture_close(v, db);
}

/* ---- failures: a resource error, never a crash or a hang ---- */

/* Makes every fork in this process fail with EAGAIN: a seccomp filter on
 * clone without CLONE_VM (threads, vfork and the sanitizers' helper
 * threads share the address space and still work).  Each Criterion test
 * runs in its own process. */
static void fail_forks(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		         offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_VM, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAGAIN),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof filter / sizeof filter[0], filter};
	cr_assert_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	cr_assert_eq(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog), 0,
	             "cannot install the seccomp filter: %s", strerror(errno));
}

/* stderr goes to a temporary file until stderr_restore, which returns what
 * was written (static storage). */
static int saved_stderr = -1;
static FILE *captured;

static void stderr_capture(void)
{
	fflush(stderr);
	captured = tmpfile();
	cr_assert_not_null(captured);
	saved_stderr = dup(STDERR_FILENO);
	cr_assert_geq(saved_stderr, 0);
	cr_assert_geq(dup2(fileno(captured), STDERR_FILENO), 0);
}

static const char *stderr_restore(void)
{
	static char text[4096];
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(captured);
	size_t n = fread(text, 1, sizeof text - 1, captured);
	text[n] = '\0';
	fclose(captured);
	return text;
}

Test(forkcow, failed_fork_is_a_resource_error_with_a_message, .timeout = 30)
{
	sb_db *db = open_db(16, 128);
	fail_forks();
	stderr_capture();
	sb_snap *snap = v->begin_read(db);
	struct child_report r;
	int status = sb_run_read(v, db, read_around_commits, NULL, &r, sizeof r);
	const char *said = stderr_restore();
	cr_assert_null(snap);
	cr_assert_eq(status, SB_ERESOURCE);
	cr_assert_not_null(strstr(said, "forkcow: cannot fork a snapshot process: "
	                                "Resource temporarily unavailable"),
	                   "stderr said: %s", said);
	cr_assert_eq(fixture_stats(v, db).retained_bytes, 0);
	cr_assert(fixture_commits_within(v, db, page_size, 1, 3, 2000),
	          "the failed fork left the writer held out");
	fixture_close(v, db);
}

static void die_by_signal(const struct sb_variant *variant, sb_snap *snap,
                          void *arg, void *result)
{
	(void)variant, (void)snap, (void)arg, (void)result;
	raise(SIGKILL);
}

static void die_without_result(const struct sb_variant *variant, sb_snap *snap,
                               void *arg, void *result)
{
	(void)variant, (void)snap, (void)arg, (void)result;
	_exit(0);
}

Test(forkcow, child_that_dies_is_a_resource_error_not_a_hang, .timeout = 30)
{
	sb_db *db = open_db(16, 128);
	struct child_report r;
	stderr_capture();
	int killed = sb_run_read(v, db, die_by_signal, NULL, &r, sizeof r);
	int silent = sb_run_read(v, db, die_without_result, NULL, &r, sizeof r);
	const char *said = stderr_restore();
	cr_assert_eq(killed, SB_ERESOURCE);
	cr_assert_eq(silent, SB_ERESOURCE);
	cr_assert_not_null(strstr(said, "was killed by signal 9"), "%s", said);
	cr_assert_not_null(strstr(said, "sent fewer than the"), "%s", said);
	cr_assert_eq(fixture_stats(v, db).retained_bytes, 0);
	cr_assert(fixture_commits_within(v, db, page_size, 1, 3, 2000));
	fixture_close(v, db);
}

Test(forkcow, served_snapshot_whose_child_dies_reads_torn_not_a_crash,
     .timeout = 30)
{
	sb_db *db = open_db(16, 128);
	sb_snap *snap = v->begin_read(db);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 2), 0);
	pid_t child[4];
	cr_assert_eq(children_of_this_thread(child, 4), 1);
	cr_assert_eq(kill(child[0], SIGKILL), 0);
	stderr_capture();
	uint64_t pageno = page_header(v->read_page(snap, 2))->pageno;
	v->end_read(snap);
	const char *said = stderr_restore();
	cr_assert_neq(pageno, 2, "a page that cannot be had must not pass "
	              "for a whole one");
	cr_assert_not_null(strstr(said, "stopped answering"), "%s", said);
	cr_assert_not_null(strstr(said, "was killed by signal 9"), "%s", said);
	cr_assert_eq(fixture_stats(v, db).retained_bytes, 0);
	fixture_close(v, db);
}

/* ---- several snapshots: none waits for another ---- */

struct end_job {
	sb_snap *snap;
	_Atomic bool done;
};

static void *end_read_thread(void *arg)
{
	struct end_job *job = arg;
	v->end_read(job->snap);
	atomic_store(&job->done, true);
	return NULL;
}

Test(forkcow, snapshots_end_in_any_order_without_waiting_for_each_other,
     .timeout = 30)
{
	/* Each child must close the other snapshots' descriptors it inherits:
	 * otherwise the older child never reads end-of-file while the newer
	 * lives, and ending the older one first would hang. */
	sb_db *db = open_db(16, 128);
	sb_snap *older = v->begin_read(db);
	fixture_commit_ok(v, db, page_size, 1, (uint64_t[]){3, 4}, 2);
	sb_snap *newer = v->begin_read(db);
	struct child_report r = {0};
	cr_assert_eq(sb_run_read(v, db, read_around_commits, NULL, &r, sizeof r),
	             SB_OK, "a whole read while two snapshots are live");
	cr_assert_eq(r.snapshot, 1);
	struct end_job job = {older, false};
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, end_read_thread, &job), 0);
	for (int i = 0; i < 3000 && !atomic_load(&job.done); i++)
		usleep(1000);
	cr_assert(atomic_load(&job.done), "ending the older snapshot hangs "
	          "while the newer one lives");
	pthread_join(t, NULL);
	cr_assert_eq(fixture_stamp(v, newer, page_size, 3), 1);
	v->end_read(newer);
	fixture_close(v, db);
}

/* ---- through the harness: findings in the child reach the parent ---- */

/* forkcow with a lying snapshot_commit (one commit older than the truth),
 * reached through run_read so that the read fn sees it in the child. */
static struct sb_variant lying;

struct lying_arg {
	sb_read_fn fn;
	void *arg;
};

static uint64_t lying_snapshot_commit(const sb_snap *snap)
{
	uint64_t commit = sb_variant_forkcow.snapshot_commit(snap);
	return commit ? commit - 1 : 0;
}

static void lying_read(const struct sb_variant *variant, sb_snap *snap,
                       void *arg, void *result)
{
	(void)variant;
	struct lying_arg *la = arg;
	la->fn(&lying, snap, la->arg, result);
}

static int lying_run_read(sb_db *db, sb_read_fn fn, void *arg, void *result,
                          size_t result_size)
{
	struct lying_arg la = {fn, arg};
	return sb_variant_forkcow.run_read(db, lying_read, &la, result,
	                                   result_size);
}

static struct run_result run_harness(const struct sb_variant *variant)
{
	struct run_config config = fixture_run_config(64, 256, 1, 0.4);
	struct run_result result;
	char err[256] = "";
	int status = run_variant(variant, &config, &result, err, sizeof err);
	cr_assert_eq(status, SB_OK, "%s: %s", variant->name, err);
	cr_assert_gt(result.commits, 10);
	cr_assert_gt(result.reads, 10);
	return result;
}

Test(forkcow, harness_reads_in_children_find_no_violation, .timeout = 60)
{
	struct run_result r = run_harness(v);
	cr_assert_eq(violations_total(&r.violations), 0);
	run_result_free(&r);
}

Test(forkcow, violations_found_in_the_child_reach_the_harness, .timeout = 60)
{
	lying = sb_variant_forkcow;
	lying.name = "forkcow-lying";
	lying.snapshot_commit = lying_snapshot_commit;
	lying.run_read = lying_run_read;
	struct run_result r = run_harness(&lying);
	/* Only the per-page check, which runs in the child, sees a page
	 * stamped newer than the snapshot claims. */
	cr_assert_gt(r.violations.count[V_INCONSISTENT], 0);
	run_result_free(&r);
}
