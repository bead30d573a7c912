// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The journal of the journaling mount: which files under DIR are
 * registered, and the records of their changes (logstream.h).
 *
 * At setup every file registered under DIR is bound to the stream (all or
 * none: a file bound to another stream refuses the mount before anything
 * is bound) and found by its inode; the set is fixed for the life of the
 * mount (a file registered later is journaled from the next mount; one
 * unregistered meanwhile is dropped when it is next removed or moved).  Each
 * struct jfile lives until shutdown, so a pointer to one stays valid.
 *
 * Locking: map.lock (a rwlock) guards the inode of every jfile; a jfile's
 * own mutex is held by pass.c across the record and the change it
 * describes, and guards page_uow.  The stream is thread-safe by itself.
 *
 * Cost: a write of n bytes to a registered file preads up to n bytes of
 * before-image and appends one record (no sync); a commit is one
 * fdatasync of the stream, shared with concurrent commits.  Finding the
 * jfile of an inode is a scan of the registered files under DIR.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "logcat.h"
#include "logstream.h"
#include "repo.h"

#include "fs_int.h"
#include "pass.h"

struct jfile {
	char dsn[NAMES_DSN_MAX + 1];
	char path[PATH_MAX]; /* registered, absolute */
	dev_t dev;	     /* the inode at path now; 0 when missing */
	ino_t ino;	     /* (both under map.lock) */
	int gone;	     /* unregistered since the mount (map.lock) */
	pthread_mutex_t lock;
	uint64_t page_uow; /* page writes' unit, 0 when none (under lock) */
};

static struct {
	pthread_rwlock_t lock;
	struct jfile *files;
	size_t n, cap;
	struct logstream *ls; /* NULL: not journaling */
	char stream[LOGCAT_NAME_MAX + 1];
} map = { .lock = PTHREAD_RWLOCK_INITIALIZER };

#define CHUNK (1u << 20) /* bytes per record of a copied file */

int jnl_on(void)
{
	return map.ls != NULL;
}

struct jfile *jnl_by_inode(dev_t dev, ino_t ino)
{
	struct jfile *jf = NULL;
	size_t i;

	pthread_rwlock_rdlock(&map.lock);
	for (i = 0; i < map.n; i++)
		if (map.files[i].ino == ino && map.files[i].dev == dev &&
		    ino != 0) {
			jf = &map.files[i];
			break;
		}
	pthread_rwlock_unlock(&map.lock);
	return jf;
}

struct jfile *jnl_by_path(const char *path)
{
	struct jfile *jf = NULL;
	size_t i;

	pthread_rwlock_rdlock(&map.lock);
	for (i = 0; i < map.n; i++)
		if (!map.files[i].gone &&
		    strcmp(map.files[i].path, path) == 0) {
			jf = &map.files[i];
			break;
		}
	pthread_rwlock_unlock(&map.lock);
	return jf;
}

int jnl_any_under(const char *dir)
{
	size_t i, len = strlen(dir);
	int gone;

	for (i = 0; i < map.n; i++) { /* paths never change */
		if (strncmp(map.files[i].path, dir, len) != 0 ||
		    map.files[i].path[len] != '/')
			continue;
		pthread_rwlock_rdlock(&map.lock);
		gone = map.files[i].gone;
		pthread_rwlock_unlock(&map.lock);
		if (!gone && jnl_still_registered(&map.files[i]))
			return 1;
	}
	return 0;
}

/*
 * Before refusing to remove or move a registered file: ask the repository
 * whether it still is (ruv file unregister while mounted).  One that is
 * not, or is registered at another path now, is dropped from the journal
 * here and the call goes ahead.  When the repository cannot be asked, it
 * still is.
 */
