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
 * A line is checked before it runs: one trailing CR goes; NUL or another
 * control character (tab aside) refuses it, since the command would see
 * only the part before a NUL, or a word with an invisible byte in it.
 *
 * A write runs its lines in order and stops at the first that fails.  If
 * earlier lines of the same write ran, the write is short, so a buffered
 * writer (stdio, Python) re-sends only the rest, starting with the
 * failed line.  That line's bytes and errno stay on the buffer: a write
 * that starts with exactly those bytes, next, answers the errno without
 * running the line again, and so does one more identical retry (the
 * close-time flush of stdio).  A write whose first line fails is
 * remembered the same way, since buffered writers retry a failed flush at
 * close.  Any other write after a failure answers ECANCELED, until the
 * file is closed: "stop at the first that fails" must hold also for bash
 * printf, which writes each line on its own, and a writer that means to
 * try again opens ctl again.
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
	size_t flen;  /* the bytes of the last failed line, as written */
	int ferr;     /* and its errno (0: none remembered) */
	int fhits;    /* re-sends answered from it: the writer's retry and
			 its close-time retry, no more */
	int canceled; /* a line failed: nothing more runs on this file */
	int overlong; /* the failed line was too long, and its end has not
			 come yet: the writes that bring the rest of it
			 answer EINVAL too */
	char failed[CTLBUF_LINE_MAX];
	const char *why;   /* the last refusal made here, or NULL */
	char refused[128]; /* its line, printable, cut */
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

/* Note a refusal made here (not by the runner): why, and the line. */
static void refuse(struct ctlbuf *cb, const char *why, const char *line,
		   size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, k = 0, cap = sizeof(cb->refused) - 1;
	unsigned char c;

	cb->why = why;
	for (i = 0; i < len && k + 4 <= cap; i++) {
		c = (unsigned char)line[i];
		if (c >= 0x20 && c != 0x7f && c != '\\') {
			cb->refused[k++] = (char)c;
			continue;
		}
		cb->refused[k++] = '\\';
		cb->refused[k++] = 'x';
		cb->refused[k++] = hex[c >> 4];
		cb->refused[k++] = hex[c & 15];
	}
	if (i < len && k + 3 <= cap)
		for (i = 0; i < 3; i++)
			cb->refused[k++] = '.';
	cb->refused[k] = '\0';
}

/*
 * A complete line as the writer sent it, made ready to run: one trailing
 * CR goes (a line from a DOS editor would otherwise carry it, invisible,
 * into its last word); NUL and the other control characters but tab are
 * refused, since a NUL would cut the line short and run its first part.
 */
static int line_ready(struct ctlbuf *cb)
{
	size_t i;
	unsigned char c;

	if (cb->len && cb->line[cb->len - 1] == '\r')
		cb->len--;
	for (i = 0; i < cb->len; i++) {
		c = (unsigned char)cb->line[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			refuse(cb,
			       c ? "a control character in the line (only "
				   "tab is allowed)"
				 : "a NUL byte in the line",
			       cb->line, cb->len);
			return -EINVAL;
		}
	}
	cb->line[cb->len] = '\0';
	return 0;
}

int ctlbuf_write(struct ctlbuf *cb, const char *data, size_t size,
		 ctlbuf_run_fn run, void *arg)
{
	size_t i, start = 0;
	int rc;

	cb->why = NULL;
	if (cb->ferr) {
		/* The re-sent failed line: its errno again, not a rerun.
		 * Twice at most (a writer's retry and its close-time
		 * retry). */
		if (cb->fhits < 2 && size >= cb->flen &&
		    !memcmp(data, cb->failed, cb->flen)) {
			cb->fhits++;
			return -cb->ferr;
		}
		cb->ferr = 0;
		cb->flen = 0;
	}
	if (cb->canceled) {
		/* Lines after a failed one must not run, even when they
		 * come one write each (bash printf): until the close. */
		const char *nl = memchr(data, '\n', size);

		if (cb->overlong) {
			/* The rest of the line too long: its errno, not
			 * ECANCELED, is what the writer reports last. */
			cb->overlong = !nl;
			refuse(cb, "line longer than 4095 bytes", data,
			       nl ? (size_t)(nl - data) : size);
			return -EINVAL;
		}

		refuse(cb,
		       "not run: an earlier line on this open file "
		       "failed; close ctl and open it again",
		       data, nl ? (size_t)(nl - data) : size);
		return -ECANCELED;
	}
	if (size > INT_MAX)
		size = INT_MAX; /* a short write: the rest comes again */
	for (i = 0; i < size; i++) {
		if (data[i] != '\n') {
			if (cb->len + 1 >= sizeof(cb->line)) {
				refuse(cb, "line longer than 4095 bytes",
				       cb->line, cb->len);
				cb->overlong =
					!memchr(data + i, '\n', size - i);
				rc = -EINVAL; /* longer than any command */
				goto failed;
			}
			cb->line[cb->len++] = data[i];
			continue;
		}
		rc = line_ready(cb);
		cb->len = 0;
		if (rc >= 0)
			rc = run(cb->line, arg);
		if (rc < 0)
			goto failed;
		start = i + 1;
	}
	return (int)size;
failed:
	cb->len = 0;
	cb->canceled = 1;
	/* Through the failed line's end (or all that was written, for a
	 * line too long): what the writer will send again. */
	while (i < size && data[i] != '\n')
		i++;
	remember_failure(cb, data + start, i - start + (i < size), rc);
	return start ? (int)start : rc;
}

const char *ctlbuf_refusal(const struct ctlbuf *cb, const char **line)
{
	if (!cb || !cb->why)
		return NULL;
	*line = cb->refused;
	return cb->why;
}

int ctlbuf_pending(const struct ctlbuf *cb)
{
	return cb && cb->len;
}

int ctlbuf_flush(struct ctlbuf *cb, ctlbuf_run_fn run, void *arg)
{
	int rc;

	if (!cb || !cb->len)
		return 0;
	cb->why = NULL;
	rc = line_ready(cb);
	cb->len = 0;
	return rc < 0 ? rc : run(cb->line, arg);
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
			return -E2BIG;
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
