/*
 * snapbench — runs each chosen variant in turn under the same workload and
 * seed, checks every snapshot with the oracle, and compares them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../variants/clock.h"
#include "cli.h"
#include "page.h"
#include "report.h"
#include "version.h"

/* True when the variant can run this workload: one that is not safe with
 * concurrent threads runs readers alone, or at most one writer alone. */
static bool variant_fits(const struct sb_variant *v, const struct run_config *c)
{
	return v->concurrent_safe ||
	       ((c->readers == 0 || c->writers == 0) && c->writers <= 1);
}

static void list_variants(void)
{
	for (size_t i = 0; i < sb_variant_count; i++) {
		const struct sb_variant *v = sb_variants[i];
		printf("%-10s %-22s %s\n", v->name,
		       !v->strict ? "eventual"
		       : v->publish_modes ? "strict (try: eventual)" : "strict",
		       v->summary);
	}
}

/* The reference for --scan-work sum: a plain loop summing the words of an
 * array as large as the database, best of three passes. */
static int calibrate(const struct run_config *c)
{
	size_t bytes = (size_t)c->pages * c->page_size;
	uint64_t *array = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (array == MAP_FAILED) {
		fprintf(stderr, "snapbench: --calibrate: cannot allocate %zu bytes\n",
		        bytes);
		return SB_ERESOURCE;
	}
	size_t words = bytes / 8;
	for (size_t i = 0; i < words; i++)
		array[i] = i * 0x9e3779b97f4a7c15ull;
	double best = 0;
	uint64_t sink = 0;
	for (int pass = 0; pass < 3; pass++) {
		uint64_t start = sb_now_ns();
		uint64_t sum = 0;
		for (size_t i = 0; i < words; i++)
			sum += array[i];
		uint64_t elapsed = sb_now_ns() - start;
		sink += sum;
		double gbps = (double)bytes / (double)elapsed;
		if (gbps > best)
			best = gbps;
	}
	printf("calibrate: plain loop summing %zu bytes: %.3f GB/s (best of 3; "
	       "checksum %llx)\n", bytes, best, (unsigned long long)sink);
	munmap(array, bytes);
	return 0;
}

int main(int argc, char **argv)
{
	struct cli cli;
	int status = cli_parse(argc, argv, &cli);
	if (status)
		return status;
	if (cli.help) {
		cli_usage(stdout);
		return 0;
	}
	if (cli.version) {
		printf("snapbench %s (%s)\n", SNAPBENCH_VERSION, SNAPBENCH_GIT_COMMIT);
		return 0;
	}
	if (cli.list) {
		list_variants();
		return 0;
	}
	if (cli.calibrate)
		return calibrate(&cli.run);

	/* Refuse a named variant that cannot run the workload before any run. */
	const struct sb_variant *chosen[CLI_MAX_VARIANTS];
	unsigned count = 0;
	for (unsigned i = 0; i < cli.variant_count; i++) {
		const struct sb_variant *v = cli.variants[i];
		if (variant_fits(v, &cli.run)) {
			chosen[count++] = v;
		} else if (!cli.from_all[i]) {
			fprintf(stderr, "snapbench: --variant: '%s' is not safe with "
			        "concurrent threads: run it with --writers 0, or with "
			        "--readers 0 and at most one writer\n", v->name);
			return SB_EUSAGE;
		} else if (!cli.quiet) {
			fprintf(stderr, "snapbench: skipping '%s': it cannot run "
			        "readers and writers at once\n", v->name);
		}
	}
	if (count == 0) {
		fprintf(stderr, "snapbench: --variant: no chosen variant can run "
		        "this workload\n");
		return SB_EUSAGE;
	}

	struct run_result *results = calloc(count, sizeof *results);
	if (!results) {
		fprintf(stderr, "snapbench: out of memory\n");
		return SB_ERESOURCE;
	}
	char err[512];
	bool violated = false;
	unsigned done = 0;
	for (unsigned i = 0; i < count; i++) {
		struct run_meta meta;
		err[0] = '\0';
		status = run_variant(chosen[i], &cli.run, &results[i], err, sizeof err);
		if (status != SB_OK) {
			fprintf(stderr, "snapbench: %s: %s\n", chosen[i]->name, err);
			break;
		}
		done++;
		if (violations_total(&results[i].violations))
			violated = true;
		run_meta_collect(&meta);
		if (cli.csv_path &&
		    (status = report_csv_append(cli.csv_path, &cli.run, &results[i],
		                                &meta, err, sizeof err)) != SB_OK) {
			fprintf(stderr, "snapbench: --csv: %s\n", err);
			break;
		}
	}
	if (!cli.quiet && done > 0)
		report_table(stdout, results, done);
	if (status == SB_OK && done > 0) {
		struct run_meta meta;
		run_meta_collect(&meta);
		if (cli.json_path &&
		    (status = report_json(cli.json_path, &cli.run, results, done,
		                          &meta, err, sizeof err)) != SB_OK)
			fprintf(stderr, "snapbench: --json: %s\n", err);
		if (status == SB_OK && cli.timeline_path &&
		    (status = report_timeline(cli.timeline_path, results, done, err,
		                              sizeof err)) != SB_OK)
			fprintf(stderr, "snapbench: --timeline: %s\n", err);
	}
	for (unsigned i = 0; i < done; i++)
		run_result_free(&results[i]);
	free(results);
	if (status != SB_OK)
		return status;
	return violated ? 1 : 0;
}
