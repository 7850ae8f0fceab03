/* cow.c — the copy-on-write core of rcucow and epochcow (see cow.h). */
#include <stdlib.h>
#include <string.h>

#include "cow.h"

/* Pages covered by one slot of a node at `level` (0 = leaf). */
static uint64_t slot_span(unsigned level)
{
	return 1ull << (level * COW_FANOUT_BITS);
}

static unsigned slot_index(unsigned level, uint64_t pageno)
{
	return (unsigned)(pageno >> (level * COW_FANOUT_BITS)) & (COW_FANOUT - 1);
}

static size_t page_alloc_bytes(const struct cow_tree *tree)
{
	return COW_PAGE_HEADER + tree->page_size;
}

static struct cow_page *page_new(const struct cow_tree *tree, uint64_t commit)
{
	/* page_size is a multiple of 64, so is the size: aligned_alloc's rule. */
	struct cow_page *page = aligned_alloc(64, page_alloc_bytes(tree));
	if (page)
		page->commit = commit;
	return page;
}

static void *page_data(struct cow_page *page)
{
	return (char *)page + COW_PAGE_HEADER;
}

/* Frees the subtree under `node` at `level`, or, when only_commit is not
 * UINT64_MAX, only the nodes and pages made by that commit (a transaction's
 * private part: private nodes are the only ones that can lead to private
 * nodes or pages). */
static void free_subtree(struct cow_node *node, unsigned level,
                         uint64_t only_commit)
{
	bool all = only_commit == UINT64_MAX;
	for (unsigned i = 0; i < COW_FANOUT; i++) {
		if (!node->slot[i])
			continue;
		if (level == 0) {
			struct cow_page *page = node->slot[i];
			if (all || page->commit == only_commit)
				free(page);
		} else {
			struct cow_node *child = node->slot[i];
			if (all || child->commit == only_commit)
				free_subtree(child, level - 1, only_commit);
		}
	}
	free(node);
}

/* The node at `level` covering pages from `first`, filled with commit 0. */
static struct cow_node *build(struct cow_tree *tree,
                              const struct sb_config *config, unsigned level,
                              uint64_t first)
{
	struct cow_node *node = calloc(1, sizeof *node);
	if (!node)
		return NULL;
	sb_retained_add(&tree->retained, sizeof *node);
	uint64_t span = slot_span(level);
	for (unsigned i = 0; i < COW_FANOUT && first + i * span < tree->pages; i++) {
		uint64_t pageno = first + i * span;
		if (level == 0) {
			struct cow_page *page = page_new(tree, 0);
			if (!page)
				goto fail;
			config->init_page(config->init_ctx, pageno, page_data(page));
			node->slot[i] = page;
			sb_retained_add(&tree->retained, COW_PAGE_HEADER);
		} else {
			node->slot[i] = build(tree, config, level - 1, pageno);
			if (!node->slot[i])
				goto fail;
		}
	}
	return node;
fail:
	free_subtree(node, level, UINT64_MAX);
	return NULL;
}

struct cow_node *cow_tree_init(struct cow_tree *tree,
                               const struct sb_config *config, char *err,
                               size_t errlen)
{
	memset(tree, 0, sizeof *tree);
	tree->pages = config->pages;
	tree->page_size = config->page_size;
	tree->depth = 1;
	while (tree->depth < 64 / COW_FANOUT_BITS &&
	       slot_span(tree->depth) < config->pages)
		tree->depth++;
	struct cow_node *root = build(tree, config, tree->depth - 1, 0);
	tree->baseline_bytes = sb_gauge_bytes(&tree->retained.all);
	if (!root)
		snprintf(err, errlen, "cannot allocate %llu pages of %zu bytes "
		         "and their page table", (unsigned long long)config->pages,
		         config->page_size);
	return root;
}

void cow_tree_destroy(struct cow_tree *tree, struct cow_node *root)
{
	if (root)
		free_subtree(root, tree->depth - 1, UINT64_MAX);
}

/* Makes room in the batch for `more` items; false when memory ran out. */
static bool retired_reserve(struct cow_txn *txn, size_t more)
{
	struct cow_retired *batch = txn->retired;
	if (batch->count + more <= batch->capacity)
		return true;
	size_t capacity = 2 * batch->capacity;
	while (capacity < batch->count + more)
		capacity *= 2;
	batch = realloc(batch, sizeof *batch + capacity * sizeof batch->item[0]);
	if (!batch)
		return false;
	batch->capacity = capacity;
	txn->retired = batch;
	return true;
}

