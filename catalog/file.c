// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Registered files.  A registration ties a DSN to a canonical path at this
 * site and remembers the owner and mode the file had; both the DSN and the
 * path are unique.  Checks on the path (exists, regular, readable) happen
 * before the transaction; the transaction only inserts, so a refusal
 * leaves the repository as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog_int.h"
#include "errmsg.h"
#include "file.h"
#include "history.h"
#include "rtime.h"

#define FILE_COLUMNS "id, dsn, path, uid, gid, mode, registered_us"

static void row_to_info(sqlite3_stmt *st, void *out)
{
	struct file_info *fi = out;

	fi->id = sqlite3_column_int64(st, 0);
	repo_column_text(st, 1, fi->dsn, sizeof(fi->dsn));
	repo_column_text(st, 2, fi->path, sizeof(fi->path));
	fi->uid = (uid_t)sqlite3_column_int64(st, 3);
	fi->gid = (gid_t)sqlite3_column_int64(st, 4);
	fi->mode = (mode_t)sqlite3_column_int64(st, 5);
	fi->registered_us = sqlite3_column_int64(st, 6);
}

/* Resolve and check the source; fill path, uid, gid, mode. */
static int check_source(const char *path, struct file_info *fi)
{
	struct stat sb;
	char *real;
	const char *p;
	int fd, rc;

	if (!*path)
		return ruv_fail(-ENOENT, "empty path");
	real = realpath(path, NULL);
	if (!real) {
		rc = -errno;
		if (rc == -ELOOP)
			return ruv_fail(rc,
					"'%s': too many levels of "
					"symbolic links (a loop?)",
					path);
		return ruv_fail(rc, "'%s': %s", path, strerror(-rc));
	}
	rc = 0;
	if (strlen(real) >= sizeof(fi->path)) {
		rc = ruv_fail(-ENAMETOOLONG, "'%s': path too long", path);
		goto out;
	}
	/* A newline in a registered path would split a line of `file
	 * list` and let a name forge lines (uid=0, mode=4755) in a volume
	 * scan; no control character has a place in a data set's path. */
	for (p = real; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			rc = ruv_fail(-EINVAL,
				      "path has a control character (byte "
				      "0x%02x at %zu): not registered",
				      (unsigned char)*p, (size_t)(p - real));
			goto out;
		}
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		ruv_fail(rc, "'%s': cannot open: %s", path, strerror(-rc));
		goto out;
	}
	if (fstat(fd, &sb) < 0) {
		rc = -errno;
		ruv_fail(rc, "'%s': %s", path, strerror(-rc));
	} else if (S_ISDIR(sb.st_mode)) {
		rc = ruv_fail(-EISDIR, "'%s' is a directory, not a file", path);
	} else if (!S_ISREG(sb.st_mode)) {
		rc = ruv_fail(-EINVAL, "'%s' is not a regular file", path);
	}
	close(fd);
	if (rc < 0)
		goto out;
	snprintf(fi->path, sizeof(fi->path), "%s", real);
	fi->uid = sb.st_uid;
	fi->gid = sb.st_gid;
	fi->mode = sb.st_mode;
out:
	free(real);
	return rc;
}

/* Which of DSN and path is taken, for the message. */
static int explain_duplicate(struct repo *r, const struct file_info *fi)
{
	struct file_info old;

	if (file_lookup(r, fi->dsn, &old) == 0)
		return ruv_fail(-EEXIST,
				"DSN '%s' is already registered "
				"(path '%s')",
				fi->dsn, old.path);
	return ruv_fail(-EEXIST,
			"path '%s' is already registered under "
			"another DSN",
			fi->path);
}

int file_register(struct repo *r, const char *dsn, const char *path,
		  struct file_info *out)
{
	struct file_info fi = { 0 };
	sqlite3_stmt *st = NULL;
	int rc;

	rc = names_dsn_check(dsn, fi.dsn, sizeof(fi.dsn));
	if (rc < 0)
		return rc;
	rc = check_source(path, &fi);
	if (rc < 0)
		return rc;
	fi.registered_us = rtime_now();

