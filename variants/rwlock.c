/*
 * rwlock — one reader-writer lock around one array of pages.
 *
 * Origin: the locking alternative of "Concurrency in RustDb" (2022): the
 * simplest way to give a query a consistent view is to keep writers out while
 * it runs.  The lock is ConcurrencyKit's ck_rwlock: writer-preferring, every
 * waiter spins.
 *
 * Costs.  Writer stall: a commit waits for every reader inside, so one long
 * read stalls the writer for its whole length (the blog's objection), and
 * the waiting writer spins on a core meanwhile.  Reader overhead: two atomic
 * read-modify-writes per read, none per page; but new readers also wait while
 * a writer is waiting or writing.  Memory retained: 0 (retained and visible
 * bytes are 0: nothing is kept beyond the one array).  Staleness: 0
 * (strict).
 */
#include <ck_rwlock.h>
#include <stdlib.h>

#include "common.h"
#include "timed_lock.h"
#include "tsan.h"

struct sb_db {
	struct sb_flat_db base;
	ck_rwlock_t lock;
	uint64_t commits;                 /* written only under the write lock */
	_Atomic uint64_t writer_blocked_ns;
};

struct sb_snap {
	sb_db *db;
	uint64_t commit;
};

static int rwlock_open(const struct sb_config *config, sb_db **out, char *err,
                       size_t errlen)
{
	sb_db *db = sb_flat_db_open(sizeof *db, config, err, errlen);
	if (!db)
		return SB_ERESOURCE;
	ck_rwlock_init(&db->lock);
	*out = db;
	return SB_OK;
}

static void rwlock_close(sb_db *db)
{
	sb_flat_db_close(db);
}

static sb_snap *rwlock_begin_read(sb_db *db)
{
	sb_snap *snap = malloc(sizeof *snap);
	if (!snap)
		return NULL;
	/* ck_rwlock_read_lock has acquire semantics: the pages and `commits`
	 * written before the last write_unlock are visible from here on. */
	ck_rwlock_read_lock(&db->lock);
	SB_TSAN_ACQUIRE(&db->lock);
	snap->db = db;
	snap->commit = db->commits;
	return snap;
}

static uint64_t rwlock_snapshot_commit(const sb_snap *snap)
{
	return snap->commit;
}

static const void *rwlock_read_page(sb_snap *snap, uint64_t pageno)
{
	return sb_flat_db_page(&snap->db->base, pageno);
}

static void rwlock_end_read(sb_snap *snap)
{
	sb_db *db = snap->db;
	free(snap);
	/* Release: this reader's page reads happen before a writer that takes
	 * the lock next overwrites those pages. */
	SB_TSAN_RELEASE(&db->lock);
	ck_rwlock_read_unlock(&db->lock);
}

static sb_txn *rwlock_begin_write(sb_db *db)
{
	if (!ck_rwlock_write_trylock(&db->lock)) {
		uint64_t start = sb_now_ns();
		ck_rwlock_write_lock(&db->lock);
		sb_blocked_since(&db->writer_blocked_ns, start);
	}
	/* Acquire (inside ck_rwlock_write_lock's wait for readers): every
	 * reader that held the lock has finished reading the pages. */
	SB_TSAN_ACQUIRE(&db->lock);
	return (sb_txn *)db;
}

static void *rwlock_write_page(sb_txn *txn, uint64_t pageno)
{
	return sb_flat_db_page(&((sb_db *)txn)->base, pageno);
}

static int rwlock_commit(sb_txn *txn)
{
	sb_db *db = (sb_db *)txn;
	db->commits++;
	/* Release (ck_rwlock_write_unlock fences before clearing the writer
	 * flag): the pages and the new commit number are visible to the next
	 * reader or writer that takes the lock. */
	SB_TSAN_RELEASE(&db->lock);
	ck_rwlock_write_unlock(&db->lock);
	return SB_OK;
}

static void rwlock_stats(sb_db *db, struct sb_stats *stats)
{
	sb_stats_fill(stats, NULL, &db->writer_blocked_ns);
}

const struct sb_variant sb_variant_rwlock = {
	.name = "rwlock",
	.summary = "one ck_rwlock: readers hold it for the whole read, the writer waits for them",
	.strict = true,
	.concurrent_safe = true,
	.open = rwlock_open,
	.close = rwlock_close,
	.begin_read = rwlock_begin_read,
	.snapshot_commit = rwlock_snapshot_commit,
	.read_page = rwlock_read_page,
	.end_read = rwlock_end_read,
	.begin_write = rwlock_begin_write,
	.write_page = rwlock_write_page,
	.commit = rwlock_commit,
	.stats = rwlock_stats,
};
