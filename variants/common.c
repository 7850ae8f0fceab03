#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common.h"

static void *flat_alloc(const struct sb_config *config, bool small_pages,
                        char *err, size_t errlen)
{
	size_t bytes = (size_t)sb_database_bytes(config);
	/* mmap rather than malloc: a failure is reported here, not as a crash
	 * when an overcommitted page is first touched, and large arrays are
	 * returned to the kernel at once on close. */
	char *flat = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (flat == MAP_FAILED) {
		snprintf(err, errlen, "cannot allocate %zu bytes for the database: %s",
		         bytes, strerror(errno));
		return NULL;
	}
	if (small_pages)
		/* Best effort: without THP support the advice fails, and is
		 * moot. */
		(void)madvise(flat, bytes, MADV_NOHUGEPAGE);
	for (uint64_t n = 0; n < config->pages; n++)
		config->init_page(config->init_ctx, n, flat + n * config->page_size);
	return flat;
}

void *sb_flat_alloc(const struct sb_config *config, char *err, size_t errlen)
{
	return flat_alloc(config, false, err, errlen);
}

void *sb_flat_alloc_small_pages(const struct sb_config *config, char *err,
                                size_t errlen)
{
	return flat_alloc(config, true, err, errlen);
}

void sb_flat_free(void *flat, const struct sb_config *config)
{
	if (flat)
		munmap(flat, (size_t)sb_database_bytes(config));
}

void *sb_handle_alloc(size_t size, char *err, size_t errlen)
{
	void *handle = calloc(1, size);
	if (!handle)
		snprintf(err, errlen, "cannot allocate the database handle");
	return handle;
}

void *sb_flat_db_open(size_t size, const struct sb_config *config, char *err,
                      size_t errlen)
{
	struct sb_flat_db *base = sb_handle_alloc(size, err, errlen);
	if (!base)
		return NULL;
	base->config = *config;
	base->flat = sb_flat_alloc(config, err, errlen);
	if (!base->flat) {
		free(base);
		return NULL;
	}
	return base;
}

void sb_flat_db_close(void *handle)
{
	struct sb_flat_db *base = handle;
	sb_flat_free(base->flat, &base->config);
	free(base);
}
