// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Creating and opening a RUV home.
 *
 * Creation is all or nothing.  A home that does not exist yet is built in
 * HOME.init-XXXXXX in the same parent directory, synced, and renamed to
 * HOME.  An existing empty directory (perhaps a mount point, perhaps in a
 * parent this user may not write) is built in HOME/.ruv-init-XXXXXX and
 * its parts renamed up one by one, repository.db last: until that rename
 * the directory holds no repository, so it is no home, and a crash leaves
 * at most a stray .ruv-init-* with some of the parts moved up beside it
 * (the next init removes both: while .ruv-init-* is there, a directory
 * tree holding nothing but directories can only be such a part) or a
 * stray HOME.init-*, never something that looks like a home.  Pool directories
 * given as absolute paths live outside the home and are created in place.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "catalog_int.h"
#include "config.h"
#include "errmsg.h"
#include "history.h"
#include "home.h"
#include "names.h"
#include "pool.h"
#include "rtime.h"

/* The scratch directory of an init inside an existing empty home. */
#define INIT_INSIDE_PREFIX ".ruv-init-"

static int is_init_leftover(const char *name)
{
	return !strncmp(name, INIT_INSIDE_PREFIX, strlen(INIT_INSIDE_PREFIX));
}

/* 1 if path is a directory whose whole tree holds only directories
 * (the parts an init moves up before the repository), else 0. */
