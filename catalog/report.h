/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_REPORT_H
#define RUV_REPORT_H

#include <stdio.h>

struct copy_filter;
struct repo;

/*
 * Reports, as text for people and JSON for programs, written to a stream
 * the caller owns (stdout for the CLI, a memory stream for the tree).
 */

/*
 * The Backup report: one row per backup copy matching f (NULL: all):
 * DSN, backup time, copy, location, active, VOLSER, sequence number,
 * sizes, compression ratio.
 *
 * JSON: {"backups": [{"name", "dsn", "backup_id", "time", "end", "copy",
 * "location", "active", "usable", "volser", "seq", "size", "stored",
 * "ratio", "changed"}]}
 */
int report_backups(struct repo *r, const struct copy_filter *f, int json,
		   FILE *out);

/*
 * The volume report: VOLSER, pool, state, data sets, size, shipment.
 * JSON: {"volumes": [{"volser", "pool", "state", "datasets", "size",
 * "created", "sealed", "shipment", "path"}]} (sealed null while open,
 * shipment null until shipped).
 */
int report_volumes(struct repo *r, int json, FILE *out);

#endif
