/*
 * libpagever's own tests: the contract of include/pagever.h, through the
 * library alone.  This program links pagever_failalloc (the library built
 * with PAGEVER_FAIL_ALLOC) and Criterion, never the harness or a variant,
 * so it also proves that the library stands on its own.
 *
 *  - Calls in the wrong state give the documented code and change nothing.
 *  - Bad arguments give PAGEVER_EINVAL; every code has its message.
 *  - An injected allocation failure gives PAGEVER_ENOMEM, leaves the store
 *    unchanged and usable, and a failed open leaves nothing behind.
 *  - Abort discards the writes and gives their memory back.
 *  - pagever_stats counts exactly the versions open reads can see.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pagever.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

/* store.c under PAGEVER_FAIL_ALLOC: the countdown-th slab mapping from now
 * (by any thread of any store) fails; 0 injects nothing. */
extern _Atomic long pagever_fail_map_countdown;

/* The bytes one old version costs (pagever.h, pagever_stats): its page and
 * its 64-byte header. */
#define HEADER_BYTES 64u

/* A call that hangs fails its test (a wait where the header promises none,
 * a self-deadlock on a second begin_write). */
TestSuite(libpagever, .timeout = 60);

/* ---- helpers ---- */

/* Every 8-byte word of a page holds the commit that wrote it. */
static void page_fill(void *page, size_t page_size, uint64_t value)
{
	uint64_t *word = page;
	for (size_t i = 0; i < page_size / sizeof *word; i++)
		word[i] = value;
}

/* The value every word of the page holds, or UINT64_MAX when the words
 * disagree (a torn or half-written page). */
static uint64_t page_value(const void *page, size_t page_size)
{
	const uint64_t *word = page;
	for (size_t i = 1; i < page_size / sizeof *word; i++)
		if (word[i] != word[0])
			return UINT64_MAX;
	return word[0];
}

/* Commit 0's contents: page n holds 0 everywhere (zeroed pages). */
/* A store with pages moved home (the default) or not. */
static pagever *open_store_home(uint64_t pages, size_t page_size,
                                unsigned slots, bool move_home)
{
	struct pagever_options options;
	pagever_options_init(&options);
	options.pages = pages;
	options.page_size = page_size;
	options.move_home = move_home;
	if (slots)
		options.reader_slots = slots;
	pagever *store = NULL;
	int status = pagever_open(&options, &store);
	cr_assert_eq(status, PAGEVER_OK, "open: %s", pagever_strerror(status));
	cr_assert_not_null(store);
	return store;
}

static pagever *open_store(uint64_t pages, size_t page_size, unsigned slots)
{
	return open_store_home(pages, page_size, slots, true);
}

/* One transaction writing `value` into pages [first, first + count). */
static uint64_t commit_pages(pagever *store, size_t page_size, uint64_t first,
                             uint64_t count, uint64_t value)
{
	cr_assert_eq(pagever_begin_write(store), PAGEVER_OK);
	for (uint64_t p = first; p < first + count; p++) {
		void *page;
		cr_assert_eq(pagever_write_page(store, p, &page), PAGEVER_OK);
		page_fill(page, page_size, value);
	}
	uint64_t commit = 0;
	cr_assert_eq(pagever_commit(store, &commit), PAGEVER_OK);
	return commit;
}

/* Opens a read of the store (which must succeed). */
static void begin_read_ok(pagever *store, pagever_reader *reader)
{
	int status = pagever_begin_read(store, reader);
	cr_assert_eq(status, PAGEVER_OK, "begin_read: %s",
	             pagever_strerror(status));
}

/* Opens a transaction and writes `value` into page n; returns the page. */
static void *begin_and_write(pagever *store, uint64_t n, size_t page_size,
                             uint64_t value)
{
	cr_assert_eq(pagever_begin_write(store), PAGEVER_OK);
	void *page = NULL;
	cr_assert_eq(pagever_write_page(store, n, &page), PAGEVER_OK);
	page_fill(page, page_size, value);
	return page;
}

/* What the read sees in page n. */
static uint64_t read_value(pagever_reader *reader, uint64_t n, size_t page_size)
{
	const void *page = NULL;
	int status = pagever_read_page(reader, n, &page);
	cr_assert_eq(status, PAGEVER_OK, "read_page %llu: %s",
	             (unsigned long long)n, pagever_strerror(status));
	return page_value(page, page_size);
}

/* Waits up to 3 s for retained_visible_bytes to reach `want` (end_read
 * frees at once unless the trimmer holds the trim lock, which then frees
 * within about a millisecond). */
