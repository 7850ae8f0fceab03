/*
 * lmdb — the real engine LMDB (0.9) behind the snapshot interface: a long
 * read is one LMDB read-only transaction, a write transaction is one LMDB
 * write transaction.
 *
 * Origin: LMDB (Howard Chu, Symas), a copy-on-write B+tree in one memory
 * map: a write transaction copies every page it changes and the path to the
 * root, commit switches between two meta pages, and readers take no lock,
 * they record their transaction id in a reader table.  Its header warns:
 * "Avoid long-lived transactions.  Read transactions prevent reuse of pages
 * freed by newer write transactions, thus the database can grow quickly."
 *
 * Layout: the environment lives in a fresh directory on a memory-backed file
 * system (/dev/shm when present, else $TMPDIR or /tmp), removed at close.
 * One key per page: the page number as an MDB_INTEGERKEY size_t, the page as
 * the value; key SIZE_MAX holds the commit number, which every write
 * transaction updates, so a snapshot reads its own commit number.  A value
 * of more than about half an OS page (2022 bytes with 4 KiB pages) does not
 * fit in a leaf and becomes an overflow run: a 4096-byte page takes two 4 KiB
 * LMDB pages (its 16-byte page header does not fit in one), so the file is
 * about twice the database.  Flags: MDB_NOSYNC | MDB_NOMETASYNC (no fsync of
 * data or meta page at commit: the other variants are in memory, and on a
 * disk fallback directory an fsync would dominate commit latency;
 * NOMETASYNC is implied by NOSYNC and given to say so); MDB_NOTLS, because a
 * read transaction lives in a snapshot object rather than in a thread (a
 * thread may hold several, and the monitor thread reads the free list
 * without thread_enter).  Readahead stays on: the scans run in key order,
 * and on tmpfs it does nothing.  The map is sized from the database with
 * room for sixteen more copies of it plus 64 MiB of pages pinned by
 * readers; when it fills, the commit fails with SB_ERESOURCE and a message.
 *
 * Costs.  Writer stall: none from readers; LMDB's writer never waits for
 * them (writer_blocked_ns counts only time waiting for another writer), but
 * every commit copies the changed leaves and overflow runs and the path to
 * the root, and writes the free-list record of the pages it freed.  Reader
 * overhead: a read transaction publishes its id in the reader table (no
 * lock when a snapshot object is reused: mdb_txn_renew); a page read is a
 * B+tree search (a cursor step when pages are read in order) returning a
 * pointer into the map, no copy.  Memory retained: LMDB reuses a freed page
 * only once every reader older than the transaction that freed it has
 * ended, so while a long reader lives every commit's freed pages stay in
 * the file and the file grows; it never shrinks, but once the readers end
 * the freed pages are reused and it stops growing.  Staleness: 0 (strict).
 *
 * retained_bytes: the engine's files (data and lock file, their allocated
 * blocks on the memory-backed file system) beyond one copy of the pages,
 * which includes every page a reader made the file grow by (for ever: the
 * file does not shrink), the B+tree's branch pages, the overflow runs'
 * headers and the free pages; plus the write transaction's page buffers
 * (a pool) and the zero page returned on a failed read.
 * retained_visible_bytes: a bound: the pages freed by the transactions
 * from the oldest open snapshot's to the last commit (free-list records
 * LMDB would otherwise reuse).  A page freed there that was written after
 * the newest snapshot began is counted though no snapshot can reach it.
 */
#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "engine_files.h"
#include "timed_lock.h"

/* The key that holds the commit number: above every page number. */
#define COMMIT_KEY SIZE_MAX
/* Pages loaded per write transaction at open: about 64 MiB of values. */
#define LOAD_BYTES_PER_TXN (64u << 20)
/* Room in the map beyond the database: GROWTH_COPIES more copies of it and
 * GROWTH_BYTES, for pages readers pin (see the opening comment). */
