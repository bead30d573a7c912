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
	unsigned arrived;	 /* Staging copies found on arrived volumes */
};

/*
 * Look at the volumes named by from[0..n) (volume files, directories of
 * them, or VOLSERs found through the volume catalog), or with n == 0 at
 * every catalogued volume and the home's pool directories; take the
 * newest sound repository backup created at or before at_us; install it
 * as home's repository atomically.  A live repository is replaced only
 * with force, and then kept aside.  Creates the home's directories if
 * missing.  Copies the restored repository still has in Staging whose
 * volumes are in the volume catalog (they arrived: the pull list that
 * shipped them came after the repository backup) are moved to Offsite.
 * -ENOENT nothing found (message says what was searched),
 * -EIO only damaged ones, -EEXIST a repository exists without force.
 */
int reprs_restore(const char *home, const struct config *cfg, char *const *from,
		  unsigned n, int64_t at_us, int force,
		  struct reprs_result *out);

/* A data set found on the volumes. */
struct reprs_found {
	char path[PATH_MAX];
	char volser[7];
	uint64_t offset, length, size;
	uint32_t seq;
	int64_t created_us;
};

/*
 * The sound data sets of kind (VOLUME_KIND_*) created at or before at_us
 * on the volumes, searched as reprs_restore() does; newest first, in
 * *out (malloc'd).  *damaged counts the unsound ones seen.  Returns the
 * number of volume files searched.
 */
int reprs_find(const char *home, const struct config *cfg, char *const *from,
	       unsigned n, int64_t at_us, uint32_t kind,
	       struct reprs_found **out, unsigned *nout, unsigned *damaged);

#endif