static uint64_t visible_settles_at(pagever *store, uint64_t want)
{
	struct pagever_stats stats;
	for (int i = 0; i < 300; i++) {
		pagever_stats(store, &stats);
		if (stats.retained_visible_bytes == want)
			break;
		usleep(10000);
	}
	return stats.retained_visible_bytes;
}

/* Heap leaks, checked in the address-sanitizer build (scripts/test
 * --sanitize address).  Its leak checker runs when a process exits, but
 * Criterion passes a test whose process then reports a leak: so the tests
 * ask it themselves.  (Other builds have no exact count: malloc's own
 * statistics count its per-thread caches as in use.) */
static void assert_no_heap_leak(const char *what)
{
#if defined(__SANITIZE_ADDRESS__)
	cr_assert_eq(__lsan_do_recoverable_leak_check(), 0,
	             "%s leaked heap memory (the leak report is above)", what);
#else
	(void)what;
#endif
}

/* ---- calls in the wrong state ---- */

Test(libpagever, read_page_after_end_read_is_a_state_error)
{
	pagever *store = open_store(4, 64, 0);
	pagever_reader reader = {0};
	begin_read_ok(store, &reader);
	cr_assert_eq(read_value(&reader, 1, 64), 0);
	cr_assert_eq(pagever_end_read(&reader), PAGEVER_OK);
	const void *page = &reader;
	cr_assert_eq(pagever_read_page(&reader, 1, &page), PAGEVER_ESTATE);
	cr_assert_eq(page, (const void *)&reader, "a failed read_page set *page");
	/* A zeroed handle that never read is not reading either. */
	pagever_reader never = {0};
	cr_assert_eq(pagever_read_page(&never, 0, &page), PAGEVER_ESTATE);
	pagever_close(store);
}

Test(libpagever, end_read_twice_is_a_state_error)
{
	pagever *store = open_store(4, 64, 0);
	pagever_reader reader = {0};
	begin_read_ok(store, &reader);
	cr_assert_eq(pagever_end_read(&reader), PAGEVER_OK);
	cr_assert_eq(pagever_end_read(&reader), PAGEVER_ESTATE);
	pagever_reader never = {0};
	cr_assert_eq(pagever_end_read(&never), PAGEVER_ESTATE);
	/* The handle, as end_read left it, begins a read again. */
	begin_read_ok(store, &reader);
	cr_assert_eq(pagever_end_read(&reader), PAGEVER_OK);
	pagever_close(store);
}

Test(libpagever, begin_read_on_a_reading_handle_is_a_state_error_and_keeps_its_read)
{
	pagever *store = open_store(4, 64, 1);
	pagever_reader reader = {0};
	begin_read_ok(store, &reader);
	commit_pages(store, 64, 0, 4, 1);
	cr_assert_eq(pagever_begin_read(store, &reader), PAGEVER_ESTATE);
	/* Still the read of commit 0, and still the only slot in use. */
	cr_assert_eq(pagever_reader_commit(&reader), 0);
	cr_assert_eq(read_value(&reader, 2, 64), 0);
	pagever_reader other = {0};
	cr_assert_eq(pagever_begin_read(store, &other), PAGEVER_EREADERS);
	cr_assert_eq(pagever_end_read(&reader), PAGEVER_OK);
	cr_assert_eq(pagever_begin_read(store, &other), PAGEVER_OK,
	             "the refused begin_read took a second slot");
	cr_assert_eq(pagever_reader_commit(&other), 1);
	cr_assert_eq(pagever_end_read(&other), PAGEVER_OK);
	pagever_close(store);
}

Test(libpagever, commit_abort_and_write_page_without_begin_write_are_state_errors)
{
	pagever *store = open_store(4, 64, 0);
	void *page = &page;
	uint64_t commit = 77;
	cr_assert_eq(pagever_commit(store, &commit), PAGEVER_ESTATE);
	cr_assert_eq(commit, 77, "a refused commit set *commit");
	cr_assert_eq(pagever_abort(store), PAGEVER_ESTATE);
	cr_assert_eq(pagever_write_page(store, 0, &page), PAGEVER_ESTATE);
	cr_assert_eq(page, (void *)&page, "a refused write_page set *page");
	/* The same after a transaction closed, by commit and by abort. */
	commit_pages(store, 64, 0, 1, 1);
	cr_assert_eq(pagever_commit(store, NULL), PAGEVER_ESTATE);
	cr_assert_eq(pagever_abort(store), PAGEVER_ESTATE);
	cr_assert_eq(pagever_begin_write(store), PAGEVER_OK);
	cr_assert_eq(pagever_abort(store), PAGEVER_OK);
	cr_assert_eq(pagever_commit(store, NULL), PAGEVER_ESTATE);
	cr_assert_eq(pagever_abort(store), PAGEVER_ESTATE);
	cr_assert_eq(pagever_write_page(store, 0, &page), PAGEVER_ESTATE);
	/* Nothing changed: one commit, and it holds what it wrote. */
	struct pagever_stats stats;
	pagever_stats(store, &stats);
	cr_assert_eq(stats.commits, 1);
	pagever_reader reader = {0};
	begin_read_ok(store, &reader);
	cr_assert_eq(pagever_reader_commit(&reader), 1);
	cr_assert_eq(read_value(&reader, 0, 64), 1);
	cr_assert_eq(read_value(&reader, 1, 64), 0);
	pagever_end_read(&reader);
	pagever_close(store);
}

