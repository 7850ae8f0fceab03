/* fixture.h — small helpers the tests share. */
#ifndef SNAPBENCH_TEST_FIXTURE_H
#define SNAPBENCH_TEST_FIXTURE_H

#include "page.h"
#include "workload.h"

#include <criterion/parameterized.h>

/* One variant in one publish mode: a variant that honours --lr-publish is
 * tested in each. */
struct variant_case {
	size_t index;            /* in sb_variants */
	enum sb_publish publish;
};

/* Criterion parameters: the cases of the variants that are safe with
 * readers and writers at once, of those that are not, of the frozen ones
 * (whose readers see commit 0 for ever), or of all. */
enum fixture_which { FIXTURE_ALL, FIXTURE_SAFE, FIXTURE_UNSAFE, FIXTURE_FROZEN };
struct criterion_test_params fixture_variants(enum fixture_which which);

/* A small run: 1 writer, `readers` readers, verify, no warm-up. */
struct run_config fixture_run_config(uint64_t pages, size_t page_size,
                                     unsigned readers, double duration_s);

/* Fills page n of a test database as commit 0 would: an sb_config
 * init_page whose context is a pointer to the page size. */
void fixture_init_page(void *page_size, uint64_t pageno, void *page);

/* Opens `pages` pages of *page_size bytes (the pointer is the initial
 * pages' context, so it must outlive the database) and enters the calling
 * thread; asserts that both work. */
sb_db *fixture_open(const struct sb_variant *v, uint64_t pages,
                    size_t *page_size, unsigned readers, unsigned writers,
                    enum sb_publish publish);
/* fixture_open with --pv-home as given (fixture_open: on). */
sb_db *fixture_open_home(const struct sb_variant *v, uint64_t pages,
                         size_t *page_size, unsigned readers,
                         unsigned writers, enum sb_publish publish,
                         bool move_home);
/* Exits the calling thread and closes the database. */
void fixture_close(const struct sb_variant *v, sb_db *db);
/* One transaction writing `count` pages, each stamped `stamp`; asserts that
 * begin_write and write_page work and returns what commit returned. */
int fixture_commit(const struct sb_variant *v, sb_db *db, size_t page_size,
                   uint64_t stamp, const uint64_t *pages, unsigned count);
/* fixture_commit, asserting that the commit succeeded. */
void fixture_commit_ok(const struct sb_variant *v, sb_db *db, size_t page_size,
                       uint64_t stamp, const uint64_t *pages, unsigned count);
/* One transaction writing page `pageno` stamped `stamp`; asserts that it
 * succeeds. */
void fixture_commit_page(const struct sb_variant *v, sb_db *db,
                         size_t page_size, uint64_t stamp, uint64_t pageno);
/* fixture_commit_page on a thread of its own (which enters and exits the
 * database): true when the commit returned within `ms` milliseconds, false
 * when it is still held out (a lock left behind); that thread is then left
 * waiting, for the test to fail. */
bool fixture_commits_within(const struct sb_variant *v, sb_db *db,
                            size_t page_size, uint64_t stamp, uint64_t pageno,
                            unsigned ms);
/* The stamp of page n through snap, after asserting that it is whole. */
uint64_t fixture_stamp(const struct sb_variant *v, sb_snap *snap,
                       size_t page_size, uint64_t n);
/* The variant's statistics now, after asserting that it has a stats call. */
struct sb_stats fixture_stats(const struct sb_variant *v, sb_db *db);

#endif
