// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of reprs.c, the repository restore of the remote site:
 * a home rebuilt from shipped volumes alone (its Staging copies arrive
 * in Offsite, the volumes here or missing said so), the refusal to
 * replace a repository without force and what force keeps aside, the
 * choice by time, and a damaged newest backup: refused with the --time
 * hint, or taken from its other copy.  Every refusal leaves no home.
 *
 * rtime_now() is wrapped (-Wl,--wrap=rtime_now) to move the clock on:
 * a data set's name has whole seconds, and two repository backups
 * written within one second share it (see test_damaged_newest).
 */
#include <errno.h>
#include <fcntl.h>

#include "copy.h"
#include "errmsg.h"
#include "history.h"
#include "home_fixture.h"
#include "pool.h"
#include "reprs.h"
#include "rtime.h"
#include "volcat.h"
#include "volume.h"

int64_t __real_rtime_now(void);
int64_t __wrap_rtime_now(void);

static int64_t skew_us; /* added to the clock; only grows */

int64_t __wrap_rtime_now(void)
{
	return __real_rtime_now() + skew_us;
}

/* Move the clock on by whole seconds. */
static void later(int seconds)
{
	skew_us += (int64_t)seconds * 1000000;
}

struct site {
	struct home_fixture *f;
	char vault[128];  /* the shipped volumes, as they arrived */
	char remote[128]; /* the remote home, not made yet */
};

static int setup(void **state)
{
	struct site *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	assert_int_equal(hf_setup((void **)&s->f), 0);
	snprintf(s->vault, sizeof(s->vault), "%s/vault", s->f->dir);
	snprintf(s->remote, sizeof(s->remote), "%s/remote", s->f->dir);
	assert_int_equal(mkdir(s->vault, 0700), 0);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct site *s = *state;
	void *f = s->f;
	int rc = hf_teardown(&f);

	free(s);
	return rc;
}

/* Ship: copy the offsite pool's volume files into the vault. */
static void ship(struct site *s)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "cp '%s/pools/offsite/'O* '%s/'", s->f->home,
		 s->vault);
	assert_int_equal(system(cmd), 0);
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int count(const struct copy_info *ci, void *arg)
{
	(void)ci;
	++*(int *)arg;
	return 0;
}

static int last_entry(const struct history_entry *e, void *arg)
{
	*(struct history_entry *)arg = *e;
	return 0;
}

