// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of env.c: the order in which the home and the configuration
 * are resolved, the search path a successful open sets, and the home
 * lock: ruvreprs refused naming the pid and verb of each running process,
 * nothing locked for a home without a repository, a mount that does not
 * refuse it, stale entries of dead processes ignored, and the waits of
 * --wait and of a process behind ruvreprs (threads: OFD locks of two
 * open file descriptions conflict within one process too).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "env.h"
#include "errmsg.h"
#include "volcat.h"

struct fixture {
	char dir[64];	/* the temporary directory */
	char home[128]; /* dir/home: a home with a repository file */
	char ini[128];	/* dir/c.ini */
	char lock[160]; /* home/ruv.lock */
	char cwd[4096]; /* to go back to */
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ruvunit.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->home, sizeof(f->home), "%s/home", f->dir);
	snprintf(f->ini, sizeof(f->ini), "%s/c.ini", f->dir);
	snprintf(f->lock, sizeof(f->lock), "%s/" ENV_LOCK_FILE, f->home);
	assert_int_equal(mkdir(f->home, 0700), 0);
	/* The lock only looks for the repository's file. */
	snprintf(path, sizeof(path), "%s/repository.db", f->home);
	write_file(path, "");
	write_file(f->ini, "[ruv]\nvolume_path = /nonexistent/a\n");
	assert_non_null(getcwd(f->cwd, sizeof(f->cwd)));
	unsetenv("RUV_HOME");
	unsetenv("RUV_CONFIG");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	assert_int_equal(chdir(f->cwd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	unsetenv("RUV_HOME");
	unsetenv("RUV_CONFIG");
	volcat_set_search(NULL);
	free(f);
	return 0;
}

static int open_env(struct env_opts *o, struct env **e)
{
	ruv_clearerr();
	return env_open(o, e);
}

/* --home, then $RUV_HOME, then home= of the configuration; relative
 * ones made absolute; none at all refused only when a home is needed. */
static void home_order(void **state)
{
	struct fixture *f = *state;
	struct env_opts o = { .config = f->ini, .need_home = 1 };
	char want[256], ini2[160];
	struct env *e = NULL;

	setenv("RUV_HOME", "/from/env", 1);
	o.home = f->home;
	assert_int_equal(open_env(&o, &e), 0);
	assert_string_equal(env_home(e), f->home);
	env_close(e);

	o.home = NULL;
	assert_int_equal(open_env(&o, &e), 0);
	assert_string_equal(env_home(e), "/from/env");
	env_close(e);

	unsetenv("RUV_HOME");
	snprintf(ini2, sizeof(ini2), "%s/h.ini", f->dir);
	snprintf(want, sizeof(want), "[ruv]\nhome = %s\n", f->home);
	write_file(ini2, want);
	o.config = ini2;
	assert_int_equal(open_env(&o, &e), 0);
	assert_string_equal(env_home(e), f->home);
	assert_string_equal(env_config(e)->path, ini2);
	env_close(e);

	assert_int_equal(chdir(f->dir), 0);
	o.config = f->ini;
	o.home = "./home";
	assert_int_equal(open_env(&o, &e), 0);
	assert_string_equal(env_home(e), f->home);
	env_close(e);

	e = NULL;
	o.home = NULL;
	assert_int_equal(open_env(&o, &e), -ENOENT);
	assert_null(e);
	assert_string_equal(o.what, "no RUV home");
	assert_non_null(strstr(ruv_lasterr(), "--home"));
	o.need_home = 0;
	assert_int_equal(open_env(&o, &e), 0);
	assert_string_equal(env_home(e), "");
	env_close(e);
}

/* The given file, then $RUV_CONFIG, then HOME/ruv.ini; a bad one is
 * refused naming file and line, and sets no search path. */
static void config_order(void **state)
{
	struct fixture *f = *state;
	struct env_opts o = { .home = f->home, .need_home = 1 };
	char home_ini[160], env_ini[160], bad[160], path[256];
	struct env *e = NULL;

	snprintf(home_ini, sizeof(home_ini), "%s/ruv.ini", f->home);
	snprintf(env_ini, sizeof(env_ini), "%s/e.ini", f->dir);
	snprintf(bad, sizeof(bad), "%s/bad.ini", f->dir);
	write_file(home_ini, "[ruv]\nvolume_path = /nonexistent/h\n");
	write_file(env_ini, "[ruv]\nvolume_path = /nonexistent/e\n");
	write_file(bad, "[ruv]\nworkers = many\n");

	assert_int_equal(open_env(&o, &e), 0);
	assert_string_equal(env_config(e)->volume_path, "/nonexistent/h");
	env_close(e);
	setenv("RUV_CONFIG", env_ini, 1);
	assert_int_equal(open_env(&o, &e), 0);
	assert_string_equal(env_config(e)->volume_path, "/nonexistent/e");
	env_close(e);
	o.config = f->ini;
	assert_int_equal(open_env(&o, &e), 0);
	assert_string_equal(env_config(e)->volume_path, "/nonexistent/a");
	env_close(e);

	/* The search path is the last good environment's. */
	snprintf(path, sizeof(path), "%s/V00001", f->dir);
	write_file(path, "");
	snprintf(path, sizeof(path), "[ruv]\nvolume_path = %s\n", f->dir);
	write_file(env_ini, path);
	o.config = NULL;
	assert_int_equal(open_env(&o, &e), 0);
	env_close(e);
	e = NULL;
	o.config = bad;
	assert_int_equal(open_env(&o, &e), -EINVAL);
	assert_null(e);
	assert_string_equal(o.what, "configuration");
	assert_non_null(strstr(ruv_lasterr(), "bad.ini:2:"));
	assert_int_equal(volcat_find(f->home, "V00001", path, sizeof(path)), 0);
	assert_non_null(strstr(path, f->dir));
}

/* A backup runs: ruvreprs is refused, naming it; a mount is no reason. */
static void busy_names_pid_and_verb(void **state)
{
	struct fixture *f = *state;
	struct env_opts run = { .home = f->home,
				.config = f->ini,
				.verb = "backup",
				.lock = ENV_LOCK_RUN };
	struct env_opts mount = { .home = f->home,
				  .config = f->ini,
				  .verb = "ruvfs",
				  .lock = ENV_LOCK_REQUEST };
	struct env_opts ex = { .home = f->home,
			       .config = f->ini,
			       .verb = "ruvreprs",
			       .lock = ENV_LOCK_EXCLUSIVE };
	struct env *r1 = NULL, *r2 = NULL, *m = NULL, *x = NULL;
	char want[256];

	assert_int_equal(open_env(&mount, &m), 0);
	assert_int_equal(open_env(&run, &r1), 0);
	run.verb = "file";
	assert_int_equal(open_env(&run, &r2), 0);
	assert_int_equal(open_env(&ex, &x), -EBUSY);
	assert_null(x);
	snprintf(want, sizeof(want), "home '%s' is busy", f->home);
	assert_string_equal(ex.what, want);
	snprintf(want, sizeof(want),
		 "pid %ld (backup), pid %ld (file) running; nothing changed",
		 (long)getpid(), (long)getpid());
	assert_non_null(strstr(ruv_lasterr(), want));
	/* Refused: the turnstile is free again, a new process gets in. */
	env_close(r2);
	run.verb = "history";
	assert_int_equal(open_env(&run, &r2), 0);
	env_close(r2);
	env_close(r1);
	/* Only the mount is left, holding nothing between requests. */
	assert_int_equal(open_env(&ex, &x), 0);
	env_close(x);
	env_close(m);
}

/* No repository, nothing to lock: no ruv.lock appears. */
static void no_repository_no_lock(void **state)
{
	struct fixture *f = *state;
	struct env_opts ex = { .config = f->ini,
			       .verb = "ruvreprs",
			       .lock = ENV_LOCK_EXCLUSIVE };
	char bare[160];
	struct env *x = NULL;
	struct stat sb;

	snprintf(bare, sizeof(bare), "%s/bare", f->dir);
	assert_int_equal(mkdir(bare, 0700), 0);
	ex.home = bare;
	assert_int_equal(open_env(&ex, &x), 0);
	env_close(x);
	snprintf(bare, sizeof(bare), "%s/bare/" ENV_LOCK_FILE, f->dir);
	assert_int_equal(stat(bare, &sb), -1);
	assert_int_equal(errno, ENOENT);
}

/* A process that died holding the lock (no env_close: it just exits)
 * leaves a registry entry that counts for nothing. */
static void dead_entries_are_stale(void **state)
{
	struct fixture *f = *state;
	struct env_opts ex = { .home = f->home,
			       .config = f->ini,
			       .verb = "ruvreprs",
			       .lock = ENV_LOCK_EXCLUSIVE };
	struct env *x = NULL;
	char text[4096], want[64];
	int st, fd;
	ssize_t n, i;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct env_opts run = { .home = f->home,
					.config = f->ini,
					.verb = "backup",
					.lock = ENV_LOCK_RUN };
		struct env *e;

		_exit(env_open(&run, &e) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* Its entry is still written there... */
	fd = open(f->lock, O_RDONLY);
	assert_true(fd >= 0);
	n = pread(fd, text, sizeof(text) - 1, 512);
	close(fd);
	assert_true(n > 0);
	for (i = 0; i < n; i++)
		if (!text[i])
			text[i] = '\n';
	text[n] = '\0';
	snprintf(want, sizeof(want), "%ld run backup\n", (long)pid);
	assert_non_null(strstr(text, want));
	/* ...and counts for nothing. */
	assert_int_equal(open_env(&ex, &x), 0);
	env_close(x);
}

struct waiter {
	struct env_opts o;
	sem_t heard;
	char who[512];
	struct env *e;
	int rc;
};

static void heard(const char *who, void *arg)
{
	struct waiter *w = arg;

	snprintf(w->who, sizeof(w->who), "%s", who);
	sem_post(&w->heard);
}

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;

	w->rc = env_open(&w->o, &w->e);
	sem_post(&w->heard);
	return NULL;
}

/* --wait: told whom it waits for, then it gets the lock when they end;
 * a process that starts meanwhile waits behind it, told for whom. */
static void wait_for_them(void **state)
{
	struct fixture *f = *state;
	struct env_opts run = { .home = f->home,
				.config = f->ini,
				.verb = "backup",
				.lock = ENV_LOCK_RUN };
	struct waiter w = { .o = { .home = f->home,
				   .config = f->ini,
				   .verb = "ruvreprs",
				   .lock = ENV_LOCK_EXCLUSIVE,
				   .wait = 1,
				   .waiting = heard } };
	struct waiter w2 = { .o = { .home = f->home,
				    .config = f->ini,
				    .verb = "file",
				    .lock = ENV_LOCK_RUN,
				    .waiting = heard } };
	struct env *r = NULL;
	pthread_t t, t2;
	char want[64];

	w.o.arg = &w;
	w2.o.arg = &w2;
	sem_init(&w.heard, 0, 0);
	sem_init(&w2.heard, 0, 0);
	assert_int_equal(open_env(&run, &r), 0);
	assert_int_equal(pthread_create(&t, NULL, waiter_main, &w), 0);
	sem_wait(&w.heard); /* told before it blocks */
	snprintf(want, sizeof(want), "pid %ld (backup)", (long)getpid());
	assert_string_equal(w.who, want);
	assert_null(w.e);

	assert_int_equal(pthread_create(&t2, NULL, waiter_main, &w2), 0);
	sem_wait(&w2.heard);
	snprintf(want, sizeof(want), "pid %ld (ruvreprs)", (long)getpid());
	assert_string_equal(w2.who, want);
	assert_null(w2.e);

	env_close(r); /* the backup ends */
	sem_wait(&w.heard);
	pthread_join(t, NULL);
	assert_int_equal(w.rc, 0);
	assert_non_null(w.e);
	assert_null(w2.e); /* still behind ruvreprs */
	env_close(w.e);
	sem_wait(&w2.heard);
	pthread_join(t2, NULL);
	assert_int_equal(w2.rc, 0);
	env_close(w2.e);
	sem_destroy(&w.heard);
	sem_destroy(&w2.heard);
}

/* ruvfs: the lock per request, shared by the requests inside at once;
 * the first lock file appears with the repository. */
static void requests(void **state)
{
	struct fixture *f = *state;
	struct env_opts mount = { .home = f->home,
				  .config = f->ini,
				  .verb = "ruvfs",
				  .lock = ENV_LOCK_REQUEST };
	struct env_opts ex = { .home = f->home,
			       .config = f->ini,
			       .verb = "ruvreprs",
			       .lock = ENV_LOCK_EXCLUSIVE };
	struct env *m = NULL, *x = NULL, *bare = NULL;
	char dir[160], path[200];
	struct stat sb;

	assert_int_equal(open_env(&mount, &m), 0);
	assert_int_equal(env_request_begin(m), 1);
	assert_int_equal(env_request_begin(m), 1);
	env_request_end(m);
	env_request_end(m);
	assert_int_equal(open_env(&ex, &x), 0); /* nothing held now */
	env_close(x);

	/* A remote site: mounted before ruvreprs installs a repository. */
	snprintf(dir, sizeof(dir), "%s/remote", f->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	mount.home = dir;
	assert_int_equal(open_env(&mount, &bare), 0);
	assert_int_equal(env_request_begin(bare), 0);
	snprintf(path, sizeof(path), "%s/repository.db", dir);
	write_file(path, "");
	assert_int_equal(env_request_begin(bare), 1);
	env_request_end(bare);
	snprintf(path, sizeof(path), "%s/" ENV_LOCK_FILE, dir);
	assert_int_equal(stat(path, &sb), 0);
	env_close(bare);
	env_close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(home_order, setup, teardown),
		cmocka_unit_test_setup_teardown(config_order, setup, teardown),
		cmocka_unit_test_setup_teardown(busy_names_pid_and_verb, setup,
						teardown),
		cmocka_unit_test_setup_teardown(no_repository_no_lock, setup,
						teardown),
		cmocka_unit_test_setup_teardown(dead_entries_are_stale, setup,
						teardown),
		cmocka_unit_test_setup_teardown(wait_for_them, setup, teardown),
		cmocka_unit_test_setup_teardown(requests, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
