/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_BACKUP_H
#define RUV_BACKUP_H

#include <stdint.h>

#include "names.h"

struct config;
struct repo;

/*
 * The backup process: each file is read once and compressed once, and
 * every configured copy (copy N to pool copyN of the config; copy 1
 * local and active, copy 2 offsite in Staging by default) is written from
 * the same compressed chunks.  Data are fsynced on every volume before the
 * one transaction that registers the backup, its data sets and copies.
 * Files are backed up in parallel by up to cfg->workers threads, each with
 * its own repository connection and its own volumes; with fewer files
 * than workers, each file's chunks are read and compressed on the spare
 * ones too (same data sets, in order).
 */

struct backup_result {
	char dsn[NAMES_DSN_MAX + 1];
	int rc;		   /* 0, or -errno */
	char message[512]; /* why, when rc < 0 */
	int64_t backup_id;
	int64_t start_us;
	int64_t end_us;
	uint64_t size;	 /* bytes read */
	uint64_t stored; /* compressed bytes of one copy */
	int changed;	 /* the file changed while it was read */
};

struct backup_request {
	const char *home;
	const struct config *cfg;
	/* Optional, called from worker threads (serialise yourself):
	 * bytes done of the file being read. */
	void (*progress)(void *arg, const char *dsn, uint64_t done,
			 uint64_t total);
	void *progress_arg;
	/* Optional, called from worker threads (serialise yourself): a
	 * volume was taken out of use on the way (see pool_acquire()); msg
	 * names it and says why.  The backup goes on on another volume. */
	void (*warn)(void *arg, const char *msg);
	void *warn_arg;
};

/*
 * Back up the registered files dsns[0..n).  Every DSN is checked first;
 * an unknown one fails the call (-ENOENT, message) before anything is
 * written.  Then each file succeeds or fails on its own: results[i] says
 * which.  Returns 0 when all succeeded, else the first file's -errno.
 */
int backup_run(const struct backup_request *req, char *const *dsns, unsigned n,
	       struct backup_result *results);

/*
 * What `ruv backup DSN... --group G...` and ctl's backup line ask for:
 * the DSNs dsns[0..n) and the members of the groups groups[0..ng), in
 * that order, each file once (DSNs compare without case; the groups are
 * read through r, the home's repository), backed up with backup_run.  -ENOENT
 * an unknown group or DSN, -ENODATA nothing to back up (no DSN named and every
 * group empty): both refused before anything is written, with *results NULL and
 * a message.  Otherwise *results (free it) holds *nresults results, one per
 * file, and the return is backup_run's.
 */
int backup_named(const struct backup_request *req, struct repo *r,
		 char *const *dsns, unsigned n, char *const *groups,
		 unsigned ng, struct backup_result **results,
		 unsigned *nresults);

/*
 * Back up the repository itself: an online, consistent snapshot written
 * as a data set of kind repository to every configured copy (copy 1
 * Local, copy 2 Staging by default) and registered like any other
 * copy.  res->backup_id is the repository backup's id.
 */
int backup_repository(const struct backup_request *req,
		      struct backup_result *res);

/* The same for the recovery JCL library: every member packed into one
 * data set of kind jcl. */
int backup_jcl(const struct backup_request *req, struct backup_result *res);

#endif
