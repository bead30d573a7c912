// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Volume allocation for writers.
 *
 * Locking: the exclusive flock on a volume file is the writer's claim.  It
 * is taken on a descriptor of its own before the volume is opened for
 * appending, so the tail repair that volume_open() does can never cut
 * another writer's data set in flight.  Rows change in short
 * transactions; no transaction is held while data is written.
 *
 * VOLSERs are the pool prefix and a zero-padded number from the pool's
 * next_volno, which only grows: a VOLSER is never reused, even for a
 * volume whose creation was interrupted (its file, if any, is found
 * empty and adopted, or skipped).
 *
 * Where volumes are: a volume row's path is the file's name relative to
 * its pool's directory (which may itself be relative to the home), or an
 * absolute path; pool_join_path() makes it a path to open.  Before a
 * volume is written or read its label must say it is this volume (its
 * VOLSER, and its identity when the row has one): pool_locate() looks at
 * the pool's directory first, then the volume catalog and the search
 * path, and takes the first file that is this volume.
 *
 * Cost: acquiring scans the headers of the volume's data sets once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog_int.h"
#include "config.h"
#include "errmsg.h"
#include "history.h"
#include "names.h"
#include "pool.h"
#include "rtime.h"
#include "volcat.h"
#include "volume.h"

int pool_join_path(struct repo *r, const char *pool_dir, const char *stored,
		   char *buf, size_t len)
{
	const char *home = repo_home(r);
	int n;

	if (stored[0] == '/')
		n = snprintf(buf, len, "%s", stored);
	else if (pool_dir[0] == '/')
		n = snprintf(buf, len, "%s/%s", pool_dir, stored);
	else
		n = snprintf(buf, len, "%s/%s/%s", home, pool_dir, stored);
	if (n < 0 || (size_t)n >= len)
		return ruv_fail(-ENAMETOOLONG, "volume path '%s' too long",
				stored);
	return 0;
}

/* 1 if the label at path is the volume volser with identity ident ("":
 * a row of before identities, any identity), 0 if it is another, -errno
 * if it cannot be read. */
static int is_this_volume(const char *path, const char *volser,
			  const char *ident, struct volume_label *l)
{
	char have[VOLUME_IDENT_HEX];
	int rc;

	rc = volume_label_read(path, l);
	if (rc < 0)
		return rc;
	volume_ident_format(l->ident, have);
	return !strcmp(l->volser, volser) && (!*ident || !strcmp(ident, have));
}

int pool_locate(struct repo *r, const char *volser, const char *ident,
		const char *path, char *out, size_t len, char *foreign,
		size_t flen)
{
	char found[PATH_MAX], other[PATH_MAX] = "", damaged[PATH_MAX] = "";
	struct volume_label l;
	int rc;

	if (access(path, F_OK) == 0) {
		rc = is_this_volume(path, volser, ident, &l);
		if (rc == 1) {
			snprintf(out, len, "%s", path);
			return 0;
		}
		if (rc < 0 && rc != -EIO)
			return rc;
		snprintf(rc < 0 ? damaged : other, PATH_MAX, "%s", path);
	}
	if (volcat_find(repo_home(r), volser, found, sizeof(found)) == 0 &&
	    strcmp(found, path)) {
		rc = is_this_volume(found, volser, ident, &l);
		if (rc == 1) {
			snprintf(out, len, "%s", found);
			return 0;
		}
		if (rc < 0 && rc != -EIO)
			return rc;
		if (rc < 0 && !damaged[0])
			snprintf(damaged, sizeof(damaged), "%s", found);
		else if (rc == 0 && !other[0])
			snprintf(other, sizeof(other), "%s", found);
	}
	/* An unreadable label may still be ours: reading it says what is
	 * wrong (a data set header names its data set without the label). */
	if (damaged[0]) {
		snprintf(out, len, "%s", damaged);
		return 0;
	}
	if (foreign && flen)
		snprintf(foreign, flen, "%s", other);
	if (other[0])
		return ruv_fail(-EIO,
				"wrong volume: '%s' is not volume %s%s%s "
				"of this repository",
				other, volser, *ident ? " with identity " : "",
				ident);
	return ruv_fail(-ENOENT,
			"volume %s is MISSING: no file '%s', and neither the "
			"volume catalog (ruv catalog) nor volume_path has it",
			volser, path);
}