#define GROWTH_COPIES 16u
#define GROWTH_BYTES ((size_t)64 << 20)
/* Reader-table slots beyond one per reader and writer thread: the main
 * thread's final read, the monitor's free-list read, spare snapshots. */
#define SPARE_READERS 16u

/* One snapshot: a read-only transaction and a cursor on it.  Snapshot
 * objects are kept for reuse (reset, not aborted: with MDB_NOTLS the
 * transaction keeps its reader-table slot, so renewing takes no lock). */
struct sb_snap {
	sb_db *db;
	MDB_txn *txn;
	MDB_cursor *cursor;
	uint64_t commit;
	uint64_t next_pageno;   /* the page a cursor step would reach */
	bool positioned;        /* the cursor sits on next_pageno - 1 */
	/* The transaction id while the snapshot is open, 0 when it is idle:
	 * what stats() needs to know which freed pages readers pin. */
	_Atomic uint64_t reader_txnid;
	struct sb_snap *next_free;  /* in db->free_snaps, under pool_lock */
	struct sb_snap *next_all;   /* in db->all_snaps, under pool_lock */
};

/* Pages a write transaction changed: page number -> a private copy, written
 * into LMDB at commit.  A transaction writes a handful of pages
 * (--write-pages), so a linear search is the right size. */
/* The single write transaction.  Owned by whoever holds db->write_lock. */
struct sb_txn {
	sb_db *db;
	MDB_txn *txn;
	struct sb_dirty_pages dirty;
};

/* What stats() computed last time, to add only the newer free-list records
 * while the oldest reader stays the same. */
struct retained_cache {
	uint64_t oldest;   /* the oldest reader's transaction id, 0 = none */
	uint64_t last;     /* records below this id are in `pages` */
	uint64_t pages;
};

struct sb_db {
	struct sb_config config;
	char dir[256];
	MDB_env *env;
	MDB_dbi dbi;
	size_t lmdb_page_size;
	size_t map_size;
	char *error_page;            /* zeros, returned when a read fails */

	/* Writers are serialised here first, so that the time a writer waits
	 * for another can be measured (LMDB's own writer mutex is then never
	 * contended).  Readers never take it. */
	pthread_mutex_t write_lock;
	struct sb_txn write;
	_Atomic uint64_t writer_blocked_ns;

	pthread_mutex_t pool_lock;   /* free_snaps and all_snaps */
	struct sb_snap *free_snaps;
	struct sb_snap *all_snaps;

	pthread_mutex_t stats_lock;  /* stats_txn and cache */
	MDB_txn *stats_txn;          /* a reset read transaction, reused */
	struct retained_cache cache;
	struct sb_retained retained;
};

/* ---- open and close ---- */

/* Bytes one page takes in the file (see the opening comment). */
static size_t file_bytes_per_page(size_t page_size, size_t os_page)
{
	/* LMDB 0.9: a node is 8 bytes of header, the key and the value; it
	 * fits in a leaf when it is at most (((os_page - 16) / 2) & ~1) - 2
	 * bytes (me_nodemax), else the value goes to an overflow run of
	 * ceil((16 + value) / os_page) pages. */
	size_t node_max = (((os_page - 16) / 2) & ~(size_t)1) - 2;
	if (8 + sizeof(size_t) + page_size > node_max)
		return (16 + page_size + os_page - 1) / os_page * os_page;
	/* In a leaf: the node and its 2-byte index; leaves may be half full. */
	return 2 * (8 + sizeof(size_t) + page_size + 2);
}

/* The map size: the database with room for growth, or 0 when it does not
 * fit in a size_t. */
static size_t map_size_for(const struct sb_config *config, size_t os_page)
{
	size_t per_page = file_bytes_per_page(config->page_size, os_page);
	size_t limit = SIZE_MAX / (4 * (GROWTH_COPIES + 1));
	if (config->pages > limit / per_page)
		return 0;
	/* Branch pages, meta pages and the free list: a small fraction. */
	size_t base = (size_t)config->pages * per_page;
	base += base / 16 + 16 * os_page;
	size_t size = base * (GROWTH_COPIES + 1) + GROWTH_BYTES;
	return (size + os_page - 1) / os_page * os_page;
}

