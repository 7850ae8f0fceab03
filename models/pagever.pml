/*
 * models/pagever.pml: a Spin model of the two protocols that let libpagever's
 * readers and trim passes run without locks (variants/pagever/; the design
 * is in docs/design.md, how to run this in models/README.md):
 *
 *  (a) a reader's announcement and page read against the writer's commit
 *      and the trim passes: the announcement STARTING|t0, then t
 *      (readers.c, pv_slot_announce), the read fast path (head_data,
 *      then `started` and head_since; api.c, pagever_page) and the chain
 *      walk with its
 *      walk counter (api.c, walk_to; readers.c, pv_walk_begin and
 *      pv_walk_end); the commit (api.c, pagever_commit: started and
 *      head_since, the
 *      head CAS, end and newer, publish `committed`, the queue push); the
 *      trim pass (trim.c, pv_trim_pass: queue exchange, slot scan, a
 *      decision per version on [since, end), the O(1) unlink) and the wait
 *      for chain walks before reuse (readers.c, pv_grace_begin and
 *      pv_grace_poll; home.c, pv_recycle);
 *  (b) the move home (home.c: move_home, move_homeless, settle_moved): the
 *      current version B is copied into the page's free home slot and the
 *      copy swapped in with a CAS on the head; move_epoch is bumped after
 *      the CASes; the readers that saw an older epoch decide whether B is
 *      kept.
 *
 * Memory model.  Promela interleaves whole statements: the model is
 * sequentially consistent.  Every operation the announcement, walk-wait
 * and move-epoch arguments rely on is seq_cst in the code: the loads and
 * stores of `committed`, of a slot's time and epoch, of `move_epoch` and
 * of the walk counters, a walk's head and `older` loads, an unlink's
 * store, a move's CAS.  A few operations are weaker and are modelled as
 * interleaved steps all the same; each belongs to a message-passing pair
 * whose argument in the code's comments needs only happens-before:
 *   - the fast path's head_data load (acquire) and its loads of started
 *     and head_since (relaxed), against the commit's relaxed stores of
 *     those and its release store of head_data after the head CAS;
 *   - pv_slot_release's store of NO_READER and pv_walk_end's store
 *     (release), against the scans' loads (seq_cst, acquire);
 *   - the queue push (release) and the trim pass's exchange (acquire),
 *     which order publish(c) (seq_cst) before the pass's slot loads
 *     (seq_cst) in happens-before, and so in the single total order;
 *   - the home_free store (release) and the writer's claim (acquire).
 * The model shows the protocol right under sequential consistency; it
 * cannot show that these pairs are enough under C11's weaker orders.
 *
 * Steps.  Each atomic block is one step.  A step holds one operation on
 * shared memory, with the work on the process's own memory around it
 * (which no other process can see).  Where a step holds two operations,
 * a comment there says why no interleaving is lost.
 *
 * Bounds: one page, NV version headers (header 0 is the page's home slot),
 * a writer making NC commits, NR readers (1 or 2) with one read each (with
 * FINAL_READER the last reader begins once the writer is done, as a final
 * read does), and one trimmer process.  Trim passes need the trim lock and
 * never overlap: the trimmer process makes, at any moment it has work,
 * the passes of all three holders of the lock: the trimmer thread (pass,
 * then reclaim with moves home), an end_read whose trylock succeeded (a
 * rescan, limit 0) and the writer's back-pressure (pass, then reclaim
 * without moves home).
 *
 * Ghost state (g_...) is what the properties talk about: the version each
 * reader's read returned, the version a walk stands on, each header's
 * incarnation (g_gen, bumped when a header is reused) and the incarnation
 * each pointer was stored for, the times whose version was unlinked.
 * Properties (assertions; the verifier also reports invalid end states):
 *   1. No trim pass unlinks a version that a live reader's time lies in
 *      ([since, end)); no header is reused while a reader's read returned
 *      it or a walk stands on it (reuse()).
 *   2. A page read returns the version current at the reader's time (its
 *      contents are that commit's) and it stays so until end_read; a walk
 *      never reads a reused header nor follows a stale pointer.
 *   3. No reader's time is missed: no reader loads a time whose version a
 *      trim pass has already unlinked.
 *   4. With CHECK_QUIESCENCE: once the writer and the readers are done,
 *      the trimmer runs out of work within MAX_LATE_PASSES passes and
 *      everything replaced has been reused (the page home, every other
 *      header pooled).  The code failed this before a fix
 *      (models/README.md, "A flaw found"); MUTANT_RESCAN_AFTER_SCAN puts
 *      the old order back.
 *
 * Mutants (scripts/model-check expects each to fail):
 *   MUTANT_KEY_AS_START   RustDb's historical trim bug: a version's `end`
 *                         (the key of its history entry) read as the
 *                         commit it BEGAN at, so the trim decides on
 *                         [end, next end) instead of [since, end).
 *   MUTANT_NO_STARTING    the reader stores t without first storing
 *                         STARTING|t0.
 *   MUTANT_NO_GRACE       unlinked versions are reused without waiting
 *                         for the chain walks under way.
 *   MUTANT_BUMP_BEFORE_MOVE  move_epoch bumped before the move's CAS
 *                         instead of after it.
 *   MUTANT_HEAD_SINCE_LATE   the commit stores started and head_since
 *                         after it publishes head_data instead of before.
 *   MUTANT_DATA_STORE     a move publishes the home copy's data pointer
 *                         with a store, not a CAS from B's.
 *   MUTANT_RESCAN_AFTER_SCAN  a trim pass loads the count of ended reads
 *                         after its slot scan (the flaw the model found).
 * Witnesses (WITNESS_...: scripts/model-check expects each to fail): an
 * assertion that a situation the properties need never happens, to show
 * that the model reaches it.
 * Configuration: NO_MOVE_HOME is pagever --pv-home off (a freed home slot
 * goes to the pool like any other header).
 */

