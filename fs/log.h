/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_FS_LOG_H
#define RUV_FS_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

/*
 * ruvfs's operator log, with a priority: LOG_ERR for what failed or was
 * refused (a ctl line, a mv, a read of a damaged copy, a pit write), each
 * line naming its path or command and the reason; LOG_INFO for each ctl
 * command that ran.
 *
 * Where the line goes: in the background (no -f) to syslog (openlog in
 * main: "ruvfs", LOG_PID, LOG_DAEMON), which journald also reads.  In the
 * foreground to stderr as "ruvfs: error: ..." (LOG_ERR and worse) or
 * "ruvfs: ..." -- and when stderr is the journal's stream ($JOURNAL_STREAM
 * names stderr's device and inode, as under a systemd unit running
 * `ruvfs -f`) each line starts with "<N>", the priority journald takes
 * from it, so the unit's errors are errors in `journalctl -p err`.
 */

/* Log one line at priority prio (LOG_ERR, LOG_INFO, ...).  Thread safe. */
void fslog(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The path of directory ino in the mount, relative to its root, for a
 * message: the location directories by name, the fixed directories, else
 * "inode N".  Writes at most len bytes, always terminated.
 */
void fslog_dir_path(uint64_t ino, char *buf, size_t len);

#endif
