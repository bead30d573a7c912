// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruvreprs: restore the repository from the newest repository backup on
 * the volumes (remote-site step 4).  Also `ruv repo restore`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "reprs.h"
#include "rtime.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruvreprs [--home DIR] [--config FILE] [--from "
	"DIR|FILE|VOLSER]...\n"
	"                [--time T] [--force] [--wait]\n"
	"usage: ruv reprs [same options]\n"
	"\n"
	"With no repository: find the newest repository backup created at or\n"
	"before T (default now) on the volumes (--from, else every catalogued\n"
	"volume, the directories of volume_path and the home's pool\n"
	"directories), check every chunk, and install it as the home's\n"
	"repository atomically.  If the newest one is damaged nothing is\n"
	"installed: --time before it takes the older one.  A live repository\n"
	"is replaced only with --force, and then kept aside as\n"
	"repository.db.replaced-STAMP.  Afterwards the repository's volumes\n"
	"are found through the volume catalog (ruv catalog) and volume_path.\n"
	"The repository backup is taken before the pull list that ships it,\n"
	"so every copy the restored repository has in Staging moves to\n"
	"Offsite; a warning names each of their volumes that is not here.\n"
	"\n"
	"Every ruv process holds the home's lock while it runs; ruvreprs\n"
	"takes it exclusive, and is refused (nothing changed) naming the pid\n"
	"and verb of each one running, unless --wait: then it says whom it\n"
	"waits for, waits, and T defaults to the time the wait ended.\n"
	"Requests of a ruvfs mount are always waited for (they are short).\n";

int cmd_reprs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "from", required_argument, NULL, 'f' },
		{ "time", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'F' },
		{ "wait", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	char *from[64];
	unsigned nfrom = 0;
	struct reprs_result res;
	char when[RTIME_ISO_MAX], *v, *save = NULL;
	int64_t at = 0;
	int force = 0, have_time = 0, c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hf:t:Fw", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return ruv_help(usage);
		case 'f':
			if (nfrom == 64)
				return ruv_usage_error(usage,
						       "too many --from");
			from[nfrom++] = optarg;
			break;
		case 't':
			ruv_clearerr();
			if (rtime_parse(optarg, &at) < 0)
				return ruv_usage_error(usage, "--time: %s",
						       ruv_lasterr());
			have_time = 1;
			break;
		case 'F':
			force = 1;
			break;
		case 'w':
			ruv.wait = 1;
			break;
		default:
			return ruv_usage_error(usage, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return ruv_usage_error(usage, "unexpected argument '%s'",
				       argv[optind]);
	ruv.exclusive = 1;
	rc = ruv_setup(1);
	if (rc != RUV_OK)
		return rc;
	if (!have_time) /* now: after any wait for the home lock */
		at = rtime_now();
	rc = reprs_restore(ruv.home, &ruv.cfg, from, nfrom, at, force, &res);
	if (rc < 0)
		return ruv_error("ruvreprs", rc);
	rtime_format_iso(res.created_us, when, sizeof(when));
	printf("restored the repository of %s (%llu bytes) from volume %s, "
	       "data set %u (%s)\n",
	       when, (unsigned long long)res.size, res.volser, res.seq,
	       res.volume);
	if (res.arrived)
		printf("%u copies moved from Staging to Offsite (shipped after "
		       "the repository backup); %u of their %u volume(s) are "
		       "here\n",
		       res.arrived, res.here, res.volumes);
	for (v = res.missing ? strtok_r(res.missing, " ", &save) : NULL; v;
	     v = strtok_r(NULL, " ", &save))
		fprintf(stderr,
			"ruvreprs: warning: volume '%s' is not here (not "
			"catalogued, not on volume_path): its copies cannot be "
			"restored\n",
			v);
	free(res.missing);
	if (res.replaced[0])
		printf("the previous repository is kept as %s\n", res.replaced);
	return RUV_OK;
}
