// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Times: parsing what operators type and what mainframe logs carry (ISO
 * 8601, the RUV form yyyyjjjhhmmsst), and formatting for reports, JSON,
 * file names and the RUV form.
 *
 * The calendar arithmetic is our own: days from civil date and back
 * (Howard Hinnant's algorithms, proleptic Gregorian), exact for every
 * instant an int64_t holds and free of C library state.  Only the local
 * zone's offset at an instant comes from the C library (localtime_r()'s
 * tm_gmtoff), because only it knows the zone rules.  Division always
 * floors, so times before 1970 format like any other.
 *
 * No allocation, no shared state beyond the per-thread message: any
 * thread may call these.  Each call is a few divisions; reading site
 * local time adds up to 18 localtime_r() calls.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "errmsg.h"
#include "names.h"
#include "rtime.h"

#define US	RTIME_US_PER_SEC
#define DAY_SEC 86400

static const char *const month_names[12] = {
	"January", "February", "March",	    "April",   "May",	   "June",
	"July",	   "August",   "September", "October", "November", "December",
};

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* a / b rounded towards minus infinity; b > 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* Days since 1970-01-01 of a civil date; month 1-12, day may carry. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
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
	int64_t secs = ((days_from_civil(y, mon, d) * 24 + h) * 60 + mi) * 60;

	return (secs + s) * US + frac_us;
}

/*
 * us as whole seconds, floored, and the microseconds past them.  Written
 * so that no step overflows, even for INT64_MIN.
 */
static int64_t split_us(int64_t us, int *usec)
{
	int64_t r = us % US;

	*usec = (int)(r < 0 ? r + US : r);
	return us / US - (r < 0);
}

static void civil_from_secs(int64_t secs, int usec, struct rtime_civil *c)
{
	int64_t days = floor_div(secs, DAY_SEC);
	int64_t sod = secs - days * DAY_SEC;

	civil_from_days(days, &c->year, &c->month, &c->day);
	c->yday = (int)(days - days_from_civil(c->year, 1, 1)) + 1;
	c->hour = (int)(sod / 3600);
	c->min = (int)(sod / 60 % 60);
	c->sec = (int)(sod % 60);
	c->usec = usec;
}

void rtime_to_civil(int64_t us, struct rtime_civil *out)
{
	int usec;
	int64_t secs = split_us(us, &usec);

	civil_from_secs(secs, usec, out);
}

int64_t rtime_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * US + ts.tv_nsec / 1000;
}

int rtime_local_offset(int64_t us)
{
	int usec;
	time_t t = (time_t)split_us(us, &usec);
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return 0;
	return (int)tm.tm_gmtoff;
}

/*
 * The instant at which the local wall clock reads wall (µs, counted as if
 * it were UTC): wall - o, for an offset o that is in force at wall - o.
 * Offsets are within 18 hours, so the candidates are the offsets in force
 * within a day either side of wall, sampled every 6 hours (no zone
 * changes twice in 6 hours).  Two candidates hold when the clocks went
 * back: take the earlier.  None holds when they went forward: -ERANGE.
 */
static int local_to_utc(int64_t wall, int64_t *utc)
{
	int64_t best = 0, t;
	int found = 0, k, o, prev = 0;

	for (k = -4; k <= 4; k++) {
		o = rtime_local_offset(wall + (int64_t)k * 6 * 3600 * US);
		if (k > -4 && o == prev)
			continue;
		prev = o;
		t = wall - (int64_t)o * US;
		if (rtime_local_offset(t) != o)
			continue;
		if (!found || t < best)
			best = t;
		found = 1;
	}
	if (!found)
		return -ERANGE;
	*utc = best;
	return 0;
}

/* The fields of a written time, before zone conversion. */
struct fields {
	int year, month, day, hour, min, sec;
	int64_t frac_us;
	int zoned;  /* a zone was written; offset holds it */
	int offset; /* seconds, local = UTC + offset */
};

