// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv backup: back up files and groups to local and offsite volumes.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup.h"
#include "repo.h"
#include "rtime.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv backup DSN... [--group G]...\n"
	"\n"
	"Back up each named file and every member of each group.  Each file\n"
	"is read once and compressed once; copy N is written to pool copyN\n"
	"of the configuration (by default copy 1 to the local pool, location\n"
	"Local, active; copy 2 to the offsite pool, location Staging,\n"
	"inactive).  Files are backed up in parallel by `workers` threads.\n"
	"Every DSN and group must exist before anything is written, and\n"
	"there must be a file to back up (groups with no members and no\n"
	"DSN: refused, ENODATA); then each file succeeds or fails on its\n"
	"own.  Progress is shown on a terminal.  Exit 1 if any file failed.\n";

static pthread_mutex_t progress_lock = PTHREAD_MUTEX_INITIALIZER;

/* arg non-NULL: whole lines, at most two a second (RUV_PROGRESS=lines,
 * set by ruvfs for ctl commands, whose output goes to its status). */
static void progress(void *arg, const char *dsn, uint64_t done, uint64_t total)
{
	static int64_t last_us;
	int64_t now = rtime_now();

	pthread_mutex_lock(&progress_lock);
	if (now - last_us >= (arg ? 500000 : 200000) ||
	    (done == total && !arg)) {
		last_us = now;
		fprintf(stderr, "%sbackup %s: %llu of %llu MiB%s",
			arg ? "" : "\r\033[K", dsn,
			(unsigned long long)(done >> 20),
			(unsigned long long)(total >> 20), arg ? "\n" : "");
	}
	pthread_mutex_unlock(&progress_lock);
}

static void warn(void *arg, const char *msg)
{
	(void)arg;
	pthread_mutex_lock(&progress_lock);
	fprintf(stderr, "%sruv: warning: %s\n",
		isatty(STDERR_FILENO) ? "\r\033[K" : "", msg);
	pthread_mutex_unlock(&progress_lock);
}

int cmd_backup(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "group", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	struct backup_request req = { 0 };
	struct backup_result *res = NULL;
	char *groups[64];
	unsigned ngroups = 0, nres = 0, i, nfailed = 0;
	struct repo *r = NULL;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hg:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return ruv_help(usage);
		case 'g':
			if (ngroups == 64)
				return ruv_usage_error(usage,
						       "too many groups");
			groups[ngroups++] = optarg;
			break;
		default:
			return ruv_usage_error(usage, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind == argc && !ngroups)
		return ruv_usage_error(usage, "backup: name a DSN or --group");
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	req.home = ruv.home;
	req.cfg = &ruv.cfg;
	req.warn = warn;
	if (isatty(STDERR_FILENO))
		req.progress = progress;
	if (getenv("RUV_PROGRESS") &&
	    !strcmp(getenv("RUV_PROGRESS"), "lines")) {
		req.progress = progress;
		req.progress_arg = &req;
	}
	rc = backup_named(&req, r, argv + optind, (unsigned)(argc - optind),
			  groups, ngroups, &res, &nres);
	repo_close(r);
	if (req.progress && !req.progress_arg)
		fputs("\r\033[K", stderr);
	if (!res)
		return ruv_error("backup", rc); /* refused: nothing started */
	for (i = 0; i < nres; i++) {
		if (res[i].rc < 0) {
			nfailed++;
			ruv_errorf(res[i].rc, "backup %s: %s", res[i].dsn,
				   res[i].message);
			continue;
		}
		printf("backed up %s: %llu bytes, %llu stored%s\n", res[i].dsn,
		       (unsigned long long)res[i].size,
		       (unsigned long long)res[i].stored,
		       res[i].changed ? " (changed while read)" : "");
	}
	free(res);
	return nfailed ? RUV_FAILED : RUV_OK;
}
