// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv accumulate: archive every stream, then merge the archives not yet
 * consolidated into one consolidated archive per kind.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "accum.h"
#include "repo.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv accumulate\n"
	"\n"
	"First archive every log stream (as 'ruv archive'), then merge the\n"
	"ordinary archives not yet consolidated into one consolidated\n"
	"user-data archive (RUV.ACCUM: the changes sorted by DSN, then LSN,\n"
	"with a per-DSN index so that one file's changes are read alone)\n"
	"and one consolidated unit-of-work archive (RUV.ACCUM.UOW: sorted by\n"
	"stream, then LSN), each written like a backup (copy 1 local,\n"
	"copy 2 offsite in Staging by default).  The sources are marked as\n"
	"consolidated into them and stay registered.  The sort runs in\n"
	"bounded memory (sorted runs spilled to the home, then merged).\n"
	"Nothing to merge: said so, exit 0.  A stream that cannot be\n"
	"archived fails the whole step before anything is merged.\n";

static void warn(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "ruv: warning: %s\n", msg);
}

int cmd_accumulate(int argc, char **argv)
{
	struct archive_request req = { 0 };
	struct archive_result *arch = NULL;
	struct accum_result res;
	struct repo *r = NULL;
	unsigned narch = 0, i;
	int n, rc;

	n = ruv_simple_opts(argc, argv, usage, NULL, NULL, &rc);
	if (n < 0)
		return rc;
	if (n != argc)
		return ruv_usage_error(usage,
				       "accumulate: unexpected argument "
				       "'%s'",
				       argv[n]);
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	req.home = ruv.home;
	req.cfg = &ruv.cfg;
	req.warn = warn;
	rc = accum_run(&req, r, &arch, &narch, &res);
	repo_close(r);
	for (i = 0; i < narch; i++) {
		if (arch[i].rc < 0)
			ruv_errorf(arch[i].rc, "archive %s: %s", arch[i].stream,
				   arch[i].message);
		else if (!arch[i].nothing_new)
			printf("archived %s: LSN %" PRIu64 "-%" PRIu64 "\n",
			       arch[i].stream, arch[i].first_lsn,
			       arch[i].last_lsn);
	}
	free(arch);
	if (rc < 0)
		return ruv_error("accumulate", rc);
	if (res.nothing_new) {
		printf("nothing new: every archive is consolidated\n");
		return RUV_OK;
	}
	printf("accumulated %u archives: %" PRIu64 " changes of %u DSNs in "
	       "A%" PRId64 " (%" PRIu64 " bytes), %" PRIu64
	       " unit records in A%" PRId64 " (%" PRIu64 " bytes), %u "
	       "sorted runs\n",
	       res.sources, res.user_records, res.keys, res.user_id,
	       res.user_bytes, res.uow_records, res.uow_id, res.uow_bytes,
	       res.runs);
	return RUV_OK;
}
