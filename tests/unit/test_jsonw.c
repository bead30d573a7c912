// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of jsonw.c: separators, nesting, escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonw.h"

static char *buf;
static size_t len;

static struct jsonw *start(FILE **f)
{
	*f = open_memstream(&buf, &len);
	assert_non_null(*f);
	return jsonw_new(*f);
}

static void finish(FILE *f, struct jsonw *j, const char *want)
{
	jsonw_free(j);
	fclose(f);
	assert_string_equal(buf, want);
	free(buf);
}

static void test_nesting_and_commas(void **state)
{
	struct jsonw *j;
	FILE *f;

	(void)state;
	j = start(&f);
	jsonw_object_open(j);
	jsonw_key(j, "a");
	jsonw_array_open(j);
	jsonw_int(j, -1);
	jsonw_uint(j, UINT64_MAX);
	jsonw_bool(j, 1);
	jsonw_null(j);
	jsonw_object_open(j);
	jsonw_object_close(j);
	jsonw_array_open(j);
	jsonw_array_close(j);
	jsonw_array_close(j);
	jsonw_key(j, "t");
	jsonw_time(j, 0);
	jsonw_key(j, "d");
	jsonw_double(j, 2.5);
	jsonw_object_close(j);
	finish(f, j,
	       "{\"a\":[-1,18446744073709551615,true,null,{},[]],"
	       "\"t\":\"1970-01-01T00:00:00Z\",\"d\":2.5}\n");
}

static void test_escaping(void **state)
{
	struct jsonw *j;
	FILE *f;

	(void)state;
	j = start(&f);
	jsonw_array_open(j);
	jsonw_string(j, "q\"b\\n\n\t\x01\x7f");
	jsonw_string(j, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbe");
	jsonw_string(j, "bad \xff \xc3 \xed\xa0\x80 \xc0\xaf");
	jsonw_string(j, NULL);
	jsonw_array_close(j);
	finish(f, j,
	       "[\"q\\\"b\\\\n\\n\\t\\u0001\\u007f\","
	       "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbe\","
	       "\"bad \\ufffd \\ufffd \\ufffd\\ufffd\\ufffd "
	       "\\ufffd\\ufffd\",\"\"]\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting_and_commas),
		cmocka_unit_test(test_escaping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
