/*
 * sqlite — the real engine SQLite (3.40) in WAL mode behind the snapshot
 * interface: a long read is one read transaction (BEGIN ... COMMIT around
 * its SELECTs), a write transaction is BEGIN IMMEDIATE ... COMMIT.
 *
 * Origin: SQLite's write-ahead log (sqlite.org/wal.html).  A commit appends
 * the changed database pages to the WAL; a reader remembers the last valid
 * frame when its transaction starts (its "read mark") and reads each page
 * from the newest frame up to that mark, else from the database file.  A
 * checkpoint copies frames back into the database file, but only up to the
 * oldest reader's mark, and the WAL can start over from the beginning only
 * when no reader uses it: with a reader always active "the WAL file will
 * grow without bound" (checkpoint starvation).
 *
 * Layout: the database lives in a fresh directory on a memory-backed file
 * system (/dev/shm when present, else $TMPDIR or /tmp), removed at close.
 * Table pages(pageno INTEGER PRIMARY KEY, data BLOB): one row per page, its
 * number as the rowid; table meta holds the commit number in one row that
 * every write transaction updates, and a reader reads it inside its
 * transaction.  SQLite's own page size stays at its default 4096, so a
 * 4096-byte page is a row of about 490 bytes in a leaf plus one overflow
 * page (the file is about twice the database).  journal_mode=WAL,
 * synchronous=OFF (no fsync: the other variants are in memory, and on a disk
 * fallback directory an fsync would dominate commit latency), mmap_size as
 * large as SQLite allows (readers read the database file through the map,
 * not with a system call per page).  One connection per thread, opened by
 * thread_enter (multi-thread mode, SQLITE_OPEN_NOMUTEX: a connection is only
 * ever used by its thread) and kept in a thread-specific slot of this
 * database; a thread holds one transaction at a time.  Checkpoints: the
 * automatic one (every 1000 frames) is off; instead the writer, after each
 * COMMIT, runs a TRUNCATE checkpoint that never waits: it copies back every
 * frame no reader needs, and when no reader uses the WAL any more it
 * truncates it to zero bytes.  So the WAL holds exactly what readers keep
 * alive (a default SQLite would hold up to 1000 frames, ~4 MiB, even with
 * no reader), at the price of a checkpoint of a few pages and a truncation
 * in every commit (tens of microseconds).
 * Busy: every connection has a busy handler that sleeps from 10 us up to
 * 1 ms between tries and gives up after 10 s (SQLite's default busy_timeout
 * sleeps at least 1 ms); BEGIN IMMEDIATE waits only for another writer or a
 * checkpoint, never for a reader.  Busy and I/O errors are printed on stderr
 * with SQLite's message and end the run with SB_ERESOURCE.
 *
 * Costs.  Writer stall: none from readers (writer_blocked_ns is the time
 * BEGIN IMMEDIATE waited for another writer); a commit appends the changed
 * table pages, overflow pages, free-list pages and the meta page to the WAL
 * and then checkpoints them; after a long reader ends, the first commit
 * copies back everything the reader held up.  Reader overhead: BEGIN, a
 * SELECT of the commit number and COMMIT per read; a page read is a SQL
 * statement step (a B-tree search, or the next row when pages are read in
 * order), a lookup of the page in the WAL index, and a copy of the blob
 * into the snapshot's buffer.  Memory retained: mostly the WAL.  It grows
 * by every commit's frames while a reader that began before them is open,
 * and drops to zero at the first commit made while no reader uses the WAL;
 * a reader that begins before that commit (back-to-back long reads) pins
 * the WAL again, so it can span many reads.  Staleness: 0 (strict).
 *
 * retained_bytes: the engine's files (database, WAL and WAL index, their
 * allocated blocks on the memory-backed file system) beyond one copy of
 * the pages, which includes the WAL, the B-tree's interior and overflow
 * pages and its free pages; plus each connection's page buffer and its
 * write transaction's page buffers (a pool).  SQLite's own page cache (at
 * most cache_size, 2000 KiB by default, per connection; pages are mostly
 * read through the memory map) is not counted.
 * retained_visible_bytes: a bound: the WAL while any read transaction is
 * open, else 0.  A reader sees only the frames up to its mark, so frames
 * appended after the newest reader began are counted too.
 */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "engine_files.h"

