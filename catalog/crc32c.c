// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CRC-32C (Castagnoli).  Volumes checksum every header, index and
 * compressed chunk with it, so it sits on the backup's hot path.
 *
 * On x86-64 with SSE4.2 the crc32 instruction does the work 8 bytes at a
 * time.  One chain of it is bound by the instruction's latency (3 cycles),
 * so long buffers run as three independent chains over three adjacent
 * blocks, combined at the end by "shifting" a CRC over a block of zeros
 * with a precomputed table (the CRC is linear over GF(2)): about three
 * times the speed of one chain.  Without SSE4.2, a slice-by-8 table.
 * Both give the same values (the unit test checks).
 *
 * The tables are built once, thread-safely, on first use (about 13 KiB).
 * The processor is asked once; the answer is cached in an atomic.
 */
#include <endian.h>
#include <pthread.h>
#include <string.h>

#include "crc32c.h"

#define POLY 0x82f63b78u /* reflected Castagnoli polynomial */

static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void build_table(void)
{
	uint32_t c;
	unsigned i, j;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (j = 1; j < 8; j++)
			table[j][i] = (table[j - 1][i] >> 8) ^
				      table[0][table[j - 1][i] & 0xff];
}

uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t w;

	pthread_once(&table_once, build_table);
	crc = ~crc;
	while (len && ((uintptr_t)p & 7)) {
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
		len--;
	}
	while (len >= 8) {
		memcpy(&w, p, 8);
		w = le64toh(w) ^ crc;
		crc = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^
		      table[5][(w >> 16) & 0xff] ^ table[4][(w >> 24) & 0xff] ^
		      table[3][(w >> 32) & 0xff] ^ table[2][(w >> 40) & 0xff] ^
		      table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <nmmintrin.h>

#define LONG_BLOCK  8192
#define SHORT_BLOCK 256

/* shift_long[k][b]: what byte b at position k of a CRC register becomes
 * after LONG_BLOCK zero bytes; likewise shift_short. */
static uint32_t shift_long[4][256], shift_short[4][256];
static pthread_once_t shift_once = PTHREAD_ONCE_INIT;

/* A linear map of 32-bit CRC registers: column i is the image of bit i. */
static uint32_t gf2_apply(const uint32_t *m, uint32_t v)
{
	uint32_t r = 0;

	for (; v; v >>= 1, m++)
		if (v & 1)
			r ^= *m;
	return r;
}

/* out = a after b. */
static void gf2_compose(uint32_t *out, const uint32_t *a, const uint32_t *b)
{
	uint32_t t[32];
	int i;

	for (i = 0; i < 32; i++)
		t[i] = gf2_apply(a, b[i]);
	memcpy(out, t, sizeof(t));
}

/* The map "feed len zero bytes" as a 4 x 256 table. */
static void zeros_table(uint32_t out[4][256], size_t len)
{
	uint32_t pow[32], res[32];
	int i, k, b;

	/* One zero bit: shift right, folding the polynomial in. */
	pow[0] = POLY;
	for (i = 1; i < 32; i++)
		pow[i] = 1u << (i - 1);
	for (i = 0; i < 3; i++) /* 2, 4, 8 bits: one byte */
		gf2_compose(pow, pow, pow);
	for (i = 0; i < 32; i++)
		res[i] = 1u << i;
	for (; len; len >>= 1) {
		if (len & 1)
			gf2_compose(res, pow, res);
		gf2_compose(pow, pow, pow);
	}
	for (k = 0; k < 4; k++)
		for (b = 0; b < 256; b++)
			out[k][b] = gf2_apply(res, (uint32_t)b << (8 * k));
}

static void build_shift(void)
{
	zeros_table(shift_long, LONG_BLOCK);
	zeros_table(shift_short, SHORT_BLOCK);
}

static uint32_t shift(uint32_t t[4][256], uint32_t crc)
{
	return t[0][crc & 0xff] ^ t[1][(crc >> 8) & 0xff] ^
	       t[2][(crc >> 16) & 0xff] ^ t[3][crc >> 24];
}

static uint64_t load64(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

/* Three chains over three adjacent blocks of n bytes each, from p. */
__attribute__((target("sse4.2"))) static uint64_t
three_chains(uint64_t c0, const unsigned char *p, size_t n, uint32_t t[4][256])
{
	const unsigned char *end = p + n;
	uint64_t c1 = 0, c2 = 0;

	do {
		c0 = _mm_crc32_u64(c0, load64(p));
		c1 = _mm_crc32_u64(c1, load64(p + n));
		c2 = _mm_crc32_u64(c2, load64(p + 2 * n));
		p += 8;
	} while (p < end);
	c0 = shift(t, (uint32_t)c0) ^ (uint32_t)c1;
	return shift(t, (uint32_t)c0) ^ (uint32_t)c2;
}

__attribute__((target("sse4.2"))) static uint32_t
crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t c = ~crc;

	while (len && ((uintptr_t)p & 7)) {
		c = _mm_crc32_u8((uint32_t)c, *p++);
		len--;
	}
	if (len >= 3 * SHORT_BLOCK)
		pthread_once(&shift_once, build_shift);
	while (len >= 3 * LONG_BLOCK) {
		c = three_chains(c, p, LONG_BLOCK, shift_long);
		p += 3 * LONG_BLOCK;
		len -= 3 * LONG_BLOCK;
	}
	while (len >= 3 * SHORT_BLOCK) {
		c = three_chains(c, p, SHORT_BLOCK, shift_short);
		p += 3 * SHORT_BLOCK;
		len -= 3 * SHORT_BLOCK;
	}
	while (len >= 8) {
		c = _mm_crc32_u64(c, load64(p));
		p += 8;
		len -= 8;
	}
	while (len--)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return ~(uint32_t)c;
}

int crc32c_accelerated(void)
{
	static int have = -1; /* -1 unknown; set once, the same by all */
	int h = __atomic_load_n(&have, __ATOMIC_RELAXED);

	if (h < 0) {
		__builtin_cpu_init();
		h = __builtin_cpu_supports("sse4.2") ? 1 : 0;
		__atomic_store_n(&have, h, __ATOMIC_RELAXED);
	}
	return h;
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	return crc32c_accelerated() ? crc32c_hw(crc, buf, len)
				    : crc32c_sw(crc, buf, len);
}
#else
int crc32c_accelerated(void)
{
	return 0;
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	return crc32c_sw(crc, buf, len);
}
#endif
