/*
 * cli.c — snapbench's options (cli.h): each option's parsing and the
 * checks across options; which variants -v names is resolved later, by
 * selection.c.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MAX_THREADS 1024u
#define MAX_PAGE_SIZE (1u << 30)
/* The oracle logs page numbers in 32 bits. */
#define MAX_PAGES 4294967295ull

void cli_usage(FILE *out)
{
	fputs(
"usage: snapbench [options]\n"
"  -v, --variant LIST     variants and properties, left to right: NAME adds it,\n"
"                         all, schemes (not a control) or a property (strict,\n"
"                         eventual, concurrent, control, engine, frozen) adds\n"
"                         those that can run the workload, -ITEM removes\n"
"                         (default: all)\n"
"      --list             print each variant with its properties and summary\n"
"      --columns          print the result columns (name, unit, table name,\n"
"                         meaning) and exit\n"
"  -p, --pages N          pages in the database            (default 16384)\n"
"  -s, --page-size B      bytes per page, a multiple of 64 (default 4096)\n"
"  -d, --duration S       measured seconds, decimals ok    (default 5)\n"
"      --warmup S         unmeasured seconds first         (default 1)\n"
"      --drain S          after the window, wait at most S s for the commits\n"
"                         intended inside it (default max(10, 2 x duration))\n"
"  -r, --readers N        long-reader threads              (default 1)\n"
"      --scan N|F%        pages per read, or a percentage  (default 100%)\n"
"      --scan-work W      touch | sum | verify             (default verify)\n"
"      --read-pause MS    pause in the middle of each read (default 0)\n"
"      --read-start S     readers begin S seconds into the measured time\n"
"                         (default 0: from the start, warm-up included)\n"
"      --reads N          reads per reader, then it stops; 0 = no limit\n"
"                         (default 0)\n"
"      --read-stagger S   reader i begins i x S seconds after the readers'\n"
"                         start, so that their snapshots differ (default 0)\n"
"  -w, --writers N        writer threads                   (default 1)\n"
"  -k, --write-pages K    pages per transaction, >= 2      (default 4)\n"
"      --write-rate HZ    target commits/s, 0 = unbounded  (default 1000)\n"
"      --hot F%           writes go to the first F% of pages (default 100%)\n"
"      --lr-publish M     block | try (leftright only)     (default block)\n"
"      --pv-home on|off   pagever moves rewritten pages home (default on;\n"
"                         off: the ablation of that locality layer)\n"
"      --retained-min     compute retained_min_peak_bytes, the least any scheme\n"
"                         must retain for the live snapshots, from the\n"
"                         oracle's log every 100 ms (needs --scan-work verify)\n"
"      --retained-limit B a resource error (exit 3) once a variant retains\n"
"                         more than B bytes (default 0: no limit)\n"
"      --pin              writer and readers on CPUs of their own, if there\n"
"                         are enough (default off)\n"
"      --seed N           (default 1)\n"
"      --percentiles LIST commit-latency percentiles reported (default\n"
"                         50,99,99.9; each only where >= 10 samples lie beyond)\n"
"  -o, --csv FILE         append one row per variant (header if the file is new)\n"
"      --json FILE        write a JSON document with every figure and histogram\n"
"      --timeline FILE    per-100-ms series: commits and reads completed,\n"
"                         p99 of commits intended, retained bytes, RSS\n"
"      --hgrm DIR         DIR/VARIANT.commit.hgrm and DIR/VARIANT.read.hgrm:\n"
"                         HdrHistogram percentile distributions in us\n"
"      --calibrate        time a plain C loop summing an array of the database's\n"
"                         size (the reference for --scan-work sum) and a\n"
"                         memcpy of it (the copy model's bandwidth) and exit\n"
"  -q, --quiet            no progress line and no table\n"
"  -h, --help / --version\n"
"Each variant runs in a process of its own.\n"
"exit status: 0 ok, 1 a consistency violation was found (even if another\n"
"             variant failed), 2 bad usage, 3 out of memory or another\n"
"             resource error\n", out);
}

