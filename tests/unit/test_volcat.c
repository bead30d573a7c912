// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of volcat.c, the volume catalog: catalogue, list and find
 * (through the catalogue and the search path), all-or-nothing refusals,
 * the callback heard only after the save, an empty catalogue, and a home
 * made when missing but never its parents.
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
#include "volcat.h"
#include "volume.h"

struct env {
	char dir[64];	/* the temporary directory */
	char home[128]; /* dir/home, not created */
	char ship[128]; /* dir/ship with volumes V00001, V00002 */
};

static void make_volume(const char *dir, const char *name, const char *volser)
{
	char path[256];
	struct volume *v;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(volume_create(path, volser, "test", 1 << 20, &v), 0);
	volume_close(v);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	snprintf(e->dir, sizeof(e->dir), "%s", "/tmp/ruvunit.XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->home, sizeof(e->home), "%s/home", e->dir);
	snprintf(e->ship, sizeof(e->ship), "%s/ship", e->dir);
	assert_int_equal(mkdir(e->ship, 0700), 0);
	make_volume(e->ship, "V00001", "V00001");
	make_volume(e->ship, "V00002", "V00002");
	volcat_set_search(NULL);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	assert_int_equal(system(cmd), 0);
	volcat_set_search(NULL);
	free(e);
	return 0;
}

struct heard {
	char text[1024];
	const char *catfile; /* must exist when the callback runs */
};

static void hear(const char *volser, const char *path, void *arg)
{
	struct heard *h = arg;
	size_t n = strlen(h->text);

	if (h->catfile)
		assert_int_equal(access(h->catfile, F_OK), 0);
	snprintf(h->text + n, sizeof(h->text) - n, "%s%s=%s", n ? " " : "",
		 volser, strrchr(path, '/') + 1);
}

static int list_one(const char *volser, const char *path, void *arg)
{
	hear(volser, path, arg);
	return 0;
}

static void catalogue_list_find(void **state)
{
	struct env *e = *state;
	char *dirs[] = { e->ship };
	char cat[160], path[256], real[200], want[256];
	struct heard h = { "", cat };

	snprintf(cat, sizeof(cat), "%s/volumes.cat", e->home);
	/* The home does not exist yet: it is made, and the catalogue
	 * saved before anything is heard. */
	assert_int_equal(volcat_add_dirs(e->home, dirs, 1, hear, &h), 0);
	assert_string_equal(h.text, "V00001=V00001 V00002=V00002");
	h.text[0] = '\0';
	h.catfile = NULL;
	assert_int_equal(volcat_list(e->home, list_one, &h), 0);
	assert_string_equal(h.text, "V00001=V00001 V00002=V00002");
	assert_int_equal(volcat_find(e->home, "V00002", path, sizeof(path)), 0);
	assert_non_null(realpath(e->ship, real));
	snprintf(want, sizeof(want), "%s/V00002", real);
	assert_string_equal(path, want);
	assert_int_equal(volcat_find(e->home, "V00003", path, sizeof(path)),
			 -ENOENT);
	/* Again: nothing new, nothing heard, same catalogue. */
	h.text[0] = '\0';
	assert_int_equal(volcat_add_dirs(e->home, dirs, 1, hear, &h), 0);
	assert_string_equal(h.text, "");
}

static void search_path(void **state)
{
	struct env *e = *state;
	char paths[300], path[256];

	snprintf(paths, sizeof(paths), "%s/none:%s", e->dir, e->ship);
	assert_int_equal(volcat_find(e->home, "V00001", path, sizeof(path)),
			 -ENOENT);
	volcat_set_search(paths);
	assert_int_equal(volcat_find(e->home, "V00001", path, sizeof(path)), 0);
	assert_string_equal(strrchr(path, '/') + 1, "V00001");
	assert_int_equal(volcat_find(e->home, "V00009", path, sizeof(path)),
			 -ENOENT);
	/* The search path is not the catalogue: the home is not made. */
	assert_int_equal(access(e->home, F_OK), -1);
}

static void empty(void **state)
{
	struct env *e = *state;
	char empty_dir[160];
	char *dirs[] = { empty_dir };
	struct heard h = { "", NULL };

	/* No catalogue at all lists nothing. */
	assert_int_equal(volcat_list(e->home, list_one, &h), 0);
	assert_string_equal(h.text, "");
	snprintf(empty_dir, sizeof(empty_dir), "%s/empty", e->dir);
	assert_int_equal(mkdir(empty_dir, 0700), 0);
	assert_int_equal(volcat_add_dirs(e->home, dirs, 1, hear, &h), 0);
	assert_int_equal(volcat_list(e->home, list_one, &h), 0);
	assert_string_equal(h.text, "");
}

static void refusals_change_nothing(void **state)
{
	struct env *e = *state;
	char bad[160], path[256], deep[200];
	char *dirs[] = { e->ship, bad };
	char *deep_dirs[] = { e->ship };
	struct heard h = { "", NULL };
	FILE *f;

	/* A directory with a file that is not a volume: all refused. */
	snprintf(bad, sizeof(bad), "%s/bad", e->dir);
	assert_int_equal(mkdir(bad, 0700), 0);
	snprintf(path, sizeof(path), "%s/README", bad);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not a volume\n", f);
	fclose(f);
	assert_true(volcat_add_dirs(e->home, dirs, 2, hear, &h) < 0);
	assert_string_equal(h.text, "");
	assert_int_equal(access(e->home, F_OK), -1);
	unlink(path);

	/* Two files claiming one VOLSER: refused, both named. */
	make_volume(bad, "COPY", "V00001");
	ruv_clearerr();
	assert_int_equal(volcat_add_dirs(e->home, dirs, 2, hear, &h), -EEXIST);
	assert_non_null(strstr(ruv_lasterr(), "V00001"));
	assert_non_null(strstr(ruv_lasterr(), "COPY"));
	assert_string_equal(h.text, "");
	assert_int_equal(access(e->home, F_OK), -1);

	/* A home whose parent is missing: a clear error, nothing made. */
	snprintf(deep, sizeof(deep), "%s/no/such", e->dir);
	ruv_clearerr();
	assert_int_equal(volcat_add_dirs(deep, deep_dirs, 1, hear, &h),
			 -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "cannot create home"));
	assert_string_equal(h.text, "");
	snprintf(deep, sizeof(deep), "%s/no", e->dir);
	assert_int_equal(access(deep, F_OK), -1);
}

static void save_fails_hears_nothing(void **state)
{
	struct env *e = *state;
	char tmp[200];
	char *dirs[] = { e->ship };
	struct heard h = { "", NULL };

	/* The temporary catalogue cannot be written: nothing heard, no
	 * catalogue. */
	assert_int_equal(mkdir(e->home, 0700), 0);
	snprintf(tmp, sizeof(tmp), "%s/volumes.cat.tmp", e->home);
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_true(volcat_add_dirs(e->home, dirs, 1, hear, &h) < 0);
	assert_string_equal(h.text, "");
	snprintf(tmp, sizeof(tmp), "%s/volumes.cat", e->home);
	assert_int_equal(access(tmp, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(catalogue_list_find, setup,
						teardown),
		cmocka_unit_test_setup_teardown(search_path, setup, teardown),
		cmocka_unit_test_setup_teardown(empty, setup, teardown),
		cmocka_unit_test_setup_teardown(refusals_change_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(save_fails_hears_nothing, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
