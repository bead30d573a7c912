// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Log streams in the repository: the log_stream rows, and the binding of a
 * protected file to the one stream that journals it (file.stream_id,
 * schema version 2).
 *
 * A stream's directory is stored relative to the home when it lies inside
 * it (the default, logs/NAME), so a home moved with mv or cp -a keeps its
 * streams; absolute otherwise.  Callers always see it absolute.
 *
 * Every change is one transaction with a history row.  Defining creates
 * the directory before the row and removes it again if the row cannot be
 * written; deleting removes the files (logstream_remove(), under the
 * stream's lock) before the row, so a crash leaves a row whose stream is
 * empty or a tail of itself, and the delete can simply be run again.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog_int.h"
#include "errmsg.h"
#include "history.h"
#include "logcat.h"
#include "logstream.h"

#define STREAM_COLUMNS "id, name, directory, kind, archived_lsn, archived_us"

/* Check and fold a stream name, with a message naming the rule. */
static int name_check(const char *name, char *out)
{
	char q[NAMES_QUOTE_MAX];
	int rc = names_group_check(name, out, LOGCAT_NAME_MAX + 1);

	if (rc == -EINVAL)
		return ruv_fail(rc,
				"log stream name '%s': 1-32 letters, digits "
				"and @#$_-, not starting with '-'",
				names_quote(name, q, sizeof(q)));
	return rc;
}

/* The home: the directory of the repository file. */
static int home_of(struct repo *r, char *buf, size_t len)
{
	const char *p = repo_path(r), *slash = strrchr(p, '/');
	size_t n;

	if (!slash)
		return snprintf(buf, len, ".") >= (int)len ? -ENAMETOOLONG : 0;
	n = (size_t)(slash - p);
	if (n == 0)
		n = 1;
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return 0;
}

static int row_to_info(struct repo *r, sqlite3_stmt *st, struct logcat_info *li)
{
	char stored[PATH_MAX], home[PATH_MAX];
	const char *kind;
	int rc;

	memset(li, 0, sizeof(*li));
	li->id = sqlite3_column_int64(st, 0);
	repo_column_text(st, 1, li->name, sizeof(li->name));
	repo_column_text(st, 2, stored, sizeof(stored));
	kind = (const char *)sqlite3_column_text(st, 3);
	li->kind = kind && !strcmp(kind, "journal") ? LOGCAT_JOURNAL
						    : LOGCAT_APPLICATION;
	li->archived_lsn = (uint64_t)sqlite3_column_int64(st, 4);
	li->archived_us = sqlite3_column_int64(st, 5);
	if (stored[0] == '/') {
		snprintf(li->dir, sizeof(li->dir), "%s", stored);
		return 0;
	}
	rc = home_of(r, home, sizeof(home));
	if (rc < 0)
		return rc;
	if (snprintf(li->dir, sizeof(li->dir), "%s/%s", home, stored) >=
	    (int)sizeof(li->dir))
		return -ENAMETOOLONG;
	return 0;
}

static int lookup_folded(struct repo *r, const char *name,
			 struct logcat_info *out)
{
	sqlite3_stmt *st;
	int rc;

	rc = repo_prepare(
		r, "SELECT " STREAM_COLUMNS " FROM log_stream WHERE name = ?",
		&st);
	if (rc < 0)
		return rc;
	repo_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = row_to_info(r, st, out);
	else if (rc == SQLITE_DONE)
		rc = ruv_fail(-ENOENT, "no log stream '%s'", name);
	else
		rc = repo_errno(r, rc);
	repo_finalize(r, st);
	return rc;
}

int logcat_lookup(struct repo *r, const char *name, struct logcat_info *out)
{
	char n[LOGCAT_NAME_MAX + 1];
	int rc;

	rc = name_check(name, n);
	if (rc < 0)
		return rc;
	return lookup_folded(r, n, out);
}

/* 1 if dir holds nothing but "." and "..", 0 if it holds more. */
static int dir_empty(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int empty = 1;

	if (!d)
		return ruv_fail(-errno, "'%s': %s", dir, strerror(errno));
	while (empty && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

/* Make dir (or accept it empty); *made says whether we created it. */
static int prepare_dir(const char *dir, int *made)
{
	struct stat sb;
	int rc;

	*made = 0;
	if (mkdir(dir, 0755) == 0) {
		*made = 1;
		return 0;
	}
	if (errno != EEXIST)
		return ruv_fail(-errno, "cannot create log directory '%s': %s",
				dir, strerror(errno));
	if (stat(dir, &sb) < 0)
		return ruv_fail(-errno, "'%s': %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return ruv_fail(-ENOTDIR, "'%s' is not a directory", dir);
	rc = dir_empty(dir);
	if (rc < 0)
		return rc;
	if (!rc)
		return ruv_fail(-EEXIST, "log directory '%s' is not empty",
				dir);
	return 0;
}

int logcat_define(struct repo *r, const char *name, const char *dir, int kind,
		  struct logcat_info *out)
{
	char n[LOGCAT_NAME_MAX + 1], home[PATH_MAX], path[PATH_MAX];
	char stored[PATH_MAX], *real = NULL;
	struct logcat_info li;
	sqlite3_stmt *st = NULL;
	size_t hl;
	int rc, made = 0, in_txn = 0;

	rc = name_check(name, n);
	if (rc < 0)
		return rc;
	if (kind != LOGCAT_APPLICATION && kind != LOGCAT_JOURNAL)
		return ruv_fail(-EINVAL, "log stream kind %d", kind);
	if (lookup_folded(r, n, &li) == 0)
		return ruv_fail(-EEXIST, "log stream '%s' already exists", n);
	rc = home_of(r, home, sizeof(home));
	if (rc < 0)
		return rc;
	if (!dir) {
		if (snprintf(path, sizeof(path), "%s/logs/%s", home, n) >=
		    (int)sizeof(path))
			return -ENAMETOOLONG;
		dir = path;
	}
	rc = prepare_dir(dir, &made);
	if (rc < 0)
		return rc;
	real = realpath(dir, NULL);
	if (!real) {
		rc = ruv_fail(-errno, "'%s': %s", dir, strerror(errno));
		goto out;
	}
	{
		char *rh = realpath(home, NULL);

		hl = rh ? strlen(rh) : 0;
		if (rh && !strncmp(real, rh, hl) && real[hl] == '/')
			snprintf(stored, sizeof(stored), "%s", real + hl + 1);
		else
			snprintf(stored, sizeof(stored), "%s", real);
		free(rh);
	}
	rc = repo_begin(r);
	if (rc < 0)
		goto out;
	in_txn = 1;
	rc = repo_prepare(r, "SELECT name FROM log_stream WHERE directory = ?",
			  &st);
	if (rc < 0)
		goto out;
	repo_bind_text(st, 1, stored);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rc = ruv_fail(-EEXIST,
			      "'%s' is the directory of log stream '%s'", real,
			      (const char *)sqlite3_column_text(st, 0));
		goto out;
	}
	repo_finalize(r, st);
	st = NULL;
	rc = repo_prepare(r,
			  "INSERT INTO log_stream(name, directory, kind)"
			  " VALUES (?, ?, ?)",
			  &st);
	if (rc < 0)
		goto out;
	repo_bind_text(st, 1, n);
	repo_bind_text(st, 2, stored);
	repo_bind_text(st, 3,
		       kind == LOGCAT_JOURNAL ? "journal" : "application");
	rc = repo_step_done(r, st);
	if (rc == -EEXIST)
		rc = ruv_fail(-EEXIST, "log stream '%s' already exists", n);
	if (rc < 0)
		goto out;
	rc = history_add(r, "log define", n, 0, real);
	if (rc < 0)
		goto out;
	rc = repo_commit(r);
	if (rc < 0)
		goto out;
	in_txn = 0;
	made = 0; /* the row is there: the directory is the stream's now */
	if (out)
		rc = lookup_folded(r, n, out);
out:
	repo_finalize(r, st);
	if (in_txn)
		repo_rollback(r);
	if (rc < 0 && made)
		rmdir(dir);
	free(real);
	return rc;
}

int logcat_list(struct repo *r, int (*cb)(const struct logcat_info *, void *),
		void *arg)
{
	struct logcat_info li;
	sqlite3_stmt *st;
	int rc;

	rc = repo_prepare(
		r, "SELECT " STREAM_COLUMNS " FROM log_stream ORDER BY name",
		&st);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = row_to_info(r, st, &li);
		if (rc == 0)
			rc = cb(&li, arg);
		if (rc)
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : repo_errno(r, rc);
out:
	repo_finalize(r, st);
	return rc;
}

/* Run one statement binding a single int64; 0 or -errno. */
static int exec_id(struct repo *r, const char *sql, int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	rc = repo_prepare(r, sql, &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = repo_step_done(r, st);
	repo_finalize(r, st);
	return rc;
}

int logcat_delete(struct repo *r, const char *name)
{
	struct logcat_info li;
	sqlite3_stmt *st = NULL;
	int rc;

	rc = logcat_lookup(r, name, &li);
	if (rc < 0)
		return rc;
	rc = repo_prepare(
		r, "SELECT count(*) FROM archive_range WHERE stream_id = ?",
		&st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, li.id);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_ROW ? (sqlite3_column_int64(st, 0) ? -EBUSY : 0)
			      : repo_errno(r, rc);
	repo_finalize(r, st);
	if (rc == -EBUSY)
		return ruv_fail(rc,
				"log stream '%s': archives refer to it; "
				"it stays defined while they are catalogued",
				li.name);
	if (rc < 0)
		return rc;
	rc = logstream_remove(li.dir, li.archived_lsn);
	if (rc == -ENOENT)
		rc = 0; /* a delete that crashed after removing the files */
	if (rc < 0)
		return ruv_fail(rc, "log stream '%s': %s", li.name,
				ruv_lasterr());
	rc = repo_begin(r);
	if (rc < 0)
		return rc;
	rc = exec_id(r, "UPDATE file SET stream_id = NULL WHERE stream_id = ?",
		     li.id);
	if (rc == 0)
		rc = exec_id(r, "DELETE FROM log_stream WHERE id = ?", li.id);
	if (rc == 0)
		rc = history_add(r, "log delete", li.name, 0, li.dir);
	if (rc == 0)
		rc = repo_commit(r);
	if (rc < 0)
		repo_rollback(r);
	return rc;
}

/* file.stream_id of dsn (folded): 0 and *sid (0: unbound), -ENOENT. */
static int file_stream(struct repo *r, const char *dsn, int64_t *fid,
		       int64_t *sid, char *bound)
{
	sqlite3_stmt *st;
	int rc;

	rc = repo_prepare(r,
			  "SELECT f.id, coalesce(f.stream_id, 0),"
			  " coalesce(s.name, '') FROM file f"
			  " LEFT JOIN log_stream s ON s.id = f.stream_id"
			  " WHERE f.dsn = ?",
			  &st);
	if (rc < 0)
		return rc;
	repo_bind_text(st, 1, dsn);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*fid = sqlite3_column_int64(st, 0);
		*sid = sqlite3_column_int64(st, 1);
		repo_column_text(st, 2, bound, LOGCAT_NAME_MAX + 1);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = ruv_fail(-ENOENT, "no file '%s' is registered", dsn);
	} else {
		rc = repo_errno(r, rc);
	}
	repo_finalize(r, st);
	return rc;
}

int logcat_bind(struct repo *r, const char *stream, const char *dsn,
		char *bound_to)
{
	char d[NAMES_DSN_MAX + 1], bound[LOGCAT_NAME_MAX + 1];
	struct logcat_info li;
	int64_t fid, sid;
	int rc;

	rc = names_dsn_check(dsn, d, sizeof(d));
	if (rc < 0)
		return rc;
	rc = logcat_lookup(r, stream, &li);
	if (rc < 0)
		return rc;
	/* The common case, already bound here, without the write lock. */
	rc = file_stream(r, d, &fid, &sid, bound);
	if (rc < 0)
		return rc;
	if (sid == li.id)
		return 0;
	rc = repo_begin(r);
	if (rc < 0)
		return rc;
	rc = file_stream(r, d, &fid, &sid, bound);
	if (rc < 0)
		goto out;
	if (sid && sid != li.id) {
		if (bound_to)
			snprintf(bound_to, LOGCAT_NAME_MAX + 1, "%s", bound);
		rc = ruv_fail(-EBUSY,
			      "file '%s' is journaled by log stream '%s', "
			      "not '%s'",
			      d, bound, li.name);
		goto out;
	}
	if (!sid) {
		sqlite3_stmt *st;

		rc = repo_prepare(
			r, "UPDATE file SET stream_id = ? WHERE id = ?", &st);
		if (rc < 0)
			goto out;
		sqlite3_bind_int64(st, 1, li.id);
		sqlite3_bind_int64(st, 2, fid);
		rc = repo_step_done(r, st);
		repo_finalize(r, st);
		if (rc < 0)
			goto out;
		rc = history_add(r, "log bind", d, 0, li.name);
		if (rc < 0)
			goto out;
	}
	rc = repo_commit(r);
out:
	if (rc < 0)
		repo_rollback(r);
	return rc;
}

int logcat_bound(struct repo *r, const char *dsn, char *buf)
{
	char d[NAMES_DSN_MAX + 1];
	int64_t fid, sid;
	int rc;

	rc = names_dsn_check(dsn, d, sizeof(d));
	if (rc < 0)
		return rc;
	rc = file_stream(r, d, &fid, &sid, buf);
	if (rc < 0)
		return rc;
	return sid ? 0 : 1;
}

int logcat_file_stream(struct repo *r, const char *dsn, struct file_info *fi,
		       char *buf)
{
	char d[NAMES_DSN_MAX + 1];
	int rc;

	rc = names_dsn_check(dsn, d, sizeof(d));
	if (rc < 0)
		return rc;
	rc = file_lookup(r, d, fi);
	if (rc == -ENOENT)
		return ruv_fail(rc, "no file '%s' is registered", d);
	if (rc < 0)
		return rc;
	return logcat_bound(r, fi->dsn, buf);
}

int logcat_file_at(struct repo *r, const char *path, struct file_info *out)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	int rc;

	rc = repo_prepare(r, "SELECT id FROM file WHERE path = ?", &st);
	if (rc < 0)
		return rc;
	repo_bind_text(st, 1, path);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	rc = rc == SQLITE_ROW	 ? 0
	     : rc == SQLITE_DONE ? -ENOENT
				 : repo_errno(r, rc);
	repo_finalize(r, st);
	if (rc < 0)
		return rc;
	return file_get(r, id, out);
}

int logcat_files_under(struct repo *r, const char *dir,
		       int (*cb)(const struct file_info *, void *), void *arg)
{
	char lo[PATH_MAX + 1], hi[PATH_MAX + 1];
	struct file_info fi;
	sqlite3_stmt *st;
	int64_t *ids = NULL, *nids;
	size_t n = 0, cap = 0, i;
	int rc;

	/* Paths strictly between "dir/" and "dir0" ('0' follows '/'). */
	if (snprintf(lo, sizeof(lo), "%s/", dir) >= (int)sizeof(lo) ||
	    snprintf(hi, sizeof(hi), "%s0", dir) >= (int)sizeof(hi))
		return -ENAMETOOLONG;
	if (!strcmp(dir, "/"))
		snprintf(lo, sizeof(lo), "/");
	rc = repo_prepare(r,
			  "SELECT id FROM file WHERE path > ? AND path < ?"
			  " ORDER BY path",
			  &st);
	if (rc < 0)
		return rc;
	repo_bind_text(st, 1, lo);
	repo_bind_text(st, 2, strcmp(dir, "/") ? hi : "0");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nids = realloc(ids, cap * sizeof(*ids));
			if (!nids) {
				rc = -ENOMEM;
				goto out;
			}
			ids = nids;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	rc = rc == SQLITE_DONE ? 0 : repo_errno(r, rc);
out:
	repo_finalize(r, st);
	/* The walk ran to its end before any callback runs, so a callback
	 * may use the connection. */
	for (i = 0; rc == 0 && i < n; i++) {
		rc = file_get(r, ids[i], &fi);
		if (rc == 0)
			rc = cb(&fi, arg);
	}
	free(ids);
	return rc;
}

int logcat_list_stats(struct repo *r,
		      int (*cb)(const struct logcat_info *,
				const struct logstream_stat *, void *),
		      void *arg)
{
	struct logcat_info *v = NULL, *nv;
	struct logstream_stat st;
	sqlite3_stmt *q;
	size_t n = 0, i;
	int rc;

	/* Rows first, files after: no statement open during the reads. */
	rc = repo_prepare(
		r, "SELECT " STREAM_COLUMNS " FROM log_stream ORDER BY name",
		&q);
	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			rc = -ENOMEM;
			break;
		}
		v = nv;
		rc = row_to_info(r, q, &v[n++]);
		if (rc < 0)
			break;
	}
	rc = rc == SQLITE_DONE ? 0 : rc < 0 ? rc : repo_errno(r, rc);
	repo_finalize(r, q);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = logstream_stat(v[i].dir, &st);
		if (rc == 0)
			rc = cb(&v[i], &st, arg);
	}
	free(v);
	return rc;
}

