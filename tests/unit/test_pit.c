// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of pit.c against the vectors of the DR reference (copied in
 * tests/fixtures): the sample RECON listing, the TOD values, every form.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "pit.h"
#include "repo.h"
#include "rtime.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_sample_listing(void **state)
{
	struct pit_result res;
	struct pit_formats f;
	size_t len;
	char *text = slurp(SRCDIR "/tests/fixtures/recon-sample.txt", &len);

	(void)state;
	assert_int_equal(pit_from_recon(text, len, "recon-sample.txt",
					PIT_NO_OFFSET, &res),
			 0);
	assert_int_equal(res.pit_us, 1739198537364519LL);
	assert_int_equal(res.offset_sec, -5 * 3600);
	assert_non_null(strstr(res.limiting, "IMSA"));
	assert_non_null(strstr(res.rule, "open"));
	pit_format(res.pit_us, res.offset_sec, 0, &f);
	assert_string_equal(f.iso, "2025-02-10T14:42:17.364519Z");
	assert_string_equal(f.ims, "2025.041 09:42:17.364519 -05:00");
	assert_string_equal(f.db2_time, "20250411442173");
	assert_string_equal(f.lrsn10, "00E06DAFFC0142700000");
	assert_string_equal(f.lrsn6, "E06DAFFC0142");
	assert_string_equal(f.vsam, "20250410942173");
	assert_string_equal(f.vsam_tod, "XE06DAFFC01427000");
	free(text);
}

static void test_tod_vectors(void **state)
{
	struct pit_formats f;

	(void)state;
	assert_int_equal(pit_tod(0, 0), 0x7D91048BCA000000ULL);
	assert_int_equal(pit_tod(946684800LL * 1000000, 0),
			 0xB361183F48000000ULL);
	assert_int_equal(pit_from_tod(0x9FE4781301ABE000ULL, 0),
			 rtime_from_civil(1989, 2, 19, 5, 24, 13, 942462));
	pit_format(rtime_from_civil(2016, 12, 3, 4, 26, 0, 0), 0, 0, &f);
	assert_string_equal(f.lrsn6, "D1BC9BC5FA60");
	pit_format(1739198537364519LL, 0, 0, &f);
	assert_string_equal(f.vsam_tod, "XE06DAFFC01427000");
	pit_format(1739198537364519LL, 0, 27, &f);
	assert_string_equal(f.vsam_tod, "XE06DB015C10E7000");
	assert_string_equal(f.lrsn6, "E06DB015C10E");
}

/* The 8-byte TOD clock ends at 2^52 µs after 1900 (2042-09-17T23:53:47.
 * 370496Z), earlier by the leap seconds: before it every form is written;
 * from it on only the 10-byte LRSN, epoch byte 01, and the 8-byte TOD
 * and 6-byte LRSN are empty (they would wrap to 1900). */
static void test_tod_wrap(void **state)
{
	int64_t wrap = rtime_from_civil(2042, 9, 17, 23, 53, 47, 370496);
	struct pit_formats f;

	(void)state;
	assert_int_equal(pit_tod_epoch(wrap - 1, 0), 0);
	pit_format(wrap - 1, 0, 0, &f);
	assert_string_equal(f.vsam_tod, "XFFFFFFFFFFFFF000");
	assert_string_equal(f.lrsn6, "FFFFFFFFFFFF");
	assert_string_equal(f.lrsn10, "00FFFFFFFFFFFFF00000");
	assert_int_equal(pit_tod_epoch(wrap, 0), 1);
	pit_format(wrap, 0, 0, &f);
	assert_string_equal(f.vsam_tod, "");
	assert_string_equal(f.lrsn6, "");
	assert_string_equal(f.lrsn10, "01000000000000000000");
	assert_string_equal(f.iso, "2042-09-17T23:53:47.370496Z");
	/* 2050-01-01: one epoch on, not 1907. */
	pit_format(rtime_from_civil(2050, 1, 1, 0, 0, 0, 0), 0, 0, &f);
	assert_string_equal(f.lrsn10, "010D12E63C6200000000");
	/* With the 27 leap seconds, the wrap comes 27 s earlier. */
	pit_format(wrap - 27 * 1000000LL - 1, 0, 27, &f);
	assert_string_equal(f.lrsn6, "FFFFFFFFFFFF");
	pit_format(wrap - 27 * 1000000LL, 0, 27, &f);
	assert_string_equal(f.lrsn6, "");
	assert_string_equal(f.lrsn10, "01000000000000000000");
}

