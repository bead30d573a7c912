// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Time parsing and formatting.  The calendar arithmetic is our own
 * (days from civil and back, proleptic Gregorian), exact for every year
 * 1900-9999; only the local zone's offset comes from the C library
 * (localtime_r), because only it knows the zone rules.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "errmsg.h"
#include "rtime.h"

#define US 1000000LL

static const char *const month_names[] = {
	"January", "February", "March",	    "April",   "May",	   "June",
	"July",	   "August",   "September", "October", "November", "December",
};

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int d[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of a civil date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int64_t rtime_from_civil(int y, int mon, int d, int h, int mi, int s,
			 int64_t frac_us)
{
	return ((days_from_civil(y, mon, d) * 24 + h) * 60 + mi) * 60 * US +
	       (int64_t)s * US + frac_us;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void rtime_to_civil(int64_t us, struct rtime_civil *c)
{
	int64_t secs = floor_div(us, US);
	int64_t days = floor_div(secs, 86400);
	int64_t sod = secs - days * 86400;

	c->usec = (int)(us - secs * US);
	civil_from_days(days, &c->year, &c->month, &c->day);
	c->yday = (int)(days - days_from_civil(c->year, 1, 1)) + 1;
	c->hour = (int)(sod / 3600);
	c->min = (int)(sod / 60 % 60);
	c->sec = (int)(sod % 60);
}

int64_t rtime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * US + ts.tv_nsec / 1000;
}

int rtime_local_offset(int64_t us)
{
	time_t t = (time_t)floor_div(us, US);
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return 0;
	return (int)tm.tm_gmtoff;
}

/* Local wall time (as if UTC) -> UTC: find the offset in force. */
static int64_t local_to_utc(int64_t wall)
{
	int64_t guess = wall - (int64_t)rtime_local_offset(wall) * US;
	int off2 = rtime_local_offset(guess);

	return wall - (int64_t)off2 * US;
}

/* Read exactly n digits at *p. */
static int digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int check_fields(const char *s, int y, int mon, int d, int h, int mi,
			int sec)
{
	if (y < 1900 || y > 9999)
		return ruv_fail(-EINVAL,
				"time '%s': year %d out of range "
				"(1900-9999)",
				s, y);
	if (mon < 1 || mon > 12)
		return ruv_fail(-EINVAL, "time '%s': month %d out of range", s,
				mon);
	if (d < 1 || d > days_in_month(y, mon))
		return ruv_fail(-EINVAL,
				"time '%s': day %d out of range for "
				"%s %d",
				s, d, month_names[mon - 1], y);
	if (h > 23)
		return ruv_fail(-EINVAL, "time '%s': hour %d out of range", s,
				h);
	if (mi > 59)
		return ruv_fail(-EINVAL, "time '%s': minute %d out of range", s,
				mi);
	if (sec > 59)
		return ruv_fail(-EINVAL, "time '%s': second %d out of range", s,
				sec);
	return 0;
}

static int ruv_fields(const char *s, int *y, int *mon, int *d, int *h, int *mi,
		      int *sec, int *tenths)
{
	const char *p = s;
	size_t n = strlen(s);
	int jd;

	*tenths = 0;
	if ((n != 13 && n != 14) || digits(&p, 4, y) || digits(&p, 3, &jd) ||
	    digits(&p, 2, h) || digits(&p, 2, mi) || digits(&p, 2, sec) ||
	    (n == 14 && digits(&p, 1, tenths)))
		return ruv_fail(-EINVAL, "time '%s': not yyyyjjjhhmmsst", s);
	if (*y < 1900 || *y > 9999)
		return ruv_fail(-EINVAL,
				"time '%s': year %d out of range "
				"(1900-9999)",
				s, *y);
	if (jd < 1 || jd > (leap(*y) ? 366 : 365))
		return ruv_fail(-EINVAL,
				"time '%s': Julian day %03d out of "
				"range (001-%d in %d)",
				s, jd, leap(*y) ? 366 : 365, *y);
	*mon = 1;
	while (jd > days_in_month(*y, *mon))
		jd -= days_in_month(*y, (*mon)++);
	*d = jd;
	return check_fields(s, *y, *mon, *d, *h, *mi, *sec);
}

int rtime_parse_ruv(const char *s, int offset_sec, int64_t *us)
{
	int y, mon, d, h, mi, sec, t, rc;

	rc = ruv_fields(s, &y, &mon, &d, &h, &mi, &sec, &t);
	if (rc < 0)
		return rc;
	*us = rtime_from_civil(y, mon, d, h, mi, sec, t * 100000LL) -
	      (int64_t)offset_sec * US;
	return 0;
}

/* Zone designator at p: sets *off (seconds) and *have; -1 if malformed. */
static int parse_zone(const char **pp, int *off, int *have)
{
	const char *p = *pp;
	int sign, hh, mm = 0;

	*have = 0;
	if (!*p)
		return 0;
	if (*p == 'Z' || *p == 'z') {
		*have = 1;
		*off = 0;
		*pp = p + 1;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (digits(&p, 2, &hh))
		return -1;
	if (*p == ':')
		p++;
	if (*p && digits(&p, 2, &mm))
		return -1;
	if (hh > 18 || mm > 59 || hh * 60 + mm > 18 * 60)
		return -2;
	*off = sign * (hh * 3600 + mm * 60);
	*have = 1;
	*pp = p;
	return 0;
}

static int parse_iso(const char *s, int64_t *us)
{
	const char *p = s;
	int y, mon, d, h = 0, mi = 0, sec = 0, off = 0, have_zone, rc, nd = 0;
	int64_t frac = 0, scale = 100000;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mon) ||
	    *p++ != '-' || digits(&p, 2, &d))
		goto syntax;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			goto syntax;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				goto syntax;
			if (*p == '.' || *p == ',') {
				for (p++; *p >= '0' && *p <= '9'; p++, nd++) {
					frac += (*p - '0') * scale;
					scale /= 10;
				}
				if (nd < 1 || nd > 9)
					goto syntax;
			}
		}
	}
	rc = parse_zone(&p, &off, &have_zone);
	if (rc == -2)
		return ruv_fail(-EINVAL,
				"time '%s': offset out of range "
				"(at most 18:00)",
				s);
	if (rc < 0 || *p)
		goto syntax;
	rc = check_fields(s, y, mon, d, h, mi, sec);
	if (rc < 0)
		return rc;
	*us = rtime_from_civil(y, mon, d, h, mi, sec, frac);
	*us = have_zone ? *us - (int64_t)off * US : local_to_utc(*us);
	return 0;