#ifndef NC
#define NC 2          /* commits the writer makes */
#endif
#ifndef NR
#define NR 2          /* readers, one read transaction each: 1 or 2 */
#endif
#if NR < 1 || NR > 2
#error "NR is 1 or 2"
#endif
#define NV (1 + NC)   /* headers: the home slot and one per commit, so the
                       * pool never runs dry (the real writer would map a
                       * slab); reuse happens as soon as a trim frees one */

#define NIL 255
#define NO_READER 255     /* a slot's time while no reader uses it */
#define STARTING 128      /* bit: "a reader whose time will be >= t0" */
#define ALL_READERS 255   /* pv_live_collect: no epoch filter */
#define INF 254           /* an interval with no upper end (mutant only) */
#define PAGE 0            /* the page; its home slot is header 0 */
#define HOME 0

/* ---- shared state (struct pagever) ---- */
byte committed;               /* the last published commit */
byte head;                    /* head[PAGE] */
byte head_since;              /* head_since[PAGE] */
byte head_data;               /* head_data[PAGE]: the header whose data it is */
byte g_data_gen;              /* incarnation head_data points to */
byte started;                 /* the last commit that began its pushes */
byte move_epoch;
byte reads_ended;             /* end_read counts them (a release add) */
bool in_pass;                 /* the trim lock is held (by the trimmer) */
byte end_passes_due;          /* end_reads whose trylock succeeded */
bool home_free;               /* home_free[PAGE] */
byte queue = NIL;             /* writer -> trimmer (a Treiber stack) */
byte pool = NIL;              /* free headers (a stack) */

/* Reader slots.  Slot r belongs to reader r: claiming (pv_slot_claim) and
 * slots_used are left out; a scan covers every slot. */
byte slot_time[NR];
byte slot_epoch[NR];
byte walking[NR];             /* odd while the reader walks a chain */

/* Version headers (struct version). */
byte since[NV];
byte vend[NV];                /* `end`: the commit that replaced it, or 0 */
byte older[NV];               /* _Atomic */
byte newer[NV];
byte link[NV];                /* queue, backlog, pool */
byte data[NV];                /* the page's contents: the commit that wrote
                               * them (0: the initial page) */

/* The fields and lists only the trim lock's holder touches (list,
 * detached, listed; backlog, kept, unlinked, the grace, the homeless list)
 * are the trimmer process's locals. */

/* ---- ghost state ---- */
byte g_gen[NV];               /* incarnation of each header */
byte g_head_gen;              /* incarnation head points to */
byte g_older_gen[NV];         /* incarnation older[v] points to */
byte g_time[NR];              /* reader r's time once it has loaded it */
byte g_held[NR];              /* the version reader r's read returned */
byte g_walk_at[NR];           /* the version reader r's walk stands on */
bool g_off_chain[NV];         /* unlinked from its chain, not yet pooled */
bool g_gone[NC + 2];          /* the version current at commit c was
                               * unlinked */
bool g_writer_done;
byte g_readers_done;
byte g_late_passes;           /* passes after the others were done */
#ifndef MAX_LATE_PASSES
#define MAX_LATE_PASSES 8
#endif

/* A header is about to be reused (put in the pool, or a home slot freed
 * or rewritten): no live reader may hold it and no walk may stand on it. */
