// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of copy.c: copy names both ways, lookup, the listing and
 * its filters, selection for restore (time, copy number, inactive
 * locations, with the reason when nothing qualifies), relocation, and
 * verify/restore against a damaged volume.
 *
 * history_add() is wrapped (-Wl,--wrap=history_add) to fail a chosen
 * call: a relocation of several copies whose second history row fails
 * moves none of them.
 */
#include <errno.h>
#include <fcntl.h>

#include "copy.h"
#include "errmsg.h"
#include "fail_history.h"
#include "history.h"
#include "home_fixture.h"
#include "location.h"
#include "rtime.h"

static void test_name_both_ways(void **state)
{
	struct copy_info ci = { 0 };
	char buf[COPY_NAME_MAX], kind = 0;
	int64_t id = 0;
	unsigned no = 0;

	(void)state;
	snprintf(ci.dsn, sizeof(ci.dsn), "PAY.MASTER");
	assert_int_equal(rtime_parse("2026-11-24T08:00:00Z", &ci.start_us), 0);
	ci.backup_id = 42;
	ci.copy_no = 2;
	assert_int_equal(copy_name(&ci, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "PAY.MASTER.D20261124.T080000.B42.C2");
	ci.kind = 'R';
	snprintf(ci.dsn, sizeof(ci.dsn), COPY_REPOSITORY_DSN);
	assert_int_equal(copy_name(&ci, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "RUV.REPOSITORY.D20261124.T080000.R42.C2");
	assert_int_equal(copy_name(&ci, buf, 20), -ENAMETOOLONG);

	assert_int_equal(copy_name_parse("PAY.MASTER.D20261124.T080000.B42.C2",
					 &kind, &id, &no),
			 0);
	assert_int_equal(kind, 'B');
	assert_int_equal(id, 42);
	assert_int_equal(no, 2);
	assert_int_equal(copy_name_parse("RUV.JCLLIB.D20261124.T080000.J7.C1",
					 &kind, &id, &no),
			 0);
	assert_int_equal(kind, 'J');
	assert_int_equal(id, 7);
	assert_int_equal(no, 1);
	static const char *const bad[] = {
		"PAY.MASTER",
		"PAY.MASTER.D20261124.T080000.B42",
		"PAY.MASTER.D20261124.T080000.X42.C1",
		"PAY.MASTER.D20261124.T080000.B0.C1",
		"PAY.MASTER.D20261124.T080000.B042.C1",
		"PAY.MASTER.D20261124.T080000.B4x.C1",
		"PAY.MASTER.D20261124.T080000.B42.C0",
		"PAY.MASTER.D20261124.T080000.B42.C10",
		"PAY.MASTER.D20261124.T080000.B42.C1x",
		".C1",
		"B1.C1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kind = 0;
		assert_int_equal(copy_name_parse(bad[i], &kind, &id, &no),
				 -EINVAL);
		assert_non_null(strstr(ruv_lasterr(), "is not a copy name"));
	}
}

struct names {
	char s[512];
	unsigned n;
};

static int add_name(const struct copy_info *ci, void *arg)
{
	struct names *nm = arg;
	size_t len = strlen(nm->s);
	char name[COPY_NAME_MAX];

	copy_name(ci, name, sizeof(name));
	snprintf(nm->s + len, sizeof(nm->s) - len, "%s%s@%s/%s", len ? " " : "",
		 name, ci->location, ci->volser);
	nm->n++;
	return 0;
}

static void name_of(struct home_fixture *f, int64_t backup_id, unsigned no,
		    char *buf, size_t len)
{
	struct copy_filter cf = { .backup_id = backup_id, .copy_no = no };
	struct names nm = { "", 0 };
	char *at;

	assert_int_equal(copy_list(f->r, &cf, add_name, &nm), 0);
	assert_int_equal(nm.n, 1);
	at = strchr(nm.s, '@');
	*at = '\0';
	snprintf(buf, len, "%s", nm.s);
}

static void test_lookup(void **state)
{
	struct home_fixture *f = *state;
	int64_t b = hf_backup(f, "PAY.A", "a.dat", "alpha\n");
	struct copy_info ci, again;
	char name[COPY_NAME_MAX], other[COPY_NAME_MAX + 8];

	name_of(f, b, 2, name, sizeof(name));
	assert_int_equal(copy_lookup(f->r, name, &ci), 0);
	assert_string_equal(ci.dsn, "PAY.A");
	assert_int_equal(ci.kind, 'B');
	assert_int_equal(ci.backup_id, b);
	assert_int_equal(ci.copy_no, 2);
	assert_string_equal(ci.location, "Staging");
	assert_false(ci.location_active);
	assert_true(ci.usable);
	assert_string_equal(ci.volser, "O00001");
	assert_int_equal(ci.size, 6);
	assert_true(ci.stored > 0);
	assert_int_equal(ci.seq, 1);
	assert_int_equal(copy_get(f->r, ci.copy_id, &again), 0);
	assert_int_equal(again.copy_id, ci.copy_id);
	assert_int_equal(again.backup_id, b);
	assert_int_equal(again.copy_no, 2);
	assert_int_equal(again.start_us, ci.start_us);
	assert_string_equal(again.dsn, "PAY.A");
	assert_string_equal(again.volume_path, ci.volume_path);
	assert_int_equal(copy_get(f->r, ci.copy_id + 100, &again), -ENOENT);
	/* The keys of a real copy under another DSN or time: no copy. */
	snprintf(other, sizeof(other), "PAY.B%s", name + 5);
	assert_int_equal(copy_lookup(f->r, other, &ci), -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "no copy 'PAY.B."));
	snprintf(other, sizeof(other), "%s", name);
	other[strlen("PAY.A.D")] = '1'; /* another century */
	assert_int_equal(copy_lookup(f->r, other, &ci), -ENOENT);
	assert_int_equal(copy_lookup(f->r, "PAY.A", &ci), -EINVAL);
}

static void test_list_filters(void **state)
{
	struct home_fixture *f = *state;
	int64_t a = hf_backup(f, "PAY.A", "a.dat", "alpha\n");
	int64_t b = hf_backup(f, "PAY.B", "b.dat", "bravo\n");
	struct copy_filter cf = { 0 };
	struct names nm = { "", 0 };
	char a1[COPY_NAME_MAX], b2[COPY_NAME_MAX], want[512];

	hf_repo_backup(f);
	name_of(f, a, 1, a1, sizeof(a1));
	name_of(f, b, 2, b2, sizeof(b2));
	assert_int_equal(copy_list(f->r, &cf, add_name, &nm), 0);
	assert_int_equal(nm.n, 6);

	cf.kind = 'B';
	cf.location = "local"; /* any case */
	nm.s[0] = '\0';
	nm.n = 0;
	assert_int_equal(copy_list(f->r, &cf, add_name, &nm), 0);
	assert_int_equal(nm.n, 2);
	assert_non_null(strstr(nm.s, a1));
	assert_null(strstr(nm.s, "RUV.REPOSITORY"));

	memset(&cf, 0, sizeof(cf));
	cf.dsn = "pay.b";
	cf.volser = "O00001";
	nm.s[0] = '\0';
	nm.n = 0;
	assert_int_equal(copy_list(f->r, &cf, add_name, &nm), 0);
	snprintf(want, sizeof(want), "%s@Staging/O00001", b2);
	assert_string_equal(nm.s, want);

	memset(&cf, 0, sizeof(cf));
	cf.kind = 'R';
	nm.s[0] = '\0';
	nm.n = 0;
	assert_int_equal(copy_list(f->r, &cf, add_name, &nm), 0);
	assert_int_equal(nm.n, 2);
	assert_non_null(strstr(nm.s, "RUV.REPOSITORY."));

	/* Paging by key: one at a time, each once. */
	memset(&cf, 0, sizeof(cf));
	cf.limit = 1;
	nm.s[0] = '\0';
	nm.n = 0;
	for (;;) {
		struct names page = { "", 0 };
		struct copy_info last;

		assert_int_equal(copy_list(f->r, &cf, add_name, &page), 0);
		if (!page.n)
			break;
		assert_int_equal(page.n, 1);
		nm.n++;
		*strchr(page.s, '@') = '\0';
		assert_int_equal(copy_lookup(f->r, page.s, &last), 0);
		assert_true(last.copy_id > cf.after_id);
		cf.after_id = last.copy_id;
	}
	assert_int_equal(nm.n, 6);

	/* Naming what does not exist is an error, not an empty list. */
	memset(&cf, 0, sizeof(cf));
	cf.location = "Nowhere";
	assert_int_equal(copy_list(f->r, &cf, add_name, &nm), -ENOENT);
	cf.location = NULL;
	cf.volser = "L00009";
	assert_int_equal(copy_list(f->r, &cf, add_name, &nm), -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "L00009"));
	cf.volser = NULL;
	cf.dsn = "NO.SUCH";
	assert_int_equal(copy_list(f->r, &cf, add_name, &nm), -ENOENT);
}

