// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv pit: set and show the recovery point; setting it rewrites the PIT
 * fields of the recovery JCL library.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcl.h"
#include "jsonw.h"
#include "pit.h"
#include "repo.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv pit set TIME [--lso SECONDS]\n"
	"       ruv pit set --recon LISTING [--offset +hh:mm] [--lso SECONDS]\n"
	"       ruv pit show [--json]\n"
	"\n"
	"set: the recovery point, from a time (ISO 8601 or yyyyjjjhhmmsst;\n"
	"     site local time without an offset) or from an IMS RECON listing\n"
	"     (DBRC LIST.RECON): the earliest archived end over the open log\n"
	"     families, or the latest end when all are closed.  --offset "
	"gives\n"
	"     the UTC offset of a listing printed without offsets (the YY\n"
	"     display); without it such a listing is refused as ambiguous.\n"
	"     --lso: the TOD leap-second offset (0, or 27).  Every recognised\n"
	"     PIT field in the JCL library is rewritten in place and each "
	"change\n"
	"     reported (member, line, old, new).\n"
	"show: the recovery point in every form.\n"
	"--json: {\"pit\", \"set\", \"source\", \"rule\", \"offset\", "
	"\"lso\",\n"
	"        \"vsam\", \"vsam_tod\", \"db2_time\", \"lrsn6\", \"lrsn10\", "
	"\"ims\"}\n"
	"        set adds \"changes\": [{\"member\", \"line\", \"field\", "
	"\"old\",\n"
	"        \"new\"}]\n";

static void write_set(const struct pit_applied *a)
{
	const struct pit_change *c;
	struct jsonw *j;
	size_t i;

	if (!ruv.json) {
		for (i = 0; i < a->n; i++)
			printf("%s:%u: %s -> %s\n", a->changes[i].member,
			       a->changes[i].line, a->changes[i].old_value,
			       a->changes[i].new_value);
		pit_write_text(&a->pit, 0, stdout);
		return;
	}
	j = jsonw_new(stdout);
	if (!j)
		return;
	jsonw_object_open(j);
	pit_write_keys(&a->pit, j);
	jsonw_key(j, "changes");
	jsonw_array_open(j);
	for (i = 0; i < a->n; i++) {
		c = &a->changes[i];
		jsonw_object_open(j);
		jsonw_key(j, "member");
		jsonw_string(j, c->member);
		jsonw_key(j, "line");
		jsonw_uint(j, c->line);
		jsonw_key(j, "field");
		jsonw_string(j, c->field);
		jsonw_key(j, "old");
		jsonw_string(j, c->old_value);
		jsonw_key(j, "new");
		jsonw_string(j, c->new_value);
		jsonw_object_close(j);
	}
	jsonw_array_close(j);
	jsonw_object_close(j);
	jsonw_free(j);
}

static int parse_offset(const char *s, int *out)
{
	int h, m = 0, n = 0;

	if ((s[0] != '+' && s[0] != '-') ||
	    (sscanf(s + 1, "%2d:%2d%n", &h, &m, &n) != 2 &&
	     sscanf(s + 1, "%2d%n", &h, &n) != 1) ||
	    s[1 + n] || h > 18 || m > 59)
		return -1;
	*out = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
	return 0;
}

/* An entry of the JCL library that the PIT did not reach: a warning,
 * not a failure (an edit may be in progress). */
static void warn_not_written(const char *name, const char *why, void *arg)
{
	char shown[4 * 256 + 8];

	(void)arg;
	ruv_note("warning: jcl/%s is ignored, the PIT is not written there: %s",
		 ruv_printable(name, shown, sizeof(shown)), why);
}

static int pit_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "recon", required_argument, NULL, 'r' },
		{ "offset", required_argument, NULL, 'o' },
		{ "lso", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct pit_request req = { .offset_sec = PIT_NO_OFFSET };
	struct pit_applied done;
	struct repo *r = NULL;
	char *end;
	long lso;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hr:o:l:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return ruv_help(usage);
		case 'r':
			req.recon_path = optarg;
			break;
		case 'o':
			if (parse_offset(optarg, &req.offset_sec) < 0)
				return ruv_usage_error(usage,
						       "--offset '%s': "
						       "+hh:mm or -hh:mm",
						       optarg);
			break;
		case 'l':
			lso = strtol(optarg, &end, 10);
			if (*end || lso < 0 || lso > 99)
				return ruv_usage_error(usage,
						       "--lso '%s': a "
						       "number of leap "
						       "seconds",
						       optarg);
			req.leap_sec = (int)lso;
			break;
		default:
			return ruv_usage_error(usage, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (req.recon_path ? optind != argc : optind != argc - 1)
		return ruv_usage_error(usage, "pit set: a TIME or --recon "
					      "LISTING");
	if (!req.recon_path)
		req.time = argv[optind];
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	rc = pit_apply(r, ruv.home, &req, &done);
	repo_close(r);
	if (rc < 0)
		return ruv_error("pit set", rc);
	write_set(&done);
	pit_applied_free(&done);
	jcl_ignored(ruv.home, warn_not_written, NULL);
	return RUV_OK;
}

int cmd_pit(int argc, char **argv)
{
	struct pit_stored p;
	struct repo *r = NULL;
	int rc;

	if (argc >= 2 && !strcmp(argv[1], "set"))
		return pit_set(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return ruv_help(usage);
	if (argc != 2 || strcmp(argv[1], "show"))
		return ruv_usage_error(usage, "pit: set or show");
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	rc = pit_current(r, &p);
	repo_close(r);
	if (rc < 0)
		return ruv_error("pit show", rc);
	pit_write_text(&p, ruv.json, stdout);
	return RUV_OK;
}