struct pool_row {
	int64_t id;
	int64_t location_id;
	uint64_t capacity;
	char name[CONFIG_NAME_MAX + 1];
	char prefix[4];
	char directory[PATH_MAX];
};

static int pool_lookup(struct repo *r, const char *name, struct pool_row *p)
{
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = repo_prepare(r,
			  "SELECT id, location_id, capacity, name, prefix,"
			  " directory FROM pool WHERE name = ?",
			  &st);
	if (rc < 0)
		return rc;
	repo_bind_text(st, 1, name);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		p->id = sqlite3_column_int64(st, 0);
		p->location_id = sqlite3_column_int64(st, 1);
		p->capacity = (uint64_t)sqlite3_column_int64(st, 2);
		repo_column_text(st, 3, p->name, sizeof(p->name));
		repo_column_text(st, 4, p->prefix, sizeof(p->prefix));
		repo_column_text(st, 5, p->directory, sizeof(p->directory));
	} else if (src == SQLITE_DONE) {
		rc = ruv_fail(-ENOENT, "pool '%s' is not in the repository",
			      name);
	} else {
		rc = repo_errno(r, src);
	}
	repo_finalize(r, st);
	return rc;
}

/* Where the repository says the volume's data ends (0: no data sets). */
static int registered_end(struct repo *r, int64_t volume_id, uint64_t *end)
{
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = repo_prepare(r,
			  "SELECT coalesce(max(vol_offset + length), 0)"
			  " FROM dataset WHERE volume_id = ?",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, volume_id);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*end = (uint64_t)sqlite3_column_int64(st, 0);
	else
		rc = repo_errno(r, src);
	repo_finalize(r, st);
	return rc;
}

static int lock_file(const char *path, int *fd_out)
{
	int fd, rc;

	fd = volume_open_file(path, O_RDONLY);
	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		rc = -errno;
		close(fd);
		return rc == -EWOULDBLOCK ? -EBUSY : rc;
	}
	*fd_out = fd;
	return 0;
}

void pool_release(struct pool_writer *w)
{
	if (!w)
		return;
	volume_close(w->vol);
	if (w->lock_fd >= 0)
		close(w->lock_fd);
	free(w);
}

/*
 * Take an open volume out of use for appending, in the repository only:
 * the file is not touched.  State sealed (no further appends, shippable,
 * its registered data sets still catalogued and checked by verify) with
 * the file's real size, and a history row saying why.  failed marks the
 * row as a failure (damage) rather than a plain repair.
 */
static int retire_volume(struct repo *r, const struct pool_writer *w,
			 int failed, const char *why,
			 const struct pool_warn *warn)
{
	sqlite3_stmt *st = NULL;
	struct stat sb;
	char msg[768];
	int rc;

	snprintf(msg, sizeof(msg), "%s", why);
	rc = repo_begin(r);
	if (rc < 0)
		return rc;
	rc = repo_prepare(r,
			  "UPDATE volume SET state = 'sealed', size = ?,"
			  " sealed_us = ? WHERE id = ? AND state = 'open'",
			  &st);
	if (rc == 0) {
		sqlite3_bind_int64(
			st, 1, fstat(w->lock_fd, &sb) == 0 ? sb.st_size : 0);
		sqlite3_bind_int64(st, 2, rtime_now());
		sqlite3_bind_int64(st, 3, w->volume_id);
		rc = repo_step_done(r, st);
		repo_finalize(r, st);
	}
	if (rc == 0)
		rc = history_add(r, failed ? "volume retire" : "volume seal",
				 w->volser, failed ? -EIO : 0, msg);
	if (rc == 0)
		rc = repo_commit(r);
	else
		repo_rollback(r);
	if (rc == 0 && failed && warn && warn->fn) {
		snprintf(msg, sizeof(msg),
			 "volume '%s' no longer takes backups, its file is "
			 "left as it is: %s",
			 w->volser, why);
		warn->fn(warn->arg, msg);
	}
	return rc;
}

/* A file in the volume's place that is another volume (another home's
 * L00001, say) is damage: -EIO, and the volume is retired untouched. */
