/*
 * One invocation's runs, in process (session_run with variants defined
 * here and in broken.c): each variant runs in a process of its own, so a
 * variant that dies or fails is that variant's resource error, the others
 * still run and their rows are written, and a violation (exit 1) wins over
 * a resource error (exit 3).
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broken.h"
#include "cli_run.h"
#include "session.h"

/* A variant whose process is killed as it opens. */
static int killed_open(const struct sb_config *config, sb_db **db, char *err,
                       size_t errlen)
{
	(void)config, (void)db, (void)err, (void)errlen;
	raise(SIGKILL);
	return SB_ERESOURCE;
}

/* A variant that cannot get its memory. */
static int starved_open(const struct sb_config *config, sb_db **db, char *err,
                        size_t errlen)
{
	(void)config, (void)db;
	snprintf(err, errlen, "test: cannot allocate its pages");
	return SB_ERESOURCE;
}

static const struct sb_variant killed = {
	.name = "test_killed", .summary = "dies as it opens",
	.strict = true, .concurrent_safe = true, .open = killed_open,
};

static const struct sb_variant starved = {
	.name = "test_starved", .summary = "out of memory as it opens",
	.strict = true, .concurrent_safe = true, .open = starved_open,
};

struct session_outcome {
	int status;
	struct csv csv;
};

static struct session_outcome run_session(const struct sb_variant *const *variants,
                                          unsigned count)
{
	char *path = temp_path("session");
	char *argv[] = {"snapbench", "-p", "64", "-s", "256", "-d", "0.3",
	                "--warmup", "0", "-o", path, "-q", NULL};
	struct cli cli;
	cr_assert_eq(cli_parse(12, argv, &cli), 0);
	struct column_set columns;
	cr_assert_eq(columns_build(&columns, cli.percentiles,
	                           cli.percentile_count), SB_OK);
	struct session_outcome o;
	o.status = session_run(&cli, &columns, variants, count);
	fflush(stderr);
	csv_read(path, &o.csv);
	columns_free(&columns);
	unlink(path);
	free(path);
	return o;
}

static void read_stderr(char *buf, size_t size)
{
	FILE *err = cr_get_redirected_stderr();
	size_t n = fread(buf, 1, size - 1, err);
	buf[n] = '\0';
}

Test(session, a_violation_wins_over_a_dead_variant, .init = cr_redirect_stderr)
{
	const struct sb_variant *const variants[] = {
		&killed, &broken_lost_write, &starved, &broken_correct,
	};
	struct session_outcome o = run_session(variants, 4);
	cr_assert_eq(o.status, 1, "exit %d", o.status);
	cr_assert_eq(o.csv.nrows, 2);
	cr_assert_str_eq(csv_get(&o.csv, 0, "variant"), "broken_lost_write");
	cr_assert_neq(strcmp(csv_get(&o.csv, 0, "violations"), "0"), 0);
	cr_assert_str_eq(csv_get(&o.csv, 1, "variant"), "broken_correct");
	cr_assert_str_eq(csv_get(&o.csv, 1, "violations"), "0");
	char err[8192];
	read_stderr(err, sizeof err);
	cr_assert(strstr(err, "test_killed: its process died of signal 9"), "%s",
	          err);
	cr_assert(strstr(err, "test_starved: test: cannot allocate its pages"),
	          "%s", err);
	csv_free(&o.csv);
}

Test(session, a_dead_variant_exits_3_and_the_others_are_written,
     .init = cr_redirect_stderr)
{
	const struct sb_variant *const variants[] = {&killed, &broken_correct};
	struct session_outcome o = run_session(variants, 2);
	cr_assert_eq(o.status, 3, "exit %d", o.status);
	cr_assert_eq(o.csv.nrows, 1);
	cr_assert_str_eq(csv_get(&o.csv, 0, "variant"), "broken_correct");
	cr_assert_gt(atol(csv_get(&o.csv, 0, "commits")), 0);
	csv_free(&o.csv);
}
