// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Log streams: the segment format, the writer and the reader.
 *
 * A stream is a directory.  It holds segment files named by the LSN of
 * their first record, 20 decimal digits and ".rlog"
 * (00000000000000000001.rlog), and two lock files, ".lock" (an exclusive
 * flock(2) held for each append, by whichever process appends) and
 * ".writers" (a shared flock held by every open writer; an opener that can
 * take it exclusively knows no other writer is alive).  Anything else in
 * the directory is ignored.  A segment is created as ".tmp-LSN-PID", its
 * header written and synced, then renamed into place and the directory
 * synced, so a segment file always starts with a whole header.
 *
 * THE FORMAT, version 1.  All integers little-endian.
 *
 * Segment header (48 + 8 * n_open + 4 bytes):
 *   0  8  magic "RUVLSEG\0"
 *   8  u32 version = 1
 *  12  u32 header length in bytes (48 + 8 * n_open + 4)
 *  16  u64 first LSN: the LSN of the segment's first record (the next LSN
 *          when the segment is empty); equals the file name
 *  24  i64 time (UTC us) of the stream's last record before this segment,
 *          0 if none: the time floor of the segment's records
 *  32  i64 creation time (UTC us)
 *  40  u32 n_open: units begun before this segment and not ended then
 *  44  u32 zero
 *  48  u64 x n_open: those units' ids, ascending
 *  ..  u32 CRC-32C of every preceding header byte
 * Records follow back to back, no padding, to the end of the file.
 *
 * Record (40 + body bytes, at most LOGSTREAM_RECORD_MAX):
 *   0  u32 length of the whole record
 *   4  u32 CRC-32C of bytes 0..3 followed by bytes 8..length-1
 *   8  u64 LSN
 *  16  i64 time, UTC microseconds, >= the previous record's
 *  24  u64 unit-of-work id (the LSN of the unit's BEGIN)
 *  32  u8  type: 1 BEGIN 2 WRITE 3 TRUNCATE 4 COMMIT 5 BACKOUT 6 ABORT
 *  33  u8  DSN length: 1..44 for WRITE and TRUNCATE, else 0
 *  34  u16 zero
 *  36  u32 COMMIT: number of touched entries; else 0
 *  40  body:
 *      WRITE     u64 offset, u64 old size, u32 after length (>= 1),
 *                u32 before length (= min(after, old size - offset) or 0),
 *                DSN, after-image, before-image
 *      TRUNCATE  u64 new size, u64 old size, u32 cut length
 *                (= old - new when it shrinks, else 0), u32 zero, DSN, cut
 *      COMMIT    per entry: u64 size, i64 mtime (us), u8 DSN length
 *                (1..44), DSN
 *      BEGIN, BACKOUT, ABORT: none
 * DSNs are stored folded, as names_dsn_check() gives them.
 *
 * Changing the format: any change a version-1 reader would misread (a new
 * field, a new type, a new meaning) bumps the version, and the version
 * is per segment.  A writer appends only to a segment of its own
 * version: the writer of version N + 1 must start a new segment when it
 * finds a version-N one last (this code knows only version 1, so it has
 * no such case yet), and readers must go on reading every older version.
 * This code refuses any other version (-EIO, "segment version N").
 *
 * Torn tail and damage: a record whose length runs past the end of the
 * last segment, or a run of zero bytes to its end, is a torn tail (a
 * crash during the append or a power loss before the sync): readers stop
 * there, the next writer cuts it.  Anything else that does not check (a
 * CRC, a field out of range, an LSN out of sequence) is damage: -EIO with
 * the segment, byte offset and LSN named; nothing is cut.
 *
 * Locking: one mutex per handle serialises the threads of a process; the
 * ".lock" flock the processes.  Both are held for one append only.  The
 * sync for group commit is outside them: one thread syncs for all the
 * commits appended before it started (sync_mu, sync_cv).
 *
 * Cost: an append is one pwrite plus flock, fstat and one faccessat (to
 * see another process's records and segments); a WRITE also an fallocate
 * of its size and the reserve.  A commit adds one fdatasync, shared.  The
 * reader reads 1 MiB blocks and checks every CRC (crc32c runs at several
 * GB/s).  Open reads the last segment once.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "errmsg.h"
#include "arcrec.h"
#include "le.h"
#include "logstream.h"
#include "rtime.h"

#define SEG_MAGIC	  "RUVLSEG"
#define SEG_VERSION	  1u
#define SEG_FIXED	  48u
#define SEG_OPEN_MAX	  65536u
#define SEG_SUFFIX	  ".rlog"
#define SEG_NAME_LEN	  (20 + 5)
#define REC_HEAD	  40u
#define REC_WRITE_FIXED	  24u
#define REC_TOUCHED_FIXED 17u
#define LOGSTREAM_RECORD_MAX                                                   \
	(REC_HEAD + REC_WRITE_FIXED + NAMES_DSN_MAX + 2 * LOGSTREAM_IMAGE_MAX)
#define READ_BLOCK (1u << 20)

const char *logrec_type_name(int type)
{
	static const char *const names[] = {
		"?", "BEGIN", "WRITE", "TRUNCATE", "COMMIT", "BACKOUT", "ABORT",
	};

	if (type < LOGREC_BEGIN || type > LOGREC_ABORT)
		return names[0];
	return names[type];
}

static void seg_name(uint64_t first, char *buf, size_t len)
{
	snprintf(buf, len, "%020" PRIu64 SEG_SUFFIX, first);
}

/* 1 and *first if name is a segment name, else 0. */
static int seg_name_parse(const char *name, uint64_t *first)
{
	uint64_t v = 0;
	int i;

	if (strlen(name) != SEG_NAME_LEN || strcmp(name + 20, SEG_SUFFIX))
		return 0;
	for (i = 0; i < 20; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	*first = v;
	return 1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The segments of the stream, ascending.  *out is malloc'd (may be NULL
 * when *n is 0). */
static int seg_list(int dirfd, const char *dir, uint64_t **out, size_t *n)
{
	struct dirent *de;
	uint64_t *v = NULL, *nv, first;
	size_t cnt = 0, cap = 0;
	DIR *d = NULL;
	int fd, rc = 0;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ruv_fail(-errno, "cannot list log stream '%s': %s", dir,
				strerror(errno));
	d = fdopendir(fd);
	if (!d) {
		rc = -errno;
		close(fd);
		return rc;
	}
	while ((errno = 0, de = readdir(d))) {
		if (!seg_name_parse(de->d_name, &first))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = -ENOMEM;
				goto out;
			}
			v = nv;
		}
		v[cnt++] = first;
	}
	if (errno) {
		rc = ruv_fail(-errno, "cannot list log stream '%s': %s", dir,
			      strerror(errno));
		goto out;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_u64);
	*out = v;
	*n = cnt;
	v = NULL;
out:
	free(v);
	closedir(d);
	return rc;
}

/* ---- segment header ---- */

struct seghdr {
	uint64_t first;
	int64_t prev_us;
	int64_t created_us;
	uint32_t len;
	uint32_t n_open;
	uint64_t *open; /* malloc'd */
};

static int seg_damaged(const char *dir, uint64_t first, uint64_t off,
		       uint64_t lsn, const char *why)
{
	char name[SEG_NAME_LEN + 1];

	seg_name(first, name, sizeof(name));
	return ruv_fail(-EIO,
			"log stream '%s': segment %s damaged at byte %" PRIu64
			" (LSN %" PRIu64 "): %s",
			dir, name, off, lsn, why);
}

static int pread_full(int fd, void *buf, size_t len, uint64_t off, size_t *got)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done,
			  (off_t)(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*got = done;
	return 0;
}

static int seghdr_read(int fd, const char *dir, uint64_t first,
		       struct seghdr *h)
{
	uint8_t fixed[SEG_FIXED], *buf = NULL;
	uint32_t len, n, i;
	size_t got;
	int rc;

	memset(h, 0, sizeof(*h));
	rc = pread_full(fd, fixed, sizeof(fixed), 0, &got);
	if (rc < 0)
		return ruv_fail(rc, "log stream '%s': cannot read segment: %s",
				dir, strerror(-rc));
	if (got < sizeof(fixed) || memcmp(fixed, SEG_MAGIC, 8))
		return seg_damaged(dir, first, 0, first,
				   "not a segment header");
	if (get32(fixed + 8) != SEG_VERSION) {
		char why[64];

		snprintf(why, sizeof(why), "segment version %u, not %u",
			 get32(fixed + 8), SEG_VERSION);
		return seg_damaged(dir, first, 8, first, why);
	}
	n = get32(fixed + 40);
	len = get32(fixed + 12);
	if (n > SEG_OPEN_MAX || len != SEG_FIXED + 8 * n + 4 ||
	    get32(fixed + 44))
		return seg_damaged(dir, first, 12, first,
				   "header length out of range");
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	rc = pread_full(fd, buf, len, 0, &got);
	if (rc < 0) {
		rc = ruv_fail(rc, "log stream '%s': cannot read segment: %s",
			      dir, strerror(-rc));
		goto out;
	}
	if (got < len || crc32c(0, buf, len - 4) != get32(buf + len - 4)) {
		rc = seg_damaged(dir, first, 0, first,
				 "segment header CRC does not match");
		goto out;
	}
	if (get64(buf + 16) != first) {
		rc = seg_damaged(dir, first, 16, first,
				 "header LSN differs from the file name");
		goto out;
	}
	h->first = first;
	h->prev_us = (int64_t)get64(buf + 24);
	h->created_us = (int64_t)get64(buf + 32);
	h->len = len;
	h->n_open = n;
	if (n) {
		h->open = malloc(n * sizeof(*h->open));
		if (!h->open) {
			rc = -ENOMEM;
			goto out;
		}
		for (i = 0; i < n; i++)
			h->open[i] = get64(buf + SEG_FIXED + 8 * i);
	}
out:
	free(buf);
	return rc;
}

/* ---- record parsing, shared by the reader and the writer ---- */

enum {
	PARSE_MORE = 0, /* need more bytes */
};

struct parse_state {
	struct log_touched *touched; /* grown as needed */
	size_t touched_cap;
	const char *why; /* set when the record is bad */
};

static int dsn_ok(const uint8_t *p, unsigned len, char *out)
{
	char tmp[NAMES_DSN_MAX + 1];

	if (len < 1 || len > NAMES_DSN_MAX)
		return 0;
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	if (memchr(tmp, '\0', len))
		return 0;
	if (names_dsn_check(tmp, out, NAMES_DSN_MAX + 1) < 0 ||
	    strcmp(tmp, out))
		return 0;
	return 1;
}

/*
 * Parse the record at p (avail bytes there).  Returns its length, PARSE_MORE
 * when avail does not hold all of it (or its length field), or -EBADMSG
 * with ps->why.  Never reads past the record's own length.
 */
static long rec_parse(const uint8_t *p, size_t avail, struct logrec *rec,
		      struct parse_state *ps)
{
	uint32_t len, cnt, alen, blen, i;
	const uint8_t *q, *end;
	unsigned dlen;
	int type;

	if (avail < 8)
		return PARSE_MORE;
	len = get32(p);
	if (len < REC_HEAD || len > LOGSTREAM_RECORD_MAX) {
		ps->why = "record length out of range";
		return -EBADMSG;
	}
	if (avail < len)
		return PARSE_MORE;
	if (arcrec_crc(p, len) != get32(p + 4)) {
		ps->why = "record CRC does not match";
		return -EBADMSG;
	}
	memset(rec, 0, sizeof(*rec));
	rec->lsn = get64(p + 8);
	rec->time_us = (int64_t)get64(p + 16);
	rec->uow = get64(p + 24);
	type = p[32];
	dlen = p[33];
	cnt = get32(p + 36);
	rec->type = type;
	end = p + len;
	q = p + REC_HEAD;
	ps->why = "record fields out of range";
	if (get16(p + 34) || rec->uow == 0 || rec->uow > rec->lsn)
		return -EBADMSG;
	switch (type) {
	case LOGREC_BEGIN:
	case LOGREC_BACKOUT:
	case LOGREC_ABORT:
		if (dlen || cnt || len != REC_HEAD)
			return -EBADMSG;
		if (type == LOGREC_BEGIN && rec->uow != rec->lsn)
			return -EBADMSG;
		break;
	case LOGREC_WRITE:
		if (cnt || len < REC_HEAD + REC_WRITE_FIXED + dlen)
			return -EBADMSG;
		rec->offset = get64(q);
		rec->old_size = get64(q + 8);
		alen = get32(q + 16);
		blen = get32(q + 20);
		q += REC_WRITE_FIXED;
		if (!dsn_ok(q, dlen, rec->dsn))
			return -EBADMSG;
		q += dlen;
		if (alen < 1 || alen > LOGSTREAM_IMAGE_MAX || blen > alen ||
		    (uint64_t)(end - q) != (uint64_t)alen + blen)
			return -EBADMSG;
		if (rec->offset > UINT64_MAX - alen)
			return -EBADMSG;
		if (blen != (rec->offset < rec->old_size
				     ? (rec->old_size - rec->offset < alen
						? rec->old_size - rec->offset
						: alen)
				     : 0))
			return -EBADMSG;
		rec->after = q;
		rec->after_len = alen;
		rec->before = q + alen;
		rec->before_len = blen;
		break;
	case LOGREC_TRUNCATE:
		if (cnt || len < REC_HEAD + REC_WRITE_FIXED + dlen)
			return -EBADMSG;
		rec->new_size = get64(q);
		rec->old_size = get64(q + 8);
		blen = get32(q + 16);
		if (get32(q + 20))
			return -EBADMSG;
		q += REC_WRITE_FIXED;
		if (!dsn_ok(q, dlen, rec->dsn))
			return -EBADMSG;
		q += dlen;
		if ((uint64_t)(end - q) != blen ||
		    blen != (rec->new_size < rec->old_size
				     ? rec->old_size - rec->new_size
				     : 0))
			return -EBADMSG;
		rec->before = q;
		rec->before_len = blen;
		break;
	case LOGREC_COMMIT:
		if (dlen || cnt > LOGSTREAM_TOUCHED_MAX)
			return -EBADMSG;
		if (cnt > ps->touched_cap) {
			struct log_touched *t =
				realloc(ps->touched, cnt * sizeof(*t));

			if (!t)
				return -ENOMEM;
			ps->touched = t;
			ps->touched_cap = cnt;
		}
		for (i = 0; i < cnt; i++) {
			struct log_touched *t = &ps->touched[i];

			if ((size_t)(end - q) < REC_TOUCHED_FIXED)
				return -EBADMSG;
			t->size = get64(q);
			t->mtime_us = (int64_t)get64(q + 8);
			dlen = q[16];
			q += REC_TOUCHED_FIXED;
			if ((size_t)(end - q) < dlen ||
			    !dsn_ok(q, dlen, t->dsn))
				return -EBADMSG;
			q += dlen;
		}
		if (q != end)
			return -EBADMSG;
		rec->touched = cnt ? ps->touched : NULL;
		rec->n_touched = cnt;
		break;
	default:
		ps->why = "unknown record type";
		return -EBADMSG;
	}
	ps->why = NULL;
	return (long)len;
}

/* 1 if the file holds only zero bytes from off to its end, else 0. */
static int zeros_to_eof(int fd, uint64_t off)
{
	uint8_t *buf;
	size_t got, i;
	int rc = 1;

	buf = malloc(READ_BLOCK);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		int r = pread_full(fd, buf, READ_BLOCK, off, &got);

		if (r < 0) {
			rc = r;
			break;
		}
		for (i = 0; i < got && rc; i++)
			if (buf[i])
				rc = 0;
		if (!rc || got < READ_BLOCK)
			break;
		off += got;
	}
	free(buf);
	return rc;
}

