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
 * A slow line and the other writers.  The kernel holds the ctl inode's
 * lock for the whole of a write (and takes it for the truncate of
 * `echo ... > ctl`), so while a line runs in a write no other write to
 * ctl even reaches ruvfs: no queue of ours could let a short line pass a
 * long one.  Hence the one escape, chosen by the writer: a line whose last
 * word is "&" runs in the background.  Its write returns once the ruv
 * process has started (0; spawn failures still fail it), a thread follows
 * its output and outcome into status, and ctl is free at once for other
 * lines (report, list, show, history, status, or more work).  Each
 * command in status carries its job number, "[N]"; the line `cancel N`
 * (or `cancel`, the newest running job) sends SIGTERM to that job's
 * process group (each ruv runs in a group of its own): ruv stops as at
 * a kill at any moment, which leaves a repository that opens and a step
 * that can run again, and status shows the job "canceled" (ECANCELED).
 * A foreground line holds ctl until it ends; Ctrl-C on its writer does
 * not stop it (the write waits for the line).  Unmounting does not wait
 * for background jobs: they lose their output pipe and stop.
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
#define STR_(x)	     #x
#define STR(x)	     STR_(x)
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
	pid_t pid;	   /* its ruv process (a group of its own), or 0 */
	int canceled;	   /* a cancel line signalled it */
	char output[2048]; /* the tail of what it printed */
};

/* A line running in the background: what its thread needs. */
struct bg {
	unsigned id;
	pid_t pid;
	int out, errp; /* the read ends, owned by the thread */
	char **env;
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
		j->pid = 0;
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

static void job_set_pid(unsigned id, pid_t pid)
{
	pthread_mutex_lock(&lock);
	if (njobs - id <= RING)
		jobs[id % RING].pid = pid;
	pthread_mutex_unlock(&lock);
}

static int job_canceled(unsigned id)
{
	int c;

	pthread_mutex_lock(&lock);
	c = njobs - id <= RING && jobs[id % RING].canceled;
	pthread_mutex_unlock(&lock);
	return c;
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

/* The end of a line's ruv process: its output followed to EOF, then its
 * errno (0: ok) from the exit status and the errno pipe. */
static int finish(unsigned id, pid_t pid, int out, int errp)
{
	char errbuf[32];
	size_t elen = 0;
	int status, err;

	follow_output(id, out);
	read_all(errp, errbuf, sizeof(errbuf), &elen);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (job_canceled(id)) {
		job_append(id, "ruvfs: canceled\n", 16);
		err = ECANCELED;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		err = 0;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
		err = EINVAL;
	} else {
		err = elen ? atoi(errbuf) : EIO;
	}
	if (err <= 0 || err > 4095)
		err = err ? EIO : 0;
	job_end(id, err);
	close(out);
	close(errp);
	return err;
}

static void *background(void *arg)
{
	struct bg *b = arg;

	finish(b->id, b->pid, b->out, b->errp);
	free(b->env);
	free(b);
	return NULL;
}

/*
 * cancel [JOB]: stop a running line (JOB as status numbers it; without
 * it, the newest running one) with SIGTERM to its process group.  ruv
 * stops as at a kill at any moment: what it committed stays, the rest
 * is undone or adopted by the next run.  Its outcome, ECANCELED, shows
 * in status when it has stopped.
 */
static int cancel_line(unsigned self, int argc, char **words)
{
	char msg[320], *end;
	unsigned long want = 0;
	unsigned i, first, found = 0;
	pid_t pid = 0;
	struct job *j;

	if (argc > 2 ||
	    (argc == 2 && (!(want = strtoul(words[1], &end, 10)) || *end))) {
		snprintf(msg, sizeof(msg),
			 "ruvfs: ctl: usage: cancel [JOB], "
			 "JOB a number status shows\n");
		job_append(self, msg, strlen(msg));
		return EINVAL;
	}
	pthread_mutex_lock(&lock);
	first = njobs > RING ? njobs - RING : 0;
	for (i = first; i < njobs; i++) {
		j = &jobs[i % RING];
		if (i == self || !j->running || !j->pid)
			continue;
		if (want ? i + 1 == want : 1) {
			found = i + 1;
			pid = j->pid;
		}
	}
	if (found) {
		j = &jobs[(found - 1) % RING];
		j->canceled = 1;
		snprintf(msg, sizeof(msg), "ruvfs: ctl: canceling job %u: %s\n",
			 found, j->line);
		kill(-pid, SIGTERM);
	} else if (want) {
		snprintf(msg, sizeof(msg),
			 "ruvfs: ctl: cancel: no running job %lu\n", want);
	} else {
		snprintf(msg, sizeof(msg),
			 "ruvfs: ctl: cancel: no running job\n");
	}
	pthread_mutex_unlock(&lock);
	job_append(self, msg, strlen(msg));
	return found ? 0 : ENOENT;
}

/* Run one ruv command line; 0 or -errno.  A line ending in a word "&"
 * runs in the background: 0 once started. */
static int run_line(const char *line)
{
	char copy[LINE_MAX_LEN], *words[ARGS_MAX + 1], *argv[ARGS_MAX + 8];
	char output[PATH_MAX + 128];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	sigset_t mask, dflt;
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int argc, i, rc, err, bgnd = 0;
	char **env = NULL;
	struct bg *b = NULL;
	pthread_attr_t ta;
	pthread_t t;
	unsigned id;
	pid_t pid;

	snprintf(copy, sizeof(copy), "%s", line);
	argc = ctlbuf_split(copy, words, ARGS_MAX);
	if (argc == 0)
		return 0; /* blank or comment */
	id = job_start(line, 1);
	if (argc < 0) {
		snprintf(output, sizeof(output), "ruvfs: ctl: %s\n",
			 argc == -E2BIG
				 ? "more than " STR(ARGS_MAX) " arguments"
				 : "unbalanced quote");
		job_append(id, output, strlen(output));
		job_end(id, EINVAL);
		return -EINVAL;
	}
	if (!strcmp(words[0], "cancel")) {
		err = cancel_line(id, argc, words);
		job_end(id, err);
		return -err;
	}
	if (argc > 1 && !strcmp(words[argc - 1], "&")) {
		bgnd = 1;
		words[--argc] = NULL;
	}
	argv[0] = fs.ruv;
	argv[1] = (char *)"--home";
	argv[2] = fs.home;
	for (i = 0; i < argc; i++)
		argv[3 + i] = words[i];
	argv[3 + argc] = NULL;
	env = command_env();
	b = bgnd ? calloc(1, sizeof(*b)) : NULL;
	if (!env || (bgnd && !b)) {
		rc = -ENOMEM;
		goto fail;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		rc = -errno;
		goto fail;
	}
	/* $RUV_ERRNO_FD=3 is in the environment since startup (main).  A
	 * process group of its own, so that cancel stops its children too. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, out[1], 2);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 3);
	/* libfuse's worker threads block every signal, and ruvfs ignores
	 * SIGPIPE: the command gets an empty mask and default actions, or
	 * a cancel's SIGTERM would wait forever. */
	sigemptyset(&mask);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGTERM);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGHUP);
	posix_spawnattr_init(&sa);
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETPGROUP |
					      POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&sa, 0);
	posix_spawnattr_setsigmask(&sa, &mask);
	posix_spawnattr_setsigdefault(&sa, &dflt);
	rc = -posix_spawn(&pid, fs.ruv, &fa, &sa, argv, env);
	posix_spawnattr_destroy(&sa);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	close(errp[1]);
	out[1] = errp[1] = -1;
	if (rc < 0)
		goto fail;
	job_set_pid(id, pid);
	if (!bgnd) {
		err = finish(id, pid, out[0], errp[0]);
		free(env);
		return -err;
	}
	snprintf(output, sizeof(output),
		 "ruvfs: ctl: job %u runs in the background; 'cancel %u' "
		 "stops it\n",
		 id + 1, id + 1);
	job_append(id, output, strlen(output));
	*b = (struct bg){
		.id = id, .pid = pid, .out = out[0], .errp = errp[0], .env = env
	};
	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	rc = -pthread_create(&t, &ta, background, b);
	pthread_attr_destroy(&ta);
	if (rc < 0) {
		/* No thread to follow it: wait for it here instead. */
		free(b);
		err = finish(id, pid, out[0], errp[0]);
		free(env);
		return -err;
	}
	return 0;
