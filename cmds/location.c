// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv location: list and define locations.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonw.h"
#include "location.h"
#include "repo.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv location list [--json]\n"
	"       ruv location define LOC [--active]\n"
	"\n"
	"LOC: 1-16 letters, digits, _ or -, starting with a letter; case is\n"
	"kept and ignored when comparing.  A new location is inactive unless\n"
	"--active is given.\n"
	"\n"
	"--json: {\"locations\": [{\"name\", \"active\", \"copies\"}]}\n";

static int print_text(const struct location_info *li, void *arg)
{
	(void)arg;
	printf("%-16s %-8s %lld\n", li->name,
	       li->active ? "active" : "inactive", (long long)li->copies);
	return 0;
}

static int print_json(const struct location_info *li, void *arg)
{
	struct jsonw *j = arg;

	jsonw_object_open(j);
	jsonw_key(j, "name");
	jsonw_string(j, li->name);
	jsonw_key(j, "active");
	jsonw_bool(j, li->active);
	jsonw_key(j, "copies");
	jsonw_int(j, li->copies);
	jsonw_object_close(j);
	return 0;
}

static int list(struct repo *r)
{
	struct jsonw *j;
	int rc;

	if (!ruv.json) {
		printf("%-16s %-8s %s\n", "LOCATION", "STATE", "COPIES");
		rc = location_list(r, print_text, NULL);
	} else {
		j = jsonw_new(stdout);
		if (!j)
			return ruv_error("location list", -ENOMEM);
		jsonw_object_open(j);
		jsonw_key(j, "locations");
		jsonw_array_open(j);
		rc = location_list(r, print_json, j);
		jsonw_array_close(j);
		jsonw_object_close(j);
		jsonw_free(j);
	}
	return rc < 0 ? ruv_error("location list", rc) : RUV_OK;
}

int cmd_location(int argc, char **argv)
{
	static const char *const flags[] = { "active", NULL };
	struct repo *r = NULL;
	int active = 0;
	int *vals[] = { &active };
	const char *sub;
	int rc, i;

	i = ruv_simple_opts(argc, argv, usage, flags, vals, &rc);
	if (i < 0)
		return rc;
	if (i >= argc)
		return ruv_usage_error(usage, "location: no subcommand");
	sub = argv[i++];
	if (!strcmp(sub, "list")) {
		if (i != argc || active)
			return ruv_usage_error(usage, "location list: takes "
						      "no arguments");
	} else if (!strcmp(sub, "define")) {
		if (argc - i != 1)
			return ruv_usage_error(usage, "location define: needs "
						      "one LOC");
	} else {
		return ruv_usage_error(usage,
				       "location: unknown subcommand "
				       "'%s'",
				       sub);
	}
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	if (!strcmp(sub, "list")) {
		rc = list(r);
	} else {
		rc = location_define(r, argv[i], active);
		rc = rc < 0 ? ruv_error("location define", rc) : RUV_OK;
	}
	repo_close(r);
	return rc;
}
