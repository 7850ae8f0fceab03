/*
 * forkcow — a read's snapshot is a fork()ed child process: the kernel keeps
 * the child's view of the pages by copy-on-write.
 *
 * Origin: HyPer (Kemper & Neumann, "HyPer: A hybrid OLTP&OLAP main memory
 * database system based on virtual memory snapshots", ICDE 2011) runs each
 * OLAP query in a fork()ed child while OLTP continues in the parent; Redis
 * BGSAVE writes its snapshot from a forked child the same way.
 *
 * Costs.  Writer stall: the fork, taken under the lock the writer holds from
 * begin_write to commit; fork copies the process's page tables, so it grows
 * with the database size (and with everything else resident).  Then each
 * 4 KiB page the writer first writes while a snapshot shares it takes a
 * copy-on-write fault (a kernel page copy, ~15 us, where a user-space copy
 * would take ~0.25 us).  writer_blocked_ns counts only what a writer waited
 * in begin_write for a fork (or a snapshot's short end-of-life bookkeeping);
 * the copy-on-write faults are no wait for a reader and show only in commit
 * latency.  Reader overhead: a fork and a process exit per read.  Through
 * run_read (what the harness uses) the whole read then runs in the child at
 * memory speed; through begin_read/read_page/end_read (in-process, for
 * callers that interleave reads with their own work) the child serves each
 * page over a socket, one round trip per read_page.  Memory retained: one
 * 4 KiB page per page first written while a snapshot shares it, until every
 * snapshot that sees that old version has ended; and per live snapshot its
 * child's page tables for the array and the snapshot's bitmap (below).
 * Staleness: 0 (strict: the child is forked under the writer lock, after
 * every completed commit).
 *
 * retained_bytes: the kernel's copies (counted as below), plus per live
 * snapshot its bitmap and the page-table entries its child holds for the
 * array (8 bytes per 4 KiB page, the last level of the tables fork copies;
 * the upper levels, 1/512 of that, and the child's page tables for the rest
 * of the process are not counted: a bound from below).
 * retained_visible_bytes: the same, exactly: every copied page is an old
 * version that a live child still maps, and the rest belongs to a live
 * snapshot.
 *
 * Retained bytes are counted, not measured: the writer marks each 4 KiB page
 * it writes in a bitmap of the newest live snapshot.  A page not yet marked
 * there is still shared with that child, so this write is a kernel copy: one
 * page more.  A snapshot's bitmap thus holds the pages written between its
 * fork and the next live fork: exactly the old versions it is the newest
 * holder of, so each retained kernel page is counted once.  When a snapshot
 * ends, its older neighbour takes the union of both bitmaps (its interval
 * now reaches the ended one's successor); pages in both are freed.
 * tests/test_forkcow.c checks the count against the child's Private_Dirty
 * in /proc.  The array is mapped with MADV_NOHUGEPAGE
 * (sb_flat_alloc_small_pages): with transparent huge pages fork would copy
 * one entry per 2 MiB and the first write would split a huge page, so the
 * costs would depend on the machine's THP setting rather than be the 4 KiB
 * costs documented here.
 *
 * fork() in a threaded process: only the forking thread exists in the
 * child, and any lock another thread held at the fork (malloc's, stdio's, a
 * mutex) stays held there for ever.  So the child does only this: it closes
 * every descriptor but its own (close_range, or close: system calls; so that
 * it keeps no other snapshot's pipe open), reads memory, computes, sleeps
 * (clock_nanosleep), reads and writes its one socket or pipe, and ends with
 * the exit_group system call (no atexit handlers, no stdio flush; see
 * child_exit).  It touches no mutex: it inherits hold_out locked and never
 * looks at it.  The read function the harness runs there (workload_read and
 * the oracle) allocates nothing and does no I/O: findings are formatted with
 * vsnprintf into fixed buffers in the result (integer conversions only), and
 * its stop flag lives in a MAP_SHARED page, so a paused read ends with the
 * run.
 *
 * Errors.  A failed fork (EAGAIN, ENOMEM), pipe or socketpair makes
 * begin_read return NULL and run_read SB_ERESOURCE, with one line on stderr.
 * A child that dies cannot hang the parent: the parent reads until end of
 * file (the kernel closes a dead child's end), then waitpid()s it and checks
 * its exit status; a run_read whose child did not both send the whole result
 * and exit 0 is an SB_ERESOURCE with one line on stderr.  read_page has no
 * error return: a page asked of a served snapshot whose child died comes
 * back filled with 0xff bytes (the oracle reports it torn; its page number
 * is wrong), after one line on stderr.
 *
 * Sanitizers.  AddressSanitizer follows fork: the children run instrumented,
 * and a report there kills the child, which the parent sees as a failed
 * read (the ASan build runs every test).  ThreadSanitizer does not follow a
 * fork made in a multithreaded process: it ignores every access and every
 * synchronisation in such a child (tried with gcc 12: a race in the child
 * goes unreported, the same race in the parent is reported).  Nothing in a
 * child can race, since it has one thread and a private copy of memory; what
 * can race is in the parent, which TSan checks in the stress run: the fork
 * against the writer (both under hold_out), the live-snapshot bookkeeping,
 * the statistics.  The read function itself is checked under TSan in-process
 * through every other variant.
 *
 * Synchronisation is the writer hold-out (hold_out.h): `hold_out` is held
 * by the writer from begin_write to commit, by a reader for the fork, and
 * at a snapshot's end for its bookkeeping.  Under hold_out no transaction
 * is half-applied, so the child's image of the pages is the state after
 * commit `commits`; the live-snapshot list and the bitmaps are touched only
 * under it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "hold_out.h"

extern const struct sb_variant sb_variant_forkcow;

/* A live snapshot's share of the retained pages (see the opening comment).
 * All fields are touched only under the database's hold_out. */
