/*
 * rcucow and epochcow: the copy-on-write core (variants/cow.h) and what the
 * two reclamation schemes promise beyond the shared conformance tests —
 * that a long reader holds back every version made during it, and that
 * memory comes back once it ends without any further commit.
 */
#include <criterion/alloc.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "cow.h"
#include "fixture.h"

static size_t page_size = 128;

/* A parameter: the variant's name, by value (the test runs in another
 * process, where pointers into this one mean nothing). */
struct cow_case {
	char name[16];
};

static void free_cases(struct criterion_test_params *params)
{
	cr_free(params->params);
}

static struct criterion_test_params cow_cases(void)
{
	struct cow_case *cases = cr_malloc(2 * sizeof *cases);
	strcpy(cases[0].name, "rcucow");
	strcpy(cases[1].name, "epochcow");
	return cr_make_param_array(struct cow_case, cases, 2, free_cases);
}

ParameterizedTestParameters(cow, reader_held_across_commits_retains_every_version)
{
	return cow_cases();
}

/* A reader on its own thread: opens a snapshot, lets the test commit, reads
 * page 3 through the old snapshot, ends. */
struct held_reader {
	const struct sb_variant *v;
	sb_db *db;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	bool opened, release;
	uint64_t stamp_seen;
};

static void *held_reader_main(void *arg)
{
	struct held_reader *r = arg;
	cr_assert_eq(sb_thread_enter(r->v, r->db), SB_OK);
	sb_snap *snap = r->v->begin_read(r->db);
	cr_assert_not_null(snap);
	pthread_mutex_lock(&r->lock);
	r->opened = true;
	pthread_cond_broadcast(&r->changed);
	while (!r->release)
		pthread_cond_wait(&r->changed, &r->lock);
	pthread_mutex_unlock(&r->lock);
	r->stamp_seen = page_header(r->v->read_page(snap, 3))->stamp;
	r->v->end_read(snap);
	sb_thread_exit(r->v, r->db);
	return NULL;
}

ParameterizedTest(struct cow_case *c, cow, reader_held_across_commits_retains_every_version)
{
	const struct sb_variant *v = sb_variant_find(c->name);
	cr_assert_not_null(v);
	sb_db *db = fixture_open(v, 16, &page_size, 1, 1, SB_PUBLISH_BLOCK);
	/* The tree's own tables and headers: what stays once nothing is held. */
	const uint64_t tree_bytes = fixture_stats(v, db).retained_bytes;
	cr_assert_gt(tree_bytes, 16 * 64, "%s: the page headers are retained",
	             v->name);
	cr_assert_eq(fixture_stats(v, db).retained_visible_bytes, 0);
	struct held_reader r = {.v = v, .db = db};
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.changed, NULL);
	pthread_t reader;
	pthread_create(&reader, NULL, held_reader_main, &r);
	pthread_mutex_lock(&r.lock);
	while (!r.opened)
		pthread_cond_wait(&r.changed, &r.lock);
	pthread_mutex_unlock(&r.lock);

	/* N commits to one page while the reader is inside: every replaced
	 * version of page 3 (and every replaced root) must still be held,
	 * even after time for the reclamation to try. */
	enum { N = 20 };
	for (uint64_t c = 1; c <= N; c++)
		fixture_commit_page(v, db, page_size, c, 3);
	usleep(200000);
	struct sb_stats during = fixture_stats(v, db);
	uint64_t held = during.retained_bytes - tree_bytes;
	cr_assert_geq(held, N * page_size, "%s: %llu bytes retained for %d "
	              "versions of %zu bytes", v->name, (unsigned long long)held,
	              N, page_size);
	/* The bound: every held byte counts as visible while a reader is in. */
	cr_assert_eq(during.retained_visible_bytes, held, "%s", v->name);

	pthread_mutex_lock(&r.lock);
	r.release = true;
	pthread_cond_broadcast(&r.changed);
	pthread_mutex_unlock(&r.lock);
	pthread_join(reader, NULL);
	cr_assert_eq(r.stamp_seen, 0, "%s: the held snapshot saw commit %llu",
	             v->name, (unsigned long long)r.stamp_seen);

	/* No further commit: reclamation must finish on its own. */
	uint64_t left = fixture_stats(v, db).retained_bytes - tree_bytes;
	for (int i = 0; i < 300 && left != 0; i++) {
		usleep(10000);
		left = fixture_stats(v, db).retained_bytes - tree_bytes;
	}
	cr_assert_eq(left, 0, "%s: %llu bytes still retained after the reader "
	             "ended", v->name, (unsigned long long)left);
	struct sb_stats after = fixture_stats(v, db);
	cr_assert_eq(after.retained_visible_bytes, 0, "%s", v->name);
	cr_assert_geq(after.retained_peak_bytes, tree_bytes + N * page_size);
	cr_assert_geq(after.retained_visible_peak_bytes, N * page_size);
	pthread_cond_destroy(&r.changed);
	pthread_mutex_destroy(&r.lock);
	fixture_close(v, db);
}

