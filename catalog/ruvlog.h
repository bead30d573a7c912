/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUVLOG_H
#define RUVLOG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ruvlog: log the changes an application makes to its protected files, so
 * that ruvfs can recover them to any point in time and back them out.
 * Link with `pkg-config --cflags --libs ruvlog`.
 *
 * The protocol is write-ahead: for each change, call ruvlog_write() (or
 * ruvlog_truncate()) *before* making it; the library reads the
 * before-image and the old size from the registered file itself, then
 * returns, and the application makes the change.  ruvlog_commit() makes
 * the unit durable (and records each touched file's size and mtime, so
 * make your own writes before committing).
 *
 * Every function returns 0 (or a positive value where said) on success and
 * -errno on failure; ruvlog_lasterr() then gives a sentence for the
 * calling thread.  A handle may be used by any number of threads at once;
 * any number of processes may log to one stream.
 */

struct ruvlog;

/*
 * Open the stream called name in the RUV home at home (a directory with
 * repository.db, as `ruv init` made it).  The stream must have been
 * defined (`ruv log define NAME`).  Errors: -ENOENT no such home or
 * stream, -EIO a damaged stream, and those of opening a directory.
 */
int ruvlog_open(const char *home, const char *name, struct ruvlog **out);

/* Begin a unit of work; *uow is its id (positive). */
int ruvlog_begin(struct ruvlog *l, uint64_t *uow);

/*
 * Log that the unit will write len bytes of buf at offset of the
 * registered file dsn.  The first write of a file binds it to this stream
 * (-EBUSY if another stream journals it).  Large writes are split into
 * several records.  Errors: -ENOENT unknown DSN, -EBUSY bound elsewhere,
 * -ENOSPC / -EIO the log could not be written: do not make the change.
 */
int ruvlog_write(struct ruvlog *l, uint64_t uow, const char *dsn,
		 uint64_t offset, const void *buf, size_t len);

/* Log that the unit will truncate (or extend) the file dsn to size. */
int ruvlog_truncate(struct ruvlog *l, uint64_t uow, const char *dsn,
		    uint64_t size);

/* Commit: durable on return.  The unit's id is no longer valid after. */
int ruvlog_commit(struct ruvlog *l, uint64_t uow);

/*
 * Back the unit out: the library puts each file the unit touched back as
 * it was before the unit (before-images, newest first, and the old size),
 * syncs it, and logs BACKOUT.  Call it after your own writes have been
 * made (or not made: putting back bytes that were never changed is
 * harmless).
 */
int ruvlog_backout(struct ruvlog *l, uint64_t uow);

/* Close; units still open are aborted at the stream's next open.
 * Accepts NULL. */
int ruvlog_close(struct ruvlog *l);

/* The calling thread's last failure as a sentence ("" if none). */
const char *ruvlog_lasterr(void);

#ifdef __cplusplus
}
#endif

#endif
