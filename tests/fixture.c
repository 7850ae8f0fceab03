#include <criterion/criterion.h>
#include <criterion/alloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "broken.h"
#include "fixture.h"

static void free_params(struct criterion_test_params *params)
{
	cr_free(params->params);
}

struct criterion_test_params fixture_variants(enum fixture_which which)
{
	/* cr_malloc: the parameters must be visible to the test's worker. */
	struct variant_case *cases = cr_malloc(2 * sb_variant_count * sizeof *cases);
	size_t count = 0;
	for (size_t i = 0; i < sb_variant_count; i++) {
		const struct sb_variant *v = sb_variants[i];
		bool chosen = !broken_has_fault(v) && (which == FIXTURE_ALL ||
		              (which == FIXTURE_FROZEN && v->frozen) ||
		              (which == FIXTURE_SAFE && v->concurrent_safe) ||
		              (which == FIXTURE_UNSAFE && !v->concurrent_safe));
		if (!chosen)
			continue;
		cases[count++] = (struct variant_case){i, SB_PUBLISH_BLOCK};
		if (v->publish_modes)
			cases[count++] = (struct variant_case){i, SB_PUBLISH_TRY};
	}
	return cr_make_param_array(struct variant_case, cases, count, free_params);
}

struct run_config fixture_run_config(uint64_t pages, size_t page_size,
                                     unsigned readers, double duration_s)
{
	return (struct run_config){
		.pages = pages,
		.page_size = page_size,
		.duration_s = duration_s,
		.warmup_s = 0,
		.readers = readers,
		.scan_pages = pages,
		.scan_work = SCAN_VERIFY,
		.writers = 1,
		.write_pages = 4,
		.write_rate = 2000,
		.hot_pages = pages,
		.hot_pct = 100,
		.seed = 7,
	};
}

void fixture_init_page(void *page_size, uint64_t pageno, void *page)
{
	page_fill(page, *(size_t *)page_size, pageno, 0, 0);
}

sb_db *fixture_open(const struct sb_variant *v, uint64_t pages,
                    size_t *page_size, unsigned readers, unsigned writers,
                    enum sb_publish publish)
{
	return fixture_open_home(v, pages, page_size, readers, writers, publish,
	                         true);
}

sb_db *fixture_open_home(const struct sb_variant *v, uint64_t pages,
                         size_t *page_size, unsigned readers,
                         unsigned writers, enum sb_publish publish,
                         bool move_home)
{
	struct sb_config config = {
		.pages = pages,
		.page_size = *page_size,
		.readers = readers,
		.writers = writers,
		.publish = publish,
		.move_home = move_home,
		.init_page = fixture_init_page,
		.init_ctx = page_size,
	};
	sb_db *db = NULL;
	char err[256] = "";
	int status = v->open(&config, &db, err, sizeof err);
	cr_assert_eq(status, SB_OK, "%s: open failed: %s", v->name, err);
	cr_assert_eq(sb_thread_enter(v, db), SB_OK, "%s: thread_enter", v->name);
	return db;
}

void fixture_close(const struct sb_variant *v, sb_db *db)
{
	sb_thread_exit(v, db);
	v->close(db);
}

int fixture_commit(const struct sb_variant *v, sb_db *db, size_t page_size,
                   uint64_t stamp, const uint64_t *pages, unsigned count)
{
	sb_txn *txn = v->begin_write(db);
	cr_assert_not_null(txn, "%s: begin_write", v->name);
	for (unsigned i = 0; i < count; i++) {
		void *page = v->write_page(txn, pages[i]);
		cr_assert_not_null(page, "%s: write_page", v->name);
		page_fill(page, page_size, pages[i], stamp, 0);
	}
	return v->commit(txn);
}

void fixture_commit_ok(const struct sb_variant *v, sb_db *db, size_t page_size,
                       uint64_t stamp, const uint64_t *pages, unsigned count)
{
	int status = fixture_commit(v, db, page_size, stamp, pages, count);
	cr_assert_eq(status, SB_OK, "%s: commit %llu", v->name,
	             (unsigned long long)stamp);
}

void fixture_commit_page(const struct sb_variant *v, sb_db *db,
                         size_t page_size, uint64_t stamp, uint64_t pageno)
{
	fixture_commit_ok(v, db, page_size, stamp, &pageno, 1);
}

struct commit_job {
	const struct sb_variant *v;
	sb_db *db;
	size_t page_size;
	uint64_t stamp, pageno;
	_Atomic bool done;
};

static void *commit_job_main(void *arg)
{
	struct commit_job *job = arg;
	cr_assert_eq(sb_thread_enter(job->v, job->db), SB_OK, "%s: thread_enter",
	             job->v->name);
	fixture_commit_page(job->v, job->db, job->page_size, job->stamp,
	                    job->pageno);
	sb_thread_exit(job->v, job->db);
	/* release: pairs with the acquire in fixture_commits_within, so that
	 * the test, once it sees `done`, also sees the whole commit. */
	atomic_store_explicit(&job->done, true, memory_order_release);
	return NULL;
}

bool fixture_commits_within(const struct sb_variant *v, sb_db *db,
                            size_t page_size, uint64_t stamp, uint64_t pageno,
                            unsigned ms)
{
	/* On the heap: a thread still held out when this returns keeps it. */
	struct commit_job *job = malloc(sizeof *job);
	cr_assert_not_null(job, "out of memory");
	job->v = v;
	job->db = db;
	job->page_size = page_size;
	job->stamp = stamp;
	job->pageno = pageno;
	atomic_init(&job->done, false);
	pthread_t thread;
	cr_assert_eq(pthread_create(&thread, NULL, commit_job_main, job), 0);
	for (unsigned waited_ms = 0; waited_ms < ms; waited_ms++) {
		/* acquire: pairs with the release in commit_job_main. */
		if (atomic_load_explicit(&job->done, memory_order_acquire))
			break;
		usleep(1000);
	}
	/* acquire: as above. */
	if (!atomic_load_explicit(&job->done, memory_order_acquire))
		return false;
	pthread_join(thread, NULL);
	free(job);
	return true;
}

uint64_t fixture_stamp(const struct sb_variant *v, sb_snap *snap,
                       size_t page_size, uint64_t n)
{
	const void *page = v->read_page(snap, n);
	cr_assert_not_null(page, "%s: read_page", v->name);
	const struct page_header *h = page_header(page);
	cr_assert_eq(h->pageno, n, "%s: page %llu has number %llu", v->name,
	             (unsigned long long)n, (unsigned long long)h->pageno);
	cr_assert_eq(h->checksum, page_checksum(page, page_size),
	             "%s: page %llu is not whole", v->name, (unsigned long long)n);
	return h->stamp;
}

struct sb_stats fixture_stats(const struct sb_variant *v, sb_db *db)
{
	cr_assert_not_null(v->stats, "%s: no stats", v->name);
	struct sb_stats stats = {0};
	v->stats(db, &stats);
	return stats;
}