struct live_snapshot {
	uint64_t *written;            /* bitmap over 4 KiB pages of the array */
	uint64_t written_pages;       /* bits set in `written` */
	struct live_snapshot *older, *newer;
};

struct sb_db {
	struct sb_hold_out lock;      /* hold_out: the writer's transaction,
	                                 a fork, or a snapshot's end */
	struct sb_config config;
	size_t bytes;                 /* pages * page_size */
	char *flat;
	size_t os_page;               /* the kernel's copy-on-write unit */
	uint64_t bitmap_words;        /* words of a `written` bitmap */
	uint64_t commits;             /* under hold_out */
	struct live_snapshot *newest; /* under hold_out; NULL = none live */
	uint64_t snapshot_bytes;      /* a live snapshot's bitmap and its
	                                 child's page-table entries */
	struct sb_retained retained;
};

enum snap_mode {
	SNAP_SERVED,    /* in-process: read_page asks the child for each page */
	SNAP_IN_CHILD,  /* run_read: the read runs in the child itself */
};

struct sb_snap {
	sb_db *db;
	uint64_t commit;
	enum snap_mode mode;
	pid_t child;
	int sock;                     /* SNAP_SERVED: the parent's end */
	bool child_lost;              /* SNAP_SERVED: the child stopped answering */
	char *page;                   /* SNAP_SERVED: the last page received */
	struct live_snapshot live;
};

/* ---- the database ---- */

static int forkcow_open(const struct sb_config *config, sb_db **out, char *err,
                        size_t errlen)
{
	sb_db *db = sb_handle_alloc(sizeof *db, err, errlen);
	if (!db)
		return SB_ERESOURCE;
	db->config = *config;
	db->bytes = (size_t)sb_database_bytes(config);
	db->os_page = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t os_pages = (db->bytes + db->os_page - 1) / db->os_page;
	db->bitmap_words = (os_pages + 63) / 64;
	db->snapshot_bytes = db->bitmap_words * sizeof(uint64_t) +
	                     os_pages * sizeof(uint64_t);
	db->flat = sb_flat_alloc_small_pages(config, err, errlen);
	if (!db->flat) {
		free(db);
		return SB_ERESOURCE;
	}
	sb_hold_out_init(&db->lock);
	*out = db;
	return SB_OK;
}

static void forkcow_close(sb_db *db)
{
	sb_hold_out_destroy(&db->lock);
	sb_flat_free(db->flat, &db->config);
	free(db);
}

/* ---- retained pages: the live-snapshot list, all under hold_out ---- */

/* Everything forkcow retains belongs to a live snapshot: retained and
 * visible move together (all first up, visible first down, so that a
 * sample never shows more visible than retained). */
static void retain(sb_db *db, uint64_t bytes)
{
	sb_retained_add(&db->retained, bytes);
	sb_retained_visible_add(&db->retained, bytes);
}

static void release(sb_db *db, uint64_t bytes)
{
	sb_retained_visible_sub(&db->retained, bytes);
	sb_retained_sub(&db->retained, bytes);
}

