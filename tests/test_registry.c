/*
 * The registry: what a test build registers (tests/extra_variants.h) comes
 * through the real CLI (snapbench_with_test_variants is harness/main.c
 * linked with the test build's registry) like any variant of variants/: it
 * is listed, it runs, and a deliberately broken one makes the CLI exit 1;
 * the real snapbench knows none of them.  Also the registry's order and
 * the properties each variant declares.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "broken.h"
#include "fixture.h"

struct cli_run {
	int status;
	char output[16384];      /* stdout and stderr together */
};

/* Runs `bin ARGS` through the shell, with both streams captured. */
static struct cli_run run_cli(const char *bin, const char *args)
{
	char path[] = "/tmp/snapbench-registry-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	char command[1024];
	snprintf(command, sizeof command, "'%s' %s >'%s' 2>&1", bin, args, path);
	int wait_status = system(command);
	cr_assert(WIFEXITED(wait_status), "%s did not exit", command);
	struct cli_run run = {.status = WEXITSTATUS(wait_status)};
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	size_t n = fread(run.output, 1, sizeof run.output - 1, f);
	run.output[n] = '\0';
	fclose(f);
	unlink(path);
	return run;
}

/* Whether `list` (--list's output) has a line naming `name`. */
static bool lists(const char *list, const char *name)
{
	size_t len = strlen(name);
	for (const char *line = list; line && *line;) {
		if (strncmp(line, name, len) == 0 && line[len] == ' ')
			return true;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return false;
}

Test(registry, a_test_build_lists_its_test_variants_and_the_real_one_does_not)
{
	struct cli_run test_build = run_cli(SNAPBENCH_TEST_BIN, "--list");
	struct cli_run real = run_cli(SNAPBENCH_BIN, "--list");
	cr_assert_eq(test_build.status, 0, "%s", test_build.output);
	cr_assert_eq(real.status, 0, "%s", real.output);
	for (size_t i = 0; i < sb_variant_count; i++) {
		const struct sb_variant *v = sb_variants[i];
		bool test_only = strncmp(v->name, "broken_", 7) == 0;
		cr_assert(lists(test_build.output, v->name), "the test build does "
		          "not list %s", v->name);
		cr_assert_eq(lists(real.output, v->name), !test_only,
		             "the real binary %s %s", test_only ? "lists" :
		             "does not list", v->name);
	}
	cr_assert(lists(test_build.output, "broken_correct"));
	cr_assert(lists(test_build.output, "broken_torn"));
}

#define SMALL_RUN "-p 64 -s 256 -d 0.3 --warmup 0 -r 1 --write-rate 2000 -q"

Test(registry, the_cli_exits_1_when_a_broken_variant_runs)
{
	struct cli_run run = run_cli(SNAPBENCH_TEST_BIN, "-v broken_torn " SMALL_RUN);
	cr_assert_eq(run.status, 1, "exit %d: %s", run.status, run.output);
	cr_assert(strstr(run.output, "torn page") != NULL, "%s", run.output);
}

Test(registry, the_cli_exits_0_for_a_test_variant_without_a_fault)
{
	struct cli_run run = run_cli(SNAPBENCH_TEST_BIN,
	                             "-v broken_correct " SMALL_RUN);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.output);
}

Test(registry, floor_passes_the_oracle_through_the_cli)
{
	struct cli_run run = run_cli(SNAPBENCH_BIN, "-v floor " SMALL_RUN
	                             " -r 2");
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.output);
	run = run_cli(SNAPBENCH_BIN, "-v all " SMALL_RUN);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.output);
}

Test(registry, real_variants_come_in_the_registry_order_then_test_ones)
{
	const char *const order[] = {
		"none", "floor", "rwlock", "pagever", "rustdb", "rcucow",
		"epochcow", "seqlock", "leftright", "fullcopy", "forkcow", "lmdb",
		"sqlite", "broken_correct", "broken_torn",
	};
	const size_t count = sizeof order / sizeof order[0];
	cr_assert_eq(sb_variant_count, count);
	for (size_t i = 0; i < count; i++)
		cr_assert_str_eq(sb_variants[i]->name, order[i], "place %zu", i);
}

Test(registry, properties_are_the_ones_each_variant_is_meant_to_have)
{
	struct expected {
		const char *name;
		bool strict, concurrent, control, engine, frozen;
	} const table[] = {
		{"none", true, false, true, false, false},
		{"floor", false, true, true, false, true},
		{"rwlock", true, true, false, false, false},
		{"pagever", true, true, false, false, false},
		{"rustdb", true, true, false, false, false},
		{"rcucow", true, true, false, false, false},
		{"epochcow", true, true, false, false, false},
		{"seqlock", true, true, false, false, false},
		{"leftright", true, true, false, false, false},
		{"fullcopy", true, true, false, false, false},
		{"forkcow", true, true, false, false, false},
		{"lmdb", true, true, false, true, false},
		{"sqlite", true, true, false, true, false},
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		const struct sb_variant *v = sb_variant_find(table[i].name);
		cr_assert_not_null(v, "%s", table[i].name);
		cr_assert_eq(v->strict, table[i].strict, "%s", v->name);
		cr_assert_eq(v->concurrent_safe, table[i].concurrent, "%s", v->name);
		cr_assert_eq(v->control, table[i].control, "%s", v->name);
		cr_assert_eq(v->engine, table[i].engine, "%s", v->name);
		cr_assert_eq(v->frozen, table[i].frozen, "%s", v->name);
	}
	/* Only leftright honours --lr-publish. */
	for (size_t i = 0; i < sb_variant_count; i++)
		cr_assert_eq(sb_variants[i]->publish_modes,
		             strcmp(sb_variants[i]->name, "leftright") == 0, "%s",
		             sb_variants[i]->name);
	cr_assert(broken_has_fault(&broken_torn));
	cr_assert(!broken_has_fault(&broken_correct));
}
