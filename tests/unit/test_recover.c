// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Forward recovery's pieces that stand alone: the stop time in its three
 * forms (decoded with the stored PIT's offset and leap seconds), and the
 * marks a backup records per stream (last LSN at start and end, oldest
 * unit then open).  The recovery itself, over real backups, is tested end
 * to end by t0110-t0112.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "errmsg.h"
#include "file.h"
#include "helpers.h"
#include "logcat.h"
#include "logstream.h"
#include "pit.h"
#include "recover.h"
#include "rtime.h"

static int setup(void **state)
{
	struct fixture *fx;
	char p[PATH_MAX];

	setenv("TZ", "UTC", 1);
	tzset();
	fixture_setup(state);
	fx = *state;
	snprintf(p, sizeof(p), "%s/logs", fx->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	return 0;
}

/* 2026-11-24T08:00:00Z */
#define T0 1795507200000000LL

static void test_time_forms(void **state)
{
	struct fixture *fx = *state;
	struct pit_stored p = {
		.pit_us = T0, .set_us = T0, .offset_sec = -18000, .leap_sec = 27
	};
	char tod[24];
	int64_t us = 0;

	/* No PIT: ISO, RUV form in site local time (UTC here), TOD with
	 * no leap seconds. */
	assert_int_equal(recover_parse_time(fx->r, "2026-11-24T08:00:00Z", &us),
			 0);
	assert_int_equal(us, T0);
	assert_int_equal(recover_parse_time(fx->r, "20263280800000", &us), 0);
	assert_int_equal(us, T0);
	snprintf(tod, sizeof(tod), "X%016llX",
		 (unsigned long long)pit_tod(T0, 0));
	assert_int_equal(recover_parse_time(fx->r, tod, &us), 0);
	assert_int_equal(us, T0);

	/* With a PIT at -05:00 and 27 leap seconds. */
	snprintf(p.source, sizeof(p.source), "operator");
	assert_int_equal(pit_store(fx->r, &p), 0);
	assert_int_equal(recover_parse_time(fx->r, "20263280300000", &us), 0);
	assert_int_equal(us, T0); /* 03:00 at -05:00 */
	snprintf(tod, sizeof(tod), "x%016llx",
		 (unsigned long long)pit_tod(T0, 27));
	assert_int_equal(recover_parse_time(fx->r, tod, &us), 0);
	assert_int_equal(us, T0);
	assert_int_equal(recover_parse_time(fx->r, "2026-11-24T08:00:00Z", &us),
			 0);
	assert_int_equal(us, T0);

	/* Refusals leave *us alone. */
	us = 42;
	assert_int_equal(recover_parse_time(fx->r, "X12345", &us), -EINVAL);
	assert_int_equal(recover_parse_time(fx->r, "X000000000000000G", &us),
			 -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "X and 16 hex digits"));
	assert_int_equal(recover_parse_time(fx->r, "2026-02-30", &us), -EINVAL);
	assert_int_equal(us, 42);
}

static void test_marks(void **state)
{
	struct fixture *fx = *state;
	struct recover_marks m = { 0 };
	struct logcat_info li, lj;
	struct logstream *ls = NULL;
	char path[PATH_MAX];
	uint64_t u1, u2, u3;

	fixture_file(fx, "a.dat", "abcdef", path, sizeof(path));
	assert_int_equal(file_register(fx->r, "A.DAT", path, NULL), 0);
	assert_int_equal(logcat_define(fx->r, "S1", NULL, 0, &li), 0);
	assert_int_equal(logcat_define(fx->r, "S2", NULL, 0, &lj), 0);

	/* Empty streams: start 0, oldest 1. */
	assert_int_equal(recover_marks_begin(fx->r, &m), 0);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.v[0].start_lsn, 0);
	assert_int_equal(m.v[0].oldest_lsn, 1);
	recover_marks_free(&m);

	/* S1: u1 committed, u2 open, u3 backed out: oldest is u2. */
	assert_int_equal(logstream_open(li.dir, NULL, &ls), 0);
	assert_int_equal(logstream_begin(ls, &u1), 0);
	assert_int_equal(logstream_begin(ls, &u2), 0);
	assert_int_equal(
		logstream_write(ls, u2, "A.DAT", 0, "X", 1, "a", 1, 6, NULL),
		0);
	assert_int_equal(logstream_commit(ls, u1, NULL, 0), 0);
	assert_int_equal(logstream_begin(ls, &u3), 0);
	assert_int_equal(logstream_backout(ls, u3), 0);
	assert_int_equal(recover_marks_begin(fx->r, &m), 0);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.v[0].stream_id, li.id);
	assert_int_equal(m.v[0].start_lsn, 6);
	assert_int_equal(m.v[0].oldest_lsn, u2);
	assert_int_equal(m.v[1].stream_id, lj.id);
	assert_int_equal(m.v[1].oldest_lsn, 1);

	/* More records while the backup reads: end_lsn follows. */
	assert_int_equal(logstream_commit(ls, u2, NULL, 0), 0);
	recover_marks_end(&m);
	assert_int_equal(m.v[0].end_lsn, 7);
	assert_int_equal(m.v[1].end_lsn, 0);
	recover_marks_free(&m);
	assert_null(m.v);

	/* Nothing open now: oldest is past the end. */
	assert_int_equal(recover_marks_begin(fx->r, &m), 0);
	assert_int_equal(m.v[0].start_lsn, 7);
	assert_int_equal(m.v[0].oldest_lsn, 8);
	recover_marks_free(&m);

	/* A stream whose directory is gone gets no mark; the others do. */
	assert_int_equal(logstream_close(ls), 0);
	snprintf(path, sizeof(path), "rm -rf '%.4000s'", lj.dir);
	assert_int_equal(system(path), 0);
	assert_int_equal(recover_marks_begin(fx->r, &m), 0);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.v[0].stream_id, li.id);
	recover_marks_free(&m);
	recover_marks_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_time_forms, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_marks, setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
