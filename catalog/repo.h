/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_REPO_H
#define RUV_REPO_H

#include <stdint.h>

/*
 * The repository: the recovery catalog, one SQLite database per RUV home.
 *
 * A struct repo is one connection.  It is not shared between threads: each
 * thread (a ruvfs worker, a backup worker) opens its own.  The object
 * modules (file.h, group.h, location.h, history.h ...) take a repo and do
 * each multi-row change in one transaction.
 */

struct repo;

#define REPO_SCHEMA_VERSION 4
#define REPO_APPLICATION_ID 0x52555631 /* "RUV1" */

enum {
	REPO_CREATE = 1 << 0, /* create the file and the schema if missing */
};

/*
 * Open the repository at path and bring its schema up to date (one
 * transaction, the only time the write lock is taken here).  A file that
 * is refused is not written to.  Errors: -ENOENT no such file (without
 * REPO_CREATE), -EINVAL not a ruv repository, -ENOTSUP written by a newer
 * ruv, -EROFS read-only, -EIO storage failure; each with a message.
 */
int repo_open(const char *path, int flags, struct repo **out);

/* Close; accepts NULL. */
void repo_close(struct repo *r);

/* The schema version found on disk before repo_open() migrated it. */
int repo_schema_version_found(const struct repo *r);

/*
 * Transactions.  repo_begin() takes the write lock at once (BEGIN
 * IMMEDIATE), waiting up to the busy timeout; -EBUSY after that.
 */
int repo_begin(struct repo *r);
int repo_commit(struct repo *r);
void repo_rollback(struct repo *r);

/*
 * Write a consistent copy of the whole repository to path (a new file),
 * with SQLite's online backup, while other connections keep working.
 */
int repo_snapshot(struct repo *r, const char *path);

/* The repository file this connection has open. */
const char *repo_path(const struct repo *r);

/* PRAGMA integrity_check and foreign_key_check: 0, or -EIO and a message. */
int repo_check(struct repo *r);

#endif
