/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_GROUP_H
#define RUV_GROUP_H

#include <stdint.h>

#include "names.h"

struct repo;

/*
 * Groups of registered files, backed up and recovered together.  Names
 * follow names_group_check() (folded to upper case).  Every call that
 * takes a list of DSNs checks the whole list before changing anything and
 * changes all of it in one transaction.
 */

struct group_info {
	int64_t id;
	char name[NAMES_GROUP_MAX + 1];
	int64_t created_us;
	unsigned members;
};

/* Create a group with optional members.  -EEXIST the group exists,
 * -ENOENT a DSN is not registered, -EINVAL a bad name or a DSN twice. */
int group_define(struct repo *r, const char *name, const char *const *dsns,
		 unsigned n);

/* Add members.  -ENOENT unknown group or DSN, -EEXIST already a member. */
int group_add(struct repo *r, const char *name, const char *const *dsns,
	      unsigned n);

/* Remove members.  -ENOENT unknown group or DSN, or DSN not a member. */
int group_remove(struct repo *r, const char *name, const char *const *dsns,
		 unsigned n);

/*
 * Delete a group (its files stay registered).  Only an empty group unless
 * force: -ENOTEMPTY (with a message) when it has members, counted inside
 * the deleting transaction, so `rmdir groups/G` and `ruv group delete G`
 * agree and neither deletes a member added a moment before.  -ENOENT
 * unknown.
 */
int group_delete(struct repo *r, const char *name, int force);

int group_lookup(struct repo *r, const char *name, struct group_info *out);

/* Groups with name > after, by name, at most limit (0: all). */
int group_list(struct repo *r, const char *after, unsigned limit,
	       int (*cb)(const struct group_info *, void *), void *arg);

/* Member DSNs of a group with DSN > after, by DSN.  -ENOENT unknown. */
int group_members(struct repo *r, const char *name, const char *after,
		  unsigned limit, int (*cb)(const char *dsn, void *),
		  void *arg);

/* By row id: -ENOENT if none. */
int group_get(struct repo *r, int64_t id, struct group_info *out);

/* Groups with id > after_id by id (paging by key). */
int group_list_by_id(struct repo *r, int64_t after_id, unsigned limit,
		     int (*cb)(const struct group_info *, void *), void *arg);

/* Members of group gid with file id > after_id, by file id. */
int group_members_by_id(struct repo *r, int64_t gid, int64_t after_id,
			unsigned limit,
			int (*cb)(int64_t file_id, const char *dsn, void *),
			void *arg);

/* 1 if the file is a member of the group, 0 if not. */
int group_has_member(struct repo *r, int64_t gid, int64_t file_id);

#endif
