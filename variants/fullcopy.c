/*
 * fullcopy — each read copies the whole database into a private buffer.
 *
 * Origin: the "copy of the database" alternative that "Concurrency in RustDb"
 * (2022) argues against: a long query that cannot hold the writer out for
 * its whole length instead holds it out just long enough to take a copy,
 * then reads the copy with no further synchronisation.
 *
 * Costs.  Writer stall: begin_read copies every page with one memcpy while
 * it holds the lock the writer holds from begin_write to commit, so a writer
 * that arrives meanwhile waits up to one copy time, proportional to the
 * database size.  It runs at memcpy bandwidth because the copy buffer is
 * faulted in before the lock is taken: a copy into a fresh mapping, faulting
 * page by page under the lock, stalls the writer about five times as long
 * (tests/test_fullcopy.c holds the stall to a plain memcpy of the same size).
 * Reader overhead: allocating and faulting in one database (outside the
 * lock; with transparent huge pages where allowed, which makes it several
 * times cheaper) plus the copy, per read, however few pages the read then
 * touches; the pages themselves are read with no synchronisation at all.
 * Memory retained: one database per live snapshot, returned at end_read;
 * retained_bytes and retained_visible_bytes both count exactly these copies
 * (every copy belongs to a live snapshot).  Staleness: 0 (strict: the copy
 * is taken under the writer lock, after every completed commit).
 *
 * Synchronisation is the writer hold-out (hold_out.h): the writer holds it
 * from begin_write to commit, a reader for its copy, so a copy never
 * contains part of a transaction; writer_blocked_ns counts what a writer
 * waited in begin_write for a reader's copy to finish.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "hold_out.h"

struct sb_db {
	struct sb_flat_db base;
	struct sb_hold_out lock;
	size_t bytes;                 /* pages * page_size */
	uint64_t commits;             /* written and read only under hold_out */
	struct sb_retained retained;
};

struct sb_snap {
	sb_db *db;
	uint64_t commit;
	char *copy;                   /* bytes bytes, this snapshot's own */
};

static int fullcopy_open(const struct sb_config *config, sb_db **out,
                         char *err, size_t errlen)
{
	sb_db *db = sb_flat_db_open(sizeof *db, config, err, errlen);
	if (!db)
		return SB_ERESOURCE;
	db->bytes = (size_t)sb_database_bytes(config);
	sb_hold_out_init(&db->lock);
	*out = db;
	return SB_OK;
}

static void fullcopy_close(sb_db *db)
{
	sb_hold_out_destroy(&db->lock);
	sb_flat_db_close(db);
}

/* A buffer of `bytes` bytes whose pages are all resident and writable, or
 * NULL.  Faulting it in here, before the lock, keeps the page faults out of
 * the writer's stall: the copy under the lock then runs at memcpy speed. */
static char *copy_buffer_alloc(size_t bytes)
{
	char *buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return NULL;
	/* Best effort: huge pages fault in several times faster (one fault
	 * per 2 MiB), which shortens the reader's set-up; the copy itself runs
	 * at memcpy speed either way. */
	(void)madvise(buf, bytes, MADV_HUGEPAGE);
	if (madvise(buf, bytes, MADV_POPULATE_WRITE) == 0)
		return buf;
	if (errno != EINVAL) {
		/* ENOMEM, EFAULT, EHWPOISON: the memory is not there. */
		munmap(buf, bytes);
		return NULL;
	}
	/* A kernel before 5.14 has no MADV_POPULATE_WRITE: touch each page. */
	size_t step = (size_t)sysconf(_SC_PAGESIZE);
	for (size_t off = 0; off < bytes; off += step)
		buf[off] = 0;
	return buf;
}

static sb_snap *fullcopy_begin_read(sb_db *db)
{
	sb_snap *snap = malloc(sizeof *snap);
	if (!snap)
		return NULL;
	snap->db = db;
	snap->copy = copy_buffer_alloc(db->bytes);
	if (!snap->copy) {
		free(snap);
		return NULL;
	}
	/* Under hold_out no transaction is half-applied, and the mutex's
	 * acquire makes every completed commit's pages and number visible. */
	sb_hold_out_reader_enter(&db->lock);
	snap->commit = db->commits;
	memcpy(snap->copy, db->base.flat, db->bytes);
	sb_hold_out_reader_exit(&db->lock);
	sb_retained_add(&db->retained, db->bytes);
	sb_retained_visible_add(&db->retained, db->bytes);
	return snap;
}

static uint64_t fullcopy_snapshot_commit(const sb_snap *snap)
{
	return snap->commit;
}

static const void *fullcopy_read_page(sb_snap *snap, uint64_t pageno)
{
	return snap->copy + pageno * snap->db->base.config.page_size;
}

static void fullcopy_end_read(sb_snap *snap)
{
	sb_db *db = snap->db;
	munmap(snap->copy, db->bytes);
	sb_retained_visible_sub(&db->retained, db->bytes);
	sb_retained_sub(&db->retained, db->bytes);
	free(snap);
}

static sb_txn *fullcopy_begin_write(sb_db *db)
{
	sb_hold_out_writer_enter(&db->lock);
	return (sb_txn *)db;
}

static void *fullcopy_write_page(sb_txn *txn, uint64_t pageno)
{
	sb_db *db = (sb_db *)txn;
	/* In place: no reader sees the flat array except through a copy
	 * taken under hold_out, which this transaction holds. */
	return sb_flat_db_page(&db->base, pageno);
}

static int fullcopy_commit(sb_txn *txn)
{
	sb_db *db = (sb_db *)txn;
	db->commits++;
	sb_hold_out_writer_exit(&db->lock);
	return SB_OK;
}

static void fullcopy_stats(sb_db *db, struct sb_stats *stats)
{
	sb_stats_fill(stats, &db->retained, &db->lock.writer_blocked_ns);
}

const struct sb_variant sb_variant_fullcopy = {
	.name = "fullcopy",
	.summary = "each read memcpys the whole database under the writer lock, then reads its copy",
	.strict = true,
	.concurrent_safe = true,
	.open = fullcopy_open,
	.close = fullcopy_close,
	.begin_read = fullcopy_begin_read,
	.snapshot_commit = fullcopy_snapshot_commit,
	.read_page = fullcopy_read_page,
	.end_read = fullcopy_end_read,
	.begin_write = fullcopy_begin_write,
	.write_page = fullcopy_write_page,
	.commit = fullcopy_commit,
	.stats = fullcopy_stats,
};
