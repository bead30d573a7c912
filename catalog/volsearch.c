// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The volume search of the remote site.  Volumes describe themselves, so
 * the data sets on them are found by scanning the files: the ones named,
 * or every catalogued volume, the directories of the volume search path
 * and the pools.  Each file is scanned once however it was reached
 * (device and inode remembered).
 *
 * Cost: a label read per candidate file, then one scan of each volume's
 * data set headers; nothing is decompressed here.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "errmsg.h"
#include "names.h"
#include "volcat.h"
#include "volsearch.h"
#include "volume.h"

struct walk {
	volsearch_fn fn;
	void *arg;
	const char *path;		  /* the file being scanned */
	const struct volume_label *label; /* its label */
	unsigned files;			  /* volume files scanned */
	struct file_id {
		dev_t dev;
		ino_t ino;
	} * seen;
	unsigned nseen, capseen;
};

static int one_dataset(const struct volume_dataset_info *di, void *arg)
{
	struct walk *w = arg;

	return w->fn(w->path, w->label, di, w->arg);
}

/* 1 if the file was scanned before, else remember it. */
static int seen_before(struct walk *w, const struct stat *sb)
{
	struct file_id *ns;
	unsigned i;

	for (i = 0; i < w->nseen; i++)
		if (w->seen[i].dev == sb->st_dev &&
		    w->seen[i].ino == sb->st_ino)
			return 1;
	if (w->nseen == w->capseen) {
		w->capseen = w->capseen ? 2 * w->capseen : 16;
		ns = realloc(w->seen, w->capseen * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		w->seen = ns;
	}
	w->seen[w->nseen].dev = sb->st_dev;
	w->seen[w->nseen++].ino = sb->st_ino;
	return 0;
}

static int scan_file(struct walk *w, const char *path)
{
	struct volume_label label;
	struct stat sb;
	int rc;

	if (stat(path, &sb) < 0)
		return 0;
	rc = seen_before(w, &sb);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (volume_scan(path, NULL, NULL, &label) < 0)
		return 0;
	w->files++;
	w->path = path;
	w->label = &label;
	rc = volume_scan(path, one_dataset, w, &label);
	return rc < 0 ? rc : 0;
}

static int scan_dir(struct walk *w, const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat sb;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && rc == 0) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path))
			continue;
		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
			rc = scan_file(w, path);
	}
	closedir(d);
	return rc;
}

static int scan_volcat(const char *volser, const char *path, void *arg)
{
	(void)volser;
	return scan_file(arg, path);
}

/* Every directory of the volume search path ("a:b:c"). */
static int scan_search_path(struct walk *w, const char *paths)
{
	char dirs[PATH_MAX], *dir, *save = NULL;
	int rc = 0;

	snprintf(dirs, sizeof(dirs), "%s", paths);
	for (dir = strtok_r(dirs, ":", &save); dir && rc == 0;
	     dir = strtok_r(NULL, ":", &save))
		rc = scan_dir(w, dir);
	return rc;
}

static int scan_named(struct walk *w, const char *home, const char *name)
{
	char path[PATH_MAX];
	struct stat sb;

	if (stat(name, &sb) == 0)
		return S_ISDIR(sb.st_mode) ? scan_dir(w, name)
					   : scan_file(w, name);
	if (names_volser_check(name, NULL, 0) == 0 &&
	    volcat_find(home, name, path, sizeof(path)) == 0)
		return scan_file(w, path);
	return ruv_fail(-ENOENT,
			"'%s': no such volume file, directory or catalogued "
			"VOLSER",
			name);
}

int volsearch_walk(const char *home, const struct config *cfg,
		   char *const *from, unsigned n, volsearch_fn fn, void *arg)
{
	struct walk w = { .fn = fn, .arg = arg };
	char path[PATH_MAX];
	unsigned i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		rc = scan_named(&w, home, from[i]);
	if (n == 0) {
		rc = volcat_list(home, scan_volcat, &w);
		if (rc == 0)
			rc = scan_search_path(&w, cfg->volume_path);
		for (i = 0; rc == 0 && i < cfg->npools; i++)
			if (config_pool_dir(&cfg->pools[i], home, path,
					    sizeof(path)) == 0)
				rc = scan_dir(&w, path);
	}
	free(w.seen);
	return rc < 0 ? rc : (int)w.files;
}
