/*
 * oracle.c — the writer's model and log, and every check of oracle.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle.h"
#include "page.h"

const char *const violation_names[V_KINDS] = {
	[V_TORN] = "torn page",
	[V_FRACTURED] = "fractured commit",
	[V_INCONSISTENT] = "inconsistent snapshot",
	[V_STALE] = "stale snapshot",
	[V_LOST_WRITE] = "lost or wrong write",
	[V_BALANCE] = "balances do not sum to zero",
};

uint64_t violations_total(const struct violations *v)
{
	uint64_t total = 0;
	for (int k = 0; k < V_KINDS; k++)
		total += v->count[k];
	return total;
}

void violations_add(struct violations *into, const struct violations *from)
{
	for (int k = 0; k < V_KINDS; k++) {
		if (!into->first[k][0] && from->first[k][0])
			memcpy(into->first[k], from->first[k], VIOLATION_TEXT);
		into->count[k] += from->count[k];
	}
}

void violations_print(FILE *out, const char *variant,
                      const struct violations *v)
{
	for (int k = 0; k < V_KINDS; k++)
		if (v->count[k])
			fprintf(out, "snapbench: %s: %llu x %s, first: %s\n", variant,
			        (unsigned long long)v->count[k], violation_names[k],
			        v->first[k]);
}

void oracle_report(struct oracle *o, struct violations *found,
                   enum violation_kind kind, const char *fmt, ...)
{
	(void)o;
	found->count[kind]++;
	if (found->first[kind][0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(found->first[kind], VIOLATION_TEXT, fmt, ap);
	va_end(ap);
}

int oracle_init(struct oracle *o, uint64_t pages, size_t page_size,
                unsigned write_pages, bool keep_log)
{
	memset(o, 0, sizeof *o);
	o->pages = pages;
	o->page_size = page_size;
	o->write_pages = write_pages;
	o->keep_log = keep_log;
	o->model_stamp = calloc(pages, sizeof *o->model_stamp);
	o->model_balance = calloc(pages, sizeof *o->model_balance);
	o->first_write = calloc(pages, sizeof *o->first_write);
	if (!o->model_stamp || !o->model_balance || !o->first_write) {
		oracle_destroy(o);
		return SB_ERESOURCE;
	}
	return SB_OK;
}

void oracle_destroy(struct oracle *o)
{
	free(o->model_stamp);
	free(o->model_balance);
	free((void *)o->first_write);
	for (size_t i = 0; i < LOG_MAX_CHUNKS; i++) {
		free(atomic_load_explicit(&o->page_chunks[i], memory_order_relaxed));
		free(atomic_load_explicit(&o->next_chunks[i], memory_order_relaxed));
	}
	memset(o, 0, sizeof *o);
}

void oracle_init_page(void *oracle, uint64_t pageno, void *page)
{
	struct oracle *o = oracle;
	page_fill(page, o->page_size, pageno, 0, 0);
}

/* ---- the log ---- */

/* Page numbers of commit `commit`'s entry; the caller has seen
 * logged >= commit (acquire), so the entry is complete. */
static const uint32_t *log_pages(struct oracle *o, uint64_t commit)
{
	/* Acquire pairs with the release in log_chunk_get: the chunk's
	 * allocation and contents before it are visible. */
	uint32_t *chunk = atomic_load_explicit(
		&o->page_chunks[commit / LOG_CHUNK_COMMITS], memory_order_acquire);
	return chunk + (commit % LOG_CHUNK_COMMITS) * o->write_pages;
}

const uint32_t *oracle_commit_pages(struct oracle *o, uint64_t commit)
{
	return log_pages(o, commit);
}

static _Atomic uint64_t *log_next(struct oracle *o, uint64_t commit)
{
	/* Acquire: as in log_pages. */
	uint64_t *chunk = atomic_load_explicit(
		&o->next_chunks[commit / LOG_CHUNK_COMMITS], memory_order_acquire);
	return (_Atomic uint64_t *)chunk +
	       (commit % LOG_CHUNK_COMMITS) * o->write_pages;
}

