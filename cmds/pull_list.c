// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv pull-list: what waits in Staging, and shipping it.
 */
#include <stdio.h>

#include "repo.h"
#include "ruv.h"
#include "shipment.h"

static const char usage[] =
	"usage: ruv pull-list [--commit] [--json]\n"
	"\n"
	"The Backup report of every copy in Staging (backups, repository and\n"
	"JCL library backups), grouped by the volume it lives on.  With\n"
	"--commit: the same report, then those volumes are sealed, their\n"
	"Staging copies move to Offsite, the volumes are marked shipped and a\n"
	"shipment is recorded with the report (see ruv shipment).  Nothing in\n"
	"Staging: says so, makes no shipment, exit 0.\n"
	"--json: {\"time\", \"copies\", \"bytes\", \"volumes\": [{\"volser\",\n"
	"        \"pool\", \"state\", \"size\", \"copies\": [{\"name\", "
	"\"dsn\",\n"
	"        \"time\", \"copy\", \"seq\", \"size\", \"stored\"}]}]}\n";

int cmd_pull_list(int argc, char **argv)
{
	static const char *const flags[] = { "commit", NULL };
	struct repo *r = NULL;
	int commit = 0;
	int *vals[] = { &commit };
	uint64_t n = 0;
	int64_t id = 0;
	int i, rc = 0;

	i = ruv_simple_opts(argc, argv, usage, flags, vals, &rc);
	if (i < 0)
		return rc;
	if (i < argc)
		return ruv_usage_error(usage, "unexpected argument '%s'",
				       argv[i]);
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	if (commit) {
		rc = pull_list_commit(r, ruv.json, stdout, &id);
		if (rc == 0 && !id)
			ruv_note("pull-list: nothing to ship (no copies in "
				 "Staging)");
		else if (rc == 0)
			ruv_note("pull-list: shipment %lld recorded",
				 (long long)id);
	} else {
		rc = pull_list_report(r, ruv.json, stdout, &n);
	}
	repo_close(r);
	return rc < 0 ? ruv_error("pull-list", rc) : RUV_OK;
}
