// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of archive.c (with arcrec.c and dsout.c under it): a stream
 * written through the logstream API, archived in three runs with a unit
 * of work spanning two of them, read back from the archives: the records,
 * merged by LSN, are byte for byte the records of the segment files, and
 * the user-data archives hold exactly the WRITE and TRUNCATE records.
 * Also: nothing new changes nothing; an unknown stream is refused before
 * anything; a damaged segment in the middle is refused naming the segment
 * and the LSN with nothing registered and the mark unmoved; the coverage
 * check names a gap; pruning removes wholly archived segments only; a
 * flipped byte in an archive data set is named when it is read back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "archive.h"
#include "arcrec.h"
#include "catalog_int.h"
#include "errmsg.h"
#include "home_fixture.h"
#include "logcat.h"
#include "logstream.h"

#define SEG 4096 /* small segments: the stream spans several */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* The raw records of every segment of dir, in LSN order. */
static void segment_records(const char *dir, struct buf *out)
{
	struct dirent **names;
	char path[PATH_MAX + 256];
	unsigned char *p;
	uint32_t hlen;
	struct stat sb;
	int n, i, fd;

	n = scandir(dir, &names, NULL, alphasort);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		if (strstr(names[i]->d_name, ".rlog") &&
		    names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir,
				 names[i]->d_name);
			fd = open(path, O_RDONLY);
			assert_true(fd >= 0);
			assert_int_equal(fstat(fd, &sb), 0);
			p = malloc((size_t)sb.st_size);
			assert_non_null(p);
			assert_int_equal(read(fd, p, (size_t)sb.st_size),
					 sb.st_size);
			close(fd);
			memcpy(&hlen, p + 12, 4);
			buf_add(out, p + hlen, (size_t)sb.st_size - hlen);
			free(p);
		}
		free(names[i]);
	}
	free(names);
}

struct rawrec {
	uint64_t lsn;
	int type;
	unsigned char *p;
	size_t len;
};

struct collected {
	struct rawrec *v;
	size_t n;
	int user; /* the archive walked is user data */
	int wrong_kind;
};

static int collect(const struct logrec *rec, const void *raw, size_t len,
		   void *arg)
{
	struct collected *c = arg;
	int change = rec->type == LOGREC_WRITE || rec->type == LOGREC_TRUNCATE;

	if (change != c->user)
		c->wrong_kind++;
	c->v = realloc(c->v, (c->n + 1) * sizeof(*c->v));
	assert_non_null(c->v);
	c->v[c->n].lsn = rec->lsn;
	c->v[c->n].type = rec->type;
	c->v[c->n].p = malloc(len);
	assert_non_null(c->v[c->n].p);
	memcpy(c->v[c->n].p, raw, len);
	c->v[c->n].len = len;
	c->n++;
	return 0;
}

static int by_lsn(const void *a, const void *b)
{
	const struct rawrec *x = a, *y = b;

	return x->lsn < y->lsn ? -1 : x->lsn > y->lsn;
}

static int64_t count(struct repo *r, const char *sql)
{
	int64_t n = -1;

	assert_int_equal(repo_one(r, sql, NULL, repo_row_int64, &n), 0);
	return n;
}

struct world {
	struct home_fixture *f;
	struct logcat_info li;
	struct logstream *ls;
	char path[160];
};

static void world_make(struct world *w)
{
	struct logstream_opts o = { .segment_size = SEG };

	memset(w, 0, sizeof(*w));
	w->f = hf_new();
	w->f->cfg.log_keep_archived_us = 86400LL * 1000000;
	hf_make(w->f);
	hf_data(w->f, "a.dat", "", w->path, sizeof(w->path));
	assert_int_equal(file_register(w->f->r, "PAY.A", w->path, NULL), 0);
	assert_int_equal(
		logcat_define(w->f->r, "APP", NULL, LOGCAT_APPLICATION, &w->li),
		0);
	assert_int_equal(logstream_open(w->li.dir, &o, &w->ls), 0);
}

static void world_free(struct world *w)
{
	void *state = w->f;

	logstream_close(w->ls);
	hf_teardown(&state);
}