	rc = repo_begin(r);
	if (rc < 0)
		return rc;
	rc = repo_prepare(r,
			  "INSERT INTO file(dsn, path, uid, gid, mode,"
			  " registered_us) VALUES (?, ?, ?, ?, ?, ?)",
			  &st);
	if (rc < 0)
		goto out;
	repo_bind_text(st, 1, fi.dsn);
	repo_bind_text(st, 2, fi.path);
	sqlite3_bind_int64(st, 3, fi.uid);
	sqlite3_bind_int64(st, 4, fi.gid);
	sqlite3_bind_int64(st, 5, fi.mode);
	sqlite3_bind_int64(st, 6, fi.registered_us);
	rc = repo_step_done(r, st);
	if (rc == -EEXIST)
		rc = explain_duplicate(r, &fi);
	if (rc < 0)
		goto out;
	fi.id = sqlite3_last_insert_rowid(r->db);
	rc = history_add(r, "file register", fi.dsn, 0, fi.path);
	if (rc < 0)
		goto out;
	rc = repo_commit(r);
	if (rc < 0)
		goto out;
	if (out)
		*out = fi;
out:
	repo_finalize(r, st);
	if (rc < 0)
		repo_rollback(r);
	return rc;
}

static int count_backups(struct repo *r, int64_t file_id, int64_t *n)
{
	return repo_one(r, "SELECT count(*) FROM backup WHERE file_id = ?",
			REPO_ARGS(REPO_INT(file_id)), repo_row_int64, n);
}

int file_unregister(struct repo *r, const char *dsn)
{
	struct file_info fi;
	int64_t nbackups = 0;
	int rc;

	rc = repo_begin(r);
	if (rc < 0)
		return rc;
	rc = file_lookup(r, dsn, &fi);
	if (rc < 0)
		goto out;
	rc = count_backups(r, fi.id, &nbackups);
	if (rc < 0)
		goto out;
	if (nbackups) {
		rc = ruv_fail(-EBUSY,
			      "'%s' has %lld backup(s) in the repository;"
			      " they keep it registered",
			      fi.dsn, (long long)nbackups);
		goto out;
	}
	rc = repo_run(r, "DELETE FROM file WHERE id = ?",
		      REPO_ARGS(REPO_INT(fi.id)));
	if (rc < 0)
		goto out;
	rc = history_add(r, "file unregister", fi.dsn, 0, fi.path);
	if (rc < 0)
		goto out;
	rc = repo_commit(r);
out:
	if (rc < 0)
		repo_rollback(r);
	return rc;
}

int file_lookup(struct repo *r, const char *dsn, struct file_info *out)
{
	char name[NAMES_DSN_MAX + 1];
	int rc;

	rc = names_dsn_check(dsn, name, sizeof(name));
	if (rc < 0)
		return rc;
	rc = repo_one(r, "SELECT " FILE_COLUMNS " FROM file WHERE dsn = ?",
		      REPO_ARGS(REPO_TEXT(name)), row_to_info, out);
	if (rc == -ENOENT)
		rc = ruv_fail(-ENOENT, "DSN '%s' is not registered", name);
	return rc;
}

struct file_walk {
	int (*cb)(const struct file_info *, void *);
	void *arg;
};

static int walk_row(sqlite3_stmt *st, void *arg)
{
	struct file_walk *w = arg;
	struct file_info fi;

	row_to_info(st, &fi);
	return w->cb(&fi, w->arg);
}

int file_list(struct repo *r, const char *after, unsigned limit,
	      int (*cb)(const struct file_info *, void *), void *arg)
{
	struct file_walk w = { cb, arg };

	return repo_each(r,
			 "SELECT " FILE_COLUMNS " FROM file WHERE dsn > ?"
			 " ORDER BY dsn LIMIT ?",
			 REPO_ARGS(REPO_TEXT(after ? after : ""),
				   REPO_INT(limit ? (int64_t)limit : -1)),
			 walk_row, &w);
}

int file_get(struct repo *r, int64_t id, struct file_info *out)
{
	return repo_one(r, "SELECT " FILE_COLUMNS " FROM file WHERE id = ?",
			REPO_ARGS(REPO_INT(id)), row_to_info, out);
}

int file_list_by_id(struct repo *r, int64_t after_id, unsigned limit,
		    int (*cb)(const struct file_info *, void *), void *arg)
{
	struct file_walk w = { cb, arg };

	return repo_each(r,
			 "SELECT " FILE_COLUMNS " FROM file WHERE id > ?"
			 " ORDER BY id LIMIT ?",
			 REPO_ARGS(REPO_INT(after_id),
				   REPO_INT(limit ? (int64_t)limit : -1)),
			 walk_row, &w);
}
