// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of rtime.c: the forms, the calendar, zones, flooring. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "errmsg.h"
#include "rtime.h"

#define US 1000000LL

static void parses(const char *s, int64_t want)
{
	int64_t got = -1;

	if (rtime_parse(s, &got) < 0)
		fail_msg("'%s': %s", s, ruv_lasterr());
	assert_int_equal(got, want);
}

static void refused(const char *s, const char *why)
{
	int64_t got = 12345;

	assert_int_equal(rtime_parse(s, &got), -EINVAL);
	assert_int_equal(got, 12345);
	if (!strstr(ruv_lasterr(), why))
		fail_msg("'%s': message '%s' lacks '%s'", s, ruv_lasterr(),
			 why);
}

static void iso(int64_t us, const char *want)
{
	char buf[RTIME_ISO_MAX];

	rtime_format_iso(us, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_iso_forms(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	parses("1970-01-01T00:00:00Z", 0);
	parses("2000-01-01T00:00:00Z", 946684800 * US);
	parses("2000-01-01", 946684800 * US);
	parses("2000-01-01 00:00", 946684800 * US);
	parses("2025-02-10T14:42:17.364519Z", 1739198537364519LL);
	parses("2025-02-10t09:42:17,364519-05:00", 1739198537364519LL);
	parses("2025-02-10T20:12:17.364519+0530", 1739198537364519LL);
	parses("2025-02-10T16:42:17.364519+02", 1739198537364519LL);
}

static void test_fractions(void **state)
{
	(void)state;
	parses("1970-01-01T00:00:00.5Z", 500000);
	parses("1970-01-01T00:00:00.999999999Z", 999999);
	parses("1970-01-01T00:00:00.000001Z", 1);
	refused("1970-01-01T00:00:00.9999999999Z", "not ISO 8601");
	refused("1970-01-01T00:00:00.Z", "not ISO 8601");
}

static void test_calendar_refusals(void **state)
{
	(void)state;
	parses("2024-02-29T00:00:00Z", 1709164800 * US);
	parses("2000-02-29T00:00:00Z", 951782400 * US);
	refused("2025-02-29T00:00:00Z", "day 29 out of range for February "
					"2025");
	refused("1900-02-29T00:00:00Z", "day 29");
	refused("2026-04-31", "day 31 out of range for April");
	refused("2026-13-01", "month 13");
	refused("2026-00-01", "month 0");
	refused("2026-01-01T24:00:00Z", "hour 24");
	refused("2026-01-01T25:00:00Z", "hour 25");
	refused("2026-01-01T23:60:00Z", "minute 60");
	refused("2026-01-01T23:59:60Z", "second 60");
	refused("2026-01-01T00:00:00+19:00", "offset out of range");
	refused("2026-01-01T00:00:00Zjunk", "not ISO 8601");
	refused("yesterday", "not ISO 8601");
	refused("", "not ISO 8601");
	refused("1899-12-31", "year 1899");
}

static void test_ruv_form(void **state)
{
	int64_t us;
	char buf[32];

	(void)state;
	assert_int_equal(rtime_parse_ruv("20250411442173", 0, &us), 0);
	assert_int_equal(us, 1739198537300000LL);
	assert_int_equal(rtime_parse_ruv("20250410942173", -5 * 3600, &us), 0);
	assert_int_equal(us, 1739198537300000LL);
	assert_int_equal(rtime_parse_ruv("2024366235959", 0, &us), 0);
	iso(us, "2024-12-31T23:59:59Z");
	assert_int_equal(rtime_parse_ruv("20253660000000", 0, &us), -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "Julian day 366 out of range"));
	assert_int_equal(rtime_parse_ruv("20250000000000", 0, &us), -EINVAL);
	assert_int_equal(rtime_parse_ruv("20243672359590", 0, &us), -EINVAL);
	assert_int_equal(rtime_parse_ruv("20240012500000", 0, &us), -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "hour 25"));
	rtime_format_ruv(1739198537364519LL, 0, buf, sizeof(buf));
	assert_string_equal(buf, "20250411442173");
	rtime_format_ruv(1739198537364519LL, -5 * 3600, buf, sizeof(buf));
	assert_string_equal(buf, "20250410942173");
	/* Tenths are floored, never rounded up. */
	rtime_format_ruv(59 * US + 999999, 0, buf, sizeof(buf));
	assert_string_equal(buf, "19700010000599");
}

static void test_local_time(void **state)
{
	(void)state;
	setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1);
	tzset();
	/* January: EST, UTC-5; July: EDT, UTC-4. */
	parses("2025-01-15T12:00:00", 1736960400 * US);
	parses("2025-07-15T12:00:00", 1752595200 * US);
	parses("20250151200000", 1736960400 * US);
	parses("20251961200000", 1752595200 * US);
	assert_int_equal(rtime_local_offset(1736960400 * US), -5 * 3600);
	assert_int_equal(rtime_local_offset(1752595200 * US), -4 * 3600);
	setenv("TZ", "UTC", 1);
	tzset();
}

static void test_formats(void **state)
{
	char buf[32];

	(void)state;
	iso(0, "1970-01-01T00:00:00Z");
	iso(1739198537364519LL, "2025-02-10T14:42:17.364519Z");
	iso(-1, "1969-12-31T23:59:59.999999Z");
	iso(-2208988800LL * US, "1900-01-01T00:00:00Z");
	rtime_format_stamp(1739198537999999LL, buf, sizeof(buf));
	assert_string_equal(buf, "D20250210.T144217");
}

static void test_civil_round_trip(void **state)
{
	struct rtime_civil c;
	int64_t us;

	(void)state;
	for (us = -2208988800LL * US; us < 253402300799LL * US;
	     us += 86400LL * 997 * US + 1234567) {
		rtime_to_civil(us, &c);
		assert_int_equal(rtime_from_civil(c.year, c.month, c.day,
						  c.hour, c.min, c.sec, c.usec),
				 us);
	}
	rtime_to_civil(rtime_from_civil(2024, 12, 31, 0, 0, 0, 0), &c);
	assert_int_equal(c.yday, 366);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso_forms),
		cmocka_unit_test(test_fractions),
		cmocka_unit_test(test_calendar_refusals),
		cmocka_unit_test(test_ruv_form),
		cmocka_unit_test(test_local_time),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_civil_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
