/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUVFS_CTLBUF_H
#define RUVFS_CTLBUF_H

/*
 * The line discipline of the control file, apart from FUSE and from
 * running commands: bytes written to one open file become lines; a failed
 * line is remembered so that a writer's re-sends of it answer its errno
 * instead of running it again.  The caller supplies what runs a line.
 *
 * No locking: one buffer belongs to one open file, and the caller
 * serialises the writes to it (ruvfs holds the handle's lock).
 */

#include <stddef.h>

/* The longest line, terminator included; a longer one fails EINVAL. */
#define CTLBUF_LINE_MAX 4096

struct ctlbuf;

/* Runs one complete line (no '\n'; NUL-terminated): 0 or -errno. */
typedef int (*ctlbuf_run_fn)(const char *line, void *arg);

/* A new, empty buffer, or NULL (out of memory).  Free with ctlbuf_free(),
 * which accepts NULL. */
struct ctlbuf *ctlbuf_new(void);
void ctlbuf_free(struct ctlbuf *cb);

/*
 * Append data and run each line it completes, in order, stopping at the
 * first that fails.  Returns:
 *  - size when every completed line ran (a trailing partial line waits);
 *  - the count through the end of the last line that ran, when a later
 *    line of the same write fails (a short write: a buffered writer
 *    re-sends the rest);
 *  - -errno of the failed line when the first line of the write fails
 *    (-EINVAL for a line longer than CTLBUF_LINE_MAX).
 * The failed line's bytes, as written, and its errno are remembered: the
 * next write that starts with exactly those bytes answers the errno
 * without running anything, and so does one more (a writer's retry and
 * its close-time retry); a third, or any other write, forgets them and
 * runs.  A failure drops the partial line.  size is clamped to INT_MAX.
 */
int ctlbuf_write(struct ctlbuf *cb, const char *data, size_t size,
		 ctlbuf_run_fn run, void *arg);

/* Whether an unterminated line waits (for ctlbuf_flush()); NULL: no. */
int ctlbuf_pending(const struct ctlbuf *cb);

/* Run the unterminated line, if any (at the last close): 0 or its
 * -errno.  The buffer is empty afterwards; NULL is accepted. */
int ctlbuf_flush(struct ctlbuf *cb, ctlbuf_run_fn run, void *arg);

/*
 * Split s, in place, into at most max words: blanks separate, '...' and
 * "..." quote (the quotes go), '#' at the start of a word ends the line.
 * argv[argc] is set to NULL, so argv has room for max + 1.  Returns the
 * number of words, or -EINVAL for an unbalanced quote or more than max
 * words.
 */
int ctlbuf_split(char *s, char **argv, int max);

#endif
