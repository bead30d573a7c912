/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_VOLSEARCH_H
#define RUV_VOLSEARCH_H

struct config;
struct volume_dataset_info;
struct volume_label;

/*
 * Finding data sets on volumes with no repository: what ruvreprs and
 * `ruv jcl restore` stand on at the remote site.
 */

/* Called for each data set: the volume file, its label, the data set. */
typedef int (*volsearch_fn)(const char *path, const struct volume_label *label,
			    const struct volume_dataset_info *di, void *arg);

/*
 * Visit every data set on the volumes named by from[0..n) (volume files,
 * directories of them, or VOLSERs found through the volume catalog), or
 * with n == 0 on every catalogued volume, every directory of the volume
 * search path (cfg->volume_path) and the home's pool directories.  A
 * file reached two ways is scanned once; a file that is not a volume is
 * no candidate and skipped.  fn returns 0, or -errno to stop the walk
 * with that error.  Returns the number of volume files scanned, or
 * -errno (-ENOENT with a message for a from[] entry that names nothing).
 */
int volsearch_walk(const char *home, const struct config *cfg,
		   char *const *from, unsigned n, volsearch_fn fn, void *arg);

#endif