Test(libpagever, begin_write_twice_on_one_thread_is_a_state_error_and_keeps_the_transaction)
{
	pagever *store = open_store(4, 64, 0);
	void *page = begin_and_write(store, 3, 64, 9);
	cr_assert_eq(pagever_begin_write(store), PAGEVER_ESTATE);
	void *again;
	cr_assert_eq(pagever_write_page(store, 3, &again), PAGEVER_OK);
	cr_assert_eq(again, page, "the transaction's copy of page 3 changed");
	cr_assert_eq(page_value(again, 64), 9);
	uint64_t commit = 0;
	cr_assert_eq(pagever_commit(store, &commit), PAGEVER_OK);
	cr_assert_eq(commit, 1);
	pagever_reader reader = {0};
	begin_read_ok(store, &reader);
	cr_assert_eq(read_value(&reader, 3, 64), 9);
	pagever_end_read(&reader);
	pagever_close(store);
}

struct intruder {
	pagever *store;
	int commit, abort, write_page;
};

static void *intrude(void *arg)
{
	struct intruder *in = arg;
	void *page;
	in->write_page = pagever_write_page(in->store, 0, &page);
	in->commit = pagever_commit(in->store, NULL);
	in->abort = pagever_abort(in->store);
	return NULL;
}

Test(libpagever, another_thread_cannot_write_commit_or_abort_the_transaction)
{
	pagever *store = open_store(4, 64, 0);
	begin_and_write(store, 1, 64, 5);
	struct intruder in = {.store = store};
	pthread_t thread;
	cr_assert_eq(pthread_create(&thread, NULL, intrude, &in), 0);
	cr_assert_eq(pthread_join(thread, NULL), 0);
	cr_assert_eq(in.write_page, PAGEVER_ESTATE);
	cr_assert_eq(in.commit, PAGEVER_ESTATE);
	cr_assert_eq(in.abort, PAGEVER_ESTATE);
	uint64_t commit = 0;
	cr_assert_eq(pagever_commit(store, &commit), PAGEVER_OK,
	             "the owner's transaction was closed by another thread");
	cr_assert_eq(commit, 1);
	pagever_reader reader = {0};
	begin_read_ok(store, &reader);
	cr_assert_eq(read_value(&reader, 1, 64), 5);
	cr_assert_eq(read_value(&reader, 0, 64), 0);
	pagever_end_read(&reader);
	pagever_close(store);
}

Test(libpagever, more_readers_than_slots_get_ereaders_until_a_slot_frees)
{
	enum { SLOTS = 3 };
	pagever *store = open_store(4, 64, SLOTS);
	pagever_reader readers[SLOTS] = {0}, extra = {0};
	for (int i = 0; i < SLOTS; i++)
		begin_read_ok(store, &readers[i]);
	cr_assert_eq(pagever_begin_read(store, &extra), PAGEVER_EREADERS);
	/* The refused handle is not reading. */
	const void *page;
	cr_assert_eq(pagever_read_page(&extra, 0, &page), PAGEVER_ESTATE);
	cr_assert_eq(pagever_end_read(&extra), PAGEVER_ESTATE);
	/* The readers that got a slot read on. */
	for (int i = 0; i < SLOTS; i++)
		cr_assert_eq(read_value(&readers[i], 3, 64), 0);
	cr_assert_eq(pagever_end_read(&readers[1]), PAGEVER_OK);
	begin_read_ok(store, &extra);
	cr_assert_eq(pagever_begin_read(store, &readers[1]), PAGEVER_EREADERS);
	cr_assert_eq(pagever_end_read(&extra), PAGEVER_OK);
	cr_assert_eq(pagever_end_read(&readers[0]), PAGEVER_OK);
	cr_assert_eq(pagever_end_read(&readers[2]), PAGEVER_OK);
	pagever_close(store);
}

