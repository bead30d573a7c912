// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv group: define groups of registered files and change their members.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "group.h"
#include "jsonw.h"
#include "repo.h"
#include "rtime.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv group define G [DSN...]\n"
	"       ruv group add G DSN...\n"
	"       ruv group remove G DSN...\n"
	"       ruv group delete G [--force]\n"
	"       ruv group list [G] [--json]\n"
	"\n"
	"G: 1-32 letters, digits, @#$_-; folded to upper case.  Every DSN\n"
	"must be registered.  Each command changes all or nothing.  Deleting\n"
	"a group leaves its files registered; a group with members is\n"
	"refused (ENOTEMPTY, as rmdir of it in the tree) unless --force.\n"
	"\n"
	"--json: {\"groups\": [{\"name\", \"members\", \"created\"}]}, or with "
	"G\n"
	"        {\"group\": G, \"members\": [DSN...]}\n";

static int print_group_text(const struct group_info *g, void *arg)
{
	char when[RTIME_ISO_MAX];

	(void)arg;
	rtime_format_iso(g->created_us, when, sizeof(when));
	printf("%-32s %7u %s\n", g->name, g->members, when);
	return 0;
}

static int print_group_json(const struct group_info *g, void *arg)
{
	struct jsonw *j = arg;

	jsonw_object_open(j);
	jsonw_key(j, "name");
	jsonw_string(j, g->name);
	jsonw_key(j, "members");
	jsonw_uint(j, g->members);
	jsonw_key(j, "created");
	jsonw_time(j, g->created_us);
	jsonw_object_close(j);
	return 0;
}

static int print_member_text(const char *dsn, void *arg)
{
	(void)arg;
	puts(dsn);
	return 0;
}

static int print_member_json(const char *dsn, void *arg)
{
	jsonw_string(arg, dsn);
	return 0;
}

static int list(struct repo *r, const char *name)
{
	struct group_info g;
	struct jsonw *j;
	int rc;

	if (name) {
		/* Resolve first so an unknown group prints nothing. */
		rc = group_lookup(r, name, &g);
		if (rc < 0)
			return ruv_error("group list", rc);
	}
	if (!ruv.json) {
		if (name) {
			rc = group_members(r, g.name, NULL, 0,
					   print_member_text, NULL);
		} else {
			printf("%-32s %7s %s\n", "GROUP", "MEMBERS", "CREATED");
			rc = group_list(r, NULL, 0, print_group_text, NULL);
		}
		return rc < 0 ? ruv_error("group list", rc) : RUV_OK;
	}
	j = jsonw_new(stdout);
	if (!j)
		return ruv_error("group list", -ENOMEM);
	jsonw_object_open(j);
	if (name) {
		jsonw_key(j, "group");
		jsonw_string(j, g.name);
		jsonw_key(j, "members");
		jsonw_array_open(j);
		rc = group_members(r, g.name, NULL, 0, print_member_json, j);
	} else {
		jsonw_key(j, "groups");
		jsonw_array_open(j);
		rc = group_list(r, NULL, 0, print_group_json, j);
	}
	jsonw_array_close(j);
	jsonw_object_close(j);
	jsonw_free(j);
	return rc < 0 ? ruv_error("group list", rc) : RUV_OK;
}

int cmd_group(int argc, char **argv)
{
	static const char *const flags[] = { "force", NULL };
	struct repo *r = NULL;
	const char *sub;
	char what[32];
	int force = 0;
	int *vals[] = { &force };
	int rc, i, n;

	i = ruv_simple_opts(argc, argv, usage, flags, vals, &rc);
	if (i < 0)
		return rc;
	if (i >= argc)
		return ruv_usage_error(usage, "group: no subcommand");
	sub = argv[i++];
	n = argc - i; /* operands after the subcommand */
	if (!strcmp(sub, "define")) {
		if (n < 1)
			return ruv_usage_error(usage, "group define: needs G");
	} else if (!strcmp(sub, "add") || !strcmp(sub, "remove")) {
		if (n < 2)
			return ruv_usage_error(usage,
					       "group %s: needs G and "
					       "at least one DSN",
					       sub);
	} else if (!strcmp(sub, "delete")) {
		if (n != 1)
			return ruv_usage_error(usage, "group delete: needs "
						      "one G");
	} else if (!strcmp(sub, "list")) {
		if (n > 1)
			return ruv_usage_error(usage, "group list: at most "
						      "one G");
	} else {
		return ruv_usage_error(usage, "group: unknown subcommand '%s'",
				       sub);
	}
	if (force && strcmp(sub, "delete"))
		return ruv_usage_error(usage, "group %s: --force is for delete",
				       sub);
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	snprintf(what, sizeof(what), "group %s", sub);
	if (!strcmp(sub, "list")) {
		rc = list(r, n ? argv[i] : NULL);
		goto out;
	}
	if (!strcmp(sub, "define"))
		rc = group_define(r, argv[i],
				  (const char *const *)(argv + i + 1),
				  (unsigned)n - 1);
	else if (!strcmp(sub, "add"))
		rc = group_add(r, argv[i], (const char *const *)(argv + i + 1),
			       (unsigned)n - 1);
	else if (!strcmp(sub, "remove"))
		rc = group_remove(r, argv[i],
				  (const char *const *)(argv + i + 1),
				  (unsigned)n - 1);
	else
		rc = group_delete(r, argv[i], force);
	rc = rc < 0 ? ruv_error(what, rc) : RUV_OK;
out:
	repo_close(r);
	return rc;
}
