/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_LOGAPPLY_H
#define RUV_LOGAPPLY_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct ruvlog;

/*
 * What `ruv log write` does, for shell scripts: change a registered file
 * and log the change, write-ahead, as one committed unit.  The library
 * part of ruvlog.c that the ruv command uses; not in the public ruvlog.h.
 */

/* ruvlog_open() with a configuration already loaded (the segment size
 * comes from cfg->log_segment_size). */
int ruvlog_open_cfg(const char *home, const char *name,
		    const struct config *cfg, struct ruvlog **out);

struct log_apply {
	int64_t truncate; /* new size, or -1: no truncate */
	uint64_t offset;  /* where buf goes */
	const void *buf;
	size_t len; /* 0: no write */
};

/*
 * In the stream name of the home: begin a unit; if a->truncate >= 0 log
 * TRUNCATE and cut (or extend) the file to it; if a->len, log the WRITE
 * and pwrite the bytes at a->offset; fsync the file; commit (durable).
 * Each record is appended before its change is made, with the file's
 * bytes before the change as before-image.  If a change fails after its
 * record, the unit is backed out (the file put back, BACKOUT logged).
 * *uow gets the unit's id.  Errors: -ENOENT unknown stream or DSN or the
 * file is missing, -EBUSY the file is bound to another stream, -EINVAL,
 * and those of the log and the file; each with a message.
 */
int log_apply(const char *home, const struct config *cfg, const char *name,
	      const char *dsn, const struct log_apply *a, uint64_t *uow);

#endif