int jnl_still_registered(struct jfile *jf)
{
	struct repo *r = fs_repo();
	struct file_info fi;
	int rc;

	if (!r)
		return 1;
	rc = file_lookup(r, jf->dsn, &fi);
	if (rc == 0 && strcmp(fi.path, jf->path) == 0)
		return 1;
	if (rc < 0 && rc != -ENOENT)
		return 1;
	pthread_rwlock_wrlock(&map.lock);
	jf->gone = 1;
	jf->dev = 0;
	jf->ino = 0;
	pthread_rwlock_unlock(&map.lock);
	fs_log("%s is no longer registered at %s: not journaled any more",
	       jf->dsn, jf->path);
	return 0;
}

const char *jnl_dsn(const struct jfile *jf)
{
	return jf->dsn;
}

void jnl_lock(struct jfile *jf)
{
	pthread_mutex_lock(&jf->lock);
}

void jnl_unlock(struct jfile *jf)
{
	pthread_mutex_unlock(&jf->lock);
}

uint64_t *jnl_page_unit(struct jfile *jf)
{
	return &jf->page_uow;
}

void jnl_rebind(struct jfile *jf, dev_t dev, ino_t ino)
{
	pthread_rwlock_wrlock(&map.lock);
	jf->dev = dev;
	jf->ino = ino;
	pthread_rwlock_unlock(&map.lock);
}

static int file_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fd < 0) {
		*size = 0;
		return 0;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	*size = (uint64_t)st.st_size;
	return 0;
}

/* Read exactly len bytes at off (the file is not changing: its lock is
 * held), -EIO when it is shorter. */
static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;
	ssize_t k;

	while (got < len) {
		k = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EIO;
		got += (size_t)k;
	}
	return 0;
}

static int begin_if_none(uint64_t *uow)
{
	return *uow ? 0 : logstream_begin(map.ls, uow);
}

int jnl_write(struct jfile *jf, uint64_t *uow, int fd, const void *buf,
	      size_t len, off_t off)
{
	uint64_t old, o = (uint64_t)off;
	size_t blen = 0, done = 0, n;
	char *before = NULL;
	int rc;

	if (len == 0)
		return 0;
	rc = file_size(fd, &old);
	if (rc < 0)
		return rc;
	rc = begin_if_none(uow);
	if (rc < 0)
		return rc;
	while (done < len) {
		n = len - done;
		if (n > LOGSTREAM_IMAGE_MAX)
			n = LOGSTREAM_IMAGE_MAX;
		blen = o + done < old ? (size_t)(old - (o + done)) : 0;
		if (blen > n)
			blen = n;
		if (blen) {
			free(before);
			before = malloc(blen);
			rc = before ? read_at(fd, before, blen, o + done)
				    : -ENOMEM;
			if (rc < 0)
				goto out;
		}
		rc = logstream_write(map.ls, *uow, jf->dsn, o + done,
				     (const char *)buf + done, n, before, blen,
				     old, NULL);
		if (rc < 0)
			goto out;
		if (o + done + n > old)
			old = o + done + n;
		done += n;
	}
out:
	free(before);
	return rc < 0 ? rc : 0;
}

/* TRUNCATE records of a growth from..to that did not happen: cuts of
 * zeros, in steps. */
static int truncate_records_from(struct jfile *jf, uint64_t uow, uint64_t cur,
				 uint64_t size)
{
	uint64_t to;
	char *zero;
	int rc = 0;

	zero = calloc(1, cur - size > LOGSTREAM_IMAGE_MAX
				 ? LOGSTREAM_IMAGE_MAX
				 : (size_t)(cur - size));
	if (!zero)
		return -ENOMEM;
	for (; rc == 0 && cur > size; cur = to) {
		to = cur - size > LOGSTREAM_IMAGE_MAX
			     ? cur - LOGSTREAM_IMAGE_MAX
			     : size;
		rc = logstream_truncate(map.ls, uow, jf->dsn, to, cur, zero,
					(size_t)(cur - to), NULL);
	}
	free(zero);
	return rc;
}

/* TRUNCATE records from the size of fd (or 0 when fd < 0) down or up to
 * size, the cut-off bytes read from fd, in steps of at most
 * LOGSTREAM_IMAGE_MAX. */