static const char head[] =
	"IMS VERSION 15 RELEASE 1\n LIST.RECON\n"
	"2025.041 09:47:10.233150 -05:00         LISTING OF RECON\n"
	"----------------------------------------\n"
	"RECON\n  RECOVERY CONTROL DATA SET\n";
static const char tail[] = "----------------------------------------\n"
			   "DSP0180I  NUMBER OF RECORDS LISTED IS        3\n";

/* A log record: stop NULL for an open log; dsn stops after. */
static void add_log(char *buf, size_t cap, const char *type, const char *ssid,
		    const char *start, const char *stop,
		    const char *const *dsn_stops)
{
	size_t n = strlen(buf);

	n += (size_t)snprintf(buf + n, cap - n,
			      "----------------------------------------\n"
			      "%s   RECORD SIZE= 336\n"
			      "  START = %s*    SSID=%s  VERSION=15.1\n"
			      "  STOP  = %s     #DSN=1\n",
			      type, start, ssid,
			      stop ? stop : "0000.000 00:00:00.000000 -05:00");
	for (; dsn_stops && *dsn_stops; dsn_stops++)
		n += (size_t)snprintf(buf + n, cap - n,
				      "\n  DSN=X.Y  UNIT=SYSDA\n"
				      "  START = %s FIRST DS LSN= 1\n"
				      "  STOP  = %s LAST DS LSN= 2\n"
				      "  VOLSER=V1 STOPTIME = %s\n",
				      start, *dsn_stops, *dsn_stops);
}

static int run(const char *text, int offset, struct pit_result *res)
{
	ruv_clearerr();
	return pit_from_recon(text, strlen(text), "t.lst", offset, res);
}

static void test_all_closed_and_families(void **state)
{
	static const char *const d1[] = { "2025.041 05:00:00.000000 -05:00",
					  NULL };
	static const char *const d2[] = { "2025.041 07:30:00.000000 -05:00",
					  NULL };
	struct pit_result res;
	char buf[8192];

	(void)state;
	snprintf(buf, sizeof(buf), "%s", head);
	add_log(buf, sizeof(buf), "PRILOG", "IMSA",
		"2025.041 01:00:00.000000 -05:00",
		"2025.041 05:00:00.000000 -05:00", d1);
	add_log(buf, sizeof(buf), "PRILOG", "IMSB",
		"2025.041 02:00:00.000000 -05:00",
		"2025.041 07:30:00.000000 -05:00", d2);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s", tail);
	assert_int_equal(run(buf, PIT_NO_OFFSET, &res), 0);
	assert_non_null(strstr(res.rule, "every family closed"));
	assert_int_equal(res.pit_us,
			 rtime_from_civil(2025, 2, 10, 12, 30, 0, 0));
	/* A data-sharing pair: the open one limits, however early the
	 * closed one ended; its SECLOG twin is not counted twice. */
	snprintf(buf, sizeof(buf), "%s", head);
	add_log(buf, sizeof(buf), "PRILOG", "IMSA",
		"2025.041 01:00:00.000000 -05:00",
		"2025.041 05:00:00.000000 -05:00", d1);
	add_log(buf, sizeof(buf), "SECLOG", "IMSB",
		"2025.041 02:00:00.000000 -05:00", NULL, d1);
	add_log(buf, sizeof(buf), "PRILOG", "IMSB",
		"2025.041 02:00:00.000000 -05:00", NULL, d2);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s", tail);
	assert_int_equal(run(buf, PIT_NO_OFFSET, &res), 0);
	assert_int_equal(res.families, 2);
	assert_int_equal(res.open, 1);
	assert_int_equal(res.pit_us,
			 rtime_from_civil(2025, 2, 10, 12, 30, 0, 0));
	assert_non_null(strstr(res.limiting, "IMSB"));
}

/* A DSN entry whose own STOP is zero is still being archived: it does not
 * advance the archived end, and the PIT is never before the START. */
