// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv shipment: recorded shipments, and copying one out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo.h"
#include "ruv.h"
#include "shipment.h"

static const char usage[] =
	"usage: ruv shipment list [--json]\n"
	"       ruv shipment show ID [--json]\n"
	"       ruv shipment export ID DIR\n"
	"\n"
	"list: every shipment with its time and volumes.\n"
	"show: one shipment and the pull list it was made from.\n"
	"export: copy the shipment's volume files into DIR (it must exist),\n"
	"        each synced and read back to check it.\n"
	"--json: list {\"shipments\": [{\"id\", \"time\", \"volumes\"}]};\n"
	"        show {\"id\", \"time\", \"volumes\", \"report\"}\n";

static void exported(const char *volser, uint64_t bytes, void *arg)
{
	printf("%s %s %llu bytes\n", (const char *)arg, volser,
	       (unsigned long long)bytes);
}

static int parse_id(const char *s, int64_t *id)
{
	char *end;

	errno = 0;
	*id = strtoll(s, &end, 10);
	return *end || !*s || errno || *id <= 0 ? -1 : 0;
}

int cmd_shipment(int argc, char **argv)
{
	struct repo *r = NULL;
	const char *sub;
	int64_t id = 0;
	int i, n, rc = 0;

	i = ruv_simple_opts(argc, argv, usage, NULL, NULL, &rc);
	if (i < 0)
		return rc;
	if (i >= argc)
		return ruv_usage_error(usage, "shipment: no subcommand");
	sub = argv[i++];
	n = argc - i;
	if (!strcmp(sub, "list")) {
		if (n)
			return ruv_usage_error(usage, "shipment list: takes no "
						      "arguments");
	} else if (!strcmp(sub, "show") || !strcmp(sub, "export")) {
		if (n != (!strcmp(sub, "show") ? 1 : 2))
			return ruv_usage_error(usage,
					       "shipment %s: wrong "
					       "arguments",
					       sub);
		if (parse_id(argv[i], &id) < 0)
			return ruv_usage_error(usage,
					       "'%s' is not a shipment "
					       "id",
					       argv[i]);
	} else {
		return ruv_usage_error(usage,
				       "shipment: unknown subcommand "
				       "'%s'",
				       sub);
	}
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	if (!strcmp(sub, "list"))
		rc = shipment_list(r, ruv.json, stdout);
	else if (!strcmp(sub, "show"))
		rc = shipment_show(r, id, ruv.json, stdout);
	else
		rc = shipment_export(r, id, argv[i + 1], exported,
				     (void *)"exported");
	repo_close(r);
	return rc < 0 ? ruv_error(sub, rc) : RUV_OK;
}
