/*
 * api.c — libpagever's public calls (include/pagever.h).  Owns: opening and
 * closing a store, the read path (begin_read, read_page, end_read), the
 * writer (begin_write, write_page, commit, abort), statistics and error
 * messages.
 *
 * The read path.  A reader at time T needs, per page, the first version on
 * the page's chain (newest first) with since <= T.  head_data[n] is stored
 * after each new head is published, and head_since[n] and `started`
 * before, so a reader that loads head_data[n] and then finds started == T
 * or head_since[n] <= T knows it has its version's data without touching a
 * header (pagever_page gives the argument); that version is safe to use
 * until end_read, because no trim pass unlinks a version a live reader can
 * see.  Otherwise it walks the chain, past versions newer than T that a
 * trim pass may unlink meanwhile: the walk is announced in the reader's
 * slot (pv_walk_begin), and unlinked versions are reused only after every
 * walk that may have seen them has ended (readers.c, pv_grace_*).
 *
 * Every point where an operation may wait or retry, with its bound:
 *   begin_read   claims a slot: one CAS per slot tried, at most
 *                reader_slots; raises slots_used: a CAS that fails only when
 *                another reader raised it, at most reader_slots times; then
 *                four seq_cst stores.  No lock, no loop on commits.
 *   read_page    none on the fast path; on the slow path a walk of at most
 *                the page's versions newer than T still linked (those other
 *                live readers see, and those not yet trimmed: at most the
 *                trimmer's backlog, bounded by the writer's back-pressure).
 *   end_read     one trylock of the trim lock; if it succeeds, a turn of
 *                upkeep (trimmer.c): trim passes of at most READER_BATCHES
 *                x TRIMMER_BATCH new versions and the kept ones, the reuse
 *                of what the walks released (a page copy per page moved
 *                home) and a refill of at most REFILL_SLABS slabs; work,
 *                no wait.  Else, or when a batch is left, one sem_post to
 *                the trimmer.
 *   begin_write  waits for another thread's open transaction (the writer
 *                mutex), never for a reader or the trimmer.
 *   write_page   one exchange to claim a free home slot; one exchange to
 *                take the pool; when the pool is empty and QUEUE_LIMIT
 *                versions wait undecided, a trylock and one bounded
 *                batch of trimming (trimmer.c); else an mmap and its page
 *                faults (writer_allocs).
 *   commit       per page one head CAS, retried at most once (a move home
 *                replaced the head with an identical copy; the home slot
 *                is then taken until this page's next commit); one CAS
 *                pushing the replaced versions, retried once per trim pass
 *                that takes the queue meanwhile; one read of each used
 *                reader slot; a sem_post; the bounded batch above.
 *   trimmer      takes the trim lock (waiting for at most one end_read's
 *                turn or one writer's batch); never waits for a walk: a
 *                batch whose walks are not over is polled again next turn.
 * Nothing a reader does makes the writer wait or fault, and no grace
 * period interrupts it: reuse waits on the readers' own walk counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DEFAULT_READER_SLOTS 1024u
#define MAX_READER_SLOTS 65536u
#define MAX_PAGE_SIZE ((size_t)1 << 30)

/* Identifies the thread with the transaction open. */
static _Thread_local char this_thread;

#ifdef PAGEVER_CHECKS
void pv_assert_failed(const char *what, const char *file, int line)
{
	fprintf(stderr, "pagever: invariant broken at %s:%d: %s\n", file, line,
	        what);
	abort();
}
#endif

const char *pagever_strerror(int error)
{
	switch (error) {
	case PAGEVER_OK:
		return "pagever: success";
	case PAGEVER_EINVAL:
		return "pagever: an argument is out of range";
	case PAGEVER_ESTATE:
		return "pagever: the call is not valid in the present state";
	case PAGEVER_ENOMEM:
		return "pagever: out of memory";
	case PAGEVER_EREADERS:
		return "pagever: every reader slot is in use";
	case PAGEVER_ETHREAD:
		return "pagever: cannot start the trimmer thread";
	default:
		return "pagever: unknown error";
	}
}

void pagever_options_init(struct pagever_options *options)
{
	memset(options, 0, sizeof *options);
	options->reader_slots = DEFAULT_READER_SLOTS;
	options->move_home = 1;
}