static int check_identity(const struct volume *v, const struct pool_writer *w,
			  const char *ident)
{
	const struct volume_label *l = volume_label(v);
	char have[VOLUME_IDENT_HEX];

	volume_ident_format(l->ident, have);
	if (strcmp(l->volser, w->volser) || (*ident && strcmp(ident, have)))
		return ruv_fail(-EIO,
				"wrong volume: '%s' holds volume %s%s%s, the "
				"catalog expects %s%s%s",
				w->path, l->volser, *have ? " identity " : "",
				have, w->volser, *ident ? " identity " : "",
				ident);
	return 0;
}

/*
 * Open a locked volume for appending and cut it back to what the
 * repository registered.  The file is looked at read-only first: only
 * when it holds every registered data set is it opened for writing, so
 * neither the torn-tail repair of volume_open() nor the cut back ever
 * goes below the registered end.  A volume that does not hold them
 * (truncated, its last data sets damaged, its label unreadable) is
 * retired untouched (APPEND_RETIRED, the reason in ruv_lasterr()); one
 * found sealed on disk is recorded sealed (APPEND_SEALED).
 */
enum { APPEND_SEALED = 1, APPEND_RETIRED };

static int open_for_append(struct repo *r, struct pool_writer *w,
			   const char *ident, const struct pool_warn *warn)
{
	struct volume *ro = NULL;
	char why[512];
	uint64_t end = 0;
	int sealed, rc;

	rc = registered_end(r, w->volume_id, &end);
	if (rc < 0)
		return rc;
	rc = volume_open(w->path, 0, &ro);
	if (rc == 0)
		rc = check_identity(ro, w, ident);
	if (rc == 0)
		rc = volume_check_end(ro, end);
	sealed = rc == 0 && volume_is_sealed(ro);
	volume_close(ro);
	if (rc == -EIO) {
		snprintf(why, sizeof(why), "%s", ruv_lasterr());
		rc = retire_volume(r, w, 1, why, warn);
		ruv_fail(-EIO, "%s", why);
		return rc < 0 ? rc : APPEND_RETIRED;
	}
	if (rc < 0)
		return rc;
	if (sealed) {
		rc = retire_volume(r, w, 0, "found sealed on disk", warn);
		return rc < 0 ? rc : APPEND_SEALED;
	}
	rc = volume_open(w->path, 1, &w->vol);
	if (rc < 0)
		return rc;
	return volume_truncate_after(w->vol, end);
}

/* An open volume of the pool, as listed before any is tried. */
struct candidate {
	int64_t id;
	char volser[7];
	char ident[VOLUME_IDENT_HEX];
	char path[PATH_MAX];
};

/* The open volumes of the pool, oldest first; *out freed by the caller. */
static int open_volumes(struct repo *r, const struct pool_row *p,
			struct candidate **out, size_t *n)
{
	struct candidate *v = NULL, *nv;
	char stored[PATH_MAX];
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int src, rc;

	*n = 0;
	rc = repo_prepare(r,
			  "SELECT id, volser, path, coalesce(ident, '')"
			  " FROM volume WHERE pool_id = ? AND state = 'open'"
			  " ORDER BY id",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, p->id);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = -ENOMEM;
				goto out;
			}
			v = nv;
		}
		v[*n].id = sqlite3_column_int64(st, 0);
		repo_column_text(st, 1, v[*n].volser, sizeof(v[*n].volser));
		repo_column_text(st, 2, stored, sizeof(stored));
		repo_column_text(st, 3, v[*n].ident, sizeof(v[*n].ident));
		rc = pool_join_path(r, p->directory, stored, v[*n].path,
				    sizeof(v[*n].path));
		if (rc < 0)
			goto out;
		(*n)++;
	}
	if (src != SQLITE_DONE)
		rc = repo_errno(r, src);
out:
	repo_finalize(r, st);
	if (rc < 0) {
		free(v);
		*n = 0;
		return rc;
	}
	*out = v;
	return 0;
}

/* Try the open volumes of the pool, oldest first.  The list is read
 * whole first: retiring one changes the rows being listed. */
static int take_open_volume(struct repo *r, const struct pool_row *p,
			    struct pool_writer *w, const struct pool_warn *warn)
{
	struct candidate *v = NULL;
	size_t n = 0, i;
	int rc;

