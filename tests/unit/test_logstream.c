// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Log streams: the writer and the reader against real files in a temporary
 * directory.  fallocate64 and pwrite64 are wrapped to inject ENOSPC.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "errmsg.h"
#include "logstream.h"

/* ---- fault injection ---- */

int __real_fallocate64(int fd, int mode, off_t off, off_t len);
int __wrap_fallocate64(int fd, int mode, off_t off, off_t len);
ssize_t __real_pwrite64(int fd, const void *buf, size_t n, off_t off);
ssize_t __wrap_pwrite64(int fd, const void *buf, size_t n, off_t off);

static int fail_fallocate;	   /* fallocate gives ENOSPC */
static int fail_pwrite;		   /* pwrite writes half, then ENOSPC */
static off_t fail_pwrite_off = -1; /* a pwrite at this offset: EIO */

int __wrap_fallocate64(int fd, int mode, off_t off, off_t len)
{
	if (fail_fallocate) {
		errno = ENOSPC;
		return -1;
	}
	return __real_fallocate64(fd, mode, off, len);
}

ssize_t __wrap_pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	if (off == fail_pwrite_off) {
		errno = EIO;
		return -1;
	}
	if (fail_pwrite == 1 && n > 1) {
		fail_pwrite = 2;
		return __real_pwrite64(fd, buf, n / 2, off);
	}
	if (fail_pwrite == 2) {
		errno = ENOSPC;
		return -1;
	}
	return __real_pwrite64(fd, buf, n, off);
}

/* ---- helpers ---- */

struct tdir {
	char dir[64];
};

static int setup(void **state)
{
	struct tdir *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	strcpy(t->dir, "/tmp/ruvlog.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	fail_fallocate = fail_pwrite = 0;
	fail_pwrite_off = -1;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tdir *t = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", t->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", t->dir);
	free(t);
	return 0;
}

static struct logstream *wopen(const char *dir, uint64_t segsize)
{
	struct logstream_opts o = { .segment_size = segsize };
	struct logstream *ls = NULL;
	int rc = logstream_open(dir, &o, &ls);

	if (rc < 0)
		fprintf(stderr, "open: %s\n", ruv_lasterr());
	assert_int_equal(rc, 0);
	return ls;
}

/* Every record of the stream into a malloc'd array (images not kept). */
struct seen {
	struct logrec *v;
	size_t n;
};

static int read_all(const char *dir, uint64_t from, struct seen *s)
{
	struct logreader *lr;
	struct logrec rec;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = logreader_open(dir, from, &lr);
	if (rc < 0)
		return rc;
	while ((rc = logreader_next(lr, &rec)) == 1) {
		s->v = realloc(s->v, (s->n + 1) * sizeof(rec));
		assert_non_null(s->v);
		rec.after = rec.before = NULL;
		rec.touched = NULL;
		rec.segment = NULL;
		s->v[s->n++] = rec;
	}
	logreader_close(lr);
	return rc;
}

static void assert_lsns(const struct seen *s, uint64_t first)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		assert_int_equal(s->v[i].lsn, first + i);
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(seed * 31 + i * 7);
}

/* ---- tests ---- */

