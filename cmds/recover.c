// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv recover forward: rebuild files to a point in time from a backup and
 * the logged changes after it (catalog/recover.c does the work).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"
#include "jsonw.h"
#include "recover.h"
#include "repo.h"
#include "rtime.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv recover forward (DSN... | --group G... | --all)\n"
	"           [--stop-time T] [--to PATH | --new-name DSN]\n"
	"           [--inventory-only] [--spill PATH] [--force] [--json]\n"
	"\n"
	"Rebuild each file to T: the newest backup with a usable copy in an\n"
	"active location that started at or before T, then, from its log\n"
	"stream, the changes of the units of work committed at or before T,\n"
	"in LSN order.  Units backed out or aborted are left out, and so are\n"
	"units in flight at T, whose records go to --spill PATH.  A backup\n"
	"taken while units were writing recovers exactly: their changes are\n"
	"undone from the before-images, what the backup missed is redone.\n"
	"The file is built beside the target, fsynced and renamed over it;\n"
	"the target is the registered path, PATH (--to) or the registered\n"
	"path of another DSN (--new-name, to test the recovery first).\n"
	"In place, a file that changed since its last journaled state\n"
	"(size or mtime not as the log's last commit, or the backup, says)\n"
	"is refused unless --force.\n"
	"\n"
	"T: ISO 8601 (without a zone: site local time), or as the JCL\n"
	"members carry it, yyyyjjjhhmmsst or X and 16 hex digits (a TOD\n"
	"value), both decoded with the UTC offset and leap seconds stored\n"
	"with the current recovery point ('ruv pit show'); those forms are\n"
	"local time floored to tenths, so give the ISO form for the exact\n"
	"PIT.  Default: everything the log holds.\n"
	"\n"
	"--inventory-only: the backup copy (VOLSER, location, volume file)\n"
	"and the stream segments that would be read, and whether T is\n"
	"reachable; nothing is written.\n"
	"\n"
	"Files recover in parallel ([ruv] workers); a line per file as it\n"
	"ends goes to a terminal and to ctl's status.\n";

/* A line per file as it ends: on a terminal, and for ctl's status
 * (RUV_PROGRESS=lines).  Called one at a time. */
static void progress(void *arg, const struct recover_result *res, unsigned done,
		     unsigned total)
{
	(void)arg;
	fprintf(stderr, "recover %s: %s (%u of %u files)\n", res->dsn,
		res->rc < 0 ? "failed" : "done", done, total);
}

static void print_text(const struct recover_result *res, int inventory)
{
	char when[RTIME_ISO_MAX];

	if (res->rc < 0)
		return;
	rtime_format_iso(res->copy.start_us, when, sizeof(when));
	if (inventory) {
		printf("%s: reachable; backup of %s, copy %u on volume %s "
		       "(%s, %s)\n",
		       res->dsn, when, res->copy.copy_no, res->copy.volser,
		       res->copy.location, res->copy.volume_path);
		if (res->stream[0] && res->from_lsn)
			printf("  stream %s (%s): LSNs %llu-%llu in %s\n",
			       res->stream, res->stream_dir,
			       (unsigned long long)res->from_lsn,
			       (unsigned long long)res->to_lsn, res->segments);
		else if (res->stream[0])
			printf("  stream %s (%s): no records to read\n",
			       res->stream, res->stream_dir);
		else
			printf("  no log stream: the backup alone\n");
		return;
	}
	printf("recovered %s to %s from the backup of %s (copy %u, volume "
	       "%s): %u units applied, %u left out, %u in flight at T\n",
	       res->dsn, res->target, when, res->copy.copy_no, res->copy.volser,
	       res->units_applied, res->units_left_out, res->units_in_flight);
}

