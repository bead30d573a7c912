// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of backup.c: a file that changes while it is read, and one
 * file read and compressed on several lanes.
 *
 * read(2) and pread(2) are wrapped (-Wl,--wrap=read,--wrap=pread64):
 * once the backup has read the first chunk of the source, the wrapper
 * appends to the source file, so "changed while read" happens at a known
 * point, with no timing.  The flag must reach the result, the backup
 * row, the history message and the Backup report's JSON; a file left
 * alone must not get it.  With workers = 2 a single file goes through
 * pread on two threads: the wrapper records which threads read it and
 * can fail one chunk's read.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "backup.h"
#include "config.h"
#include "copy.h"
#include "helpers.h"
#include "history.h"
#include "home.h"
#include "errmsg.h"
#include "file.h"
#include "group.h"
#include "report.h"

#define CHUNK (64U << 10)

ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n);
ssize_t __real_pread64(int fd, void *buf, size_t n, off_t off);
ssize_t __wrap_pread64(int fd, void *buf, size_t n, off_t off);

/* The source file the wrappers watch; mutate_path NULL: none. */
static dev_t mutate_dev;
static ino_t mutate_ino;
static const char *mutate_path;
static int mutate;	   /* append after the first read of it */
static int mutated;	   /* 1 done, -1 the append failed */
static off_t fail_at = -1; /* a pread of it at this offset gives EIO */
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t readers[8];
static unsigned nreaders;

static int is_source(int fd)
{
	struct stat sb;

	return mutate_path && fstat(fd, &sb) == 0 && sb.st_dev == mutate_dev &&
	       sb.st_ino == mutate_ino;
}

static void after_read(ssize_t got)
{
	pthread_t self = pthread_self();
	unsigned i;
	int afd;

	pthread_mutex_lock(&seen_lock);
	for (i = 0; i < nreaders && !pthread_equal(readers[i], self); i++)
		;
	if (i == nreaders && nreaders < 8)
		readers[nreaders++] = self;
	if (got > 0 && mutate && !mutated) {
		mutated = 1;
		afd = open(mutate_path, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (afd < 0 || write(afd, "more\n", 5) != 5)
			mutated = -1;
		if (afd >= 0)
			close(afd);
	}
	pthread_mutex_unlock(&seen_lock);
}

ssize_t __wrap_read(int fd, void *buf, size_t n)
{
	ssize_t got = __real_read(fd, buf, n);

	if (is_source(fd))
		after_read(got);
	return got;
}

ssize_t __wrap_pread64(int fd, void *buf, size_t n, off_t off)
{
	ssize_t got;

	if (!is_source(fd))
		return __real_pread64(fd, buf, n, off);
	if (off == fail_at) {
		errno = EIO;
		return -1;
	}
	got = __real_pread64(fd, buf, n, off);
	after_read(got);
	return got;
}

struct bfix {
	char dir[64];
	char home[96];
	char src[128];
	struct config cfg;
};

static int setup(void **state)
{
	struct bfix *f = calloc(1, sizeof(*f));
	unsigned char *buf;
	FILE *fp;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ruvunit.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->home, sizeof(f->home), "%s/home", f->dir);
	snprintf(f->src, sizeof(f->src), "%s/src.dat", f->dir);
	config_defaults(&f->cfg);
	f->cfg.workers = 1;
	f->cfg.chunk_size = CHUNK;
	assert_int_equal(home_init(f->home, &f->cfg), 0);
	/* Three chunks and a bit: reads continue after the first. */
	buf = malloc(3 * CHUNK + 100);
	assert_non_null(buf);
	for (size_t i = 0; i < 3 * CHUNK + 100; i++)
		buf[i] = (unsigned char)(i * 7 + (i >> 9));
	fp = fopen(f->src, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, 3 * CHUNK + 100, fp), 3 * CHUNK + 100);
	fclose(fp);
	free(buf);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct bfix *f = *state;
	char cmd[128];

	mutate_path = NULL;
	mutate = mutated = 0;
	fail_at = -1;
	nreaders = 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void register_src(struct bfix *f)
{
	struct repo *r;

	assert_int_equal(home_open(f->home, &r), 0);
	assert_int_equal(file_register(r, "T.SRC", f->src, NULL), 0);
	repo_close(r);
}

