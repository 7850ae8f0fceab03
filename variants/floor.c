/*
 * floor — the machine's floor: what no scheme can go below on this machine.
 * The writer commits as `none` does, in place in one flat array; the
 * readers do the same scan work over a private copy of the initial
 * database, made at open, which nobody ever writes.
 *
 * Origin: a control, not a scheme.  `none` measures the same work but
 * cannot run readers beside a writer; floor can, because the two never
 * touch the same memory: whatever a scheme costs beyond floor's figures in
 * the same run (commit latency, scan rate) is the scheme's, not the
 * machine's (its noise, its caches, its scheduler).
 *
 * Consistency: the private copy is a valid snapshot of commit 0 for ever
 * (frozen), so floor is eventual (strict = false): every snapshot says
 * commit 0 and every page it shows is commit 0's.  The oracle's final check
 * reads the writer's array through begin_final_read, so every write is
 * still verified.
 *
 * Costs.  Writer stall: none: a commit is a counter increment under a
 * mutex that only writers take (it serialises several writers; one writer
 * never waits on it).  Reader overhead: one relaxed increment and decrement
 * of a shared counter per read (for the visible-bytes statistic); a page
 * read is an address computation.  Memory retained: the private copy,
 * pages x page_size, from open to close.  Staleness: every commit (frozen).
 *
 * retained_bytes: the private copy, always.  retained_visible_bytes: the
 * private copy while any snapshot is open, else 0 (exact: that copy is
 * what every open snapshot reads), as stats() samples it; its peak is the
 * peak of those samples.
 */
#include <pthread.h>
#include <stdlib.h>

#include "common.h"

struct sb_snap {
	sb_db *db;
	const char *pages;
	uint64_t commit;
};

struct sb_db {
	struct sb_flat_db base;       /* the writer's array */
	char *frozen;                 /* the readers' copy of commit 0 */
	pthread_mutex_t writer_lock;  /* serialises writers */
	uint64_t commits;             /* under writer_lock */
	_Atomic uint64_t open_snapshots;
	struct sb_snap reader_snap;   /* immutable: every reader's snapshot */
	struct sb_snap final_snap;    /* begin_final_read's */
	struct sb_retained retained;
};

static int floor_open(const struct sb_config *config, sb_db **out, char *err,
                      size_t errlen)
{
	sb_db *db = sb_flat_db_open(sizeof *db, config, err, errlen);
	if (!db)
		return SB_ERESOURCE;
	db->frozen = sb_flat_alloc(config, err, errlen);
	if (!db->frozen) {
		sb_flat_db_close(db);
		return SB_ERESOURCE;
	}
	pthread_mutex_init(&db->writer_lock, NULL);
	db->reader_snap = (struct sb_snap){db, db->frozen, 0};
	sb_retained_add(&db->retained, sb_database_bytes(config));
	*out = db;
	return SB_OK;
}

static void floor_close(sb_db *db)
{
	pthread_mutex_destroy(&db->writer_lock);
	sb_flat_free(db->frozen, &db->base.config);
	sb_flat_db_close(db);
}

static sb_snap *floor_begin_read(sb_db *db)
{
	/* Relaxed: a statistic; the copy needs no ordering (it was written
	 * before the threads were created, and never since). */
	atomic_fetch_add_explicit(&db->open_snapshots, 1, memory_order_relaxed);
	return &db->reader_snap;
}

static sb_snap *floor_begin_final_read(sb_db *db)
{
	/* No other thread is inside the database (variant.h): the writers'
	 * last stores were ordered before this by whatever joined them. */
	db->final_snap = (struct sb_snap){db, db->base.flat, db->commits};
	return &db->final_snap;
}

static uint64_t floor_snapshot_commit(const sb_snap *snap)
{
	return snap->commit;
}

static const void *floor_read_page(sb_snap *snap, uint64_t pageno)
{
	return snap->pages + pageno * snap->db->base.config.page_size;
}

static void floor_end_read(sb_snap *snap)
{
	sb_db *db = snap->db;
	if (snap == &db->final_snap)
		return;
	/* Relaxed: as in floor_begin_read. */
	atomic_fetch_sub_explicit(&db->open_snapshots, 1, memory_order_relaxed);
}

static sb_txn *floor_begin_write(sb_db *db)
{
	pthread_mutex_lock(&db->writer_lock);
	return (sb_txn *)db;
}

static void *floor_write_page(sb_txn *txn, uint64_t pageno)
{
	sb_db *db = (sb_db *)txn;
	/* In place: no reader ever reads this array. */
	return sb_flat_db_page(&db->base, pageno);
}

static int floor_commit(sb_txn *txn)
{
	sb_db *db = (sb_db *)txn;
	db->commits++;
	pthread_mutex_unlock(&db->writer_lock);
	return SB_OK;
}

static void floor_stats(sb_db *db, struct sb_stats *stats)
{
	/* Relaxed: a sample of a statistic. */
	bool open = atomic_load_explicit(&db->open_snapshots,
	                                 memory_order_relaxed) > 0;
	/* Set at each sample, so its peak is the peak of the samples. */
	sb_gauge_set(&db->retained.visible,
	             open ? sb_database_bytes(&db->base.config) : 0);
	sb_stats_fill(stats, &db->retained, NULL);
}

const struct sb_variant sb_variant_floor = {
	.name = "floor",
	.summary = "the machine's floor: none's writer, readers scanning a "
	           "private copy of commit 0 (frozen)",
	.strict = false,
	.concurrent_safe = true,
	.control = true,
	.frozen = true,
	.open = floor_open,
	.close = floor_close,
	.begin_read = floor_begin_read,
	.snapshot_commit = floor_snapshot_commit,
	.read_page = floor_read_page,
	.end_read = floor_end_read,
	.begin_write = floor_begin_write,
	.write_page = floor_write_page,
	.commit = floor_commit,
	.begin_final_read = floor_begin_final_read,
	.stats = floor_stats,
};