/*
 * A cursor over one segment: reads it in blocks, yields records.  Used by
 * the reader and by the writer to catch up with its tail.
 */
struct segcur {
	int fd;
	uint64_t first; /* segment's first LSN (its name) */
	uint8_t *buf;
	size_t cap, len, pos; /* buf holds file bytes [base, base + len) */
	uint64_t base;
	int eof; /* the last pread returned short: len reaches the end */
};

/* Make at least want bytes from pos available, or up to end of file. */
static int segcur_fill(struct segcur *c, size_t want)
{
	size_t got, need;
	int rc;

	if (c->len - c->pos >= want)
		return 0;
	if (c->pos) {
		memmove(c->buf, c->buf + c->pos, c->len - c->pos);
		c->base += c->pos;
		c->len -= c->pos;
		c->pos = 0;
	}
	need = want > READ_BLOCK ? want : READ_BLOCK;
	if (need > c->cap) {
		uint8_t *nb = realloc(c->buf, need);

		if (!nb)
			return -ENOMEM;
		c->buf = nb;
		c->cap = need;
	}
	rc = pread_full(c->fd, c->buf + c->len, c->cap - c->len,
			c->base + c->len, &got);
	if (rc < 0)
		return rc;
	c->eof = got < c->cap - c->len;
	c->len += got;
	return 0;
}