static void watch(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	mutate_dev = sb.st_dev;
	mutate_ino = sb.st_ino;
	mutate_path = path;
	mutated = 0;
	nreaders = 0;
}

static int run_backup(struct bfix *f, struct backup_result *res)
{
	struct backup_request req = { .home = f->home, .cfg = &f->cfg };
	char dsn[] = "T.SRC";
	char *dsns[] = { dsn };

	memset(res, 0, sizeof(*res));
	return backup_run(&req, dsns, 1, res);
}

/* backup.changed of the row, read straight from the database. */
static int64_t backup_changed(const struct bfix *f, int64_t id)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	char path[160];
	int64_t v = -1;

	snprintf(path, sizeof(path), "%s/repository.db", f->home);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT changed FROM backup"
					    " WHERE id = ?",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static int last_history(const struct history_entry *e, void *arg)
{
	*(struct history_entry *)arg = *e;
	return 0;
}

/* The Backup report's JSON for the backup, in a malloc'd string. */
static char *report_json(struct repo *r, int64_t backup_id)
{
	struct copy_filter cf = { .backup_id = backup_id, .copy_no = 1 };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(report_backups(r, &cf, 1, out), 0);
	fclose(out);
	return text;
}

static void test_changed_while_read(void **state)
{
	struct bfix *f = *state;
	struct backup_result res;
	struct history_entry h = { 0 };
	struct repo *r;
	char *json;

	register_src(f);
	watch(f->src);
	mutate = 1;
	assert_int_equal(run_backup(f, &res), 0);
	assert_int_equal(mutated, 1);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.changed, 1);

	assert_int_equal(home_open(f->home, &r), 0);
	assert_int_equal(backup_changed(f, res.backup_id), 1);
	assert_int_equal(history_list(r, 0, 0, last_history, &h), 0);
	assert_string_equal(h.action, "backup");
	assert_non_null(strstr(h.message, "changed while read"));
	json = report_json(r, res.backup_id);
	assert_non_null(strstr(json, "\"changed\":true"));
	assert_null(strstr(json, "\"changed\":false"));
	free(json);
	repo_close(r);
}

static void test_unchanged_file(void **state)
{
	struct bfix *f = *state;
	struct backup_result res;
	struct history_entry h = { 0 };
	struct repo *r;
	char *json;

	register_src(f);
	mutate_path = NULL;
	assert_int_equal(run_backup(f, &res), 0);
	assert_int_equal(res.changed, 0);
	assert_int_equal(res.size, 3 * CHUNK + 100);

	assert_int_equal(home_open(f->home, &r), 0);
	assert_int_equal(backup_changed(f, res.backup_id), 0);
	assert_int_equal(history_list(r, 0, 0, last_history, &h), 0);
	assert_null(strstr(h.message, "changed"));
	json = report_json(r, res.backup_id);
	assert_non_null(strstr(json, "\"changed\":false"));
	free(json);
	repo_close(r);
}

/* What the copies of the newest backup look like on their volumes. */
struct ds_shape {
	int64_t checksum, nchunks, stored, raw;
};

static void newest_copies(const struct bfix *f, struct ds_shape out[2])
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	char path[160];
	int i = 0;

	snprintf(path, sizeof(path), "%s/repository.db", f->home);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(
				 db,
				 "SELECT d.checksum, d.nchunks, d.stored_size,"
				 " d.raw_size FROM copy c JOIN dataset d ON"
				 " d.id = c.dataset_id WHERE c.backup_id ="
				 " (SELECT max(id) FROM backup) ORDER BY"
				 " c.copy_no",
				 -1, &st, NULL),
			 SQLITE_OK);
	while (i < 2 && sqlite3_step(st) == SQLITE_ROW) {
		out[i].checksum = sqlite3_column_int64(st, 0);
		out[i].nchunks = sqlite3_column_int64(st, 1);
		out[i].stored = sqlite3_column_int64(st, 2);
		out[i].raw = sqlite3_column_int64(st, 3);
		i++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(i, 2);
}

/*
 * One file with two workers: two threads read it, and the data sets are
 * the ones a single thread writes (the trailer's CRC covers every
 * chunk's size and CRC in order).
 */
