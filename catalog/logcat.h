/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_LOGCAT_H
#define RUV_LOGCAT_H

#include <limits.h>
#include <stdint.h>

#include "file.h"
#include "names.h"

struct repo;

/*
 * Log streams as the repository knows them (table log_stream): a name, a
 * directory, a kind, the archived high-water mark; and the binding of each
 * protected file to the one stream that journals its changes
 * (file.stream_id).  The bytes of a stream are logstream.h's business.
 *
 * Stream names follow the group-name rule (names_group_check(): 1-32 of
 * A-Z 0-9 @#$_-, not starting with '-', folded to upper case), so a name is
 * one safe path component: the default directory is HOME/logs/NAME.
 */

#define LOGCAT_NAME_MAX NAMES_GROUP_MAX

enum logcat_kind {
	LOGCAT_APPLICATION = 0, /* ruvlog.h and `ruv log write` */
	LOGCAT_JOURNAL = 1,	/* the batch-journaling mount */
};

struct logcat_info {
	int64_t id;
	char name[LOGCAT_NAME_MAX + 1];
	char dir[PATH_MAX];    /* absolute */
	int kind;	       /* enum logcat_kind */
	uint64_t archived_lsn; /* records with LSN <= this are archived */
	int64_t archived_us;
};

/*
 * Define a stream: check and fold the name, create its directory (dir, or
 * HOME/logs/NAME when dir is NULL; an existing dir must be empty; the
 * parent must exist) and the row, in one transaction with a history row.
 * A crash leaves either no row (and at most an empty directory, which a
 * new define accepts) or both.  Errors: -EINVAL bad name (message names
 * the rule), -EEXIST name taken or dir not empty, -ENOENT/-ENOTDIR parent,
 * -EACCES, -EROFS.  out may be NULL.
 */
int logcat_define(struct repo *r, const char *name, const char *dir, int kind,
		  struct logcat_info *out);

#include "logstream.h"

/* By name (folded): -EINVAL bad name, -ENOENT no such stream (message). */
int logcat_lookup(struct repo *r, const char *name, struct logcat_info *out);

/* Every stream by name; a nonzero return from cb stops and is returned. */
int logcat_list(struct repo *r, int (*cb)(const struct logcat_info *, void *),
		void *arg);

/*
 * Every stream by name with what its segments hold (logstream_stat()).
 * A stream whose directory cannot be read stops the walk with its error.
 */
int logcat_list_stats(struct repo *r,
		      int (*cb)(const struct logcat_info *,
				const struct logstream_stat *, void *),
		      void *arg);

/*
 * The records of stream name with from_lsn <= LSN <= to_lsn (to_lsn 0: to
 * the end), in LSN order; with dsn (folded; NULL: all) only the WRITE and
 * TRUNCATE records of that file and the COMMITs that list it.  cb gets
 * each; a nonzero return stops the walk and is returned.  Damage: -EIO
 * after the records before it, the message naming segment and LSN.
 */
int logcat_walk(struct repo *r, const char *name, uint64_t from_lsn,
		uint64_t to_lsn, const char *dsn,
		int (*cb)(const struct logrec *, void *), void *arg);

/*
 * Delete a stream: refused with -EBUSY (message with the LSNs) while it
 * holds records above archived_lsn; otherwise the binding of its files is
 * dropped, its segment files and directory removed, and the row deleted.
 * -ENOENT unknown.
 */
int logcat_delete(struct repo *r, const char *name);

/*
 * Bind the file dsn to stream (both folded): the first stream that
 * journals a file binds it, for good.  0 bound now or already bound to
 * this stream; -EBUSY bound to another stream (message names it, and
 * bound_to gets its name when not NULL: LOGCAT_NAME_MAX + 1 bytes);
 * -ENOENT unknown file or stream.
 */
int logcat_bind(struct repo *r, const char *stream, const char *dsn,
		char *bound_to);

/* The stream a file is bound to: 0 and name in buf (LOGCAT_NAME_MAX + 1
 * bytes), or 1 and "" when unbound; -ENOENT unknown DSN. */
int logcat_bound(struct repo *r, const char *dsn, char *buf);

/* logcat_bound() and file_lookup() in one: *fi, and the stream in buf. */
int logcat_file_stream(struct repo *r, const char *dsn, struct file_info *fi,
		       char *buf);

/*
 * The registered file whose path is exactly path (absolute, canonical, as
 * file_register() stores it): 0 and *out, or -ENOENT when none is
 * registered there (no message: most paths are not registered).
 */
int logcat_file_at(struct repo *r, const char *path, struct file_info *out);

/*
 * Each registered file whose path lies under dir (dir itself excluded;
 * dir absolute, without a trailing slash), in path order.  A nonzero
 * return from cb stops and is returned.
 */
int logcat_files_under(struct repo *r, const char *dir,
		       int (*cb)(const struct file_info *, void *), void *arg);

#endif
