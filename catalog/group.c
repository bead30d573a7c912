// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Groups and their members.  Membership is a (group, file) pair; deleting
 * a group or unregistering a file removes its pairs by cascade.  Each
 * change resolves every name first, inside the transaction, and fails
 * before writing anything when one does not resolve.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_int.h"
#include "errmsg.h"
#include "file.h"
#include "group.h"
#include "history.h"
#include "rtime.h"

static int lookup_in_txn(struct repo *r, const char *name,
			 struct group_info *out)
{
	char gname[NAMES_GROUP_MAX + 1];
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = names_group_check(name, gname, sizeof(gname));
	if (rc < 0)
		return rc;
	rc = repo_prepare(r,
			  "SELECT id, name, created_us, (SELECT count(*)"
			  " FROM grp_member WHERE grp_id = grp.id)"
			  " FROM grp WHERE name = ?",
			  &st);
	if (rc < 0)
		return rc;
	repo_bind_text(st, 1, gname);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		repo_column_text(st, 1, out->name, sizeof(out->name));
		out->created_us = sqlite3_column_int64(st, 2);
		out->members = (unsigned)sqlite3_column_int64(st, 3);
	} else if (src == SQLITE_DONE) {
		rc = ruv_fail(-ENOENT, "group '%s' does not exist", gname);
	} else {
		rc = repo_errno(r, src);
	}
	repo_finalize(r, st);
	return rc;
}

int group_lookup(struct repo *r, const char *name, struct group_info *out)
{
	return lookup_in_txn(r, name, out);
}

static int is_member(struct repo *r, int64_t gid, int64_t fid, int *yes)
{
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = repo_prepare(r,
			  "SELECT 1 FROM grp_member WHERE grp_id = ?"
			  " AND file_id = ?",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, gid);
	sqlite3_bind_int64(st, 2, fid);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW || src == SQLITE_DONE)
		*yes = src == SQLITE_ROW;
	else
		rc = repo_errno(r, src);
	repo_finalize(r, st);
	return rc;
}

/*
 * Resolve the DSNs to file ids, refusing duplicates in the list and, when
 * want_member >= 0, members whose membership is not what the change needs.
 */
static int resolve(struct repo *r, const struct group_info *g,
		   const char *const *dsns, unsigned n, int want_member,
		   int64_t *ids)
{
	struct file_info fi;
	unsigned i, j;
	int member = 0, rc;

	for (i = 0; i < n; i++) {
		rc = file_lookup(r, dsns[i], &fi);
		if (rc < 0)
			return rc;
		ids[i] = fi.id;
		for (j = 0; j < i; j++)
			if (ids[j] == ids[i])
				return ruv_fail(-EINVAL, "'%s' is named twice",
						fi.dsn);
		if (want_member < 0)
			continue;
		rc = is_member(r, g->id, fi.id, &member);
		if (rc < 0)
			return rc;
		if (member && !want_member)
			return ruv_fail(-EEXIST,
					"'%s' is already a member "
					"of group '%s'",
					fi.dsn, g->name);
		if (!member && want_member)
			return ruv_fail(-ENOENT,
					"'%s' is not a member of "
					"group '%s'",
					fi.dsn, g->name);
	}
	return 0;
}

static int change_members(struct repo *r, const struct group_info *g,
			  const int64_t *ids, unsigned n, int add)
{
	sqlite3_stmt *st = NULL;
	unsigned i;
	int rc;

	rc = repo_prepare(r,
			  add ? "INSERT INTO grp_member(grp_id, file_id)"
				" VALUES (?, ?)"
			      : "DELETE FROM grp_member WHERE grp_id = ?"
				" AND file_id = ?",
			  &st);
	if (rc < 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_int64(st, 1, g->id);
		sqlite3_bind_int64(st, 2, ids[i]);
		rc = repo_step_done(r, st);
		sqlite3_reset(st);
	}
	repo_finalize(r, st);
	return rc;
}

