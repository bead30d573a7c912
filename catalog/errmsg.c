// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Per-thread failure messages.  A fixed buffer in thread-local storage: no
 * allocation, so reporting an ENOMEM cannot itself fail.  Messages longer
 * than the buffer are cut, which only loses the tail of a sentence.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errmsg.h"

static _Thread_local char lasterr[512];

/* The new message is built aside first: callers may wrap the previous
 * one (an argument pointing into lasterr). */
int ruv_fail(int rc, const char *fmt, ...)
{
	char msg[sizeof(lasterr)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(lasterr, msg, sizeof(msg));
	return rc;
}

const char *ruv_lasterr(void)
{
	return lasterr;
}

void ruv_clearerr(void)
{
	lasterr[0] = '\0';
}