static int bad(const char *flag, const char *accepts, const char *got)
{
	fprintf(stderr, "snapbench: %s: expected %s, got '%s'\n", flag, accepts,
	        got);
	return SB_EUSAGE;
}

static int parse_u64(const char *flag, const char *text, uint64_t min,
                     uint64_t max, uint64_t *out)
{
	char accepts[96];
	snprintf(accepts, sizeof accepts, "an integer from %llu to %llu",
	         (unsigned long long)min, (unsigned long long)max);
	if (!*text || *text == '-' || *text == '+')
		return bad(flag, accepts, text);
	char *end;
	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (errno || *end || value < min || value > max)
		return bad(flag, accepts, text);
	*out = value;
	return 0;
}

static int parse_unsigned(const char *flag, const char *text, unsigned min,
                          unsigned max, unsigned *out)
{
	uint64_t value;
	int status = parse_u64(flag, text, min, max, &value);
	if (status == 0)
		*out = (unsigned)value;
	return status;
}

/* A finite decimal in [min, max]; `min_open` excludes min itself. */
static int parse_double(const char *flag, const char *text, double min,
                        bool min_open, double max, const char *accepts,
                        double *out)
{
	char *end;
	errno = 0;
	double value = strtod(text, &end);
	if (!*text || errno || *end || !isfinite(value) || value < min ||
	    (min_open && value == min) || value > max)
		return bad(flag, accepts, text);
	*out = value;
	return 0;
}

/* "F%" or "F" with 0 < F <= 100. */
static int parse_percent(const char *flag, const char *text, double *out)
{
	const char *accepts = "a percentage F% with 0 < F <= 100";
	char *end;
	errno = 0;
	double value = strtod(text, &end);
	if (*end == '%')
		end++;
	if (end == text || errno || *end || !isfinite(value) || value <= 0 ||
	    value > 100)
		return bad(flag, accepts, text);
	*out = value;
	return 0;
}

/* A comma-separated list of percentiles, each in (0, 100). */
static int parse_percentiles(const char *flag, const char *text,
                             struct cli *cli)
{
	const char *accepts = "a comma-separated list of at most 16 "
	                      "percentiles, each above 0 and below 100";
	cli->percentile_count = 0;
	const char *at = text;
	do {
		char *end;
		errno = 0;
		double value = strtod(at, &end);
		if (end == at || errno || (*end && *end != ',') ||
		    !isfinite(value) || value <= 0 || value >= 100 ||
		    cli->percentile_count == MAX_PERCENTILES)
			return bad(flag, accepts, text);
		cli->percentiles[cli->percentile_count++] = value;
		at = *end ? end + 1 : end;
	} while (*at);
	return at[-1] == ',' ? bad(flag, accepts, text) : 0;
}

enum {
	OPT_LIST = 256, OPT_WARMUP, OPT_SCAN, OPT_SCAN_WORK, OPT_READ_PAUSE,
	OPT_WRITE_RATE, OPT_HOT, OPT_LR_PUBLISH, OPT_PV_HOME, OPT_SEED, OPT_JSON,
	OPT_TIMELINE, OPT_VERSION, OPT_CALIBRATE, OPT_READ_START, OPT_READS,
	OPT_DRAIN, OPT_PIN, OPT_PERCENTILES, OPT_HGRM, OPT_COLUMNS,
	OPT_READ_STAGGER, OPT_RETAINED_MIN, OPT_RETAINED_LIMIT,
};

