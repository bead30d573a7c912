// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Forward recovery: a file rebuilt to the point in time T from a backup
 * and the changes logged after it, with exactly the units of work that
 * committed at or before T.
 *
 * Why a fuzzy backup still recovers exactly.  A backup reads the file
 * while units may be writing it, so its image B holds, byte by byte, the
 * file as it was at the moment that byte was read: some changes in, some
 * not, some of units that will never commit.  Before reading, the backup
 * records per log stream the last LSN S and O, the BEGIN of the oldest
 * unit then open (S + 1 if none); after reading, the last LSN E
 * (recover_marks_*, table backup_stream).  Writers are write-ahead: a
 * change's record is appended before the change is made, and a unit's
 * COMMIT (or BACKOUT, after its before-images were put back) comes after
 * all its changes were made.  So:
 *   - every record with LSN < O belongs to a unit that had ended before
 *     the read began, and its change (or its backout) was in the file
 *     before the backup read any byte: B agrees with the state after
 *     those records wherever no later record touched the byte;
 *   - a record with LSN > E was appended after the read ended, so its
 *     change is not in B;
 *   - a record in [O, E] may or may not be in B, byte by byte.
 * Recovery over B, for one file:
 *   undo  the records in [O, E] of units begun at or after O that did not
 *         commit by T (backed out, aborted, in flight at T, committed
 *         later), newest first, from their before-images (a WRITE that
 *         extended the file is cut back to its old size; a TRUNCATE gets
 *         its old size and cut-off bytes back).  Taken newest first, each
 *         byte ends with the before-image of its oldest such change: the
 *         byte as it was before O, whether or not B had the change;
 *   redo  the WRITE and TRUNCATE records from O on of units committed at
 *         or before T, oldest first, as after-images and new sizes.  A
 *         byte a committed change touched ends with the newest such
 *         change (later writes in the file and in B are overwritten), a
 *         byte none touched keeps what the undo left.
 * Units begun before O with records at or after O had ended before the
 * read began: committed ones are redone (harmless, the bytes are the
 * same); backed-out or aborted ones are left as B has them (their
 * backout, if any, was already in the file).  A unit aborted because its
 * writer died leaves in the live file whatever its writer had written; a
 * backup taken after that ABORT and before O moves past it holds those
 * bytes (nothing in the log says whether anyone put them back).
 * A backup with no mark for the stream (taken before the stream was
 * defined, or before version 4 of the schema) is taken as O = 1, E =
 * infinity: the whole stream, which is exact as long as it still starts
 * at LSN 1, and refused when it does not.
 *
 * Units in flight at T (begun at or before T, not ended by T) are left
 * out, and their records with times at or before T go to the spill file,
 * documented at spill_record().
 *
 * The target is built beside itself (copy_restore() to TARGET's directory
 * under the name .BASE.ruv-recover), changed there, fsynced and renamed
 * over the target, so a kill -9 leaves either the old file or the
 * recovered one, and at most that temporary file (and copy_restore()'s
 * own), which the next run removes first.
 *
 * Sources of change records: today the stream's own segments (the
 * unarchived tail and whatever archived records it still holds), read by
 * source_open()/source_next(); the archives are meant to come in there,
 * and nowhere else.
 *
 * Cost: two sequential reads of the stream from O (the first up to
 * max(E, T), the second up to T), memory for one entry per unit seen and
 * for the before-images in [O, E] of the file, plus the restore.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog_int.h"
#include "errmsg.h"
#include "file.h"
#include "group.h"
#include "history.h"
#include "logcat.h"
#include "logstream.h"
#include "pit.h"
#include "recover.h"
#include "rtime.h"

/* ---- marks ------------------------------------------------------------ */

static int mark_add(const struct logcat_info *li, void *arg)
{
	struct recover_marks *m = arg;
	struct recover_mark *nv;

	nv = realloc(m->v, (m->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	m->v = nv;
	memset(&m->v[m->n], 0, sizeof(m->v[m->n]));
	m->v[m->n].stream_id = li->id;
	snprintf(m->v[m->n].dir, sizeof(m->v[m->n].dir), "%s", li->dir);
	m->n++;
	return 0;
}

/* A growable set of open unit ids (BEGIN LSNs), small in practice. */
struct open_set {
	uint64_t *v;
	size_t n, cap;
};

static int open_add(struct open_set *s, uint64_t uow)
{
	uint64_t *nv;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		nv = realloc(s->v, s->cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		s->v = nv;
	}
	s->v[s->n++] = uow;
	return 0;
}

static void open_del(struct open_set *s, uint64_t uow)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] == uow) {
			s->v[i] = s->v[--s->n];
			return;
		}
}

