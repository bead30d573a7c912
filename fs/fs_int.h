/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUVFS_FS_INT_H
#define RUVFS_FS_INT_H

/*
 * Declarations shared by the files of ruvfs.  Only fs/ includes FUSE.
 *
 * Inode numbers are computed, never stored: the top 8 bits say what kind
 * of node it is, the low 56 bits are a row id of the repository (or an
 * index into the table of fixed nodes).  So they are the same after a
 * remount, and any request can be answered from its inode number alone
 * with one indexed query: the filesystem keeps no per-inode state.
 */

#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>

#include "ruv-config.h"
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

struct repo;

enum node_type {
	T_FIXED = 1,	 /* root, README, ctl, status, the fixed directories */
	T_FILE,		 /* files/DSN: symlink to the file's path */
	T_GROUP,	 /* groups/G: directory */
	T_MEMBER,	 /* groups/G/DSN: symlink to ../../files/DSN */
	T_BKLOC,	 /* backups/by-location/LOC: directory */
	T_COPY,		 /* backups/by-location/LOC/NAME: the copy's content */
	T_BKFILE,	 /* backups/by-file/DSN: directory */
	T_BKFILE_COPY,	 /* backups/by-file/DSN/NAME: symlink to the copy */
	T_BKFILE_LATEST, /* backups/by-file/DSN/latest */
	T_POOL,		 /* volumes/POOL: directory */
	T_VOLUME,	 /* volumes/POOL/VOLSER: the volume file */
	T_LOCSTATE,	 /* locations/{active,inactive}/LOC: directory */
	T_REPLOC,	 /* repository/by-location/LOC: directory */
	T_SHIPMENT,	 /* shipments/ID: directory of volume files */
	T_JCL,		 /* jcl/MEMBER: the real file, passed through */
	T_JBLOC,	 /* jcl-backups/by-location/LOC: directory */
	T_LOGSTREAM,	 /* logs/STREAM: directory (stream id) */
	T_LOGSEG,	 /* logs/STREAM/SEGMENT (stream id << 40 | LSN) */
	T_ARCLOC,	 /* archives/by-location/LOC: directory */
};

enum fixed_node {
	F_ROOT = 1, /* FUSE_ROOT_ID: inode 1 */
	F_README,
	F_CTL,
	F_STATUS,
	F_FILES,
	F_GROUPS,
	F_BACKUPS,
	F_BYLOC,
	F_BYFILE,
	F_VOLUMES,
	F_LOCATIONS,
	F_LOCACTIVE,
	F_LOCINACTIVE,
	F_REPORTS,
	F_REP_BACKUPS,
	F_REP_BACKUPS_JSON,
	F_REP_VOLUMES,
	F_REP_VOLUMES_JSON,
	F_REPOSITORY,
	F_REPBYLOC,
	F_SHIPMENTS,
	F_SHIPPENDING,
	F_JCL,
	F_PIT,
	/* Appended, so the inode numbers above stay what they were. */
	F_JCLBACKUPS,
	F_JCLBYLOC,
	F_REP_PULL,
	F_REP_PULL_JSON,
	F_REP_LOGS,
	F_REP_LOGS_JSON,
	F_LOGS,
	F_REP_ARCHIVES,
	F_REP_ARCHIVES_JSON,
	F_ARCHIVES,
	F_ARCBYLOC,
	F_NFIXED
};

#define ID_BITS	    56
#define ID_MASK	    ((UINT64_C(1) << ID_BITS) - 1)
#define MEMBER_BITS 28 /* T_MEMBER: group id << 28 | file id */

static inline fuse_ino_t node_ino(int type, uint64_t id)
{
	if (type == T_FIXED && id == F_ROOT)
		return FUSE_ROOT_ID;
	return (fuse_ino_t)((uint64_t)type << ID_BITS | (id & ID_MASK));
}

static inline int node_type_of(fuse_ino_t ino)
{
	return ino == FUSE_ROOT_ID ? T_FIXED : (int)(ino >> ID_BITS);
}

static inline uint64_t node_id_of(fuse_ino_t ino)
{
	return ino == FUSE_ROOT_ID ? F_ROOT : (uint64_t)ino & ID_MASK;
}

/* The mounted filesystem. */
struct ruvfs {
	char home[PATH_MAX];
	char ruv[PATH_MAX]; /* the ruv program that runs ctl lines */
	int64_t mount_us;
	uid_t uid; /* owner of the generated nodes: the mounter */
	gid_t gid;
	double timeout; /* entry and attribute cache, seconds */
	pthread_key_t repo_key;
	int foreground;
	int singlethread; /* -s: no worker to spare while one waits */
	int noxattr; /* -o noxattr: no user.ruv.* attributes, faster ls -l */
};

extern struct ruvfs fs;

/* This thread's repository connection, opened on first use; NULL while
 * the home has no repository (a remote site before ruvreprs).  A pointer
 * it returned stays valid through the request that got it, even when
 * ruvreprs installs a new repository meanwhile.  Within a request it also
 * takes the home's lock shared, to the request's end: ruvreprs waits for
 * the request, so a request that called it must never wait for a ruv
 * program (ctl and pit run theirs without calling it first). */
struct repo *fs_repo(void);

/* The configuration in use (file, when read, reloads) for status. */
void fs_env_status(FILE *out);

/* Log a line: stderr in the foreground, syslog otherwise. */
void fs_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A node as a request needs it. */
struct node {
	fuse_ino_t ino;
	struct stat st;
	char target[PATH_MAX]; /* symlinks */
};