static int stop_at_first(const struct copy_info *ci, void *arg)
{
	(void)ci;
	++*(int *)arg;
	return 7;
}

static void test_list_stops(void **state)
{
	struct home_fixture *f = *state;
	struct copy_filter cf = { 0 };
	int n = 0;

	hf_backup(f, "PAY.A", "a.dat", "alpha\n");
	assert_int_equal(copy_list(f->r, &cf, stop_at_first, &n), 7);
	assert_int_equal(n, 1);
}

static void test_select(void **state)
{
	struct home_fixture *f = *state;
	int64_t b1 = hf_backup(f, "PAY.A", "a.dat", "first\n");
	int64_t b2 = hf_backup(f, "PAY.A", "a.dat", "second!\n");
	const char *off[] = { "Local" }, *on[] = { "Offsite" };
	struct copy_info ci, c1;
	char name[COPY_NAME_MAX];
	const char *names[1] = { name };
	int64_t now = rtime_now();

	assert_int_equal(copy_select(f->r, "PAY.A", now, 0, &ci), 0);
	assert_int_equal(ci.backup_id, b2);
	assert_int_equal(ci.copy_no, 1);
	assert_int_equal(ci.size, 8);
	assert_int_equal(copy_select(f->r, "PAY.A", ci.start_us - 1, 0, &c1),
			 0);
	assert_int_equal(c1.backup_id, b1);
	assert_int_equal(copy_select(f->r, "PAY.A", c1.start_us, 0, &ci), 0);
	assert_int_equal(ci.backup_id, b1);
	assert_int_equal(copy_select(f->r, "PAY.A", c1.start_us - 1, 0, &ci),
			 -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "no backup started at or"));
	/* Copy 2 is in Staging, inactive. */
	assert_int_equal(copy_select(f->r, "PAY.A", now, 2, &ci), -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "copy 2 of the backups of "
					      "'PAY.A'"));
	assert_non_null(strstr(ruv_lasterr(), "inactive"));
	assert_int_equal(copy_select(f->r, "PAY.A", now, 3, &ci), -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "has no copy 3"));
	assert_int_equal(copy_select(f->r, "NO.SUCH", now, 0, &ci), -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "not registered"));
	{
		char path[200];

		hf_data(f, "n.dat", "n\n", path, sizeof(path));
		assert_int_equal(file_register(f->r, "PAY.NONE", path, NULL),
				 0);
	}
	assert_int_equal(copy_select(f->r, "PAY.NONE", now, 0, &ci), -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "'PAY.NONE' has no backups"));

	/* Disaster: Local gone, Offsite active.  Copy 2 of the newer backup
	 * is offsite; the older one's stays in Staging. */
	name_of(f, b2, 2, name, sizeof(name));
	assert_int_equal(copy_relocate(f->r, names, 1, "Offsite"), 0);
	assert_int_equal(location_toggle(f->r, off, 1, on, 1, 0, NULL, NULL),
			 0);
	assert_int_equal(copy_select(f->r, "PAY.A", now, 0, &ci), 0);
	assert_int_equal(ci.backup_id, b2);
	assert_int_equal(ci.copy_no, 2);
	assert_string_equal(ci.location, "Offsite");
	assert_int_equal(copy_select(f->r, "PAY.A", c1.start_us, 0, &ci),
			 -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "has a copy in an active "
					      "location"));
}

