// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of shipment.c: the pull list, its commit (copies to
 * Offsite, volumes shipped, a shipment keeping its report, history), the
 * refusal to ship a volume twice, the listings and pages, and export
 * (verified first; a damaged shipment exports nothing).
 *
 * history_add() is wrapped (-Wl,--wrap=history_add): a commit whose
 * last history row fails ships nothing.
 */
#include <errno.h>
#include <fcntl.h>

#include "copy.h"
#include "errmsg.h"
#include "fail_history.h"
#include "history.h"
#include "home_fixture.h"
#include "pool.h"
#include "shipment.h"

static FILE *sink; /* reports nobody reads: /dev/null */

/* What fn wrote to a FILE, as a string to free(). */
struct capture {
	FILE *f;
	char *s;
	size_t len;
};

static void cap_open(struct capture *c)
{
	c->s = NULL;
	c->len = 0;
	c->f = open_memstream(&c->s, &c->len);
	assert_non_null(c->f);
}

static void cap_close(struct capture *c)
{
	assert_int_equal(fclose(c->f), 0);
}

static int count(const struct copy_info *ci, void *arg)
{
	(void)ci;
	++*(int *)arg;
	return 0;
}

static int copies_in(struct home_fixture *f, const char *location)
{
	struct copy_filter cf = { .location = location };
	int n = 0;

	assert_int_equal(copy_list(f->r, &cf, count, &n), 0);
	return n;
}

struct hrows {
	const char *action;
	int n;
};

static int hcount(const struct history_entry *e, void *arg)
{
	struct hrows *h = arg;

	h->n += !strcmp(e->action, h->action);
	return 0;
}

static int nhistory(struct home_fixture *f, const char *action)
{
	struct hrows h = { action, 0 };

	assert_int_equal(history_list(f->r, 0, 0, hcount, &h), 0);
	return h.n;
}

static void two_backups(struct home_fixture *f)
{
	hf_backup(f, "PAY.A", "a.dat", "alpha\n");
	hf_backup(f, "PAY.B", "b.dat", "bravo\n");
}

static void test_empty_pull_list(void **state)
{
	struct home_fixture *f = *state;
	struct capture c;
	uint64_t n = 99;
	int64_t id = 99;

	cap_open(&c);
	assert_int_equal(pull_list_report(f->r, 0, c.f, &n), 0);
	cap_close(&c);
	assert_int_equal(n, 0);
	assert_non_null(strstr(c.s, "0 copies, 0 bytes, on 0 volumes"));
	free(c.s);
	cap_open(&c);
	assert_int_equal(pull_list_commit(f->r, 0, c.f, &id), 0);
	cap_close(&c);
	assert_int_equal(id, 0);
	assert_string_equal(c.s, "");
	free(c.s);
	assert_int_equal(shipment_show(f->r, 1, 0, sink), -ENOENT);
	assert_int_equal(nhistory(f, "pull-list commit"), 0);
}

static void test_commit(void **state)
{
	struct home_fixture *f = *state;
	struct capture list, commit, show;
	struct pool_volume_info v;
	uint64_t n = 0;
	int64_t id = 0, t = 0;

	two_backups(f);
	hf_repo_backup(f);
	cap_open(&list);
	assert_int_equal(pull_list_report(f->r, 0, list.f, &n), 0);
	cap_close(&list);
	assert_int_equal(n, 3);
	assert_non_null(
		strstr(list.s, "\nVOLSER O00001  pool offsite  open  "));
	assert_non_null(strstr(list.s, "  PAY.A.D"));
	assert_non_null(strstr(list.s, "  PAY.B.D"));
	assert_non_null(strstr(list.s, "  RUV.REPOSITORY.D"));
	assert_non_null(strstr(list.s, "\n3 copies, "));

	cap_open(&commit);
	assert_int_equal(pull_list_commit(f->r, 0, commit.f, &id), 0);
	cap_close(&commit);
	assert_int_equal(id, 1);
	assert_int_equal(copies_in(f, "Staging"), 0);
	assert_int_equal(copies_in(f, "Offsite"), 3); /* of every kind */
	assert_int_equal(pool_volume_find(f->r, "O00001", &v), 0);
	assert_string_equal(v.state, "shipped");
	assert_int_equal(v.shipment_id, 1);
	assert_true(v.sealed_us > 0);
	/* A row per moved copy, repository backup included, and one for the
	 * shipment. */
	assert_int_equal(nhistory(f, "pull-list commit"), 4);
	/* The shipment keeps the report the commit wrote. */
	cap_open(&show);
	assert_int_equal(shipment_show(f->r, 1, 0, show.f), 0);
	cap_close(&show);
	assert_non_null(strstr(show.s, commit.s));
	assert_true(strncmp(show.s, "1 ", 2) == 0);
	assert_non_null(strstr(show.s, " O00001\n"));
	assert_int_equal(shipment_time(f->r, 1, &t), 0);
	assert_true(t > 0);
	assert_int_equal(shipment_time(f->r, 2, &t), -ENOENT);
	assert_int_equal(shipment_show(f->r, 2, 0, sink), -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "no shipment 2"));
	assert_int_equal(shipment_show(f->r, 0, 0, sink), -ENOENT);

	/* Nothing left in Staging: no second shipment. */
	assert_int_equal(pull_list_commit(f->r, 0, sink, &id), 0);
	assert_int_equal(id, 0);
	free(list.s);
	free(commit.s);
	free(show.s);
}