inline reuse(v)
{
	for (gi : 0 .. NR - 1) {
		assert(g_held[gi] != v);
		assert(g_walk_at[gi] != v);
	}
	g_gen[v]++
}

/* ================= the writer (api.c) ================= */

proctype writer()
{
	byte c = 1, copy, old;
	do
	:: c <= NC ->
		/* pagever_write_page: the current version (acquire), then a
		 * header: the page's home slot when the trim freed it
		 * (home_free: an exchange decides who owns it), else one from
		 * the pool.  The head load and the claim are one step: only a
		 * move's CAS changes the head meanwhile, and a move that
		 * succeeds leaves home_free false, so the claim fails with
		 * either head.  The copy is the writer's until the CAS: its
		 * fields and data (the caller's write) join the step.  (Its
		 * `detached`, which only the trim lock's holder reads, is
		 * cleared when the trimmer pools it.) */
		atomic {
#ifndef NO_MOVE_HOME
			if
			:: head != HOME && home_free ->
				home_free = false;
				copy = HOME
#ifdef WITNESS_WRITER_CLAIMS_HOME
				;
				assert(false)
#endif
			:: else ->
#endif
				assert(pool != NIL);
				copy = pool;
#ifdef WITNESS_WRITER_REUSES
				assert(g_gen[copy] == 0);
#endif
				pool = link[copy];
				link[copy] = NIL
#ifndef NO_MOVE_HOME
			fi
#endif
			;
			data[copy] = c;
			vend[copy] = 0;
			newer[copy] = NIL;
			since[copy] = c
		}
		/* pagever_commit: `started` and head_since before the head
		 * CAS and the data pointer, the order the read fast path
		 * relies on. */
#ifndef MUTANT_HEAD_SINCE_LATE
		started = c;
		head_since = c;
#endif
		/* The head (acquire), copy->older (relaxed, unpublished) and
		 * the CAS (release), as one step.  The code's CAS fails when a
		 * move swapped a home copy in after the load, and retries with
		 * that copy: the same as loading it here. */
		atomic {
			old = head;
			older[copy] = old;
			g_older_gen[copy] = g_gen[old];
			head = copy;
			g_head_gen = g_gen[copy]
		}
		/* head_data (release), after the CAS. */
		atomic {
			head_data = copy;
			g_data_gen = g_gen[copy]
		}
#ifdef MUTANT_HEAD_SINCE_LATE
		started = c;
		head_since = c;
#endif
		/* old->end, old->newer: plain stores after the CAS that only
		 * the trim lock's holder reads, once the queue hands old over
		 * (a move reads the head's fields, and old is no longer the
		 * head): they join the next step.  Then publish (seq_cst). */
		atomic {
			vend[old] = c;
			newer[old] = copy;
			committed = c
		}
		/* count_visible is statistics only: left out.  The push
		 * (release CAS), as one step: the stack itself is not what
		 * is checked. */
		atomic {
			link[old] = queue;
			queue = old;
			c++;
			copy = 0;
			old = 0
		}
	:: else -> break
	od;
	g_writer_done = true
}

/* ================= a reader (readers.c, api.c) ================= */

