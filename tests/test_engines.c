/*
 * The real engines, `lmdb` and `sqlite`: what they promise beyond the
 * shared conformance tests — visible bytes that follow the pages a long
 * reader pins, retained bytes that count the engine's files beyond the
 * pages, temporary files that never outlive the database, clear
 * errors instead of crashes when a resource runs out, and the per-thread
 * and per-snapshot machinery behind the interface.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_files.h"
#include "fixture.h"

static size_t page_size = 256;

static const struct sb_variant *engine(const char *name)
{
	const struct sb_variant *v = sb_variant_find(name);
	cr_assert_not_null(v, "variant %s is not registered", name);
	return v;
}

static int try_open(const struct sb_variant *v, uint64_t pages,
                    unsigned readers, unsigned writers, sb_db **db,
                    char *err, size_t errlen)
{
	struct sb_config config = {
		.pages = pages,
		.page_size = page_size,
		.readers = readers,
		.writers = writers,
		.init_page = fixture_init_page,
		.init_ctx = &page_size,
	};
	return v->open(&config, db, err, errlen);
}

static struct sb_stats stats_of(const struct sb_variant *v, sb_db *db)
{
	struct sb_stats stats;
	v->stats(db, &stats);
	cr_assert_geq(stats.retained_peak_bytes, stats.retained_bytes);
	cr_assert_geq(stats.retained_visible_peak_bytes,
	              stats.retained_visible_bytes);
	cr_assert_leq(stats.retained_visible_bytes, stats.retained_bytes);
	return stats;
}

static uint64_t visible(const struct sb_variant *v, sb_db *db)
{
	return stats_of(v, db).retained_visible_bytes;
}

static uint64_t retained(const struct sb_variant *v, sb_db *db)
{
	return stats_of(v, db).retained_bytes;
}

/* A thread that commits `commits` transactions of pages 3 and 4. */
struct writer_job {
	const struct sb_variant *v;
	sb_db *db;
	uint64_t first_stamp;
	unsigned commits;
	int status;
};

static void *writer_thread(void *arg)
{
	struct writer_job *job = arg;
	job->status = sb_thread_enter(job->v, job->db);
	for (unsigned i = 0; job->status == SB_OK && i < job->commits; i++)
		job->status = fixture_commit(job->v, job->db, page_size, job->first_stamp + i,
		                           (uint64_t[]){3, 4}, 2);
	sb_thread_exit(job->v, job->db);
	return NULL;
}

/* Commits from another thread: this thread may hold a snapshot (a SQLite
 * connection holds one transaction at a time). */
static void commit_elsewhere(const struct sb_variant *v, sb_db *db,
                             uint64_t first_stamp, unsigned commits)
{
	struct writer_job job = {v, db, first_stamp, commits, SB_OK};
	pthread_t thread;
	cr_assert_eq(pthread_create(&thread, NULL, writer_thread, &job), 0);
	pthread_join(thread, NULL);
	cr_assert_eq(job.status, SB_OK, "%s: a commit failed", v->name);
}

/* ---- visible and retained bytes ---- */

static void reader_pins_until_it_ends(const char *name)
{
	const struct sb_variant *v = engine(name);
	sb_db *db = fixture_open(v, 64, &page_size, 1, 1, SB_PUBLISH_BLOCK);
	commit_elsewhere(v, db, 1, 5);
	cr_assert_eq(visible(v, db), 0, "%s: visible with no reader", name);
	uint64_t before = retained(v, db);
	sb_snap *old = v->begin_read(db);
	cr_assert_not_null(old);
	commit_elsewhere(v, db, 6, 10);
	uint64_t after_10 = visible(v, db);
	commit_elsewhere(v, db, 16, 10);
	uint64_t after_20 = visible(v, db);
	cr_assert_gt(after_10, 0, "%s: a reader pins nothing", name);
	cr_assert_gt(after_20, after_10, "%s: visible does not grow with "
	             "commits under a reader", name);
	/* (Pages freed before the reader began may be reused meanwhile, so
	 * the files grow by less than what it pins.) */
	cr_assert_gt(retained(v, db), before, "%s: the pinned pages are not "
	             "retained", name);
	cr_assert_eq(fixture_stamp(v, old, page_size, 3), 5, "%s", name);
	v->end_read(old);
	commit_elsewhere(v, db, 26, 1);
	cr_assert_eq(visible(v, db), 0, "%s: visible after the reader ended",
	             name);
	struct sb_stats stats = stats_of(v, db);
	cr_assert_geq(stats.retained_visible_peak_bytes, after_20, "%s: peak",
	              name);
	cr_assert_geq(stats.retained_peak_bytes, after_20, "%s: peak", name);
	fixture_close(v, db);
}

