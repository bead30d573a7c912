// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Helpers every verb uses: configuration and home resolution, messages,
 * option parsing for the simple verbs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "home.h"
#include "repo.h"
#include "ruv.h"

struct ruv_globals ruv;

int ruv_error(const char *what, int rc)
{
	const char *why = ruv_lasterr();

	if (!*why)
		why = strerror(rc < 0 ? -rc : rc);
	fprintf(stderr, "ruv: %s: %s\n", what, why);
	return RUV_FAILED;
}

int ruv_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fputs("ruv: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(usage, stderr);
	return RUV_USAGE;
}

int ruv_help(const char *usage)
{
	fputs(usage, stdout);
	return RUV_OK;
}

int ruv_setup(int need_home)
{
	const char *home = ruv.home_opt;
	int rc;

	if (!home || !*home)
		home = getenv("RUV_HOME");
	if (home && !*home)
		home = NULL;
	ruv_clearerr();
	rc = config_find(ruv.config_opt, home, &ruv.cfg);
	if (rc < 0)
		return ruv_error("configuration", rc);
	if (!home && ruv.cfg.home[0])
		home = ruv.cfg.home;
	if (!home) {
		if (!need_home)
			return RUV_OK;
		fprintf(stderr, "ruv: no RUV home: give --home DIR, set "
		                "RUV_HOME, or set home in the configuration\n");
		return RUV_FAILED;
	}
	if (snprintf(ruv.home, sizeof(ruv.home), "%s", home) >=
	    (int)sizeof(ruv.home)) {
		fprintf(stderr, "ruv: home path too long\n");
		return RUV_FAILED;
	}
	return RUV_OK;
}

int ruv_open(struct repo **out)
{
	int rc = ruv_setup(1);

	if (rc != RUV_OK)
		return rc;
	rc = home_open(ruv.home, out);
	if (rc < 0)
		return ruv_error("cannot open repository", rc);
	return RUV_OK;
}

int ruv_simple_opts(int argc, char **argv, const char *usage,
                    const char *const *flags, int **vals, int *rc)
{
	struct option opts[8];
	unsigned n = 0, i;
	int c;

	opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	for (i = 0; flags && flags[i] && n < 7; i++)
		opts[n++] =
		    (struct option){flags[i], no_argument, NULL, 256 + (int)i};
	opts[n] = (struct option){NULL, 0, NULL, 0};
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			*rc = ruv_help(usage);
			return -1;
		}
		if (c >= 256) {
			*vals[c - 256] = 1;
			continue;
		}
		*rc = ruv_usage_error(usage, "unknown option '%s'",
		                      argv[optind - 1]);
		return -1;
	}
	return optind;
}

const char *ruv_mode_str(unsigned mode, char buf[8])
{
	snprintf(buf, 8, "%04o", mode & 07777);
	return buf;
}
