/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_FS_SDNOTIFY_H
#define RUV_FS_SDNOTIFY_H

/*
 * The service manager's readiness protocol without libsystemd: state
 * ("READY=1", "STOPPING=1") as one datagram to the AF_UNIX socket named
 * by $NOTIFY_SOCKET (a path, or "@name" in the abstract namespace).
 * Without $NOTIFY_SOCKET it does nothing and returns 0; else 0 or
 * -errno.  ruvfs@.service is Type=notify: ruvfs says READY=1 once the
 * tree is mounted.
 */
int sdnotify(const char *state);

#endif
