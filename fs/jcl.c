// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * jcl/: the recovery JCL library as an ordinary directory, passed through
 * to HOME/jcl so editors work as they do anywhere: temporary and swap
 * files, write-to-temp and rename over, chmod, fsync.
 *
 * Inode numbers are T_JCL and the real file's inode number, so they
 * survive remounts; a small table maps them back to names, filled by
 * lookup, create and readdir and kept by rename and unlink.  Every
 * operation works relative to one descriptor of the directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs_int.h"
#include "home.h"

#define JCL_NAMES 1024

struct jcl_name {
	fuse_ino_t ino;
	char name[NAME_MAX + 1];
};

static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static struct jcl_name names[JCL_NAMES];
static int dir_fd = -1;

int jcl_dir_fd(void)
{
	char path[PATH_MAX];

	if (dir_fd >= 0)
		return dir_fd;
	if (home_path(fs.home, "jcl", path, sizeof(path)) < 0)
		return -1;
	pthread_mutex_lock(&names_lock);
	if (dir_fd < 0)
		dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pthread_mutex_unlock(&names_lock);
	return dir_fd;
}

static void remember(fuse_ino_t ino, const char *name)
{
	unsigned i, slot = JCL_NAMES;

	pthread_mutex_lock(&names_lock);
	for (i = 0; i < JCL_NAMES; i++) {
		if (names[i].ino == ino) {
			slot = i;
			break;
		}
		if (!names[i].ino && slot == JCL_NAMES)
			slot = i;
	}
	if (slot == JCL_NAMES)
		slot = (unsigned)(ino % JCL_NAMES); /* full: reuse a slot */
	names[slot].ino = ino;
	snprintf(names[slot].name, sizeof(names[slot].name), "%s", name);
	pthread_mutex_unlock(&names_lock);
}

static void forget_name(const char *name)
{
	unsigned i;

	pthread_mutex_lock(&names_lock);
	for (i = 0; i < JCL_NAMES; i++)
		if (names[i].ino && !strcmp(names[i].name, name))
			names[i].ino = 0;
	pthread_mutex_unlock(&names_lock);
}

int jcl_name_of(fuse_ino_t ino, char *name, size_t len)
{
	unsigned i;
	int rc = -ENOENT;

	pthread_mutex_lock(&names_lock);
	for (i = 0; i < JCL_NAMES; i++)
		if (names[i].ino == ino) {
			snprintf(name, len, "%s", names[i].name);
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&names_lock);
	return rc;
}

static void from_stat(const struct stat *sb, struct node *n)
{
	memset(n, 0, sizeof(*n));
	n->ino = node_ino(T_JCL, (uint64_t)sb->st_ino);
	n->st = *sb;
	n->st.st_ino = n->ino;
}

