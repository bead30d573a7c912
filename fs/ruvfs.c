// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruvfs: the repository of a RUV home mounted as a directory tree.
 *
 *   ruvfs [-f] [-d] [-s] [-o OPTIONS] HOME MOUNTPOINT
 *
 * libfuse3 low-level API, multi-threaded, one repository connection per
 * worker thread.  The FUSE operations here only translate: every action
 * is the catalog library call the ruv command makes, and every refusal
 * is the library's errno (a refused rename answers EPERM or the library's
 * reason, never EXDEV or EINVAL, which make GNU mv copy or misreport).
 * Each request gets exactly one reply on every path.
 *
 * default_permissions is always on: the kernel checks the owner and mode
 * that each node carries (a backup copy carries its file's), so nobody
 * reads data through the tree that they could not read before.
 *
 * ruvfs opens its environment (home, configuration, volume search path,
 * home lock) with env_open() as the ruv command does, and opens it again
 * on SIGHUP: the new one is swapped in for the requests that start after,
 * and the old one freed when the last request that started with it ends.
 * A request that uses the repository holds the home's lock shared from
 * its first fs_repo() to its end, so ruvreprs never replaces the
 * repository in the middle of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "copy.h"
#include "env.h"
#include "errmsg.h"
#include "file.h"
#include "fs_int.h"
#include "group.h"
#include "home.h"
#include "pass.h"
#include "location.h"
#include "log.h"
#include "mountopt.h"
#include "pit.h"
#include "pool.h"
#include "sdnotify.h"
#include "repo.h"
#include "rtime.h"
#include "jcl.h"
#include "mountcheck.h"
#include "volume.h"

struct ruvfs fs;

void fs_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (fs.foreground) {
		fputs("ruvfs: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(LOG_NOTICE, fmt, ap);
	}
	va_end(ap);
}

/*
 * The environment.  Each request takes a reference on the current one at
 * its start (request_begin) and drops it at its end; a SIGHUP installs a
 * new one, and the one it replaces is freed (its lock slot released) when
 * its last request ends.
 */
struct fs_env {
	struct env *env;
	unsigned refs; /* requests using it, + 1 while it is current */
};

static pthread_mutex_t env_mu = PTHREAD_MUTEX_INITIALIZER;
static struct fs_env *env_cur;		     /* under env_mu */
static unsigned env_reloads;		     /* under env_mu: SIGHUPs taken */
static int64_t env_loaded_us;		     /* under env_mu */
static _Thread_local struct fs_env *req_env; /* this thread's request's */
static _Thread_local int req_locked;	     /* it holds the home lock */

static struct fs_env *env_get(void)
{
	struct fs_env *fe;

	pthread_mutex_lock(&env_mu);
	fe = env_cur;
	if (fe)
		fe->refs++;
	pthread_mutex_unlock(&env_mu);
	return fe;
}

static void env_put(struct fs_env *fe)
{
	int last;

	if (!fe)
		return;
	pthread_mutex_lock(&env_mu);
	last = --fe->refs == 0;
	pthread_mutex_unlock(&env_mu);
	if (last) {
		env_close(fe->env);
		free(fe);
	}
}

/* Make e current (taking it over); 0 or -ENOMEM (e closed). */
static int env_install(struct env *e, int reload)
{
	struct fs_env *fe = calloc(1, sizeof(*fe)), *old;

	if (!fe) {
		env_close(e);
		return -ENOMEM;
	}
	fe->env = e;
	fe->refs = 1;
	pthread_mutex_lock(&env_mu);
	old = env_cur;
	env_cur = fe;
	env_reloads += reload;
	env_loaded_us = rtime_now();
	pthread_mutex_unlock(&env_mu);
	env_put(old);
	return 0;
}

/* At exit: the current one goes with the last request. */
static void env_uninstall(void)
{
	struct fs_env *old;

	pthread_mutex_lock(&env_mu);
	old = env_cur;
	env_cur = NULL;
	pthread_mutex_unlock(&env_mu);
	env_put(old);
}

static void request_begin(void)
{
	req_env = env_get();
	req_locked = 0;
}

static void request_end(void)
{
	if (req_locked)
		env_request_end(req_env->env);
	req_locked = 0;
	env_put(req_env);
	req_env = NULL;
}

void fs_env_status(FILE *out)
{
	char when[RTIME_ISO_MAX];
	struct fs_env *fe = env_get();
	const char *path = fe ? env_config(fe->env)->path : "";
	unsigned reloads;

	pthread_mutex_lock(&env_mu);
	rtime_format_iso(env_loaded_us, when, sizeof(when));
	reloads = env_reloads;
	pthread_mutex_unlock(&env_mu);
	fprintf(out, "configuration: %s, read %s (reload %u)\n",
		*path ? path : "built-in defaults", when, reloads);
	if (fe)
		fprintf(out, "volume_path: %s\n",
			env_config(fe->env)->volume_path);
	env_put(fe);
}

/*
 * Each thread's connection to the repository file.  ruvreprs may install
 * a new file under the same name while we are mounted: the next call
 * opens it.  The connection it replaces is kept until the one after, not
 * closed at once, since a request may still hold it from an earlier call
 * (it then reads the old file to its end, safely).
 */
struct conn {
	struct repo *cur;     /* open on the file that was there */
	struct repo *retired; /* the one cur replaced */
	dev_t dev;	      /* cur's file */
	ino_t ino;
};

static void close_repo(void *p)
{
	struct conn *c = p;

	repo_close(c->cur);
	repo_close(c->retired);
	free(c);
}

static void retire(struct conn *c)
{
	repo_close(c->retired);
	c->retired = c->cur;
	c->cur = NULL;
}

struct repo *fs_repo(void)
{
	struct conn *c = pthread_getspecific(fs.repo_key);
	char path[PATH_MAX];
	struct stat sb;

	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c || pthread_setspecific(fs.repo_key, c) != 0) {
			free(c);
			return NULL;
		}
	}
	/* The home lock, from here to the end of the request: ruvreprs
	 * waits, and installs nothing under it. */
	if (req_env && !req_locked && env_request_begin(req_env->env) > 0)
		req_locked = 1;
	if (home_path(fs.home, HOME_REPOSITORY, path, sizeof(path)) < 0 ||
	    stat(path, &sb) < 0) {
		if (c->cur) /* gone (moved aside): serve what is there */
			retire(c);
		return NULL;
	}
	if (c->cur && sb.st_dev == c->dev && sb.st_ino == c->ino)
		return c->cur;
	if (c->cur)
		retire(c); /* replaced: pick up the installed one */
	if (home_open(fs.home, &c->cur) < 0)
		return NULL;
	c->dev = sb.st_dev;
	c->ino = sb.st_ino;
	return c->cur;
}

/* What an open file handle holds. */
struct handle {
	int kind; /* 'g' generated, 'c' copy, 'v' volume, 'w' ctl */
	pthread_mutex_t
		lock; /* the reader: FUSE reads one handle in parallel */
	char *buf;
	size_t len;
	struct volume_reader *vr;
	int fd;
	struct ctl_buf *ctl;
	char what[COPY_NAME_MAX];
};

