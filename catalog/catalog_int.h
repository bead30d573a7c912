/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_CATALOG_INT_H
#define RUV_CATALOG_INT_H

/*
 * Declarations shared by the catalog modules and nothing else: the layout
 * of struct repo and the SQLite helpers.  Front ends never include this.
 */

#include <stdint.h>

#include <sqlite3.h>

#include "repo.h"

/* Prepared statements kept for reuse, per connection (see repo_prepare). */
#define REPO_STMT_CACHE 64

struct repo_stmt {
	sqlite3_stmt *st; /* NULL: a free slot */
	char *sql;	  /* its text, the key */
	uint32_t hash;	  /* of sql */
	int busy;	  /* handed out and not yet given back */
};

struct repo {
	sqlite3 *db;
	char path[4096];
	char home[4096];   /* the directory holding the repository */
	int found_version; /* user_version before migration */
	struct repo_stmt cache[REPO_STMT_CACHE];
	unsigned evict; /* next slot to reuse when every one is taken */
};

/*
 * Translate a SQLite result into -errno, once, here: BUSY/LOCKED -> EBUSY,
 * CONSTRAINT -> EEXIST, FULL -> ENOSPC, READONLY -> EROFS, NOTADB/CORRUPT
 * -> EIO (with "not a database"), NOMEM -> ENOMEM, CANTOPEN -> the OS
 * errno, else EIO.  Leaves SQLite's message as the thread's message.
 */
int repo_errno(struct repo *r, int src);

/*
 * Prepare sql; -errno and a message on failure.  The statement comes from
 * the connection's cache when one of the same text is free (compiling is
 * most of the cost of a short query), so give it back with
 * repo_finalize(), never sqlite3_finalize().  The same text may be out
 * twice at once (a nested walk): the second is prepared afresh.
 */
int repo_prepare(struct repo *r, const char *sql, sqlite3_stmt **out);

/* Give back a statement of repo_prepare(): a cached one is reset and its
 * bindings cleared (it holds no lock then), any other finalized.
 * Accepts NULL. */
void repo_finalize(struct repo *r, sqlite3_stmt *st);

/* Run SQL with no result rows (may hold several statements). */
int repo_exec(struct repo *r, const char *sql);

/* Step a statement expected to finish (no rows): 0 or -errno. */
int repo_step_done(struct repo *r, sqlite3_stmt *st);

/* Bind text, or NULL for a NULL pointer. */
int repo_bind_text(sqlite3_stmt *st, int i, const char *s);

/* Copy column i as text into buf (always terminated; "" for NULL). */
void repo_column_text(sqlite3_stmt *st, int i, char *buf, size_t len);

/*
 * The row helpers.  A query's parameters are a list built with
 * REPO_ARGS(REPO_INT(x), REPO_TEXT(s), ...), bound to ?1, ?2, ... in
 * order (an int converts to int64_t; a NULL text binds NULL).  Entries
 * past the statement's highest parameter are ignored, so one list can
 * serve two texts of a query (NULL: no parameters).
 */
enum repo_arg_type { REPO_ARG_END, REPO_ARG_INT, REPO_ARG_TEXT };

struct repo_arg {
	enum repo_arg_type type;
	int64_t i;
	const char *t;
};

#define REPO_INT(v)                                                            \
	{                                                                      \
		.type = REPO_ARG_INT, .i = (int64_t)(v)                        \
	}
#define REPO_TEXT(v)                                                           \
	{                                                                      \
		.type = REPO_ARG_TEXT, .t = (v)                                \
	}
#define REPO_ARGS(...)                                                         \
	((const struct repo_arg[]){ __VA_ARGS__, { .type = REPO_ARG_END } })

/*
 * One row: row(st, out) decodes the first row of sql (NULL: only say
 * whether there is one).  0 when there was a row, -ENOENT when there was
 * none (no message: the caller names what is missing), else -errno.
 */
int repo_one(struct repo *r, const char *sql, const struct repo_arg *args,
	     void (*row)(sqlite3_stmt *st, void *out), void *out);

/*
 * Every row: row(st, arg) for each, in the order of sql.  A nonzero
 * return of row stops the walk and is returned as it is (a caller's
 * "found it, stop" or -errno); else 0 or the -errno of the query.
 */
int repo_each(struct repo *r, const char *sql, const struct repo_arg *args,
	      int (*row)(sqlite3_stmt *st, void *arg), void *arg);

/* A statement with no result rows (INSERT, UPDATE, DELETE): 0 or -errno. */
int repo_run(struct repo *r, const char *sql, const struct repo_arg *args);

/* A row decoder for repo_one(): column 0 into the int64_t at out. */
void repo_row_int64(sqlite3_stmt *st, void *out);

/* The home of the repository: the directory holding its file, decided
 * when the connection opened.  Pool directories and volume paths that
 * are relative are relative to it. */
const char *repo_home(const struct repo *r);

/* A volume row's path (stored) made a path to open: absolute as it is,
 * else under its pool's directory pool_dir (itself absolute or under the
 * home).  No I/O. */
int pool_join_path(struct repo *r, const char *pool_dir, const char *stored,
		   char *buf, size_t len);

/*
 * Find the file of volume volser (identity ident, hex, "" for a row of
 * before identities) at this site: path (pool_join_path() of its row)
 * if it is there and is this volume, else the volume catalog and the
 * search path; failing those, a file there whose label cannot be read
 * (the reader will say what is damaged).  0 and the path in out; -ENOENT
 * (message, naming path) if no file is found; -EIO (message "wrong volume") if
 * the only files found are other volumes, the first of them in foreign (may be
 * NULL).
 */
int pool_locate(struct repo *r, const char *volser, const char *ident,
		const char *path, char *out, size_t len, char *foreign,
		size_t flen);

struct volume_dataset_info;

/* Register a committed data set of volume volume_id; *id = its row.  In
 * the caller's transaction.  kind is the dataset.kind text. */
int backup_insert_dataset(struct repo *r, int64_t volume_id,
			  const struct volume_dataset_info *di,
			  const char *kind, int64_t *id);

#endif
