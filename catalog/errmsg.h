/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_ERRMSG_H
#define RUV_ERRMSG_H

/*
 * The reason behind a failure.  Library calls return -errno; when the errno
 * alone would leave an operator guessing ("Invalid argument" for a DSN), the
 * call also leaves a sentence here, per thread, naming the subject and the
 * rule.  Front ends print it (CLI) or put it in `status` (ruvfs).
 */

/* Record a message for the calling thread and return rc (a -errno). */
int ruv_fail(int rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The calling thread's last message, "" if none.  Valid until the next
 * ruv_fail()/ruv_clearerr() on this thread. */
const char *ruv_lasterr(void);

void ruv_clearerr(void);

#endif
