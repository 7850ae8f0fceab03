/* engine_files.h — what the variants backed by a real engine (lmdb,
 * sqlite) share: a scratch directory for the engine's files, and the write
 * transaction's map of dirty pages. */
#ifndef SNAPBENCH_ENGINE_FILES_H
#define SNAPBENCH_ENGINE_FILES_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* A fresh directory snapbench-NAME-PID-XXXXXX, on a memory-backed file
 * system (/dev/shm) when there is one, else $TMPDIR or /tmp.  The process
 * id lets a test tell its own directories from others'.  SB_OK, or
 * SB_ERESOURCE with err filled. */
int sb_temp_dir(const char *name, char *dir, size_t len, char *err,
                size_t errlen);
/* Removes the directory and every file in it. */
void sb_temp_dir_remove(const char *dir);
/* The bytes the files in the directory occupy (their allocated blocks: on
 * a memory-backed file system, the memory they hold), 0 if it cannot be
 * read. */
uint64_t sb_temp_dir_bytes(const char *dir);

/* Page number -> buffer of the pages a write transaction changed.  The
 * buffers are kept across transactions for reuse: a pool, whose bytes
 * (buffers and arrays) `pool_bytes` counts for any thread to read. */
struct sb_dirty_pages {
	uint64_t *pageno;
	char **buffer;
	size_t count, capacity;
	_Atomic uint64_t pool_bytes;
};

/* Relaxed: a statistic. */
static inline uint64_t sb_dirty_pool_bytes(struct sb_dirty_pages *d)
{
	return atomic_load_explicit(&d->pool_bytes, memory_order_relaxed);
}

char *sb_dirty_find(struct sb_dirty_pages *d, uint64_t pageno);
/* A buffer for a page not yet in the map, or NULL when out of memory. */
char *sb_dirty_add(struct sb_dirty_pages *d, uint64_t pageno, size_t page_size);
void sb_dirty_free(struct sb_dirty_pages *d);

#endif
