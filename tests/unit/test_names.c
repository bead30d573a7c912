// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of names.c: each rule accepted at its boundary and refused
 * one past it, folding, the out buffer, and messages that name the
 * offending part without passing raw bytes on.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "errmsg.h"
#include "names.h"

/* A name of n copies of c, in buf of 256 bytes. */
static const char *repeat(char c, size_t n, char *buf)
{
	assert_true(n < 256);
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* The message never carries a byte a terminal could take badly. */
static void assert_message_plain(void)
{
	const unsigned char *m = (const unsigned char *)ruv_lasterr();

	for (; *m; m++)
		if (*m < 0x20 || *m >= 0x7f)
			fail_msg("message '%s' has byte 0x%02x", ruv_lasterr(),
				 *m);
}

static void accepts(int (*fn)(const char *, char *, size_t), const char *in,
		    const char *want)
{
	char out[128];

	memset(out, 'x', sizeof(out));
	if (fn(in, out, sizeof(out)) != 0)
		fail_msg("'%s' refused: %s", in, ruv_lasterr());
	assert_string_equal(out, want);
	assert_int_equal(fn(in, NULL, 0), 0);
}

/* Refused with -EINVAL, out untouched, and the message holds why (and
 * also, when not NULL). */
static void refuses(int (*fn)(const char *, char *, size_t), const char *in,
		    const char *why, const char *also)
{
	char out[128] = "unchanged";

	ruv_clearerr();
	assert_int_equal(fn(in, out, sizeof(out)), -EINVAL);
	assert_string_equal(out, "unchanged");
	if (!strstr(ruv_lasterr(), why))
		fail_msg("'%s': message '%s' lacks '%s'", in, ruv_lasterr(),
			 why);
	if (also && !strstr(ruv_lasterr(), also))
		fail_msg("'%s': message '%s' lacks '%s'", in, ruv_lasterr(),
			 also);
	assert_message_plain();
	/* Checking only gives the same answer. */
	assert_int_equal(fn(in, NULL, 0), -EINVAL);
}

static void test_dsn_accepts_and_folds(void **state)
{
	(void)state;
	accepts(names_dsn_check, "pay.master", "PAY.MASTER");
	accepts(names_dsn_check, "Pay.Master.G0001V00", "PAY.MASTER.G0001V00");
	accepts(names_dsn_check, "A", "A");
	/* @ # $ may start a qualifier; - only follows. */
	accepts(names_dsn_check, "@.#.$", "@.#.$");
	accepts(names_dsn_check, "@#$.x-1.y$#@-", "@#$.X-1.Y$#@-");
	accepts(names_dsn_check, "z9", "Z9");
}

static void test_dsn_total_length(void **state)
{
	/* 22 one-letter qualifiers are 43 characters; 23 are 45. */
	const char *q22 = "A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A";
	const char *q23 = "A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A.A";

	(void)state;
	/* 44: four 8-character qualifiers, one of 4 and one of 3. */
	accepts(names_dsn_check, "AAAAAAAA.BBBBBBBB.CCCCCCCC.DDDDDDDD.EEEE.FFF",
		"AAAAAAAA.BBBBBBBB.CCCCCCCC.DDDDDDDD.EEEE.FFF");
	/* 45, every qualifier good: only the total is wrong. */
	refuses(names_dsn_check,
		"AAAAAAAA.BBBBBBBB.CCCCCCCC.DDDDDDDD.EEEE.FFFF",
		"too long (45 characters, at most 44)", NULL);
	assert_int_equal(strlen(q22), 43);
	accepts(names_dsn_check, q22, q22);
	refuses(names_dsn_check, q23, "too long (45", NULL);
	refuses(names_dsn_check, "", "DSN '': empty", NULL);
	refuses(names_dsn_check, NULL, "empty", NULL);
}

static void test_dsn_long_input_is_cut_in_message(void **state)
{
	char b1[256];

	(void)state;
	refuses(names_dsn_check, repeat('A', 200, b1),
		"too long (200 characters", "...");
	/* The name shown is cut well short of the message buffer. */
	assert_true(strlen(ruv_lasterr()) < 200);
}

static void test_dsn_qualifiers(void **state)
{
	(void)state;
	accepts(names_dsn_check, "ABCDEFGH.IJKLMNOP", "ABCDEFGH.IJKLMNOP");
	refuses(names_dsn_check, "PAY.ABCDEFGHI",
		"qualifier 'ABCDEFGHI' longer than 8", NULL);
	refuses(names_dsn_check, "abcdefghi.PAY",
		"qualifier 'abcdefghi' longer than 8", "DSN 'abcdefghi.PAY'");
	refuses(names_dsn_check, "PAY..X", "DSN 'PAY..X': empty qualifier",
		NULL);
	refuses(names_dsn_check, ".PAY", "empty qualifier", NULL);
	refuses(names_dsn_check, "PAY.", "empty qualifier", NULL);
	refuses(names_dsn_check, ".", "empty qualifier", NULL);
	refuses(names_dsn_check, "..", "empty qualifier", NULL);
}

static void test_dsn_characters(void **state)
{
	(void)state;
	refuses(names_dsn_check, "PAY.1X",
		"bad first character '1' in qualifier '1X'", NULL);
	refuses(names_dsn_check, "1PAY", "bad first character '1'", NULL);
	refuses(names_dsn_check, "PAY.-X", "bad first character '-'", NULL);
	refuses(names_dsn_check, "PAY.A_B",
		"bad character '_' in qualifier 'A_B'", NULL);
	refuses(names_dsn_check, "PAY.A B", "bad character ' '", NULL);
	refuses(names_dsn_check, "PAY/X", "bad character '/'", NULL);
	refuses(names_dsn_check, "PAY.A*", "bad character '*'", NULL);
	refuses(names_dsn_check, "PAY.A\tB", "bad character '\\x09'", NULL);
	refuses(names_dsn_check, "PAY.A'B", "bad character '\\x27'",
		"DSN 'PAY.A\\x27B'");
	/* Non-ASCII: the first byte is named, and the name is shown
	 * escaped, not as broken UTF-8. */
	refuses(names_dsn_check, "PAY.CAF\xc3\xa9", "bad character '\\xc3'",
		"'PAY.CAF\\xc3\\xa9'");
	refuses(names_dsn_check, "\xffPAY", "bad first character '\\xff'",
		NULL);
	/* Upper-case folding is ASCII only: a Latin-1 small letter stays
	 * a bad character. */
	refuses(names_dsn_check, "PAY.\xe9", "bad first character '\\xe9'",
		NULL);
}

static void test_out_buffer(void **state)
{
	char small[4] = "xyz";

	(void)state;
	assert_int_equal(names_dsn_check("ABCD", small, sizeof(small)),
			 -ENAMETOOLONG);
	assert_string_equal(small, "xyz");
	assert_non_null(strstr(ruv_lasterr(), "'ABCD'"));
	assert_int_equal(names_dsn_check("abc", small, sizeof(small)), 0);
	assert_string_equal(small, "ABC");
	/* A bad name is a bad name whatever the buffer. */
	assert_int_equal(names_dsn_check("A..B", small, sizeof(small)),
			 -EINVAL);
	assert_int_equal(names_dsn_check("A.B", NULL, 0), 0);
	assert_int_equal(names_group_check("ABCD", small, 0), -ENAMETOOLONG);
	assert_int_equal(names_location_check("Abcd", small, sizeof(small)),
			 -ENAMETOOLONG);
}

static void test_group(void **state)
{
	char a[NAMES_GROUP_MAX + 1], b[NAMES_GROUP_MAX + 1];
	char b1[256], b2[256];

	(void)state;
	/* Folded, so the two spellings are one group. */
	assert_int_equal(names_group_check("payroll", a, sizeof(a)), 0);
	assert_int_equal(names_group_check("PayRoll", b, sizeof(b)), 0);
	assert_string_equal(a, "PAYROLL");
	assert_string_equal(a, b);
	accepts(names_group_check, "pay-roll_#1", "PAY-ROLL_#1");
	accepts(names_group_check, "1st", "1ST");
	accepts(names_group_check, "_x", "_X");
	accepts(names_group_check, "@$#", "@$#");
	accepts(names_group_check, repeat('g', 32, b1), repeat('G', 32, b2));
	refuses(names_group_check, repeat('g', 33, b1),
		"too long (33 characters, at most 32)", "group '");
	refuses(names_group_check, "", "group '': empty", NULL);
	refuses(names_group_check, "-x", "bad first character '-'", NULL);
	refuses(names_group_check, "A.B", "group 'A.B': bad character '.'",
		NULL);
	refuses(names_group_check, "A B", "bad character ' '", NULL);
	refuses(names_group_check, "A/B", "bad character '/'", NULL);
	refuses(names_group_check, "caf\xc3\xa9", "bad character '\\xc3'",
		NULL);
}

static void test_location(void **state)
{
	char b1[256], b2[256];

	(void)state;
	/* Case is kept. */
	accepts(names_location_check, "Offsite", "Offsite");
	accepts(names_location_check, "Off-site_2", "Off-site_2");
	accepts(names_location_check, "x", "x");
	accepts(names_location_check, repeat('L', 16, b1), repeat('L', 16, b2));
	refuses(names_location_check, repeat('L', 17, b1),
		"too long (17 characters, at most 16)", "location '");
	refuses(names_location_check, "", "location '': empty", NULL);
	refuses(names_location_check, "9Vault",
		"bad first character '9' (must start with a letter)", NULL);
	refuses(names_location_check, "_Vault", "bad first character '_'",
		NULL);
	refuses(names_location_check, "-Vault", "bad first character '-'",
		NULL);
	refuses(names_location_check, "Off site", "bad character ' '", NULL);
	refuses(names_location_check, "Off.site", "bad character '.'", NULL);
	refuses(names_location_check, "Off@site", "bad character '@'", NULL);
}

static void test_volser(void **state)
{
	(void)state;
	accepts(names_volser_check, "l00001", "L00001");
	accepts(names_volser_check, "ABCDEF", "ABCDEF");
	accepts(names_volser_check, "Z99999", "Z99999");
	refuses(names_volser_check, "L0001",
		"VOLSER 'L0001': 5 characters, must be exactly 6", NULL);
	refuses(names_volser_check, "L000011", "must be exactly 6", NULL);
	refuses(names_volser_check, "", "empty", NULL);
	refuses(names_volser_check, "100001", "bad first character '1'", NULL);
	refuses(names_volser_check, "L0000-", "bad character '-'", NULL);
	refuses(names_volser_check, "L0000_", "bad character '_'", NULL);
	refuses(names_volser_check, "L0000$", "bad character '$'", NULL);
}

static void test_pool_prefix(void **state)
{
	(void)state;
	accepts(names_pool_prefix_check, "tp9", "TP9");
	accepts(names_pool_prefix_check, "t", "T");
	refuses(names_pool_prefix_check, "ABCD",
		"pool prefix 'ABCD': too long (4 characters, at most 3)", NULL);
	refuses(names_pool_prefix_check, "", "empty", NULL);
	refuses(names_pool_prefix_check, "9A", "bad first character '9'", NULL);
	refuses(names_pool_prefix_check, "A-", "bad character '-'", NULL);
}

/* names_member_check has no out: wrap it to the common shape. */
static int member(const char *in, char *out, size_t outlen)
{
	(void)out;
	(void)outlen;
	return names_member_check(in);
}

static void test_member(void **state)
{
	char b1[256];

	(void)state;
	assert_int_equal(names_member_check("RESTORE.sh"), 0);
	assert_int_equal(names_member_check("a"), 0);
	assert_int_equal(names_member_check("a+b@c#d$e_f-g.h"), 0);
	assert_int_equal(names_member_check("_x"), 0);
	assert_int_equal(names_member_check("9.JCL"), 0);
	assert_int_equal(names_member_check(repeat('m', 64, b1)), 0);
	refuses(member, repeat('m', 65, b1),
		"too long (65 characters, at most 64)", "member '");
	refuses(member, "", "member '': empty", NULL);
	refuses(member, NULL, "empty", NULL);
	refuses(member, ".RESTORE.swp", "bad first character '.'", NULL);
	refuses(member, ".", "bad first character '.'", NULL);
	refuses(member, "..", "bad first character '.'", NULL);
	refuses(member, "-rf", "bad first character '-'", NULL);
	refuses(member, "a/b", "bad character '/'", NULL);
	refuses(member, "a b", "bad character ' '", NULL);
	refuses(member, "a~", "bad character '~'", NULL);
	refuses(member, "a\nb", "bad character '\\x0a'", NULL);
	refuses(member, "r\xc3\xa9sum\xc3\xa9", "bad character '\\xc3'", NULL);
}

static void test_quote(void **state)
{
	char buf[NAMES_QUOTE_MAX], small[10], b1[256];

	(void)state;
	assert_string_equal(names_quote("PAY.X", buf, sizeof(buf)), "PAY.X");
	assert_string_equal(names_quote(NULL, buf, sizeof(buf)), "");
	assert_string_equal(names_quote("a'b\\c\x7f\x01 d", buf, sizeof(buf)),
			    "a\\x27b\\x5cc\\x7f\\x01 d");
	/* Exactly fits: 9 characters in 10 bytes, no cut mark. */
	assert_string_equal(names_quote("123456789", small, sizeof(small)),
			    "123456789");
	/* One more: cut, and the mark says so. */
	assert_string_equal(names_quote("1234567890", small, sizeof(small)),
			    "123456...");
	/* An escape is never split. */
	assert_string_equal(names_quote("12345\xff\xff", small, sizeof(small)),
			    "12345...");
	assert_string_equal(
		names_quote(repeat('q', 200, b1), buf, sizeof(buf)) +
			NAMES_QUOTE_MAX - 4,
		"...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dsn_accepts_and_folds),
		cmocka_unit_test(test_dsn_total_length),
		cmocka_unit_test(test_dsn_long_input_is_cut_in_message),
		cmocka_unit_test(test_dsn_qualifiers),
		cmocka_unit_test(test_dsn_characters),
		cmocka_unit_test(test_out_buffer),
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_location),
		cmocka_unit_test(test_volser),
		cmocka_unit_test(test_pool_prefix),
		cmocka_unit_test(test_member),
		cmocka_unit_test(test_quote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
