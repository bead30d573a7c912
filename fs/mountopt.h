/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_FS_MOUNTOPT_H
#define RUV_FS_MOUNTOPT_H

#include <stddef.h>

/*
 * Checks of ruvfs's command line before anything is mounted, and its
 * exit status after.  FUSE-free: each takes strings and answers -errno.
 */

/*
 * The -o timeout=SEC value: a decimal number of seconds from 0 to 3600
 * (fractions allowed), the whole string.  NULL gives the default, 1.
 * -EINVAL for anything else (empty, "abc", "5s", "nan", -1, 3601); *out
 * is set only on success.
 */
int mountopt_timeout(const char *text, double *out);

/*
 * May ruvfs mount at mountpoint?  -EBUSY when it already holds a ruvfs
 * mount (fstype fuse.ruvfs in /proc/self/mountinfo; its source, such as
 * "ruvfs:/srv/ruv", goes to what), -ENOTEMPTY when it is a directory
 * with entries and nonempty is 0 (libfuse 3 dropped -o nonempty, so ruvfs
 * takes it itself), -ENOTDIR, or the errno of stat/opendir (ENOENT,
 * ENOTCONN for a dead mount: fusermount3 -u it).  what may be NULL.
 */
int mountopt_check_mountpoint(const char *mountpoint, int nonempty, char *what,
			      size_t len);

/*
 * The exit status for what the session loop returned: a signal (SIGTERM,
 * SIGINT, SIGHUP: libfuse returns its number) or an unmount ends ruvfs
 * cleanly, 0, as systemd and mount(8) expect; an error is 1.
 */
int mountopt_exit_status(int loop_rc);

#endif
