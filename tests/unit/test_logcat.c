// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Log streams in the repository: define, look up, list, delete, the
 * binding of a file to one stream, and the file at a path or under a
 * directory.  The repository is a temporary file: its directory is the
 * home, so streams default to DIR/logs/NAME.
 */
#include <errno.h>
#include <limits.h>
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

#include "errmsg.h"
#include "file.h"
#include "helpers.h"
#include "logcat.h"
#include "logstream.h"

static int setup(void **state)
{
	struct fixture *fx;
	char p[PATH_MAX];

	fixture_setup(state);
	fx = *state;
	snprintf(p, sizeof(p), "%s/logs", fx->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	return 0;
}

static void reg(struct fixture *fx, const char *dsn, const char *name)
{
	char path[PATH_MAX];

	fixture_file(fx, name, "data\n", path, sizeof(path));
	assert_int_equal(file_register(fx->r, dsn, path, NULL), 0);
}

static void test_define_lookup(void **state)
{
	struct fixture *fx = *state;
	struct logcat_info li, lj;
	char want[PATH_MAX], other[PATH_MAX];
	struct stat sb;

	assert_int_equal(
		logcat_define(fx->r, "app1", NULL, LOGCAT_APPLICATION, &li), 0);
	assert_string_equal(li.name, "APP1");
	snprintf(want, sizeof(want), "%s/logs/APP1", fx->dir);
	assert_string_equal(li.dir, want);
	assert_int_equal(stat(want, &sb), 0);
	assert_int_equal(li.kind, LOGCAT_APPLICATION);
	assert_int_equal(li.archived_lsn, 0);
	assert_int_equal(logcat_lookup(fx->r, "App1", &lj), 0);
	assert_int_equal(lj.id, li.id);
	assert_string_equal(lj.dir, want);

	/* elsewhere, a journal */
	snprintf(other, sizeof(other), "%s/j", fx->dir);
	assert_int_equal(logcat_define(fx->r, "J", other, LOGCAT_JOURNAL, &lj),
			 0);
	assert_string_equal(lj.dir, other);
	assert_int_equal(lj.kind, LOGCAT_JOURNAL);

	/* refusals change nothing */
	assert_int_equal(logcat_define(fx->r, "APP1", NULL, 0, NULL), -EEXIST);
	assert_int_equal(logcat_define(fx->r, "bad name", NULL, 0, NULL),
			 -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "log stream name 'bad name'"));
	assert_int_equal(logcat_define(fx->r, "OTHER", want, 0, NULL),
			 -EEXIST); /* APP1's directory, not empty */
	assert_int_equal(logcat_define(fx->r, "X", NULL, 7, NULL), -EINVAL);
	assert_int_equal(logcat_lookup(fx->r, "NOPE", &lj), -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "no log stream 'NOPE'"));
	snprintf(want, sizeof(want), "%s/logs/OTHER", fx->dir);
	assert_int_equal(stat(want, &sb), -1); /* not left behind */
}

static int count_cb(const struct logcat_info *li, void *arg)
{
	(void)li;
	++*(int *)arg;
	return 0;
}

static void test_bind(void **state)
{
	struct fixture *fx = *state;
	char bound[LOGCAT_NAME_MAX + 1] = "";
	struct file_info fi;
	int n = 0;

	reg(fx, "PAY.A", "a");
	reg(fx, "PAY.B", "b");
	assert_int_equal(logcat_define(fx->r, "S1", NULL, 0, NULL), 0);
	assert_int_equal(logcat_define(fx->r, "S2", NULL, 0, NULL), 0);
	assert_int_equal(logcat_list(fx->r, count_cb, &n), 0);
	assert_int_equal(n, 2);

	assert_int_equal(logcat_bound(fx->r, "pay.a", bound), 1);
	assert_string_equal(bound, "");
	assert_int_equal(logcat_bind(fx->r, "s1", "pay.a", NULL), 0);
	assert_int_equal(logcat_bind(fx->r, "S1", "PAY.A", NULL), 0);
	assert_int_equal(logcat_bound(fx->r, "PAY.A", bound), 0);
	assert_string_equal(bound, "S1");
	bound[0] = '\0';
	assert_int_equal(logcat_bind(fx->r, "S2", "PAY.A", bound), -EBUSY);
	assert_string_equal(bound, "S1");
	assert_non_null(strstr(ruv_lasterr(), "journaled by log stream 'S1'"));
	assert_int_equal(logcat_bind(fx->r, "S2", "PAY.B", NULL), 0);
	assert_int_equal(logcat_bind(fx->r, "S2", "NO.SUCH", NULL), -ENOENT);
	assert_int_equal(logcat_bind(fx->r, "S3", "PAY.B", NULL), -ENOENT);
	assert_int_equal(logcat_file_stream(fx->r, "pay.b", &fi, bound), 0);
	assert_string_equal(fi.dsn, "PAY.B");
	assert_string_equal(bound, "S2");

	/* deleting an (empty) stream unbinds its files */
	assert_int_equal(logcat_delete(fx->r, "S1"), 0);
	assert_int_equal(logcat_bound(fx->r, "PAY.A", bound), 1);
	assert_int_equal(logcat_bind(fx->r, "S2", "PAY.A", NULL), 0);
}