static void test_round_trip(void **state)
{
	struct tdir *t = *state;
	struct logstream *ls = wopen(t->dir, 0);
	struct log_touched tc[2] = {
		{ "PAY.MASTER", 300, 1700000000000001 },
		{ "PAY.INDEX", 0, 1700000000000002 },
	};
	uint8_t after[100], before[60], cut[40];
	struct logreader *lr;
	struct logrec rec;
	uint64_t u1, u2, lsn;

	fill(after, sizeof(after), 1);
	fill(before, sizeof(before), 2);
	fill(cut, sizeof(cut), 3);
	assert_int_equal(logstream_begin(ls, &u1), 0);
	assert_int_equal(u1, 1);
	/* 100 bytes at 200 of a 260-byte file: 60 bytes were there */
	assert_int_equal(logstream_write(ls, u1, "pay.master", 200, after, 100,
					 before, 60, 260, &lsn),
			 0);
	assert_int_equal(lsn, 2);
	assert_int_equal(
		logstream_truncate(ls, u1, "PAY.INDEX", 10, 50, cut, 40, NULL),
		0);
	assert_int_equal(
		logstream_truncate(ls, u1, "PAY.INDEX", 0, 10, NULL, 0, NULL),
		-EINVAL); /* cut-off image missing */
	assert_int_equal(logstream_truncate(ls, u1, "PAY.INDEX", 4096, 10, NULL,
					    0, NULL),
			 0);
	assert_int_equal(logstream_commit(ls, u1, tc, 2), 0);
	assert_int_equal(logstream_begin(ls, &u2), 0);
	assert_int_equal(logstream_backout(ls, u2), 0);
	assert_int_equal(logstream_begin(ls, &u2), 0);
	assert_int_equal(logstream_next_lsn(ls), 9);
	assert_int_equal(logstream_close(ls), 0); /* aborts u2 */

	assert_int_equal(logreader_open(t->dir, 0, &lr), 0);
	assert_int_equal(logreader_next(lr, &rec), 1);
	assert_int_equal(rec.type, LOGREC_BEGIN);
	assert_int_equal(rec.lsn, 1);
	assert_int_equal(rec.uow, 1);
	assert_string_equal(rec.segment, "00000000000000000001.rlog");
	assert_int_equal(logreader_next(lr, &rec), 1);
	assert_int_equal(rec.type, LOGREC_WRITE);
	assert_string_equal(rec.dsn, "PAY.MASTER");
	assert_int_equal(rec.uow, 1);
	assert_int_equal(rec.offset, 200);
	assert_int_equal(rec.old_size, 260);
	assert_int_equal(rec.after_len, 100);
	assert_memory_equal(rec.after, after, 100);
	assert_int_equal(rec.before_len, 60);
	assert_memory_equal(rec.before, before, 60);
	assert_int_equal(logreader_next(lr, &rec), 1);
	assert_int_equal(rec.type, LOGREC_TRUNCATE);
	assert_string_equal(rec.dsn, "PAY.INDEX");
	assert_int_equal(rec.new_size, 10);
	assert_int_equal(rec.old_size, 50);
	assert_int_equal(rec.before_len, 40);
	assert_memory_equal(rec.before, cut, 40);
	assert_int_equal(logreader_next(lr, &rec), 1);
	assert_int_equal(rec.type, LOGREC_TRUNCATE);
	assert_int_equal(rec.new_size, 4096);
	assert_int_equal(rec.before_len, 0);
	assert_int_equal(logreader_next(lr, &rec), 1);
	assert_int_equal(rec.type, LOGREC_COMMIT);
	assert_int_equal(rec.lsn, 5);
	assert_int_equal(rec.n_touched, 2);
	assert_string_equal(rec.touched[0].dsn, "PAY.MASTER");
	assert_int_equal(rec.touched[0].size, 300);
	assert_int_equal(rec.touched[0].mtime_us, 1700000000000001);
	assert_string_equal(rec.touched[1].dsn, "PAY.INDEX");
	assert_int_equal(logreader_next(lr, &rec), 1);
	assert_int_equal(rec.type, LOGREC_BEGIN);
	assert_int_equal(rec.uow, 6);
	assert_int_equal(logreader_next(lr, &rec), 1);
	assert_int_equal(rec.type, LOGREC_BACKOUT);
	assert_int_equal(rec.uow, 6);
	assert_int_equal(logreader_next(lr, &rec), 1);
	assert_int_equal(rec.type, LOGREC_BEGIN);
	assert_int_equal(logreader_next(lr, &rec), 1);
	assert_int_equal(rec.type, LOGREC_ABORT);
	assert_int_equal(rec.uow, 8);
	assert_int_equal(rec.lsn, 9);
	assert_int_equal(logreader_next(lr, &rec), 0);
	assert_int_equal(logreader_next(lr, &rec), 0);
	logreader_close(lr);

	/* from_lsn starts in the middle */
	assert_int_equal(logreader_open(t->dir, 5, &lr), 0);
	assert_int_equal(logreader_next(lr, &rec), 1);
	assert_int_equal(rec.lsn, 5);
	logreader_close(lr);
	assert_string_equal(logrec_type_name(LOGREC_TRUNCATE), "TRUNCATE");
	assert_string_equal(logrec_type_name(99), "?");
}