/* The oldest unit open at the stream's LSN last, reading from from. */
static int oldest_open(const char *dir, uint64_t from, uint64_t last,
		       uint64_t *oldest)
{
	struct open_set s = { 0 };
	struct logreader *lr = NULL;
	struct logrec rec;
	size_t i;
	int rc;

	*oldest = last + 1;
	rc = logreader_open(dir, from, &lr);
	while (rc >= 0 && (rc = logreader_next(lr, &rec)) > 0) {
		if (rec.lsn > last)
			break;
		if (rec.type == LOGREC_BEGIN)
			rc = open_add(&s, rec.uow);
		else if (rec.type == LOGREC_COMMIT ||
			 rec.type == LOGREC_BACKOUT || rec.type == LOGREC_ABORT)
			open_del(&s, rec.uow);
	}
	for (i = 0; rc >= 0 && i < s.n; i++)
		if (s.v[i] < *oldest)
			*oldest = s.v[i];
	logreader_close(lr);
	free(s.v);
	return rc < 0 ? rc : 0;
}

int recover_marks_begin(struct repo *r, struct recover_marks *m)
{
	struct logstream_stat st;
	struct recover_mark *k;
	int64_t from;
	unsigned i, j;
	int rc;

	memset(m, 0, sizeof(*m));
	rc = logcat_list(r, mark_add, m);
	if (rc < 0) {
		recover_marks_free(m);
		return rc == -ENOMEM ? rc : 0;
	}
	for (i = j = 0; i < m->n; i++) {
		k = &m->v[i];
		if (logstream_stat(k->dir, &st) < 0)
			continue; /* no mark: recovery names the stream */
		from = 1;
		rc = repo_one(r,
			      "SELECT coalesce(max(oldest_lsn), 1)"
			      " FROM backup_stream WHERE stream_id = ?1",
			      REPO_ARGS(REPO_INT(k->stream_id)), repo_row_int64,
			      &from);
		if (rc < 0 && rc != -ENOENT)
			continue;
		k->start_lsn = st.last_lsn;
		if (oldest_open(k->dir, (uint64_t)from, st.last_lsn,
				&k->oldest_lsn) < 0)
			continue;
		m->v[j++] = *k;
	}
	m->n = j;
	ruv_clearerr();
	return 0;
}

void recover_marks_end(struct recover_marks *m)
{
	struct logstream_stat st;
	unsigned i;

	for (i = 0; i < m->n; i++)
		m->v[i].end_lsn = logstream_stat(m->v[i].dir, &st) < 0
					  ? UINT64_MAX
					  : st.last_lsn;
}

int recover_marks_store(struct repo *r, int64_t backup_id,
			const struct recover_marks *m)
{
	unsigned i;
	int rc = 0;

	for (i = 0; rc == 0 && i < m->n; i++)
		rc = repo_run(
			r,
			"INSERT INTO backup_stream(backup_id, stream_id,"
			" start_lsn, end_lsn, oldest_lsn)"
			" VALUES (?1, ?2, ?3, ?4, ?5)",
			REPO_ARGS(REPO_INT(backup_id),
				  REPO_INT(m->v[i].stream_id),
				  REPO_INT(m->v[i].start_lsn),
				  REPO_INT(m->v[i].end_lsn == UINT64_MAX
						   ? INT64_MAX
						   : (int64_t)m->v[i].end_lsn),
				  REPO_INT(m->v[i].oldest_lsn)));
	return rc;
}

