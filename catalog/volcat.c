// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The volume catalog file.  Small (one line per volume), read whole and
 * rewritten whole through a temporary file and rename, so a crash leaves
 * the old catalogue or the new one.  Lookups read it each time: it
 * changes under us when an operator catalogues new arrivals.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "homepath.h"
#include "names.h"
#include "volcat.h"
#include "volume.h"

#define VOLCAT_FILE "volumes.cat"

struct entry {
	char volser[NAMES_VOLSER_LEN + 1];
	char *path;
};

struct table {
	struct entry *e;
	unsigned n, cap;
};

/* The environment's search path (env_open), replaced while ruvfs serves
 * (SIGHUP): copied in and out under search_lock. */
static char search[4096];
static pthread_mutex_t search_lock = PTHREAD_MUTEX_INITIALIZER;

void volcat_set_search(const char *paths)
{
	pthread_mutex_lock(&search_lock);
	snprintf(search, sizeof(search), "%s", paths ? paths : "");
	pthread_mutex_unlock(&search_lock);
}

static void table_free(struct table *t)
{
	unsigned i;

	for (i = 0; i < t->n; i++)
		free(t->e[i].path);
	free(t->e);
}

static int table_add(struct table *t, const char *volser, const char *path)
{
	struct entry *ne;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 32;
		ne = realloc(t->e, t->cap * sizeof(*ne));
		if (!ne)
			return -ENOMEM;
		t->e = ne;
	}
	snprintf(t->e[t->n].volser, sizeof(t->e[t->n].volser), "%s", volser);
	t->e[t->n].path = strdup(path);
	if (!t->e[t->n].path)
		return -ENOMEM;
	t->n++;
	return 0;
}

static struct entry *table_find(struct table *t, const char *volser)
{
	unsigned i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->e[i].volser, volser))
			return &t->e[i];
	return NULL;
}

static int load(const char *home, struct table *t)
{
	char path[4096], line[4200], *tab, *nl;
	FILE *f;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = home_path(home, VOLCAT_FILE, path, sizeof(path));
	if (rc < 0)
		return rc;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		if (names_volser_check(line, NULL, 0) < 0)
			continue;
		rc = table_add(t, line, tab + 1);
		if (rc < 0)
			break;
	}
	fclose(f);
	return rc;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->volser,
		      ((const struct entry *)b)->volser);
}

static int save(const char *home, struct table *t)
{
	char path[4096], tmp[4200];
	unsigned i;
	FILE *f;
	int rc = 0;

	rc = home_path(home, VOLCAT_FILE, path, sizeof(path));
	if (rc < 0)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (t->n) /* qsort() must not see a NULL array */
		qsort(t->e, t->n, sizeof(*t->e), entry_cmp);
	f = fopen(tmp, "we");
	if (!f) {
		rc = -errno;
		return ruv_fail(rc, "cannot write '%s': %s", tmp,
				strerror(-rc));
	}
	for (i = 0; i < t->n; i++)
		fprintf(f, "%s\t%s\n", t->e[i].volser, t->e[i].path);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return ruv_fail(rc, "cannot write '%s': %s", path,
				strerror(-rc));
	}
	return 0;
}

/* Read the label of every file in dir into t (checking as we go). */
static int scan_dir(const char *dir, struct table *t, const struct table *old)
{
	char path[4096], real[4096];
	struct volume_label label;
	struct dirent *de;
	struct entry *dup;
	struct stat sb;
	DIR *d;
	int rc = 0;

	d = opendir(dir);
	if (!d) {
		rc = -errno;
		return ruv_fail(rc, "'%s': %s", dir, strerror(-rc));
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path)) {
			rc = ruv_fail(-ENAMETOOLONG, "'%s': path too long",
				      dir);
			break;
		}
		if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode)) {
			rc = ruv_fail(-EINVAL, "'%s' is not a volume file",
				      path);
			break;
		}
		rc = volume_scan(path, NULL, NULL, &label);
		if (rc < 0)
			break; /* the message names the file and the reason */
		if (!realpath(path, real)) {
			rc = -errno;
			break;
		}
		dup = table_find(t, label.volser);
		if (!dup)
			dup = table_find((struct table *)old, label.volser);
		if (dup && strcmp(dup->path, real)) {
			rc = ruv_fail(-EEXIST,
				      "two files claim VOLSER %s: "
				      "'%s' and '%s'",
				      label.volser, dup->path, real);
			break;
		}
		if (!dup)
			rc = table_add(t, label.volser, real);
		if (rc < 0)
			break;
		rc = 0;
	}
	closedir(d);
	return rc;
}

