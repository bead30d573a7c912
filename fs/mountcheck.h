/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUVFS_MOUNTCHECK_H
#define RUVFS_MOUNTCHECK_H

/*
 * Checks of ruvfs's command line before anything is mounted (no FUSE
 * here): the mount point must be a directory (the kernel would mount over
 * a regular file too), and a ruv program named with -o ruv= must be an
 * executable regular file (else every ctl line would fail later, at run
 * time).  given_ruv: the -o ruv= value, or NULL; ruv: the program as
 * resolved.  0, or -errno after a message on stderr naming the subject.
 */
int mount_check(const char *mountpoint, const char *given_ruv, const char *ruv);

#endif
