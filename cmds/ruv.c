// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv: the command-line front end of the recovery catalog.
 *
 * One binary, a sorted table of verbs; each verb is cmd_<verb>() in its
 * own file with its usage text at the top.  Global options (--home,
 * --config, --json) may stand anywhere before "--" and are taken out
 * before the verb sees its arguments, so `ruv file list --json` and
 * `ruv --json file list` mean the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruv-config.h"
#include "ruv.h"

struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Sorted by name: looked up with bsearch. */
static const struct verb verbs[] = {
	{ "accumulate", cmd_accumulate,
	  "merge the archives into consolidated ones" },
	{ "archive", cmd_archive,
	  "archive the log streams (user data and units of work)" },
	{ "backup", cmd_backup, "back up files and groups (local + offsite)" },
	{ "catalog", cmd_catalog, "index arrived volume files by VOLSER" },
	{ "file", cmd_file, "register, unregister and list protected files" },
	{ "group", cmd_group, "define groups of files and change members" },
	{ "help", cmd_help, "list the verbs, or show one verb's usage" },
	{ "history", cmd_history, "show the action history" },
	{ "init", cmd_init, "create a RUV home" },
	{ "jcl", cmd_jcl, "the recovery JCL library" },
	{ "location", cmd_location, "list and define locations" },
	{ "log", cmd_log, "log streams: define, list, show, write, delete" },
	{ "pit", cmd_pit, "set or show the recovery point" },
	{ "pull-list", cmd_pull_list,
	  "what waits in Staging; --commit ships it" },
	{ "recover", cmd_recover,
	  "recover files to a point in time (forward recovery)" },
	{ "relocate", cmd_relocate, "move copies to another location" },
	{ "repo", cmd_repo, "back up or check the repository" },
	{ "report", cmd_report, "the Backup and volume reports" },
	{ "reprs", cmd_reprs,
	  "restore the repository from volumes (ruvreprs)" },
	{ "restore", cmd_restore, "restore a file from a backup copy" },
	{ "shipment", cmd_shipment, "list, show and export shipments" },
	{ "toggle", cmd_toggle, "inactivate/activate locations (ruvtogl)" },
	{ "verify", cmd_verify, "check every chunk of backup copies" },
	{ "version", cmd_version, "print the version" },
	{ "volume", cmd_volume, "scan volume files; seal volumes" },
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

static const char usage[] =
	"usage: ruv [--home DIR] [--config FILE] [--json] VERB [ARGS...]\n"
	"       ruv help [VERB]\n"
	"       ruv -V | --version\n"
	"\n"
	"  --home DIR     the RUV home (default: $RUV_HOME, then home= in\n"
	"                 the configuration)\n"
	"  --config FILE  the configuration (default: $RUV_CONFIG, then\n"
	"                 HOME/ruv.ini, then " RUV_SYSCONFDIR "/ruv/ruv.ini,\n"
	"                 then built-in)\n"
	"  --json         reports and listings as JSON\n"
	"\n"
	"Exit status: 0 done, 1 failed, 2 usage error.\n";

static int verb_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct verb *)elem)->name);
}

static const struct verb *find_verb(const char *name)
{
	return bsearch(name, verbs, NVERBS, sizeof(verbs[0]), verb_cmp);
}

static const char help_usage[] =
	"usage: ruv help [VERB]\n"
	"\n"
	"List the global options and the verbs; with VERB, show its usage\n"
	"(the same as 'ruv VERB --help').\n";

static const char version_usage[] = "usage: ruv version\n"
				    "       ruv --version\n"
				    "\n"
				    "Print the version of ruv.\n";

static int is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

int cmd_help(int argc, char **argv)
{
	const struct verb *v;
	char *help_argv[] = { NULL, (char *)"--help", NULL };
	size_t i;

	if (argc > 1 && is_help(argv[1]))
		return ruv_help(help_usage);
	if (argc > 2)
		return ruv_usage_error(help_usage, "unexpected argument '%s'",
				       argv[2]);
	if (argc > 1) {
		v = find_verb(argv[1]);
		if (!v)
			return ruv_usage_error(usage, "unknown verb '%s'",
					       argv[1]);
		help_argv[0] = argv[1];
		return v->fn(2, help_argv);
	}
	fputs(usage, stdout);
	fputs("\nVerbs:\n", stdout);
	for (i = 0; i < NVERBS; i++)
		printf("  %-10s %s\n", verbs[i].name, verbs[i].summary);
	fputs("\n'ruv VERB --help' shows the usage of a verb.\n", stdout);
	return RUV_OK;
}

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && is_help(argv[1]))
		return ruv_help(version_usage);
	if (argc > 1)
		return ruv_usage_error(version_usage,
				       "unexpected argument '%s'", argv[1]);
	printf("ruv %s\n", RUV_VERSION);
	return RUV_OK;
}

static int run(int argc, char **argv)
{
	const struct verb *v;

	argc = ruv_take_globals(argc, argv, usage);
	if (argc < 0)
		return RUV_USAGE;
	if (argc < 2)
		return ruv_usage_error(usage, "no verb given");
	if (is_help(argv[1]))
		return cmd_help(1, argv);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return cmd_version(1, argv);
	v = find_verb(argv[1]);
	if (!v)
		return ruv_usage_error(usage, "unknown verb '%s'", argv[1]);
	ruv.verb = v->name;
	return v->fn(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	ruv_prog = "ruv";
	return ruv_exit(run(argc, argv));
}