/* A unit writing n records of 1000 bytes (after- and before-images). */
static uint64_t unit_begin(struct world *w)
{
	uint64_t uow;

	assert_int_equal(logstream_begin(w->ls, &uow), 0);
	return uow;
}

static void unit_writes(struct world *w, uint64_t uow, int n, char fill)
{
	char after[1000], before[1000];
	int i;

	memset(after, fill, sizeof(after));
	memset(before, fill + 1, sizeof(before));
	for (i = 0; i < n; i++)
		assert_int_equal(
			logstream_write(w->ls, uow, "PAY.A", (uint64_t)i * 1000,
					after, sizeof(after), before,
					sizeof(before), 1u << 20, NULL),
			0);
}

static void unit_commit(struct world *w, uint64_t uow)
{
	struct log_touched t = { .dsn = "PAY.A", .size = 1u << 20 };

	assert_int_equal(logstream_commit(w->ls, uow, &t, 1), 0);
}

static void run(struct world *w, int expect_rc, struct archive_result *out)
{
	struct archive_request req = { .home = w->f->home, .cfg = &w->f->cfg };
	struct archive_result *res = NULL;
	unsigned n = 0;

	assert_int_equal(archive_run(&req, w->f->r, NULL, 0, &res, &n),
			 expect_rc);
	assert_int_equal(n, 1);
	*out = res[0];
	free(res);
}

static void test_round_trip(void **state)
{
	struct archive_result res[3];
	struct collected c = { 0 };
	struct buf seg = { 0 }, merged = { 0 };
	struct world w;
	uint64_t u1, u2;
	size_t i;
	int k;

	(void)state;
	world_make(&w);
	/* Run 1: u1 begun and half written. */
	u1 = unit_begin(&w);
	unit_writes(&w, u1, 3, 'a');
	run(&w, 0, &res[0]);
	/* Run 2: u1 ends, u2 begins and writes. */
	unit_writes(&w, u1, 2, 'c');
	unit_commit(&w, u1);
	u2 = unit_begin(&w);
	unit_writes(&w, u2, 4, 'e');
	assert_int_equal(logstream_truncate(w.ls, u2, "PAY.A", 10, 1u << 20,
					    NULL, 0, NULL),
			 -EINVAL); /* a cut needs its bytes */
	run(&w, 0, &res[1]);
	/* Run 3: u2 ends. */
	unit_commit(&w, u2);
	run(&w, 0, &res[2]);

	assert_int_equal(res[0].first_lsn, 1);
	assert_int_equal(res[1].first_lsn, res[0].last_lsn + 1);
	assert_int_equal(res[2].first_lsn, res[1].last_lsn + 1);
	assert_int_equal(res[2].last_lsn, logstream_next_lsn(w.ls) - 1);
	assert_int_equal(res[0].user_records, 3);
	assert_int_equal(res[0].uow_records, 1); /* u1's BEGIN */
	assert_int_equal(res[2].user_records, 0);
	assert_int_equal(res[2].uow_records, 1); /* u2's COMMIT */

	for (k = 0; k < 3; k++) {
		c.user = 1;
		assert_int_equal(
			archive_walk(w.f->r, res[k].user_id, collect, &c), 0);
		c.user = 0;
		assert_int_equal(
			archive_walk(w.f->r, res[k].uow_id, collect, &c), 0);
	}
	assert_int_equal(c.wrong_kind, 0);
	qsort(c.v, c.n, sizeof(*c.v), by_lsn);
	for (i = 0; i < c.n; i++) {
		assert_int_equal(c.v[i].lsn, i + 1); /* none lost, none twice */
		buf_add(&merged, c.v[i].p, c.v[i].len);
		free(c.v[i].p);
	}
	free(c.v);
	segment_records(w.li.dir, &seg);
	assert_int_equal(merged.len, seg.len);
	assert_memory_equal(merged.p, seg.p, seg.len);
	free(merged.p);
	free(seg.p);

	assert_int_equal(archive_check_coverage(w.f->r, NULL, NULL), 0);
	assert_int_equal(count(w.f->r, "SELECT archived_lsn FROM log_stream"),
			 (int64_t)res[2].last_lsn);
	/* two archives a run, each with a copy per pool */
	assert_int_equal(count(w.f->r, "SELECT count(*) FROM archive"), 6);
	assert_int_equal(count(w.f->r, "SELECT count(*) FROM copy"), 12);
	world_free(&w);
}

