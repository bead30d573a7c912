// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of group.c: all-or-nothing changes, membership rules. */
#include <errno.h>

#include "errmsg.h"
#include "file.h"
#include "group.h"
#include "helpers.h"

static int collect(const char *dsn, void *arg)
{
	size_t n = strlen(arg);

	/* arg: members()'s buffer of 256 bytes */
	snprintf((char *)arg + n, 256 - n, "%s ", dsn);
	return 0;
}

static const char *members(struct repo *r, const char *g)
{
	static char buf[256];

	buf[0] = '\0';
	assert_int_equal(group_members(r, g, NULL, 0, collect, buf), 0);
	return buf;
}

static int setup(void **state)
{
	struct fixture *fx;
	char path[160], name[16];
	int i;

	fixture_setup(state);
	fx = *state;
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		fixture_file(fx, name, "x", path, sizeof(path));
		snprintf(name, sizeof(name), "F.N%d", i);
		assert_int_equal(file_register(fx->r, name, path, NULL), 0);
	}
	return 0;
}

static void test_define_add_remove(void **state)
{
	struct fixture *fx = *state;
	const char *two[] = { "f.n2", "F.N0" };
	const char *one[] = { "F.N1" };
	struct group_info g;

	assert_int_equal(group_define(fx->r, "pay-roll_1", two, 2), 0);
	assert_string_equal(members(fx->r, "PAY-ROLL_1"), "F.N0 F.N2 ");
	assert_int_equal(group_add(fx->r, "pay-roll_1", one, 1), 0);
	assert_string_equal(members(fx->r, "PAY-ROLL_1"), "F.N0 F.N1 F.N2 ");
	assert_int_equal(group_lookup(fx->r, "Pay-Roll_1", &g), 0);
	assert_int_equal(g.members, 3);
	assert_int_equal(group_remove(fx->r, "PAY-ROLL_1", two, 2), 0);
	assert_string_equal(members(fx->r, "PAY-ROLL_1"), "F.N1 ");
	assert_int_equal(group_define(fx->r, "EMPTY", NULL, 0), 0);
	assert_string_equal(members(fx->r, "EMPTY"), "");
}

static void test_all_or_nothing(void **state)
{
	struct fixture *fx = *state;
	const char *good_bad[] = { "F.N0", "NO.SUCH" };
	const char *twice[] = { "F.N0", "f.n0" };
	const char *n0[] = { "F.N0" };
	const char *n1n0[] = { "F.N1", "F.N0" };
	struct group_info g;

	assert_int_equal(group_define(fx->r, "G", good_bad, 2), -ENOENT);
	assert_int_equal(group_lookup(fx->r, "G", &g), -ENOENT);
	assert_int_equal(group_define(fx->r, "G", twice, 2), -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "named twice"));
	assert_int_equal(group_lookup(fx->r, "G", &g), -ENOENT);
	assert_int_equal(group_define(fx->r, "G", n0, 1), 0);
	assert_int_equal(group_define(fx->r, "g", NULL, 0), -EEXIST);
	/* F.N1 would be fine but F.N0 is already in: nothing is added. */
	assert_int_equal(group_add(fx->r, "G", n1n0, 2), -EEXIST);
	assert_non_null(strstr(ruv_lasterr(), "'F.N0' is already a member"));
	assert_string_equal(members(fx->r, "G"), "F.N0 ");
	/* F.N0 is in but F.N1 is not: nothing is removed. */
	assert_int_equal(group_remove(fx->r, "G", n1n0, 2), -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "'F.N1' is not a member"));
	assert_string_equal(members(fx->r, "G"), "F.N0 ");
	assert_int_equal(group_add(fx->r, "NOPE", n0, 1), -ENOENT);
	assert_int_equal(group_define(fx->r, "BAD NAME", NULL, 0), -EINVAL);
	assert_int_equal(group_delete(fx->r, "NOPE", 0), -ENOENT);
}

static void test_delete_and_unregister_cascade(void **state)
{
	struct fixture *fx = *state;
	const char *all[] = { "F.N0", "F.N1" };
	struct file_info fi;
	struct group_info g;

	assert_int_equal(group_define(fx->r, "A", all, 2), 0);
	assert_int_equal(group_define(fx->r, "B", all, 2), 0);
	assert_int_equal(file_unregister(fx->r, "F.N1"), 0);
	assert_string_equal(members(fx->r, "A"), "F.N0 ");
	assert_string_equal(members(fx->r, "B"), "F.N0 ");
	assert_int_equal(group_delete(fx->r, "A", 0), -ENOTEMPTY);
	assert_string_equal(members(fx->r, "A"), "F.N0 ");
	assert_int_equal(group_delete(fx->r, "A", 1), 0);
	assert_int_equal(group_lookup(fx->r, "A", &g), -ENOENT);
	assert_int_equal(file_lookup(fx->r, "F.N0", &fi), 0);
	assert_string_equal(members(fx->r, "B"), "F.N0 ");
	assert_int_equal(repo_check(fx->r), 0);
}

static int list_names(const struct group_info *g, void *arg)
{
	size_t n = strlen(arg);

	/* arg: test_list_by_name's buffer of 128 bytes */
	snprintf((char *)arg + n, 128 - n, "%s ", g->name);
	return 0;
}

static void test_list_by_name(void **state)
{
	struct fixture *fx = *state;
	char buf[128] = "";

	assert_int_equal(group_define(fx->r, "ZED", NULL, 0), 0);
	assert_int_equal(group_define(fx->r, "ALPHA", NULL, 0), 0);
	assert_int_equal(group_define(fx->r, "MID", NULL, 0), 0);
	assert_int_equal(group_list(fx->r, NULL, 0, list_names, buf), 0);
	assert_string_equal(buf, "ALPHA MID ZED ");
	buf[0] = '\0';
	assert_int_equal(group_list(fx->r, "ALPHA", 1, list_names, buf), 0);
	assert_string_equal(buf, "MID ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_define_add_remove, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_all_or_nothing, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_delete_and_unregister_cascade, setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(test_list_by_name, setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
