// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv file: register, unregister and list protected files.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "file.h"
#include "jsonw.h"
#include "logcat.h"
#include "repo.h"
#include "rtime.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv file register DSN PATH\n"
	"       ruv file unregister DSN\n"
	"       ruv file list [--json]\n"
	"       ruv file show DSN [--json]\n"
	"\n"
	"DSN: 1-44 characters, qualifiers of 1-8 separated by dots, each\n"
	"starting with a letter or @#$, then letters, digits, @#$-; folded\n"
	"to upper case.  PATH: a readable regular file, stored canonical.\n"
	"A file with backups in the repository cannot be unregistered.\n"
	"show: the registration and the log stream that journals the file\n"
	"(the first stream to journal it; '-' when none has yet).\n"
	"\n"
	"--json: {\"files\": [{\"dsn\", \"path\", \"uid\", \"gid\", \"mode\",\n"
	"        \"registered\"}]} with mode an octal string, registered ISO\n"
	"        8601 UTC.  show: one such object with \"stream\" (null when\n"
	"        none).\n";

static int print_text(const struct file_info *fi, void *arg)
{
	char when[RTIME_ISO_MAX], mode[8], path[4 * PATH_MAX + 8];

	(void)arg;
	rtime_format_iso(fi->registered_us, when, sizeof(when));
	printf("%-44s %s %5u %5u %-27s %s\n", fi->dsn,
	       ruv_mode_str(fi->mode, mode), (unsigned)fi->uid,
	       (unsigned)fi->gid, when,
	       ruv_printable(fi->path, path, sizeof(path)));
	return 0;
}

static void json_fields(struct jsonw *j, const struct file_info *fi)
{
	char mode[8];

	jsonw_key(j, "dsn");
	jsonw_string(j, fi->dsn);
	jsonw_key(j, "path");
	jsonw_string(j, fi->path);
	jsonw_key(j, "uid");
	jsonw_uint(j, fi->uid);
	jsonw_key(j, "gid");
	jsonw_uint(j, fi->gid);
	jsonw_key(j, "mode");
	jsonw_string(j, ruv_mode_str(fi->mode, mode));
	jsonw_key(j, "registered");
	jsonw_time(j, fi->registered_us);
}

static int print_json(const struct file_info *fi, void *arg)
{
	struct jsonw *j = arg;

	jsonw_object_open(j);
	json_fields(j, fi);
	jsonw_object_close(j);
	return 0;
}

static int file_show_cmd(struct repo *r, const char *dsn)
{
	char stream[LOGCAT_NAME_MAX + 1], when[RTIME_ISO_MAX], mode[8];
	struct file_info fi;
	struct jsonw *j;
	int rc;

	rc = logcat_file_stream(r, dsn, &fi, stream);
	if (rc < 0)
		return ruv_error("file show", rc);
	if (!ruv.json) {
		rtime_format_iso(fi.registered_us, when, sizeof(when));
		printf("dsn: %s\npath: %s\nuid: %u\ngid: %u\nmode: %s\n"
		       "registered: %s\nstream: %s\n",
		       fi.dsn, fi.path, (unsigned)fi.uid, (unsigned)fi.gid,
		       ruv_mode_str(fi.mode, mode), when,
		       rc == 0 ? stream : "-");
		return RUV_OK;
	}
	j = jsonw_new(stdout);
	if (!j)
		return ruv_error("file show", -12);
	jsonw_object_open(j);
	json_fields(j, &fi);
	jsonw_key(j, "stream");
	if (rc == 0)
		jsonw_string(j, stream);
	else
		jsonw_null(j);
	jsonw_object_close(j);
	jsonw_free(j);
	return RUV_OK;
}

static int file_list_cmd(struct repo *r)
{
	struct jsonw *j;
	int rc;

	if (!ruv.json) {
		printf("%-44s %-4s %5s %5s %-27s %s\n", "DSN", "MODE", "UID",
		       "GID", "REGISTERED", "PATH");
		rc = file_list(r, NULL, 0, print_text, NULL);
		return rc < 0 ? ruv_error("file list", rc) : RUV_OK;
	}
	j = jsonw_new(stdout);
	if (!j)
		return ruv_error("file list", -ENOMEM);
	jsonw_object_open(j);
	jsonw_key(j, "files");
	jsonw_array_open(j);
	rc = file_list(r, NULL, 0, print_json, j);
	jsonw_array_close(j);
	jsonw_object_close(j);
	jsonw_free(j);
	return rc < 0 ? ruv_error("file list", rc) : RUV_OK;
}

int cmd_file(int argc, char **argv)
{
	struct file_info fi;
	struct repo *r = NULL;
	const char *sub;
	int rc, i;

	i = ruv_simple_opts(argc, argv, usage, NULL, NULL, &rc);
	if (i < 0)
		return rc;
	if (i >= argc)
		return ruv_usage_error(usage, "file: no subcommand");
	sub = argv[i++];
	if (!strcmp(sub, "register")) {
		if (argc - i != 2)
			return ruv_usage_error(usage, "file register: needs "
						      "DSN and PATH");
	} else if (!strcmp(sub, "unregister")) {
		if (argc - i != 1)
			return ruv_usage_error(usage, "file unregister: needs "
						      "one DSN");
	} else if (!strcmp(sub, "show")) {
		if (argc - i != 1)
			return ruv_usage_error(usage, "file show: needs "
						      "one DSN");
	} else if (!strcmp(sub, "list")) {
		if (argc - i != 0)
			return ruv_usage_error(usage,
					       "file list: unexpected "
					       "argument '%s'",
					       argv[i]);
	} else {
		return ruv_usage_error(usage, "file: unknown subcommand '%s'",
				       sub);
	}
	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	if (!strcmp(sub, "register")) {
		rc = file_register(r, argv[i], argv[i + 1], &fi);
		if (rc < 0)
			rc = ruv_error("file register", rc);
		else
			printf("registered %s %s\n", fi.dsn, fi.path);
	} else if (!strcmp(sub, "unregister")) {
		rc = file_unregister(r, argv[i]);
		rc = rc < 0 ? ruv_error("file unregister", rc) : RUV_OK;
	} else if (!strcmp(sub, "show")) {
		rc = file_show_cmd(r, argv[i]);
	} else {
		rc = file_list_cmd(r);
	}
	repo_close(r);
	return rc;
}