static int rec_names(const struct logrec *rec, const char *dsn)
{
	size_t i;

	if (rec->type == LOGREC_WRITE || rec->type == LOGREC_TRUNCATE)
		return !strcmp(rec->dsn, dsn);
	if (rec->type == LOGREC_COMMIT)
		for (i = 0; i < rec->n_touched; i++)
			if (!strcmp(rec->touched[i].dsn, dsn))
				return 1;
	return 0;
}

int logcat_walk(struct repo *r, const char *name, uint64_t from_lsn,
		uint64_t to_lsn, const char *dsn,
		int (*cb)(const struct logrec *, void *), void *arg)
{
	char d[NAMES_DSN_MAX + 1];
	struct logcat_info li;
	struct logreader *lr;
	struct logrec rec;
	int rc;

	if (dsn) {
		rc = names_dsn_check(dsn, d, sizeof(d));
		if (rc < 0)
			return rc;
	}
	rc = logcat_lookup(r, name, &li);
	if (rc < 0)
		return rc;
	rc = logreader_open(li.dir, from_lsn, &lr);
	if (rc < 0)
		return rc;
	while ((rc = logreader_next(lr, &rec)) == 1) {
		if (to_lsn && rec.lsn > to_lsn) {
			rc = 0;
			break;
		}
		if (dsn && !rec_names(&rec, d))
			continue;
		rc = cb(&rec, arg);
		if (rc)
			break;
	}
	logreader_close(lr);
	return rc;
}