static int only_dirs(const char *path, int depth)
{
	char sub[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	int yes = 1;
	DIR *d;

	if (depth > 8 || lstat(path, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return 0;
	d = opendir(path);
	if (!d)
		return 0;
	while (yes && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		yes = home_path(path, de->d_name, sub, sizeof(sub)) == 0 &&
		      only_dirs(sub, depth + 1);
	}
	closedir(d);
	return yes;
}

/* Whether dir holds a .ruv-init-* (an init built or is building here). */
static int has_init_leftover(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int yes = 0;

	if (!d)
		return 0;
	while (!yes && (de = readdir(d)))
		yes = is_init_leftover(de->d_name);
	closedir(d);
	return yes;
}

/*
 * 0 if path does not exist (*exists = 0) or is a directory empty but for
 * what a crashed init left (*exists = 1), else -EEXIST.
 */
static int check_vacant(const char *path, int *exists)
{
	char sub[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	int rc = 0, crashed;
	DIR *d;

	*exists = 0;
	if (lstat(path, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		rc = -errno;
		return ruv_fail(rc, "'%s': %s", path, strerror(-rc));
	}
	if (!S_ISDIR(sb.st_mode))
		return ruv_fail(-EEXIST, "'%s' exists and is not a directory",
				path);
	*exists = 1;
	crashed = has_init_leftover(path);
	d = opendir(path);
	if (!d) {
		rc = -errno;
		return ruv_fail(rc, "'%s': %s", path, strerror(-rc));
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    is_init_leftover(de->d_name))
			continue;
		if (crashed && strcmp(de->d_name, HOME_REPOSITORY) &&
		    home_path(path, de->d_name, sub, sizeof(sub)) == 0 &&
		    only_dirs(sub, 0))
			continue; /* a part the crashed init moved up */
		if (!strcmp(de->d_name, HOME_REPOSITORY))
			rc = ruv_fail(-EEXIST, "'%s' is already a RUV home",
				      path);
		else
			rc = ruv_fail(-EEXIST, "'%s' exists and is not empty",
				      path);
		break;
	}
	closedir(d);
	return rc;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return ruv_fail(-ENAMETOOLONG, "'%s': path too long", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		goto fail;
	return 0;
fail:
	return ruv_fail(-errno, "cannot create '%s': %s", buf, strerror(errno));
}

static int sync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int build_home(const char *tmp, const char *final,
		      const struct config *cfg)
{
	static const char *const dirs[] = { "jcl", "logs" };
	char path[PATH_MAX];
	struct repo *r = NULL;
	unsigned i;
	int rc;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		rc = home_path(tmp, dirs[i], path, sizeof(path));
		if (rc < 0)
			return rc;
		rc = mkdir_p(path, 0755);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < cfg->npools; i++) {
		/* Relative pool directories are made inside the new home. */
		rc = config_pool_dir(&cfg->pools[i],
				     cfg->pools[i].directory[0] == '/' ? final
								       : tmp,
				     path, sizeof(path));
		if (rc < 0)
			return rc;
		rc = mkdir_p(path, 0700);
		if (rc < 0)
			return rc;
	}
	rc = home_path(tmp, HOME_REPOSITORY, path, sizeof(path));
	if (rc < 0)
		return rc;
	rc = repo_open(path, REPO_CREATE, &r);
	if (rc < 0)
		return rc;
	rc = repo_begin(r);
	if (rc < 0)
		goto out;
	rc = pool_sync_init(r, cfg);
	if (rc == 0)
		rc = history_add(r, "init", final, 0,
				 cfg->path[0] ? cfg->path
					      : "built-in defaults");
	if (rc == 0)
		rc = repo_commit(r);
	else
		repo_rollback(r);
out:
	repo_close(r);
	return rc;
}

static int remove_tree(const char *path)
{
	char child[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(path);

	if (!d)
		return unlink(path) == 0 ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(child, sizeof(child), "%s/%s", path, de->d_name) <
		    (int)sizeof(child))
			remove_tree(child);
	}
	closedir(d);
	return rmdir(path) == 0 ? 0 : -errno;
}

/* Remove what crashed inits left in dir (we hold the init lock). */
/* What a crashed init left in dir (check_vacant() found nothing else):
 * its .ruv-init-* and the parts it had moved up. */
static void remove_leftovers(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (!has_init_leftover(dir))
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    home_path(dir, de->d_name, path, sizeof(path)) == 0 &&
		    (is_init_leftover(de->d_name) || only_dirs(path, 0)))
			remove_tree(path);
	}
	closedir(d);
}

/*
 * Rename every entry of tmp up into home, repository.db last.  The names
 * are read first: a directory is not renamed out of while it is read.
 * On failure the entries already moved are removed again (home was
 * empty).
 */
static int move_up(const char *tmp, const char *home)
{
	char names[16][NAME_MAX + 1];
	char from[PATH_MAX], to[PATH_MAX];
	unsigned n = 0, moved = 0, i;
	struct dirent *de;
	int rc = 0;
	DIR *d;

	d = opendir(tmp);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == sizeof(names) / sizeof(names[0])) {
			rc = -E2BIG;
			break;
		}
		snprintf(names[n++], sizeof(names[0]), "%s", de->d_name);
	}
	closedir(d);
	/* The repository last: it is what makes the directory a home. */
	for (i = 0; rc == 0 && i + 1 < n; i++)
		if (!strcmp(names[i], HOME_REPOSITORY)) {
			memcpy(from, names[i], sizeof(names[i]));
			memcpy(names[i], names[n - 1], sizeof(names[i]));
			memcpy(names[n - 1], from, sizeof(names[i]));
		}
	for (; rc == 0 && moved < n; moved++) {
		rc = home_path(tmp, names[moved], from, sizeof(from));
		if (rc == 0)
			rc = home_path(home, names[moved], to, sizeof(to));
		if (rc == 0 && rename(from, to) < 0)
			rc = -errno;
		if (rc < 0)
			break;
	}
	if (rc < 0)
		for (i = 0; i < moved; i++)
			if (home_path(home, names[i], to, sizeof(to)) == 0)
				remove_tree(to);
	return rc;
}

