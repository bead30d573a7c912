/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUVFS_PASS_H
#define RUVFS_PASS_H

/*
 * The journaling mount: ruvfs -o journal=STREAM,data=DIR HOME MOUNTPOINT.
 *
 * pass.c serves DIR at MOUNTPOINT (a userspace passthrough: every call is
 * made relative to a descriptor of DIR opened before the mount, so DIR may
 * be the mountpoint itself); journal.c writes each change to a registered
 * file to the log stream before the change reaches DIR.  Include after
 * fs_int.h (which sets FUSE_USE_VERSION).
 */
#include <stdint.h>
#include <sys/types.h>

/*
 * Open DIR and the journal before the mount.  stream may be NULL: a plain
 * passthrough, nothing journaled (the benchmarks compare against it).
 * Prints a one-line message naming what is wrong and returns -errno:
 * -ENOENT/-ENOTDIR DIR, -ENOENT unknown stream, -EACCES/-EROFS log
 * directory not writable, -EBUSY a file under DIR bound to another stream.
 */
int pass_setup(const char *home, const char *stream, const char *dir);
void pass_shutdown(void);
extern const struct fuse_lowlevel_ops pass_ops;

/* ---- journal.c: the journal of the registered files under DIR ----------- */

/* A registered file under DIR: its DSN, the inode now at its path, its
 * lock (held across before-image, append and pwrite, so the log order is
 * the order the bytes changed in) and the unit its page writes join. */
struct jfile;

int jnl_setup(const char *home, const char *stream, const char *dirpath,
	      int dirfd);
void jnl_shutdown(void);
/* Whether a stream is attached (journaling on). */
int jnl_on(void);
/* The registered file whose inode this is, or NULL. */
struct jfile *jnl_by_inode(dev_t dev, ino_t ino);
/* The registered file whose path this is (absolute), or NULL. */
struct jfile *jnl_by_path(const char *path);
/* Whether a registered path lies under the directory path dir (each
 * candidate checked with jnl_still_registered). */
int jnl_any_under(const char *dir);
/* 1 while jf is still registered at its path; 0 (and jf dropped from
 * the journal) once it was unregistered or moved in the repository. */
int jnl_still_registered(struct jfile *jf);
const char *jnl_dsn(const struct jfile *jf);
void jnl_lock(struct jfile *jf);
void jnl_unlock(struct jfile *jf);

/*
 * The changes, each called with jf locked and before the change is made
 * to DIR through fd (a descriptor of the file open for reading): *uow is
 * the unit of the caller's open file, begun here when 0.  -errno when the
 * record cannot be appended: the caller then leaves DIR alone.
 */
int jnl_write(struct jfile *jf, uint64_t *uow, int fd, const void *buf,
	      size_t len, off_t off);
int jnl_truncate(struct jfile *jf, uint64_t *uow, int fd, off_t size);
/*
 * After a change whose record was appended but which DIR then refused or
 * made only in part (ENOSPC in DIR, a short pwrite, a failed ftruncate):
 * records that take the stream from what it believes to what the file
 * holds, each with the believed bytes as its before-image, so replay and
 * backout stay exact.  old: the file's size before the write.
 */
int jnl_write_failed(struct jfile *jf, uint64_t *uow, int fd, const void *buf,
		     size_t len, off_t off, uint64_t old);
int jnl_truncate_failed(struct jfile *jf, uint64_t *uow, int fd, off_t size);
/* The content of newfd replaces the file's (rename-over): TRUNCATE 0 and
 * WRITEs of the new bytes, in *uow. */
int jnl_replace(struct jfile *jf, uint64_t *uow, int oldfd, int newfd);
/* A unit's end: COMMIT with the size and mtime of fd (durable when it
 * returns), nothing when *uow is 0; *uow is 0 after. */
int jnl_commit(struct jfile *jf, uint64_t *uow, int fd);
/* A unit whose changes were never made (a rename that failed): BACKOUT,
 * durable when it returns; nothing when *uow is 0; *uow is 0 after. */
int jnl_backout(uint64_t *uow);
/* The unit of page writes (mmap writeback), shared by the inode. */
uint64_t *jnl_page_unit(struct jfile *jf);
/* After a rename-over: the file's inode is now this one. */
void jnl_rebind(struct jfile *jf, dev_t dev, ino_t ino);

#endif