/* Makes sure commit's chunk exists; writer only. */
static int log_chunk_get(struct oracle *o, uint64_t commit)
{
	size_t index = commit / LOG_CHUNK_COMMITS;
	if (index >= LOG_MAX_CHUNKS)
		return SB_ERESOURCE;
	/* Relaxed: only the writer stores these pointers. */
	if (atomic_load_explicit(&o->page_chunks[index], memory_order_relaxed))
		return SB_OK;
	size_t entries = (size_t)LOG_CHUNK_COMMITS * o->write_pages;
	uint32_t *pages = calloc(entries, sizeof *pages);
	uint64_t *next = calloc(entries, sizeof(_Atomic uint64_t));
	if (!pages || !next) {
		free(pages);
		free(next);
		return SB_ERESOURCE;
	}
	/* Release: readers that load the pointer see the zeroed chunk. */
	atomic_store_explicit(&o->next_chunks[index], next, memory_order_release);
	atomic_store_explicit(&o->page_chunks[index], pages, memory_order_release);
	return SB_OK;
}

/* ---- writer side ---- */

uint64_t oracle_txn_begin(struct oracle *o, struct violations *found)
{
	/* Acquire pairs with the release in oracle_txn_end: the previous
	 * transaction's model updates are visible to this one. */
	if (atomic_exchange_explicit(&o->txn_active, 1, memory_order_acquire))
		oracle_report(o, found, V_LOST_WRITE,
		              "two write transactions in progress at once");
	return o->commits + 1;
}

void oracle_txn_write(struct oracle *o, uint64_t commit, uint64_t pageno,
                      void *page, int64_t balance_delta,
                      struct violations *found)
{
	const struct page_header *h = page_header(page);
	if (h->pageno != pageno || h->stamp != o->model_stamp[pageno] ||
	    h->balance != o->model_balance[pageno])
		oracle_report(o, found, V_LOST_WRITE,
		              "commit %llu: write_page(%llu) gave stamp %llu, "
		              "balance %lld; the current version is stamp %llu, "
		              "balance %lld",
		              (unsigned long long)commit,
		              (unsigned long long)pageno,
		              (unsigned long long)h->stamp, (long long)h->balance,
		              (unsigned long long)o->model_stamp[pageno],
		              (long long)o->model_balance[pageno]);
	o->model_balance[pageno] += balance_delta;
	page_fill(page, o->page_size, pageno, commit, o->model_balance[pageno]);
}

int oracle_txn_log(struct oracle *o, uint64_t commit, const uint64_t *pageno)
{
	if (o->keep_log) {
		if (log_chunk_get(o, commit) != SB_OK)
			return SB_ERESOURCE;
		uint32_t *entry = (uint32_t *)log_pages(o, commit);
		for (unsigned i = 0; i < o->write_pages; i++)
			entry[i] = (uint32_t)pageno[i];
		/* Release: a reader that sees logged >= commit sees the entry. */
		atomic_store_explicit(&o->logged, commit, memory_order_release);
		for (unsigned i = 0; i < o->write_pages; i++) {
			uint64_t prev = o->model_stamp[pageno[i]];
			_Atomic uint64_t *link;
			if (prev == 0) {
				link = &o->first_write[pageno[i]];
			} else {
				const uint32_t *pages = log_pages(o, prev);
				unsigned j = 0;
				while (pages[j] != pageno[i])
					j++;
				link = log_next(o, prev) + j;
			}
			/* Relaxed: readers compare the value only; one whose
			 * snapshot includes `commit` is ordered after this store
			 * by the variant's own commit/begin_read edge. */
			atomic_store_explicit(link, commit, memory_order_relaxed);
		}
	}
	for (unsigned i = 0; i < o->write_pages; i++)
		o->model_stamp[pageno[i]] = commit;
	o->commits = commit;
	return SB_OK;
}

void oracle_txn_end(struct oracle *o, uint64_t commit)
{
	(void)commit;
	/* Release: see oracle_txn_begin. */
	atomic_store_explicit(&o->txn_active, 0, memory_order_release);
}

void oracle_txn_completed(struct oracle *o, uint64_t commit)
{
	/* Several writers may finish out of order: keep the maximum.  Release
	 * pairs with oracle_completed's acquire (the stale check must not see
	 * a commit number before the commit it names returned). */
	uint64_t seen = atomic_load_explicit(&o->completed, memory_order_relaxed);
	while (seen < commit &&
	       !atomic_compare_exchange_weak_explicit(&o->completed, &seen, commit,
	                                              memory_order_release,
	                                              memory_order_relaxed))
		;
}

/* ---- reader side ---- */

