// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of location.c: the seeded locations, define, case-blind
 * lookup, the listing with its copy counts, and the toggle (all or
 * nothing, idempotent, dry run).
 *
 * history_add() is wrapped (-Wl,--wrap=history_add): a toggle whose
 * second change cannot write its history row changes nothing.
 */
#include <errno.h>

#include "errmsg.h"
#include "fail_history.h"
#include "history.h"
#include "home_fixture.h"
#include "location.h"

struct text {
	char s[256];
};

static int add_location(const struct location_info *li, void *arg)
{
	struct text *t = arg;
	size_t len = strlen(t->s);

	snprintf(t->s + len, sizeof(t->s) - len, "%s%s:%d:%lld", len ? " " : "",
		 li->name, li->active, (long long)li->copies);
	return 0;
}

static void listing(struct home_fixture *f, char *buf, size_t len)
{
	struct text t = { "" };

	assert_int_equal(location_list(f->r, add_location, &t), 0);
	snprintf(buf, len, "%s", t.s);
}

static void heard(const struct location_info *li, int active, void *arg)
{
	struct text *t = arg;
	size_t len = strlen(t->s);

	snprintf(t->s + len, sizeof(t->s) - len, "%s%c%s", len ? " " : "",
		 active ? '+' : '-', li->name);
}

static int add_history(const struct history_entry *e, void *arg)
{
	struct text *t = arg;
	size_t len = strlen(t->s);

	if (strcmp(e->action, "toggle"))
		return 0;
	snprintf(t->s + len, sizeof(t->s) - len, "%s%s=%s", len ? " " : "",
		 e->subject, e->message);
	return 0;
}

static void test_seeded_and_define(void **state)
{
	struct home_fixture *f = *state;
	struct location_info li, by_id;
	char s[256];

	listing(f, s, sizeof(s));
	assert_string_equal(s, "Local:1:0 Offsite:0:0 Staging:0:0");
	hf_backup(f, "PAY.A", "a.dat", "alpha\n");
	listing(f, s, sizeof(s));
	assert_string_equal(s, "Local:1:1 Offsite:0:0 Staging:0:1");

	assert_int_equal(location_define(f->r, "Vault-2", 1), 0);
	assert_int_equal(location_define(f->r, "vault-2", 0), -EEXIST);
	assert_non_null(strstr(ruv_lasterr(), "location 'vault-2' already "
					      "exists"));
	assert_int_equal(location_define(f->r, "", 1), -EINVAL);
	assert_int_equal(location_define(f->r, "2nd", 1), -EINVAL);
	assert_int_equal(location_define(f->r, "a b", 1), -EINVAL);
	assert_int_equal(location_define(f->r, "ABCDEFGHIJKLMNOPQ", 1),
			 -EINVAL);
	assert_int_equal(location_define(f->r, "ABCDEFGHIJKLMNOP", 0), 0);
	listing(f, s, sizeof(s));
	assert_string_equal(s, "ABCDEFGHIJKLMNOP:0:0 Local:1:1 Offsite:0:0 "
			       "Staging:0:1 Vault-2:1:0");

	assert_int_equal(location_lookup(f->r, "VAULT-2", &li), 0);
	assert_string_equal(li.name, "Vault-2");
	assert_int_equal(li.active, 1);
	assert_true(li.created_us > 0);
	assert_int_equal(location_get(f->r, li.id, &by_id), 0);
	assert_string_equal(by_id.name, "Vault-2");
	assert_int_equal(location_get(f->r, li.id + 100, &by_id), -ENOENT);
	assert_int_equal(location_lookup(f->r, "Moon", &li), -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "location 'Moon' does not "
					      "exist"));
	assert_int_equal(location_lookup(f->r, "bad name", &li), -EINVAL);
}

static int add_id(const struct location_info *li, void *arg)
{
	struct text *t = arg;
	size_t len = strlen(t->s);

	snprintf(t->s + len, sizeof(t->s) - len, "%s%s", len ? " " : "",
		 li->name);
	return strcmp(li->name, "Offsite") ? 0 : 5;
}

static void test_list_by_id(void **state)
{
	struct home_fixture *f = *state;
	struct location_info li;
	struct text t = { "" };

	assert_int_equal(location_lookup(f->r, "Local", &li), 0);
	assert_int_equal(location_list_by_id(f->r, 0, add_id, &t), 5);
	assert_string_equal(t.s, "Local Staging Offsite");
	t.s[0] = '\0';
	assert_int_equal(location_list_by_id(f->r, li.id, add_id, &t), 5);
	assert_string_equal(t.s, "Staging Offsite");
}

static void test_toggle(void **state)
{
	struct home_fixture *f = *state;
	const char *off[] = { "local" }, *on[] = { "OFFSITE", "Staging" };
	const char *unknown[] = { "Offsite", "Moon" };
	struct text t = { "" }, h = { "" };
	char s[256];

	/* Dry run: told, nothing changed. */
	assert_int_equal(location_toggle(f->r, off, 1, on, 1, 1, heard, &t), 0);
	assert_string_equal(t.s, "-Local +Offsite");
	listing(f, s, sizeof(s));
	assert_string_equal(s, "Local:1:0 Offsite:0:0 Staging:0:0");

	/* Refusals change nothing. */
	assert_int_equal(location_toggle(f->r, off, 1, off, 1, 0, NULL, NULL),
			 -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "both inactivated and "
					      "activated"));
	assert_int_equal(
		location_toggle(f->r, off, 1, unknown, 2, 0, NULL, NULL),
		-ENOENT);
	fail_history_in = 2; /* the second change's row */
	assert_int_equal(location_toggle(f->r, off, 1, on, 1, 0, NULL, NULL),
			 -EIO);
	assert_int_equal(fail_history_in, 0);
	listing(f, s, sizeof(s));
	assert_string_equal(s, "Local:1:0 Offsite:0:0 Staging:0:0");

	t.s[0] = '\0';
	assert_int_equal(location_toggle(f->r, off, 1, on, 2, 0, heard, &t), 0);
	assert_string_equal(t.s, "-Local +Offsite +Staging");
	listing(f, s, sizeof(s));
	assert_string_equal(s, "Local:0:0 Offsite:1:0 Staging:1:0");
	assert_int_equal(history_list(f->r, 0, 0, add_history, &h), 0);
	assert_string_equal(h.s, "Local=inactivated Offsite=activated "
				 "Staging=activated");
	/* Again: already so, nothing heard, nothing written. */
	t.s[0] = '\0';
	assert_int_equal(location_toggle(f->r, off, 1, on, 2, 0, heard, &t), 0);
	assert_string_equal(t.s, "");
	h.s[0] = '\0';
	assert_int_equal(history_list(f->r, 0, 0, add_history, &h), 0);
	assert_string_equal(h.s, "Local=inactivated Offsite=activated "
				 "Staging=activated");

	assert_int_equal(location_set_active(f->r, "Offsite", 1), -EEXIST);
	assert_non_null(strstr(ruv_lasterr(), "'Offsite' is already active"));
	assert_int_equal(location_set_active(f->r, "Local", 1), 0);
	assert_int_equal(location_set_active(f->r, "Moon", 1), -ENOENT);
	listing(f, s, sizeof(s));
	assert_string_equal(s, "Local:1:0 Offsite:1:0 Staging:1:0");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, hf_setup, hf_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_seeded_and_define),
		T(test_list_by_id),
		T(test_toggle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