Test(lmdb, reader_pins_freed_pages_until_it_ends)
{
	reader_pins_until_it_ends("lmdb");
}

Test(sqlite, reader_keeps_the_wal_until_it_ends)
{
	reader_pins_until_it_ends("sqlite");
}

/* A reader that began after the last commit needs nothing older. */
static void fresh_reader_pins_nothing(const char *name)
{
	const struct sb_variant *v = engine(name);
	sb_db *db = fixture_open(v, 64, &page_size, 1, 1, SB_PUBLISH_BLOCK);
	commit_elsewhere(v, db, 1, 20);
	sb_snap *snap = v->begin_read(db);
	cr_assert_eq(visible(v, db), 0, "%s", name);
	commit_elsewhere(v, db, 21, 1);
	cr_assert_gt(visible(v, db), 0, "%s", name);
	v->end_read(snap);
	fixture_close(v, db);
}

Test(lmdb, reader_that_began_after_the_last_commit_pins_nothing)
{
	fresh_reader_pins_nothing("lmdb");
}

Test(sqlite, reader_that_began_after_the_last_commit_pins_nothing)
{
	fresh_reader_pins_nothing("sqlite");
}

/* ---- temporary files ---- */

/* Where the variants put their directories (the same rule as theirs). */
static const char *temp_base(void)
{
	struct stat st;
	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
	    access("/dev/shm", W_OK | X_OK) == 0)
		return "/dev/shm";
	const char *base = getenv("TMPDIR");
	return base && *base ? base : "/tmp";
}

/* The number of this process's directories of variant `name`; the path of
 * the last one found goes to `path` when it is not NULL. */
static int own_temp_dirs(const char *name, char *path, size_t len)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "snapbench-%s-%d-", name, (int)getpid());
	DIR *d = opendir(temp_base());
	cr_assert_not_null(d);
	int count = 0;
	struct dirent *entry;
	while ((entry = readdir(d)) != NULL) {
		if (strncmp(entry->d_name, prefix, strlen(prefix)) != 0)
			continue;
		count++;
		if (path)
			snprintf(path, len, "%s/%s", temp_base(), entry->d_name);
	}
	closedir(d);
	return count;
}

static void files_removed_at_close(const char *name)
{
	const struct sb_variant *v = engine(name);
	cr_assert_eq(own_temp_dirs(name, NULL, 0), 0);
	sb_db *db = fixture_open(v, 64, &page_size, 1, 1, SB_PUBLISH_BLOCK);
	commit_elsewhere(v, db, 1, 3);
	cr_assert_eq(own_temp_dirs(name, NULL, 0), 1,
	             "%s: no directory in %s", name, temp_base());
	fixture_close(v, db);
	cr_assert_eq(own_temp_dirs(name, NULL, 0), 0,
	             "%s: the directory outlived close", name);
}

Test(lmdb, temporary_files_are_removed_at_close)
{
	files_removed_at_close("lmdb");
}

Test(sqlite, temporary_files_are_removed_at_close)
{
	files_removed_at_close("sqlite");
}

