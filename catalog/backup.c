// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The backup process.
 *
 * One file: open it, read chunk_size bytes at a time, compress each chunk
 * once into an independent lz4 frame, append that frame to the data set
 * of every copy, commit (fsync) every data set, then register backup,
 * data sets and copies in one transaction.  A failure before the commit
 * cuts every data set back; a failure of the commit itself cuts them back
 * too, and a crash in between leaves complete but unregistered data sets
 * that the next writer of the volume cuts back (pool_acquire).  So a copy
 * in the repository always refers to complete, durable data.
 *
 * Several files: a queue shared by up to cfg->workers threads.  A worker
 * holds its volumes (one per copy) across the files it takes, so a group
 * backup appends to as many volumes per pool as there are workers.
 * Workers left over (fewer files than workers) become lanes of each
 * file: its chunks are read with pread and compressed on several
 * threads and appended in chunk order (copy_lanes), so one file uses
 * every core and its data sets are the same as one thread would write.
 *
 * Cost: one read and one compression of each byte, one write per copy of
 * the compressed bytes, one fdatasync per data set, one transaction per
 * file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "catalog_int.h"
#include "copy.h"
#include "config.h"
#include "errmsg.h"
#include "file.h"
#include "group.h"
#include "history.h"
#include "jcl.h"
#include "home.h"
#include "pool.h"
#include "recover.h"
#include "rtime.h"
#include "volume.h"

struct worker_state {
	struct repo *r;
	struct pool_writer *w[CONFIG_MAX_COPIES];
	unsigned char *raw;   /* chunk_size */
	unsigned char *frame; /* volume_chunk_bound(chunk_size) */
	size_t frame_cap;
	unsigned lanes; /* threads each file may use (copy_lanes) */
};

struct job {
	const struct backup_request *req;
	char *const *dsns;
	struct backup_result *results;
	unsigned n;
	unsigned lanes; /* per file: workers / threads running */
	unsigned next;	/* under lock */
	pthread_mutex_t lock;
};

/* One copy being written. */
struct copy_out {
	struct volume_writer *vw;
	struct volume_dataset_info info;
};

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int changed_since(const struct stat *a, const struct stat *b)
{
	return a->st_size != b->st_size ||
	       a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
	       a->st_mtim.tv_nsec != b->st_mtim.tv_nsec ||
	       a->st_ctim.tv_sec != b->st_ctim.tv_sec ||
	       a->st_ctim.tv_nsec != b->st_ctim.tv_nsec;
}

static int64_t timespec_us(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000 + ts->tv_nsec / 1000;
}

static int open_source(const struct file_info *fi, int *fd_out, struct stat *sb)
{
	int fd, rc;

	fd = open(fi->path,
		  O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ELOOP)
			return ruv_fail(rc,
					"'%s' (%s) has been replaced by a "
					"symbolic link",
					fi->path, fi->dsn);
		return ruv_fail(rc, "cannot open '%s' (%s): %s", fi->path,
				fi->dsn, strerror(-rc));
	}
	if (fstat(fd, sb) < 0) {
		rc = -errno;
		close(fd);
		return ruv_fail(rc, "'%s': %s", fi->path, strerror(-rc));
	}
	if (!S_ISREG(sb->st_mode)) {
		close(fd);
		return ruv_fail(-EINVAL,
				"'%s' (%s) is no longer a regular "
				"file",
				fi->path, fi->dsn);
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	*fd_out = fd;
	return 0;
}

/* A value for one key=value line: backslash and control characters as
 * \\ and \xNN, so a path (registered by an older ruv, before control
 * characters were refused) cannot end its line and forge keys. */
static void meta_value(const char *s, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;
	unsigned char c;

	for (; *s && k + 5 <= cap; s++) {
		c = (unsigned char)*s;
		if (c == '\\' || c < 0x20 || c == 0x7f) {
			buf[k++] = '\\';
			if (c == '\\') {
				buf[k++] = '\\';
				continue;
			}
			buf[k++] = 'x';
			buf[k++] = hex[c >> 4];
			buf[k++] = hex[c & 15];
		} else {
			buf[k++] = (char)c;
		}
	}
	buf[k] = '\0';
}

