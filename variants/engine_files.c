/* engine_files.c — see engine_files.h. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_files.h"
#include "variant.h"

int sb_temp_dir(const char *name, char *dir, size_t len, char *err,
                size_t errlen)
{
	struct stat st;
	const char *base = "/dev/shm";
	if (stat(base, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    access(base, W_OK | X_OK) != 0) {
		base = getenv("TMPDIR");
		if (!base || !*base)
			base = "/tmp";
	}
	int n = snprintf(dir, len, "%s/snapbench-%s-%d-XXXXXX", base, name,
	                 (int)getpid());
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "%s: temporary directory name too long", name);
		return SB_ERESOURCE;
	}
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "%s: cannot create %s: %s", name, dir,
		         strerror(errno));
		return SB_ERESOURCE;
	}
	return SB_OK;
}

void sb_temp_dir_remove(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *entry;
		char path[512];
		while ((entry = readdir(d)) != NULL) {
			if (strcmp(entry->d_name, ".") == 0 ||
			    strcmp(entry->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

uint64_t sb_temp_dir_bytes(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	uint64_t bytes = 0;
	struct dirent *entry;
	char path[512];
	while ((entry = readdir(d)) != NULL) {
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			bytes += (uint64_t)st.st_blocks * 512;
	}
	closedir(d);
	return bytes;
}

/* Relaxed: a statistic, read by the monitor at any time. */
static void pool_grew(struct sb_dirty_pages *d, uint64_t bytes)
{
	atomic_fetch_add_explicit(&d->pool_bytes, bytes, memory_order_relaxed);
}

char *sb_dirty_find(struct sb_dirty_pages *d, uint64_t pageno)
{
	for (size_t i = 0; i < d->count; i++)
		if (d->pageno[i] == pageno)
			return d->buffer[i];
	return NULL;
}

char *sb_dirty_add(struct sb_dirty_pages *d, uint64_t pageno, size_t page_size)
{
	if (d->count == d->capacity) {
		size_t capacity = d->capacity ? 2 * d->capacity : 8;
		uint64_t *pagenos = realloc(d->pageno, capacity * sizeof *pagenos);
		if (!pagenos)
			return NULL;
		d->pageno = pagenos;
		char **buffers = realloc(d->buffer, capacity * sizeof *buffers);
		if (!buffers)
			return NULL;
		for (size_t i = d->capacity; i < capacity; i++)
			buffers[i] = NULL;
		d->buffer = buffers;
		pool_grew(d, (capacity - d->capacity) *
		             (sizeof *pagenos + sizeof *buffers));
		d->capacity = capacity;
	}
	if (!d->buffer[d->count]) {
		d->buffer[d->count] = malloc(page_size);
		if (!d->buffer[d->count])
			return NULL;
		pool_grew(d, page_size);
	}
	d->pageno[d->count] = pageno;
	return d->buffer[d->count++];
}

void sb_dirty_free(struct sb_dirty_pages *d)
{
	for (size_t i = 0; i < d->capacity; i++)
		free(d->buffer[i]);
	free(d->buffer);
	free(d->pageno);
}