/* Loading 4 MiB with files limited to 64 KiB fails half-way through. */
static void files_removed_after_failed_open(const char *name)
{
	const struct sb_variant *v = engine(name);
	struct rlimit old, small = {64 << 10, 64 << 10};
	getrlimit(RLIMIT_FSIZE, &old);
	small.rlim_max = old.rlim_max;
	signal(SIGXFSZ, SIG_IGN); /* a write past the limit fails with EFBIG */
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	sb_db *db = NULL;
	char err[256] = "";
	int status = try_open(v, 16384, 1, 1, &db, err, sizeof err);
	setrlimit(RLIMIT_FSIZE, &old);
	cr_assert_eq(status, SB_ERESOURCE, "%s: open did not fail (%d)", name,
	             status);
	cr_assert_neq(err[0], '\0', "%s: no message", name);
	cr_assert_eq(own_temp_dirs(name, NULL, 0), 0,
	             "%s: a failed open left its directory", name);
}

Test(lmdb, temporary_files_are_removed_after_a_failed_open)
{
	files_removed_after_failed_open("lmdb");
}

Test(sqlite, temporary_files_are_removed_after_a_failed_open)
{
	files_removed_after_failed_open("sqlite");
}

/* ---- reads ---- */

/* In-order reads step a cursor, others seek: both must return the page
 * asked for, as of the snapshot. */
static void steps_and_seeks_return_the_page_asked_for(const char *name)
{
	const struct sb_variant *v = engine(name);
	sb_db *db = fixture_open(v, 64, &page_size, 1, 1, SB_PUBLISH_BLOCK);
	commit_elsewhere(v, db, 1, 2); /* pages 3 and 4 at stamp 2 */
	sb_snap *snap = v->begin_read(db);
	uint64_t order[] = {60, 61, 62, 63, 0, 1, 2, 3, 4, 5, 4, 3, 9, 10, 7, 8};
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		uint64_t expect = order[i] == 3 || order[i] == 4 ? 2 : 0;
		cr_assert_eq(fixture_stamp(v, snap, page_size, order[i]), expect, "%s: page %llu",
		             name, (unsigned long long)order[i]);
	}
	v->end_read(snap);
	fixture_close(v, db);
}

Test(lmdb, cursor_steps_and_seeks_return_the_page_asked_for)
{
	steps_and_seeks_return_the_page_asked_for("lmdb");
}

Test(sqlite, statement_steps_and_seeks_return_the_page_asked_for)
{
	steps_and_seeks_return_the_page_asked_for("sqlite");
}

/* Pages of 4096 bytes do not fit in a leaf of either engine (LMDB and
 * SQLite move them to overflow pages): a full verifying run must be clean. */
static void full_size_pages_run_clean(const char *name)
{
	struct run_config config = fixture_run_config(256, 4096, 1, 0.5);
	struct run_result r;
	char err[256] = "";
	int status = run_variant(engine(name), &config, &r, err, sizeof err);
	cr_assert_eq(status, SB_OK, "%s: %s", name, err);
	cr_assert_gt(r.commits, 50, "%s", name);
	cr_assert_gt(r.reads, 2, "%s", name);
	cr_assert_eq(violations_total(&r.violations), 0, "%s", name);
	run_result_free(&r);
}

Test(lmdb, pages_on_overflow_runs_read_back_whole)
{
	full_size_pages_run_clean("lmdb");
}

Test(sqlite, pages_on_overflow_pages_read_back_whole)
{
	full_size_pages_run_clean("sqlite");
}

/* ---- writers ---- */

/* A second writer waits for the first to commit; the wait is counted. */
struct blocked_writer {
	const struct sb_variant *v;
	sb_db *db;
	_Atomic bool started, done;
	int status;
};

static void *second_writer(void *arg)
{
	struct blocked_writer *w = arg;
	w->status = sb_thread_enter(w->v, w->db);
	atomic_store(&w->started, true);
	if (w->status == SB_OK)
		w->status = fixture_commit(w->v, w->db, page_size, 2, (uint64_t[]){5, 6}, 2);
	atomic_store(&w->done, true);
	sb_thread_exit(w->v, w->db);
	return NULL;
}

