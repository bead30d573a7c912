/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_CMDS_RUV_H
#define RUV_CMDS_RUV_H

/*
 * What the verbs of the ruv command share: the global options, the
 * resolved configuration and home, and the conventions for messages and
 * exit codes (0 done, 1 failed, 2 usage).
 */

#include <limits.h>

#include "config.h"

struct env;
struct repo;

enum { RUV_OK = 0, RUV_FAILED = 1, RUV_USAGE = 2 };

struct ruv_globals {
	const char *home_opt;	/* --home, or NULL */
	const char *config_opt; /* --config, or NULL */
	int json;		/* --json */
	const char *verb;	/* recorded with the home lock: "backup" */
	int exclusive;		/* take the home lock exclusive (ruvreprs) */
	int wait;		/* exclusive: wait for running processes */
	struct env *env;	/* after ruv_setup(); held to exit */
	struct config cfg;	/* after ruv_setup(): env_config(env) */
	char home[PATH_MAX];	/* after ruv_setup(): env_home(env) */
};

extern struct ruv_globals ruv;

/* The program's name that starts every message ("ruv", "ruvtogl",
 * "ruvreprs"); set by main before anything is printed. */
extern const char *ruv_prog;

/*
 * Open the environment (env_open): resolve the home, load the
 * configuration, set the volume search path, and take the home lock,
 * shared for the rest of the process (exclusive with ruv.exclusive),
 * saying on stderr whom it waits for.  Prints why on failure.
 * need_home: fail when no home is named anywhere.
 */
int ruv_setup(int need_home);

/* ruv_setup(1) and open the home's repository; RUV_FAILED on failure. */
int ruv_open(struct repo **out);

/*
 * The one error path: every failure a verb reports goes through
 * ruv_error(), ruv_errorf() or ruv_usage_error(), which print the message
 * and tell the errno behind it to a caller that asked through
 * $RUV_ERRNO_FD (ruvfs runs ctl lines so: the write to ctl fails with
 * it).  No verb prints a failure with fprintf.
 */

/* "ruv: what: why" on stderr, why being the library's message or the
 * errno text; reports rc (-errno).  Returns RUV_FAILED. */
int ruv_error(const char *what, int rc);

/* "ruv: " and the formatted message on stderr; reports rc (-errno).
 * Returns RUV_FAILED.  For a failure whose message is not the library's
 * last one (one file of many). */
int ruv_errorf(int rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "ruv: " and the formatted message on stderr, for what is no failure
 * (nothing to ship, a warning); reports nothing. */
void ruv_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * "ruv: msg" and "see 'ruv VERB --help'" (the command named on the first
 * line of usage) on stderr; returns RUV_USAGE.
 */
int ruv_usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print usage on stdout; returns RUV_OK.  For --help. */
int ruv_help(const char *usage);

/*
 * Parse the options of a verb that takes only --help and the given
 * boolean flags (NULL-terminated long names, each setting *vals[i]).
 * Returns the index of the first operand, or -1 after printing usage
 * (*rc set to the exit code).
 */
int ruv_simple_opts(int argc, char **argv, const char *usage,
		    const char *const *flags, int **vals, int *rc);

/*
 * Take the global options (--home, --config, --json) out of argv wherever
 * they stand before "--"; returns the new argc, or -1 after a usage
 * message.
 */
int ruv_take_globals(int argc, char **argv, const char *usage);

/*
 * The exit status of a program whose verb returned rc: rc, unless
 * standard output could not be written completely (checked by flushing
 * and closing it), then a message and RUV_FAILED.  Every main returns
 * through it.
 */
int ruv_exit(int rc);

/* Mode bits as "0644". */
const char *ruv_mode_str(unsigned mode, char buf[8]);

int cmd_accumulate(int argc, char **argv);
int cmd_archive(int argc, char **argv);
/* s for a line of text output: control characters and backslash as \xNN
 * and \\, so a name cannot split a line or forge one; cut to fit cap
 * (at least 8).  Returns buf. */
const char *ruv_printable(const char *s, char *buf, size_t cap);

int cmd_backup(int argc, char **argv);
int cmd_catalog(int argc, char **argv);
int cmd_file(int argc, char **argv);
int cmd_group(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_jcl(int argc, char **argv);
int cmd_location(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_log_prune(int argc, char **argv);
int cmd_pit(int argc, char **argv);
int cmd_pull_list(int argc, char **argv);
int cmd_recover(int argc, char **argv);
int cmd_relocate(int argc, char **argv);
int cmd_repo(int argc, char **argv);
int cmd_reprs(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_shipment(int argc, char **argv);
int cmd_toggle(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_volume(int argc, char **argv);

#endif
