/*
 * variant.h — the one interface between the snapbench harness and a snapshot
 * scheme ("variant").  The harness knows variants only through this file; a
 * variant never includes a harness header.
 *
 * Data model (docs/design.md, "The data model"): a database of `pages` pages of `page_size` bytes.
 * Writes happen in transactions, at most one in progress at a time: the variant
 * serialises its writers (begin_write may block).  Commits are numbered 1, 2, 3,
 * ... in commit order; the initial state is commit 0.  A read opens a snapshot,
 * reads pages through it and closes it; it may last microseconds or hours.
 *
 * Contract of each operation:
 *
 *   open(config, &db, err, errlen)
 *       Make a database whose page n initially holds what config->init_page
 *       writes for n.  Returns SB_OK, SB_EUSAGE (the configuration is not one
 *       this variant can run, e.g. `none` with readers and writers; err says
 *       why) or SB_ERESOURCE (allocation or another resource failed; err says
 *       which).  On failure nothing is left allocated.
 *   close(db)
 *       Free everything.  No thread may be inside any other operation.
 *   thread_enter(db) / thread_exit(db)                  (optional, may be NULL)
 *       Called by every thread that reads or writes, before its first and after
 *       its last operation (RCU and epoch schemes register threads here).
 *       thread_enter returns SB_OK or SB_ERESOURCE.  Callers go through
 *       sb_thread_enter / sb_thread_exit below, which skip a NULL.
 *   begin_read(db) -> snap
 *       Open a snapshot.  Strict variants: it reflects every commit that
 *       completed before begin_read was called.  Eventual variants may lag and
 *       say so with `strict = false`.  NULL when a resource failed.
 *   snapshot_commit(snap) -> number
 *       The commit number the snapshot reflects; the oracle checks every page
 *       read through the snapshot against it.
 *   read_page(snap, n) -> const pointer
 *       Page n as of the snapshot.  The pointer stays valid at least until the
 *       next read_page on the same snapshot or end_read.
 *   end_read(snap)
 *       Close the snapshot; memory kept only for it becomes reclaimable.
 *   begin_write(db) -> txn
 *       Start the single write transaction; may block (that is writer stall).
 *       NULL when a resource failed.
 *   write_page(txn, n) -> pointer
 *       A writable buffer of page_size bytes holding page n's current contents
 *       (including this transaction's earlier writes to n).  What is written
 *       there is invisible to every reader until commit.  NULL on allocation
 *       failure (the harness then ends the run with exit status 3).
 *   commit(txn) -> SB_OK | SB_ERESOURCE
 *       Make all of the transaction's pages visible atomically, as the next
 *       commit number.
 *   run_read(db, fn, arg, result, result_size)          (optional, may be NULL)
 *       Run one whole read: the default (sb_run_read below) is begin_read,
 *       fn, end_read.  A variant may run fn elsewhere (forkcow: in a forked
 *       child) as long as fn's `result` bytes come back to the caller.
 *       Returns SB_OK, SB_ERESOURCE, or SB_ESTARVED when the variant gave
 *       the read up (result then holds nothing; count it in starved_reads).
 *   begin_final_read(db) -> snap                          (optional, may be NULL)
 *       The snapshot the oracle's final check reads, called only when no
 *       other thread is inside the database: it must reflect every commit.
 *       Only a variant whose readers never see the writer's commits (the
 *       `frozen` control, floor) needs it; the default is begin_read.
 *   stats(db, &stats)
 *       Counters, callable from any thread at any time, without thread_enter.
 */
#ifndef SNAPBENCH_VARIANT_H
#define SNAPBENCH_VARIANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sb_status {
	SB_OK = 0,
	SB_EUSAGE = 2,     /* same number as the CLI's exit status for bad usage */
	SB_ERESOURCE = 3,  /* same number as the CLI's exit status for resources */
	SB_ESTARVED = 4,   /* run_read gave the read up (an optimistic reader
	                      retried too often); it has no result */
};

/* How a two-copy variant publishes a commit (--lr-publish). */
enum sb_publish {
	SB_PUBLISH_BLOCK = 0, /* the writer waits for readers of the old copy */
	SB_PUBLISH_TRY = 1,   /* the writer never waits; readers may lag */
};

struct sb_config {
	uint64_t pages;       /* pages in the database, >= 1 */
	size_t page_size;     /* bytes per page, a multiple of 64, >= 64 */
	unsigned readers;     /* reader threads the harness will run */
	unsigned writers;     /* writer threads the harness will run */
	enum sb_publish publish;
	/* pagever (--pv-home on|off): move rewritten pages back to their home
	 * slots, so that scans read in page order (default true); off is the
	 * ablation of that locality layer.  Other variants ignore it. */
	bool move_home;
	/* Writes the initial contents of page `pageno` into `page`. */
	void (*init_page)(void *init_ctx, uint64_t pageno, void *page);
	void *init_ctx;
};