int volcat_add_dirs(const char *home, char *const *dirs, unsigned n,
		    void (*cb)(const char *volser, const char *path, void *),
		    void *arg)
{
	struct table old, add = { 0 };
	unsigned i;
	int made_home = 0, rc;

	rc = load(home, &old);
	if (rc < 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++)
		rc = scan_dir(dirs[i], &add, &old);
	for (i = 0; rc == 0 && i < add.n; i++)
		if (!table_find(&old, add.e[i].volser))
			rc = table_add(&old, add.e[i].volser, add.e[i].path);
	/* The remote site catalogues before it has a repository: the
	 * home is made here if need be (not its parents). */
	if (rc == 0 && mkdir(home, 0700) == 0)
		made_home = 1;
	else if (rc == 0 && errno != EEXIST)
		rc = ruv_fail(-errno, "cannot create home '%s': %s", home,
			      strerror(errno));
	if (rc == 0)
		rc = save(home, &old);
	if (rc < 0 && made_home)
		rmdir(home);
	/* Told only once it is saved. */
	for (i = 0; rc == 0 && cb && i < add.n; i++)
		cb(add.e[i].volser, add.e[i].path, arg);
	table_free(&old);
	table_free(&add);
	return rc;
}

int volcat_add_file(const char *home, const char *volser, const char *path)
{
	char real[4096];
	struct table t;
	struct entry *e;
	int rc;

	if (!realpath(path, real))
		return ruv_fail(-errno, "'%s': %s", path, strerror(errno));
	rc = load(home, &t);
	if (rc < 0)
		return rc;
	e = table_find(&t, volser);
	if (e && strcmp(e->path, real))
		rc = ruv_fail(-EEXIST,
			      "two files claim VOLSER %s: '%s' and '%s'",
			      volser, e->path, real);
	else if (!e)
		rc = table_add(&t, volser, real);
	if (rc == 0 && !e)
		rc = save(home, &t);
	table_free(&t);
	return rc;
}

int volcat_list(const char *home,
		int (*cb)(const char *volser, const char *path, void *),
		void *arg)
{
	struct table t;
	unsigned i;
	int rc;

	rc = load(home, &t);
	if (rc == 0) {
		if (t.n)
			qsort(t.e, t.n, sizeof(*t.e), entry_cmp);
		for (i = 0; i < t.n && rc == 0; i++)
			rc = cb(t.e[i].volser, t.e[i].path, arg);
	}
	table_free(&t);
	return rc;
}

int volcat_find(const char *home, const char *volser, char *path, size_t len)
{
	struct table t;
	struct entry *e;
	char dirs[4096], *dir, *save = NULL;
	int rc;

	rc = load(home, &t);
	if (rc < 0)
		return rc;
	e = table_find(&t, volser);
	if (e)
		snprintf(path, len, "%s", e->path);
	table_free(&t);
	if (e)
		return 0;
	pthread_mutex_lock(&search_lock);
	snprintf(dirs, sizeof(dirs), "%s", search);
	pthread_mutex_unlock(&search_lock);
	for (dir = strtok_r(dirs, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		if (snprintf(path, len, "%s/%s", dir, volser) < (int)len &&
		    access(path, R_OK) == 0)
			return 0;
	}
	return -ENOENT;
}
