// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv volume: look at volume files directly, and seal volumes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "archive.h"
#include "errmsg.h"
#include "jsonw.h"
#include "pool.h"
#include "repo.h"
#include "rtime.h"
#include "ruv.h"
#include "volume.h"

static const char usage[] =
	"usage: ruv volume scan [--verify] [--json] PATH...\n"
	"       ruv volume seal VOLSER...\n"
	"\n"
	"scan: list the data sets on volume files without any repository:\n"
	"      label, then per data set its sequence number, kind, name,\n"
	"      source DSN, time, sizes, chunks and state (ok, torn, damaged);\n"
	"      --verify also checks every chunk.  Exit 1 if a file is not a\n"
	"      readable volume or anything is torn or damaged.\n"
	"      --json: {\"volumes\": [{\"path\", \"volser\", \"pool\",\n"
	"      \"created\", \"capacity\", \"sealed\", \"datasets\": "
	"[{\"seq\",\n"
	"      \"kind\", \"name\", \"source\", \"created\", \"size\", "
	"\"stored\",\n"
	"      \"chunks\", \"offset\", \"length\", \"state\", \"meta\"}]}]}\n"
	"seal: close volumes for appending (state open -> sealed): the end\n"
	"      mark is written and the next backup opens a new volume.  Every\n"
	"      VOLSER must name an open volume, else nothing is sealed (one\n"
	"      already sealed or shipped: exit 1, EEXIST; one named twice:\n"
	"      exit 1, EINVAL).\n";

struct scan_state {
	const char *path;
	struct jsonw *j;
	int verify;
	unsigned bad;
};

static const char *state_name(const struct volume_dataset_info *di)
{
	switch (di->state) {
	case VOLUME_DS_COMPLETE:
		return "ok";
	case VOLUME_DS_TORN:
		return "torn";
	default:
		return "damaged";
	}
}

static int scan_one(const struct volume_dataset_info *di, void *arg)
{
	struct scan_state *ss = arg;
	struct volume_reader *vr = NULL;
	const char *state = state_name(di);
	char when[RTIME_ISO_MAX], line[256], name[4 * 256 + 8],
		source[4 * PATH_MAX + 8];

	if (di->state == VOLUME_DS_COMPLETE && ss->verify) {
		ruv_clearerr();
		if (volume_reader_open(ss->path, di->offset, di->length, &vr) <
			    0 ||
		    volume_reader_verify(vr) < 0) {
			state = "damaged";
			ruv_errorf(-EIO, "volume scan: %s", ruv_lasterr());
		}
		volume_reader_close(vr);
	}
	if (strcmp(state, "ok")) {
		ss->bad++;
		ruv_errorf(-EIO,
			   "volume scan: '%s': data set %u at offset %llu is "
			   "%s",
			   ss->path, di->seq, (unsigned long long)di->offset,
			   state);
	}
	rtime_format_iso(di->created_us, when, sizeof(when));
	if (!ss->j) {
		printf("  %5u %-10s %-64s %-44s %s %14llu %14llu %6u %s\n",
		       di->seq, volume_kind_name(di->kind),
		       ruv_printable(di->name, name, sizeof(name)),
		       di->source[0] ? ruv_printable(di->source, source,
						     sizeof(source))
				     : "-",
		       when, (unsigned long long)di->raw_size,
		       (unsigned long long)di->stored_size, di->nchunks, state);
		if (archive_describe(di, line, sizeof(line)))
			printf("        %s\n", line);
		return 0;
	}
	jsonw_object_open(ss->j);
	jsonw_key(ss->j, "seq");
	jsonw_uint(ss->j, di->seq);
	jsonw_key(ss->j, "kind");
	jsonw_string(ss->j, volume_kind_name(di->kind));
	jsonw_key(ss->j, "name");
	jsonw_string(ss->j, di->name);
	jsonw_key(ss->j, "source");
	jsonw_string(ss->j, di->source);
	jsonw_key(ss->j, "created");
	jsonw_time(ss->j, di->created_us);
	jsonw_key(ss->j, "size");
	jsonw_uint(ss->j, di->raw_size);
	jsonw_key(ss->j, "stored");
	jsonw_uint(ss->j, di->stored_size);
	jsonw_key(ss->j, "chunks");
	jsonw_uint(ss->j, di->nchunks);
	jsonw_key(ss->j, "offset");
	jsonw_uint(ss->j, di->offset);
	jsonw_key(ss->j, "length");
	jsonw_uint(ss->j, di->length);
	jsonw_key(ss->j, "state");
	jsonw_string(ss->j, state);
	jsonw_key(ss->j, "meta");
	jsonw_string(ss->j, di->meta_len ? (const char *)di->meta : "");
	jsonw_object_close(ss->j);
	return 0;
}

