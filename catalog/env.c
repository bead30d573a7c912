// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The environment of a front end: home, configuration, volume search path
 * and the home lock, resolved once and the same way for ruv, ruvreprs,
 * ruvtogl and ruvfs (see env.h for the order of resolution and the lock
 * file's format).
 *
 * The lock is a registry and a lock in one file.  Each process claims a
 * slot by locking its byte range exclusive and writes its pid and verb
 * there; the home lock itself is byte 0.  ruvreprs, finding byte 0 taken,
 * reads the slots whose ranges are locked to say who runs: a slot that is
 * not locked is stale (its process is gone, the kernel dropped its locks)
 * whatever it still says, so nothing ever needs cleaning up.  OFD locks
 * belong to the open file description: a thread of ruvfs taking byte 0
 * shared is the same owner as its other threads, hence the count of
 * requests inside (under mu) and one hold for all of them.
 *
 * Cost: env_open reads the configuration and, for a home with a
 * repository, opens the lock file and scans slots up to the first free
 * one; a ruvfs request that uses the repository makes three fcntl calls
 * on the lock file (turnstile in and out, and byte 0 when it is the first
 * inside) and one at its end when it is the last.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "env.h"
#include "errmsg.h"
#include "home.h"
#include "volcat.h"

#define SLOT_BASE 512
#define SLOT_SIZE 128
#define HEADER	  "ruv home lock 1\n"

struct env {
	char home[PATH_MAX]; /* absolute; "" when none */
	struct config cfg;
	enum env_lock lock;
	char verb[64];
	int fd;		    /* the lock file, or -1 (not locked) */
	pthread_mutex_t mu; /* REQUEST: fd opening and inside */
	unsigned inside;    /* REQUEST: requests holding byte 0 */
};

static const char *const kind_names[] = {
	[ENV_LOCK_NONE] = "none",
	[ENV_LOCK_RUN] = "run",
	[ENV_LOCK_REQUEST] = "request",
	[ENV_LOCK_EXCLUSIVE] = "exclusive",
};

/* One OFD lock call on [start, start + len); 0 or -errno (-EAGAIN: held). */
static int ofd(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type,
			    .l_whence = SEEK_SET,
			    .l_start = start,
			    .l_len = len };
	int rc;

	do
		rc = fcntl(fd, cmd, &fl);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return errno == EACCES ? -EAGAIN : -errno;
	return 0;
}

static off_t slot_off(unsigned i)
{
	return SLOT_BASE + (off_t)i * SLOT_SIZE;
}

/*
 * "pid N (verb), ..." for each live slot of kind want (other than ours:
 * our own locks never conflict with us, so our slot reads as free).
 * Returns how many.
 */