/* Build a home inside the existing directory abs (path as given). */
static int init_inside(const char *path, const char *abs,
		       const struct config *cfg)
{
	char tmp[PATH_MAX];
	int fd, exists, rc;

	fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		return ruv_fail(rc, "cannot create home '%s': %s", path,
				strerror(-rc));
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		ruv_fail(rc, "cannot create home '%s': %s", path,
			 rc == -EBUSY ? "another 'ruv init' is building it"
				      : strerror(-rc));
		goto out;
	}
	/* Under the lock: nobody finished an init here meanwhile. */
	rc = check_vacant(abs, &exists);
	if (rc < 0)
		goto out;
	remove_leftovers(abs);
	rc = home_path(abs, INIT_INSIDE_PREFIX "XXXXXX", tmp, sizeof(tmp));
	if (rc < 0)
		goto out;
	if (!mkdtemp(tmp)) {
		rc = -errno;
		ruv_fail(rc, "cannot create home '%s': %s", path,
			 strerror(-rc));
		goto out;
	}
	rc = build_home(tmp, abs, cfg);
	if (rc < 0)
		goto fail;
	rc = sync_path(tmp);
	if (rc == 0)
		rc = move_up(tmp, abs);
	if (rc < 0) {
		ruv_fail(rc, "cannot create home '%s': %s", path,
			 strerror(-rc));
		goto fail;
	}
	rmdir(tmp);
	sync_path(abs);
	rc = 0;
	goto out;
fail:
	remove_tree(tmp);
out:
	close(fd);
	return rc;
}

int home_init(const char *path, const struct config *cfg)
{
	char abs[PATH_MAX], parent[PATH_MAX], tmp[PATH_MAX + 16];
	char *dir, *real = NULL;
	int exists, rc;

	if (!*path)
		return ruv_fail(-EINVAL, "empty home path");
	rc = check_vacant(path, &exists);
	if (rc < 0)
		return rc;
	snprintf(parent, sizeof(parent), "%s", path);
	dir = dirname(parent);
	real = realpath(dir, NULL);
	if (!real) {
		rc = -errno;
		return ruv_fail(rc, "cannot create home '%s': parent '%s': %s",
				path, dir, strerror(-rc));
	}
	snprintf(parent, sizeof(parent), "%s", path);
	rc = snprintf(abs, sizeof(abs), "%s/%s", strcmp(real, "/") ? real : "",
		      basename(parent));
	free(real);
	if (rc < 0 || (size_t)rc >= sizeof(abs))
		return ruv_fail(-ENAMETOOLONG, "home path too long");
	if (exists)
		return init_inside(path, abs, cfg);
	snprintf(tmp, sizeof(tmp), "%s.init-XXXXXX", abs);
	if (!mkdtemp(tmp)) {
		rc = -errno;
		return ruv_fail(rc, "cannot create home '%s': %s", path,
				strerror(-rc));
	}
	rc = build_home(tmp, abs, cfg);
	if (rc < 0)
		goto fail;
	if (sync_path(tmp) < 0 || rename(tmp, abs) < 0) {
		rc = -errno;
		ruv_fail(rc, "cannot create home '%s': %s", path,
			 strerror(-rc));
		goto fail;
	}
	snprintf(parent, sizeof(parent), "%s", abs);
	sync_path(dirname(parent));
	return 0;
fail:
	remove_tree(tmp);
	return rc;
}

int home_open(const char *path, struct repo **out)
{
	char repo_path[PATH_MAX];
	struct statvfs vfs;
	struct stat sb;
	int rc;

	if (stat(path, &sb) < 0) {
		rc = -errno;
		if (rc == -ENOENT)
			return ruv_fail(rc,
					"RUV home '%s' does not exist "
					"(create it with 'ruv init')",
					path);
		return ruv_fail(rc, "RUV home '%s': %s", path, strerror(-rc));
	}
	if (!S_ISDIR(sb.st_mode))
		return ruv_fail(-ENOTDIR, "RUV home '%s' is not a directory",
				path);
	if ((statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) ||
	    access(path, W_OK) < 0)
		return ruv_fail(-EROFS, "RUV home '%s' is read-only", path);
	rc = home_path(path, HOME_REPOSITORY, repo_path, sizeof(repo_path));
	if (rc < 0)
		return rc;
	if (access(repo_path, F_OK) < 0)
		return ruv_fail(
			-ENOENT,
			"RUV home '%s' has no repository "
			"(run 'ruv init', or 'ruvreprs' to restore one)",
			path);
	return repo_open(repo_path, 0, out);
}