static void print_json(const struct recover_result *res, unsigned n,
		       int inventory)
{
	struct jsonw *j = jsonw_new(stdout);
	unsigned i;

	jsonw_object_open(j);
	jsonw_key(j, "files");
	jsonw_array_open(j);
	for (i = 0; i < n; i++) {
		jsonw_object_open(j);
		jsonw_key(j, "dsn");
		jsonw_string(j, res[i].dsn);
		jsonw_key(j, "ok");
		jsonw_bool(j, res[i].rc == 0);
		if (res[i].rc < 0) {
			jsonw_key(j, "error");
			jsonw_string(j, res[i].message);
			jsonw_object_close(j);
			continue;
		}
		jsonw_key(j, "target");
		if (inventory)
			jsonw_null(j);
		else
			jsonw_string(j, res[i].target);
		jsonw_key(j, "backup_id");
		jsonw_int(j, res[i].copy.backup_id);
		jsonw_key(j, "backup_start");
		jsonw_time(j, res[i].copy.start_us);
		jsonw_key(j, "copy");
		jsonw_uint(j, res[i].copy.copy_no);
		jsonw_key(j, "volser");
		jsonw_string(j, res[i].copy.volser);
		jsonw_key(j, "location");
		jsonw_string(j, res[i].copy.location);
		jsonw_key(j, "volume_path");
		jsonw_string(j, res[i].copy.volume_path);
		jsonw_key(j, "stream");
		if (res[i].stream[0])
			jsonw_string(j, res[i].stream);
		else
			jsonw_null(j);
		jsonw_key(j, "from_lsn");
		jsonw_uint(j, res[i].from_lsn);
		jsonw_key(j, "to_lsn");
		jsonw_uint(j, res[i].to_lsn);
		jsonw_key(j, "segments");
		jsonw_string(j, res[i].segments);
		jsonw_key(j, "units_applied");
		jsonw_uint(j, res[i].units_applied);
		jsonw_key(j, "units_left_out");
		jsonw_uint(j, res[i].units_left_out);
		jsonw_key(j, "units_in_flight");
		jsonw_uint(j, res[i].units_in_flight);
		jsonw_key(j, "records_applied");
		jsonw_uint(j, res[i].records_applied);
		jsonw_key(j, "records_undone");
		jsonw_uint(j, res[i].records_undone);
		jsonw_key(j, "records_spilled");
		jsonw_uint(j, res[i].records_spilled);
		jsonw_object_close(j);
	}
	jsonw_array_close(j);
	jsonw_object_close(j);
	jsonw_free(j);
	putchar('\n');
}

int cmd_recover(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "group", required_argument, NULL, 'g' },
		{ "all", no_argument, NULL, 'a' },
		{ "stop-time", required_argument, NULL, 't' },
		{ "to", required_argument, NULL, 'o' },
		{ "new-name", required_argument, NULL, 'n' },
		{ "inventory-only", no_argument, NULL, 'i' },
		{ "spill", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct recover_request req = { .stop_us = RECOVER_TIME_ALL };
	struct recover_result *res = NULL;
	const char *stop = NULL;
	char **groups = NULL;
	struct repo *r = NULL;
	unsigned ng = 0, nres = 0, i;
	int all = 0, json = ruv.json, c, rc, ret = RUV_OK;

	if (argc < 2 || strcmp(argv[1], "forward")) {
		if (argc >= 2 &&
		    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
			return ruv_help(usage);
		return ruv_usage_error(usage, "recover: say 'forward'");
	}
	argc--;
	argv++;
	groups = calloc((size_t)argc, sizeof(*groups));
	if (!groups)
		return ruv_error("recover", -ENOMEM);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			free(groups);
			return ruv_help(usage);
		case 'g':
			groups[ng++] = optarg;
			break;
		case 'a':
			all = 1;
			break;
		case 't':
			stop = optarg;
			break;
		case 'o':
			req.to = optarg;
			break;
		case 'n':
			req.new_name = optarg;
			break;
		case 'i':
			req.inventory_only = 1;
			break;
		case 's':
			req.spill = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'f':
			req.force = 1;
			break;
		default:
			free(groups);
			return ruv_usage_error(usage, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (all + (ng > 0) + (optind < argc) != 1) {
		free(groups);
		return ruv_usage_error(usage,
				       "recover forward: name DSNs, --group "
				       "G... or --all (one of them)");
	}
	if (req.to && req.new_name) {
		free(groups);
		return ruv_usage_error(usage, "recover forward: --to or "
					      "--new-name, not both");
	}
	rc = ruv_open(&r);
	if (rc != RUV_OK) {
		free(groups);
		return rc;
	}
	if (stop) {
		rc = recover_parse_time(r, stop, &req.stop_us);
		if (rc < 0) {
			repo_close(r);
			free(groups);
			return ruv_usage_error(usage, "--stop-time: %s",
					       ruv_lasterr());
		}
	}
	req.workers = ruv.cfg.workers;
	if (isatty(STDERR_FILENO) || (getenv("RUV_PROGRESS") &&
				      !strcmp(getenv("RUV_PROGRESS"), "lines")))
		req.progress = progress;
	rc = recover_forward(r, &req, argv + optind, (unsigned)(argc - optind),
			     groups, ng, all, &res, &nres);
	repo_close(r);
	free(groups);
	if (!res)
		return ruv_error("recover", rc);
	for (i = 0; i < nres; i++)
		if (res[i].rc < 0)
			ret = ruv_errorf(res[i].rc, "recover %s: %s",
					 res[i].dsn, res[i].message);
	if (rc < 0 && ret == RUV_OK) /* the spill file */
		ret = ruv_error("recover", rc);
	if (json)
		print_json(res, nres, req.inventory_only);
	else
		for (i = 0; i < nres; i++)
			print_text(&res[i], req.inventory_only);
	free(res);
	return ret;
}
