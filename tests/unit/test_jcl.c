// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of jcl_rewrite(): every recognised PIT field in each of its
 * forms, the bytes around them kept exactly (CRLF line ends, quotes,
 * spacing), symbols left alone, and values of the wrong shape refused
 * with the member and line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "errmsg.h"
#include "jcl.h"
#include "pit.h"
#include "rtime.h"

/* The reference PIT: 2025-02-10T14:42:17.364519Z, listing offset -05:00. */
#define PIT_US 1739198537364519LL

struct seen {
	unsigned n;
	char last[160];
};

static void heard(const struct jcl_change *c, void *arg)
{
	struct seen *s = arg;

	s->n++;
	snprintf(s->last, sizeof(s->last), "%s:%u:%s:%s:%s", c->member, c->line,
		 c->field, c->old_value, c->new_value);
}

/* Rewrite in to the PIT us (offset off); the result must be want. */
static void rewrite_to(const char *in, int64_t us, int off, const char *want,
		       int changes)
{
	struct pit_formats f;
	struct seen s = { 0 };
	char *out = NULL;
	size_t len = 0;
	int rc;

	pit_format(us, off, 0, &f);
	rc = jcl_rewrite("M", in, strlen(in), &f, &out, &len, heard, &s);
	assert_int_equal(rc, changes);
	assert_int_equal(s.n, (unsigned)changes);
	if (!changes) {
		assert_null(out);
		return;
	}
	assert_non_null(out);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(out, want, len);
	free(out);
}

static void test_lrsn_forms(void **state)
{
	(void)state;
	rewrite_to("  CRESTART CREATE,SYSPITR=000000000000\n", PIT_US, -18000,
		   "  CRESTART CREATE,SYSPITR=E06DAFFC0142\n", 1);
	rewrite_to("  CRESTART CREATE,SYSPITR=00000000000000000000\n", PIT_US,
		   -18000, "  CRESTART CREATE,SYSPITR=00E06DAFFC0142700000\n",
		   1);
	rewrite_to("  RECOVER TABLESPACE A.B TOLOGPOINT X'000000000000'\n",
		   PIT_US, -18000,
		   "  RECOVER TABLESPACE A.B TOLOGPOINT X'E06DAFFC0142'\n", 1);
	rewrite_to("  RECOVER TOLOGPOINT X'00000000000000000000' LOG\n", PIT_US,
		   -18000, "  RECOVER TOLOGPOINT X'00E06DAFFC0142700000' LOG\n",
		   1);
	/* SYSPITRT= is a time, not an LRSN, though it starts alike. */
	rewrite_to("SYSPITRT=19000010000000,SYSPITR=000000000000\n", PIT_US,
		   -18000, "SYSPITRT=20250411442173,SYSPITR=E06DAFFC0142\n", 2);
}

static void test_time_forms(void **state)
{
	(void)state;
	rewrite_to("  CRESTART CREATE,ENDTIME=19000010000000\n", PIT_US, -18000,
		   "  CRESTART CREATE,ENDTIME=20250411442173\n", 1);
	rewrite_to("RECOVER GROUP(P) STOP_TIME(19000010000000)\n", PIT_US,
		   -18000, "RECOVER GROUP(P) STOP_TIME(20250410942173)\n", 1);
	rewrite_to("RECOVER GROUP(P) STOP_TIME(X0000000000000000)\n", PIT_US,
		   -18000, "RECOVER GROUP(P) STOP_TIME(XE06DAFFC01427000)\n",
		   1);
	rewrite_to("GENJCL.RECOV DBD(A) RCVTIME('1900.001 00:00:00.000000 "
		   "+00:00')\n",
		   PIT_US, -18000,
		   "GENJCL.RECOV DBD(A) RCVTIME('2025.041 09:42:17.364519 "
		   "-05:00')\n",
		   1);
}

static void test_stop_time_forms(void **state)
{
	(void)state;
	rewrite_to("ruv restore D --stop-time 1970-01-01T00:00:00Z\n", PIT_US,
		   0, "ruv restore D --stop-time 2025-02-10T14:42:17.364519Z\n",
		   1);
	rewrite_to("ruv restore D --stop-time=1970-01-01T00:00:00Z -v\n",
		   PIT_US, 0,
		   "ruv restore D --stop-time=2025-02-10T14:42:17.364519Z -v\n",
		   1);
	rewrite_to(
		"ruv restore D --stop-time \"1970-01-01T00:00:00Z\"\n", PIT_US,
		0,
		"ruv restore D --stop-time \"2025-02-10T14:42:17.364519Z\"\n",
		1);
	rewrite_to(
		"ruv restore D --stop-time='1970-01-01T00:00:00Z';x\n", PIT_US,
		0,
		"ruv restore D --stop-time='2025-02-10T14:42:17.364519Z';x\n",
		1);
	/* Prose and shell variables are the operator's. */
	rewrite_to("# --stop-time is written by ruv pit set\n"
		   "ruv restore D --stop-time \"$PIT\"\n",
		   PIT_US, 0, NULL, 0);
}