static void free_store(struct pagever *s)
{
	pv_store_close(s);
	free(s->slots);
	free(s->live_times);
	free(s->commit_times);
	free(s->grace.walking);
	free(s->dirty);
	free(s->replaced);
	free(s);
}

int pagever_open(const struct pagever_options *o, pagever **out)
{
	if (!o || !out || o->pages == 0 || o->page_size < 64 ||
	    o->page_size % 64 || o->page_size > MAX_PAGE_SIZE ||
	    o->reader_slots == 0 || o->reader_slots > MAX_READER_SLOTS ||
	    o->pages > SIZE_MAX / o->page_size)
		return PAGEVER_EINVAL;
	/* Aligned: the fields the writer writes sit on lines of their own. */
	struct pagever *s = aligned_alloc(64, sizeof *s);
	if (!s)
		return PAGEVER_ENOMEM;
	memset(s, 0, sizeof *s);
	atomic_flag_clear(&s->refilling);
	s->pages = o->pages;
	s->page_size = o->page_size;
	s->reader_slots = o->reader_slots;
	s->move_home = o->move_home != 0;
	s->init_page = o->init_page;
	s->init_ctx = o->init_ctx;
	size_t slot_bytes = (size_t)o->reader_slots * sizeof *s->slots;
	s->slots = aligned_alloc(64, slot_bytes);
	s->live_times = malloc(o->reader_slots * sizeof *s->live_times);
	s->commit_times = malloc(o->reader_slots * sizeof *s->commit_times);
	s->grace.walking = malloc(o->reader_slots * sizeof *s->grace.walking);
	s->dirty_cap = 16;
	s->dirty = malloc(s->dirty_cap * sizeof *s->dirty);
	s->replaced = malloc(s->dirty_cap * sizeof *s->replaced);
	s->table_bytes = sizeof *s + slot_bytes +
	                 3 * o->reader_slots * sizeof(uint64_t);
	if (!s->slots || !s->live_times || !s->commit_times ||
	    !s->grace.walking || !s->dirty || !s->replaced) {
		free_store(s);
		return PAGEVER_ENOMEM;
	}
	memset(s->slots, 0, slot_bytes);
	for (unsigned i = 0; i < o->reader_slots; i++)
		atomic_init(&s->slots[i].time, NO_READER);
	int status = pv_store_open(s);
	if (status != PAGEVER_OK) {
		free_store(s);
		return status;
	}
	pthread_mutex_init(&s->writer, NULL);
	pthread_mutex_init(&s->trim_lock, NULL);
	status = pv_trimmer_start(s);
	if (status != PAGEVER_OK) {
		pthread_mutex_destroy(&s->writer);
		pthread_mutex_destroy(&s->trim_lock);
		free_store(s);
		return status;
	}
	*out = s;
	return PAGEVER_OK;
}

void pagever_close(pagever *s)
{
	if (!s)
		return;
	pv_trimmer_stop(s);
	pthread_mutex_destroy(&s->writer);
	pthread_mutex_destroy(&s->trim_lock);
	free_store(s);
}

/* ---- readers ---- */

int pagever_begin_read(pagever *s, pagever_reader *reader)
{
	if (!s || !reader)
		return PAGEVER_EINVAL;
	if (reader->store)
		return PAGEVER_ESTATE;
	struct reader_slot *slot = pv_slot_claim(s);
	if (!slot)
		return PAGEVER_EREADERS;
	reader->commit = pv_slot_announce(s, slot);
	reader->slot = slot;
	reader->store = s;
	return PAGEVER_OK;
}

uint64_t pagever_reader_commit(const pagever_reader *reader)
{
	return reader->commit;
}

/* The slow path: the page was committed since the read began. */
static const void *walk_to(struct pagever *s, struct reader_slot *slot,
                           uint64_t pageno, uint64_t t)
{
	pv_walk_begin(slot);
	/* seq_cst (acquire would pair with commit's release CAS and a move's
	 * CAS: the version's header and data are visible); seq_cst for the
	 * wait on chain walks, see pv_walk_begin.  A plain load on x86. */
	struct version *v = atomic_load(&s->head[pageno]);
	while (v->since > t)
		/* seq_cst: as above, pairing with commit's release (a new
		 * version's `older`) and an unlink's store.  Never NULL: the
		 * version this reader sees is on the chain, and trims keep
		 * it. */
		v = atomic_load(&v->older);
	pv_walk_end(slot);
	return pv_data(s, v);
}