static void second_writer_waits(const char *name)
{
	const struct sb_variant *v = engine(name);
	sb_db *db = fixture_open(v, 64, &page_size, 1, 1, SB_PUBLISH_BLOCK);
	sb_txn *txn = v->begin_write(db);
	cr_assert_not_null(txn);
	page_fill(v->write_page(txn, 3), page_size, 3, 1, 0);
	struct blocked_writer w = {v, db, false, false, SB_OK};
	pthread_t thread;
	cr_assert_eq(pthread_create(&thread, NULL, second_writer, &w), 0);
	while (!atomic_load(&w.started))
		usleep(1000);
	usleep(100000);
	cr_assert(!atomic_load(&w.done), "%s: two writers at once", name);
	cr_assert_eq(v->commit(txn), SB_OK);
	pthread_join(thread, NULL);
	cr_assert_eq(w.status, SB_OK);
	sb_snap *snap = v->begin_read(db);
	cr_assert_eq(v->snapshot_commit(snap), 2, "%s", name);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 3), 1, "%s", name);
	cr_assert_eq(fixture_stamp(v, snap, page_size, 5), 2, "%s", name);
	v->end_read(snap);
	struct sb_stats stats;
	v->stats(db, &stats);
	cr_assert_geq(stats.writer_blocked_ns, 50000000, "%s: blocked %llu ns",
	              name, (unsigned long long)stats.writer_blocked_ns);
	fixture_close(v, db);
}

Test(lmdb, second_writer_waits_for_the_first_and_counts_it)
{
	second_writer_waits("lmdb");
}

Test(sqlite, second_writer_waits_for_the_first_and_counts_it)
{
	second_writer_waits("sqlite");
}

/* Retained bytes are the engine's files beyond the pages (and a few
 * buffers): at open already more than nothing (an engine's file has meta,
 * interior and overflow pages), and never less than the files hold. */
static void retained_counts_the_files(const char *name)
{
	const struct sb_variant *v = engine(name);
	sb_db *db = fixture_open(v, 64, &page_size, 1, 1, SB_PUBLISH_BLOCK);
	char dir[512];
	cr_assert_eq(own_temp_dirs(name, dir, sizeof dir), 1);
	const uint64_t pages = 64 * page_size;
	uint64_t files = sb_temp_dir_bytes(dir), held = retained(v, db);
	cr_assert_gt(files, pages, "%s", name);
	cr_assert_geq(held, files - pages, "%s", name);
	cr_assert_leq(held, files - pages + 64 * 1024, "%s: more than the files "
	              "and a few buffers", name);
	sb_snap *snap = v->begin_read(db);
	commit_elsewhere(v, db, 1, 50);
	files = sb_temp_dir_bytes(dir);
	cr_assert_geq(retained(v, db), files - pages, "%s", name);
	v->end_read(snap);
	fixture_close(v, db);
}

Test(lmdb, retained_counts_the_files_beyond_the_pages)
{
	retained_counts_the_files("lmdb");
}

Test(sqlite, retained_counts_the_files_beyond_the_pages)
{
	retained_counts_the_files("sqlite");
}

/* ---- LMDB specifics ---- */

/* The data file grows while a reader pins freed pages, and not without. */
Test(lmdb, file_grows_only_while_a_reader_pins_pages)
{
	const struct sb_variant *v = engine("lmdb");
	sb_db *db = fixture_open(v, 64, &page_size, 1, 1, SB_PUBLISH_BLOCK);
	char dir[512], data[600];
	cr_assert_eq(own_temp_dirs("lmdb", dir, sizeof dir), 1);
	snprintf(data, sizeof data, "%s/data.mdb", dir);
	struct stat st;
	commit_elsewhere(v, db, 1, 20); /* the free list reaches its size */
	cr_assert_eq(stat(data, &st), 0);
	off_t settled = st.st_size;
	commit_elsewhere(v, db, 21, 200);
	cr_assert_eq(stat(data, &st), 0);
	cr_assert_eq(st.st_size, settled, "grew without a reader");
	sb_snap *snap = v->begin_read(db);
	commit_elsewhere(v, db, 221, 200);
	cr_assert_eq(stat(data, &st), 0);
	cr_assert_gt(st.st_size, settled + 100 * 4096, "did not grow under a reader");
	v->end_read(snap);
	fixture_close(v, db);
}

/* More snapshots than reader-table slots: begin_read returns NULL (no
 * crash), and once they end a snapshot opens again. */
