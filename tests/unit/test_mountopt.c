// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of fs/mountopt.c (FUSE-free): the -o timeout= values taken
 * and refused, the mount point checks on real temporary directories
 * (empty, not empty with and without nonempty, a file, missing), the
 * mountinfo lookup not mistaking an ordinary directory for a ruvfs mount,
 * and the exit status of the session loop's results.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mountopt.h"

static void test_timeout_good(void **state)
{
	static const struct {
		const char *text;
		double want;
	} good[] = {
		{ "0", 0 },	  { "1", 1 },	      { "0.5", 0.5 },
		{ "3600", 3600 }, { "3600.0", 3600 }, { "007", 7 },
		{ "1.", 1 },
	};
	double v;
	size_t i;

	(void)state;
	assert_int_equal(mountopt_timeout(NULL, &v), 0);
	assert_true(v == 1.0);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -1;
		assert_int_equal(mountopt_timeout(good[i].text, &v), 0);
		assert_true(v == good[i].want);
	}
}

static void test_timeout_bad(void **state)
{
	static const char *const bad[] = {
		"",	"abc", "-1",  "3600.5",
		"3601", "5s",  " 5",  "5 ",
		"nan",	"inf", "1e3", "0x10",
		"+5",	"1..", ".",   "99999999999999999999",
	};
	double v = 42;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mountopt_timeout(bad[i], &v), -EINVAL);
		assert_true(v == 42); /* untouched on failure */
	}
}

static void test_mountpoint(void **state)
{
	char dir[] = "/tmp/test_mountopt.XXXXXX", path[PATH_MAX];
	char what[64] = "x";
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* Empty: fine, and what says nothing. */
	assert_int_equal(mountopt_check_mountpoint(dir, 0, what, sizeof(what)),
			 0);
	assert_string_equal(what, "");
	/* Not empty: refused unless nonempty. */
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mountopt_check_mountpoint(dir, 0, NULL, 0),
			 -ENOTEMPTY);
	assert_int_equal(mountopt_check_mountpoint(dir, 1, NULL, 0), 0);
	/* A file, and nothing at all. */
	assert_int_equal(mountopt_check_mountpoint(path, 1, NULL, 0), -ENOTDIR);
	unlink(path);
	assert_int_equal(mountopt_check_mountpoint(path, 0, NULL, 0), -ENOENT);
	/* "/" is a mount, but no ruvfs one: not EBUSY. */
	assert_int_not_equal(mountopt_check_mountpoint("/", 1, NULL, 0),
			     -EBUSY);
	rmdir(dir);
}

static void test_exit_status(void **state)
{
	(void)state;
	assert_int_equal(mountopt_exit_status(0), 0);  /* unmounted */
	assert_int_equal(mountopt_exit_status(15), 0); /* SIGTERM */
	assert_int_equal(mountopt_exit_status(2), 0);  /* SIGINT */
	assert_int_equal(mountopt_exit_status(-EIO), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeout_good),
		cmocka_unit_test(test_timeout_bad),
		cmocka_unit_test(test_mountpoint),
		cmocka_unit_test(test_exit_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
