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
 * first that fails.  A line loses one trailing CR; a line that still
 * holds a NUL or another control character but tab is refused (EINVAL)
 * without running.  Returns:
 *  - size when every completed line ran (a trailing partial line waits);
 *  - the count through the end of the last line that ran, when a later
 *    line of the same write fails (a short write: a buffered writer
 *    re-sends the rest);
 *  - -errno of the failed line when the first line of the write fails
 *    (-EINVAL for a line longer than CTLBUF_LINE_MAX or refused).
 * After a failure the file is spent until it is closed: the next write
 * that starts with exactly the failed line's bytes answers its errno
 * without running anything, and so does one more (a writer's retry and
 * its close-time retry); every other write answers -ECANCELED and runs
 * nothing (lines after a failed one never run, however they are split
 * into writes).  A failure drops the partial line.  size is clamped to
 * INT_MAX.
 */
int ctlbuf_write(struct ctlbuf *cb, const char *data, size_t size,
		 ctlbuf_run_fn run, void *arg);

/*
 * Why the last ctlbuf_write() or ctlbuf_flush() refused a line itself,
 * without running it (a control character, a line too long, a spent
 * file), or NULL when it did not.  *line is set to that line, control
 * characters shown as \xNN, cut to about 120 bytes.  Both point into cb.
 */
const char *ctlbuf_refusal(const struct ctlbuf *cb, const char **line);

/* Whether an unterminated line waits (for ctlbuf_flush()); NULL: no. */
int ctlbuf_pending(const struct ctlbuf *cb);

/* Run the unterminated line, if any (at the last close): 0 or its
 * -errno.  The buffer is empty afterwards; NULL is accepted. */
int ctlbuf_flush(struct ctlbuf *cb, ctlbuf_run_fn run, void *arg);

/*
 * Split s, in place, into at most max words: blanks separate, '...' and
 * "..." quote (the quotes go), '#' at the start of a word ends the line.
 * argv[argc] is set to NULL, so argv has room for max + 1.  Returns the
 * number of words, -EINVAL for an unbalanced quote, or -E2BIG for more
 * than max words.
 */
int ctlbuf_split(char *s, char **argv, int max);

#endif