static void live_link(sb_db *db, struct live_snapshot *live)
{
	retain(db, db->snapshot_bytes);
	live->older = db->newest;
	live->newer = NULL;
	if (db->newest)
		db->newest->newer = live;
	db->newest = live;
}

/* Unlinks an ended snapshot: its older neighbour now holds, as the newest
 * holder, the old versions of every page written since its own fork up to
 * the next live fork, the union of both bitmaps; what the ended one alone
 * held is freed. */
static void live_unlink(sb_db *db, struct live_snapshot *live)
{
	struct live_snapshot *older = live->older, *newer = live->newer;
	uint64_t freed = live->written_pages;
	if (older) {
		uint64_t merged = 0;
		for (uint64_t w = 0; w < db->bitmap_words; w++) {
			older->written[w] |= live->written[w];
			merged += (uint64_t)__builtin_popcountll(older->written[w]);
		}
		freed = older->written_pages + live->written_pages - merged;
		older->written_pages = merged;
		older->newer = newer;
	}
	if (newer)
		newer->older = older;
	else
		db->newest = older;
	release(db, freed * db->os_page + db->snapshot_bytes);
}

/* The writer is about to write `bytes` bytes at `offset` in the array: each
 * 4 KiB page there not yet written since the newest live fork is a page the
 * kernel copies now. */
static void count_first_writes(sb_db *db, size_t offset, size_t bytes)
{
	struct live_snapshot *newest = db->newest;
	if (!newest)
		return;
	uint64_t first = offset / db->os_page;
	uint64_t last = (offset + bytes - 1) / db->os_page;
	for (uint64_t p = first; p <= last; p++) {
		uint64_t bit = 1ull << (p % 64);
		if (newest->written[p / 64] & bit)
			continue;
		newest->written[p / 64] |= bit;
		newest->written_pages++;
		retain(db, db->os_page);
	}
}

/* ---- a snapshot's process ---- */

static void report(const char *what, int err)
{
	char buf[128];
	fprintf(stderr, "snapbench: forkcow: %s: %s\n", what,
	        strerror_r(err, buf, sizeof buf));
}

static sb_snap *snapshot_alloc(sb_db *db, enum snap_mode mode)
{
	sb_snap *snap = calloc(1, sizeof *snap);
	if (!snap)
		return NULL;
	snap->db = db;
	snap->mode = mode;
	snap->sock = -1;
	snap->live.written = calloc(db->bitmap_words, sizeof *snap->live.written);
	if (mode == SNAP_SERVED)
		snap->page = malloc(db->config.page_size);
	if (!snap->live.written || (mode == SNAP_SERVED && !snap->page)) {
		free(snap->live.written);
		free(snap->page);
		free(snap);
		return NULL;
	}
	return snap;
}

static void snapshot_free(sb_snap *snap)
{
	free(snap->live.written);
	free(snap->page);
	free(snap);
}

/* Forks the snapshot's process with the writer held out.  Returns as fork
 * does: 0 in the child, the child's pid in the parent, -1 (errno set). */
static pid_t snapshot_fork(sb_db *db, sb_snap *snap)
{
	/* The mutex's acquire: every completed commit's pages and number are
	 * in this thread's view, hence in the child's image. */
	sb_hold_out_reader_enter(&db->lock);
	snap->commit = db->commits;
	pid_t pid = fork();
	if (pid == 0)
		return 0;           /* the child never touches hold_out */
	int fork_errno = errno;
	if (pid > 0)
		live_link(db, &snap->live);
	sb_hold_out_reader_exit(&db->lock);
	errno = fork_errno;
	return pid;
}

/* In the child: closes every descriptor but the standard ones and `keep`,
 * so that no other snapshot's pipe stays open because of this process. */
static void child_close_others(int keep)
{
	unsigned k = (unsigned)keep;
	bool ok = true;
	if (k > 3)
		ok = close_range(3, k - 1, 0) == 0;
	ok = ok && close_range(k + 1, ~0u, 0) == 0;
	if (ok)
		return;
	/* No close_range (Linux < 5.9): one close per possible descriptor. */
	struct rlimit limit;
	int max = getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
	          limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < 65536
		? (int)limit.rlim_cur : 65536;
	for (int fd = 3; fd < max; fd++)
		if (fd != keep)
			close(fd);
}

/* Ends the child.  The exit_group system call itself rather than _exit:
 * ThreadSanitizer's _exit interceptor flushes every stdio stream, which in
 * the child would print again whatever the parent had buffered at the fork
 * (and touch stdio, which the child must not).  Nothing else is lost: the
 * child has no atexit work, and a sanitizer report found in it is printed
 * when found (with halt_on_error=1 the child dies at once, and the parent
 * sees a failed exit status). */
