// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv jcl: the recovery JCL library.
 */
#include <stdio.h>
#include <string.h>

#include "jcl.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv jcl init\n"
	"       ruv jcl list\n"
	"       ruv jcl show MEMBER\n"
	"\n"
	"The recovery JCL library is HOME/jcl: plain text members (file names\n"
	"without a leading dot; dot files are editor scratch).\n"
	"init: write the starter members of the remote-site runbook (restore\n"
	"      the repository, toggle, recover to the PIT, and the Db2, IMS\n"
	"      and VSAM statements that carry the PIT); never overwrites.\n"
	"list: members and sizes.  show: a member's text.\n";

static void written(const char *m, void *arg)
{
	(void)arg;
	printf("wrote %s\n", m);
}

static int listed(const char *m, uint64_t size, void *arg)
{
	(void)arg;
	printf("%-16s %8llu\n", m, (unsigned long long)size);
	return 0;
}

int cmd_jcl(int argc, char **argv)
{
	const char *sub;
	int i, rc = 0;

	i = ruv_simple_opts(argc, argv, usage, NULL, NULL, &rc);
	if (i < 0)
		return rc;
	if (i >= argc)
		return ruv_usage_error(usage, "jcl: no subcommand");
	sub = argv[i++];
	if ((!strcmp(sub, "init") || !strcmp(sub, "list")) ? i != argc
	    : !strcmp(sub, "show")			   ? argc - i != 1
							   : 1)
		return ruv_usage_error(usage, "jcl: init, list or show MEMBER");
	rc = ruv_setup(1);
	if (rc != RUV_OK)
		return rc;
	if (!strcmp(sub, "init"))
		rc = jcl_init(ruv.home, written, NULL);
	else if (!strcmp(sub, "list"))
		rc = jcl_list(ruv.home, listed, NULL);
	else
		rc = jcl_show(ruv.home, argv[i], stdout);
	return rc < 0 ? ruv_error("jcl", rc) : RUV_OK;
}
