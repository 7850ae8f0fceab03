/*
 * operations.c — one write transaction and one read, as every writer and
 * reader thread runs them (operations.h).
 */
#include <string.h>

#include "../variants/clock.h"
#include "operations.h"
#include "page.h"

const char *const scan_work_names[3] = {"touch", "sum", "verify"};

/* ---- one write transaction ---- */

int workload_commit(const struct sb_variant *variant, sb_db *db,
                    struct oracle *oracle, uint64_t hot_pages,
                    struct writer_rng *rng, struct violations *found)
{
	unsigned k = oracle->write_pages;
	uint64_t pageno[k];
	for (unsigned i = 0; i < k; i++) {
		bool fresh;
		do {
			pageno[i] = rng_next(rng) % hot_pages;
			fresh = true;
			for (unsigned j = 0; j < i; j++)
				if (pageno[j] == pageno[i])
					fresh = false;
		} while (!fresh);
	}
	sb_txn *txn = variant->begin_write(db);
	if (!txn)
		return SB_ERESOURCE;
	uint64_t commit = oracle_txn_begin(oracle, found);
	/* Money moves from page 0 of the transaction to the others: the
	 * balances of a consistent snapshot always sum to zero. */
	int64_t moved = 0;
	for (unsigned i = 1; i < k; i++) {
		void *page = variant->write_page(txn, pageno[i]);
		if (!page)
			return SB_ERESOURCE;
		int64_t amount = (int64_t)(rng_next(rng) % 1000) + 1;
		moved += amount;
		oracle_txn_write(oracle, commit, pageno[i], page, amount, found);
	}
	void *page = variant->write_page(txn, pageno[0]);
	if (!page)
		return SB_ERESOURCE;
	oracle_txn_write(oracle, commit, pageno[0], page, -moved, found);
	if (oracle_txn_log(oracle, commit, pageno) != SB_OK)
		return SB_ERESOURCE;
	oracle_txn_end(oracle, commit);
	if (variant->commit(txn) != SB_OK)
		return SB_ERESOURCE;
	oracle_txn_completed(oracle, commit);
	return SB_OK;
}

/* ---- one read ---- */

void sleep_unless_stopped(uint64_t end, const _Atomic bool *stop)
{
	for (uint64_t now = sb_now_ns(); now < end; now = sb_now_ns()) {
		/* Acquire: nothing is read through the flag; any order would do,
		 * acquire keeps the reasoning simple. */
		if (stop && atomic_load_explicit(stop, memory_order_acquire))
			return;
		sb_sleep_ns(end - now < SLICE_NS ? end - now : SLICE_NS);
	}
}

static void pause_read(const struct read_arg *arg, struct read_result *res)
{
	uint64_t start = sb_now_ns();
	sleep_unless_stopped(start + arg->pause_ns, arg->stop);
	res->pause_ns = sb_now_ns() - start;
}

static void scan_range(const struct sb_variant *variant, sb_snap *snap,
                       const struct read_arg *arg, struct read_check *check,
                       uint64_t from, uint64_t to, struct read_result *res)
{
	struct oracle *o = arg->oracle;
	uint64_t pages = o->pages;
	size_t page_size = o->page_size;
	uint64_t pageno = (arg->start + from) % pages;
	uint64_t sink = 0;
	switch (arg->work) {
	case SCAN_TOUCH:
		for (uint64_t off = from; off < to; off++) {
			sink += page_header(variant->read_page(snap, pageno))->stamp;
			pageno = pageno + 1 == pages ? 0 : pageno + 1;
		}
		break;
	case SCAN_SUM:
		for (uint64_t off = from; off < to; off++) {
			sink += page_sum_words(variant->read_page(snap, pageno),
			                       page_size);
			pageno = pageno + 1 == pages ? 0 : pageno + 1;
		}
		break;
	case SCAN_VERIFY:
		for (uint64_t off = from; off < to; off++) {
			oracle_check_page(o, check, off,
			                  variant->read_page(snap, pageno),
			                  &res->violations);
			pageno = pageno + 1 == pages ? 0 : pageno + 1;
		}
		break;
	}
	res->sink += sink;
	res->pages += to - from;
}

void workload_read(const struct sb_variant *variant, sb_snap *snap, void *argp,
                   void *result)
{
	const struct read_arg *arg = argp;
	struct read_result *res = result;
	memset(res, 0, sizeof *res);
	res->snapshot = variant->snapshot_commit(snap);
	/* Relaxed: the monitor only samples the number (retained_min.h); the
	 * log it reads with it is ordered by the oracle's own release. */
	if (arg->live_snapshot)
		atomic_store_explicit(arg->live_snapshot, res->snapshot + 1,
		                      memory_order_relaxed);
	struct read_check check;
	oracle_read_begin(&check, res->snapshot, arg->start, arg->count,
	                  arg->stamps);
	uint64_t half = arg->count / 2;
	scan_range(variant, snap, arg, &check, 0, half, res);
	if (arg->pause_ns)
		pause_read(arg, res);
	scan_range(variant, snap, arg, &check, half, arg->count, res);
	if (arg->work == SCAN_VERIFY)
		oracle_read_end(arg->oracle, &check, &res->violations);
	/* Relaxed: as above. */
	if (arg->live_snapshot)
		atomic_store_explicit(arg->live_snapshot, 0, memory_order_relaxed);
}