struct hcount {
	const char *action;
	int n;
	char last[1024];
};

static int count_action(const struct history_entry *e, void *arg)
{
	struct hcount *h = arg;

	if (!strcmp(e->action, h->action)) {
		h->n++;
		snprintf(h->last, sizeof(h->last), "%s: %s", e->subject,
			 e->message);
	}
	return 0;
}

static void test_relocate(void **state)
{
	struct home_fixture *f = *state;
	int64_t a = hf_backup(f, "PAY.A", "a.dat", "alpha\n");
	int64_t b = hf_backup(f, "PAY.B", "b.dat", "bravo\n");
	char na[COPY_NAME_MAX], nb[COPY_NAME_MAX], want[400];
	const char *both[2] = { na, nb };
	struct hcount h = { "relocate", 0, "" };
	struct copy_info ci;
	struct copy_filter cf = { .location = "Offsite" };
	struct names nm = { "", 0 };

	name_of(f, a, 2, na, sizeof(na));
	name_of(f, b, 2, nb, sizeof(nb));
	/* Refusals move nothing. */
	assert_int_equal(copy_relocate(f->r, both, 2, "Nowhere"), -ENOENT);
	assert_int_equal(copy_relocate(f->r, both, 2, "staging"), -EEXIST);
	assert_non_null(strstr(ruv_lasterr(), "is already in Staging"));
	fail_history_in = 2; /* the second move's history row */
	assert_int_equal(copy_relocate(f->r, both, 2, "Offsite"), -EIO);
	assert_int_equal(fail_history_in, 0);
	assert_int_equal(copy_list(f->r, &cf, add_name, &nm), 0);
	assert_int_equal(nm.n, 0);
	assert_int_equal(history_list(f->r, 0, 0, count_action, &h), 0);
	assert_int_equal(h.n, 0);

	assert_int_equal(copy_relocate(f->r, both, 2, "Offsite"), 0);
	assert_int_equal(copy_list(f->r, &cf, add_name, &nm), 0);
	assert_int_equal(nm.n, 2);
	assert_int_equal(copy_lookup(f->r, na, &ci), 0);
	assert_string_equal(ci.location, "Offsite");
	assert_int_equal(history_list(f->r, 0, 0, count_action, &h), 0);
	assert_int_equal(h.n, 2);
	snprintf(want, sizeof(want), "%s: Staging -> Offsite", nb);
	assert_string_equal(h.last, want);
	/* The volume that moved takes no more data. */
	assert_int_equal(copy_lookup(f->r, nb, &ci), 0);
	assert_int_equal(hf_backup(f, "PAY.C", "c.dat", "charlie\n") > 0, 1);
	memset(&cf, 0, sizeof(cf));
	cf.dsn = "PAY.C";
	cf.copy_no = 2;
	nm.s[0] = '\0';
	nm.n = 0;
	assert_int_equal(copy_list(f->r, &cf, add_name, &nm), 0);
	assert_non_null(strstr(nm.s, "@Staging/O00002"));
}

