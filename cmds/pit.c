// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv pit: set and show the recovery point; setting it rewrites the PIT
 * fields of the recovery JCL library.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "jcl.h"
#include "jsonw.h"
#include "pit.h"
#include "repo.h"
#include "rtime.h"
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
	"\"ims\"}\n";

static void changed(const struct jcl_change *c, void *arg)
{
	(void)arg;
	printf("%s:%u: %s -> %s\n", c->member, c->line, c->old_value,
	       c->new_value);
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

static int read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;
	FILE *m;

	if (!f)
		return ruv_fail(-errno, "'%s': %s", path, strerror(errno));
	m = open_memstream(buf, len);
	if (!m) {
		fclose(f);
		return -ENOMEM;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	fclose(m);
	return 0;
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
	struct pit_stored p = { 0 };
	struct pit_result res;
	struct pit_formats f;
	const char *recon = NULL;
	struct repo *r = NULL;
	int offset = PIT_NO_OFFSET, c, rc;
	char *text = NULL, *end;
	size_t len = 0;
	long lso;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hr:o:l:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return ruv_help(usage);
		case 'r':
			recon = optarg;
			break;
		case 'o':
			if (parse_offset(optarg, &offset) < 0)
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
			p.leap_sec = (int)lso;
			break;
		default:
			return ruv_usage_error(usage, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (recon ? optind != argc : optind != argc - 1)
		return ruv_usage_error(usage, "pit set: a TIME or --recon "
					      "LISTING");
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	if (recon) {
		rc = read_file(recon, &text, &len);
		if (rc == 0)
			rc = pit_from_recon(text, len, recon, offset, &res);
		if (rc == 0) {
			p.pit_us = res.pit_us;
			p.offset_sec = res.offset_sec;
			snprintf(p.source, sizeof(p.source), "recon %s", recon);
			if (snprintf(p.rule, sizeof(p.rule),
				     "%s; limited by %s", res.rule,
				     res.limiting) >= (int)sizeof(p.rule))
				p.rule[sizeof(p.rule) - 1] = '\0';
		}
	} else {
		rc = rtime_parse(argv[optind], &p.pit_us);
		p.offset_sec = offset != PIT_NO_OFFSET
				       ? offset
				       : rtime_local_offset(p.pit_us);
		snprintf(p.source, sizeof(p.source), "operator");
	}
	free(text);
	if (rc < 0)
		goto out;
	p.set_us = rtime_now();
	/* The JCL first: a member that cannot be rewritten changes nothing. */
	pit_format(p.pit_us, p.offset_sec, p.leap_sec, &f);
	rc = jcl_update_pit(ruv.home, &f, changed, NULL);
	if (rc < 0)
		goto out;
	rc = pit_store(r, &p);
	if (rc == 0)
		pit_write_text(&p, ruv.json, stdout);
out:
	repo_close(r);
	return rc < 0 ? ruv_error("pit set", rc) : RUV_OK;
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
