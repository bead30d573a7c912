// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv log prune: remove the segment files of log streams that are wholly
 * archived and older than [log] keep_archived.
 */
#include <stdio.h>

#include "archive.h"
#include "repo.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv log prune [STREAM...]\n"
	"\n"
	"Remove, in each named log stream (default: every stream), the\n"
	"segment files every record of which is archived (LSN at or below\n"
	"the stream's archived LSN) and that were last written longer ago\n"
	"than [log] keep_archived (default 7d), oldest first.  A segment\n"
	"holding a record not yet archived is never removed, nor the newest\n"
	"segment of a stream.  'ruv archive' prunes the streams it archives.\n"
	"Every STREAM must exist before any is pruned.\n";

static void said(const char *stream, int removed, void *arg)
{
	(void)arg;
	printf("%s: %d segment%s removed\n", stream, removed,
	       removed == 1 ? "" : "s");
}

int cmd_log_prune(int argc, char **argv)
{
	struct repo *r = NULL;
	int n, rc;

	n = ruv_simple_opts(argc, argv, usage, NULL, NULL, &rc);
	if (n < 0)
		return rc;
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	rc = archive_prune(r, &ruv.cfg, argv + n, (unsigned)(argc - n), said,
			   NULL);
	repo_close(r);
	return rc < 0 ? ruv_error("log prune", rc) : RUV_OK;
}
