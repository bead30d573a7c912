// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv archive: copy the log streams since their last archive into
 * user-data and unit-of-work archives, local and offsite.
 */
#include <errno.h>
#include <getopt.h>
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
	"       ruv archive --show ARCHIVE [--dsn KEY] [--raw]\n"
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
	"stream failed.\n"
	"\n"
	"--show reads archive ARCHIVE (A<id> or <id>, as 'ruv report\n"
	"archives' lists them) back from its first usable copy and prints\n"
	"one record per line as 'ruv log show' does; with --raw it writes\n"
	"the records' bytes as they are stored (the log record format).\n"
	"Damage is reported naming the archive, copy, volume and offset.\n"
	"--dsn KEY (consolidated archives): only the records of DSN KEY\n"
	"(RUV.ACCUM) or of stream KEY (RUV.ACCUM.UOW), read through the\n"
	"archive's index.\n";

static void warn(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "ruv: warning: %s\n", msg);
}

static int show_rec(const struct logrec *rec, const void *raw, size_t len,
		    void *arg)
{
	char when[RTIME_ISO_MAX];
	int *mode = arg; /* 1 raw; 0 text, header not yet; 2 text */

	if (*mode == 1)
		return fwrite(raw, 1, len, stdout) == len ? 0 : -EIO;
	if (!*mode)
		printf("LSN TIME UOW DSN TYPE OFFSET LENGTH\n");
	*mode = 2;
	rtime_format_iso(rec->time_us, when, sizeof(when));
	printf("%" PRIu64 " %s %" PRIu64 " %s %s", rec->lsn, when, rec->uow,
	       rec->dsn[0] ? rec->dsn : "-", logrec_type_name(rec->type));
	if (rec->type == LOGREC_WRITE)
		printf(" %" PRIu64 " %zu\n", rec->offset, rec->after_len);
	else if (rec->type == LOGREC_TRUNCATE)
		printf(" %" PRIu64 " %zu\n", rec->new_size, rec->before_len);
	else
		printf(" - -\n");
	return 0;
}

static int show(const char *arg, const char *key, int raw)
{
	struct repo *r = NULL;
	long long id;
	char *end;
	int rc;

	id = strtoll(arg + (arg[0] == 'A' || arg[0] == 'a'), &end, 10);
	if (*end || id <= 0 || !arg[0])
		return ruv_usage_error(usage,
				       "archive: '%s' is not an archive "
				       "id (A<n> or <n>)",
				       arg);
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	if (key)
		rc = archive_walk_key(r, (int64_t)id, key, show_rec, &raw);
	else
		rc = archive_walk(r, (int64_t)id, show_rec, &raw);
	repo_close(r);
	if (rc == 0 && !raw)
		printf("LSN TIME UOW DSN TYPE OFFSET LENGTH\n");
	if (fflush(stdout) != 0 && rc == 0)
		rc = -errno;
	return rc < 0 ? ruv_error("archive --show", rc) : RUV_OK;
}

int cmd_archive(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "show", required_argument, NULL, 's' },
		{ "raw", no_argument, NULL, 'r' },
		{ "dsn", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *show_id = NULL, *key = NULL;
	int c, raw = 0;
	struct archive_request req = { 0 };
	struct archive_result *res = NULL;
	char first[RTIME_ISO_MAX], last[RTIME_ISO_MAX];
	unsigned nres = 0, i, nfailed = 0;
	struct repo *r = NULL;
	int n, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return ruv_help(usage);
		case 's':
			show_id = optarg;
			break;
		case 'r':
			raw = 1;
			break;
		case 'd':
			key = optarg;
			break;
		default:
			return ruv_usage_error(usage, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	n = optind;
	if (show_id) {
		if (n != argc)
			return ruv_usage_error(usage, "archive: --show takes "
						      "one archive, no stream");
		return show(show_id, key, raw);
	}
	if (raw || key)
		return ruv_usage_error(
			usage, "archive: --raw and --dsn go with --show");
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