	rc = open_volumes(r, p, &v, &n);
	if (rc < 0)
		return rc;
	rc = -ENOENT;
	for (i = 0; i < n; i++) {
		w->volume_id = v[i].id;
		memcpy(w->volser, v[i].volser, sizeof(w->volser));
		memcpy(w->path, v[i].path, sizeof(w->path));
		if (lock_file(w->path, &w->lock_fd) < 0)
			continue; /* busy with another writer, or missing */
		rc = open_for_append(r, w, v[i].ident, warn);
		if (rc == 0 && volume_size(w->vol) < p->capacity)
			break;
		volume_close(w->vol);
		w->vol = NULL;
		close(w->lock_fd);
		w->lock_fd = -1;
		/* Full, sealed, retired, or unusable now: try the next. */
		rc = -ENOENT;
	}
	free(v);
	return rc;
}

static int next_volser(struct repo *r, const struct pool_row *p, int64_t *volno,
		       char volser[7])
{
	sqlite3_stmt *st = NULL;
	int64_t max = 1;

	*volno = 0;
	int digits = 6 - (int)strlen(p->prefix), i, src, rc;

	for (i = 0; i < digits; i++)
		max *= 10;
	rc = repo_prepare(r,
			  "UPDATE pool SET next_volno = next_volno + 1"
			  " WHERE id = ? RETURNING next_volno - 1",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, p->id);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*volno = sqlite3_column_int64(st, 0);
	else
		rc = repo_errno(r, src);
	repo_finalize(r, st);
	if (rc < 0)
		return rc;
	if (*volno >= max)
		return ruv_fail(-ENOSPC,
				"pool '%s': all %lld VOLSERs with "
				"prefix %s are used",
				p->name, (long long)max - 1, p->prefix);
	if (snprintf(volser, 7, "%s%0*lld", p->prefix, digits,
		     (long long)*volno) != 6)
		return ruv_fail(-EINVAL, "pool '%s': bad VOLSER prefix",
				p->name);
	return 0;
}

/* A file left by an interrupted creation: adopt it if it holds nothing
 * (a whole label and no data set, or a label cut short by a crash). */
static int clear_leftover(const char *path)
{
	if (access(path, F_OK) < 0)
		return 0;
	if (!volume_is_torn_create(path) &&
	    volume_scan(path, NULL, NULL, NULL) != 0)
		return ruv_fail(-EEXIST,
				"volume file '%s' exists and is not "
				"in the repository; move it aside",
				path);
	return unlink(path) == 0 ? 0 : -errno;
}

static int create_volume(struct repo *r, const char *home,
			 const struct pool_row *p, struct pool_writer *w)
{
	struct config_pool cp = { 0 };
	char dir[PATH_MAX], ident[VOLUME_IDENT_HEX];
	sqlite3_stmt *st = NULL;
	int64_t volno = 0;
	int rc;

	snprintf(cp.directory, sizeof(cp.directory), "%s", p->directory);
	rc = config_pool_dir(&cp, home, dir, sizeof(dir));
	if (rc < 0)
		return rc;
	if (access(dir, F_OK) < 0) {
		rc = -errno;
		return ruv_fail(rc, "pool '%s': directory '%s': %s", p->name,
				dir, strerror(-rc));
	}
	rc = repo_begin(r);
	if (rc < 0)
		return rc;
	rc = next_volser(r, p, &volno, w->volser);
	if (rc < 0)
		goto out;
	if (snprintf(w->path, sizeof(w->path), "%s/%s", dir, w->volser) >=
	    (int)sizeof(w->path)) {
		rc = ruv_fail(-ENAMETOOLONG, "pool '%s': path too long",
			      p->name);
		goto out;
	}
	rc = clear_leftover(w->path);
	if (rc < 0)
		goto out;
	rc = volume_create(w->path, w->volser, p->name, p->capacity, &w->vol);
	if (rc < 0)
		goto out;
	volume_ident_format(volume_label(w->vol)->ident, ident);
	/* The path relative to the pool's directory: the file's name. */
	rc = repo_prepare(r,
			  "INSERT INTO volume(volser, pool_id, state, path,"
			  " created_us, size, ident)"
			  " VALUES (?, ?, 'open', ?, ?, ?, ?)",
			  &st);
	if (rc < 0)
		goto out;
	repo_bind_text(st, 1, w->volser);
	sqlite3_bind_int64(st, 2, p->id);
	repo_bind_text(st, 3, w->volser);
	sqlite3_bind_int64(st, 4, rtime_now());
	sqlite3_bind_int64(st, 5, VOLUME_LABEL_SIZE); /* the label alone */
	repo_bind_text(st, 6, ident);
	rc = repo_step_done(r, st);
	if (rc < 0)
		goto out;
	w->volume_id = sqlite3_last_insert_rowid(r->db);
	rc = lock_file(w->path, &w->lock_fd);
	if (rc < 0)
		goto out;
	rc = repo_commit(r);
	if (rc < 0)
		unlink(w->path);
out:
	repo_finalize(r, st);
	if (rc < 0)
		repo_rollback(r);
	return rc;
}