/*
 * Next record of the segment.  1 a record (c->pos past it; *off its file
 * offset); 0 the clean end; 2 a torn tail at *off; -EBADMSG bad at *off
 * (ps->why), or -errno of a read.
 */
static int segcur_next(struct segcur *c, struct logrec *rec,
		       struct parse_state *ps, uint64_t *off)
{
	long n;
	int rc;

	rc = segcur_fill(c, 8);
	if (rc < 0)
		return rc;
	*off = c->base + c->pos;
	if (c->len == c->pos)
		return 0;
	for (;;) {
		n = rec_parse(c->buf + c->pos, c->len - c->pos, rec, ps);
		if (n > 0) {
			c->pos += (size_t)n;
			return 1;
		}
		if (n == -ENOMEM)
			return -ENOMEM;
		if (n < 0) {
			/* Zeros to the end of the file: a power loss left the
			 * size and not the data.  Torn, not damaged. */
			rc = zeros_to_eof(c->fd, *off);
			if (rc < 0)
				return rc;
			return rc ? 2 : -EBADMSG;
		}
		if (c->eof)
			return 2;
		rc = segcur_fill(
			c, c->len - c->pos < 8 ? 8 : get32(c->buf + c->pos));
		if (rc < 0)
			return rc;
		if (c->eof && c->len - c->pos < 8)
			return c->len == c->pos ? 0 : 2;
	}
}

/* ---- the writer ---- */

struct unit {
	uint64_t uow;
	int mine;      /* begun through this handle */
	unsigned ndsn; /* distinct DSNs written (mine only) */
	unsigned dsn_cap;
	char (*dsn)[NAMES_DSN_MAX + 1];
};

struct logstream {
	char dir[PATH_MAX];
	int dirfd;
	int lockfd;    /* .lock: exclusive per append */
	int writersfd; /* .writers: shared while open */
	uint64_t segment_size;
	int64_t (*clock_us)(void);

	pthread_mutex_t mu; /* everything below, and the append */
	int seg_fd;	    /* current (last) segment, -1 none yet */
	uint64_t seg_first;
	uint64_t seg_end;   /* end of the last good record */
	uint64_t next_lsn;  /* LSN of the next record */
	int64_t last_us;    /* time of the last record */
	struct unit *units; /* open units, all writers' */
	size_t nunits, units_cap;
	struct parse_state ps;
	struct segcur cur; /* catching up with other writers */

	pthread_mutex_t sync_mu; /* group commit */
	pthread_cond_t sync_cv;
	int syncing;
	uint64_t synced_lsn; /* records <= this are durable */
	int sync_err;
};

static int64_t real_clock(void)
{
	return rtime_now();
}

static struct unit *unit_find(struct logstream *ls, uint64_t uow)
{
	size_t i;

	for (i = 0; i < ls->nunits; i++)
		if (ls->units[i].uow == uow)
			return &ls->units[i];
	return NULL;
}

static int unit_add(struct logstream *ls, uint64_t uow, int mine)
{
	struct unit *u;

	if (unit_find(ls, uow))
		return 0;
	if (ls->nunits == ls->units_cap) {
		size_t cap = ls->units_cap ? ls->units_cap * 2 : 16;

		u = realloc(ls->units, cap * sizeof(*u));
		if (!u)
			return -ENOMEM;
		ls->units = u;
		ls->units_cap = cap;
	}
	u = &ls->units[ls->nunits++];
	memset(u, 0, sizeof(*u));
	u->uow = uow;
	u->mine = mine;
	return 0;
}

static void unit_del(struct logstream *ls, uint64_t uow)
{
	struct unit *u = unit_find(ls, uow);

	if (!u)
		return;
	free(u->dsn);
	*u = ls->units[--ls->nunits];
}

/* Note that unit u wrote dsn (for the size of its COMMIT reserve). */
static int unit_touch(struct unit *u, const char *dsn)
{
	unsigned i;

	for (i = 0; i < u->ndsn; i++)
		if (!strcmp(u->dsn[i], dsn))
			return 0;
	if (u->ndsn >= LOGSTREAM_TOUCHED_MAX)
		return 0;
	if (u->ndsn == u->dsn_cap) {
		unsigned cap = u->dsn_cap ? u->dsn_cap * 2 : 4;
		char(*nd)[NAMES_DSN_MAX + 1] =
			realloc(u->dsn, cap * sizeof(*nd));

		if (!nd)
			return -ENOMEM;
		u->dsn = nd;
		u->dsn_cap = cap;
	}
	snprintf(u->dsn[u->ndsn++], NAMES_DSN_MAX + 1, "%s", dsn);
	return 0;
}

static uint64_t commit_size(unsigned ndsn)
{
	return REC_HEAD + (uint64_t)(ndsn ? ndsn : 1) *
				  (REC_TOUCHED_FIXED + NAMES_DSN_MAX);
}

