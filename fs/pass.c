// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The journaling mount's passthrough: DIR served at MOUNTPOINT.
 *
 * DIR is opened (O_PATH) before the mount, so MOUNTPOINT may be DIR
 * itself: every request is answered with *at() calls relative to
 * descriptors under that one, never by a path through the mount, and
 * programs that keep their paths cannot reach DIR except through us.
 *
 * Inodes: one struct pnode per (st_dev, st_ino) the kernel knows, holding
 * an O_PATH descriptor of it; the FUSE inode number is the node's
 * address (the root's is FUSE_ROOT_ID), its lookup count kept as the
 * kernel's (lookup adds one, forget takes n).  The table has one mutex,
 * held only to find, add or drop a node.  Open files hold a descriptor
 * reopened from the node's, through /proc/self/fd.
 *
 * Journaling: a change to a registered file (journal.c knows which inodes
 * those are) is appended to the stream under the file's lock before the
 * change is made to DIR, and the same lock is held until it is made, so
 * the order of the records is the order of the changes.  Lock order:
 * replace_lock, then a handle's mu, then a file's lock (jnl_lock).  Sync points
 * (flush, fsync, release) commit the unit of the open file and the page
 * unit of its inode.  Writeback cache and direct_io stay off: each write(2)
 * and each written page reaches op_write as it is made.
 *
 * Refused on a registered file (EPERM): unlink, rename-away, link (a new
 * name would change it unjournaled after an unregister), rename of a
 * directory holding one, mknod/mkdir/symlink at its path; fallocate
 * answers EOPNOTSUPP (posix_fallocate then writes zeros, journaled);
 * copy_file_range is not served, so the kernel and cp fall back to reads
 * and writes, journaled.  Rename onto a registered path is journaled as
 * TRUNCATE 0 + WRITEs of the new content.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs_int.h"
#include "pass.h"

struct pnode {
	int fd; /* O_PATH | O_NOFOLLOW */
	dev_t dev;
	ino_t ino;
	uint64_t nlookup;   /* under table.lock */
	struct pnode *next; /* hash chain, under table.lock */
};

struct phandle {
	int fd;		    /* open on the file, O_RDWR for a journaled one */
	int append;	    /* opened O_APPEND: writes go to the end */
	uint64_t uow;	    /* this open file's unit, 0 when none */
	struct jfile *ujf;  /* the file uow journals */
	pthread_mutex_t mu; /* uow and ujf (parallel writes on one handle) */
};

struct pdir {
	DIR *dp;
	off_t pos; /* where the next readdir starts */
};

#define NBUCKET 4096

static struct {
	pthread_mutex_t lock;
	struct pnode *bucket[NBUCKET];
	struct pnode root;
	uid_t uid; /* ours: root creates files as their caller */
} table = { .lock = PTHREAD_MUTEX_INITIALIZER, .root = { .fd = -1 } };

/*
 * Held shared by every write and truncate from finding whether its file
 * is registered until the change is made, and exclusively by a rename
 * onto a registered path while it logs the new content and renames: so
 * no write to the file being renamed lands unjournaled between the copy
 * and the rename.  Writer-preferring, so renames are not starved.
 */
static pthread_rwlock_t replace_lock =
	PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;

static unsigned hash(dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * UINT64_C(0x9e3779b97f4a7c15) ^ dev;

	return (unsigned)(h >> 40) % NBUCKET;
}

static struct pnode *node_of(fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return &table.root;
	return (struct pnode *)(uintptr_t)ino;
}

static fuse_ino_t ino_of(struct pnode *n)
{
	return n == &table.root ? FUSE_ROOT_ID : (fuse_ino_t)(uintptr_t)n;
}

static struct phandle *handle_of(struct fuse_file_info *fi)
{
	return (struct phandle *)(uintptr_t)fi->fh;
}

/* "/proc/self/fd/N": the node reopened with other flags, or named to
 * calls that take no AT_EMPTY_PATH. */
static void proc_path(int fd, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* The absolute path of a node in DIR (DIR's own path when DIR is the
 * mountpoint: the kernel names the covered directory the same). */
static int node_path(struct pnode *n, const char *name, char *buf, size_t len)
{
	char p[64];
	ssize_t k;

	proc_path(n->fd, p, sizeof(p));
	k = readlink(p, buf, len - 1);
	if (k < 0)
		return -errno;
	buf[k] = '\0';
	if (name && snprintf(buf + k, len - (size_t)k, "/%s", name) >=
			    (int)(len - (size_t)k))
		return -ENAMETOOLONG;
	return 0;
}

static int stat_node(struct pnode *n, struct stat *st)
{
	if (fstatat(n->fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

/* The registered file at this node, or NULL (and NULL when not
 * journaling). */
static struct jfile *jfile_of(struct pnode *n)
{
	return jnl_on() ? jnl_by_inode(n->dev, n->ino) : NULL;
}

/* Look name up under parent: the node, its lookup count one more. */
static int do_lookup(struct pnode *parent, const char *name,
		     struct fuse_entry_param *e)
{
	struct pnode *n, *fresh = NULL;
	unsigned b;
	int fd, rc;

	memset(e, 0, sizeof(*e));
	fd = openat(parent->fd, name, O_PATH | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstatat(fd, "", &e->attr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) <
	    0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	b = hash(e->attr.st_dev, e->attr.st_ino);
	pthread_mutex_lock(&table.lock);
	for (n = table.bucket[b]; n; n = n->next)
		if (n->dev == e->attr.st_dev && n->ino == e->attr.st_ino)
			break;
	if (!n && e->attr.st_dev == table.root.dev &&
	    e->attr.st_ino == table.root.ino)
		n = &table.root; /* ".." of a child of the root */
	if (!n) {
		fresh = calloc(1, sizeof(*fresh));
		if (!fresh) {
			pthread_mutex_unlock(&table.lock);
			close(fd);
			return -ENOMEM;
		}
		fresh->fd = fd;
		fd = -1;
		fresh->dev = e->attr.st_dev;
		fresh->ino = e->attr.st_ino;
		fresh->next = table.bucket[b];
		table.bucket[b] = fresh;
		n = fresh;
	}
	n->nlookup++;
	pthread_mutex_unlock(&table.lock);
	if (fd >= 0)
		close(fd);
	e->ino = ino_of(n);
	e->attr_timeout = fs.timeout;
	e->entry_timeout = fs.timeout;
	return 0;
}

static void forget_one(fuse_ino_t ino, uint64_t nlookup)
{
	struct pnode *n = node_of(ino), **pp;

	pthread_mutex_lock(&table.lock);
	if (n == &table.root || n->nlookup > nlookup) {
		n->nlookup -= n == &table.root ? 0 : nlookup;
		pthread_mutex_unlock(&table.lock);
		return;
	}
	for (pp = &table.bucket[hash(n->dev, n->ino)]; *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	pthread_mutex_unlock(&table.lock);
	close(n->fd);
	free(n);
}

static void reply_entry(fuse_req_t req, struct pnode *parent, const char *name)
{
	struct fuse_entry_param e;
	int rc = do_lookup(parent, name, &e);

	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_entry(req, &e);
}

/*
 * A file made by a caller belongs to the caller when we run as root, and
 * has the mode asked for: the kernel applied the caller's umask already,
 * ours must not apply again (umask(0) would also reach the log's files).
 * mode 0: a symlink, which has none.
 */
static void own_new(fuse_req_t req, struct pnode *parent, const char *name,
		    mode_t mode)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);

	if (mode)
		(void)fchmodat(parent->fd, name, mode & 07777, 0);
	if (table.uid == 0 && c)
		(void)fchownat(parent->fd, name, c->uid, c->gid,
			       AT_SYMLINK_NOFOLLOW);
}

/* jf when it is still registered (asked of the repository: see
 * jnl_still_registered), else NULL.  For the refusals, which are rare. */
static struct jfile *held(struct jfile *jf)
{
	return jf && jnl_still_registered(jf) ? jf : NULL;
}

/* Whether a new name at parent/name would take a registered path. */
static int registered_target(struct pnode *parent, const char *name,
			     struct jfile **out)
{
	char path[PATH_MAX];
	int rc;

	*out = NULL;
	if (!jnl_on())
		return 0;
	rc = node_path(parent, name, path, sizeof(path));
	if (rc < 0)
		return rc;
	*out = held(jnl_by_path(path));
	return 0;
}

/* ---- operations ----------------------------------------------------------
 */

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* Every write must reach op_write as it is made, and O_TRUNC must
	 * arrive as a setattr of its own so that it is journaled. */
	conn->want &=
		~(unsigned)(FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_ATOMIC_O_TRUNC);
	if (conn->capable & FUSE_CAP_EXPORT_SUPPORT)
		conn->want &= ~(unsigned)FUSE_CAP_EXPORT_SUPPORT;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	reply_entry(req, node_of(parent), name);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	forget_one(ino, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	size_t i;

	for (i = 0; i < count; i++)
		forget_one(forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct stat st;
	int rc = stat_node(node_of(ino), &st);

	(void)fi;
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, fs.timeout);
}

/* Truncate to size, journaled when the file is registered: in the open
 * file's unit when there is one, else in a unit of its own committed
 * here. */
static int do_truncate(struct pnode *n, struct phandle *h, off_t size)
{
	char p[64];
	struct jfile *jf;
	uint64_t own = 0, *uow = &own;
	int fd = h ? h->fd : -1, rc = 0, crc;

	pthread_rwlock_rdlock(&replace_lock);
	jf = jfile_of(n);
	if (fd < 0) {
		proc_path(n->fd, p, sizeof(p));
		fd = open(p, (jf ? O_RDWR : O_WRONLY) | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
			pthread_rwlock_unlock(&replace_lock);
			return rc;
		}
	}
	if (!jf) {
		if (ftruncate(fd, size) < 0)
			rc = -errno;
		goto out;
	}
	if (h) {
		pthread_mutex_lock(&h->mu);
		if (h->uow && h->ujf != jf) /* the file was replaced */
			(void)jnl_commit(h->ujf, &h->uow, h->fd);
		uow = &h->uow;
		h->ujf = jf;
	}
	jnl_lock(jf);
	rc = jnl_truncate(jf, uow, fd, size);
	if (rc == 0 && ftruncate(fd, size) < 0) {
		rc = -errno;
		crc = jnl_truncate_failed(jf, uow, fd, size);
		if (crc < 0)
			fs_log("%s: the stream may not say what the file holds "
			       "after a failed truncate: %s",
			       jnl_dsn(jf), strerror(-crc));
	}
	if (uow == &own) {
		crc = jnl_commit(jf, uow, fd);
		if (rc == 0)
			rc = crc;
	}
	jnl_unlock(jf);
	if (h)
		pthread_mutex_unlock(&h->mu);
out:
	pthread_rwlock_unlock(&replace_lock);
	if (!h)
		close(fd);
	return rc;
}

static int do_setattr(struct pnode *n, struct phandle *h, struct stat *attr,
		      int to_set)
{
	char p[64];
	struct timespec tv[2];

	proc_path(n->fd, p, sizeof(p));
	if ((to_set & FUSE_SET_ATTR_MODE) &&
	    (h ? fchmod(h->fd, attr->st_mode) : chmod(p, attr->st_mode)) < 0)
		return -errno;
	if (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		uid_t u =
			(to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1;
		gid_t g =
			(to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1;

		if (fchownat(n->fd, "", u, g,
			     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		int rc = do_truncate(n, h, attr->st_size);

		if (rc < 0)
			return rc;
	}
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
		tv[0].tv_sec = 0;
		tv[0].tv_nsec = UTIME_OMIT;
		tv[1] = tv[0];
		if (to_set & FUSE_SET_ATTR_ATIME_NOW)
			tv[0].tv_nsec = UTIME_NOW;
		else if (to_set & FUSE_SET_ATTR_ATIME)
			tv[0] = attr->st_atim;
		if (to_set & FUSE_SET_ATTR_MTIME_NOW)
			tv[1].tv_nsec = UTIME_NOW;
		else if (to_set & FUSE_SET_ATTR_MTIME)
			tv[1] = attr->st_mtim;
		if ((h ? futimens(h->fd, tv) : utimensat(AT_FDCWD, p, tv, 0)) <
		    0)
			return -errno;
	}
	return 0;
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct pnode *n = node_of(ino);
	struct stat st;
	int rc = do_setattr(n, fi ? handle_of(fi) : NULL, attr, to_set);

	if (rc == 0)
		rc = stat_node(n, &st);
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, fs.timeout);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char buf[PATH_MAX + 1];
	ssize_t k = readlinkat(node_of(ino)->fd, "", buf, sizeof(buf));

	if (k < 0)
		fuse_reply_err(req, errno);
	else if (k >= (ssize_t)sizeof(buf))
		fuse_reply_err(req, ENAMETOOLONG);
	else {
		buf[k] = '\0';
		fuse_reply_readlink(req, buf);
	}
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	struct pnode *p = node_of(parent);
	struct jfile *jf;
	int rc = registered_target(p, name, &jf);

	if (rc == 0 && jf)
		rc = -EPERM;
	if (rc == 0 && mknodat(p->fd, name, mode, rdev) < 0)
		rc = -errno;
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	own_new(req, p, name, mode);
	reply_entry(req, p, name);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	struct pnode *p = node_of(parent);
	struct jfile *jf;
	int rc = registered_target(p, name, &jf);

	if (rc == 0 && jf)
		rc = -EPERM;
	if (rc == 0 && mkdirat(p->fd, name, mode) < 0)
		rc = -errno;
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	own_new(req, p, name, mode | S_IFDIR);
	reply_entry(req, p, name);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	struct pnode *p = node_of(parent);
	struct jfile *jf;
	int rc = registered_target(p, name, &jf);

	if (rc == 0 && jf)
		rc = -EPERM;
	if (rc == 0 && symlinkat(link, p->fd, name) < 0)
		rc = -errno;
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	own_new(req, p, name, 0);
	reply_entry(req, p, name);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	struct pnode *n = node_of(ino), *p = node_of(newparent);
	char path[64];
	struct jfile *jf;
	int rc = registered_target(p, newname, &jf);

	if (rc == 0 && (jf || held(jfile_of(n))))
		rc = -EPERM;
	proc_path(n->fd, path, sizeof(path));
	if (rc == 0 &&
	    linkat(AT_FDCWD, path, p->fd, newname, AT_SYMLINK_FOLLOW) < 0)
		rc = -errno;
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		reply_entry(req, p, newname);
}

/* The registered file at parent/name (by its inode, and still
 * registered), or NULL. */
static struct jfile *jfile_at(struct pnode *parent, const char *name,
			      struct stat *st)
{
	if (fstatat(parent->fd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return NULL;
	return jnl_on() ? held(jnl_by_inode(st->st_dev, st->st_ino)) : NULL;
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct pnode *p = node_of(parent);
	struct stat st;
	int rc = 0;

	if (jfile_at(p, name, &st))
		rc = -EPERM; /* ruv file unregister it first */
	else if (unlinkat(p->fd, name, 0) < 0)
		rc = -errno;
	fuse_reply_err(req, -rc);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int rc = 0;

	if (unlinkat(node_of(parent)->fd, name, AT_REMOVEDIR) < 0)
		rc = -errno;
	fuse_reply_err(req, -rc);
}

/*
 * Rename onto a registered path: the records first (TRUNCATE 0 and WRITEs
 * of the new content, in a unit of its own), then the rename, then the
 * COMMIT.  When the records cannot all be appended, or the rename fails,
 * the unit is backed out (its changes were never made), so the stream
 * still tells what the file holds.
 */
static int rename_over(struct jfile *jf, struct pnode *p, const char *name,
		       struct pnode *np, const char *newname,
		       const struct stat *sst, unsigned flags)
{
	uint64_t uow = 0;
	int srcfd = -1, oldfd = -1, rc, crc;

	if (!S_ISREG(sst->st_mode) || (flags & RENAME_EXCHANGE))
		return -EPERM;
	srcfd = openat(p->fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (srcfd < 0)
		return -errno;
	jnl_lock(jf);
	oldfd = openat(np->fd, newname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	rc = jnl_replace(jf, &uow, oldfd, srcfd);
	if (rc == 0 && renameat2(p->fd, name, np->fd, newname, flags) < 0)
		rc = -errno;
	if (rc < 0) {
		crc = jnl_backout(&uow);
		if (crc < 0)
			fs_log("backout of the rename onto %s: %s", jnl_dsn(jf),
			       strerror(-crc));
		goto out;
	}
	jnl_rebind(jf, sst->st_dev, sst->st_ino);
	crc = jnl_commit(jf, &uow, srcfd);
	if (crc < 0)
		fs_log("commit of the rename onto %s: %s", jnl_dsn(jf),
		       strerror(-crc));
out:
	jnl_unlock(jf);
	if (oldfd >= 0)
		close(oldfd);
	close(srcfd);
	return rc;
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	struct pnode *p = node_of(parent), *np = node_of(newparent);
	char path[PATH_MAX];
	struct stat sst, tst;
	struct jfile *jt = NULL;
	int rc = 0;

	if (!jnl_on())
		goto plain;
	if (fstatat(p->fd, name, &sst, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = -errno;
		goto out;
	}
	if (held(jnl_by_inode(sst.st_dev, sst.st_ino))) {
		rc = -EPERM; /* rename-away of a registered file */
		goto out;
	}
	if (S_ISDIR(sst.st_mode)) {
		rc = node_path(p, name, path, sizeof(path));
		if (rc == 0 && jnl_any_under(path))
			rc = -EPERM;
		if (rc < 0)
			goto out;
	}
	rc = registered_target(np, newname, &jt);
	if (rc < 0)
		goto out;
	if (!jt && (flags & RENAME_EXCHANGE) && jfile_at(np, newname, &tst))
		jt = NULL, rc = -EPERM;
	if (rc < 0)
		goto out;
	if (jt) {
		pthread_rwlock_wrlock(&replace_lock);
		rc = rename_over(jt, p, name, np, newname, &sst, flags);
		pthread_rwlock_unlock(&replace_lock);
		goto out;
	}
plain:
	if (renameat2(p->fd, name, np->fd, newname, flags) < 0)
		rc = -errno;
out:
	fuse_reply_err(req, -rc);
}

static int open_handle(struct pnode *n, int flags, struct phandle **out)
{
	struct phandle *h;
	char p[64];
	int acc = flags & O_ACCMODE, rc;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	/* The kernel has resolved the path already; /proc/self/fd/N is a
	 * magic link, which O_NOFOLLOW would refuse (ELOOP). */
	flags &= ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_NOFOLLOW);
	proc_path(n->fd, p, sizeof(p));
	/* A journaled write needs its before-image, and the offset of an
	 * O_APPEND write is decided here, under the file's lock. */
	h->fd = -1;
	if (acc != O_RDONLY && jnl_on()) {
		h->append = !!(flags & O_APPEND);
		h->fd = open(p, (flags & ~(O_ACCMODE | O_APPEND)) | O_RDWR |
					O_CLOEXEC);
		if (h->fd < 0 && errno == EACCES && !jfile_of(n))
			h->append = 0; /* write-only, not journaled: as asked */
		else if (h->fd < 0)
			goto fail;
	}
	if (h->fd < 0)
		h->fd = open(p, flags | O_CLOEXEC);
	if (h->fd < 0)
		goto fail;
	pthread_mutex_init(&h->mu, NULL);
	*out = h;
	return 0;
fail:
	rc = -errno;
	free(h);
	return rc;
}

static void free_handle(struct phandle *h)
{
	close(h->fd);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct phandle *h;
	int rc = open_handle(node_of(ino), fi->flags, &h);

	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->direct_io = 0;
	fi->keep_cache = 0;
	if (fuse_reply_open(req, fi) == -ENOENT) /* interrupted */
		free_handle(h);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct pnode *p = node_of(parent);
	struct fuse_entry_param e;
	struct phandle *h = NULL;
	struct jfile *jf;
	uint64_t uow = 0;
	int fd, made, rc = registered_target(p, name, &jf);

	if (rc < 0)
		goto out;
	/* Made here, or (a race with another creator) opened as open(2)
	 * would, its O_TRUNC journaled like any truncate. */
	fd = openat(p->fd, name, O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC, mode);
	made = fd >= 0;
	if (fd < 0 && (errno != EEXIST || (fi->flags & O_EXCL))) {
		rc = -errno;
		goto out;
	}
	if (made) {
		close(fd);
		own_new(req, p, name, mode);
	}
	rc = do_lookup(p, name, &e);
	if (rc < 0)
		goto out;
	rc = open_handle(node_of(e.ino), fi->flags, &h);
	if (rc == 0 && !made && (fi->flags & O_TRUNC))
		rc = do_truncate(node_of(e.ino), h, 0);
	if (rc < 0) {
		if (h)
			free_handle(h);
		forget_one(e.ino, 1);
		goto out;
	}
	if (made && jf && !jnl_by_inode(e.attr.st_dev, e.attr.st_ino)) {
		/* A registered file that was missing is back, empty: said
		 * in the stream, then journaled like the rest. */
		jnl_lock(jf);
		jnl_rebind(jf, e.attr.st_dev, e.attr.st_ino);
		rc = jnl_truncate(jf, &uow, h->fd, 0);
		if (rc == 0)
			rc = jnl_commit(jf, &uow, h->fd);
		jnl_unlock(jf);
		if (rc < 0)
			fs_log("journal of the new %s: %s", jnl_dsn(jf),
			       strerror(-rc));
		rc = 0;
	}
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->direct_io = 0;
	if (fuse_reply_create(req, &e, fi) == -ENOENT)
		free_handle(h);
	return;
out:
	fuse_reply_err(req, -rc);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);

	(void)ino;
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = handle_of(fi)->fd;
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

/* The pwrite of a journaled write.  A short or failed pwrite after its
 * record was appended: what the file really holds is logged after it, so
 * the stream says what DIR holds. */
static ssize_t journaled_write(struct jfile *jf, struct phandle *h,
			       uint64_t *uow, const char *buf, size_t size,
			       off_t off)
{
	struct stat st;
	ssize_t k;
	int rc;

	if (fstat(h->fd, &st) < 0)
		return -errno;
	if (h->append)
		off = st.st_size;
	rc = jnl_write(jf, uow, h->fd, buf, size, off);
	if (rc < 0)
		return rc;
	k = pwrite(h->fd, buf, size, off);
	if (k < 0)
		k = -errno;
	if (k != (ssize_t)size) {
		rc = jnl_write_failed(jf, uow, h->fd, buf, size, off,
				      (uint64_t)st.st_size);
		if (rc < 0)
			fs_log("%s: the stream may not say what the file holds "
			       "after a failed write: %s",
			       jnl_dsn(jf), strerror(-rc));
	}
	return k;
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct phandle *h = handle_of(fi);
	struct jfile *jf;
	uint64_t *uow;
	ssize_t k;

	pthread_rwlock_rdlock(&replace_lock);
	jf = jfile_of(node_of(ino));
	if (!jf) {
		k = pwrite(h->fd, buf, size, off);
		if (k < 0)
			k = -errno;
		goto out;
	}
	pthread_mutex_lock(&h->mu);
	jnl_lock(jf);
	if (fi->writepage) {
		uow = jnl_page_unit(jf);
	} else {
		if (h->uow && h->ujf != jf) /* the file was replaced */
			(void)jnl_commit(h->ujf, &h->uow, h->fd);
		uow = &h->uow;
		h->ujf = jf;
	}
	k = journaled_write(jf, h, uow, buf, size, off);
	jnl_unlock(jf);
	pthread_mutex_unlock(&h->mu);
out:
	pthread_rwlock_unlock(&replace_lock);
	if (k < 0)
		fuse_reply_err(req, (int)-k);
	else
		fuse_reply_write(req, (size_t)k);
}

/* A sync point: the open file's unit and its inode's page unit commit. */
static int sync_point(struct pnode *n, struct phandle *h)
{
	struct jfile *jf;
	int rc = 0, crc;

	pthread_mutex_lock(&h->mu);
	if (h->uow) {
		jnl_lock(h->ujf);
		rc = jnl_commit(h->ujf, &h->uow, h->fd);
		jnl_unlock(h->ujf);
	}
	pthread_mutex_unlock(&h->mu);
	jf = jfile_of(n);
	if (jf) {
		jnl_lock(jf);
		crc = jnl_commit(jf, jnl_page_unit(jf), h->fd);
		jnl_unlock(jf);
		if (rc == 0)
			rc = crc;
	}
	return rc;
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct phandle *h = handle_of(fi);
	int rc = sync_point(node_of(ino), h);

	/* close(2) of a dup must not drop the locks of the others. */
	fuse_reply_err(req, -rc);
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct phandle *h = handle_of(fi);
	int rc = sync_point(node_of(ino), h);

	if (rc < 0)
		fs_log("commit at release: %s", strerror(-rc));
	free_handle(h);
	fuse_reply_err(req, 0);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	struct phandle *h = handle_of(fi);
	int rc = 0;

	if ((datasync ? fdatasync(h->fd) : fsync(h->fd)) < 0)
		rc = -errno;
	if (rc == 0)
		rc = sync_point(node_of(ino), h);
	fuse_reply_err(req, -rc);
}

static void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
			 off_t length, struct fuse_file_info *fi)
{
	int rc = 0;

	if (jfile_of(node_of(ino)))
		rc = -EOPNOTSUPP; /* posix_fallocate writes zeros instead */
	else if (fallocate(handle_of(fi)->fd, mode, offset, length) < 0)
		rc = -errno;
	fuse_reply_err(req, -rc);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct pdir *d = calloc(1, sizeof(*d));
	int fd;

	if (!d) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fd = openat(node_of(ino)->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d->dp = fdopendir(fd))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		free(d);
		fuse_reply_err(req, e);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	if (fuse_reply_open(req, fi) == -ENOENT) {
		closedir(d->dp);
		free(d);
	}
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct pdir *d = (struct pdir *)(uintptr_t)fi->fh;
	char *buf = malloc(size);
	size_t used = 0;
	struct dirent *de;
	struct stat st;
	long at;

	(void)ino;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (off != d->pos) {
		seekdir(d->dp, off);
		d->pos = off;
	}
	for (;;) {
		size_t need;

		at = telldir(d->dp);
		errno = 0;
		de = readdir(d->dp);
		if (!de)
			break;
		memset(&st, 0, sizeof(st));
		st.st_ino = de->d_ino;
		st.st_mode = (mode_t)de->d_type << 12;
		need = fuse_add_direntry(req, buf + used, size - used,
					 de->d_name, &st, de->d_off);
		if (need > size - used) {
			seekdir(d->dp, at);
			break;
		}
		used += need;
		d->pos = de->d_off;
	}
	if (!de && errno && used == 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_buf(req, buf, used);
	free(buf);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct pdir *d = (struct pdir *)(uintptr_t)fi->fh;

	(void)ino;
	closedir(d->dp);
	free(d);
	fuse_reply_err(req, 0);
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			struct fuse_file_info *fi)
{
	struct pdir *d = (struct pdir *)(uintptr_t)fi->fh;
	int fd = dirfd(d->dp), rc = 0;

	(void)ino;
	if ((datasync ? fdatasync(fd) : fsync(fd)) < 0)
		rc = errno;
	fuse_reply_err(req, rc);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	if (fstatvfs(node_of(ino)->fd, &sv) < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_statfs(req, &sv);
}

/* Extended attributes of symlinks are not served (no *at() call takes
 * them through an O_PATH descriptor). */
static int xattr_path(fuse_ino_t ino, char *p, size_t len)
{
	struct pnode *n = node_of(ino);
	struct stat st;
	int rc = stat_node(n, &st);

	if (rc < 0)
		return rc;
	if (S_ISLNK(st.st_mode))
		return -ENOTSUP;
	proc_path(n->fd, p, len);
	return 0;
}

static void reply_xattr(fuse_req_t req, size_t size, const char *buf, ssize_t k)
{
	if (k < 0)
		fuse_reply_err(req, errno);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)k);
	else
		fuse_reply_buf(req, buf, (size_t)k);
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	char p[64], *buf = size ? malloc(size) : NULL;
	int rc = xattr_path(ino, p, sizeof(p));

	if (rc < 0 || (size && !buf)) {
		fuse_reply_err(req, rc < 0 ? -rc : ENOMEM);
		free(buf);
		return;
	}
	reply_xattr(req, size, buf, getxattr(p, name, buf, size));
	free(buf);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	char p[64], *buf = size ? malloc(size) : NULL;
	int rc = xattr_path(ino, p, sizeof(p));

	if (rc < 0 || (size && !buf)) {
		fuse_reply_err(req, rc < 0 ? -rc : ENOMEM);
		free(buf);
		return;
	}
	reply_xattr(req, size, buf, listxattr(p, buf, size));
	free(buf);
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	char p[64];
	int rc = xattr_path(ino, p, sizeof(p));

	if (rc == 0 && setxattr(p, name, value, size, flags) < 0)
		rc = -errno;
	fuse_reply_err(req, -rc);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	char p[64];
	int rc = xattr_path(ino, p, sizeof(p));

	if (rc == 0 && removexattr(p, name) < 0)
		rc = -errno;
	fuse_reply_err(req, -rc);
}

const struct fuse_lowlevel_ops pass_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.readlink = op_readlink,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.symlink = op_symlink,
	.link = op_link,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.rename = op_rename,
	.open = op_open,
	.create = op_create,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.release = op_release,
	.fsync = op_fsync,
	.fallocate = op_fallocate,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.releasedir = op_releasedir,
	.fsyncdir = op_fsyncdir,
	.statfs = op_statfs,
	.getxattr = op_getxattr,
	.listxattr = op_listxattr,
	.setxattr = op_setxattr,
	.removexattr = op_removexattr,
};

int pass_setup(const char *home, const char *stream, const char *dir)
{
	char real[PATH_MAX];
	struct stat st;
	int fd = -1, rc;

	if (!realpath(dir, real)) {
		rc = -errno;
		fprintf(stderr, "ruvfs: data directory '%s': %s\n", dir,
			strerror(-rc));
		return rc;
	}
	fd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		fprintf(stderr, "ruvfs: data directory '%s': %s\n", dir,
			strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto fail;
	}
	if (stream) {
		rc = jnl_setup(home, stream, real, fd);
		if (rc < 0)
			goto fail_quiet;
	}
	table.root.fd = fd;
	table.root.dev = st.st_dev;
	table.root.ino = st.st_ino;
	table.root.nlookup = 2;
	table.uid = geteuid();
	return 0;
fail:
	fprintf(stderr, "ruvfs: data directory '%s': %s\n", dir, strerror(-rc));
fail_quiet:
	close(fd);
	return rc;
}

void pass_shutdown(void)
{
	jnl_shutdown();
	if (table.root.fd >= 0)
		close(table.root.fd);
	table.root.fd = -1;
}
