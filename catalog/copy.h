/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_COPY_H
#define RUV_COPY_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "names.h"

struct repo;

/*
 * Copies of backups: where each one is (location, volume, data set) and
 * whether it can be used.  A copy is usable for restore when its location
 * is active and the copy has not been marked unusable.
 */

struct copy_info {
	int64_t copy_id;
	int64_t backup_id;
	int64_t dataset_id;
	int64_t volume_id;
	char dsn[NAMES_DSN_MAX + 1];
	int64_t start_us;
	int64_t end_us;
	uint64_t size;	 /* bytes of the file */
	uint64_t stored; /* compressed bytes on the volume */
	unsigned copy_no;
	char location[NAMES_LOCATION_MAX + 1];
	int location_active;
	int usable;  /* not marked damaged */
	int changed; /* fuzzy: the file changed while it was read */
	uid_t uid;
	gid_t gid;
	mode_t mode;
	char volser[NAMES_VOLSER_LEN + 1];
	char volume_path[PATH_MAX];
	uint32_t seq;
	uint64_t vol_offset;
	uint64_t ds_length; /* bytes of the data set on the volume */
};

/* Which copies copy_list() walks; zero/NULL fields do not filter. */
struct copy_filter {
	const char *dsn;
	const char *location;
	const char *volser;
	int64_t backup_id;
	unsigned copy_no;
};

/*
 * Call cb for each backup copy matching f, by DSN, backup start and copy
 * number.  -ENOENT (message) if a named DSN, location or volume does not
 * exist.  A nonzero cb return stops the walk and is returned.
 */
int copy_list(struct repo *r, const struct copy_filter *f,
	      int (*cb)(const struct copy_info *, void *), void *arg);

/*
 * The copy to restore dsn from as of at_us: the newest backup that started
 * at or before at_us having a usable copy (copy_no if nonzero, else the
 * lowest-numbered usable one).  -ENOENT with a message saying what was
 * missing: no backup at all, none before at_us, or that copy inactive.
 */
int copy_select(struct repo *r, const char *dsn, int64_t at_us,
		unsigned copy_no, struct copy_info *out);

/* Check every chunk of the copy's data set.  -EIO naming data set, copy
 * and volume on damage. */
int copy_verify(const struct copy_info *ci);

/*
 * Write the file as of the copy to target atomically: a temporary file in
 * target's directory, every chunk checked, fsync, owner and mode of the
 * backup, rename over target.  Runs of zeros become holes.  On failure
 * target is untouched.
 */
int copy_restore(const struct copy_info *ci, const char *target);

#endif
