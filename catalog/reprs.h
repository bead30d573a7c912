/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_REPRS_H
#define RUV_REPRS_H

#include <limits.h>
#include <stdint.h>

struct config;

/*
 * Restoring the repository from a repository backup found on volumes,
 * with no repository at all (remote-site step 4, the ruvreprs program).
 */

struct reprs_result {
	char volume[PATH_MAX]; /* the volume file it came from */
	char volser[7];
	uint32_t seq;
	int64_t created_us;
	uint64_t size;
	char replaced[PATH_MAX]; /* where the old repository went, or "" */
	unsigned arrived;	 /* Staging copies moved to Offsite */
	unsigned volumes;	 /* the volumes those copies are on */
	unsigned here;		 /* of them, catalogued or on the path */
	char *missing; /* the others' VOLSERs, space-separated; free() it */
};

/*
 * Look at the volumes named by from[0..n) (volume files, directories of
 * them, or VOLSERs found through the volume catalog), or with n == 0 at
 * every catalogued volume, every directory of the volume search path and
 * the home's pool directories; take the newest repository backup created
 * at or before at_us, check it, and install it as home's repository
 * atomically.  If every copy of that newest one is damaged, refuse
 * (-EIO, the message names its data set and VOLSER and the --time that
 * takes the older one): an older backup is never taken silently.  A live
 * repository is replaced only with force, and then kept aside (at every
 * instant the home has a repository).  The installed repository already
 * holds the history row of the restore ("ruvreprs", RUV.REPOSITORY,
 * "from VOLSER data set N of TIME").  On success creates the home's
 * directories if missing; a refusal changes nothing on disk.
 *
 * The repository backup is taken before the pull list that ships it, so
 * every copy the restored repository still has in Staging was shipped:
 * all of them move to Offsite (one transaction, history) and their
 * volumes are marked shipped; out tells how many of those volumes are
 * here and names the others (a restore of a copy on one fails naming
 * it).
 * -ENOENT nothing found (message says what was searched),
 * -EIO only damaged ones or the newest damaged, -EEXIST a repository
 * exists without force.
 */
int reprs_restore(const char *home, const struct config *cfg, char *const *from,
		  unsigned n, int64_t at_us, int force,
		  struct reprs_result *out);

#endif