/* ---- bad arguments ---- */

Test(libpagever, open_refuses_every_option_out_of_range)
{
	struct pagever_options good;
	pagever_options_init(&good);
	good.pages = 4;
	good.page_size = 64;
	struct {
		const char *what;
		struct pagever_options options;
	} bad[] = {
		{"pages 0", good}, {"page_size 0", good}, {"page_size 32", good},
		{"page_size 65", good}, {"page_size 100", good},
		{"page_size 1 GiB + 64", good}, {"page_size SIZE_MAX", good},
		{"reader_slots 0", good}, {"reader_slots 65537", good},
		{"reader_slots UINT_MAX", good},
		{"pages x page_size past SIZE_MAX", good},
	};
	bad[0].options.pages = 0;
	bad[1].options.page_size = 0;
	bad[2].options.page_size = 32;
	bad[3].options.page_size = 65;
	bad[4].options.page_size = 100;
	bad[5].options.page_size = ((size_t)1 << 30) + 64;
	bad[6].options.page_size = SIZE_MAX;
	bad[7].options.reader_slots = 0;
	bad[8].options.reader_slots = 65537;
	bad[9].options.reader_slots = ~0u;
	bad[10].options.pages = SIZE_MAX / 64 + 1;
	pagever *sentinel = (pagever *)&good, *store;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		store = sentinel;
		cr_expect_eq(pagever_open(&bad[i].options, &store), PAGEVER_EINVAL,
		             "%s was not refused", bad[i].what);
		cr_expect_eq(store, sentinel, "%s: *store was set", bad[i].what);
	}
	store = sentinel;
	cr_assert_eq(pagever_open(NULL, &store), PAGEVER_EINVAL);
	cr_assert_eq(store, sentinel);
	cr_assert_eq(pagever_open(&good, NULL), PAGEVER_EINVAL);
	/* The limits themselves are in range. */
	struct pagever_options edge = good;
	edge.reader_slots = 65536;
	edge.page_size = 64;
	edge.pages = 1;
	cr_assert_eq(pagever_open(&edge, &store), PAGEVER_OK);
	pagever_close(store);
	edge.reader_slots = 1;
	cr_assert_eq(pagever_open(&edge, &store), PAGEVER_OK);
	pagever_close(store);
}

Test(libpagever, a_page_number_out_of_range_is_einval_for_readers_and_the_writer)
{
	enum { PAGES = 4 };
	pagever *store = open_store(PAGES, 64, 0);
	pagever_reader reader = {0};
	begin_read_ok(store, &reader);
	const void *page = &reader;
	cr_assert_eq(pagever_read_page(&reader, PAGES, &page), PAGEVER_EINVAL);
	cr_assert_eq(pagever_read_page(&reader, UINT64_MAX, &page), PAGEVER_EINVAL);
	cr_assert_eq(page, (const void *)&reader);
	cr_assert_eq(read_value(&reader, PAGES - 1, 64), 0, "the read broke");
	cr_assert_eq(pagever_end_read(&reader), PAGEVER_OK);

	begin_and_write(store, 0, 64, 4);
	void *refused = &refused;
	cr_assert_eq(pagever_write_page(store, PAGES, &refused), PAGEVER_EINVAL);
	cr_assert_eq(pagever_write_page(store, UINT64_MAX, &refused), PAGEVER_EINVAL);
	cr_assert_eq(refused, (void *)&refused);
	cr_assert_eq(pagever_commit(store, NULL), PAGEVER_OK,
	             "the transaction did not survive a refused write");
	begin_read_ok(store, &reader);
	cr_assert_eq(read_value(&reader, 0, 64), 4);
	pagever_end_read(&reader);
	pagever_close(store);
}

Test(libpagever, null_arguments_are_einval)
{
	pagever *store = open_store(4, 64, 0);
	pagever_reader reader = {0};
	const void *page;
	cr_assert_eq(pagever_begin_read(NULL, &reader), PAGEVER_EINVAL);
	cr_assert_eq(pagever_begin_read(store, NULL), PAGEVER_EINVAL);
	cr_assert_eq(pagever_read_page(NULL, 0, &page), PAGEVER_EINVAL);
	cr_assert_eq(pagever_end_read(NULL), PAGEVER_EINVAL);
	begin_read_ok(store, &reader);
	cr_assert_eq(pagever_read_page(&reader, 0, NULL), PAGEVER_EINVAL);
	cr_assert_eq(pagever_end_read(&reader), PAGEVER_OK);
	cr_assert_eq(pagever_begin_write(NULL), PAGEVER_EINVAL);
	cr_assert_eq(pagever_commit(NULL, NULL), PAGEVER_EINVAL);
	cr_assert_eq(pagever_abort(NULL), PAGEVER_EINVAL);
	void *writable;
	cr_assert_eq(pagever_write_page(NULL, 0, &writable), PAGEVER_EINVAL);
	cr_assert_eq(pagever_begin_write(store), PAGEVER_OK);
	cr_assert_eq(pagever_write_page(store, 0, NULL), PAGEVER_EINVAL);
	cr_assert_eq(pagever_abort(store), PAGEVER_OK);
	pagever_close(NULL);
	pagever_close(store);
}