static void test_verify_restore(void **state)
{
	struct home_fixture *f = *state;
	struct copy_info ci;
	char target[200], buf[64], vol[PATH_MAX];
	struct stat sb;
	int fd;

	hf_backup(f, "PAY.A", "a.dat", "the payroll master\n");
	assert_int_equal(copy_select(f->r, "PAY.A", rtime_now(), 1, &ci), 0);
	assert_int_equal(copy_verify(&ci), 0);
	snprintf(target, sizeof(target), "%s/restored", f->dir);
	assert_int_equal(copy_restore(&ci, target), 0);
	hf_read(target, buf, sizeof(buf));
	assert_string_equal(buf, "the payroll master\n");
	assert_int_equal(stat(target, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, ci.mode & 07777);

	/* One byte of the data set's chunk flipped: both refuse, and the
	 * target keeps what it had. */
	snprintf(vol, sizeof(vol), "%s", ci.volume_path);
	fd = open(vol, O_RDWR);
	assert_true(fd >= 0);
	{
		off_t at = (off_t)(ci.vol_offset + ci.ds_length / 2);
		unsigned char c;

		assert_int_equal(pread(fd, &c, 1, at), 1);
		c ^= 0xff;
		assert_int_equal(pwrite(fd, &c, 1, at), 1);
	}
	close(fd);
	assert_int_equal(copy_verify(&ci), -EIO);
	assert_non_null(strstr(ruv_lasterr(), "L00001"));
	snprintf(buf, sizeof(buf), "old\n");
	{
		FILE *fp = fopen(target, "w");

		assert_non_null(fp);
		fputs(buf, fp);
		fclose(fp);
	}
	assert_int_equal(copy_restore(&ci, target), -EIO);
	hf_read(target, buf, sizeof(buf));
	assert_string_equal(buf, "old\n");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, hf_setup, hf_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_both_ways),
		T(test_lookup),
		T(test_list_filters),
		T(test_list_stops),
		T(test_select),
		T(test_relocate),
		T(test_verify_restore),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