static _Noreturn void child_exit(int status)
{
	for (;;)
		syscall(SYS_exit_group, status);
}

enum transfer { TRANSFER_READ, TRANSFER_WRITE, TRANSFER_SEND };

/* Reads or writes exactly `size` bytes; false on end-of-file or an error.
 * send(MSG_NOSIGNAL) on a socket, so that a peer that went away is an
 * EPIPE, not a SIGPIPE.  The buffer is written only by TRANSFER_READ. */
static bool transfer_full(int fd, char *buf, size_t size, enum transfer how)
{
	while (size > 0) {
		ssize_t n = how == TRANSFER_READ ? read(fd, buf, size)
		          : how == TRANSFER_SEND ? send(fd, buf, size, MSG_NOSIGNAL)
		          : write(fd, buf, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		size -= (size_t)n;
	}
	return true;
}

static bool read_full(int fd, void *buf, size_t size)
{
	return transfer_full(fd, buf, size, TRANSFER_READ);
}

static bool write_full(int fd, const void *buf, size_t size, bool socket)
{
	return transfer_full(fd, (char *)buf, size,
	                     socket ? TRANSFER_SEND : TRANSFER_WRITE);
}

/* Waits for the child; its wait status, or -1 when it could not be had. */
static int reap(pid_t pid)
{
	int status;
	for (;;) {
		pid_t r = waitpid(pid, &status, 0);
		if (r == pid)
			return status;
		if (r < 0 && errno == EINTR)
			continue;
		report("cannot wait for a snapshot process", errno);
		return -1;
	}
}

/* One line on stderr unless the child exited 0; true when it did. */
static bool exited_cleanly(pid_t pid, int status)
{
	if (status == -1)
		return false;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFSIGNALED(status))
		fprintf(stderr, "snapbench: forkcow: snapshot process %d was killed "
		        "by signal %d (%s)\n", (int)pid, WTERMSIG(status),
		        strsignal(WTERMSIG(status)));
	else
		fprintf(stderr, "snapbench: forkcow: snapshot process %d exited "
		        "with status %d\n", (int)pid, WEXITSTATUS(status));
	return false;
}

/* After the child is gone: its retained pages are released. */
static void snapshot_retire(sb_db *db, sb_snap *snap)
{
	sb_hold_out_reader_enter(&db->lock);
	live_unlink(db, &snap->live);
	sb_hold_out_reader_exit(&db->lock);
}

/* The served child: answers each page number with the page's bytes, until
 * the parent closes its end. */
static _Noreturn void serve_pages(const sb_db *db, int sock)
{
	size_t page_size = db->config.page_size;
	for (;;) {
		uint64_t pageno;
		if (!read_full(sock, &pageno, sizeof pageno))
			child_exit(0);      /* end_read */
		if (pageno >= db->config.pages)
			child_exit(2);
		if (!write_full(sock, db->flat + pageno * page_size, page_size,
		                true))
			child_exit(3);
	}
}

/* ---- in-process snapshots: the child serves pages ---- */

static sb_snap *forkcow_begin_read(sb_db *db)
{
	sb_snap *snap = snapshot_alloc(db, SNAP_SERVED);
	if (!snap)
		return NULL;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		report("cannot make a socket for a snapshot process", errno);
		snapshot_free(snap);
		return NULL;
	}
	pid_t pid = snapshot_fork(db, snap);
	if (pid == 0) {
		child_close_others(sv[1]);
		serve_pages(db, sv[1]);
	}
	int fork_errno = errno;
	close(sv[1]);
	if (pid < 0) {
		report("cannot fork a snapshot process", fork_errno);
		close(sv[0]);
		snapshot_free(snap);
		return NULL;
	}
	snap->child = pid;
	snap->sock = sv[0];
	return snap;
}

static uint64_t forkcow_snapshot_commit(const sb_snap *snap)
{
	return snap->commit;
}

static const void *forkcow_read_page(sb_snap *snap, uint64_t pageno)
{
	const sb_db *db = snap->db;
	size_t page_size = db->config.page_size;
	if (snap->mode == SNAP_IN_CHILD)    /* this is the child's own image */
		return db->flat + pageno * page_size;
	if (!snap->child_lost &&
	    write_full(snap->sock, &pageno, sizeof pageno, true) &&
	    read_full(snap->sock, snap->page, page_size))
		return snap->page;
	if (!snap->child_lost)
		fprintf(stderr, "snapbench: forkcow: snapshot process %d stopped "
		        "answering; its pages read as torn\n", (int)snap->child);
	snap->child_lost = true;
	memset(snap->page, 0xff, page_size);
	return snap->page;
}

