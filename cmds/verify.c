// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv verify: read back every chunk of every copy in scope.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "archive.h"
#include "copy.h"
#include "errmsg.h"
#include "repo.h"
#include "rtime.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv verify DSN...\n"
	"       ruv verify --volume VOLSER...\n"
	"       ruv verify --all\n"
	"\n"
	"Read back and check every chunk of every backup copy of the named\n"
	"files, on the named volumes, or everywhere.  Each damaged copy is\n"
	"named with its data set and volume (a file that is another volume\n"
	"than the catalog's is damage: \"wrong volume\"), each copy whose\n"
	"volume is not here is MISSING, with where it was looked for; exit 1\n"
	"if any is damaged or missing.\n"
	"Copies of archives are checked like backups (RUV.ARCHIVE, RUV.UOW,\n"
	"RUV.ACCUM, RUV.ACCUM.UOW).  --all also checks, per log stream and\n"
	"kind, that the registered archives cover every LSN from 1 to the\n"
	"stream's archived LSN once: each gap or overlap is named, exit 1.\n";

struct tally {
	unsigned long ok, damaged, missing;
};

static void coverage_problem(const char *msg, void *arg)
{
	(void)arg;
	ruv_errorf(-EIO, "verify: %s", msg);
}

static int verify_one(const struct copy_info *ci, void *arg)
{
	struct tally *t = arg;
	char when[RTIME_ISO_MAX];
	int rc;

	ruv_clearerr();
	rtime_format_iso(ci->start_us, when, sizeof(when));
	rc = copy_verify(ci);
	if (rc == -ENOENT) { /* not here: nothing to say about its data */
		t->missing++;
		ruv_errorf(rc, "verify: MISSING %s %s: %s", ci->dsn, when,
			   *ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
		return 0;
	}
	if (rc < 0) {
		t->damaged++;
		ruv_errorf(rc, "verify: DAMAGED %s %s: %s", ci->dsn, when,
			   *ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
		return 0;
	}
	t->ok++;
	printf("ok %s %s copy %u %s seq %u\n", ci->dsn, when, ci->copy_no,
	       ci->volser, ci->seq);
	return 0;
}

int cmd_verify(int argc, char **argv)
{
	static const char *const flags[] = { "all", "volume", NULL };
	struct copy_filter f = { 0 };
	struct tally t = { 0, 0, 0 };
	struct repo *r = NULL;
	unsigned long gaps = 0;
	int all = 0, volume = 0;
	int *vals[] = { &all, &volume };
	int i, rc = 0;

	i = ruv_simple_opts(argc, argv, usage, flags, vals, &rc);
	if (i < 0)
		return rc;
	if (all ? i != argc || volume : i == argc)
		return ruv_usage_error(usage, "verify: name DSNs, --volume "
					      "VOLSERs, or --all");
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	rc = 0;
	f.resolve = 1;
	if (all)
		rc = copy_list(r, &f, verify_one, &t);
	if (all && rc == 0) {
		rc = archive_check_coverage(r, coverage_problem, NULL);
		if (rc > 0)
			gaps = (unsigned long)rc;
		if (rc >= 0)
			rc = 0;
	}
	for (; !all && i < argc && rc == 0; i++) {
		memset(&f, 0, sizeof(f));
		f.resolve = 1;
		if (volume)
			f.volser = argv[i];
		else
			f.dsn = argv[i];
		rc = copy_list(r, &f, verify_one, &t);
	}
	repo_close(r);
	if (rc < 0)
		return ruv_error("verify", rc);
	printf("%lu copies ok, %lu damaged", t.ok, t.damaged);
	if (t.missing)
		printf(", %lu missing", t.missing);
	if (gaps)
		printf(", %lu archive coverage problems", gaps);
	putchar('\n');
	return t.damaged || t.missing || gaps ? RUV_FAILED : RUV_OK;
}