static int lmdb_fail(char *err, size_t errlen, const char *what, int rc)
{
	snprintf(err, errlen, "lmdb: %s: %s", what, mdb_strerror(rc));
	return SB_ERESOURCE;
}

/* Loads the initial pages in a few big write transactions, ending with the
 * commit-number key. */
static int load_pages(sb_db *db, char *err, size_t errlen)
{
	const struct sb_config *config = &db->config;
	uint64_t per_txn = LOAD_BYTES_PER_TXN / config->page_size;
	if (per_txn == 0)
		per_txn = 1;
	uint64_t pageno = 0;
	for (bool first = true; first || pageno < config->pages; first = false) {
		MDB_txn *txn;
		int rc = mdb_txn_begin(db->env, NULL, 0, &txn);
		if (rc)
			return lmdb_fail(err, errlen, "begin a loading transaction", rc);
		if (first) {
			rc = mdb_dbi_open(txn, NULL, MDB_INTEGERKEY | MDB_CREATE,
			                  &db->dbi);
			if (rc) {
				mdb_txn_abort(txn);
				return lmdb_fail(err, errlen, "open the database", rc);
			}
		}
		uint64_t end = pageno + per_txn < config->pages
			? pageno + per_txn : config->pages;
		for (; pageno < end; pageno++) {
			size_t key_value = (size_t)pageno;
			MDB_val key = {sizeof key_value, &key_value};
			MDB_val data = {config->page_size, NULL};
			/* MDB_RESERVE: init_page writes straight into the new
			 * value; MDB_APPEND: keys come in order. */
			rc = mdb_put(txn, db->dbi, &key, &data,
			             MDB_RESERVE | MDB_APPEND);
			if (rc) {
				mdb_txn_abort(txn);
				return lmdb_fail(err, errlen, "load a page", rc);
			}
			config->init_page(config->init_ctx, pageno, data.mv_data);
		}
		if (pageno == config->pages) {
			size_t key_value = COMMIT_KEY;
			uint64_t commit = 0;
			MDB_val key = {sizeof key_value, &key_value};
			MDB_val data = {sizeof commit, &commit};
			rc = mdb_put(txn, db->dbi, &key, &data, MDB_APPEND);
			if (rc) {
				mdb_txn_abort(txn);
				return lmdb_fail(err, errlen, "store the commit number", rc);
			}
		}
		rc = mdb_txn_commit(txn);
		if (rc)
			return lmdb_fail(err, errlen, "commit a loading transaction", rc);
	}
	return SB_OK;
}

static void free_snapshots(sb_db *db)
{
	struct sb_snap *snap = db->all_snaps;
	while (snap) {
		struct sb_snap *next = snap->next_all;
		mdb_cursor_close(snap->cursor);
		mdb_txn_abort(snap->txn);
		free(snap);
		snap = next;
	}
	db->all_snaps = db->free_snaps = NULL;
}

/* Frees everything open() made; safe on a partly made database. */
static void destroy(sb_db *db)
{
	free_snapshots(db);
	if (db->stats_txn)
		mdb_txn_abort(db->stats_txn);
	if (db->env)
		mdb_env_close(db->env);
	if (db->dir[0])
		sb_temp_dir_remove(db->dir);
	sb_dirty_free(&db->write.dirty);
	pthread_mutex_destroy(&db->write_lock);
	pthread_mutex_destroy(&db->pool_lock);
	pthread_mutex_destroy(&db->stats_lock);
	free(db->error_page);
	free(db);
}