uint64_t oracle_check_snapshot(struct oracle *o, bool strict,
                               uint64_t completed_before, uint64_t snapshot,
                               struct violations *found)
{
	/* Acquire: pairs with oracle_txn_log's release. */
	uint64_t logged = atomic_load_explicit(&o->logged, memory_order_acquire);
	if (o->keep_log && snapshot > logged)
		oracle_report(o, found, V_INCONSISTENT,
		              "snapshot of commit %llu, but only %llu commits began",
		              (unsigned long long)snapshot,
		              (unsigned long long)logged);
	if (snapshot >= completed_before)
		return 0;
	if (strict)
		oracle_report(o, found, V_STALE,
		              "snapshot of commit %llu opened after commit %llu "
		              "completed",
		              (unsigned long long)snapshot,
		              (unsigned long long)completed_before);
	return completed_before - snapshot;
}

void oracle_read_begin(struct read_check *check, uint64_t snapshot,
                       uint64_t start, uint64_t count, uint64_t *stamps)
{
	check->snapshot = snapshot;
	check->start = start;
	check->count = count;
	check->stamps = stamps;
	check->balance_sum = 0;
	check->checked = 0;
}

#define STAMP_TORN UINT64_MAX

void oracle_check_page(struct oracle *o, struct read_check *check,
                       uint64_t offset, const void *page,
                       struct violations *found)
{
	uint64_t pageno = (check->start + offset) % o->pages;
	const struct page_header *h = page_header(page);
	check->checked++;
	if (h->pageno != pageno || h->checksum != page_checksum(page, o->page_size)) {
		oracle_report(o, found, V_TORN,
		              "page %llu (header says page %llu, stamp %llu): "
		              "checksum does not match its contents",
		              (unsigned long long)pageno,
		              (unsigned long long)h->pageno,
		              (unsigned long long)h->stamp);
		check->stamps[offset] = STAMP_TORN;
		return;
	}
	uint64_t stamp = h->stamp, snapshot = check->snapshot;
	check->stamps[offset] = stamp;
	check->balance_sum += h->balance;
	if (stamp > snapshot) {
		oracle_report(o, found, V_INCONSISTENT,
		              "page %llu has stamp %llu, newer than the snapshot's "
		              "commit %llu",
		              (unsigned long long)pageno, (unsigned long long)stamp,
		              (unsigned long long)snapshot);
		return;
	}
	if (!o->keep_log)
		return;
	/* Acquire: pairs with oracle_txn_log's release. */
	uint64_t logged = atomic_load_explicit(&o->logged, memory_order_acquire);
	if (stamp > logged) {
		oracle_report(o, found, V_INCONSISTENT,
		              "page %llu has stamp %llu, a commit that never began",
		              (unsigned long long)pageno, (unsigned long long)stamp);
		return;
	}
	_Atomic uint64_t *link;
	if (stamp == 0) {
		link = &o->first_write[pageno];
	} else {
		const uint32_t *pages = log_pages(o, stamp);
		unsigned j = 0;
		while (j < o->write_pages && pages[j] != pageno)
			j++;
		if (j == o->write_pages) {
			oracle_report(o, found, V_INCONSISTENT,
			              "page %llu has stamp %llu, but commit %llu did "
			              "not write it",
			              (unsigned long long)pageno,
			              (unsigned long long)stamp,
			              (unsigned long long)stamp);
			return;
		}
		link = log_next(o, stamp) + j;
	}
	/* Relaxed: see oracle_txn_log. */
	uint64_t next = atomic_load_explicit(link, memory_order_relaxed);
	if (next != 0 && next <= snapshot)
		oracle_report(o, found, V_INCONSISTENT,
		              "page %llu has stamp %llu, but commit %llu <= the "
		              "snapshot's commit %llu wrote it again",
		              (unsigned long long)pageno, (unsigned long long)stamp,
		              (unsigned long long)next,
		              (unsigned long long)snapshot);
}

