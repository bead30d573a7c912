// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruvreprs: find the newest repository backup on the volumes and install
 * it.  Volumes describe themselves, so no repository is needed to find
 * it: each candidate file's data sets are scanned for kind repository.
 * The newest one (at or before the time asked) is checked chunk by chunk
 * while it is written to a temporary file in the home, which must then
 * open as a ruv repository and pass the integrity check before it is
 * renamed into place.  If it is damaged (every copy of it), nothing is
 * installed: an older repository backup is taken only when asked for
 * with --time, never silently.  A refusal changes nothing, not even the
 * home's directories.
 *
 * With --force the live repository is checkpointed (its WAL emptied),
 * linked aside under a new name with its journal files renamed beside
 * it, and the new file renamed over it: at every instant the home has a
 * repository, and the new file never meets a journal holding frames of
 * the old one.
 */
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
#include "volsearch.h"
#include "volume.h"

/* A repository backup data set found on the volumes. */
struct found {
	char path[PATH_MAX];
	char volser[7];
	uint64_t offset, length, size;
	uint32_t seq;
	int64_t created_us;
	char name[65];	   /* the data set's name: one per backup, every copy */
	uint32_t checksum; /* of the trailer, the same in every copy; 0
			      when it could not be read */
	int sound;	   /* 0: damaged, kept to name it */
};

/* A volume file the search read (any data set on it). */
struct walked {
	char path[PATH_MAX];
	char volser[7];
};

struct search {
	struct found *c;
	unsigned n, cap;
	int64_t at_us;
	unsigned files, damaged;
	struct walked *w; /* each volume file read, once */
	unsigned nw, capw;
};

static int note_walked(struct search *s, const char *path, const char *volser)
{
	struct walked *nw;

	if (s->nw && !strcmp(s->w[s->nw - 1].path, path))
		return 0; /* the data sets of one file come together */
	if (s->nw == s->capw) {
		s->capw = s->capw ? 2 * s->capw : 8;
		nw = realloc(s->w, s->capw * sizeof(*nw));
		if (!nw)
			return -ENOMEM;
		s->w = nw;
	}
	nw = &s->w[s->nw++];
	snprintf(nw->path, sizeof(nw->path), "%s", path);
	snprintf(nw->volser, sizeof(nw->volser), "%s", volser);
	return 0;
}