/* Rows inserted per transaction at open. */
#define LOAD_PAGES_PER_TXN 8192u
/* The busy handler: the first sleep, the longest, and when to give up. */
#define BUSY_FIRST_SLEEP_NS 10000u
#define BUSY_MAX_SLEEP_NS 1000000u
#define BUSY_TIMEOUT_NS 10000000000ull
/* As much as SQLite allows (it caps this at SQLITE_MAX_MMAP_SIZE). */
#define MMAP_SIZE_SQL "PRAGMA mmap_size = 1099511627776"

struct conn;

/* A snapshot: the read transaction of its thread's connection. */
struct sb_snap {
	struct conn *conn;
	uint64_t commit;
	char *page;             /* read_page's copy of the last page read */
	uint64_t next_pageno;   /* the row a step of the scan would reach */
	bool scanning;          /* the scan statement sits before next_pageno */
};

/* Pages a write transaction changed: page number -> a private copy, written
 * into SQLite at commit.  A transaction writes a handful of pages
 * (--write-pages), so a linear search is the right size. */
/* A write transaction: the write transaction of its thread's connection. */
struct sb_txn {
	struct conn *conn;
	struct sb_dirty_pages dirty;
};

enum conn_state { CONN_IDLE, CONN_READING, CONN_WRITING };

/* One thread's connection, its prepared statements and its transaction. */
struct conn {
	sb_db *db;
	sqlite3 *handle;
	sqlite3_stmt *begin, *begin_immediate, *commit, *rollback;
	sqlite3_stmt *read_commit, *bump_commit;
	sqlite3_stmt *scan_pages, *read_page, *update_page;
	unsigned entered;        /* thread_enter calls not yet exited */
	enum conn_state state;
	struct sb_snap snap;
	struct sb_txn txn;
	/* The busy handler's state: touched only by this thread. */
	bool busy_no_wait;       /* during the checkpoint: never wait */
	uint64_t busy_start_ns;  /* when the current wait began */
	uint64_t busy_slept_ns;  /* slept since the last begin_write */
	struct conn *prev, *next; /* in db->conns, under conns_lock */
};

struct sb_db {
	struct sb_config config;
	char dir[256];
	char path[300];
	char wal_path[310];
	sqlite3 *keeper;        /* the loading connection, kept open */
	pthread_key_t thread_conn;
	bool key_made;
	pthread_mutex_t conns_lock;
	struct conn *conns;     /* every thread's connection, for close */
	_Atomic uint64_t writer_blocked_ns;
	_Atomic uint64_t open_reads;  /* read transactions now */
	struct sb_retained retained;
};

/* ---- connections ---- */

static void report(sqlite3 *handle, const char *what, int rc)
{
	fprintf(stderr, "snapbench: sqlite: %s: %s (%s)\n", what,
	        handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc),
	        sqlite3_errstr(rc));
}

/* Sleeps a little and asks SQLite to try again, until BUSY_TIMEOUT_NS. */
static int busy_handler(void *arg, int tries)
{
	struct conn *c = arg;
	if (c->busy_no_wait)
		return 0;
	uint64_t now = sb_now_ns();
	if (tries == 0)
		c->busy_start_ns = now;
	else if (now - c->busy_start_ns > BUSY_TIMEOUT_NS)
		return 0;
	uint64_t sleep_ns = BUSY_FIRST_SLEEP_NS << (tries < 7 ? tries : 7);
	if (sleep_ns > BUSY_MAX_SLEEP_NS)
		sleep_ns = BUSY_MAX_SLEEP_NS;
	sb_sleep_ns(sleep_ns);
	c->busy_slept_ns += sb_now_ns() - now;
	return 1;
}