/*
 * A copy carries its file's mode, but never as a live set-id program: the
 * set-user-ID, set-group-ID and sticky bits are not served (and the mount
 * is nosuid,nodev besides).
 */
static void safe_mode(struct stat *st)
{
	st->st_mode &= (mode_t)~07000;
}

static void entry_of(const struct node *n, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = n->ino;
	e->attr = n->st;
	if (node_type_of(n->ino) != T_JCL)
		safe_mode(&e->attr);
	e->attr_timeout = fs.timeout;
	e->entry_timeout = fs.timeout;
}

static void reply_entry_or_err(fuse_req_t req, int rc, const struct node *n)
{
	struct fuse_entry_param e;

	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	entry_of(n, &e);
	fuse_reply_entry(req, &e);
}

/* Library errors are kept for status: the errno alone says little. */
/* The reason this thread's last library call gave, for the log line of
 * the request (a lookup's message on the way is no reason). */
static __thread char noted_why[512];

static int noted(int rc, const char *what)
{
	if (rc < 0 && *ruv_lasterr()) {
		ctl_note_error("%s: %s", what, ruv_lasterr());
		snprintf(noted_why, sizeof(noted_why), "%s", ruv_lasterr());
	}
	return rc;
}

/* Reply with a new entry, and remember it for inval_broad. */
static void reply_new_entry(fuse_req_t req, int rc, fuse_ino_t parent,
			    const char *name, const struct node *n)
{
	if (rc == 0)
		inval_remember(parent, n, name);
	reply_entry_or_err(req, rc, n);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct node n;

	reply_new_entry(req, node_lookup(parent, name, &n), parent, name, &n);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct node n;
	int rc = node_stat(ino, &n);

	(void)fi;
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	if (node_type_of(ino) != T_JCL)
		safe_mode(&n.st);
	fuse_reply_attr(req, &n.st, fs.timeout);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct node n;
	int rc = node_stat(ino, &n);

	if (rc < 0)
		fuse_reply_err(req, -rc);
	else if (!S_ISLNK(n.st.st_mode))
		fuse_reply_err(req, EINVAL);
	else
		fuse_reply_readlink(req, n.target);
}

struct dirbuf {
	fuse_req_t req;
	fuse_ino_t ino;
	char *buf;
	size_t size, used;
	int plus;
};

static int fill(void *ctx, const char *name, const struct node *n, off_t next)
{
	struct dirbuf *d = ctx;
	struct fuse_entry_param e;
	size_t need;

	if (d->plus) {
		entry_of(n, &e);
		need = fuse_add_direntry_plus(d->req, d->buf + d->used,
					      d->size - d->used, name, &e,
					      next);
	} else {
		need = fuse_add_direntry(d->req, d->buf + d->used,
					 d->size - d->used, name, &n->st, next);
	}
	if (need > d->size - d->used)
		return 1;
	if (d->plus)
		inval_remember(d->ino, n, name);
	d->used += need;
	return 0;
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       int plus)
{
	struct dirbuf d = {
		.req = req, .ino = ino, .size = size, .plus = plus
	};
	int rc;

	d.buf = malloc(size);
	if (!d.buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	rc = node_readdir(ino, off, fill, &d);
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_buf(req, d.buf, d.used);
	free(d.buf);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)fi;
	do_readdir(req, ino, size, off, 0);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	do_readdir(req, ino, size, off, 1);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct node n;
	int rc = node_stat(ino, &n);

	if (rc < 0)
		fuse_reply_err(req, -rc);
	else if (!S_ISDIR(n.st.st_mode))
		fuse_reply_err(req, ENOTDIR);
	else
		fuse_reply_open(req, fi);
}

/* ---- files: open, read, write -------------------------------------------- */

static int open_copy(fuse_ino_t ino, struct handle *h)
{
	struct copy_info ci;
	struct repo *r = fs_repo();
	int rc;

	if (!r)
		return -ENOENT;
	rc = copy_get(r, (int64_t)node_id_of(ino), &ci);
	if (rc < 0)
		return rc;
	copy_name(&ci, h->what, sizeof(h->what));
	ruv_clearerr();
	/* The same lookup and checks as a restore, with no fallback: this
	 * node is this one copy, and a wrong or damaged one answers EIO. */
	rc = copy_open_reader(&ci, &h->vr);
	/* The name exists (ls shows it): its volume not being here is a
	 * storage failure, EIO, not ENOENT; status names the VOLSER. */
	if (rc == -ENOENT)
		rc = -EIO;
	return noted(rc, h->what);
}