static int lmdb_open(const struct sb_config *config, sb_db **out, char *err,
                     size_t errlen)
{
	long os_page = sysconf(_SC_PAGESIZE);
	if (os_page <= 0)
		os_page = 4096;
	size_t map_size = map_size_for(config, (size_t)os_page);
	if (map_size == 0) {
		snprintf(err, errlen, "lmdb: %llu pages of %zu bytes do not fit "
		         "in a memory map", (unsigned long long)config->pages,
		         config->page_size);
		return SB_EUSAGE;
	}
	sb_db *db = calloc(1, sizeof *db);
	char *error_page = calloc(1, config->page_size);
	if (!db || !error_page) {
		free(db);
		free(error_page);
		snprintf(err, errlen, "lmdb: cannot allocate the database handle");
		return SB_ERESOURCE;
	}
	db->config = *config;
	db->map_size = map_size;
	db->error_page = error_page;
	db->write.db = db;
	pthread_mutex_init(&db->write_lock, NULL);
	pthread_mutex_init(&db->pool_lock, NULL);
	pthread_mutex_init(&db->stats_lock, NULL);

	int status = sb_temp_dir("lmdb", db->dir, sizeof db->dir, err, errlen);
	if (status != SB_OK) {
		db->dir[0] = '\0';
		destroy(db);
		return status;
	}
	int rc = mdb_env_create(&db->env);
	if (rc) {
		db->env = NULL;
		destroy(db);
		return lmdb_fail(err, errlen, "create the environment", rc);
	}
	unsigned max_readers = config->readers + config->writers + SPARE_READERS;
	if ((rc = mdb_env_set_mapsize(db->env, map_size)) ||
	    (rc = mdb_env_set_maxreaders(db->env, max_readers)) ||
	    (rc = mdb_env_open(db->env, db->dir,
	                       MDB_NOSYNC | MDB_NOMETASYNC | MDB_NOTLS, 0600))) {
		destroy(db);
		return lmdb_fail(err, errlen, "open the environment", rc);
	}
	MDB_stat env_stat;
	mdb_env_stat(db->env, &env_stat);
	db->lmdb_page_size = env_stat.ms_psize;
	status = load_pages(db, err, errlen);
	if (status != SB_OK) {
		destroy(db);
		return status;
	}
	*out = db;
	return SB_OK;
}

static void lmdb_close(sb_db *db)
{
	destroy(db);
}

/* ---- reads ---- */

static void report(const char *what, int rc)
{
	fprintf(stderr, "snapbench: lmdb: %s: %s\n", what, mdb_strerror(rc));
}

/* A new snapshot object with a fresh read transaction, or NULL. */
static struct sb_snap *snapshot_create(sb_db *db)
{
	struct sb_snap *snap = calloc(1, sizeof *snap);
	if (!snap) {
		fprintf(stderr, "snapbench: lmdb: cannot allocate a snapshot\n");
		return NULL;
	}
	snap->db = db;
	int rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &snap->txn);
	if (rc) {
		/* MDB_READERS_FULL: more snapshots open than reader slots. */
		report("begin a read transaction", rc);
		free(snap);
		return NULL;
	}
	rc = mdb_cursor_open(snap->txn, db->dbi, &snap->cursor);
	if (rc) {
		report("open a cursor", rc);
		mdb_txn_abort(snap->txn);
		free(snap);
		return NULL;
	}
	pthread_mutex_lock(&db->pool_lock);
	snap->next_all = db->all_snaps;
	db->all_snaps = snap;
	pthread_mutex_unlock(&db->pool_lock);
	return snap;
}

/* A reused snapshot object with its transaction renewed, a new one when
 * none is idle, or NULL. */
static struct sb_snap *snapshot_take(sb_db *db)
{
	pthread_mutex_lock(&db->pool_lock);
	struct sb_snap *snap = db->free_snaps;
	if (snap)
		db->free_snaps = snap->next_free;
	pthread_mutex_unlock(&db->pool_lock);
	if (!snap)
		return snapshot_create(db);
	int rc = mdb_txn_renew(snap->txn);
	if (rc == MDB_SUCCESS)
		rc = mdb_cursor_renew(snap->txn, snap->cursor);
	if (rc) {
		report("renew a read transaction", rc);
		pthread_mutex_lock(&db->pool_lock);
		snap->next_free = db->free_snaps;
		db->free_snaps = snap;
		pthread_mutex_unlock(&db->pool_lock);
		return NULL;
	}
	return snap;
}

