// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruvlog: the application logging library (libruvlog.so, ruvlog.h), a thin
 * layer over logstream.h for programs that change their own protected
 * files.  It adds what an application should not have to do itself: find
 * the stream and the files' paths through the repository, bind each file
 * to the stream on first use, read before-images and old sizes from the
 * file, split large changes into records, list the touched files with
 * their size and mtime at commit, and put files back on backout.
 *
 * Locking: the repository connection is one per handle and not
 * thread-safe, so repository calls (first use of a DSN only: the path and
 * binding are cached) and the unit table run under l->mu; the appends
 * themselves are logstream's, thread-safe on their own.
 *
 * Cost per write: one open + fstat + pread of the before-image + the
 * append; per commit one stat per touched file + the shared fdatasync.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "errmsg.h"
#include "file.h"
#include "home.h"
#include "logapply.h"
#include "logcat.h"
#include "logstream.h"
#include "repo.h"
#include "ruvlog.h"

struct rl_file {
	char dsn[NAMES_DSN_MAX + 1];
	char path[PATH_MAX];
};

struct rl_unit {
	uint64_t uow;
	size_t nfiles;
	size_t *files; /* indexes into l->files */
};

struct ruvlog {
	pthread_mutex_t mu; /* repo, files, units */
	struct repo *repo;
	struct logstream *ls;
	struct logcat_info info;
	struct rl_file *files;
	size_t nfiles;
	struct rl_unit *units;
	size_t nunits;
};

const char *ruvlog_lasterr(void)
{
	return ruv_lasterr();
}

int ruvlog_open(const char *home, const char *name, struct ruvlog **out)
{
	struct config cfg;
	int rc;

	if (!home || !name || !out)
		return ruv_fail(-EINVAL, "ruvlog_open: NULL argument");
	rc = config_find(NULL, home, &cfg);
	if (rc < 0)
		return rc;
	return ruvlog_open_cfg(home, name, &cfg, out);
}

int ruvlog_open_cfg(const char *home, const char *name,
		    const struct config *cfg, struct ruvlog **out)
{
	struct logstream_opts opts = { 0 };
	struct ruvlog *l;
	int rc;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->mu, NULL);
	rc = home_open(home, &l->repo);
	if (rc < 0)
		goto fail;
	rc = logcat_lookup(l->repo, name, &l->info);
	if (rc < 0)
		goto fail;
	opts.segment_size = cfg->log_segment_size;
	rc = logstream_open(l->info.dir, &opts, &l->ls);
	if (rc < 0)
		goto fail;
	*out = l;
	return 0;
fail:
	ruvlog_close(l);
	return rc;
}

int ruvlog_close(struct ruvlog *l)
{
	size_t i;
	int rc;

	if (!l)
		return 0;
	rc = logstream_close(l->ls);
	repo_close(l->repo);
	for (i = 0; i < l->nunits; i++)
		free(l->units[i].files);
	free(l->units);
	free(l->files);
	pthread_mutex_destroy(&l->mu);
	free(l);
	return rc;
}

