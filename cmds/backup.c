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
#include "group.h"
#include "home.h"
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
	"Every DSN and group must exist before anything is written; then\n"
	"each file succeeds or fails on its own.  Progress is shown on a\n"
	"terminal.  Exit 1 if any file failed.\n";

struct dsn_list {
	char **v;
	unsigned n, cap;
};

static int list_add(const char *dsn, void *arg)
{
	struct dsn_list *l = arg;
	char **nv;
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (!strcasecmp(l->v[i], dsn))
			return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		nv = realloc(l->v, l->cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
	}
	l->v[l->n] = strdup(dsn);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static void list_free(struct dsn_list *l)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

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
	struct dsn_list dsns = { 0 };
	struct backup_request req = { 0 };
	struct backup_result *res = NULL;
	const char *groups[64];
	unsigned ngroups = 0, i, nfailed = 0;
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
	for (i = (unsigned)optind; i < (unsigned)argc; i++) {
		rc = list_add(argv[i], &dsns);
		if (rc < 0)
			goto fail;
	}
	for (i = 0; i < ngroups; i++) {
		rc = group_members(r, groups[i], NULL, 0, list_add, &dsns);
		if (rc < 0)
			goto fail;
	}
	repo_close(r);
	r = NULL;
	if (!dsns.n) {
		fprintf(stderr, "ruv: backup: the groups have no members\n");
		rc = RUV_FAILED;
		goto out;
	}
	res = calloc(dsns.n, sizeof(*res));
	if (!res) {
		rc = -ENOMEM;
		goto fail;
	}
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
	rc = backup_run(&req, dsns.v, dsns.n, res);
	if (req.progress && !req.progress_arg)
		fputs("\r\033[K", stderr);
	for (i = 0; i < dsns.n; i++)
		nfailed += res[i].rc < 0;
	if (rc < 0 && !nfailed)
		goto fail; /* refused before any file was started */
	for (i = 0; i < dsns.n; i++) {
		if (res[i].rc < 0) {
			fprintf(stderr, "ruv: backup %s: %s\n", res[i].dsn,
				res[i].message);
			ruv_report_errno(-res[i].rc);
			continue;
		}
		printf("backed up %s: %llu bytes, %llu stored%s\n", res[i].dsn,
		       (unsigned long long)res[i].size,
		       (unsigned long long)res[i].stored,
		       res[i].changed ? " (changed while read)" : "");
	}
	rc = nfailed ? RUV_FAILED : RUV_OK;
	goto out;
fail:
	rc = ruv_error("backup", rc);
out:
	repo_close(r);
	list_free(&dsns);
	free(res);
	return rc;
}