ParameterizedTestParameters(cow, unwritten_pages_are_shared_between_snapshots)
{
	return cow_cases();
}
ParameterizedTest(struct cow_case *c, cow, unwritten_pages_are_shared_between_snapshots)
{
	/* 128 * 128 + 7 pages: a three-level table.  Pages at both ends and
	 * across leaf boundaries are written under an old snapshot. */
	const struct sb_variant *v = sb_variant_find(c->name);
	const uint64_t pages = COW_FANOUT * COW_FANOUT + 7;
	const uint64_t written[] = {0, COW_FANOUT - 1, COW_FANOUT,
	                            COW_FANOUT * COW_FANOUT, pages - 1};
	const unsigned count = sizeof written / sizeof written[0];
	sb_db *db = fixture_open(v, pages, &page_size, 1, 1, SB_PUBLISH_BLOCK);
	sb_snap *old = v->begin_read(db);
	fixture_commit_ok(v, db, page_size, 1, written, count);
	sb_snap *fresh = v->begin_read(db);
	cr_assert_eq(v->snapshot_commit(old), 0);
	cr_assert_eq(v->snapshot_commit(fresh), 1);
	for (uint64_t n = 0; n < pages; n++) {
		bool was_written = false;
		for (unsigned i = 0; i < count; i++)
			was_written |= written[i] == n;
		const void *before = v->read_page(old, n);
		const void *after = v->read_page(fresh, n);
		cr_assert_eq(page_header(before)->pageno, n);
		cr_assert_eq(page_header(after)->pageno, n);
		cr_assert_eq(page_header(before)->stamp, 0, "%s: page %llu",
		             v->name, (unsigned long long)n);
		cr_assert_eq(page_header(after)->stamp, was_written ? 1 : 0);
		/* Copy-on-write: only what was written was copied. */
		if (was_written)
			cr_assert_neq(before, after);
		else
			cr_assert_eq(before, after, "%s: page %llu was copied",
			             v->name, (unsigned long long)n);
	}
	v->end_read(fresh);
	v->end_read(old);
	fixture_close(v, db);
}

/* ---- the core, driven directly ---- */

static struct cow_node *core_open(struct cow_tree *tree, uint64_t pages)
{
	struct sb_config config = {
		.pages = pages,
		.page_size = page_size,
		.init_page = fixture_init_page,
		.init_ctx = &page_size,
	};
	char err[256] = "";
	struct cow_node *root = cow_tree_init(tree, &config, err, sizeof err);
	cr_assert_not_null(root, "%s", err);
	return root;
}

Test(cow, table_depth_fits_the_page_count)
{
	const struct {
		uint64_t pages;
		unsigned depth;
	} cases[] = {
		{1, 1}, {COW_FANOUT, 1}, {COW_FANOUT + 1, 2},
		{COW_FANOUT * COW_FANOUT, 2}, {COW_FANOUT * COW_FANOUT + 1, 3},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cow_tree tree;
		struct cow_node *root = core_open(&tree, cases[i].pages);
		cr_assert_eq(tree.depth, cases[i].depth, "%llu pages",
		             (unsigned long long)cases[i].pages);
		/* The last page is reachable and is itself. */
		const void *last = cow_read(&tree, root, cases[i].pages - 1);
		cr_assert_eq(page_header(last)->pageno, cases[i].pages - 1);
		cow_tree_destroy(&tree, root);
	}
}

