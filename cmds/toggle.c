// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv toggle, also installed as ruvtogl (the name the DR process uses):
 * inactivate the local copies and activate the offsite ones.
 */
#include <getopt.h>
#include <stdio.h>

#include "location.h"
#include "repo.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruvtogl [--home DIR] [--config FILE] [--inactivate LOC]...\n"
	"               [--activate LOC]... [--dry-run]\n"
	"usage: ruv toggle [same options]\n"
	"\n"
	"Inactivate and activate locations in one transaction.  With no\n"
	"location named: inactivate Local and activate Offsite, the remote\n"
	"site's step 5.  Prints each location whose state changed; running it\n"
	"again changes nothing.  --dry-run shows what would change.\n";

static void changed(const struct location_info *li, int active, void *arg)
{
	const int *dry = arg;

	printf("%s%s %s\n", *dry ? "would " : "",
	       active ? (*dry ? "activate" : "activated")
		      : (*dry ? "inactivate" : "inactivated"),
	       li->name);
}

int cmd_toggle(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "inactivate", required_argument, NULL, 'i' },
		{ "activate", required_argument, NULL, 'a' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *off[32], *on[32];
	unsigned noff = 0, non = 0;
	struct repo *r = NULL;
	int dry = 0, c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hi:a:n", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return ruv_help(usage);
		case 'i':
			if (noff == 32)
				return ruv_usage_error(usage, "too many");
			off[noff++] = optarg;
			break;
		case 'a':
			if (non == 32)
				return ruv_usage_error(usage, "too many");
			on[non++] = optarg;
			break;
		case 'n':
			dry = 1;
			break;
		default:
			return ruv_usage_error(usage, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return ruv_usage_error(usage, "unexpected argument '%s'",
				       argv[optind]);
	if (!noff && !non) {
		off[noff++] = "Local";
		on[non++] = "Offsite";
	}
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	rc = location_toggle(r, off, noff, on, non, dry, changed, &dry);
	repo_close(r);
	return rc < 0 ? ruv_error("toggle", rc) : RUV_OK;
}