void recover_marks_free(struct recover_marks *m)
{
	if (!m)
		return;
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* ---- the stop time ------------------------------------------------------ */

static int all_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int recover_parse_time(struct repo *r, const char *s, int64_t *us)
{
	struct pit_stored pit;
	size_t len = strlen(s), i;
	int have_pit = pit_current(r, &pit) == 0;
	uint64_t tod = 0;
	int c;

	ruv_clearerr();
	if ((s[0] == 'X' || s[0] == 'x') && len == 17) {
		for (i = 1; i < 17; i++) {
			c = s[i];
			if (c >= '0' && c <= '9')
				c -= '0';
			else if (c >= 'a' && c <= 'f')
				c -= 'a' - 10;
			else if (c >= 'A' && c <= 'F')
				c -= 'A' - 10;
			else
				return ruv_fail(-EINVAL,
						"time '%s': X and 16 hex "
						"digits (a TOD value)",
						s);
			tod = tod << 4 | (uint64_t)c;
		}
		*us = pit_from_tod(tod, have_pit ? pit.leap_sec : 0);
		return 0;
	}
	if ((len == 13 || len == 14) && all_digits(s) && have_pit)
		return rtime_parse_ruv(s, pit.offset_sec, us);
	return rtime_parse(s, us);
}

/* ---- units seen in the stream ---------------------------------------- */

enum { END_NONE = 0 };

struct unit {
	uint64_t uow; /* 0: a free slot */
	int64_t begin_us;
	int64_t end_us;
	int end_type; /* END_NONE or LOGREC_COMMIT/BACKOUT/ABORT */
	int begun;    /* its BEGIN was read (uow >= O) */
	int touches;  /* it changed the file */
};

struct unit_table {
	struct unit *v;
	size_t cap, n; /* cap a power of two */
};

static uint64_t unit_hash(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static struct unit *unit_find(struct unit_table *t, uint64_t uow)
{
	size_t i;

	if (!t->cap)
		return NULL;
	for (i = unit_hash(uow) & (t->cap - 1); t->v[i].uow;
	     i = (i + 1) & (t->cap - 1))
		if (t->v[i].uow == uow)
			return &t->v[i];
	return NULL;
}

static int unit_grow(struct unit_table *t)
{
	struct unit_table nt = { 0 };
	size_t i, j;

	nt.cap = t->cap ? 2 * t->cap : 1024;
	nt.v = calloc(nt.cap, sizeof(*nt.v));
	if (!nt.v)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++) {
		if (!t->v[i].uow)
			continue;
		for (j = unit_hash(t->v[i].uow) & (nt.cap - 1); nt.v[j].uow;
		     j = (j + 1) & (nt.cap - 1))
			;
		nt.v[j] = t->v[i];
	}
	nt.n = t->n;
	free(t->v);
	*t = nt;
	return 0;
}

/* The unit uow, made if new.  NULL: out of memory. */
static struct unit *unit_get(struct unit_table *t, uint64_t uow)
{
	struct unit *u = unit_find(t, uow);
	size_t i;

	if (u)
		return u;
	if (2 * (t->n + 1) > t->cap && unit_grow(t) < 0)
		return NULL;
	for (i = unit_hash(uow) & (t->cap - 1); t->v[i].uow;
	     i = (i + 1) & (t->cap - 1))
		;
	t->v[i].uow = uow;
	t->n++;
	return &t->v[i];
}

static int committed_by(const struct unit *u, int64_t t_us)
{
	return u->end_type == LOGREC_COMMIT && u->end_us <= t_us;
}

static int in_flight_at(const struct unit *u, int64_t t_us)
{
	return u->begun && u->begin_us <= t_us &&
	       (u->end_type == END_NONE || u->end_us > t_us);
}

/* ---- the undo buffer: the file's records in [O, E] ---------------------- */

struct undo_rec {
	uint64_t lsn, uow;
	int type;
	uint64_t offset, old_size, new_size, after_len;
	unsigned char *before;
	size_t before_len;
};

struct undo_buf {
	struct undo_rec *v;
	size_t n, cap;
};

static int undo_add(struct undo_buf *b, const struct logrec *rec)
{
	struct undo_rec *nv, *u;

	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		nv = realloc(b->v, b->cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		b->v = nv;
	}
	u = &b->v[b->n];
	memset(u, 0, sizeof(*u));
	u->lsn = rec->lsn;
	u->uow = rec->uow;
	u->type = rec->type;
	u->offset = rec->offset;
	u->old_size = rec->old_size;
	u->new_size = rec->new_size;
	u->after_len = rec->after_len;
	if (rec->before_len) {
		u->before = malloc(rec->before_len);
		if (!u->before)
			return -ENOMEM;
		memcpy(u->before, rec->before, rec->before_len);
		u->before_len = rec->before_len;
	}
	b->n++;
	return 0;
}

static void undo_free(struct undo_buf *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->v[i].before);
	free(b->v);
	memset(b, 0, sizeof(*b));
}

/* ---- the source of change records ------------------------------------------
 */

/*
 * The records of one stream from LSN from on, in LSN order, each once:
 * today the stream's own segments (the unarchived tail and what archiving
 * has not pruned).  The archives (consolidated, then ordinary, by their
 * archive_range) are to come in here, ahead of the tail, and nowhere else.
 */
struct source {
	struct logreader *lr;
};

static int source_open(const struct logcat_info *li, uint64_t from,
		       struct source *src)
{
	return logreader_open(li->dir, from, &src->lr);
}

/* 1 and *rec, 0 at the end, -errno. */
static int source_next(struct source *src, struct logrec *rec)
{
	return logreader_next(src->lr, rec);
}

static void source_close(struct source *src)
{
	logreader_close(src->lr);
	src->lr = NULL;
}

/* ---- one file ------------------------------------------------------------ */

struct job {
	struct repo *r;
	const struct recover_request *req;
	FILE *spill;
	struct recover_result *res;
	struct logcat_info li;
	uint64_t from, end; /* O and E */
	struct unit_table units;
	struct undo_buf undo;
	int fd;
};