fail:
	snprintf(output, sizeof(output), "ruvfs: cannot run '%s': %s\n", fs.ruv,
		 strerror(-rc));
	job_append(id, output, strlen(output));
	job_end(id, -rc);
	free(env);
	free(b);
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

/* A line the buffer refused itself (it never ran): in status, as a
 * failed command with the reason. */
static void note_refusal(const struct ctl_buf *cb, int rc)
{
	char msg[256];
	const char *line = NULL, *why = ctlbuf_refusal(cb->lines, &line);

	if (!why || rc >= 0)
		return;
	snprintf(msg, sizeof(msg), "ruvfs: ctl: %s\n", why);
	ctl_record(line, -rc, msg);
}

int ctl_write(struct ctl_buf *cb, const char *data, size_t size)
{
	int rc = ctlbuf_write(cb->lines, data, size, run_one, NULL);

	note_refusal(cb, rc < 0 ? rc : -EINVAL);
	return rc;
}

int ctl_pending(const struct ctl_buf *cb)
{
	return cb && ctlbuf_pending(cb->lines);
}

int ctl_flush(struct ctl_buf *cb)
{
	int rc;

	if (!cb)
		return 0;
	rc = ctlbuf_flush(cb->lines, run_one, NULL);
	note_refusal(cb, rc);
	return rc;
}

void ctl_usage(FILE *out)
{
	fputs("Write one ruv command line per line, without 'ruv':\n"
	      "  echo 'backup --group PAYROLL' > ctl\n"
	      "The write fails with the errno of a failing command; its\n"
	      "message is in status.  Lines after it do not run; lines\n"
	      "before it in the same write did, and the write says so by\n"
	      "being short.  An unterminated last line runs when the\n"
	      "file is last closed; its outcome is in status only.\n"
	      "A line ending in ' &' runs in the background (status\n"
	      "numbers it [N]); 'cancel N' or 'cancel' stops it.\n",
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
		fprintf(out, "[%u] ", i + 1);
		if (j->running) {
			fprintf(out, "%s running  %s\n", when, j->line);
		} else {
			fprintf(out, "%s %-8s %s\n", when,
				j->err == ECANCELED && j->canceled ? "canceled"
				: j->err			   ? "failed"
								   : "ok",
				j->line);
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
