/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_LOGSTREAM_H
#define RUV_LOGSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "names.h"

/*
 * Log streams: the writer and the reader of one stream directory.
 *
 * A stream is a directory of append-only segment files of checksummed
 * records (the byte format is documented once, in logstream.c).  Every
 * record has an LSN (1, 2, 3 ... strictly increasing, no gaps, across
 * segments, restarts and processes), a UTC time in microseconds that never
 * goes back (time = max(clock, previous record's time)), a unit-of-work id
 * and a type.  This module knows nothing of the repository: the stream's
 * name, its binding to files and the directory it lives in are in
 * logcat.h.  All functions return >= 0 on success and -errno on failure,
 * with a sentence in ruv_lasterr() where the errno alone would leave an
 * operator guessing (damage names the segment file and the LSN).
 */

struct logstream;
struct logreader;

enum logrec_type {
	LOGREC_BEGIN = 1,
	LOGREC_WRITE = 2,
	LOGREC_TRUNCATE = 3,
	LOGREC_COMMIT = 4,
	LOGREC_BACKOUT = 5,
	LOGREC_ABORT = 6,
};

/* "BEGIN", "WRITE" ... ; "?" for a value outside the enum. */
const char *logrec_type_name(int type);

/* The largest after-image (and so before-image) one WRITE record carries,
 * and the largest cut-off one TRUNCATE record carries: larger changes
 * are split by the caller into several records of the same unit
 * (ruvlog_write() does this). */
#define LOGSTREAM_IMAGE_MAX (4u << 20)
/* The most DSNs one COMMIT lists. */
#define LOGSTREAM_TOUCHED_MAX 4096

/* One DSN a unit touched, with the file's size and mtime after the unit. */
struct log_touched {
	char dsn[NAMES_DSN_MAX + 1];
	uint64_t size;
	int64_t mtime_us;
};

/*
 * Options of a writer.  Pass NULL to logstream_open() for the defaults.
 *   segment_size  a new segment is started before a BEGIN, WRITE or
 *                 TRUNCATE that would carry the current one past this many
 *                 bytes ([log] segment_size, default 64 MiB; minimum 4 KiB).
 *                 A COMMIT, BACKOUT or ABORT never starts a segment, so a
 *                 segment can exceed it by those records.
 *   clock_us      the clock (UTC microseconds); NULL: the real one.  For
 *                 tests that step the clock back.
 */
struct logstream_opts {
	uint64_t segment_size;
	int64_t (*clock_us)(void);
};
#define LOGSTREAM_SEGMENT_DEFAULT (64ull << 20)
#define LOGSTREAM_SEGMENT_MIN	  4096ull

/*
 * Open the stream in directory dir for appending (dir must exist; an empty
 * directory is an empty stream, its first record gets LSN 1).
 *
 * Recovery happens here, under the stream's lock: a torn tail of the last
 * segment (a record cut short by a crash: its length runs past the end of
 * the file, or the rest of the file is zeros) is cut back, and the LSN
 * continues after the last complete record.  When no other writer has the
 * stream open, every unit that was begun and never ended (no COMMIT,
 * BACKOUT or ABORT) gets an ABORT record, durable before this returns; when
 * another writer is alive, its units are left alone and the units of dead
 * writers are aborted by the next open that finds itself alone.
 *
 * Errors: -ENOENT / -ENOTDIR dir, -EACCES / -EROFS not writable, -EIO a
 * damaged record that is not a torn tail, or a bad segment header (message
 * names the segment and LSN; nothing is cut), -ENOMEM.
 */
int logstream_open(const char *dir, const struct logstream_opts *opts,
		   struct logstream **out);

/*
 * Close: commits nothing; each unit this handle began and did not end gets
 * an ABORT (units of a writer that dies instead are aborted by the next
 * open).  Accepts NULL.  Returns the first error of those appends or of
 * the final sync, if any; the handle is freed either way.
 */
int logstream_close(struct logstream *ls);

/*
 * Everything below is thread-safe: any number of threads may append to one
 * struct logstream, and any number of processes (each with its own
 * logstream_open()) to one directory.  Appends are serialised by a mutex
 * in the process and an exclusive flock(2) on DIR/lock between processes,
 * taken per append; after taking it the writer re-reads the tail (records
 * other processes appended), so no record is ever interleaved or given an
 * LSN twice.
 *
 * A failed append (-ENOSPC, -EIO, -EROFS, -EDQUOT ...) leaves nothing of
 * itself visible: the segment is cut back to its previous end, the stream
 * reads to its last complete record, and the unit stays open.
 *
 * Space: each open unit holds a reserve in the current segment
 * (fallocate(FALLOC_FL_KEEP_SIZE) past the tail) big enough for its COMMIT
 * (with up to the number of DSNs it has written or truncated, at least
 * one), so -ENOSPC fails a BEGIN, WRITE or TRUNCATE, never the COMMIT,
 * BACKOUT or ABORT of a unit.  The reserve is kept per process: writers in
 * two processes each keep their own.
 */

/*
 * Begin a unit of work: append BEGIN.  *uow is the unit's id, which is the
 * LSN of its BEGIN record, so ids are unique across processes and a reader
 * can start at a unit's first record with logreader_open(dir, uow, ...).
 */
int logstream_begin(struct logstream *ls, uint64_t *uow);