static unsigned holders(int fd, enum env_lock want, char *who, size_t len)
{
	char rec[SLOT_SIZE + 1], verb[SLOT_SIZE], kind[16];
	struct flock fl;
	struct stat sb;
	unsigned i, n = 0, slots;
	size_t used = 0;
	long pid;
	int w;

	who[0] = '\0';
	if (fstat(fd, &sb) < 0 || sb.st_size <= SLOT_BASE)
		return 0;
	slots = (unsigned)((sb.st_size - SLOT_BASE + SLOT_SIZE - 1) /
			   SLOT_SIZE);
	if (slots > ENV_LOCK_SLOTS)
		slots = ENV_LOCK_SLOTS;
	for (i = 0; i < slots; i++) {
		fl = (struct flock){ .l_type = F_WRLCK,
				     .l_whence = SEEK_SET,
				     .l_start = slot_off(i),
				     .l_len = SLOT_SIZE };
		if (fcntl(fd, F_OFD_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
			continue;
		memset(rec, 0, sizeof(rec));
		if (pread(fd, rec, SLOT_SIZE, slot_off(i)) <= 0 ||
		    sscanf(rec, "%ld %15s %127[^\n]", &pid, kind, verb) != 3)
			continue; /* claimed, not yet written */
		if (strcmp(kind, kind_names[want]))
			continue;
		n++;
		if (used >= len)
			continue;
		w = snprintf(who + used, len - used, "%spid %ld (%s)",
			     used ? ", " : "", pid, verb);
		if (w < 0 || (size_t)w >= len - used) {
			/* Cut: end with "..." where it still fits. */
			if (len > 4)
				memcpy(who + len - 4, "...", 4);
			used = len;
		} else {
			used += (size_t)w;
		}
	}
	return n;
}

/* Claim the first free slot and write our entry there. */
static int claim_slot(int fd, enum env_lock kind, const char *verb)
{
	char rec[SLOT_SIZE];
	unsigned i;
	int rc;

	for (i = 0; i < ENV_LOCK_SLOTS; i++) {
		rc = ofd(fd, F_OFD_SETLK, F_WRLCK, slot_off(i), SLOT_SIZE);
		if (rc == -EAGAIN)
			continue;
		if (rc < 0)
			return rc;
		memset(rec, 0, sizeof(rec));
		snprintf(rec, sizeof(rec), "%ld %s %s\n", (long)getpid(),
			 kind_names[kind], verb);
		if (pwrite(fd, rec, sizeof(rec), slot_off(i)) !=
		    (ssize_t)sizeof(rec))
			return errno ? -errno : -EIO;
		return 0;
	}
	return -EAGAIN;
}

/*
 * Open (creating if need be) the lock file of a home that has a
 * repository, and claim a slot.  *fdp stays -1, and 0 is returned, for a
 * home without a repository or one this user cannot write.
 */
static int lock_file_open(const char *home, enum env_lock kind,
			  const char *verb, int *fdp)
{
	char path[PATH_MAX], header[SLOT_BASE];
	struct stat sb;
	int fd, rc;

	*fdp = -1;
	rc = home_path(home, HOME_REPOSITORY, path, sizeof(path));
	if (rc < 0)
		return rc;
	if (access(path, F_OK) < 0)
		return 0;
	rc = home_path(home, ENV_LOCK_FILE, path, sizeof(path));
	if (rc < 0)
		return rc;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		rc = -errno;
		if (rc == -EROFS || rc == -EACCES || rc == -EPERM)
			return 0;
		return ruv_fail(rc, "cannot open '%s': %s", path,
				strerror(-rc));
	}
	if (fstat(fd, &sb) == 0 && sb.st_size < SLOT_BASE) {
		memset(header, 0, sizeof(header));
		memcpy(header, HEADER, sizeof(HEADER) - 1);
		if (pwrite(fd, header, sizeof(header), 0) < 0) {
			rc = -errno;
			goto fail;
		}
	}
	rc = claim_slot(fd, kind, verb);
	if (rc < 0)
		goto fail;
	*fdp = fd;
	return 0;
fail:
	close(fd);
	if (rc == -EAGAIN)
		return ruv_fail(rc, "'%s': all %u slots are taken", path,
				ENV_LOCK_SLOTS);
	return ruv_fail(rc, "'%s': %s", path, strerror(-rc));
}

/*
 * Shared: pass the turnstile, then take byte 0.  waiting (may be NULL)
 * hears who holds the turnstile before we block on it.
 */
static int lock_shared(int fd, const struct env_opts *o)
{
	char who[512];
	int rc;

	rc = ofd(fd, F_OFD_SETLK, F_RDLCK, 1, 1);
	if (rc == -EAGAIN) {
		if (o && o->waiting &&
		    holders(fd, ENV_LOCK_EXCLUSIVE, who, sizeof(who)))
			o->waiting(who, o->arg);
		rc = ofd(fd, F_OFD_SETLKW, F_RDLCK, 1, 1);
	}
	if (rc < 0)
		return rc;
	rc = ofd(fd, F_OFD_SETLKW, F_RDLCK, 0, 1);
	ofd(fd, F_OFD_SETLK, F_UNLCK, 1, 1);
	return rc;
}

static int busy(struct env_opts *o, const char *home, const char *who)
{
	snprintf(o->what, sizeof(o->what), "home '%s' is busy", home);
	return ruv_fail(-EBUSY,
			"%s running; nothing changed (--wait waits for them)",
			who);
}

/*
 * Exclusive: the turnstile first (so no new holder comes in), then byte
 * 0.  Refused with -EBUSY while another exclusive holder or any process
 * that holds the home for its run is there, unless o->wait.  Processes
 * that hold it per request (ruvfs) are always waited for: their requests
 * are short.
 */
static int lock_exclusive(int fd, struct env_opts *o, const char *home)
{
	char who[512];
	int rc;

	rc = ofd(fd, F_OFD_SETLK, F_WRLCK, 1, 1);
	if (rc == -EAGAIN) {
		if (holders(fd, ENV_LOCK_EXCLUSIVE, who, sizeof(who))) {
			if (!o->wait)
				return busy(o, home, who);
			if (o->waiting)
				o->waiting(who, o->arg);
		}
		rc = ofd(fd, F_OFD_SETLKW, F_WRLCK, 1, 1);
	}
	if (rc < 0)
		return rc;
	/* With the turnstile held, the list of run holders only shrinks. */
	if (holders(fd, ENV_LOCK_RUN, who, sizeof(who))) {
		if (!o->wait) {
			ofd(fd, F_OFD_SETLK, F_UNLCK, 1, 1);
			return busy(o, home, who);
		}
		if (o->waiting)
			o->waiting(who, o->arg);
	}
	return ofd(fd, F_OFD_SETLKW, F_WRLCK, 0, 1);
}

/*
 * An absolute form of a home given relative to the working directory:
 * volume paths are stored under the home, and ruvfs (cwd /) or a restore
 * run elsewhere must find them.  Leading "./" and a lone "." are dropped;
 * the directory need not exist yet (init).
 */
static int absolute_home(const char *home, char *buf, size_t len)
{
	char cwd[PATH_MAX];
	int n;

	if (home[0] == '/')
		n = snprintf(buf, len, "%s", home);
	else {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		while (home[0] == '.' && home[1] == '/') {
			home += 2;
			while (*home == '/')
				home++;
		}
		if (!strcmp(home, ".") || !*home)
			n = snprintf(buf, len, "%s", cwd);
		else
			n = snprintf(buf, len, "%s/%s",
				     strcmp(cwd, "/") ? cwd : "", home);
	}
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int take_lock(struct env *e, struct env_opts *o)
{
	int rc;

	if (e->lock == ENV_LOCK_NONE || !e->home[0])
		return 0;
	rc = lock_file_open(e->home, e->lock, e->verb, &e->fd);
	if (rc < 0 || e->fd < 0 || e->lock == ENV_LOCK_REQUEST)
		goto out;
	if (e->lock == ENV_LOCK_RUN)
		rc = lock_shared(e->fd, o);
	else
		rc = lock_exclusive(e->fd, o, e->home);
out:
	if (rc < 0 && !o->what[0])
		snprintf(o->what, sizeof(o->what), "cannot lock home '%s'",
			 e->home);
	return rc;
}

int env_open(struct env_opts *o, struct env **out)
{
	const char *home = o->home;
	struct env *e;
	int rc;

	o->what[0] = '\0';
	e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(o->what, sizeof(o->what), "environment");
		return ruv_fail(-ENOMEM, "%s", strerror(ENOMEM));
	}
	e->fd = -1;
	e->lock = o->lock;
	snprintf(e->verb, sizeof(e->verb), "%s", o->verb ? o->verb : "ruv");
	e->verb[strcspn(e->verb, "\n")] = '\0';
	pthread_mutex_init(&e->mu, NULL);
	if (!home)
		home = getenv("RUV_HOME");
	if (home && !*home)
		home = NULL;
	if (home) {
		rc = absolute_home(home, e->home, sizeof(e->home));
		if (rc < 0) {
			snprintf(o->what, sizeof(o->what), "home '%s'", home);
			ruv_fail(rc, "%s", strerror(-rc));
			goto fail;
		}
	}
	ruv_clearerr();
	rc = config_find(o->config, home ? e->home : NULL, &e->cfg);
	if (rc < 0) {
		snprintf(o->what, sizeof(o->what), "configuration");
		goto fail;
	}
	if (!home && e->cfg.home[0])
		snprintf(e->home, sizeof(e->home), "%s", e->cfg.home);
	if (!e->home[0] && o->need_home) {
		snprintf(o->what, sizeof(o->what), "no RUV home");
		rc = ruv_fail(-ENOENT, "give --home DIR, set RUV_HOME, or set "
				       "home in the configuration");
		goto fail;
	}
	rc = take_lock(e, o);
	if (rc < 0)
		goto fail;
	volcat_set_search(e->cfg.volume_path);
	*out = e;
	return 0;
fail:
	env_close(e);
	return rc;
}

void env_close(struct env *e)
{
	if (!e)
		return;
	if (e->fd >= 0)
		close(e->fd); /* drops every lock of ours on it */
	pthread_mutex_destroy(&e->mu);
	free(e);
}

const char *env_home(const struct env *e)
{
	return e->home;
}

const struct config *env_config(const struct env *e)
{
	return &e->cfg;
}

int env_repo_open(const struct env *e, struct repo **out)
{
	return home_open(e->home, out);
}

int env_request_begin(struct env *e)
{
	int rc = 0, fd;

	if (e->lock != ENV_LOCK_REQUEST || !e->home[0])
		return 0;
	pthread_mutex_lock(&e->mu);
	/* A home that had no repository at mount may have one now. */
	if (e->fd < 0)
		rc = lock_file_open(e->home, e->lock, e->verb, &e->fd);
	fd = e->fd;
	pthread_mutex_unlock(&e->mu);
	if (rc < 0 || fd < 0)
		return rc; /* 0: nothing to hold */
	/* Outside mu: a ruvreprs waiting for byte 0 stops newcomers here
	 * even while earlier requests are still inside. */
	rc = ofd(fd, F_OFD_SETLKW, F_RDLCK, 1, 1);
	if (rc < 0)
		return rc;
	ofd(fd, F_OFD_SETLK, F_UNLCK, 1, 1);
	pthread_mutex_lock(&e->mu);
	if (e->inside == 0)
		rc = ofd(fd, F_OFD_SETLKW, F_RDLCK, 0, 1);
	if (rc == 0)
		e->inside++;
	pthread_mutex_unlock(&e->mu);
	return rc < 0 ? rc : 1;
}

void env_request_end(struct env *e)
{
	pthread_mutex_lock(&e->mu);
	if (e->inside && --e->inside == 0)
		ofd(e->fd, F_OFD_SETLK, F_UNLCK, 0, 1);
	pthread_mutex_unlock(&e->mu);
}