/* Records `item` (`bytes` long) as replaced; room was reserved. */
static void retire(struct cow_txn *txn, void *item, size_t bytes)
{
	struct cow_retired *batch = txn->retired;
	batch->item[batch->count++] = item;
	batch->bytes += bytes;
}

static struct cow_node *node_copy(const struct cow_node *from, uint64_t commit)
{
	struct cow_node *node = malloc(sizeof *node);
	if (node) {
		memcpy(node, from, sizeof *node);
		node->commit = commit;
	}
	return node;
}

int cow_txn_begin(struct cow_tree *tree, struct cow_txn *txn,
                  const struct cow_node *current)
{
	/* Room for the root and a few paths before the first growth. */
	size_t capacity = 4 * (tree->depth + 1) + 1;
	struct cow_retired *batch = malloc(sizeof *batch +
	                                   capacity * sizeof batch->item[0]);
	if (!batch)
		return SB_ERESOURCE;
	memset(batch, 0, sizeof *batch);
	batch->capacity = capacity;
	txn->commit = current->commit + 1;
	txn->root = node_copy(current, txn->commit);
	if (!txn->root) {
		free(batch);
		return SB_ERESOURCE;
	}
	txn->retired = batch;
	/* The published root is not written: it is retired as it stands. */
	retire(txn, (void *)current, sizeof *current);
	return SB_OK;
}

void *cow_txn_write(struct cow_tree *tree, struct cow_txn *txn,
                    uint64_t pageno)
{
	/* At most one node per level and one page are replaced below. */
	if (!retired_reserve(txn, tree->depth))
		return NULL;
	struct cow_node *node = txn->root;
	for (unsigned level = tree->depth - 1; level > 0; level--) {
		void **slot = &node->slot[slot_index(level, pageno)];
		struct cow_node *child = *slot;
		if (child->commit != txn->commit) {
			struct cow_node *copy = node_copy(child, txn->commit);
			if (!copy)
				return NULL;
			retire(txn, child, sizeof *child);
			*slot = copy;
			child = copy;
		}
		node = child;
	}
	void **slot = &node->slot[slot_index(0, pageno)];
	struct cow_page *page = *slot;
	if (page->commit != txn->commit) {
		struct cow_page *copy = page_new(tree, txn->commit);
		if (!copy)
			return NULL;
		memcpy(page_data(copy), page_data(page), tree->page_size);
		retire(txn, page, page_alloc_bytes(tree));
		*slot = copy;
		page = copy;
	}
	return page_data(page);
}

struct cow_retired *cow_txn_finish(struct cow_tree *tree, struct cow_txn *txn,
                                   struct cow_node **root)
{
	struct cow_retired *batch = txn->retired;
	batch->tree = tree;
	batch->bytes += sizeof *batch + batch->capacity * sizeof batch->item[0];
	/* Counted before the batch is handed to reclamation, so that its free
	 * never subtracts what was not yet added. */
	sb_retained_add(&tree->retained, batch->bytes);
	*root = txn->root;
	txn->root = NULL;
	txn->retired = NULL;
	return batch;
}

void cow_txn_abandon(struct cow_tree *tree, struct cow_txn *txn)
{
	if (txn->root)
		free_subtree(txn->root, tree->depth - 1, txn->commit);
	/* Its items are still in the published tree: only the list goes. */
	free(txn->retired);
	txn->root = NULL;
	txn->retired = NULL;
}

void cow_retired_free(struct cow_retired *batch)
{
	for (size_t i = 0; i < batch->count; i++)
		free(batch->item[i]);
	sb_retained_sub(&batch->tree->retained, batch->bytes);
	free(batch);
}

void cow_stats(struct cow_tree *tree, struct sb_stats *stats)
{
	/* Relaxed: a sample of statistics. */
	bool open = atomic_load_explicit(&tree->open_snapshots,
	                                 memory_order_relaxed) > 0;
	uint64_t all = sb_gauge_bytes(&tree->retained.all);
	uint64_t retired = all > tree->baseline_bytes
		? all - tree->baseline_bytes : 0;
	/* Set at each sample: its peak is the peak of the samples. */
	sb_gauge_set(&tree->retained.visible, open ? retired : 0);
	sb_stats_fill(stats, &tree->retained, NULL);
}
