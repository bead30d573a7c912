// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of fs/ctlbuf.c, the line discipline of the control file:
 * which lines run, how often, and what each write answers.  The runner
 * records every line it is given and fails the ones a test names.
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

#include "ctlbuf.h"

#define MAX_RUNS 16

struct runner {
	char ran[MAX_RUNS][CTLBUF_LINE_MAX]; /* the lines, in order */
	int nran;
	const char *fail; /* this line fails ... */
	int err;	  /* ... with -err */
};

static int run(const char *line, void *arg)
{
	struct runner *rn = arg;

	assert_true(rn->nran < MAX_RUNS);
	snprintf(rn->ran[rn->nran++], CTLBUF_LINE_MAX, "%s", line);
	if (rn->fail && !strcmp(line, rn->fail))
		return -rn->err;
	return 0;
}

static int wr(struct ctlbuf *cb, struct runner *rn, const char *s)
{
	return ctlbuf_write(cb, s, strlen(s), run, rn);
}

static int setup(void **state)
{
	*state = ctlbuf_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	ctlbuf_free(*state);
	return 0;
}

static void test_lines_in_one_write(void **state)
{
	struct ctlbuf *cb = *state;
	struct runner rn = { 0 };

	assert_int_equal(wr(cb, &rn, "backup A\n\nfile list\n"), 20);
	assert_int_equal(rn.nran, 3);
	assert_string_equal(rn.ran[0], "backup A");
	assert_string_equal(rn.ran[1], "");
	assert_string_equal(rn.ran[2], "file list");
	assert_false(ctlbuf_pending(cb));
}

static void test_line_across_writes(void **state)
{
	struct ctlbuf *cb = *state;
	struct runner rn = { 0 };

	assert_int_equal(wr(cb, &rn, "back"), 4);
	assert_int_equal(rn.nran, 0);
	assert_true(ctlbuf_pending(cb));
	assert_int_equal(wr(cb, &rn, "up A"), 4);
	assert_int_equal(rn.nran, 0);
	assert_int_equal(wr(cb, &rn, "\nfile"), 5);
	assert_int_equal(rn.nran, 1);
	assert_string_equal(rn.ran[0], "backup A");
	assert_true(ctlbuf_pending(cb));
}

/* The unterminated last line runs at the flush of the last close, once. */
static void test_flush_runs_last_line_once(void **state)
{
	struct ctlbuf *cb = *state;
	struct runner rn = { .fail = "verify X", .err = EIO };

	assert_int_equal(ctlbuf_flush(cb, run, &rn), 0);
	assert_int_equal(rn.nran, 0);
	assert_int_equal(wr(cb, &rn, "verify X"), 8);
	assert_int_equal(rn.nran, 0);
	assert_int_equal(ctlbuf_flush(cb, run, &rn), -EIO);
	assert_int_equal(rn.nran, 1);
	assert_string_equal(rn.ran[0], "verify X");
	assert_false(ctlbuf_pending(cb));
	assert_int_equal(ctlbuf_flush(cb, run, &rn), 0);
	assert_int_equal(rn.nran, 1);
	assert_false(ctlbuf_pending(NULL));
	assert_int_equal(ctlbuf_flush(NULL, run, &rn), 0);
}

/*
 * A later line fails: the write is short (through the last line that
 * ran), the lines after it do not run, and a buffered writer's re-send
 * of the rest answers the errno twice without running; after that the
 * file is spent: ECANCELED, nothing runs.
 */
static void test_short_write_and_resends(void **state)
{
	struct ctlbuf *cb = *state;
	struct runner rn = { .fail = "b", .err = EBUSY };

	assert_int_equal(wr(cb, &rn, "a\nb\nc\n"), 2);
	assert_int_equal(rn.nran, 2);
	assert_string_equal(rn.ran[1], "b");
	assert_int_equal(wr(cb, &rn, "b\nc\n"), -EBUSY);
	assert_int_equal(wr(cb, &rn, "b\nc\n"), -EBUSY);
	assert_int_equal(rn.nran, 2);
	rn.fail = NULL;
	assert_int_equal(wr(cb, &rn, "b\nc\n"), -ECANCELED);
	assert_int_equal(wr(cb, &rn, "b\n"), -ECANCELED);
	assert_int_equal(rn.nran, 2);
}