int pool_acquire(struct repo *r, const char *home, const char *name,
		 const struct pool_warn *warn, struct pool_writer **out)
{
	struct pool_writer *w;
	struct pool_row p;
	int rc;

	rc = pool_lookup(r, name, &p);
	if (rc < 0)
		return rc;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->lock_fd = -1;
	w->pool_id = p.id;
	w->location_id = p.location_id;
	w->capacity = p.capacity;
	rc = take_open_volume(r, &p, w, warn);
	if (rc == -ENOENT)
		rc = create_volume(r, home, &p, w);
	if (rc < 0) {
		pool_release(w);
		return rc;
	}
	*out = w;
	return 0;
}

int pool_note_written(struct repo *r, struct pool_writer *w)
{
	sqlite3_stmt *st = NULL;
	uint64_t size = volume_bytes(w->vol);
	int rc;

	/* A volume that reached capacity is sealed by pool_seal_if_full()
	 * right after this commits: record the size it has then, end mark
	 * included.  sealed_us stays NULL while below capacity. */
	if (!volume_is_sealed(w->vol) && size >= w->capacity)
		size += VOLUME_END_MARK_SIZE;
	rc = repo_prepare(r,
			  "UPDATE volume SET size = ?1,"
			  " state = CASE WHEN ?5 >= ?2 THEN 'sealed'"
			  "  ELSE state END,"
			  " sealed_us = CASE WHEN ?5 >= ?2 THEN ?3"
			  "  ELSE sealed_us END"
			  " WHERE id = ?4",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, (int64_t)size);
	sqlite3_bind_int64(st, 2, (int64_t)w->capacity);
	sqlite3_bind_int64(st, 3, rtime_now());
	sqlite3_bind_int64(st, 4, w->volume_id);
	sqlite3_bind_int64(st, 5, (int64_t)volume_size(w->vol));
	rc = repo_step_done(r, st);
	repo_finalize(r, st);
	return rc;
}

int pool_seal_if_full(struct pool_writer *w, int *sealed)
{
	*sealed = volume_size(w->vol) >= w->capacity;
	if (!*sealed)
		return 0;
	/* Makes the file as long as pool_note_written() recorded. */
	return volume_seal(w->vol);
}

int pool_volume_path(struct repo *r, const char *volser, char *buf, size_t len)
{
	char stored[PATH_MAX], dir[PATH_MAX], path[PATH_MAX];
	char ident[VOLUME_IDENT_HEX];
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = repo_prepare(r,
			  "SELECT v.path, p.directory, coalesce(v.ident, '')"
			  " FROM volume v JOIN pool p ON p.id = v.pool_id"
			  " WHERE v.volser = ?",
			  &st);
	if (rc < 0)
		return rc;
	repo_bind_text(st, 1, volser);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		repo_column_text(st, 0, stored, sizeof(stored));
		repo_column_text(st, 1, dir, sizeof(dir));
		repo_column_text(st, 2, ident, sizeof(ident));
		rc = pool_join_path(r, dir, stored, path, sizeof(path));
		if (rc == 0)
			rc = pool_locate(r, volser, ident, path, buf, len, NULL,
					 0);
	} else if (src == SQLITE_DONE) {
		rc = ruv_fail(-ENOENT, "volume '%s' is not in the repository",
			      volser);
	} else
		rc = repo_errno(r, src);
	repo_finalize(r, st);
	return rc;
}

