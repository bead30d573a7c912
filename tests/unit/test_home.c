// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of home.c: creating a home inside an existing empty
 * directory.  rename(2) is wrapped (-Wl,--wrap=rename) to record the
 * order of the moves and to fail one of them on demand.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "errmsg.h"
#include "home.h"
#include "repo.h"

int __real_rename(const char *from, const char *to);
int __wrap_rename(const char *from, const char *to);

static char renamed[16][64]; /* last component of each target, in order */
static unsigned nrenamed;
static const char *fail_on; /* fail the rename to this name with EIO */

int __wrap_rename(const char *from, const char *to)
{
	const char *base = strrchr(to, '/');

	base = base ? base + 1 : to;
	if (fail_on && !strcmp(base, fail_on)) {
		errno = EIO;
		return -1;
	}
	if (nrenamed < 16)
		snprintf(renamed[nrenamed++], sizeof(renamed[0]), "%s", base);
	return __real_rename(from, to);
}

/* Entries of dir, sorted, space-separated. */
static void entries(const char *dir, char *buf, size_t len)
{
	struct dirent **list;
	size_t used = 0;
	int n, i;

	buf[0] = '\0';
	n = scandir(dir, &list, NULL, alphasort);
	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		if (strcmp(list[i]->d_name, ".") &&
		    strcmp(list[i]->d_name, "..") && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used ? " " : "",
						 list[i]->d_name);
		free(list[i]);
	}
	free(list);
}

static void make_dir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/ruvhome.XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void remove_dir(const char *dir)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_repository_moved_last(void **state)
{
	struct config cfg;
	struct repo *r = NULL;
	char dir[64], list[256];

	(void)state;
	config_defaults(&cfg);
	make_dir(dir, sizeof(dir));
	nrenamed = 0;
	fail_on = NULL;
	assert_int_equal(home_init(dir, &cfg), 0);
	assert_int_equal(nrenamed, 4);
	assert_string_equal(renamed[nrenamed - 1], HOME_REPOSITORY);
	entries(dir, list, sizeof(list));
	assert_string_equal(list, "jcl logs pools repository.db");
	assert_int_equal(home_open(dir, &r), 0);
	repo_close(r);
	remove_dir(dir);
}

static void test_failed_move_leaves_no_home(void **state)
{
	struct config cfg;
	char dir[64], list[256];

	(void)state;
	config_defaults(&cfg);
	make_dir(dir, sizeof(dir));
	/* The last move fails: what was moved before goes again. */
	nrenamed = 0;
	fail_on = HOME_REPOSITORY;
	ruv_clearerr();
	assert_int_equal(home_init(dir, &cfg), -EIO);
	assert_non_null(strstr(ruv_lasterr(), "cannot create home"));
	assert_int_equal(nrenamed, 3);
	entries(dir, list, sizeof(list));
	assert_string_equal(list, "");
	/* A middle one fails: the same. */
	nrenamed = 0;
	fail_on = "logs";
	assert_int_equal(home_init(dir, &cfg), -EIO);
	entries(dir, list, sizeof(list));
	assert_string_equal(list, "");
	/* And the directory is still vacant. */
	fail_on = NULL;
	assert_int_equal(home_init(dir, &cfg), 0);
	entries(dir, list, sizeof(list));
	assert_string_equal(list, "jcl logs pools repository.db");
	remove_dir(dir);
}

static void test_leftover_removed(void **state)
{
	struct config cfg;
	char dir[64], path[128], list[256];

	(void)state;
	config_defaults(&cfg);
	make_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/.ruv-init-OLD123", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/.ruv-init-OLD123/repository.db", dir);
	fclose(fopen(path, "w"));
	fail_on = NULL;
	assert_int_equal(home_init(dir, &cfg), 0);
	entries(dir, list, sizeof(list));
	assert_string_equal(list, "jcl logs pools repository.db");
	/* Now it is a home: a second init refuses and changes nothing. */
	assert_int_equal(home_init(dir, &cfg), -EEXIST);
	assert_non_null(strstr(ruv_lasterr(), "already a RUV home"));
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repository_moved_last),
		cmocka_unit_test(test_failed_move_leaves_no_home),
		cmocka_unit_test(test_leftover_removed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