static void test_nothing_new_and_unknown(void **state)
{
	struct archive_request req;
	struct archive_result res, *rp = NULL;
	char *bad[] = { (char *)"NOSUCH" };
	struct world w;
	unsigned n = 9;

	(void)state;
	world_make(&w);
	run(&w, 0, &res);
	assert_true(res.nothing_new);
	assert_int_equal(count(w.f->r, "SELECT count(*) FROM archive"), 0);
	assert_int_equal(count(w.f->r, "SELECT count(*) FROM dataset"), 0);
	req = (struct archive_request){ .home = w.f->home, .cfg = &w.f->cfg };
	assert_int_equal(archive_run(&req, w.f->r, bad, 1, &rp, &n), -ENOENT);
	assert_null(rp);
	assert_int_equal(n, 0);
	assert_non_null(strstr(ruv_lasterr(), "NOSUCH"));
	world_free(&w);
}

/* The name of the k-th segment (0: oldest) of dir. */
static void nth_segment(const char *dir, int k, char *name, size_t len)
{
	struct dirent **names;
	int n, i, seen = 0;

	n = scandir(dir, &names, NULL, alphasort);
	assert_true(n > 0);
	name[0] = '\0';
	for (i = 0; i < n; i++) {
		if (strstr(names[i]->d_name, ".rlog") &&
		    names[i]->d_name[0] != '.' && seen++ == k)
			snprintf(name, len, "%s", names[i]->d_name);
		free(names[i]);
	}
	free(names);
	assert_true(name[0]);
}

static void test_damaged_segment(void **state)
{
	struct archive_result res;
	char path[PATH_MAX + 300], seg[256], lsn[32];
	struct world w;
	unsigned char b;
	uint64_t u;
	int fd, i;

	(void)state;
	world_make(&w);
	for (i = 0; i < 4; i++) {
		u = unit_begin(&w);
		unit_writes(&w, u, 3, (char)('a' + i));
		unit_commit(&w, u);
	}
	/* A byte in the middle of the second segment's first record. */
	nth_segment(w.li.dir, 1, seg, sizeof(seg));
	snprintf(path, sizeof(path), "%s/%s", w.li.dir, seg);
	snprintf(lsn, sizeof(lsn), "LSN %llu", strtoull(seg, NULL, 10));
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, 200), 1);
	b ^= 0xff;
	assert_int_equal(pwrite(fd, &b, 1, 200), 1);
	close(fd);
	run(&w, -EIO, &res);
	assert_int_equal(res.rc, -EIO);
	assert_non_null(strstr(res.message, seg));
	assert_non_null(strstr(res.message, lsn));
	assert_int_equal(count(w.f->r, "SELECT count(*) FROM archive"), 0);
	assert_int_equal(count(w.f->r, "SELECT count(*) FROM copy"), 0);
	assert_int_equal(count(w.f->r, "SELECT archived_lsn FROM log_stream"),
			 0);
	world_free(&w);
}

static void test_coverage_gap(void **state)
{
	struct archive_result res;
	struct world w;
	uint64_t u;
	int k;

	(void)state;
	world_make(&w);
	for (k = 0; k < 3; k++) {
		u = unit_begin(&w);
		unit_writes(&w, u, 1, 'x');
		unit_commit(&w, u);
		run(&w, 0, &res);
	}
	assert_int_equal(archive_check_coverage(w.f->r, NULL, NULL), 0);
	/* Forget the middle run's user-data range: LSN 4-6 uncovered. */
	assert_int_equal(repo_exec(w.f->r,
				   "DELETE FROM archive_range WHERE"
				   " first_lsn = 4 AND archive_id IN (SELECT id"
				   " FROM archive WHERE kind = 'user')"),
			 0);
	ruv_clearerr();
	assert_int_equal(archive_check_coverage(w.f->r, NULL, NULL), 1);
	world_free(&w);
}

