/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_DSOUT_H
#define RUV_DSOUT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "volume.h"

struct repo;

/*
 * Data sets written to every configured copy at once, from one stream of
 * bytes: what a producer that is not a file backup (the archive and
 * accumulation processes) uses to write its data sets like backups.
 * Copy N goes to pool copyN of the configuration (copy 1 local, copy 2
 * offsite, by default); each chunk is compressed once and the frame put
 * to every copy.
 *
 * Life of a struct dsout: dsout_open() takes one volume per copy
 * (pool_acquire()); then any number of times dsout_begin(), dsout_write()
 * ..., dsout_end() writes one data set (complete and durable on every
 * copy when dsout_end() returns); the caller then registers them in one
 * transaction of its own with dsout_register() for each and commits, and
 * calls dsout_registered(), or calls dsout_unwrite() when the transaction
 * failed, which cuts every data set written since the last
 * dsout_registered() back off its volume.  A crash before the commit
 * leaves complete but unregistered data sets, which the next writer of
 * the volume cuts back (pool_acquire()).  dsout_close() aborts a data set
 * still open and lets the volumes go.
 */

#define DSOUT_MAX   4 /* data sets written between two registrations */
#define DSOUT_SLOTS 3 /* chunks in flight to the compressor thread */

struct dsout;

/* Take the volumes (-ENOENT unknown pool, -EIO damaged volume, -ENOMEM;
 * message).  warn (may be NULL) hears of a volume retired on the way. */
int dsout_open(struct repo *r, const char *home, const struct config *cfg,
	       void (*warn)(void *, const char *), void *warn_arg,
	       struct dsout **out);

/*
 * Start a data set on every copy: kind enum volume_kind, name and source
 * as volume_dataset_begin(); meta is text kept on the volume with it
 * ("key=value\n" lines, at most VOLUME_META_MAX - 16 bytes), to which
 * "copy=N\n" is added per copy.  -EBUSY one is open, -ENOSPC DSOUT_MAX
 * data sets are waiting to be registered, else volume_dataset_begin()'s.
 */
int dsout_begin(struct dsout *o, uint32_t kind, const char *name,
		const char *source, const char *meta);

/* Append n bytes to the open data set.  Errors stick (see volume.h). */
int dsout_write(struct dsout *o, const void *p, size_t n);

/*
 * Finish the open data set on every copy (fdatasync).  Returns its index
 * (0, 1, ...) for dsout_register().  On failure every data set written
 * since the last registration is cut back.
 */
int dsout_end(struct dsout *o);

/* Bytes of content written to data set idx; its compressed size. */
uint64_t dsout_raw_size(const struct dsout *o, int idx);
uint64_t dsout_stored_size(const struct dsout *o, int idx);

/*
 * In the caller's transaction: the dataset rows of data set idx (kind:
 * the dataset.kind text) and a copy row per copy, column = obj_id
 * (column: a copy column such as "archive_id"), and the volumes' sizes.
 */
int dsout_register(struct dsout *o, struct repo *r, int idx, const char *dskind,
		   const char *column, int64_t obj_id);

/* After the caller's commit: forget the registered data sets and seal
 * (and let go) volumes that reached capacity. */
void dsout_registered(struct dsout *o);

/* After a failed transaction: cut back every data set since the last
 * registration. */
void dsout_unwrite(struct dsout *o);

/* Accepts NULL. */
void dsout_close(struct dsout *o);

#endif