static int pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len) {
		n = pwrite(fd, p, len, (off_t)off);
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static void segment_note(struct recover_result *res, const char *seg)
{
	size_t len = strlen(res->segments), sl = strlen(seg);
	const char *p = res->segments;

	if (!seg[0])
		return;
	/* Segments come in order: only the last one can repeat. */
	if (len >= sl && !strcmp(res->segments + len - sl, seg) &&
	    (len == sl || p[len - sl - 1] == ' '))
		return;
	if (len + sl + 5 >= sizeof(res->segments)) {
		if (len + 4 < sizeof(res->segments) &&
		    strcmp(res->segments + len - 3, "..."))
			strcat(res->segments, " ...");
		return;
	}
	if (len)
		res->segments[len++] = ' ';
	memcpy(res->segments + len, seg, sl + 1);
}

static int dsn_is(const struct logrec *rec, const char *dsn)
{
	return (rec->type == LOGREC_WRITE || rec->type == LOGREC_TRUNCATE) &&
	       !strcasecmp(rec->dsn, dsn);
}

/*
 * Pass 1: from O, learn every unit's outcome and keep the file's records
 * up to E for the undo.  Stops past both E and T.
 */
static int scan(struct job *j)
{
	struct recover_result *res = j->res;
	int64_t t = j->req->stop_us;
	struct source src = { 0 };
	struct logrec rec;
	struct unit *u;
	uint64_t last = 0;
	int rc, first = 1;

	rc = source_open(&j->li, j->from, &src);
	if (rc == -ENOENT || rc == -ENOTDIR) {
		rc = ruv_fail(-ENODATA,
			      "stream '%s' is not here (%s): its records "
			      "from LSN %" PRIu64
			      " on are needed to bring '%s' past its backup",
			      j->li.name, j->li.dir, j->from, res->dsn);
		goto out;
	}
	if (rc < 0)
		goto out;
	while ((rc = source_next(&src, &rec)) > 0) {
		if (first && rec.lsn != j->from) {
			rc = ruv_fail(
				-ENODATA,
				"stream '%s' no longer holds LSNs "
				"%" PRIu64 "-%" PRIu64 " (it starts at %" PRIu64
				"): the changes after the backup are "
				"not all there",
				j->li.name, j->from, rec.lsn - 1, rec.lsn);
			goto out;
		}
		first = 0;
		last = rec.lsn;
		if (rec.lsn > j->end && rec.time_us > t)
			break;
		segment_note(res, rec.segment);
		if (!res->from_lsn)
			res->from_lsn = rec.lsn;
		res->to_lsn = rec.lsn;
		u = NULL;
		if (rec.type == LOGREC_BEGIN) {
			u = unit_get(&j->units, rec.uow);
			if (u) {
				u->begun = 1;
				u->begin_us = rec.time_us;
			}
		} else if (dsn_is(&rec, res->dsn)) {
			u = unit_get(&j->units, rec.uow);
			if (u) {
				u->touches |= rec.time_us <= t;
				if (rec.lsn <= j->end && rec.uow >= j->from &&
				    undo_add(&j->undo, &rec) < 0)
					u = NULL;
			}
		} else if (rec.type == LOGREC_COMMIT ||
			   rec.type == LOGREC_BACKOUT ||
			   rec.type == LOGREC_ABORT) {
			u = unit_find(&j->units, rec.uow);
			if (u) {
				u->end_type = rec.type;
				u->end_us = rec.time_us;
			}
			continue;
		} else {
			continue;
		}
		if (!u) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (rc < 0)
		goto out;
	if (j->end != UINT64_MAX && last < j->end) {
		rc = ruv_fail(-ENODATA,
			      "stream '%s' ends at LSN %" PRIu64
			      " but the backup saw it reach %" PRIu64
			      ": LSNs %" PRIu64 "-%" PRIu64 " are missing",
			      j->li.name, last, j->end,
			      last + 1 > j->from ? last + 1 : j->from, j->end);
		goto out;
	}
	rc = 0;
out:
	source_close(&src);
	return rc;
}

static void hex_out(FILE *f, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		putc(digits[p[i] >> 4], f);
		putc(digits[p[i] & 15], f);
	}
}

/*
 * The spill file, version 1: text, one line per record of a unit in
 * flight at T, in LSN order, for every file of the run:
 *   lsn=N time=ISO uow=N dsn=DSN type=WRITE offset=N length=N
 *     old_size=N data=HEX
 *   lsn=N time=ISO uow=N dsn=DSN type=TRUNCATE new_size=N old_size=N
 * after a first line "# ruv recover forward spill v1 stop=ISO".  A new
 * field is appended at the end of a line; a change of meaning is v2.
 */
static void spill_record(FILE *f, const struct logrec *rec)
{
	char when[RTIME_ISO_MAX];

	rtime_format_iso(rec->time_us, when, sizeof(when));
	flockfile(f); /* lanes share it: one line at a time */
	fprintf(f, "lsn=%" PRIu64 " time=%s uow=%" PRIu64 " dsn=%s type=%s",
		rec->lsn, when, rec->uow, rec->dsn,
		logrec_type_name(rec->type));
	if (rec->type == LOGREC_WRITE) {
		fprintf(f,
			" offset=%" PRIu64 " length=%zu old_size=%" PRIu64
			" data=",
			rec->offset, rec->after_len, rec->old_size);
		hex_out(f, rec->after, rec->after_len);
	} else {
		fprintf(f, " new_size=%" PRIu64 " old_size=%" PRIu64,
			rec->new_size, rec->old_size);
	}
	putc('\n', f);
	funlockfile(f);
}

/* Undo: the kept records of units not committed by T, newest first. */
static int undo(struct job *j)
{
	int64_t t = j->req->stop_us;
	struct undo_rec *x;
	struct unit *u;
	size_t i;
	int rc;

	for (i = j->undo.n; i-- > 0;) {
		x = &j->undo.v[i];
		u = unit_find(&j->units, x->uow);
		if (!u || committed_by(u, t))
			continue;
		if (x->type == LOGREC_WRITE) {
			rc = pwrite_full(j->fd, x->before, x->before_len,
					 x->offset);
			if (rc == 0 && x->offset + x->after_len > x->old_size &&
			    ftruncate(j->fd, (off_t)x->old_size) < 0)
				rc = -errno;
		} else {
			rc = ftruncate(j->fd, (off_t)x->old_size) < 0 ? -errno
								      : 0;
			if (rc == 0 && x->before_len)
				rc = pwrite_full(j->fd, x->before,
						 x->before_len, x->new_size);
		}
		if (rc < 0)
			return rc;
		j->res->records_undone++;
	}
	return 0;
}

/* Redo: from O to T, the file's records of units committed by T; the
 * records of units in flight at T to the spill file. */
static int redo(struct job *j)
{
	int64_t t = j->req->stop_us;
	struct source src = { 0 };
	struct logrec rec;
	struct unit *u;
	int rc;

	rc = source_open(&j->li, j->from, &src);
	while (rc >= 0 && (rc = source_next(&src, &rec)) > 0) {
		if (rec.time_us > t)
			break;
		if (!dsn_is(&rec, j->res->dsn))
			continue;
		u = unit_find(&j->units, rec.uow);
		if (!u)
			continue;
		if (committed_by(u, t)) {
			if (rec.type == LOGREC_WRITE)
				rc = pwrite_full(j->fd, rec.after,
						 rec.after_len, rec.offset);
			else if (ftruncate(j->fd, (off_t)rec.new_size) < 0)
				rc = -errno;
			j->res->records_applied++;
		} else if (in_flight_at(u, t) && j->spill) {
			spill_record(j->spill, &rec);
			j->res->records_spilled++;
		}
	}
	source_close(&src);
	return rc < 0 ? rc : 0;
}

static void count_units(struct job *j)
{
	int64_t t = j->req->stop_us;
	struct unit *u;
	size_t i;

	for (i = 0; i < j->units.cap; i++) {
		u = &j->units.v[i];
		if (!u->uow || !u->touches)
			continue;
		if (committed_by(u, t))
			j->res->units_applied++;
		else if (in_flight_at(u, t))
			j->res->units_in_flight++;
		else
			j->res->units_left_out++;
	}
}

/* The backup's marks for the file's stream: O and E. */
static int load_mark(struct job *j)
{
	struct logstream_stat st;
	int64_t v[2] = { 0, 0 };
	int rc;

	rc = repo_one(
		j->r,
		"SELECT oldest_lsn FROM backup_stream"
		" WHERE backup_id = ?1 AND stream_id = ?2",
		REPO_ARGS(REPO_INT(j->res->copy.backup_id), REPO_INT(j->li.id)),
		repo_row_int64, &v[0]);
	if (rc == 0)
		rc = repo_one(j->r,
			      "SELECT end_lsn FROM backup_stream"
			      " WHERE backup_id = ?1 AND stream_id = ?2",
			      REPO_ARGS(REPO_INT(j->res->copy.backup_id),
					REPO_INT(j->li.id)),
			      repo_row_int64, &v[1]);
	if (rc == 0) {
		j->from = (uint64_t)v[0];
		j->end = v[1] == INT64_MAX ? UINT64_MAX : (uint64_t)v[1];
		return 0;
	}
	if (rc != -ENOENT)
		return rc;
	/* No mark: the whole stream, if it still starts at 1. */
	rc = logstream_stat(j->li.dir, &st);
	if (rc < 0)
		return rc;
	if (st.first_lsn > 1)
		return ruv_fail(-ENODATA,
				"backup of '%s' has no LSN marks for stream "
				"'%s', which no longer holds LSNs 1-%" PRIu64
				": take a new backup",
				j->res->dsn, j->li.name, st.first_lsn - 1);
	j->from = 1;
	j->end = UINT64_MAX;
	return 0;
}

/* The earliest T reachable for dsn: its oldest backup with a usable copy
 * in an active location. */
static int earliest_reachable(struct repo *r, const char *dsn, int64_t *us)
{
	return repo_one(r,
			"SELECT min(b.start_us) FROM backup b"
			" JOIN file f ON f.id = b.file_id"
			" JOIN copy c ON c.backup_id = b.id"
			" JOIN location l ON l.id = c.location_id"
			" WHERE f.dsn = ?1 AND c.usable = 1 AND l.active = 1"
			" HAVING count(*) > 0",
			REPO_ARGS(REPO_TEXT(dsn)), repo_row_int64, us);
}

static int choose(struct job *j)
{
	struct recover_result *res = j->res;
	char when[RTIME_ISO_MAX], first[RTIME_ISO_MAX];
	int64_t early;
	int rc;

	rc = copy_choose(j->r, res->dsn, j->req->stop_us, 0, &res->copy);
	if (rc == 0) {
		res->have_copy = 1;
		return 0;
	}
	if (rc != -ENOENT)
		return rc;
	if (earliest_reachable(j->r, res->dsn, &early) == 0 &&
	    early > j->req->stop_us) {
		rtime_format_iso(j->req->stop_us, when, sizeof(when));
		rtime_format_iso(early, first, sizeof(first));
		return ruv_fail(-ENOENT,
				"'%s' cannot be recovered to %s: its first "
				"usable backup started at %s, the earliest "
				"reachable time",
				res->dsn, when, first);
	}
	return rc;
}

static int target_of(struct job *j, const struct file_info *fi)
{
	const struct recover_request *req = j->req;
	struct file_info nfi;
	const char *t = fi->path;
	int rc;

	if (req->new_name) {
		rc = file_lookup(j->r, req->new_name, &nfi);
		if (rc < 0)
			return rc;
		t = nfi.path;
	} else if (req->to) {
		t = req->to;
	}
	if (snprintf(j->res->target, sizeof(j->res->target), "%s", t) >=
	    (int)sizeof(j->res->target))
		return -ENAMETOOLONG;
	return 0;
}

/* TARGET's temporary: .BASE.ruv-recover beside it. */
static int temp_of(const char *target, char *buf, size_t len)
{
	const char *slash = strrchr(target, '/');
	int n;

	if (slash)
		n = snprintf(buf, len, "%.*s/.%s.ruv-recover",
			     (int)(slash - target), target, slash + 1);
	else
		n = snprintf(buf, len, ".%s.ruv-recover", target);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int check_target(const char *target)
{
	struct stat sb;

	if (lstat(target, &sb) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISREG(sb.st_mode))
		return 0;
	if (S_ISLNK(sb.st_mode))
		return ruv_fail(-ELOOP,
				"'%s' is a symbolic link: recovery replaces "
				"only a regular file",
				target);
	if (S_ISDIR(sb.st_mode))
		return ruv_fail(-EISDIR, "'%s' is a directory", target);
	return ruv_fail(-EINVAL, "'%s' is not a regular file", target);
}

static int dir_sync(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -errno;
	fsync(fd);
	close(fd);
	return 0;
}

/* The backup's own view of the file: size and mtime when it began. */
static int backup_state(struct job *j, uint64_t *size, int64_t *mtime_us)
{
	int64_t v = 0;
	int rc;

	*size = j->res->copy.size;
	rc = repo_one(j->r, "SELECT mtime_us FROM backup WHERE id = ?1",
		      REPO_ARGS(REPO_INT(j->res->copy.backup_id)),
		      repo_row_int64, &v);
	*mtime_us = v;
	return rc;
}

/*
 * The restore guard of a recovery in place: the live file must be as the
 * log last left it (the size and mtime of the newest COMMIT listing it,
 * from O on; with none there, as the backup found it), else it has
 * changes nothing journaled and --force is needed to replace it.
 */
static int guard(struct job *j, int bound)
{
	struct recover_result *res = j->res;
	struct source src = { 0 };
	char now_s[RTIME_ISO_MAX], then_s[RTIME_ISO_MAX];
	uint64_t size = 0, lsn = 0;
	int64_t mtime = 0, live_us;
	struct logrec rec;
	struct stat sb;
	size_t i;
	int rc;

	if (lstat(res->target, &sb) < 0 || !S_ISREG(sb.st_mode))
		return 0; /* nothing to keep, or check_target() refuses */
	rc = backup_state(j, &size, &mtime);
	if (rc < 0)
		return rc;
	if (bound) {
		rc = source_open(&j->li, j->from, &src);
		while (rc >= 0 && (rc = source_next(&src, &rec)) > 0) {
			if (rec.type != LOGREC_COMMIT)
				continue;
			for (i = 0; i < rec.n_touched; i++)
				if (!strcasecmp(rec.touched[i].dsn, res->dsn)) {
					size = rec.touched[i].size;
					mtime = rec.touched[i].mtime_us;
					lsn = rec.lsn;
				}
		}
		source_close(&src);
		if (rc < 0)
			return rc;
	}
	live_us = (int64_t)sb.st_mtim.tv_sec * 1000000 +
		  sb.st_mtim.tv_nsec / 1000;
	if ((uint64_t)sb.st_size == size && live_us == mtime)
		return 0;
	rtime_format_iso(live_us, now_s, sizeof(now_s));
	rtime_format_iso(mtime, then_s, sizeof(then_s));
	return ruv_fail(-EBUSY,
			"'%s' changed since its last journaled state (now "
			"%llu bytes, modified %s; %s %llu bytes, modified %s): "
			"give --force to recover over it",
			res->target, (unsigned long long)sb.st_size, now_s,
			lsn ? "the log's last commit says" : "its backup found",
			(unsigned long long)size, then_s);
}

/*
 * What a killed run left beside the target: .BASE.ruv-recover and the
 * temporaries copy_restore() makes for it (.BASE.ruv-recover.ruv-restore-
 * XXXXXX).  Names of this module's own making only.
 */
static void remove_leftovers(const char *tmp)
{
	char dir[PATH_MAX], path[PATH_MAX + NAME_MAX + 2];
	const char *slash = strrchr(tmp, '/'), *base = slash ? slash + 1 : tmp;
	size_t blen = strlen(base);
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - tmp) : 1,
		 slash ? tmp : ".");
	d = opendir(dir[0] ? dir : "/");
	if (!d)
		return;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, base, blen) &&
		    (!de->d_name[blen] ||
		     !strncmp(de->d_name + blen, ".ruv-restore-", 13))) {
			snprintf(path, sizeof(path), "%s/%s", dir[0] ? dir : "",
				 de->d_name);
			unlink(path);
		}
	closedir(d);
}

