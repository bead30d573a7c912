// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz the archive record decoder (arcrec_decode in catalog/arcrec.c):
 * the input is one record as an archive data set holds it (the record
 * format of logstream.c).  Its CRC is fixed up first (but for inputs
 * whose size is a multiple of 7), so mutations reach the fields behind
 * it.  A record that decodes must keep arcrec.h's promise: its size is
 * its length, and encoded again it gives back the same bytes.
 */
#include "arcrec.h"
#include "crc32c.h"
#include "fuzz.h"
#include "fuzz_volume.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct log_touched *touched = NULL;
	size_t cap = 0;
	struct logrec rec;
	const char *why = NULL;
	uint8_t *b, *again;
	uint32_t len, crc;

	if (size < 4 || size > (1u << 20))
		return 0;
	b = malloc(size);
	if (!b)
		abort();
	memcpy(b, data, size);
	len = arcrec_peek_len(b, size);
	if (size % 7 != 0 && len >= ARCREC_HEAD && len <= size) {
		crc = crc32c(0, b, 4);
		fuzz_put32(b + 4, crc32c(crc, b + 8, len - 8));
	}
	if (len >= ARCREC_HEAD && len <= size &&
	    arcrec_decode(b, len, &rec, &touched, &cap, &why) == 0) {
		if (arcrec_size(&rec) != len)
			abort();
		again = malloc(len);
		if (!again)
			abort();
		arcrec_encode(&rec, again);
		if (memcmp(again, b, len))
			abort();
		free(again);
	}
	free(touched);
	free(b);
	return 0;
}
