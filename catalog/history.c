// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The action history table.  Rows are only appended; ids grow with time,
 * so "since" and "the last N" are range scans on the primary key.
 */
#include <errno.h>
#include <string.h>

#include "catalog_int.h"
#include "errmsg.h"
#include "history.h"
#include "rtime.h"

int history_add(struct repo *r, const char *action, const char *subject, int rc,
		const char *message)
{
	sqlite3_stmt *st = NULL;
	int err;

	err = repo_prepare(r,
			   "INSERT INTO history(time_us, action, subject,"
			   " outcome, message) VALUES (?, ?, ?, ?, ?)",
			   &st);
	if (err < 0)
		return err;
	sqlite3_bind_int64(st, 1, rtime_now());
	repo_bind_text(st, 2, action);
	repo_bind_text(st, 3, subject ? subject : "");
	repo_bind_text(st, 4, rc < 0 ? "failed" : "ok");
	repo_bind_text(st, 5, message ? message : "");
	err = repo_step_done(r, st);
	repo_finalize(r, st);
	return err;
}

int history_list(struct repo *r, int64_t after_id, unsigned limit,
		 int (*cb)(const struct history_entry *, void *), void *arg)
{
	struct history_entry e;
	sqlite3_stmt *st = NULL;
	const unsigned char *outcome;
	int src, rc;

	rc = repo_prepare(r,
			  "SELECT id, time_us, action, subject, outcome,"
			  " message FROM history WHERE id > ?"
			  " ORDER BY id LIMIT ?",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, after_id);
	sqlite3_bind_int64(st, 2, limit ? (int64_t)limit : -1);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		e.id = sqlite3_column_int64(st, 0);
		e.time_us = sqlite3_column_int64(st, 1);
		repo_column_text(st, 2, e.action, sizeof(e.action));
		repo_column_text(st, 3, e.subject, sizeof(e.subject));
		outcome = sqlite3_column_text(st, 4);
		e.failed = outcome && strcmp((const char *)outcome, "ok");
		repo_column_text(st, 5, e.message, sizeof(e.message));
		rc = cb(&e, arg);
		if (rc)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = repo_errno(r, src);
out:
	repo_finalize(r, st);
	return rc;
}

int history_tail_start(struct repo *r, unsigned limit, int64_t *after_id)
{
	sqlite3_stmt *st = NULL;
	int src, rc;

	*after_id = 0;
	if (!limit)
		return 0;
	rc = repo_prepare(r,
			  "SELECT coalesce(min(id) - 1, 0) FROM (SELECT id"
			  " FROM history ORDER BY id DESC LIMIT ?)",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, limit);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*after_id = sqlite3_column_int64(st, 0);
	else if (src != SQLITE_DONE)
		rc = repo_errno(r, src);
	repo_finalize(r, st);
	return rc;
}