static void snapshot_put_back(struct sb_snap *snap)
{
	sb_db *db = snap->db;
	/* Relaxed: only stats() reads it, as a sample. */
	atomic_store_explicit(&snap->reader_txnid, 0, memory_order_relaxed);
	mdb_txn_reset(snap->txn);
	pthread_mutex_lock(&db->pool_lock);
	snap->next_free = db->free_snaps;
	db->free_snaps = snap;
	pthread_mutex_unlock(&db->pool_lock);
}

static int read_commit_number(MDB_txn *txn, MDB_dbi dbi, uint64_t *commit)
{
	size_t key_value = COMMIT_KEY;
	MDB_val key = {sizeof key_value, &key_value}, data;
	int rc = mdb_get(txn, dbi, &key, &data);
	if (rc == MDB_SUCCESS && data.mv_size != sizeof *commit)
		rc = MDB_CORRUPTED;
	if (rc == MDB_SUCCESS)
		memcpy(commit, data.mv_data, sizeof *commit); /* may be unaligned */
	return rc;
}

static sb_snap *lmdb_begin_read(sb_db *db)
{
	struct sb_snap *snap = snapshot_take(db);
	if (!snap)
		return NULL;
	/* Relaxed: only stats() reads it, as a sample; a reader that stats()
	 * misses for a moment only makes that sample low. */
	atomic_store_explicit(&snap->reader_txnid, mdb_txn_id(snap->txn),
	                      memory_order_relaxed);
	int rc = read_commit_number(snap->txn, db->dbi, &snap->commit);
	if (rc) {
		report("read the commit number", rc);
		snapshot_put_back(snap);
		return NULL;
	}
	snap->positioned = false;
	return snap;
}

static uint64_t lmdb_snapshot_commit(const sb_snap *snap)
{
	return snap->commit;
}

static const void *lmdb_read_page(sb_snap *snap, uint64_t pageno)
{
	sb_db *db = snap->db;
	size_t key_value = (size_t)pageno;
	MDB_val key = {sizeof key_value, &key_value}, data;
	int rc;
	/* A scan reads pages in order: step the cursor instead of searching
	 * from the root. */
	if (snap->positioned && pageno == snap->next_pageno)
		rc = mdb_cursor_get(snap->cursor, &key, &data, MDB_NEXT);
	else
		rc = mdb_cursor_get(snap->cursor, &key, &data, MDB_SET_KEY);
	size_t found = SIZE_MAX;
	if (rc == MDB_SUCCESS && key.mv_size == sizeof found)
		memcpy(&found, key.mv_data, sizeof found);
	if (rc == MDB_SUCCESS &&
	    (found != (size_t)pageno || data.mv_size != db->config.page_size))
		rc = MDB_CORRUPTED;
	if (rc) {
		/* No error path in the interface: the zero page fails the
		 * oracle's checksum, and the message says why. */
		report("read a page", rc);
		snap->positioned = false;
		return db->error_page;
	}
	snap->positioned = true;
	snap->next_pageno = pageno + 1;
	/* Into the map: valid until the transaction ends.  8-byte aligned, as
	 * the harness's page header needs: an overflow run's value starts 16
	 * bytes into an OS page, and in a leaf every node (8-byte header,
	 * 8-byte key, a page that is a multiple of 64 bytes, or the 8-byte
	 * commit number) is a multiple of 8 bytes, laid down from the end of
	 * the page. */
	return data.mv_data;
}

static void lmdb_end_read(sb_snap *snap)
{
	snapshot_put_back(snap);
}

/* ---- writes ---- */

/* Ends a write transaction that will not commit. */
static void write_abandon(struct sb_txn *t)
{
	if (t->txn)
		mdb_txn_abort(t->txn);
	t->txn = NULL;
	t->dirty.count = 0;
	pthread_mutex_unlock(&t->db->write_lock);
}

