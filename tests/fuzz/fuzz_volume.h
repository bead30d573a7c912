/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_FUZZ_VOLUME_H
#define RUV_FUZZ_VOLUME_H

/*
 * For the volume targets: random bytes almost never carry the right
 * CRC-32C, so a fuzzer would spend its time on the first CRC check.
 * fuzz_volume_fix() walks an image as the format in catalog/volume.c
 * lays it out (label, then header, chunks, trailer, footer per data set,
 * then the end mark) and rewrites each CRC it can place, so that the
 * mutations reach the lengths and cross-checks behind the CRCs.  Inputs
 * whose size is a multiple of 7 are left as they are, so the CRC checks
 * themselves stay fuzzed too.  What it cannot place it leaves alone.
 */

#include "crc32c.h"
#include "volume.h"

static inline uint32_t fuzz_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void fuzz_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static inline void fuzz_fix_crc(unsigned char *p, size_t n)
{
	fuzz_put32(p + n - 4, crc32c(0, p, n - 4));
}

/* Fix the CRCs of the data sets from pos on; returns where the walk
 * stopped. */
static inline size_t fuzz_volume_fix_datasets(unsigned char *b, size_t size,
					      size_t pos)
{
	size_t len, flen, n;

	while (pos + 12 <= size) {
		if (!memcmp(b + pos, "RUVEOV1\n", 8) && pos + 28 <= size) {
			fuzz_fix_crc(b + pos, 28);
			return pos + 28;
		}
		if (memcmp(b + pos, "RUVDSH1\n", 8))
			return pos;
		len = fuzz_get32(b + pos + 8);
		if (len < 16 || len > size - pos)
			return pos;
		fuzz_fix_crc(b + pos, len);
		pos += len;
		while (pos + 20 <= size && !memcmp(b + pos, "RUVC", 4)) {
			flen = fuzz_get32(b + pos + 8);
			if (flen > size - pos - 20)
				return pos;
			fuzz_put32(b + pos + 12, crc32c(0, b + pos + 20, flen));
			fuzz_fix_crc(b + pos, 20);
			pos += 20 + flen;
		}
		if (pos + 28 > size || memcmp(b + pos, "RUVDST1\n", 8))
			return pos;
		n = fuzz_get32(b + pos + 8);
		if (n > (size - pos) / 12)
			return pos;
		len = 28 + 12 * n + 4;
		if (len > size - pos)
			return pos;
		fuzz_fix_crc(b + pos, len);
		pos += len;
		if (pos + 32 > size || memcmp(b + pos, "RUVDSEND", 8))
			return pos;
		fuzz_fix_crc(b + pos, 32);
		pos += 32;
	}
	return pos;
}

/* A copy of the image with its CRCs fixed (see above); free() it. */
static inline unsigned char *fuzz_volume_fix(const uint8_t *data, size_t size)
{
	unsigned char *b = malloc(size ? size : 1);

	if (!b)
		abort();
	memcpy(b, data, size);
	if (size % 7 == 0)
		return b;
	if (size >= VOLUME_LABEL_SIZE) {
		fuzz_fix_crc(b, VOLUME_LABEL_SIZE);
		fuzz_volume_fix_datasets(b, size, VOLUME_LABEL_SIZE);
	}
	return b;
}

#endif