/* node.c: the tree. */
int node_stat(fuse_ino_t ino, struct node *out);
int node_lookup(fuse_ino_t parent, const char *name, struct node *out);

/* Called by node_readdir for each entry; returns nonzero when full. */
typedef int (*node_fill_fn)(void *ctx, const char *name, const struct node *n,
			    off_t next);
int node_readdir(fuse_ino_t ino, off_t off, node_fill_fn fill, void *ctx);

/* Content of a generated file (README, status, reports): malloc'd. */
int node_generate(fuse_ino_t ino, char **buf, size_t *len);

/* jcl.c: jcl/ passed through to HOME/jcl. */
int jcl_dir_fd(void);
int jcl_name_of(fuse_ino_t ino, char *name, size_t len);
int jcl_lookup(const char *name, struct node *n);
int jcl_stat(fuse_ino_t ino, struct node *n);
int jcl_readdir(off_t off, node_fill_fn fill, void *ctx);
int jcl_open(fuse_ino_t ino, int flags, int *fd_out);
int jcl_create(const char *name, int flags, mode_t mode, int *fd_out,
	       struct node *n);
int jcl_unlink(const char *name);
int jcl_rename(const char *from, const char *to, unsigned flags);
int jcl_setattr(fuse_ino_t ino, const struct stat *attr, int to_set, int fd,
		struct node *n);
/* Extended attributes of a member or of jcl/, passed through. */
ssize_t jcl_getxattr(fuse_ino_t ino, const char *name, void *buf, size_t size);
ssize_t jcl_listxattr(fuse_ino_t ino, char *buf, size_t size);
int jcl_setxattr(fuse_ino_t ino, const char *name, const void *value,
		 size_t size, int flags);
int jcl_removexattr(fuse_ino_t ino, const char *name);

/* logtree.c: logs/STREAM/SEGMENT, the segment files of the log streams
 * (read-only) with user.ruv.* attributes ("name NUL value NUL" ...,
 * malloc'd, in *all). */
int logtree_stat(fuse_ino_t ino, struct node *n);
int logtree_lookup(fuse_ino_t parent, const char *name, struct node *n);
int logtree_readdir(fuse_ino_t ino, off_t off, node_fill_fn fill, void *ctx);
int logtree_open(fuse_ino_t ino, int *fd_out);
int logtree_xattrs(fuse_ino_t ino, char **all, size_t *len);

/* ctl.c: the control file and the status it feeds. */
struct ctl_buf;
struct ctl_buf *ctl_open(void);
void ctl_release(struct ctl_buf *cb);
/*
 * Append data; run each completed line.  Returns size, or the count
 * through the end of the last line that ran when a later line of the
 * same write fails (a short write: the writer re-sends the rest, and a
 * re-sent failed line answers its errno without running again), or
 * -errno when the first line fails.
 */
int ctl_write(struct ctl_buf *cb, const char *data, size_t size);
/* At the last close: run an unterminated last line.  0 or its -errno. */
int ctl_flush(struct ctl_buf *cb);
/* Whether an unterminated line waits for ctl_flush(). */
int ctl_pending(const struct ctl_buf *cb);
/* Write the status text. */
void ctl_status(FILE *out);
/* Record an error seen while serving a request, for status. */
void ctl_note_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ctl_usage(FILE *out);
/* Record in status, among the commands, something ruvfs did itself (the
 * close of pit): what, its errno (0 done) and its output. */
void ctl_record(const char *what, int err, const char *output);

/*
 * inval.c: kernel cache invalidation after changes made through the tree.
 * A handler names what its change touches (collected in a batch of its
 * thread) and calls inval_submit before it replies.  Handlers never send
 * invalidations themselves: two notifier threads do.  inval_submit waits
 * for the inode invalidations (they take no directory lock), so the
 * change's attributes are fresh when the caller's syscall returns;
 * wait_entries also waits for the names (only for requests that hold no
 * directory: ctl writes and the close of pit); otherwise the names of the
 * change are sent once the kernel has them, the request's own directories
 * once its reply has released them.  inval_discard drops a batch whose
 * change failed.
 */
struct copy_info;
struct file_info;
struct group_info;
struct location_info;
int inval_start(struct fuse_session *se);
void inval_stop(void);
void inval_entry(fuse_ino_t parent, const char *name);
void inval_inode(fuse_ino_t ino);
/* Copy ci moved from location id from_loc to to_loc: its name in both
 * location directories of its view, its by-file link and latest, the
 * pending shipment, reports and status. */
void inval_copy_moved(const struct copy_info *ci, int64_t from_loc,
		      int64_t to_loc);
/* A file in files/, backups/by-file/ and every group that has it. */
void inval_file(const struct file_info *fi);
void inval_member(int64_t gid, int64_t fid, const char *dsn);
void inval_group(const struct group_info *g);
/* A location's state: locations/{active,inactive}, its directory in every copy
 * view, and every latest link. */
void inval_location(const struct location_info *li);
/* pit and every jcl/ member. */
void inval_jcl(void);
/* After a ctl line: everything the kernel may still hold (see inval.c). */
void inval_broad(void);
/* Record an entry handed to the kernel, for inval_broad. */
void inval_remember(fuse_ino_t parent, const struct node *n, const char *name);
void inval_submit(int wait_entries);
void inval_discard(void);

#endif
