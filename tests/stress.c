/*
 * stress — the concurrent stress run, as a plain program so that it also
 * runs under ThreadSanitizer (Criterion's runner cannot start under TSan:
 * Criterion issue #274, "Could not initialize inheritable arena").
 *
 * Every variant safe with readers and writers at once runs one writer
 * against two verifying readers, twice (full scans over a hot set; partial
 * scans with a pause in the middle of each read), and the oracle must find
 * nothing.  Variants that are not safe (the `none` baseline) run what they
 * accept: readers alone, one writer alone.
 *
 * usage: stress [SECONDS_PER_RUN] [VARIANT...]   (default 1.0, every variant)
 * Exit status 0 when every run was clean, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

static struct run_config base_config(double duration_s, unsigned readers,
                                     unsigned writers)
{
	return (struct run_config){
		.pages = 512,
		.page_size = 256,
		.duration_s = duration_s,
		.drain_s = duration_s, /* the window's commits may finish after it */
		.readers = readers,
		.scan_pages = 512,
		.scan_work = SCAN_VERIFY,
		.writers = writers,
		.write_pages = 4,
		.write_rate = 5000,
		.hot_pages = 512,
		.hot_pct = 100,
		.seed = 11,
	};
}

/* One run; prints a line and returns true when it was clean. */
static bool clean_run(const struct sb_variant *v, const char *what,
                      const struct run_config *config)
{
	struct run_result r;
	char err[256] = "";
	int status = run_variant(v, config, &r, err, sizeof err);
	if (status != SB_OK) {
		printf("FAIL %-10s %-28s %s\n", v->name, what, err);
		return false;
	}
	uint64_t violations = violations_total(&r.violations);
	/* The writer ran: commits intended inside the window completed, in
	 * the window or in the drain (a writer held out by paused readers
	 * may complete few inside the window itself). */
	uint64_t ran = r.write_latency.count - r.unfinished_commits;
	bool ok = violations == 0 &&
	          (config->writers == 0 || ran > 100) &&
	          (config->readers == 0 || r.reads + r.starved_reads > 2);
	printf("%s %-10s %-28s commits %-8llu reads %-6llu starved %-4llu "
	       "violations %llu\n",
	       ok ? "ok  " : "FAIL", v->name, what,
	       (unsigned long long)ran, (unsigned long long)r.reads,
	       (unsigned long long)r.starved_reads,
	       (unsigned long long)violations);
	for (int k = 0; k < V_KINDS; k++)
		if (r.violations.count[k])
			printf("     %llu x %s\n",
			       (unsigned long long)r.violations.count[k],
			       violation_names[k]);
	run_result_free(&r);
	return ok;
}

static bool stress_variant(const struct sb_variant *v, enum sb_publish publish,
                           double seconds)
{
	bool ok = true;
	if (v->concurrent_safe) {
		/* Full scans (the balance check) while a hot set of 64 pages is
		 * rewritten under the readers' snapshots. */
		struct run_config full = base_config(seconds, 2, 1);
		full.publish = publish;
		full.hot_pages = 64;
		full.write_rate = 20000;
		ok &= clean_run(v, "1 writer, 2 full scans", &full);
		/* Partial scans with a pause in the middle of each read, the
		 * second reader starting later (--read-stagger), while the
		 * monitor computes the exact minimum from the oracle's log
		 * (--retained-min) and reads the snapshots the readers show. */
		struct run_config paused = base_config(seconds, 2, 1);
		paused.publish = publish;
		paused.scan_pages = 100;
		paused.read_pause_ms = 5;
		paused.read_stagger_s = 0.05;
		paused.retained_min = true;
		ok &= clean_run(v, "1 writer, 2 paused scans", &paused);
	} else {
		struct run_config readers = base_config(seconds / 3, 2, 0);
		ok &= clean_run(v, "2 readers alone", &readers);
		struct run_config writer = base_config(seconds / 3, 0, 1);
		writer.write_rate = 0;
		ok &= clean_run(v, "1 unbounded writer alone", &writer);
	}
	return ok;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	if (!(seconds > 0)) {
		fprintf(stderr, "stress: SECONDS_PER_RUN must be > 0\n");
		return 2;
	}
	unsigned passed = 0, failed = 0;
	for (size_t i = 0; i < sb_variant_count; i++) {
		const struct sb_variant *v = sb_variants[i];
		bool chosen = argc <= 2;
		for (int a = 2; a < argc; a++)
			chosen |= strcmp(argv[a], v->name) == 0;
		if (!chosen)
			continue;
		for (int mode = 0; mode <= (v->publish_modes ? 1 : 0); mode++) {
			if (v->publish_modes)
				printf("     %s --lr-publish %s\n", v->name,
				       mode ? "try" : "block");
			if (stress_variant(v, (enum sb_publish)mode, seconds))
				passed++;
			else
				failed++;
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