static int seen_ds(const char *path, const struct volume_label *label,
		   const struct volume_dataset_info *di, void *arg)
{
	struct search *s = arg;
	struct found *nc;

	if (note_walked(s, path, label->volser) < 0)
		return -ENOMEM;
	if (di->kind != VOLUME_KIND_REPOSITORY)
		return 0;
	if (di->state != VOLUME_DS_COMPLETE) {
		s->damaged++;
		/* A torn tail never committed: it was never a backup. */
		if (di->state != VOLUME_DS_DAMAGED)
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
	snprintf(nc->path, sizeof(nc->path), "%s", path);
	snprintf(nc->volser, sizeof(nc->volser), "%s", label->volser);
	nc->offset = di->offset;
	nc->length = di->length;
	nc->size = di->raw_size;
	nc->seq = di->seq;
	nc->created_us = di->created_us;
	snprintf(nc->name, sizeof(nc->name), "%s", di->name);
	nc->checksum = di->checksum;
	nc->sound = di->state == VOLUME_DS_COMPLETE;
	return 0;
}

static int gather(struct search *s, const char *home, const struct config *cfg,
		  char *const *from, unsigned n)
{
	int rc = volsearch_walk(home, cfg, from, n, seen_ds, s);

	if (rc < 0)
		return rc;
	s->files = (unsigned)rc;
	return 0;
}

/*
 * The repository backup is taken before the pull list that ships it
 * (the DR process order), and that pull list shipped every copy then in
 * Staging.  So in the restored repository every Staging copy has left
 * for the vault: all of them move to Offsite, their volumes are marked
 * shipped, in one transaction with its history row.  Whether each of
 * those volumes arrived is told, not assumed: a volume that is neither
 * catalogued nor on the search path, or whose file there is another
 * volume (its identity not the row's), is listed in out->missing, and a
 * restore of a copy on it fails naming it (never an older copy, silently).
 *
 * The same transaction records where the repository came from (out's
 * volser, seq and created_us): the history row of the restore itself.
 *
 * It runs on the extracted file db, before that is renamed into place: a
 * crash then leaves the home with the old repository or the new one
 * with its Staging copies moved and its history row, never a new one
 * still to be shipped or without the row.
 */
/* Is the file at path the volume the repository knows (its VOLSER, and
 * its identity when the row has one)?  A file that is another volume is
 * not this one arriving. */
static int is_volume(const char *path, const char *volser, const char *ident)
{
	char have[VOLUME_IDENT_HEX];
	struct volume_label l;

	if (volume_label_read(path, &l) < 0)
		return 1; /* a damaged label: reading the copies will say */
	volume_ident_format(l.ident, have);
	return !strcmp(l.volser, volser) && (!*ident || !strcmp(have, ident));
}

/*
 * A volume not catalogued nor on the search path, but read by this
 * restore (a --from file or directory: the volumes that arrived with the
 * repository backup) is catalogued, so it is here for the restores that
 * follow, and counted so.  0, or -ENOENT when the search read no file
 * that is this volume.
 */
static int catalog_walked(const char *home, const struct search *s,
			  const char *volser, const char *ident)
{
	unsigned i;

	for (i = 0; i < s->nw; i++)
		if (!strcmp(s->w[i].volser, volser) &&
		    is_volume(s->w[i].path, volser, ident))
			return volcat_add_file(home, volser, s->w[i].path);
	return -ENOENT;
}

static int ship_staging(const char *home, const struct search *s,
			const char *db, struct reprs_result *out)
{
	struct repo *r = NULL;
	sqlite3_stmt *st = NULL;
	char volser[NAMES_VOLSER_LEN + 1], path[PATH_MAX], msg[160];
	char when[RTIME_ISO_MAX];
	char ident[VOLUME_IDENT_HEX];
	FILE *missing = NULL;
	size_t len = 0;
	int src, rc;

	rc = repo_open(db, 0, &r);
	if (rc < 0)
		return rc;
	rc = repo_begin(r);
	if (rc < 0)
		goto out;
	rtime_format_iso(out->created_us, when, sizeof(when));
	snprintf(msg, sizeof(msg), "from %s data set %u of %s", out->volser,
		 out->seq, when);
	rc = history_add(r, "ruvreprs", "RUV.REPOSITORY", 0, msg);
	if (rc < 0)
		goto rollback;
	missing = open_memstream(&out->missing, &len);
	if (!missing) {
		rc = -ENOMEM;
		goto rollback;
	}
	rc = repo_prepare(r,
			  "SELECT DISTINCT v.volser, coalesce(v.ident, '')"
			  " FROM copy c"
			  " JOIN location l ON l.id = c.location_id"
			  " JOIN dataset d ON d.id = c.dataset_id"
			  " JOIN volume v ON v.id = d.volume_id"
			  " WHERE l.name = 'Staging' ORDER BY v.volser",
			  &st);
	if (rc < 0)
		goto rollback;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		repo_column_text(st, 0, volser, sizeof(volser));
		repo_column_text(st, 1, ident, sizeof(ident));
		out->volumes++;
		if ((volcat_find(home, volser, path, sizeof(path)) == 0 &&
		     is_volume(path, volser, ident)) ||
		    catalog_walked(home, s, volser, ident) == 0)
			out->here++;
		else
			fprintf(missing, "%s%s",
				out->volumes - out->here > 1 ? " " : "",
				volser);
	}
	if (src != SQLITE_DONE)
		rc = repo_errno(r, src);
	repo_finalize(r, st);
	if (rc == 0)
		rc = repo_exec(r, "UPDATE volume SET state = 'shipped'"
				  " WHERE state != 'shipped' AND id IN"
				  " (SELECT d.volume_id FROM copy c"
				  " JOIN dataset d ON d.id = c.dataset_id"
				  " JOIN location l ON l.id = c.location_id"
				  " WHERE l.name = 'Staging')");
	if (rc == 0)
		rc = repo_exec(r, "UPDATE copy SET location_id = (SELECT id"
				  " FROM location WHERE name = 'Offsite')"
				  " WHERE location_id = (SELECT id FROM"
				  " location WHERE name = 'Staging')");
	if (rc < 0)
		goto rollback;
	out->arrived = (unsigned)sqlite3_changes(r->db);
	if (out->arrived) {
		snprintf(msg, sizeof(msg),
			 "%u Staging copies -> Offsite (shipped after the "
			 "repository backup); %u of their %u volumes here",
			 out->arrived, out->here, out->volumes);
		rc = history_add(r, "ruvreprs", "", 0, msg);
	}
	if (rc == 0)
		rc = repo_commit(r);
rollback:
	if (rc < 0)
		repo_rollback(r);
out:
	if (missing && fclose(missing) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc < 0) {
		free(out->missing);
		out->missing = NULL;
		out->arrived = out->volumes = out->here = 0;
	}
	repo_close(r);
	return rc;
}

