// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control file and the status it feeds.
 *
 * A line written to ctl is a ruv command line.  ruvfs runs the ruv
 * program for it rather than calling the verb table in-process: the
 * command parses, reports and fails exactly as on the command line, a
 * crash in a long command cannot take the mount down, and fs/ never
 * includes cmds/.  The program's output goes to status; the errno behind
 * a failure comes back on a pipe named by $RUV_ERRNO_FD, and the write to
 * ctl fails with it (usage errors: EINVAL).
 *
 * Each open file has a line buffer (ctlbuf.c, FUSE-free and unit
 * tested): lines run in the write that completes them, a write stops at
 * the first failing line and is short if earlier lines ran, a re-sent
 * failed line answers its errno without running again (twice at most),
 * and an unterminated last line runs at the last close (release; a flush
 * comes with the close of every dup of the descriptor, too early), its
 * outcome in status only.
 *
 * The program's output is copied into its job record as it arrives, so
 * status shows the progress of a long command (ruv prints progress
 * lines when $RUV_PROGRESS is "lines", which ruvfs sets for it).
 *
 * Locking: one mutex over the status ring; commands run without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctlbuf.h"
#include "fs_int.h"
#include "log.h"
#include "rtime.h"

extern char **environ;

#define LINE_MAX_LEN CTLBUF_LINE_MAX
#define ARGS_MAX     128
#define RING	     32

/* An open ctl file: its lines (ctlbuf.c). */
struct ctl_buf {
	struct ctlbuf *lines;
};

struct job {
	int64_t start_us, end_us;
	char line[256];
	int running;
	int err;	   /* 0 ok, else the errno */
	int ctl;	   /* a ctl line (else a tree write, such as pit) */
	char output[2048]; /* the tail of what it printed */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct job jobs[RING];
static unsigned njobs; /* total ever started */
static char errors[RING][512];
static int64_t error_time[RING];
static unsigned nerrors;

struct ctl_buf *ctl_open(void)
{
	struct ctl_buf *cb = calloc(1, sizeof(*cb));

	if (!cb)
		return NULL;
	cb->lines = ctlbuf_new();
	if (!cb->lines) {
		free(cb);
		return NULL;
	}
	return cb;
}

void ctl_release(struct ctl_buf *cb)
{
	if (!cb)
		return;
	ctlbuf_free(cb->lines);
	free(cb);
}

void ctl_note_error(const char *fmt, ...)
{
	va_list ap;
	unsigned i;

	pthread_mutex_lock(&lock);
	i = nerrors++ % RING;
	error_time[i] = rtime_now();
	va_start(ap, fmt);
	vsnprintf(errors[i], sizeof(errors[i]), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&lock);
}

/* Read fd to EOF into buf (NUL-terminated, the rest drained). */
static void read_all(int fd, char *buf, size_t cap, size_t *len)
{
	char scratch[4096];
	ssize_t n;

	*len = 0;
	for (;;) {
		if (*len + 1 < cap)
			n = read(fd, buf + *len, cap - 1 - *len);
		else
			n = read(fd, scratch, sizeof(scratch)); /* drain */
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (*len + 1 < cap)
			*len += (size_t)n;
	}
	buf[*len] = '\0';
}

static unsigned job_start(const char *line, int ctl)
{
	struct job *j;
	unsigned id;

	pthread_mutex_lock(&lock);
	id = njobs++;
	j = &jobs[id % RING];
	memset(j, 0, sizeof(*j));
	j->start_us = rtime_now();
	j->running = 1;
	j->ctl = ctl;
	snprintf(j->line, sizeof(j->line), "%s", line);
	pthread_mutex_unlock(&lock);
	return id;
}

/* Add output to the job's record, keeping its tail. */
static void job_append(unsigned id, const char *data, size_t len)
{
	struct job *j;
	size_t have, cap = sizeof(j->output) - 1, drop;

	pthread_mutex_lock(&lock);
	j = &jobs[id % RING];
	if (njobs - id <= RING) {
		if (len > cap) {
			data += len - cap;
			len = cap;
		}
		have = strlen(j->output);
		if (have + len > cap) {
			drop = have + len - cap;
			memmove(j->output, j->output + drop, have - drop);
			have -= drop;
		}
		memcpy(j->output + have, data, len);
		j->output[have + len] = '\0';
	}
	pthread_mutex_unlock(&lock);
}

/* The last non-empty line of text, without its newline, into buf. */
static void last_line(const char *text, char *buf, size_t len)
{
	const char *end = text + strlen(text), *p;

	while (end > text && end[-1] == '\n')
		end--;
	for (p = end; p > text && p[-1] != '\n'; p--)
		;
	snprintf(buf, len, "%.*s", (int)(end - p), p);
}

/* A command ends: in status, and in the operator's log (log.h). */
static void job_end(unsigned id, int err)
{
	char line[LINE_MAX_LEN + 1], why[512];
	const char *kind = "";
	struct job *j;

	line[0] = why[0] = '\0';
	pthread_mutex_lock(&lock);
	j = &jobs[id % RING];
	if (njobs - id <= RING) {
		j->running = 0;
		j->end_us = rtime_now();
		j->err = err;
		snprintf(line, sizeof(line), "%s", j->line);
		kind = j->ctl ? "ctl: " : "";
		if (err)
			last_line(j->output, why, sizeof(why));
	}
	pthread_mutex_unlock(&lock);
	if (!err)
		fslog(LOG_INFO, "%s%s: done", kind, line);
	else
		fslog(LOG_ERR, "%s%s: %s%s%s", kind, line, strerror(err),
		      why[0] ? ": " : "", why);
}

/* Copy the program's output into the job as it comes, to EOF. */
static void follow_output(unsigned id, int fd)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		job_append(id, buf, (size_t)n);
	}
}

