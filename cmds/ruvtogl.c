// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruvtogl: the toggle program of the remote-site runbook; the same as
 * `ruv toggle`.
 */
#include <stdio.h>
#include <string.h>

#include "ruv-config.h"
#include "ruv.h"

static const char usage[] = "usage: ruvtogl [--home DIR] [--config FILE] "
			    "[OPTIONS]  (see ruvtogl --help)\n";

static int run(int argc, char **argv)
{
	argc = ruv_take_globals(argc, argv, usage);
	if (argc < 0)
		return RUV_USAGE;
	ruv.verb = "ruvtogl";
	if (argc > 1 &&
	    (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
		if (argc > 2)
			return ruv_usage_error(usage,
					       "unexpected argument "
					       "'%s'",
					       argv[2]);
		printf("ruvtogl %s\n", RUV_VERSION);
		return RUV_OK;
	}
	return cmd_toggle(argc, argv);
}

int main(int argc, char **argv)
{
	ruv_prog = "ruvtogl";
	return ruv_exit(run(argc, argv));
}