const void *pagever_page(pagever_reader *reader, uint64_t pageno)
{
	struct pagever *s = reader->store;
	if (!s || pageno >= s->pages)
		return NULL;
	uint64_t t = reader->commit;
	/* Acquire: pairs with the release store of head_data that follows
	 * each head CAS (commit, move home), which follows the stores of
	 * `started` and head_since[pageno]: the loads below see at least the
	 * commit of the version whose data we loaded, v. */
	const unsigned char *data = atomic_load_explicit(&s->head_data[pageno],
	                                                 memory_order_acquire);
	/* Relaxed, ordered after that load by its acquire.  v's commit is at
	 * most `started` and at most head_since[pageno]; so if either is <= t,
	 * v became current at or before t.  And no version after v became
	 * current at or before t: its head_data store happened before the
	 * publication of its commit, which this reader's load of t saw, so
	 * the load above would have seen it.  So v is the version current at
	 * t, and trim passes keep it until end_read, for this reader's time
	 * is announced. */
	if (atomic_load_explicit(&s->started, memory_order_relaxed) == t ||
	    atomic_load_explicit(&s->head_since[pageno],
	                         memory_order_relaxed) <= t)
		return data;
	return walk_to(s, reader->slot, pageno, t);
}

int pagever_read_page(pagever_reader *reader, uint64_t pageno,
                      const void **page)
{
	if (!reader || !page)
		return PAGEVER_EINVAL;
	if (!reader->store)
		return PAGEVER_ESTATE;
	if (pageno >= reader->store->pages)
		return PAGEVER_EINVAL;
	*page = pagever_page(reader, pageno);
	return PAGEVER_OK;
}

int pagever_end_read(pagever_reader *reader)
{
	if (!reader)
		return PAGEVER_EINVAL;
	struct pagever *s = reader->store;
	if (!s)
		return PAGEVER_ESTATE;
	pv_slot_release(s, reader->slot);
	reader->store = NULL;
	reader->slot = NULL;
	/* Release: a trimmer that loads the new count (acquire) rescans after
	 * this slot's release. */
	atomic_fetch_add_explicit(&s->reads_ended, 1, memory_order_release);
	/* The reader pays for the history kept for it: a turn of upkeep if
	 * no one else is doing it, else the trimmer takes the turn. */
	if (!pv_reader_upkeep(s))
		pv_trimmer_wake(s);
	return PAGEVER_OK;
}

/* ---- the writer ---- */

static bool writing_here(struct pagever *s)
{
	/* Relaxed: only this thread stores its own identity there, and
	 * another thread's identity never equals it. */
	return atomic_load_explicit(&s->writer_owner, memory_order_relaxed) ==
	       &this_thread;
}

int pagever_begin_write(pagever *s)
{
	if (!s)
		return PAGEVER_EINVAL;
	if (writing_here(s))
		return PAGEVER_ESTATE;
	/* Waits only for another writer, never for a reader. */
	pthread_mutex_lock(&s->writer);
	s->dirty_count = 0;
	/* Relaxed: see writing_here. */
	atomic_store_explicit(&s->writer_owner, &this_thread,
	                      memory_order_relaxed);
	return PAGEVER_OK;
}

/* Room for one more page in the transaction; false when memory is short
 * (the transaction is unchanged). */
static bool dirty_reserve(struct pagever *s)
{
	if (s->dirty_count < s->dirty_cap)
		return true;
	unsigned cap = 2 * s->dirty_cap;
	struct version **dirty = realloc(s->dirty, cap * sizeof *dirty);
	if (!dirty)
		return false;
	s->dirty = dirty;
	struct version **replaced = realloc(s->replaced, cap * sizeof *replaced);
	if (!replaced)
		return false;
	s->replaced = replaced;
	s->dirty_cap = cap;
	return true;
}