proctype reader(byte r)
{
	byte t0, t, v, vg, hs, nv, sv, e;
	bool fast;

#ifdef FINAL_READER
	/* The last reader is the final read: it begins once the writer has
	 * made its commits (while trims still run). */
	if
	:: r == NR - 1 -> g_writer_done
	:: else
	fi;
#endif
	/* pv_slot_announce: t0, STARTING|t0, t, then t; all seq_cst. */
#ifndef MUTANT_NO_STARTING
	t0 = committed;
	slot_time[r] = STARTING | t0;
#endif
	atomic {
		t = committed;
		/* Property 3: no trim pass has already decided against
		 * this reader's time. */
		assert(!g_gone[t]);
		g_time[r] = t
	}
	slot_time[r] = t;
	/* The epoch: a seq_cst load, then a seq_cst store, as one step.  A
	 * move's scan that runs between them reads the slot's older epoch,
	 * which is below its bump exactly when the epoch loaded is (epochs
	 * only grow), so it judges the reader as it would after the store. */
	atomic {
		e = move_epoch;
		slot_epoch[r] = e
	}

	/* pagever_page: the fast path.  The data pointer (acquire), then
	 * `started` and head_since (relaxed; as one step: both only grow,
	 * and each is compared with t alone). */
	atomic {
		v = head_data;
		vg = g_data_gen;
		assert(vg == g_gen[v])
	}
	atomic {
		hs = head_since;
		fast = (started == t || hs <= t);
		if
		:: fast ->
			/* The head loaded is the version current at t:
			 * property 2, its contents are t's (every commit
			 * writes the page) and the header was not reused
			 * since the load. */
			assert(g_gen[v] == vg);
			assert(data[v] == t);
			g_held[r] = v
		:: else
		fi
	}
	if
	:: !fast ->
		/* walk_to: the slow path. */
		walking[r]++;                   /* pv_walk_begin, seq_cst */
		atomic {
			v = head;               /* seq_cst */
			vg = g_head_gen;
			assert(vg == g_gen[v]);
			g_walk_at[r] = v
		}
		/* One step per version: v->since (immutable while the
		 * version is reachable, so the load moves freely), then
		 * v->older (seq_cst). */
		do
		:: atomic {
			/* A walk never reads a reused header. */
			assert(g_gen[v] == vg);
			sv = since[v];
			if
			:: sv > t ->
#ifdef WITNESS_WALK_PASSES_UNLINKED
				assert(!g_off_chain[v]);
#endif
				nv = older[v];
				/* Never NULL: trims keep the version current
				 * at t on the chain. */
				assert(nv != NIL);
				/* The pointer is not stale: its target is the
				 * incarnation it was stored for. */
				assert(g_older_gen[v] == g_gen[nv]);
				vg = g_older_gen[v];
				v = nv;
				g_walk_at[r] = v
			:: else
			fi
		   }
		   if
		   :: sv <= t -> break
		   :: else
		   fi
		od;
		atomic {
			walking[r]++;           /* pv_walk_end, release */
			g_walk_at[r] = NIL;
			/* Property 2, as on the fast path. */
			assert(g_gen[v] == vg);
			assert(data[v] == t);
			g_held[r] = v
		}
	:: else
	fi;

	/* pagever_end_read: the contents are still t's up to the end; then
	 * pv_slot_release (release), the count of ended reads (a release
	 * add), and the trylock. */
	atomic {
		assert(g_gen[v] == vg);
		assert(data[v] == t);
		slot_time[r] = NO_READER;
		g_held[r] = NIL;
		g_time[r] = NO_READER;
		t0 = 0; t = 0; v = 0; vg = 0; hs = 0; nv = 0; sv = 0; e = 0;
		fast = false
	}
	reads_ended++;
	/* When the trylock succeeds, end_read runs a pass (a rescan, limit
	 * 0), which the trimmer process runs for it next; while a pass is
	 * under way it fails, and end_read only wakes the trimmer. */
	atomic {
		if
		:: !in_pass -> end_passes_due++
		:: else
		fi;
		g_readers_done++
	}
}

/* ================= the trim lock holder (trim.c, readers.c, home.c) ===== */

/*
 * The trimmer's steps: the queue exchange, each load of a slot's time,
 * epoch or walk counter, each unlink's store, each push to the pool, a
 * move's head load and its CAS, the stores of home_free, the loads of
 * `committed` and the bump of `move_epoch`.  The trim lock's state (the
 * lists, the live set) is the process's own.
 */

/* pv_live_collect: a step per slot, the seq_cst load of its time, and a
 * second one for its epoch when filtering by epoch (before_epoch is not
 * ALL_READERS).  Unrolled for the model's one or two slots. */
inline note_slot(before_epoch)
{
	if
	:: tt == NO_READER
	:: tt != NO_READER && (tt & STARTING) ->
		/* Its epoch is not stored yet: it may hold anything from
		 * its bound up. */
		if
		:: (tt & (STARTING - 1)) < bound ->
			bound = tt & (STARTING - 1)
		:: else
		fi
	:: else ->
		if
		:: before_epoch == ALL_READERS ->
			live_t[live_count] = tt;
			live_count++
		:: else ->
			need_epoch = true
		fi
	fi
}

inline note_epoch(j, before_epoch)
{
	if
	:: need_epoch ->
		atomic {
			if
			:: slot_epoch[j] < before_epoch ->
				live_t[live_count] = tt;
				live_count++
			:: else
			fi;
			need_epoch = false
		}
	:: else
	fi
}

inline live_collect(before_epoch)
{
	atomic {
		if
		:: snapshot ->
			tried_reads = reads_ended;
			tried_commit = committed;
			tried_free = home_free;
			snapshot = false
		:: else
		fi;
		live_count = 0;
		bound = NO_READER;
		tt = slot_time[0];
		note_slot(before_epoch)
	}
	note_epoch(0, before_epoch);
#if NR > 1
	atomic {
		tt = slot_time[1];
		note_slot(before_epoch)
	}
	note_epoch(1, before_epoch);
#endif
	tt = 0
}

