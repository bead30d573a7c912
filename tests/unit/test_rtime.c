// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of rtime.c: the input forms and each field at its boundary,
 * zones and site local time (with $TZ set per test), flooring, the
 * formats, and the calendar arithmetic against the C library's gmtime_r()
 * and against a day-by-day walk of 1900-9999.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "errmsg.h"
#include "rtime.h"

#define US RTIME_US_PER_SEC

/* 2025-02-10T14:42:17.364519Z, the vector the RUV form is checked on. */
#define T_VEC 1739198537364519LL

static void set_tz(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

/* Every test starts in UTC, whatever the one before it left. */
static int utc_setup(void **state)
{
	(void)state;
	set_tz("UTC");
	return 0;
}

static void parses(const char *s, int64_t want)
{
	int64_t got = -1;

	if (rtime_parse(s, &got) < 0)
		fail_msg("'%s': %s", s, ruv_lasterr());
	if (got != want)
		fail_msg("'%s': got %lld, want %lld", s, (long long)got,
			 (long long)want);
}

/* -EINVAL, *us untouched, and the message quotes s and says why. */
static void refused(const char *s, const char *why)
{
	int64_t got = 12345;

	ruv_clearerr();
	assert_int_equal(rtime_parse(s, &got), -EINVAL);
	assert_int_equal(got, 12345);
	if (!strstr(ruv_lasterr(), why))
		fail_msg("'%s': message '%s' lacks '%s'", s, ruv_lasterr(),
			 why);
	assert_true(strncmp(ruv_lasterr(), "time '", 6) == 0);
}

static void ruv_parses(const char *s, int off, int64_t want)
{
	int64_t got = -1;

	if (rtime_parse_ruv(s, off, &got) < 0)
		fail_msg("'%s' at %d: %s", s, off, ruv_lasterr());
	assert_int_equal(got, want);
}

static void ruv_refused(const char *s, int off, const char *why)
{
	int64_t got = 12345;

	assert_int_equal(rtime_parse_ruv(s, off, &got), -EINVAL);
	assert_int_equal(got, 12345);
	if (!strstr(ruv_lasterr(), why))
		fail_msg("'%s': message '%s' lacks '%s'", s, ruv_lasterr(),
			 why);
}

static void iso_is(int64_t us, const char *want)
{
	char buf[RTIME_ISO_MAX];
	size_t n = rtime_format_iso(us, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void ruv_is(int64_t us, int off, const char *want)
{
	char buf[RTIME_RUV_MAX];
	size_t n = rtime_format_ruv(us, off, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void stamp_is(int64_t us, const char *want)
{
	char buf[RTIME_STAMP_MAX];
	size_t n = rtime_format_stamp(us, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_known_vectors(void **state)
{
	(void)state;
	parses("1970-01-01T00:00:00Z", 0);
	parses("2000-01-01T00:00:00Z", 946684800000000LL);
	parses("2025-02-10T14:42:17.364519Z", T_VEC);
	iso_is(0, "1970-01-01T00:00:00Z");
	iso_is(946684800000000LL, "2000-01-01T00:00:00Z");
	iso_is(T_VEC, "2025-02-10T14:42:17.364519Z");
	ruv_is(T_VEC, 0, "20250411442173");
	ruv_is(T_VEC, -5 * 3600, "20250410942173");
	/* The RUV form keeps tenths only. */
	ruv_parses("20250411442173", 0, T_VEC - 64519);
	ruv_parses("20250410942173", -5 * 3600, T_VEC - 64519);
}

static void test_iso_forms(void **state)
{
	(void)state;
	/* Date only, minutes, seconds; T, t or a space.  TZ is UTC here,
	 * so zone-less times are UTC too. */
	parses("2000-01-01", 946684800 * US);
	parses("2000-01-01T00:01", 946684860 * US);
	parses("2000-01-01t00:00:01", 946684801 * US);
	parses("2000-01-01 00:00:01Z", 946684801 * US);
	parses("2025-02-10T14:42Z", T_VEC - 17364519);
	/* Zones, all the same instant. */
	parses("2025-02-10T14:42:17.364519z", T_VEC);
	parses("2025-02-10T20:12:17.364519+05:30", T_VEC);
	parses("2025-02-10T20:12:17.364519+0530", T_VEC);
	parses("2025-02-10T16:42:17.364519+02", T_VEC);
	parses("2025-02-10T09:42:17.364519-0500", T_VEC);
	parses("2025-02-10t09:42:17,364519-05:00", T_VEC);
	parses("2025-02-10T14:42:17.364519-00:00", T_VEC);
	parses("2025-02-10T14:42:17.364519+00", T_VEC);
	/* Basic form. */
	parses("20250210T144217.364519Z", T_VEC);
	parses("20250210T094217,364519-0500", T_VEC);
	parses("20250210T1442Z", T_VEC - 17364519);
	parses("20250210t144217", T_VEC - 364519);
	/* now */
	{
		int64_t before = rtime_now(), got;

		assert_int_equal(rtime_parse("now", &got), 0);
		assert_true(got >= before && got <= rtime_now());
	}
}

static void test_zone_limits(void **state)
{
	(void)state;
	parses("2026-01-01T18:00:00+18:00", 1767225600 * US);
	parses("2026-01-01T00:00:00-18:00", (1767225600LL + 18 * 3600) * US);
	parses("2026-01-01T00:00:00+1759",
	       (1767225600LL - 17 * 3600 - 59 * 60) * US);
	refused("2026-01-01T00:00:00+18:01", "offset +18:01 out of range");
	refused("2026-01-01T00:00:00-19", "offset -19:00 out of range");
	refused("2026-01-01T00:00:00+05:60", "offset minutes 60 out of range");
	refused("2026-01-01T00:00:00+5", "bad zone '+5'");
	refused("2026-01-01T00:00:00+05:", "bad zone '+05:'");
	refused("2026-01-01T00:00:00+05:3", "bad zone '+05:3'");
	refused("2026-01-01T00:00:00+053", "bad zone '+053'");
	refused("2026-01-01T00:00:00+", "bad zone '+'");
	refused("2026-01-01T00:00:00+05301", "unexpected '1' after the time");
	refused("2026-01-01T00:00:00ZZ", "unexpected 'Z' after the time");
	/* A zone belongs to a time of day. */
	refused("2026-01-01Z", "unexpected 'Z' after the date");
	refused("2026-01-01+05:00", "unexpected '+05:00' after the date");
}

static void test_fractions(void **state)
{
	(void)state;
	parses("1970-01-01T00:00:00.5Z", 500000);
	parses("1970-01-01T00:00:00,5Z", 500000);
	parses("1970-01-01T00:00:00.000001Z", 1);
	parses("1970-01-01T00:00:00.123456Z", 123456);
	/* Past the microsecond: floored, never rounded. */
	parses("1970-01-01T00:00:00.0000009Z", 0);
	parses("1970-01-01T00:00:00.9999999Z", 999999);
	parses("1970-01-01T00:00:00.999999999Z", 999999);
	parses("1970-01-01T00:00:00.1234569Z", 123456);
	/* Before 1970 the fraction still counts forward from the second. */
	parses("1969-12-31T23:59:59.5Z", -500000);
	parses("1969-12-31T23:59:59.999999999Z", -1);
	refused("1970-01-01T00:00:00.9999999999Z", "fraction of 10 digits");
	refused("1970-01-01T00:00:00.Z", "no digits after the decimal sign");
	refused("1970-01-01T00:00:00,", "no digits after the decimal sign");
	/* Only seconds take a fraction. */
	refused("1970-01-01T00:00.5Z", "unexpected '.5Z' after the time");
}

static void test_leap_years(void **state)
{
	(void)state;
	parses("2024-02-29T00:00:00Z", 1709164800 * US);
	parses("2000-02-29", 951782400 * US);
	refused("2025-02-29", "day 29 out of range for February 2025");
	refused("1900-02-29", "day 29 out of range for February 1900");
	refused("2100-02-29", "day 29 out of range for February 2100");
	refused("2024-02-30", "day 30 out of range for February 2024");
	refused("2026-02-30", "time '2026-02-30': day 30 out of range for "
			      "February 2026");
	parses("2025-02-28", 1740700800 * US);
}

static void test_date_fields(void **state)
{
	(void)state;
	parses("1900-01-01T00:00:00Z", -2208988800LL * US);
	parses("9999-12-31T23:59:59.999999Z", 253402300799999999LL);
	refused("1899-12-31T23:59:59Z", "year 1899 out of range (1900-9999)");
	refused("0000-01-01", "year 0 out of range");
	refused("10000-01-01", "not a time");
	refused("2026-00-01", "month 0 out of range");
	refused("2026-13-01", "month 13 out of range");
	parses("2026-12-31", 1798675200 * US);
	refused("2026-01-00", "day 0 out of range for January 2026");
	refused("2026-01-32", "day 32 out of range for January 2026");
	refused("2026-04-31", "day 31 out of range for April 2026");
	parses("2026-04-30", 1777507200 * US);
	refused("2026-06-31", "day 31 out of range for June");
	refused("2026-09-31", "day 31 out of range for September");
	refused("2026-11-31", "day 31 out of range for November");
}

static void test_time_fields(void **state)
{
	(void)state;
	parses("2026-01-01T23:59:59Z", (1767225600LL + 86399) * US);
	refused("2026-01-01T24:00:00Z", "hour 24 out of range");
	refused("2026-01-01T25:00Z", "hour 25 out of range");
	refused("2026-01-01T99:00Z", "hour 99 out of range");
	refused("2026-01-01T23:60:00Z", "minute 60 out of range");
	refused("2026-01-01T23:60Z", "minute 60 out of range");
	refused("2026-01-01T23:59:60Z", "second 60 out of range");
	refused("2026-01-01T23:59:60Z", "no leap seconds");
	refused("20260101T240000Z", "hour 24 out of range");
}

static void test_syntax(void **state)
{
	(void)state;
	refused("", "not a time");
	refused(NULL, "not a time");
	refused("yesterday", "not a time");
	refused("2026-1-01", "not a time");
	refused("2026-01-1", "not a time");
	refused("26-01-01", "not a time");
	refused("2026/01/01", "not a time");
	refused("2026-01-01T", "not a time");
	refused("2026-01-01T8:00", "not a time");
	refused("2026-01-01T08", "not a time");
	refused("2026-01-01T08:00:", "not a time");
	refused("2026-01-01T08:00:0", "not a time");
	refused("2026-01-01  08:00", "not a time");
	refused(" 2026-01-01", "not a time");
	refused("2026-01-01T00:00:00Zjunk", "unexpected 'junk' after the time");
	refused("2026-01-01T00:00:00 ", "unexpected ' ' after the time");
	refused("2026-01-01x", "unexpected 'x' after the date");
	/* Basic and extended do not mix. */
	refused("20260101T08:00:00", "not a time");
	refused("2026-01-01T080000", "not a time");
	refused("20260101", "not the RUV form");
	refused("now ", "not a time");
	/* Bytes a terminal would take badly are escaped in the message. */
	refused("2026-01-01\x1b[2J", "unexpected '\\x1b[2J' after the date");
	refused("2026-01-01\xc3\xa9", "'2026-01-01\\xc3\\xa9'");
}

static void test_ruv_form(void **state)
{
	(void)state;
	/* 13 and 14 digits; Julian days at their ends. */
	ruv_parses("2024366235959", 0, 1735689599 * US);
	ruv_parses("20243662359599", 0, 1735689599 * US + 900000);
	ruv_parses("20250010000000", 0, 1735689600 * US);
	ruv_parses("20253652359590", 0, (1767225600LL - 1) * US);
	ruv_parses("20240600000000", 0, 1709164800 * US); /* Feb 29 */
	ruv_parses("20250600000000", 0, 1740787200 * US); /* Mar 1 */
	ruv_parses("19000010000000", 0, -2208988800LL * US);
	/* Offsets: local = UTC + offset. */
	ruv_parses("20250010000000", 3600, (1735689600LL - 3600) * US);
	ruv_parses("20250010000000", -18 * 3600,
		   (1735689600LL + 18 * 3600) * US);
	ruv_refused("20250010000000", 18 * 3600 + 1, "offset");
	ruv_refused("20250010000000", -18 * 3600 - 1, "offset");
	ruv_refused("20253660000000", 0,
		    "Julian day 366 out of range (001-365 in 2025)");
	ruv_refused("20243670000000", 0, "Julian day 367 out of range");
	ruv_refused("20250000000000", 0, "Julian day 000 out of range");
	ruv_refused("18993650000000", 0, "year 1899 out of range");
	ruv_refused("20240012400000", 0, "hour 24 out of range");
	ruv_refused("20240012500000", 0, "hour 25 out of range");
	ruv_refused("20240010060000", 0, "minute 60 out of range");
	ruv_refused("20240010000600", 0, "second 60 out of range");
	ruv_refused("202400100000", 0, "not the RUV form");
	ruv_refused("202400100000000", 0, "not the RUV form");
	ruv_refused("2024001000000x", 0, "not the RUV form");
	ruv_refused("2024-01000000", 0, "not the RUV form");
	ruv_refused("", 0, "not the RUV form");
	/* rtime_parse takes any 13 or 14 digits as the RUV form. */
	parses("20250411442173", T_VEC - 64519);
	parses("2025041144217", T_VEC - 364519);
	refused("2025367000000", "time '2025367000000': Julian day 367 out of "
				 "range");
	refused("20243670000000", "Julian day 367");
	refused("202504114421734", "not the RUV form");
}

static void test_format_ruv(void **state)
{
	(void)state;
	/* Tenths are floored, never rounded up into the next second. */
	ruv_is(59 * US + 999999, 0, "19700010000599");
	ruv_is(59 * US + 990000, 0, "19700010000599");
	ruv_is(59 * US + 99999, 0, "19700010000590");
	ruv_is(1735689599 * US + 999999, 0, "20243662359599");
	/* Before 1970, still floored. */
	ruv_is(-1, 0, "19693652359599");
	ruv_is(-100001, 0, "19693652359598");
	/* Offsets move the day and the year. */
	ruv_is(1735696800 * US, -5 * 3600, "20243662100000");
	ruv_is(1735696800 * US, 14 * 3600, "20250011600000");
	ruv_is(1735689600 * US, 0, "20250010000000");
}

static void test_format_iso(void **state)
{
	(void)state;
	iso_is(1, "1970-01-01T00:00:00.000001Z");
	iso_is(999999, "1970-01-01T00:00:00.999999Z");
	iso_is(US, "1970-01-01T00:00:01Z");
	iso_is(-1, "1969-12-31T23:59:59.999999Z");
	iso_is(-US, "1969-12-31T23:59:59Z");
	iso_is(-US - 1, "1969-12-31T23:59:58.999999Z");
	iso_is(-86400 * US, "1969-12-31T00:00:00Z");
	iso_is(-2208988800LL * US, "1900-01-01T00:00:00Z");
	iso_is(951782400 * US, "2000-02-29T00:00:00Z");
	iso_is(253402300799999999LL, "9999-12-31T23:59:59.999999Z");
}

static void test_format_stamp(void **state)
{
	(void)state;
	stamp_is(0, "D19700101.T000000");
	stamp_is(T_VEC, "D20250210.T144217");
	stamp_is(1739198537999999LL, "D20250210.T144217");
	stamp_is(-1, "D19691231.T235959");
	stamp_is(1795507200 * US, "D20261124.T080000");
}

static void test_format_buffers(void **state)
{
	char buf[RTIME_ISO_MAX];
	struct {
		size_t (*fn)(int64_t, char *, size_t);
		size_t len;
	} plain[] = {
		{ rtime_format_iso, 27 }, /* with the fraction */
		{ rtime_format_stamp, 17 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		/* Exactly enough, one short, none. */
		assert_int_equal(plain[i].fn(T_VEC, buf, plain[i].len + 1),
				 plain[i].len);
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(plain[i].fn(T_VEC, buf, plain[i].len), 0);
		assert_string_equal(buf, "");
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(plain[i].fn(T_VEC, buf, 0), 0);
		assert_int_equal(buf[0], 'x');
	}
	assert_int_equal(rtime_format_ruv(T_VEC, 0, buf, 15), 14);
	assert_int_equal(rtime_format_ruv(T_VEC, 0, buf, 14), 0);
	assert_string_equal(buf, "");
	/* Any int64_t fits the *_MAX sizes, whatever its year. */
	assert_true(rtime_format_iso(INT64_MAX, buf, RTIME_ISO_MAX) > 0);
	assert_true(rtime_format_iso(INT64_MIN, buf, RTIME_ISO_MAX) > 0);
	assert_true(rtime_format_stamp(INT64_MIN, buf, RTIME_STAMP_MAX) > 0);
	assert_true(rtime_format_ruv(INT64_MIN, -RTIME_OFFSET_MAX, buf,
				     RTIME_RUV_MAX) > 0);
	assert_true(rtime_format_ruv(INT64_MAX, RTIME_OFFSET_MAX, buf,
				     RTIME_RUV_MAX) > 0);
}

/* Site local time: US Eastern, from tzdata or from the POSIX rule. */
static void eastern(const char *tz)
{
	set_tz(tz);
	/* January: EST, UTC-5; July: EDT, UTC-4. */
	parses("2025-01-15T12:00:00", 1736960400 * US);
	parses("2025-01-15 12:00", 1736960400 * US);
	parses("2025-07-15T12:00:00", 1752595200 * US);
	parses("20250151200000", 1736960400 * US);
	parses("20251961200000", 1752595200 * US);
	/* A zone written wins over the site's. */
	parses("2025-01-15T12:00:00Z", 1736942400 * US);
	parses("2025-01-15", (1736899200LL + 5 * 3600) * US);
	assert_int_equal(rtime_local_offset(1736960400 * US), -5 * 3600);
	assert_int_equal(rtime_local_offset(1752595200 * US), -4 * 3600);
	/* Spring forward, 2025-03-09: 02:00-02:59 never happen. */
	parses("2025-03-09T01:59:59", 1741503599 * US);
	parses("2025-03-09T03:00:00", 1741503600 * US);
	refused("2025-03-09T02:00:00", "no such local time");
	refused("2025-03-09T02:30", "no such local time");
	refused("20250680230000", "no such local time");
	/* Fall back, 2025-11-02: 01:00-01:59 happen twice; the first. */
	parses("2025-11-02T01:30:00", 1762061400 * US);
	parses("2025-11-02T00:59:59", (1762061400LL - 1801) * US);
	parses("2025-11-02T02:00:00", (1762065000LL + 1800) * US);
}

static void test_local_eastern_tzdata(void **state)
{
	(void)state;
	if (access("/usr/share/zoneinfo/EST5EDT", R_OK) != 0)
		skip();
	eastern("EST5EDT");
}

static void test_local_eastern_rule(void **state)
{
	(void)state;
	eastern("EST5EDT,M3.2.0,M11.1.0");
}

static void test_local_other_zones(void **state)
{
	(void)state;
	/* Half-hour offset, no DST. */
	set_tz("IST-5:30");
	parses("2025-02-10T20:12:17.364519", T_VEC);
	parses("20250412012173", T_VEC - 64519);
	assert_int_equal(rtime_local_offset(T_VEC), 5 * 3600 + 1800);
	/* Southern hemisphere: summer time in January. */
	set_tz("AEST-10AEDT,M10.1.0,M4.1.0/3");
	parses("2025-01-15T12:00", 1736902800 * US);
	parses("2025-07-15T12:00", 1752544800 * US);
	/* Samoa skipped 2011-12-30 whole, from UTC-10 to UTC+14. */
	if (access("/usr/share/zoneinfo/Pacific/Apia", R_OK) != 0)
		return;
	set_tz("Pacific/Apia");
	parses("2011-12-29T23:59:59", 1325239199 * US);
	parses("2011-12-31T00:00:00", 1325239200 * US);
	refused("2011-12-30T12:00", "no such local time");
}

/* Without a zone, 1900-01-01 and 9999-12-31 still parse at any offset. */
static void test_local_range_ends(void **state)
{
	(void)state;
	set_tz("<+14>-14");
	parses("1900-01-01", (-2208988800LL - 14 * 3600) * US);
	set_tz("<-12>12");
	parses("9999-12-31T23:59:59", (253402300799LL + 12 * 3600) * US);
}

static void test_civil(void **state)
{
	struct rtime_civil c;

	(void)state;
	rtime_to_civil(rtime_from_civil(2024, 12, 31, 0, 0, 0, 0), &c);
	assert_int_equal(c.yday, 366);
	rtime_to_civil(rtime_from_civil(2025, 12, 31, 23, 59, 59, 999999), &c);
	assert_int_equal(c.yday, 365);
	assert_int_equal(c.usec, 999999);
	/* Days, hours and seconds carry. */
	assert_int_equal(rtime_from_civil(2025, 3, 0, 0, 0, 0, 0),
			 rtime_from_civil(2025, 2, 28, 0, 0, 0, 0));
	assert_int_equal(rtime_from_civil(2024, 12, 31, 24, 0, 0, 0),
			 rtime_from_civil(2025, 1, 1, 0, 0, 0, 0));
	assert_int_equal(rtime_from_civil(1970, 1, 1, 0, 0, -1, 0), -US);
	rtime_to_civil(-1, &c);
	assert_int_equal(c.year, 1969);
	assert_int_equal(c.yday, 365);
	assert_int_equal(c.sec, 59);
	assert_int_equal(c.usec, 999999);
	/* The extremes do not overflow (the sanitizer build would say). */
	rtime_to_civil(INT64_MIN, &c);
	assert_true(c.year < -290000);
	assert_true(c.usec >= 0 && c.usec < 1000000);
	rtime_to_civil(INT64_MAX, &c);
	assert_true(c.year > 290000);
}

/* The arithmetic agrees with the C library's own on a spread of instants,
 * before and after 1970. */
static void test_civil_against_gmtime(void **state)
{
	struct rtime_civil c;
	struct tm tm;
	int64_t s;
	time_t t;

	(void)state;
	for (s = -2208988800LL; s < 253402300800LL; s += 7777777 + 13) {
		t = (time_t)s;
		assert_non_null(gmtime_r(&t, &tm));
		rtime_to_civil(s * US + 250000, &c);
		assert_int_equal(c.year, tm.tm_year + 1900);
		assert_int_equal(c.month, tm.tm_mon + 1);
		assert_int_equal(c.day, tm.tm_mday);
		assert_int_equal(c.yday, tm.tm_yday + 1);
		assert_int_equal(c.hour, tm.tm_hour);
		assert_int_equal(c.min, tm.tm_min);
		assert_int_equal(c.sec, tm.tm_sec);
		assert_int_equal(c.usec, 250000);
	}
}

/* Every day from 1900 to 9999 follows the day before it. */
static void test_every_day(void **state)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30,
				       31, 31, 30, 31, 30, 31 };
	struct rtime_civil c;
	int y = 1900, m = 1, d = 1, yday = 1, leap, len;
	int64_t us = -2208988800LL * US;

	(void)state;
	for (; y <= 9999; us += 86400 * US) {
		rtime_to_civil(us, &c);
		if (c.year != y || c.month != m || c.day != d ||
		    c.yday != yday || c.hour || c.min || c.sec || c.usec)
			fail_msg("%lld: %d-%d-%d (%d), want %d-%d-%d (%d)",
				 (long long)us, c.year, c.month, c.day, c.yday,
				 y, m, d, yday);
		assert_int_equal(rtime_from_civil(y, m, d, 0, 0, 0, 0), us);
		leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		len = mdays[m - 1] + (m == 2 && leap);
		yday++;
		if (++d > len) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
				yday = 1;
			}
		}
	}
	assert_int_equal(us, 253402300800LL * US);
}

/* What is formatted parses back: exactly for ISO, to the tenth for the
 * RUV form, at several offsets. */
static void test_round_trips(void **state)
{
	static const int offsets[] = { 0, -5 * 3600, 5 * 3600 + 1800,
				       -RTIME_OFFSET_MAX, RTIME_OFFSET_MAX };
	char buf[RTIME_ISO_MAX];
	int64_t us, got, floored;
	size_t i;

	(void)state;
	for (us = -2208988800LL * US + 86400 * US; us < 253402300799LL * US;
	     us += 86400LL * 997 * US + 1234567) {
		assert_true(rtime_format_iso(us, buf, sizeof(buf)) > 0);
		assert_int_equal(rtime_parse(buf, &got), 0);
		assert_int_equal(got, us);
		floored = us - ((us % 100000) + 100000) % 100000;
		for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
			assert_true(rtime_format_ruv(us, offsets[i], buf,
						     sizeof(buf)) > 0);
			assert_int_equal(rtime_parse_ruv(buf, offsets[i], &got),
					 0);
			assert_int_equal(got, floored);
		}
	}
}

static void test_now(void **state)
{
	int64_t a, b;
	time_t t;

	(void)state;
	t = time(NULL);
	a = rtime_now();
	b = rtime_now();
	assert_true(b >= a);
	assert_true(a / US >= (int64_t)t && a / US <= (int64_t)t + 2);
}

#define LOCAL_TEST(f) cmocka_unit_test_setup_teardown(f, utc_setup, utc_setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		LOCAL_TEST(test_known_vectors),
		LOCAL_TEST(test_iso_forms),
		LOCAL_TEST(test_zone_limits),
		LOCAL_TEST(test_fractions),
		LOCAL_TEST(test_leap_years),
		LOCAL_TEST(test_date_fields),
		LOCAL_TEST(test_time_fields),
		LOCAL_TEST(test_syntax),
		LOCAL_TEST(test_ruv_form),
		LOCAL_TEST(test_format_ruv),
		LOCAL_TEST(test_format_iso),
		LOCAL_TEST(test_format_stamp),
		LOCAL_TEST(test_format_buffers),
		LOCAL_TEST(test_local_eastern_tzdata),
		LOCAL_TEST(test_local_eastern_rule),
		LOCAL_TEST(test_local_other_zones),
		LOCAL_TEST(test_local_range_ends),
		LOCAL_TEST(test_civil),
		LOCAL_TEST(test_civil_against_gmtime),
		LOCAL_TEST(test_every_day),
		LOCAL_TEST(test_round_trips),
		LOCAL_TEST(test_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
