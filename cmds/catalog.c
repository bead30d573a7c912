// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv catalog: index arrived volume files by VOLSER (remote-site step 2).
 */
#include <errno.h>
#include <stdio.h>

#include "jsonw.h"
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
	"VOLSER refuse the whole command.  The home is created if missing\n"
	"(the remote site catalogues before ruvreprs).  A VOLSER not\n"
	"catalogued is still found by name in the directories of\n"
	"volume_path (configuration).\n"
	"--json --list: {\"volumes\": [{\"volser\", \"path\"}]}\n";

static void added(const char *volser, const char *path, void *arg)
{
	(void)arg;
	printf("catalogued %s %s\n", volser, path);
}

static int listed(const char *volser, const char *path, void *arg)
{
	struct jsonw *j = arg;

	if (!j) {
		printf("%s %s\n", volser, path);
		return 0;
	}
	jsonw_object_open(j);
	jsonw_key(j, "volser");
	jsonw_string(j, volser);
	jsonw_key(j, "path");
	jsonw_string(j, path);
	jsonw_object_close(j);
	return 0;
}

static int list(void)
{
	struct jsonw *j = NULL;
	int rc;

	if (!ruv.json)
		return volcat_list(ruv.home, listed, NULL);
	j = jsonw_new(stdout);
	if (!j)
		return -ENOMEM;
	jsonw_object_open(j);
	jsonw_key(j, "volumes");
	jsonw_array_open(j);
	rc = volcat_list(ruv.home, listed, j);
	jsonw_array_close(j);
	jsonw_object_close(j);
	jsonw_free(j);
	return rc;
}

int cmd_catalog(int argc, char **argv)
{
	static const char *const flags[] = { "list", NULL };
	int listing = 0;
	int *vals[] = { &listing };
	int i, rc = 0;

	i = ruv_simple_opts(argc, argv, usage, flags, vals, &rc);
	if (i < 0)
		return rc;
	if (listing ? i != argc : i == argc)
		return ruv_usage_error(usage, "catalog: name directories, or "
					      "--list");
	rc = ruv_setup(1);
	if (rc != RUV_OK)
		return rc;
	if (listing)
		rc = list();
	else
		rc = volcat_add_dirs(ruv.home, argv + i, (unsigned)(argc - i),
				     added, NULL);
	return rc < 0 ? ruv_error("catalog", rc) : RUV_OK;
}
