// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv init: create a RUV home.
 */
#include <stdio.h>

#include "home.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv init [--home DIR]\n"
	"\n"
	"Create a RUV home at DIR (or $RUV_HOME, or home= in the\n"
	"configuration): the repository with the configured pools and the\n"
	"locations Local (active), Staging and Offsite (inactive), the pool\n"
	"directories, jcl/ and logs/.  DIR must not exist or be an empty\n"
	"directory; an existing home is never touched.\n";

int cmd_init(int argc, char **argv)
{
	int rc, i;

	i = ruv_simple_opts(argc, argv, usage, NULL, NULL, &rc);
	if (i < 0)
		return rc;
	if (i < argc)
		return ruv_usage_error(usage, "unexpected argument '%s'",
				       argv[i]);
	rc = ruv_setup(1);
	if (rc != RUV_OK)
		return rc;
	rc = home_init(ruv.home, &ruv.cfg);
	if (rc < 0)
		return ruv_error("init", rc);
	printf("created RUV home %s\n", ruv.home);
	return RUV_OK;
}