static void test_bad_input(void **state)
{
	struct tdir *t = *state;
	struct logstream *ls = wopen(t->dir, 0);
	uint8_t b[16] = { 0 };
	uint64_t u;

	assert_int_equal(logstream_begin(ls, &u), 0);
	assert_int_equal(
		logstream_write(ls, u, "1BAD", 0, b, 4, NULL, 0, 0, NULL),
		-EINVAL);
	assert_int_equal(logstream_write(ls, u, "A", 0, b, 0, NULL, 0, 0, NULL),
			 -EINVAL);
	/* the file had 8 bytes at 0: the before-image must be 8 bytes */
	assert_int_equal(logstream_write(ls, u, "A", 0, b, 16, b, 4, 8, NULL),
			 -EINVAL);
	assert_int_equal(
		logstream_write(ls, u + 100, "A", 0, b, 4, NULL, 0, 0, NULL),
		-ENOENT);
	assert_int_equal(logstream_commit(ls, u + 100, NULL, 0), -ENOENT);
	assert_int_equal(logstream_next_lsn(ls), 2); /* nothing appended */
	assert_int_equal(logstream_close(ls), 0);
	assert_int_equal(logstream_open("/nonexistent/ruv", NULL, &ls),
			 -ENOENT);
}

static void test_segments_and_reopen(void **state)
{
	struct tdir *t = *state;
	struct logstream_stat st;
	struct logstream *ls;
	struct seen s;
	uint8_t b[300];
	uint64_t u;
	int round, i;

	fill(b, sizeof(b), 9);
	for (round = 0; round < 3; round++) {
		ls = wopen(t->dir, 4096);
		for (i = 0; i < 40; i++) {
			assert_int_equal(logstream_begin(ls, &u), 0);
			assert_int_equal(logstream_write(ls, u, "A.B", 0, b,
							 sizeof(b), NULL, 0, 0,
							 NULL),
					 0);
			assert_int_equal(logstream_commit(ls, u, NULL, 0), 0);
		}
		assert_int_equal(logstream_close(ls), 0);
	}
	assert_int_equal(read_all(t->dir, 0, &s), 0);
	assert_int_equal(s.n, 3 * 40 * 3);
	assert_lsns(&s, 1);
	free(s.v);
	assert_int_equal(logstream_stat(t->dir, &st), 0);
	assert_true(st.segments > 3);
	assert_int_equal(st.first_lsn, 1);
	assert_int_equal(st.last_lsn, 360);
	assert_true(st.first_us <= st.last_us && st.first_us > 0);
	/* from an LSN in a later segment */
	assert_int_equal(read_all(t->dir, 301, &s), 0);
	assert_int_equal(s.n, 60);
	assert_lsns(&s, 301);
	free(s.v);
}

/* A child that begins two units, writes, and dies without a word. */
static void crash_writer(const char *dir, size_t last_len)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct logstream *ls;
		uint8_t b[4096];
		uint64_t u1, u2;

		fill(b, sizeof(b), 5);
		if (logstream_open(dir, NULL, &ls) < 0 ||
		    logstream_begin(ls, &u1) < 0 ||
		    logstream_write(ls, u1, "X.Y", 0, b, 100, NULL, 0, 0,
				    NULL) < 0 ||
		    logstream_begin(ls, &u2) < 0 ||
		    logstream_write(ls, u2, "X.Z", 0, b, last_len, NULL, 0, 0,
				    NULL) < 0)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static char *slurp(const char *path, size_t *len)
{
	struct stat sb;
	char *b;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	b = malloc((size_t)sb.st_size + 1);
	assert_non_null(b);
	assert_int_equal(read(fd, b, (size_t)sb.st_size), sb.st_size);
	close(fd);
	*len = (size_t)sb.st_size;
	return b;
}

static void spit(const char *path, const char *b, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, b, len), (ssize_t)len);
	close(fd);
}

