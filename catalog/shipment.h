/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_SHIPMENT_H
#define RUV_SHIPMENT_H

#include <stdint.h>
#include <stdio.h>

struct repo;

/*
 * The pull list and shipments: local-site step 5.  The pull list is the
 * Backup report of every copy in Staging, of every kind, grouped by the
 * volume it lives on.  Committing it seals those volumes, moves their
 * Staging copies to Offsite, marks the volumes shipped and records a
 * shipment (id, time, volumes, the report) in one transaction.
 */

/*
 * Write the pull list.  *ncopies (may be NULL) gets the number of copies.
 * JSON: {"time", "copies", "bytes", "volumes": [{"volser", "pool",
 * "state", "size", "copies": [Backup report rows]}]}
 */
int pull_list_report(struct repo *r, int json, FILE *out, uint64_t *ncopies);

/*
 * Commit the pull list: *shipment_id is the new shipment, or 0 when
 * nothing is in Staging (no empty shipment is made; with json the empty
 * report is still written).  The report written to out is the one the
 * shipment keeps; every moved copy gets a history row.  -EEXIST (nothing
 * changed) when a volume to ship already left in a shipment (a copy was
 * relocated back to Staging): a volume keeps its first shipment.
 */
int pull_list_commit(struct repo *r, int json, FILE *out, int64_t *shipment_id);

/* Shipments, newest last.  JSON: {"shipments": [{"id", "time",
 * "volumes": [VOLSER...]}]} */
int shipment_list(struct repo *r, int json, FILE *out);

/* One shipment: its volumes and the pull list it was made from.
 * -ENOENT unknown. */
int shipment_show(struct repo *r, int64_t id, int json, FILE *out);

/*
 * Check every data set of every volume of the shipment against its
 * stored checksums, then copy the volume files into dir (which must
 * exist), each through a temporary name, synced, then read back and
 * compared by checksum.  cb (may be NULL) hears each volume done.
 * -ENOENT unknown shipment, missing dir or volume file; -EIO a damaged
 * data set (message names volume and data set; nothing is written) or a
 * copy that does not read back the same; -ENOSPC full (the partial file
 * is removed).
 */
int shipment_export(struct repo *r, int64_t id, const char *dir,
		    void (*cb)(const char *volser, uint64_t bytes, void *),
		    void *arg);

/*
 * One page of the volumes of shipment id, or of the pending volumes (those
 * holding Staging copies) when id is 0: row ids > after_id in row id
 * order, at most limit (0: all).  Paged by key, each page one indexed
 * query (pending: over the Staging copies).
 */
int shipment_volume_page(struct repo *r, int64_t id, int64_t after_id,
			 unsigned limit, int (*cb)(int64_t volume_id, void *),
			 void *arg);

/* Whether volume_id belongs to shipment id (0: is pending): 1, 0, or
 * -errno.  One indexed query. */
int shipment_has_volume(struct repo *r, int64_t id, int64_t volume_id);

/* Shipment ids > after_id, with their times. */
int shipment_ids(struct repo *r, int64_t after_id,
		 int (*cb)(int64_t id, int64_t time_us, void *), void *arg);

/* The time of shipment id; -ENOENT if none. */
int shipment_time(struct repo *r, int64_t id, int64_t *time_us);

#endif
