/*
 * sysinfo.c — the machine and the process as /proc and /sys show them
 * (sysinfo.h), and the build as CMake recorded it (build_info.h).
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "build_info.h"
#include "sysinfo.h"
#include "version.h"

/* The first line of a small file, without its newline; false if none. */
static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	else if (len)
		buf[0] = '\0';
	return ok;
}

uint64_t process_rss_bytes(void)
{
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	char buf[128];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	unsigned long long size, resident;
	if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return 0;
	return resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

double steal_ms_now(void)
{
	char line[512];
	if (!read_line("/proc/stat", line, sizeof line))
		return -1;
	/* cpu user nice system idle iowait irq softirq steal ... (USER_HZ) */
	unsigned long long field[8];
	if (sscanf(line, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
	           &field[0], &field[1], &field[2], &field[3], &field[4],
	           &field[5], &field[6], &field[7]) != 8)
		return -1;
	long hz = sysconf(_SC_CLK_TCK);
	return hz > 0 ? (double)field[7] * 1000.0 / (double)hz : -1;
}

unsigned allowed_cpus(int *cpus, unsigned max)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return 0;
	unsigned n = 0;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set)) {
			if (n < max)
				cpus[n] = cpu;
			n++;
		}
	return n;
}

void allowed_cpus_text(char *buf, size_t len)
{
	int cpus[CPU_SETSIZE];
	unsigned n = allowed_cpus(cpus, CPU_SETSIZE);
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < n && used < len; ) {
		unsigned j = i;
		while (j + 1 < n && cpus[j + 1] == cpus[j] + 1)
			j++;
		int w = j > i ? snprintf(buf + used, len - used, "%s%d-%d",
		                         used ? "," : "", cpus[i], cpus[j])
		              : snprintf(buf + used, len - used, "%s%d",
		                         used ? "," : "", cpus[i]);
		used += w > 0 ? (size_t)w : 0;
		i = j + 1;
	}
}

int pin_this_thread(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void cpu_model(char *buf, size_t len)
{
	snprintf(buf, len, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[256];
	while (fgets(line, sizeof line, f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon) {
			colon++;
			while (*colon == ' ')
				colon++;
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(buf, len, "%s", colon);
			break;
		}
	}
	fclose(f);
}

void run_meta_collect(struct run_meta *meta)
{
	memset(meta, 0, sizeof *meta);
	snprintf(meta->git_commit, sizeof meta->git_commit, "%s",
	         SNAPBENCH_GIT_COMMIT);
	if (gethostname(meta->host, sizeof meta->host - 1) != 0)
		snprintf(meta->host, sizeof meta->host, "unknown");
	cpu_model(meta->cpu, sizeof meta->cpu);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	meta->cores = cores > 0 ? (unsigned)cores : 0;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(meta->timestamp, sizeof meta->timestamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "on"/"off" from intel_pstate's no_turbo or cpufreq's boost, else "". */
static void turbo_state(char *buf, size_t len)
{
	char line[16];
	buf[0] = '\0';
	if (read_line("/sys/devices/system/cpu/intel_pstate/no_turbo", line,
	              sizeof line))
		snprintf(buf, len, "%s", strcmp(line, "0") == 0 ? "on" : "off");
	else if (read_line("/sys/devices/system/cpu/cpufreq/boost", line,
	                   sizeof line))
		snprintf(buf, len, "%s", strcmp(line, "1") == 0 ? "on" : "off");
}

/* The bracketed choice of a sysfs mode line ("always [madvise] never"). */
static void selected_mode(const char *path, char *buf, size_t len)
{
	char line[128];
	buf[0] = '\0';
	if (!read_line(path, line, sizeof line))
		return;
	char *open = strchr(line, '['), *close = open ? strchr(open, ']') : NULL;
	if (open && close) {
		*close = '\0';
		snprintf(buf, len, "%.*s", (int)len - 1, open + 1);
	} else {
		snprintf(buf, len, "%.*s", (int)len - 1, line);
	}
}

void machine_info_collect(struct machine_info *info)
{
	memset(info, 0, sizeof *info);
	struct utsname uts;
	if (uname(&uts) == 0)
		snprintf(info->kernel, sizeof info->kernel, "%s %s %s",
		         uts.sysname, uts.release, uts.machine);
	read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
	          info->governor, sizeof info->governor);
	turbo_state(info->turbo, sizeof info->turbo);
	read_line("/sys/devices/system/cpu/smt/control", info->smt,
	          sizeof info->smt);
	selected_mode("/sys/kernel/mm/transparent_hugepage/enabled", info->thp,
	              sizeof info->thp);
	char load[128];
	for (int i = 0; i < 3; i++)
		info->loadavg[i] = -1;
	if (read_line("/proc/loadavg", load, sizeof load))
		sscanf(load, "%lf %lf %lf", &info->loadavg[0], &info->loadavg[1],
		       &info->loadavg[2]);
	snprintf(info->compiler, sizeof info->compiler, "%s", SNAPBENCH_COMPILER);
	snprintf(info->cflags, sizeof info->cflags, "%s", SNAPBENCH_C_FLAGS);
	snprintf(info->libraries, sizeof info->libraries, "%s",
	         SNAPBENCH_LIBRARIES);
	allowed_cpus_text(info->affinity, sizeof info->affinity);
}