static const struct option options[] = {
	{"variant", required_argument, NULL, 'v'},
	{"list", no_argument, NULL, OPT_LIST},
	{"columns", no_argument, NULL, OPT_COLUMNS},
	{"drain", required_argument, NULL, OPT_DRAIN},
	{"pin", no_argument, NULL, OPT_PIN},
	{"percentiles", required_argument, NULL, OPT_PERCENTILES},
	{"hgrm", required_argument, NULL, OPT_HGRM},
	{"pages", required_argument, NULL, 'p'},
	{"page-size", required_argument, NULL, 's'},
	{"duration", required_argument, NULL, 'd'},
	{"warmup", required_argument, NULL, OPT_WARMUP},
	{"readers", required_argument, NULL, 'r'},
	{"scan", required_argument, NULL, OPT_SCAN},
	{"scan-work", required_argument, NULL, OPT_SCAN_WORK},
	{"read-pause", required_argument, NULL, OPT_READ_PAUSE},
	{"read-start", required_argument, NULL, OPT_READ_START},
	{"reads", required_argument, NULL, OPT_READS},
	{"read-stagger", required_argument, NULL, OPT_READ_STAGGER},
	{"retained-min", no_argument, NULL, OPT_RETAINED_MIN},
	{"retained-limit", required_argument, NULL, OPT_RETAINED_LIMIT},
	{"writers", required_argument, NULL, 'w'},
	{"write-pages", required_argument, NULL, 'k'},
	{"write-rate", required_argument, NULL, OPT_WRITE_RATE},
	{"hot", required_argument, NULL, OPT_HOT},
	{"lr-publish", required_argument, NULL, OPT_LR_PUBLISH},
	{"pv-home", required_argument, NULL, OPT_PV_HOME},
	{"seed", required_argument, NULL, OPT_SEED},
	{"csv", required_argument, NULL, 'o'},
	{"json", required_argument, NULL, OPT_JSON},
	{"timeline", required_argument, NULL, OPT_TIMELINE},
	{"calibrate", no_argument, NULL, OPT_CALIBRATE},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

/* The long name of the option getopt just saw, for messages. */
static const char *flag_name(int opt)
{
	static char name[32];
	for (const struct option *o = options; o->name; o++)
		if (o->val == opt) {
			snprintf(name, sizeof name, "--%s", o->name);
			return name;
		}
	return "option";
}

/* What the options leave for cli_parse to finish. */
struct parse_state {
	double scan_pct, hot_pct;
	bool scan_is_pct, drain_given;
};

/* parse_*_option's answer for an option that is not theirs. */
#define NOT_MINE (-1)

static int parse_page_size(const char *flag, const char *arg, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long value = strtoull(arg, &end, 10);
	if (!*arg || *arg == '-' || *arg == '+' || errno || *end ||
	    value < 64 || value > MAX_PAGE_SIZE || value % 64)
		return bad(flag, "a multiple of 64 from 64 to 1073741824", arg);
	*out = (size_t)value;
	return 0;
}

/* The workload's sizes, times and rates. */
static int parse_run_option(int opt, const char *flag, const char *arg,
                            struct run_config *run, struct parse_state *state)
{
	switch (opt) {
	case 'p':
		return parse_u64(flag, arg, 1, MAX_PAGES, &run->pages);
	case 's':
		return parse_page_size(flag, arg, &run->page_size);
	case 'd':
		return parse_double(flag, arg, 0, true, 1e7,
		                    "seconds > 0 (decimals ok)", &run->duration_s);
	case OPT_WARMUP:
		return parse_double(flag, arg, 0, false, 1e7,
		                    "seconds >= 0 (decimals ok)", &run->warmup_s);
	case OPT_DRAIN:
		state->drain_given = true;
		return parse_double(flag, arg, 0, false, 1e7,
		                    "seconds >= 0 (decimals ok)", &run->drain_s);
	case 'r':
		return parse_unsigned(flag, arg, 0, MAX_THREADS, &run->readers);
	case 'w':
		return parse_unsigned(flag, arg, 0, MAX_THREADS, &run->writers);
	case OPT_SCAN:
		state->scan_is_pct = strchr(arg, '%') != NULL;
		return state->scan_is_pct
			? parse_percent(flag, arg, &state->scan_pct)
			: parse_u64(flag, arg, 1, MAX_PAGES, &run->scan_pages);
	case OPT_READ_PAUSE:
		return parse_double(flag, arg, 0, false, 1e10,
		                    "milliseconds >= 0 (decimals ok)",
		                    &run->read_pause_ms);
	case OPT_READ_START:
		return parse_double(flag, arg, 0, false, 1e7,
		                    "seconds >= 0 (decimals ok)", &run->read_start_s);
	case OPT_READS:
		return parse_u64(flag, arg, 0, UINT64_MAX, &run->reads_per_reader);
	case OPT_READ_STAGGER:
		return parse_double(flag, arg, 0, false, 1e7,
		                    "seconds >= 0 (decimals ok)",
		                    &run->read_stagger_s);
	case OPT_RETAINED_LIMIT:
		return parse_u64(flag, arg, 0, UINT64_MAX,
		                 &run->retained_limit_bytes);
	case 'k':
		return parse_unsigned(flag, arg, 2, 1024, &run->write_pages);
	case OPT_WRITE_RATE:
		return parse_double(flag, arg, 0, false, 1e9,
		                    "commits per second >= 0 (0 = unbounded)",
		                    &run->write_rate);
	case OPT_HOT:
		return parse_percent(flag, arg, &state->hot_pct);
	case OPT_SEED:
		return parse_u64(flag, arg, 0, UINT64_MAX, &run->seed);
	default:
		return NOT_MINE;
	}
}

/* Which variants, and the modes they run in. */
static int parse_mode_option(int opt, const char *flag, const char *arg,
                             struct cli *cli)
{
	struct run_config *run = &cli->run;
	switch (opt) {
	case 'v':
		if (!*arg)
			return bad(flag, "a comma-separated list of variants and "
			           "properties", arg);
		cli->variant_list = arg;
		return 0;
	case OPT_SCAN_WORK:
		for (int w = 0; w < 3; w++)
			if (strcmp(arg, scan_work_names[w]) == 0) {
				run->scan_work = (enum scan_work)w;
				return 0;
			}
		return bad(flag, "touch, sum or verify", arg);
	case OPT_LR_PUBLISH:
		if (strcmp(arg, "block") != 0 && strcmp(arg, "try") != 0)
			return bad(flag, "block or try", arg);
		run->publish = strcmp(arg, "try") == 0 ? SB_PUBLISH_TRY
		                                       : SB_PUBLISH_BLOCK;
		return 0;
	case OPT_PV_HOME:
		if (strcmp(arg, "on") != 0 && strcmp(arg, "off") != 0)
			return bad(flag, "on or off", arg);
		run->move_home = strcmp(arg, "on") == 0;
		return 0;
	case OPT_PIN:
		run->pin = true;
		return 0;
	case OPT_RETAINED_MIN:
		run->retained_min = true;
		return 0;
	case OPT_PERCENTILES:
		return parse_percentiles(flag, arg, cli);
	default:
		return NOT_MINE;
	}
}

/* Where results go, and what to do instead of a run. */
static int parse_output_option(int opt, const char *flag, const char *arg,
                               struct cli *cli)
{
	const char **path = opt == 'o' ? &cli->csv_path
	                  : opt == OPT_JSON ? &cli->json_path
	                  : opt == OPT_TIMELINE ? &cli->timeline_path
	                  : opt == OPT_HGRM ? &cli->hgrm_dir : NULL;
	bool *set = opt == OPT_LIST ? &cli->list
	          : opt == OPT_COLUMNS ? &cli->columns
	          : opt == OPT_CALIBRATE ? &cli->calibrate
	          : opt == 'q' ? &cli->quiet
	          : opt == 'h' ? &cli->help
	          : opt == OPT_VERSION ? &cli->version : NULL;
	if (path) {
		if (!*arg)
			return bad(flag, opt == OPT_HGRM ? "a directory" : "a file name",
			           arg);
		*path = arg;
		return 0;
	}
	if (set) {
		*set = true;
		return 0;
	}
	return NOT_MINE;
}

static int parse_option(int opt, const char *arg, struct cli *cli,
                        struct parse_state *state)
{
	const char *flag = flag_name(opt);
	int status = parse_run_option(opt, flag, arg, &cli->run, state);
	if (status == NOT_MINE)
		status = parse_mode_option(opt, flag, arg, cli);
	if (status == NOT_MINE)
		status = parse_output_option(opt, flag, arg, cli);
	/* NOT_MINE here: getopt has printed the problem. */
	return status == NOT_MINE ? SB_EUSAGE : status;
}

static uint64_t pages_of_percent(uint64_t pages, double pct)
{
	uint64_t n = (uint64_t)ceil((double)pages * pct / 100.0);
	if (n < 1)
		n = 1;
	return n > pages ? pages : n;
}

/* Checks what single options cannot: 0, or SB_EUSAGE after a line. */
static int finish_run_config(struct cli *cli, const struct parse_state *state)
{
	struct run_config *run = &cli->run;
	if (run->pages * (uint64_t)run->page_size / run->page_size != run->pages ||
	    run->pages > SIZE_MAX / run->page_size) {
		fprintf(stderr, "snapbench: --pages x --page-size overflows the "
		        "address space\n");
		return SB_EUSAGE;
	}
	if (state->scan_is_pct)
		run->scan_pages = pages_of_percent(run->pages, state->scan_pct);
	else if (run->scan_pages > run->pages) {
		fprintf(stderr, "snapbench: --scan: expected at most --pages (%llu) "
		        "pages, got %llu\n", (unsigned long long)run->pages,
		        (unsigned long long)run->scan_pages);
		return SB_EUSAGE;
	}
	run->hot_pct = state->hot_pct;
	run->hot_pages = pages_of_percent(run->pages, state->hot_pct);
	if (run->writers > 0 && run->hot_pages < run->write_pages) {
		fprintf(stderr, "snapbench: --write-pages: %u pages per transaction "
		        "need at least %u hot pages, but --pages and --hot give %llu\n",
		        run->write_pages, run->write_pages,
		        (unsigned long long)run->hot_pages);
		return SB_EUSAGE;
	}
	if (run->readers + run->writers == 0 && !cli->list && !cli->calibrate &&
	    !cli->columns) {
		fprintf(stderr, "snapbench: --readers and --writers are both 0: "
		        "nothing to measure\n");
		return SB_EUSAGE;
	}
	if (run->retained_min && run->scan_work != SCAN_VERIFY) {
		fprintf(stderr, "snapbench: --retained-min: needs --scan-work "
		        "verify (the minimum is computed from the oracle's log, "
		        "which only verify keeps)\n");
		return SB_EUSAGE;
	}
	if (!state->drain_given)
		run->drain_s = run->duration_s * 2 > 10 ? run->duration_s * 2 : 10;
	run->progress = !cli->quiet && isatty(STDERR_FILENO);
	run->timeline = cli->timeline_path != NULL;
	return 0;
}

static void set_defaults(struct cli *cli)
{
	memset(cli, 0, sizeof *cli);
	struct run_config *run = &cli->run;
	run->pages = 16384;
	run->page_size = 4096;
	run->duration_s = 5;
	run->warmup_s = 1;
	run->readers = 1;
	run->scan_work = SCAN_VERIFY;
	run->writers = 1;
	run->write_pages = 4;
	run->write_rate = 1000;
	run->seed = 1;
	run->move_home = true;
	cli->variant_list = "all";
	cli->percentiles[0] = 50;
	cli->percentiles[1] = 99;
	cli->percentiles[2] = 99.9;
	cli->percentile_count = 3;
}

int cli_parse(int argc, char **argv, struct cli *cli)
{
	set_defaults(cli);
	struct parse_state state = {
		.scan_pct = 100, .hot_pct = 100, .scan_is_pct = true,
	};
	opterr = 0;
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, ":v:p:s:d:r:w:k:o:qh", options,
	                          NULL)) != -1) {
		if (opt == '?') {
			fprintf(stderr, "snapbench: unknown option '%s' (snapbench "
			        "--help lists them)\n", argv[optind - 1]);
			return SB_EUSAGE;
		}
		if (opt == ':') {
			fprintf(stderr, "snapbench: %s needs a value\n",
			        argv[optind - 1]);
			return SB_EUSAGE;
		}
		int status = parse_option(opt, optarg, cli, &state);
		if (status)
			return status;
	}
	if (optind < argc) {
		fprintf(stderr, "snapbench: unexpected argument '%s' (options "
		        "only; snapbench --help lists them)\n", argv[optind]);
		return SB_EUSAGE;
	}
	return finish_run_config(cli, &state);
}