static int segments(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".rlog") && de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_prune(void **state)
{
	struct archive_result res;
	struct logcat_info li;
	struct world w;
	uint64_t u;
	int before;

	(void)state;
	world_make(&w);
	w.f->cfg.log_keep_archived_us = 0;
	u = unit_begin(&w);
	unit_writes(&w, u, 12, 'p');
	unit_commit(&w, u);
	before = segments(w.li.dir);
	assert_true(before >= 3);
	/* Archived and kept 0 s: every segment but the newest goes. */
	run(&w, 0, &res);
	assert_int_equal(res.pruned, (unsigned)before - 1);
	assert_int_equal(segments(w.li.dir), 1);
	/* New records, not archived: nothing goes. */
	u = unit_begin(&w);
	unit_writes(&w, u, 8, 'q');
	unit_commit(&w, u);
	before = segments(w.li.dir);
	assert_int_equal(logcat_lookup(w.f->r, "APP", &li), 0);
	assert_int_equal(archive_prune_stream(&li, 0), 0);
	assert_int_equal(segments(w.li.dir), before);
	/* Archived now: all but the newest go again. */
	run(&w, 0, &res);
	assert_int_equal(res.pruned, (unsigned)before - 1);
	/* The archives still read back after the segments went. */
	assert_int_equal(archive_check_coverage(w.f->r, NULL, NULL), 0);
	world_free(&w);
}

static void test_prune_keeps_recent(void **state)
{
	struct archive_result res;
	struct world w;
	uint64_t u;
	int before;

	(void)state;
	world_make(&w);
	w.f->cfg.log_keep_archived_us = 3600LL * 1000000;
	u = unit_begin(&w);
	unit_writes(&w, u, 12, 'p');
	unit_commit(&w, u);
	before = segments(w.li.dir);
	run(&w, 0, &res);
	assert_int_equal(res.pruned, 0);
	assert_int_equal(segments(w.li.dir), before);
	world_free(&w);
}

static int count_cb(const struct logrec *rec, const void *raw, size_t len,
		    void *arg)
{
	(void)rec;
	(void)raw;
	(void)len;
	++*(int *)arg;
	return 0;
}

static void test_archive_damage_named(void **state)
{
	struct archive_result res;
	struct world w;
	char vol[PATH_MAX], volser[8];
	int64_t off = 0, n = 0;
	unsigned char b;
	uint64_t u;
	int fd;

	(void)state;
	world_make(&w);
	u = unit_begin(&w);
	unit_writes(&w, u, 20, 'z');
	unit_commit(&w, u);
	run(&w, 0, &res);
	/* Every copy of the user-data archive loses a byte in its data. */
	assert_int_equal(repo_exec(w.f->r, "UPDATE copy SET usable = 1"), 0);
	assert_int_equal(repo_one(w.f->r,
				  "SELECT d.vol_offset FROM copy c JOIN dataset"
				  " d ON d.id = c.dataset_id WHERE c.copy_no ="
				  " 1 AND d.kind = 'archive'",
				  NULL, repo_row_int64, &off),
			 0);
	snprintf(volser, sizeof(volser), "L00001");
	snprintf(vol, sizeof(vol), "%s/pools/local/%s", w.f->home, volser);
	fd = open(vol, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, off + 600), 1);
	b ^= 0x55;
	assert_int_equal(pwrite(fd, &b, 1, off + 600), 1);
	close(fd);
	ruv_clearerr();
	assert_int_equal(archive_walk(w.f->r, res.user_id, count_cb, &n), -EIO);
	assert_non_null(strstr(ruv_lasterr(), volser));
	world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_nothing_new_and_unknown),
		cmocka_unit_test(test_damaged_segment),
		cmocka_unit_test(test_coverage_gap),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_prune_keeps_recent),
		cmocka_unit_test(test_archive_damage_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