static int refuse(const char *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* -EINVAL with "time 'q': why"; q is the input, already quoted. */
static int refuse(const char *q, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return ruv_fail(-EINVAL, "time '%s': %s", q, why);
}

static int not_a_time(const char *q)
{
	return refuse(q, "not a time (yyyy-mm-dd[Thh:mm[:ss[.f]]][Z|+hh:mm], "
			 "yyyyjjjhhmmss[t] or now)");
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Exactly n digits at *p: 0 and *p moved past them, or -1. */
static int take_digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!is_digit((*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* 1 and *p moved past c if *p is at c, else 0. */
static int take_char(const char **p, char c)
{
	if (**p != c)
		return 0;
	(*p)++;
	return 1;
}

/* The digits after a decimal sign at *p; 1-9 of them, floored to µs. */
static int take_fraction(const char **pp, const char *q, int64_t *frac)
{
	const char *p = *pp + 1;
	int64_t scale = US / 10;
	size_t nd = 0;

	*frac = 0;
	for (; is_digit(*p); p++, nd++) {
		*frac += (*p - '0') * scale;
		scale /= 10;
	}
	if (nd == 0)
		return refuse(q, "no digits after the decimal sign");
	if (nd > 9)
		return refuse(q, "fraction of %zu digits (at most 9)", nd);
	*pp = p;
	return 0;
}

/* hh:mm[:ss[.f]] (extended) or hhmm[ss[.f]] (basic) at *p. */
static int take_time(const char **p, const char *q, int basic, struct fields *f)
{
	if (take_digits(p, 2, &f->hour) || (!basic && !take_char(p, ':')) ||
	    take_digits(p, 2, &f->min))
		return not_a_time(q);
	if (basic ? !is_digit(**p) : !take_char(p, ':'))
		return 0;
	if (take_digits(p, 2, &f->sec))
		return not_a_time(q);
	if (**p == '.' || **p == ',')
		return take_fraction(p, q, &f->frac_us);
	return 0;
}

/* Z, +hh:mm, +hhmm, +hh (or -) at *p, or nothing. */
static int take_zone(const char **p, const char *q, struct fields *f)
{
	char z[NAMES_QUOTE_MAX];
	const char *s = *p;
	int sign, hh, mm = 0;

	if (take_char(p, 'Z') || take_char(p, 'z')) {
		f->zoned = 1;
		f->offset = 0;
		return 0;
	}
	if (**p != '+' && **p != '-')
		return 0;
	sign = *(*p)++ == '-' ? -1 : 1;
	if (take_digits(p, 2, &hh))
		goto bad;
	if (take_char(p, ':') || is_digit(**p)) {
		if (take_digits(p, 2, &mm))
			goto bad;
	}
	if (mm > 59)
		return refuse(q, "offset minutes %d out of range (00-59)", mm);
	if (hh * 60 + mm > RTIME_OFFSET_MAX / 60)
		return refuse(q,
			      "offset %c%02d:%02d out of range (at most "
			      "18:00 either way)",
			      sign < 0 ? '-' : '+', hh, mm);
	f->zoned = 1;
	f->offset = sign * (hh * 3600 + mm * 60);
	return 0;
bad:
	return refuse(q, "bad zone '%s' (Z, +hh:mm, +hhmm or +hh)",
		      names_quote(s, z, sizeof(z)));
}

static int check_year(const char *q, int y)
{
	if (y < 1900 || y > 9999)
		return refuse(q, "year %d out of range (1900-9999)", y);
	return 0;
}

static int check_date(const char *q, const struct fields *f)
{
	int rc = check_year(q, f->year);

	if (rc < 0)
		return rc;
	if (f->month < 1 || f->month > 12)
		return refuse(q, "month %d out of range (01-12)", f->month);
	if (f->day < 1 || f->day > days_in_month(f->year, f->month))
		return refuse(q, "day %d out of range for %s %d", f->day,
			      month_names[f->month - 1], f->year);
	return 0;
}

static int check_time(const char *q, const struct fields *f)
{
	if (f->hour > 23)
		return refuse(q, "hour %d out of range (00-23)", f->hour);
	if (f->min > 59)
		return refuse(q, "minute %d out of range (00-59)", f->min);
	if (f->sec > 59)
		return refuse(q,
			      "second %d out of range (00-59, no leap "
			      "seconds)",
			      f->sec);
	return 0;
}

static int parse_iso(const char *s, const char *q, struct fields *f)
{
	char rest[NAMES_QUOTE_MAX];
	const char *p = s;
	int basic, timed = 0, rc;

	if (take_digits(&p, 4, &f->year))
		return not_a_time(q);
	basic = *p != '-';
	if (basic) {
		if (take_digits(&p, 2, &f->month) ||
		    take_digits(&p, 2, &f->day) || (*p != 'T' && *p != 't'))
			return not_a_time(q);
	} else if (!take_char(&p, '-') || take_digits(&p, 2, &f->month) ||
		   !take_char(&p, '-') || take_digits(&p, 2, &f->day)) {
		return not_a_time(q);
	}
	if (*p == 'T' || *p == 't' || (!basic && *p == ' ')) {
		p++;
		timed = 1;
		rc = take_time(&p, q, basic, f);
		if (rc == 0)
			rc = take_zone(&p, q, f);
		if (rc < 0)
			return rc;
	}
	if (*p)
		return refuse(q, "unexpected '%s' after the %s",
			      names_quote(p, rest, sizeof(rest)),
			      timed ? "time" : "date");
	rc = check_date(q, f);
	return rc < 0 ? rc : check_time(q, f);
}

/* yyyyjjjhhmmss[t]: any string of 13 or 14 digits. */
static int parse_ruv(const char *s, const char *q, struct fields *f)
{
	size_t n = strlen(s);
	const char *p = s;
	int jd, ylen, tenths = 0, rc;

	if ((n != 13 && n != 14) || take_digits(&p, 4, &f->year) ||
	    take_digits(&p, 3, &jd) || take_digits(&p, 2, &f->hour) ||
	    take_digits(&p, 2, &f->min) || take_digits(&p, 2, &f->sec) ||
	    (n == 14 && take_digits(&p, 1, &tenths)))
		return refuse(q, "not the RUV form yyyyjjjhhmmss[t] (13 or 14 "
				 "digits; a date is yyyy-mm-dd)");
	f->frac_us = tenths * (US / 10);
	rc = check_year(q, f->year);
	if (rc < 0)
		return rc;
	ylen = is_leap(f->year) ? 366 : 365;
	if (jd < 1 || jd > ylen)
		return refuse(q, "Julian day %03d out of range (001-%d in %d)",
			      jd, ylen, f->year);
	for (f->month = 1; jd > days_in_month(f->year, f->month); f->month++)
		jd -= days_in_month(f->year, f->month);
	f->day = jd;
	return check_time(q, f);
}

static int64_t fields_wall(const struct fields *f)
{
	return rtime_from_civil(f->year, f->month, f->day, f->hour, f->min,
				f->sec, f->frac_us);
}

int rtime_parse_ruv(const char *s, int offset_sec, int64_t *us)
{
	char q[NAMES_QUOTE_MAX];
	struct fields f = { 0 };
	int rc;

	names_quote(s, q, sizeof(q));
	if (offset_sec < -RTIME_OFFSET_MAX || offset_sec > RTIME_OFFSET_MAX)
		return refuse(q,
			      "offset %d seconds out of range (at most "
			      "%d either way)",
			      offset_sec, RTIME_OFFSET_MAX);
	rc = parse_ruv(s ? s : "", q, &f);
	if (rc < 0)
		return rc;
	*us = fields_wall(&f) - (int64_t)offset_sec * US;
	return 0;
}

int rtime_parse(const char *s, int64_t *us)
{
	char q[NAMES_QUOTE_MAX];
	struct fields f = { 0 };
	size_t n;
	int rc;

	if (!s)
		s = "";
	names_quote(s, q, sizeof(q));
	if (!strcasecmp(s, "now")) {
		*us = rtime_now();
		return 0;
	}
	n = strlen(s);
	if (n > 0 && strspn(s, "0123456789") == n)
		rc = parse_ruv(s, q, &f);
	else
		rc = parse_iso(s, q, &f);
	if (rc < 0)
		return rc;
	if (f.zoned) {
		*us = fields_wall(&f) - (int64_t)f.offset * US;
		return 0;
	}
	if (local_to_utc(fields_wall(&f), us) < 0)
		return refuse(q, "no such local time (the clocks skipped it)");
	return 0;
}

/* The formatters' common end: never hand back a cut time. */
static size_t finish(int n, char *buf, size_t len)
{
	if (n < 0 || (size_t)n >= len) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	return (size_t)n;
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
	return finish(n, buf, len);
}

size_t rtime_format_ruv(int64_t us, int offset_sec, char *buf, size_t len)
{
	struct rtime_civil c;
	int usec, n;
	int64_t secs = split_us(us, &usec);

	civil_from_secs(secs + offset_sec, usec, &c);
	n = snprintf(buf, len, "%04d%03d%02d%02d%02d%d", c.year, c.yday, c.hour,
		     c.min, c.sec, c.usec / 100000);
	return finish(n, buf, len);
}

size_t rtime_format_stamp(int64_t us, char *buf, size_t len)
{
	struct rtime_civil c;
	int n;

	rtime_to_civil(us, &c);
	n = snprintf(buf, len, "D%04d%02d%02d.T%02d%02d%02d", c.year, c.month,
		     c.day, c.hour, c.min, c.sec);
	return finish(n, buf, len);
}
