#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "common.h"

void *sb_flat_alloc(const struct sb_config *config, char *err, size_t errlen)
{
	size_t bytes = (size_t)config->pages * config->page_size;
	/* mmap rather than malloc: a failure is reported here, not as a crash
	 * when an overcommitted page is first touched, and large arrays are
	 * returned to the kernel at once on close. */
	void *flat = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (flat == MAP_FAILED) {
		snprintf(err, errlen, "cannot allocate %zu bytes for the database: %s",
		         bytes, strerror(errno));
		return NULL;
	}
	for (uint64_t n = 0; n < config->pages; n++)
		config->init_page(config->init_ctx, n,
		                  (char *)flat + n * config->page_size);
	return flat;
}

void sb_flat_free(void *flat, const struct sb_config *config)
{
	if (flat)
		munmap(flat, (size_t)config->pages * config->page_size);
}
