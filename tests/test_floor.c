/*
 * floor, the machine's floor (variants/floor.c), under the harness: its
 * readers scan a frozen copy of commit 0 beside a writer and the oracle
 * finds nothing, while the final check still verifies every write (through
 * begin_final_read: without it the final read would see commit 0, and the
 * oracle would report the writes as lost).
 */
#include <criterion/criterion.h>

#include "fixture.h"

extern const struct sb_variant sb_variant_floor;

static struct run_result run_floor(const struct sb_variant *v)
{
	struct run_config config = fixture_run_config(256, 256, 2, 0.5);
	struct run_result r;
	char err[256] = "";
	cr_assert_eq(run_variant(v, &config, &r, err, sizeof err), SB_OK, "%s",
	             err);
	return r;
}

Test(floor, passes_the_oracle_beside_a_writer)
{
	struct run_result r = run_floor(&sb_variant_floor);
	cr_assert_gt(r.commits, 100, "the writer barely ran");
	cr_assert_gt(r.reads, 2, "the readers barely ran");
	for (int k = 0; k < V_KINDS; k++)
		cr_assert_eq(r.violations.count[k], 0, "%s: %s",
		             violation_names[k], r.violations.first[k]);
	/* Frozen: the last read began after hundreds of commits. */
	cr_assert_gt(r.stale_max_commits, 100);
	cr_assert_gt(r.retained_peak_bytes, 0, "the readers' copy is retained");
	run_result_free(&r);
}

Test(floor, the_final_check_reads_the_writers_state)
{
	/* The same variant without its final read: the oracle's final check
	 * then reads commit 0 and must report every written page lost. */
	struct sb_variant without = sb_variant_floor;
	without.begin_final_read = NULL;
	struct run_result r = run_floor(&without);
	cr_assert_gt(r.violations.count[V_LOST_WRITE], 0);
	run_result_free(&r);
}