/* The live set is the pass's working memory: forgotten after use. */
inline forget_live()
{
	d_step {
		live_count = 0;
		bound = NO_READER;
		live_t[0] = 0;
#if NR > 1
		live_t[1] = 0;
#endif
		k = 0
	}
}

/* pv_live_sees: may a live reader see a version current over [s, e)? */
inline live_sees(s, e)
{
	seen = false;
	for (k : 0 .. NR - 1) {
		if
		:: k < live_count && live_t[k] >= s && live_t[k] < e ->
			seen = true
		:: else
		fi
	}
	k = 0;
#ifdef WITNESS_STARTING_KEEPS
	/* Only a starting reader's bound keeps the version. */
	assert(seen || !(bound != NO_READER && e > bound));
#endif
	seen = seen || (bound != NO_READER && e > bound)
}

/* The decision of a trim pass on replaced version v: seen or not. */
inline decide(v)
{
	if
	:: detached[v] ->
		/* A version a move took off its chain, with the interval
		 * settle_moved gave it. */
		live_sees(since[v], vend[v])
	:: else ->
#ifndef MUTANT_KEY_AS_START
		live_sees(since[v], vend[v])
#else
		/* RustDb's bug: the key (the commit that ended the version)
		 * read as the commit it began at; the version would then
		 * last until the next key, the end of the version that
		 * replaced it. */
		if
		:: newer[v] != NIL && vend[newer[v]] != 0 ->
			live_sees(vend[v], vend[newer[v]])
		:: else ->
			live_sees(vend[v], INF)
		fi
#endif
	fi
}

/* pv_unlink, inside the caller's step: O(1) through v->newer; the store to
 * prev->older is seq_cst (the walk wait's argument). */
inline unlink(v)
{
	if
	:: !detached[v] ->
		assert(head != v);      /* a head is never unlinked */
		prev = newer[v];
		assert(prev != NIL);
		assert(older[prev] == v);
		nxt = older[v];
		older[prev] = nxt;
		g_older_gen[prev] = g_older_gen[v];
		if
		:: nxt != NIL -> newer[nxt] = prev
		:: else
		fi;
		/* Property 1: no live reader's time lies in the version's
		 * [since, end). */
		for (gi : 0 .. NR - 1) {
			assert(g_time[gi] == NO_READER ||
			       g_time[gi] < since[v] || g_time[gi] >= vend[v])
		}
		for (gi : since[v] .. vend[v] - 1) {
			g_gone[gi] = true
		}
		g_off_chain[v] = true;
		gi = 0;
		prev = NIL;
		nxt = NIL
	:: else
	fi;
	list[v] = unlinked;
	unlinked = v
}

/* Version v goes to the kept list (seen) or is unlinked. */
inline keep_or_unlink(v)
{
	if
	:: seen ->
		list[v] = kept;
		kept = v
	:: else ->
		unlink(v)
	fi;
	seen = false
}

/* pv_trim_pass(rescan, limit: everything or, for end_read, 0), after
 * its first step, the queue exchange (the trimmer's loop makes that step:
 * see below). */
inline trim_pass()
{
	if
	:: backlog != NIL || (rescan && kept != NIL) ->
		live_collect(ALL_READERS);
		if
		:: rescan ->
#ifdef MUTANT_RESCAN_AFTER_SCAN
			/* The count of ended reads this rescan covers
			 * (acquire), loaded after the collect as the code
			 * does. */
			rescanned_at = reads_ended;
#endif
			todo = kept;
			kept = NIL
		:: else
		fi;
		do
		:: atomic {
			todo != NIL ->
			v = todo;
			todo = list[v];
			list[v] = NIL;
			decide(v);
			keep_or_unlink(v);
			v = NIL
		   }
		:: else -> break
		od;
		do
		:: atomic {
			decide_backlog && backlog != NIL ->
			v = backlog;
			backlog = link[v];
			link[v] = NIL;
			assert(vend[v] > since[v]);
			decide(v);
			keep_or_unlink(v);
			v = NIL
		   }
		:: else -> break
		od;
		forget_live()
	:: else
	fi
}

/* pv_grace_begin: takes the unlinked list; notes the odd walk counters,
 * one seq_cst load per slot. */
inline grace_begin()
{
	began = false;
	if
	:: !grace_active && unlinked != NIL ->
		grace_batch = unlinked;
		unlinked = NIL;
		for (i : 0 .. NR - 1) {
#ifndef MUTANT_NO_GRACE
			atomic {
				w = walking[i];
				grace_walking[i] = (w & 1 -> w : 0);
				w = 0
			}
#else
			grace_walking[i] = 0
#endif
		}
		grace_active = true;
		began = true
	:: else
	fi
}

