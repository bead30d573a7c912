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
	return repo_run(r,
			"INSERT INTO history(time_us, action, subject,"
			" outcome, message) VALUES (?, ?, ?, ?, ?)",
			REPO_ARGS(REPO_INT(rtime_now()), REPO_TEXT(action),
				  REPO_TEXT(subject ? subject : ""),
				  REPO_TEXT(rc < 0 ? "failed" : "ok"),
				  REPO_TEXT(message ? message : "")));
}

struct history_walk {
	int (*cb)(const struct history_entry *, void *);
	void *arg;
};

static int walk_row(sqlite3_stmt *st, void *arg)
{
	struct history_walk *w = arg;
	struct history_entry e;
	const unsigned char *outcome;

	e.id = sqlite3_column_int64(st, 0);
	e.time_us = sqlite3_column_int64(st, 1);
	repo_column_text(st, 2, e.action, sizeof(e.action));
	repo_column_text(st, 3, e.subject, sizeof(e.subject));
	outcome = sqlite3_column_text(st, 4);
	e.failed = outcome && strcmp((const char *)outcome, "ok");
	repo_column_text(st, 5, e.message, sizeof(e.message));
	return w->cb(&e, w->arg);
}

int history_list(struct repo *r, int64_t after_id, unsigned limit,
		 int (*cb)(const struct history_entry *, void *), void *arg)
{
	struct history_walk w = { cb, arg };

	return repo_each(r,
			 "SELECT id, time_us, action, subject, outcome,"
			 " message FROM history WHERE id > ?"
			 " ORDER BY id LIMIT ?",
			 REPO_ARGS(REPO_INT(after_id),
				   REPO_INT(limit ? (int64_t)limit : -1)),
			 walk_row, &w);
}

int history_tail_start(struct repo *r, unsigned limit, int64_t *after_id)
{
	int rc;

	*after_id = 0;
	if (!limit)
		return 0;
	/* An aggregate: always one row. */
	rc = repo_one(r,
		      "SELECT coalesce(min(id) - 1, 0) FROM (SELECT id"
		      " FROM history ORDER BY id DESC LIMIT ?)",
		      REPO_ARGS(REPO_INT(limit)), repo_row_int64, after_id);
	return rc == -ENOENT ? 0 : rc;
}

int history_tail(struct repo *r, unsigned last,
		 int (*cb)(const struct history_entry *, void *), void *arg)
{
	int64_t after = 0;
	int rc = history_tail_start(r, last, &after);

	return rc < 0 ? rc : history_list(r, after, 0, cb, arg);
}
