// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The line discipline of the control file (see ctlbuf.h for the
 * contract).  Why it is what it is:
 *
 * Lines run in the write that completes them, so `printf 'a\nb\n' > ctl`
 * (one write) and bash printf line by line (several) both work; a line
 * split across writes waits in the buffer, and an unterminated last line
 * runs at the last close (ctlbuf_flush).
 *
 * A write runs its lines in order and stops at the first that fails.  If
 * earlier lines of the same write ran, the write is short, so a buffered
 * writer (stdio, Python) re-sends only the rest, starting with the
 * failed line.  That line's bytes and errno stay on the buffer: a write
 * that starts with exactly those bytes, next, answers the errno without
 * running the line again, and so does one more identical retry (the
 * close-time flush of stdio); a third means it, and runs.  A write whose
 * first line fails is remembered the same way, since buffered writers
 * retry a failed flush at close.
 *
 * Cost: each byte is copied once into the line; a remembered failure is
 * one memcmp per write.  Memory: two lines of CTLBUF_LINE_MAX.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ctlbuf.h"

struct ctlbuf {
	size_t len; /* bytes of an unterminated line, waiting in line */
	char line[CTLBUF_LINE_MAX];
	size_t flen; /* the bytes of the last failed line, as written */
	int ferr;    /* and its errno (0: none remembered) */
	int fhits;   /* re-sends answered from it: the writer's retry and
			its close-time retry, no more */
	char failed[CTLBUF_LINE_MAX];
};

struct ctlbuf *ctlbuf_new(void)
{
	return calloc(1, sizeof(struct ctlbuf));
}

void ctlbuf_free(struct ctlbuf *cb)
{
	free(cb);
}

/* Remember a failed line's bytes (as this write had them) and errno. */
static void remember_failure(struct ctlbuf *cb, const char *data, size_t len,
			     int rc)
{
	if (len > sizeof(cb->failed))
		len = sizeof(cb->failed); /* its start is what a retry shows */
	memcpy(cb->failed, data, len);
	cb->flen = len;
	cb->ferr = -rc;
	cb->fhits = 0;
}

int ctlbuf_write(struct ctlbuf *cb, const char *data, size_t size,
		 ctlbuf_run_fn run, void *arg)
{
	size_t i, start = 0;
	int rc;

	if (cb->ferr) {
		/* The re-sent failed line: its errno again, not a rerun.
		 * Twice at most: a writer that means to try again (after
		 * EBUSY, say) gets the line run. */
		if (cb->fhits < 2 && size >= cb->flen &&
		    !memcmp(data, cb->failed, cb->flen)) {
			cb->fhits++;
			return -cb->ferr;
		}
		cb->ferr = 0;
		cb->flen = 0;
	}
	if (size > INT_MAX)
		size = INT_MAX; /* a short write: the rest comes again */
	for (i = 0; i < size; i++) {
		if (data[i] != '\n') {
			if (cb->len + 1 >= sizeof(cb->line)) {
				rc = -EINVAL; /* longer than any command */
				goto failed;
			}
			cb->line[cb->len++] = data[i];
			continue;
		}
		cb->line[cb->len] = '\0';
		cb->len = 0;
		rc = run(cb->line, arg);
		if (rc < 0)
			goto failed;
		start = i + 1;
	}
	return (int)size;
failed:
	cb->len = 0;
	/* Through the failed line's end (or all that was written, for a
	 * line too long): what the writer will send again. */
	while (i < size && data[i] != '\n')
		i++;
	remember_failure(cb, data + start, i - start + (i < size), rc);
	return start ? (int)start : rc;
}

int ctlbuf_pending(const struct ctlbuf *cb)
{
	return cb && cb->len;
}

int ctlbuf_flush(struct ctlbuf *cb, ctlbuf_run_fn run, void *arg)
{
	if (!cb || !cb->len)
		return 0;
	cb->line[cb->len] = '\0';
	cb->len = 0;
	return run(cb->line, arg);
}

int ctlbuf_split(char *s, char **argv, int max)
{
	int argc = 0;
	char *out;
	char q;

	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			break;
		if (argc == max)
			return -EINVAL;
		argv[argc++] = out = s;
		while (*s && *s != ' ' && *s != '\t') {
			if (*s == '\'' || *s == '"') {
				q = *s++;
				while (*s && *s != q)
					*out++ = *s++;
				if (!*s)
					return -EINVAL; /* unbalanced quote */
				s++;
			} else {
				*out++ = *s++;
			}
		}
		if (*s)
			s++;
		*out = '\0';
	}
	argv[argc] = NULL;
	return argc;
}
