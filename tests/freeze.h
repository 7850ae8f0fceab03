/*
 * freeze.h — stopping threads at random instants, for the stress tests of
 * libpagever (tests/reuse_stress.c, tests/bounded_memory.c).
 *
 * The races of a lock-free scheme need one thread to stop at one wrong
 * instruction for long enough that the others act; the scheduler seldom
 * does that on a machine with few threads.  A freezer thread sends SIGUSR1
 * to one of a set of registered threads every so often, and the handler
 * sleeps there for a random time: a preemption at an arbitrary
 * instruction.  Interrupted system calls are restarted (SA_RESTART); sleeps
 * that are not go on for what is left when the caller loops on EINTR.
 */
#ifndef SNAPBENCH_TEST_FREEZE_H
#define SNAPBENCH_TEST_FREEZE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Threads that can be registered at once (slots 0..FREEZE_SLOTS-1). */
#define FREEZE_SLOTS 16

struct freeze_plan {
	/* Each freeze lasts from min_ns to max_ns, log-uniform: short ones
	 * and long ones both come often. */
	double min_ns, max_ns;
	/* Between two signals the freezer waits 0 to 2 x gap_ns. */
	uint64_t gap_ns;
	/* It signals the threads registered in slots [first, first + count). */
	unsigned first, count;
};

/* Installs the SIGUSR1 handler and asks for sleeps as short as 1 us for
 * the calling thread and the threads it creates later (the default timer
 * slack, 50 us, would stretch short freezes).  `admit`, unless NULL, is
 * called in the handler: the thread freezes only when it returns true;
 * `after`, unless NULL, is called in the handler at the end of each
 * freeze.  Both must be async-signal-safe.  False when the handler cannot
 * be installed. */
bool freeze_install(bool (*admit)(void), void (*after)(void));

/* Registers the calling thread in `slot`, or the thread `tid`. */
void freeze_register_self(unsigned slot);
void freeze_register(unsigned slot, pid_t tid);
void freeze_unregister(unsigned slot);

/* Freezes completed so far, in every thread. */
uint64_t freeze_count(void);

struct freezer {
	struct freeze_plan plan;
	_Atomic bool stop;
	pthread_t thread;
};

/* Starts signalling as `plan` says (one freezer at a time); false when no
 * thread could be made. */
bool freezer_start(struct freezer *f, const struct freeze_plan *plan);
void freezer_stop(struct freezer *f);

/* The ids of this process's threads (at most `cap`); how many. */
size_t freeze_list_threads(pid_t *tids, size_t cap);

/* Monotonic nanoseconds, and a sleep that survives the freezes' signals. */
uint64_t freeze_now_ns(void);
void freeze_sleep_ns(uint64_t ns);

#endif
