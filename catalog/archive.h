/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_ARCHIVE_H
#define RUV_ARCHIVE_H

#include <stdint.h>
#include <stdio.h>

#include "logcat.h"

struct config;
struct repo;

/*
 * The archive process: each log stream, from its archived high-water mark
 * (log_stream.archived_lsn) to its end as found when the run reaches it,
 * is read once and written as two data sets on every configured copy
 * (copy N to pool copyN, like backups):
 *
 *   user data (dataset.kind 'archive', archive.kind 'user'): the WRITE and
 *       TRUNCATE records, in LSN order;
 *   unit-of-work data (dataset.kind 'uow', archive.kind 'uow'): the BEGIN,
 *       COMMIT, BACKOUT and ABORT records, in LSN order.
 *
 * The content of both is the raw record stream in the log record format
 * (logstream.c, version 1; arcrec.h), nothing else: an archive's size is
 * the sum of its records' lengths.  Both archives of a run register the
 * LSN range the run read (archive_range: first_lsn .. last_lsn of the
 * stream) and the times of its first and last record, so the user-data
 * archives of a stream, like its UOW archives, cover every LSN once: a
 * unit begun in one run and ended in the next has its BEGIN and changes
 * in the first pair and its COMMIT in the second, nothing lost or twice.
 * The high-water mark moves in the transaction that registers the pair
 * (guarded: it must still be where the run started).
 *
 * Each stream is archived on its own: a stream that fails (a damaged
 * segment, a missing LSN, a full pool) registers nothing and leaves its
 * mark where it was, and the others go on.  Runs are serialised by an
 * exclusive flock on HOME/.archive.lock (archive and accumulate alike).
 * The UOW records wait in an unlinked temporary file in the home while
 * the user data are written, so a kill leaves nothing behind but
 * unregistered data sets, which the next writer of the volume cuts back.
 *
 * Each data set describes itself on the volume (its meta text):
 * kind, stream, first_lsn, last_lsn, first and last (ISO 8601 times),
 * records, format=logrec-1.  Its name is STREAM.L<first LSN> (user data)
 * or STREAM.L<first LSN>.U (UOW), its source field the stream's name.
 */

struct archive_result {
	char stream[LOGCAT_NAME_MAX + 1];
	int rc;		   /* 0, or -errno */
	char message[512]; /* why, when rc < 0 */
	int nothing_new;   /* rc 0 and nothing to archive */
	uint64_t first_lsn, last_lsn;
	int64_t first_us, last_us;
	uint64_t user_records, uow_records;
	uint64_t user_bytes, uow_bytes; /* content bytes */
	int64_t user_id, uow_id;	/* archive rows */
	unsigned pruned;		/* segments removed afterwards */
};

struct archive_request {
	const char *home;
	const struct config *cfg;
	/* Optional: a volume was retired on the way (see pool_acquire()). */
	void (*warn)(void *arg, const char *msg);
	void *warn_arg;
	/* accumulate: bytes of records sorted in memory per run (0: the
	 * default, ACCUM_RUN_BYTES); tests make it small. */
	uint64_t sort_run_bytes;
};

/*
 * Archive the streams names[0..n) (n 0: every defined stream, by name),
 * then prune each archived stream (archive_prune()).  Every name is
 * checked first: a bad or unknown one fails the call (-EINVAL / -ENOENT,
 * message) before anything is read.  Then *results (free it) holds
 * *nresults results, one per stream; the return is 0 when every stream
 * succeeded (nothing new included), else the first failure's -errno.
 * With no stream defined and none named: 0 and *nresults 0.
 */
int archive_run(const struct archive_request *req, struct repo *r,
		char *const *names, unsigned n, struct archive_result **results,
		unsigned *nresults);

/*
 * The records of archive id (a user-data, UOW or consolidated archive), in
 * the order they are stored, read from its lowest-numbered usable copy in
 * an active location (else in any location).  cb gets each decoded record
 * and its raw bytes (len bytes, valid during the call); a nonzero return
 * stops the walk and is returned.  -ENOENT (message) no such archive or
 * no usable copy; -EIO (message naming the archive, its copy, volume and
 * the offset) on damage, after the records before it.
 */
int archive_walk(struct repo *r, int64_t id,
		 int (*cb)(const struct logrec *rec, const void *raw,
			   size_t len, void *arg),
		 void *arg);

/*
 * The records of one key (a DSN in a consolidated user-data archive, a
 * stream's name in a consolidated UOW archive) through the data set's
 * index: only that part of the content is read.  0 and no call when the
 * key is not there; -EINVAL for an ordinary archive (it has no index).
 */
int archive_walk_key(struct repo *r, int64_t id, const char *key,
		     int (*cb)(const struct logrec *rec, const void *raw,
			       size_t len, void *arg),
		     void *arg);

/*
 * The archive report: one row per archive copy (ordinary and
 * consolidated), oldest first: the copy's name, the data set's kind
 * (archive, uow, accum, accum-uow), first and last time, copy number,
 * location, active, VOLSER, sequence number, size, stored size, the
 * consolidated archive it went into, and STREAM:FIRST-LAST per stream.
 * JSON: {"archives": [{"name", "archive_id", "kind", "first", "last",
 * "ranges": [{"stream", "first_lsn", "last_lsn"}], "consolidated_into",
 * "copy", "location", "active", "usable", "volser", "seq", "size",
 * "stored"}]}
 */
int archive_report(struct repo *r, int json, FILE *out);

struct volume_dataset_info;

/*
 * For a data set of an archive kind (as volume_scan() lists it, with no
 * repository): one line from its meta, "stream S LSN F-L, T1 to T2" or
 * "consolidated from N archives, T1 to T2", into buf; returns 1.  0 and
 * nothing for other kinds.
 */
int archive_describe(const struct volume_dataset_info *di, char *buf,
		     size_t len);

/* Temporary files of the archive and accumulate runs in the home. */
#define ARCHIVE_TMP_PREFIX ".archive-spill-"
#define ACCUM_TMP_PREFIX   ".accum-run-"

/*
 * Serialise archive and accumulate runs of one home: an exclusive flock
 * on HOME/.archive.lock, waited for.  Once it holds the lock it removes
 * the temporary files killed runs left in the home.  Returns the fd
 * holding it (close it to let go) or -errno.
 */
int archive_lock(const char *home);

/*
 * Log retention: remove the segment files of stream li that are wholly
 * archived (every LSN in them <= li->archived_lsn) and were last written
 * more than keep_us ago, oldest first, stopping at the first that is not;
 * the newest segment is never removed.  Holds the stream's append lock
 * (DIR/.lock) meanwhile.  Returns the number removed, or -errno.
 */
int archive_prune_stream(const struct logcat_info *li, int64_t keep_us);

/*
 * ruv log prune: archive_prune_stream() for streams names[0..n) (n 0:
 * every one) with cfg's keep_archived; cb (may be NULL) hears each
 * stream and the segments removed.  -ENOENT unknown stream (before any
 * is pruned).
 */
int archive_prune(struct repo *r, const struct config *cfg, char *const *names,
		  unsigned n,
		  void (*cb)(const char *stream, int removed, void *),
		  void *arg);

/*
 * Coverage of every stream by its ordinary (not consolidated) archives,
 * per kind: the registered ranges must run from LSN 1 to the stream's
 * high-water mark with no gap and no overlap.  cb hears each problem (a
 * sentence naming the stream, the kind and the LSNs).  Returns the number
 * of problems, or -errno.
 */
int archive_check_coverage(struct repo *r, void (*cb)(const char *msg, void *),
			   void *arg);

#endif
