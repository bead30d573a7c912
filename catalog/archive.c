// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The archive process, log retention and the coverage check (archive.h).
 *
 * One stream: stat it (its last LSN then is where this run stops, so a
 * busy stream still ends), open a reader at archived_lsn + 1, check that
 * the first record is that LSN (a missing LSN is refused, never skipped),
 * and read each record once: WRITE and TRUNCATE records are encoded
 * (arcrec.h, the bytes they have in the segment) straight into the
 * user-data data set on every copy (dsout.h); the others into an unlinked
 * temporary file, copied into the UOW data set once the user data are
 * complete (one volume takes one data set at a time).  Then one
 * transaction registers both archives, their ranges, data sets and
 * copies, and moves the mark.  Invariant: archived_lsn of a stream is
 * the last LSN of its newest registered pair, and every registered copy
 * refers to a complete, durable data set.
 *
 * Cost: one read of the stream (the reader checks every CRC), one CRC and
 * one compression of each record, one write per copy; memory: one chunk,
 * one frame and the largest record.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arcrec.h"
#include "archive.h"
#include "catalog_int.h"
#include "config.h"
#include "copy.h"
#include "dsout.h"
#include "errmsg.h"
#include "history.h"
#include "pool.h"
#include "rtime.h"

#define SEG_SUFFIX ".rlog"
#define SEG_DIGITS 20
#define COPY_BUF   (1u << 20)

/*
 * Under the lock no other run is at work, so a temporary file of ours in
 * the home is a killed run's (one killed between creating it and
 * unlinking it, on a file system without O_TMPFILE): remove them.
 */
static void remove_leftovers(const char *home)
{
	struct dirent *de;
	DIR *d;

	d = opendir(home);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, ARCHIVE_TMP_PREFIX,
			     strlen(ARCHIVE_TMP_PREFIX)) ||
		    !strncmp(de->d_name, ACCUM_TMP_PREFIX,
			     strlen(ACCUM_TMP_PREFIX)))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

