// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruvreprs: the repository-restore program of the remote-site runbook.
 */
#include "ruv.h"

static const char usage[] = "usage: ruvreprs [--home DIR] [--config FILE] "
			    "[OPTIONS]  (see ruvreprs --help)\n";

int main(int argc, char **argv)
{
	argc = ruv_take_globals(argc, argv, usage);
	if (argc < 0)
		return RUV_USAGE;
	ruv.verb = "ruvreprs";
	return cmd_reprs(argc, argv);
}