Test(libpagever, every_code_has_a_message_of_its_own)
{
	const int codes[] = {PAGEVER_OK, PAGEVER_EINVAL, PAGEVER_ESTATE,
	                     PAGEVER_ENOMEM, PAGEVER_EREADERS, PAGEVER_ETHREAD};
	enum { CODES = sizeof codes / sizeof *codes };
	const char *unknown = pagever_strerror(-1000);
	cr_assert_not_null(unknown);
	cr_assert_eq(strncmp(unknown, "pagever: ", 9), 0);
	cr_assert_str_eq(pagever_strerror(1), unknown);
	for (int i = 0; i < CODES; i++) {
		const char *message = pagever_strerror(codes[i]);
		cr_assert_not_null(message, "code %d", codes[i]);
		cr_assert_eq(strncmp(message, "pagever: ", 9), 0,
		             "code %d: \"%s\"", codes[i], message);
		cr_assert_gt(strlen(message), 9);
		cr_assert_str_neq(message, unknown, "code %d has no message",
		                  codes[i]);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(message, pagever_strerror(codes[j]),
			                  "codes %d and %d share a message",
			                  codes[i], codes[j]);
	}
	/* The header's own example. */
	cr_assert_str_eq(pagever_strerror(PAGEVER_EREADERS),
	                 "pagever: every reader slot is in use");
}

/* ---- allocation failure ---- */

/* The process's mapped bytes (VmSize): slabs are mmapped, which the leak
 * checker does not follow. */
static uint64_t mapped_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	cr_assert_not_null(f);
	unsigned long long pages = 0;
	cr_assert_eq(fscanf(f, "%llu", &pages), 1);
	fclose(f);
	return pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

Test(libpagever, open_that_cannot_map_memory_is_enomem_and_leaves_nothing)
{
	/* 1,600 pages of 4 KiB: several mappings, so that the failure lands
	 * on the first, in the middle and on the last.  Few reader slots:
	 * little heap, whose noise (the leak checker's allocator maps its own
	 * memory) must stay well below one mapping. */
	enum { PAGES = 1600, PAGE_SIZE = 4096, MAX_MAPS = 1000 };
	struct pagever_options options;
	pagever_options_init(&options);
	options.pages = PAGES;
	options.page_size = PAGE_SIZE;
	options.reader_slots = 4;
	/* Warm up malloc's arenas and the thread stack cache, so that VmSize
	 * measures only the store. */
	pagever *store = NULL;
	cr_assert_eq(pagever_open(&options, &store), PAGEVER_OK);
	pagever_close(store);
	/* What each failed open left mapped (VmSize after - before). */
	int64_t left[MAX_MAPS];
	long failing = 1;
	for (;; failing++) {
		cr_assert_lt(failing, MAX_MAPS, "open never succeeded");
		pagever *sentinel = (pagever *)&options;
		store = sentinel;
		uint64_t before = mapped_bytes();
		atomic_store(&pagever_fail_map_countdown, failing);
		int status = pagever_open(&options, &store);
		if (status == PAGEVER_OK)
			break;
		left[failing] = (int64_t)(mapped_bytes() - before);
		assert_no_heap_leak("a failed open");
		cr_assert_eq(status, PAGEVER_ENOMEM, "the %ld-th mapping failed: %s",
		             failing, pagever_strerror(status));
		cr_assert_eq(store, sentinel, "a failed open set *store");
		cr_assert_eq(atomic_load(&pagever_fail_map_countdown), 0,
		             "the failure was not injected into open");
	}
	long maps = failing - 1;
	cr_assert_geq(maps, 2, "the store needed too few mappings to test");
	/* Open maps pages x (page_size + 64) bytes (pagever.h) in `maps`
	 * mappings: a mapping left behind is half their mean at least. */
	int64_t mapping = (int64_t)PAGES * (PAGE_SIZE + HEADER_BYTES) / maps;
	for (long k = 1; k <= maps; k++)
		cr_assert_lt(left[k], mapping / 2,
		             "open failing at mapping %ld of %ld left %lld bytes "
		             "mapped", k, maps, (long long)left[k]);
	/* The countdown now reaches the trimmer's refill (or nothing): the
	 * store works. */
	atomic_store(&pagever_fail_map_countdown, 0);
	cr_assert_eq(commit_pages(store, PAGE_SIZE, 0, PAGES, 3), 1);
	pagever_reader reader = {0};
	begin_read_ok(store, &reader);
	for (uint64_t p = 0; p < PAGES; p += 97)
		cr_assert_eq(read_value(&reader, p, PAGE_SIZE), 3);
	pagever_end_read(&reader);
	pagever_close(store);
}