/* Bytes this handle keeps for the COMMITs of its open units. */
static uint64_t reserve_bytes(struct logstream *ls)
{
	uint64_t r = 0;
	size_t i;

	for (i = 0; i < ls->nunits; i++)
		if (ls->units[i].mine)
			r += commit_size(ls->units[i].ndsn);
	return r;
}

/* Apply a record seen in the stream to the open-unit set. */
static int track(struct logstream *ls, const struct logrec *rec)
{
	switch (rec->type) {
	case LOGREC_BEGIN:
		return unit_add(ls, rec->uow, 0);
	case LOGREC_COMMIT:
	case LOGREC_BACKOUT:
	case LOGREC_ABORT:
		unit_del(ls, rec->uow);
		break;
	}
	return 0;
}

static int seg_open_fd(struct logstream *ls, uint64_t first)
{
	char name[SEG_NAME_LEN + 1];
	int fd;

	seg_name(first, name, sizeof(name));
	fd = openat(ls->dirfd, name, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return ruv_fail(-errno, "log stream '%s': cannot open %s: %s",
				ls->dir, name, strerror(errno));
	return fd;
}

/* Make fd the current segment (first LSN first, header already read). */
static void seg_switch(struct logstream *ls, int fd, uint64_t first,
		       uint32_t hdr_len)
{
	if (ls->seg_fd >= 0) {
		/* The roller synced it; a second sync is cheap insurance
		 * that no record of ours stays behind in the old file. */
		fdatasync(ls->seg_fd);
		close(ls->seg_fd);
	}
	ls->seg_fd = fd;
	ls->seg_first = first;
	ls->seg_end = hdr_len;
	ls->cur.fd = fd;
	ls->cur.first = first;
	ls->cur.len = ls->cur.pos = 0;
	ls->cur.base = hdr_len;
	ls->cur.eof = 0;
}

/*
 * Catch up with the tail: read the records other writers appended after
 * seg_end, follow segments they started, and cut a torn tail (we hold the
 * .lock, so no live writer is in the middle of an append).
 */
static int refresh(struct logstream *ls)
{
	char name[SEG_NAME_LEN + 1];
	struct seghdr h;
	struct logrec rec;
	struct stat st;
	uint64_t off;
	int rc, fd;

	for (;;) {
		if (ls->seg_fd < 0) {
			seg_name(ls->next_lsn, name, sizeof(name));
			if (faccessat(ls->dirfd, name, F_OK, 0) < 0)
				return 0;
		} else {
			if (fstat(ls->seg_fd, &st) < 0)
				return -errno;
			if ((uint64_t)st.st_size < ls->seg_end)
				return seg_damaged(ls->dir, ls->seg_first,
						   (uint64_t)st.st_size,
						   ls->next_lsn,
						   "segment shorter than "
						   "its last record");
			if ((uint64_t)st.st_size > ls->seg_end) {
				ls->cur.base = ls->seg_end;
				ls->cur.len = ls->cur.pos = 0;
				ls->cur.eof = 0;
				while ((rc = segcur_next(&ls->cur, &rec,
							 &ls->ps, &off)) == 1) {
					if (rec.lsn != ls->next_lsn)
						return seg_damaged(
							ls->dir, ls->seg_first,
							off, ls->next_lsn,
							"LSN out of sequence");
					rc = track(ls, &rec);
					if (rc < 0)
						return rc;
					ls->next_lsn++;
					if (rec.time_us > ls->last_us)
						ls->last_us = rec.time_us;
					ls->seg_end =
						ls->cur.base + ls->cur.pos;
				}
				if (rc == -EBADMSG)
					return seg_damaged(
						ls->dir, ls->seg_first, off,
						ls->next_lsn, ls->ps.why);
				if (rc < 0)
					return rc;
				if (rc == 2 &&
				    ftruncate(ls->seg_fd, (off_t)off) < 0)
					return ruv_fail(
						-errno,
						"log stream '%s': cannot cut "
						"the torn tail: %s",
						ls->dir, strerror(errno));
			}
			/* Only a segment with a record in it is ever
			 * followed by another. */
			if (ls->next_lsn == ls->seg_first)
				return 0;
			seg_name(ls->next_lsn, name, sizeof(name));
			if (faccessat(ls->dirfd, name, F_OK, 0) < 0)
				return 0;
		}
		/* Another writer started the next segment. */
		fd = seg_open_fd(ls, ls->next_lsn);
		if (fd < 0)
			return fd;
		rc = seghdr_read(fd, ls->dir, ls->next_lsn, &h);
		if (rc < 0) {
			close(fd);
			return rc;
		}
		free(h.open);
		seg_switch(ls, fd, h.first, h.len);
	}
}

static int fsync_dir(struct logstream *ls)
{
	return fsync(ls->dirfd) < 0 ? -errno : 0;
}

/*
 * Start a segment at next_lsn with room for first_len + reserve bytes
 * behind its header.  A failure leaves the current segment current.
 */
static int seg_roll(struct logstream *ls, uint64_t room)
{
	char name[SEG_NAME_LEN + 1], tmp[64];
	uint8_t *h = NULL;
	uint32_t hlen, i, n = 0;
	int fd = -1, rc;

	n = (uint32_t)ls->nunits;
	hlen = SEG_FIXED + 8 * n + 4;
	h = calloc(1, hlen);
	if (!h)
		return -ENOMEM;
	memcpy(h, SEG_MAGIC, 8);
	put32(h + 8, SEG_VERSION);
	put32(h + 12, hlen);
	put64(h + 16, ls->next_lsn);
	put64(h + 24, (uint64_t)ls->last_us);
	put64(h + 32, (uint64_t)ls->clock_us());
	put32(h + 40, n);
	{
		uint64_t *ids = malloc((n ? n : 1) * sizeof(*ids));

		if (!ids) {
			rc = -ENOMEM;
			goto out;
		}
		for (i = 0; i < n; i++)
			ids[i] = ls->units[i].uow;
		qsort(ids, n, sizeof(*ids), cmp_u64);
		for (i = 0; i < n; i++)
			put64(h + SEG_FIXED + 8 * i, ids[i]);
		free(ids);
	}
	put32(h + hlen - 4, crc32c(0, h, hlen - 4));

	seg_name(ls->next_lsn, name, sizeof(name));
	snprintf(tmp, sizeof(tmp), ".tmp-%" PRIu64 "-%ld", ls->next_lsn,
		 (long)getpid());
	fd = openat(ls->dirfd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (pwrite(fd, h, hlen, 0) != (ssize_t)hlen) {
		rc = errno ? -errno : -ENOSPC;
		goto fail;
	}
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, hlen, (off_t)room) < 0 &&
	    errno != EOPNOTSUPP) {
		rc = -errno;
		goto fail;
	}
	if (fdatasync(fd) < 0) {
		rc = -errno;
		goto fail;
	}
	/* Records in the old segment must be durable before a commit in
	 * the new one can be. */
	if (ls->seg_fd >= 0 && fdatasync(ls->seg_fd) < 0) {
		rc = -errno;
		goto fail;
	}
	if (renameat(ls->dirfd, tmp, ls->dirfd, name) < 0) {
		rc = -errno;
		goto fail;
	}
	rc = fsync_dir(ls);
	if (rc < 0) {
		unlinkat(ls->dirfd, name, 0);
		goto fail_msg;
	}
	seg_switch(ls, fd, ls->next_lsn, hlen);
	fd = -1;
	rc = 0;
	goto out;
fail:
	unlinkat(ls->dirfd, tmp, 0);
fail_msg:
	rc = ruv_fail(rc, "log stream '%s': cannot start segment %s: %s",
		      ls->dir, name, strerror(-rc));
out:
	if (fd >= 0)
		close(fd);
	free(h);
	return rc;
}