int jcl_lookup(const char *name, struct node *n)
{
	struct stat sb;
	int fd = jcl_dir_fd();

	if (fd < 0)
		return -ENOENT;
	if (fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	from_stat(&sb, n);
	remember(n->ino, name);
	return 0;
}

int jcl_stat(fuse_ino_t ino, struct node *n)
{
	char name[NAME_MAX + 1];
	struct stat sb;
	int rc;

	rc = jcl_name_of(ino, name, sizeof(name));
	if (rc < 0)
		return rc;
	if (fstatat(jcl_dir_fd(), name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	from_stat(&sb, n);
	return n->ino == ino ? 0 : -ENOENT; /* replaced under that name */
}

int jcl_readdir(off_t off, node_fill_fn fill, void *ctx)
{
	struct dirent *de;
	struct stat sb;
	struct node n;
	off_t i = 0;
	DIR *d;
	int fd = jcl_dir_fd();

	if (fd < 0)
		return 0;
	fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (++i <= off)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		from_stat(&sb, &n);
		remember(n.ino, de->d_name);
		if (fill(ctx, de->d_name, &n, i))
			break;
	}
	closedir(d);
	return 0;
}

int jcl_open(fuse_ino_t ino, int flags, int *fd_out)
{
	char name[NAME_MAX + 1];
	int rc, fd;

	rc = jcl_name_of(ino, name, sizeof(name));
	if (rc < 0)
		return rc;
	fd = openat(jcl_dir_fd(), name,
		    (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC |
			    O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	*fd_out = fd;
	return 0;
}

int jcl_create(const char *name, int flags, mode_t mode, int *fd_out,
	       struct node *n)
{
	struct stat sb;
	int fd;

	fd = openat(jcl_dir_fd(), name,
		    flags | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		close(fd);
		return -errno;
	}
	from_stat(&sb, n);
	remember(n->ino, name);
	*fd_out = fd;
	return 0;
}

int jcl_unlink(const char *name)
{
	if (unlinkat(jcl_dir_fd(), name, 0) < 0)
		return -errno;
	forget_name(name);
	return 0;
}

int jcl_rename(const char *from, const char *to, unsigned flags)
{
	struct stat sb;

	if (renameat2(jcl_dir_fd(), from, jcl_dir_fd(), to, flags) < 0)
		return -errno;
	forget_name(from);
	forget_name(to);
	if (fstatat(jcl_dir_fd(), to, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		remember(node_ino(T_JCL, (uint64_t)sb.st_ino), to);
	return 0;
}

int jcl_setattr(fuse_ino_t ino, const struct stat *attr, int to_set, int fd,
		struct node *n)
{
	char name[NAME_MAX + 1];
	struct timespec ts[2];
	int dfd = jcl_dir_fd(), rc = 0;
	int dir = ino == node_ino(T_FIXED, F_JCL); /* jcl/ itself */

	if (dir)
		snprintf(name, sizeof(name), "%s", ".");
	else
		rc = jcl_name_of(ino, name, sizeof(name));
	if (rc < 0)
		return rc;
	if ((to_set & FUSE_SET_ATTR_MODE) &&
	    fchmodat(dfd, name, attr->st_mode & 07777, 0) < 0)
		return -errno;
	if ((to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) &&
	    fchownat(dfd, name,
		     to_set & FUSE_SET_ATTR_UID ? attr->st_uid : (uid_t)-1,
		     to_set & FUSE_SET_ATTR_GID ? attr->st_gid : (gid_t)-1,
		     AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (to_set & FUSE_SET_ATTR_SIZE) {
		int tfd = fd >= 0 ? fd
				  : openat(dfd, name,
					   O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

		if (tfd < 0)
			return -errno;
		rc = ftruncate(tfd, attr->st_size) < 0 ? -errno : 0;
		if (tfd != fd)
			close(tfd);
		if (rc < 0)
			return rc;
	}
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
		ts[0].tv_nsec = ts[1].tv_nsec = UTIME_OMIT;
		if (to_set & FUSE_SET_ATTR_ATIME_NOW)
			ts[0].tv_nsec = UTIME_NOW;
		else if (to_set & FUSE_SET_ATTR_ATIME)
			ts[0] = attr->st_atim;
		if (to_set & FUSE_SET_ATTR_MTIME_NOW)
			ts[1].tv_nsec = UTIME_NOW;
		else if (to_set & FUSE_SET_ATTR_MTIME)
			ts[1] = attr->st_mtim;
		if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	return dir ? node_stat(ino, n) : jcl_stat(ino, n);
}

/*
 * Extended attributes of a member (or of jcl/ itself), passed through to
 * the real file, so cp -a and rsync -X keep ACLs and attributes.  The
 * path goes through /proc/self/fd: a member is named relative to the
 * directory descriptor, and the l*xattr calls do not follow a symlink.
 * Each returns what the call returns, or -errno.
 */
static int xattr_path(fuse_ino_t ino, char *path, size_t len)
{
	char name[NAME_MAX + 1];
	int fd = jcl_dir_fd(), rc;

	if (fd < 0)
		return -ENOENT;
	if (ino == node_ino(T_FIXED, F_JCL))
		snprintf(name, sizeof(name), ".");
	else if ((rc = jcl_name_of(ino, name, sizeof(name))) < 0)
		return rc;
	if (snprintf(path, len, "/proc/self/fd/%d/%s", fd, name) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

ssize_t jcl_getxattr(fuse_ino_t ino, const char *name, void *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int rc = xattr_path(ino, path, sizeof(path));

	if (rc < 0)
		return rc;
	n = lgetxattr(path, name, buf, size);
	return n < 0 ? -errno : n;
}

ssize_t jcl_listxattr(fuse_ino_t ino, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int rc = xattr_path(ino, path, sizeof(path));

	if (rc < 0)
		return rc;
	n = llistxattr(path, buf, size);
	return n < 0 ? -errno : n;
}

int jcl_setxattr(fuse_ino_t ino, const char *name, const void *value,
		 size_t size, int flags)
{
	char path[PATH_MAX];
	int rc = xattr_path(ino, path, sizeof(path));

	if (rc < 0)
		return rc;
	return lsetxattr(path, name, value, size, flags) < 0 ? -errno : 0;
}

int jcl_removexattr(fuse_ino_t ino, const char *name)
{
	char path[PATH_MAX];
	int rc = xattr_path(ino, path, sizeof(path));

	if (rc < 0)
		return rc;
	return lremovexattr(path, name) < 0 ? -errno : 0;
}
