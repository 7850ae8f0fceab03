/*
 * pagever — per-page version history, RustDb's scheme: every reader sees the
 * database as of its start, and the writer never waits for it.  This file
 * is only the adapter between the harness's interface (variant.h) and
 * libpagever (include/pagever.h, variants/pagever/), so that every test and
 * benchmark of the variant measures the library itself.
 *
 * Origin: RustDb (George Barwood, src/pstore.rs; "Concurrency in RustDb",
 * 2022): old versions tagged with the commit that replaced them, a reader
 * at T reads each page as of T, a trim frees every version no live reader
 * can see, also between two readers.  Steam (Böttcher et al., PVLDB 13(2),
 * 2019) prunes MVCC versions the same way.  The library differs from
 * RustDb (the `rustdb` variant is RustDb as it is): no lock on the read
 * path, chains walked under the reader's own slot, home slots that keep
 * rewritten pages in page order, upkeep done by ending readers and a
 * background trimmer, with a bounded back-pressure in the writer.
 *
 * Costs (variants/pagever/api.c and the files beside it give the
 * arguments).  Writer stall: none for readers — commit takes no lock a
 * reader or the trimmer holds, waits for no grace period and takes no
 * interrupt from one; it copies each page it writes once, CASes each head
 * (at most one retry, after a move home) and reads every reader slot once;
 * it maps memory only when the pool kept faulted in is empty
 * (writer_allocs) and trims a bounded batch itself only when 4,096
 * versions wait (writer_trims); the trimmer runs at nice 19, so that on
 * short cores it does not take the writer's, and ending readers do the
 * upkeep while reads end often (variants/pagever/trimmer.c).  Reader
 * overhead: a page not committed since the read began costs two loads
 * (head_data, then started or head_since); a newer one a full fence and
 * a walk of its newer versions; a moved one a second copy kept for it
 * until the read ends; begin_read a slot claim and three seq_cst stores;
 * end_read one trylock and, if it gets the lock, a turn of upkeep (a trim
 * pass, reuse with a page copy per page moved home, a pool refill).
 * Memory retained: one page and a 64-byte header per version some live
 * reader can see (retained_visible_bytes), at most one per page written
 * during the read per distinct reader time; retained_bytes adds the pool,
 * versions awaiting reuse, the headers of home slots and the page table (33
 * bytes a page), and keeps its peak: slabs are not returned before close.
 * Staleness: 0 (strict).
 */
#include <stdio.h>
#include <stdlib.h>

#include "pagever.h"
#include "variant.h"

struct sb_snap {
	pagever_reader reader;
};

static int pagever_variant_open(const struct sb_config *config, sb_db **out,
                                char *err, size_t errlen)
{
	struct pagever_options options;
	pagever_options_init(&options);
	options.pages = config->pages;
	options.page_size = config->page_size;
	/* RustDb's own test opens a reader before each of 1000 commits. */
	if (config->readers + 64 > options.reader_slots)
		options.reader_slots = config->readers + 64;
	options.move_home = config->move_home;
	options.init_page = config->init_page;
	options.init_ctx = config->init_ctx;
	pagever *store;
	int status = pagever_open(&options, &store);
	if (status != PAGEVER_OK) {
		snprintf(err, errlen, "%s (%llu pages of %zu bytes)",
		         pagever_strerror(status),
		         (unsigned long long)config->pages, config->page_size);
		return status == PAGEVER_EINVAL ? SB_EUSAGE : SB_ERESOURCE;
	}
	*out = (sb_db *)store;
	return SB_OK;
}

static void pagever_variant_close(sb_db *db)
{
	pagever_close((pagever *)db);
}

static sb_snap *pagever_variant_begin_read(sb_db *db)
{
	sb_snap *snap = calloc(1, sizeof *snap);
	if (!snap)
		return NULL;
	int status = pagever_begin_read((pagever *)db, &snap->reader);
	if (status != PAGEVER_OK) {
		fprintf(stderr, "snapbench: %s\n", pagever_strerror(status));
		free(snap);
		return NULL;
	}
	return snap;
}

static uint64_t pagever_variant_snapshot_commit(const sb_snap *snap)
{
	return pagever_reader_commit(&snap->reader);
}

static const void *pagever_variant_read_page(sb_snap *snap, uint64_t pageno)
{
	return pagever_page(&snap->reader, pageno);
}

static void pagever_variant_end_read(sb_snap *snap)
{
	pagever_end_read(&snap->reader);
	free(snap);
}

static sb_txn *pagever_variant_begin_write(sb_db *db)
{
	return pagever_begin_write((pagever *)db) == PAGEVER_OK ? (sb_txn *)db
	                                                        : NULL;
}

static void *pagever_variant_write_page(sb_txn *txn, uint64_t pageno)
{
	void *page = NULL;
	pagever_write_page((pagever *)txn, pageno, &page);
	return page;
}

static int pagever_variant_commit(sb_txn *txn)
{
	return pagever_commit((pagever *)txn, NULL) == PAGEVER_OK ? SB_OK
	                                                         : SB_ERESOURCE;
}

static void pagever_variant_stats(sb_db *db, struct sb_stats *stats)
{
	struct pagever_stats s;
	pagever_stats((pagever *)db, &s);
	*stats = (struct sb_stats){
		.retained_bytes = s.retained_bytes,
		.retained_peak_bytes = s.retained_peak_bytes,
		.retained_visible_bytes = s.retained_visible_bytes,
		.retained_visible_peak_bytes = s.retained_visible_peak_bytes,
		.writer_allocs = s.writer_allocs,
		.writer_trims = s.writer_trims,
	};
}

const struct sb_variant sb_variant_pagever = {
	.name = "pagever",
	.summary = "per-page version history (RustDb's scheme, lock-free reads, home slots): readers see their start time, the writer never waits",
	.strict = true,
	.concurrent_safe = true,
	.open = pagever_variant_open,
	.close = pagever_variant_close,
	.begin_read = pagever_variant_begin_read,
	.snapshot_commit = pagever_variant_snapshot_commit,
	.read_page = pagever_variant_read_page,
	.end_read = pagever_variant_end_read,
	.begin_write = pagever_variant_begin_write,
	.write_page = pagever_variant_write_page,
	.commit = pagever_variant_commit,
	.stats = pagever_variant_stats,
};
