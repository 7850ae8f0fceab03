/*
 * kvstore — a small key-value store on libpagever.
 *
 * Fixed-size account records (64 bytes: key, balance, owner) are packed 64
 * to a 4 KiB page; record k lives in page k / 64, slot k % 64.  kv_get reads
 * a record in a snapshot, kv_put and kv_update write one in the open
 * transaction.  A writer thread moves money between random accounts, one
 * transfer per commit, so the balances always sum to the same total; a
 * report thread meanwhile sums every balance in one snapshot, pausing as it
 * goes so that thousands of commits land during each report.  Every report
 * must find the opening total: one that does not read a mix of commits,
 * and the program says so and exits 1.
 *
 * Build against an installed libpagever (see README.md here):
 *     cc -O2 kvstore.c $(pkg-config --cflags --libs pagever) -pthread -o kvstore
 * Run:
 *     ./kvstore [--seconds S] [--records N]
 * Exit status: 0 every report consistent, 1 a report was not, 2 bad usage,
 * 3 out of memory or another resource error.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pagever.h>

#define PAGE_SIZE 4096u
#define OPENING_BALANCE 1000

struct account {
	uint64_t key;         /* the record's own key, checked on every read */
	int64_t balance;
	char owner[48];
};
_Static_assert(sizeof(struct account) == 64, "a record is 64 bytes");
#define RECORDS_PER_PAGE (PAGE_SIZE / sizeof(struct account))

struct kv {
	pagever *store;
	uint64_t records;
};

/* ---- the store: records in pages ---- */

/* Opens a store with room for `records` accounts; a pagever code. */
static int kv_open(struct kv *kv, uint64_t records)
{
	struct pagever_options options;
	pagever_options_init(&options);
	options.pages = (records + RECORDS_PER_PAGE - 1) / RECORDS_PER_PAGE;
	options.page_size = PAGE_SIZE;
	kv->records = records;
	return pagever_open(&options, &kv->store);
}

/* Copies record `key` as the read `reader` sees it into *out. */
static int kv_get(const struct kv *kv, pagever_reader *reader, uint64_t key,
                  struct account *out)
{
	if (key >= kv->records)
		return PAGEVER_EINVAL;
	const void *page;
	int status = pagever_read_page(reader, key / RECORDS_PER_PAGE, &page);
	if (status != PAGEVER_OK)
		return status;
	memcpy(out, (const struct account *)page + key % RECORDS_PER_PAGE,
	       sizeof *out);
	return PAGEVER_OK;
}

/* Sets *record to record `key`, writable, as the open transaction sees it:
 * what is written there is invisible to readers until the commit. */
static int kv_update(const struct kv *kv, uint64_t key, struct account **record)
{
	if (key >= kv->records)
		return PAGEVER_EINVAL;
	void *page;
	int status = pagever_write_page(kv->store, key / RECORDS_PER_PAGE, &page);
	if (status != PAGEVER_OK)
		return status;
	*record = (struct account *)page + key % RECORDS_PER_PAGE;
	return PAGEVER_OK;
}

/* Writes record `key` in the open transaction. */
static int kv_put(const struct kv *kv, uint64_t key, const struct account *value)
{
	struct account *record;
	int status = kv_update(kv, key, &record);
	if (status == PAGEVER_OK)
		*record = *value;
	return status;
}

/* ---- the writer: transfers ---- */

struct writer {
	const struct kv *kv;
	_Atomic bool *stop;
	uint64_t transfers;
	int status;           /* the first pagever error, or PAGEVER_OK */
};

