// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv report: the reports of the catalog.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "archive.h"
#include "copy.h"
#include "repo.h"
#include "report.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv report backups [--location L] [--dsn DSN] [--json]\n"
	"       ruv report volumes [--json]\n"
	"       ruv report archives [--json]\n"
	"\n"
	"volumes: VOLSER, pool, state (open, sealed, shipped), data sets,\n"
	"size, shipment, path.  --json: {\"volumes\": [{\"volser\", \"pool\",\n"
	"        \"state\", \"datasets\", \"size\", \"created\", \"sealed\",\n"
	"        \"shipment\", \"path\"}]}\n"
	"backups: the Backup report, one row per backup copy: DSN, backup\n"
	"time, copy, location, whether the location is active, VOLSER, data\n"
	"set sequence number on the volume, size, stored size, ratio.\n"
	"--json: {\"backups\": [{\"name\", \"dsn\", \"backup_id\",\n"
	"        \"time\", \"end\", \"copy\", \"location\", \"active\",\n"
	"        \"usable\", \"volser\", \"seq\", \"size\", \"stored\",\n"
	"        \"ratio\", \"changed\"}]}\n"
	"        Archive copies are rows too, named RUV.ARCHIVE (user data),\n"
	"        RUV.UOW, RUV.ACCUM, RUV.ACCUM.UOW ...A<id>.Cn.\n"
	"archives: one row per archive copy, oldest first: name, kind\n"
	"(archive, uow, accum, accum-uow), first and last record time,\n"
	"copy, location, active, VOLSER, seq, size, stored, the consolidated\n"
	"archive it went into, STREAM:FIRST-LAST LSNs.  --json:\n"
	"        {\"archives\": [{\"name\", \"archive_id\", \"kind\", "
	"\"first\",\n"
	"        \"last\", \"ranges\": [{\"stream\", \"first_lsn\",\n"
	"        \"last_lsn\"}], \"consolidated_into\", \"copy\", "
	"\"location\",\n"
	"        \"active\", \"usable\", \"volser\", \"seq\", \"size\",\n"
	"        \"stored\"}]}\n";

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "location", required_argument, NULL, 'l' },
		{ "dsn", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct copy_filter f = { 0 };
	struct repo *r = NULL;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hl:d:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return ruv_help(usage);
		case 'l':
			f.location = optarg;
			break;
		case 'd':
			f.dsn = optarg;
			break;
		default:
			return ruv_usage_error(usage, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (argc - optind != 1 || (strcmp(argv[optind], "backups") &&
				   strcmp(argv[optind], "volumes") &&
				   strcmp(argv[optind], "archives")))
		return ruv_usage_error(usage, "report: name the report "
					      "(backups, volumes or archives)");
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	if (!strcmp(argv[optind], "volumes"))
		rc = report_volumes(r, ruv.json, stdout);
	else if (!strcmp(argv[optind], "archives"))
		rc = archive_report(r, ruv.json, stdout);
	else
		rc = report_backups(r, &f, ruv.json, stdout);
	repo_close(r);
	return rc < 0 ? ruv_error("report", rc) : RUV_OK;
}
