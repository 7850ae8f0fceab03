/* clock.h — monotonic time in nanoseconds, and sleeping on it.  Shared by
 * the variants and the harness (it depends on neither). */
#ifndef SNAPBENCH_CLOCK_H
#define SNAPBENCH_CLOCK_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

static inline uint64_t sb_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void sb_sleep_until_ns(uint64_t deadline)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline / 1000000000u),
		.tv_nsec = (long)(deadline % 1000000000u),
	};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static inline void sb_sleep_ns(uint64_t duration)
{
	sb_sleep_until_ns(sb_now_ns() + duration);
}

#endif
