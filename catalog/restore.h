/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_RESTORE_H
#define RUV_RESTORE_H

#include <limits.h>
#include <stdint.h>

#include "copy.h"

struct repo;

/*
 * Restoring a registered file: the process behind `ruv restore` (and the
 * recovery JCL's restore steps).
 */

struct restore_result {
	struct copy_info copy; /* the copy restored from */
	char target[PATH_MAX]; /* the path written */
	char warning[512];     /* the newer copies passed over, or "" */
};

/*
 * Restore dsn as of at_us: look the file up, select the copy
 * (copy_choose: the newest backup that started at or before at_us with a
 * usable copy, copy_no only when nonzero), and write it to `to`, or to
 * the file's registered path when to is NULL (copy_restore: atomically,
 * every chunk checked).  -ENOENT unknown DSN or no such copy, -EIO
 * damage, and copy_restore's refusals of the target; each with a
 * message.  On failure the target is untouched.
 */
int restore_file(struct repo *r, const char *dsn, int64_t at_us,
		 unsigned copy_no, const char *to, struct restore_result *out);

#endif
