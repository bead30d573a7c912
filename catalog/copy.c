// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Backup copies: listing, choosing one for a restore, checking, restoring.
 *
 * Listing is one indexed join ordered by (DSN, start, copy).  Restoring
 * streams the data set a chunk at a time through a volume reader, which
 * checks each chunk's checksums before its bytes are used, into a
 * temporary file that is renamed over the target only once complete and
 * synced: a damaged copy never leaves a partial file behind.
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
	" AS copy_kind" COPY_SQL_FROM

/* The same columns for backup copies only: inner joins on backup and
 * file, so a DSN filter can drive the query from the file. */
#define COPY_SELECT_BACKUPS                                                    \
	"SELECT c.id, c.backup_id, d.id, v.id, f.dsn AS name_dsn,"             \
	" b.start_us AS time_us, b.end_us, b.size, d.stored_size, c.copy_no,"  \
	" l.name, l.active, c.usable, b.changed, b.uid, b.gid, b.mode,"        \
	" v.volser, v.path, d.seq, d.vol_offset, d.length, 'B' AS copy_kind"   \
	" FROM file f JOIN backup b ON b.file_id = f.id"                       \
	" JOIN copy c ON c.backup_id = b.id"                                   \
	" JOIN location l ON l.id = c.location_id"                             \
	" JOIN dataset d ON d.id = c.dataset_id"                               \
	" JOIN volume v ON v.id = d.volume_id"

static void row_to_copy(sqlite3_stmt *st, struct copy_info *ci)
{
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
	repo_column_text(st, 18, ci->volume_path, sizeof(ci->volume_path));
	ci->seq = (uint32_t)sqlite3_column_int64(st, 19);
	ci->vol_offset = (uint64_t)sqlite3_column_int64(st, 20);
	ci->ds_length = (uint64_t)sqlite3_column_int64(st, 21);
	ci->kind = (char)sqlite3_column_text(st, 22)[0];
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
		row_to_copy(st, &ci);
		if (f->resolve)
			pool_resolve(r, ci.volser, ci.volume_path,
				     sizeof(ci.volume_path));
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

int copy_select(struct repo *r, const char *dsn, int64_t at_us,
		unsigned copy_no, struct copy_info *out)
{
	struct file_info fi;
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = file_lookup(r, dsn, &fi);
	if (rc < 0)
		return rc;
	rc = repo_prepare(r,
			  COPY_SELECT
			  " WHERE b.file_id = ?1 AND b.start_us <= ?2"
			  " AND l.active = 1 AND c.usable = 1"
			  " AND (?3 = 0 OR c.copy_no = ?3)"
			  " ORDER BY b.start_us DESC, b.id DESC, c.copy_no"
			  " LIMIT 1",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, fi.id);
	sqlite3_bind_int64(st, 2, at_us);
	sqlite3_bind_int(st, 3, (int)copy_no);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		row_to_copy(st, out);
		pool_resolve(r, out->volser, out->volume_path,
			     sizeof(out->volume_path));
	}
	repo_finalize(r, st);
	if (src == SQLITE_DONE)
		return explain_none(r, &fi, at_us, copy_no);
	return src == SQLITE_ROW ? 0 : repo_errno(r, src);
}

static int open_reader(const struct copy_info *ci, struct volume_reader **out)
{
	int rc;

	if (access(ci->volume_path, F_OK) < 0)
		return ruv_fail(-ENOENT,
				"volume '%s' of copy %u of '%s' is not here"
				" (not catalogued, not on volume_path; no "
				"file '%s'): catalogue it with ruv catalog",
				ci->volser, ci->copy_no, ci->dsn,
				ci->volume_path);
	rc = volume_reader_open(ci->volume_path, ci->vol_offset, ci->ds_length,
				out);

	if (rc < 0)
		return ruv_fail(rc,
				"copy %u of '%s' (volume %s, data set %u):"
				" %s",
				ci->copy_no, ci->dsn, ci->volser, ci->seq,
				*ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
	return 0;
}

int copy_verify(const struct copy_info *ci)
{
	struct volume_reader *vr = NULL;
	int rc;

	rc = open_reader(ci, &vr);
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
		if (open_reader(ci, &lanes[i].vr) < 0 ||
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

int copy_restore(const struct copy_info *ci, const char *target)
{
	char tmp[PATH_MAX], dirbuf[PATH_MAX];
	struct volume_reader *vr = NULL;
	char *dir;
	int fd = -1, dfd, rc;

	if (snprintf(dirbuf, sizeof(dirbuf), "%s", target) >=
		    (int)sizeof(dirbuf) ||
	    snprintf(tmp, sizeof(tmp), "%s.ruv-restore-XXXXXX", target) >=
		    (int)sizeof(tmp))
		return ruv_fail(-ENAMETOOLONG, "'%s': path too long", target);
	dir = dirname(dirbuf);
	rc = open_reader(ci, &vr);
	if (rc < 0)
		return rc;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		ruv_fail(rc, "cannot write in '%s': %s", dir, strerror(-rc));
		goto out;
	}
	rc = stream_out(ci, vr, fd);
	if (rc < 0) {
		if (!*ruv_lasterr() || rc != -EIO)
			ruv_fail(rc, "restore of '%s' to '%s': %s", ci->dsn,
				 target,
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
	if (rename(tmp, target) < 0) {
		rc = -errno;
		ruv_fail(rc, "cannot replace '%s': %s", target, strerror(-rc));
		goto out;
	}
	tmp[0] = '\0';
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && tmp[0] && fd >= 0)
		unlink(tmp);
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
		row_to_copy(st, out);
		pool_resolve(r, out->volser, out->volume_path,
			     sizeof(out->volume_path));
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