syntax:
	return ruv_fail(-EINVAL,
			"time '%s': not ISO 8601 "
			"(yyyy-mm-ddThh:mm:ss[.f][Z|+hh:mm]) nor "
			"yyyyjjjhhmmsst",
			s);
}

int rtime_parse(const char *s, int64_t *us)
{
	int y, mon, d, h, mi, sec, t, rc;
	size_t n = strlen(s);

	if (!strcmp(s, "now")) {
		*us = rtime_now();
		return 0;
	}
	if ((n == 13 || n == 14) && strspn(s, "0123456789") == n) {
		rc = ruv_fields(s, &y, &mon, &d, &h, &mi, &sec, &t);
		if (rc < 0)
			return rc;
		*us = local_to_utc(
			rtime_from_civil(y, mon, d, h, mi, sec, t * 100000LL));
		return 0;
	}
	return parse_iso(s, us);
}

size_t rtime_format_iso(int64_t us, char *buf, size_t len)
{
	struct rtime_civil c;
	int n;

	rtime_to_civil(us, &c);
	if (c.usec)
		n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
			     c.year, c.month, c.day, c.hour, c.min, c.sec,
			     c.usec);
	else
		n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year,
			     c.month, c.day, c.hour, c.min, c.sec);
	return n < 0 ? 0 : (size_t)n;
}

size_t rtime_format_ruv(int64_t us, int offset_sec, char *buf, size_t len)
{
	struct rtime_civil c;
	int n;

	rtime_to_civil(us + (int64_t)offset_sec * US, &c);
	n = snprintf(buf, len, "%04d%03d%02d%02d%02d%d", c.year, c.yday, c.hour,
		     c.min, c.sec, c.usec / 100000);
	return n < 0 ? 0 : (size_t)n;
}

size_t rtime_format_stamp(int64_t us, char *buf, size_t len)
{
	struct rtime_civil c;
	int n;

	rtime_to_civil(us, &c);
	n = snprintf(buf, len, "D%04d%02d%02d.T%02d%02d%02d", c.year, c.month,
		     c.day, c.hour, c.min, c.sec);
	return n < 0 ? 0 : (size_t)n;
}