/* Runs one statement that returns no row, and resets it. */
static int run(sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void conn_finalize(struct conn *c)
{
	sqlite3_stmt **stmts[] = {
		&c->begin, &c->begin_immediate, &c->commit, &c->rollback,
		&c->read_commit, &c->bump_commit, &c->scan_pages, &c->read_page,
		&c->update_page,
	};
	for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
		sqlite3_finalize(*stmts[i]);
		*stmts[i] = NULL;
	}
}

static void conn_free(struct conn *c)
{
	conn_finalize(c);
	sqlite3_close(c->handle);
	sb_dirty_free(&c->txn.dirty);
	free(c->snap.page);
	free(c);
}

/* Opens this thread's connection, or NULL (with the reason on stderr). */
static struct conn *conn_open(sb_db *db)
{
	struct conn *c = calloc(1, sizeof *c);
	char *page = malloc(db->config.page_size);
	if (!c || !page) {
		free(c);
		free(page);
		fprintf(stderr, "snapbench: sqlite: cannot allocate a connection\n");
		return NULL;
	}
	c->db = db;
	c->snap.conn = c;
	c->snap.page = page;
	c->txn.conn = c;
	int rc = sqlite3_open_v2(db->path, &c->handle,
	                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	const char *what = "open a connection";
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(c->handle, 1);
		sqlite3_busy_handler(c->handle, busy_handler, c);
		what = "configure a connection";
		rc = sqlite3_exec(c->handle, "PRAGMA synchronous = OFF; "
		                  MMAP_SIZE_SQL, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_wal_autocheckpoint(c->handle, 0);
	struct {
		sqlite3_stmt **stmt;
		const char *sql;
	} statements[] = {
		{&c->begin, "BEGIN"},
		{&c->begin_immediate, "BEGIN IMMEDIATE"},
		{&c->commit, "COMMIT"},
		{&c->rollback, "ROLLBACK"},
		{&c->read_commit, "SELECT commit_no FROM meta WHERE id = 0"},
		{&c->bump_commit,
		 "UPDATE meta SET commit_no = commit_no + 1 WHERE id = 0"},
		{&c->scan_pages,
		 "SELECT pageno, data FROM pages WHERE pageno >= ?1 ORDER BY pageno"},
		{&c->read_page, "SELECT data FROM pages WHERE pageno = ?1"},
		{&c->update_page, "UPDATE pages SET data = ?2 WHERE pageno = ?1"},
	};
	for (size_t i = 0; rc == SQLITE_OK &&
	                   i < sizeof statements / sizeof statements[0]; i++) {
		what = statements[i].sql;
		rc = sqlite3_prepare_v3(c->handle, statements[i].sql, -1,
		                        SQLITE_PREPARE_PERSISTENT,
		                        statements[i].stmt, NULL);
	}
	if (rc != SQLITE_OK) {
		report(c->handle, what, rc);
		conn_free(c);
		return NULL;
	}
	return c;
}

/* This thread's connection to db, or NULL (with the reason on stderr) when
 * the thread did not enter or is inside another transaction. */
static struct conn *idle_conn(sb_db *db, const char *operation)
{
	struct conn *c = pthread_getspecific(db->thread_conn);
	if (!c)
		fprintf(stderr, "snapbench: sqlite: %s on a thread that did not "
		        "call thread_enter\n", operation);
	else if (c->state != CONN_IDLE)
		fprintf(stderr, "snapbench: sqlite: %s while this thread's "
		        "connection is in another transaction\n", operation);
	else
		return c;
	return NULL;
}

static int sqlite_thread_enter(sb_db *db)
{
	struct conn *c = pthread_getspecific(db->thread_conn);
	if (c) {
		c->entered++;
		return SB_OK;
	}
	c = conn_open(db);
	if (!c)
		return SB_ERESOURCE;
	if (pthread_setspecific(db->thread_conn, c) != 0) {
		conn_free(c);
		return SB_ERESOURCE;
	}
	c->entered = 1;
	pthread_mutex_lock(&db->conns_lock);
	c->next = db->conns;
	if (db->conns)
		db->conns->prev = c;
	db->conns = c;
	pthread_mutex_unlock(&db->conns_lock);
	return SB_OK;
}

static void sqlite_thread_exit(sb_db *db)
{
	struct conn *c = pthread_getspecific(db->thread_conn);
	if (!c || --c->entered > 0)
		return;
	if (c->state != CONN_IDLE) {
		sqlite3_reset(c->scan_pages);
		run(c->rollback);
	}
	if (c->state == CONN_READING)
		/* Relaxed: a statistic (see sqlite_begin_read). */
		atomic_fetch_sub_explicit(&db->open_reads, 1, memory_order_relaxed);
	pthread_mutex_lock(&db->conns_lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		db->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&db->conns_lock);
	pthread_setspecific(db->thread_conn, NULL);
	conn_free(c);
}

/* ---- open and close ---- */

static int sqlite_fail(sqlite3 *handle, char *err, size_t errlen,
                       const char *what, int rc)
{
	snprintf(err, errlen, "sqlite: %s: %s", what,
	         handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc));
	return SB_ERESOURCE;
}

/* Creates the tables and loads the initial pages in a few big
 * transactions, through db->keeper. */
static int load_pages(sb_db *db, char *err, size_t errlen)
{
	const struct sb_config *config = &db->config;
	sqlite3 *h = db->keeper;
	char *journal_mode = NULL;
	int rc = sqlite3_exec(h, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	sqlite3_stmt *mode;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &mode, NULL);
	if (rc == SQLITE_OK) {
		if (sqlite3_step(mode) == SQLITE_ROW)
			journal_mode = sqlite3_mprintf("%s", sqlite3_column_text(mode, 0));
		rc = sqlite3_finalize(mode);
	}
	if (rc != SQLITE_OK)
		return sqlite_fail(h, err, errlen, "set WAL mode", rc);
	bool wal = journal_mode && strcmp(journal_mode, "wal") == 0;
	sqlite3_free(journal_mode);
	if (!wal) {
		snprintf(err, errlen, "sqlite: the database did not enter WAL mode");
		return SB_ERESOURCE;
	}
	rc = sqlite3_exec(h,
		"PRAGMA synchronous = OFF;"
		"CREATE TABLE pages(pageno INTEGER PRIMARY KEY, data BLOB NOT NULL);"
		"CREATE TABLE meta(id INTEGER PRIMARY KEY, commit_no INTEGER NOT NULL);"
		"INSERT INTO meta VALUES (0, 0);"
		"BEGIN", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return sqlite_fail(h, err, errlen, "create the tables", rc);
	char *page = malloc(config->page_size);
	sqlite3_stmt *insert = NULL;
	if (!page) {
		sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
		snprintf(err, errlen, "sqlite: cannot allocate a page buffer");
		return SB_ERESOURCE;
	}
	rc = sqlite3_prepare_v2(h, "INSERT INTO pages VALUES (?1, ?2)", -1,
	                        &insert, NULL);
	for (uint64_t n = 0; rc == SQLITE_OK && n < config->pages; n++) {
		config->init_page(config->init_ctx, n, page);
		sqlite3_bind_int64(insert, 1, (sqlite3_int64)n);
		sqlite3_bind_blob(insert, 2, page, (int)config->page_size,
		                  SQLITE_STATIC);
		rc = run(insert);
		if (rc == SQLITE_OK && (n + 1) % LOAD_PAGES_PER_TXN == 0)
			rc = sqlite3_exec(h, "COMMIT; BEGIN", NULL, NULL, NULL);
	}
	sqlite3_finalize(insert);
	free(page);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		int status = sqlite_fail(h, err, errlen, "load the pages", rc);
		sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
		return status;
	}
	/* Start with an empty WAL: everything loaded is in the database file. */
	rc = sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	                               NULL, NULL);
	if (rc != SQLITE_OK)
		return sqlite_fail(h, err, errlen, "checkpoint the loaded pages", rc);
	return SB_OK;
}

