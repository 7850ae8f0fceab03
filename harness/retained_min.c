/*
 * retained_min.c — the exact minimum retained for live snapshots, from the
 * oracle's log (retained_min.h).
 */
#include <stdlib.h>
#include <string.h>

#include "retained_min.h"

int retained_min_init(struct retained_min *m, uint64_t pages,
                      unsigned snapshots)
{
	memset(m, 0, sizeof *m);
	m->pages = pages;
	m->capacity = snapshots;
	m->mark = calloc(pages ? pages : 1, sizeof *m->mark);
	m->snapshots = calloc(snapshots ? snapshots : 1, sizeof *m->snapshots);
	if (!m->mark || !m->snapshots) {
		retained_min_destroy(m);
		return SB_ERESOURCE;
	}
	return SB_OK;
}

void retained_min_destroy(struct retained_min *m)
{
	free(m->mark);
	free(m->snapshots);
	memset(m, 0, sizeof *m);
}

static int compare_commit(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Distinct pages written by commits (from, to], counted with a fresh mark
 * so that a page counted in an earlier gap counts again here. */
static uint64_t distinct_pages_written(struct retained_min *m,
                                       struct oracle *o, uint64_t from,
                                       uint64_t to)
{
	uint64_t gap = ++m->gap, count = 0;
	for (uint64_t commit = from + 1; commit <= to; commit++) {
		const uint32_t *pages = oracle_commit_pages(o, commit);
		for (unsigned j = 0; j < o->write_pages; j++) {
			uint32_t page = pages[j];
			if (m->mark[page] != gap) {
				m->mark[page] = gap;
				count++;
			}
		}
	}
	return count;
}

uint64_t retained_min_pages(struct retained_min *m, struct oracle *o,
                            const uint64_t *snapshots, unsigned count,
                            uint64_t now)
{
	if (count > m->capacity)
		count = m->capacity;
	unsigned n = 0;
	for (unsigned i = 0; i < count; i++)
		m->snapshots[n++] = snapshots[i] < now ? snapshots[i] : now;
	qsort(m->snapshots, n, sizeof *m->snapshots, compare_commit);
	uint64_t pages = 0;
	/* A snapshot time held twice makes an empty gap: it counts once. */
	for (unsigned i = 0; i < n; i++) {
		uint64_t next = i + 1 < n ? m->snapshots[i + 1] : now;
		pages += distinct_pages_written(m, o, m->snapshots[i], next);
	}
	return pages;
}