/* The file dsn, looked up and bound on first use.  l->mu held. */
static int file_index(struct ruvlog *l, const char *dsn, size_t *idx)
{
	char d[NAMES_DSN_MAX + 1];
	struct file_info fi;
	struct rl_file *nf;
	size_t i;
	int rc;

	rc = names_dsn_check(dsn, d, sizeof(d));
	if (rc < 0)
		return rc;
	for (i = 0; i < l->nfiles; i++)
		if (!strcmp(l->files[i].dsn, d)) {
			*idx = i;
			return 0;
		}
	rc = file_lookup(l->repo, d, &fi);
	if (rc == -ENOENT)
		return ruv_fail(rc, "no file '%s' is registered", d);
	if (rc < 0)
		return rc;
	rc = logcat_bind(l->repo, l->info.name, d, NULL);
	if (rc < 0)
		return rc;
	nf = realloc(l->files, (l->nfiles + 1) * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	l->files = nf;
	snprintf(nf[l->nfiles].dsn, sizeof(nf->dsn), "%s", d);
	snprintf(nf[l->nfiles].path, sizeof(nf->path), "%s", fi.path);
	*idx = l->nfiles++;
	return 0;
}

static struct rl_unit *unit_of(struct ruvlog *l, uint64_t uow)
{
	size_t i;

	for (i = 0; i < l->nunits; i++)
		if (l->units[i].uow == uow)
			return &l->units[i];
	ruv_fail(-ENOENT, "unit %" PRIu64 " is not open here", uow);
	return NULL;
}

int ruvlog_begin(struct ruvlog *l, uint64_t *uow)
{
	struct rl_unit *nu;
	uint64_t id;
	int rc;

	pthread_mutex_lock(&l->mu);
	nu = realloc(l->units, (l->nunits + 1) * sizeof(*nu));
	if (!nu) {
		rc = -ENOMEM;
		goto out;
	}
	l->units = nu;
	rc = logstream_begin(l->ls, &id);
	if (rc < 0)
		goto out;
	memset(&nu[l->nunits], 0, sizeof(*nu));
	nu[l->nunits++].uow = id;
	*uow = id;
out:
	pthread_mutex_unlock(&l->mu);
	return rc;
}

/* Resolve dsn for unit uow and note it as touched: its path in path. */
static int unit_file(struct ruvlog *l, uint64_t uow, const char *dsn,
		     char *path, char *folded)
{
	struct rl_unit *u;
	size_t idx, i, *nf;
	int rc;

	pthread_mutex_lock(&l->mu);
	u = unit_of(l, uow);
	if (!u) {
		rc = -ENOENT;
		goto out;
	}
	rc = file_index(l, dsn, &idx);
	if (rc < 0)
		goto out;
	snprintf(path, PATH_MAX, "%s", l->files[idx].path);
	snprintf(folded, NAMES_DSN_MAX + 1, "%s", l->files[idx].dsn);
	for (i = 0; i < u->nfiles; i++)
		if (u->files[i] == idx)
			goto out;
	nf = realloc(u->files, (u->nfiles + 1) * sizeof(*nf));
	if (!nf) {
		rc = -ENOMEM;
		goto out;
	}
	u->files = nf;
	nf[u->nfiles++] = idx;
out:
	pthread_mutex_unlock(&l->mu);
	return rc;
}

/* Open the registered file for reading; a missing file is empty. */
static int open_file(const char *path, int *fd, uint64_t *size)
{
	struct stat sb;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		if (errno == ENOENT) {
			*size = 0;
			return 0;
		}
		return ruv_fail(-errno, "'%s': %s", path, strerror(errno));
	}
	if (fstat(*fd, &sb) < 0) {
		int rc = -errno;

		close(*fd);
		*fd = -1;
		return ruv_fail(rc, "'%s': %s", path, strerror(-rc));
	}
	*size = (uint64_t)sb.st_size;
	return 0;
}

static int pread_exact(int fd, void *buf, size_t len, uint64_t off,
		       const char *path)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done,
			  (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ruv_fail(-errno, "'%s': %s", path,
					strerror(errno));
		if (n == 0)
			return ruv_fail(-EIO, "'%s' changed size while read",
					path);
		done += (size_t)n;
	}
	return 0;
}