int pool_seal_volume(struct repo *r, const char *volser)
{
	char name[NAMES_VOLSER_LEN + 1], state[16] = "", why[512];
	char stored[PATH_MAX], dir[PATH_MAX], ident[VOLUME_IDENT_HEX] = "";
	struct pool_writer w = { .lock_fd = -1 };
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = names_volser_check(volser, name, sizeof(name));
	if (rc < 0)
		return rc;
	rc = repo_prepare(r,
			  "SELECT v.id, v.path, v.state, p.directory,"
			  " coalesce(v.ident, '') FROM volume v"
			  " JOIN pool p ON p.id = v.pool_id WHERE v.volser = ?",
			  &st);
	if (rc < 0)
		return rc;
	repo_bind_text(st, 1, name);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		w.volume_id = sqlite3_column_int64(st, 0);
		repo_column_text(st, 1, stored, sizeof(stored));
		repo_column_text(st, 2, state, sizeof(state));
		repo_column_text(st, 3, dir, sizeof(dir));
		repo_column_text(st, 4, ident, sizeof(ident));
		rc = pool_join_path(r, dir, stored, w.path, sizeof(w.path));
	}
	repo_finalize(r, st);
	if (rc < 0)
		return rc;
	if (src == SQLITE_DONE)
		return ruv_fail(-ENOENT, "volume '%s' is not in the repository",
				name);
	if (src != SQLITE_ROW)
		return repo_errno(r, src);
	if (strcmp(state, "open"))
		return 0;
	/* Wait for a writer to finish, then repair, mark the end, record. */
	w.lock_fd = volume_open_file(w.path, O_RDONLY);
	if (w.lock_fd < 0 || flock(w.lock_fd, LOCK_EX) < 0) {
		rc = w.lock_fd < 0 ? w.lock_fd : -errno;
		ruv_fail(rc, "volume '%s' (%s): %s", name, w.path,
			 strerror(-rc));
		goto out;
	}
	/* Found sealed on disk (a crash after the end mark, before the
	 * repository heard of it) or damaged: open_for_append() recorded
	 * it sealed. */
	memcpy(w.volser, name, sizeof(w.volser));
	rc = open_for_append(r, &w, ident, NULL);
	if (rc == APPEND_RETIRED) {
		snprintf(why, sizeof(why), "%s", ruv_lasterr());
		rc = ruv_fail(-EIO,
			      "volume '%s' is sealed in the repository only, "
			      "its file is left as it is: %s",
			      name, why);
		goto out;
	}
	if (rc == APPEND_SEALED) {
		rc = 0;
		goto out;
	}
	if (rc == 0)
		rc = volume_seal(w.vol);
	if (rc < 0)
		goto out;
	rc = repo_begin(r);
	if (rc < 0)
		goto out;
	rc = repo_prepare(r,
			  "UPDATE volume SET state = 'sealed', size = ?,"
			  " sealed_us = ? WHERE id = ?",
			  &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, (int64_t)volume_bytes(w.vol));
		sqlite3_bind_int64(st, 2, rtime_now());
		sqlite3_bind_int64(st, 3, w.volume_id);
		rc = repo_step_done(r, st);
		repo_finalize(r, st);
	}
	if (rc == 0)
		rc = history_add(r, "volume seal", name, 0, "");
	if (rc == 0)
		rc = repo_commit(r);
	else
		repo_rollback(r);
out:
	volume_close(w.vol);
	if (w.lock_fd >= 0)
		close(w.lock_fd);
	return rc;
}

int pool_seal_volumes(struct repo *r, char *const *volsers, unsigned n,
		      void (*cb)(const char *volser, void *), void *arg)
{
	struct pool_volume_info v;
	char name[NAMES_VOLSER_LEN + 1], other[NAMES_VOLSER_LEN + 1];
	unsigned i, k;
	int rc;

	for (i = 0; i < n; i++) {
		rc = names_volser_check(volsers[i], name, sizeof(name));
		if (rc < 0)
			return rc;
		for (k = 0; k < i; k++)
			if (names_volser_check(volsers[k], other,
					       sizeof(other)) >= 0 &&
			    !strcmp(name, other))
				return ruv_fail(-EINVAL,
						"volume '%s' is named twice; "
						"nothing sealed",
						name);
		rc = pool_volume_find(r, name, &v);
		if (rc == -ENOENT)
			return ruv_fail(rc,
					"volume '%s' is not in the "
					"repository",
					name);
		if (rc < 0)
			return rc;
		if (strcmp(v.state, "open"))
			return ruv_fail(-EEXIST, "volume '%s' is already %s",
					name, v.state);
	}
	for (i = 0; i < n; i++) {
		rc = pool_seal_volume(r, volsers[i]);
		if (rc < 0)
			return rc;
		if (cb)
			cb(volsers[i], arg);
	}
	return 0;
}

