// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The location table.  A handful of rows; every query is a scan or a
 * lookup on the unique, case-insensitive name.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "catalog_int.h"
#include "errmsg.h"
#include "history.h"
#include "location.h"
#include "rtime.h"

/* Lookups leave copies at 0; only the listing counts them (a count is a
 * walk of the location's copies, too slow for every lookup). */
#define LOCATION_SELECT "SELECT id, name, active, created_us, 0 FROM location"
#define LOCATION_SELECT_COUNTED                                                \
	"SELECT id, name, active, created_us, (SELECT count(*) FROM copy"      \
	" WHERE location_id = location.id) FROM location"

static void row_to_info(sqlite3_stmt *st, void *out)
{
	struct location_info *li = out;

	li->id = sqlite3_column_int64(st, 0);
	repo_column_text(st, 1, li->name, sizeof(li->name));
	li->active = sqlite3_column_int(st, 2);
	li->created_us = sqlite3_column_int64(st, 3);
	li->copies = sqlite3_column_int64(st, 4);
}

int location_define(struct repo *r, const char *name, int active)
{
	char lname[NAMES_LOCATION_MAX + 1];
	int rc;

	rc = names_location_check(name, lname, sizeof(lname));
	if (rc < 0)
		return rc;
	rc = repo_begin(r);
	if (rc < 0)
		return rc;
	rc = repo_run(r,
		      "INSERT INTO location(name, active, created_us)"
		      " VALUES (?, ?, ?)",
		      REPO_ARGS(REPO_TEXT(lname), REPO_INT(!!active),
				REPO_INT(rtime_now())));
	if (rc == -EEXIST)
		rc = ruv_fail(-EEXIST, "location '%s' already exists", lname);
	if (rc < 0)
		goto out;
	rc = history_add(r, "location define", lname, 0,
			 active ? "active" : "inactive");
	if (rc < 0)
		goto out;
	rc = repo_commit(r);
out:
	if (rc < 0)
		repo_rollback(r);
	return rc;
}

int location_lookup(struct repo *r, const char *name, struct location_info *out)
{
	int rc;

	rc = names_location_check(name, NULL, 0);
	if (rc < 0)
		return rc;
	rc = repo_one(r, LOCATION_SELECT " WHERE name = ?",
		      REPO_ARGS(REPO_TEXT(name)), row_to_info, out);
	if (rc == -ENOENT)
		rc = ruv_fail(-ENOENT, "location '%s' does not exist", name);
	return rc;
}

struct location_walk {
	int (*cb)(const struct location_info *, void *);
	void *arg;
};

static int walk_row(sqlite3_stmt *st, void *arg)
{
	struct location_walk *w = arg;
	struct location_info li;

	row_to_info(st, &li);
	return w->cb(&li, w->arg);
}

int location_list(struct repo *r,
		  int (*cb)(const struct location_info *, void *), void *arg)
{
	struct location_walk w = { cb, arg };

	return repo_each(r, LOCATION_SELECT_COUNTED " ORDER BY name", NULL,
			 walk_row, &w);
}

static int set_active(struct repo *r, int64_t id, int active)
{
	return repo_run(r, "UPDATE location SET active = ? WHERE id = ?",
			REPO_ARGS(REPO_INT(active), REPO_INT(id)));
}
int location_toggle(struct repo *r, const char *const *off, unsigned noff,
		    const char *const *on, unsigned non, int dry_run,
		    void (*cb)(const struct location_info *, int active,
			       void *),
		    void *arg)
{
	struct location_info li;
	unsigned i, j, pass;
	int rc;

	for (i = 0; i < noff; i++)
		for (j = 0; j < non; j++)
			if (!strcasecmp(off[i], on[j]))
				return ruv_fail(-EINVAL,
						"location '%s' cannot"
						" be both inactivated and "
						"activated",
						on[j]);
	rc = repo_begin(r);
	if (rc < 0)
		return rc;
	/* Pass 0 resolves every name; pass 1 changes. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < noff + non; i++) {
			int want = i >= noff;
			const char *name = want ? on[i - noff] : off[i];

			rc = location_lookup(r, name, &li);
			if (rc < 0)
				goto out;
			if (pass == 0 || li.active == want)
				continue;
			if (!dry_run) {
				rc = set_active(r, li.id, want);
				if (rc == 0)
					rc = history_add(r, "toggle", li.name,
							 0,
							 want ? "activated"
							      : "inactivated");
				if (rc < 0)
					goto out;
			}
			if (cb)
				cb(&li, want, arg);
		}
	}
	if (dry_run) {
		repo_rollback(r);
		return 0;
	}
	rc = repo_commit(r);
out:
	if (rc < 0)
		repo_rollback(r);
	return rc;
}

int location_get(struct repo *r, int64_t id, struct location_info *out)
{
	return repo_one(r, LOCATION_SELECT " WHERE id = ?",
			REPO_ARGS(REPO_INT(id)), row_to_info, out);
}

int location_set_active(struct repo *r, const char *name, int active)
{
	struct location_info li;
	const char *one[] = { name };
	int rc;

	rc = location_lookup(r, name, &li);
	if (rc < 0)
		return rc;
	if (li.active == !!active)
		return ruv_fail(-EEXIST, "location '%s' is already %s", li.name,
				active ? "active" : "inactive");
	return location_toggle(r, active ? NULL : one, active ? 0 : 1,
			       active ? one : NULL, active ? 1 : 0, 0, NULL,
			       NULL);
}

int location_list_by_id(struct repo *r, int64_t after_id,
			int (*cb)(const struct location_info *, void *),
			void *arg)
{
	struct location_walk w = { cb, arg };

	return repo_each(r, LOCATION_SELECT " WHERE id > ? ORDER BY id",
			 REPO_ARGS(REPO_INT(after_id)), walk_row, &w);
}
