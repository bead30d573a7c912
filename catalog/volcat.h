/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_VOLCAT_H
#define RUV_VOLCAT_H

#include <stddef.h>

/*
 * The volume catalog: where each VOLSER's file is at this site.  It lives
 * in the home beside the repository (HOME/volumes.cat, one "VOLSER<TAB>
 * PATH" line each), not inside it, so it works before a repository has
 * been restored.  A VOLSER not in it is still found by name in the
 * directories of the volume search path.
 */

/*
 * Catalogue every file in the directories dirs[0..n).  All or nothing:
 * a file that is not a volume, a damaged label, or two files claiming one
 * VOLSER (here or against the catalogue) refuses the whole call, with a
 * message naming the file(s).  The home is created if missing (not its
 * parents; removed again if the save fails).  cb (may be NULL) hears
 * each entry added, once the catalogue is saved.
 */
int volcat_add_dirs(const char *home, char *const *dirs, unsigned n,
		    void (*cb)(const char *volser, const char *path, void *),
		    void *arg);

/*
 * Catalogue one file, path, as volume volser (the caller has read its
 * label).  Nothing to do when volser is catalogued at path already;
 * -EEXIST (message) when the catalogue has volser at another path.
 */
int volcat_add_file(const char *home, const char *volser, const char *path);

/* Each catalogued VOLSER and path, by VOLSER. */
int volcat_list(const char *home,
		int (*cb)(const char *volser, const char *path, void *),
		void *arg);

/*
 * Find volser: the catalogue, then each directory of the search path.
 * -ENOENT if neither has it.
 */
int volcat_find(const char *home, const char *volser, char *path, size_t len);

/* The volume search path for this process: directories separated by ':'
 * (volume_path of the configuration; env_open() sets it, and ruvfs again
 * when it reloads).  NULL or "" clears it.  Thread-safe. */
void volcat_set_search(const char *paths);

#endif
