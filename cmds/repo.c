// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv repo: the repository itself.
 */
#include <stdio.h>
#include <string.h>

#include "backup.h"
#include "repo.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv repo backup\n"
	"       ruv repo check\n"
	"\n"
	"backup: an online, consistent copy of the repository (SQLite's\n"
	"        backup API; other commands keep working), written as a data\n"
	"        set of kind repository to copy 1 (Local) and copy 2\n"
	"        (Staging) like any backup, found by ruv volume scan and\n"
	"        ruvreprs.\n"
	"check:  integrity and foreign key checks of the repository.\n";

int cmd_repo(int argc, char **argv)
{
	struct backup_request req = { 0 };
	struct backup_result res;
	struct repo *r = NULL;
	int i, rc = 0;

	i = ruv_simple_opts(argc, argv, usage, NULL, NULL, &rc);
	if (i < 0)
		return rc;
	if (argc - i != 1 ||
	    (strcmp(argv[i], "backup") && strcmp(argv[i], "check")))
		return ruv_usage_error(usage, "repo: backup or check");
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	if (!strcmp(argv[i], "check")) {
		rc = repo_check(r);
		repo_close(r);
		if (rc < 0)
			return ruv_error("repo check", rc);
		printf("repository ok\n");
		return RUV_OK;
	}
	repo_close(r);
	req.home = ruv.home;
	req.cfg = &ruv.cfg;
	rc = backup_repository(&req, &res);
	if (rc < 0)
		return ruv_error("repo backup", rc);
	printf("backed up the repository: %llu bytes, %llu stored, "
	       "repository backup %lld\n",
	       (unsigned long long)res.size, (unsigned long long)res.stored,
	       (long long)res.backup_id);
	return RUV_OK;
}
