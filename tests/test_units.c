/* Unit tests of the harness's pieces: histograms and page contents. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "hgrm.h"
#include "hist.h"
#include "page.h"
#include "workload.h"

/* Each value lands in a bucket whose whole span is within 1/2^b of it. */
static void check_bucket_bounds(unsigned sub_bits)
{
	struct hist h;
	cr_assert_eq(hist_init(&h, sub_bits), SB_OK);
	cr_assert_eq(h.bucket_count, hist_bucket_count(sub_bits));
	struct writer_rng rng = {42};
	for (int i = 0; i < 200000; i++) {
		uint64_t v = rng_next(&rng) >> (rng_next(&rng) % 64);
		unsigned index = hist_index(&h, v);
		cr_assert_lt(index, h.bucket_count);
		uint64_t low = hist_bucket_low(&h, index);
		uint64_t high = hist_bucket_high(&h, index);
		cr_assert(low <= v && v <= high, "%llu not in [%llu, %llu]",
		          (unsigned long long)v, (unsigned long long)low,
		          (unsigned long long)high);
		cr_assert_leq((double)(high - low),
		              (double)v / (double)(1u << sub_bits) + 0.5);
	}
	/* The largest value has the last bucket. */
	cr_assert_eq(hist_index(&h, UINT64_MAX), h.bucket_count - 1);
	hist_destroy(&h);
}

Test(hist, every_bucket_bound_is_within_one_percent)
{
	check_bucket_bounds(HIST_FINE_BITS);
}

Test(hist, coarse_buckets_are_within_an_eighth)
{
	/* The timeline's per-slot histograms: the same code, 8 sub-buckets. */
	check_bucket_bounds(HIST_COARSE_BITS);
}

Test(hist, quantiles_of_a_known_distribution)
{
	struct hist h, coarse;
	cr_assert_eq(hist_init(&h, HIST_FINE_BITS), SB_OK);
	cr_assert_eq(hist_init(&coarse, HIST_COARSE_BITS), SB_OK);
	for (uint64_t v = 1; v <= 100000; v++) {
		hist_record(&h, v * 1000);   /* 1 us .. 100 ms */
		hist_record(&coarse, v * 1000);
	}
	cr_assert_eq(h.count, 100000);
	cr_assert_eq(h.max, 100000000);
	double p50 = (double)hist_quantile(&h, 0.5);
	double p99 = (double)hist_quantile(&h, 0.99);
	double p999 = (double)hist_quantile(&h, 0.999);
	cr_assert(p50 > 50e6 * 0.99 && p50 < 50e6 * 1.01, "p50 %f", p50);
	cr_assert(p99 > 99e6 * 0.99 && p99 < 99e6 * 1.01, "p99 %f", p99);
	cr_assert(p999 > 99.9e6 * 0.99 && p999 < 99.9e6 * 1.01, "p999 %f", p999);
	cr_assert_eq(hist_quantile(&h, 1.0), 100000000);
	double coarse_p99 = (double)hist_quantile(&coarse, 0.99);
	cr_assert(coarse_p99 > 99e6 * 0.875 && coarse_p99 < 99e6 * 1.125,
	          "coarse p99 %f", coarse_p99);
	hist_destroy(&h);
	hist_destroy(&coarse);
}

Test(hist, merge_adds_counts_and_keeps_extremes)
{
	struct hist a, b;
	cr_assert_eq(hist_init(&a, HIST_FINE_BITS), SB_OK);
	cr_assert_eq(hist_init(&b, HIST_FINE_BITS), SB_OK);
	hist_record(&a, 5);
	hist_record(&b, 7000000000ull);
	hist_record(&b, 3);
	hist_merge(&a, &b);
	cr_assert_eq(a.count, 3);
	cr_assert_eq(a.min, 3);
	cr_assert_eq(a.max, 7000000000ull);
	cr_assert_eq(hist_quantile(&a, 0.5), 5);
	hist_reset(&a);
	cr_assert_eq(a.count, 0);
	cr_assert_eq(hist_quantile(&a, 0.5), 0);
	hist_destroy(&a);
	hist_destroy(&b);
}

