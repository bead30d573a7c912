/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_ACCUM_H
#define RUV_ACCUM_H

#include <stddef.h>
#include <stdint.h>

#include "archive.h"

/*
 * The accumulation process: every stream is archived first
 * (archive_run()), then the ordinary archives not yet consolidated are
 * merged into one consolidated user-data archive (dataset.kind 'accum',
 * archive.kind 'user', consolidated 1) sorted by DSN then LSN, and one
 * consolidated UOW archive ('accum-uow') sorted by stream then LSN, each
 * written like a backup to every copy.  The sources are marked
 * consolidated into them (archive.consolidated_into) in the transaction
 * that registers them; they stay registered and readable.
 *
 * The content of a consolidated data set: the records (the log record
 * format, as in every archive), then the index, text:
 *
 *   RUVAIDX 1\n
 *   KEY OFFSET LENGTH FIRST_LSN LAST_LSN RECORDS STREAM\n   (one per key)
 *
 * KEY is the DSN (user data) or the stream's name (UOW); OFFSET and
 * LENGTH place the key's records in the content (they are contiguous).
 * The data set's meta text says records_bytes=N (where the index starts)
 * and index_bytes=M, so a reader of one DSN reads the meta, the index and
 * that DSN's part only (archive_walk_key()).  Changing the index: bump
 * its version on the first line; readers refuse a version they do not
 * know.
 *
 * Memory is bounded: the records are sorted in runs of at most
 * ACCUM_RUN_BYTES held in memory (the records and their sort entries),
 * each run spilled sorted to an unlinked temporary file in the home, then
 * the runs are merged (k-way, holding only each run's head entry header
 * and copying the chosen record out through one 1 MiB buffer), so
 * resident memory is about ACCUM_RUN_BYTES plus the reader's and the
 * writer's buffers (a few MiB, and the largest record once while a source
 * is read), whatever the archives' total.
 */

#define ACCUM_RUN_BYTES (64u << 20)

struct accum_result {
	int nothing_new; /* no ordinary archive waited */
	int64_t user_id, uow_id;
	unsigned sources; /* archives consolidated */
	uint64_t user_records, uow_records;
	uint64_t user_bytes, uow_bytes; /* records' bytes */
	unsigned keys;			/* DSNs in the user-data index */
	unsigned runs;			/* sorted runs spilled */
};

/*
 * Archive every stream (*arch, *narch as archive_run(); free *arch),
 * then accumulate.  A stream that fails to archive fails the call before
 * anything is merged (its message in its result).  Returns 0 or -errno
 * (message).
 */
int accum_run(const struct archive_request *req, struct repo *r,
	      struct archive_result **arch, unsigned *narch,
	      struct accum_result *res);

#endif
