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
 * readers and writers at once, of those that are not, or of all. */
enum fixture_which { FIXTURE_ALL, FIXTURE_SAFE, FIXTURE_UNSAFE };
struct criterion_test_params fixture_variants(enum fixture_which which);

/* A small run: 1 writer, `readers` readers, verify, no warm-up. */
struct run_config fixture_run_config(uint64_t pages, size_t page_size,
                                     unsigned readers, double duration_s);

/* Fills page n of a test database as commit 0 would: an sb_config
 * init_page whose context is a pointer to the page size. */
void fixture_init_page(void *page_size, uint64_t pageno, void *page);

#endif
