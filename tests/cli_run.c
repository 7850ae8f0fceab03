#include <criterion/criterion.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_run.h"

extern char **environ;

void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, size - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
}

char *temp_path(const char *tag)
{
	char *path = malloc(128);
	cr_assert(path);
	snprintf(path, 128, "/tmp/snapbench-%s-XXXXXX", tag);
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	unlink(path);
	return path;
}

static pid_t spawn(const char *const *args, int out_fd, int err_fd)
{
	const char *argv[96] = {SNAPBENCH_BIN};
	int argc = 1;
	while (args[argc - 1] && argc < 95) {
		argv[argc] = args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
	pid_t pid;
	cr_assert_eq(posix_spawn(&pid, SNAPBENCH_BIN, &actions, NULL,
	                         (char **)argv, environ), 0);
	posix_spawn_file_actions_destroy(&actions);
	return pid;
}

int cli_wait(pid_t pid)
{
	int wstatus;
	cr_assert_eq(waitpid(pid, &wstatus, 0), pid);
	cr_assert(WIFEXITED(wstatus), "snapbench did not exit normally");
	return WEXITSTATUS(wstatus);
}

pid_t cli_start(const char *const *args)
{
	int null_fd = open("/dev/null", O_WRONLY);
	pid_t pid = spawn(args, null_fd, null_fd);
	close(null_fd);
	return pid;
}

struct outcome cli_runv(const char *const *args)
{
	char out_path[] = "/tmp/snapbench-cli-out-XXXXXX";
	char err_path[] = "/tmp/snapbench-cli-err-XXXXXX";
	int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
	pid_t pid = spawn(args, out_fd, err_fd);
	struct outcome o;
	o.status = cli_wait(pid);
	close(out_fd);
	close(err_fd);
	slurp(out_path, o.out, sizeof o.out);
	slurp(err_path, o.err, sizeof o.err);
	unlink(out_path);
	unlink(err_path);
	return o;
}

struct outcome cli_run(const char *first, ...)
{
	const char *args[96] = {first};
	int n = 1;
	va_list ap;
	va_start(ap, first);
	while (first && n < 95 && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	args[first ? n : 0] = NULL;
	return cli_runv(args);
}

int csv_split(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;
	while (n < max) {
		fields[n++] = p;
		if (*p == '"') {
			char *w = p;
			for (p++;; p++) {
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p++;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p;
				}
			}
			if (*p == ',')
				*w = '\0', p++;
			else {
				*w = '\0';
				break;
			}
			continue;
		}
		char *comma = strchr(p, ',');
		if (!comma)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	return n;
}

void csv_read(const char *path, struct csv *csv)
{
	memset(csv, 0, sizeof *csv);
	csv->text = malloc(1 << 20);
	cr_assert(csv->text);
	slurp(path, csv->text, 1 << 20);
	char *save = NULL;
	char *line = strtok_r(csv->text, "\n", &save);
	cr_assert(line, "%s is empty", path);
	csv->columns = csv_split(line, csv->header, CSV_MAX_COLUMNS);
	while ((line = strtok_r(NULL, "\n", &save)) && csv->nrows < CSV_MAX_ROWS) {
		int n = csv_split(line, csv->rows[csv->nrows], CSV_MAX_COLUMNS);
		cr_assert_eq(n, csv->columns, "row %d of %s has %d cells, not %d",
		             csv->nrows + 1, path, n, csv->columns);
		csv->nrows++;
	}
}

int csv_column(const struct csv *csv, const char *column)
{
	for (int i = 0; i < csv->columns; i++)
		if (strcmp(csv->header[i], column) == 0)
			return i;
	cr_assert_fail("no column %s", column);
	return -1;
}

const char *csv_get(const struct csv *csv, int row, const char *column)
{
	cr_assert_lt(row, csv->nrows);
	return csv->rows[row][csv_column(csv, column)];
}

void csv_free(struct csv *csv)
{
	free(csv->text);
	csv->text = NULL;
}

struct outcome cli_run_csv(struct csv *csv, int want, const char *const *args)
{
	char *path = temp_path("csv");
	const char *argv[64];
	int n = 0;
	while (args[n] && n < 60) {
		argv[n] = args[n];
		n++;
	}
	argv[n++] = "-o";
	argv[n++] = path;
	argv[n++] = "-q";
	argv[n] = NULL;
	struct outcome o = cli_runv(argv);
	cr_assert_eq(o.status, want, "exit %d, not %d: %s", o.status, want,
	             o.err);
	memset(csv, 0, sizeof *csv);
	if (access(path, F_OK) == 0)
		csv_read(path, csv);
	unlink(path);
	free(path);
	return o;
}

double csv_number(const struct csv *csv, int row, const char *column)
{
	const char *cell = csv_get(csv, row, column);
	char *end;
	double value = strtod(cell, &end);
	cr_assert(*cell && !*end, "%s is '%s', not a number", column, cell);
	return value;
}

const char *json_value(const char *text, const char *name, char *buf,
                       size_t len)
{
	char key[128];
	snprintf(key, sizeof key, "\"%s\": ", name);
	const char *at = strstr(text, key);
	cr_assert(at, "no \"%s\" in the JSON", name);
	at += strlen(key);
	size_t n = *at == '"' ? strcspn(at + 1, "\"") + 2 : strcspn(at, ",}]\n");
	snprintf(buf, len, "%.*s", (int)n, at);
	return buf;
}