static int truncate_records(struct jfile *jf, uint64_t uow, int fd,
			    uint64_t size)
{
	uint64_t cur, to;
	char *cut = NULL;
	int rc;

	rc = file_size(fd, &cur);
	if (rc < 0)
		return rc;
	if (size >= cur)
		return logstream_truncate(map.ls, uow, jf->dsn, size, cur, NULL,
					  0, NULL);
	while (cur > size) {
		to = cur - size > LOGSTREAM_IMAGE_MAX
			     ? cur - LOGSTREAM_IMAGE_MAX
			     : size;
		free(cut);
		cut = malloc((size_t)(cur - to));
		rc = cut ? read_at(fd, cut, (size_t)(cur - to), to) : -ENOMEM;
		if (rc == 0)
			rc = logstream_truncate(map.ls, uow, jf->dsn, to, cur,
						cut, (size_t)(cur - to), NULL);
		if (rc < 0)
			break;
		cur = to;
	}
	free(cut);
	return rc;
}

/*
 * The bytes [from, from + n) of the file as the stream believes it after
 * a WRITE of len bytes of buf at o over a file of old bytes, beyond the
 * file's real end: zeros in a hole before o, buf from o.
 */
static void belief(const char *buf, size_t len, uint64_t o, uint64_t from,
		   size_t n, char *out)
{
	uint64_t lo = from > o ? from : o, hi = from + n;

	memset(out, 0, n);
	if (hi > o + len)
		hi = o + len;
	if (lo < hi)
		memcpy(out + (lo - from), buf + (lo - o), (size_t)(hi - lo));
}

int jnl_write_failed(struct jfile *jf, uint64_t *uow, int fd, const void *buf,
		     size_t len, off_t off, uint64_t old)
{
	uint64_t o = (uint64_t)off, cur, to, actual;
	uint64_t believed = o + len > old ? o + len : old;
	char *img = NULL, *now = NULL;
	size_t n;
	int rc = file_size(fd, &actual);

	if (rc < 0)
		return rc;
	/* The end the stream believes in, cut back to the real one. */
	for (cur = believed; rc == 0 && cur > actual; cur = to) {
		to = cur - actual > LOGSTREAM_IMAGE_MAX
			     ? cur - LOGSTREAM_IMAGE_MAX
			     : actual;
		free(img);
		img = malloc((size_t)(cur - to));
		if (!img) {
			rc = -ENOMEM;
			break;
		}
		belief(buf, len, o, to, (size_t)(cur - to), img);
		rc = logstream_truncate(map.ls, *uow, jf->dsn, to, cur, img,
					(size_t)(cur - to), NULL);
	}
	/* What the write left below that end, over what it meant to. */
	if (rc == 0 && o < actual) {
		n = actual - o < len ? (size_t)(actual - o) : len;
		now = malloc(n);
		rc = now ? read_at(fd, now, n, o) : -ENOMEM;
		if (rc == 0 && memcmp(now, buf, n) != 0)
			rc = logstream_write(map.ls, *uow, jf->dsn, o, now, n,
					     buf, n, actual, NULL);
	}
	free(img);
	free(now);
	return rc;
}

int jnl_truncate_failed(struct jfile *jf, uint64_t *uow, int fd, off_t size)
{
	uint64_t logged = (uint64_t)size, actual, o;
	char *img = NULL;
	size_t n;
	int rc = file_size(fd, &actual);

	if (rc < 0 || actual == logged)
		return rc;
	if (actual < logged) /* a growth that did not happen */
		return truncate_records_from(jf, *uow, logged, actual);
	/* A cut that did not happen: the size back, then the bytes. */
	rc = logstream_truncate(map.ls, *uow, jf->dsn, actual, logged, NULL, 0,
				NULL);
	img = rc == 0 ? malloc(CHUNK) : NULL;
	if (rc == 0 && !img)
		rc = -ENOMEM;
	for (o = logged; rc == 0 && o < actual; o += n) {
		char *zero;

		n = actual - o > CHUNK ? CHUNK : (size_t)(actual - o);
		rc = read_at(fd, img, n, o);
		zero = rc == 0 ? calloc(1, n) : NULL;
		if (rc == 0 && !zero)
			rc = -ENOMEM;
		if (rc == 0)
			rc = logstream_write(map.ls, *uow, jf->dsn, o, img, n,
					     zero, n, actual, NULL);
		free(zero);
	}
	free(img);
	return rc;
}

