// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv archive: copy the log streams since their last archive into
 * user-data and unit-of-work archives, local and offsite.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "repo.h"
#include "rtime.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv archive [STREAM...]\n"
	"\n"
	"Archive each named log stream (default: every defined stream) from\n"
	"its archived LSN to its current end: the WRITE and TRUNCATE records\n"
	"become a user-data archive, the BEGIN, COMMIT, BACKOUT and ABORT\n"
	"records a unit-of-work archive, each written like a backup (copy N\n"
	"to pool copyN: by default copy 1 local, location Local, active; copy\n"
	"2 offsite, location Staging, inactive) and registered with the\n"
	"stream's LSN and time range; the archived LSN moves in the same\n"
	"transaction.  A unit of work may span runs: each record is archived\n"
	"exactly once.  A stream with nothing new is said so (exit 0).  A\n"
	"stream that cannot be read whole (a damaged segment, a missing LSN)\n"
	"is refused naming the segment and LSN, and nothing of it is\n"
	"registered; the other streams are archived.  Afterwards each stream\n"
	"is pruned as 'ruv log prune' does ([log] keep_archived).\n"
	"Every STREAM must exist before anything is read.  Exit 1 if any\n"
	"stream failed.\n";

static void warn(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "ruv: warning: %s\n", msg);
}

int cmd_archive(int argc, char **argv)
{
	struct archive_request req = { 0 };
	struct archive_result *res = NULL;
	char first[RTIME_ISO_MAX], last[RTIME_ISO_MAX];
	unsigned nres = 0, i, nfailed = 0;
	struct repo *r = NULL;
	int n, rc;

	n = ruv_simple_opts(argc, argv, usage, NULL, NULL, &rc);
	if (n < 0)
		return rc;
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	req.home = ruv.home;
	req.cfg = &ruv.cfg;
	req.warn = warn;
	rc = archive_run(&req, r, argv + n, (unsigned)(argc - n), &res, &nres);
	repo_close(r);
	if (!res)
		return ruv_error("archive", rc); /* refused: nothing read */
	if (!nres)
		printf("nothing new: no log stream is defined\n");
	for (i = 0; i < nres; i++) {
		if (res[i].rc < 0) {
			nfailed++;
			ruv_errorf(res[i].rc, "archive %s: %s", res[i].stream,
				   res[i].message);
			continue;
		}
		if (res[i].nothing_new) {
			printf("%s: nothing new\n", res[i].stream);
			continue;
		}
		rtime_format_iso(res[i].first_us, first, sizeof(first));
		rtime_format_iso(res[i].last_us, last, sizeof(last));
		printf("archived %s: LSN %" PRIu64 "-%" PRIu64 " (%s to %s),"
		       " %" PRIu64 " changes in A%" PRId64 " (%" PRIu64
		       " bytes), %" PRIu64 " unit records in A%" PRId64
		       " (%" PRIu64 " bytes)",
		       res[i].stream, res[i].first_lsn, res[i].last_lsn, first,
		       last, res[i].user_records, res[i].user_id,
		       res[i].user_bytes, res[i].uow_records, res[i].uow_id,
		       res[i].uow_bytes);
		if (res[i].pruned)
			printf(", %u segments pruned", res[i].pruned);
		putchar('\n');
	}
	free(res);
	return nfailed ? RUV_FAILED : RUV_OK;
}
