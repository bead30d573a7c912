// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Backup copies: listing, choosing one for a restore, checking, restoring.
 *
 * Listing is one indexed join ordered by (DSN, start, copy).  Restoring
 * streams the data set a chunk at a time through a volume reader, which
 * checks each chunk's checksums before its bytes are used, into a
 * temporary file that is renamed over the target only once complete and
 * synced: a damaged copy never leaves a partial file behind.
 *
 * Every read of a copy starts in copy_open_reader(): the volume file must
 * be this volume and the data set at the registered offset the one the
 * catalog registered, so a file that only has the right name (another
 * home's L00001) is never read as ours.  The target of a restore is
 * reached through directory descriptors opened without following links
 * (open_target_dir()), and only a regular file is ever replaced.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog_int.h"
#include "history.h"
#include "pool.h"
#include "copy.h"
#include "errmsg.h"
#include "file.h"
#include "location.h"
#include "rtime.h"
#include "volume.h"

/* Kinds of copy: of a backup (B), of the repository (R), of the JCL
 * library (J).  The name a non-backup copy goes by stands in for a DSN. */
#define COPY_SELECT                                                            \
	"SELECT c.id,"                                                         \
	" coalesce(c.backup_id, c.repo_backup_id, c.jcl_backup_id,"            \
	"  c.archive_id), d.id, v.id, " COPY_SQL_DSN                           \
	" AS name_dsn, " COPY_SQL_TIME " AS time_us,"                          \
	" coalesce(b.end_us, rb.created_us, jb.created_us, d.created_us),"     \
	" coalesce(b.size, d.raw_size), d.stored_size, c.copy_no, l.name,"     \
	" l.active, c.usable, coalesce(b.changed, 0), coalesce(b.uid, 0),"     \
	" coalesce(b.gid, 0), coalesce(b.mode, 33152), v.volser, v.path,"      \
	" d.seq, d.vol_offset, d.length, " COPY_SQL_KIND                       \
	" AS copy_kind, coalesce(v.ident, ''), d.kind, d.name, d.created_us,"  \
	" d.checksum, p.directory" COPY_SQL_FROM                               \
	" JOIN pool p ON p.id = v.pool_id"

/* The same columns for backup copies only: inner joins on backup and
 * file, so a DSN filter can drive the query from the file. */
#define COPY_SELECT_BACKUPS                                                    \
	"SELECT c.id, c.backup_id, d.id, v.id, f.dsn AS name_dsn,"             \
	" b.start_us AS time_us, b.end_us, b.size, d.stored_size, c.copy_no,"  \
	" l.name, l.active, c.usable, b.changed, b.uid, b.gid, b.mode,"        \
	" v.volser, v.path, d.seq, d.vol_offset, d.length, 'B' AS copy_kind,"  \
	" coalesce(v.ident, ''), d.kind, d.name, d.created_us, d.checksum,"    \
	" p.directory"                                                         \
	" FROM file f JOIN backup b ON b.file_id = f.id"                       \
	" JOIN copy c ON c.backup_id = b.id"                                   \
	" JOIN location l ON l.id = c.location_id"                             \
	" JOIN dataset d ON d.id = c.dataset_id"                               \
	" JOIN volume v ON v.id = d.volume_id"                                 \
	" JOIN pool p ON p.id = v.pool_id"

static void row_to_copy(struct repo *r, sqlite3_stmt *st, struct copy_info *ci)
{
	char stored[PATH_MAX], dir[PATH_MAX];

	ci->copy_id = sqlite3_column_int64(st, 0);
	ci->backup_id = sqlite3_column_int64(st, 1);
	ci->dataset_id = sqlite3_column_int64(st, 2);
	ci->volume_id = sqlite3_column_int64(st, 3);
	repo_column_text(st, 4, ci->dsn, sizeof(ci->dsn));
	ci->start_us = sqlite3_column_int64(st, 5);
	ci->end_us = sqlite3_column_int64(st, 6);
	ci->size = (uint64_t)sqlite3_column_int64(st, 7);
	ci->stored = (uint64_t)sqlite3_column_int64(st, 8);
	ci->copy_no = (unsigned)sqlite3_column_int(st, 9);
	repo_column_text(st, 10, ci->location, sizeof(ci->location));
	ci->location_active = sqlite3_column_int(st, 11);
	ci->usable = sqlite3_column_int(st, 12);
	ci->changed = sqlite3_column_int(st, 13);
	ci->uid = (uid_t)sqlite3_column_int64(st, 14);
	ci->gid = (gid_t)sqlite3_column_int64(st, 15);
	ci->mode = (mode_t)sqlite3_column_int64(st, 16);
	repo_column_text(st, 17, ci->volser, sizeof(ci->volser));
	repo_column_text(st, 18, stored, sizeof(stored));
	ci->seq = (uint32_t)sqlite3_column_int64(st, 19);
	ci->vol_offset = (uint64_t)sqlite3_column_int64(st, 20);
	ci->ds_length = (uint64_t)sqlite3_column_int64(st, 21);
	ci->kind = (char)sqlite3_column_text(st, 22)[0];
	repo_column_text(st, 23, ci->volume_ident, sizeof(ci->volume_ident));
	repo_column_text(st, 24, ci->ds_kind, sizeof(ci->ds_kind));
	repo_column_text(st, 25, ci->ds_name, sizeof(ci->ds_name));
	ci->ds_created_us = sqlite3_column_int64(st, 26);
	ci->ds_checksum = (uint32_t)sqlite3_column_int64(st, 27);
	repo_column_text(st, 28, dir, sizeof(dir));
	if (pool_join_path(r, dir, stored, ci->volume_path,
			   sizeof(ci->volume_path)) < 0)
		snprintf(ci->volume_path, sizeof(ci->volume_path), "%s",
			 stored);
}

/* Where the copy's volume is at this site (pool_locate()); volume_path
 * is left where its pool keeps it when no file is this volume, for
 * copy_open_reader() to say so. */
static void locate(struct repo *r, struct copy_info *ci)
{
	char found[PATH_MAX];

	if (pool_locate(r, ci->volser, ci->volume_ident, ci->volume_path, found,
			sizeof(found), NULL, 0) == 0)
		snprintf(ci->volume_path, sizeof(ci->volume_path), "%s", found);
	ruv_clearerr();
}

static int volume_id_of(struct repo *r, const char *volser, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = repo_prepare(r, "SELECT id FROM volume WHERE volser = ?", &st);
	if (rc < 0)
		return rc;
	repo_bind_text(st, 1, volser);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (src == SQLITE_DONE)
		rc = ruv_fail(-ENOENT, "volume '%s' is not in the repository",
			      volser);
	else if (src != SQLITE_ROW)
		rc = repo_errno(r, src);
	repo_finalize(r, st);
	return rc;
}

/* Resolve the filter's names so an unknown one is an error, not "none". */
static int check_filter(struct repo *r, const struct copy_filter *f, char *dsn,
			char *volser)
{
	struct location_info li;
	struct file_info fi;
	int rc;

	if (f->dsn) {
		rc = file_lookup(r, f->dsn, &fi);
		if (rc < 0)
			return rc;
		snprintf(dsn, NAMES_DSN_MAX + 1, "%s", fi.dsn);
	}
	if (f->location) {
		rc = location_lookup(r, f->location, &li);
		if (rc < 0)
			return rc;
	}
	if (f->volser) {
		rc = names_volser_check(f->volser, volser,
					NAMES_VOLSER_LEN + 1);
		if (rc < 0)
			return rc;
		int64_t id;

		rc = volume_id_of(r, volser, &id);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * The listing query is built from the filters given, so that each one is
 * an indexed equality (location, file, volume) and a paged listing walks
 * copy(location_id, id) in order instead of sorting.  Backup copies only
 * (a DSN filter, or kind B) join backup and file as inner joins, which
 * lets the planner start from the file.
 */
int copy_list(struct repo *r, const struct copy_filter *f,
	      int (*cb)(const struct copy_info *, void *), void *arg)
{
	char dsn[NAMES_DSN_MAX + 1], volser[NAMES_VOLSER_LEN + 1];
	char sql[4096], where[512] = "";
	struct location_info li;
	struct file_info fi;
	struct copy_info ci;
	sqlite3_stmt *st = NULL;
	int64_t vol_id = 0;
	int src, rc, backups_only = f->dsn || f->kind == 'B';
	size_t w = 0;

	rc = check_filter(r, f, dsn, volser);
	if (rc < 0)
		return rc;
#define WHERE(cond)                                                            \
	w += (size_t)snprintf(where + w, sizeof(where) - w, "%s%s",            \
			      w ? " AND " : " WHERE ", cond)
	if (f->dsn) {
		rc = file_lookup(r, f->dsn, &fi);
		if (rc < 0)
			return rc;
		WHERE("b.file_id = ?1");
	}
	if (f->location) {
		rc = location_lookup(r, f->location, &li);
		if (rc < 0)
			return rc;
		WHERE("c.location_id = ?2");
	}
	if (f->volser) {
		rc = volume_id_of(r, volser, &vol_id);
		if (rc < 0)
			return rc;
		WHERE("d.volume_id = ?3");
	}
	if (f->backup_id)
		WHERE("c.backup_id = ?4");
	if (f->copy_no)
		WHERE("c.copy_no = ?5");
	if (f->after_id)
		WHERE("c.id > ?6");
	if (f->kind && f->kind != 'B')
		WHERE(f->kind == 'R'   ? "c.repo_backup_id IS NOT NULL"
		      : f->kind == 'A' ? "c.archive_id IS NOT NULL"
				       : "c.jcl_backup_id IS NOT NULL");
	else if (f->kind == 'B')
		WHERE("c.backup_id IS NOT NULL");
#undef WHERE
	snprintf(sql, sizeof(sql), "%s%s%s LIMIT ?8",
		 backups_only ? COPY_SELECT_BACKUPS : COPY_SELECT, where,
		 f->limit ? " ORDER BY c.id"
			  : " ORDER BY name_dsn, time_us, 2, c.copy_no");
	rc = repo_prepare(r, sql, &st);
	if (rc < 0)
		return rc;
	if (f->dsn)
		sqlite3_bind_int64(st, 1, fi.id);
	if (f->location)
		sqlite3_bind_int64(st, 2, li.id);
	if (f->volser)
		sqlite3_bind_int64(st, 3, vol_id);
	if (f->backup_id)
		sqlite3_bind_int64(st, 4, f->backup_id);
	if (f->copy_no)
		sqlite3_bind_int(st, 5, (int)f->copy_no);
	if (f->after_id)
		sqlite3_bind_int64(st, 6, f->after_id);
	sqlite3_bind_int64(st, 8, f->limit ? (int64_t)f->limit : -1);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_copy(r, st, &ci);
		if (f->resolve)
			locate(r, &ci);
		rc = cb(&ci, arg);
		if (rc)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = repo_errno(r, src);
out:
	repo_finalize(r, st);
	return rc;
}

/* Say precisely why nothing was selected. */
static int explain_none(struct repo *r, const struct file_info *fi,
			int64_t at_us, unsigned copy_no)
{
	char when[RTIME_ISO_MAX];
	sqlite3_stmt *st = NULL;
	int64_t nbackups = 0, before = 0, with_copy = 0;
	int src, rc;

	rc = repo_prepare(r,
			  "SELECT count(*), count(*) FILTER (WHERE"
			  " start_us <= ?2), (SELECT count(*) FROM copy c"
			  " JOIN backup b2 ON b2.id = c.backup_id WHERE"
			  " b2.file_id = ?1 AND b2.start_us <= ?2 AND"
			  " c.copy_no = ?3) FROM backup WHERE file_id = ?1",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, fi->id);
	sqlite3_bind_int64(st, 2, at_us);
	sqlite3_bind_int(st, 3, (int)copy_no);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		nbackups = sqlite3_column_int64(st, 0);
		before = sqlite3_column_int64(st, 1);
		with_copy = sqlite3_column_int64(st, 2);
	}
	repo_finalize(r, st);
	if (src != SQLITE_ROW)
		return repo_errno(r, src);
	rtime_format_iso(at_us, when, sizeof(when));
	if (!nbackups)
		return ruv_fail(-ENOENT, "'%s' has no backups", fi->dsn);
	if (!before)
		return ruv_fail(-ENOENT,
				"'%s' has no backup started at or "
				"before %s",
				fi->dsn, when);
	if (copy_no && !with_copy)
		return ruv_fail(-ENOENT,
				"'%s' has no copy %u of a backup at "
				"or before %s",
				fi->dsn, copy_no, when);
	if (copy_no)
		return ruv_fail(-ENOENT,
				"copy %u of the backups of '%s' at or "
				"before %s is in an inactive location or "
				"marked unusable",
				copy_no, fi->dsn, when);
	return ruv_fail(-ENOENT,
			"no backup of '%s' at or before %s has a "
			"copy in an active location",
			fi->dsn, when);
}

/* check: open each candidate (copy_choose()), else take the first. */
static int select_copy(struct repo *r, const char *dsn, int64_t at_us,
		       unsigned copy_no, int check, struct copy_info *out)
{
	struct volume_reader *vr = NULL;
	struct file_info fi;
	struct copy_info ci;
	sqlite3_stmt *st = NULL;
	int64_t first_backup = 0;
	char why[1024] = "";
	size_t w;
	int src, rc, first_rc = 0;

	rc = file_lookup(r, dsn, &fi);
	if (rc < 0)
		return rc;
	rc = repo_prepare(r,
			  COPY_SELECT
			  " WHERE b.file_id = ?1 AND b.start_us <= ?2"
			  " AND l.active = 1 AND c.usable = 1"
			  " AND (?3 = 0 OR c.copy_no = ?3)"
			  " ORDER BY b.start_us DESC, b.id DESC, c.copy_no",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, fi.id);
	sqlite3_bind_int64(st, 2, at_us);
	sqlite3_bind_int(st, 3, (int)copy_no);
	rc = 1; /* no row yet */
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_copy(r, st, &ci);
		if (rc != 1 && ci.backup_id != first_backup)
			break; /* never an older backup instead */
		first_backup = ci.backup_id;
		locate(r, &ci);
		if (!check) {
			*out = ci;
			rc = 0;
			break;
		}
		ruv_clearerr();
		rc = copy_open_reader(&ci, &vr);
		volume_reader_close(vr);
		vr = NULL;
		if (rc == 0) {
			*out = ci;
			break;
		}
		if (!first_rc)
			first_rc = rc;
		w = strlen(why);
		snprintf(why + w, sizeof(why) - w, "%s%s", w ? "; " : "",
			 *ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
	}
	repo_finalize(r, st);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return repo_errno(r, src);
	if (rc == 1)
		return explain_none(r, &fi, at_us, copy_no);
	if (rc < 0)
		return ruv_fail(first_rc, "%s", why);
	/* What was passed over, for the caller to warn of ("" if none). */
	if (why[0])
		ruv_fail(0, "%s", why);
	else
		ruv_clearerr();
	return 0;
}

/* "NAME (seq N, written TIME)" of what a header or the catalog says. */
static void describe(char *buf, size_t len, const char *name, uint32_t seq,
		     int64_t created_us)
{
	char when[RTIME_ISO_MAX];

	rtime_format_iso(created_us, when, sizeof(when));
	snprintf(buf, len, "%s (seq %u, written %s)", name, seq, when);
}

static int wrong_volume(const struct copy_info *ci,
			const struct volume_dataset_info *di,
			const char *label_ident)
{
	char have[160], want[160];

	if (di) {
		memcpy(have, "data set ", 9);
		describe(have + 9, sizeof(have) - 9, di->name, di->seq,
			 di->created_us);
	} else {
		snprintf(have, sizeof(have), "no data set at offset %llu",
			 (unsigned long long)ci->vol_offset);
	}
	describe(want, sizeof(want), ci->ds_name, ci->seq, ci->ds_created_us);
	return ruv_fail(-EIO,
			"copy %u of '%s': wrong volume: %s holds %s, "
			"the catalog expects data set %s%s%s%s%s ('%s')",
			ci->copy_no, ci->dsn, ci->volser, have, want,
			label_ident ? "; its identity is " : "",
			label_ident ? (*label_ident ? label_ident : "none")
				    : "",
			label_ident ? ", the catalog's " : "",
			label_ident ? ci->volume_ident : "", ci->volume_path);
}

/* Does the header say what the catalog registered?  The checksum names
 * the content, the name and the time (µs) the backup; the place is the
 * offset the reader opened at, and the reader has already checked it
 * against the footer, so the seq is only reported, not compared. */
static int same_dataset(const struct copy_info *ci,
			const struct volume_dataset_info *di)
{
	return di->created_us == ci->ds_created_us &&
	       di->checksum == ci->ds_checksum &&
	       !strcmp(di->name, ci->ds_name) &&
	       !strcmp(volume_kind_name(di->kind), ci->ds_kind);
}

int copy_open_reader(const struct copy_info *ci, struct volume_reader **out)
{
	char have[VOLUME_IDENT_HEX];
	struct volume_reader *vr = NULL;
	struct volume_label label;
	int rc, other = 0;

	if (access(ci->volume_path, F_OK) < 0)
		return ruv_fail(-ENOENT,
				"copy %u of '%s': volume %s is MISSING: no "
				"file '%s', not catalogued, not on volume_path:"
				" catalogue it with ruv catalog",
				ci->copy_no, ci->dsn, ci->volser,
				ci->volume_path);
	/* A damaged label does not hide the data: the header check below
	 * still names the data set exactly. */
	if (volume_label_read(ci->volume_path, &label) == 0) {
		volume_ident_format(label.ident, have);
		other = strcmp(label.volser, ci->volser) ||
			(*ci->volume_ident && strcmp(have, ci->volume_ident));
	}
	ruv_clearerr();
	rc = volume_reader_open(ci->volume_path, ci->vol_offset, ci->ds_length,
				&vr);
	if (other) {
		rc = wrong_volume(ci, rc == 0 ? volume_reader_info(vr) : NULL,
				  have);
		volume_reader_close(vr);
		return rc;
	}
	if (rc < 0)
		return ruv_fail(rc,
				"copy %u of '%s' (volume %s, data set %u):"
				" %s",
				ci->copy_no, ci->dsn, ci->volser, ci->seq,
				*ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
	if (!same_dataset(ci, volume_reader_info(vr))) {
		rc = wrong_volume(ci, volume_reader_info(vr), NULL);
		volume_reader_close(vr);
		return rc;
	}
	*out = vr;
	return 0;
}

int copy_verify(const struct copy_info *ci)
{
	struct volume_reader *vr = NULL;
	int rc;

	rc = copy_open_reader(ci, &vr);
	if (rc < 0)
		return rc;
	rc = volume_reader_verify(vr);
	if (rc < 0)
		ruv_fail(rc, "copy %u of '%s' (volume %s, data set %u): %s",
			 ci->copy_no, ci->dsn, ci->volser, ci->seq,
			 *ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
	else if (volume_reader_info(vr)->raw_size != ci->size)
		rc = ruv_fail(
			-EIO,
			"copy %u of '%s' (volume %s, data set %u):"
			" holds %llu bytes, the repository says %llu",
			ci->copy_no, ci->dsn, ci->volser, ci->seq,
			(unsigned long long)volume_reader_info(vr)->raw_size,
			(unsigned long long)ci->size);
	volume_reader_close(vr);
	return rc;
}

static int all_zero(const unsigned char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static int write_all(int fd, const unsigned char *p, size_t n, off_t off)
{
	ssize_t w;

	while (n) {
		w = pwrite(fd, p, n, off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

/*
 * Write buf at off, leaving holes for 4 KiB blocks of zeros: a sparse file
 * comes back sparse, and runs of data are still written in one call.
 */
static int write_nonzero(int fd, const unsigned char *buf, size_t n,
			 uint64_t off)
{
	const size_t blk = 4096;
	size_t i = 0, start, len;
	int rc;

	while (i < n) {
		len = n - i < blk ? n - i : blk;
		if (all_zero(buf + i, len)) {
			i += len;
			continue;
		}
		start = i;
		while (i < n) {
			len = n - i < blk ? n - i : blk;
			if (all_zero(buf + i, len))
				break;
			i += len;
		}
		rc = write_all(fd, buf + start, i - start,
			       (off_t)(off + start));
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * A restore reads the data set in lanes: lane k of n takes chunks k,
 * k + n, k + 2n, ... with a reader of its own, and writes them at their
 * offsets, so decompression and checking use every core while the disk
 * takes the writes.  The chunks are independent lz4 frames, so no lane
 * waits for another.  The error reported is the one at the lowest
 * offset, as a single reader would have met first: a failing lane lowers
 * the common limit, and every lane still reads what lies below it.
 */
#define RESTORE_LANES_MAX 4

struct lane {
	const struct copy_info *ci;
	struct volume_reader *vr; /* owned unless it is the caller's */
	int fd;
	unsigned k, n;		 /* this lane, of n */
	uint64_t step;		 /* bytes a turn: the chunk size */
	_Atomic uint64_t *limit; /* lowest failed offset: none read past */
	int rc;
	uint64_t failed_at; /* offset of rc's turn */
	char err[512];	    /* ruv_lasterr() of the lane's thread */
};

static void lower_limit(_Atomic uint64_t *limit, uint64_t off)
{
	uint64_t cur = atomic_load(limit);

	while (off < cur && !atomic_compare_exchange_weak(limit, &cur, off))
		;
}

static void *lane_run(void *arg)
{
	struct lane *l = arg;
	unsigned char *buf = malloc(l->step);
	uint64_t off;
	ssize_t got;

	l->rc = buf ? 0 : -ENOMEM;
	for (off = l->k * l->step; l->rc == 0 && off < l->ci->size;
	     off += l->n * l->step) {
		if (off > atomic_load(l->limit))
			break;
		got = volume_reader_pread(l->vr, buf, l->step, off);
		/* A turn is a whole chunk, short only at the end of the
		 * content: short before it, the data set ends early. */
		if (got > 0 && (uint64_t)got < l->step &&
		    off + (uint64_t)got < l->ci->size)
			got = 0;
		if (got <= 0) {
			l->rc = got < 0 ? (int)got
					: ruv_fail(-EIO,
						   "copy %u of '%s' ends "
						   "early",
						   l->ci->copy_no, l->ci->dsn);
		} else {
			l->rc = write_nonzero(l->fd, buf, (size_t)got, off);
			/* Writeback starts as we go, so the final fsync
			 * is short and the disk works meanwhile. */
			if (l->rc == 0)
				sync_file_range(l->fd, (off_t)off, got,
						SYNC_FILE_RANGE_WRITE);
		}
		if (l->rc < 0) {
			l->failed_at = off;
			snprintf(l->err, sizeof(l->err), "%s", ruv_lasterr());
			lower_limit(l->limit, off);
		}
	}
	free(buf);
	return NULL;
}

static unsigned lanes_for(uint64_t size, uint64_t step)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t chunks = step ? (size + step - 1) / step : 1;
	unsigned n = cpus > 1 ? (unsigned)cpus : 1;

	if (n > RESTORE_LANES_MAX)
		n = RESTORE_LANES_MAX;
	return chunks < n ? (unsigned)(chunks ? chunks : 1) : n;
}

static int stream_out(const struct copy_info *ci, struct volume_reader *vr,
		      int fd)
{
	struct lane lanes[RESTORE_LANES_MAX];
	pthread_t tid[RESTORE_LANES_MAX];
	uint64_t step = volume_reader_info(vr)->chunk_size;
	_Atomic uint64_t limit = UINT64_MAX;
	unsigned n, i, started = 1;
	int rc = 0, worst = -1;

	if (!step)
		step = 1 << 20;
	n = lanes_for(ci->size, step);
	memset(lanes, 0, sizeof(lanes));
	for (i = 0; i < n; i++) {
		lanes[i] = (struct lane){ .ci = ci,
					  .fd = fd,
					  .k = i,
					  .n = n,
					  .step = step,
					  .limit = &limit };
	}
	lanes[0].vr = vr;
	for (i = 1; i < n; i++) {
		if (copy_open_reader(ci, &lanes[i].vr) < 0 ||
		    pthread_create(&tid[i], NULL, lane_run, &lanes[i]) != 0)
			break;
		started++;
	}
	/* Fewer lanes than planned still cover every chunk: start again
	 * with the lanes there are. */
	if (started < n) {
		atomic_store(&limit, 0);
		for (i = 1; i < started; i++)
			pthread_join(tid[i], NULL);
		for (i = 1; i < n; i++)
			volume_reader_close(lanes[i].vr);
		lanes[0] = (struct lane){ .ci = ci,
					  .vr = vr,
					  .fd = fd,
					  .k = 0,
					  .n = 1,
					  .step = step,
					  .limit = &limit };
		atomic_store(&limit, UINT64_MAX);
		n = started = 1;
	}
	lane_run(&lanes[0]);
	for (i = 1; i < n; i++) {
		pthread_join(tid[i], NULL);
		volume_reader_close(lanes[i].vr);
	}
	for (i = 0; i < n; i++)
		if (lanes[i].rc < 0 &&
		    (worst < 0 || lanes[i].failed_at < lanes[worst].failed_at))
			worst = (int)i;
	if (worst >= 0) {
		rc = lanes[worst].rc;
		if (lanes[worst].err[0])
			ruv_fail(rc, "%s", lanes[worst].err);
		else
			ruv_clearerr();
	}
	if (rc == 0 && ftruncate(fd, (off_t)ci->size) < 0)
		rc = -errno;
	return rc;
}

/*
 * Open the directory that will hold target, one component at a time, each
 * with O_NOFOLLOW | O_DIRECTORY from the one before: no symbolic link is
 * followed anywhere on the way (openat2() with RESOLVE_NO_SYMLINKS would
 * do the same in one call, but not on every kernel this runs on).  base
 * gets the last component.  -ELOOP (message naming the component) for a
 * link, the open errors otherwise.
 */
int copy_select(struct repo *r, const char *dsn, int64_t at_us,
		unsigned copy_no, struct copy_info *out)
{
	return select_copy(r, dsn, at_us, copy_no, 0, out);
}

int copy_choose(struct repo *r, const char *dsn, int64_t at_us,
		unsigned copy_no, struct copy_info *out)
{
	return select_copy(r, dsn, at_us, copy_no, 1, out);
}

static int open_target_dir(const char *ctx, const char *target, int *dfd_out,
			   char *base, size_t blen)
{
	char path[PATH_MAX], *p, *slash, *comp;
	struct stat sb;
	int dfd, nfd, rc;

	if (!*target)
		return ruv_fail(-EINVAL, "%s: an empty target path", ctx);
	if (snprintf(path, sizeof(path), "%s", target) >= (int)sizeof(path))
		return ruv_fail(-ENAMETOOLONG, "%s: path too long", ctx);
	dfd = open(path[0] == '/' ? "/" : ".",
		   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = -errno;
		return ruv_fail(rc, "%s: %s", ctx, strerror(-rc));
	}
	p = path;
	for (;;) {
		while (*p == '/')
			p++;
		slash = strchr(p, '/');
		if (!slash || !slash[strspn(slash, "/")])
			break; /* p is the last component */
		*slash = '\0';
		comp = p;
		nfd = openat(dfd, comp,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			rc = -errno;
			if (fstatat(dfd, comp, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(sb.st_mode))
				rc = ruv_fail(-ELOOP,
					      "%s: '%.*s' is a symbolic link;"
					      " restore follows no link in "
					      "the target's path",
					      ctx, (int)(slash - path), target);
			else
				rc = ruv_fail(rc, "%s: '%.*s': %s", ctx,
					      (int)(slash - path), target,
					      strerror(-rc));
			close(dfd);
			return rc;
		}
		close(dfd);
		dfd = nfd;
		p = slash + 1;
	}
	slash = strchr(p, '/');
	if (slash)
		*slash = '\0'; /* trailing slashes */
	if (!*p || !strcmp(p, ".") || !strcmp(p, "..")) {
		close(dfd);
		return ruv_fail(-EISDIR, "%s: '%s' names a directory", ctx,
				target);
	}
	if (strlen(p) >= blen) {
		close(dfd);
		return ruv_fail(-ENAMETOOLONG, "%s: name too long", ctx);
	}
	memcpy(base, p, strlen(p) + 1);
	*dfd_out = dfd;
	return 0;
}

/* Only a regular file (or nothing) may be replaced by a restore. */
static int check_target(const char *ctx, const char *target, int dfd,
			const char *base)
{
	struct stat sb;
	int rc;

	if (fstatat(dfd, base, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = -errno;
		return rc == -ENOENT ? 0
				     : ruv_fail(rc, "%s: '%s': %s", ctx, target,
						strerror(-rc));
	}
	if (S_ISREG(sb.st_mode))
		return 0;
	if (S_ISDIR(sb.st_mode))
		return ruv_fail(-EISDIR,
				"%s: '%s' is a directory; restore replaces "
				"only a regular file",
				ctx, target);
	if (S_ISLNK(sb.st_mode))
		return ruv_fail(-ELOOP,
				"%s: '%s' is a symbolic link; restore "
				"replaces only a regular file",
				ctx, target);
	return ruv_fail(-EINVAL,
			"%s: '%s' exists and is a %s; restore replaces only a "
			"regular file",
			ctx, target,
			S_ISCHR(sb.st_mode)    ? "character device"
			: S_ISBLK(sb.st_mode)  ? "block device"
			: S_ISFIFO(sb.st_mode) ? "FIFO"
			: S_ISSOCK(sb.st_mode) ? "socket"
					       : "special file");
}

/* A new temporary file BASE.ruv-restore-XXXXXX in dfd, mode 0600. */
static int create_temp(int dfd, const char *base, char *tmp, size_t len)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[6];
	unsigned i, tries;
	int fd, n;

	for (tries = 0; tries < 100; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -EAGAIN;
		n = snprintf(tmp, len, "%s.ruv-restore-XXXXXX", base);
		if (n < 0 || (size_t)n >= len)
			return -ENAMETOOLONG;
		for (i = 0; i < sizeof(rnd); i++)
			tmp[n - 6 + (int)i] = set[rnd[i] % (sizeof(set) - 1)];
		fd = openat(dfd, tmp,
			    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

int copy_restore(const struct copy_info *ci, const char *target)
{
	char tmp[NAME_MAX + 1] = "", base[NAME_MAX + 1], ctx[PATH_MAX + 64];
	struct volume_reader *vr = NULL;
	int fd = -1, dfd = -1, rc;

	snprintf(ctx, sizeof(ctx), "restore of '%s' to '%s'", ci->dsn, target);
	rc = open_target_dir(ctx, target, &dfd, base, sizeof(base));
	if (rc < 0)
		return rc;
	rc = check_target(ctx, target, dfd, base);
	if (rc < 0)
		goto out;
	rc = copy_open_reader(ci, &vr);
	if (rc < 0)
		goto out;
	fd = create_temp(dfd, base, tmp, sizeof(tmp));
	if (fd < 0) {
		rc = fd;
		tmp[0] = '\0';
		ruv_fail(rc, "%s: cannot write beside it: %s", ctx,
			 strerror(-rc));
		goto out;
	}
	rc = stream_out(ci, vr, fd);
	if (rc < 0) {
		if (!*ruv_lasterr() || rc != -EIO)
			ruv_fail(rc, "%s: %s", ctx,
				 *ruv_lasterr() ? ruv_lasterr()
						: strerror(-rc));
		goto out;
	}
	if (fchown(fd, ci->uid, ci->gid) < 0 && geteuid() == 0) {
		rc = -errno;
		ruv_fail(rc, "cannot set owner of '%s': %s", target,
			 strerror(-rc));
		goto out;
	}
	if (fchmod(fd, ci->mode & 07777) < 0 || fsync(fd) < 0) {
		rc = -errno;
		ruv_fail(rc, "cannot write '%s': %s", target, strerror(-rc));
		goto out;
	}
	/* Checked again just before: what was checked first may have been
	 * replaced meanwhile by somebody who can write in the directory. */
	rc = check_target(ctx, target, dfd, base);
	if (rc < 0)
		goto out;
	if (renameat(dfd, tmp, dfd, base) < 0) {
		rc = -errno;
		ruv_fail(rc, "cannot replace '%s': %s", target, strerror(-rc));
		goto out;
	}
	tmp[0] = '\0';
	fsync(dfd);
out:
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlinkat(dfd, tmp, 0);
	if (dfd >= 0)
		close(dfd);
	volume_reader_close(vr);
	return rc;
}

int copy_name(const struct copy_info *ci, char *buf, size_t len)
{
	char stamp[24];
	int n;

	rtime_format_stamp(ci->start_us, stamp, sizeof(stamp));
	n = snprintf(buf, len, "%s.%s.%c%lld.C%u", ci->dsn, stamp,
		     ci->kind ? ci->kind : 'B', (long long)ci->backup_id,
		     ci->copy_no);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int copy_name_parse(const char *name, char *kind, int64_t *backup_id,
		    unsigned *copy_no)
{
	const char *c = strrchr(name, '.'), *b;
	char *end;
	long long id;
	unsigned long no;

	if (!c || c == name || c[1] != 'C')
		goto bad;
	for (b = c - 1; b > name && *b != '.'; b--)
		;
	if (b == name || !b[1] || !strchr("BRJA", b[1]))
		goto bad;
	*kind = b[1];
	id = strtoll(b + 2, &end, 10);
	if (end != c || id <= 0 || b[2] < '1' || b[2] > '9')
		goto bad;
	no = strtoul(c + 2, &end, 10);
	if (*end || no < 1 || no > 9 || c[2] < '1' || c[2] > '9')
		goto bad;
	*backup_id = id;
	*copy_no = (unsigned)no;
	return 0;
bad:
	return ruv_fail(-EINVAL,
			"'%s' is not a copy name "
			"(DSN.Dyyyymmdd.Thhmmss.Bn.Cn)",
			name);
}

static int copy_one(struct repo *r, const char *where, int64_t a, int64_t b,
		    struct copy_info *out)
{
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = repo_prepare(r, where, &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		row_to_copy(r, st, out);
		locate(r, out);
	}
	repo_finalize(r, st);
	if (src == SQLITE_DONE)
		return -ENOENT;
	return src == SQLITE_ROW ? 0 : repo_errno(r, src);
}

int copy_get(struct repo *r, int64_t copy_id, struct copy_info *out)
{
	return copy_one(r, COPY_SELECT " WHERE c.id = ?1 AND ?2 = 0", copy_id,
			0, out);
}

int copy_lookup(struct repo *r, const char *name, struct copy_info *out)
{
	char want[COPY_NAME_MAX];
	int64_t backup_id;
	unsigned copy_no;
	char kind;
	int rc;

	rc = copy_name_parse(name, &kind, &backup_id, &copy_no);
	if (rc < 0)
		return rc;
	rc = copy_one(r,
		      kind == 'B'   ? COPY_SELECT " WHERE c.backup_id = ?1"
						  " AND c.copy_no = ?2"
		      : kind == 'R' ? COPY_SELECT " WHERE c.repo_backup_id = ?1"
						  " AND c.copy_no = ?2"
		      : kind == 'A' ? COPY_SELECT " WHERE c.archive_id = ?1"
						  " AND c.copy_no = ?2"
				    : COPY_SELECT " WHERE c.jcl_backup_id = ?1"
						  " AND c.copy_no = ?2",
		      backup_id, copy_no, out);
	/* The whole name must match, not just its keys. */
	if (rc == 0 &&
	    (copy_name(out, want, sizeof(want)) < 0 || strcmp(want, name)))
		rc = -ENOENT;
	if (rc == -ENOENT)
		return ruv_fail(-ENOENT, "no copy '%s'", name);
	return rc;
}

static int move_one(struct repo *r, const struct copy_info *ci,
		    const struct location_info *to)
{
	sqlite3_stmt *st = NULL;
	char name[COPY_NAME_MAX], msg[64];
	int rc;

	rc = repo_prepare(r, "UPDATE copy SET location_id = ? WHERE id = ?",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, to->id);
	sqlite3_bind_int64(st, 2, ci->copy_id);
	rc = repo_step_done(r, st);
	repo_finalize(r, st);
	if (rc < 0)
		return rc;
	copy_name(ci, name, sizeof(name));
	snprintf(msg, sizeof(msg), "%s -> %s", ci->location, to->name);
	return history_add(r, "relocate", name, 0, msg);
}

int copy_relocate(struct repo *r, const char *const *names, unsigned n,
		  const char *location)
{
	struct location_info to;
	struct copy_info *cis;
	unsigned i;
	int rc;

	rc = location_lookup(r, location, &to);
	if (rc < 0)
		return rc;
	cis = calloc(n ? n : 1, sizeof(*cis));
	if (!cis)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		rc = copy_lookup(r, names[i], &cis[i]);
		if (rc < 0)
			goto out;
		if (!strcasecmp(cis[i].location, to.name)) {
			rc = ruv_fail(-EEXIST, "copy '%s' is already in %s",
				      names[i], to.name);
			goto out;
		}
	}
	/* Seal outside the transaction: sealing waits for a writer. */
	for (i = 0; i < n; i++) {
		rc = pool_seal_volume(r, cis[i].volser);
		if (rc < 0)
			goto out;
	}
	rc = repo_begin(r);
	if (rc < 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++)
		rc = move_one(r, &cis[i], &to);
	if (rc == 0)
		rc = repo_commit(r);
	else
		repo_rollback(r);
out:
	free(cis);
	return rc;
}
