// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz the RECON listing parser and the PIT rule (catalog/pit.c), with
 * and without a UTC offset for listings that print none.  An accepted
 * listing must give a PIT with at least one family, no more open
 * families than families, and terminated words; every form of the PIT
 * must fit the buffers pit_format() fills.
 */
#include "fuzz.h"
#include "pit.h"

static void check(const struct pit_result *r)
{
	struct pit_formats f;

	if (r->families == 0 || r->open > r->families)
		abort();
	if (!memchr(r->rule, '\0', sizeof(r->rule)) ||
	    !memchr(r->limiting, '\0', sizeof(r->limiting)))
		abort();
	memset(&f, 'x', sizeof(f));
	pit_format(r->pit_us, r->offset_sec, 27, &f);
	if (!memchr(f.iso, '\0', sizeof(f.iso)) ||
	    !memchr(f.vsam, '\0', sizeof(f.vsam)) ||
	    !memchr(f.ims, '\0', sizeof(f.ims)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pit_result r;

	/* The parser takes a length, not a string: no copy with a NUL, so
	 * ASan sees any read past the end. */
	if (pit_from_recon((const char *)data, size, "fuzz", PIT_NO_OFFSET,
			   &r) == 0)
		check(&r);
	if (pit_from_recon((const char *)data, size, "fuzz", -5 * 3600, &r) ==
	    0)
		check(&r);
	return 0;
}
