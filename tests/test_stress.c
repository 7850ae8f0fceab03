/*
 * Concurrent stress: every variant safe with readers and writers at once
 * runs one writer against two verifying readers for about two seconds, and
 * the oracle must find nothing.  Variants that are not (the `none`
 * baseline) run the workloads they accept: readers alone, one writer alone.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "fixture.h"

static void expect_clean_run(const struct sb_variant *v,
                             struct run_config config)
{
	struct run_result r;
	char err[256] = "";
	int status = run_variant(v, &config, &r, err, sizeof err);
	cr_assert_eq(status, SB_OK, "%s: %s", v->name, err);
	for (int k = 0; k < V_KINDS; k++)
		cr_expect_eq(r.violations.count[k], 0, "%s: %llu violations (%s)",
		             v->name, (unsigned long long)r.violations.count[k],
		             violation_names[k]);
	if (config.writers)
		cr_assert_gt(r.commits, 100, "%s: the writer barely ran", v->name);
	if (config.readers)
		cr_assert_gt(r.reads, 2, "%s: the readers barely ran", v->name);
	run_result_free(&r);
}

ParameterizedTestParameters(stress, one_writer_two_readers_no_violations)
{
	return fixture_variants(FIXTURE_SAFE);
}
ParameterizedTest(size_t *index, stress, one_writer_two_readers_no_violations)
{
	const struct sb_variant *v = sb_variants[*index];
	/* Full scans (balance check) with a hot set, so that pages are
	 * rewritten while the readers hold their snapshots. */
	struct run_config config = fixture_run_config(512, 256, 2, 1.0);
	config.hot_pages = 64;
	config.write_rate = 20000;
	expect_clean_run(v, config);
	/* Partial scans with a pause in the middle of each read. */
	config = fixture_run_config(512, 256, 2, 1.0);
	config.scan_pages = 100;
	config.read_pause_ms = 5;
	config.write_rate = 5000;
	expect_clean_run(v, config);
}

ParameterizedTestParameters(stress, unsafe_variants_run_readers_or_a_writer)
{
	return fixture_variants(FIXTURE_UNSAFE);
}
ParameterizedTest(size_t *index, stress, unsafe_variants_run_readers_or_a_writer)
{
	const struct sb_variant *v = sb_variants[*index];
	struct run_config readers_only = fixture_run_config(512, 256, 2, 0.3);
	readers_only.writers = 0;
	expect_clean_run(v, readers_only);
	struct run_config writer_only = fixture_run_config(512, 256, 0, 0.3);
	writer_only.write_rate = 0;
	expect_clean_run(v, writer_only);
}
