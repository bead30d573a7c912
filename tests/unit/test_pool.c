// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of pool.c: VOLSER allocation (the sequence, the prefix, the
 * end of the number space), capacity, and the flock that keeps two
 * writers -- threads or processes -- off one volume.
 *
 * repo_commit() is wrapped (-Wl,--wrap=repo_commit): a commit that fails
 * while a volume is being created must leave no row, no file and no
 * VOLSER used up.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "errmsg.h"
#include "home_fixture.h"
#include "pool.h"
#include "volume.h"

int __real_repo_commit(struct repo *r);
int __wrap_repo_commit(struct repo *r);

static int fail_commit; /* the next commit fails with this -errno */

int __wrap_repo_commit(struct repo *r)
{
	int rc = fail_commit;

	if (!rc)
		return __real_repo_commit(r);
	fail_commit = 0;
	return rc;
}

/* One integer from the repository, on a connection of its own. */
static int64_t sql_int(struct home_fixture *f, const char *sql)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	char path[160];
	int64_t v;

	snprintf(path, sizeof(path), "%s/repository.db", f->home);
	assert_int_equal(
		sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL),
		SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static const char *acquire(struct home_fixture *f, const char *pool,
			   struct pool_writer **w)
{
	assert_int_equal(pool_acquire(f->r, f->home, pool, NULL, w), 0);
	return (*w)->volser;
}

static int file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void test_volser_sequence(void **state)
{
	struct home_fixture *f = *state;
	struct pool_writer *a = NULL, *b = NULL, *c = NULL;
	struct pool_volume_info v;
	char path[PATH_MAX], want[200];

	assert_string_equal(acquire(f, "local", &a), "L00001");
	snprintf(want, sizeof(want), "%s/pools/local/L00001", f->home);
	assert_int_equal(pool_volume_path(f->r, "L00001", path, sizeof(path)),
			 0);
	assert_string_equal(path, want);
	assert_true(file_exists(want));
	assert_int_equal(pool_volume_find(f->r, "L00001", &v), 0);
	assert_string_equal(v.state, "open");
	assert_int_equal(v.id, a->volume_id);
	assert_int_equal(v.size, VOLUME_LABEL_SIZE);
	pool_release(a);
	/* Released: the open volume is taken again, not a new one. */
	assert_string_equal(acquire(f, "local", &a), "L00001");
	/* Held: the next writer gets a new volume. */
	assert_string_equal(acquire(f, "local", &b), "L00002");
	assert_string_equal(acquire(f, "offsite", &c), "O00001");
	assert_int_equal(sql_int(f, "SELECT count(*) FROM volume"), 3);
	assert_int_equal(sql_int(f, "SELECT next_volno FROM pool"
				    " WHERE name = 'local'"),
			 3);
	pool_release(a);
	pool_release(b);
	pool_release(c);
	pool_release(NULL);
}

static void test_prefix(void **state)
{
	struct home_fixture *f = hf_new();
	struct pool_writer *a = NULL, *b = NULL;

	*state = f;
	snprintf(f->cfg.pools[0].prefix, sizeof(f->cfg.pools[0].prefix), "AB");
	snprintf(f->cfg.pools[1].prefix, sizeof(f->cfg.pools[1].prefix), "XYZ");
	hf_make(f);
	assert_string_equal(acquire(f, "local", &a), "AB0001");
	assert_string_equal(acquire(f, "offsite", &b), "XYZ001");
	pool_release(a);
	pool_release(b);
}

/* The last number of the prefix is used; then the pool is full, and
 * saying so changes nothing. */
static void test_volsers_run_out(void **state)
{
	struct home_fixture *f = hf_new();
	struct pool_writer *a = NULL, *b = NULL, *c = NULL;

	*state = f;
	snprintf(f->cfg.pools[1].prefix, sizeof(f->cfg.pools[1].prefix), "XYZ");
	hf_make(f);
	assert_string_equal(acquire(f, "offsite", &a), "XYZ001");
	sql_int(f, "UPDATE pool SET next_volno = 999 WHERE name = 'offsite'");
	assert_string_equal(acquire(f, "offsite", &b), "XYZ999");
	assert_int_equal(pool_acquire(f->r, f->home, "offsite", NULL, &c),
			 -ENOSPC);
	assert_null(c);
	assert_non_null(strstr(ruv_lasterr(), "pool 'offsite': all 999 "
					      "VOLSERs with prefix XYZ are "
					      "used"));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM volume"), 2);
	assert_int_equal(sql_int(f, "SELECT next_volno FROM pool"
				    " WHERE name = 'offsite'"),
			 1000);
	pool_release(a);
	pool_release(b);
}

/* A volume at capacity takes no more writers; one sealed on the way is
 * recorded sealed at the size of its file. */