int ruvlog_write(struct ruvlog *l, uint64_t uow, const char *dsn,
		 uint64_t offset, const void *buf, size_t len)
{
	char path[PATH_MAX], d[NAMES_DSN_MAX + 1];
	uint8_t *before = NULL;
	uint64_t size, off, blen;
	size_t n, done = 0;
	int fd = -1, rc;

	if (len == 0)
		return 0;
	if (!buf || offset > UINT64_MAX - len)
		return ruv_fail(-EINVAL, "bad write of %zu bytes at %" PRIu64,
				len, offset);
	rc = unit_file(l, uow, dsn, path, d);
	if (rc < 0)
		return rc;
	rc = open_file(path, &fd, &size);
	if (rc < 0)
		return rc;
	before = malloc(len < LOGSTREAM_IMAGE_MAX ? len : LOGSTREAM_IMAGE_MAX);
	if (!before) {
		rc = -ENOMEM;
		goto out;
	}
	while (done < len) {
		n = len - done;
		if (n > LOGSTREAM_IMAGE_MAX)
			n = LOGSTREAM_IMAGE_MAX;
		off = offset + done;
		blen = off < size ? size - off : 0;
		if (blen > n)
			blen = n;
		if (blen) {
			rc = pread_exact(fd, before, (size_t)blen, off, path);
			if (rc < 0)
				goto out;
		}
		rc = logstream_write(l->ls, uow, d, off,
				     (const uint8_t *)buf + done, n, before,
				     (size_t)blen, size, NULL);
		if (rc < 0)
			goto out;
		/* the next piece sees the file as this one leaves it */
		if (off + n > size)
			size = off + n;
		done += n;
	}
out:
	free(before);
	if (fd >= 0)
		close(fd);
	return rc;
}

int ruvlog_truncate(struct ruvlog *l, uint64_t uow, const char *dsn,
		    uint64_t new_size)
{
	char path[PATH_MAX], d[NAMES_DSN_MAX + 1];
	uint8_t *cut = NULL;
	uint64_t size, step;
	int fd = -1, rc;

	rc = unit_file(l, uow, dsn, path, d);
	if (rc < 0)
		return rc;
	rc = open_file(path, &fd, &size);
	if (rc < 0)
		return rc;
	if (new_size >= size) {
		rc = logstream_truncate(l->ls, uow, d, new_size, size, NULL, 0,
					NULL);
		goto out;
	}
	cut = malloc(LOGSTREAM_IMAGE_MAX);
	if (!cut) {
		rc = -ENOMEM;
		goto out;
	}
	/* From the end down, at most LOGSTREAM_IMAGE_MAX a record. */
	while (size > new_size) {
		step = size - new_size;
		if (step > LOGSTREAM_IMAGE_MAX)
			step = LOGSTREAM_IMAGE_MAX;
		rc = pread_exact(fd, cut, (size_t)step, size - step, path);
		if (rc < 0)
			goto out;
		rc = logstream_truncate(l->ls, uow, d, size - step, size, cut,
					(size_t)step, NULL);
		if (rc < 0)
			goto out;
		size -= step;
	}
out:
	free(cut);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Take unit uow out of the table: its touched list into *u. */
static int unit_take(struct ruvlog *l, uint64_t uow, struct rl_unit *u)
{
	struct rl_unit *p;
	int rc = 0;

	pthread_mutex_lock(&l->mu);
	p = unit_of(l, uow);
	if (!p) {
		rc = -ENOENT;
	} else {
		*u = *p;
		*p = l->units[--l->nunits];
	}
	pthread_mutex_unlock(&l->mu);
	return rc;
}

static void unit_put_back(struct ruvlog *l, const struct rl_unit *u)
{
	struct rl_unit *nu;

	pthread_mutex_lock(&l->mu);
	nu = realloc(l->units, (l->nunits + 1) * sizeof(*nu));
	if (nu) {
		l->units = nu;
		nu[l->nunits++] = *u;
	} else {
		free(u->files);
	}
	pthread_mutex_unlock(&l->mu);
}

int ruvlog_commit(struct ruvlog *l, uint64_t uow)
{
	struct log_touched *t = NULL;
	struct rl_unit u;
	struct stat sb;
	size_t i;
	int rc;

	rc = unit_take(l, uow, &u);
	if (rc < 0)
		return rc;
	t = calloc(u.nfiles ? u.nfiles : 1, sizeof(*t));
	if (!t) {
		rc = -ENOMEM;
		goto out;
	}
	pthread_mutex_lock(&l->mu);
	for (i = 0; i < u.nfiles; i++) {
		const struct rl_file *f = &l->files[u.files[i]];

		snprintf(t[i].dsn, sizeof(t[i].dsn), "%s", f->dsn);
		if (stat(f->path, &sb) == 0) {
			t[i].size = (uint64_t)sb.st_size;
			t[i].mtime_us = (int64_t)sb.st_mtim.tv_sec * 1000000 +
					sb.st_mtim.tv_nsec / 1000;
		}
	}
	pthread_mutex_unlock(&l->mu);
	rc = logstream_commit(l->ls, uow, t, u.nfiles);
out:
	free(t);
	if (rc < 0 && rc != -EIO)
		unit_put_back(l, &u); /* still open: the caller may retry */
	else
		free(u.files);
	return rc;
}

/* One change of the unit, kept to be undone. */
struct undo {
	int type;
	char dsn[NAMES_DSN_MAX + 1];
	uint64_t offset, old_size, new_size;
	uint8_t *before;
	size_t before_len;
};

static void undo_free(struct undo *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].before);
	free(v);
}

