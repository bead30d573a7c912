// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruvtogl: the toggle program of the remote-site runbook; the same as
 * `ruv toggle`.
 */
#include "ruv.h"

static const char usage[] = "usage: ruvtogl [--home DIR] [--config FILE] "
			    "[OPTIONS]  (see ruvtogl --help)\n";

int main(int argc, char **argv)
{
	argc = ruv_take_globals(argc, argv, usage);
	if (argc < 0)
		return RUV_USAGE;
	ruv.verb = "ruvtogl";
	return cmd_toggle(argc, argv);
}
