/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_RTIME_H
#define RUV_RTIME_H

#include <stddef.h>
#include <stdint.h>

/*
 * Times: int64_t microseconds since 1970-01-01T00:00:00Z, named *_us.
 *
 * Input forms:
 *   ISO 8601   2026-11-24, 2026-11-24T08:00, 2026-11-24T08:00:00,
 *              fraction .f or ,f of 1-9 digits (floored to µs),
 *              separator T, t or one space, zone Z, ±hh:mm, ±hhmm, ±hh
 *   RUV        yyyyjjjhhmmsst (14 digits) or yyyyjjjhhmmss (13)
 *   now
 * A time without a zone (ISO without offset, and the RUV form) is site
 * local time, as $TZ says.  Seconds run 0-59 (no leap seconds); years
 * 1900-9999.
 * Output is always UTC.
 */

#define RTIME_ISO_MAX 32

struct rtime_civil {
	int year, month, day;
	int yday; /* 1-based Julian day */
	int hour, min, sec;
	int usec;
};

/* -EINVAL with a message quoting s and saying what is wrong. */
int rtime_parse(const char *s, int64_t *us);

/* The RUV form at an explicit UTC offset (local = UTC + offset_sec). */
int rtime_parse_ruv(const char *s, int offset_sec, int64_t *us);

/* 2026-11-24T08:00:00Z, with .ffffff only when µs are non-zero. */
size_t rtime_format_iso(int64_t us, char *buf, size_t len);

/* yyyyjjjhhmmsst at the offset, tenths floored. */
size_t rtime_format_ruv(int64_t us, int offset_sec, char *buf, size_t len);

/* Name-safe UTC stamp D20261124.T080000 (seconds floored). */
size_t rtime_format_stamp(int64_t us, char *buf, size_t len);

int64_t rtime_now(void);

/* The local zone's UTC offset in seconds at that instant. */
int rtime_local_offset(int64_t us);

/* UTC civil time <-> µs.  No range checks: callers validate. */
int64_t rtime_from_civil(int y, int mon, int d, int h, int mi, int s,
			 int64_t frac_us);
void rtime_to_civil(int64_t us, struct rtime_civil *out);

#endif
