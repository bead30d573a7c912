// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Helpers every verb uses: the environment (home, configuration, search
 * path and the home lock, opened by env_open() as ruvfs opens it),
 * messages, option parsing for the simple verbs.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env.h"
#include "errmsg.h"
#include "repo.h"
#include "ruv.h"

struct ruv_globals ruv;

/* The program's name in its messages: each main sets it. */
const char *ruv_prog = "ruv";

/*
 * The one error path of the CLI.  Every failure a verb reports goes
 * through ruv_error(), ruv_errorf() or ruv_usage_error(): each prints the
 * message and tells the errno behind it to a caller that asked through
 * $RUV_ERRNO_FD (ruvfs, for a ctl line: the write to ctl fails with it;
 * ruvfs takes the first one told).  ruv_note() and ruv_warn() are for
 * what is not a failure.
 */
static void report_errno(int err)
{
	const char *fd = getenv("RUV_ERRNO_FD");

	if (err < 0)
		err = -err;
	if (err <= 0 || err > 4095)
		err = EIO;
	if (fd && *fd)
		dprintf(atoi(fd), "%d\n", err);
}

int ruv_error(const char *what, int rc)
{
	const char *why = ruv_lasterr();

	report_errno(rc);
	if (!*why)
		why = strerror(rc < 0 ? -rc : rc);
	fprintf(stderr, "%s: %s: %s\n", ruv_prog, what, why);
	return RUV_FAILED;
}

int ruv_errorf(int rc, const char *fmt, ...)
{
	va_list ap;

	report_errno(rc);
	fprintf(stderr, "%s: ", ruv_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return RUV_FAILED;
}

void ruv_note(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", ruv_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * The command a usage text is about, from its first line: "ruv VERB" or
 * the program alone ("ruv", "ruvtogl").
 */
static void usage_command(const char *usage, char *buf, size_t len)
{
	const char *p = usage;
	size_t w;
	int words = 0, n = 0;

	if (!strncmp(p, "usage: ", 7))
		p += 7;
	buf[0] = '\0';
	while (words < 2) {
		w = strspn(p, "abcdefghijklmnopqrstuvwxyz-");
		if (!w || (p[w] && p[w] != ' ' && p[w] != '\n'))
			break;
		if (words == 1 && strcmp(buf, "ruv"))
			break;
		n += snprintf(buf + n, len - (size_t)n, "%s%.*s",
			      words ? " " : "", (int)w, p);
		if ((size_t)n >= len)
			break;
		words++;
		p += w;
		if (*p != ' ')
			break;
		p++;
	}
	if (!buf[0])
		snprintf(buf, len, "%s", ruv_prog);
}

int ruv_usage_error(const char *usage, const char *fmt, ...)
{
	char cmd[64];
	va_list ap;

	report_errno(EINVAL);
	fprintf(stderr, "%s: ", ruv_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage_command(usage, cmd, sizeof(cmd));
	fprintf(stderr, "see '%s --help'\n", cmd);
	return RUV_USAGE;
}

int ruv_help(const char *usage)
{
	fputs(usage, stdout);
	/* A verb's usage: where the global options go, as ruv --help says. */
	if (!strncmp(usage, "usage: ruv ", 11))
		fputs("\nGlobal options, before or after the verb: --home DIR,"
		      " --config FILE,\n--json (see 'ruv --help').\n",
		      stdout);
	return RUV_OK;
}

/* Before blocking on the home lock: say whom we wait for. */
static void lock_waiting(const char *who, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s: waiting for %s\n", ruv_prog, who);
}

int ruv_setup(int need_home)
{
	struct env_opts o = {
		.home = ruv.home_opt,
		.config = ruv.config_opt,
		.need_home = need_home,
		.verb = ruv.verb ? ruv.verb : "ruv",
		.lock = ruv.exclusive ? ENV_LOCK_EXCLUSIVE : ENV_LOCK_RUN,
		.wait = ruv.wait,
		.waiting = lock_waiting,
	};
	struct env *e = NULL;
	int rc;

	if (ruv.env && (ruv.home[0] || !need_home))
		return RUV_OK; /* a verb that asks twice */
	ruv_clearerr();
	rc = env_open(&o, &e);
	if (rc < 0)
		return ruv_error(o.what, rc);
	env_close(ruv.env);
	ruv.env = e;
	ruv.cfg = *env_config(e);
	snprintf(ruv.home, sizeof(ruv.home), "%s", env_home(e));
	return RUV_OK;
}

int ruv_open(struct repo **out)
{
	int rc = ruv_setup(1);

	if (rc != RUV_OK)
		return rc;
	rc = env_repo_open(ruv.env, out);
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

	opts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	for (i = 0; flags && flags[i] && n < 7; i++)
		opts[n++] = (struct option){ flags[i], no_argument, NULL,
					     256 + (int)i };
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
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

const char *ruv_printable(const char *s, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;
	unsigned char c;

	for (; *s && k + 5 <= cap; s++) {
		c = (unsigned char)*s;
		if (c == '\\') {
			buf[k++] = '\\';
			buf[k++] = '\\';
		} else if (c < 0x20 || c == 0x7f) {
			buf[k++] = '\\';
			buf[k++] = 'x';
			buf[k++] = hex[c >> 4];
			buf[k++] = hex[c & 15];
		} else {
			buf[k++] = (char)c;
		}
	}
	buf[k] = '\0';
	return buf;
}

const char *ruv_mode_str(unsigned mode, char buf[8])
{
	snprintf(buf, 8, "%04o", mode & 07777);
	return buf;
}

/* Take the value of --opt VALUE or --opt=VALUE at argv[*i]. */
static int take_value(int argc, char **argv, int *i, const char *opt,
		      const char **out)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n))
		return 0;
	if (argv[*i][n] == '=') {
		*out = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n])
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*out = argv[++*i];
	return 1;
}

/* Remove the global options from argv; returns the new argc or -1. */
int ruv_take_globals(int argc, char **argv, const char *usage)
{
	int i, j = 1, t;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (i < argc)
				argv[j++] = argv[i++];
			break;
		}
		if ((t = take_value(argc, argv, &i, "--home", &ruv.home_opt)) ||
		    (t = take_value(argc, argv, &i, "--config",
				    &ruv.config_opt))) {
			if (t < 0) {
				ruv_usage_error(usage, "'%s' needs a value",
						argv[i]);
				return -1;
			}
			if (ruv.home_opt && !*ruv.home_opt) {
				ruv_usage_error(usage,
						"'--home' needs a directory,"
						" not an empty string");
				return -1;
			}
			if (ruv.config_opt && !*ruv.config_opt) {
				ruv_usage_error(usage,
						"'--config' needs a file,"
						" not an empty string");
				return -1;
			}
			continue;
		}
		if (!strcmp(argv[i], "--json")) {
			ruv.json = 1;
			continue;
		}
		argv[j++] = argv[i];
	}
	argv[j] = NULL;
	return j;
}

/*
 * Standard output is the result of a listing or report: output that did
 * not all reach it (a full disk, a closed pipe reader, /dev/full) is a
 * failure, whatever the verb said.  A stdout closed before we started
 * (EBADF) with nothing written to it is no failure.
 */
int ruv_exit(int rc)
{
	int err = 0;

	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		err = errno ? errno : EIO;
	if (fclose(stdout) != 0 && !err && errno != EBADF)
		err = errno;
	if (!err)
		return rc;
	report_errno(err);
	fprintf(stderr, "%s: write error on standard output: %s\n", ruv_prog,
		strerror(err));
	return RUV_FAILED;
}