int pagever_write_page(pagever *s, uint64_t pageno, void **page)
{
	if (!s || !page)
		return PAGEVER_EINVAL;
	if (!writing_here(s))
		return PAGEVER_ESTATE;
	if (pageno >= s->pages)
		return PAGEVER_EINVAL;
	for (unsigned i = 0; i < s->dirty_count; i++)
		if (s->dirty[i]->pageno == pageno) {
			*page = pv_data(s, s->dirty[i]);
			return PAGEVER_OK;
		}
	if (!dirty_reserve(s))
		return PAGEVER_ENOMEM;
	/* Acquire: the current version's data may be a copy a move wrote. */
	struct version *current = atomic_load_explicit(&s->head[pageno],
	                                               memory_order_acquire);
	/* Commit writes the current version's header; fetch it while the
	 * copy below runs.  Nothing here reads it: whether it is home is an
	 * address compare, its data an address. */
	__builtin_prefetch(current, 1);
	struct version *home = pv_home(s, pageno), *copy;
	/* Relaxed, then acquire: a free home slot is claimed once; the claim
	 * sees the trimmer's last stores to it (release). */
	if (s->move_home && current != home &&
	    atomic_load_explicit(&s->home_free[pageno], memory_order_relaxed) &&
	    atomic_exchange_explicit(&s->home_free[pageno], false,
	                             memory_order_acquire))
		copy = home;
	else if (!(copy = pv_version_get(s)))
		return PAGEVER_ENOMEM;
	memcpy(pv_data(s, copy), pv_data(s, current), s->page_size);
	copy->pageno = pageno;
	copy->end = 0;
	copy->newer = NULL;
	copy->detached = false;
	copy->counted = false;
	s->dirty[s->dirty_count++] = copy;
	*page = pv_data(s, copy);
	return PAGEVER_OK;
}

/* Counts the replaced versions some live reader can see, and links them
 * for the queue.  The same protocol as a trim pass (pv_slot_announce): a
 * reader these seq_cst loads miss sees this commit, never what it
 * replaced. */
static void count_visible(struct pagever *s, uint64_t commit)
{
	struct live_set live = {.times = s->commit_times};
	pv_live_collect(s, ALL_READERS, &live);
	unsigned k = s->dirty_count;
	for (unsigned i = 0; i < k; i++) {
		struct version *old = s->replaced[i];
		old->counted = (live.count || live.starting_bound != NO_READER) &&
		               pv_live_sees(&live, old->since, commit);
		if (old->counted)
			pv_visible_add(s, s->page_size + sizeof(struct version));
		old->link = i + 1 < k ? s->replaced[i + 1] : NULL;
	}
}

int pagever_commit(pagever *s, uint64_t *commit_out)
{
	if (!s)
		return PAGEVER_EINVAL;
	if (!writing_here(s))
		return PAGEVER_ESTATE;
	/* Relaxed: only the writer stores it. */
	uint64_t commit = atomic_load_explicit(&s->committed,
	                                       memory_order_relaxed) + 1;
	unsigned k = s->dirty_count;
	/* Relaxed: published with the heads by the release CASes below (the
	 * read fast path, pagever_page). */
	atomic_store_explicit(&s->started, commit, memory_order_relaxed);
	for (unsigned i = 0; i < k; i++) {
		struct version *copy = s->dirty[i];
		uint64_t pageno = copy->pageno;
		copy->since = commit;
		/* Relaxed: published by the release CAS below (the read fast
		 * path's argument, pagever_read_page). */
		atomic_store_explicit(&s->head_since[pageno], commit,
		                      memory_order_relaxed);
		/* Acquire: the head may be a copy a move wrote, whose `end`
		 * and `newer` we store below. */
		struct version *old = atomic_load_explicit(&s->head[pageno],
		                                           memory_order_acquire);
		do
			/* Relaxed: copy is not yet published; the CAS
			 * publishes this store with it. */
			atomic_store_explicit(&copy->older, old,
			                      memory_order_relaxed);
		/* Release: a reader that loads the new head sees its header,
		 * data and head_since.  A CAS because a move may have put an
		 * identical copy in the head: then it fails (acquire: that
		 * copy's fields are visible) and retries, at most once, for
		 * the page's home slot is taken until this page's next
		 * commit.  (acq_rel on success only because C11 wants the
		 * failure order no stronger.) */
		while (!atomic_compare_exchange_weak_explicit(
			       &s->head[pageno], &old, copy,
			       memory_order_acq_rel, memory_order_acquire));
		/* Release: publishes the data to the read fast path, after
		 * the stores of `started` and head_since above. */
		atomic_store_explicit(&s->head_data[pageno], pv_data(s, copy),
		                      memory_order_release);
		old->end = commit;
		old->newer = copy;
		s->replaced[i] = old;
	}
	/* seq_cst: publishes the commit after every head above (release
	 * would do for that); seq_cst orders it before the scans of reader
	 * slots that judge what it replaced (pv_slot_announce). */
	atomic_store(&s->committed, commit);
	if (k) {
		count_visible(s, commit);
		/* Relaxed: a hint (the back-pressure's and the trimmer's).
		 * Counted before the push, so that a pass that decides these
		 * versions never subtracts them first: the count is at least
		 * the versions undecided. */
		uint64_t before = atomic_fetch_add_explicit(&s->queued, k,
		                                            memory_order_relaxed);
		/* Relaxed: a first guess, checked and published by the CAS. */
		struct version *top = atomic_load_explicit(&s->queue,
		                                           memory_order_relaxed);
		do
			s->replaced[k - 1]->link = top;
		/* Release: the trim pass's acquire exchange sees `end`,
		 * `newer` and the links.  It fails only when a trim pass took
		 * the queue meanwhile: at most once per pass. */
		while (!atomic_compare_exchange_weak_explicit(
			       &s->queue, &top, s->replaced[0],
			       memory_order_release, memory_order_relaxed));
		pv_writer_note_queued(s, before, before + k);
	}
	s->dirty_count = 0;
	/* Relaxed: see writing_here. */
	atomic_store_explicit(&s->writer_owner, NULL, memory_order_relaxed);
	pthread_mutex_unlock(&s->writer);
	if (commit_out)
		*commit_out = commit;
	return PAGEVER_OK;
}