int jnl_truncate(struct jfile *jf, uint64_t *uow, int fd, off_t size)
{
	int rc = begin_if_none(uow);

	if (rc < 0)
		return rc;
	return truncate_records(jf, *uow, fd, (uint64_t)size);
}

int jnl_replace(struct jfile *jf, uint64_t *uow, int oldfd, int newfd)
{
	uint64_t size, off;
	char *buf = NULL;
	size_t n;
	int rc;

	rc = begin_if_none(uow);
	if (rc == 0)
		rc = truncate_records(jf, *uow, oldfd, 0);
	if (rc == 0)
		rc = file_size(newfd, &size);
	if (rc < 0)
		return rc;
	buf = size ? malloc(CHUNK) : NULL;
	if (size && !buf)
		return -ENOMEM;
	for (off = 0; off < size && rc == 0; off += n) {
		n = size - off > CHUNK ? CHUNK : (size_t)(size - off);
		rc = read_at(newfd, buf, n, off);
		if (rc == 0)
			rc = logstream_write(map.ls, *uow, jf->dsn, off, buf, n,
					     NULL, 0, off, NULL);
	}
	free(buf);
	return rc;
}

int jnl_commit(struct jfile *jf, uint64_t *uow, int fd)
{
	struct log_touched t;
	struct stat st;
	int rc;

	if (!*uow)
		return 0;
	memset(&t, 0, sizeof(t));
	snprintf(t.dsn, sizeof(t.dsn), "%s", jf->dsn);
	if (fd >= 0 && fstat(fd, &st) == 0) {
		t.size = (uint64_t)st.st_size;
		t.mtime_us = (int64_t)st.st_mtim.tv_sec * 1000000 +
			     st.st_mtim.tv_nsec / 1000;
	}
	rc = logstream_commit(map.ls, *uow, &t, 1);
	*uow = 0; /* closed even when the sync failed */
	return rc;
}

int jnl_backout(uint64_t *uow)
{
	int rc;

	if (!*uow)
		return 0;
	rc = logstream_backout(map.ls, *uow);
	*uow = 0;
	return rc;
}

/* ---- setup ------------------------------------------------------------------
 */

struct collect {
	const char *stream;
	struct repo *r;
	int rc;
};

static int add_file(const struct file_info *fi, void *arg)
{
	struct collect *c = arg;
	char bound[LOGCAT_NAME_MAX + 1] = "";
	struct jfile *jf;
	int rc;

	rc = logcat_bound(c->r, fi->dsn, bound);
	if (rc == 0 && strcmp(bound, c->stream) != 0) {
		fprintf(stderr,
			"ruvfs: file '%s' (%s) is bound to log stream '%s', "
			"not '%s'\n",
			fi->dsn, fi->path, bound, c->stream);
		return c->rc = -EBUSY;
	}
	if (rc < 0) {
		fprintf(stderr, "ruvfs: file '%s': %s\n", fi->dsn,
			strerror(-rc));
		return c->rc = rc;
	}
	if (map.n == map.cap) {
		size_t cap = map.cap ? 2 * map.cap : 16;
		struct jfile *f = realloc(map.files, cap * sizeof(*f));

		if (!f)
			return c->rc = -ENOMEM;
		map.files = f;
		map.cap = cap;
	}
	jf = &map.files[map.n++];
	memset(jf, 0, sizeof(*jf));
	snprintf(jf->dsn, sizeof(jf->dsn), "%s", fi->dsn);
	snprintf(jf->path, sizeof(jf->path), "%s", fi->path);
	return 0;
}