/* The unit's WRITE and TRUNCATE records, oldest first. */
static int undo_collect(struct ruvlog *l, uint64_t uow, struct undo **out,
			size_t *n_out)
{
	struct logreader *lr = NULL;
	struct undo *v = NULL, *nv;
	struct logrec rec;
	size_t n = 0;
	int rc;

	rc = logreader_open(l->info.dir, uow, &lr);
	if (rc < 0)
		return rc;
	while ((rc = logreader_next(lr, &rec)) == 1) {
		if (rec.uow != uow ||
		    (rec.type != LOGREC_WRITE && rec.type != LOGREC_TRUNCATE))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			rc = -ENOMEM;
			break;
		}
		v = nv;
		memset(&v[n], 0, sizeof(*v));
		v[n].type = rec.type;
		memcpy(v[n].dsn, rec.dsn, sizeof(rec.dsn));
		v[n].offset = rec.offset;
		v[n].old_size = rec.old_size;
		v[n].new_size = rec.new_size;
		v[n].before_len = rec.before_len;
		n++;
		if (rec.before_len) {
			v[n - 1].before = malloc(rec.before_len);
			if (!v[n - 1].before) {
				rc = -ENOMEM;
				break;
			}
			memcpy(v[n - 1].before, rec.before, rec.before_len);
		}
	}
	logreader_close(lr);
	if (rc < 0) {
		undo_free(v, n);
		return rc;
	}
	*out = v;
	*n_out = n;
	return 0;
}

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(fd, (const char *)buf + done, len - done,
			   (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

/* Undo one change on the file at path: the state before the record. */
static int undo_one(const struct undo *c, const char *path)
{
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return ruv_fail(-errno, "cannot back out '%s': %s", path,
				strerror(errno));
	if (c->type == LOGREC_WRITE) {
		if (c->before_len)
			rc = pwrite_all(fd, c->before, c->before_len,
					c->offset);
		if (rc == 0 && ftruncate(fd, (off_t)c->old_size) < 0)
			rc = -errno;
	} else {
		if (ftruncate(fd, (off_t)c->old_size) < 0)
			rc = -errno;
		if (rc == 0 && c->before_len)
			rc = pwrite_all(fd, c->before, c->before_len,
					c->new_size);
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc < 0)
		return ruv_fail(rc, "cannot back out '%s': %s", path,
				strerror(-rc));
	return 0;
}

int ruvlog_backout(struct ruvlog *l, uint64_t uow)
{
	char path[PATH_MAX];
	struct undo *v = NULL;
	struct rl_unit u;
	size_t n = 0, i, k;
	int rc;

	rc = unit_take(l, uow, &u);
	if (rc < 0)
		return rc;
	rc = undo_collect(l, uow, &v, &n);
	for (i = n; rc == 0 && i-- > 0;) {
		pthread_mutex_lock(&l->mu);
		path[0] = '\0';
		for (k = 0; k < l->nfiles; k++)
			if (!strcmp(l->files[k].dsn, v[i].dsn))
				snprintf(path, sizeof(path), "%s",
					 l->files[k].path);
		pthread_mutex_unlock(&l->mu);
		if (!path[0]) {
			rc = ruv_fail(-EIO,
				      "unit %" PRIu64 " touched '%s', "
				      "unknown here",
				      uow, v[i].dsn);
			break;
		}
		rc = undo_one(&v[i], path);
	}
	undo_free(v, n);
	if (rc < 0) {
		unit_put_back(l, &u); /* still open: the caller may retry */
		return rc;
	}
	rc = logstream_backout(l->ls, uow);
	if (rc < 0 && rc != -EIO)
		unit_put_back(l, &u);
	else
		free(u.files);
	return rc;
}

/* The path of dsn as this handle resolved it (after a write/truncate). */
static void path_of(struct ruvlog *l, const char *dsn, char *path)
{
	size_t k;

	path[0] = '\0';
	pthread_mutex_lock(&l->mu);
	for (k = 0; k < l->nfiles; k++)
		if (!strcmp(l->files[k].dsn, dsn))
			snprintf(path, PATH_MAX, "%s", l->files[k].path);
	pthread_mutex_unlock(&l->mu);
}

int log_apply(const char *home, const struct config *cfg, const char *name,
	      const char *dsn, const struct log_apply *a, uint64_t *uow)
{
	char d[NAMES_DSN_MAX + 1], path[PATH_MAX];
	struct ruvlog *l = NULL;
	struct file_info fi;
	uint64_t u = 0;
	size_t idx;
	int fd = -1, rc, begun = 0;

	rc = names_dsn_check(dsn, d, sizeof(d));
	if (rc < 0)
		return rc;
	if (a->truncate < -1 || (a->len && !a->buf) ||
	    a->offset > UINT64_MAX - a->len)
		return ruv_fail(-EINVAL, "bad size or offset");
	rc = ruvlog_open_cfg(home, name, cfg, &l);
	if (rc < 0)
		return rc;
	/* Refuse a missing file before anything is logged. */
	rc = file_lookup(l->repo, d, &fi);
	if (rc == -ENOENT)
		rc = ruv_fail(rc, "no file '%s' is registered", d);
	if (rc < 0)
		goto out;
	/* Bound to another stream: refused before anything is logged. */
	pthread_mutex_lock(&l->mu);
	rc = file_index(l, d, &idx);
	pthread_mutex_unlock(&l->mu);
	if (rc < 0)
		goto out;
	fd = open(fi.path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = ruv_fail(-errno, "'%s' (%s): %s", fi.path, d,
			      strerror(errno));
		goto out;
	}
	rc = ruvlog_begin(l, &u);
	if (rc < 0)
		goto out;
	begun = 1;
	if (a->truncate >= 0) {
		rc = ruvlog_truncate(l, u, d, (uint64_t)a->truncate);
		if (rc < 0)
			goto out;
		if (ftruncate(fd, (off_t)a->truncate) < 0) {
			rc = ruv_fail(-errno, "'%s': %s", fi.path,
				      strerror(errno));
			goto out;
		}
	}
	if (a->len) {
		rc = ruvlog_write(l, u, d, a->offset, a->buf, a->len);
		if (rc < 0)
			goto out;
		rc = pwrite_all(fd, a->buf, a->len, a->offset);
		if (rc < 0) {
			rc = ruv_fail(rc, "'%s': %s", fi.path, strerror(-rc));
			goto out;
		}
	}
	if (fsync(fd) < 0) {
		rc = ruv_fail(-errno, "'%s': %s", fi.path, strerror(errno));
		goto out;
	}
	rc = ruvlog_commit(l, u);
	if (rc == 0)
		*uow = u;
	begun = rc < 0 && rc != -EIO;
out:
	if (rc < 0 && begun) {
		/* Put the file back as the log says it was. */
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", ruv_lasterr());
		path_of(l, d, path);
		if (ruvlog_backout(l, u) < 0)
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
				 "; backing the unit out failed too: %s",
				 ruv_lasterr());
		ruv_fail(rc, "%s", msg);
	}
	if (fd >= 0)
		close(fd);
	ruvlog_close(l);
	return rc;
}