/* stdio: fputs, then fflush fails, then fclose flushes again. */
static void test_buffered_writer_runs_once(void **state)
{
	struct ctlbuf *cb = *state;
	struct runner rn = { .fail = "group delete X", .err = ENOTEMPTY };

	assert_int_equal(wr(cb, &rn, "group delete X\n"), -ENOTEMPTY);
	assert_int_equal(wr(cb, &rn, "group delete X\n"), -ENOTEMPTY);
	assert_int_equal(wr(cb, &rn, "group delete X\n"), -ENOTEMPTY);
	assert_int_equal(rn.nran, 1);
	assert_false(ctlbuf_pending(cb));
}

/* bash printf writes each line on its own: after a failed line, the
 * next lines do not run (ECANCELED, the reason kept), until a new open. */
static void test_lines_after_failure_canceled(void **state)
{
	struct ctlbuf *cb = *state, *fresh;
	struct runner rn = { .fail = "frobnicate", .err = EINVAL };
	const char *line = NULL;

	assert_int_equal(wr(cb, &rn, "frobnicate\n"), -EINVAL);
	assert_null(ctlbuf_refusal(cb, &line)); /* the runner's failure */
	assert_int_equal(wr(cb, &rn, "location define L\n"), -ECANCELED);
	assert_non_null(ctlbuf_refusal(cb, &line));
	assert_string_equal(line, "location define L");
	assert_int_equal(wr(cb, &rn, "x"), -ECANCELED);
	assert_false(ctlbuf_pending(cb));
	assert_int_equal(ctlbuf_flush(cb, run, &rn), 0);
	assert_int_equal(rn.nran, 1);
	fresh = ctlbuf_new();
	assert_non_null(fresh);
	assert_int_equal(ctlbuf_write(fresh, "x\n", 2, run, &rn), 2);
	assert_int_equal(rn.nran, 2);
	ctlbuf_free(fresh);
}

/* A write that differs from the failed line is not its re-send. */
static void test_other_write_canceled(void **state)
{
	struct ctlbuf *cb = *state;
	struct runner rn = { .fail = "x", .err = EIO };

	assert_int_equal(wr(cb, &rn, "x\n"), -EIO);
	assert_int_equal(wr(cb, &rn, "y\n"), -ECANCELED);
	assert_int_equal(wr(cb, &rn, "x\n"), -ECANCELED);
	assert_int_equal(wr(cb, &rn, "x"), -ECANCELED);
	assert_int_equal(rn.nran, 1);
	assert_string_equal(rn.ran[0], "x");
	assert_false(ctlbuf_pending(cb));
}

/* A NUL would cut the line and run its first part: refused, nothing
 * runs, with the reason and the line shown escaped. */
static void test_nul_refused(void **state)
{
	struct ctlbuf *cb = *state;
	struct runner rn = { 0 };
	const char *line = NULL, *why;
	static const char data[] = "toggle\0 --dry-run\n";

	assert_int_equal(ctlbuf_write(cb, data, sizeof(data) - 1, run, &rn),
			 -EINVAL);
	assert_int_equal(rn.nran, 0);
	why = ctlbuf_refusal(cb, &line);
	assert_non_null(why);
	assert_non_null(strstr(why, "NUL"));
	assert_string_equal(line, "toggle\\x00 --dry-run");
}

/* Other control characters too, but tab; a later line of the write:
 * short, the earlier line ran. */
static void test_control_refused_tab_kept(void **state)
{
	struct ctlbuf *cb = *state;
	struct runner rn = { 0 };
	const char *line = NULL;

	assert_int_equal(wr(cb, &rn, "file\tlist\nfile \033[2Jlist\n"), 10);
	assert_int_equal(rn.nran, 1);
	assert_string_equal(rn.ran[0], "file\tlist");
	assert_non_null(ctlbuf_refusal(cb, &line));
	assert_string_equal(line, "file \\x1b[2Jlist");
}

/* One trailing CR goes (a DOS line end); a CR elsewhere is refused. */
static void test_trailing_cr_stripped(void **state)
{
	struct ctlbuf *cb = *state;
	struct runner rn = { 0 };

	assert_int_equal(wr(cb, &rn, "file list\r\n"), 11);
	assert_string_equal(rn.ran[0], "file list");
	assert_int_equal(wr(cb, &rn, "file\r list\n"), -EINVAL);
	assert_int_equal(rn.nran, 1);
}