static void test_capacity(void **state)
{
	struct home_fixture *f = hf_new();
	struct pool_writer *a = NULL;
	struct pool_volume_info v;
	char path[PATH_MAX];
	struct stat sb;
	int sealed = -1;

	*state = f;
	f->cfg.pools[0].capacity = VOLUME_LABEL_SIZE + 1;
	f->cfg.pools[1].capacity = VOLUME_LABEL_SIZE;
	hf_make(f);
	/* Below capacity: taken again. */
	assert_string_equal(acquire(f, "local", &a), "L00001");
	pool_release(a);
	assert_string_equal(acquire(f, "local", &a), "L00001");
	assert_int_equal(pool_note_written(f->r, a), 0);
	assert_int_equal(pool_seal_if_full(a, &sealed), 0);
	assert_int_equal(sealed, 0);
	pool_release(a);
	/* At capacity: sealed after the write, never taken again. */
	assert_string_equal(acquire(f, "offsite", &a), "O00001");
	assert_int_equal(pool_note_written(f->r, a), 0);
	assert_int_equal(pool_seal_if_full(a, &sealed), 0);
	assert_int_equal(sealed, 1);
	pool_release(a);
	assert_int_equal(pool_volume_find(f->r, "O00001", &v), 0);
	assert_string_equal(v.state, "sealed");
	assert_true(v.sealed_us > 0);
	assert_int_equal(pool_volume_path(f->r, "O00001", path, sizeof(path)),
			 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(v.size, (uint64_t)sb.st_size);
	assert_int_equal(v.size, VOLUME_LABEL_SIZE + VOLUME_END_MARK_SIZE);
	assert_string_equal(acquire(f, "offsite", &a), "O00002");
	pool_release(a);
	/* An open volume found full (capacity lowered) is passed over. */
	sql_int(f, "UPDATE pool SET capacity = 4096 WHERE name = 'local'");
	assert_string_equal(acquire(f, "local", &a), "L00002");
	pool_release(a);
	assert_int_equal(pool_volume_find(f->r, "L00001", &v), 0);
	assert_string_equal(v.state, "open");
}

#define NTHREADS 3
#define NROUNDS	 4

struct racer {
	struct home_fixture *f;
	pthread_barrier_t *bar;
	char volser[NROUNDS][7];
	int rc;
};

static void *race(void *arg)
{
	struct racer *rc = arg;
	struct pool_writer *w = NULL;
	struct repo *r = NULL;
	int i;

	rc->rc = home_open(rc->f->home, &r);
	for (i = 0; i < NROUNDS; i++) {
		pthread_barrier_wait(rc->bar);
		if (rc->rc == 0)
			rc->rc =
				pool_acquire(r, rc->f->home, "local", NULL, &w);
		if (rc->rc == 0)
			memcpy(rc->volser[i], w->volser, 7);
		/* Everyone holds a volume before anyone lets go. */
		pthread_barrier_wait(rc->bar);
		pool_release(w);
		w = NULL;
	}
	repo_close(r);
	return NULL;
}

/* Threads, each with its connection, acquiring at once, round after
 * round over the volumes the earlier rounds left open. */
static void test_threads_never_share(void **state)
{
	struct home_fixture *f = *state;
	struct racer rs[NTHREADS];
	pthread_t t[NTHREADS];
	pthread_barrier_t bar;
	int i, j, k;

	pthread_barrier_init(&bar, NULL, NTHREADS);
	for (i = 0; i < NTHREADS; i++) {
		memset(&rs[i], 0, sizeof(rs[i]));
		rs[i].f = f;
		rs[i].bar = &bar;
		assert_int_equal(pthread_create(&t[i], NULL, race, &rs[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&bar);
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(rs[i].rc, 0);
	for (k = 0; k < NROUNDS; k++)
		for (i = 0; i < NTHREADS; i++)
			for (j = i + 1; j < NTHREADS; j++)
				assert_string_not_equal(rs[i].volser[k],
							rs[j].volser[k]);
	/* Volumes are reused across rounds: no more than were ever held
	 * at once. */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM volume"), NTHREADS);
}

#define NPROCS 4

/* A child: acquire, say which, hold until the parent closes go. */
static void child(struct home_fixture *f, int say, int go)
{
	struct pool_writer *w = NULL;
	struct repo *r = NULL;
	char c;

	if (home_open(f->home, &r) < 0 ||
	    pool_acquire(r, f->home, "local", NULL, &w) < 0 ||
	    write(say, w->volser, 6) != 6)
		_exit(1);
	while (read(go, &c, 1) > 0)
		;
	pool_release(w);
	repo_close(r);
	_exit(0);
}

static void test_processes_never_share(void **state)
{
	struct home_fixture *f = *state;
	char got[NPROCS][7];
	int say[2], go[2], i, j, status;
	pid_t pid[NPROCS];

	assert_int_equal(pipe(say), 0);
	assert_int_equal(pipe(go), 0);
	for (i = 0; i < NPROCS; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			close(say[0]);
			close(go[1]);
			child(f, say[1], go[0]);
		}
	}
	close(say[1]);
	close(go[0]);
	for (i = 0; i < NPROCS; i++) {
		assert_int_equal(read(say[0], got[i], 6), 6);
		got[i][6] = '\0';
	}
	close(go[1]); /* let them go */
	close(say[0]);
	for (i = 0; i < NPROCS; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	for (i = 0; i < NPROCS; i++)
		for (j = i + 1; j < NPROCS; j++)
			assert_string_not_equal(got[i], got[j]);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM volume"), NPROCS);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM volume WHERE volser"
				    " BETWEEN 'L00001' AND 'L00004'"),
			 NPROCS);
}

static void test_refusals(void **state)
{
	struct home_fixture *f = *state;
	struct pool_writer *w = NULL;
	char dir[200];

	assert_int_equal(pool_acquire(f->r, f->home, "nope", NULL, &w),
			 -ENOENT);
	assert_null(w);
	assert_non_null(
		strstr(ruv_lasterr(), "pool 'nope' is not in the repository"));
	snprintf(dir, sizeof(dir), "%s/pools/local", f->home);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(pool_acquire(f->r, f->home, "local", NULL, &w),
			 -ENOENT);
	assert_null(w);
	assert_non_null(strstr(ruv_lasterr(), "pool 'local': directory"));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM volume"), 0);
	assert_int_equal(sql_int(f, "SELECT next_volno FROM pool"
				    " WHERE name = 'local'"),
			 1);
}

/* A file under the next VOLSER that is not in the repository: one that
 * is not an empty volume is refused and kept, an empty volume (a
 * creation cut short) is adopted. */
static void test_leftover_file(void **state)
{
	struct home_fixture *f = *state;
	struct pool_writer *w = NULL;
	struct volume *v = NULL;
	char path[200], buf[64];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/pools/local/L00001", f->home);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("not a volume\n", fp);
	fclose(fp);
	assert_int_equal(pool_acquire(f->r, f->home, "local", NULL, &w),
			 -EEXIST);
	assert_null(w);
	assert_non_null(strstr(ruv_lasterr(), "exists and is not in the "
					      "repository"));
	hf_read(path, buf, sizeof(buf));
	assert_string_equal(buf, "not a volume\n");
	assert_int_equal(sql_int(f, "SELECT count(*) FROM volume"), 0);
	assert_int_equal(sql_int(f, "SELECT next_volno FROM pool"
				    " WHERE name = 'local'"),
			 1);
	/* A labelled volume with no data set: what a creation that died
	 * before its commit leaves. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(volume_create(path, "L00001", "local", 1U << 30, &v),
			 0);
	volume_close(v);
	assert_string_equal(acquire(f, "local", &w), "L00001");
	assert_int_equal(sql_int(f, "SELECT count(*) FROM volume"), 1);
	pool_release(w);
}

/* What a creation that died before its label was written leaves, an
 * empty file, is adopted (the forms a torn label can take are in
 * test_volume); the next acquire must not be refused for it. */
static void test_torn_create(void **state)
{
	struct home_fixture *f = *state;
	struct pool_writer *w = NULL;
	char path[200];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/pools/local/L00001", f->home);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_string_equal(acquire(f, "local", &w), "L00001");
	assert_int_equal(sql_int(f, "SELECT count(*) FROM volume"), 1);
	pool_release(w);
}

/* The commit of a new volume fails: no row, no file, the VOLSER free. */
static void test_commit_failure(void **state)
{
	struct home_fixture *f = *state;
	struct pool_writer *w = NULL;
	char path[200];

	snprintf(path, sizeof(path), "%s/pools/local/L00001", f->home);
	fail_commit = -EIO;
	assert_int_equal(pool_acquire(f->r, f->home, "local", NULL, &w), -EIO);
	assert_int_equal(fail_commit, 0); /* it was the commit that failed */
	assert_null(w);
	assert_false(file_exists(path));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM volume"), 0);
	assert_int_equal(sql_int(f, "SELECT next_volno FROM pool"
				    " WHERE name = 'local'"),
			 1);
	assert_string_equal(acquire(f, "local", &w), "L00001");
	assert_true(file_exists(path));
	pool_release(w);
}

static void test_seal_volume(void **state)
{
	struct home_fixture *f = *state;
	struct pool_writer *w = NULL;
	struct pool_volume_info v;

	acquire(f, "local", &w);
	pool_release(w);
	assert_int_equal(pool_seal_volume(f->r, "L00001"), 0);
	assert_int_equal(pool_volume_find(f->r, "L00001", &v), 0);
	assert_string_equal(v.state, "sealed");
	assert_int_equal(v.size, VOLUME_LABEL_SIZE + VOLUME_END_MARK_SIZE);
	assert_int_equal(pool_seal_volume(f->r, "L00001"), 0); /* again */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM history"
				    " WHERE action = 'volume seal'"),
			 1);
	assert_int_equal(pool_seal_volume(f->r, "L99999"), -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "'L99999' is not in the "
					      "repository"));
	assert_int_equal(pool_seal_volume(f->r, "L0001!"), -EINVAL);
	assert_string_equal(acquire(f, "local", &w), "L00002");
	pool_release(w);
	assert_int_equal(pool_volume_find(f->r, "L00003", &v), -ENOENT);
}

