/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_RTIME_H
#define RUV_RTIME_H

#include <stddef.h>
#include <stdint.h>

/*
 * Times: int64_t microseconds since 1970-01-01T00:00:00Z, named *_us.
 * UTC, proleptic Gregorian calendar, no leap seconds.
 *
 * Input forms (rtime_parse):
 *   ISO 8601  2026-11-24, 2026-11-24T08:00, 2026-11-24T08:00:00,
 *             a fraction .f or ,f of 1-9 digits after the seconds
 *             (floored to the microsecond, never rounded),
 *             separator T, t or one space,
 *             zone Z, z, +hh:mm, +hhmm or +hh (or -), at most 18:00,
 *             only after a time of day;
 *             basic form 20261124T080000 (and T0800), same fraction and
 *             zone rules
 *   RUV       yyyyjjjhhmmsst (14 digits) or yyyyjjjhhmmss (13): year,
 *             Julian day 001-365 (366 in leap years), hour, minute,
 *             second, tenths.  Any string of 13 or 14 digits is taken
 *             as this form, never as a basic ISO date.
 *   now       rtime_now() (any case: NOW, Now)
 * Fields: years 1900-9999 (as written, before any offset is applied),
 * months 1-12, days as the month has them, hours 0-23 (no 24:00),
 * minutes 0-59, seconds 0-59 (no leap second 60).
 *
 * Site local time: a time without a zone (ISO without Z or offset, and
 * the RUV form) is wall-clock time in the process's local zone, as $TZ
 * (or /etc/localtime) says.  The C library reads $TZ once; a process that
 * changes it must call tzset().  A wall time that happens twice (clocks
 * going back) is the earlier instant; one that never happens (clocks
 * going forward) is refused with -EINVAL.
 *
 * Output is always UTC, except the RUV form, which takes an explicit
 * offset.  Years outside 0000-9999 come out with more digits or a minus
 * sign rather than wrong; the *_MAX sizes still hold them.
 *
 * Errors: -EINVAL with a message (ruv_lasterr()) quoting the input and
 * saying what is wrong, e.g.
 *   time '2026-02-30': day 30 out of range for February 2026
 * On failure *us is left untouched.
 */

#define RTIME_US_PER_SEC 1000000LL
#define RTIME_OFFSET_MAX (18 * 3600) /* seconds, either way */
#define RTIME_ISO_MAX	 32	     /* 2026-11-24T08:00:00.123456Z and NUL */
#define RTIME_RUV_MAX	 24	     /* 20263280800000 and NUL */
#define RTIME_STAMP_MAX	 24	     /* D20261124.T080000 and NUL */

struct rtime_civil {
	int year, month, day; /* month 1-12, day 1-31 */
	int yday;	      /* 1-based Julian day, 1-366 */
	int hour, min, sec;
	int usec; /* 0-999999 */
};

/* Any of the input forms above.  0 or -EINVAL. */
int rtime_parse(const char *s, int64_t *us);

/* The RUV form (13 or 14 digits) at an explicit UTC offset: local =
 * UTC + offset_sec, so US Eastern winter is -18000.  |offset_sec| at most
 * RTIME_OFFSET_MAX.  0 or -EINVAL. */
int rtime_parse_ruv(const char *s, int offset_sec, int64_t *us);

/*
 * The formatters return the length written, not counting the NUL.  If
 * len is too small they write "" (when len > 0) and return 0: never a cut
 * time.  Buffers of the *_MAX sizes are always enough.
 */

/* 2026-11-24T08:00:00Z, or 2026-11-24T08:00:00.000001Z: the fraction is
 * six digits and only there when the microseconds are not zero. */
size_t rtime_format_iso(int64_t us, char *buf, size_t len);

/* yyyyjjjhhmmsst at the offset (local = UTC + offset_sec), the tenths
 * floored: 23:59:59.99 is 2359599, never the next second. */
size_t rtime_format_ruv(int64_t us, int offset_sec, char *buf, size_t len);

/* A UTC stamp for file names: D20261124.T080000, seconds floored.  Only
 * letters, digits and a dot; sorts as time does within 1000-9999. */
size_t rtime_format_stamp(int64_t us, char *buf, size_t len);

/* CLOCK_REALTIME in microseconds. */
int64_t rtime_now(void);

/* The local zone's UTC offset in seconds at that instant (local = UTC +
 * offset); 0 if the C library cannot say. */
int rtime_local_offset(int64_t us);

/* UTC civil time to microseconds.  Exact for every year the int64_t
 * holds.  No range checks (callers validate): month must be 1-12; day,
 * hour, minute, second and frac_us carry over, so day 0 is the last day
 * of the previous month. */
int64_t rtime_from_civil(int y, int mon, int d, int h, int mi, int s,
			 int64_t frac_us);

/* Microseconds to UTC civil time, flooring: -1 is 1969-12-31T23:59:59
 * and 999999 µs.  Defined for every int64_t. */
void rtime_to_civil(int64_t us, struct rtime_civil *out);

#endif