static void test_zero_stop_dsn_entry(void **state)
{
	static const char *const d1[] = { "2025.041 05:00:00.000000 -05:00",
					  "0000.000 00:00:00.000000 -05:00",
					  NULL };
	static const char *const d2[] = { "0000.000 00:00:00.000000 -05:00",
					  NULL };
	struct pit_result res;
	char buf[8192];

	(void)state;
	snprintf(buf, sizeof(buf), "%s", head);
	add_log(buf, sizeof(buf), "PRILOG", "IMSA",
		"2025.041 01:00:00.000000 -05:00", NULL, d1);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s", tail);
	assert_int_equal(run(buf, PIT_NO_OFFSET, &res), 0);
	assert_int_equal(res.pit_us,
			 rtime_from_civil(2025, 2, 10, 10, 0, 0, 0));
	/* Only an unarchived entry: the family's START. */
	snprintf(buf, sizeof(buf), "%s", head);
	add_log(buf, sizeof(buf), "PRILOG", "IMSA",
		"2025.041 01:00:00.000000 -05:00", NULL, d2);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s", tail);
	assert_int_equal(run(buf, PIT_NO_OFFSET, &res), 0);
	assert_int_equal(res.pit_us, rtime_from_civil(2025, 2, 10, 6, 0, 0, 0));
}

/* Without a PRILOG the stand-ins decide, and their order does not: the
 * earliest archived end among them, open if any is open. */
static void test_stand_ins_any_order(void **state)
{
	static const char *const early[] = { "2025.041 05:00:00.000000 -05:00",
					     NULL };
	static const char *const late[] = { "2025.041 07:30:00.000000 -05:00",
					    NULL };
	struct pit_result res;
	char buf[8192];
	int order;

	(void)state;
	for (order = 0; order < 2; order++) {
		snprintf(buf, sizeof(buf), "%s", head);
		add_log(buf, sizeof(buf), order ? "PRISLD" : "SECLOG", "IMSA",
			"2025.041 01:00:00.000000 -05:00", NULL,
			order ? late : early);
		add_log(buf, sizeof(buf), order ? "SECLOG" : "PRISLD", "IMSA",
			"2025.041 01:00:00.000000 -05:00", NULL,
			order ? early : late);
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s",
			 tail);
		assert_int_equal(run(buf, PIT_NO_OFFSET, &res), 0);
		assert_int_equal(res.families, 1);
		assert_int_equal(res.open, 1);
		assert_int_equal(res.pit_us,
				 rtime_from_civil(2025, 2, 10, 10, 0, 0, 0));
	}
	/* One stand-in closed, one open: open, whatever the order. */
	for (order = 0; order < 2; order++) {
		snprintf(buf, sizeof(buf), "%s", head);
		add_log(buf, sizeof(buf), "SECLOG", "IMSA",
			"2025.041 01:00:00.000000 -05:00",
			order ? NULL : "2025.041 07:30:00.000000 -05:00", late);
		add_log(buf, sizeof(buf), "SECSLD", "IMSA",
			"2025.041 01:00:00.000000 -05:00",
			order ? "2025.041 07:30:00.000000 -05:00" : NULL,
			order ? late : early);
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s",
			 tail);
		assert_int_equal(run(buf, PIT_NO_OFFSET, &res), 0);
		assert_int_equal(res.open, 1);
		assert_int_equal(
			res.pit_us,
			order ? rtime_from_civil(2025, 2, 10, 12, 30, 0, 0)
			      : rtime_from_civil(2025, 2, 10, 10, 0, 0, 0));
	}
}

static void test_yy_format_needs_offset(void **state)
{
	static const char *const d[] = { "25.041 05:00:00.123456", NULL };
	struct pit_result res;
	char buf[8192];

	(void)state;
	snprintf(buf, sizeof(buf), "%s", head);
	add_log(buf, sizeof(buf), "PRILOG", "IMSA", "25.041 01:00:00.000000",
		"00.000 00:00:00.000000", d);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s", tail);
	assert_int_equal(run(buf, PIT_NO_OFFSET, &res), -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "--offset"));
	assert_int_equal(run(buf, -5 * 3600, &res), 0);
	assert_int_equal(res.pit_us,
			 rtime_from_civil(2025, 2, 10, 10, 0, 0, 123456));
	assert_int_equal(res.offset_sec, -5 * 3600);
}

