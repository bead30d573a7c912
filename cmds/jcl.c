// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv jcl: the recovery JCL library.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <getopt.h>

#include "backup.h"
#include "errmsg.h"
#include "jcl.h"
#include "jsonw.h"
#include "rtime.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv jcl init\n"
	"       ruv jcl list\n"
	"       ruv jcl show MEMBER\n"
	"       ruv jcl backup\n"
	"       ruv jcl restore [--from DIR|FILE|VOLSER]... [--time T] "
	"[--force]\n"
	"\n"
	"The recovery JCL library is HOME/jcl: plain text members (file names\n"
	"without a leading dot; dot files are editor scratch).\n"
	"init: write the starter members of the remote-site runbook (restore\n"
	"      the repository, toggle, recover to the PIT, and the Db2, IMS\n"
	"      and VSAM statements that carry the PIT); never overwrites.\n"
	"list: members and sizes; an entry that is not a usable member (a\n"
	"      directory, a symbolic link, binary, too large) is flagged BAD\n"
	"      with the reason.  --json: {\"members\": [{\"name\", \"size\",\n"
	"      \"problem\"}]}, problem null for a usable member.\n"
	"show: a member's text.\n"
	"backup: every member as one data set of kind jcl on copy 1 (Local)\n"
	"      and copy 2 (Staging), shipped by the pull list like any copy.\n"
	"restore: with no repository (remote-site step 1): the newest JCL\n"
	"      library backup at or before T on the volumes (--from, else the\n"
	"      catalogued volumes and the pool directories); a member that\n"
	"      exists and differs (or cannot be read) is replaced only with\n"
	"      --force.  A damaged newest backup is refused, naming it: "
	"--time\n"
	"      before it takes the older one.\n";

static void written(const char *m, void *arg)
{
	(void)arg;
	printf("wrote %s\n", m);
}

static int listed(const char *m, uint64_t size, const char *problem, void *arg)
{
	struct jsonw *j = arg;

	if (j) {
		jsonw_object_open(j);
		jsonw_key(j, "name");
		jsonw_string(j, m);
		jsonw_key(j, "size");
		jsonw_uint(j, size);
		jsonw_key(j, "problem");
		if (problem)
			jsonw_string(j, problem);
		else
			jsonw_null(j);
		jsonw_object_close(j);
	} else if (problem) {
		printf("%-16s %8llu  BAD: %s\n", m, (unsigned long long)size,
		       problem);
	} else {
		printf("%-16s %8llu\n", m, (unsigned long long)size);
	}
	return 0;
}

static void list_ignored(const char *name, const char *why, void *arg)
{
	struct jsonw *j = arg;
	char shown[4 * 256 + 8];

	if (j) {
		jsonw_object_open(j);
		jsonw_key(j, "name");
		jsonw_string(j, name);
		jsonw_key(j, "size");
		jsonw_uint(j, 0);
		jsonw_key(j, "problem");
		jsonw_string(j, why);
		jsonw_key(j, "ignored");
		jsonw_bool(j, 1);
		jsonw_object_close(j);
	} else {
		printf("%-16s %8s  IGNORED: %s\n",
		       ruv_printable(name, shown, sizeof(shown)), "-", why);
	}
}

static void warn_not_backed_up(const char *name, const char *why, void *arg)
{
	char shown[4 * 256 + 8];

	(void)arg;
	ruv_note("warning: jcl/%s is ignored, not backed up: %s",
		 ruv_printable(name, shown, sizeof(shown)), why);
}

static int list_members(void)
{
	struct jsonw *j = NULL;
	int rc;

	if (ruv.json) {
		j = jsonw_new(stdout);
		if (!j)
			return -ENOMEM;
		jsonw_object_open(j);
		jsonw_key(j, "members");
		jsonw_array_open(j);
	}
	rc = jcl_list(ruv.home, listed, j);
	if (rc == 0)
		rc = jcl_ignored(ruv.home, list_ignored, j);
	if (j) {
		jsonw_array_close(j);
		jsonw_object_close(j);
		jsonw_free(j);
	}
	return rc;
}

static void restored(const char *m, const char *what, void *arg)
{
	(void)arg;
	printf("%s %s\n", what, m);
}

static int jcl_restore_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "from", required_argument, NULL, 'f' },
		{ "time", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	struct jcl_restored res;
	char when[RTIME_ISO_MAX];
	char *from[64];
	unsigned nfrom = 0;
	int64_t at = rtime_now();
	int force = 0, c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hf:t:F", opts, NULL)) != -1) {
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
			break;
		case 'F':
			force = 1;
			break;
		case ':':
			return ruv_usage_error(usage,
					       "'%s': the value is missing",
					       argv[optind - 1]);
		default:
			return ruv_usage_error(usage, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return ruv_usage_error(usage, "unexpected argument '%s'",
				       argv[optind]);
	rc = ruv_setup(1);
	if (rc != RUV_OK)
		return rc;
	rc = jcl_restore(ruv.home, &ruv.cfg, from, nfrom, at, force, restored,
			 NULL, &res);
	if (rc < 0)
		return ruv_error("jcl restore", rc);
	rtime_format_iso(res.created_us, when, sizeof(when));
	printf("restored the JCL library of %s from volume %s, data set %u: "
	       "%u members, %u written, %u already the same\n",
	       when, res.volser, res.seq, res.members, res.written, res.same);
	return RUV_OK;
}

int cmd_jcl(int argc, char **argv)
{
	struct backup_request req = { 0 };
	struct backup_result bres;
	const char *sub;
	int i, rc = 0;

	if (argc >= 2 && !strcmp(argv[1], "restore"))
		return jcl_restore_cmd(argc - 1, argv + 1);
	if (argc == 2 && !strcmp(argv[1], "backup")) {
		rc = ruv_setup(1);
		if (rc != RUV_OK)
			return rc;
		req.home = ruv.home;
		req.cfg = &ruv.cfg;
		rc = backup_jcl(&req, &bres);
		if (rc < 0)
			return ruv_error("jcl backup", rc);
		printf("backed up the JCL library: %llu bytes, JCL backup "
		       "%lld\n",
		       (unsigned long long)bres.size,
		       (long long)bres.backup_id);
		jcl_ignored(ruv.home, warn_not_backed_up, NULL);
		return RUV_OK;
	}

	i = ruv_simple_opts(argc, argv, usage, NULL, NULL, &rc);
	if (i < 0)
		return rc;
	if (i >= argc)
		return ruv_usage_error(usage, "jcl: no subcommand");
	sub = argv[i++];
	if ((!strcmp(sub, "init") || !strcmp(sub, "list")) ? i != argc
	    : !strcmp(sub, "show")			   ? argc - i != 1
							   : 1)
		return ruv_usage_error(usage, "jcl: init, list or show MEMBER");
	rc = ruv_setup(1);
	if (rc != RUV_OK)
		return rc;
	if (!strcmp(sub, "init"))
		rc = jcl_init(ruv.home, written, NULL);
	else if (!strcmp(sub, "list"))
		rc = list_members();
	else
		rc = jcl_show(ruv.home, argv[i], stdout);
	return rc < 0 ? ruv_error("jcl", rc) : RUV_OK;
}
