// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv relocate: move copies between locations.
 */
#include <getopt.h>
#include <stdio.h>

#include "copy.h"
#include "repo.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv relocate COPY... --to LOC\n"
	"\n"
	"Move backup copies to location LOC, all in one transaction, each\n"
	"move recorded in the history.  COPY is a copy name as the Backup\n"
	"report and the tree show it: DSN.Dyyyymmdd.Thhmmss.Bn.Cn.  The\n"
	"volumes holding the copies are sealed first: a volume that has moved\n"
	"takes no more data (this waits for a backup writing to it).  Any\n"
	"move seals: relocating a Local copy to Staging seals its local\n"
	"volume too.\n";

int cmd_relocate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *to = NULL;
	struct repo *r = NULL;
	int c, rc, i;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ht:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return ruv_help(usage);
		case 't':
			to = optarg;
			break;
		default:
			return ruv_usage_error(usage, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (!to || optind == argc)
		return ruv_usage_error(usage, "relocate: name copies and --to");
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	rc = copy_relocate(r, (const char *const *)(argv + optind),
			   (unsigned)(argc - optind), to);
	repo_close(r);
	if (rc < 0)
		return ruv_error("relocate", rc);
	for (i = optind; i < argc; i++)
		printf("relocated %s to %s\n", argv[i], to);
	return RUV_OK;
}
