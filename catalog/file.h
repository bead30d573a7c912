/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_FILE_H
#define RUV_FILE_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "names.h"

struct repo;

/* A protected file as the repository knows it.  Plain data. */
struct file_info {
	int64_t id;
	char dsn[NAMES_DSN_MAX + 1];
	char path[PATH_MAX]; /* absolute, canonical, at this site */
	uid_t uid;
	gid_t gid;
	mode_t mode; /* permission bits and file type, as stat gives */
	int64_t registered_us;
};

/*
 * Register path under dsn.  The DSN is checked and folded to upper case;
 * path must name a readable regular file (symlinks are resolved and the
 * canonical path stored).  One transaction, with a history row.
 * Errors: -EINVAL bad DSN, -ENOENT no such path, -EISDIR a directory,
 * -EINVAL not a regular file, -ELOOP symlink loop, -EACCES unreadable,
 * -EEXIST DSN or path already registered.  out may be NULL.
 */
int file_register(struct repo *r, const char *dsn, const char *path,
		  struct file_info *out);

/*
 * Remove a registration and its group memberships.  -ENOENT unknown,
 * -EBUSY when backups of it are still catalogued.
 */
int file_unregister(struct repo *r, const char *dsn);

/* Look up one file by DSN (folded).  -EINVAL bad name, -ENOENT unknown. */
int file_lookup(struct repo *r, const char *dsn, struct file_info *out);

/*
 * Call cb for each file with DSN > after (NULL: from the start), in DSN
 * order, at most limit (0: all).  A nonzero return from cb stops the walk
 * and is returned.  Paged by key, never by offset.
 */
int file_list(struct repo *r, const char *after, unsigned limit,
	      int (*cb)(const struct file_info *, void *), void *arg);

/* By row id: -ENOENT if none. */
int file_get(struct repo *r, int64_t id, struct file_info *out);

/* Files with id > after_id by id, at most limit (0: all): paging by key
 * for directory listings. */
int file_list_by_id(struct repo *r, int64_t after_id, unsigned limit,
		    int (*cb)(const struct file_info *, void *), void *arg);

#endif
