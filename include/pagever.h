/*
 * pagever.h — per-page version history: a store of fixed-size pages in
 * which every reader sees the store as it was when its read began, for as
 * long as the read lasts, while one writer at a time keeps committing.
 *
 * The scheme is RustDb's (George Barwood, "Concurrency in RustDb", 2022):
 * the writer keeps a page's old version only while a live reader may need
 * it, and frees it as soon as none can, including versions that fall
 * between two live readers.  This library adds a lock-free read path, home
 * slots that keep rewritten pages in page order, and a background trimmer;
 * docs/design.md in the snapbench repository explains the design, and the
 * snapbench testbed measures it against locking, copying and two-copy
 * schemes.
 *
 * A store holds `pages` pages of `page_size` bytes, numbered 0..pages-1.
 * Commits are numbered 1, 2, 3, ... in commit order; the initial contents
 * are commit 0.
 *
 * Threads.  Any number of threads may read at once, each through a reader
 * handle of its own.  One write transaction is open at a time; a thread
 * that calls pagever_begin_write while another transaction is open waits
 * for it (the only wait in the library that a caller can see).  No thread
 * needs to register with the library.  Readers never wait: not for the
 * writer, not for each other, not for the trimmer.  The writer never waits
 * for a reader.
 *
 * Errors.  Every call that can fail returns PAGEVER_OK (0) or one of the
 * negative codes below; pagever_strerror names it.  A call made in the
 * wrong state (reading through a handle that was ended, committing with no
 * transaction open) returns PAGEVER_ESTATE and changes nothing.  After
 * PAGEVER_ENOMEM the store is unchanged and usable: the failed call may be
 * retried.
 *
 * Traps.
 *  - A long read keeps, for its whole length, one old version of every page
 *    written since it began: up to one copy of the store per distinct read
 *    start time.  Versions no live reader can see are freed within about a
 *    millisecond, so short reads cost little; a forgotten read costs at
 *    most one copy of the store, not more (pagever_stats tells how much).
 *  - A page pointer from pagever_read_page stays valid until
 *    pagever_end_read on that handle; a page pointer from
 *    pagever_write_page until commit or abort.
 *  - A reader handle belongs to one thread at a time and must not be copied
 *    while the read is open.
 */
#ifndef PAGEVER_H
#define PAGEVER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && defined(PAGEVER_BUILDING)
#define PAGEVER_API __attribute__((visibility("default")))
#else
#define PAGEVER_API
#endif

#define PAGEVER_VERSION_MAJOR 1
#define PAGEVER_VERSION_MINOR 0
#define PAGEVER_VERSION_PATCH 0

/* Return codes. */
#define PAGEVER_OK 0
#define PAGEVER_EINVAL (-1)   /* an argument is out of range or NULL */
#define PAGEVER_ESTATE (-2)   /* the call is not valid in the handle's or
                               * store's present state */
#define PAGEVER_ENOMEM (-3)   /* memory could not be allocated or mapped */
#define PAGEVER_EREADERS (-4) /* every reader slot is in use */
#define PAGEVER_ETHREAD (-5)  /* the trimmer thread could not be started */

typedef struct pagever pagever;

/* A read in progress.  Caller-owned (on the stack, say); its fields are
 * the library's.  Zero it, or leave it as pagever_end_read left it, before
 * pagever_begin_read; a handle that is not reading makes every read call
 * return PAGEVER_ESTATE. */
typedef struct pagever_reader {
	pagever *store;        /* NULL while not reading */
	void *slot;
	uint64_t commit;
} pagever_reader;

struct pagever_options {
	/* Pages in the store, >= 1. */
	uint64_t pages;
	/* Bytes per page: a multiple of 64, from 64 to 1 GiB. */
	size_t page_size;
	/* Reads that may be open at once, 1 to 65536 (default 1024); each
	 * slot costs 152 bytes. */
	unsigned reader_slots;
	/* Nonzero (the default): a page rewritten while a reader kept its
	 * old version is copied back to its home slot once no reader needs
	 * the old one, so that scans read pages in address order.  Zero
	 * saves that copy at the cost of scattered scans. */
	int move_home;
	/* Fills page `pageno` with its initial contents (commit 0); NULL
	 * leaves every page zeroed. */
	void (*init_page)(void *init_ctx, uint64_t pageno, void *page);
	void *init_ctx;
};

/* Sets every option to its default (pages and page_size to 0: the caller
 * must set them). */
PAGEVER_API void pagever_options_init(struct pagever_options *options);

/* Makes a store and starts its trimmer thread.
 * Returns PAGEVER_OK with *store set, PAGEVER_EINVAL (an option out of
 * range), PAGEVER_ENOMEM or PAGEVER_ETHREAD; on failure nothing is left
 * allocated.  Cost: maps and fills pages x (page_size + 64) bytes,
 * rounded up to 2 MiB slabs (pages over 1 MiB take a slab each, up to
 * twice their size), and 33 bytes per page of page table. */
PAGEVER_API int pagever_open(const struct pagever_options *options,
                             pagever **store);

/* Stops the trimmer and frees everything.  No other thread may be inside
 * the store; open reads and an open transaction are discarded. */
PAGEVER_API void pagever_close(pagever *store);

/* Opens a read of the store as of the last completed commit: every commit
 * that returned before this call is in it, and nothing committed later.
 * Returns PAGEVER_OK, PAGEVER_EINVAL (a NULL argument), PAGEVER_ESTATE
 * (the handle is already reading) or PAGEVER_EREADERS.
 * Waits for nothing.  Cost: claims a slot (one compare-and-swap per slot
 * tried, from the first) and three stores that each cost a full fence. */