/* pv_grace_poll: the batch whose walks are over (into dead), or NIL; one
 * acquire load per slot that was walking. */
inline grace_poll()
{
	dead = NIL;
	if
	:: grace_active ->
		still = false;
		for (i : 0 .. NR - 1) {
			if
			:: !still && grace_walking[i] != 0 ->
				atomic {
					if
					:: walking[i] == grace_walking[i] ->
						still = true  /* the same walk */
#ifdef WITNESS_GRACE_WAITS
						;
						assert(false)
#endif
					:: else ->
						grace_walking[i] = 0
					fi
				}
			:: else
			fi
		}
		if
		:: !still ->
			grace_active = false;
			dead = grace_batch;
			grace_batch = NIL
		:: else
		fi;
		still = false
	:: else
	fi
}

/* move_home(h = HOME, may_copy): the moved-out version B in b, or NIL when
 * the slot is left free for the writer and the page listed. */
inline move_home(may_copy)
{
	atomic {
		if
		:: reuse_home ->
			reuse(HOME);
			reuse_home = false
		:: else
		fi;
		/* The head (acquire), then `committed` (acquire): B's
		 * commit is published.  One step: committed only grows, and
		 * a head that changes between the loads is the writer's CAS,
		 * which makes this move's CAS fail either way. */
		b = head;
		assert(b != HOME);
		pub = (since[b] <= committed)
	}
	moving = false;
	if
	/* A move is made even when a live reader can see B: settle_moved
	 * keeps B for it. */
	:: may_copy && pub ->
#ifdef MUTANT_BUMP_BEFORE_MOVE
		if
		:: bump == 0 ->
			atomic {
				move_epoch++;
				bump = move_epoch
			}
		:: else
		fi;
#endif
		/* The copy of B into the home slot (which no reader can
		 * reach: the reuse check said so), the CAS (seq_cst), then
		 * below->newer (trim lock), in one step. */
		atomic {
			data[HOME] = data[b];
			since[HOME] = since[b];
			vend[HOME] = 0;
			detached[HOME] = false;
			newer[HOME] = NIL;
			below = older[b];
			older[HOME] = below;
			g_older_gen[HOME] = g_older_gen[b];
			if
			:: head == b ->
				head = HOME;
				g_head_gen = g_gen[HOME];
				moving = true;
				if
				:: below != NIL -> newer[below] = HOME
				:: else
				fi
			:: else
			fi;
			below = NIL
		}
		/* The data pointer: a CAS from B's (seq_cst), so that a
		 * commit that replaced the home copy meanwhile keeps its
		 * own. */
		if
		:: moving ->
			atomic {
#ifndef MUTANT_DATA_STORE
				if
				:: head_data == b ->
					head_data = HOME;
					g_data_gen = g_gen[HOME]
				:: else
				fi
#else
				head_data = HOME;
				g_data_gen = g_gen[HOME]
#endif
			}
		:: else
		fi
	:: else
	fi;
	if
	:: !moving ->
		/* Free for the writer (release), and listed. */
		atomic {
			home_free = true;
			if
			:: !listed ->
				listed = true;
				homeless_count = 1;
				homeless_since = since[b]
			:: else
			fi;
			b = NIL
		}
	:: else
	fi;
	pub = false;
	moving = false;
	seen = false
}