/* Each file's inode now; a missing one gets its inode when created. */
static void find_inodes(const char *dirpath, int dirfd)
{
	size_t i, len = strlen(dirpath);
	struct stat st;

	for (i = 0; i < map.n; i++) {
		struct jfile *jf = &map.files[i];

		pthread_mutex_init(&jf->lock, NULL);
		if (fstatat(dirfd, jf->path + len + 1, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode)) {
			jf->dev = st.st_dev;
			jf->ino = st.st_ino;
		} else {
			fs_log("registered file %s (%s) is missing: journaled "
			       "from its creation",
			       jf->dsn, jf->path);
		}
	}
}

static int bind_all(struct repo *r, const char *stream)
{
	size_t i;
	int rc;

	for (i = 0; i < map.n; i++) {
		rc = logcat_bind(r, stream, map.files[i].dsn, NULL);
		if (rc < 0) {
			fprintf(stderr, "ruvfs: cannot bind '%s' to '%s': %s\n",
				map.files[i].dsn, stream,
				*ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int jnl_setup(const char *home, const char *stream, const char *dirpath,
	      int dirfd)
{
	static struct config cfg; /* large; setup runs once */
	struct logstream_opts opts = { 0 };
	struct logcat_info li;
	struct collect c = { 0 };
	struct repo *r = NULL;
	int rc;

	rc = home_open(home, &r);
	if (rc < 0) {
		fprintf(stderr, "ruvfs: cannot open home '%s': %s\n", home,
			*ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
		goto out;
	}
	rc = logcat_lookup(r, stream, &li);
	if (rc < 0) {
		fprintf(stderr, "ruvfs: log stream '%s': %s\n", stream,
			rc == -ENOENT	 ? "no such stream (ruv log define)"
			: *ruv_lasterr() ? ruv_lasterr()
					 : strerror(-rc));
		goto out;
	}
	snprintf(map.stream, sizeof(map.stream), "%s", li.name);
	if (access(li.dir, W_OK) < 0) {
		rc = -errno;
		fprintf(stderr,
			"ruvfs: log directory '%s' of stream '%s' is not "
			"writable: %s\n",
			li.dir, li.name, strerror(-rc));
		goto out;
	}
	c.stream = li.name;
	c.r = r;
	rc = logcat_files_under(r, dirpath, add_file, &c);
	if (rc == 0)
		rc = c.rc;
	if (rc < 0) {
		if (c.rc == 0)
			fprintf(stderr,
				"ruvfs: registered files under '%s': "
				"%s\n",
				dirpath, strerror(-rc));
		goto out;
	}
	rc = config_find(NULL, home, &cfg);
	if (rc < 0) {
		fprintf(stderr, "ruvfs: configuration: %s\n",
			*ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
		goto out;
	}
	opts.segment_size = cfg.log_segment_size;
	rc = logstream_open(li.dir, &opts, &map.ls);
	if (rc < 0) {
		fprintf(stderr,
			"ruvfs: cannot open log stream '%s' in '%s': "
			"%s\n",
			li.name, li.dir,
			*ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
		goto out;
	}
	rc = bind_all(r, li.name);
	if (rc < 0) {
		logstream_close(map.ls);
		map.ls = NULL;
		goto out;
	}
	find_inodes(dirpath, dirfd);
	fs_log("journaling %zu registered file(s) under %s to stream %s", map.n,
	       dirpath, li.name);
out:
	if (rc < 0) {
		free(map.files);
		map.files = NULL;
		map.n = map.cap = 0;
	}
	repo_close(r);
	return rc;
}

void jnl_shutdown(void)
{
	int rc;

	if (!map.ls)
		return;
	rc = logstream_close(map.ls);
	if (rc < 0)
		fs_log("closing log stream %s: %s", map.stream, strerror(-rc));
	map.ls = NULL;
	free(map.files);
	map.files = NULL;
	map.n = map.cap = 0;
}
