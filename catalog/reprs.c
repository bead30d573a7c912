// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruvreprs: find the newest repository backup on the volumes and install
 * it.  Volumes describe themselves, so no repository is needed to find
 * it: each candidate file's data sets are scanned for kind repository.
 * The chosen data set is checked chunk by chunk while it is written to a
 * temporary file in the home, which must then open as a ruv repository
 * and pass the integrity check before it is renamed into place.  An
 * older repository (with --force) and its WAL files move aside first, so
 * the new file never meets the old one's journal.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog_int.h"
#include "config.h"
#include "errmsg.h"
#include "history.h"
#include "home.h"
#include "names.h"
#include "repo.h"
#include "reprs.h"
#include "rtime.h"
#include "volcat.h"
#include "volume.h"

struct search {
	struct reprs_found *c;
	unsigned n, cap;
	int64_t at_us;
	uint32_t kind;
	const char *path;
	const char *volser;
	unsigned files, damaged;
};

static int seen_ds(const struct volume_dataset_info *di, void *arg)
{
	struct search *s = arg;
	struct reprs_found *nc;

	if (di->kind != s->kind)
		return 0;
	if (di->state != VOLUME_DS_COMPLETE) {
		s->damaged++;
		return 0;
	}
	if (di->created_us > s->at_us)
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		nc = realloc(s->c, s->cap * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		s->c = nc;
	}
	nc = &s->c[s->n++];
	snprintf(nc->path, sizeof(nc->path), "%s", s->path);
	snprintf(nc->volser, sizeof(nc->volser), "%s", s->volser);
	nc->offset = di->offset;
	nc->length = di->length;
	nc->size = di->raw_size;
	nc->seq = di->seq;
	nc->created_us = di->created_us;
	return 0;
}

static int scan_file(struct search *s, const char *path)
{
	struct volume_label label;
	int rc;

	/* A file that is not a volume is simply not a candidate. */
	if (volume_scan(path, NULL, NULL, &label) < 0)
		return 0;
	s->files++;
	s->path = path;
	s->volser = label.volser;
	rc = volume_scan(path, seen_ds, s, &label);
	return rc < 0 ? rc : 0;
}

static int scan_dir(struct search *s, const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && rc == 0) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path))
			continue;
		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
			rc = scan_file(s, path);
	}
	closedir(d);
	return rc;
}

static int scan_volcat(const char *volser, const char *path, void *arg)
{
	(void)volser;
	return scan_file(arg, path);
}