/* Frees everything; safe on a partly made database. */
static void destroy(sb_db *db)
{
	struct conn *c = db->conns;
	while (c) {
		struct conn *next = c->next;
		conn_free(c);
		c = next;
	}
	if (db->keeper)
		sqlite3_close(db->keeper);
	if (db->dir[0])
		sb_temp_dir_remove(db->dir);
	if (db->key_made)
		pthread_key_delete(db->thread_conn);
	pthread_mutex_destroy(&db->conns_lock);
	free(db);
}

static int sqlite_open(const struct sb_config *config, sb_db **out, char *err,
                       size_t errlen)
{
	sb_db *db = calloc(1, sizeof *db);
	if (!db) {
		snprintf(err, errlen, "sqlite: cannot allocate the database handle");
		return SB_ERESOURCE;
	}
	db->config = *config;
	pthread_mutex_init(&db->conns_lock, NULL);
	if (pthread_key_create(&db->thread_conn, NULL) != 0) {
		snprintf(err, errlen, "sqlite: no thread-specific key left");
		destroy(db);
		return SB_ERESOURCE;
	}
	db->key_made = true;
	int status = sb_temp_dir("sqlite", db->dir, sizeof db->dir, err, errlen);
	if (status != SB_OK) {
		db->dir[0] = '\0';
		destroy(db);
		return status;
	}
	snprintf(db->path, sizeof db->path, "%s/pages.db", db->dir);
	snprintf(db->wal_path, sizeof db->wal_path, "%s-wal", db->path);
	int rc = sqlite3_open_v2(db->path, &db->keeper,
	                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                         SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		status = sqlite_fail(db->keeper, err, errlen, "create the database", rc);
		destroy(db);
		return status;
	}
	sqlite3_busy_timeout(db->keeper, (int)(BUSY_TIMEOUT_NS / 1000000));
	int max_blob = sqlite3_limit(db->keeper, SQLITE_LIMIT_LENGTH, -1);
	if (config->page_size > (size_t)max_blob) {
		snprintf(err, errlen, "sqlite: pages of %zu bytes are longer than "
		         "a blob may be (%d bytes)", config->page_size, max_blob);
		destroy(db);
		return SB_EUSAGE;
	}
	status = load_pages(db, err, errlen);
	if (status != SB_OK) {
		destroy(db);
		return status;
	}
	*out = db;
	return SB_OK;
}