/* Build the file aside and put it in place. */
static int rebuild(struct job *j, int bound)
{
	char tmp[PATH_MAX];
	int rc;

	rc = temp_of(j->res->target, tmp, sizeof(tmp));
	if (rc < 0)
		return rc;
	rc = check_target(j->res->target);
	if (rc == 0 && !j->req->to && !j->req->new_name && !j->req->force)
		rc = guard(j, bound);
	if (rc < 0)
		return rc;
	remove_leftovers(tmp);
	rc = copy_restore(&j->res->copy, tmp);
	if (rc < 0)
		return rc;
	j->fd = open(tmp, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (j->fd < 0) {
		rc = -errno;
		goto out;
	}
	if (bound) {
		rc = undo(j);
		if (rc == 0)
			rc = redo(j);
		if (rc < 0)
			goto out;
	}
	if (fsync(j->fd) < 0) {
		rc = -errno;
		goto out;
	}
	rc = check_target(j->res->target);
	if (rc < 0)
		goto out;
	if (rename(tmp, j->res->target) < 0) {
		rc = -errno;
		ruv_fail(rc, "cannot replace '%s': %s", j->res->target,
			 strerror(-rc));
		goto out;
	}
	tmp[0] = '\0';
	dir_sync(j->res->target);
out:
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	if (tmp[0])
		unlink(tmp);
	if (rc < 0 && !*ruv_lasterr())
		ruv_fail(rc, "cannot recover '%s' to '%s': %s", j->res->dsn,
			 j->res->target, strerror(-rc));
	return rc;
}

static int recover_one(struct repo *r, const struct recover_request *req,
		       FILE *spill, const char *dsn, struct recover_result *res)
{
	struct job j = {
		.r = r, .req = req, .spill = spill, .res = res, .fd = -1
	};
	char stream[LOGCAT_NAME_MAX + 1] = "", when[RTIME_ISO_MAX];
	char msg[PATH_MAX + 256];
	struct file_info fi;
	int bound, rc;

	ruv_clearerr();
	rc = logcat_file_stream(r, dsn, &fi, stream);
	if (rc < 0)
		goto out;
	bound = rc == 0 && stream[0];
	snprintf(res->dsn, sizeof(res->dsn), "%s", fi.dsn);
	rc = target_of(&j, &fi);
	if (rc == 0)
		rc = choose(&j);
	if (rc == 0 && bound) {
		snprintf(res->stream, sizeof(res->stream), "%s", stream);
		rc = logcat_lookup(r, stream, &j.li);
		if (rc == 0) {
			snprintf(res->stream_dir, sizeof(res->stream_dir), "%s",
				 j.li.dir);
			rc = load_mark(&j);
		}
		if (rc == 0)
			rc = scan(&j);
	}
	if (rc < 0)
		goto out;
	count_units(&j);
	if (req->inventory_only)
		goto out;
	rc = rebuild(&j, bound);
	if (rc < 0)
		goto out;
	if (req->stop_us == RECOVER_TIME_ALL)
		snprintf(when, sizeof(when), "the end of the log");
	else
		rtime_format_iso(req->stop_us, when, sizeof(when));
	snprintf(msg, sizeof(msg),
		 "to %s at %s from backup B%lld: %u units applied, %u left "
		 "out, %u in flight",
		 res->target, when, (long long)res->copy.backup_id,
		 res->units_applied, res->units_left_out, res->units_in_flight);
	rc = history_add(r, "recover", res->dsn, 0, msg);
out:
	if (rc < 0) {
		res->rc = rc;
		snprintf(res->message, sizeof(res->message), "%s",
			 *ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
	}
	free(j.units.v);
	undo_free(&j.undo);
	return rc;
}

/* ---- names --------------------------------------------------------------- */

struct names {
	char **v;
	unsigned n, cap;
};

static int names_add(const char *dsn, void *arg)
{
	struct names *l = arg;
	char **nv;
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (!strcasecmp(l->v[i], dsn))
			return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		nv = realloc(l->v, l->cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
	}
	l->v[l->n] = strdup(dsn);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static int names_add_file(const struct file_info *fi, void *arg)
{
	return names_add(fi->dsn, arg);
}

static void names_free(struct names *l)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int resolve(struct repo *r, const struct recover_request *req,
		   char *const *dsns, unsigned n, char *const *groups,
		   unsigned ng, int all, struct names *l)
{
	struct file_info fi;
	unsigned i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		rc = file_lookup(r, dsns[i], &fi);
		if (rc == 0)
			rc = names_add(fi.dsn, l);
	}
	for (i = 0; i < ng && rc == 0; i++)
		rc = group_members(r, groups[i], NULL, 0, names_add, l);
	if (rc == 0 && all)
		rc = file_list(r, NULL, 0, names_add_file, l);
	if (rc < 0)
		return rc;
	if (!l->n)
		return ruv_fail(-ENODATA, "nothing to recover: no file named");
	if ((req->to || req->new_name) && l->n != 1)
		return ruv_fail(-EINVAL,
				"%s names one target: recover one file with "
				"it (%u named)",
				req->to ? "--to" : "--new-name", l->n);
	if (req->new_name) {
		rc = file_lookup(r, req->new_name, &fi);
		if (rc < 0)
			return rc;
		if (!strcasecmp(fi.dsn, l->v[0]))
			return ruv_fail(-EINVAL,
					"--new-name '%s' is the file being "
					"recovered: name another registered "
					"DSN",
					req->new_name);
	}
	return 0;
}

/* ---- lanes -----------------------------------------------------------------
 */

struct lanes {
	struct repo *r; /* the caller's: its path, and lane 0's connection */
	const struct recover_request *req;
	FILE *spill;
	char **names;
	struct recover_result *res;
	unsigned n;
	unsigned next; /* under mu */
	unsigned done; /* under mu: files ended */
	pthread_mutex_t mu;
};

static void file_done(struct lanes *ls, unsigned i)
{
	pthread_mutex_lock(&ls->mu);
	ls->done++;
	if (ls->req->progress)
		ls->req->progress(ls->req->progress_arg, &ls->res[i], ls->done,
				  ls->n);
	pthread_mutex_unlock(&ls->mu);
}

/* One lane: its own repository connection, files taken in turn. */
static void *lane_run(void *arg)
{
	struct lanes *ls = arg;
	struct repo *r = NULL;
	unsigned i;
	int rc;

	rc = repo_open(repo_path(ls->r), 0, &r);
	for (;;) {
		pthread_mutex_lock(&ls->mu);
		i = ls->next++;
		pthread_mutex_unlock(&ls->mu);
		if (i >= ls->n)
			break;
		if (rc < 0) {
			ls->res[i].rc = rc;
			snprintf(ls->res[i].message, sizeof(ls->res[i].message),
				 "%s",
				 *ruv_lasterr() ? ruv_lasterr()
						: strerror(-rc));
			continue;
		} else
			recover_one(r, ls->req, ls->spill, ls->names[i],
				    &ls->res[i]);
		file_done(ls, i);
	}
	repo_close(r);
	return NULL;
}

/* Every file, in lanes of their own when workers allow. */
static void run_lanes(struct lanes *ls, unsigned workers)
{
	pthread_t tid[64];
	unsigned nt = workers < ls->n ? workers : ls->n, i, started = 0;

	if (nt > 64)
		nt = 64;
	pthread_mutex_init(&ls->mu, NULL);
	if (nt > 1) {
		for (i = 0; i < nt; i++)
			if (pthread_create(&tid[i], NULL, lane_run, ls) == 0)
				started++;
		for (i = 0; i < started; i++)
			pthread_join(tid[i], NULL);
	}
	for (i = ls->next; !started && i < ls->n; i++) {
		recover_one(ls->r, ls->req, ls->spill, ls->names[i],
			    &ls->res[i]);
		file_done(ls, i);
	}
	pthread_mutex_destroy(&ls->mu);
}

int recover_forward(struct repo *r, const struct recover_request *req,
		    char *const *dsns, unsigned n, char *const *groups,
		    unsigned ng, int all, struct recover_result **results,
		    unsigned *nresults)
{
	struct recover_result *res = NULL;
	struct names l = { 0 };
	struct lanes lanes;
	char when[RTIME_ISO_MAX];
	FILE *spill = NULL;
	unsigned i;
	int rc, first = 0;

	*results = NULL;
	*nresults = 0;
	ruv_clearerr();
	rc = resolve(r, req, dsns, n, groups, ng, all, &l);
	if (rc < 0)
		goto out;
	res = calloc(l.n, sizeof(*res));
	if (!res) {
		rc = -ENOMEM;
		goto out;
	}
	if (req->spill && !req->inventory_only) {
		spill = fopen(req->spill, "we");
		if (!spill) {
			rc = -errno;
			ruv_fail(rc, "cannot write spill file '%s': %s",
				 req->spill, strerror(-rc));
			goto out;
		}
		if (req->stop_us == RECOVER_TIME_ALL)
			snprintf(when, sizeof(when), "end");
		else
			rtime_format_iso(req->stop_us, when, sizeof(when));
		fprintf(spill, "# ruv recover forward spill v1 stop=%s\n",
			when);
	}
	for (i = 0; i < l.n; i++)
		snprintf(res[i].dsn, sizeof(res[i].dsn), "%s", l.v[i]);
	lanes = (struct lanes){ .r = r,
				.req = req,
				.spill = spill,
				.names = l.v,
				.res = res,
				.n = l.n };
	run_lanes(&lanes, req->workers);
	for (i = 0; i < l.n; i++)
		if (res[i].rc < 0 && !first)
			first = res[i].rc;
	if (spill) {
		if (fflush(spill) != 0 || fsync(fileno(spill)) < 0) {
			if (!first)
				first = -errno;
		}
		if (fclose(spill) != 0 && !first)
			first = -EIO;
		spill = NULL;
	}
	*results = res;
	*nresults = l.n;
	res = NULL;
	rc = first;
out:
	if (spill)
		fclose(spill);
	free(res);
	names_free(&l);
	return rc;
}
