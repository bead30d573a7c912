// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz the ctl line discipline (fs/ctlbuf.c): the input is a series of
 * writes to one open ctl file, each a length byte then that many bytes,
 * then the last close.  A line fails when its first byte is odd (with
 * an errno taken from it), so runs, failures, short writes and re-sends
 * all happen.  Checks what ctlbuf.h promises: every line handed to run
 * is NUL-terminated, holds no control character but tab and fits
 * CTLBUF_LINE_MAX; a write
 * returns its size, a short count that ends just after a newline of
 * what it was given (a line of it ran), or -errno; a write that returns
 * its size ran every line it completed.
 */
#include "ctlbuf.h"
#include "fuzz.h"

struct runs {
	unsigned n;
	int last_rc;
};

static int run(const char *line, void *arg)
{
	struct runs *r = arg;
	size_t len = strlen(line), i;

	if (len >= CTLBUF_LINE_MAX)
		abort();
	/* No control character but tab reaches a command. */
	for (i = 0; i < len; i++)
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') ||
		    line[i] == 0x7f)
			abort();
	r->n++;
	r->last_rc = len && (line[0] & 1) ? -(1 + (line[0] & 0x3f)) : 0;
	return r->last_rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctlbuf *cb = ctlbuf_new();
	struct runs r = { 0 };
	size_t pos = 0, n, nl, i;
	unsigned before;
	int rc;

	if (!cb)
		abort();
	while (pos < size) {
		n = data[pos++];
		/* A length byte of 255 stands for a write of 5000 bytes, so
		 * that lines longer than CTLBUF_LINE_MAX are reachable. */
		if (n == 255)
			n = 5000;
		if (n > size - pos)
			n = size - pos;
		for (nl = 0, i = 0; i < n; i++)
			nl += data[pos + i] == '\n';
		before = r.n;
		rc = ctlbuf_write(cb, (const char *)data + pos, n, run, &r);
		if (rc < 0) {
			if (rc < -4095)
				abort();
		} else if ((size_t)rc > n) {
			abort();
		} else if ((size_t)rc < n) {
			/* Short: the count ends just after a newline, and a
			 * line of this write failed after one that ran. */
			if (rc == 0 || data[pos + rc - 1] != '\n' ||
			    r.n == before)
				abort();
		} else if (r.n - before > nl) {
			abort(); /* more lines ran than the write completed */
		}
		pos += n;
	}
	before = r.n;
	rc = ctlbuf_flush(cb, run, &r);
	if (rc > 0 || r.n - before > 1 || ctlbuf_pending(cb))
		abort();
	ctlbuf_free(cb);
	return 0;
}
