/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_LOCATION_H
#define RUV_LOCATION_H

#include <stdint.h>

#include "names.h"

struct repo;

/*
 * Locations: where copies physically are.  Seeded Local (active), Staging
 * and Offsite (inactive); operators define more.  Names keep their case
 * and compare without it.  A copy is usable for restore only while its
 * location is active.
 */

struct location_info {
	int64_t id;
	char name[NAMES_LOCATION_MAX + 1];
	int active;
	int64_t created_us;
	int64_t copies; /* copies at this location: location_list() only */
};

/* -EINVAL bad name, -EEXIST exists (in any case). */
int location_define(struct repo *r, const char *name, int active);

/* -ENOENT unknown. */
int location_lookup(struct repo *r, const char *name,
		    struct location_info *out);

/* All locations by name. */
int location_list(struct repo *r,
		  int (*cb)(const struct location_info *, void *), void *arg);

/* Locations with id > after_id, by id. */
int location_list_by_id(struct repo *r, int64_t after_id,
			int (*cb)(const struct location_info *, void *),
			void *arg);

/* By row id: -ENOENT if none. */
int location_get(struct repo *r, int64_t id, struct location_info *out);

/* Set one location active or inactive (the toggle for one); -EEXIST if
 * it already is. */
int location_set_active(struct repo *r, const char *name, int active);

/*
 * The toggle: in one transaction, inactivate every location named in
 * off[] and activate every one in on[].  -ENOENT (nothing changed) if any
 * is unknown, -EINVAL if one is named in both.  cb (may be NULL) hears
 * each location whose state actually changed; a location already in the
 * wanted state is left alone, so running it twice changes nothing the
 * second time.  dry_run: report, change nothing.
 */
int location_toggle(struct repo *r, const char *const *off, unsigned noff,
		    const char *const *on, unsigned non, int dry_run,
		    void (*cb)(const struct location_info *, int active,
			       void *),
		    void *arg);

#endif