static void test_refusals(void **state)
{
	static const char *const bad_day[] = { "2025.367 05:00:00.0 -05:00",
					       NULL };
	static const char *const bad_hour[] = { "2025.041 25:00:00.0 -05:00",
						NULL };
	struct pit_result res;
	char buf[8192];

	(void)state;
	assert_int_equal(run("hello, world\nthis is not a listing\n",
			     PIT_NO_OFFSET, &res),
			 -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "not a RECON listing"));
	snprintf(buf, sizeof(buf), "%s%s", head, tail);
	assert_int_equal(run(buf, PIT_NO_OFFSET, &res), -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "no log records"));
	snprintf(buf, sizeof(buf), "%s", head);
	add_log(buf, sizeof(buf), "PRILOG", "IMSA",
		"2025.041 01:00:00.000000 -05:00", NULL, bad_day);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s", tail);
	assert_int_equal(run(buf, PIT_NO_OFFSET, &res), -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "t.lst:"));
	assert_non_null(strstr(ruv_lasterr(), "367"));
	snprintf(buf, sizeof(buf), "%s", head);
	add_log(buf, sizeof(buf), "PRILOG", "IMSA",
		"2025.041 01:00:00.000000 -05:00", NULL, bad_hour);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s", tail);
	assert_int_equal(run(buf, PIT_NO_OFFSET, &res), -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "hour 25"));
	/* Cut in the middle of a record. */
	snprintf(buf, sizeof(buf), "%s", head);
	add_log(buf, sizeof(buf), "PRILOG", "IMSA",
		"2025.041 01:00:00.000000 -05:00", NULL, NULL);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s",
		 "\n  DSN=X.Y\n  START = 2025.041 01:00:00.0 -05:00\n");
	assert_int_equal(run(buf, PIT_NO_OFFSET, &res), -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "truncated"));
}

/* repo_commit wrapped (-Wl,--wrap): fails with -EIO while fail_commit. */
int __real_repo_commit(struct repo *r);
int __wrap_repo_commit(struct repo *r);
static int fail_commit;

int __wrap_repo_commit(struct repo *r)
{
	if (fail_commit) {
		repo_rollback(r); /* as a failed COMMIT leaves it */
		return -EIO;
	}
	return __real_repo_commit(r);
}

static int thens, undos;

static int count_then(void *arg)
{
	(void)arg;
	thens++;
	return 0;
}

static void count_undo(void *arg)
{
	(void)arg;
	undos++;
}

