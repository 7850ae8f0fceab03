/*
 * isolate.c — a variant's run in a child process, and its result sent
 * back through a pipe (isolate.h).
 *
 * The message: a header (a magic number, run_variant's status and error
 * text), the struct run_result's bytes (its pointers mean nothing to the
 * parent and are replaced), then the buckets of the commit-latency and the
 * read-duration histograms, then the timeline's slots.  Parent and child
 * are the same binary, so the layout is the same on both sides; the parent
 * still checks every size it is sent before it allocates.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isolate.h"

#define MESSAGE_MAGIC 0x736e6170u /* "snap" */

struct message_header {
	uint32_t magic;
	int32_t status;
	char err[512];
};

typedef ssize_t (*transfer_fn)(int fd, void *data, size_t len);

static ssize_t write_some(int fd, void *data, size_t len)
{
	return write(fd, data, len);
}

/* Moves all len bytes through fd with `transfer` (read or write_some),
 * through interruptions and partial transfers; false at an error or EOF. */
static bool transfer_all(transfer_fn transfer, int fd, void *data, size_t len)
{
	char *at = data;
	while (len > 0) {
		ssize_t n = transfer(fd, at, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		at += n;
		len -= (size_t)n;
	}
	return true;
}

static bool write_all(int fd, const void *data, size_t len)
{
	return transfer_all(write_some, fd, (void *)data, len);
}

static bool read_all(int fd, void *data, size_t len)
{
	return transfer_all(read, fd, data, len);
}

static bool send_result(int fd, int status, const char *err,
                        const struct run_result *r)
{
	struct message_header header = {.magic = MESSAGE_MAGIC, .status = status};
	snprintf(header.err, sizeof header.err, "%s", err);
	return write_all(fd, &header, sizeof header) &&
	       write_all(fd, r, sizeof *r) &&
	       write_all(fd, r->write_latency.buckets,
	                 r->write_latency.bucket_count * sizeof(uint64_t)) &&
	       write_all(fd, r->read_duration.buckets,
	                 r->read_duration.bucket_count * sizeof(uint64_t)) &&
	       (!r->timeline_slots ||
	        write_all(fd, r->timeline,
	                  r->timeline_slots * sizeof *r->timeline));
}

/* The child: runs the variant, adds what getrusage knows of its memory,
 * sends the result and exits without running the parent's atexit
 * handlers (a test framework's, when a test forks). */
static void __attribute__((noreturn))
child_main(const struct sb_variant *variant, const struct run_config *config,
           int fd)
{
	char err[512] = "";
	struct run_result r;
	int status = run_variant(variant, config, &r, err, sizeof err);
	struct rusage self, children;
	if (getrusage(RUSAGE_SELF, &self) == 0 &&
	    (uint64_t)self.ru_maxrss * 1024 > r.rss_peak_bytes)
		r.rss_peak_bytes = (uint64_t)self.ru_maxrss * 1024;
	if (getrusage(RUSAGE_CHILDREN, &children) == 0)
		r.rss_children_peak_bytes = (uint64_t)children.ru_maxrss * 1024;
	bool sent = send_result(fd, status, err, &r);
	run_result_free(&r);
	close(fd);
	_exit(sent ? 0 : SB_ERESOURCE);
}

static bool receive_hist(int fd, struct hist *h)
{
	unsigned sub_bits = h->sub_bits, count = h->bucket_count;
	h->buckets = NULL;
	if (sub_bits > HIST_MAX_BITS || count != hist_bucket_count(sub_bits))
		return false;
	h->buckets = malloc(count * sizeof *h->buckets);
	return h->buckets && read_all(fd, h->buckets, count * sizeof *h->buckets);
}

/* Reads the child's message into result; false if it is not whole. */
static bool receive_result(int fd, const struct run_config *config,
                           struct run_result *result, int *status,
                           char *err, size_t errlen)
{
	struct message_header header;
	if (!read_all(fd, &header, sizeof header) ||
	    header.magic != MESSAGE_MAGIC || !read_all(fd, result, sizeof *result)) {
		memset(result, 0, sizeof *result);
		return false;
	}
	result->timeline = NULL;
	bool ok = receive_hist(fd, &result->write_latency);
	if (!ok)
		result->read_duration.buckets = NULL;
	ok = ok && receive_hist(fd, &result->read_duration);
	uint64_t slots = result->timeline_slots;
	if (ok && slots) {
		ok = config->timeline &&
		     slots <= timeline_slot_count(config->duration_s);
		result->timeline = ok ? malloc(slots * sizeof *result->timeline)
		                      : NULL;
		ok = result->timeline &&
		     read_all(fd, result->timeline, slots * sizeof *result->timeline);
	}
	*status = header.status;
	header.err[sizeof header.err - 1] = '\0';
	snprintf(err, errlen, "%s", header.err);
	return ok;
}

/* What the child's end says, when it says more than its message. */
static int child_outcome(pid_t pid, bool received, int status, char *err,
                         size_t errlen)
{
	int wstatus;
	while (waitpid(pid, &wstatus, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errlen, "cannot wait for its process: %s",
			         strerror(errno));
			return SB_ERESOURCE;
		}
	if (WIFSIGNALED(wstatus)) {
		snprintf(err, errlen, "its process died of signal %d (%s)",
		         WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
		return SB_ERESOURCE;
	}
	if (!received) {
		snprintf(err, errlen, "its process exited with status %d "
		         "without a whole result", WEXITSTATUS(wstatus));
		return SB_ERESOURCE;
	}
	return status;
}

int run_variant_isolated(const struct sb_variant *variant,
                         const struct run_config *config,
                         struct run_result *result, char *err, size_t errlen)
{
	memset(result, 0, sizeof *result);
	result->variant = variant->name;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "cannot make a pipe: %s", strerror(errno));
		return SB_ERESOURCE;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return SB_ERESOURCE;
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(variant, config, fds[1]);
	}
	close(fds[1]);
	int status = SB_ERESOURCE;
	bool received = receive_result(fds[0], config, result, &status, err,
	                               errlen);
	close(fds[0]);
	if (!received) {
		run_result_free(result);
		memset(result, 0, sizeof *result);
	}
	result->variant = variant->name;
	return child_outcome(pid, received, status, err, errlen);
}