static int scan(int argc, char **argv, int verify)
{
	struct scan_state ss = { .verify = verify };
	struct volume_label label;
	char when[RTIME_ISO_MAX];
	int i, rc, failed = 0;

	if (ruv.json) {
		ss.j = jsonw_new(stdout);
		jsonw_object_open(ss.j);
		jsonw_key(ss.j, "volumes");
		jsonw_array_open(ss.j);
	}
	for (i = 0; i < argc; i++) {
		ss.path = argv[i];
		ss.bad = 0;
		ruv_clearerr();
		/* The label first, so a damaged one prints nothing. */
		rc = volume_scan(argv[i], NULL, NULL, &label);
		if (rc < 0) {
			ruv_error("volume scan", rc);
			failed = 1;
			continue;
		}
		rtime_format_iso(label.created_us, when, sizeof(when));
		if (ss.j) {
			jsonw_object_open(ss.j);
			jsonw_key(ss.j, "path");
			jsonw_string(ss.j, argv[i]);
			jsonw_key(ss.j, "volser");
			jsonw_string(ss.j, label.volser);
			jsonw_key(ss.j, "pool");
			jsonw_string(ss.j, label.pool);
			jsonw_key(ss.j, "created");
			jsonw_time(ss.j, label.created_us);
			jsonw_key(ss.j, "capacity");
			jsonw_uint(ss.j, label.capacity);
			jsonw_key(ss.j, "datasets");
			jsonw_array_open(ss.j);
		} else {
			printf("volume %s pool %s created %s capacity %llu "
			       "(%s)\n",
			       label.volser, label.pool, when,
			       (unsigned long long)label.capacity, argv[i]);
		}
		rc = volume_scan(argv[i], scan_one, &ss, &label);
		if (ss.j) {
			jsonw_array_close(ss.j);
			jsonw_key(ss.j, "sealed");
			jsonw_bool(ss.j, label.sealed);
			jsonw_object_close(ss.j);
		} else if (label.sealed) {
			printf("  sealed\n");
		}
		if (rc < 0) {
			ruv_error("volume scan", rc);
			failed = 1;
		}
		if (ss.bad)
			failed = 1;
	}
	if (ss.j) {
		jsonw_array_close(ss.j);
		jsonw_object_close(ss.j);
		jsonw_free(ss.j);
	}
	return failed ? RUV_FAILED : RUV_OK;
}

static void sealed(const char *volser, void *arg)
{
	(void)arg;
	printf("sealed %s\n", volser);
}

int cmd_volume(int argc, char **argv)
{
	static const char *const flags[] = { "verify", NULL };
	struct repo *r = NULL;
	int verify = 0;
	int *vals[] = { &verify };
	const char *sub;
	int i, rc = 0;

	i = ruv_simple_opts(argc, argv, usage, flags, vals, &rc);
	if (i < 0)
		return rc;
	if (i >= argc)
		return ruv_usage_error(usage, "volume: no subcommand");
	sub = argv[i++];
	if (i >= argc)
		return ruv_usage_error(usage, "volume %s: name at least one",
				       sub);
	if (!strcmp(sub, "scan"))
		return scan(argc - i, argv + i, verify);
	if (strcmp(sub, "seal"))
		return ruv_usage_error(usage, "volume: unknown subcommand '%s'",
				       sub);
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	rc = pool_seal_volumes(r, argv + i, (unsigned)(argc - i), sealed, NULL);
	repo_close(r);
	return rc < 0 ? ruv_error("volume seal", rc) : RUV_OK;
}