static void test_torn_tail(void **state)
{
	struct tdir *t = *state;
	char seg[128];
	struct logstream *ls;
	struct seen s;
	size_t full, cut, last_start;
	char *img;
	uint64_t u;

	crash_writer(t->dir, 200);
	snprintf(seg, sizeof(seg), "%s/00000000000000000001.rlog", t->dir);
	img = slurp(seg, &full);
	/* the last record: 40 head + 24 + "X.Z" + 200 after */
	last_start = full - (40 + 24 + 3 + 200);
	for (cut = last_start; cut < full; cut++) {
		assert_int_equal(truncate(seg, (off_t)cut), 0);
		/* before the writer reopens, the reader stops at the tear */
		assert_int_equal(read_all(t->dir, 0, &s), 0);
		assert_int_equal(s.n, 3);
		free(s.v);

		ls = wopen(t->dir, 0);
		assert_int_equal(logstream_next_lsn(ls), 6);
		assert_int_equal(logstream_close(ls), 0);
		assert_int_equal(read_all(t->dir, 0, &s), 0);
		/* BEGIN WRITE BEGIN, then ABORTs of units 1 and 3 */
		assert_int_equal(s.n, 5);
		assert_lsns(&s, 1);
		assert_int_equal(s.v[3].type, LOGREC_ABORT);
		assert_int_equal(s.v[4].type, LOGREC_ABORT);
		assert_int_equal(s.v[3].uow + s.v[4].uow, 1 + 3);
		free(s.v);
		spit(seg, img, full);
	}
	/* Zeros after the last record (a power loss): torn, not damage. */
	{
		char *z = calloc(1, full + 500);

		memcpy(z, img, last_start);
		spit(seg, z, last_start + 500);
		free(z);
		ls = wopen(t->dir, 0);
		assert_int_equal(logstream_begin(ls, &u), 0);
		assert_int_equal(u, 6);
		assert_int_equal(logstream_close(ls), 0);
		assert_int_equal(read_all(t->dir, 0, &s), 0);
		assert_int_equal(s.n, 7);
		assert_lsns(&s, 1);
		free(s.v);
	}
	free(img);
}

static void test_flipped_byte(void **state)
{
	struct tdir *t = *state;
	char seg[128], want[128];
	struct logstream *ls = wopen(t->dir, 4096);
	struct logstream_stat st;
	struct logreader *lr;
	struct logrec rec;
	uint8_t b[500];
	uint64_t u, second = 0, target_lsn = 0;
	size_t len;
	char *img;
	int i, rc;

	fill(b, sizeof(b), 4);
	for (i = 0; i < 30; i++) {
		assert_int_equal(logstream_begin(ls, &u), 0);
		assert_int_equal(logstream_write(ls, u, "Q", 0, b, sizeof(b),
						 NULL, 0, 0, NULL),
				 0);
		assert_int_equal(logstream_commit(ls, u, NULL, 0), 0);
	}
	assert_int_equal(logstream_close(ls), 0);
	assert_int_equal(logstream_stat(t->dir, &st), 0);
	assert_true(st.segments >= 3);
	/* the second segment: flip a byte in its second record's image */
	assert_int_equal(logreader_open(t->dir, 0, &lr), 0);
	while (logreader_next(lr, &rec) == 1) {
		if (strcmp(rec.segment, "00000000000000000001.rlog") && !second)
			second = rec.lsn;
		if (second && rec.lsn == second + 1) {
			target_lsn = rec.lsn;
			snprintf(seg, sizeof(seg), "%s/%s", t->dir,
				 rec.segment);
			break;
		}
	}
	logreader_close(lr);
	assert_true(target_lsn > 0);
	img = slurp(seg, &len);
	{
		/* find the record: its LSN field, little-endian, at +8 */
		size_t off;
		uint64_t le = target_lsn;

		for (off = 0; off + 8 <= len; off++)
			if (!memcmp(img + off, &le, 8))
				break;
		assert_true(off + 40 < len);
		img[off + 12] ^= 0x10; /* inside its LSN field */
	}
	spit(seg, img, len);
	free(img);

	assert_int_equal(logreader_open(t->dir, 0, &lr), 0);
	while ((rc = logreader_next(lr, &rec)) == 1)
		assert_true(rec.lsn < target_lsn);
	assert_int_equal(rc, -EIO);
	snprintf(want, sizeof(want), "segment %020" PRIu64 ".rlog", second);
	assert_non_null(strstr(ruv_lasterr(), want));
	snprintf(want, sizeof(want), "(LSN %" PRIu64 ")", target_lsn);
	assert_non_null(strstr(ruv_lasterr(), want));
	assert_int_equal(logreader_next(lr, &rec), -EIO);
	logreader_close(lr);
}