/* A copy relocated back to Staging on a volume that left: refused. */
static void test_volume_ships_once(void **state)
{
	struct home_fixture *f = *state;
	struct copy_info ci;
	struct capture c;
	char name[COPY_NAME_MAX];
	const char *names[] = { name };
	int64_t id = 0;

	two_backups(f);
	assert_int_equal(pull_list_commit(f->r, 0, sink, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(copy_select(f->r, "PAY.A", INT64_MAX, 1, &ci), 0);
	ci.copy_no = 2;
	assert_int_equal(copy_name(&ci, name, sizeof(name)), 0);
	assert_int_equal(copy_relocate(f->r, names, 1, "Staging"), 0);
	cap_open(&c);
	assert_int_equal(pull_list_commit(f->r, 0, c.f, &id), -EEXIST);
	cap_close(&c);
	assert_int_equal(id, 0);
	assert_non_null(strstr(ruv_lasterr(), "volume O00001 left in "
					      "shipment 1"));
	assert_int_equal(copies_in(f, "Staging"), 1);
	assert_int_equal(shipment_time(f->r, 2, &(int64_t){ 0 }), -ENOENT);
	free(c.s);
}

static void test_commit_failure_ships_nothing(void **state)
{
	struct home_fixture *f = *state;
	struct pool_volume_info v;
	int64_t id = 5;

	two_backups(f);
	/* The seal of O00001 writes the first row, outside the
	 * transaction; the shipment's own row is the second. */
	fail_history_in = 2;
	assert_int_equal(pull_list_commit(f->r, 0, sink, &id), -EIO);
	assert_int_equal(fail_history_in, 0);
	assert_int_equal(id, 0);
	assert_int_equal(copies_in(f, "Staging"), 2);
	assert_int_equal(copies_in(f, "Offsite"), 0);
	assert_int_equal(pool_volume_find(f->r, "O00001", &v), 0);
	assert_int_equal(v.shipment_id, 0);
	assert_string_equal(v.state, "sealed"); /* sealed first, kept */
	assert_int_equal(shipment_time(f->r, 1, &(int64_t){ 0 }), -ENOENT);
	assert_int_equal(nhistory(f, "pull-list commit"), 0);
	assert_int_equal(nhistory(f, "volume seal"), 1);
	/* And it runs again. */
	assert_int_equal(pull_list_commit(f->r, 0, sink, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(copies_in(f, "Offsite"), 2);
}

struct ids {
	int64_t v[8];
	int n;
};

static int add_volume_id(int64_t volume_id, void *arg)
{
	struct ids *s = arg;

	s->v[s->n++] = volume_id;
	return 0;
}

static int add_shipment(int64_t id, int64_t time_us, void *arg)
{
	struct ids *s = arg;

	assert_true(time_us > 0);
	s->v[s->n++] = id;
	return 0;
}

static void test_pages(void **state)
{
	struct home_fixture *f = *state;
	struct pool_volume_info o1, o2, l1;
	struct ids s = { { 0 }, 0 };
	int64_t id = 0;

	two_backups(f);
	assert_int_equal(pool_volume_find(f->r, "O00001", &o1), 0);
	assert_int_equal(pool_volume_find(f->r, "L00001", &l1), 0);
	/* Pending: the volumes holding Staging copies. */
	assert_int_equal(shipment_volume_page(f->r, 0, 0, 0, add_volume_id, &s),
			 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0], o1.id);
	assert_int_equal(shipment_has_volume(f->r, 0, o1.id), 1);
	assert_int_equal(shipment_has_volume(f->r, 0, l1.id), 0);
	assert_int_equal(shipment_has_volume(f->r, 1, o1.id), 0);
	assert_int_equal(pull_list_commit(f->r, 0, sink, &id), 0);
	hf_backup(f, "PAY.C", "c.dat", "charlie\n");
	assert_int_equal(pull_list_commit(f->r, 0, sink, &id), 0);
	assert_int_equal(id, 2);
	assert_int_equal(pool_volume_find(f->r, "O00002", &o2), 0);
	assert_int_equal(shipment_has_volume(f->r, 1, o1.id), 1);
	assert_int_equal(shipment_has_volume(f->r, 2, o1.id), 0);
	assert_int_equal(shipment_has_volume(f->r, 2, o2.id), 1);
	assert_int_equal(shipment_has_volume(f->r, 0, o1.id), 0);
	s.n = 0;
	assert_int_equal(shipment_volume_page(f->r, 2, 0, 0, add_volume_id, &s),
			 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0], o2.id);
	s.n = 0;
	assert_int_equal(
		shipment_volume_page(f->r, 2, o2.id, 0, add_volume_id, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(shipment_volume_page(f->r, 0, 0, 0, add_volume_id, &s),
			 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(shipment_ids(f->r, 0, add_shipment, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0], 1);
	assert_int_equal(s.v[1], 2);
	s.n = 0;
	assert_int_equal(shipment_ids(f->r, 1, add_shipment, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0], 2);
}

static int same_file(const char *a, const char *b)
{
	char cmd[2 * PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", a, b);
	return system(cmd) == 0;
}

static void test_export(void **state)
{
	struct home_fixture *f = *state;
	char dir[200], out[300], vol[PATH_MAX], nodir[200];
	int64_t id = 0;
	int fd;

	two_backups(f);
	assert_int_equal(pull_list_commit(f->r, 0, sink, &id), 0);
	snprintf(dir, sizeof(dir), "%s/vault", f->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(nodir, sizeof(nodir), "%s/nope", f->dir);
	assert_int_equal(shipment_export(f->r, 1, nodir, NULL, NULL), -ENOENT);
	assert_int_equal(shipment_export(f->r, 7, dir, NULL, NULL), -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "no shipment 7"));
	assert_int_equal(shipment_export(f->r, 1, dir, NULL, NULL), 0);
	snprintf(out, sizeof(out), "%s/O00001", dir);
	assert_int_equal(pool_volume_path(f->r, "O00001", vol, sizeof(vol)), 0);
	assert_true(same_file(vol, out));
	assert_int_equal(unlink(out), 0);

	/* A flipped byte in the second data set: nothing exported. */
	fd = open(vol, O_RDWR);
	assert_true(fd >= 0);
	{
		struct stat sb;
		unsigned char c;
		off_t at;

		assert_int_equal(fstat(fd, &sb), 0);
		at = sb.st_size - 200;
		assert_int_equal(pread(fd, &c, 1, at), 1);
		c ^= 0x55;
		assert_int_equal(pwrite(fd, &c, 1, at), 1);
	}
	close(fd);
	assert_int_equal(shipment_export(f->r, 1, dir, NULL, NULL), -EIO);
	assert_non_null(strstr(ruv_lasterr(), "O00001"));
	assert_non_null(strstr(ruv_lasterr(), "nothing exported"));
	assert_int_equal(access(out, F_OK), -1);
	assert_int_equal(rmdir(dir), 0); /* empty: no partial file either */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, hf_setup, hf_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty_pull_list),
		T(test_commit),
		T(test_volume_ships_once),
		T(test_commit_failure_ships_nothing),
		T(test_pages),
		T(test_export),
	};

	int rc;

	sink = fopen("/dev/null", "w");
	if (!sink)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	fclose(sink);
	return rc;
}
