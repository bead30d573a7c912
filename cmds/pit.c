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
	"\"ims\"}\n"
	"        set adds \"changes\": [{\"member\", \"line\", \"field\", "
	"\"old\",\n"
	"        \"new\"}]\n";

/* The changes to the JCL, reported once the PIT is recorded. */
struct change {
	char member[72];
	unsigned line;
	char field[16], old_value[80], new_value[40];
};

struct changes {
	struct change *c;
	size_t n, cap;
	int rc;
};

static void changed(const struct jcl_change *c, void *arg)
{
	struct changes *cs = arg;
	struct change *nc;

	if (cs->rc < 0)
		return;
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? 2 * cs->cap : 16;

		nc = realloc(cs->c, cap * sizeof(*nc));
		if (!nc) {
			cs->rc = -ENOMEM;
			return;
		}
		cs->c = nc;
		cs->cap = cap;
	}
	nc = &cs->c[cs->n++];
	snprintf(nc->member, sizeof(nc->member), "%s", c->member);
	nc->line = c->line;
	snprintf(nc->field, sizeof(nc->field), "%s", c->field);
	snprintf(nc->old_value, sizeof(nc->old_value), "%s", c->old_value);
	snprintf(nc->new_value, sizeof(nc->new_value), "%s", c->new_value);
}

static void write_set(const struct pit_stored *p, const struct changes *cs)
{
	struct jsonw *j;
	size_t i;

	if (!ruv.json) {
		for (i = 0; i < cs->n; i++)
			printf("%s:%u: %s -> %s\n", cs->c[i].member,
			       cs->c[i].line, cs->c[i].old_value,
			       cs->c[i].new_value);
		pit_write_text(p, 0, stdout);
		return;
	}
	j = jsonw_new(stdout);
	if (!j)
		return;
	jsonw_object_open(j);
	pit_write_keys(p, j);
	jsonw_key(j, "changes");
	jsonw_array_open(j);
	for (i = 0; i < cs->n; i++) {
		jsonw_object_open(j);
		jsonw_key(j, "member");
		jsonw_string(j, cs->c[i].member);
		jsonw_key(j, "line");
		jsonw_uint(j, cs->c[i].line);
		jsonw_key(j, "field");
		jsonw_string(j, cs->c[i].field);
		jsonw_key(j, "old");
		jsonw_string(j, cs->c[i].old_value);
		jsonw_key(j, "new");
		jsonw_string(j, cs->c[i].new_value);
		jsonw_object_close(j);
	}
	jsonw_array_close(j);
	jsonw_object_close(j);
	jsonw_free(j);
}

static int write_jcl(void *arg)
{
	return jcl_update_write(arg);
}

static void undo_jcl(void *arg)
{
	jcl_update_undo(arg);
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
	struct changes cs = { 0 };
	struct jcl_update *u = NULL;
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
	/*
	 * Every member is read and checked and every change worked out
	 * before anything is written; the members are then written inside
	 * the transaction that records the PIT, so a refused member or a
	 * failed store changes neither.
	 */
	pit_format(p.pit_us, p.offset_sec, p.leap_sec, &f);
	rc = jcl_update_prepare(ruv.home, &f, changed, &cs, &u);
	if (rc >= 0 && cs.rc < 0)
		rc = cs.rc;
	if (rc < 0)
		goto out;
	rc = pit_store_then(r, &p, write_jcl, undo_jcl, u);
	if (rc == 0)
		write_set(&p, &cs);
out:
	jcl_update_free(u);
	free(cs.c);
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