static void forkcow_end_read(sb_snap *snap)
{
	sb_db *db = snap->db;
	close(snap->sock);               /* the child reads end-of-file, exits */
	exited_cleanly(snap->child, reap(snap->child));
	snapshot_retire(db, snap);
	snapshot_free(snap);
}

/* ---- run_read: the whole read runs in the child ---- */

static int forkcow_run_read(sb_db *db, sb_read_fn fn, void *arg, void *result,
                            size_t result_size)
{
	sb_snap *snap = snapshot_alloc(db, SNAP_IN_CHILD);
	if (!snap) {
		fprintf(stderr, "snapbench: forkcow: cannot allocate a snapshot\n");
		return SB_ERESOURCE;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		report("cannot make a pipe for a snapshot process", errno);
		snapshot_free(snap);
		return SB_ERESOURCE;
	}
	pid_t pid = snapshot_fork(db, snap);
	if (pid == 0) {
		child_close_others(fds[1]);
		fn(&sb_variant_forkcow, snap, arg, result);
		child_exit(write_full(fds[1], result, result_size, false) ? 0 : 3);
	}
	int fork_errno = errno;
	close(fds[1]);
	if (pid < 0) {
		report("cannot fork a snapshot process", fork_errno);
		close(fds[0]);
		snapshot_free(snap);
		return SB_ERESOURCE;
	}
	/* Until end-of-file, so that a child that sends too much is noticed,
	 * and a child that dies ends the wait (the kernel closes its end). */
	size_t got = 0;
	bool excess = false;
	for (;;) {
		char spill[64];
		bool room = got < result_size;
		ssize_t n = room ? read(fds[0], (char *)result + got,
		                        result_size - got)
		                 : read(fds[0], spill, sizeof spill);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (room)
			got += (size_t)n;
		else
			excess = true;
	}
	close(fds[0]);
	bool clean = exited_cleanly(pid, reap(pid));
	snapshot_retire(db, snap);
	snapshot_free(snap);
	if (clean && (got != result_size || excess)) {
		fprintf(stderr, "snapbench: forkcow: snapshot process %d sent %s "
		        "than the %zu result bytes\n", (int)pid,
		        excess ? "more" : "fewer", result_size);
		clean = false;
	}
	return clean ? SB_OK : SB_ERESOURCE;
}

/* ---- the writer ---- */

static sb_txn *forkcow_begin_write(sb_db *db)
{
	/* A wait here is for a fork (or a snapshot's short end-of-life
	 * bookkeeping): the writer's stall. */
	sb_hold_out_writer_enter(&db->lock);
	return (sb_txn *)db;
}

static void *forkcow_write_page(sb_txn *txn, uint64_t pageno)
{
	sb_db *db = (sb_db *)txn;
	size_t page_size = db->config.page_size;
	/* In place: readers see the array only through a fork, and forks
	 * wait for hold_out, which this transaction holds. */
	count_first_writes(db, pageno * page_size, page_size);
	return db->flat + pageno * page_size;
}

static int forkcow_commit(sb_txn *txn)
{
	sb_db *db = (sb_db *)txn;
	db->commits++;
	/* The unlock's release: the next fork's image holds these pages. */
	sb_hold_out_writer_exit(&db->lock);
	return SB_OK;
}

static void forkcow_stats(sb_db *db, struct sb_stats *stats)
{
	sb_stats_fill(stats, &db->retained, &db->lock.writer_blocked_ns);
}

const struct sb_variant sb_variant_forkcow = {
	.name = "forkcow",
	.summary = "each read is a fork()ed child: the kernel copies a page on the writer's first write",
	.strict = true,
	.concurrent_safe = true,
	.open = forkcow_open,
	.close = forkcow_close,
	.begin_read = forkcow_begin_read,
	.snapshot_commit = forkcow_snapshot_commit,
	.read_page = forkcow_read_page,
	.end_read = forkcow_end_read,
	.begin_write = forkcow_begin_write,
	.write_page = forkcow_write_page,
	.commit = forkcow_commit,
	.run_read = forkcow_run_read,
	.stats = forkcow_stats,
};
