/*
 * page.h — what the harness writes into pages, so that every variant is
 * checked the same way.
 *
 * A page starts with a header: the commit that last wrote it (its stamp), a
 * signed balance, its page number and a checksum over the whole page (taken
 * with the checksum field zero).  The rest is filled deterministically from
 * (page number, stamp), so two versions of one page differ in every word.
 */
#ifndef SNAPBENCH_PAGE_H
#define SNAPBENCH_PAGE_H

#include <stddef.h>
#include <stdint.h>

struct page_header {
	uint64_t stamp;
	int64_t balance;
	uint64_t pageno;
	uint64_t checksum;
};

/* Writes a whole page: header, deterministic body, checksum. */
void page_fill(void *page, size_t page_size, uint64_t pageno, uint64_t stamp,
               int64_t balance);

/* The checksum the page should carry (over the page with checksum = 0). */
uint64_t page_checksum(const void *page, size_t page_size);

/* Sum of every 8-byte word: the `sum` scan work. */
uint64_t page_sum_words(const void *page, size_t page_size);

static inline const struct page_header *page_header(const void *page)
{
	return (const struct page_header *)page;
}

#endif
