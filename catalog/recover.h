/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_RECOVER_H
#define RUV_RECOVER_H

#include <limits.h>
#include <stdint.h>

#include "copy.h"
#include "logcat.h"
#include "names.h"

struct repo;

/*
 * Forward recovery: a file rebuilt to a point in time T from a backup and
 * the logged changes after it, with only the units of work committed at
 * or before T.  Why that is exact even over a backup taken while units
 * were changing the file is written at the top of recover.c.
 */

/* ---- what a backup records for recovery (table backup_stream) -------- */

struct recover_mark {
	int64_t stream_id;
	char dir[PATH_MAX];
	uint64_t start_lsn;  /* the stream's last LSN before the read began */
	uint64_t end_lsn;    /* ... and once the read had ended */
	uint64_t oldest_lsn; /* BEGIN of the oldest unit open at start_lsn;
				start_lsn + 1 when none was */
};

struct recover_marks {
	struct recover_mark *v;
	unsigned n;
};

/*
 * Before a backup reads a file: each defined stream's last LSN and the
 * oldest unit then open (read from the stream, from the newest oldest_lsn
 * an earlier backup recorded for it: units older than that had ended
 * then).  A stream that cannot be read is left out (no mark: a recovery
 * that needs it refuses, naming it); only -ENOMEM fails.  *m is empty on
 * failure; free it with recover_marks_free().
 */
int recover_marks_begin(struct repo *r, struct recover_marks *m);

/* After the read: each mark's end_lsn.  A stream that cannot be read
 * now is given end_lsn UINT64_MAX (recovery then undoes to the end). */
void recover_marks_end(struct recover_marks *m);

/* Insert the marks of backup backup_id (inside the caller's
 * transaction).  0 or -errno. */
int recover_marks_store(struct repo *r, int64_t backup_id,
			const struct recover_marks *m);

/* Accepts an empty or zeroed one. */
void recover_marks_free(struct recover_marks *m);

/* ---- the recovery ----------------------------------------------------- */

/*
 * T as `--stop-time` takes it: ISO 8601 (rtime_parse(); no zone: site
 * local), the RUV form yyyyjjjhhmmsst (13 or 14 digits) at the UTC offset
 * stored with the current recovery point (site local time when none is
 * set), or X and 16 hex digits, a TOD clock value, with the leap seconds
 * stored with the current recovery point (0 when none).  -EINVAL with a
 * message otherwise.
 */
int recover_parse_time(struct repo *r, const char *s, int64_t *us);

#define RECOVER_TIME_ALL INT64_MAX /* "everything known" */

#define RECOVER_SEGMENTS_MAX 2048

struct recover_result {
	char dsn[NAMES_DSN_MAX + 1];
	int rc;		   /* 0 or -errno */
	char message[512]; /* why, when rc < 0 */
	char target[PATH_MAX];
	int have_copy;
	struct copy_info copy;		  /* the backup copy read */
	char stream[LOGCAT_NAME_MAX + 1]; /* "" when the file has none */
	char stream_dir[PATH_MAX];
	uint64_t from_lsn, to_lsn;	     /* the records read (0, 0: none) */
	char segments[RECOVER_SEGMENTS_MAX]; /* segment files read, spaces
						between; "..." when cut */
	unsigned units_applied;		     /* committed at or before T */
	unsigned units_left_out;  /* backed out, aborted, committed after T */
	unsigned units_in_flight; /* begun at or before T, open at T */
	uint64_t records_applied, records_undone, records_spilled;
};

struct recover_request {
	int64_t stop_us; /* T; RECOVER_TIME_ALL: every record there is */
	/* At most one of these two, and then exactly one file: */
	const char *to;	      /* write this path instead */
	const char *new_name; /* write the registered path of this DSN */
	int inventory_only;   /* read and report, write nothing */
	int force;	      /* in place over a file that changed since its
				 last journaled state */
	const char *spill;    /* units in flight at T go here (may be NULL) */
	/* Optional: called as each file ends (rc in res), from the lanes'
	 * threads one at a time; done of total files. */
	void (*progress)(void *arg, const struct recover_result *res,
			 unsigned done, unsigned total);
	void *progress_arg;
	unsigned workers; /* files recovered at once, each in a thread
			     with its own repository connection ([ruv]
			     workers); 0 or 1: one after the other */
};

/*
 * Recover the files named: dsns[0..n), the members of groups[0..ng), or
 * every registered file (all).  Names are checked first: an unknown DSN
 * or group, no file at all, --to or --new-name with other than one file,
 * or an unregistered new name refuse the whole call (-ENOENT / -EINVAL /
 * -ENODATA, message) before anything is read or written.  Then each file
 * succeeds or fails on its own (results[i].rc, .message), in order.
 *
 * Per file: the newest backup with a usable copy that started at or
 * before T (copy_choose()), restored beside the target, the undo and redo
 * passes of recover.c over the file's log stream, fsync, rename over the
 * target (the restore guard of copy_restore(): no symbolic link on the
 * way, only a regular file replaced).  In place (neither to nor
 * new_name), a live file whose size or mtime is not what the newest COMMIT
 * listing it says (the backup's, when none does) has changes nothing
 * journaled: refused with -EBUSY unless req->force.  A history row per
 * file.
 * Refusals: T before the first usable backup (-ENOENT, naming the
 * earliest reachable time), records missing from the stream (-ENODATA,
 * naming the stream and the LSN range), a damaged record (-EIO).
 *
 * Files run in up to req->workers lanes; results stay in the order named.
 * *results (free it) holds *nresults results.  Returns 0 when every file
 * was recovered (or inventoried), else the first failure's -errno.
 */
int recover_forward(struct repo *r, const struct recover_request *req,
		    char *const *dsns, unsigned n, char *const *groups,
		    unsigned ng, int all, struct recover_result **results,
		    unsigned *nresults);

#endif