/* CRLF line ends, tabs, trailing blanks and every other byte stay. */
static void test_other_bytes_kept(void **state)
{
	static const char in[] =
		"//DB2RCVR  JOB (ACCT),'X'\r\n"
		"//*\tENDTIME=19000010000000 in a comment is a field too\r\n"
		"  CRESTART CREATE,SYSPITR=00000000000000000000   \r\n"
		"\r\n"
		"  STOP_TIME(&PIT) STOP_TIME() ENDTIME=&END\r\n"
		"  SYSPITRT=19000010000000\r\n";
	static const char want[] =
		"//DB2RCVR  JOB (ACCT),'X'\r\n"
		"//*\tENDTIME=20250411442173 in a comment is a field too\r\n"
		"  CRESTART CREATE,SYSPITR=00E06DAFFC0142700000   \r\n"
		"\r\n"
		"  STOP_TIME(&PIT) STOP_TIME() ENDTIME=&END\r\n"
		"  SYSPITRT=20250411442173\r\n";
	struct pit_formats f;
	struct seen s = { 0 };
	char *out;
	size_t len;

	(void)state;
	rewrite_to(in, PIT_US, -18000, want, 3);
	/* The line reported is the line of the field. */
	pit_format(PIT_US, -18000, 0, &f);
	assert_int_equal(jcl_rewrite("DB2", in, sizeof(in) - 1, &f, &out, &len,
				     heard, &s),
			 3);
	free(out);
	assert_string_equal(s.last,
			    "DB2:6:SYSPITRT:19000010000000:20250411442173");
}

/* From one real PIT to another, byte for byte; then nothing to do. */
static void test_pit_to_pit(void **state)
{
	static const char a[] =
		"  RECOVER GROUP(PAYROLL) STOP_TIME(20250410942173)\n"
		"  RECOVER GROUP(HR) STOP_TIME(XE06DAFFC01427000)\n"
		"  CRESTART CREATE,SYSPITR=00E06DAFFC0142700000\n"
		"  CRESTART CREATE,ENDTIME=20250411442173\n"
		"  RECOVER TOLOGPOINT X'E06DAFFC0142'\n"
		"  GENJCL.RECOV RCVTIME('2025.041 09:42:17.364519 -05:00')\n"
		"  ruv restore \"$dsn\" --stop-time "
		"2025-02-10T14:42:17.364519Z\n";
	static const char b[] =
		"  RECOVER GROUP(PAYROLL) STOP_TIME(20263280259590)\n"
		"  RECOVER GROUP(HR) STOP_TIME(XE3A1161865DC0000)\n"
		"  CRESTART CREATE,SYSPITR=00E3A1161865DC000000\n"
		"  CRESTART CREATE,ENDTIME=20263280759590\n"
		"  RECOVER TOLOGPOINT X'E3A1161865DC'\n"
		"  GENJCL.RECOV RCVTIME('2026.328 02:59:59.000000 -05:00')\n"
		"  ruv restore \"$dsn\" --stop-time 2026-11-24T07:59:59Z\n";
	int64_t us = rtime_from_civil(2026, 11, 24, 7, 59, 59, 0);

	(void)state;
	rewrite_to(a, us, -18000, b, 7);
	rewrite_to(b, us, -18000, NULL, 0);
	rewrite_to(b, PIT_US, -18000, a, 7);
}

/* A value that starts like one but is not: refused, member and line. */
static void refuse(const char *in, const char *msg)
{
	struct pit_formats f;
	struct seen s = { 0 };
	char *out = NULL;
	size_t len = 0;

	pit_format(PIT_US, -18000, 0, &f);
	ruv_clearerr();
	assert_int_equal(
		jcl_rewrite("MYJOB", in, strlen(in), &f, &out, &len, heard, &s),
		-EINVAL);
	assert_null(out);
	if (!strstr(ruv_lasterr(), msg))
		fail_msg("'%s' does not say '%s'", ruv_lasterr(), msg);
}

/* Past the TOD wrap: the 10-byte forms take epoch byte 01; a member
 * with an 8-byte TOD or a 6-byte LRSN is refused, naming member:line. */