struct sb_stats {
	/* Every byte the scheme holds beyond one copy of the database,
	 * whether or not a reader can still see it: history versions and
	 * their headers, versions waiting to be trimmed or for a grace
	 * period, pools and free slots kept for reuse, a second copy,
	 * snapshot copies, page tables beyond the pages themselves, an
	 * oplog, an engine's file growth.  The same definition for every
	 * variant (docs/design.md, "Memory"). */
	uint64_t retained_bytes;
	uint64_t retained_peak_bytes;
	/* The part of retained_bytes that some live snapshot can still reach:
	 * old versions or copies a reader that has not ended may read.  Exact
	 * where the scheme knows it; a variant that can only bound it says so
	 * in its opening comment. */
	uint64_t retained_visible_bytes;
	uint64_t retained_visible_peak_bytes;
	/* Nanoseconds writers spent blocked waiting for readers. */
	uint64_t writer_blocked_ns;
	/* Reads that had to start again (optimistic variants). */
	uint64_t read_retries;
	/* Reads given up after too many retries (optimistic variants). */
	uint64_t starved_reads;
	/* Times a writer mapped or allocated version memory itself because
	 * the pool a background thread keeps filled was empty (pagever). */
	uint64_t writer_allocs;
	/* Times a writer trimmed history itself because the background
	 * trimmer had fallen behind: back-pressure (pagever). */
	uint64_t writer_trims;
};

typedef struct sb_db sb_db;
typedef struct sb_snap sb_snap;
typedef struct sb_txn sb_txn;
struct sb_variant;

/* One whole read, as the harness runs it: reads pages through `snap` and
 * leaves its findings in `result` (plain bytes: no pointers, so that they can
 * cross a process boundary). */
typedef void (*sb_read_fn)(const struct sb_variant *variant, sb_snap *snap,
                           void *arg, void *result);

struct sb_variant {
	const char *name;
	const char *summary;  /* one line */
	bool strict;          /* snapshots reflect every completed commit */
	bool concurrent_safe; /* safe with concurrent readers and writers */
	/* Honours config->publish (--lr-publish); under SB_PUBLISH_TRY such a
	 * variant is eventual whatever `strict` says (see sb_variant_strict). */
	bool publish_modes;
	/* A control that measures the machine, not a snapshot scheme (none,
	 * floor). */
	bool control;
	/* A real database engine behind the interface (lmdb, sqlite). */
	bool engine;
	/* Readers see commit 0 for ever (floor): begin_final_read gives the
	 * writer's state for the oracle's final check. */
	bool frozen;

	int (*open)(const struct sb_config *config, sb_db **db, char *err,
	            size_t errlen);
	void (*close)(sb_db *db);
	int (*thread_enter)(sb_db *db);
	void (*thread_exit)(sb_db *db);

	sb_snap *(*begin_read)(sb_db *db);
	uint64_t (*snapshot_commit)(const sb_snap *snap);
	const void *(*read_page)(sb_snap *snap, uint64_t pageno);
	void (*end_read)(sb_snap *snap);

	sb_txn *(*begin_write)(sb_db *db);
	void *(*write_page)(sb_txn *txn, uint64_t pageno);
	int (*commit)(sb_txn *txn);

	int (*run_read)(sb_db *db, sb_read_fn fn, void *arg, void *result,
	                size_t result_size);
	sb_snap *(*begin_final_read)(sb_db *db);
	void (*stats)(sb_db *db, struct sb_stats *stats);
};

/* thread_enter and thread_exit, or nothing when the variant has none. */
static inline int sb_thread_enter(const struct sb_variant *variant, sb_db *db)
{
	return variant->thread_enter ? variant->thread_enter(db) : SB_OK;
}

static inline void sb_thread_exit(const struct sb_variant *variant, sb_db *db)
{
	if (variant->thread_exit)
		variant->thread_exit(db);
}

/* Runs one whole read through the variant's run_read, or begin_read, fn,
 * end_read when it has none.  Returns SB_OK or SB_ERESOURCE. */
static inline int sb_run_read(const struct sb_variant *variant, sb_db *db,
                              sb_read_fn fn, void *arg, void *result,
                              size_t result_size)
{
	if (variant->run_read)
		return variant->run_read(db, fn, arg, result, result_size);
	sb_snap *snap = variant->begin_read(db);
	if (!snap)
		return SB_ERESOURCE;
	fn(variant, snap, arg, result);
	variant->end_read(snap);
	return SB_OK;
}

/* Whether snapshots of `variant` run with `publish` reflect every commit
 * that completed before begin_read. */
static inline bool sb_variant_strict(const struct sb_variant *variant,
                                     enum sb_publish publish)
{
	return variant->strict &&
	       !(variant->publish_modes && publish == SB_PUBLISH_TRY);
}

/* The registry (variants/registry.c): every variant, in a fixed order. */
extern const struct sb_variant *const sb_variants[];
extern const size_t sb_variant_count;
const struct sb_variant *sb_variant_find(const char *name);

#endif