static sb_txn *lmdb_begin_write(sb_db *db)
{
	sb_mutex_lock_timed(&db->write_lock, &db->writer_blocked_ns);
	struct sb_txn *t = &db->write;
	int rc = mdb_txn_begin(db->env, NULL, 0, &t->txn);
	if (rc) {
		report("begin a write transaction", rc);
		t->txn = NULL;
		write_abandon(t);
		return NULL;
	}
	t->dirty.count = 0;
	return t;
}

static void *lmdb_write_page(sb_txn *t, uint64_t pageno)
{
	size_t page_size = t->db->config.page_size;
	char *buffer = sb_dirty_find(&t->dirty, pageno);
	if (buffer)
		return buffer;
	buffer = sb_dirty_add(&t->dirty, pageno, page_size);
	if (!buffer) {
		/* The harness ends the run without calling commit. */
		fprintf(stderr, "snapbench: lmdb: cannot allocate a page buffer\n");
		write_abandon(t);
		return NULL;
	}
	size_t key_value = (size_t)pageno;
	MDB_val key = {sizeof key_value, &key_value}, data;
	int rc = mdb_get(t->txn, t->db->dbi, &key, &data);
	if (rc == MDB_SUCCESS && data.mv_size != page_size)
		rc = MDB_CORRUPTED;
	if (rc) {
		report("read a page to write", rc);
		write_abandon(t);
		return NULL;
	}
	memcpy(buffer, data.mv_data, page_size);
	return buffer;
}

static int lmdb_commit(sb_txn *t)
{
	sb_db *db = t->db;
	int rc = MDB_SUCCESS;
	const char *what = "write a page";
	for (size_t i = 0; rc == MDB_SUCCESS && i < t->dirty.count; i++) {
		size_t key_value = (size_t)t->dirty.pageno[i];
		MDB_val key = {sizeof key_value, &key_value};
		MDB_val data = {db->config.page_size, t->dirty.buffer[i]};
		rc = mdb_put(t->txn, db->dbi, &key, &data, 0);
	}
	uint64_t commit = 0;
	if (rc == MDB_SUCCESS) {
		what = "read the commit number";
		rc = read_commit_number(t->txn, db->dbi, &commit);
	}
	if (rc == MDB_SUCCESS) {
		what = "write the commit number";
		commit++;
		size_t key_value = COMMIT_KEY;
		MDB_val key = {sizeof key_value, &key_value};
		MDB_val data = {sizeof commit, &commit};
		rc = mdb_put(t->txn, db->dbi, &key, &data, 0);
	}
	if (rc == MDB_SUCCESS) {
		what = "commit";
		rc = mdb_txn_commit(t->txn);
		t->txn = NULL; /* freed by mdb_txn_commit, failed or not */
	}
	if (rc == MDB_MAP_FULL)
		fprintf(stderr, "snapbench: lmdb: the map (%zu MiB) is full: "
		        "readers pin the pages freed since they began\n",
		        db->map_size >> 20);
	else if (rc)
		report(what, rc);
	write_abandon(t); /* ends the transaction if it is still open */
	return rc == MDB_SUCCESS ? SB_OK : SB_ERESOURCE;
}

/* ---- statistics ---- */

/* The oldest open snapshot's transaction id, 0 when none is open. */
static uint64_t oldest_reader(sb_db *db)
{
	uint64_t oldest = 0;
	pthread_mutex_lock(&db->pool_lock);
	for (struct sb_snap *s = db->all_snaps; s; s = s->next_all) {
		/* Relaxed: a sample (see lmdb_begin_read). */
		uint64_t id = atomic_load_explicit(&s->reader_txnid,
		                                   memory_order_relaxed);
		if (id && (oldest == 0 || id < oldest))
			oldest = id;
	}
	pthread_mutex_unlock(&db->pool_lock);
	return oldest;
}

/* Adds to *pages the free-list records of transactions from..to-1: the
 * pages those transactions freed.  A record's key is the transaction id, its
 * value a list of page numbers whose first word is their count. */
