// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of crc32c.c: published vectors, running checksums, and the
 * hardware path (three interleaved chains and their combination) equal to
 * the table on every length, alignment and split around its block sizes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crc32c.h"

#define BIG (3 * 3 * 8192 + 3 * 256 + 77) /* every path of the hw loop */

static unsigned char *noise(size_t n, unsigned seed)
{
	unsigned char *p = malloc(n);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
	return p;
}

/* Both versions, the same answer, which is returned. */
static uint32_t both(uint32_t crc, const void *p, size_t n)
{
	uint32_t a = crc32c(crc, p, n), b = crc32c_sw(crc, p, n);

	assert_int_equal(a, b);
	return a;
}

static void test_vectors(void **state)
{
	unsigned char buf[48];
	unsigned i;

	(void)state;
	assert_int_equal(both(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(both(0, "", 0), 0);
	assert_int_equal(both(0x12345678, "", 0), 0x12345678);
	/* RFC 3720, B.4. */
	memset(buf, 0, 32);
	assert_int_equal(both(0, buf, 32), 0x8A9136AAu);
	memset(buf, 0xff, 32);
	assert_int_equal(both(0, buf, 32), 0x62A8AB43u);
	for (i = 0; i < 32; i++)
		buf[i] = (unsigned char)i;
	assert_int_equal(both(0, buf, 32), 0x46DD794Eu);
	for (i = 0; i < 32; i++)
		buf[i] = (unsigned char)(31 - i);
	assert_int_equal(both(0, buf, 32), 0x113FDB5Cu);
	/* An iSCSI read command PDU, RFC 3720 B.4. */
	{
		static const unsigned char pdu[48] = {
			0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
			0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
			0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		};

		assert_int_equal(both(0, pdu, sizeof(pdu)), 0xD9963A56u);
	}
	/* The empty string's CRC of a long run of zeros is not zero. */
	{
		unsigned char *z = calloc(1, BIG);

		assert_non_null(z);
		assert_int_not_equal(both(0, z, BIG), 0);
		free(z);
	}
}

static void test_running(void **state)
{
	unsigned char *p = noise(BIG, 1);
	uint32_t whole = both(0, p, BIG), c;
	size_t cut;

	(void)state;
	assert_int_equal(both(both(0, "1234", 4), "56789", 5), 0xE3069283u);
	for (cut = 0; cut <= BIG; cut += cut < 800 ? 1 : 997) {
		c = crc32c(crc32c(0, p, cut), p + cut, BIG - cut);
		assert_int_equal(c, whole);
		c = crc32c_sw(crc32c(0, p, cut), p + cut, BIG - cut);
		assert_int_equal(c, whole);
	}
	free(p);
}

/* Every alignment, and every length around the block sizes of the
 * hardware loop (3 x 256 and 3 x 8192 bytes) and the 8-byte steps. */
static void test_hw_equals_sw(void **state)
{
	static const size_t edges[] = { 3 * 256, 3 * 8192, 2 * 3 * 8192 };
	unsigned char *buf = noise(BIG + 16, 7);
	size_t off, len, e, d;

	(void)state;
	print_message("# crc32c: %s\n", crc32c_accelerated()
						? "SSE4.2 instruction"
						: "table only (no SSE4.2)");
	assert_true(crc32c_accelerated() == 0 || crc32c_accelerated() == 1);
	for (off = 0; off < 16; off++) {
		for (len = 0; len < 1100; len++)
			both(0x1234, buf + off, len);
		for (e = 0; e < sizeof(edges) / sizeof(edges[0]); e++)
			for (d = 0; d < 20; d++) {
				both(0, buf + off, edges[e] + d - 10);
				both(~0u, buf + off, edges[e] + d - 10);
			}
		both(0, buf + off, BIG);
	}
	for (len = 0; len < BIG; len += 1 + len / 5)
		both(0, buf + 3, len);
	free(buf);
}

/* A mutation anywhere changes the value. */
static void test_detects(void **state)
{
	unsigned char *p = noise(4096, 3);
	uint32_t c = both(0, p, 4096);
	size_t i;

	(void)state;
	for (i = 0; i < 4096; i += 61) {
		p[i] ^= 0x10;
		assert_int_not_equal(crc32c(0, p, 4096), c);
		p[i] ^= 0x10;
	}
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_running),
		cmocka_unit_test(test_hw_equals_sw),
		cmocka_unit_test(test_detects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