static void sqlite_close(sb_db *db)
{
	destroy(db);
}

/* ---- reads ---- */

static sb_snap *sqlite_begin_read(sb_db *db)
{
	struct conn *c = idle_conn(db, "begin_read");
	if (!c)
		return NULL;
	/* BEGIN starts nothing yet: the SELECT of the commit number takes
	 * the snapshot (the reader's WAL mark), so both agree. */
	int rc = run(c->begin);
	if (rc != SQLITE_OK) {
		report(c->handle, "BEGIN", rc);
		return NULL;
	}
	rc = sqlite3_step(c->read_commit);
	if (rc == SQLITE_ROW) {
		c->snap.commit = (uint64_t)sqlite3_column_int64(c->read_commit, 0);
		rc = SQLITE_OK;
	}
	sqlite3_reset(c->read_commit);
	if (rc != SQLITE_OK) {
		report(c->handle, "read the commit number", rc);
		run(c->rollback);
		return NULL;
	}
	c->state = CONN_READING;
	c->snap.scanning = false;
	/* Relaxed: a statistic. */
	atomic_fetch_add_explicit(&db->open_reads, 1, memory_order_relaxed);
	return &c->snap;
}

static uint64_t sqlite_snapshot_commit(const sb_snap *snap)
{
	return snap->commit;
}