static uint64_t next_random(uint64_t *state)
{
	/* xorshift64 */
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* Moves up to 100 from one random account to another, in one commit. */
static int transfer(const struct kv *kv, uint64_t *random)
{
	uint64_t from_key = next_random(random) % kv->records;
	uint64_t to_key = next_random(random) % kv->records;
	int64_t amount = (int64_t)(next_random(random) % 100) + 1;
	int status = pagever_begin_write(kv->store);
	if (status != PAGEVER_OK)
		return status;
	struct account *from, *to;
	if ((status = kv_update(kv, from_key, &from)) != PAGEVER_OK ||
	    (status = kv_update(kv, to_key, &to)) != PAGEVER_OK) {
		pagever_abort(kv->store);
		return status;
	}
	if (from->balance < amount)
		amount = from->balance;
	from->balance -= amount;
	to->balance += amount;
	return pagever_commit(kv->store, NULL);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	uint64_t random = 88172645463325252u;
	/* Relaxed: a stop request; nothing is published through it. */
	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		w->status = transfer(w->kv, &random);
		if (w->status != PAGEVER_OK)
			break;
		w->transfers++;
	}
	return NULL;
}

/* ---- the report: one snapshot, summed ---- */

struct report {
	uint64_t snapshot;         /* the commit the report read */
	int64_t total;
	uint64_t commits_during;   /* commits made while it read */
	bool keys_ok;
};

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Sums every balance in one snapshot, pausing `pause_ms` eight times on
 * the way, as a long report would. */
static int report_run(const struct kv *kv, long pause_ms, struct report *out)
{
	pagever_reader reader = {0};
	int status = pagever_begin_read(kv->store, &reader);
	if (status != PAGEVER_OK)
		return status;
	*out = (struct report){.snapshot = pagever_reader_commit(&reader),
	                       .keys_ok = true};
	uint64_t pause_every = kv->records / 8 ? kv->records / 8 : 1;
	for (uint64_t key = 0; key < kv->records; key++) {
		struct account account;
		if ((status = kv_get(kv, &reader, key, &account)) != PAGEVER_OK)
			break;
		out->keys_ok &= account.key == key;
		out->total += account.balance;
		if (pause_ms && key % pause_every == pause_every - 1)
			sleep_ms(pause_ms);
	}
	struct pagever_stats stats;
	pagever_stats(kv->store, &stats);
	out->commits_during = stats.commits - out->snapshot;
	pagever_end_read(&reader);
	return status;
}

struct reporter {
	const struct kv *kv;
	_Atomic bool *stop;
	int64_t expected_total;
	uint64_t reports, inconsistent, commits_during;
	int status;
};

static void *reporter_main(void *arg)
{
	struct reporter *r = arg;
	/* Relaxed: as in writer_main. */
	while (!atomic_load_explicit(r->stop, memory_order_relaxed)) {
		struct report report;
		r->status = report_run(r->kv, 10, &report);
		if (r->status != PAGEVER_OK)
			break;
		r->reports++;
		r->commits_during += report.commits_during;
		bool ok = report.keys_ok && report.total == r->expected_total;
		if (!ok) {
			r->inconsistent++;
			fprintf(stderr, "kvstore: the report of commit %" PRIu64
			        " found a total of %" PRId64 ", not %" PRId64
			        "%s\n", report.snapshot, report.total,
			        r->expected_total,
			        report.keys_ok ? "" : ", and misplaced records");
		}
		printf("report %" PRIu64 ": commit %" PRIu64 ", total %" PRId64
		       " %s, %" PRIu64 " commits while it read\n", r->reports,
		       report.snapshot, report.total,
		       ok ? "(consistent)" : "(INCONSISTENT)",
		       report.commits_during);
	}
	return NULL;
}

/* ---- main ---- */

static int fail(int status, const char *what)
{
	fprintf(stderr, "kvstore: %s: %s\n", what, pagever_strerror(status));
	return status == PAGEVER_EINVAL ? 2 : 3;
}

/* Opening balances, one transaction through kv_put. */
static int kv_load(const struct kv *kv)
{
	int status = pagever_begin_write(kv->store);
	for (uint64_t key = 0; status == PAGEVER_OK && key < kv->records; key++) {
		struct account account = {.key = key, .balance = OPENING_BALANCE};
		snprintf(account.owner, sizeof account.owner, "account %" PRIu64,
		         key);
		status = kv_put(kv, key, &account);
	}
	if (status != PAGEVER_OK) {
		pagever_abort(kv->store);
		return status;
	}
	return pagever_commit(kv->store, NULL);
}