Test(lmdb, too_many_snapshots_fail_cleanly)
{
	const struct sb_variant *v = engine("lmdb");
	sb_db *db = NULL;
	char err[256] = "";
	cr_assert_eq(try_open(v, 16, 0, 0, &db, err, sizeof err), SB_OK, "%s", err);
	cr_assert_eq(sb_thread_enter(v, db), SB_OK);
	sb_snap *snaps[1000];
	size_t open = 0;
	while (open < 1000 && (snaps[open] = v->begin_read(db)) != NULL)
		open++;
	cr_assert_lt(open, 1000, "the reader table never filled");
	cr_assert_geq(open, 8);
	cr_assert_eq(fixture_stamp(v, snaps[0], page_size, 5), 0);
	for (size_t i = 0; i < open; i++)
		v->end_read(snaps[i]);
	sb_snap *snap = v->begin_read(db);
	cr_assert_not_null(snap, "no snapshot after the others ended");
	v->end_read(snap);
	fixture_close(v, db);
}

/* A reader pinning pages fills the map: the commit fails with
 * SB_ERESOURCE, and after the reader ends commits work again. */
Test(lmdb, full_map_is_an_error_and_clears_when_the_reader_ends)
{
	const struct sb_variant *v = engine("lmdb");
	sb_db *db = fixture_open(v, 16, &page_size, 1, 1, SB_PUBLISH_BLOCK);
	sb_snap *snap = v->begin_read(db);
	struct writer_job job = {v, db, 1, 200000, SB_OK};
	pthread_t thread;
	cr_assert_eq(pthread_create(&thread, NULL, writer_thread, &job), 0);
	pthread_join(thread, NULL);
	cr_assert_eq(job.status, SB_ERESOURCE, "the map never filled");
	cr_assert_eq(fixture_stamp(v, snap, page_size, 3), 0);
	v->end_read(snap);
	cr_assert_eq(fixture_commit(v, db, page_size, 1000000, (uint64_t[]){3, 4}, 2), SB_OK);
	cr_assert_eq(fixture_commit(v, db, page_size, 1000001, (uint64_t[]){3, 4}, 2), SB_OK);
	fixture_close(v, db);
}

/* ---- SQLite specifics ---- */

/* A thread's connection belongs to one database: two databases open at
 * once on one thread do not see each other's commits. */
Test(sqlite, thread_connections_are_per_database)
{
	const struct sb_variant *v = engine("sqlite");
	sb_db *a = fixture_open(v, 16, &page_size, 1, 1, SB_PUBLISH_BLOCK), *b = fixture_open(v, 16, &page_size, 1, 1, SB_PUBLISH_BLOCK);
	cr_assert_eq(fixture_commit(v, a, page_size, 1, (uint64_t[]){3, 4}, 2), SB_OK);
	sb_snap *sa = v->begin_read(a);
	sb_snap *sb = v->begin_read(b);
	cr_assert_eq(v->snapshot_commit(sa), 1);
	cr_assert_eq(v->snapshot_commit(sb), 0);
	cr_assert_eq(fixture_stamp(v, sa, page_size, 3), 1);
	cr_assert_eq(fixture_stamp(v, sb, page_size, 3), 0);
	v->end_read(sa);
	v->end_read(sb);
	fixture_close(v, a);
	fixture_close(v, b);
}

/* A connection holds one transaction: a second on the same thread is
 * refused with NULL, and the first is unharmed. */
Test(sqlite, second_transaction_on_one_thread_is_refused)
{
	const struct sb_variant *v = engine("sqlite");
	sb_db *db = fixture_open(v, 16, &page_size, 1, 1, SB_PUBLISH_BLOCK);
	sb_snap *snap = v->begin_read(db);
	cr_assert_not_null(snap);
	cr_assert_null(v->begin_read(db));
	cr_assert_null(v->begin_write(db));
	cr_assert_eq(fixture_stamp(v, snap, page_size, 3), 0);
	v->end_read(snap);
	cr_assert_eq(fixture_commit(v, db, page_size, 1, (uint64_t[]){3, 4}, 2), SB_OK);
	fixture_close(v, db);
}
