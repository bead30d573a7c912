/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_TEST_FAIL_HISTORY_H
#define RUV_TEST_FAIL_HISTORY_H

/*
 * Fault injection for a test linked with -Wl,--wrap=history_add: set
 * fail_history_in to N and the Nth history_add() from then on fails with
 * -EIO (it is back at 0 once that happened, so a test can check the
 * failure was reached).  Include in one source file of the binary.
 */

#include <errno.h>

struct repo;

int __real_history_add(struct repo *r, const char *action, const char *subject,
		       int rc, const char *message);
int __wrap_history_add(struct repo *r, const char *action, const char *subject,
		       int rc, const char *message);

static int fail_history_in;

int __wrap_history_add(struct repo *r, const char *action, const char *subject,
		       int rc, const char *message)
{
	if (fail_history_in && --fail_history_in == 0)
		return -EIO;
	return __real_history_add(r, action, subject, rc, message);
}

#endif