static void test_past_tod_wrap(void **state)
{
	static const char ok_in[] =
		"  RECOVER GROUP(PAYROLL) STOP_TIME(20250410942173)\n"
		"  CRESTART CREATE,SYSPITR=00E06DAFFC0142700000\n";
	static const char ok_want[] =
		"  RECOVER GROUP(PAYROLL) STOP_TIME(20500010000000)\n"
		"  CRESTART CREATE,SYSPITR=010D12E63C6200000000\n";
	int64_t us = rtime_from_civil(2050, 1, 1, 0, 0, 0, 0);
	static const char *const bad[] = {
		"x\n  RECOVER GROUP(HR) STOP_TIME(XE06DAFFC01427000)\n",
		"x\n  RECOVER TOLOGPOINT X'E06DAFFC0142'\n",
	};
	struct pit_formats f;
	struct seen s = { 0 };
	char *out = NULL;
	size_t len = 0, i;

	(void)state;
	rewrite_to(ok_in, us, 0, ok_want, 2);
	pit_format(us, 0, 0, &f);
	for (i = 0; i < 2; i++) {
		ruv_clearerr();
		assert_int_equal(jcl_rewrite("MYJOB", bad[i], strlen(bad[i]),
					     &f, &out, &len, heard, &s),
				 -EINVAL);
		assert_null(out);
		if (!strstr(ruv_lasterr(), "MYJOB:2: ") ||
		    !strstr(ruv_lasterr(), "cannot express 2050-01-01"))
			fail_msg("'%s'", ruv_lasterr());
	}
}

static void test_bad_shapes(void **state)
{
	(void)state;
	refuse("x\n  RCVTIME('25.041 09:42:17.3')\n",
	       "MYJOB:2: RCVTIME value '25.041 09:42:17.3'");
	refuse("  RCVTIME('2025.041 09:42:17.364519')\n",
	       "MYJOB:1: RCVTIME value");
	refuse("  RCVTIME('2025.041 09:42:17.364519 -05:00\n", "MYJOB:1:");
	refuse("ENDTIME=2025041144217\n",
	       "MYJOB:1: ENDTIME value '2025041144217' is not yyyydddhhmmsst");
	refuse("SYSPITRT=202504114421733\n",
	       "SYSPITRT value '202504114421733'");
	refuse("STOP_TIME(2025041094217)\n", "STOP_TIME value '2025041094217'");
	refuse("STOP_TIME(20250410942173Z)\n",
	       "STOP_TIME value '20250410942173Z'");
	refuse("STOP_TIME(XE06DAFFC014270)\n",
	       "STOP_TIME value 'XE06DAFFC014270'");
	refuse("SYSPITR=00E06DAFFC01427000\n",
	       "SYSPITR value '00E06DAFFC01427000'");
	refuse("TOLOGPOINT X'E06DAF'\n",
	       "TOLOGPOINT value 'E06DAF' is not 12 or "
	       "20 hex digits");
	/* A refusal after a good field: still no text comes back. */
	refuse("ENDTIME=19000010000000\nENDTIME=1\n", "MYJOB:2:");
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static char *get(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* jcl_update_undo: after a write whose PIT was not recorded, every
 * changed member is as it was, byte for byte; others are untouched. */
static void test_update_undo(void **state)
{
	static const char job[] = "//R EXEC\n  STOP_TIME(20250410942173)\n";
	static const char other[] = "no field here\n";
	char home[] = "/tmp/test_jcl.XXXXXX", dir[64], a[80], b[80];
	struct jcl_update *u = NULL;
	struct pit_formats f;
	struct seen s = { 0 };

	(void)state;
	assert_non_null(mkdtemp(home));
	snprintf(dir, sizeof(dir), "%s/jcl", home);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(a, sizeof(a), "%s/JOB", dir);
	snprintf(b, sizeof(b), "%s/OTHER", dir);
	put(a, job);
	put(b, other);
	pit_format(rtime_from_civil(2026, 11, 24, 7, 59, 59, 0), -18000, 0, &f);
	assert_int_equal(jcl_update_prepare(home, &f, heard, &s, &u), 1);
	assert_int_equal(jcl_update_write(u), 0);
	assert_string_equal(get(a), "//R EXEC\n  STOP_TIME(20263280259590)\n");
	jcl_update_undo(u);
	assert_string_equal(get(a), job);
	assert_string_equal(get(b), other);
	jcl_update_free(u);
	unlink(a);
	unlink(b);
	rmdir(dir);
	rmdir(home);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lrsn_forms),
		cmocka_unit_test(test_time_forms),
		cmocka_unit_test(test_stop_time_forms),
		cmocka_unit_test(test_other_bytes_kept),
		cmocka_unit_test(test_pit_to_pit),
		cmocka_unit_test(test_past_tod_wrap),
		cmocka_unit_test(test_bad_shapes),
		cmocka_unit_test(test_update_undo),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
