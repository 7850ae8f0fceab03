/*
 * page.c — page contents (page.h): the fill, the checksum, the sum scan.
 */
#include <string.h>

#include "page.h"

/* splitmix64's finaliser (Steele, Lea, Flood, OOPSLA 2014): a bijective mix,
 * so distinct (pageno, stamp) give unrelated bodies. */
static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

void page_fill(void *page, size_t page_size, uint64_t pageno, uint64_t stamp,
               int64_t balance)
{
	uint64_t *word = page;
	size_t words = page_size / 8;
	word[0] = stamp;
	word[1] = (uint64_t)balance;
	word[2] = pageno;
	word[3] = 0;
	/* Body: an arithmetic sequence with a random start and odd step, cheap
	 * to write (it vectorises) yet different in every word between two
	 * versions of a page. */
	uint64_t base = mix64(pageno * 0x9e3779b97f4a7c15ull ^ mix64(stamp + 1));
	uint64_t step = mix64(base) | 1;
	for (size_t i = 4; i < words; i++)
		word[i] = base + step * i;
	word[3] = page_checksum(page, page_size);
}

uint64_t page_checksum(const void *page, size_t page_size)
{
	const uint64_t *word = page;
	size_t words = page_size / 8;
	/* Four independent lanes (for instruction-level parallelism), each a
	 * multiply-rotate hash of its words; the checksum field counts as 0. */
	uint64_t lane[4] = {0x243f6a8885a308d3ull, 0x13198a2e03707344ull,
	                    0xa4093822299f31d0ull, 0x082efa98ec4e6c89ull};
	for (size_t i = 0; i < words; i += 4) {
		for (size_t j = 0; j < 4; j++) {
			uint64_t w = (i + j == 3) ? 0 : word[i + j];
			uint64_t x = (lane[j] ^ w) * 0x9fb21c651e98df25ull;
			lane[j] = (x << 29) | (x >> 35);
		}
	}
	return mix64(lane[0] ^ mix64(lane[1] ^ mix64(lane[2] ^ mix64(lane[3]))));
}

uint64_t page_sum_words(const void *page, size_t page_size)
{
	const uint64_t *word = page;
	size_t words = page_size / 8;
	uint64_t sum = 0;
	for (size_t i = 0; i < words; i++)
		sum += word[i];
	return sum;
}
