/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_ENV_H
#define RUV_ENV_H

#include <limits.h>

#include "config.h"

struct repo;

/*
 * The environment every front end opens the same way: the RUV home, the
 * configuration loaded for it, the volume search path of the process, and
 * the home's lock.  `ruv`, `ruvreprs`, `ruvtogl` and `ruvfs` all start
 * with env_open(); ruvfs opens a new one on SIGHUP and swaps it in.
 *
 * Resolution, in this order:
 *   home    the one given (--home, ruvfs's HOME operand), else $RUV_HOME,
 *           else home= of the configuration; a relative one is made
 *           absolute against the working directory at once;
 *   config  the one given (--config, -o config=), else $RUV_CONFIG, else
 *           HOME/ruv.ini when it exists, else /etc/ruv/ruv.ini when it
 *           exists, else the built-in defaults (config_find);
 *   search  volume_path of that configuration: set for the process by a
 *           successful env_open (volcat_set_search), the last one wins.
 *
 * The home lock (HOME/ruv.lock, format below) keeps ruvreprs from
 * replacing the repository under a running process.  Every ruv process
 * holds it shared for its whole run (ENV_LOCK_RUN); ruvfs, which lives as
 * long as its mount, holds it shared only while a request uses the
 * repository (ENV_LOCK_REQUEST); ruvreprs holds it exclusive
 * (ENV_LOCK_EXCLUSIVE) and is refused with -EBUSY, naming the pid and
 * verb of each running ruv process, unless asked to wait.  The locks are
 * open file description locks: they die with the process, so a kill -9
 * never leaves the home locked.  A home without a repository is not
 * locked (there is nothing to replace under anyone; ruvreprs installs the
 * first one, and a refused ruvreprs leaves such a home as it was), nor
 * one this user cannot write (home_open() refuses it anyway).
 */

enum env_lock {
	ENV_LOCK_NONE,	    /* no lock: ruv init, help */
	ENV_LOCK_RUN,	    /* shared from env_open() to exit */
	ENV_LOCK_REQUEST,   /* shared between env_request_begin/end */
	ENV_LOCK_EXCLUSIVE, /* exclusive from env_open() to exit */
};

struct env_opts {
	const char *home;   /* given, or NULL: $RUV_HOME, then home= */
	const char *config; /* given, or NULL: $RUV_CONFIG, HOME/ruv.ini... */
	int need_home;	    /* fail when no home is named anywhere */
	const char *verb;   /* recorded with the lock: "backup", "ruvfs" */
	enum env_lock lock;
	int wait; /* EXCLUSIVE: wait for running processes, not -EBUSY */
	/* Told, before env_open() blocks on the lock, who it waits for:
	 * "pid 123 (backup), pid 130 (ruvreprs)".  May be NULL. */
	void (*waiting)(const char *who, void *arg);
	void *arg;
	/* Out, on failure: what failed ("configuration", "home '/x' is
	 * busy"); the thread's message (ruv_lasterr) says why. */
	char what[PATH_MAX + 64];
};

struct env;

/*
 * Resolve the home and configuration, set the volume search path, and
 * take the lock o->lock asks for.  On failure *out is untouched, o->what
 * and the thread's message say what and why: -ENOENT no home named (only
 * with need_home), -ENAMETOOLONG, the errors of config_find(), -EBUSY
 * the home is locked by running processes (EXCLUSIVE without wait; the
 * message names each pid and verb), -EAGAIN no free slot in the lock
 * registry, or -errno from the lock file.
 */
int env_open(struct env_opts *o, struct env **out);

/* Release the lock and free; accepts NULL. */
void env_close(struct env *e);

/* The absolute home, or "" when none was named (need_home off). */
const char *env_home(const struct env *e);

/* The configuration loaded; cfg->path is "" for the built-in defaults. */
const struct config *env_config(const struct env *e);

/* Open the home's repository (home_open()). */
int env_repo_open(const struct env *e, struct repo **out);

/*
 * ENV_LOCK_REQUEST: take the home's lock shared for one request (the
 * requests of all threads inside at once share one hold); waits while
 * ruvreprs holds it, or waits for it, exclusive.  Returns 1 when it holds
 * the lock (call env_request_end once), 0 when there is nothing to hold
 * (a home without a repository, another lock kind), or -errno.
 * Thread-safe.  A request that holds it must not wait for a process that
 * takes the lock exclusive (ruvfs never runs ruv while holding it).
 */
int env_request_begin(struct env *e);
void env_request_end(struct env *e);

/*
 * The lock file, HOME/ruv.lock, version 1.  Its content is a registry;
 * the locks are OFD locks on byte ranges (F_OFD_SETLK, never classic
 * POSIX locks, which a close of any descriptor of the file would drop):
 *   [0, 1)     the home lock: shared by every holder, exclusive by ruvreprs
 *   [1, 2)     the turnstile: ruvreprs holds it exclusive from before it
 *              waits for [0, 1) to its end; a shared holder passes it
 *              (takes and drops it shared) before it takes [0, 1), so a
 *              waiting ruvreprs is not starved by new readers
 *   [0, 512)   "ruv home lock 1\n", zero padded (informative only)
 *   slot i     [512 + 128 i, 512 + 128 (i + 1)), i < ENV_LOCK_SLOTS: a
 *              process holds its slot's range exclusive while it runs and
 *              writes "PID KIND VERB\n" (KIND run, request or exclusive)
 *              there, zero padded.  A slot whose range is not locked is
 *              free whatever it holds: that is how the entry of a killed
 *              process goes stale on its own.
 * A new version keeps bytes 0 and 1 and the slot size, or takes a new
 * file name.
 */
#define ENV_LOCK_FILE  "ruv.lock"
#define ENV_LOCK_SLOTS 1024

#endif