/* pv_recycle(dead, copy_home), with move_homeless and settle_moved. */
inline recycle(copy_home)
{
	/* The live set serves only moves home: it is collected when the
	 * home slot is among the dead or the homeless page may be retried
	 * (loads whose values nothing uses change nothing).  With
	 * copy_home, the collect's first step also notes what a retry of
	 * the homeless page depends on (the model's scheduling of retries,
	 * see has_work). */
	d_step {
		need_live = (copy_home && homeless_count > 0);
		v = dead;
		do
		:: v != NIL ->
			if
			:: v == HOME -> need_live = true
			:: else
			fi;
			v = list[v]
		:: else -> break
		od;
		v = NIL
	}
#ifndef NO_MOVE_HOME
	if
	:: need_live ->
		snapshot = copy_home;
		live_collect(ALL_READERS)
	:: else
	fi;
#endif
	need_live = false;
	moved = NIL;
	do
	:: dead != NIL ->
		v = dead;
		dead = list[v];
		list[v] = NIL;
#ifndef NO_MOVE_HOME
		if
		:: v != HOME ->
#endif
			/* pv_version_put (release push). */
			atomic {
				reuse(v);
				/* The model forgets a pooled header's stale
				 * fields (no reader may look at them: reuse
				 * checked it), so that they split no states. */
				since[v] = 0;
				vend[v] = 0;
				older[v] = NIL;
				g_older_gen[v] = 0;
				newer[v] = NIL;
				data[v] = 0;
				detached[v] = false;
				g_off_chain[v] = false;
				link[v] = pool;
				pool = v;
				v = NIL
			}
#ifndef NO_MOVE_HOME
		:: else ->
			/* The dead home slot's reuse check joins the move's
			 * first step. */
			reuse_home = true;
			v = NIL;
			move_home(copy_home);
			if
			:: b != NIL ->
				list[b] = moved;
				moved = b;
				b = NIL
			:: else
			fi;
			if
			:: !copy_home ->
				/* Listed without trying to move: a retry is
				 * due. */
				tried_reads = NIL
			:: else
			fi
		fi
#endif
	:: else -> break
	od;
#ifndef NO_MOVE_HOME
	/* move_homeless: the listed page. */
	if
	:: copy_home && homeless_count > 0 ->
		if
		:: true ->
			homeless_count = 0;
			homeless_since = 0;
			listed = false;
			/* The exchange (relaxed, under the trim lock): did
			 * the writer claim the slot meanwhile? */
			atomic {
				got = home_free;
				home_free = false
			}
			if
			:: got ->
				got = false;
				move_home(true);
				if
				:: b != NIL ->
#ifdef WITNESS_HOMELESS_MOVED
					assert(false);
#endif
					list[b] = moved;
					moved = b;
					b = NIL
				:: else
				fi
			:: else
			fi
		:: else
		fi;
		seen = false
	:: else
	fi;
	/* settle_moved: bump the epoch after every CAS, then count the
	 * readers that saw an older epoch. */
	if
	:: moved != NIL ->
#ifndef MUTANT_BUMP_BEFORE_MOVE
		atomic {
			move_epoch++;
			bump = move_epoch
		}
#endif
		live_collect(bump);
		atomic {
			now = committed;                /* seq_cst */
			do
			:: moved != NIL ->
				b = moved;
				moved = list[b];
				list[b] = NIL;
				detached[b] = true;
				vend[b] = (since[b] > now -> since[b] : now) + 1;
				live_sees(since[b], vend[b]);
				if
				:: seen ->
#ifdef WITNESS_EPOCH_KEEPS
					assert(false);
#endif
					list[b] = kept;
					kept = b
				:: else ->
					list[b] = unlinked;
					unlinked = b
				fi
			:: else -> break
			od;
			b = NIL;
			now = 0;
			seen = false;
			forget_live()
		}
	:: else
	fi;
#endif
	if
	:: homeless_count == 0 ->
		tried_reads = 0;
		tried_commit = 0;
		tried_free = false
	:: else
	fi;
	bump = 0;
	forget_live()
}

/* trimmer.c, reclaim(copy_home). */
inline reclaim(copy_home)
{
	recycled = false;
	for (round : 0 .. 1) {
		grace_poll();
		if
		:: dead != NIL ->
			recycle(copy_home);
			recycled = true
		:: else
		fi;
		grace_begin();
		if
		:: !began -> break
		:: else
		fi
	}
	round = 0;
	if
	:: !recycled && copy_home && homeless_count > 0 ->
		dead = NIL;
		recycle(true)
	:: else
	fi;
	recycled = false;
	began = false
}

/*
 * When the trimmer process runs a pass.  The code's trimmer thread runs
 * one every period, work or not; the model runs one only when it may
 * change something, and leaves out the passes that cannot: with no version
 * queued, undecided, unlinked or waiting for walks, the kept versions are
 * rescanned only when reads_ended has moved since the last rescan (which
 * is when the code's trimmer thread rescans), and the homeless page is
 * retried only when a read has ended, a commit was published or the
 * writer has claimed the home slot since the last retry (else a retry
 * finds what the last one found).
 */
#define homeless_retry (homeless_count > 0 && \
                        (reads_ended != tried_reads || \
                         committed != tried_commit || \
                         home_free != tried_free))
#define has_work (queue != NIL || backlog != NIL || unlinked != NIL || \
                  grace_active || homeless_retry || end_passes_due > 0 || \
                  (kept != NIL && reads_ended != rescanned_at))

