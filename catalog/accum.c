// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The accumulation process (accum.h): an external merge sort of the
 * records of the ordinary archives not yet consolidated, by key (DSN for
 * user data, stream for UOW data) then LSN, written as one consolidated
 * archive per kind with its index, registered with the sources marked in
 * one transaction.
 *
 * Phase 1 reads each source once (archive_walk(), every CRC checked) into
 * a run buffer of at most ACCUM_RUN_BYTES; a full buffer is sorted (an
 * array of entries pointing into it) and written to a run file: an
 * unlinked temporary file in the home, so a kill leaves nothing behind.
 * Run entry: u16 key length, key, u16 stream length, stream, u64 LSN,
 * u32 record length, the record.  Phase 2 merges the runs: one cursor
 * per run with its own read buffer, the smallest head taken each time (a
 * linear scan: there are few runs and the records are large), each
 * record put once through dsout (one compression for every copy).
 * The total of the records is known after phase 1, so the data set's
 * meta can say where the index starts before the first byte is written.
 *
 * Invariant: an ordinary archive is consolidated into at most one
 * consolidated archive, and only once that one is registered whole.
 * Runs are serialised with archive runs (archive_lock()).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accum.h"
#include "catalog_int.h"
#include "config.h"
#include "dsout.h"
#include "errmsg.h"
#include "history.h"
#include "rtime.h"
#include "volume.h"

#define KEY_MAX	    64
#define CURSOR_BUF  (1u << 20)
#define ENTRY_FIXED 16u /* two u16 lengths, u64 LSN, u32 record length */

struct item {
	const char *key, *stream; /* into the run buffer's strings */
	uint64_t lsn;
	size_t off; /* of the record in the run buffer */
	uint32_t len;
};

/* Memory one record takes in a run beside its bytes: its entry, key and
 * stream (the arrays double, so up to twice that). */
#define ITEM_COST (2 * (sizeof(struct item) + 2 * (KEY_MAX + 1)))

struct sorter {
	const char *home;
	uint8_t *data; /* records, then nothing else */
	size_t len, cap;
	struct item *items;
	size_t n, icap;
	char (*keys)[KEY_MAX + 1]; /* one per item (keys and streams) */
	char (*streams)[KEY_MAX + 1];
	int *runs; /* run file fds */
	unsigned nruns;
	uint64_t total;	    /* record bytes in every run */
	uint64_t records;   /* in every run */
	const char *stream; /* of the source being read */
	int by_stream;	    /* UOW: the key is the stream */
	uint64_t run_bytes; /* sorted in memory per run */
	int rc;
};

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->lsn < y->lsn ? -1 : x->lsn > y->lsn;
}