Test(libpagever, write_page_that_cannot_map_memory_is_enomem_and_the_store_recovers)
{
	/* Every transaction writes every page while a new reader keeps what
	 * it replaces, so the pool runs dry; once every mapping fails (from
	 * round INJECT on), the trimmer cannot refill it and the writer's own
	 * map fails. */
	enum { PAGES = 1024, PAGE_SIZE = 4096, INJECT = 3, ROUNDS = 12 };
	pagever *store = open_store(PAGES, PAGE_SIZE, 0);
	pagever_reader readers[ROUNDS + 1] = {{0}};
	begin_read_ok(store, &readers[0]);
	unsigned round = 1;
	uint64_t failed_page = PAGES;
	void *written[PAGES];
	for (; round <= ROUNDS; round++) {
		cr_assert_eq(pagever_begin_write(store), PAGEVER_OK);
		for (uint64_t p = 0; p < PAGES; p++) {
			/* Whoever maps next fails: the trimmer's refill
			 * (harmless), or the writer. */
			if (round >= INJECT)
				atomic_store(&pagever_fail_map_countdown, 1);
			int status = pagever_write_page(store, p, &written[p]);
			if (status == PAGEVER_ENOMEM) {
				failed_page = p;
				break;
			}
			cr_assert_eq(status, PAGEVER_OK, "write_page: %s",
			             pagever_strerror(status));
			page_fill(written[p], PAGE_SIZE, round);
		}
		if (failed_page < PAGES)
			break;
		cr_assert_eq(pagever_commit(store, NULL), PAGEVER_OK);
		begin_read_ok(store, &readers[round]);
	}
	cr_assert_lt(failed_page, PAGES, "no write failed in %d rounds", ROUNDS);
	cr_assert_geq(round, INJECT);
	/* The transaction is open and unchanged: its pages are where they
	 * were, with what was written; the failed page is not in it. */
	cr_assert_eq(pagever_begin_write(store), PAGEVER_ESTATE);
	for (uint64_t p = 0; p < failed_page; p++) {
		void *again;
		cr_assert_eq(pagever_write_page(store, p, &again), PAGEVER_OK);
		cr_assert_eq(again, written[p]);
		cr_assert_eq(page_value(again, PAGE_SIZE), round);
	}
	/* Lift the injection: the retry holds the last commit's contents. */
	atomic_store(&pagever_fail_map_countdown, 0);
	for (uint64_t p = failed_page; p < PAGES; p++) {
		cr_assert_eq(pagever_write_page(store, p, &written[p]), PAGEVER_OK,
		             "write_page %llu failed after the injection",
		             (unsigned long long)p);
		cr_assert_eq(page_value(written[p], PAGE_SIZE), round - 1);
		page_fill(written[p], PAGE_SIZE, round);
	}
	uint64_t commit = 0;
	cr_assert_eq(pagever_commit(store, &commit), PAGEVER_OK);
	cr_assert_eq(commit, round);
	/* Every reader still sees its snapshot; a new one sees the retry. */
	begin_read_ok(store, &readers[round]);
	for (unsigned r = 0; r <= round; r++) {
		cr_assert_eq(pagever_reader_commit(&readers[r]), r);
		for (uint64_t p = 0; p < PAGES; p++)
			cr_assert_eq(read_value(&readers[r], p, PAGE_SIZE), r,
			             "reader %u, page %llu", r, (unsigned long long)p);
	}
	for (unsigned r = 0; r <= round; r++)
		cr_assert_eq(pagever_end_read(&readers[r]), PAGEVER_OK);
	cr_assert_eq(visible_settles_at(store, 0), 0);
	/* And the writer goes on. */
	cr_assert_eq(commit_pages(store, PAGE_SIZE, 0, PAGES, round + 1), round + 1);
	pagever_close(store);
}