struct names {
	char s[64];
};

static int add_pool(const struct pool_info *p, void *arg)
{
	struct names *n = arg;
	size_t len = strlen(n->s);

	snprintf(n->s + len, sizeof(n->s) - len, "%s%s:%s:%llu", len ? " " : "",
		 p->name, p->prefix, (unsigned long long)p->capacity);
	return 0;
}

static int add_volume(const struct pool_volume_info *v, void *arg)
{
	struct names *n = arg;
	size_t len = strlen(n->s);

	snprintf(n->s + len, sizeof(n->s) - len, "%s%s", len ? " " : "",
		 v->volser);
	return 0;
}

/* The pools as configured; a pool that leaves the configuration keeps
 * its row; listings by pool. */
static void test_pools_and_listing(void **state)
{
	struct home_fixture *f = *state;
	struct pool_writer *a = NULL, *b = NULL, *c = NULL;
	struct names n = { "" };
	struct pool_info p;
	struct config cfg = f->cfg;

	assert_int_equal(pool_list(f->r, add_pool, &n), 0);
	assert_string_equal(n.s, "local:L:4294967296 offsite:O:4294967296");
	assert_int_equal(pool_find(f->r, "nope", &p), -ENOENT);
	cfg.pools[0].capacity = 1U << 30;
	cfg.npools = 1;
	assert_int_equal(pool_sync(f->r, &cfg), 0);
	n.s[0] = '\0';
	assert_int_equal(pool_list(f->r, add_pool, &n), 0);
	assert_string_equal(n.s, "local:L:1073741824 offsite:O:4294967296");
	/* Two pools may not share a prefix. */
	snprintf(cfg.pools[0].prefix, sizeof(cfg.pools[0].prefix), "O");
	assert_int_equal(pool_sync(f->r, &cfg), -EEXIST);
	assert_int_equal(pool_find(f->r, "local", &p), 0);
	assert_string_equal(p.prefix, "L");
	/* A location the repository does not know is a mistake, not a new
	 * location: refused, naming the verb that defines one. */
	snprintf(cfg.pools[0].prefix, sizeof(cfg.pools[0].prefix), "L");
	snprintf(cfg.pools[0].location, sizeof(cfg.pools[0].location), "Lcoal");
	assert_int_equal(pool_sync(f->r, &cfg), -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "pool 'local': location "
					      "'Lcoal' is not defined; "
					      "define it with 'ruv location "
					      "define Lcoal'"));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM location"
				    " WHERE name = 'Lcoal'"),
			 0);
	assert_int_equal(pool_find(f->r, "local", &p), 0);
	assert_int_equal(p.capacity, 1U << 30);

	acquire(f, "local", &a);
	acquire(f, "offsite", &b);
	acquire(f, "local", &c);
	n.s[0] = '\0';
	assert_int_equal(pool_volume_list(f->r, p.id, 0, 0, add_volume, &n), 0);
	assert_string_equal(n.s, "L00001 L00002");
	n.s[0] = '\0';
	assert_int_equal(
		pool_volume_list(f->r, 0, a->volume_id, 1, add_volume, &n), 0);
	assert_string_equal(n.s, "O00001");
	pool_release(a);
	pool_release(b);
	pool_release(c);
}

#define T(fn)  cmocka_unit_test_setup_teardown(fn, hf_setup, hf_teardown)
#define TN(fn) cmocka_unit_test_teardown(fn, hf_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_volser_sequence),
		TN(test_prefix),
		TN(test_volsers_run_out),
		TN(test_capacity),
		T(test_threads_never_share),
		T(test_processes_never_share),
		T(test_refusals),
		T(test_leftover_file),
		T(test_torn_create),
		T(test_commit_failure),
		T(test_seal_volume),
		T(test_pools_and_listing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
