// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruvfs's command line, checked before the mount (see mountcheck.h).
 * Each check stats one path; nothing is opened, so a FIFO or a device
 * named by mistake cannot block the start.  A ruv found by the default
 * search and missing is not refused here: ctl then says, per line, that
 * it cannot run it, as it always did.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mountcheck.h"

static int refuse(const char *what, const char *path, int rc, const char *why)
{
	fprintf(stderr, "ruvfs: %s '%s': %s\n", what, path,
		why ? why : strerror(-rc));
	return rc;
}

int mount_check(const char *mountpoint, const char *given_ruv, const char *ruv)
{
	struct stat sb;

	if (stat(mountpoint, &sb) < 0)
		return refuse("mountpoint", mountpoint, -errno, NULL);
	if (!S_ISDIR(sb.st_mode))
		return refuse("mountpoint", mountpoint, -ENOTDIR,
			      "not a directory (ruvfs mounts a tree)");
	if (!given_ruv)
		return 0;
	if (stat(ruv, &sb) < 0)
		return refuse("-o ruv=", given_ruv, -errno, NULL);
	if (!S_ISREG(sb.st_mode))
		return refuse("-o ruv=", given_ruv, -EINVAL,
			      "not a program (not a regular file)");
	if (access(ruv, X_OK) < 0)
		return refuse("-o ruv=", given_ruv, -errno, NULL);
	return 0;
}