/* The unterminated last line at close is checked the same way. */
static void test_flush_checks_line(void **state)
{
	struct ctlbuf *cb = *state;
	struct runner rn = { 0 };

	assert_int_equal(ctlbuf_write(cb, "a\0b", 3, run, &rn), 3);
	assert_int_equal(ctlbuf_flush(cb, run, &rn), -EINVAL);
	assert_int_equal(rn.nran, 0);
	assert_int_equal(wr(cb, &rn, "ok\r"), 3);
	assert_int_equal(ctlbuf_flush(cb, run, &rn), 0);
	assert_string_equal(rn.ran[0], "ok");
}

/* The failed line is remembered as this write had it: a partial line
 * from an earlier write is dropped, not part of the match. */
static void test_failure_drops_partial_line(void **state)
{
	struct ctlbuf *cb = *state;
	struct runner rn = { .fail = "restore Q", .err = ENOENT };

	assert_int_equal(wr(cb, &rn, "restore "), 8);
	assert_int_equal(wr(cb, &rn, "Q\nnext\n"), -ENOENT);
	assert_int_equal(rn.nran, 1);
	assert_false(ctlbuf_pending(cb));
	assert_int_equal(wr(cb, &rn, "Q\nnext\n"), -ENOENT);
	assert_int_equal(rn.nran, 1);
}

static void test_line_too_long(void **state)
{
	struct ctlbuf *cb = *state;
	struct runner rn = { 0 };
	char *big = malloc(CTLBUF_LINE_MAX + 10);
	const char *line = NULL;

	assert_non_null(big);
	memset(big, 'a', CTLBUF_LINE_MAX + 9);
	big[CTLBUF_LINE_MAX + 9] = '\0';
	assert_int_equal(wr(cb, &rn, big), -EINVAL);
	assert_int_equal(rn.nran, 0);
	assert_false(ctlbuf_pending(cb));
	assert_non_null(strstr(ctlbuf_refusal(cb, &line), "4095"));
	assert_true(strlen(line) < 128);
	/* The rest of it, in later writes, answers EINVAL too (what the
	 * writer reports last); what follows its end is canceled. */
	assert_int_equal(wr(cb, &rn, "aaaa"), -EINVAL);
	assert_int_equal(wr(cb, &rn, "aa\nb\n"), -EINVAL);
	assert_int_equal(wr(cb, &rn, "b\n"), -ECANCELED);
	assert_int_equal(rn.nran, 0);
	/* The longest line that fits still runs (on a new open). */
	ctlbuf_free(cb);
	cb = *state = ctlbuf_new();
	assert_non_null(cb);
	big[CTLBUF_LINE_MAX - 1] = '\n';
	big[CTLBUF_LINE_MAX] = '\0';
	assert_int_equal(wr(cb, &rn, "z\n"), 2);
	assert_int_equal(wr(cb, &rn, big), CTLBUF_LINE_MAX);
	assert_int_equal(rn.nran, 2);
	assert_int_equal(strlen(rn.ran[1]), CTLBUF_LINE_MAX - 1);
	free(big);
}

static void test_split(void **state)
{
	char s[128], *argv[5];

	(void)state;
	snprintf(s, sizeof(s), "  pit set\t'a b' \"c'd\"");
	assert_int_equal(ctlbuf_split(s, argv, 4), 4);
	assert_string_equal(argv[0], "pit");
	assert_string_equal(argv[1], "set");
	assert_string_equal(argv[2], "a b");
	assert_string_equal(argv[3], "c'd");
	assert_null(argv[4]);
	snprintf(s, sizeof(s), "x'y z'w # comment");
	assert_int_equal(ctlbuf_split(s, argv, 4), 1);
	assert_string_equal(argv[0], "xy zw");
	snprintf(s, sizeof(s), "   # only a comment");
	assert_int_equal(ctlbuf_split(s, argv, 4), 0);
	assert_null(argv[0]);
	snprintf(s, sizeof(s), "a 'b");
	assert_int_equal(ctlbuf_split(s, argv, 4), -EINVAL);
	snprintf(s, sizeof(s), "a b c d e");
	assert_int_equal(ctlbuf_split(s, argv, 4), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lines_in_one_write, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_line_across_writes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flush_runs_last_line_once,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_write_and_resends,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffered_writer_runs_once,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_lines_after_failure_canceled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_control_refused_tab_kept,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_trailing_cr_stripped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_checks_line, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_other_write_canceled,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_drops_partial_line,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_too_long, setup,
						teardown),
		cmocka_unit_test(test_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