static int newest_first(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	return x->created_us < y->created_us   ? 1
	       : x->created_us > y->created_us ? -1
					       : 0;
}

/*
 * Remove the temporary file and the journal files SQLite keeps beside it.
 * A crash while it was open leaves them, and a -wal or -journal of the
 * old file would be applied to the next one extracted under that name.
 */
static void remove_tmp(const char *tmp)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
	char p[PATH_MAX + 32];
	unsigned i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", tmp, ext[i]);
		unlink(p);
	}
}

/* Write the data set to tmp, every chunk checked on the way. */
static int extract(const struct found *c, const char *tmp)
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

/* The home's directories, once a repository is installed in it. */
static void make_dirs(const char *home, const struct config *cfg)
{
	static const char *const sub[] = { "jcl", "logs" };
	char path[PATH_MAX], parent[PATH_MAX], *slash;
	unsigned i;

	for (i = 0; i < 2; i++)
		if (home_path(home, sub[i], path, sizeof(path)) == 0)
			mkdir(path, 0755);
	for (i = 0; i < cfg->npools; i++) {
		if (config_pool_dir(&cfg->pools[i], home, path, sizeof(path)) <
		    0)
			continue;
		snprintf(parent, sizeof(parent), "%s", path);
		slash = strrchr(parent, '/');
		if (slash) {
			*slash = '\0';
			mkdir(parent, 0755);
		}
		mkdir(path, 0700);
	}
}

/*
 * Extract and check the newest repository backup: any sound copy of it
 * (the copies of one backup share its data set name).  If none is sound
 * it is refused, naming it; an older one only with --time.  *chosen is
 * the index of the copy installed.
 */
/*
 * Is a a copy of the same repository backup as b?  The same name, and
 * the same content checksum where both trailers could be read.  A name
 * has whole seconds only, so two backups written within one second share
 * it; their checksums differ (the later holds the earlier's history
 * row), so an older backup is never taken for a copy of the newest.
 * Each copy's header time is its own writer's, so time cannot tell.
 */
static int same_backup(const struct found *a, const struct found *b)
{
	if (strcmp(a->name, b->name))
		return 0;
	return !a->checksum || !b->checksum || a->checksum == b->checksum;
}