static int open_volume(fuse_ino_t ino, struct handle *h)
{
	struct pool_volume_info v;
	struct repo *r = fs_repo();
	int rc;

	if (!r)
		return -ENOENT;
	rc = pool_volume_get(r, (int64_t)node_id_of(ino), &v);
	if (rc < 0)
		return rc;
	h->fd = volume_open_file(v.path, O_RDONLY); /* never a FIFO */
	return h->fd < 0 ? h->fd : 0;
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int type = node_type_of(ino), acc = fi->flags & O_ACCMODE, rc = 0;
	uint64_t id = node_id_of(ino);
	struct handle *h;

	h = calloc(1, sizeof(*h));
	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h->fd = -1;
	pthread_mutex_init(&h->lock, NULL);
	if (type == T_FIXED && id == F_CTL) {
		h->kind = 'w';
		h->ctl = ctl_open();
		rc = h->ctl ? 0 : -ENOMEM;
		if (rc == 0 && acc == O_RDONLY) {
			/* Reading ctl: its usage, then the status. */
			FILE *out = open_memstream(&h->buf, &h->len);

			if (!out) {
				rc = -ENOMEM;
			} else {
				ctl_usage(out);
				fputc('\n', out);
				ctl_status(out);
				fclose(out);
			}
		}
		fi->direct_io = 1;
		fi->nonseekable = 0;
	} else if (type == T_FIXED && id == F_PIT && acc != O_RDONLY) {
		h->kind = 'p'; /* what is written is taken at close */
		fi->direct_io = 1;
	} else if (type == T_JCL) {
		h->kind = 'j';
		rc = jcl_open(ino, fi->flags, &h->fd);
	} else if (acc != O_RDONLY) {
		rc = -EACCES; /* everything else is read-only */
	} else if (type == T_FIXED) {
		h->kind = 'g';
		rc = node_generate(ino, &h->buf, &h->len);
		fi->direct_io = 1;
	} else if (type == T_COPY) { /* of a backup or the repository */
		h->kind = 'c';
		rc = open_copy(ino, h);
		fi->keep_cache = 1;
	} else if (type == T_VOLUME) {
		h->kind = 'v';
		rc = open_volume(ino, h);
	} else if (type == T_LOGSEG) {
		h->kind = 'v'; /* a file read as it is, like a volume */
		rc = logtree_open(ino, &h->fd);
	} else {
		rc = -EISDIR;
	}
	if (rc < 0) {
		ctl_release(h->ctl);
		free(h->buf);
		free(h);
		fuse_reply_err(req, -rc);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)h;
	fuse_reply_open(req, fi);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;
	char *buf;
	ssize_t n;

	(void)ino;
	buf = malloc(size ? size : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (h->kind == 'g' || h->kind == 'w') {
		/*
		 * Reply from a copy, not from the handle: once the kernel has
		 * taken the reply it may complete the request and send the
		 * RELEASE that frees the handle, before writev returns here.
		 */
		n = (size_t)off >= h->len ? 0
		    : size < h->len - (size_t)off
			    ? (ssize_t)size
			    : (ssize_t)(h->len - (size_t)off);
		if (n)
			memcpy(buf, h->buf + off, (size_t)n);
		fuse_reply_buf(req, buf, (size_t)n);
		free(buf);
		return;
	}
	if (h->kind == 'c') {
		pthread_mutex_lock(&h->lock);
		ruv_clearerr();
		n = volume_reader_pread(h->vr, buf, size, (uint64_t)off);
		noted((int)(n < 0 ? n : 0), h->what);
		if (n < 0)
			fslog(LOG_ERR, "read of copy %s: %s%s%s", h->what,
			      strerror((int)-n), *ruv_lasterr() ? ": " : "",
			      ruv_lasterr());
		pthread_mutex_unlock(&h->lock);
	} else {
		n = pread(h->fd, buf, size, off);
		if (n < 0)
			n = -errno;
	}
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

/* A pit write refused at write time: in status as a failed pit
 * command, with why; returns rc. */
static int pit_refused_now(int rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int pit_refused_now(int rc, const char *fmt, ...)
{
	char msg[512];
	size_t n;
	va_list ap;

	n = (size_t)snprintf(msg, sizeof(msg), "ruvfs: pit: ");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(msg);
	msg[n] = '\n';
	msg[n + 1] = '\0';
	ctl_record("pit (written to it)", -rc, msg);
	return rc;
}

/*
 * Whether the first line of a pit write can open a RECON listing, and so
 * is not checked as a time: it names the listing (LIST.RECON, LISTING OF
 * RECON, the DBRC page title DATA BASE RECOVERY CONTROL), is blank, starts
 * with a form feed (SYSOUT page eject), or is longer than any time (a
 * SYSOUT job log heading).  Anything else is meant as a time.
 */
static int pit_listing_start(const char *l, size_t len)
{
	size_t i;

	if (len >= 64 || (len && l[0] == '\f'))
		return 1;
	if (memmem(l, len, "LIST.RECON", 10) ||
	    memmem(l, len, "LISTING OF RECON", 16) ||
	    memmem(l, len, "DATA BASE RECOVERY CONTROL", 26))
		return 1;
	for (i = 0; i < len; i++)
		if (!strchr(" \t\f", l[i]))
			return 0;
	return 1;
}

/*
 * The write that completes the first line of what is written to pit: a
 * line that is not the start of a RECON listing (pit_listing_start) is
 * checked now as a time, so a bad time fails the write itself and the
 * shell says so (bash ignores errors of the close).  A good time is set
 * at the close, as a listing is.  old: bytes before this write; size:
 * bytes of this write.
 */
static int pit_first_line(struct handle *h, size_t old, size_t size)
{
	char line[64];
	const char *nl;
	size_t len;
	int64_t us;
	int rc;

	if (memchr(h->buf, '\n', old))
		return 0; /* the first line is complete already */
	nl = memchr(h->buf + old, '\n', size);
	if (!nl)
		return 0;
	len = (size_t)(nl - h->buf);
	if (len && h->buf[len - 1] == '\r')
		len--;
	if (pit_listing_start(h->buf, len))
		return 0;
	memcpy(line, h->buf, len);
	line[len] = '\0';
	ruv_clearerr();
	rc = rtime_parse(line, &us);
	if (rc < 0)
		pit_refused_now(rc,
				"pit:1: not a time (%s), nor the first line "
				"of a RECON listing (not a RECON listing: "
				"no LIST.RECON heading)",
				*ruv_lasterr() ? ruv_lasterr() : "bad time");
	return rc;
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *data,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;
	int rc;

	(void)ino;
	if (h->kind == 'j') {
		ssize_t n = pwrite(h->fd, data, size, off);

		if (n < 0)
			fuse_reply_err(req, errno);
		else
			fuse_reply_write(req, (size_t)n);
		return;
	}
	if (h->kind == 'p') {
		char *nb;

		if (h->len + size > (16U << 20)) {
			fuse_reply_err(req, EFBIG);
			return;
		}
		nb = realloc(h->buf, h->len + size + 1);
		if (!nb) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		memcpy(nb + h->len, data, size);
		h->buf = nb;
		rc = 0;
		if (memchr(data, '\0', size))
			/* A time would be cut at it and the rest ignored. */
			rc = pit_refused_now(-EINVAL, "a NUL byte in what is "
						      "written to pit");
		if (rc == 0)
			rc = pit_first_line(h, h->len, size);
		h->len += size;
		h->buf[h->len] = '\0';
		if (rc < 0) {
			h->len = 0; /* refused now: the close sets nothing */
			fuse_reply_err(req, -rc);
		} else {
			fuse_reply_write(req, size);
		}
		return;
	}
	if (h->kind != 'w') {
		fuse_reply_err(req, EACCES);
		return;
	}
	rc = ctl_write(h->ctl, data, size);
	/* A line ran (or failed half way): it may have changed anything.
	 * A write holds no directory: it waits for the names too. */
	if (memchr(data, '\n', size)) {
		inval_broad();
		inval_submit(1);
	}
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_write(req, (size_t)rc);
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;

	(void)ino;
	if (h) {
		volume_reader_close(h->vr);
		if (h->fd >= 0)
			close(h->fd);
		/* An unterminated last line runs at the last close; the
		 * release cannot answer with its errno: status has it. */
		if (h->kind == 'w' && ctl_pending(h->ctl)) {
			ctl_flush(h->ctl);
			inval_broad();
			inval_submit(0);
		}
		ctl_release(h->ctl);
		pthread_mutex_destroy(&h->lock);
		free(h->buf);
		free(h);
	}
	fuse_reply_err(req, 0);
}

/* Only ctl takes a size change, to nothing: `echo cmd > ctl` truncates. */
static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct node n;
	int rc;

	if (node_type_of(ino) == T_JCL || ino == node_ino(T_FIXED, F_JCL)) {
		struct handle *h =
			fi ? (struct handle *)(uintptr_t)fi->fh : NULL;

		rc = jcl_setattr(ino, attr, to_set, h ? h->fd : -1, &n);
		if (rc < 0)
			fuse_reply_err(req, -rc);
		else
			fuse_reply_attr(req, &n.st, fs.timeout);
		return;
	}
	if (node_type_of(ino) == T_FIXED &&
	    (node_id_of(ino) == F_CTL || node_id_of(ino) == F_PIT) &&
	    to_set == FUSE_SET_ATTR_SIZE && attr->st_size == 0) {
		rc = node_stat(ino, &n);
		if (rc == 0) {
			fuse_reply_attr(req, &n.st, fs.timeout);
			return;
		}
	}
	fuse_reply_err(req, EACCES);
}

/* ---- changes ----------------------------------------------------------------
 */

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	char want[NAMES_DSN_MAX + 16];
	struct file_info fi;
	struct group_info g;
	struct node n;
	const char *one[1] = { name };
	size_t ll = strlen(link), wl;
	struct repo *r = fs_repo();
	int rc;

	if (!r) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	ruv_clearerr();
	if (parent == node_ino(T_FIXED, F_FILES) && link[0] != '/') {
		/* ruvfs's own directory is no place to resolve it from. */
		ctl_note_error("ln -s: target '%s' of '%s' must be an absolute "
			       "path",
			       link, name);
		rc = -EINVAL;
	} else if (parent == node_ino(T_FIXED, F_FILES)) {
		rc = noted(file_register(r, name, link, &fi), "ln -s");
		if (rc == 0)
			inval_file(&fi);
	} else if (node_type_of(parent) == T_GROUP) {
		/* The link must name the member: .../files/DSN. */
		snprintf(want, sizeof(want), "files/%s", name);
		wl = strlen(want);
		rc = group_get(r, (int64_t)node_id_of(parent), &g);
		if (rc == 0 && (ll < wl || strcasecmp(link + ll - wl, want) ||
				(ll > wl && link[ll - wl - 1] != '/')))
			rc = -EINVAL;
		if (rc == 0)
			rc = noted(group_add(r, g.name, one, 1), "ln -s");
		if (rc == 0 && file_lookup(r, name, &fi) == 0)
			inval_member(g.id, fi.id, fi.dsn);
	} else {
		rc = -EACCES;
	}
	if (rc == 0)
		rc = node_lookup(parent, name, &n);
	inval_submit(0);
	reply_new_entry(req, rc, parent, name, &n);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct file_info fi;
	struct group_info g;
	const char *one[1] = { name };
	struct repo *r = fs_repo();
	int type = node_type_of(parent), rc;

	ruv_clearerr();
	if (parent == node_ino(T_FIXED, F_JCL)) {
		rc = jcl_unlink(name);
		inval_inode(parent);
	} else if (!r) {
		rc = -ENOENT;
	} else if (parent == node_ino(T_FIXED, F_FILES)) {
		/* Its names in every view, while the groups still say. */
		rc = file_lookup(r, name, &fi);
		if (rc == 0)
			inval_file(&fi);
		if (rc == 0)
			rc = noted(file_unregister(r, name), "rm");
	} else if (type == T_GROUP) {
		rc = group_get(r, (int64_t)node_id_of(parent), &g);
		if (rc == 0 && file_lookup(r, name, &fi) == 0)
			inval_member(g.id, fi.id, fi.dsn);
		if (rc == 0)
			rc = noted(group_remove(r, g.name, one, 1), "rm");
	} else if (type == T_BKLOC || type == T_BKFILE || type == T_REPLOC ||
		   type == T_JBLOC) {
		rc = -EPERM; /* copies are relocated, never deleted here */
	} else {
		rc = -EACCES;
	}
	if (rc == 0)
		inval_submit(0);
	else
		inval_discard();
	fuse_reply_err(req, rc == -EINVAL ? ENOENT : -rc);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	struct repo *r = fs_repo();
	struct group_info g;
	struct node n;
	int rc;

	(void)mode;
	ruv_clearerr();
	if (!r)
		rc = -ENOENT;
	else if (parent == node_ino(T_FIXED, F_GROUPS))
		rc = noted(group_define(r, name, NULL, 0), "mkdir");
	else
		rc = -EACCES;
	if (rc == 0 && group_lookup(r, name, &g) == 0)
		inval_group(&g);
	if (rc == 0)
		rc = node_lookup(parent, name, &n);
	inval_submit(0);
	reply_new_entry(req, rc, parent, name, &n);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct repo *r = fs_repo();
	struct group_info g;
	int rc;

	ruv_clearerr();
	if (!r)
		rc = -ENOENT;
	else if (parent == node_ino(T_FIXED, F_GROUPS)) {
		rc = group_lookup(r, name, &g);
		if (rc == 0)
			rc = noted(group_delete(r, name, 0), "rmdir");
		if (rc == 0)
			inval_group(&g);
	} else {
		rc = -EACCES;
	}
	inval_submit(0);
	fuse_reply_err(req, rc == -EINVAL ? ENOENT : -rc);
}

/* mv of a copy between locations, or of a location between states. */
static int do_rename(fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		     const char *newname)
{
	struct location_info to;
	struct copy_info ci;
	const char *one[1] = { name };
	struct repo *r = fs_repo();
	struct node n;
	int pt = node_type_of(parent), npt = node_type_of(newparent), rc;

	if (!r)
		return -ENOENT;
	if ((pt == T_BKLOC && newparent == node_ino(T_FIXED, F_BYLOC)) ||
	    (pt == T_REPLOC && newparent == node_ino(T_FIXED, F_REPBYLOC)) ||
	    (pt == T_JBLOC && newparent == node_ino(T_FIXED, F_JCLBYLOC)))
		return -ENOENT; /* mv COPY by-location/NOSUCH: no location */
	if ((pt == T_BKLOC || pt == T_REPLOC || pt == T_JBLOC) && pt == npt) {
		if (strcmp(name, newname))
			/* copies keep their names */
			return node_lookup(newparent, newname, &n) == 0
				       ? -EEXIST
				       : -EPERM;
		if (parent == newparent)
			return -EEXIST;
		rc = location_get(r, (int64_t)node_id_of(newparent), &to);
		if (rc == 0)
			rc = node_lookup(parent, name, &n);
		if (rc == 0)
			rc = copy_lookup(r, name, &ci);
		if (rc == 0)
			rc = noted(copy_relocate(r, one, 1, to.name), "mv");
		if (rc == 0)
			inval_copy_moved(&ci, (int64_t)node_id_of(parent),
					 to.id);
		return rc;
	}
	if ((parent == node_ino(T_FIXED, F_LOCACTIVE) &&
	     newparent == node_ino(T_FIXED, F_LOCINACTIVE)) ||
	    (parent == node_ino(T_FIXED, F_LOCINACTIVE) &&
	     newparent == node_ino(T_FIXED, F_LOCACTIVE))) {
		if (strcmp(name, newname))
			/* locations are not renamed here */
			return node_lookup(newparent, newname, &n) == 0
				       ? -EEXIST
				       : -EPERM;
		rc = node_lookup(parent, name, &n);
		if (rc == 0)
			rc = noted(location_set_active(
					   r, name,
					   newparent == node_ino(T_FIXED,
								 F_LOCACTIVE)),
				   "mv");
		if (rc == 0 &&
		    location_get(r, (int64_t)node_id_of(n.ino), &to) == 0)
			inval_location(&to);
		return rc;
	}
	if (parent == newparent && !strcmp(name, newname))
		return 0;
	/* Whatever exists at the target: mv onto an existing name. */
	if (node_lookup(newparent, newname, &n) == 0)
		return -EEXIST;
	return -EPERM;
}

/* The operator's log line of a refused mv: both paths, errno, reason. */
static void log_refused_mv(fuse_ino_t parent, const char *name,
			   fuse_ino_t newparent, const char *newname, int rc)
{
	char from[PATH_MAX], to[PATH_MAX];
	const char *why = noted_why;

	fslog_dir_path(parent, from, sizeof(from));
	fslog_dir_path(newparent, to, sizeof(to));
	fslog(LOG_ERR, "mv %s/%s %s/%s: %s%s%s", from, name, to, newname,
	      strerror(-rc), *why ? ": " : "", why);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	int rc;

	ruv_clearerr();
	noted_why[0] = '\0';
	if (parent == node_ino(T_FIXED, F_JCL) &&
	    newparent == node_ino(T_FIXED, F_JCL)) {
		/* An ordinary directory: the kernel's errno as it comes. */
		rc = jcl_rename(name, newname, flags);
		if (rc == 0) {
			inval_inode(parent);
			inval_submit(0);
		}
		fuse_reply_err(req, -rc);
		return;
	}
	if (flags & ~RENAME_NOREPLACE)
		rc = -EPERM;
	else
		rc = do_rename(parent, name, newparent, newname);
	/* mv must never hear EXDEV (it would copy) nor EINVAL. */
	if (rc == -EXDEV || rc == -EINVAL)
		rc = -EPERM;
	if (rc < 0)
		log_refused_mv(parent, name, newparent, newname, rc);
	inval_submit(0);
	fuse_reply_err(req, -rc);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	struct handle *h;
	struct node n;
	int rc;

	if (parent != node_ino(T_FIXED, F_JCL)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h->kind = 'j';
	pthread_mutex_init(&h->lock, NULL);
	rc = jcl_create(name, fi->flags, mode, &h->fd, &n);
	if (rc < 0) {
		pthread_mutex_destroy(&h->lock);
		free(h);
		fuse_reply_err(req, -rc);
		return;
	}
	entry_of(&n, &e);
	inval_remember(parent, &n, name);
	fi->fh = (uint64_t)(uintptr_t)h;
	inval_inode(parent);
	inval_submit(0);
	fuse_reply_create(req, &e, fi);
}

/* A library entry the PIT did not reach, in status (as ruv pit set warns). */
static void pit_ignored(const char *name, const char *why, void *arg)
{
	fprintf(arg,
		"ruvfs: pit: warning: jcl/%s is ignored, the PIT is not "
		"written there: %s\n",
		name, why);
}

/* The outcome of a pit write in status, as a command's: the changes and
 * the PIT, or why it was refused. */
static void record_pit(const struct pit_request *req, int rc,
		       const struct pit_applied *done)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *m = open_memstream(&text, &len);

	if (m && rc < 0) {
		fprintf(m, "ruvfs: pit: %s\n",
			*ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
	} else if (m) {
		for (i = 0; i < done->n; i++)
			fprintf(m, "%s:%u: %s -> %s\n", done->changes[i].member,
				done->changes[i].line,
				done->changes[i].old_value,
				done->changes[i].new_value);
		pit_write_text(&done->pit, 0, m);
		jcl_ignored(fs.home, pit_ignored, m);
	}
	if (m)
		fclose(m);
	ctl_record(req->time ? "pit (a time written to it)"
			     : "pit (a RECON listing written to it)",
		   -rc, text);
	free(text);
}

/*
 * Closing a written pit sets the recovery point: one line is a time, more
 * is a RECON listing.  The same library call as `ruv pit set` (any bytes
 * are fine: no command line is built); the close fails with its errno,
 * and status records it among the commands.
 */
static int set_pit(struct handle *h)
{
	struct pit_request req = { .offset_sec = PIT_NO_OFFSET };
	struct pit_applied done = { 0 };
	struct repo *r = fs_repo();
	char *nl;
	int rc;

	if (!h->len)
		return 0;
	nl = memchr(h->buf, '\n', h->len);
	if (!nl || (size_t)(nl - h->buf) + 1 >= h->len) {
		if (nl)
			*nl = '\0';
		if (nl && nl > h->buf && nl[-1] == '\r')
			nl[-1] = '\0';
		req.time = h->buf;
	} else {
		req.recon_text = h->buf;
		req.recon_len = h->len;
		req.recon_name = "pit";
	}
	ruv_clearerr();
	rc = r ? pit_apply(r, fs.home, &req, &done)
	       : ruv_fail(-ENOENT, "no repository");
	record_pit(&req, rc, &done);
	pit_applied_free(&done);
	return rc;
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;
	int rc = 0;

	(void)ino;
	if (h && h->kind == 'p' && h->len) {
		rc = set_pit(h);
		h->len = 0; /* a later flush of the same open sets nothing */
		inval_jcl();
		inval_inode(node_ino(T_FIXED, F_STATUS));
		inval_submit(1); /* a close holds no directory */
	}
	/* Not ctl: a flush comes with every close of a descriptor, also of
	 * a dup that bash's `printf ... >&3` closes again, or of a child
	 * that inherited it, so an unterminated ctl line waits for the
	 * release (the last close) rather than run cut in two. */
	fuse_reply_err(req, -rc);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;
	int rc = 0;

	(void)ino;
	if (h && h->kind == 'j' &&
	    (datasync ? fdatasync(h->fd) : fsync(h->fd)) < 0)
		rc = errno;
	fuse_reply_err(req, rc);
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			struct fuse_file_info *fi)
{
	(void)fi;
	(void)datasync;
	if (ino == node_ino(T_FIXED, F_JCL) && jcl_dir_fd() >= 0 &&
	    fsync(jcl_dir_fd()) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fuse_reply_err(req, 0);
}

/* ---- extended attributes ------------------------------------------------ */

static int copy_xattrs(fuse_ino_t ino, char *buf, size_t size, const char *want,
		       size_t *len)
{
	struct repo *r = fs_repo();
	char when[RTIME_ISO_MAX], end[RTIME_ISO_MAX];
	struct copy_info ci;
	FILE *out;
	char *all = NULL, *p;
	size_t alen = 0;
	int rc;

	if (node_type_of(ino) == T_LOGSEG) {
		rc = logtree_xattrs(ino, &all, &alen);
		if (rc < 0)
			return rc;
		goto pick;
	}
	if (!r)
		return -ENOENT;
	rc = copy_get(r, (int64_t)node_id_of(ino), &ci);
	if (rc < 0)
		return rc;
	rtime_format_iso(ci.start_us, when, sizeof(when));
	rtime_format_iso(ci.end_us, end, sizeof(end));
	out = open_memstream(&all, &alen);
	if (!out)
		return -ENOMEM;
	/* name NUL value NUL, in a fixed order */
	fprintf(out, "user.ruv.dsn%c%s%c", 0, ci.dsn, 0);
	fprintf(out, "user.ruv.backup_time%c%s%c", 0, when, 0);
	fprintf(out, "user.ruv.backup_end%c%s%c", 0, end, 0);
	fprintf(out, "user.ruv.copy%c%u%c", 0, ci.copy_no, 0);
	fprintf(out, "user.ruv.location%c%s%c", 0, ci.location, 0);
	fprintf(out, "user.ruv.active%c%s%c", 0,
		ci.location_active && ci.usable ? "yes" : "no", 0);
	fprintf(out, "user.ruv.volser%c%s%c", 0, ci.volser, 0);
	fprintf(out, "user.ruv.seq%c%u%c", 0, ci.seq, 0);
	fprintf(out, "user.ruv.size%c%llu%c", 0, (unsigned long long)ci.size,
		0);
	fprintf(out, "user.ruv.stored%c%llu%c", 0,
		(unsigned long long)ci.stored, 0);
	fprintf(out, "user.ruv.changed%c%s%c", 0, ci.changed ? "yes" : "no", 0);
	fclose(out);
pick:
	rc = -ENODATA;
	*len = 0;
	for (p = all; p < all + alen;) {
		const char *k = p, *v = p + strlen(p) + 1;
		size_t kl = strlen(k), vl = strlen(v);

		if (!want) { /* list: the names */
			if (buf && size >= *len + kl + 1)
				memcpy(buf + *len, k, kl + 1);
			*len += kl + 1;
			rc = 0;
		} else if (!strcmp(k, want)) {
			if (buf && size >= vl)
				memcpy(buf, v, vl);
			*len = vl;
			rc = 0;
			break;
		}
		p = (char *)v + vl + 1;
	}
	free(all);
	return rc;
}

static void xattr_reply(fuse_req_t req, fuse_ino_t ino, const char *want,
			size_t size)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	/* Only user.* is kept here.  The namespaces the tree does not
	 * keep (security.*, system.* ACLs) answer EOPNOTSUPP, not ENODATA:
	 * ls -l asks every file for both, and takes "not supported" as
	 * true of the whole file system, so it asks once, not per file. */
	if (want && strncmp(want, "user.", 5)) {
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	/* Only copies have attributes, all user.ruv.*: answer the rest
	 * without a query. */
	if ((node_type_of(ino) != T_COPY && node_type_of(ino) != T_LOGSEG) ||
	    (want && strncmp(want, "user.ruv.", 9))) {
		if (want)
			fuse_reply_err(req, ENODATA);
		else if (size)
			fuse_reply_buf(req, NULL, 0);
		else
			fuse_reply_xattr(req, 0);
		return;
	}
	if (size) {
		buf = malloc(size);
		if (!buf) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
	}
	rc = copy_xattrs(ino, buf, size, want, &len);
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else if (!size)
		fuse_reply_xattr(req, len);
	else if (len > size)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, buf, len);
	free(buf);
}

static int is_jcl(fuse_ino_t ino)
{
	return node_type_of(ino) == T_JCL || ino == node_ino(T_FIXED, F_JCL);
}

/* jcl/: the real file's attributes (name NULL: the list). */
static void jcl_xattr_reply(fuse_req_t req, fuse_ino_t ino, const char *name,
			    size_t size)
{
	char *buf = NULL;
	ssize_t n;

	if (size && !(buf = malloc(size))) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = name ? jcl_getxattr(ino, name, buf, size)
		 : jcl_listxattr(ino, buf, size);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else if (!size)
		fuse_reply_xattr(req, (size_t)n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

/*
 * Changing an attribute outside jcl/: the catalog's user.ruv.* are
 * read-only (EACCES, as any read-only place); any other name is of a
 * namespace the tree does not keep (EOPNOTSUPP, which cp -a and rsync
 * take as "no attributes here" rather than a failure).
 */
static int xattr_refusal(const char *name)
{
	return strncmp(name, "user.ruv.", 9) ? EOPNOTSUPP : EACCES;
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	/* ENOSYS once and the kernel stops asking: ls -l then costs no
	 * attribute round trips. */
	if (fs.noxattr) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	if (is_jcl(ino))
		jcl_xattr_reply(req, ino, name, size);
	else
		xattr_reply(req, ino, name, size);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	if (fs.noxattr) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	if (is_jcl(ino))
		jcl_xattr_reply(req, ino, NULL, size);
	else
		xattr_reply(req, ino, NULL, size);
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	if (is_jcl(ino))
		fuse_reply_err(req,
			       -jcl_setxattr(ino, name, value, size, flags));
	else
		fuse_reply_err(req, xattr_refusal(name));
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	if (is_jcl(ino))
		fuse_reply_err(req, -jcl_removexattr(ino, name));
	else
		fuse_reply_err(req, xattr_refusal(name));
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	if (conn->capable & FUSE_CAP_READDIRPLUS_AUTO)
		conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	conn->want &= ~FUSE_CAP_ATOMIC_O_TRUNC;
}

/*
 * Every request runs between request_begin() and request_end(): it sees
 * one environment throughout, and the home lock its first fs_repo() took
 * is released at its end.  (init runs before any request.)
 */
#define REQUEST(op, params, args)                                              \
	static void req_##op params                                            \
	{                                                                      \
		request_begin();                                               \
		op_##op args;                                                  \
		request_end();                                                 \
	}

REQUEST(lookup, (fuse_req_t req, fuse_ino_t parent, const char *name),
	(req, parent, name))
REQUEST(getattr, (fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi),
	(req, ino, fi))
REQUEST(setattr,
	(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
	 struct fuse_file_info *fi),
	(req, ino, attr, to_set, fi))
REQUEST(readlink, (fuse_req_t req, fuse_ino_t ino), (req, ino))
REQUEST(opendir, (fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi),
	(req, ino, fi))
REQUEST(readdir,
	(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	 struct fuse_file_info *fi),
	(req, ino, size, off, fi))
REQUEST(readdirplus,
	(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	 struct fuse_file_info *fi),
	(req, ino, size, off, fi))
REQUEST(open, (fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi),
	(req, ino, fi))
REQUEST(read,
	(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	 struct fuse_file_info *fi),
	(req, ino, size, off, fi))
REQUEST(write,
	(fuse_req_t req, fuse_ino_t ino, const char *data, size_t size,
	 off_t off, struct fuse_file_info *fi),
	(req, ino, data, size, off, fi))
REQUEST(release, (fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi),
	(req, ino, fi))
REQUEST(symlink,
	(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name),
	(req, link, parent, name))
REQUEST(unlink, (fuse_req_t req, fuse_ino_t parent, const char *name),
	(req, parent, name))
REQUEST(mkdir,
	(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode),
	(req, parent, name, mode))
REQUEST(rmdir, (fuse_req_t req, fuse_ino_t parent, const char *name),
	(req, parent, name))
REQUEST(rename,
	(fuse_req_t req, fuse_ino_t parent, const char *name,
	 fuse_ino_t newparent, const char *newname, unsigned int flags),
	(req, parent, name, newparent, newname, flags))
REQUEST(create,
	(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	 struct fuse_file_info *fi),
	(req, parent, name, mode, fi))
REQUEST(fsync,
	(fuse_req_t req, fuse_ino_t ino, int datasync,
	 struct fuse_file_info *fi),
	(req, ino, datasync, fi))
REQUEST(flush, (fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi),
	(req, ino, fi))
REQUEST(fsyncdir,
	(fuse_req_t req, fuse_ino_t ino, int datasync,
	 struct fuse_file_info *fi),
	(req, ino, datasync, fi))
REQUEST(getxattr,
	(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size),
	(req, ino, name, size))
REQUEST(listxattr, (fuse_req_t req, fuse_ino_t ino, size_t size),
	(req, ino, size))
REQUEST(setxattr,
	(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value,
	 size_t size, int flags),
	(req, ino, name, value, size, flags))
REQUEST(removexattr, (fuse_req_t req, fuse_ino_t ino, const char *name),
	(req, ino, name))

static const struct fuse_lowlevel_ops ops = {
	.init = op_init,
	.lookup = req_lookup,
	.getattr = req_getattr,
	.setattr = req_setattr,
	.readlink = req_readlink,
	.opendir = req_opendir,
	.readdir = req_readdir,
	.readdirplus = req_readdirplus,
	.open = req_open,
	.read = req_read,
	.write = req_write,
	.release = req_release,
	.symlink = req_symlink,
	.unlink = req_unlink,
	.mkdir = req_mkdir,
	.rmdir = req_rmdir,
	.rename = req_rename,
	.create = req_create,
	.fsync = req_fsync,
	.flush = req_flush,
	.fsyncdir = req_fsyncdir,
	.getxattr = req_getxattr,
	.listxattr = req_listxattr,
	.setxattr = req_setxattr,
	.removexattr = req_removexattr,
};

/* ---- setup ------------------------------------------------------------------
 */

static const char usage[] =
	"usage: ruvfs [-f] [-d] [-s] [-o OPTIONS] HOME MOUNTPOINT\n"
	"\n"
	"Mount the repository of the RUV home HOME at MOUNTPOINT.\n"
	"  -f              stay in the foreground (messages to stderr)\n"
	"  -d              debug: foreground, every request logged\n"
	"  -s              one thread\n"
	"  -o allow_other  let other users in (permissions stay enforced)\n"
	"  -o ruv=PATH     the ruv program ctl lines run (default: beside\n"
	"                  ruvfs, or on PATH)\n"
	"  -o config=FILE, --config FILE\n"
	"                  the configuration (default: $RUV_CONFIG, then\n"
	"                  HOME/ruv.ini, then " RUV_SYSCONFDIR
	"/ruv/ruv.ini),\n"
	"                  also for ctl lines; read again on SIGHUP\n"
	"  -o timeout=SEC  kernel cache of names and attributes, 0-3600\n"
	"                  (default 1)\n"
	"  -o nonempty     mount over a directory that is not empty\n"
	"  -o noxattr      no user.ruv.* attributes: ls -l asks every file\n"
	"                  for two attributes, this spares those round trips\n"
	"  -o data=DIR     serve DIR instead (MOUNTPOINT may be DIR itself:\n"
	"                  nonempty is implied)\n"
	"  -o journal=STREAM  with data=: journal every change to a file\n"
	"                  registered under DIR to the log stream STREAM\n"
	"Other -o options go to FUSE (see mount.fuse3(8)).  Unmount with\n"
	"fusermount3 -u MOUNTPOINT.\n";

struct opts {
	int noxattr;
	int nonempty;
	char *data;
	char *journal;
	char *home;
	char *ruv;
	char *config;
	char *timeout;
	int help;
	int version;
};

static const struct fuse_opt opt_spec[] = {
	{ "ruv=%s", offsetof(struct opts, ruv), 0 },
	{ "config=%s", offsetof(struct opts, config), 0 },
	{ "--config=%s", offsetof(struct opts, config), 0 },
	{ "--config %s", offsetof(struct opts, config), 0 },
	{ "timeout=%s", offsetof(struct opts, timeout), 0 },
	{ "noxattr", offsetof(struct opts, noxattr), 1 },
	{ "nonempty", offsetof(struct opts, nonempty), 1 },
	{ "data=%s", offsetof(struct opts, data), 0 },
	{ "journal=%s", offsetof(struct opts, journal), 0 },
	FUSE_OPT_END
};

static int opt_proc(void *data, const char *arg, int key,
		    struct fuse_args *outargs)
{
	struct opts *o = data;

	(void)outargs;
	if (key == FUSE_OPT_KEY_NONOPT && !o->home) {
		o->home = strdup(arg);
		return 0; /* consumed: the first operand is HOME */
	}
	return 1;
}

/* ruv beside ruvfs (installed), in the build tree, else on PATH. */
static void find_ruv(const char *given)
{
	static const char *const rel[] = { "ruv", "../cmds/ruv" };
	char self[PATH_MAX], path[PATH_MAX + 16];
	ssize_t n;
	unsigned i;

	if (given) {
		snprintf(fs.ruv, sizeof(fs.ruv), "%s", given);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		for (i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "%s/%s", dirname(self),
				 rel[i]);
			if (access(path, X_OK) == 0 &&
			    realpath(path, fs.ruv) != NULL)
				return;
			n = readlink("/proc/self/exe", self, sizeof(self) - 1);
			self[n] = '\0';
		}
	}
	snprintf(fs.ruv, sizeof(fs.ruv), "/usr/bin/ruv");
	if (access(fs.ruv, X_OK) < 0)
		snprintf(fs.ruv, sizeof(fs.ruv), "/usr/local/bin/ruv");
}

/* -o timeout= and the mount point, before anything is set up: < 0 after
 * the message, *ret the exit status (2 usage, 1 refused). */
static int check_mount_args(const struct opts *o, const char *mountpoint,
			    int *ret)
{
	char what[PATH_MAX];
	int rc;

	if (mountopt_timeout(o->timeout, &fs.timeout) < 0) {
		fprintf(stderr,
			"ruvfs: -o timeout='%s': not a number of seconds from "
			"0 to 3600\nsee 'ruvfs --help'\n",
			o->timeout);
		*ret = 2;
		return -EINVAL;
	}
	/* data=DIR is meant to go over DIR itself, which has files. */
	rc = mountopt_check_mountpoint(mountpoint, o->nonempty || o->data, what,
				       sizeof(what));
	if (rc == -EBUSY)
		fprintf(stderr,
			"ruvfs: mount point '%s' already holds a ruvfs mount"
			" (%s)\n",
			mountpoint, what);
	else if (rc == -ENOTEMPTY)
		fprintf(stderr,
			"ruvfs: mount point '%s' is not empty (-o nonempty "
			"mounts over it)\n",
			mountpoint);
	else if (rc < 0)
		fprintf(stderr, "ruvfs: mount point '%s': %s\n", mountpoint,
			strerror(-rc));
	*ret = 1;
	return rc;
}

/*
 * The configuration ruvfs was started with, as an absolute path, or ""
 * to find it as ruv does (HOME/ruv.ini, /etc/ruv/ruv.ini).  The ruv
 * programs ctl runs get the same file through $RUV_CONFIG.
 */
static char config_path[PATH_MAX];

static int fs_env_open(struct env **out)
{
	struct env_opts o = {
		.home = fs.home,
		.config = config_path[0] ? config_path : NULL,
		.need_home = 1,
		.verb = "ruvfs",
		.lock = ENV_LOCK_REQUEST,
	};
	int rc;

	ruv_clearerr();
	rc = env_open(&o, out);
	if (rc < 0)
		fs_log("%s: %s", o.what,
		       *ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
	if (rc < 0 && *ruv_lasterr())
		ctl_note_error("%s: %s", o.what, ruv_lasterr());
	return rc;
}

/*
 * SIGHUP: read the configuration again.  fuse_set_signal_handlers() makes
 * SIGHUP end the session; ours replaces it after that call.  The handler
 * only posts a semaphore (async-signal-safe); the reload thread does the
 * work.  A configuration that does not load is reported (log and status)
 * and the one in use stays.
 */
static sem_t reload_sem;
static volatile int reload_stopping;
static pthread_t reload_tid;
static int reload_started;

static void on_sighup(int sig)
{
	int saved = errno;

	(void)sig;
	sem_post(&reload_sem);
	errno = saved;
}

static void *reload_main(void *arg)
{
	struct env *e;

	(void)arg;
	for (;;) {
		while (sem_wait(&reload_sem) < 0 && errno == EINTR)
			;
		if (reload_stopping)
			break;
		if (fs_env_open(&e) < 0 || env_install(e, 1) < 0)
			continue;
		/* Names and attributes do not depend on it: nothing to
		 * invalidate.  The next open of a copy looks its volume up
		 * on the new search path. */
		fs_log("configuration read again: %s",
		       env_config(e)->path[0] ? env_config(e)->path
					      : "built-in defaults");
	}
	return NULL;
}

static int reload_start(void)
{
	struct sigaction sa;

	if (sem_init(&reload_sem, 0, 0) < 0)
		return -errno;
	if (pthread_create(&reload_tid, NULL, reload_main, NULL) != 0)
		return -EAGAIN;
	reload_started = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sighup;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	return sigaction(SIGHUP, &sa, NULL) < 0 ? -errno : 0;
}

static void reload_stop(void)
{
	if (!reload_started)
		return;
	signal(SIGHUP, SIG_IGN);
	reload_stopping = 1;
	sem_post(&reload_sem);
	pthread_join(reload_tid, NULL);
	reload_started = 0;
}

/* -o config=, else $RUV_CONFIG, made absolute (we run in /). */
static int resolve_config(const char *given)
{
	const char *c = given ? given : getenv("RUV_CONFIG");

	if (!c || !*c)
		return 0;
	if (!realpath(c, config_path)) {
		fprintf(stderr, "ruvfs: configuration '%s': %s\n", c,
			strerror(errno));
		return -1;
	}
	return setenv("RUV_CONFIG", config_path, 1);
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts cl = { 0 };
	struct fuse_loop_config *lc = NULL;
	struct fuse_session *se = NULL;
	const struct fuse_lowlevel_ops *mops = &ops;
	struct env *env = NULL;
	struct opts o = { 0 };
	char fsname[PATH_MAX + 80];
	struct stat sb;
	int ret = 1;

	if (fuse_opt_parse(&args, &o, opt_spec, opt_proc) < 0 ||
	    fuse_parse_cmdline(&args, &cl) != 0)
		goto out_usage;
	if (cl.show_help) {
		fputs(usage, stdout);
		ret = 0;
		goto out;
	}
	if (cl.show_version) {
		printf("ruvfs %s\n", RUV_VERSION);
		ret = 0;
		goto out;
	}
	if (!o.home || !cl.mountpoint) {
		fprintf(stderr, "ruvfs: need HOME and MOUNTPOINT\n");
		goto out_usage;
	}
	if (!realpath(o.home, fs.home) || stat(fs.home, &sb) < 0 ||
	    !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "ruvfs: home '%s': %s\n", o.home,
			errno ? strerror(errno) : "not a directory");
		goto out;
	}
	if (o.journal && !o.data) {
		fprintf(stderr, "ruvfs: journal= needs data=DIR\n");
		goto out_usage;
	}
	/* The environment as ruv opens it; a bad configuration is refused
	 * before anything is mounted. */
	fs.foreground = 1; /* messages to stderr until daemonized */
	if (resolve_config(o.config) < 0 || fs_env_open(&env) < 0 ||
	    env_install(env, 0) < 0)
		goto out;
	find_ruv(o.ruv);
	if (mount_check(cl.mountpoint, o.ruv, fs.ruv) < 0)
		goto out;
	if (check_mount_args(&o, cl.mountpoint, &ret) < 0)
		goto out;
	fs.mount_us = rtime_now();
	fs.uid = getuid();
	fs.gid = getgid();
	fs.foreground = cl.foreground;
	fs.singlethread = cl.singlethread;
	fs.noxattr = o.noxattr;
	/* Before any thread: the ruv programs ctl runs inherit it. */
	setenv("RUV_ERRNO_FD", "3", 1);
	pthread_key_create(&fs.repo_key, close_repo);
	/*
	 * The mount table names the home, unless commas would split it.
	 * nosuid,nodev always, last so that they win over a "suid" or "dev"
	 * that mount.fuse3 passes along: a copy of a set-id program or a
	 * device is data here, never a way in.
	 */
	if (snprintf(fsname, sizeof(fsname),
		     "-ofsname=ruvfs:%s,subtype=ruvfs,default_permissions,"
		     "nosuid,nodev",
		     strpbrk(fs.home, ",\\") ? "" : fs.home) >=
		    (int)sizeof(fsname) ||
	    fuse_opt_add_arg(&args, fsname) < 0)
		goto out;
	if (o.data) {
		if (pass_setup(fs.home, o.journal, o.data) < 0)
			goto out;
		mops = &pass_ops;
	}
	se = fuse_session_new(&args, mops, sizeof(*mops), NULL);
	if (!se)
		goto out;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, cl.mountpoint) != 0)
		goto out_signals;
	if (!cl.foreground)
		openlog("ruvfs", LOG_PID, LOG_DAEMON);
	fuse_daemonize(cl.foreground);
	/* Daemonized: the lock registry names this process, not the one
	 * that forked it. */
	if (!cl.foreground && fs_env_open(&env) == 0)
		env_install(env, 0);
	fs_log("mounted %s on %s", fs.home, cl.mountpoint);
	/* After fuse_set_signal_handlers, which made SIGHUP end the session;
	 * after fuse_daemonize, whose fork keeps no threads. */
	if (reload_start() < 0)
		fs_log("no reload thread: SIGHUP ends the session");
	ret = sdnotify("READY=1");
	if (ret < 0)
		fs_log("cannot tell the service manager: %s", strerror(-ret));
	/* After fuse_daemonize: its fork keeps no threads. */
	if (!o.data && inval_start(se) < 0)
		fs_log("no cache invalidation thread: changes show within "
		       "the timeout");
	if (cl.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		lc = fuse_loop_cfg_create();
		fuse_loop_cfg_set_clone_fd(lc, cl.clone_fd);
		if (cl.max_threads > 0 && cl.max_threads <= 1000)
			fuse_loop_cfg_set_max_threads(lc, cl.max_threads);
		/* Unset is UINT_MAX, which libfuse 3.14 logs as invalid. */
		if (cl.max_idle_threads != UINT_MAX)
			fuse_loop_cfg_set_idle_threads(lc, cl.max_idle_threads);
		ret = fuse_session_loop_mt(se, lc);
		fuse_loop_cfg_destroy(lc);
	}
	ret = mountopt_exit_status(ret);
	sdnotify("STOPPING=1");
	/* Unmounted first: a notification still under way then fails at
	 * once rather than wait for a request nobody will answer. */
	reload_stop();
	fuse_session_unmount(se);
	inval_stop();
	fs_log("unmounted %s", cl.mountpoint);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out:
	if (o.data)
		pass_shutdown();
	free(o.data);
	free(o.journal);
	env_uninstall();
	free(cl.mountpoint);
	free(o.home);
	free(o.ruv);
	free(o.config);
	free(o.timeout);
	fuse_opt_free_args(&args);
	return ret;
out_usage:
	fputs(usage, stderr);
	ret = 2;
	goto out;
}