/* The environment of a ctl command: ours, with progress as lines. */
static char **command_env(void)
{
	static const char progress[] = "RUV_PROGRESS=lines";
	size_t n = 0, i, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "RUV_PROGRESS=", 13))
			env[k++] = environ[i];
	env[k++] = (char *)progress;
	env[k] = NULL;
	return env;
}

/* Run one ruv command line; 0 or -errno. */
static int run_line(const char *line)
{
	char copy[LINE_MAX_LEN], *words[ARGS_MAX + 1], *argv[ARGS_MAX + 8];
	char output[PATH_MAX + 128], errbuf[32];
	posix_spawn_file_actions_t fa;
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	size_t elen = 0;
	int argc, i, status, rc, err = 0;
	char **env = NULL;
	unsigned id;
	pid_t pid;

	snprintf(copy, sizeof(copy), "%s", line);
	argc = ctlbuf_split(copy, words, ARGS_MAX);
	if (argc == 0)
		return 0; /* blank or comment */
	id = job_start(line, 1);
	if (argc < 0) {
		job_append(id, "ruvfs: ctl: unbalanced quote\n", 29);
		job_end(id, EINVAL);
		return -EINVAL;
	}
	argv[0] = fs.ruv;
	argv[1] = (char *)"--home";
	argv[2] = fs.home;
	for (i = 0; i < argc; i++)
		argv[3 + i] = words[i];
	argv[3 + argc] = NULL;
	env = command_env();
	if (!env) {
		rc = -ENOMEM;
		goto fail;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		rc = -errno;
		goto fail;
	}
	/* $RUV_ERRNO_FD=3 is in the environment since startup (main). */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, out[1], 2);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 3);
	rc = -posix_spawn(&pid, fs.ruv, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	close(errp[1]);
	out[1] = errp[1] = -1;
	if (rc < 0)
		goto fail;
	follow_output(id, out[0]);
	read_all(errp[0], errbuf, sizeof(errbuf), &elen);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		err = 0;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		err = EINVAL;
	else
		err = elen ? atoi(errbuf) : EIO;
	if (err <= 0 || err > 4095)
		err = err ? EIO : 0;
	job_end(id, err);
	close(out[0]);
	close(errp[0]);
	free(env);
	return -err;
fail:
	snprintf(output, sizeof(output), "ruvfs: cannot run '%s': %s\n", fs.ruv,
		 strerror(-rc));
	job_append(id, output, strlen(output));
	job_end(id, -rc);
	free(env);
	for (i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	return rc;
}

static int run_one(const char *line, void *arg)
{
	(void)arg;
	return run_line(line);
}

int ctl_write(struct ctl_buf *cb, const char *data, size_t size)
{
	return ctlbuf_write(cb->lines, data, size, run_one, NULL);
}

int ctl_pending(const struct ctl_buf *cb)
{
	return cb && ctlbuf_pending(cb->lines);
}

int ctl_flush(struct ctl_buf *cb)
{
	return cb ? ctlbuf_flush(cb->lines, run_one, NULL) : 0;
}

void ctl_usage(FILE *out)
{
	fputs("Write one ruv command line per line, without 'ruv':\n"
	      "  echo 'backup --group PAYROLL' > ctl\n"
	      "The write fails with the errno of a failing command; its\n"
	      "message is in status.  Lines after it do not run; lines\n"
	      "before it in the same write did, and the write says so by\n"
	      "being short.  An unterminated last line runs when the\n"
	      "file is last closed; its outcome is in status only.\n",
	      out);
}

void ctl_status(FILE *out)
{
	char when[RTIME_ISO_MAX];
	unsigned i, first;
	struct job *j;

	rtime_format_iso(fs.mount_us, when, sizeof(when));
	fprintf(out, "ruvfs %s on %s since %s\n", RUV_VERSION, fs.home, when);
	fprintf(out, "repository: %s\n",
		fs_repo() ? "open"
			  : "none (ruv init, or ruvreprs at a remote site)");
	fs_env_status(out);
	pthread_mutex_lock(&lock);
	first = njobs > RING ? njobs - RING : 0;
	fputs("\ncommands (oldest first):\n", out);
	for (i = first; i < njobs; i++) {
		j = &jobs[i % RING];
		rtime_format_iso(j->start_us, when, sizeof(when));
		if (j->running) {
			fprintf(out, "%s running  %s\n", when, j->line);
		} else {
			fprintf(out, "%s %-8s %s\n", when,
				j->err ? "failed" : "ok", j->line);
			if (j->err)
				fprintf(out, "  errno %d (%s)\n", j->err,
					strerror(j->err));
		}
		if (j->output[0]) {
			const char *p = j->output, *nl;

			for (; *p; p = nl + 1) {
				nl = strchr(p, '\n');
				if (!nl) {
					fprintf(out, "  %s\n", p);
					break;
				}
				fprintf(out, "  %.*s\n", (int)(nl - p), p);
			}
		}
	}
	fputs("\nerrors (oldest first):\n", out);
	first = nerrors > RING ? nerrors - RING : 0;
	for (i = first; i < nerrors; i++) {
		rtime_format_iso(error_time[i % RING], when, sizeof(when));
		fprintf(out, "%s %s\n", when, errors[i % RING]);
	}
	pthread_mutex_unlock(&lock);
}

void ctl_record(const char *what, int err, const char *output)
{
	unsigned id = job_start(what, 0);

	if (output && *output)
		job_append(id, output, strlen(output));
	job_end(id, err);
}
