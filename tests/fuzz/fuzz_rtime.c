// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz the time parser (catalog/rtime.c) in a zone with daylight saving
 * time, so that the gap and the fold are reachable.  Whatever it accepts
 * must print in ISO form and parse back to the same microsecond (but for
 * the years the parser refuses as written, which an offset can reach),
 * and a time given in the RUV form must print in it and parse back to
 * the same value at the same offset.
 */
#include <strings.h>
#include <time.h>

#include "fuzz.h"
#include "rtime.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "America/New_York", 1);
	tzset();
	return 0;
}

static int year_in_range(const char *iso)
{
	return (iso[0] == '1' && iso[1] == '9') ||
	       (iso[0] >= '2' && iso[0] <= '9' && iso[4] == '-');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char iso[RTIME_ISO_MAX], ruv[RTIME_RUV_MAX];
	char *s = fuzz_cstr(data, size);
	int64_t us = INT64_MIN, back = INT64_MIN;
	int off;

	if (rtime_parse(s, &us) == 0 && strcasecmp(s, "now") != 0) {
		if (rtime_format_iso(us, iso, sizeof(iso)) == 0)
			abort(); /* RTIME_ISO_MAX is too small */
		if (rtime_parse(iso, &back) == 0) {
			if (back != us)
				abort();
		} else if (year_in_range(iso)) {
			abort();
		}
	}
	/* The RUV form at an offset taken from the input's length. */
	off = (int)(size % 73) * 900 - RTIME_OFFSET_MAX;
	if (rtime_parse_ruv(s, off, &us) == 0) {
		if (rtime_format_ruv(us, off, ruv, sizeof(ruv)) == 0)
			abort();
		if (rtime_parse_ruv(ruv, off, &back) != 0 || back != us)
			abort();
	}
	free(s);
	return 0;
}
