// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of names.c: each rule at its boundary and one past it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "errmsg.h"
#include "names.h"

static void dsn_ok(const char *in, const char *want)
{
	char out[NAMES_DSN_MAX + 1];

	assert_int_equal(names_dsn_check(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void dsn_bad(const char *in, const char *why)
{
	char out[NAMES_DSN_MAX + 1] = "unchanged";

	assert_int_equal(names_dsn_check(in, out, sizeof(out)), -EINVAL);
	if (!strstr(ruv_lasterr(), why))
		fail_msg("'%s': message '%s' lacks '%s'", in, ruv_lasterr(),
			 why);
	assert_string_equal(out, "unchanged");
}

static void test_dsn(void **state)
{
	(void)state;
	dsn_ok("pay.master", "PAY.MASTER");
	dsn_ok("A", "A");
	dsn_ok("@#$.X-1.Y$#@", "@#$.X-1.Y$#@");
	dsn_ok("ABCDEFGH.IJKLMNOP", "ABCDEFGH.IJKLMNOP");
	/* 44 characters: five 8-character qualifiers and a 3-character one */
	dsn_ok("AAAAAAAA.BBBBBBBB.CCCCCCCC.DDDDDDDD.EEEE.FFF",
	       "AAAAAAAA.BBBBBBBB.CCCCCCCC.DDDDDDDD.EEEE.FFF");
	dsn_bad("AAAAAAAA.BBBBBBBB.CCCCCCCC.DDDDDDDD.EEEE.FFFF",
		"too long: 45");
	dsn_bad("", "empty DSN");
	dsn_bad("PAY..X", "empty qualifier");
	dsn_bad(".PAY", "empty qualifier");
	dsn_bad("PAY.", "empty qualifier");
	dsn_bad("PAY.ABCDEFGHI", "qualifier 'ABCDEFGHI' is longer than 8");
	dsn_bad("PAY.1X", "bad first character '1' in qualifier '1X'");
	dsn_bad("PAY.-X", "bad first character '-'");
	dsn_bad("PAY.A_B", "bad character '_'");
	dsn_bad("PAY.A B", "bad character 'space'");
	dsn_bad("PAY.A\xc3\xa9", "bad character '\\xc3'");
	dsn_bad("PAY/X", "bad character '/'");
}

static void test_out_buffer(void **state)
{
	char small[4];

	(void)state;
	assert_int_equal(names_dsn_check("ABCD", small, sizeof(small)),
			 -ENAMETOOLONG);
	assert_int_equal(names_dsn_check("ABC", small, sizeof(small)), 0);
	assert_int_equal(names_dsn_check("A.B", NULL, 0), 0);
}

static void test_group(void **state)
{
	char out[NAMES_GROUP_MAX + 1];

	(void)state;
	assert_int_equal(names_group_check("pay-roll_#1", out, sizeof(out)), 0);
	assert_string_equal(out, "PAY-ROLL_#1");
	assert_int_equal(names_group_check("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
					   out, sizeof(out)),
			 0);
	assert_int_equal(names_group_check("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456",
					   out, sizeof(out)),
			 -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "too long"));
	assert_int_equal(names_group_check("", out, sizeof(out)), -EINVAL);
	assert_int_equal(names_group_check("A.B", out, sizeof(out)), -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "'.'"));
}

static void test_location_volser_prefix_member(void **state)
{
	char out[NAMES_LOCATION_MAX + 1];

	(void)state;
	assert_int_equal(names_location_check("Off-site_2", out, sizeof(out)),
			 0);
	assert_string_equal(out, "Off-site_2");
	assert_int_equal(names_location_check("9Vault", NULL, 0), -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "start with a letter"));
	assert_int_equal(names_location_check("ABCDEFGHIJKLMNOP", NULL, 0), 0);
	assert_int_equal(names_location_check("ABCDEFGHIJKLMNOPQ", NULL, 0),
			 -EINVAL);
	assert_int_equal(names_volser_check("l00001", out, sizeof(out)), 0);
	assert_string_equal(out, "L00001");
	assert_int_equal(names_volser_check("L0001", NULL, 0), -EINVAL);
	assert_int_equal(names_volser_check("L000011", NULL, 0), -EINVAL);
	assert_int_equal(names_volser_check("100001", NULL, 0), -EINVAL);
	assert_int_equal(names_volser_check("L0000-", NULL, 0), -EINVAL);
	assert_int_equal(names_pool_prefix_check("tp9", out, sizeof(out)), 0);
	assert_string_equal(out, "TP9");
	assert_int_equal(names_pool_prefix_check("ABCD", NULL, 0), -EINVAL);
	assert_int_equal(names_pool_prefix_check("9A", NULL, 0), -EINVAL);
	assert_int_equal(names_member_check("RESTORE.sh"), 0);
	assert_int_equal(names_member_check(".RESTORE.swp"), -EINVAL);
	assert_int_equal(names_member_check("a/b"), -EINVAL);
	assert_int_equal(names_member_check(""), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dsn),
		cmocka_unit_test(test_out_buffer),
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_location_volser_prefix_member),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