static int lock_tail(struct logstream *ls)
{
	while (flock(ls->lockfd, LOCK_EX) < 0)
		if (errno != EINTR)
			return ruv_fail(-errno,
					"log stream '%s': cannot lock: %s",
					ls->dir, strerror(errno));
	return 0;
}

static void unlock_tail(struct logstream *ls)
{
	flock(ls->lockfd, LOCK_UN);
}

/*
 * Append one record (rec: len bytes, LSN and time and CRC filled here).
 * ls->mu held.  reserved: a COMMIT, BACKOUT or ABORT, which lives off the
 * reserve and never starts a segment.  extra: reserve bytes this record
 * adds (a BEGIN, the first WRITE of a DSN).  On success *lsn is its LSN.
 */
static int append_locked(struct logstream *ls, uint8_t *rec, size_t len,
			 int reserved, uint64_t extra, uint64_t *lsn)
{
	uint64_t room;
	int64_t now;
	size_t done = 0;
	ssize_t n;
	int rc = 0;

	room = len + reserve_bytes(ls) + extra;
	if (ls->seg_fd < 0 ||
	    (!reserved && ls->seg_end + len > ls->segment_size &&
	     ls->next_lsn > ls->seg_first)) {
		rc = seg_roll(ls, room);
		if (rc < 0)
			return rc;
	} else if (!reserved &&
		   fallocate(ls->seg_fd, FALLOC_FL_KEEP_SIZE,
			     (off_t)ls->seg_end, (off_t)room) < 0 &&
		   errno != EOPNOTSUPP) {
		return ruv_fail(-errno, "log stream '%s': %s", ls->dir,
				strerror(errno));
	}
	now = ls->clock_us();
	if (now < ls->last_us)
		now = ls->last_us;
	put64(rec + 8, ls->next_lsn);
	put64(rec + 16, (uint64_t)now);
	if (rec[32] == LOGREC_BEGIN)
		put64(rec + 24, ls->next_lsn);
	put32(rec + 4, arcrec_crc(rec, len));
	while (done < len) {
		n = pwrite(ls->seg_fd, rec + done, len - done,
			   (off_t)(ls->seg_end + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -ENOSPC;
			break;
		}
		done += (size_t)n;
	}
	if (rc < 0) {
		/* Nothing half-written stays: cut back, then try to keep
		 * the open units' reserve (the cut freed it). */
		if (ftruncate(ls->seg_fd, (off_t)ls->seg_end) == 0)
			fallocate(ls->seg_fd, FALLOC_FL_KEEP_SIZE,
				  (off_t)ls->seg_end, (off_t)reserve_bytes(ls));
		return ruv_fail(rc, "log stream '%s': cannot append: %s",
				ls->dir, strerror(-rc));
	}
	*lsn = ls->next_lsn;
	ls->seg_end += len;
	ls->next_lsn++;
	ls->last_us = now;
	return 0;
}

static int append(struct logstream *ls, uint8_t *rec, size_t len, int reserved,
		  uint64_t extra, uint64_t *lsn)
{
	int rc;

	rc = lock_tail(ls);
	if (rc < 0)
		return rc;
	rc = refresh(ls);
	if (rc == 0)
		rc = append_locked(ls, rec, len, reserved, extra, lsn);
	unlock_tail(ls);
	return rc;
}

/* The first 40 bytes of a record; the caller adds the body. */
static void rec_head(uint8_t *p, size_t len, uint64_t uow, int type,
		     unsigned dlen, uint32_t cnt)
{
	memset(p, 0, REC_HEAD);
	put32(p, (uint32_t)len);
	put64(p + 24, uow);
	p[32] = (uint8_t)type;
	p[33] = (uint8_t)dlen;
	put32(p + 36, cnt);
}

/* Durable: every record up to lsn on stable storage. */
static int sync_to(struct logstream *ls, uint64_t lsn)
{
	uint64_t target;
	int fd, rc = 0;

	pthread_mutex_lock(&ls->sync_mu);
	while (ls->synced_lsn < lsn) {
		if (ls->syncing) {
			pthread_cond_wait(&ls->sync_cv, &ls->sync_mu);
			continue;
		}
		ls->syncing = 1;
		pthread_mutex_unlock(&ls->sync_mu);

		pthread_mutex_lock(&ls->mu);
		target = ls->next_lsn - 1;
		fd = dup(ls->seg_fd);
		pthread_mutex_unlock(&ls->mu);
		rc = fd < 0 ? -errno : 0;
		if (fd >= 0 && fdatasync(fd) < 0)
			rc = -errno;
		if (fd >= 0)
			close(fd);

		pthread_mutex_lock(&ls->sync_mu);
		ls->syncing = 0;
		if (rc == 0 && target > ls->synced_lsn)
			ls->synced_lsn = target;
		pthread_cond_broadcast(&ls->sync_cv);
		if (rc < 0)
			break;
	}
	pthread_mutex_unlock(&ls->sync_mu);
	if (rc < 0)
		return ruv_fail(rc, "log stream '%s': cannot sync: %s", ls->dir,
				strerror(-rc));
	return 0;
}

/* Append an end-of-unit record (COMMIT, BACKOUT, ABORT) in buf. ls->mu
 * held; the unit is closed on success. */
static int append_end(struct logstream *ls, uint8_t *buf, size_t len,
		      uint64_t uow, uint64_t *lsn)
{
	int rc = append(ls, buf, len, 1, 0, lsn);

	if (rc == 0)
		unit_del(ls, uow);
	return rc;
}

static uint8_t *rec_alloc(size_t len)
{
	return malloc(len);
}

int logstream_open(const char *dir, const struct logstream_opts *opts,
		   struct logstream **out)
{
	struct logstream *ls;
	struct seghdr h = { 0 };
	uint64_t *segs = NULL, lsn;
	size_t nsegs = 0, i;
	uint8_t rec[REC_HEAD];
	int alone, rc, fd;

	ls = calloc(1, sizeof(*ls));
	if (!ls)
		return -ENOMEM;
	ls->dirfd = ls->lockfd = ls->writersfd = ls->seg_fd = -1;
	ls->cur.fd = -1;
	pthread_mutex_init(&ls->mu, NULL);
	pthread_mutex_init(&ls->sync_mu, NULL);
	pthread_cond_init(&ls->sync_cv, NULL);
	ls->segment_size = opts && opts->segment_size
				   ? opts->segment_size
				   : LOGSTREAM_SEGMENT_DEFAULT;
	if (ls->segment_size < LOGSTREAM_SEGMENT_MIN)
		ls->segment_size = LOGSTREAM_SEGMENT_MIN;
	ls->clock_us = opts && opts->clock_us ? opts->clock_us : real_clock;
	ls->next_lsn = 1;
	if (snprintf(ls->dir, sizeof(ls->dir), "%s", dir) >=
	    (int)sizeof(ls->dir)) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	ls->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ls->dirfd < 0) {
		rc = ruv_fail(-errno, "cannot open log stream '%s': %s", dir,
			      strerror(errno));
		goto out;
	}
	ls->lockfd =
		openat(ls->dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (ls->lockfd >= 0)
		ls->writersfd = openat(ls->dirfd, ".writers",
				       O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (ls->lockfd < 0 || ls->writersfd < 0) {
		rc = ruv_fail(-errno, "cannot open log stream '%s': %s", dir,
			      strerror(errno));
		goto out;
	}
	rc = lock_tail(ls);
	if (rc < 0)
		goto out;
	alone = flock(ls->writersfd, LOCK_EX | LOCK_NB) == 0;

	rc = seg_list(ls->dirfd, dir, &segs, &nsegs);
	if (rc < 0)
		goto unlock;
	if (nsegs) {
		uint64_t last = segs[nsegs - 1];

		fd = seg_open_fd(ls, last);
		if (fd < 0) {
			rc = fd;
			goto unlock;
		}
		rc = seghdr_read(fd, dir, last, &h);
		if (rc < 0) {
			close(fd);
			goto unlock;
		}
		seg_switch(ls, fd, last, h.len);
		ls->next_lsn = last;
		ls->last_us = h.prev_us;
		for (i = 0; i < h.n_open; i++) {
			rc = unit_add(ls, h.open[i], 0);
			if (rc < 0)
				goto unlock;
		}
		rc = refresh(ls);
		if (rc < 0)
			goto unlock;
	}
	if (alone) {
		/* Every open unit belongs to a writer that is gone. */
		while (ls->nunits) {
			uint64_t uow = ls->units[0].uow;

			rec_head(rec, REC_HEAD, uow, LOGREC_ABORT, 0, 0);
			rc = append_locked(ls, rec, REC_HEAD, 1, 0, &lsn);
			if (rc < 0)
				goto unlock;
			unit_del(ls, uow);
		}
		if (ls->seg_fd >= 0 && fdatasync(ls->seg_fd) < 0) {
			rc = ruv_fail(-errno,
				      "log stream '%s': cannot sync: %s", dir,
				      strerror(errno));
			goto unlock;
		}
	}
	ls->synced_lsn = ls->next_lsn - 1;
	if (flock(ls->writersfd, LOCK_SH) < 0) {
		rc = -errno;
		goto unlock;
	}
unlock:
	unlock_tail(ls);
out:
	free(segs);
	free(h.open);
	if (rc < 0) {
		logstream_close(ls);
		return rc;
	}
	*out = ls;
	return 0;
}

int logstream_close(struct logstream *ls)
{
	uint8_t rec[REC_HEAD];
	uint64_t lsn;
	size_t i;
	int rc = 0;

	if (!ls)
		return 0;
	if (ls->seg_fd >= 0) {
		/* Units this handle began and never ended: aborted now
		 * rather than by some later open. */
		pthread_mutex_lock(&ls->mu);
		for (i = 0; i < ls->nunits;) {
			uint64_t uow = ls->units[i].uow;

			if (!ls->units[i].mine) {
				i++;
				continue;
			}
			rec_head(rec, REC_HEAD, uow, LOGREC_ABORT, 0, 0);
			if (append_end(ls, rec, REC_HEAD, uow, &lsn) < 0) {
				rc = rc ? rc : -EIO;
				i++;
			}
		}
		pthread_mutex_unlock(&ls->mu);
		if (fdatasync(ls->seg_fd) < 0 && !rc)
			rc = -errno;
		close(ls->seg_fd);
	}
	for (i = 0; i < ls->nunits; i++)
		free(ls->units[i].dsn);
	free(ls->units);
	free(ls->ps.touched);
	free(ls->cur.buf);
	if (ls->writersfd >= 0)
		close(ls->writersfd);
	if (ls->lockfd >= 0)
		close(ls->lockfd);
	if (ls->dirfd >= 0)
		close(ls->dirfd);
	pthread_cond_destroy(&ls->sync_cv);
	pthread_mutex_destroy(&ls->sync_mu);
	pthread_mutex_destroy(&ls->mu);
	free(ls);
	return rc;
}

uint64_t logstream_next_lsn(struct logstream *ls)
{
	uint64_t v;

	pthread_mutex_lock(&ls->mu);
	v = ls->next_lsn;
	pthread_mutex_unlock(&ls->mu);
	return v;
}

int logstream_begin(struct logstream *ls, uint64_t *uow)
{
	uint8_t rec[REC_HEAD];
	uint64_t lsn;
	int rc;

	rec_head(rec, REC_HEAD, 0, LOGREC_BEGIN, 0, 0);
	pthread_mutex_lock(&ls->mu);
	rc = append(ls, rec, REC_HEAD, 0, commit_size(1), &lsn);
	if (rc == 0) {
		rc = unit_add(ls, lsn, 1);
	}
	pthread_mutex_unlock(&ls->mu);
	if (rc == 0)
		*uow = lsn;
	return rc;
}

/* The unit uow of this handle, with ls->mu held; NULL and a message. */
static struct unit *my_unit(struct logstream *ls, uint64_t uow)
{
	struct unit *u = unit_find(ls, uow);

	if (!u || !u->mine) {
		ruv_fail(-ENOENT,
			 "log stream '%s': unit %" PRIu64 " is not open here",
			 ls->dir, uow);
		return NULL;
	}
	return u;
}

/* Append a WRITE or TRUNCATE built in rec for unit uow touching dsn. */
static int append_change(struct logstream *ls, uint64_t uow, const char *dsn,
			 uint8_t *rec, size_t len, uint64_t *lsn_out)
{
	struct unit *u;
	uint64_t extra = 0, lsn;
	unsigned i;
	int rc, known = 0;

	pthread_mutex_lock(&ls->mu);
	u = my_unit(ls, uow);
	if (!u) {
		rc = -ENOENT;
		goto out;
	}
	for (i = 0; i < u->ndsn; i++)
		known |= !strcmp(u->dsn[i], dsn);
	if (!known && u->ndsn)
		extra = REC_TOUCHED_FIXED + NAMES_DSN_MAX;
	rc = append(ls, rec, len, 0, extra, &lsn);
	if (rc == 0) {
		/* refresh() may have moved the unit table */
		u = unit_find(ls, uow);
		rc = u ? unit_touch(u, dsn) : 0;
		if (lsn_out)
			*lsn_out = lsn;
	}
out:
	pthread_mutex_unlock(&ls->mu);
	return rc;
}

int logstream_write(struct logstream *ls, uint64_t uow, const char *dsn,
		    uint64_t offset, const void *after, size_t len,
		    const void *before, size_t before_len, uint64_t old_size,
		    uint64_t *lsn_out)
{
	char d[NAMES_DSN_MAX + 1];
	uint64_t want;
	uint8_t *rec, *q;
	size_t dlen, rlen;
	int rc;

	rc = names_dsn_check(dsn, d, sizeof(d));
	if (rc < 0)
		return rc;
	if (len < 1 || len > LOGSTREAM_IMAGE_MAX || offset > UINT64_MAX - len)
		return ruv_fail(-EINVAL,
				"log write of %zu bytes at %" PRIu64
				": length must be 1 to %u",
				len, offset, LOGSTREAM_IMAGE_MAX);
	want = offset < old_size ? old_size - offset : 0;
	if (want > len)
		want = len;
	if (before_len != want || (before_len && !before))
		return ruv_fail(
			-EINVAL,
			"log write to %s at %" PRIu64
			": before-image of %zu bytes, the file had %" PRIu64,
			d, offset, before_len, want);
	dlen = strlen(d);
	rlen = REC_HEAD + REC_WRITE_FIXED + dlen + len + before_len;
	rec = rec_alloc(rlen);
	if (!rec)
		return -ENOMEM;
	rec_head(rec, rlen, uow, LOGREC_WRITE, (unsigned)dlen, 0);
	q = rec + REC_HEAD;
	put64(q, offset);
	put64(q + 8, old_size);
	put32(q + 16, (uint32_t)len);
	put32(q + 20, (uint32_t)before_len);
	q += REC_WRITE_FIXED;
	memcpy(q, d, dlen);
	memcpy(q + dlen, after, len);
	if (before_len)
		memcpy(q + dlen + len, before, before_len);
	rc = append_change(ls, uow, d, rec, rlen, lsn_out);
	free(rec);
	return rc;
}

int logstream_truncate(struct logstream *ls, uint64_t uow, const char *dsn,
		       uint64_t new_size, uint64_t old_size, const void *cut,
		       size_t cut_len, uint64_t *lsn_out)
{
	char d[NAMES_DSN_MAX + 1];
	uint64_t want;
	uint8_t *rec, *q;
	size_t dlen, rlen;
	int rc;

	rc = names_dsn_check(dsn, d, sizeof(d));
	if (rc < 0)
		return rc;
	want = new_size < old_size ? old_size - new_size : 0;
	if (want > LOGSTREAM_IMAGE_MAX)
		return ruv_fail(-EINVAL,
				"log truncate of %s cuts %" PRIu64
				" bytes: at most %u per record",
				d, want, LOGSTREAM_IMAGE_MAX);
	if (cut_len != want || (cut_len && !cut))
		return ruv_fail(-EINVAL,
				"log truncate of %s from %" PRIu64
				" to %" PRIu64 ": cut-off image of %zu bytes",
				d, old_size, new_size, cut_len);
	dlen = strlen(d);
	rlen = REC_HEAD + REC_WRITE_FIXED + dlen + cut_len;
	rec = rec_alloc(rlen);
	if (!rec)
		return -ENOMEM;
	rec_head(rec, rlen, uow, LOGREC_TRUNCATE, (unsigned)dlen, 0);
	q = rec + REC_HEAD;
	put64(q, new_size);
	put64(q + 8, old_size);
	put32(q + 16, (uint32_t)cut_len);
	put32(q + 20, 0);
	q += REC_WRITE_FIXED;
	memcpy(q, d, dlen);
	if (cut_len)
		memcpy(q + dlen, cut, cut_len);
	rc = append_change(ls, uow, d, rec, rlen, lsn_out);
	free(rec);
	return rc;
}

/* Append the end record of uow (built by the caller) and sync it. */
static int end_unit(struct logstream *ls, uint64_t uow, uint8_t *rec,
		    size_t len)
{
	uint64_t lsn;
	int rc;

	pthread_mutex_lock(&ls->mu);
	if (!my_unit(ls, uow)) {
		pthread_mutex_unlock(&ls->mu);
		return -ENOENT;
	}
	rc = append_end(ls, rec, len, uow, &lsn);
	pthread_mutex_unlock(&ls->mu);
	if (rc < 0)
		return rc;
	return sync_to(ls, lsn);
}

int logstream_commit(struct logstream *ls, uint64_t uow,
		     const struct log_touched *touched, size_t n)
{
	char d[NAMES_DSN_MAX + 1];
	uint8_t *rec, *q;
	size_t i, rlen = REC_HEAD, dlen;
	int rc;

	if (n > LOGSTREAM_TOUCHED_MAX || (n && !touched))
		return ruv_fail(-EINVAL, "commit lists %zu files: at most %u",
				n, LOGSTREAM_TOUCHED_MAX);
	for (i = 0; i < n; i++) {
		rc = names_dsn_check(touched[i].dsn, d, sizeof(d));
		if (rc < 0)
			return rc;
		rlen += REC_TOUCHED_FIXED + strlen(d);
	}
	rec = rec_alloc(rlen);
	if (!rec)
		return -ENOMEM;
	rec_head(rec, rlen, uow, LOGREC_COMMIT, 0, (uint32_t)n);
	q = rec + REC_HEAD;
	for (i = 0; i < n; i++) {
		names_dsn_check(touched[i].dsn, d, sizeof(d));
		dlen = strlen(d);
		put64(q, touched[i].size);
		put64(q + 8, (uint64_t)touched[i].mtime_us);
		q[16] = (uint8_t)dlen;
		memcpy(q + REC_TOUCHED_FIXED, d, dlen);
		q += REC_TOUCHED_FIXED + dlen;
	}
	rc = end_unit(ls, uow, rec, rlen);
	free(rec);
	return rc;
}

int logstream_backout(struct logstream *ls, uint64_t uow)
{
	uint8_t rec[REC_HEAD];

	rec_head(rec, REC_HEAD, uow, LOGREC_BACKOUT, 0, 0);
	return end_unit(ls, uow, rec, REC_HEAD);
}

/* ---- the reader ---- */

struct logreader {
	char dir[PATH_MAX];
	int dirfd;
	uint64_t *segs; /* segment first LSNs at open, ascending */
	size_t nsegs, seg_i;
	struct segcur cur;
	char name[SEG_NAME_LEN + 1];
	uint64_t from_lsn;
	uint64_t next_lsn; /* expected LSN of the next record */
	int64_t last_us;
	struct parse_state ps;
	int failed;
	int done;
	int drained; /* the current segment re-read after seeing a next */
};

static int reader_enter(struct logreader *lr, uint64_t first)
{
	struct seghdr h;
	int fd, rc;

	seg_name(first, lr->name, sizeof(lr->name));
	fd = openat(lr->dirfd, lr->name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ruv_fail(-errno, "log stream '%s': cannot open %s: %s",
				lr->dir, lr->name, strerror(errno));
	rc = seghdr_read(fd, lr->dir, first, &h);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	free(h.open);
	if (lr->next_lsn && first != lr->next_lsn) {
		close(fd);
		return seg_damaged(lr->dir, first, 0, lr->next_lsn,
				   "segment does not start where the "
				   "previous one ended");
	}
	if (lr->cur.fd >= 0)
		close(lr->cur.fd);
	lr->cur.fd = fd;
	lr->cur.first = first;
	lr->cur.base = h.len;
	lr->cur.len = lr->cur.pos = 0;
	lr->cur.eof = 0;
	lr->next_lsn = first;
	if (h.prev_us > lr->last_us)
		lr->last_us = h.prev_us;
	return 0;
}

int logreader_open(const char *dir, uint64_t from_lsn, struct logreader **out)
{
	struct logreader *lr;
	size_t i;
	int rc;

	lr = calloc(1, sizeof(*lr));
	if (!lr)
		return -ENOMEM;
	lr->cur.fd = -1;
	lr->from_lsn = from_lsn;
	snprintf(lr->dir, sizeof(lr->dir), "%s", dir);
	lr->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lr->dirfd < 0) {
		rc = ruv_fail(-errno, "cannot open log stream '%s': %s", dir,
			      strerror(errno));
		goto fail;
	}
	rc = seg_list(lr->dirfd, dir, &lr->segs, &lr->nsegs);
	if (rc < 0)
		goto fail;
	if (!lr->nsegs) {
		lr->done = 1;
		*out = lr;
		return 0;
	}
	/* The last segment starting at or before from_lsn. */
	for (i = 0; i + 1 < lr->nsegs && lr->segs[i + 1] <= from_lsn; i++)
		;
	lr->seg_i = i;
	rc = reader_enter(lr, lr->segs[i]);
	if (rc < 0)
		goto fail;
	*out = lr;
	return 0;
fail:
	logreader_close(lr);
	return rc;
}

int logreader_next(struct logreader *lr, struct logrec *rec)
{
	char name[SEG_NAME_LEN + 1];
	uint64_t off;
	int rc;

	if (lr->failed)
		return ruv_fail(-EIO, "log stream '%s': reading past damage",
				lr->dir);
	for (;;) {
		if (lr->done)
			return 0;
		rc = segcur_next(&lr->cur, rec, &lr->ps, &off);
		if (rc == 1) {
			lr->drained = 0;
			if (rec->lsn != lr->next_lsn) {
				rc = seg_damaged(lr->dir, lr->cur.first, off,
						 lr->next_lsn,
						 "LSN out of sequence");
				goto fail;
			}
			if (rec->time_us < lr->last_us) {
				rc = seg_damaged(lr->dir, lr->cur.first, off,
						 lr->next_lsn,
						 "time goes back");
				goto fail;
			}
			lr->next_lsn++;
			lr->last_us = rec->time_us;
			if (rec->lsn < lr->from_lsn)
				continue;
			rec->segment = lr->name;
			return 1;
		}
		if (rc == -EBADMSG) {
			rc = seg_damaged(lr->dir, lr->cur.first, off,
					 lr->next_lsn, lr->ps.why);
			goto fail;
		}
		if (rc < 0)
			goto fail;
		/* End of this segment (clean, or a torn tail). */
		if (lr->seg_i + 1 < lr->nsegs) {
			if (rc == 2) {
				rc = seg_damaged(lr->dir, lr->cur.first, off,
						 lr->next_lsn,
						 "record cut short before "
						 "the next segment");
				goto fail;
			}
			lr->seg_i++;
			rc = reader_enter(lr, lr->segs[lr->seg_i]);
			if (rc < 0)
				goto fail;
			continue;
		}
		/* A segment a writer started since the listing (never
		 * after an empty one: that is the current one's name).  Its
		 * writer finished this one first, so read this one to its
		 * end once more before moving on. */
		seg_name(lr->next_lsn, name, sizeof(name));
		if (rc == 0 && lr->next_lsn != lr->cur.first &&
		    faccessat(lr->dirfd, name, F_OK, 0) == 0) {
			if (!lr->drained) {
				lr->drained = 1;
				continue;
			}
			lr->drained = 0;
			rc = reader_enter(lr, lr->next_lsn);
			if (rc < 0)
				goto fail;
			continue;
		}
		lr->done = 1;
	}
fail:
	lr->failed = 1;
	return rc == -EBADMSG ? -EIO : rc;
}

void logreader_close(struct logreader *lr)
{
	if (!lr)
		return;
	if (lr->cur.fd >= 0)
		close(lr->cur.fd);
	if (lr->dirfd >= 0)
		close(lr->dirfd);
	free(lr->cur.buf);
	free(lr->ps.touched);
	free(lr->segs);
	free(lr);
}

int logstream_stat(const char *dir, struct logstream_stat *out)
{
	struct logreader *lr = NULL;
	struct logstat_acc {
		uint64_t lsn;
		int64_t us;
	} first = { 0, 0 }, last = { 0, 0 };
	struct logrec rec;
	struct stat st;
	char name[SEG_NAME_LEN + 1];
	uint64_t bytes = 0;
	size_t i;
	int rc;

	rc = logreader_open(dir, 0, &lr);
	if (rc < 0)
		return rc;
	for (i = 0; i < lr->nsegs; i++) {
		seg_name(lr->segs[i], name, sizeof(name));
		if (fstatat(lr->dirfd, name, &st, 0) == 0)
			bytes += (uint64_t)st.st_size;
	}
	rc = logreader_next(lr, &rec);
	if (rc == 1) {
		first.lsn = last.lsn = rec.lsn;
		first.us = last.us = rec.time_us;
		/* Skip to the last segment: only it needs a full read. */
		if (lr->nsegs > 1 && lr->seg_i + 1 < lr->nsegs) {
			lr->seg_i = lr->nsegs - 1;
			lr->next_lsn = 0;
			rc = reader_enter(lr, lr->segs[lr->seg_i]);
			if (rc < 0)
				goto out;
			last.lsn = lr->next_lsn - 1;
			last.us = lr->last_us;
		}
		while ((rc = logreader_next(lr, &rec)) == 1) {
			last.lsn = rec.lsn;
			last.us = rec.time_us;
		}
	}
	if (rc < 0)
		goto out;
	memset(out, 0, sizeof(*out));
	out->first_lsn = first.lsn;
	out->first_us = first.us;
	out->last_lsn = last.lsn;
	out->last_us = last.us;
	out->bytes = bytes;
	out->segments = (unsigned)lr->nsegs;
	rc = 0;
out:
	logreader_close(lr);
	return rc;
}

int logstream_remove(const char *dir, uint64_t archived_lsn)
{
	struct logstream_stat st;
	uint64_t *segs = NULL;
	size_t nsegs = 0, i;
	char name[SEG_NAME_LEN + 1];
	int dirfd, lockfd = -1, wfd = -1, rc;

	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return ruv_fail(-errno, "cannot open log stream '%s': %s", dir,
				strerror(errno));
	lockfd = openat(dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lockfd >= 0)
		wfd = openat(dirfd, ".writers", O_RDWR | O_CREAT | O_CLOEXEC,
			     0644);
	if (lockfd < 0 || wfd < 0) {
		rc = ruv_fail(-errno, "log stream '%s': %s", dir,
			      strerror(errno));
		goto out;
	}
	while ((rc = flock(lockfd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (rc < 0) {
		rc = -errno;
		goto out;
	}
	if (flock(wfd, LOCK_EX | LOCK_NB) < 0) {
		rc = ruv_fail(-EBUSY, "a writer has it open");
		goto out;
	}
	rc = logstream_stat(dir, &st);
	if (rc < 0)
		goto out;
	if (st.last_lsn > archived_lsn) {
		rc = ruv_fail(-EBUSY,
			      "it holds records up to LSN %" PRIu64
			      ", archived only to LSN %" PRIu64
			      ": archive it first",
			      st.last_lsn, archived_lsn);
		goto out;
	}
	rc = seg_list(dirfd, dir, &segs, &nsegs);
	if (rc < 0)
		goto out;
	for (i = 0; i < nsegs; i++) {
		seg_name(segs[i], name, sizeof(name));
		if (unlinkat(dirfd, name, 0) < 0) {
			rc = ruv_fail(-errno, "log stream '%s': %s: %s", dir,
				      name, strerror(errno));
			goto out;
		}
	}
	unlinkat(dirfd, ".writers", 0);
	unlinkat(dirfd, ".lock", 0);
	if (rmdir(dir) < 0 && errno != ENOENT) {
		rc = ruv_fail(-errno, "cannot remove log stream '%s': %s", dir,
			      strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(segs);
	if (wfd >= 0)
		close(wfd);
	if (lockfd >= 0)
		close(lockfd);
	close(dirfd);
	return rc;
}