static void test_fresh_home(void **state)
{
	struct site *s = *state;
	char *from[] = { s->vault };
	struct reprs_result res;
	struct copy_filter cf = { .location = "Offsite" };
	struct pool_volume_info v;
	struct history_entry h;
	struct file_info fi;
	struct repo *r = NULL;
	int n = 0;

	hf_backup(s->f, "PAY.A", "a.dat", "alpha\n");
	hf_backup(s->f, "PAY.B", "b.dat", "bravo\n");
	hf_repo_backup(s->f);
	ship(s);
	/* The remote site catalogs what arrived, then restores. */
	assert_int_equal(volcat_add_dirs(s->remote, from, 1, NULL, NULL), 0);
	assert_int_equal(reprs_restore(s->remote, &s->f->cfg, from, 1,
				       INT64_MAX, 0, &res),
			 0);
	assert_string_equal(res.volser, "O00001");
	assert_int_equal(res.seq, 3);
	assert_true(strstr(res.volume, s->vault) == res.volume);
	assert_string_equal(res.replaced, "");
	assert_int_equal(res.arrived, 2);
	assert_int_equal(res.volumes, 1);
	assert_int_equal(res.here, 1);
	assert_string_equal(res.missing ? res.missing : "", "");
	free(res.missing);

	assert_int_equal(home_open(s->remote, &r), 0);
	assert_int_equal(file_lookup(r, "PAY.B", &fi), 0);
	assert_int_equal(copy_list(r, &cf, count, &n), 0);
	assert_int_equal(n, 2);
	cf.location = "Staging";
	n = 0;
	assert_int_equal(copy_list(r, &cf, count, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(pool_volume_find(r, "O00001", &v), 0);
	assert_string_equal(v.state, "shipped");
	assert_int_equal(history_list(r, 0, 0, last_entry, &h), 0);
	assert_string_equal(h.action, "ruvreprs");
	assert_string_equal(h.message, "2 Staging copies -> Offsite (shipped "
				       "after the repository backup); 1 of "
				       "their 1 volumes here");
	repo_close(r);
}

/*
 * Not catalogued at the remote site, but the volume the repository was
 * restored from (--from): it is here, and catalogued so that the restores
 * that follow find it.  (A volume neither catalogued nor read is named
 * missing: t0015.)
 */
static void test_volume_not_here(void **state)
{
	struct site *s = *state;
	char *from[] = { s->vault };
	char path[300];
	struct reprs_result res;

	hf_backup(s->f, "PAY.A", "a.dat", "alpha\n");
	hf_repo_backup(s->f);
	ship(s);
	assert_int_equal(volcat_find(s->remote, "O00001", path, sizeof(path)),
			 -ENOENT);
	assert_int_equal(reprs_restore(s->remote, &s->f->cfg, from, 1,
				       INT64_MAX, 0, &res),
			 0);
	assert_int_equal(res.arrived, 1);
	assert_int_equal(res.volumes, 1);
	assert_int_equal(res.here, 1);
	assert_string_equal(res.missing ? res.missing : "", "");
	free(res.missing);
	assert_int_equal(volcat_find(s->remote, "O00001", path, sizeof(path)),
			 0);
	assert_non_null(strstr(path, "/vault/O00001"));
}

static void test_force(void **state)
{
	struct site *s = *state;
	char *from[] = { s->vault };
	struct reprs_result res;
	char db[200], before[64], after[64];
	struct stat sb;
	struct repo *r = NULL;
	struct file_info fi;

	hf_backup(s->f, "PAY.A", "a.dat", "alpha\n");
	hf_repo_backup(s->f);
	ship(s);
	assert_int_equal(reprs_restore(s->remote, &s->f->cfg, from, 1,
				       INT64_MAX, 0, &res),
			 0);
	free(res.missing);
	snprintf(db, sizeof(db), "%s/repository.db", s->remote);
	assert_int_equal(stat(db, &sb), 0);
	snprintf(before, sizeof(before), "%llu/%lld",
		 (unsigned long long)sb.st_ino, (long long)sb.st_size);

	assert_int_equal(reprs_restore(s->remote, &s->f->cfg, from, 1,
				       INT64_MAX, 0, &res),
			 -EEXIST);
	assert_non_null(strstr(ruv_lasterr(), "already has a repository; "
					      "--force replaces it"));
	assert_int_equal(stat(db, &sb), 0);
	snprintf(after, sizeof(after), "%llu/%lld",
		 (unsigned long long)sb.st_ino, (long long)sb.st_size);
	assert_string_equal(before, after);

	assert_int_equal(reprs_restore(s->remote, &s->f->cfg, from, 1,
				       INT64_MAX, 1, &res),
			 0);
	free(res.missing);
	assert_true(strncmp(res.replaced, db, strlen(db)) == 0);
	assert_true(exists(res.replaced));
	assert_int_equal(stat(res.replaced, &sb), 0);
	snprintf(after, sizeof(after), "%llu/%lld",
		 (unsigned long long)sb.st_ino, (long long)sb.st_size);
	assert_string_equal(before, after); /* the old file, kept aside */
	assert_int_equal(home_open(s->remote, &r), 0);
	assert_int_equal(file_lookup(r, "PAY.A", &fi), 0);
	repo_close(r);
}

static void test_by_time(void **state)
{
	struct site *s = *state;
	char *from[] = { s->vault };
	struct reprs_result first, second, res;
	struct repo *r = NULL;
	struct file_info fi;

	hf_backup(s->f, "PAY.A", "a.dat", "alpha\n");
	hf_repo_backup(s->f);
	hf_backup(s->f, "PAY.C", "c.dat", "charlie\n");
	hf_repo_backup(s->f);
	ship(s);
	assert_int_equal(reprs_restore(s->remote, &s->f->cfg, from, 1,
				       INT64_MAX, 0, &second),
			 0);
	free(second.missing);
	assert_int_equal(home_open(s->remote, &r), 0);
	assert_int_equal(file_lookup(r, "PAY.C", &fi), 0);
	repo_close(r);
	assert_int_equal(reprs_restore(s->remote, &s->f->cfg, from, 1,
				       second.created_us - 1, 1, &first),
			 0);
	free(first.missing);
	assert_true(first.created_us < second.created_us);
	assert_true(first.seq < second.seq);
	assert_int_equal(home_open(s->remote, &r), 0);
	assert_int_equal(file_lookup(r, "PAY.C", &fi), -ENOENT);
	assert_int_equal(file_lookup(r, "PAY.A", &fi), 0);
	repo_close(r);

	/* Before any: nothing, and no home made. */
	snprintf(s->remote + strlen(s->remote),
		 sizeof(s->remote) - strlen(s->remote), "2");
	assert_int_equal(reprs_restore(s->remote, &s->f->cfg, from, 1,
				       first.created_us - 1, 0, &res),
			 -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "no repository backup at or "
					      "before the time on the 1 "
					      "volume(s) searched"));
	assert_false(exists(s->remote));
}

struct last_repo {
	uint64_t offset, length;
};

static int find_last_repo(const struct volume_dataset_info *di, void *arg)
{
	struct last_repo *l = arg;

	if (di->kind == VOLUME_KIND_REPOSITORY) {
		l->offset = di->offset;
		l->length = di->length;
	}
	return 0;
}

/* Flip a byte in the middle of the volume's last repository backup. */
static void damage_last_repo(const char *vol)
{
	struct last_repo l = { 0, 0 };
	unsigned char c;
	off_t at;
	int fd;

	assert_true(volume_scan(vol, find_last_repo, &l, NULL) > 0);
	assert_true(l.length > 0);
	at = (off_t)(l.offset + l.length / 2);
	fd = open(vol, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0xff;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

/*
 * The newest repository backup damaged on the only volume given: refused,
 * naming it and the --time that takes the older one; its sound copy on
 * another volume is taken when that volume is given too.  The two
 * backups are two seconds apart: within one second they would share a
 * data set name, and the restore takes data sets of the newest one's
 * name as its copies.
 */
static void test_damaged_newest(void **state)
{
	struct site *s = *state;
	char vol[200], local[200];
	char *from[] = { s->vault }, *both[] = { s->vault, local };
	struct reprs_result res;

	hf_backup(s->f, "PAY.A", "a.dat", "alpha\n");
	hf_repo_backup(s->f);
	later(2);
	hf_repo_backup(s->f);
	ship(s);
	snprintf(vol, sizeof(vol), "%s/O00001", s->vault);
	damage_last_repo(vol);
	assert_int_equal(reprs_restore(s->remote, &s->f->cfg, from, 1,
				       INT64_MAX, 0, &res),
			 -EIO);
	assert_non_null(strstr(ruv_lasterr(), "(data set 3 on volume "
					      "'O00001', "));
	assert_non_null(strstr(ruv_lasterr(), "is damaged; nothing "
					      "installed; --time "));
	assert_non_null(strstr(ruv_lasterr(), "takes the older one"));
	assert_false(exists(s->remote));

	/* Its other copy, on the local volume, is sound: taken. */
	snprintf(local, sizeof(local), "%s/pools/local", s->f->home);
	assert_int_equal(reprs_restore(s->remote, &s->f->cfg, both, 2,
				       INT64_MAX, 0, &res),
			 0);
	assert_string_equal(res.volser, "L00001");
	assert_int_equal(res.seq, 3);
	free(res.missing);
}

/*
 * Two repository backups within one second share a data set name; the
 * newest damaged on the only volume given is refused, never replaced by
 * the older one of the same name, and the --time offered takes the older.
 */
static void test_damaged_newest_same_second(void **state)
{
	struct site *s = *state;
	char vol[200], when[RTIME_ISO_MAX];
	char *from[] = { s->vault };
	struct reprs_result res;
	int64_t start_us, older_us;

	hf_backup(s->f, "PAY.A", "a.dat", "alpha\n");
	/* Start just past a whole second, so both land within it. */
	skew_us += 1000000 - (__real_rtime_now() + skew_us) % 1000000 + 1000;
	start_us = __real_rtime_now() + skew_us;
	hf_repo_backup(s->f);
	hf_repo_backup(s->f);
	assert_int_equal(start_us / 1000000,
			 (__real_rtime_now() + skew_us) / 1000000);
	ship(s);
	snprintf(vol, sizeof(vol), "%s/O00001", s->vault);
	damage_last_repo(vol);
	assert_int_equal(reprs_restore(s->remote, &s->f->cfg, from, 1,
				       INT64_MAX, 0, &res),
			 -EIO);
	assert_non_null(strstr(ruv_lasterr(), "is damaged; nothing "
					      "installed; --time "));
	assert_false(exists(s->remote));

	/* The --time offered takes the older backup, data set 2. */
	assert_non_null(strstr(ruv_lasterr(), "--time "));
	snprintf(when, sizeof(when), "%s",
		 strstr(ruv_lasterr(), "--time ") + strlen("--time "));
	*strchr(when, ' ') = '\0';
	assert_int_equal(rtime_parse(when, &older_us), 0);
	assert_int_equal(reprs_restore(s->remote, &s->f->cfg, from, 1, older_us,
				       0, &res),
			 0);
	assert_int_equal(res.seq, 2);
	free(res.missing);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fresh_home),	T(test_volume_not_here),
		T(test_force),		T(test_by_time),
		T(test_damaged_newest), T(test_damaged_newest_same_second),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