static void test_lanes_same_data_set(void **state)
{
	struct bfix *f = *state;
	struct backup_result res;
	struct ds_shape one[2], two[2];

	register_src(f);
	watch(f->src);
	assert_int_equal(run_backup(f, &res), 0);
	assert_int_equal(nreaders, 1);
	newest_copies(f, one);

	f->cfg.workers = 2;
	watch(f->src);
	assert_int_equal(run_backup(f, &res), 0);
	assert_int_equal(nreaders, 2);
	assert_int_equal(res.changed, 0);
	assert_int_equal(res.size, 3 * CHUNK + 100);
	newest_copies(f, two);
	assert_int_equal(two[0].nchunks, 4);
	assert_int_equal(two[0].raw, 3 * CHUNK + 100);
	assert_memory_equal(one, two, sizeof(one));
	assert_int_equal(two[0].checksum, two[1].checksum);
}

/* The same "changed while read" on lanes. */
static void test_lanes_changed(void **state)
{
	struct bfix *f = *state;
	struct backup_result res;

	f->cfg.workers = 2;
	register_src(f);
	watch(f->src);
	mutate = 1;
	assert_int_equal(run_backup(f, &res), 0);
	assert_int_equal(mutated, 1);
	assert_int_equal(nreaders, 2);
	assert_int_equal(res.changed, 1);
	assert_int_equal(backup_changed(f, res.backup_id), 1);
}

/* A read error on another lane fails the file with its message, and
 * registers nothing. */
static void test_lanes_read_error(void **state)
{
	struct bfix *f = *state;
	struct backup_result res;
	struct history_entry h = { 0 };
	struct repo *r;

	f->cfg.workers = 2;
	register_src(f);
	watch(f->src);
	fail_at = CHUNK; /* chunk 1: lane 1's first */
	assert_int_equal(run_backup(f, &res), -EIO);
	assert_int_equal(res.rc, -EIO);
	assert_non_null(strstr(res.message, "cannot read '"));
	assert_non_null(strstr(res.message, "(T.SRC): Input/output error"));
	assert_int_equal(backup_changed(f, 1), -1); /* no backup row */
	assert_int_equal(home_open(f->home, &r), 0);
	assert_int_equal(history_list(r, 0, 0, last_history, &h), 0);
	assert_string_not_equal(h.action, "backup");
	repo_close(r);
}

/* backup_named: DSNs and groups resolved in one call, each file once;
 * empty groups are ENODATA and unknown ones ENOENT, refused before
 * anything is written. */
static void test_named_groups(void **state)
{
	struct bfix *f = *state;
	struct backup_request req = { .home = f->home, .cfg = &f->cfg };
	struct backup_result *res = (void *)1;
	char lower[] = "t.src", g1[] = "EMPTY", g2[] = "G", nope[] = "NOPE";
	char *dsns[] = { lower };
	char *empty[] = { g1 }, *both[] = { g2, g1, g2 }, *unknown[] = { nope };
	const char *src[] = { "T.SRC" };
	unsigned n = 99;
	struct repo *r;

	register_src(f);
	assert_int_equal(home_open(f->home, &r), 0);
	assert_int_equal(group_define(r, "EMPTY", NULL, 0), 0);
	assert_int_equal(group_define(r, "G", src, 1), 0);

	ruv_clearerr();
	assert_int_equal(backup_named(&req, r, NULL, 0, empty, 1, &res, &n),
			 -ENODATA);
	assert_null(res);
	assert_int_equal(n, 0);
	assert_string_equal(ruv_lasterr(),
			    "nothing to back up: group 'EMPTY' has no members");
	assert_int_equal(backup_named(&req, r, NULL, 0, unknown, 1, &res, &n),
			 -ENOENT);
	assert_null(res);
	assert_int_equal(backup_named(&req, r, dsns, 1, unknown, 1, &res, &n),
			 -ENOENT);
	assert_null(res);

	/* The DSN (any case), then the groups: T.SRC once. */
	assert_int_equal(backup_named(&req, r, dsns, 1, both, 3, &res, &n), 0);
	assert_int_equal(n, 1);
	assert_non_null(res);
	assert_string_equal(res[0].dsn, "T.SRC");
	assert_int_equal(res[0].rc, 0);
	free(res);
	/* An empty group beside a DSN is no refusal. */
	assert_int_equal(backup_named(&req, r, dsns, 1, empty, 1, &res, &n), 0);
	assert_int_equal(n, 1);
	free(res);
	repo_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_changed_while_read, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unchanged_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lanes_same_data_set, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lanes_changed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_named_groups, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lanes_read_error, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