static void test_damage_last_segment_refused(void **state)
{
	struct tdir *t = *state;
	char seg[128];
	struct logstream *ls = wopen(t->dir, 0);
	uint8_t b[200];
	uint64_t u;
	size_t len;
	char *img, *again;
	int i;

	fill(b, sizeof(b), 6);
	for (i = 0; i < 3; i++) {
		assert_int_equal(logstream_begin(ls, &u), 0);
		assert_int_equal(logstream_write(ls, u, "Q", 0, b, sizeof(b),
						 NULL, 0, 0, NULL),
				 0);
		assert_int_equal(logstream_commit(ls, u, NULL, 0), 0);
	}
	assert_int_equal(logstream_close(ls), 0);
	snprintf(seg, sizeof(seg), "%s/00000000000000000001.rlog", t->dir);
	img = slurp(seg, &len);
	img[len / 2] ^= 1; /* in the middle of the stream */
	spit(seg, img, len);
	ls = NULL;
	assert_int_equal(logstream_open(t->dir, NULL, &ls), -EIO);
	assert_null(ls);
	assert_non_null(strstr(ruv_lasterr(), "00000000000000000001.rlog"));
	/* nothing cut */
	again = slurp(seg, &len);
	assert_memory_equal(again, img, len);
	free(again);
	free(img);
}

struct thr {
	struct logstream *ls;
	int id;
	int rc;
};

static void *committer(void *arg)
{
	struct thr *th = arg;
	struct log_touched tc;
	uint8_t b[64];
	uint64_t u;
	int i, rc;

	snprintf(tc.dsn, sizeof(tc.dsn), "T%d", th->id);
	for (i = 0; i < 200; i++) {
		fill(b, sizeof(b), (unsigned)(th->id * 1000 + i));
		tc.size = (uint64_t)i;
		tc.mtime_us = i;
		if ((rc = logstream_begin(th->ls, &u)) < 0 ||
		    (rc = logstream_write(th->ls, u, tc.dsn, 0, b, sizeof(b),
					  NULL, 0, 0, NULL)) < 0 ||
		    (rc = logstream_commit(th->ls, u, &tc, 1)) < 0) {
			th->rc = rc;
			return NULL;
		}
	}
	return NULL;
}

/* Every unit complete: BEGIN, WRITE(s), one end, with its own uow. */
static void assert_units_whole(const struct seen *s, size_t nunits)
{
	size_t i, j, begins = 0;

	for (i = 0; i < s->n; i++) {
		if (s->v[i].type != LOGREC_BEGIN)
			continue;
		begins++;
		assert_int_equal(s->v[i].uow, s->v[i].lsn);
		for (j = i + 1; j < s->n; j++)
			if (s->v[j].uow == s->v[i].uow &&
			    s->v[j].type == LOGREC_COMMIT)
				break;
		assert_true(j < s->n);
	}
	assert_int_equal(begins, nunits);
}