/* A location a pool names must be in the repository: a name the
 * configuration got wrong would otherwise become a location of its own,
 * and the copies written there would be in no location anyone toggles. */
static int check_locations(struct repo *r, const struct config *cfg)
{
	int64_t id;
	unsigned i;
	int rc;

	for (i = 0; i < cfg->npools; i++) {
		rc = repo_one(r, "SELECT id FROM location WHERE name = ?",
			      REPO_ARGS(REPO_TEXT(cfg->pools[i].location)),
			      repo_row_int64, &id);
		if (rc == -ENOENT)
			return ruv_fail(-ENOENT,
					"pool '%s': location '%s' is not "
					"defined; define it with 'ruv location "
					"define %s', or correct the pool's "
					"location in the configuration",
					cfg->pools[i].name,
					cfg->pools[i].location,
					cfg->pools[i].location);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int pool_sync(struct repo *r, const struct config *cfg)
{
	int rc = check_locations(r, cfg);

	return rc < 0 ? rc : pool_sync_init(r, cfg);
}

int pool_sync_init(struct repo *r, const struct config *cfg)
{
	sqlite3_stmt *st = NULL;
	unsigned i;
	int rc;

	rc = repo_prepare(r,
			  "INSERT INTO location(name, active, created_us)"
			  " SELECT ?1, 0, ?2 WHERE NOT EXISTS (SELECT 1 FROM"
			  " location WHERE name = ?1)",
			  &st);
	for (i = 0; rc == 0 && i < cfg->npools; i++) {
		repo_bind_text(st, 1, cfg->pools[i].location);
		sqlite3_bind_int64(st, 2, rtime_now());
		rc = repo_step_done(r, st);
		sqlite3_reset(st);
	}
	repo_finalize(r, st);
	st = NULL;
	if (rc < 0)
		return rc;
	rc = repo_prepare(r,
			  "INSERT INTO pool(name, directory, prefix,"
			  " capacity, location_id) SELECT ?1, ?2, ?3, ?4, id"
			  " FROM location WHERE name = ?5"
			  " ON CONFLICT(name) DO UPDATE SET"
			  " directory = excluded.directory,"
			  " prefix = excluded.prefix,"
			  " capacity = excluded.capacity,"
			  " location_id = excluded.location_id"
			  " WHERE directory IS NOT excluded.directory"
			  " OR prefix IS NOT excluded.prefix"
			  " OR capacity IS NOT excluded.capacity"
			  " OR location_id IS NOT excluded.location_id",
			  &st);
	for (i = 0; rc == 0 && i < cfg->npools; i++) {
		repo_bind_text(st, 1, cfg->pools[i].name);
		repo_bind_text(st, 2, cfg->pools[i].directory);
		repo_bind_text(st, 3, cfg->pools[i].prefix);
		sqlite3_bind_int64(st, 4, (int64_t)cfg->pools[i].capacity);
		repo_bind_text(st, 5, cfg->pools[i].location);
		rc = repo_step_done(r, st);
		sqlite3_reset(st);
	}
	repo_finalize(r, st);
	if (rc == -EEXIST)
		rc = ruv_fail(-EEXIST,
			      "the configuration gives a pool a VOLSER"
			      " prefix that another pool in the repository "
			      "has");
	return rc;
}

static void row_to_pool(sqlite3_stmt *st, struct pool_info *p)
{
	p->id = sqlite3_column_int64(st, 0);
	repo_column_text(st, 1, p->name, sizeof(p->name));
	repo_column_text(st, 2, p->prefix, sizeof(p->prefix));
	p->capacity = (uint64_t)sqlite3_column_int64(st, 3);
}

static int pool_query(struct repo *r, const char *where, int64_t id,
		      const char *name,
		      int (*cb)(const struct pool_info *, void *), void *arg)
{
	struct pool_info p;
	sqlite3_stmt *st = NULL;
	char sql[256];
	int src, rc, n = 0;

	snprintf(sql, sizeof(sql),
		 "SELECT id, name, prefix, capacity FROM"
		 " pool %s ORDER BY name",
		 where);
	rc = repo_prepare(r, sql, &st);
	if (rc < 0)
		return rc;
	if (id)
		sqlite3_bind_int64(st, 1, id);
	if (name)
		repo_bind_text(st, 1, name);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_pool(st, &p);
		n++;
		rc = cb(&p, arg);
		if (rc)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = repo_errno(r, src);
	else if (!n && (id || name))
		rc = -ENOENT;
out:
	repo_finalize(r, st);
	return rc;
}

int pool_list(struct repo *r, int (*cb)(const struct pool_info *, void *),
	      void *arg)
{
	return pool_query(r, "", 0, NULL, cb, arg);
}

static int copy_pool(const struct pool_info *p, void *arg)
{
	*(struct pool_info *)arg = *p;
	return 0;
}

int pool_get(struct repo *r, int64_t id, struct pool_info *out)
{
	return pool_query(r, "WHERE id = ?1", id, NULL, copy_pool, out);
}

int pool_find(struct repo *r, const char *name, struct pool_info *out)
{
	return pool_query(r, "WHERE name = ?1", 0, name, copy_pool, out);
}

#define VOLUME_SELECT                                                          \
	"SELECT id, pool_id, volser, state, path, size, created_us,"           \
	" coalesce(sealed_us, 0), coalesce(shipment_id, 0),"                   \
	" (SELECT count(*) FROM dataset WHERE volume_id = volume.id),"         \
	" (SELECT directory FROM pool WHERE id = volume.pool_id),"             \
	" coalesce(ident, '')"                                                 \
	" FROM volume"

static void row_to_volume(struct repo *r, sqlite3_stmt *st,
			  struct pool_volume_info *v)
{
	char stored[PATH_MAX], dir[PATH_MAX];

	v->id = sqlite3_column_int64(st, 0);
	v->pool_id = sqlite3_column_int64(st, 1);
	repo_column_text(st, 2, v->volser, sizeof(v->volser));
	repo_column_text(st, 3, v->state, sizeof(v->state));
	repo_column_text(st, 4, stored, sizeof(stored));
	repo_column_text(st, 10, dir, sizeof(dir));
	if (pool_join_path(r, dir, stored, v->path, sizeof(v->path)) < 0)
		snprintf(v->path, sizeof(v->path), "%s", stored);
	repo_column_text(st, 11, v->ident, sizeof(v->ident));
	v->size = (uint64_t)sqlite3_column_int64(st, 5);
	v->created_us = sqlite3_column_int64(st, 6);
	v->sealed_us = sqlite3_column_int64(st, 7);
	v->shipment_id = sqlite3_column_int64(st, 8);
	v->datasets = (uint64_t)sqlite3_column_int64(st, 9);
}

int pool_volume_list(struct repo *r, int64_t pool_id, int64_t after_id,
		     unsigned limit,
		     int (*cb)(const struct pool_volume_info *, void *),
		     void *arg)
{
	struct pool_volume_info v;
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = repo_prepare(r,
			  VOLUME_SELECT " WHERE (?1 = 0 OR pool_id = ?1)"
					" AND id > ?2 ORDER BY id LIMIT ?3",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, pool_id);
	sqlite3_bind_int64(st, 2, after_id);
	sqlite3_bind_int64(st, 3, limit ? (int64_t)limit : -1);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_volume(r, st, &v);
		rc = cb(&v, arg);
		if (rc)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = repo_errno(r, src);
out:
	repo_finalize(r, st);
	return rc;
}

static int volume_one(struct repo *r, const char *where, int64_t id,
		      const char *volser, struct pool_volume_info *out)
{
	sqlite3_stmt *st = NULL;
	char sql[512];
	int src, rc;

	snprintf(sql, sizeof(sql), "%s %s", VOLUME_SELECT, where);
	rc = repo_prepare(r, sql, &st);
	if (rc < 0)
		return rc;
	if (volser)
		repo_bind_text(st, 1, volser);
	else
		sqlite3_bind_int64(st, 1, id);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		row_to_volume(r, st, out);
	repo_finalize(r, st);
	if (src == SQLITE_DONE)
		return -ENOENT;
	return src == SQLITE_ROW ? 0 : repo_errno(r, src);
}

int pool_volume_get(struct repo *r, int64_t id, struct pool_volume_info *out)
{
	return volume_one(r, "WHERE id = ?1", id, NULL, out);
}

int pool_volume_find(struct repo *r, const char *volser,
		     struct pool_volume_info *out)
{
	return volume_one(r, "WHERE volser = ?1", 0, volser, out);
}