static const void *sqlite_read_page(sb_snap *snap, uint64_t pageno)
{
	struct conn *c = snap->conn;
	size_t page_size = c->db->config.page_size;
	sqlite3_stmt *scan = c->scan_pages;
	/* A scan reads pages in order: step the statement to the next row
	 * instead of starting a new search. */
	if (!snap->scanning || pageno != snap->next_pageno) {
		sqlite3_reset(scan);
		sqlite3_bind_int64(scan, 1, (sqlite3_int64)pageno);
	}
	int rc = sqlite3_step(scan);
	if (rc == SQLITE_ROW &&
	    (uint64_t)sqlite3_column_int64(scan, 0) == pageno) {
		const void *data = sqlite3_column_blob(scan, 1);
		if (data && (size_t)sqlite3_column_bytes(scan, 1) == page_size) {
			memcpy(snap->page, data, page_size);
			snap->scanning = true;
			snap->next_pageno = pageno + 1;
			return snap->page;
		}
	}
	/* No error path in the interface: the zero page fails the oracle's
	 * checksum, and the message says why. */
	report(c->handle, "read a page", rc == SQLITE_ROW ? SQLITE_CORRUPT : rc);
	sqlite3_reset(scan);
	snap->scanning = false;
	memset(snap->page, 0, page_size);
	return snap->page;
}

static void sqlite_end_read(sb_snap *snap)
{
	struct conn *c = snap->conn;
	sqlite3_reset(c->scan_pages);
	int rc = run(c->commit);
	if (rc != SQLITE_OK) {
		report(c->handle, "COMMIT a read", rc);
		run(c->rollback);
	}
	c->state = CONN_IDLE;
	/* Relaxed: a statistic. */
	atomic_fetch_sub_explicit(&c->db->open_reads, 1, memory_order_relaxed);
}

/* ---- writes ---- */

/* Rolls back a write transaction that will not commit. */
static void write_abandon(struct conn *c)
{
	sqlite3_reset(c->read_page);
	sqlite3_reset(c->update_page);
	sqlite3_reset(c->bump_commit);
	run(c->rollback);
	c->txn.dirty.count = 0;
	c->state = CONN_IDLE;
}

static sb_txn *sqlite_begin_write(sb_db *db)
{
	struct conn *c = idle_conn(db, "begin_write");
	if (!c)
		return NULL;
	c->busy_slept_ns = 0;
	int rc = run(c->begin_immediate);
	if (c->busy_slept_ns)
		/* Relaxed: a statistic, read by the monitor at any time. */
		atomic_fetch_add_explicit(&db->writer_blocked_ns, c->busy_slept_ns,
		                          memory_order_relaxed);
	if (rc != SQLITE_OK) {
		report(c->handle, "BEGIN IMMEDIATE", rc);
		return NULL;
	}
	c->state = CONN_WRITING;
	c->txn.dirty.count = 0;
	return &c->txn;
}

static void *sqlite_write_page(sb_txn *t, uint64_t pageno)
{
	struct conn *c = t->conn;
	size_t page_size = c->db->config.page_size;
	char *buffer = sb_dirty_find(&t->dirty, pageno);
	if (buffer)
		return buffer;
	buffer = sb_dirty_add(&t->dirty, pageno, page_size);
	if (!buffer) {
		/* The harness ends the run without calling commit. */
		fprintf(stderr, "snapbench: sqlite: cannot allocate a page buffer\n");
		write_abandon(c);
		return NULL;
	}
	sqlite3_bind_int64(c->read_page, 1, (sqlite3_int64)pageno);
	int rc = sqlite3_step(c->read_page);
	if (rc == SQLITE_ROW) {
		const void *data = sqlite3_column_blob(c->read_page, 0);
		if (data &&
		    (size_t)sqlite3_column_bytes(c->read_page, 0) == page_size) {
			memcpy(buffer, data, page_size);
			sqlite3_reset(c->read_page);
			return buffer;
		}
		rc = SQLITE_CORRUPT;
	}
	report(c->handle, "read a page to write", rc);
	write_abandon(c);
	return NULL;
}