void oracle_read_end(struct oracle *o, struct read_check *check,
                     struct violations *found)
{
	bool torn = false;
	for (uint64_t off = 0; off < check->checked && off < check->count; off++)
		if (check->stamps[off] == STAMP_TORN)
			torn = true;
	if (check->count == o->pages && check->checked == o->pages && !torn &&
	    check->balance_sum != 0)
		oracle_report(o, found, V_BALANCE,
		              "a full scan of snapshot %llu sums to %lld",
		              (unsigned long long)check->snapshot,
		              (long long)check->balance_sum);
	if (!o->keep_log)
		return;
	/* Acquire: pairs with oracle_txn_log's release. */
	uint64_t logged = atomic_load_explicit(&o->logged, memory_order_acquire);
	uint64_t checked = check->checked < check->count ? check->checked
	                                                  : check->count;
	for (uint64_t off = 0; off < checked; off++) {
		uint64_t stamp = check->stamps[off];
		if (stamp == 0 || stamp == STAMP_TORN || stamp > logged)
			continue;
		const uint32_t *pages = log_pages(o, stamp);
		uint64_t pageno = (check->start + off) % o->pages;
		/* Examine commit `stamp` once: from the first of its pages in
		 * the range that the read saw at that commit. */
		unsigned first = o->write_pages;
		for (unsigned j = 0; j < o->write_pages && first == o->write_pages; j++) {
			uint64_t at = (pages[j] + o->pages - check->start) % o->pages;
			if (at < checked && check->stamps[at] == stamp)
				first = j;
		}
		if (first == o->write_pages || pages[first] != pageno)
			continue;
		for (unsigned j = 0; j < o->write_pages; j++) {
			uint64_t at = (pages[j] + o->pages - check->start) % o->pages;
			if (at >= checked)
				continue;
			uint64_t seen = check->stamps[at];
			if (seen != STAMP_TORN && seen < stamp)
				oracle_report(o, found, V_FRACTURED,
				              "snapshot %llu saw page %llu of commit %llu "
				              "but page %llu of it at stamp %llu",
				              (unsigned long long)check->snapshot,
				              (unsigned long long)pageno,
				              (unsigned long long)stamp,
				              (unsigned long long)pages[j],
				              (unsigned long long)seen);
		}
	}
}

/* ---- the final check ---- */

struct final_arg {
	struct oracle *oracle;
};

static void final_read(const struct sb_variant *variant, sb_snap *snap,
                       void *arg, void *result)
{
	struct oracle *o = ((struct final_arg *)arg)->oracle;
	struct violations *found = result;
	uint64_t snapshot = variant->snapshot_commit(snap);
	if (snapshot != o->commits)
		oracle_report(o, found, V_LOST_WRITE,
		              "the final snapshot reflects commit %llu, but %llu "
		              "commits were made",
		              (unsigned long long)snapshot,
		              (unsigned long long)o->commits);
	int64_t balance_sum = 0;
	for (uint64_t n = 0; n < o->pages; n++) {
		const void *page = variant->read_page(snap, n);
		const struct page_header *h = page_header(page);
		balance_sum += h->balance;
		if (h->pageno != n ||
		    h->checksum != page_checksum(page, o->page_size)) {
			oracle_report(o, found, V_TORN,
			              "final page %llu: checksum does not match",
			              (unsigned long long)n);
		} else if (h->stamp != o->model_stamp[n] ||
		           h->balance != o->model_balance[n]) {
			oracle_report(o, found, V_LOST_WRITE,
			              "final page %llu has stamp %llu, balance %lld; "
			              "the writer left stamp %llu, balance %lld",
			              (unsigned long long)n,
			              (unsigned long long)h->stamp,
			              (long long)h->balance,
			              (unsigned long long)o->model_stamp[n],
			              (long long)o->model_balance[n]);
		}
	}
	if (balance_sum != 0)
		oracle_report(o, found, V_BALANCE,
		              "the final state's balances sum to %lld",
		              (long long)balance_sum);
}

int oracle_final_check(struct oracle *o, const struct sb_variant *variant,
                       sb_db *db, struct violations *found)
{
	struct final_arg arg = {o};
	struct violations final = {0};
	int status = SB_OK;
	if (variant->begin_final_read) {
		/* A frozen control: its readers see commit 0; the writer's
		 * state is checked through the snapshot made for this. */
		sb_snap *snap = variant->begin_final_read(db);
		if (!snap)
			return SB_ERESOURCE;
		final_read(variant, snap, &arg, &final);
		variant->end_read(snap);
	} else {
		status = sb_run_read(variant, db, final_read, &arg, &final,
		                     sizeof final);
	}
	if (status == SB_OK)
		violations_add(found, &final);
	return status;
}
