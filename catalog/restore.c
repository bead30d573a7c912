// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Restoring a registered file from its copies: the file's row names the
 * default target, copy_select() chooses the copy, copy_restore() writes
 * it.  Nothing here writes the repository; the cost is the copy's read.
 */
#include <stdio.h>
#include <string.h>

#include "copy.h"
#include "errmsg.h"
#include "file.h"
#include "restore.h"

int restore_file(struct repo *r, const char *dsn, int64_t at_us,
		 unsigned copy_no, const char *to, struct restore_result *out)
{
	struct file_info fi;
	int rc;

	memset(out, 0, sizeof(*out));
	ruv_clearerr();
	rc = file_lookup(r, dsn, &fi);
	if (rc == 0)
		rc = copy_choose(r, fi.dsn, at_us, copy_no, &out->copy);
	if (rc < 0)
		return rc;
	/* Copies copy_choose() passed over (damaged, wrong or missing
	 * volumes) are told, not silent: the message it left. */
	snprintf(out->warning, sizeof(out->warning), "%s", ruv_lasterr());
	snprintf(out->target, sizeof(out->target), "%s", to ? to : fi.path);
	return copy_restore(&out->copy, out->target);
}