PAGEVER_API int pagever_begin_read(pagever *store, pagever_reader *reader);

/* The commit the read sees. */
PAGEVER_API uint64_t pagever_reader_commit(const pagever_reader *reader);

/* Sets *page to page `pageno` as the read sees it (page_size bytes; do not
 * write them).  Returns PAGEVER_OK, PAGEVER_EINVAL (pageno out of range, a
 * NULL argument) or PAGEVER_ESTATE (the handle is not reading).
 * Waits for nothing.  Cost: when the page was not committed since the read
 * began, two loads from per-page arrays (one when no commit at all has
 * begun since); otherwise also a full fence and one load per newer version
 * of the page still kept (for other readers, or not yet trimmed). */
PAGEVER_API int pagever_read_page(pagever_reader *reader, uint64_t pageno,
                                  const void **page);

/* The same as pagever_read_page, in the form a scan of small pages wants:
 * returns the page, or NULL where pagever_read_page would return an error
 * (the handle not reading, pageno out of range); `reader` must not be
 * NULL.  Cost: when no commit has begun since the read began, two loads
 * (the page's data pointer and one counter shared by all pages); else as
 * pagever_read_page. */
PAGEVER_API const void *pagever_page(pagever_reader *reader, uint64_t pageno);

/* Ends the read: page pointers it returned become invalid, and versions
 * kept only for it are freed at once when the trim lock is free, else by
 * the next ending read, or by the trimmer once no read has ended for
 * 50 ms.  Returns PAGEVER_OK,
 * PAGEVER_EINVAL (a NULL handle) or PAGEVER_ESTATE (not reading).
 * Waits for nothing: it tries the trim lock once and otherwise wakes the
 * trimmer.  Cost, when it gets the lock: the store's upkeep, which readers
 * pay for since history is kept for them — a trim pass over the versions
 * replaced since the last one (at most 16,384) and those kept for readers,
 * the reuse of what is free (a page copy for each page moved back home)
 * and a refill of the writer's pool. */
PAGEVER_API int pagever_end_read(pagever_reader *reader);

/* Opens the write transaction.  Returns PAGEVER_OK, PAGEVER_EINVAL (a NULL
 * store) or PAGEVER_ESTATE (this thread already has it open).
 * Waits for a transaction another thread has open, never for a reader. */
PAGEVER_API int pagever_begin_write(pagever *store);

/* Sets *page to a writable copy of page `pageno` holding its current
 * contents, this transaction's earlier writes included.  What is written
 * there is invisible to every reader until pagever_commit.  Returns
 * PAGEVER_OK, PAGEVER_EINVAL, PAGEVER_ESTATE (no transaction open on this
 * thread) or PAGEVER_ENOMEM (the transaction stays open and unchanged).
 * Cost: one page copy the first time a transaction writes a page.  Memory
 * comes from a pool the trimmer keeps filled and faulted in; only when it
 * is empty does the writer map memory itself (counted in writer_allocs),
 * after first trimming a bounded batch itself if the trimmer has fallen
 * behind (counted in writer_trims). */
PAGEVER_API int pagever_write_page(pagever *store, uint64_t pageno,
                                   void **page);

/* Makes every page the transaction wrote visible at once, as the next
 * commit number (in *commit when it is not NULL), and closes the
 * transaction.  Returns PAGEVER_OK, PAGEVER_EINVAL (a NULL store) or
 * PAGEVER_ESTATE (no transaction open on this thread).
 * Waits for nothing.  Cost: per page written, one compare-and-swap (it
 * retries at most once, when the trimmer moved the page home meanwhile);
 * one read of each reader slot ever used; one compare-and-swap to hand the
 * replaced versions to the trimmer. */
PAGEVER_API int pagever_commit(pagever *store, uint64_t *commit);

/* Discards the transaction's writes and closes it.  Returns PAGEVER_OK,
 * PAGEVER_EINVAL (a NULL store) or PAGEVER_ESTATE (no transaction open on
 * this thread). */
PAGEVER_API int pagever_abort(pagever *store);

struct pagever_stats {
	/* Every byte the store holds beyond one copy of its pages: old
	 * versions and their headers, versions waiting to be trimmed or
	 * reused, the pool, free home slots, the page table. */
	uint64_t retained_bytes;
	uint64_t retained_peak_bytes;
	/* The old versions (with headers) that some open read can see. */
	uint64_t retained_visible_bytes;
	uint64_t retained_visible_peak_bytes;
	uint64_t commits;
	/* Times the writer mapped memory itself (the pool was empty). */
	uint64_t writer_allocs;
	/* Times the writer trimmed history itself (the trimmer was behind). */
	uint64_t writer_trims;
	/* Versions (pages) the mapped memory has room for: the current
	 * pages, history, the pool and room not yet used.  Memory is kept
	 * until close, so this never decreases. */
	uint64_t versions_mapped;
};

/* Counters, from any thread at any time; each is exact, but they are not
 * read at one instant. */
PAGEVER_API void pagever_stats(pagever *store, struct pagever_stats *stats);

/* A message for a return code, e.g. "pagever: every reader slot is in
 * use"; never NULL. */
PAGEVER_API const char *pagever_strerror(int error);

#ifdef __cplusplus
}
#endif

#endif