static int count_freed_pages(MDB_txn *txn, uint64_t from, uint64_t to,
                             uint64_t *pages)
{
	MDB_cursor *cursor;
	int rc = mdb_cursor_open(txn, 0 /* FREE_DBI */, &cursor);
	if (rc)
		return rc;
	size_t id = (size_t)from;
	MDB_val key = {sizeof id, &id}, data;
	uint64_t sum = 0;
	for (rc = mdb_cursor_get(cursor, &key, &data, MDB_SET_RANGE);
	     rc == MDB_SUCCESS;
	     rc = mdb_cursor_get(cursor, &key, &data, MDB_NEXT)) {
		size_t record_id, count;
		memcpy(&record_id, key.mv_data, sizeof record_id);
		if (record_id >= to)
			break;
		memcpy(&count, data.mv_data, sizeof count);
		sum += count;
	}
	mdb_cursor_close(cursor);
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		return rc;
	*pages += sum;
	return MDB_SUCCESS;
}

/* The pages LMDB keeps only for readers (the visible bound): those freed by
 * the transactions from the oldest reader's to the one before the last
 * commit.  (LMDB reuses
 * a record only below the oldest reader's id; with no reader, all but the
 * last commit's, which the other meta page still points at.)  The free-list
 * records in that range never change while the reader lives, so only the
 * newer ones are read when the oldest reader is the same as last time. */
static void update_visible(sb_db *db)
{
	uint64_t oldest = oldest_reader(db);
	struct retained_cache *cache = &db->cache;
	if (oldest == 0) {
		*cache = (struct retained_cache){0};
		sb_gauge_set(&db->retained.visible, 0);
		return;
	}
	int rc = db->stats_txn ? mdb_txn_renew(db->stats_txn)
	                       : mdb_txn_begin(db->env, NULL, MDB_RDONLY,
	                                       &db->stats_txn);
	if (rc)
		return; /* keep the last sample */
	uint64_t last = mdb_txn_id(db->stats_txn);
	if (cache->oldest != oldest || cache->last > last)
		*cache = (struct retained_cache){oldest, oldest, 0};
	if (last > cache->last &&
	    count_freed_pages(db->stats_txn, cache->last, last,
	                      &cache->pages) == MDB_SUCCESS)
		cache->last = last;
	mdb_txn_reset(db->stats_txn);
	sb_gauge_set(&db->retained.visible, cache->pages * db->lmdb_page_size);
}

/* The files beyond one copy of the pages, and the buffers (see the opening
 * comment). */
static void update_retained(sb_db *db)
{
	uint64_t files = sb_temp_dir_bytes(db->dir);
	uint64_t pages = sb_database_bytes(&db->config);
	sb_gauge_set(&db->retained.all,
	             (files > pages ? files - pages : 0) +
	             sb_dirty_pool_bytes(&db->write.dirty) +
	             db->config.page_size /* error_page */);
}

static void lmdb_stats(sb_db *db, struct sb_stats *stats)
{
	pthread_mutex_lock(&db->stats_lock);
	/* Visible first: the files only grow meanwhile, so the sample never
	 * shows more visible than retained. */
	update_visible(db);
	update_retained(db);
	pthread_mutex_unlock(&db->stats_lock);
	sb_stats_fill(stats, &db->retained, &db->writer_blocked_ns);
}

const struct sb_variant sb_variant_lmdb = {
	.name = "lmdb",
	.summary = "LMDB: a read-only transaction per read, copy-on-write B+tree; "
	           "long readers make the file grow",
	.strict = true,
	.concurrent_safe = true,
	.engine = true,
	.open = lmdb_open,
	.close = lmdb_close,
	.begin_read = lmdb_begin_read,
	.snapshot_commit = lmdb_snapshot_commit,
	.read_page = lmdb_read_page,
	.end_read = lmdb_end_read,
	.begin_write = lmdb_begin_write,
	.write_page = lmdb_write_page,
	.commit = lmdb_commit,
	.stats = lmdb_stats,
};