proctype trimmer()
{
	/* The trim lock's state. */
	byte list[NV];            /* kept, unlinked, grace batch, moved */
	bool detached[NV];        /* taken off its chain by a move home */
	bool listed;              /* the home slot is on the homeless list */
	byte backlog = NIL, kept = NIL, unlinked = NIL, grace_batch = NIL;
	bool grace_active;
	byte grace_walking[NR];
	byte homeless_count;      /* the list holds at most the one page */
	byte homeless_since;
	byte rescanned_at;        /* reads_ended at the last rescan */
	byte tried_reads, tried_commit;
	bool tried_free;
	/* Working variables. */
	byte fresh = NIL, last = NIL, v = NIL, todo = NIL, prev = NIL,
	     nxt = NIL, dead = NIL, moved = NIL, b = NIL, below = NIL;
	byte bump, now, tt, w, bound = NO_READER, live_count, i, k, gi,
	     round, n;
	byte live_t[NR];
	bool seen, began, still, recycled, pub, moving, got, need_epoch,
	     rescan, decide_backlog, do_reclaim, copy_home, snapshot,
	     need_live, reuse_home;

end_idle:
	do
	:: atomic {
		has_work ->
		in_pass = true;
#ifdef CHECK_QUIESCENCE
		/* ...and the trimmer gets there: no pass is in vain once
		 * the others are done (a bound on passes, as cycles are not
		 * searched for). */
		if
		:: g_writer_done && g_readers_done == NR ->
			g_late_passes++;
			assert(g_late_passes <= MAX_LATE_PASSES)
		:: else
		fi;
#endif
		/* Who holds the trim lock for this pass. */
		if
		:: /* the trimmer thread (trimmer_main): a rescan when a
		    * read has ended since the last, then reclaim with
		    * moves home */
			end_passes_due == 0 ->
			rescan = (reads_ended != rescanned_at);
			decide_backlog = true;
			do_reclaim = true;
			copy_home = true
		:: /* the pass of an end_read whose trylock succeeded (it
		    * holds the lock: its pass comes next): a rescan, limit
		    * 0, no reclaim */
			end_passes_due > 0 ->
			end_passes_due--;
			rescan = true;
			decide_backlog = false;
			do_reclaim = false
		:: /* the writer's back-pressure (when its hint of queued
		    * versions is past the limit, which may lag the queue):
		    * no rescan, then reclaim without moves; left out when
		    * it would find nothing to decide or reuse */
			end_passes_due == 0 &&
			(queue != NIL || backlog != NIL || unlinked != NIL ||
			 grace_active) ->
			rescan = false;
			decide_backlog = true;
			do_reclaim = true;
			copy_home = false
		fi;
#ifndef MUTANT_RESCAN_AFTER_SCAN
		/* The count of ended reads a rescan covers, loaded before
		 * its collect. */
		if
		:: rescan -> rescanned_at = reads_ended
		:: else
		fi;
#endif
		/* pv_trim_pass's first step: the queue exchange (acquire),
		 * the versions onto the backlog. */
		fresh = queue;
		queue = NIL;
		if
		:: fresh != NIL ->
			last = fresh;
			do
			:: link[last] != NIL -> last = link[last]
			:: else -> break
			od;
			link[last] = backlog;
			backlog = fresh
		:: else
		fi;
		fresh = NIL;
		last = NIL
	   };
		trim_pass();
		if
		:: do_reclaim -> reclaim(copy_home)
		:: else
		fi;
		atomic {
			in_pass = false;
			rescan = false;
			decide_backlog = false;
			do_reclaim = false;
			copy_home = false
		}
	:: atomic {
		!has_work && g_writer_done && g_readers_done == NR ->
#ifdef CHECK_QUIESCENCE
		/* Property 4: once the writer and the readers are done and
		 * the trimmer has nothing left to do, everything replaced
		 * was reused: the page is home again and every other header
		 * is in the pool. */
		assert(committed == NC);
#ifndef NO_MOVE_HOME
		assert(head == HOME && !home_free);
#endif
		n = 0;
		v = pool;
		do
		:: v != NIL -> n++; v = link[v]
		:: else -> break
		od;
		assert(n == NV - 1);
#endif
		v = NIL
	   };
		break
	od
}

init
{
	byte r;
	atomic {
		/* Page 0 is in its home slot, written at commit 0. */
		head = HOME;
		head_since = 0;
		head_data = HOME;
		g_data_gen = 0;
		started = 0;
		older[HOME] = NIL;
		newer[HOME] = NIL;
		g_older_gen[HOME] = 0;
		for (r : 1 .. NV - 1) {
			link[r] = pool;
			pool = r
		}
		for (r : 0 .. NR - 1) {
			slot_time[r] = NO_READER;
			g_time[r] = NO_READER;
			g_held[r] = NIL;
			g_walk_at[r] = NIL
		}
		run writer();
		for (r : 0 .. NR - 1) {
			run reader(r)
		}
		run trimmer()
	}
}