static int gather(struct search *s, const char *home, const struct config *cfg,
		  char *const *from, unsigned n)
{
	char path[PATH_MAX];
	struct stat sb;
	unsigned i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		if (stat(from[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			rc = scan_dir(s, from[i]);
		else if (stat(from[i], &sb) == 0)
			rc = scan_file(s, from[i]);
		else if (names_volser_check(from[i], NULL, 0) == 0 &&
			 volcat_find(home, from[i], path, sizeof(path)) == 0)
			rc = scan_file(s, path);
		else
			rc = ruv_fail(-ENOENT,
				      "'%s': no such volume file, "
				      "directory or catalogued VOLSER",
				      from[i]);
	}
	if (n || rc < 0)
		return rc;
	rc = volcat_list(home, scan_volcat, s);
	for (i = 0; rc == 0 && i < cfg->npools; i++)
		if (config_pool_dir(&cfg->pools[i], home, path, sizeof(path)) ==
		    0)
			rc = scan_dir(s, path);
	return rc;
}

struct arrived {
	struct repo *r;
	sqlite3_stmt *move, *mark;
	unsigned copies;
	int rc;
};

static int arrive(const char *volser, const char *path, void *arg)
{
	struct arrived *a = arg;

	(void)path;
	sqlite3_reset(a->move);
	repo_bind_text(a->move, 1, volser);
	a->rc = repo_step_done(a->r, a->move);
	if (a->rc < 0)
		return a->rc;
	a->copies += (unsigned)sqlite3_changes(a->r->db);
	sqlite3_reset(a->mark);
	repo_bind_text(a->mark, 1, volser);
	a->rc = repo_step_done(a->r, a->mark);
	return a->rc;
}

/*
 * The repository backup is taken before the pull list that ships it, so
 * the repository it restores still has that day's offsite copies in
 * Staging.  Their volumes have arrived (they are catalogued here): the
 * shipment happened, and those copies are moved to Offsite, recorded in
 * the history, so the toggle makes them usable.
 */
static int reconcile_arrived(const char *home, unsigned *moved)
{
	struct arrived a = { 0 };
	char msg[96];
	int rc;

	rc = home_open(home, &a.r);
	if (rc < 0)
		return rc;
	rc = repo_begin(a.r);
	if (rc == 0)
		rc = repo_prepare(
			a.r,
			"UPDATE copy SET location_id = (SELECT id"
			" FROM location WHERE name = 'Offsite')"
			" WHERE location_id = (SELECT id FROM location"
			" WHERE name = 'Staging') AND dataset_id IN"
			" (SELECT d.id FROM dataset d JOIN volume v"
			" ON v.id = d.volume_id WHERE v.volser = ?)",
			&a.move);
	if (rc == 0)
		rc = repo_prepare(a.r,
				  "UPDATE volume SET state = 'shipped'"
				  " WHERE volser = ? AND state != 'shipped'",
				  &a.mark);
	if (rc == 0)
		rc = volcat_list(home, arrive, &a);
	if (rc == 0 && a.copies) {
		snprintf(msg, sizeof(msg),
			 "%u copies on arrived volumes: Staging -> Offsite",
			 a.copies);
		rc = history_add(a.r, "ruvreprs", "", 0, msg);
	}
	sqlite3_finalize(a.move);
	sqlite3_finalize(a.mark);
	if (rc == 0)
		rc = repo_commit(a.r);
	else
		repo_rollback(a.r);
	repo_close(a.r);
	*moved = a.copies;
	return rc;
}

static int newest_first(const void *a, const void *b)
{
	const struct reprs_found *x = a, *y = b;

	return x->created_us < y->created_us   ? 1
	       : x->created_us > y->created_us ? -1
					       : 0;
}

/* Write the data set to tmp, every chunk checked on the way. */
static int extract(const struct reprs_found *c, const char *tmp)
{
	struct volume_reader *vr = NULL;
	unsigned char *buf = malloc(1 << 20);
	uint64_t off = 0;
	ssize_t n;
	int fd = -1, rc;

	if (!buf)
		return -ENOMEM;
	rc = volume_reader_open(c->path, c->offset, c->length, &vr);
	if (rc < 0)
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		ruv_fail(rc, "cannot write '%s': %s", tmp, strerror(-rc));
		goto out;
	}
	while ((n = volume_reader_pread(vr, buf, 1 << 20, off)) > 0) {
		if (write(fd, buf, (size_t)n) != n) {
			rc = ruv_fail(-EIO, "cannot write '%s'", tmp);
			goto out;
		}
		off += (uint64_t)n;
	}
	if (n < 0) {
		rc = (int)n;
		goto out;
	}
	if (fsync(fd) < 0)
		rc = -errno;
out:
	if (fd >= 0)
		close(fd);
	volume_reader_close(vr);
	free(buf);
	return rc;
}

/* The file must be a ruv repository of a schema we read, and sound. */
static int check_repository(const char *tmp)
{
	struct repo *r;
	int rc = repo_open(tmp, 0, &r);

	if (rc < 0)
		return rc;
	rc = repo_check(r);
	repo_close(r);
	return rc;
}

static int make_dirs(const char *home, const struct config *cfg)
{
	static const char *const sub[] = { "jcl", "logs" };
	char path[PATH_MAX];
	unsigned i;

	if (mkdir(home, 0700) < 0 && errno != EEXIST)
		return ruv_fail(-errno, "cannot create home '%s': %s", home,
				strerror(errno));
	for (i = 0; i < 2; i++)
		if (home_path(home, sub[i], path, sizeof(path)) == 0)
			mkdir(path, 0755);
	for (i = 0; i < cfg->npools; i++)
		if (config_pool_dir(&cfg->pools[i], home, path, sizeof(path)) ==
		    0) {
			char parent[PATH_MAX], *slash;

			snprintf(parent, sizeof(parent), "%s", path);
			slash = strrchr(parent, '/');
			if (slash) {
				*slash = '\0';
				mkdir(parent, 0755);
			}
			mkdir(path, 0700);
		}
	return 0;
}

/* Move the live repository and its journal aside. */
static int move_aside(const char *db, struct reprs_result *out)
{
	static const char *const ext[] = { "", "-wal", "-shm" };
	char from[PATH_MAX + 8], to[PATH_MAX + 48], stamp[24];
	unsigned i;

	rtime_format_stamp(rtime_now(), stamp, sizeof(stamp));
	if (snprintf(out->replaced, sizeof(out->replaced), "%s.replaced-%s", db,
		     stamp) >= (int)sizeof(out->replaced))
		return ruv_fail(-ENAMETOOLONG, "'%s': path too long", db);
	for (i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s%s", db, ext[i]);
		snprintf(to, sizeof(to), "%s%s", out->replaced, ext[i]);
		if (rename(from, to) < 0 && errno != ENOENT)
			return ruv_fail(-errno, "cannot move '%s' aside: %s",
					from, strerror(errno));
	}
	return 0;
}

int reprs_restore(const char *home, const struct config *cfg, char *const *from,
		  unsigned n, int64_t at_us, int force,
		  struct reprs_result *out)
{
	struct search s = { .at_us = at_us, .kind = VOLUME_KIND_REPOSITORY };
	char db[PATH_MAX], tmp[PATH_MAX + 16];
	unsigned i;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = home_path(home, HOME_REPOSITORY, db, sizeof(db));
	if (rc < 0)
		return rc;
	if (!force && access(db, F_OK) == 0)
		return ruv_fail(-EEXIST,
				"'%s' already has a repository; "
				"--force replaces it (the old one is "
				"kept aside)",
				home);
	rc = gather(&s, home, cfg, from, n);
	if (rc < 0)
		goto out;
	if (!s.n) {
		rc = s.damaged ? ruv_fail(-EIO,
					  "only damaged repository backups "
					  "were found (%u)",
					  s.damaged)
			       : ruv_fail(-ENOENT,
					  "no repository backup at or "
					  "before the time on the %u "
					  "volume(s) searched",
					  s.files);
		goto out;
	}
	qsort(s.c, s.n, sizeof(*s.c), newest_first);
	rc = make_dirs(home, cfg);
	if (rc < 0)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.restore", db);
	/* Newest first; a damaged one is skipped, and said so. */
	for (i = 0; i < s.n; i++) {
		unlink(tmp);
		rc = extract(&s.c[i], tmp);
		if (rc == 0)
			rc = check_repository(tmp);
		if (rc == 0)
			break;
	}
	if (rc < 0) {
		unlink(tmp);
		goto out;
	}
	if (access(db, F_OK) == 0) {
		rc = move_aside(db, out);
		if (rc < 0) {
			unlink(tmp);
			goto out;
		}
	}
	if (rename(tmp, db) < 0) {
		rc = -errno;
		ruv_fail(rc, "cannot install '%s': %s", db, strerror(-rc));
		unlink(tmp);
		goto out;
	}
	rc = reconcile_arrived(home, &out->arrived);
	if (rc < 0)
		goto out;
	snprintf(out->volume, sizeof(out->volume), "%s", s.c[i].path);
	snprintf(out->volser, sizeof(out->volser), "%s", s.c[i].volser);
	out->seq = s.c[i].seq;
	out->created_us = s.c[i].created_us;
	out->size = s.c[i].size;
out:
	free(s.c);
	return rc;
}

int reprs_find(const char *home, const struct config *cfg, char *const *from,
	       unsigned n, int64_t at_us, uint32_t kind,
	       struct reprs_found **out, unsigned *nout, unsigned *damaged)
{
	struct search s = { .at_us = at_us, .kind = kind };
	int rc;

	rc = gather(&s, home, cfg, from, n);
	if (rc < 0) {
		free(s.c);
		return rc;
	}
	if (s.n)
		qsort(s.c, s.n, sizeof(*s.c), newest_first);
	*out = s.c;
	*nout = s.n;
	*damaged = s.damaged;
	return (int)s.files;
}
