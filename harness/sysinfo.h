/*
 * sysinfo.h — what the harness reads about the machine and its own
 * process: resident memory, the hypervisor's steal time, the CPUs it may
 * run on (and pinning a thread to one), and the metadata a result carries
 * (where, when, on what, built how).  Only /proc, /sys and the build.
 */
#ifndef SNAPBENCH_SYSINFO_H
#define SNAPBENCH_SYSINFO_H

#include <stdbool.h>
#include <stdint.h>

/* Resident set size of this process in bytes (0 if unknown). */
uint64_t process_rss_bytes(void);

/* The machine's total steal time so far in milliseconds (the "cpu" line of
 * /proc/stat, every CPU summed), or a negative number if unknown. */
double steal_ms_now(void);

/* The CPUs this process may run on, lowest first: how many (at most max
 * are written to cpus). */
unsigned allowed_cpus(int *cpus, unsigned max);
/* Those CPUs as a list ("0-3,6"). */
void allowed_cpus_text(char *buf, size_t len);
/* Pins the calling thread to `cpu`: 0, or an errno value. */
int pin_this_thread(int cpu);

/* Where and when a row was measured. */
struct run_meta {
	char git_commit[64];
	char host[128];
	char cpu[128];
	char timestamp[32];  /* ISO 8601, UTC */
	unsigned cores;
};

void run_meta_collect(struct run_meta *meta);

/* What may make one machine's figures differ from another's, read once
 * before any variant runs.  Empty text (or a negative number) = unknown. */
struct machine_info {
	char kernel[256];
	char governor[64];     /* CPU frequency governor of cpu0 */
	char turbo[16];        /* "on" or "off" */
	char smt[32];          /* /sys/devices/system/cpu/smt/control */
	char thp[32];          /* transparent huge pages: the selected mode */
	double loadavg[3];     /* 1, 5 and 15 minutes, before the run */
	char compiler[128];
	char cflags[512];
	char libraries[256];   /* "name=version;name=version" */
	char affinity[256];    /* allowed_cpus_text */
};

void machine_info_collect(struct machine_info *info);

#endif
