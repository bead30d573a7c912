// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of volsearch.c: which volume files a walk visits (named
 * files and directories, catalogued VOLSERs, the search path, the
 * pools), that each file is scanned once however it is reached, that
 * other files are skipped, and that the callback can stop the walk.
 */
#include <errno.h>

#include "errmsg.h"
#include "home_fixture.h"
#include "volcat.h"
#include "volsearch.h"
#include "volume.h"

#define MAXSEEN 32

struct seen {
	char e[MAXSEEN][96]; /* "VOLSER/seq/kind/source", sorted after */
	char where[MAXSEEN][PATH_MAX];
	unsigned n;
	int stop; /* return this from the first call */
};

static int visit(const char *path, const struct volume_label *label,
		 const struct volume_dataset_info *di, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < MAXSEEN);
	snprintf(s->e[s->n], sizeof(s->e[0]), "%s/%u/%s/%s", label->volser,
		 di->seq, volume_kind_name(di->kind), di->source);
	snprintf(s->where[s->n], sizeof(s->where[0]), "%s", path);
	s->n++;
	return s->stop;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The visited data sets, sorted, one string. */
static void summary(struct seen *s, char *buf, size_t len)
{
	size_t at = 0;
	unsigned i;

	qsort(s->e, s->n, sizeof(s->e[0]), by_text);
	buf[0] = '\0';
	for (i = 0; i < s->n; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? " " : "",
				       s->e[i]);
}

static void run(struct home_fixture *f, char *const *from, unsigned n,
		int want_files, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(volsearch_walk(f->home, &f->cfg, from, n, visit, s),
			 want_files);
}

/* DIR/elsewhere with a copy of O00001, a text file and a hidden file. */
static void elsewhere(struct home_fixture *f, char *dir, size_t len)
{
	char cmd[600], junk[PATH_MAX];
	FILE *fp;

	snprintf(dir, len, "%s/elsewhere", f->dir);
	snprintf(cmd, sizeof(cmd),
		 "mkdir '%s' && cp '%s/pools/offsite/O00001' '%s/'", dir,
		 f->home, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(junk, sizeof(junk), "%s/notes.txt", dir);
	fp = fopen(junk, "w");
	assert_non_null(fp);
	fputs("not a volume\n", fp);
	fclose(fp);
}

static const char home_sets[] =
	"L00001/1/backup/PAY.A L00001/2/backup/PAY.B L00001/3/repository/ "
	"O00001/1/backup/PAY.A O00001/2/backup/PAY.B O00001/3/repository/";

static void backups(struct home_fixture *f)
{
	hf_backup(f, "PAY.A", "a.dat", "alpha\n");
	hf_backup(f, "PAY.B", "b.dat", "bravo\n");
	hf_repo_backup(f);
}

static void test_home(void **state)
{
	struct home_fixture *f = *state;
	struct seen s;
	char got[1024];

	run(f, NULL, 0, 0, &s); /* no volumes yet */
	assert_int_equal(s.n, 0);
	backups(f);
	run(f, NULL, 0, 2, &s);
	summary(&s, got, sizeof(got));
	assert_string_equal(got, home_sets);
}

static void test_named(void **state)
{
	struct home_fixture *f = *state;
	char dir[200], file[300], got[1024];
	char *one[1] = { dir }, *twice[2] = { dir, file };
	char *nothing[1] = { (char *)"/nonexistent/dir" };
	char *volser[1] = { (char *)"Z00009" };
	struct seen s;

	backups(f);
	elsewhere(f, dir, sizeof(dir));
	snprintf(file, sizeof(file), "%s/O00001", dir);
	run(f, one, 1, 1, &s); /* notes.txt is no candidate */
	summary(&s, got, sizeof(got));
	assert_string_equal(got, "O00001/1/backup/PAY.A O00001/2/backup/PAY.B "
				 "O00001/3/repository/");
	assert_string_equal(s.where[0], file);
	run(f, twice, 2, 1, &s); /* the same file twice: once */
	assert_int_equal(s.n, 3);
	run(f, &twice[1], 1, 1, &s);
	assert_int_equal(s.n, 3);

	memset(&s, 0, sizeof(s));
	assert_int_equal(
		volsearch_walk(f->home, &f->cfg, nothing, 1, visit, &s),
		-ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "'/nonexistent/dir': no such "
					      "volume file, directory or "
					      "catalogued VOLSER"));
	assert_int_equal(volsearch_walk(f->home, &f->cfg, volser, 1, visit, &s),
			 -ENOENT);
	assert_int_equal(s.n, 0);
}

/* A VOLSER found through the volume catalog; the catalog, the search
 * path and the pools all reaching one file scan it once. */
static void test_catalog_and_search_path(void **state)
{
	struct home_fixture *f = *state;
	char dir[200], file[300], got[1024], want[1024];
	char *dirs[1] = { dir };
	char *volser[1] = { (char *)"O00001" };
	struct seen s;

	backups(f);
	elsewhere(f, dir, sizeof(dir));
	/* The catalog takes volumes only. */
	snprintf(file, sizeof(file), "%s/notes.txt", dir);
	assert_int_equal(unlink(file), 0);
	snprintf(file, sizeof(file), "%s/O00001", dir);
	assert_int_equal(volcat_add_dirs(f->home, dirs, 1, NULL, NULL), 0);
	run(f, volser, 1, 1, &s);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.where[0], file);

	/* Catalogued copy + pools: three files (the copy is another
	 * inode); the search path naming the same directory adds none. */
	run(f, NULL, 0, 3, &s);
	assert_int_equal(s.n, 9);
	snprintf(f->cfg.volume_path, sizeof(f->cfg.volume_path), "%s", dir);
	run(f, NULL, 0, 3, &s);
	summary(&s, got, sizeof(got));
	snprintf(want, sizeof(want),
		 "%s O00001/1/backup/PAY.A O00001/2/backup/PAY.B "
		 "O00001/3/repository/",
		 home_sets);
	{
		/* Sorted, the copy's three fall in among the pool's. */
		struct seen w = { 0 };
		char *p, *save = NULL;

		for (p = strtok_r(want, " ", &save); p;
		     p = strtok_r(NULL, " ", &save))
			snprintf(w.e[w.n++], sizeof(w.e[0]), "%s", p);
		summary(&w, want, sizeof(want));
	}
	assert_string_equal(got, want);
}

/* Only the search path: a home with no catalog finds volumes there. */
static void test_search_path_only(void **state)
{
	struct home_fixture *f = *state;
	char dir[200];
	struct seen s;

	backups(f);
	elsewhere(f, dir, sizeof(dir));
	run(f, NULL, 0, 2, &s);
	snprintf(f->cfg.volume_path, sizeof(f->cfg.volume_path),
		 "/nonexistent:%s", dir);
	run(f, NULL, 0, 3, &s);
	assert_int_equal(s.n, 9);
}

static void test_callback_stops(void **state)
{
	struct home_fixture *f = *state;
	struct seen s = { .stop = -EIO };

	backups(f);
	assert_int_equal(volsearch_walk(f->home, &f->cfg, NULL, 0, visit, &s),
			 -EIO);
	assert_int_equal(s.n, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, hf_setup, hf_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_home),
		T(test_named),
		T(test_catalog_and_search_path),
		T(test_search_path_only),
		T(test_callback_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