/* ---- abort ---- */

Test(libpagever, abort_discards_the_writes)
{
	pagever *store = open_store(8, 64, 0);
	commit_pages(store, 64, 0, 8, 1);
	pagever_reader during = {0};
	cr_assert_eq(pagever_begin_write(store), PAGEVER_OK);
	for (uint64_t p = 2; p < 6; p++) {
		void *page;
		cr_assert_eq(pagever_write_page(store, p, &page), PAGEVER_OK);
		page_fill(page, 64, 99);
	}
	begin_read_ok(store, &during);
	cr_assert_eq(pagever_abort(store), PAGEVER_OK);
	pagever_reader after = {0};
	begin_read_ok(store, &after);
	cr_assert_eq(pagever_reader_commit(&after), 1);
	for (uint64_t p = 0; p < 8; p++) {
		cr_assert_eq(read_value(&during, p, 64), 1);
		cr_assert_eq(read_value(&after, p, 64), 1, "page %llu kept an aborted write",
		             (unsigned long long)p);
	}
	/* The next transaction starts from the committed contents and takes
	 * the next commit number: abort used none. */
	cr_assert_eq(pagever_begin_write(store), PAGEVER_OK);
	void *page;
	cr_assert_eq(pagever_write_page(store, 3, &page), PAGEVER_OK);
	cr_assert_eq(page_value(page, 64), 1);
	page_fill(page, 64, 2);
	uint64_t commit = 0;
	cr_assert_eq(pagever_commit(store, &commit), PAGEVER_OK);
	cr_assert_eq(commit, 2);
	cr_assert_eq(read_value(&after, 3, 64), 1);
	pagever_end_read(&after);
	pagever_end_read(&during);
	pagever_close(store);
}

Test(libpagever, aborts_give_their_versions_back)
{
	/* Each abort takes K versions from the pool.  With every mapping
	 * failing, neither the trimmer's refill nor the writer can add any:
	 * the writer runs on what aborts give back, or fails with
	 * PAGEVER_ENOMEM within a few aborts.  Kept, 2,000 aborts would also
	 * hold 2,000 x K x (page_size + 64) bytes (266 MB). */
	enum { PAGES = 256, PAGE_SIZE = 4096, K = 32, ABORTS = 2000 };
	pagever *store = open_store(PAGES, PAGE_SIZE, 0);
	/* Aborts must not disturb a reader. */
	pagever_reader reader = {0};
	begin_read_ok(store, &reader);
	struct pagever_stats stats;
	pagever_stats(store, &stats);
	uint64_t before = stats.retained_bytes;
	for (int a = 0; a < ABORTS; a++) {
		cr_assert_eq(pagever_begin_write(store), PAGEVER_OK);
		for (uint64_t p = 0; p < K; p++) {
			/* Whoever maps next fails: the trimmer's refill or
			 * the writer (no sleep here, so the trimmer never
			 * finds the countdown spent). */
			atomic_store(&pagever_fail_map_countdown, 1);
			void *page;
			uint64_t n = (a * K + p) % PAGES;
			int status = pagever_write_page(store, n, &page);
			cr_assert_eq(status, PAGEVER_OK,
			             "write_page after %d aborts: %s", a,
			             pagever_strerror(status));
			page_fill(page, PAGE_SIZE, 7);
		}
		cr_assert_eq(pagever_abort(store), PAGEVER_OK);
	}
	atomic_store(&pagever_fail_map_countdown, 0);
	pagever_stats(store, &stats);
	uint64_t leaked = (uint64_t)ABORTS * K * (PAGE_SIZE + HEADER_BYTES);
	cr_assert_lt(stats.retained_bytes - before, leaked / 4,
	             "%d aborts grew retained bytes from %llu to %llu", ABORTS,
	             (unsigned long long)before,
	             (unsigned long long)stats.retained_bytes);
	cr_assert_eq(stats.commits, 0);
	cr_assert_eq(stats.retained_visible_bytes, 0);
	for (uint64_t p = 0; p < PAGES; p++)
		cr_assert_eq(read_value(&reader, p, PAGE_SIZE), 0);
	pagever_end_read(&reader);
	pagever_close(store);
}

/* ---- statistics ---- */