int archive_lock(const char *home)
{
	char path[PATH_MAX];
	int fd, rc;

	if (snprintf(path, sizeof(path), "%s/.archive.lock", home) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return ruv_fail(-errno, "cannot open '%s': %s", path,
				strerror(errno));
	if (flock(fd, LOCK_EX) < 0) {
		rc = -errno;
		close(fd);
		return ruv_fail(rc, "cannot lock '%s': %s", path,
				strerror(-rc));
	}
	remove_leftovers(home);
	return fd;
}

/* An unlinked file in the home for records waiting their turn (never
 * named where the file system has O_TMPFILE). */
static int spill_open(const char *home)
{
	char path[PATH_MAX];
	int fd;

	fd = open(home, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if (snprintf(path, sizeof(path), "%s/" ARCHIVE_TMP_PREFIX "XXXXXX",
		     home) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return ruv_fail(-errno, "cannot create a file in '%s': %s",
				home, strerror(errno));
	unlink(path);
	return fd;
}

static int write_full(int fd, const void *p, size_t n)
{
	const char *q = p;
	ssize_t w;

	while (n) {
		w = write(fd, q, n);
		if (w < 0)
			return -errno;
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy the spill file (from its start) into the open data set. */
static int spill_copy(int fd, struct dsout *o)
{
	unsigned char *buf;
	off_t off = 0;
	ssize_t n;
	int rc = 0;

	buf = malloc(COPY_BUF);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		n = pread(fd, buf, COPY_BUF, off);
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		rc = dsout_write(o, buf, (size_t)n);
		if (rc < 0)
			break;
		off += n;
	}
	free(buf);
	return rc;
}

/* The buffer one encoded record needs. */
static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	uint8_t *p;

	if (need <= *cap)
		return 0;
	p = realloc(*buf, need);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = need;
	return 0;
}

static void describe(char *buf, size_t len, const char *kind,
		     const struct logcat_info *li,
		     const struct archive_result *res, uint64_t records)
{
	char first[RTIME_ISO_MAX], last[RTIME_ISO_MAX];

	rtime_format_iso(res->first_us, first, sizeof(first));
	rtime_format_iso(res->last_us, last, sizeof(last));
	snprintf(buf, len,
		 "kind=%s\nstream=%s\nfirst_lsn=%" PRIu64 "\nlast_lsn=%" PRIu64
		 "\nfirst=%s\nlast=%s\nformat=logrec-1\n",
		 kind, li->name, res->first_lsn, res->last_lsn, first, last);
	/* The UOW records are counted before their data set begins. */
	if (records != UINT64_MAX) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "records=%" PRIu64 "\n", records);
	}
}

struct pass {
	const struct archive_request *req;
	const struct logcat_info *li;
	struct archive_result *res;
	struct logreader *lr;
	struct dsout *o;
	int spill;
	uint8_t *buf;
	size_t cap;
};

/* Read the stream to res->last_lsn: user data into the open data set,
 * the rest into the spill file. */
static int read_stream(struct pass *p, const struct logrec *first)
{
	struct archive_result *res = p->res;
	struct logrec rec = *first;
	size_t len;
	int rc = 1;

	while (rc == 1) {
		len = arcrec_size(&rec);
		rc = grow(&p->buf, &p->cap, len);
		if (rc < 0)
			return rc;
		arcrec_encode(&rec, p->buf);
		if (rec.type == LOGREC_WRITE || rec.type == LOGREC_TRUNCATE) {
			rc = dsout_write(p->o, p->buf, len);
			res->user_records++;
			res->user_bytes += len;
		} else {
			rc = write_full(p->spill, p->buf, len);
			if (rc < 0)
				rc = ruv_fail(rc,
					      "cannot keep the unit records "
					      "in '%s': %s",
					      p->req->home, strerror(-rc));
			res->uow_records++;
			res->uow_bytes += len;
		}
		if (rc < 0)
			return rc;
		res->last_us = rec.time_us;
		if (rec.lsn == res->last_lsn)
			return 0;
		rc = logreader_next(p->lr, &rec);
	}
	if (rc < 0)
		return ruv_fail(rc, "log stream '%s': %s", p->li->name,
				ruv_lasterr());
	return ruv_fail(-EIO,
			"log stream '%s' ends at LSN %" PRIu64
			" before LSN %" PRIu64 ", its end when the run began",
			p->li->name, rec.lsn, res->last_lsn);
}

static int insert_archive(struct repo *r, const char *kind,
			  const struct logcat_info *li,
			  const struct archive_result *res, int64_t *id)
{
	int rc;

	rc = repo_run(r,
		      "INSERT INTO archive(kind, consolidated, first_us,"
		      " last_us, created_us) VALUES (?1, 0, ?2, ?3, ?4)",
		      REPO_ARGS(REPO_TEXT(kind), REPO_INT(res->first_us),
				REPO_INT(res->last_us), REPO_INT(rtime_now())));
	if (rc < 0)
		return rc;
	*id = sqlite3_last_insert_rowid(r->db);
	return repo_run(r,
			"INSERT INTO archive_range(archive_id, stream_id,"
			" first_lsn, last_lsn) VALUES (?1, ?2, ?3, ?4)",
			REPO_ARGS(REPO_INT(*id), REPO_INT(li->id),
				  REPO_INT(res->first_lsn),
				  REPO_INT(res->last_lsn)));
}

/* The one transaction of a stream's run. */
static int register_pair(struct repo *r, struct dsout *o, int user_idx,
			 int uow_idx, const struct logcat_info *li,
			 struct archive_result *res)
{
	int64_t mark = -1;
	char msg[160];
	int rc;

	rc = repo_begin(r);
	if (rc < 0)
		return rc;
	rc = repo_one(r, "SELECT archived_lsn FROM log_stream WHERE id = ?1",
		      REPO_ARGS(REPO_INT(li->id)), repo_row_int64, &mark);
	if (rc == 0 && (uint64_t)mark != li->archived_lsn)
		rc = ruv_fail(-EBUSY,
			      "log stream '%s' was archived meanwhile (to LSN "
			      "%" PRId64 ")",
			      li->name, mark);
	if (rc == 0)
		rc = insert_archive(r, "user", li, res, &res->user_id);
	if (rc == 0)
		rc = dsout_register(o, r, user_idx, "archive", "archive_id",
				    res->user_id);
	if (rc == 0)
		rc = insert_archive(r, "uow", li, res, &res->uow_id);
	if (rc == 0)
		rc = dsout_register(o, r, uow_idx, "uow", "archive_id",
				    res->uow_id);
	if (rc == 0)
		rc = repo_run(r,
			      "UPDATE log_stream SET archived_lsn = ?1,"
			      " archived_us = ?2 WHERE id = ?3",
			      REPO_ARGS(REPO_INT(res->last_lsn),
					REPO_INT(res->last_us),
					REPO_INT(li->id)));
	if (rc == 0) {
		snprintf(msg, sizeof(msg),
			 "LSN %" PRIu64 "-%" PRIu64 ", %" PRIu64
			 " changes, %" PRIu64 " unit records, A%" PRId64
			 " A%" PRId64,
			 res->first_lsn, res->last_lsn, res->user_records,
			 res->uow_records, res->user_id, res->uow_id);
		rc = history_add(r, "archive", li->name, 0, msg);
	}
	if (rc == 0)
		rc = repo_commit(r);
	if (rc < 0)
		repo_rollback(r);
	return rc;
}

/* Names of the two data sets: STREAM.L<first> and STREAM.L<first>.U. */
static void ds_name(char *buf, size_t len, const struct logcat_info *li,
		    uint64_t first, int uow)
{
	snprintf(buf, len, "%s.L%" PRIu64 "%s", li->name, first,
		 uow ? ".U" : "");
}

static int archive_stream(const struct archive_request *req, struct repo *r,
			  const struct logcat_info *li,
			  struct archive_result *res)
{
	struct pass p = { .req = req, .li = li, .res = res, .spill = -1 };
	char name[VOLUME_NAME_MAX + 1], meta[1024];
	struct logstream_stat st;
	struct logrec first;
	int rc, user_idx, uow_idx;

	rc = logstream_stat(li->dir, &st);
	if (rc < 0)
		return ruv_fail(rc, "log stream '%s': %s", li->name,
				*ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
	if (st.last_lsn <= li->archived_lsn) {
		res->nothing_new = 1;
		return 0;
	}
	res->first_lsn = li->archived_lsn + 1;
	res->last_lsn = st.last_lsn;
	rc = logreader_open(li->dir, res->first_lsn, &p.lr);
	if (rc < 0)
		goto out_msg;
	/* Records before the mark, in the segment it starts in. */
	do
		rc = logreader_next(p.lr, &first);
	while (rc == 1 && first.lsn < res->first_lsn);
	if (rc < 0)
		goto out_msg;
	if (rc == 0 || first.lsn != res->first_lsn) {
		rc = ruv_fail(-EIO,
			      "log stream '%s': LSN %" PRIu64
			      " is missing (archived to LSN %" PRIu64
			      ", the stream holds %" PRIu64 "-%" PRIu64
			      "): nothing archived",
			      li->name, res->first_lsn, li->archived_lsn,
			      st.first_lsn, st.last_lsn);
		goto out;
	}
	res->first_us = first.time_us;
	res->last_us = st.last_us;
	p.spill = spill_open(req->home);
	if (p.spill < 0) {
		rc = p.spill;
		goto out;
	}
	rc = dsout_open(r, req->home, req->cfg, req->warn, req->warn_arg, &p.o);
	if (rc < 0)
		goto out;
	/* The meta is written first: its last time is the stream's last
	 * record's as stat saw it, checked once the records are read. */
	ds_name(name, sizeof(name), li, res->first_lsn, 0);
	describe(meta, sizeof(meta), "archive", li, res, UINT64_MAX);
	rc = dsout_begin(p.o, VOLUME_KIND_ARCHIVE, name, li->name, meta);
	if (rc < 0)
		goto out;
	rc = read_stream(&p, &first);
	if (rc == 0 && res->last_us != st.last_us)
		rc = ruv_fail(-EAGAIN,
			      "log stream '%s' changed under the archive "
			      "(LSN %" PRIu64 "): run it again",
			      li->name, res->last_lsn);
	if (rc < 0)
		goto out;
	user_idx = rc = dsout_end(p.o);
	if (rc < 0)
		goto out;
	ds_name(name, sizeof(name), li, res->first_lsn, 1);
	describe(meta, sizeof(meta), "uow", li, res, res->uow_records);
	rc = dsout_begin(p.o, VOLUME_KIND_UOW, name, li->name, meta);
	if (rc == 0)
		rc = spill_copy(p.spill, p.o);
	if (rc < 0) {
		dsout_unwrite(p.o);
		goto out;
	}
	uow_idx = rc = dsout_end(p.o);
	if (rc < 0)
		goto out;
	rc = register_pair(r, p.o, user_idx, uow_idx, li, res);
	if (rc < 0) {
		dsout_unwrite(p.o);
		goto out;
	}
	dsout_registered(p.o);
	goto out;
out_msg:
	rc = ruv_fail(rc, "log stream '%s': %s", li->name,
		      *ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
out:
	dsout_close(p.o);
	logreader_close(p.lr);
	if (p.spill >= 0)
		close(p.spill);
	free(p.buf);
	return rc;
}

struct stream_list {
	struct logcat_info *v;
	unsigned n, cap;
};

static int list_add(const struct logcat_info *li, void *arg)
{
	struct stream_list *l = arg;
	struct logcat_info *v;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		v = realloc(l->v, l->cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
	}
	l->v[l->n++] = *li;
	return 0;
}

/* The named streams (each once), or every stream. */
static int resolve(struct repo *r, char *const *names, unsigned n,
		   struct stream_list *l)
{
	struct logcat_info li;
	unsigned i, j;
	int rc;

	if (!n)
		return logcat_list(r, list_add, l);
	for (i = 0; i < n; i++) {
		rc = logcat_lookup(r, names[i], &li);
		if (rc < 0)
			return rc;
		for (j = 0; j < l->n && strcmp(l->v[j].name, li.name); j++)
			;
		if (j == l->n && (rc = list_add(&li, l)) < 0)
			return rc;
	}
	return 0;
}

int archive_run(const struct archive_request *req, struct repo *r,
		char *const *names, unsigned n, struct archive_result **results,
		unsigned *nresults)
{
	struct stream_list l = { 0 };
	struct archive_result *res = NULL;
	struct logcat_info li;
	unsigned i;
	int lock = -1, rc, first_rc = 0;

	*results = NULL;
	*nresults = 0;
	rc = resolve(r, names, n, &l);
	if (rc < 0)
		goto out;
	res = calloc(l.n ? l.n : 1, sizeof(*res));
	if (!res) {
		rc = -ENOMEM;
		goto out;
	}
	rc = lock = archive_lock(req->home);
	if (rc < 0)
		goto out;
	rc = pool_sync(r, req->cfg);
	if (rc < 0)
		goto out;
	for (i = 0; i < l.n; i++) {
		snprintf(res[i].stream, sizeof(res[i].stream), "%s",
			 l.v[i].name);
		ruv_clearerr();
		/* Read again under the lock: another run may have moved it. */
		rc = logcat_lookup(r, l.v[i].name, &li);
		if (rc == 0)
			rc = archive_stream(req, r, &li, &res[i]);
		if (rc == 0 && (rc = logcat_lookup(r, li.name, &li)) == 0) {
			rc = archive_prune_stream(
				&li, req->cfg->log_keep_archived_us);
			if (rc >= 0) {
				res[i].pruned = (unsigned)rc;
				rc = 0;
			}
		}
		res[i].rc = rc;
		if (rc < 0) {
			snprintf(res[i].message, sizeof(res[i].message), "%s",
				 *ruv_lasterr() ? ruv_lasterr()
						: strerror(-rc));
			if (!first_rc)
				first_rc = rc;
		}
	}
	*results = res;
	*nresults = l.n;
	res = NULL;
	rc = first_rc;
out:
	if (lock >= 0)
		close(lock);
	free(res);
	free(l.v);
	return rc;
}

/* The text value of key in the meta lines, into buf; "" if none. */
static void meta_text(const struct volume_dataset_info *di, const char *key,
		      char *buf, size_t len)
{
	const char *m = di->meta, *end = m ? m + di->meta_len : NULL, *p, *nl;
	size_t klen = strlen(key);

	buf[0] = '\0';
	for (p = m; p && p < end; p = nl ? nl + 1 : NULL) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		if ((size_t)(nl - p) > klen && !memcmp(p, key, klen) &&
		    p[klen] == '=') {
			snprintf(buf, len, "%.*s", (int)(nl - p - klen - 1),
				 p + klen + 1);
			return;
		}
	}
}

int archive_describe(const struct volume_dataset_info *di, char *buf,
		     size_t len)
{
	char stream[64], fl[24], ll[24], first[40], last[40], src[16],
		streams[160];

	if (di->kind != VOLUME_KIND_ARCHIVE && di->kind != VOLUME_KIND_UOW &&
	    di->kind != VOLUME_KIND_ACCUM && di->kind != VOLUME_KIND_ACCUM_UOW)
		return 0;
	meta_text(di, "stream", stream, sizeof(stream));
	meta_text(di, "first_lsn", fl, sizeof(fl));
	meta_text(di, "last_lsn", ll, sizeof(ll));
	meta_text(di, "first", first, sizeof(first));
	meta_text(di, "last", last, sizeof(last));
	meta_text(di, "sources", src, sizeof(src));
	meta_text(di, "streams", streams, sizeof(streams));
	if (stream[0])
		snprintf(buf, len, "stream %s LSN %s-%s, %s to %s", stream, fl,
			 ll, first, last);
	else
		snprintf(buf, len,
			 "consolidated from %s archives, %s to %s, LSN %s",
			 src[0] ? src : "?", first, last, streams);
	return 1;
}

/* ---- reading back ---- */

struct walk_buf {
	uint8_t *p;
	size_t cap, len; /* bytes held from off */
	uint64_t off;	 /* content offset of p[0] */
};

/* Make [off, off + need) of the content available at wb->p; returns the
 * bytes there (less than need only at the end), or -errno. */
static ssize_t walk_fill(struct volume_reader *vr, struct walk_buf *wb,
			 uint64_t off, size_t need)
{
	ssize_t n;
	size_t want = need < COPY_BUF ? COPY_BUF : need;
	int rc;

	if (off >= wb->off && off + need <= wb->off + wb->len)
		return (ssize_t)need;
	rc = grow(&wb->p, &wb->cap, want);
	if (rc < 0)
		return rc;
	wb->off = off;
	wb->len = 0;
	while (wb->len < want) {
		n = volume_reader_pread(vr, wb->p + wb->len, want - wb->len,
					off + wb->len);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		wb->len += (size_t)n;
	}
	return (ssize_t)(wb->len < need ? wb->len : need);
}

/* A value of the meta text ("key=value\n" lines): 0 and *v, or -ENOENT. */
static int meta_u64(const struct volume_dataset_info *di, const char *key,
		    uint64_t *v)
{
	const char *m = di->meta, *end = m ? m + di->meta_len : NULL, *p;
	size_t klen = strlen(key);
	char *e;

	for (p = m; p && p < end;
	     p = memchr(p, '\n', (size_t)(end - p)), p = p ? p + 1 : NULL) {
		if ((size_t)(end - p) > klen + 1 && !memcmp(p, key, klen) &&
		    p[klen] == '=') {
			*v = strtoull(p + klen + 1, &e, 10);
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * Place key's records through the index of a consolidated data set:
 * *off and *end, or *end = *off when the key is not there.
 */
static int index_find(struct volume_reader *vr, int64_t id, uint64_t records,
		      const char *key, uint64_t *off, uint64_t *end)
{
	const struct volume_dataset_info *di = volume_reader_info(vr);
	unsigned long long o, l;
	char *idx = NULL, *line, *save = NULL, k[128];
	uint64_t n = di->raw_size - records;
	ssize_t got;
	int rc = 0;

	*off = *end = 0;
	if (records > di->raw_size || n > (64u << 20))
		return ruv_fail(-EIO,
				"archive A%" PRId64 ": index out of "
				"range",
				id);
	idx = malloc(n + 1);
	if (!idx)
		return -ENOMEM;
	got = n ? volume_reader_pread(vr, idx, n, records) : 0;
	if (got < 0 || (uint64_t)got != n) {
		rc = got < 0 ? (int)got : -EIO;
		goto out;
	}
	idx[n] = '\0';
	line = strtok_r(idx, "\n", &save);
	if (!line || strcmp(line, "RUVAIDX 1")) {
		rc = ruv_fail(-EIO,
			      "archive A%" PRId64 ": unknown index "
			      "version",
			      id);
		goto out;
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (sscanf(line, "%127s %llu %llu", k, &o, &l) != 3 ||
		    o > records || l > records - o) { /* never wraps */
			rc = ruv_fail(-EIO,
				      "archive A%" PRId64 ": bad index "
				      "line",
				      id);
			goto out;
		}
		if (!strcmp(k, key)) {
			*off = o;
			*end = o + l;
			break;
		}
	}
out:
	free(idx);
	return rc;
}

static int walk_copy(const struct copy_info *ci, int64_t id, const char *key,
		     int (*cb)(const struct logrec *, const void *, size_t,
			       void *),
		     void *arg)
{
	struct walk_buf wb = { 0 };
	struct volume_reader *vr = NULL;
	struct log_touched *touched = NULL;
	size_t tcap = 0;
	struct logrec rec;
	const uint8_t *p;
	const char *why;
	uint64_t off = 0, size;
	uint32_t len;
	ssize_t n;
	int rc;

	rc = copy_open_reader(ci, &vr);
	if (rc < 0)
		return rc;
	size = volume_reader_info(vr)->raw_size;
	/* A consolidated archive: its index follows the records. */
	if (meta_u64(volume_reader_info(vr), "records_bytes", &size) == 0) {
		if (key)
			rc = index_find(vr, id, size, key, &off, &size);
	} else if (key) {
		rc = ruv_fail(-EINVAL,
			      "archive A%" PRId64 " is not "
			      "consolidated: it has no index",
			      id);
	}
	if (rc < 0)
		goto out;
	while (off < size) {
		n = walk_fill(vr, &wb, off, ARCREC_HEAD);
		if (n < 0) {
			rc = (int)n;
			goto out;
		}
		p = wb.p + (off - wb.off);
		len = (size_t)n < ARCREC_HEAD ? 0
					      : arcrec_peek_len(p, (size_t)n);
		why = "record cut short";
		rc = -EBADMSG;
		if (len >= ARCREC_HEAD && len <= size - off) {
			n = walk_fill(vr, &wb, off, len);
			if (n < 0) {
				rc = (int)n;
				goto out;
			}
			p = wb.p + (off - wb.off);
			rc = arcrec_decode(p, len, &rec, &touched, &tcap, &why);
		}
		if (rc == -EBADMSG) {
			rc = ruv_fail(-EIO,
				      "archive A%" PRId64 " copy %u (volume %s "
				      "seq %u): %s at offset %" PRIu64,
				      id, ci->copy_no, ci->volser, ci->seq, why,
				      off);
			goto out;
		}
		if (rc < 0)
			goto out;
		rc = cb(&rec, p, len, arg);
		if (rc)
			goto out;
		off += len;
	}
out:
	free(touched);
	free(wb.p);
	volume_reader_close(vr);
	return rc;
}

static int copy_take(const struct copy_info *ci, void *arg)
{
	*(struct copy_info *)arg = *ci;
	return 1;
}

static int walk(struct repo *r, int64_t id, const char *key,
		int (*cb)(const struct logrec *rec, const void *raw, size_t len,
			  void *arg),
		void *arg)
{
	struct copy_filter f = { 0 };
	struct copy_info ci;
	int64_t copy_id = 0;
	int rc;

	rc = repo_one(r,
		      "SELECT c.id FROM copy c JOIN location l"
		      " ON l.id = c.location_id"
		      " WHERE c.archive_id = ?1 AND c.usable = 1"
		      " ORDER BY l.active DESC, c.copy_no LIMIT 1",
		      REPO_ARGS(REPO_INT(id)), repo_row_int64, &copy_id);
	if (rc == -ENOENT)
		return ruv_fail(-ENOENT,
				"archive A%" PRId64 ": no such archive"
				" or no usable copy",
				id);
	if (rc < 0)
		return rc;
	/* That one copy, its volume file located (the volume catalog). */
	f.after_id = copy_id - 1;
	f.limit = 1;
	f.resolve = 1;
	rc = copy_list(r, &f, copy_take, &ci);
	if (rc == 0)
		return ruv_fail(-ENOENT,
				"archive A%" PRId64 ": its copy is gone", id);
	if (rc < 0)
		return rc;
	return walk_copy(&ci, id, key, cb, arg);
}

int archive_walk(struct repo *r, int64_t id,
		 int (*cb)(const struct logrec *rec, const void *raw,
			   size_t len, void *arg),
		 void *arg)
{
	return walk(r, id, NULL, cb, arg);
}

int archive_walk_key(struct repo *r, int64_t id, const char *key,
		     int (*cb)(const struct logrec *rec, const void *raw,
			       size_t len, void *arg),
		     void *arg)
{
	return walk(r, id, key, cb, arg);
}

/* ---- retention ---- */

static int seg_first(const char *name, uint64_t *first)
{
	uint64_t v = 0;
	int i;

	if (strlen(name) != SEG_DIGITS + strlen(SEG_SUFFIX) ||
	    strcmp(name + SEG_DIGITS, SEG_SUFFIX))
		return -1;
	for (i = 0; i < SEG_DIGITS; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	*first = v;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int seg_list(int dfd, uint64_t **out, size_t *n)
{
	uint64_t *v = NULL, *nv, first;
	size_t cap = 0, cnt = 0;
	struct dirent *de;
	DIR *d;
	int fd;

	fd = dup(dfd);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (seg_first(de->d_name, &first) < 0)
			continue;
		if (cnt == cap) {
			cap = cap ? 2 * cap : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = first;
	}
	closedir(d);
	if (cnt) /* qsort of NULL is undefined, even of 0 items */
		qsort(v, cnt, sizeof(*v), cmp_u64);
	*out = v;
	*n = cnt;
	return 0;
}

int archive_prune_stream(const struct logcat_info *li, int64_t keep_us)
{
	char name[SEG_DIGITS + 8];
	int64_t before = rtime_now() - keep_us;
	uint64_t *segs = NULL;
	struct stat sb;
	size_t nsegs = 0, i;
	int dfd, lfd = -1, rc, removed = 0;

	dfd = open(li->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return ruv_fail(-errno, "log stream '%s': cannot open '%s': %s",
				li->name, li->dir, strerror(errno));
	lfd = openat(dfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lfd < 0 || flock(lfd, LOCK_EX) < 0) {
		rc = ruv_fail(-errno, "log stream '%s': cannot lock: %s",
			      li->name, strerror(errno));
		goto out;
	}
	rc = seg_list(dfd, &segs, &nsegs);
	if (rc < 0)
		goto out;
	/* Segment i holds LSNs segs[i] .. segs[i + 1] - 1. */
	for (i = 0; i + 1 < nsegs; i++) {
		if (segs[i + 1] - 1 > li->archived_lsn)
			break;
		snprintf(name, sizeof(name), "%020" PRIu64 SEG_SUFFIX, segs[i]);
		if (fstatat(dfd, name, &sb, 0) < 0) {
			rc = ruv_fail(-errno, "log stream '%s': %s: %s",
				      li->name, name, strerror(errno));
			goto out;
		}
		if ((int64_t)sb.st_mtim.tv_sec * 1000000 +
			    sb.st_mtim.tv_nsec / 1000 >
		    before)
			break;
		if (unlinkat(dfd, name, 0) < 0) {
			rc = ruv_fail(-errno,
				      "log stream '%s': cannot remove %s: %s",
				      li->name, name, strerror(errno));
			goto out;
		}
		removed++;
	}
	if (removed)
		fsync(dfd);
	rc = removed;
out:
	free(segs);
	if (lfd >= 0)
		close(lfd);
	close(dfd);
	return rc;
}

int archive_prune(struct repo *r, const struct config *cfg, char *const *names,
		  unsigned n,
		  void (*cb)(const char *stream, int removed, void *),
		  void *arg)
{
	struct stream_list l = { 0 };
	unsigned i;
	int rc;

	rc = resolve(r, names, n, &l);
	for (i = 0; rc == 0 && i < l.n; i++) {
		/* Again: the mark may have moved since the list was read. */
		rc = logcat_lookup(r, l.v[i].name, &l.v[i]);
		if (rc == 0)
			rc = archive_prune_stream(&l.v[i],
						  cfg->log_keep_archived_us);
		if (rc >= 0) {
			if (cb)
				cb(l.v[i].name, rc, arg);
			rc = 0;
		}
	}
	free(l.v);
	return rc;
}

/* ---- coverage ---- */

struct cover {
	const struct logcat_info *li;
	const char *kind;
	uint64_t next; /* the LSN the next range must start at */
	int64_t prev_id;
	int problems;
	void (*cb)(const char *msg, void *);
	void *arg;
};

static void problem(struct cover *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct cover *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->problems++;
	if (c->cb)
		c->cb(msg, c->arg);
}

static int cover_row(sqlite3_stmt *st, void *arg)
{
	struct cover *c = arg;
	int64_t id = sqlite3_column_int64(st, 0);
	uint64_t first = (uint64_t)sqlite3_column_int64(st, 1);
	uint64_t last = (uint64_t)sqlite3_column_int64(st, 2);

	if (first > c->next)
		problem(c,
			"log stream '%s': %s archives miss LSN %" PRIu64
			"-%" PRIu64 " (gap before A%" PRId64 ")",
			c->li->name, c->kind, c->next, first - 1, id);
	else if (first < c->next)
		problem(c,
			"log stream '%s': %s archives A%" PRId64
			" and A%" PRId64 " overlap (LSN %" PRIu64 "-%" PRIu64
			")",
			c->li->name, c->kind, c->prev_id, id, first,
			c->next - 1 < last ? c->next - 1 : last);
	if (last + 1 > c->next)
		c->next = last + 1;
	c->prev_id = id;
	return 0;
}

struct cover_walk {
	struct repo *r;
	struct cover c;
};

static int cover_one(const struct logcat_info *li, void *arg)
{
	static const char *const kinds[] = { "user", "uow" };
	static const char *const names[] = { "user-data", "UOW" };
	struct cover_walk *w = arg;
	unsigned k;
	int rc;

	for (k = 0; k < 2; k++) {
		w->c.li = li;
		w->c.kind = names[k];
		w->c.next = 1;
		w->c.prev_id = 0;
		rc = repo_each(w->r,
			       "SELECT a.id, ar.first_lsn, ar.last_lsn"
			       " FROM archive_range ar"
			       " JOIN archive a ON a.id = ar.archive_id"
			       " WHERE ar.stream_id = ?1 AND a.kind = ?2"
			       " AND a.consolidated = 0"
			       " ORDER BY ar.first_lsn, a.id",
			       REPO_ARGS(REPO_INT(li->id), REPO_TEXT(kinds[k])),
			       cover_row, &w->c);
		if (rc < 0)
			return rc;
		if (w->c.next - 1 < li->archived_lsn)
			problem(&w->c,
				"log stream '%s': %s archives miss LSN %" PRIu64
				"-%" PRIu64 " (archived to LSN %" PRIu64 ")",
				li->name, names[k], w->c.next, li->archived_lsn,
				li->archived_lsn);
		else if (w->c.next - 1 > li->archived_lsn)
			problem(&w->c,
				"log stream '%s': %s archives reach LSN "
				"%" PRIu64 ", past its archived LSN %" PRIu64,
				li->name, names[k], w->c.next - 1,
				li->archived_lsn);
	}
	return 0;
}

int archive_check_coverage(struct repo *r, void (*cb)(const char *msg, void *),
			   void *arg)
{
	struct cover_walk w = { .r = r };
	int rc;

	w.c.cb = cb;
	w.c.arg = arg;
	rc = logcat_list(r, cover_one, &w);
	if (rc < 0)
		return rc;
	return w.c.problems;
}
