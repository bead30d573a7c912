// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv history: the action history, oldest first.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "history.h"
#include "jsonw.h"
#include "repo.h"
#include "rtime.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv history [--last N] [--json]\n"
	"\n"
	"Every action the repository took, with its time (UTC), outcome and\n"
	"message.  --last N shows only the newest N.\n"
	"\n"
	"--json: {\"history\": [{\"id\", \"time\", \"action\", \"subject\",\n"
	"        \"outcome\", \"message\"}]} with outcome \"ok\" or "
	"\"failed\".\n";

static int print_text(const struct history_entry *e, void *arg)
{
	char when[RTIME_ISO_MAX];

	(void)arg;
	rtime_format_iso(e->time_us, when, sizeof(when));
	printf("%-27s %-6s %-16s %s%s%s\n", when, e->failed ? "failed" : "ok",
	       e->action, e->subject, e->message[0] ? ": " : "", e->message);
	return 0;
}

static int print_json(const struct history_entry *e, void *arg)
{
	struct jsonw *j = arg;

	jsonw_object_open(j);
	jsonw_key(j, "id");
	jsonw_int(j, e->id);
	jsonw_key(j, "time");
	jsonw_time(j, e->time_us);
	jsonw_key(j, "action");
	jsonw_string(j, e->action);
	jsonw_key(j, "subject");
	jsonw_string(j, e->subject);
	jsonw_key(j, "outcome");
	jsonw_string(j, e->failed ? "failed" : "ok");
	jsonw_key(j, "message");
	jsonw_string(j, e->message);
	jsonw_object_close(j);
	return 0;
}

int cmd_history(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "last", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct repo *r = NULL;
	struct jsonw *j = NULL;
	unsigned long last = 0;
	char *end;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hn:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return ruv_help(usage);
		case 'n':
			errno = 0;
			last = strtoul(optarg, &end, 10);
			if (*end || !*optarg || *optarg == '-' || errno ||
			    last > 1000000000)
				return ruv_usage_error(usage,
						       "--last '%s': "
						       "not a count",
						       optarg);
			/* 0 would mean "no limit" below: say so, not
			 * print everything. */
			if (!last)
				return ruv_usage_error(usage,
						       "--last 0: shows "
						       "nothing; give 1 or "
						       "more, or leave "
						       "--last out for all");
			break;
		default:
			return ruv_usage_error(usage, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return ruv_usage_error(usage, "unexpected argument '%s'",
				       argv[optind]);
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	if (!ruv.json) {
		rc = history_tail(r, (unsigned)last, print_text, NULL);
		goto out;
	}
	j = jsonw_new(stdout);
	if (!j) {
		rc = -ENOMEM;
		goto out;
	}
	jsonw_object_open(j);
	jsonw_key(j, "history");
	jsonw_array_open(j);
	rc = history_tail(r, (unsigned)last, print_json, j);
	jsonw_array_close(j);
	jsonw_object_close(j);
	jsonw_free(j);
out:
	repo_close(r);
	return rc < 0 ? ruv_error("history", rc) : RUV_OK;
}