Test(libpagever, visible_bytes_count_the_versions_open_reads_can_see)
{
	enum { PAGE_SIZE = 512 };
	const uint64_t version = PAGE_SIZE + HEADER_BYTES;
	/* Without moves home: a move beside a live reader keeps the away copy
	 * for it too, and when the trimmer makes a move depends on timing
	 * (test_pagever counts those copies). */
	pagever *store = open_store_home(16, PAGE_SIZE, 0, false);
	struct pagever_stats stats;
	pagever_stats(store, &stats);
	cr_assert_eq(stats.commits, 0);
	cr_assert_eq(stats.retained_visible_bytes, 0);
	cr_assert_geq(stats.versions_mapped, 16, "the current pages are versions too");
	uint64_t mapped_at_open = stats.versions_mapped;
	/* No reader: replaced versions are seen by no one. */
	commit_pages(store, PAGE_SIZE, 0, 16, 1);                  /* 1 */
	pagever_stats(store, &stats);
	cr_assert_eq(stats.retained_visible_bytes, 0);
	pagever_reader first = {0}, second = {0};
	begin_read_ok(store, &first);  /* at 1 */
	commit_pages(store, PAGE_SIZE, 0, 8, 2);                   /* 2 */
	/* first sees pages 0-7 of commit 1. */
	pagever_stats(store, &stats);
	cr_assert_eq(stats.retained_visible_bytes, 8 * version);
	begin_read_ok(store, &second); /* at 2 */
	commit_pages(store, PAGE_SIZE, 4, 8, 3);                   /* 3 */
	/* second also sees pages 4-7 of commit 2; both see 8-11 of
	 * commit 1. */
	pagever_stats(store, &stats);
	cr_assert_eq(stats.retained_visible_bytes, (8 + 4 + 4) * version);
	commit_pages(store, PAGE_SIZE, 0, 12, 4);                  /* 4 */
	/* second also sees 0-3 of commit 2; commit 3's are seen by no one. */
	pagever_stats(store, &stats);
	cr_assert_eq(stats.retained_visible_bytes, (8 + 4 + 4 + 4) * version);
	cr_assert_eq(stats.retained_visible_peak_bytes, 20 * version);
	cr_assert_geq(stats.retained_bytes, stats.retained_visible_bytes);
	cr_assert_eq(stats.commits, 4);
	/* Ending first frees what only it sees: pages 0-7 of commit 1. */
	cr_assert_eq(pagever_end_read(&first), PAGEVER_OK);
	cr_assert_eq(visible_settles_at(store, 12 * version), 12 * version);
	cr_assert_eq(read_value(&second, 9, PAGE_SIZE), 1);
	cr_assert_eq(read_value(&second, 2, PAGE_SIZE), 2);
	cr_assert_eq(read_value(&second, 6, PAGE_SIZE), 2);
	cr_assert_eq(read_value(&second, 14, PAGE_SIZE), 1);
	cr_assert_eq(pagever_end_read(&second), PAGEVER_OK);
	cr_assert_eq(visible_settles_at(store, 0), 0);
	pagever_stats(store, &stats);
	cr_assert_eq(stats.retained_visible_peak_bytes, 20 * version);
	cr_assert_geq(stats.retained_peak_bytes, 20 * version);
	cr_assert_geq(stats.versions_mapped, mapped_at_open);
	pagever_close(store);
}

/* ---- close ---- */

Test(libpagever, close_discards_open_reads_and_an_open_transaction)
{
	pagever *store = open_store(64, 256, 0);
	/* History for the reads to keep, then a transaction with more pages
	 * than the first size of its arrays, and two reads, one begun during
	 * it. */
	commit_pages(store, 256, 0, 64, 1);
	pagever_reader before = {0}, during = {0};
	begin_read_ok(store, &before);
	commit_pages(store, 256, 0, 64, 2);
	cr_assert_eq(pagever_begin_write(store), PAGEVER_OK);
	for (uint64_t p = 0; p < 40; p++) {
		void *page;
		cr_assert_eq(pagever_write_page(store, p, &page), PAGEVER_OK);
	}
	begin_read_ok(store, &during);
	pagever_close(store);
	assert_no_heap_leak("close with a read and a transaction open");
}

Test(libpagever, an_idle_store_of_large_pages_keeps_a_small_pool)
{
	/* The trimmer's spare pool has a floor in bytes: with a floor of 256
	 * versions, 4 pages of 1 MiB grew to 168 MB retained in 0.4 s. */
	enum { PAGE = 1 << 20 };
	pagever *store = open_store(4, PAGE, 4);
	usleep(300000);
	struct pagever_stats stats;
	pagever_stats(store, &stats);
	cr_assert_leq(stats.retained_bytes, (uint64_t)32 << 20,
	              "%llu bytes retained by an idle store of 4 MiB",
	              (unsigned long long)stats.retained_bytes);
	pagever_close(store);
}