/*
 * Append WRITE for len bytes (1 .. LOGSTREAM_IMAGE_MAX) written at offset
 * of the file dsn (checked and folded as names_dsn_check() does) in unit
 * uow.  The caller supplies the before-image: the file's bytes at
 * [offset, offset + before_len) before the write, where before_len must be
 * min(len, old_size - offset) when offset < old_size, else 0, and old_size
 * the file's size before the write (so an extension can be undone).
 * The record is appended (in the page cache, not yet synced) when this
 * returns: write-ahead callers issue their pwrite after it.
 * Errors: -EINVAL bad DSN or sizes, -ENOENT uow not open in this
 * process, the errors of an append.  *lsn_out (may be NULL): the LSN.
 */
int logstream_write(struct logstream *ls, uint64_t uow, const char *dsn,
		    uint64_t offset, const void *after, size_t len,
		    const void *before, size_t before_len, uint64_t old_size,
		    uint64_t *lsn_out);

/*
 * Append TRUNCATE: the file dsn goes from old_size to new_size.  When it
 * shrinks, cut is the before-image of the bytes cut off,
 * cut_len = old_size - new_size (at most LOGSTREAM_IMAGE_MAX: cut a large
 * file back in steps, each its own record); when it grows cut_len is 0.
 * Errors as logstream_write().
 */
int logstream_truncate(struct logstream *ls, uint64_t uow, const char *dsn,
		       uint64_t new_size, uint64_t old_size, const void *cut,
		       size_t cut_len, uint64_t *lsn_out);

/*
 * Append COMMIT listing the n (0 .. LOGSTREAM_TOUCHED_MAX) files the unit
 * touched with their size and mtime after the unit, and make it durable:
 * when this returns 0 the COMMIT and every record before it are on stable
 * storage (fdatasync).  Threads committing at the same time share one
 * fdatasync (group commit).  The unit is closed even when the sync fails
 * (-EIO: the outcome is then unknown, as with any failed fsync).
 * Errors: -ENOENT uow not open, -EINVAL bad touched list, append errors.
 */
int logstream_commit(struct logstream *ls, uint64_t uow,
		     const struct log_touched *touched, size_t n);

/*
 * Append BACKOUT: the unit's changes have been undone on the live file by
 * the caller (or were never made), so replay leaves the unit out.  Durable
 * when it returns, like a COMMIT.  Errors as logstream_commit().
 */
int logstream_backout(struct logstream *ls, uint64_t uow);

/* The LSN the next record will get, as this writer last saw the tail. */
uint64_t logstream_next_lsn(struct logstream *ls);

/*
 * A record as the reader returns it.  Pointers point into the reader's
 * buffer and are valid until the next logreader_next() or
 * logreader_close().  Fields a type does not have are 0 / NULL / "".
 *   WRITE     dsn, offset, old_size, after (after_len bytes written at
 *             offset), before (before_len bytes that were there)
 *   TRUNCATE  dsn, new_size, old_size, before = the cut-off bytes
 *             (before_len = old_size - new_size when it shrank, else 0)
 *   COMMIT    touched[n_touched]
 *   BEGIN, BACKOUT, ABORT  nothing more (uow is the unit concerned)
 */
struct logrec {
	uint64_t lsn;
	int64_t time_us;
	uint64_t uow;
	int type; /* enum logrec_type */
	char dsn[NAMES_DSN_MAX + 1];
	uint64_t offset;
	uint64_t old_size;
	uint64_t new_size;
	const void *after;
	size_t after_len;
	const void *before;
	size_t before_len;
	const struct log_touched *touched;
	size_t n_touched;
	const char *segment; /* the segment file's name (not the path) */
};

/*
 * Open a reader of the stream in dir starting at the first record with
 * LSN >= from_lsn (0 or 1: the first record there is).  It reads segments
 * in large blocks; a writer may append meanwhile (the reader sees what was
 * there when it reached each block).  Errors: -ENOENT / -ENOTDIR dir,
 * -EIO a bad segment header or segment names out of order (message),
 * -ENOMEM.
 */
int logreader_open(const char *dir, uint64_t from_lsn, struct logreader **out);

/*
 * The next record: 1 and *rec filled, 0 at the end of the stream, -EIO on
 * damage (a CRC that does not match, a length or field out of range, an
 * LSN out of sequence, a segment that does not start where the previous
 * one ended) with the message naming the segment, the byte offset and the
 * LSN expected there.  Every CRC is checked and no record is parsed past
 * its length.  A torn tail of the last segment (see logstream_open()) is
 * the end, not damage.  After -EIO every further call returns -EIO.
 */
int logreader_next(struct logreader *lr, struct logrec *rec);

/* Accepts NULL. */
void logreader_close(struct logreader *lr);

/*
 * What a stream holds, from its segment headers and its last segment
 * (cheap: does not read the whole stream).  Empty stream: first_lsn = 0,
 * last_lsn = 0, times 0.  bytes: the segment files' total size.
 * Errors as logreader_next().
 */
struct logstream_stat {
	uint64_t first_lsn, last_lsn;
	int64_t first_us, last_us;
	uint64_t bytes;
	unsigned segments;
};
int logstream_stat(const char *dir, struct logstream_stat *out);

/*
 * Remove the stream's files (segments oldest first, then the lock files
 * and the directory itself), refusing with -EBUSY and a message (a clause
 * for the caller to prefix with the stream's name) while a writer has it
 * open or while it holds a record with LSN > archived_lsn.
 * Holds the append lock throughout, so no writer slips a record in.  A
 * crash part way leaves the newest segments, still a readable stream.
 * -ENOENT: no such directory.
 */
int logstream_remove(const char *dir, uint64_t archived_lsn);

#endif
