/*
 * The oracle's power: each deliberately broken variant (tests/broken.c) runs
 * a real, threaded workload and the oracle must catch its fault by the
 * check meant for it.  The same machinery without a fault must raise none.
 */
#include <criterion/criterion.h>

#include "broken.h"
#include "fixture.h"

static struct run_result run_broken(const struct sb_variant *variant,
                                    uint64_t scan_pages)
{
	struct run_config config = fixture_run_config(64, 256, 1, 0.4);
	config.scan_pages = scan_pages;
	struct run_result result;
	char err[256] = "";
	int status = run_variant(variant, &config, &result, err, sizeof err);
	cr_assert_eq(status, SB_OK, "%s: run failed: %s", variant->name, err);
	cr_assert_gt(result.commits, 10, "%s: the writer barely ran", variant->name);
	cr_assert_gt(result.reads, 10, "%s: the reader barely ran", variant->name);
	return result;
}

Test(oracle, correct_scheme_raises_no_violation)
{
	struct run_result r = run_broken(&broken_correct, 64);
	for (int k = 0; k < V_KINDS; k++)
		cr_expect_eq(r.violations.count[k], 0, "false alarm: %s",
		             violation_names[k]);
	run_result_free(&r);
}

Test(oracle, catches_torn_page)
{
	struct run_result r = run_broken(&broken_torn, 64);
	cr_assert_gt(r.violations.count[V_TORN], 0);
	run_result_free(&r);
}

Test(oracle, catches_fractured_commit)
{
	struct run_result r = run_broken(&broken_fractured, 64);
	cr_assert_gt(r.violations.count[V_FRACTURED], 0);
	cr_expect_eq(r.violations.count[V_STALE], 0);
	run_result_free(&r);
}

Test(oracle, catches_fractured_commit_in_a_partial_scan)
{
	/* Half the pages per read: a fracture is still seen when both pages
	 * of the commit fall in the range. */
	struct run_result r = run_broken(&broken_fractured, 32);
	cr_assert_gt(r.violations.count[V_FRACTURED], 0);
	run_result_free(&r);
}

Test(oracle, catches_inconsistent_snapshot)
{
	/* Every page is consistent with commit c-1 and the read sees all of
	 * each commit: only the per-page check against S can catch it. */
	struct run_result r = run_broken(&broken_inconsistent, 64);
	cr_assert_gt(r.violations.count[V_INCONSISTENT], 0);
	cr_expect_eq(r.violations.count[V_FRACTURED], 0);
	cr_expect_eq(r.violations.count[V_STALE], 0);
	cr_expect_eq(r.violations.count[V_TORN], 0);
	run_result_free(&r);
}

Test(oracle, catches_stale_snapshot)
{
	/* Each snapshot is a true, consistent image of commit c-1: only the
	 * staleness check can catch it. */
	struct run_result r = run_broken(&broken_stale, 64);
	cr_assert_gt(r.violations.count[V_STALE], 0);
	cr_expect_eq(r.violations.count[V_INCONSISTENT], 0);
	cr_expect_eq(r.violations.count[V_FRACTURED], 0);
	cr_expect_eq(r.violations.count[V_TORN], 0);
	run_result_free(&r);
}

Test(oracle, catches_lost_write)
{
	struct run_result r = run_broken(&broken_lost_write, 64);
	cr_assert_gt(r.violations.count[V_LOST_WRITE], 0);
	cr_assert_gt(r.violations.count[V_BALANCE], 0);
	run_result_free(&r);
}

Test(oracle, catches_lost_write_with_touch_scans)
{
	/* Without per-page verification the final check still catches it. */
	struct run_config config = fixture_run_config(64, 256, 0, 0.2);
	struct run_result r;
	char err[256] = "";
	cr_assert_eq(run_variant(&broken_lost_write, &config, &r, err, sizeof err),
	             SB_OK, "%s", err);
	cr_assert_gt(r.violations.count[V_LOST_WRITE], 0);
	run_result_free(&r);
}
