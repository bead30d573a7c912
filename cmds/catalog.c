// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv catalog: index arrived volume files by VOLSER (remote-site step 2).
 */
#include <stdio.h>

#include "ruv.h"
#include "volcat.h"

static const char usage[] =
	"usage: ruv catalog DIR...\n"
	"       ruv catalog --list\n"
	"\n"
	"Catalogue every volume file in the directories: the volume catalog\n"
	"(HOME/volumes.cat) maps each VOLSER to its file, and lives beside "
	"the\n"
	"repository, so it works before one is restored.  All or nothing: a\n"
	"file that is not a volume, a damaged label, or two files claiming "
	"one\n"
	"VOLSER refuse the whole command.  A VOLSER not catalogued is still\n"
	"found by name in the directories of volume_path (configuration).\n";

static void added(const char *volser, const char *path, void *arg)
{
	(void)arg;
	printf("catalogued %s %s\n", volser, path);
}

static int listed(const char *volser, const char *path, void *arg)
{
	(void)arg;
	printf("%s %s\n", volser, path);
	return 0;
}

int cmd_catalog(int argc, char **argv)
{
	static const char *const flags[] = { "list", NULL };
	int list = 0;
	int *vals[] = { &list };
	int i, rc = 0;

	i = ruv_simple_opts(argc, argv, usage, flags, vals, &rc);
	if (i < 0)
		return rc;
	if (list ? i != argc : i == argc)
		return ruv_usage_error(usage, "catalog: name directories, or "
					      "--list");
	rc = ruv_setup(1);
	if (rc != RUV_OK)
		return rc;
	if (list)
		rc = volcat_list(ruv.home, listed, NULL);
	else
		rc = volcat_add_dirs(ruv.home, argv + i, (unsigned)(argc - i),
				     added, NULL);
	return rc < 0 ? ruv_error("catalog", rc) : RUV_OK;
}