static int take_newest(const struct search *s, const char *tmp,
		       unsigned *chosen)
{
	const struct found *c = s->c;
	char why[512] = "", when[RTIME_ISO_MAX], older[RTIME_ISO_MAX],
	     hint[RTIME_ISO_MAX + 32];
	unsigned i;
	int rc = -EIO;

	for (i = 0; i < s->n && same_backup(&c[i], &c[0]); i++) {
		remove_tmp(tmp);
		ruv_clearerr();
		if (!c[i].sound)
			rc = ruv_fail(-EIO, "data set %u on '%s' is damaged",
				      c[i].seq, c[i].path);
		else
			rc = extract(&c[i], tmp);
		if (rc == 0)
			rc = check_repository(tmp);
		if (rc == 0) {
			*chosen = i;
			return 0;
		}
		if (!why[0])
			snprintf(why, sizeof(why), "%s",
				 *ruv_lasterr() ? ruv_lasterr()
						: strerror(-rc));
	}
	remove_tmp(tmp);
	rtime_format_iso(c[0].created_us, when, sizeof(when));
	if (i < s->n) {
		rtime_format_iso(c[i].created_us, older, sizeof(older));
		snprintf(hint, sizeof(hint), "--time %s takes the older one",
			 older);
	} else {
		snprintf(hint, sizeof(hint), "there is no older one");
	}
	return ruv_fail(rc == -ENOMEM ? rc : -EIO,
			"the newest repository backup, %s (data set %u on "
			"volume '%s', %s), is damaged; nothing installed; "
			"%s: %s",
			c[0].name, c[0].seq, c[0].volser, when, hint, why);
}

/*
 * Set the live repository aside: empty its WAL into it (a repository
 * too damaged to open is set aside as it is), give it its second name,
 * and move its journal files beside that name.  The live name stays
 * until the new file is renamed over it.
 */
static int set_aside(const char *db, struct reprs_result *out)
{
	static const char *const ext[] = { "-wal", "-shm" };
	char from[PATH_MAX + 8], to[PATH_MAX + 48], stamp[24];
	sqlite3 *h = NULL;
	unsigned i;

	int rc = 0, k;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK)
		sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
			     NULL);
	sqlite3_close(h);
	/* Never over an older one kept aside: .2, .3, ... within a second. */
	rtime_format_stamp(rtime_now(), stamp, sizeof(stamp));
	for (k = 1; k < 100; k++) {
		if (snprintf(out->replaced, sizeof(out->replaced),
			     k == 1 ? "%s.replaced-%s" : "%s.replaced-%s.%d",
			     db, stamp, k) >= (int)sizeof(out->replaced))
			return ruv_fail(-ENAMETOOLONG, "'%s': path too long",
					db);
		rc = link(db, out->replaced) < 0 ? -errno : 0;
		if (rc != -EEXIST)
			break;
	}
	if (rc < 0) {
		out->replaced[0] = '\0';
		return ruv_fail(rc, "cannot keep '%s' aside: %s", db,
				strerror(-rc));
	}
	for (i = 0; i < 2; i++) {
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
	struct search s = { .at_us = at_us };
	char db[PATH_MAX], tmp[PATH_MAX + 16];
	unsigned i = 0;
	int made_home = 0, rc;

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
	/* The temporary file lives in the home: made for it if need be,
	 * and removed again on a refusal. */
	if (mkdir(home, 0700) == 0) {
		made_home = 1;
	} else if (errno != EEXIST) {
		rc = -errno;
		ruv_fail(rc, "cannot create home '%s': %s", home,
			 strerror(-rc));
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.restore", db);
	rc = take_newest(&s, tmp, &i);
	if (rc < 0)
		goto undo;
	snprintf(out->volume, sizeof(out->volume), "%s", s.c[i].path);
	snprintf(out->volser, sizeof(out->volser), "%s", s.c[i].volser);
	out->seq = s.c[i].seq;
	out->created_us = s.c[i].created_us;
	out->size = s.c[i].size;
	rc = ship_staging(home, &s, tmp, out);
	if (rc < 0)
		goto undo;
	if (access(db, F_OK) == 0) {
		rc = set_aside(db, out);
		if (rc < 0)
			goto undo;
	}
	if (rename(tmp, db) < 0) {
		rc = -errno;
		ruv_fail(rc, "cannot install '%s': %s", db, strerror(-rc));
		goto undo;
	}
	make_dirs(home, cfg);
	goto out;
undo:
	remove_tmp(tmp);
	if (made_home)
		rmdir(home);
out:
	free(s.c);
	free(s.w);
	return rc;
}
