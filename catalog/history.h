/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_HISTORY_H
#define RUV_HISTORY_H

#include <stdint.h>

struct repo;

/*
 * The action history: every change the repository takes, with its time,
 * outcome and message.  A change and its history row commit together.
 * Refused input changes nothing, so it leaves no row either; work that
 * starts and then fails (a backup whose source vanished midway) records
 * its failure.
 */

struct history_entry {
	int64_t id;
	int64_t time_us;
	char action[32];
	char subject[128];
	int failed;
	char message[512];
};

/* Append a row (inside the caller's transaction, or on its own).  rc < 0
 * marks the action failed. */
int history_add(struct repo *r, const char *action, const char *subject, int rc,
		const char *message);

/*
 * Call cb for each entry with id > after_id, oldest first, at most limit
 * (0: all).  A nonzero cb return stops the walk and is returned.
 */
int history_list(struct repo *r, int64_t after_id, unsigned limit,
		 int (*cb)(const struct history_entry *, void *), void *arg);

/* The id of the entry limit rows before the newest, for "the last N". */
int history_tail_start(struct repo *r, unsigned limit, int64_t *after_id);

/* The last `last` entries (0: all), oldest first, to cb as history_list()
 * gives them: what `ruv history [--last N]` shows. */
int history_tail(struct repo *r, unsigned last,
		 int (*cb)(const struct history_entry *, void *), void *arg);

#endif
