#include <criterion/alloc.h>

#include "fixture.h"

static void free_params(struct criterion_test_params *params)
{
	cr_free(params->params);
}

struct criterion_test_params fixture_variants(enum fixture_which which)
{
	/* cr_malloc: the parameters must be visible to the test's worker. */
	struct variant_case *cases = cr_malloc(2 * sb_variant_count * sizeof *cases);
	size_t count = 0;
	for (size_t i = 0; i < sb_variant_count; i++) {
		const struct sb_variant *v = sb_variants[i];
		if (which != FIXTURE_ALL &&
		    v->concurrent_safe != (which == FIXTURE_SAFE))
			continue;
		cases[count++] = (struct variant_case){i, SB_PUBLISH_BLOCK};
		if (v->publish_modes)
			cases[count++] = (struct variant_case){i, SB_PUBLISH_TRY};
	}
	return cr_make_param_array(struct variant_case, cases, count, free_params);
}

struct run_config fixture_run_config(uint64_t pages, size_t page_size,
                                     unsigned readers, double duration_s)
{
	return (struct run_config){
		.pages = pages,
		.page_size = page_size,
		.duration_s = duration_s,
		.warmup_s = 0,
		.readers = readers,
		.scan_pages = pages,
		.scan_work = SCAN_VERIFY,
		.writers = 1,
		.write_pages = 4,
		.write_rate = 2000,
		.hot_pages = pages,
		.hot_pct = 100,
		.seed = 7,
	};
}

void fixture_init_page(void *page_size, uint64_t pageno, void *page)
{
	page_fill(page, *(size_t *)page_size, pageno, 0, 0);
}