static int insert_group(struct repo *r, const char *name, struct group_info *g)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = names_group_check(name, g->name, sizeof(g->name));
	if (rc < 0)
		return rc;
	rc = repo_prepare(r, "INSERT INTO grp(name, created_us) VALUES (?, ?)",
			  &st);
	if (rc < 0)
		return rc;
	g->created_us = rtime_now();
	repo_bind_text(st, 1, g->name);
	sqlite3_bind_int64(st, 2, g->created_us);
	rc = repo_step_done(r, st);
	repo_finalize(r, st);
	if (rc == -EEXIST)
		return ruv_fail(-EEXIST, "group '%s' already exists", g->name);
	if (rc < 0)
		return rc;
	g->id = sqlite3_last_insert_rowid(r->db);
	g->members = 0;
	return 0;
}

/* The shared body of define/add/remove: op 'd', 'a' or 'r'. */
static int group_change(struct repo *r, int op, const char *name,
			const char *const *dsns, unsigned n)
{
	struct group_info g;
	int64_t *ids = NULL;
	char msg[64];
	int rc;

	/* Check the group name before taking the write lock. */
	rc = names_group_check(name, NULL, 0);
	if (rc < 0)
		return rc;
	ids = calloc(n ? n : 1, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	rc = repo_begin(r);
	if (rc < 0)
		goto out_free;
	if (op == 'd')
		rc = insert_group(r, name, &g);
	else
		rc = lookup_in_txn(r, name, &g);
	if (rc < 0)
		goto out;
	rc = resolve(r, &g, dsns, n, op == 'd' ? -1 : op == 'r', ids);
	if (rc < 0)
		goto out;
	rc = change_members(r, &g, ids, n, op != 'r');
	if (rc < 0)
		goto out;
	snprintf(msg, sizeof(msg), "%u member%s", n, n == 1 ? "" : "s");
	rc = history_add(r,
			 op == 'd'   ? "group define"
			 : op == 'a' ? "group add"
				     : "group remove",
			 g.name, 0, msg);
	if (rc < 0)
		goto out;
	rc = repo_commit(r);
out:
	if (rc < 0)
		repo_rollback(r);
out_free:
	free(ids);
	return rc;
}

int group_define(struct repo *r, const char *name, const char *const *dsns,
		 unsigned n)
{
	return group_change(r, 'd', name, dsns, n);
}

int group_add(struct repo *r, const char *name, const char *const *dsns,
	      unsigned n)
{
	return group_change(r, 'a', name, dsns, n);
}

int group_remove(struct repo *r, const char *name, const char *const *dsns,
		 unsigned n)
{
	return group_change(r, 'r', name, dsns, n);
}

int group_delete(struct repo *r, const char *name, int force)
{
	struct group_info g;
	sqlite3_stmt *st = NULL;
	int rc;

	rc = repo_begin(r);
	if (rc < 0)
		return rc;
	rc = lookup_in_txn(r, name, &g);
	if (rc < 0)
		goto out;
	/* Counted in the transaction that deletes: a member added since
	 * the caller looked is seen. */
	if (g.members && !force) {
		rc = ruv_fail(-ENOTEMPTY,
			      "group '%s' is not empty (%u member%s): remove "
			      "them first, or delete it with --force",
			      g.name, g.members, g.members == 1 ? "" : "s");
		goto out;
	}
	rc = repo_prepare(r, "DELETE FROM grp WHERE id = ?", &st);
	if (rc < 0)
		goto out;
	sqlite3_bind_int64(st, 1, g.id);
	rc = repo_step_done(r, st);
	if (rc < 0)
		goto out;
	rc = history_add(r, "group delete", g.name, 0,
			 g.members ? "forced: it had members" : "");
	if (rc < 0)
		goto out;
	rc = repo_commit(r);
out:
	repo_finalize(r, st);
	if (rc < 0)
		repo_rollback(r);
	return rc;
}

int group_list(struct repo *r, const char *after, unsigned limit,
	       int (*cb)(const struct group_info *, void *), void *arg)
{
	struct group_info g;
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = repo_prepare(r,
			  "SELECT id, name, created_us, (SELECT count(*)"
			  " FROM grp_member WHERE grp_id = grp.id)"
			  " FROM grp WHERE name > ? ORDER BY name LIMIT ?",
			  &st);
	if (rc < 0)
		return rc;
	repo_bind_text(st, 1, after ? after : "");
	sqlite3_bind_int64(st, 2, limit ? (int64_t)limit : -1);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		g.id = sqlite3_column_int64(st, 0);
		repo_column_text(st, 1, g.name, sizeof(g.name));
		g.created_us = sqlite3_column_int64(st, 2);
		g.members = (unsigned)sqlite3_column_int64(st, 3);
		rc = cb(&g, arg);
		if (rc)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = repo_errno(r, src);
out:
	repo_finalize(r, st);
	return rc;
}

int group_members(struct repo *r, const char *name, const char *after,
		  unsigned limit, int (*cb)(const char *dsn, void *), void *arg)
{
	struct group_info g;
	sqlite3_stmt *st = NULL;
	char dsn[NAMES_DSN_MAX + 1];
	int src, rc;

	rc = lookup_in_txn(r, name, &g);
	if (rc < 0)
		return rc;
	rc = repo_prepare(r,
			  "SELECT f.dsn FROM grp_member m JOIN file f"
			  " ON f.id = m.file_id WHERE m.grp_id = ?"
			  " AND f.dsn > ? ORDER BY f.dsn LIMIT ?",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, g.id);
	repo_bind_text(st, 2, after ? after : "");
	sqlite3_bind_int64(st, 3, limit ? (int64_t)limit : -1);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		repo_column_text(st, 0, dsn, sizeof(dsn));
		rc = cb(dsn, arg);
		if (rc)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = repo_errno(r, src);
out:
	repo_finalize(r, st);
	return rc;
}

#define GROUP_SELECT                                                           \
	"SELECT id, name, created_us, (SELECT count(*) FROM grp_member"        \
	" WHERE grp_id = grp.id) FROM grp"

static void row_to_group(sqlite3_stmt *st, struct group_info *g)
{
	g->id = sqlite3_column_int64(st, 0);
	repo_column_text(st, 1, g->name, sizeof(g->name));
	g->created_us = sqlite3_column_int64(st, 2);
	g->members = (unsigned)sqlite3_column_int64(st, 3);
}

int group_get(struct repo *r, int64_t id, struct group_info *out)
{
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = repo_prepare(r, GROUP_SELECT " WHERE id = ?", &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		row_to_group(st, out);
	repo_finalize(r, st);
	if (src == SQLITE_DONE)
		return -ENOENT;
	return src == SQLITE_ROW ? 0 : repo_errno(r, src);
}

int group_list_by_id(struct repo *r, int64_t after_id, unsigned limit,
		     int (*cb)(const struct group_info *, void *), void *arg)
{
	struct group_info g;
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = repo_prepare(r, GROUP_SELECT " WHERE id > ? ORDER BY id LIMIT ?",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, after_id);
	sqlite3_bind_int64(st, 2, limit ? (int64_t)limit : -1);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_group(st, &g);
		rc = cb(&g, arg);
		if (rc)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = repo_errno(r, src);
out:
	repo_finalize(r, st);
	return rc;
}

int group_members_by_id(struct repo *r, int64_t gid, int64_t after_id,
			unsigned limit,
			int (*cb)(int64_t file_id, const char *dsn, void *),
			void *arg)
{
	char dsn[NAMES_DSN_MAX + 1];
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = repo_prepare(r,
			  "SELECT f.id, f.dsn FROM grp_member m JOIN file f"
			  " ON f.id = m.file_id WHERE m.grp_id = ?"
			  " AND m.file_id > ? ORDER BY m.file_id LIMIT ?",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, gid);
	sqlite3_bind_int64(st, 2, after_id);
	sqlite3_bind_int64(st, 3, limit ? (int64_t)limit : -1);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		repo_column_text(st, 1, dsn, sizeof(dsn));
		rc = cb(sqlite3_column_int64(st, 0), dsn, arg);
		if (rc)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = repo_errno(r, src);
out:
	repo_finalize(r, st);
	return rc;
}

int group_has_member(struct repo *r, int64_t gid, int64_t file_id)
{
	int yes = 0;
	int rc = is_member(r, gid, file_id, &yes);

	return rc < 0 ? rc : yes;
}