/* Self-description of the data set, kept on the volume with it. */
static int backup_meta(const struct file_info *fi, const struct stat *sb,
		       int64_t start_us, unsigned copy_no, char *buf,
		       size_t len)
{
	char when[RTIME_ISO_MAX], path[4 * PATH_MAX + 8];
	int n;

	rtime_format_iso(start_us, when, sizeof(when));
	meta_value(fi->path, path, sizeof(path));
	n = snprintf(buf, len,
		     "dsn=%s\npath=%s\nstart=%s\ncopy=%u\nuid=%u\ngid=%u\n"
		     "mode=%04o\nmtime=%lld\n",
		     fi->dsn, path, when, copy_no, (unsigned)sb->st_uid,
		     (unsigned)sb->st_gid, (unsigned)(sb->st_mode & 07777),
		     (long long)timespec_us(&sb->st_mtim));
	if (n < 0 || (size_t)n >= len)
		return ruv_fail(-ENAMETOOLONG,
				"'%s': path too long to "
				"describe on a volume",
				fi->path);
	return 0;
}

static int acquire_writers(struct worker_state *ws,
			   const struct backup_request *req)
{
	const struct pool_warn warn = { req->warn, req->warn_arg };
	unsigned i;
	int rc;

	for (i = 0; i < req->cfg->copies; i++) {
		if (ws->w[i])
			continue;
		rc = pool_acquire(ws->r, req->home, req->cfg->copy_pool[i],
				  &warn, &ws->w[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void abort_copies(struct copy_out *co, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (co[i].vw)
			volume_dataset_abort(co[i].vw);
}

/* Append one compressed chunk to every copy and count it. */
static int put_chunk(const struct backup_request *req, struct copy_out *co,
		     const unsigned char *frame, size_t flen, size_t n,
		     struct backup_result *res)
{
	unsigned i;
	int rc;

	for (i = 0; i < req->cfg->copies; i++) {
		rc = volume_dataset_put(co[i].vw, frame, flen, n);
		if (rc < 0)
			return rc;
	}
	res->size += n;
	res->stored += flen;
	return 0;
}

/* pread until buf is full or end of file; bytes read or -errno. */
static ssize_t pread_full(int fd, unsigned char *buf, size_t len, off_t off)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = pread(fd, buf + got, len - got, off + (off_t)got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Copy the whole source into the open data sets, on this thread. */
static int copy_serial(struct worker_state *ws,
		       const struct backup_request *req, const char *path,
		       const char *dsn, int fd, uint64_t total,
		       struct copy_out *co, struct backup_result *res)
{
	uint32_t chunk = req->cfg->chunk_size;
	size_t flen;
	ssize_t n;
	int rc;

	for (;;) {
		n = pread_full(fd, ws->raw, chunk, (off_t)res->size);
		if (n < 0)
			return ruv_fail((int)n, "cannot read '%s' (%s): %s",
					path, dsn, strerror((int)-n));
		/* An empty file still gets its (empty) data set. */
		if (n == 0 && res->size > 0)
			break;
		if (n > 0) {
			rc = volume_chunk_compress(ws->raw, (size_t)n,
						   ws->frame, ws->frame_cap,
						   &flen);
			if (rc == 0)
				rc = put_chunk(req, co, ws->frame, flen,
					       (size_t)n, res);
			if (rc < 0)
				return rc;
		}
		if (req->progress)
			req->progress(req->progress_arg, dsn, res->size, total);
		if ((size_t)n < chunk)
			break;
	}
	return 0;
}

/*
 * One file on several lanes (threads), so that a file alone uses every
 * core.  Chunk k lies at byte k * chunk_size of the source: lane j reads
 * (pread) and compresses chunks j, j + nlanes, ... on its own, then waits
 * for its turn to append them, so the puts stay in chunk order and the
 * data sets are byte for byte what one thread would write.  The turn
 * hands the volume writers from lane to lane under the mutex.  The first
 * short chunk is the last: chunks after it (the file grew meanwhile) are
 * dropped, as a sequential read would never have read them.
 */
#define LANES_MAX 8

struct lanes {
	const struct backup_request *req;
	const char *path, *dsn;
	int fd;
	uint64_t total;
	struct copy_out *co;
	struct backup_result *res;
	unsigned n; /* lanes running, fixed before `go` */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t turn; /* the chunk to append next; under lock */
	int go;	       /* n is final; under lock */
	int stop;      /* last chunk appended, or an error; under lock */
	int rc;	       /* the first error; under lock */
	char msg[512]; /* its message (ruv_fail is per thread) */
};

struct lane {
	struct lanes *l;
	unsigned id;
	unsigned char *raw;   /* chunk_size */
	unsigned char *frame; /* volume_chunk_bound(chunk_size) */
	size_t frame_cap;
};

/* Under l->lock: end the run (rc < 0: with that error, if the first). */
static void lanes_stop(struct lanes *l, int rc)
{
	if (rc < 0 && !l->rc) {
		l->rc = rc;
		snprintf(l->msg, sizeof(l->msg), "%s", ruv_lasterr());
	}
	l->stop = 1;
	pthread_cond_broadcast(&l->cond);
}

static void *lane_run(void *arg)
{
	struct lane *ln = arg;
	struct lanes *l = ln->l;
	uint32_t chunk = l->req->cfg->chunk_size;
	uint64_t k;
	size_t flen = 0;
	ssize_t n;
	int rc;

	pthread_mutex_lock(&l->lock);
	while (!l->go)
		pthread_cond_wait(&l->cond, &l->lock);
	pthread_mutex_unlock(&l->lock);
	for (k = ln->id;; k += l->n) {
		ruv_clearerr();
		rc = 0;
		n = pread_full(l->fd, ln->raw, chunk, (off_t)(k * chunk));
		if (n < 0)
			rc = ruv_fail((int)n, "cannot read '%s' (%s): %s",
				      l->path, l->dsn, strerror((int)-n));
		else if (n > 0)
			rc = volume_chunk_compress(ln->raw, (size_t)n,
						   ln->frame, ln->frame_cap,
						   &flen);
		pthread_mutex_lock(&l->lock);
		while (l->turn != k && !l->stop)
			pthread_cond_wait(&l->cond, &l->lock);
		if (l->stop) {
			pthread_mutex_unlock(&l->lock);
			break;
		}
		if (rc < 0 || n == 0) { /* an error, or the end */
			lanes_stop(l, rc);
			pthread_mutex_unlock(&l->lock);
			break;
		}
		/* Our turn: nobody else touches the writers until we pass
		 * it on, so the puts run without the lock. */
		pthread_mutex_unlock(&l->lock);
		rc = put_chunk(l->req, l->co, ln->frame, flen, (size_t)n,
			       l->res);
		if (rc == 0 && l->req->progress)
			l->req->progress(l->req->progress_arg, l->dsn,
					 l->res->size, l->total);
		pthread_mutex_lock(&l->lock);
		if (rc < 0 || (size_t)n < chunk) {
			lanes_stop(l, rc);
			pthread_mutex_unlock(&l->lock);
			break;
		}
		l->turn = k + 1;
		pthread_cond_broadcast(&l->cond);
		pthread_mutex_unlock(&l->lock);
	}
	return NULL;
}

static int copy_lanes(struct worker_state *ws, const struct backup_request *req,
		      const char *path, const char *dsn, int fd, uint64_t total,
		      struct copy_out *co, struct backup_result *res)
{
	struct lanes l = {
		.req = req,
		.path = path,
		.dsn = dsn,
		.fd = fd,
		.total = total,
		.co = co,
		.res = res,
	};
	struct lane ln[LANES_MAX];
	pthread_t tid[LANES_MAX];
	unsigned want = ws->lanes < LANES_MAX ? ws->lanes : LANES_MAX, i;
	size_t cap = volume_chunk_bound(req->cfg->chunk_size);
	int rc = 0;

	pthread_mutex_init(&l.lock, NULL);
	pthread_cond_init(&l.cond, NULL);
	memset(ln, 0, sizeof(ln));
	/* Lane 0 is this thread, with the worker's buffers. */
	ln[0] = (struct lane){ &l, 0, ws->raw, ws->frame, ws->frame_cap };
	l.n = 1;
	for (i = 1; i < want; i++) {
		ln[i].l = &l;
		ln[i].id = i;
		ln[i].frame_cap = cap;
		ln[i].raw = malloc(req->cfg->chunk_size);
		ln[i].frame = malloc(cap);
		if (!ln[i].raw || !ln[i].frame ||
		    pthread_create(&tid[i], NULL, lane_run, &ln[i]) != 0) {
			free(ln[i].raw);
			free(ln[i].frame);
			break; /* fewer lanes; still correct */
		}
		l.n++;
	}
	pthread_mutex_lock(&l.lock);
	l.go = 1;
	pthread_cond_broadcast(&l.cond);
	pthread_mutex_unlock(&l.lock);
	lane_run(&ln[0]);
	for (i = 1; i < l.n; i++) {
		pthread_join(tid[i], NULL);
		free(ln[i].raw);
		free(ln[i].frame);
	}
	pthread_cond_destroy(&l.cond);
	pthread_mutex_destroy(&l.lock);
	if (l.rc < 0)
		rc = l.msg[0] ? ruv_fail(l.rc, "%s", l.msg) : l.rc;
	return rc;
}

/* Copy the whole source into the open data sets: on lanes when this
 * worker has cores to spare, else on this thread. */
static int copy_data(struct worker_state *ws, const struct backup_request *req,
		     const char *path, const char *dsn, int fd, uint64_t total,
		     struct copy_out *co, struct backup_result *res)
{
	if (ws->lanes > 1 && total > req->cfg->chunk_size)
		return copy_lanes(ws, req, path, dsn, fd, total, co, res);
	return copy_serial(ws, req, path, dsn, fd, total, co, res);
}

static int insert_backup(struct repo *r, const struct file_info *fi,
			 const struct stat *sb, const struct backup_result *res,
			 int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = repo_prepare(r,
			  "INSERT INTO backup(file_id, start_us, end_us,"
			  " size, uid, gid, mode, mtime_us, changed)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, fi->id);
	sqlite3_bind_int64(st, 2, res->start_us);
	sqlite3_bind_int64(st, 3, res->end_us);
	sqlite3_bind_int64(st, 4, (int64_t)res->size);
	sqlite3_bind_int64(st, 5, sb->st_uid);
	sqlite3_bind_int64(st, 6, sb->st_gid);
	sqlite3_bind_int64(st, 7, sb->st_mode);
	sqlite3_bind_int64(st, 8, timespec_us(&sb->st_mtim));
	sqlite3_bind_int(st, 9, res->changed);
	rc = repo_step_done(r, st);
	repo_finalize(r, st);
	*id = sqlite3_last_insert_rowid(r->db);
	return rc;
}

int backup_insert_dataset(struct repo *r, int64_t volume_id,
			  const struct volume_dataset_info *di,
			  const char *kind, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = repo_prepare(r,
			  "INSERT INTO dataset(volume_id, seq, kind, name,"
			  " vol_offset, length, raw_size, stored_size,"
			  " chunk_size, nchunks, checksum, created_us)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, volume_id);
	sqlite3_bind_int64(st, 2, di->seq);
	repo_bind_text(st, 3, kind);
	repo_bind_text(st, 4, di->name);
	sqlite3_bind_int64(st, 5, (int64_t)di->offset);
	sqlite3_bind_int64(st, 6, (int64_t)di->length);
	sqlite3_bind_int64(st, 7, (int64_t)di->raw_size);
	sqlite3_bind_int64(st, 8, (int64_t)di->stored_size);
	sqlite3_bind_int64(st, 9, di->chunk_size);
	sqlite3_bind_int64(st, 10, di->nchunks);
	sqlite3_bind_int64(st, 11, di->checksum);
	sqlite3_bind_int64(st, 12, di->created_us);
	rc = repo_step_done(r, st);
	repo_finalize(r, st);
	*id = sqlite3_last_insert_rowid(r->db);
	return rc;
}

/* column: backup_id, repo_backup_id or jcl_backup_id. */
static int insert_copy(struct repo *r, const char *column, int64_t backup_id,
		       unsigned copy_no, int64_t dataset_id,
		       int64_t location_id)
{
	sqlite3_stmt *st = NULL;
	char sql[160];
	int rc;

	snprintf(sql, sizeof(sql),
		 "INSERT INTO copy(%s, copy_no, dataset_id, location_id)"
		 " VALUES (?, ?, ?, ?)",
		 column);
	rc = repo_prepare(r, sql, &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, backup_id);
	sqlite3_bind_int(st, 2, (int)copy_no);
	sqlite3_bind_int64(st, 3, dataset_id);
	sqlite3_bind_int64(st, 4, location_id);
	rc = repo_step_done(r, st);
	repo_finalize(r, st);
	return rc;
}

static int register_backup(struct worker_state *ws, unsigned ncopies,
			   const struct file_info *fi, const struct stat *sb,
			   const struct copy_out *co,
			   const struct recover_marks *marks,
			   struct backup_result *res)
{
	struct repo *r = ws->r;
	int64_t ds_id;
	unsigned i;
	char msg[96];
	int rc;

	rc = repo_begin(r);
	if (rc < 0)
		return rc;
	rc = insert_backup(r, fi, sb, res, &res->backup_id);
	if (rc == 0)
		rc = recover_marks_store(r, res->backup_id, marks);
	for (i = 0; rc == 0 && i < ncopies; i++) {
		rc = backup_insert_dataset(r, ws->w[i]->volume_id, &co[i].info,
					   "backup", &ds_id);
		if (rc == 0)
			rc = insert_copy(r, "backup_id", res->backup_id, i + 1,
					 ds_id, ws->w[i]->location_id);
		if (rc == 0)
			rc = pool_note_written(r, ws->w[i]);
	}
	if (rc == 0) {
		snprintf(msg, sizeof(msg), "%llu bytes%s",
			 (unsigned long long)res->size,
			 res->changed ? ", changed while read" : "");
		rc = history_add(r, "backup", fi->dsn, 0, msg);
	}
	if (rc == 0)
		rc = repo_commit(r);
	if (rc < 0)
		repo_rollback(r);
	return rc;
}

/* Cut committed but unregistered data sets back off their volumes. */
static void unwrite(struct worker_state *ws, unsigned ncopies,
		    const struct copy_out *co)
{
	unsigned i;

	for (i = 0; i < ncopies; i++)
		if (co[i].info.length)
			volume_truncate_after(ws->w[i]->vol, co[i].info.offset);
}

static void release_full_volumes(struct worker_state *ws, unsigned ncopies)
{
	unsigned i;
	int sealed;

	for (i = 0; i < ncopies; i++) {
		if (pool_seal_if_full(ws->w[i], &sealed) < 0 || sealed) {
			pool_release(ws->w[i]);
			ws->w[i] = NULL;
		}
	}
}

static int backup_one(struct worker_state *ws, const struct backup_request *req,
		      const char *dsn, struct backup_result *res)
{
	struct copy_out co[CONFIG_MAX_COPIES];
	struct recover_marks marks = { 0 };
	unsigned ncopies = req->cfg->copies, i;
	struct stat before, after, now;
	struct file_info fi;
	char meta[VOLUME_META_MAX], name[VOLUME_NAME_MAX + 1], stamp[24];
	int fd = -1, rc;

	memset(co, 0, sizeof(co));
	rc = file_lookup(ws->r, dsn, &fi);
	if (rc < 0)
		return rc;
	snprintf(res->dsn, sizeof(res->dsn), "%s", fi.dsn);
	/* Before the first byte is read: what recovery from this backup
	 * must undo and redo (recover.c). */
	rc = recover_marks_begin(ws->r, &marks);
	if (rc < 0)
		return rc;
	rc = open_source(&fi, &fd, &before);
	if (rc < 0)
		goto out;
	rc = acquire_writers(ws, req);
	if (rc < 0)
		goto out;
	res->start_us = rtime_now();
	rtime_format_stamp(res->start_us, stamp, sizeof(stamp));
	if (snprintf(name, sizeof(name), "%s.%s", fi.dsn, stamp) >=
	    (int)sizeof(name)) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	for (i = 0; i < ncopies; i++) {
		rc = backup_meta(&fi, &before, res->start_us, i + 1, meta,
				 sizeof(meta));
		if (rc < 0)
			goto out;
		rc = volume_dataset_begin(ws->w[i]->vol, VOLUME_KIND_BACKUP,
					  name, fi.dsn, req->cfg->chunk_size,
					  meta, strlen(meta) + 1, &co[i].vw);
		if (rc < 0)
			goto out;
	}
	rc = copy_data(ws, req, fi.path, fi.dsn, fd, (uint64_t)before.st_size,
		       co, res);
	if (rc < 0)
		goto out;
	if (fstat(fd, &after) < 0 || stat(fi.path, &now) < 0 ||
	    !same_file(&after, &now)) {
		rc = ruv_fail(-ESTALE,
			      "'%s' (%s) was removed or replaced "
			      "while it was backed up",
			      fi.path, fi.dsn);
		goto out;
	}
	res->changed = changed_since(&before, &after) ||
		       res->size != (uint64_t)before.st_size;
	for (i = 0; i < ncopies; i++) {
		rc = volume_dataset_commit(co[i].vw, &co[i].info);
		co[i].vw = NULL;
		if (rc < 0)
			goto out_unwrite;
	}
	res->end_us = rtime_now();
	recover_marks_end(&marks);
	rc = register_backup(ws, ncopies, &fi, &before, co, &marks, res);
	if (rc < 0)
		goto out_unwrite;
	release_full_volumes(ws, ncopies);
	goto out;
out_unwrite:
	unwrite(ws, ncopies, co);
out:
	abort_copies(co, ncopies);
	recover_marks_free(&marks);
	if (fd >= 0)
		close(fd);
	return rc;
}

static void worker_free(struct worker_state *ws)
{
	unsigned i;

	for (i = 0; i < CONFIG_MAX_COPIES; i++)
		pool_release(ws->w[i]);
	repo_close(ws->r);
	free(ws->raw);
	free(ws->frame);
}

static void *worker(void *arg)
{
	struct job *job = arg;
	const struct backup_request *req = job->req;
	struct worker_state ws = { 0 };
	struct backup_result *res;
	unsigned i;
	int rc;

	ws.lanes = job->lanes;
	rc = home_open(req->home, &ws.r);
	if (rc == 0) {
		ws.frame_cap = volume_chunk_bound(req->cfg->chunk_size);
		ws.raw = malloc(req->cfg->chunk_size);
		ws.frame = malloc(ws.frame_cap);
		if (!ws.raw || !ws.frame)
			rc = ruv_fail(-ENOMEM, "out of memory");
	}
	for (;;) {
		pthread_mutex_lock(&job->lock);
		i = job->next++;
		pthread_mutex_unlock(&job->lock);
		if (i >= job->n)
			break;
		res = &job->results[i];
		ruv_clearerr();
		res->rc = rc < 0 ? rc : backup_one(&ws, req, job->dsns[i], res);
		if (res->rc < 0)
			snprintf(res->message, sizeof(res->message), "%s",
				 *ruv_lasterr() ? ruv_lasterr()
						: strerror(-res->rc));
	}
	worker_free(&ws);
	return NULL;
}

/* Every DSN must be registered before anything is written. */
static int check_all(const struct backup_request *req, char *const *dsns,
		     unsigned n, struct backup_result *results)
{
	struct file_info fi;
	struct repo *r;
	unsigned i;
	int rc;

	rc = home_open(req->home, &r);
	if (rc < 0)
		return rc;
	rc = pool_sync(r, req->cfg);
	for (i = 0; i < n && rc == 0; i++) {
		memset(&results[i], 0, sizeof(results[i]));
		rc = file_lookup(r, dsns[i], &fi);
		if (rc == 0)
			snprintf(results[i].dsn, sizeof(results[i].dsn), "%s",
				 fi.dsn);
	}
	repo_close(r);
	return rc;
}

int backup_run(const struct backup_request *req, char *const *dsns, unsigned n,
	       struct backup_result *results)
{
	pthread_t tids[64];
	int started[64] = { 0 };
	struct job job = {
		.req = req,
		.dsns = dsns,
		.results = results,
		.n = n,
	};
	unsigned nthreads = req->cfg->workers, i;
	int rc;

	rc = check_all(req, dsns, n, results);
	if (rc < 0)
		return rc;
	if (nthreads > n)
		nthreads = n;
	if (nthreads > 64)
		nthreads = 64;
	/* Cores the workers leave over go to the lanes of each file. */
	job.lanes = nthreads ? req->cfg->workers / nthreads : 1;
	pthread_mutex_init(&job.lock, NULL);
	/* The calling thread is worker 0. */
	for (i = 1; i < nthreads; i++)
		started[i] = pthread_create(&tids[i], NULL, worker, &job) == 0;
	worker(&job);
	for (i = 1; i < nthreads; i++)
		if (started[i])
			pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&job.lock);
	for (i = 0; i < n; i++)
		if (results[i].rc < 0)
			return results[i].rc;
	return 0;
}

/* The files of a named backup, in order, each once. */
struct name_list {
	char **v;
	unsigned n, cap;
};

static int name_add(const char *dsn, void *arg)
{
	struct name_list *l = arg;
	char **nv;
	unsigned i, cap;

	for (i = 0; i < l->n; i++)
		if (!strcasecmp(l->v[i], dsn))
			return 0;
	if (l->n == l->cap) {
		cap = l->cap ? 2 * l->cap : 16;
		nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n] = strdup(dsn);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static void name_list_free(struct name_list *l)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* The DSNs, then each group's members, each once. */
static int resolve_names(struct repo *r, char *const *dsns, unsigned n,
			 char *const *groups, unsigned ng, struct name_list *l)
{
	unsigned i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		rc = name_add(dsns[i], l);
	for (i = 0; i < ng && rc == 0; i++)
		rc = group_members(r, groups[i], NULL, 0, name_add, l);
	if (rc == 0 && !l->n)
		rc = ruv_fail(-ENODATA,
			      ng == 1 ? "nothing to back up: group '%s' has "
					"no members"
				      : "nothing to back up: the groups "
					"('%s', ...) have no members",
			      groups[0]);
	return rc;
}

int backup_named(const struct backup_request *req, struct repo *r,
		 char *const *dsns, unsigned n, char *const *groups,
		 unsigned ng, struct backup_result **results,
		 unsigned *nresults)
{
	struct name_list l = { 0 };
	struct backup_result *res = NULL;
	unsigned i;
	int rc;

	*results = NULL;
	*nresults = 0;
	rc = resolve_names(r, dsns, n, groups, ng, &l);
	if (rc < 0)
		goto out;
	res = calloc(l.n, sizeof(*res));
	if (!res) {
		rc = -ENOMEM;
		goto out;
	}
	rc = backup_run(req, l.v, l.n, res);
	for (i = 0; rc < 0 && i < l.n && res[i].rc == 0; i++)
		;
	if (rc < 0 && i == l.n) {
		/* refused before any file was started (check_all) */
		free(res);
		goto out;
	}
	*results = res;
	*nresults = l.n;
out:
	name_list_free(&l);
	return rc;
}

/*
 * A repository or JCL library backup: one file made aside (a snapshot,
 * a packed library), written to every copy like a file backup, and
 * registered in its own table.
 */
struct special {
	char kind;	    /* 'R' or 'J' */
	uint32_t vkind;	    /* VOLUME_KIND_* */
	const char *dsn;    /* the name its copies go by */
	const char *table;  /* repo_backup or jcl_backup */
	const char *column; /* of copy */
	const char *dskind; /* dataset.kind */
	const char *action; /* history */
	int (*make)(struct worker_state *ws, const struct backup_request *req,
		    const char *path, int64_t *items);
};

static int register_special(struct worker_state *ws, unsigned ncopies,
			    const struct special *sp, const struct copy_out *co,
			    int64_t items, struct backup_result *res)
{
	struct repo *r = ws->r;
	sqlite3_stmt *st = NULL;
	char sql[160], msg[64];
	int64_t ds_id;
	unsigned i;
	int rc;

	rc = repo_begin(r);
	if (rc < 0)
		return rc;
	if (sp->kind == 'R')
		snprintf(sql, sizeof(sql),
			 "INSERT INTO repo_backup(created_us, size,"
			 " schema_version) VALUES (?1, ?2, ?3)");
	else
		snprintf(sql, sizeof(sql),
			 "INSERT INTO jcl_backup(created_us, size, members)"
			 " VALUES (?1, ?2, ?3)");
	rc = repo_prepare(r, sql, &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, res->start_us);
		sqlite3_bind_int64(st, 2, (int64_t)res->size);
		sqlite3_bind_int64(
			st, 3, sp->kind == 'R' ? REPO_SCHEMA_VERSION : items);
		rc = repo_step_done(r, st);
		repo_finalize(r, st);
		res->backup_id = sqlite3_last_insert_rowid(r->db);
	}
	for (i = 0; rc == 0 && i < ncopies; i++) {
		rc = backup_insert_dataset(r, ws->w[i]->volume_id, &co[i].info,
					   sp->dskind, &ds_id);
		if (rc == 0)
			rc = insert_copy(r, sp->column, res->backup_id, i + 1,
					 ds_id, ws->w[i]->location_id);
		if (rc == 0)
			rc = pool_note_written(r, ws->w[i]);
	}
	if (rc == 0) {
		snprintf(msg, sizeof(msg), "%llu bytes",
			 (unsigned long long)res->size);
		rc = history_add(r, sp->action, sp->dsn, 0, msg);
	}
	if (rc == 0)
		rc = repo_commit(r);
	if (rc < 0)
		repo_rollback(r);
	return rc;
}

static int make_snapshot(struct worker_state *ws,
			 const struct backup_request *req, const char *path,
			 int64_t *items)
{
	(void)req;
	*items = 0;
	return repo_snapshot(ws->r, path);
}

static int make_jcl_pack(struct worker_state *ws,
			 const struct backup_request *req, const char *path,
			 int64_t *items)
{
	int n;

	(void)ws;
	n = jcl_pack(req->home, path);
	if (n < 0)
		return n;
	*items = n;
	return 0;
}

static const struct special repository_backup = {
	'R',	       VOLUME_KIND_REPOSITORY, COPY_REPOSITORY_DSN,
	"repo_backup", "repo_backup_id",       "repository",
	"repo backup", make_snapshot,
};

static const struct special jcl_library_backup = {
	'J',   VOLUME_KIND_JCL, COPY_JCL_DSN,  "jcl_backup", "jcl_backup_id",
	"jcl", "jcl backup",	make_jcl_pack,
};

/*
 * The file made aside is named .TABLE-PID-XXXXXX in the home.  A run
 * killed before it removed its file (and SQLite's -journal beside a
 * snapshot) leaves them there, a whole repository or library each time:
 * the next run removes those whose process is gone.  A live one, maybe
 * another run at work right now, is left alone.
 */
static void remove_stale(const char *home, const char *table)
{
	char prefix[32];
	struct dirent *de;
	size_t len;
	char *end;
	long pid;
	DIR *d;

	len = (size_t)snprintf(prefix, sizeof(prefix), ".%s-", table);
	d = opendir(home);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, len))
			continue;
		pid = strtol(de->d_name + len, &end, 10);
		if (pid <= 0 || *end != '-' || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

static int backup_special(const struct backup_request *req,
			  const struct special *sp, struct backup_result *res)
{
	struct worker_state ws = { 0 };
	struct copy_out co[CONFIG_MAX_COPIES];
	unsigned ncopies = req->cfg->copies, i;
	char tmp[PATH_MAX], name[VOLUME_NAME_MAX + 1], stamp[24];
	char meta[512], when[RTIME_ISO_MAX];
	struct stat sb;
	int64_t items = 0;
	int fd = -1, rc;

	memset(co, 0, sizeof(co));
	memset(res, 0, sizeof(*res));
	snprintf(res->dsn, sizeof(res->dsn), "%s", sp->dsn);
	tmp[0] = '\0';
	ws.lanes = req->cfg->workers;
	rc = home_open(req->home, &ws.r);
	if (rc < 0)
		return rc;
	rc = pool_sync(ws.r, req->cfg);
	if (rc < 0)
		goto out;
	ws.frame_cap = volume_chunk_bound(req->cfg->chunk_size);
	ws.raw = malloc(req->cfg->chunk_size);
	ws.frame = malloc(ws.frame_cap);
	if (!ws.raw || !ws.frame) {
		rc = -ENOMEM;
		goto out;
	}
	remove_stale(req->home, sp->table);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s-%ld-XXXXXX", req->home,
		     sp->table, (long)getpid()) >= (int)sizeof(tmp)) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		tmp[0] = '\0';
		goto out;
	}
	close(fd);
	fd = -1;
	unlink(tmp); /* made afresh by the producer */
	res->start_us = rtime_now();
	rc = sp->make(&ws, req, tmp, &items);
	if (rc < 0)
		goto out;
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		rc = -errno;
		goto out;
	}
	rc = acquire_writers(&ws, req);
	if (rc < 0)
		goto out;
	rtime_format_stamp(res->start_us, stamp, sizeof(stamp));
	rtime_format_iso(res->start_us, when, sizeof(when));
	snprintf(name, sizeof(name), "%s.%s", sp->dsn, stamp);
	for (i = 0; i < ncopies; i++) {
		snprintf(meta, sizeof(meta),
			 "kind=%s\nstart=%s\ncopy=%u\nschema=%d\n"
			 "items=%lld\n",
			 sp->dskind, when, i + 1, REPO_SCHEMA_VERSION,
			 (long long)items);
		rc = volume_dataset_begin(ws.w[i]->vol, sp->vkind, name, "",
					  req->cfg->chunk_size, meta,
					  strlen(meta) + 1, &co[i].vw);
		if (rc < 0)
			goto out;
	}
	rc = copy_data(&ws, req, tmp, sp->dsn, fd, (uint64_t)sb.st_size, co,
		       res);
	for (i = 0; rc == 0 && i < ncopies; i++) {
		rc = volume_dataset_commit(co[i].vw, &co[i].info);
		co[i].vw = NULL;
	}
	if (rc == 0) {
		res->end_us = rtime_now();
		rc = register_special(&ws, ncopies, sp, co, items, res);
	}
	if (rc < 0)
		unwrite(&ws, ncopies, co);
	else
		release_full_volumes(&ws, ncopies);
out:
	abort_copies(co, ncopies);
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlink(tmp);
	res->rc = rc;
	worker_free(&ws);
	return rc;
}

int backup_repository(const struct backup_request *req,
		      struct backup_result *res)
{
	return backup_special(req, &repository_backup, res);
}

int backup_jcl(const struct backup_request *req, struct backup_result *res)
{
	return backup_special(req, &jcl_library_backup, res);
}