Test(hist, a_percentile_needs_ten_samples_beyond_it)
{
	/* n * (1 - q) >= 10, exactly at the boundary too (binary fractions
	 * of 0.999 must not round 10000 samples below it). */
	cr_assert(!hist_percentile_supported(1000, 99.9));
	cr_assert(hist_percentile_supported(1000, 99));
	cr_assert(!hist_percentile_supported(999, 99));
	cr_assert(hist_percentile_supported(10000, 99.9));
	cr_assert(!hist_percentile_supported(9999, 99.9));
	cr_assert(hist_percentile_supported(100000, 99.99));
	cr_assert(hist_percentile_supported(100, 90));
	cr_assert(!hist_percentile_supported(99, 90));
	cr_assert(hist_percentile_supported(20, 50));
	cr_assert(!hist_percentile_supported(19, 50));
	cr_assert(!hist_percentile_supported(0, 50));
}

/* HdrHistogram's percentile distribution of 1..100 (each value counted
 * exactly): the rows at known levels, the last row, the footer. */
Test(hgrm, percentile_distribution_of_one_to_a_hundred)
{
	struct hist h;
	cr_assert_eq(hist_init(&h, HIST_FINE_BITS), SB_OK);
	for (uint64_t v = 1; v <= 100; v++)
		hist_record(&h, v);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	hgrm_print(out, &h, 5, 1.0);
	fclose(out);
	const char *expected_start =
		"       Value   Percentile   TotalCount 1/(1-Percentile)\n"
		"\n"
		"        1.00     0.000000            1         1.00\n"
		"       10.00     0.100000           10         1.11\n"
		"       20.00     0.200000           20         1.25\n"
		"       30.00     0.300000           30         1.43\n"
		"       40.00     0.400000           40         1.67\n"
		"       50.00     0.500000           50         2.00\n"
		"       55.00     0.550000           55         2.22\n"
		"       60.00     0.600000           60         2.50\n"
		"       65.00     0.650000           65         2.86\n"
		"       70.00     0.700000           70         3.33\n"
		"       75.00     0.750000           75         4.00\n"
		"       78.00     0.775000           78         4.44\n";
	cr_assert(strncmp(text, expected_start, strlen(expected_start)) == 0,
	          "%s", text);
	const char *expected_end =
		"      100.00     1.000000          100          inf\n"
		"#[Mean    =       50.500, StdDeviation   =       28.866]\n"
		"#[Max     =      100.000, Total count    =          100]\n"
		"#[Buckets =           57, SubBuckets     =          256]\n";
	cr_assert(len > strlen(expected_end) &&
	          strcmp(text + len - strlen(expected_end), expected_end) == 0,
	          "%s", text);
	/* The bucket that completes the count gives one row before the last:
	 * 100 appears on exactly two rows. */
	int rows_of_100 = 0;
	for (char *at = text; (at = strstr(at, "      100.00 ")); at++)
		rows_of_100++;
	cr_assert_eq(rows_of_100, 2, "%s", text);
	free(text);
	hist_destroy(&h);
}

Test(page, fill_is_deterministic_and_checksummed)
{
	char a[4096], b[4096];
	page_fill(a, sizeof a, 17, 3, -25);
	page_fill(b, sizeof b, 17, 3, -25);
	cr_assert(memcmp(a, b, sizeof a) == 0);
	const struct page_header *h = page_header(a);
	cr_assert_eq(h->stamp, 3);
	cr_assert_eq(h->balance, -25);
	cr_assert_eq(h->pageno, 17);
	cr_assert_eq(h->checksum, page_checksum(a, sizeof a));
}

Test(page, checksum_catches_a_page_mixing_two_versions)
{
	/* Every split point of two versions of one page at 8-byte granularity
	 * (as a torn copy would make) changes the checksum. */
	char older[512], newer[512], torn[512];
	page_fill(older, sizeof older, 9, 1, 10);
	page_fill(newer, sizeof newer, 9, 2, 10);
	for (size_t cut = 8; cut < sizeof torn; cut += 8) {
		memcpy(torn, newer, cut);
		memcpy(torn + cut, older + cut, sizeof torn - cut);
		cr_assert_neq(page_header(torn)->checksum,
		              page_checksum(torn, sizeof torn), "cut at %zu", cut);
	}
}

Test(page, sum_words_adds_every_word)
{
	uint64_t words[16];
	for (int i = 0; i < 16; i++)
		words[i] = (uint64_t)i + 1;
	cr_assert_eq(page_sum_words(words, sizeof words), 136);
}