/* The WAL holds only what readers still need: copy back what they do not
 * and empty the WAL when none uses it.  Never waits (SQLITE_BUSY means a
 * reader still uses the WAL). */
static int checkpoint(struct conn *c)
{
	c->busy_no_wait = true;
	int rc = sqlite3_wal_checkpoint_v2(c->handle, NULL,
	                                   SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	c->busy_no_wait = false;
	if ((rc & 0xff) == SQLITE_BUSY)
		rc = SQLITE_OK;
	return rc;
}

static int sqlite_commit(sb_txn *t)
{
	struct conn *c = t->conn;
	size_t page_size = c->db->config.page_size;
	int rc = SQLITE_OK;
	for (size_t i = 0; rc == SQLITE_OK && i < t->dirty.count; i++) {
		sqlite3_bind_int64(c->update_page, 1,
		                   (sqlite3_int64)t->dirty.pageno[i]);
		sqlite3_bind_blob(c->update_page, 2, t->dirty.buffer[i],
		                  (int)page_size, SQLITE_STATIC);
		rc = run(c->update_page);
	}
	if (rc == SQLITE_OK)
		rc = run(c->bump_commit);
	if (rc == SQLITE_OK)
		rc = run(c->commit);
	if (rc != SQLITE_OK) {
		report(c->handle, "commit a write transaction", rc);
		write_abandon(c);
		return SB_ERESOURCE;
	}
	t->dirty.count = 0;
	c->state = CONN_IDLE;
	rc = checkpoint(c);
	if (rc != SQLITE_OK) {
		report(c->handle, "checkpoint", rc);
		return SB_ERESOURCE;
	}
	return SB_OK;
}

/* ---- statistics ---- */

/* The connections' buffers: each one's page and its write pool. */
static uint64_t connection_bytes(sb_db *db)
{
	uint64_t bytes = 0;
	pthread_mutex_lock(&db->conns_lock);
	for (struct conn *c = db->conns; c; c = c->next)
		bytes += db->config.page_size + sb_dirty_pool_bytes(&c->txn.dirty);
	pthread_mutex_unlock(&db->conns_lock);
	return bytes;
}

static void sqlite_stats(sb_db *db, struct sb_stats *stats)
{
	/* From any thread: the files need no connection.  Relaxed: a sample
	 * of a statistic. */
	bool reading = atomic_load_explicit(&db->open_reads,
	                                    memory_order_relaxed) > 0;
	struct stat st;
	uint64_t wal = stat(db->wal_path, &st) == 0
		? (uint64_t)st.st_blocks * 512 : 0;
	uint64_t files = sb_temp_dir_bytes(db->dir);
	uint64_t pages = sb_database_bytes(&db->config);
	uint64_t beyond = files > pages ? files - pages : 0;
	/* The WAL may grow between the two looks: never more visible than
	 * retained. */
	sb_gauge_set(&db->retained.visible, reading ? (wal < beyond ? wal : beyond)
	                                            : 0);
	sb_gauge_set(&db->retained.all, beyond + connection_bytes(db));
	sb_stats_fill(stats, &db->retained, &db->writer_blocked_ns);
}

const struct sb_variant sb_variant_sqlite = {
	.name = "sqlite",
	.summary = "SQLite in WAL mode: a read transaction per read; long "
	           "readers keep the WAL from being checkpointed",
	.strict = true,
	.concurrent_safe = true,
	.engine = true,
	.open = sqlite_open,
	.close = sqlite_close,
	.thread_enter = sqlite_thread_enter,
	.thread_exit = sqlite_thread_exit,
	.begin_read = sqlite_begin_read,
	.snapshot_commit = sqlite_snapshot_commit,
	.read_page = sqlite_read_page,
	.end_read = sqlite_end_read,
	.begin_write = sqlite_begin_write,
	.write_page = sqlite_write_page,
	.commit = sqlite_commit,
	.stats = sqlite_stats,
};