static void test_delete_refused(void **state)
{
	struct fixture *fx = *state;
	struct logcat_info li;
	struct logstream *ls;
	struct stat sb;
	uint64_t u;

	assert_int_equal(logcat_define(fx->r, "S", NULL, 0, &li), 0);
	assert_int_equal(logstream_open(li.dir, NULL, &ls), 0);
	/* a writer has it open */
	assert_int_equal(logcat_delete(fx->r, "S"), -EBUSY);
	assert_non_null(strstr(ruv_lasterr(), "a writer has it open"));
	assert_int_equal(logstream_begin(ls, &u), 0);
	assert_int_equal(logstream_commit(ls, u, NULL, 0), 0);
	assert_int_equal(logstream_close(ls), 0);
	assert_int_equal(logcat_delete(fx->r, "S"), -EBUSY);
	assert_non_null(strstr(ruv_lasterr(), "up to LSN 2, archived only"));
	assert_int_equal(stat(li.dir, &sb), 0);
	assert_int_equal(logcat_lookup(fx->r, "S", &li), 0);
	/* the mark moves (as archive will move it): now it goes */
	{
		char cmd[PATH_MAX + 128];

		snprintf(cmd, sizeof(cmd),
			 "sqlite3 '%s' \"UPDATE log_stream SET archived_lsn "
			 "= 2\"",
			 fx->db);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(logcat_delete(fx->r, "S"), 0);
	assert_int_equal(stat(li.dir, &sb), -1);
	assert_int_equal(logcat_lookup(fx->r, "S", &li), -ENOENT);
	assert_int_equal(logcat_delete(fx->r, "S"), -ENOENT);
}

struct under {
	char dsns[8][NAMES_DSN_MAX + 1];
	int n;
};

static int under_cb(const struct file_info *fi, void *arg)
{
	struct under *u = arg;

	snprintf(u->dsns[u->n++], NAMES_DSN_MAX + 1, "%s", fi->dsn);
	return 0;
}

static void test_file_at_and_under(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX], sub[PATH_MAX];
	struct file_info fi;
	struct under u = { 0 };

	snprintf(sub, sizeof(sub), "%s/d", fx->dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	reg(fx, "TOP.A", "a");
	reg(fx, "SUB.B", "d/b");
	reg(fx, "SUB.C", "d/c");
	snprintf(sub, sizeof(sub), "%s/d0", fx->dir); /* sorts after "d/" */
	assert_int_equal(mkdir(sub, 0755), 0);
	reg(fx, "NOT.D", "d0/x");

	snprintf(path, sizeof(path), "%s/d/c", fx->dir);
	assert_int_equal(logcat_file_at(fx->r, path, &fi), 0);
	assert_string_equal(fi.dsn, "SUB.C");
	snprintf(path, sizeof(path), "%s/d/nope", fx->dir);
	assert_int_equal(logcat_file_at(fx->r, path, &fi), -ENOENT);

	snprintf(path, sizeof(path), "%s/d", fx->dir);
	assert_int_equal(logcat_files_under(fx->r, path, under_cb, &u), 0);
	assert_int_equal(u.n, 2);
	assert_string_equal(u.dsns[0], "SUB.B");
	assert_string_equal(u.dsns[1], "SUB.C");
	u.n = 0;
	assert_int_equal(logcat_files_under(fx->r, fx->dir, under_cb, &u), 0);
	assert_int_equal(u.n, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_define_lookup, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bind, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_delete_refused, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_file_at_and_under, setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