static bool parse_number(const char *text, double min, double max, double *out)
{
	char *end;
	errno = 0;
	double value = strtod(text, &end);
	if (errno || end == text || *end || !(value >= min && value <= max))
		return false;
	*out = value;
	return true;
}

int main(int argc, char **argv)
{
	double seconds = 2, records = 100000;
	for (int i = 1; i < argc; i += 2) {
		const char *option = argv[i], *value = i + 1 < argc ? argv[i + 1] : "";
		bool ok;
		if (strcmp(option, "--seconds") == 0)
			ok = parse_number(value, 0.01, 86400, &seconds);
		else if (strcmp(option, "--records") == 0)
			ok = parse_number(value, 2, 1e7, &records);
		else {
			fprintf(stderr, "kvstore: unknown option '%s' (usage: "
			        "kvstore [--seconds S] [--records N])\n", option);
			return 2;
		}
		if (!ok) {
			fprintf(stderr, "kvstore: %s wants a number from %s, not "
			        "'%s'\n", option,
			        option[2] == 's' ? "0.01 to 86400" : "2 to 1e7",
			        value);
			return 2;
		}
	}
	struct kv kv;
	int status = kv_open(&kv, (uint64_t)records);
	if (status != PAGEVER_OK)
		return fail(status, "open");
	if ((status = kv_load(&kv)) != PAGEVER_OK) {
		pagever_close(kv.store);
		return fail(status, "load");
	}

	_Atomic bool stop = false;
	struct writer writer = {.kv = &kv, .stop = &stop};
	struct reporter reporter = {
		.kv = &kv, .stop = &stop,
		.expected_total = (int64_t)kv.records * OPENING_BALANCE,
	};
	pthread_t writer_thread, reporter_thread;
	if (pthread_create(&writer_thread, NULL, writer_main, &writer) != 0) {
		pagever_close(kv.store);
		fprintf(stderr, "kvstore: cannot start the writer thread\n");
		return 3;
	}
	if (pthread_create(&reporter_thread, NULL, reporter_main, &reporter) != 0) {
		/* Relaxed: as in writer_main; the join waits for it. */
		atomic_store_explicit(&stop, true, memory_order_relaxed);
		pthread_join(writer_thread, NULL);
		pagever_close(kv.store);
		fprintf(stderr, "kvstore: cannot start the report thread\n");
		return 3;
	}
	sleep_ms((long)(seconds * 1000));
	/* Relaxed: as in writer_main; the joins publish the threads' results. */
	atomic_store_explicit(&stop, true, memory_order_relaxed);
	pthread_join(writer_thread, NULL);
	pthread_join(reporter_thread, NULL);

	/* One last look, without pauses: the final state adds up too. */
	struct report last;
	int last_status = report_run(&kv, 0, &last);
	struct account first;
	pagever_reader reader = {0};
	if (last_status == PAGEVER_OK &&
	    (last_status = pagever_begin_read(kv.store, &reader)) == PAGEVER_OK) {
		last_status = kv_get(&kv, &reader, 0, &first);
		pagever_end_read(&reader);
	}
	pagever_close(kv.store);
	if (writer.status != PAGEVER_OK)
		return fail(writer.status, "transfer");
	if (reporter.status != PAGEVER_OK)
		return fail(reporter.status, "report");
	if (last_status != PAGEVER_OK)
		return fail(last_status, "final report");
	bool final_ok = last.keys_ok && last.total == reporter.expected_total;
	printf("%s holds %" PRId64 "\n", first.owner, first.balance);
	printf("kvstore: %" PRIu64 " transfers, %" PRIu64 " reports (%" PRIu64
	       " inconsistent), %" PRIu64 " commits during reports; final total %"
	       PRId64 " %s\n", writer.transfers, reporter.reports,
	       reporter.inconsistent, reporter.commits_during, last.total,
	       final_ok ? "(consistent)" : "(INCONSISTENT)");
	return reporter.inconsistent || !final_ok ? 1 : 0;
}
