// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of crc32c.c: the standard vector, hardware == table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "crc32c.h"

static void test_vectors(void **state)
{
	static const unsigned char zeros[32];

	(void)state;
	assert_int_equal(crc32c(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(crc32c_sw(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(crc32c(0, "", 0), 0);
	/* RFC 3720 B.4: 32 bytes of zeros. */
	assert_int_equal(crc32c(0, zeros, sizeof(zeros)), 0x8A9136AAu);
	/* Running checksums: two halves give the whole. */
	assert_int_equal(crc32c(crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
}

static void test_hw_equals_sw(void **state)
{
	unsigned char *buf = malloc(4096 + 16);
	size_t off, len;
	unsigned i;

	(void)state;
	assert_non_null(buf);
	srand(7);
	for (i = 0; i < 4096 + 16; i++)
		buf[i] = (unsigned char)rand();
	for (off = 0; off < 9; off++)
		for (len = 0; len < 4096; len += 1 + len / 3)
			assert_int_equal(crc32c(0x1234, buf + off, len),
					 crc32c_sw(0x1234, buf + off, len));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_hw_equals_sw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
