// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv restore: write a file back from a backup copy.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "errmsg.h"
#include "repo.h"
#include "restore.h"
#include "rtime.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv restore DSN [--time T] [--to PATH] [--copy N]\n"
	"       (--stop-time T is --time T, as the recovery JCL writes it)\n"
	"\n"
	"Restore DSN from the newest backup that started at or before T\n"
	"(default: now) and has a copy in an active location (copy N only,\n"
	"with --copy).  A copy whose volume is missing or is another volume\n"
	"than the catalog's (\"wrong volume\") is passed over, with a "
	"warning,\n"
	"for the next copy of the same backup.  Writes the registered path,\n"
	"or PATH, atomically: a temporary file beside it, every chunk "
	"checked,\n"
	"fsync, the owner and mode the file had, then rename.  PATH is\n"
	"reached without following symbolic links, and only a regular file\n"
	"is replaced.  T is ISO 8601 or yyyyjjjhhmmsst; without an offset it\n"
	"is site local time.\n";

int cmd_restore(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "time", required_argument, NULL, 't' },
		{ "stop-time", required_argument, NULL, 't' },
		{ "to", required_argument, NULL, 'o' },
		{ "copy", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *to = NULL;
	char when[RTIME_ISO_MAX];
	struct restore_result res;
	const struct copy_info *ci;
	struct repo *r = NULL;
	int64_t at = rtime_now();
	unsigned long copy_no = 0;
	char *end;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ht:o:c:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return ruv_help(usage);
		case 't':
			ruv_clearerr();
			if (rtime_parse(optarg, &at) < 0)
				return ruv_usage_error(usage, "--time: %s",
						       ruv_lasterr());
			break;
		case 'o':
			to = optarg;
			break;
		case 'c':
			copy_no = strtoul(optarg, &end, 10);
			if (*end || copy_no < 1 || copy_no > 9)
				return ruv_usage_error(usage,
						       "--copy '%s': a "
						       "copy number 1-9",
						       optarg);
			break;
		default:
			return ruv_usage_error(usage, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return ruv_usage_error(usage, "restore: name one DSN");
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	rc = restore_file(r, argv[optind], at, (unsigned)copy_no, to, &res);
	if (rc == 0 && res.warning[0]) /* copies passed over */
		ruv_note("restore: warning: %s", res.warning);
	repo_close(r);
	if (rc < 0)
		return ruv_error("restore", rc);
	ci = &res.copy;
	rtime_format_iso(ci->start_us, when, sizeof(when));
	printf("restored %s to %s from the backup of %s, copy %u (%s, "
	       "volume %s)\n",
	       ci->dsn, res.target, when, ci->copy_no, ci->location,
	       ci->volser);
	return RUV_OK;
}