int pagever_abort(pagever *s)
{
	if (!s)
		return PAGEVER_EINVAL;
	if (!writing_here(s))
		return PAGEVER_ESTATE;
	for (unsigned i = 0; i < s->dirty_count; i++) {
		struct version *copy = s->dirty[i];
		if (copy == pv_home(s, copy->pageno))
			/* Release: as when a move frees the slot. */
			atomic_store_explicit(&s->home_free[copy->pageno], true,
			                      memory_order_release);
		else
			pv_version_put(s, copy);
	}
	s->dirty_count = 0;
	/* Relaxed: see writing_here. */
	atomic_store_explicit(&s->writer_owner, NULL, memory_order_relaxed);
	pthread_mutex_unlock(&s->writer);
	return PAGEVER_OK;
}

void pagever_stats(pagever *s, struct pagever_stats *st)
{
	memset(st, 0, sizeof *st);
	/* Relaxed: samples of statistics, each exact, not at one instant. */
	uint64_t mapped = atomic_load_explicit(&s->mapped_bytes,
	                                       memory_order_relaxed);
	uint64_t copy = s->pages * (uint64_t)s->page_size;
	uint64_t held = mapped + s->table_bytes;
	st->retained_bytes = held > copy ? held - copy : 0;
	uint64_t peak = atomic_load_explicit(&s->retained_peak_bytes,
	                                     memory_order_relaxed);
	/* Relaxed CAS: only the maximum matters. */
	while (st->retained_bytes > peak &&
	       !atomic_compare_exchange_weak_explicit(&s->retained_peak_bytes,
	                                              &peak,
	                                              st->retained_bytes,
	                                              memory_order_relaxed,
	                                              memory_order_relaxed))
		;
	st->retained_peak_bytes = st->retained_bytes > peak
		? st->retained_bytes : peak;
	st->retained_visible_bytes = atomic_load_explicit(
		&s->visible_bytes, memory_order_relaxed);
	st->retained_visible_peak_bytes = atomic_load_explicit(
		&s->visible_peak_bytes, memory_order_relaxed);
	st->commits = atomic_load_explicit(&s->committed, memory_order_relaxed);
	st->writer_allocs = atomic_load_explicit(&s->writer_allocs,
	                                         memory_order_relaxed);
	st->writer_trims = atomic_load_explicit(&s->writer_trims,
	                                        memory_order_relaxed);
	st->versions_mapped = mapped / s->slab_bytes * s->per_slab;
}