static int points(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int v = -1;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(
		sqlite3_prepare_v2(h, "SELECT count(*) FROM recovery_point", -1,
				   &st, NULL),
		SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

/* A failed commit takes back what ran inside the transaction (the JCL
 * members pit set writes there): neither the PIT nor its effect stays. */
static void test_store_then_undo(void **state)
{
	char dir[] = "/tmp/test_pit.XXXXXX", db[64];
	struct pit_stored p = { .pit_us = 1000000, .set_us = 2000000 };
	struct repo *r = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/repository.db", dir);
	assert_int_equal(repo_open(db, REPO_CREATE, &r), 0);
	snprintf(p.source, sizeof(p.source), "operator");
	snprintf(p.rule, sizeof(p.rule), "given");
	fail_commit = 1;
	assert_int_equal(pit_store_then(r, &p, count_then, count_undo, NULL),
			 -EIO);
	assert_int_equal(thens, 1);
	assert_int_equal(undos, 1);
	assert_int_equal(points(db), 0);
	fail_commit = 0;
	assert_int_equal(pit_store_then(r, &p, count_then, count_undo, NULL),
			 0);
	assert_int_equal(thens, 2);
	assert_int_equal(undos, 1); /* not on success */
	assert_int_equal(points(db), 1);
	repo_close(r);
	unlink(db);
	snprintf(db, sizeof(db), "%s/repository.db-wal", dir);
	unlink(db);
	snprintf(db, sizeof(db), "%s/repository.db-shm", dir);
	unlink(db);
	rmdir(dir);
}

static char *read_member(const char *path)
{
	size_t len;

	return slurp(path, &len);
}

/* pit_apply: the process behind `ruv pit set` and the tree's pit, on
 * listing text that no command line could carry, and its refusals. */
static void test_apply(void **state)
{
	char dir[] = "/tmp/test_pit.XXXXXX", db[64], jcl[64], member[80];
	struct pit_request req = { .offset_sec = PIT_NO_OFFSET };
	struct pit_applied a;
	struct repo *r = NULL;
	char *text, *listing, *m;
	size_t len;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/repository.db", dir);
	snprintf(jcl, sizeof(jcl), "%s/jcl", dir);
	snprintf(member, sizeof(member), "%s/RECOVER", jcl);
	assert_int_equal(mkdir(jcl, 0755), 0);
	f = fopen(member, "w");
	assert_non_null(f);
	fputs("ruv restore PAY.A --stop-time 2000-01-01T00:00:00Z\n", f);
	fclose(f);
	assert_int_equal(repo_open(db, REPO_CREATE, &r), 0);

	/* A listing with quotes, backslashes and a long line. */
	text = slurp(SRCDIR "/tests/fixtures/recon-sample.txt", &len);
	listing = malloc(len + 512);
	assert_non_null(listing);
	len = (size_t)snprintf(listing, len + 512,
			       "%s  NOTE='it''s' C:\\TEMP\\%0300d\n", text, 0);
	req.recon_text = listing;
	req.recon_len = len;
	req.recon_name = "pit";
	assert_int_equal(pit_apply(r, dir, &req, &a), 0);
	assert_int_equal(a.pit.pit_us, 1739198537364519LL);
	assert_string_equal(a.pit.source, "recon pit");
	assert_int_equal(a.n, 1);
	assert_string_equal(a.changes[0].member, "RECOVER");
	assert_int_equal(a.changes[0].line, 1);
	assert_string_equal(a.changes[0].old_value, "2000-01-01T00:00:00Z");
	assert_string_equal(a.changes[0].new_value,
			    "2025-02-10T14:42:17.364519Z");
	pit_applied_free(&a);
	assert_null(a.changes);
	assert_int_equal(points(db), 1);
	m = read_member(member);
	assert_string_equal(
		m,
		"ruv restore PAY.A --stop-time 2025-02-10T14:42:17.364519Z\n");
	free(m);

	/* Refusals: nothing recorded, nothing written, *out empty. */
	memset(&req, 0, sizeof(req));
	req.offset_sec = PIT_NO_OFFSET;
	req.recon_text = "not\na listing\n";
	req.recon_len = strlen(req.recon_text);
	req.recon_name = "pit";
	ruv_clearerr();
	assert_int_equal(pit_apply(r, dir, &req, &a), -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "pit:"));
	assert_null(a.changes);
	req.time = "2026-11-24T07:59:59Z"; /* and a listing: which? */
	assert_int_equal(pit_apply(r, dir, &req, &a), -EINVAL);
	memset(&req, 0, sizeof(req));
	req.time = "2026-02-30T00:00:00Z";
	assert_int_equal(pit_apply(r, dir, &req, &a), -EINVAL);
	req.time = NULL;
	req.recon_path = "/nonexistent/listing";
	req.offset_sec = PIT_NO_OFFSET;
	assert_int_equal(pit_apply(r, dir, &req, &a), -ENOENT);
	assert_int_equal(points(db), 1);
	m = read_member(member);
	assert_non_null(strstr(m, "2025-02-10T14:42:17.364519Z"));
	free(m);

	/* A time, with the operator's offset. */
	memset(&req, 0, sizeof(req));
	req.time = "2026-11-24T07:59:59Z";
	req.offset_sec = 3600;
	assert_int_equal(pit_apply(r, dir, &req, &a), 0);
	assert_string_equal(a.pit.source, "operator");
	assert_int_equal(a.pit.offset_sec, 3600);
	assert_int_equal(a.n, 1);
	pit_applied_free(&a);
	assert_int_equal(points(db), 2);

	repo_close(r);
	free(listing);
	free(text);
	unlink(member);
	rmdir(jcl);
	unlink(db);
	snprintf(db, sizeof(db), "%s/repository.db-wal", dir);
	unlink(db);
	snprintf(db, sizeof(db), "%s/repository.db-shm", dir);
	unlink(db);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_listing),
		cmocka_unit_test(test_tod_vectors),
		cmocka_unit_test(test_tod_wrap),
		cmocka_unit_test(test_all_closed_and_families),
		cmocka_unit_test(test_zero_stop_dsn_entry),
		cmocka_unit_test(test_stand_ins_any_order),
		cmocka_unit_test(test_yy_format_needs_offset),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_store_then_undo),
		cmocka_unit_test(test_apply),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
