// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of file.c (and the history rows its changes leave). */
#include <errno.h>
#include <sys/stat.h>

#include "errmsg.h"
#include "file.h"
#include "helpers.h"
#include "history.h"

static int count_cb(const struct file_info *fi, void *arg)
{
	(void)fi;
	++*(int *)arg;
	return 0;
}

static int nfiles(struct repo *r)
{
	int n = 0;

	assert_int_equal(file_list(r, NULL, 0, count_cb, &n), 0);
	return n;
}

static int last_history(const struct history_entry *e, void *arg)
{
	*(struct history_entry *)arg = *e;
	return 0;
}

static void test_register_lookup(void **state)
{
	struct fixture *fx = *state;
	struct file_info fi, got;
	struct history_entry h;
	char path[160];

	fixture_file(fx, "a.dat", "alpha\n", path, sizeof(path));
	chmod(path, 0640);
	assert_int_equal(file_register(fx->r, "pay.master", path, &fi), 0);
	assert_string_equal(fi.dsn, "PAY.MASTER");
	assert_string_equal(fi.path, path);
	assert_int_equal(fi.mode & 07777, 0640);
	assert_true(S_ISREG(fi.mode));
	assert_int_equal(file_lookup(fx->r, "Pay.Master", &got), 0);
	assert_int_equal(got.id, fi.id);
	assert_string_equal(got.path, path);
	assert_int_equal(got.registered_us, fi.registered_us);
	assert_int_equal(history_list(fx->r, 0, 0, last_history, &h), 0);
	assert_string_equal(h.action, "file register");
	assert_string_equal(h.subject, "PAY.MASTER");
	assert_false(h.failed);
}

static void test_refusals_change_nothing(void **state)
{
	struct fixture *fx = *state;
	char a[160], b[160], dir[160];

	fixture_file(fx, "a.dat", "alpha\n", a, sizeof(a));
	fixture_file(fx, "b.dat", "bravo\n", b, sizeof(b));
	assert_int_equal(file_register(fx->r, "A.B", a, NULL), 0);
	assert_int_equal(file_register(fx->r, "A.B", b, NULL), -EEXIST);
	assert_non_null(strstr(ruv_lasterr(), "'A.B' is already registered"));
	assert_int_equal(file_register(fx->r, "C.D", a, NULL), -EEXIST);
	assert_non_null(strstr(ruv_lasterr(), "another DSN"));
	assert_int_equal(file_register(fx->r, "C..D", b, NULL), -EINVAL);
	snprintf(dir, sizeof(dir), "%s/nope", fx->dir);
	assert_int_equal(file_register(fx->r, "C.D", dir, NULL), -ENOENT);
	assert_int_equal(file_register(fx->r, "C.D", fx->dir, NULL), -EISDIR);
	assert_int_equal(file_register(fx->r, "C.D", "/dev/null", NULL),
			 -EINVAL);
	assert_int_equal(file_register(fx->r, "C.D", "", NULL), -ENOENT);
	assert_int_equal(nfiles(fx->r), 1);
}

static void test_unregister(void **state)
{
	struct fixture *fx = *state;
	struct file_info fi;
	char a[160];

	fixture_file(fx, "a.dat", "alpha\n", a, sizeof(a));
	assert_int_equal(file_register(fx->r, "A.B", a, &fi), 0);
	assert_int_equal(file_unregister(fx->r, "x.y"), -ENOENT);
	assert_int_equal(file_unregister(fx->r, "a.b"), 0);
	assert_int_equal(file_lookup(fx->r, "A.B", &fi), -ENOENT);
	assert_int_equal(file_unregister(fx->r, "a.b"), -ENOENT);
	assert_int_equal(nfiles(fx->r), 0);
}

static int collect(const struct file_info *fi, void *arg)
{
	char *buf = arg; /* 128 bytes (test_list) */
	size_t n = strlen(buf);

	snprintf(buf + n, 128 - n, "%s ", fi->dsn);
	return 0;
}

static int stop_at_once(const struct file_info *fi, void *arg)
{
	(void)fi;
	(void)arg;
	return 7;
}

static void test_list_paged_by_key(void **state)
{
	struct fixture *fx = *state;
	static const char *const names[] = { "C.A", "A.A", "B.A", "A.B" };
	char path[160], got[128] = "", name[16];
	unsigned i;

	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "f%u", i);
		fixture_file(fx, name, "x", path, sizeof(path));
		assert_int_equal(file_register(fx->r, names[i], path, NULL), 0);
	}
	assert_int_equal(file_list(fx->r, NULL, 0, collect, got), 0);
	assert_string_equal(got, "A.A A.B B.A C.A ");
	got[0] = '\0';
	assert_int_equal(file_list(fx->r, "A.B", 2, collect, got), 0);
	assert_string_equal(got, "B.A C.A ");
	assert_int_equal(file_list(fx->r, NULL, 0, stop_at_once, NULL), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_register_lookup, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_refusals_change_nothing,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_unregister, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_list_paged_by_key,
						fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
