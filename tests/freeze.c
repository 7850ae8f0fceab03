/*
 * freeze.c — stopping threads at random instants (freeze.h).
 */
#include "freeze.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

uint64_t freeze_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void freeze_sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000u),
	                      (long)(ns % 1000000000u)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static _Atomic uint64_t random_state = 0x2545f4914f6cdd1du;

/* splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014) over one shared counter: lock-free, so the
 * handler may call it. */
static uint64_t next_random(void)
{
	/* Relaxed: any distinct value will do; nothing is published. */
	uint64_t z = atomic_fetch_add_explicit(&random_state,
	                                       0x9e3779b97f4a7c15u,
	                                       memory_order_relaxed);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* The running freezer's bounds, in ns, the admission test, and the
 * count. */
static _Atomic uint64_t freeze_min_ns = 1000, freeze_max_ns = 1000;
static bool (*freeze_admit)(void);
static void (*freeze_after)(void);
static _Atomic uint64_t freezes;
static _Atomic pid_t registered[FREEZE_SLOTS];

static void on_freeze(int signo)
{
	(void)signo;
	int saved = errno;
	if (!freeze_admit || freeze_admit()) {
		/* Acquire: pairs with freezer_start's release (a signal is no
		 * synchronisation C11 knows). */
		double lo = (double)atomic_load_explicit(&freeze_min_ns,
		                                         memory_order_acquire);
		double hi = (double)atomic_load_explicit(&freeze_max_ns,
		                                         memory_order_acquire);
		/* Relaxed: a statistic. */
		double unit = (double)(next_random() >> 11) / 9007199254740992.0;
		freeze_sleep_ns((uint64_t)(lo * pow(hi / lo, unit)));
		atomic_fetch_add_explicit(&freezes, 1, memory_order_relaxed);
		if (freeze_after)
			freeze_after();
	}
	errno = saved;
}

bool freeze_install(bool (*admit)(void), void (*after)(void))
{
	freeze_admit = admit;
	freeze_after = after;
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	struct sigaction sa = {.sa_handler = on_freeze, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL) == 0;
}

void freeze_register(unsigned slot, pid_t tid)
{
	/* Relaxed: a thread id; the freezer may use a stale one, which then
	 * fails (ESRCH) or freezes the slot's next thread. */
	atomic_store_explicit(&registered[slot], tid, memory_order_relaxed);
}

void freeze_register_self(unsigned slot)
{
	freeze_register(slot, (pid_t)syscall(SYS_gettid));
}

void freeze_unregister(unsigned slot)
{
	freeze_register(slot, 0);
}

uint64_t freeze_count(void)
{
	/* Relaxed: a statistic. */
	return atomic_load_explicit(&freezes, memory_order_relaxed);
}

static void *freezer_main(void *arg)
{
	struct freezer *f = arg;
	pid_t pid = getpid();
	/* Acquire: pairs with freezer_stop's release; nothing else. */
	while (!atomic_load_explicit(&f->stop, memory_order_acquire)) {
		unsigned slot = f->plan.first +
		                (unsigned)(next_random() % f->plan.count);
		/* Relaxed: see freeze_register. */
		pid_t tid = atomic_load_explicit(&registered[slot],
		                                 memory_order_relaxed);
		if (tid)
			syscall(SYS_tgkill, pid, tid, SIGUSR1);
		freeze_sleep_ns(next_random() % (2 * f->plan.gap_ns + 1));
	}
	return NULL;
}

bool freezer_start(struct freezer *f, const struct freeze_plan *plan)
{
	f->plan = *plan;
	atomic_init(&f->stop, false);
	/* Release: pairs with the handler's acquire.  One freezer at a
	 * time sets them. */
	atomic_store_explicit(&freeze_min_ns, (uint64_t)plan->min_ns,
	                      memory_order_release);
	atomic_store_explicit(&freeze_max_ns, (uint64_t)plan->max_ns,
	                      memory_order_release);
	return pthread_create(&f->thread, NULL, freezer_main, f) == 0;
}

void freezer_stop(struct freezer *f)
{
	/* Release: pairs with the freezer's acquire. */
	atomic_store_explicit(&f->stop, true, memory_order_release);
	pthread_join(f->thread, NULL);
}

size_t freeze_list_threads(pid_t *tids, size_t cap)
{
	DIR *dir = opendir("/proc/self/task");
	if (!dir)
		return 0;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(dir)) && n < cap) {
		pid_t tid = (pid_t)atoi(e->d_name);
		if (tid > 0)
			tids[n++] = tid;
	}
	closedir(dir);
	return n;
}
