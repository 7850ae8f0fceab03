/*
 * snapbench — runs each chosen variant in turn, each in a process of its
 * own, under the same workload and seed, checks every snapshot with the
 * oracle, and compares them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../variants/clock.h"
#include "cli.h"
#include "report.h"
#include "selection.h"
#include "session.h"
#include "version.h"

/* The copy model's bandwidth (the stall of a scheme that copies the
 * database, as fullcopy does under its lock): memcpy of the array into a
 * buffer of the same size already faulted in (fullcopy faults its buffer
 * in before it takes the lock), best of three. */
static double calibrate_copy_gbps(const uint64_t *array, size_t bytes)
{
	char *copy = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (copy == MAP_FAILED)
		return -1;
	memset(copy, 1, bytes);
	double best = 0;
	for (int pass = 0; pass < 3; pass++) {
		uint64_t start = sb_now_ns();
		memcpy(copy, array, bytes);
		uint64_t elapsed = sb_now_ns() - start;
		/* The copy is read back below, so it cannot be left out. */
		double gbps = (double)bytes / (double)(elapsed ? elapsed : 1);
		if (gbps > best)
			best = gbps;
	}
	volatile char sink = copy[bytes - 1];
	(void)sink;
	munmap(copy, bytes);
	return best;
}

/* The reference for --scan-work sum: a plain loop summing the words of an
 * array as large as the database, best of three passes; then the copy
 * model's bandwidth. */
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
	double copy_gbps = calibrate_copy_gbps(array, bytes);
	munmap(array, bytes);
	if (copy_gbps < 0) {
		fprintf(stderr, "snapbench: --calibrate: cannot allocate %zu bytes "
		        "to copy into\n", bytes);
		return SB_ERESOURCE;
	}
	printf("calibrate: memcpy of %zu bytes into a buffer faulted in: %.3f "
	       "GB/s (best of 3)\n", bytes, copy_gbps);
	return 0;
}

/* Refuses, before any run, output a run could not write: a CSV with
 * other columns, an --hgrm path that is not a directory. */
static int check_outputs(const struct cli *cli, const struct column_set *columns)
{
	char err[512];
	int status = SB_OK;
	if (cli->csv_path &&
	    (status = report_csv_check(cli->csv_path, columns, err,
	                               sizeof err)) != SB_OK) {
		fprintf(stderr, "snapbench: --csv: %s\n", err);
		return status;
	}
	if (cli->hgrm_dir)
		status = session_prepare_hgrm_dir(cli->hgrm_dir);
	return status;
}

static int run_chosen(const struct cli *cli, const struct column_set *columns)
{
	const struct sb_variant *chosen[MAX_VARIANTS];
	unsigned count;
	int status = select_variants(cli->variant_list, &cli->run, cli->quiet,
	                             chosen, &count);
	if (status == SB_OK)
		status = check_outputs(cli, columns);
	if (status == SB_OK)
		status = session_run(cli, columns, chosen, count);
	return status;
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
		list_variants(stdout);
		return 0;
	}
	if (cli.calibrate)
		return calibrate(&cli.run);
	struct column_set columns;
	status = columns_build(&columns, cli.percentiles, cli.percentile_count);
	if (status != SB_OK) {
		if (status == SB_ERESOURCE)
			fprintf(stderr, "snapbench: out of memory\n");
		return status;
	}
	if (cli.columns)
		columns_print_table(&columns, stdout);
	else
		status = run_chosen(&cli, &columns);
	columns_free(&columns);
	return status;
}