static void test_threads_commit(void **state)
{
	struct tdir *t = *state;
	struct logstream *ls = wopen(t->dir, 64 * 1024);
	struct thr th[4];
	pthread_t tid[4];
	struct seen s;
	int i;

	for (i = 0; i < 4; i++) {
		th[i] = (struct thr){ ls, i, 0 };
		assert_int_equal(
			pthread_create(&tid[i], NULL, committer, &th[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(tid[i], NULL);
		assert_int_equal(th[i].rc, 0);
	}
	assert_int_equal(logstream_close(ls), 0);
	assert_int_equal(read_all(t->dir, 0, &s), 0);
	assert_int_equal(s.n, 4 * 200 * 3);
	assert_lsns(&s, 1);
	assert_units_whole(&s, 800);
	free(s.v);
}

static void test_processes_append(void **state)
{
	struct tdir *t = *state;
	pid_t pid[2];
	struct seen s;
	int i, status;

	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			struct thr th = { NULL, i, 0 };

			if (logstream_open(t->dir,
					   &(struct logstream_opts){
						   .segment_size = 16384 },
					   &th.ls) < 0)
				_exit(1);
			committer(&th);
			if (th.rc < 0 || logstream_close(th.ls) < 0)
				_exit(2);
			_exit(0);
		}
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(read_all(t->dir, 0, &s), 0);
	assert_int_equal(s.n, 2 * 200 * 3);
	assert_lsns(&s, 1);
	assert_units_whole(&s, 400);
	free(s.v);
}

static int64_t fake_now;
static int64_t fake_clock(void)
{
	return fake_now;
}

static void test_clock_back(void **state)
{
	struct tdir *t = *state;
	struct logstream_opts o = { .clock_us = fake_clock };
	struct logstream *ls;
	struct seen s;
	uint64_t u;

	fake_now = 5000000;
	assert_int_equal(logstream_open(t->dir, &o, &ls), 0);
	assert_int_equal(logstream_begin(ls, &u), 0);
	fake_now = 1000000; /* the clock steps back */
	assert_int_equal(logstream_commit(ls, u, NULL, 0), 0);
	fake_now = 7000000;
	assert_int_equal(logstream_begin(ls, &u), 0);
	assert_int_equal(logstream_close(ls), 0);
	/* a restarted writer with the clock still behind */
	fake_now = 2000000;
	assert_int_equal(logstream_open(t->dir, &o, &ls), 0);
	assert_int_equal(logstream_begin(ls, &u), 0);
	assert_int_equal(logstream_close(ls), 0);
	assert_int_equal(read_all(t->dir, 0, &s), 0);
	assert_int_equal(s.n, 6);
	assert_int_equal(s.v[0].time_us, 5000000);
	assert_int_equal(s.v[1].time_us, 5000000);
	assert_int_equal(s.v[2].time_us, 7000000);
	assert_int_equal(s.v[3].time_us, 7000000); /* ABORT at close */
	assert_int_equal(s.v[4].time_us, 7000000);
	assert_int_equal(s.v[5].time_us, 7000000);
	free(s.v);
}

static void test_enospc(void **state)
{
	struct tdir *t = *state;
	struct logstream *ls = wopen(t->dir, 0);
	uint8_t b[256];
	struct seen s;
	uint64_t u1, u2, next;

	fill(b, sizeof(b), 8);
	assert_int_equal(logstream_begin(ls, &u1), 0);
	assert_int_equal(
		logstream_write(ls, u1, "A", 0, b, 10, NULL, 0, 0, NULL), 0);
	assert_int_equal(logstream_begin(ls, &u2), 0);
	next = logstream_next_lsn(ls);

	/* no room: the write fails, nothing of it lands */
	fail_fallocate = 1;
	assert_int_equal(
		logstream_write(ls, u1, "A", 10, b, 256, NULL, 0, 10, NULL),
		-ENOSPC);
	assert_int_equal(logstream_begin(ls, &u1 /* unused */), -ENOSPC);
	assert_int_equal(logstream_next_lsn(ls), next);
	/* a write cut short by the disk: cut back */
	fail_fallocate = 0;
	fail_pwrite = 1;
	assert_int_equal(
		logstream_write(ls, u2, "B", 0, b, 256, NULL, 0, 0, NULL),
		-ENOSPC);
	assert_int_equal(logstream_next_lsn(ls), next);
	assert_int_equal(read_all(t->dir, 0, &s), 0);
	assert_int_equal(s.n, 3);
	free(s.v);
	/* commits still go through on the reserve */
	fail_pwrite = 0;
	fail_fallocate = 1;
	assert_int_equal(logstream_commit(ls, 1, NULL, 0), 0);
	assert_int_equal(logstream_backout(ls, u2), 0);
	fail_fallocate = 0;
	assert_int_equal(logstream_close(ls), 0);
	assert_int_equal(read_all(t->dir, 0, &s), 0);
	assert_int_equal(s.n, 5);
	assert_lsns(&s, 1);
	assert_int_equal(s.v[3].type, LOGREC_COMMIT);
	assert_int_equal(s.v[4].type, LOGREC_BACKOUT);
	free(s.v);
}

static void test_empty_stream(void **state)
{
	struct tdir *t = *state;
	struct logstream_stat st;
	struct logstream *ls = wopen(t->dir, 0);
	struct seen s;

	assert_int_equal(logstream_next_lsn(ls), 1);
	assert_int_equal(logstream_close(ls), 0);
	assert_int_equal(read_all(t->dir, 0, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(logstream_stat(t->dir, &st), 0);
	assert_int_equal(st.first_lsn, 0);
	assert_int_equal(st.last_lsn, 0);
	assert_int_equal(st.segments, 0);
}

/*
 * A segment started and then nothing written to it (a crash right after
 * the roll, here the first record's pwrite failing): readers and the
 * next writer must take it as the empty tail it is, not look for a
 * segment after it (which once found itself again, forever).
 */
static void test_empty_last_segment(void **state)
{
	struct tdir *t = *state;
	struct logstream *ls = wopen(t->dir, 4096);
	struct logstream_stat st;
	struct seen s;
	uint8_t b[1000];
	uint64_t u, next;
	int i, rc = 0;

	fill(b, sizeof(b), 2);
	assert_int_equal(logstream_begin(ls, &u), 0);
	/* 52: the header of a segment started with one unit open */
	fail_pwrite_off = 52 + 8;
	for (i = 0; i < 10 && rc == 0; i++)
		rc = logstream_write(ls, u, "E", 0, b, sizeof(b), NULL, 0, 0,
				     NULL);
	assert_int_equal(rc, -EIO);
	fail_pwrite_off = -1;
	next = logstream_next_lsn(ls);
	assert_int_equal(logstream_stat(t->dir, &st), 0);
	assert_int_equal(st.segments, 2);
	assert_int_equal(st.last_lsn, next - 1);
	assert_int_equal(read_all(t->dir, 0, &s), 0);
	assert_int_equal(s.n, next - 1);
	free(s.v);
	/* the same writer carries on in it */
	assert_int_equal(logstream_commit(ls, u, NULL, 0), 0);
	assert_int_equal(logstream_close(ls), 0);
	/* and a new writer too */
	ls = wopen(t->dir, 4096);
	assert_int_equal(logstream_begin(ls, &u), 0);
	assert_int_equal(u, next + 1);
	assert_int_equal(logstream_close(ls), 0);
	assert_int_equal(read_all(t->dir, 0, &s), 0);
	assert_int_equal(s.n, next + 2); /* BEGIN, and its ABORT at close */
	assert_lsns(&s, 1);
	free(s.v);
}

/* Readers running while another process appends and rolls segments see
 * a prefix of the stream, never damage. */
static void test_read_while_writing(void **state)
{
	struct tdir *t = *state;
	struct seen s;
	pid_t pid;
	int status, reads = 0, done = 0;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct thr th = { NULL, 7, 0 };

		if (logstream_open(
			    t->dir,
			    &(struct logstream_opts){ .segment_size = 4096 },
			    &th.ls) < 0)
			_exit(1);
		committer(&th);
		_exit(th.rc < 0 || logstream_close(th.ls) < 0 ? 2 : 0);
	}
	while (!done) {
		done = waitpid(pid, &status, WNOHANG) == pid;
		assert_int_equal(read_all(t->dir, 0, &s), 0);
		assert_lsns(&s, 1);
		free(s.v);
		reads++;
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(read_all(t->dir, 0, &s), 0);
	assert_int_equal(s.n, 600);
	free(s.v);
	assert_true(reads > 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_segments_and_reopen, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flipped_byte, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_damage_last_segment_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_commit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_processes_append, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_clock_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_enospc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_stream, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_empty_last_segment, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_while_writing, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