static int spill_file(const char *home)
{
	char path[PATH_MAX];
	int fd;

	fd = open(home, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if (snprintf(path, sizeof(path), "%s/" ACCUM_TMP_PREFIX "XXXXXX",
		     home) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return ruv_fail(-errno, "cannot create a file in '%s': %s",
				home, strerror(errno));
	unlink(path);
	return fd;
}

/* Sort what is held and write it as a run file. */
static int sorter_flush(struct sorter *s)
{
	uint8_t head[ENTRY_FIXED + 2 * KEY_MAX];
	int *runs, fd = -1, rc = 0;
	size_t i, kl, sl;
	FILE *fp = NULL;

	if (!s->n)
		return 0;
	qsort(s->items, s->n, sizeof(*s->items), item_cmp);
	runs = realloc(s->runs, (s->nruns + 1) * sizeof(*runs));
	if (!runs)
		return -ENOMEM;
	s->runs = runs;
	fd = spill_file(s->home);
	if (fd < 0)
		return fd;
	fp = fdopen(dup(fd), "w");
	if (!fp) {
		close(fd);
		return -ENOMEM;
	}
	for (i = 0; i < s->n && rc == 0; i++) {
		const struct item *it = &s->items[i];
		uint16_t k, st;
		uint32_t l = it->len;

		kl = strlen(it->key);
		sl = strlen(it->stream);
		k = (uint16_t)kl;
		st = (uint16_t)sl;
		memcpy(head, &k, 2);
		memcpy(head + 2, it->key, kl);
		memcpy(head + 2 + kl, &st, 2);
		memcpy(head + 4 + kl, it->stream, sl);
		memcpy(head + 4 + kl + sl, &it->lsn, 8);
		memcpy(head + 12 + kl + sl, &l, 4);
		if (fwrite(head, 1, ENTRY_FIXED + kl + sl, fp) !=
			    ENTRY_FIXED + kl + sl ||
		    fwrite(s->data + it->off, 1, it->len, fp) != it->len)
			rc = -EIO;
	}
	if (fclose(fp) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0) {
		close(fd);
		return ruv_fail(rc, "cannot spill a sorted run in '%s': %s",
				s->home, strerror(-rc));
	}
	s->runs[s->nruns++] = fd;
	s->len = 0;
	s->n = 0;
	return 0;
}

static int sorter_add(const struct logrec *rec, const void *raw, size_t len,
		      void *arg)
{
	struct sorter *s = arg;
	const char *key = s->by_stream ? s->stream : rec->dsn;
	void *p;
	int rc;

	/* The budget counts each record's entry too: a run of small UOW
	 * records holds more in entries than in records. */
	if (s->len && s->len + len + (s->n + 1) * ITEM_COST > s->run_bytes) {
		rc = sorter_flush(s);
		if (rc < 0)
			return rc;
	}
	if (s->len + len > s->cap) {
		size_t cap = s->cap ? s->cap : (1u << 20);

		while (cap < s->len + len)
			cap *= 2;
		p = realloc(s->data, cap);
		if (!p)
			return -ENOMEM;
		s->data = p;
		s->cap = cap;
	}
	if (s->n == s->icap) {
		s->icap = s->icap ? 2 * s->icap : 1024;
		p = realloc(s->items, s->icap * sizeof(*s->items));
		if (!p)
			return -ENOMEM;
		s->items = p;
		p = realloc(s->keys, s->icap * sizeof(*s->keys));
		if (!p)
			return -ENOMEM;
		s->keys = p;
		p = realloc(s->streams, s->icap * sizeof(*s->streams));
		if (!p)
			return -ENOMEM;
		s->streams = p;
		/* the items point into keys/streams: re-point them */
		for (size_t i = 0; i < s->n; i++) {
			s->items[i].key = s->keys[i];
			s->items[i].stream = s->streams[i];
		}
	}
	memcpy(s->data + s->len, raw, len);
	snprintf(s->keys[s->n], KEY_MAX + 1, "%s", key);
	snprintf(s->streams[s->n], KEY_MAX + 1, "%s", s->stream);
	s->items[s->n] = (struct item){ .key = s->keys[s->n],
					.stream = s->streams[s->n],
					.lsn = rec->lsn,
					.off = s->len,
					.len = (uint32_t)len };
	s->n++;
	s->len += len;
	s->total += len;
	s->records++;
	return 0;
}

static void sorter_free(struct sorter *s)
{
	unsigned i;

	for (i = 0; i < s->nruns; i++)
		close(s->runs[i]);
	free(s->runs);
	free(s->data);
	free(s->items);
	free(s->keys);
	free(s->streams);
}

/* ---- phase 2: the merge ---- */

/*
 * A run being merged.  Only the head entry's header is held; its record
 * stays in the run file until it is taken, then is copied out in pieces
 * (copy_record()), so the merge holds a few hundred bytes per run
 * whatever the records' sizes.
 */
struct cursor {
	int fd;
	uint64_t pos; /* file offset of the next entry */
	int done;
	/* the head entry */
	char key[KEY_MAX + 1], stream[KEY_MAX + 1];
	uint64_t lsn;
	uint64_t rec_off; /* of its record in the file */
	uint32_t rlen;
};

static int pread_all(int fd, void *buf, size_t n, uint64_t off, size_t *got)
{
	ssize_t r;

	*got = 0;
	while (*got < n) {
		r = pread(fd, (char *)buf + *got, n - *got,
			  (off_t)(off + *got));
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

/* Read the next entry's header into the head; 1, 0 at the end, -errno. */
static int cursor_next(struct cursor *c)
{
	uint8_t h[ENTRY_FIXED + 2 * KEY_MAX];
	uint16_t kl, sl;
	size_t got;
	int rc;

	rc = pread_all(c->fd, h, sizeof(h), c->pos, &got);
	if (rc < 0)
		return rc;
	if (got == 0) {
		c->done = 1;
		return 0;
	}
	memcpy(&kl, h, 2);
	if (kl > KEY_MAX || got < 4u + kl)
		return -EIO;
	memcpy(&sl, h + 2 + kl, 2);
	if (sl > KEY_MAX || got < ENTRY_FIXED + kl + sl)
		return -EIO;
	memcpy(c->key, h + 2, kl);
	c->key[kl] = '\0';
	memcpy(c->stream, h + 4 + kl, sl);
	c->stream[sl] = '\0';
	memcpy(&c->lsn, h + 4 + kl + sl, 8);
	memcpy(&c->rlen, h + 12 + kl + sl, 4);
	c->rec_off = c->pos + ENTRY_FIXED + kl + sl;
	c->pos = c->rec_off + c->rlen;
	return 1;
}

/* Copy the head entry's record into the open data set. */
static int copy_record(struct cursor *c, struct dsout *o, uint8_t *buf)
{
	uint64_t done = 0;
	size_t n, got;
	int rc;

	while (done < c->rlen) {
		n = c->rlen - done < CURSOR_BUF ? (size_t)(c->rlen - done)
						: CURSOR_BUF;
		rc = pread_all(c->fd, buf, n, c->rec_off + done, &got);
		if (rc == 0 && got != n)
			rc = -EIO;
		if (rc == 0)
			rc = dsout_write(o, buf, n);
		if (rc < 0)
			return rc;
		done += n;
	}
	return 0;
}

struct index {
	char *text;
	size_t len, cap;
	unsigned keys;
	/* the key being written */
	char key[KEY_MAX + 1], stream[KEY_MAX + 1];
	uint64_t off, bytes, first, last, records;
};

static int index_close(struct index *ix)
{
	char line[KEY_MAX * 2 + 120];
	int n;
	char *p;

	if (!ix->records)
		return 0;
	n = snprintf(line, sizeof(line),
		     "%s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
		     " %" PRIu64 " %s\n",
		     ix->key, ix->off, ix->bytes, ix->first, ix->last,
		     ix->records, ix->stream);
	if (ix->len + (size_t)n + 1 > ix->cap) {
		ix->cap = (ix->cap + (size_t)n + 1) * 2;
		p = realloc(ix->text, ix->cap);
		if (!p)
			return -ENOMEM;
		ix->text = p;
	}
	memcpy(ix->text + ix->len, line, (size_t)n);
	ix->len += (size_t)n;
	ix->keys++;
	ix->records = 0;
	return 0;
}

/* Merge the runs into the open data set, then write the index. */
static int merge(struct sorter *s, struct dsout *o, struct index *ix)
{
	struct cursor *c;
	uint8_t *buf;
	uint64_t out = 0;
	unsigned i, best;
	int rc = 0;

	c = calloc(s->nruns ? s->nruns : 1, sizeof(*c));
	buf = malloc(CURSOR_BUF);
	if (!c || !buf) {
		free(c);
		free(buf);
		return -ENOMEM;
	}
	for (i = 0; i < s->nruns && rc >= 0; i++) {
		c[i].fd = s->runs[i];
		rc = cursor_next(&c[i]);
	}
	while (rc >= 0) {
		best = s->nruns;
		for (i = 0; i < s->nruns; i++) {
			int k;

			if (c[i].done)
				continue;
			if (best == s->nruns) {
				best = i;
				continue;
			}
			k = strcmp(c[i].key, c[best].key);
			if (k < 0 || (k == 0 && c[i].lsn < c[best].lsn))
				best = i;
		}
		if (best == s->nruns)
			break;
		if (!ix->records || strcmp(ix->key, c[best].key)) {
			rc = index_close(ix);
			if (rc < 0)
				break;
			snprintf(ix->key, sizeof(ix->key), "%s", c[best].key);
			snprintf(ix->stream, sizeof(ix->stream), "%s",
				 c[best].stream);
			ix->off = out;
			ix->bytes = 0;
			ix->first = c[best].lsn;
		}
		rc = copy_record(&c[best], o, buf);
		if (rc < 0)
			break;
		out += c[best].rlen;
		ix->bytes += c[best].rlen;
		ix->last = c[best].lsn;
		ix->records++;
		rc = cursor_next(&c[best]);
	}
	if (rc >= 0)
		rc = index_close(ix);
	if (rc >= 0)
		rc = dsout_write(o, "RUVAIDX 1\n", 10);
	if (rc >= 0 && ix->len)
		rc = dsout_write(o, ix->text, ix->len);
	free(buf);
	free(c);
	if (rc < 0 && !*ruv_lasterr())
		rc = ruv_fail(rc, "accumulate: merging the sorted runs: %s",
			      strerror(-rc));
	return rc < 0 ? rc : 0;
}

/* ---- the sources and the registration ---- */

#define SOURCES                                                                \
	" FROM archive a JOIN archive_range ar ON ar.archive_id = a.id"        \
	" JOIN log_stream s ON s.id = ar.stream_id"                            \
	" WHERE a.consolidated = 0 AND a.consolidated_into IS NULL"            \
	" AND a.kind = ?1 AND a.id <= ?2"

struct source {
	int64_t id;
	char stream[KEY_MAX + 1];
	uint64_t first_lsn, last_lsn;
};

struct sources {
	struct source *v;
	unsigned n;
	int64_t max_id;
	int64_t first_us, last_us;
};

static int source_row(sqlite3_stmt *st, void *arg)
{
	struct sources *l = arg;
	struct source *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->v = v;
	v[l->n].id = sqlite3_column_int64(st, 0);
	repo_column_text(st, 1, v[l->n].stream, sizeof(v[l->n].stream));
	v[l->n].first_lsn = (uint64_t)sqlite3_column_int64(st, 4);
	v[l->n].last_lsn = (uint64_t)sqlite3_column_int64(st, 5);
	if (!l->n || sqlite3_column_int64(st, 2) < l->first_us)
		l->first_us = sqlite3_column_int64(st, 2);
	if (!l->n || sqlite3_column_int64(st, 3) > l->last_us)
		l->last_us = sqlite3_column_int64(st, 3);
	if (v[l->n].id > l->max_id)
		l->max_id = v[l->n].id;
	l->n++;
	return 0;
}

static int register_kind(struct repo *r, struct dsout *o, int idx,
			 const char *kind, const char *dskind,
			 const struct sources *src, int64_t *id)
{
	int64_t changed = 0;
	int rc;

	rc = repo_run(r,
		      "INSERT INTO archive(kind, consolidated, first_us,"
		      " last_us, created_us) VALUES (?1, 1, ?2, ?3, ?4)",
		      REPO_ARGS(REPO_TEXT(kind), REPO_INT(src->first_us),
				REPO_INT(src->last_us), REPO_INT(rtime_now())));
	if (rc < 0)
		return rc;
	*id = sqlite3_last_insert_rowid(r->db);
	rc = repo_run(r,
		      "INSERT INTO archive_range(archive_id, stream_id,"
		      " first_lsn, last_lsn) SELECT ?3, ar.stream_id,"
		      " min(ar.first_lsn), max(ar.last_lsn)" SOURCES
		      " GROUP BY ar.stream_id",
		      REPO_ARGS(REPO_TEXT(kind), REPO_INT(src->max_id),
				REPO_INT(*id)));
	if (rc == 0)
		rc = dsout_register(o, r, idx, dskind, "archive_id", *id);
	if (rc == 0)
		rc = repo_run(r,
			      "UPDATE archive SET consolidated_into = ?3"
			      " WHERE consolidated = 0 AND consolidated_into"
			      " IS NULL AND kind = ?1 AND id <= ?2",
			      REPO_ARGS(REPO_TEXT(kind), REPO_INT(src->max_id),
					REPO_INT(*id)));
	if (rc == 0)
		rc = repo_one(r, "SELECT changes()", NULL, repo_row_int64,
			      &changed);
	if (rc == 0 && changed != (int64_t)src->n)
		rc = ruv_fail(-EBUSY,
			      "accumulate: the %s archives changed meanwhile",
			      kind);
	return rc;
}

/* "S1:F-L S2:F-L" over the sources, each stream once, in their order. */
static void stream_ranges(const struct sources *src, char *buf, size_t len)
{
	uint64_t lo, hi;
	unsigned i, j;
	size_t n = 0;

	buf[0] = '\0';
	for (i = 0; i < src->n; i++) {
		for (j = 0; j < i && strcmp(src->v[j].stream, src->v[i].stream);
		     j++)
			;
		if (j < i)
			continue;
		lo = src->v[i].first_lsn;
		hi = src->v[i].last_lsn;
		for (j = i + 1; j < src->n; j++) {
			if (strcmp(src->v[j].stream, src->v[i].stream))
				continue;
			if (src->v[j].first_lsn < lo)
				lo = src->v[j].first_lsn;
			if (src->v[j].last_lsn > hi)
				hi = src->v[j].last_lsn;
		}
		if (n < len)
			n += (size_t)snprintf(
				buf + n, len - n, "%s%s:%" PRIu64 "-%" PRIu64,
				n ? " " : "", src->v[i].stream, lo, hi);
	}
	if (n >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
}

/* Sort and write one kind's consolidated data set; its dsout index. */
static int write_kind(const struct archive_request *req, struct repo *r,
		      struct dsout *o, const char *kind,
		      const struct sources *src, struct accum_result *res)
{
	struct sorter s = { .home = req->home };
	struct index ix = { 0 };
	char name[VOLUME_NAME_MAX + 1], meta[2048], ranges[1200],
		first[RTIME_ISO_MAX], last[RTIME_ISO_MAX], stamp[24];
	int uow = !strcmp(kind, "uow"), rc = 0;
	unsigned i;

	s.by_stream = uow;
	s.run_bytes =
		req->sort_run_bytes ? req->sort_run_bytes : ACCUM_RUN_BYTES;
	for (i = 0; i < src->n && rc == 0; i++) {
		s.stream = src->v[i].stream;
		rc = archive_walk(r, src->v[i].id, sorter_add, &s);
	}
	if (rc == 0)
		rc = sorter_flush(&s);
	if (rc < 0)
		goto out;
	res->runs += s.nruns;
	stream_ranges(src, ranges, sizeof(ranges));
	rtime_format_iso(src->first_us, first, sizeof(first));
	rtime_format_iso(src->last_us, last, sizeof(last));
	rtime_format_stamp(rtime_now(), stamp, sizeof(stamp));
	snprintf(name, sizeof(name), "RUV.%s.%s", uow ? "ACCUM.UOW" : "ACCUM",
		 stamp);
	snprintf(meta, sizeof(meta),
		 "kind=%s\nsources=%u\nstreams=%s\nfirst=%s\nlast=%s\n"
		 "records=%" PRIu64 "\nrecords_bytes=%" PRIu64
		 "\nformat=logrec-1\n"
		 "index=RUVAIDX 1\n",
		 uow ? "accum-uow" : "accum", src->n, ranges, first, last,
		 s.records, s.total);
	rc = dsout_begin(o, uow ? VOLUME_KIND_ACCUM_UOW : VOLUME_KIND_ACCUM,
			 name, "", meta);
	if (rc == 0)
		rc = merge(&s, o, &ix);
	if (rc < 0) {
		dsout_unwrite(o);
		goto out;
	}
	rc = dsout_end(o);
	if (uow) {
		res->uow_records = s.records;
		res->uow_bytes = s.total;
	} else {
		res->user_records = s.records;
		res->user_bytes = s.total;
		res->keys = ix.keys;
	}
out:
	free(ix.text);
	sorter_free(&s);
	return rc;
}

static int list_sources(struct repo *r, const char *kind, struct sources *l)
{
	return repo_each(r,
			 "SELECT a.id, s.name, a.first_us, a.last_us,"
			 " ar.first_lsn, ar.last_lsn" SOURCES " ORDER BY a.id",
			 REPO_ARGS(REPO_TEXT(kind), REPO_INT(INT64_MAX)),
			 source_row, l);
}

int accum_run(const struct archive_request *req, struct repo *r,
	      struct archive_result **arch, unsigned *narch,
	      struct accum_result *res)
{
	struct sources user = { 0 }, uow = { 0 };
	struct dsout *o = NULL;
	int lock = -1, rc, iu, iw;
	char msg[160];

	memset(res, 0, sizeof(*res));
	rc = archive_run(req, r, NULL, 0, arch, narch);
	if (rc < 0)
		return rc;
	rc = lock = archive_lock(req->home);
	if (rc < 0)
		return rc;
	rc = list_sources(r, "user", &user);
	if (rc == 0)
		rc = list_sources(r, "uow", &uow);
	if (rc < 0)
		goto out;
	if (!user.n && !uow.n) {
		res->nothing_new = 1;
		goto out;
	}
	res->sources = user.n + uow.n;
	rc = dsout_open(r, req->home, req->cfg, req->warn, req->warn_arg, &o);
	if (rc < 0)
		goto out;
	rc = iu = write_kind(req, r, o, "user", &user, res);
	if (rc >= 0)
		rc = iw = write_kind(req, r, o, "uow", &uow, res);
	if (rc < 0)
		goto out;
	rc = repo_begin(r);
	if (rc == 0)
		rc = register_kind(r, o, iu, "user", "accum", &user,
				   &res->user_id);
	if (rc == 0)
		rc = register_kind(r, o, iw, "uow", "accum-uow", &uow,
				   &res->uow_id);
	if (rc == 0) {
		snprintf(msg, sizeof(msg),
			 "%u archives into A%" PRId64 " (%u DSNs, %" PRIu64
			 " changes) and A%" PRId64,
			 res->sources, res->user_id, res->keys,
			 res->user_records, res->uow_id);
		rc = history_add(r, "accumulate", "", 0, msg);
	}
	if (rc == 0)
		rc = repo_commit(r);
	if (rc < 0) {
		repo_rollback(r);
		dsout_unwrite(o);
		goto out;
	}
	dsout_registered(o);
out:
	dsout_close(o);
	free(user.v);
	free(uow.v);
	close(lock);
	return rc;
}
