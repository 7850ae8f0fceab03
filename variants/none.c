/*
 * none — no concurrency control at all: one array of pages, read and written
 * in place.
 *
 * Origin: the baseline every scheme is measured against; it is the physical
 * limit of what a reader and a writer can cost on this machine.
 *
 * Costs.  Writer stall: none, a commit is a counter increment.  Reader
 * overhead: none, read_page is an address computation.  Memory retained: 0
 * bytes beyond the one copy (retained and visible bytes are 0).
 * Staleness: 0.  The price is correctness: a
 * reader that overlaps a writer sees torn pages and fractured commits, so the
 * variant refuses any workload with both readers and writers, and more than
 * one writer (they would write the same pages at once).
 */
#include <stdlib.h>

#include "common.h"

struct sb_db {
	struct sb_flat_db base;
	uint64_t commits; /* touched only by the single writer, or by nobody */
};

struct sb_snap {
	sb_db *db;
	uint64_t commit;
};

static int none_open(const struct sb_config *config, sb_db **out, char *err,
                     size_t errlen)
{
	if ((config->readers > 0 && config->writers > 0) || config->writers > 1) {
		snprintf(err, errlen,
		         "variant 'none' has no concurrency control: run it with "
		         "--writers 0, or with --readers 0 and at most one writer");
		return SB_EUSAGE;
	}
	*out = sb_flat_db_open(sizeof **out, config, err, errlen);
	return *out ? SB_OK : SB_ERESOURCE;
}

static void none_close(sb_db *db)
{
	sb_flat_db_close(db);
}

static sb_snap *none_begin_read(sb_db *db)
{
	sb_snap *snap = malloc(sizeof *snap);
	if (!snap)
		return NULL;
	snap->db = db;
	snap->commit = db->commits;
	return snap;
}

static uint64_t none_snapshot_commit(const sb_snap *snap)
{
	return snap->commit;
}

static const void *none_read_page(sb_snap *snap, uint64_t pageno)
{
	return sb_flat_db_page(&snap->db->base, pageno);
}

static void none_end_read(sb_snap *snap)
{
	free(snap);
}

static sb_txn *none_begin_write(sb_db *db)
{
	/* The transaction handle is the database itself: no state to keep. */
	return (sb_txn *)db;
}

static void *none_write_page(sb_txn *txn, uint64_t pageno)
{
	return sb_flat_db_page(&((sb_db *)txn)->base, pageno);
}

static int none_commit(sb_txn *txn)
{
	((sb_db *)txn)->commits++;
	return SB_OK;
}

static void none_stats(sb_db *db, struct sb_stats *stats)
{
	(void)db;
	sb_stats_fill(stats, NULL, NULL);
}

const struct sb_variant sb_variant_none = {
	.name = "none",
	.summary = "no concurrency control: the physical limit (readers or writers, not both)",
	.strict = true,
	.concurrent_safe = false,
	.control = true,
	.open = none_open,
	.close = none_close,
	.begin_read = none_begin_read,
	.snapshot_commit = none_snapshot_commit,
	.read_page = none_read_page,
	.end_read = none_end_read,
	.begin_write = none_begin_write,
	.write_page = none_write_page,
	.commit = none_commit,
	.stats = none_stats,
};