Test(cow, transaction_copies_each_page_and_table_node_once)
{
	struct cow_tree tree;
	struct cow_node *root = core_open(&tree, COW_FANOUT * COW_FANOUT + 1);
	cr_assert_eq(tree.depth, 3);
	/* The tables of 128 * 128 + 1 pages: a root, two nodes below it, 129
	 * leaves; and a header per page. */
	const uint64_t tree_bytes = (1 + 2 + 129) * sizeof(struct cow_node) +
	                            (COW_FANOUT * COW_FANOUT + 1) * COW_PAGE_HEADER;
	cr_assert_eq(tree.baseline_bytes, tree_bytes);
	struct cow_txn txn;
	cr_assert_eq(cow_txn_begin(&tree, &txn, root), SB_OK);
	cr_assert_eq(txn.retired->count, 1, "the old root");

	/* First write: the two nodes below the root and the page. */
	void *first = cow_txn_write(&tree, &txn, 5);
	cr_assert_eq(txn.retired->count, 4);
	cr_assert_neq(first, cow_read(&tree, root, 5), "not a private copy");
	cr_assert(memcmp(first, cow_read(&tree, root, 5), page_size) == 0,
	          "the copy does not hold the current contents");
	/* Again: the same buffer, nothing more copied. */
	cr_assert_eq(cow_txn_write(&tree, &txn, 5), first);
	cr_assert_eq(txn.retired->count, 4);
	/* A neighbour in the same leaf: only its page. */
	cow_txn_write(&tree, &txn, 6);
	cr_assert_eq(txn.retired->count, 5);
	page_fill(first, page_size, 5, 1, 0);

	struct cow_node *new_root;
	struct cow_retired *batch = cow_txn_finish(&tree, &txn, &new_root);
	uint64_t expected = 3 * sizeof(struct cow_node) +
	                    2 * (COW_PAGE_HEADER + page_size) +
	                    sizeof *batch + batch->capacity * sizeof(void *);
	cr_assert_eq(batch->bytes, expected);
	struct sb_stats stats;
	sb_retained_read(&tree.retained, &stats);
	cr_assert_eq(stats.retained_bytes, tree_bytes + expected);
	cr_assert_eq(cow_root_commit(new_root), 1);
	cr_assert_eq(page_header(cow_read(&tree, new_root, 5))->stamp, 1);
	cr_assert_eq(page_header(cow_read(&tree, root, 5))->stamp, 0,
	             "the published version was written");

	cow_retired_free(batch);
	sb_retained_read(&tree.retained, &stats);
	cr_assert_eq(stats.retained_bytes, tree_bytes);
	cow_tree_destroy(&tree, new_root);
}

Test(cow, abandoned_transaction_leaves_the_published_tree_whole)
{
	struct cow_tree tree;
	struct cow_node *root = core_open(&tree, 3 * COW_FANOUT);
	struct cow_txn txn;
	cr_assert_eq(cow_txn_begin(&tree, &txn, root), SB_OK);
	page_fill(cow_txn_write(&tree, &txn, 1), page_size, 1, 1, 0);
	page_fill(cow_txn_write(&tree, &txn, 2 * COW_FANOUT), page_size,
	          2 * COW_FANOUT, 1, 0);
	cow_txn_abandon(&tree, &txn);
	for (uint64_t n = 0; n < 3 * COW_FANOUT; n++) {
		const void *page = cow_read(&tree, root, n);
		cr_assert_eq(page_header(page)->stamp, 0);
		cr_assert_eq(page_header(page)->checksum,
		             page_checksum(page, page_size));
	}
	/* Under ASan a double free or a leak of the private copies fails. */
	cow_tree_destroy(&tree, root);
}
