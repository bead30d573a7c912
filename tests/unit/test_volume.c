// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of volume.c: round trips of every shape of content, random
 * access, the scan, sealing, torn tails cut at every offset, damage.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "volume.h"

#define CS 4096U /* chunk size: small, so boundaries are cheap */

struct fx {
	char dir[64];
	char path[96];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/ruvvol.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/T00001", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static unsigned char *content(size_t n, int compressible, unsigned seed)
{
	unsigned char *p = malloc(n ? n : 1);
	size_t i;

	srand(seed);
	for (i = 0; i < n; i++)
		p[i] = compressible ? (unsigned char)("RECORD  "[i % 8] +
						      i / 977 % 3)
				    : (unsigned char)rand();
	return p;
}

/* Write one data set of data[0..n) and return its info. */
static void put_dataset(struct volume *v, const char *name,
			const unsigned char *data, size_t n,
			struct volume_dataset_info *info)
{
	struct volume_writer *w;
	unsigned char *frame = malloc(volume_chunk_bound(CS));
	size_t off = 0, len, flen;

	assert_int_equal(volume_dataset_begin(v, VOLUME_KIND_BACKUP, name,
					      "SRC.DSN", CS, "meta=1", 7, &w),
			 0);
	while (off < n) {
		len = n - off < CS ? n - off : CS;
		assert_int_equal(volume_chunk_compress(data + off, len, frame,
						       volume_chunk_bound(CS),
						       &flen),
				 0);
		assert_int_equal(volume_dataset_put(w, frame, flen, len), 0);
		off += len;
	}
	assert_int_equal(volume_dataset_commit(w, info), 0);
	free(frame);
}

static void read_back(const char *path, const struct volume_dataset_info *di,
		      const unsigned char *data, size_t n)
{
	struct volume_reader *vr;
	unsigned char *buf = malloc(n + CS);
	uint64_t off;
	size_t len;
	unsigned i;

	assert_int_equal(volume_reader_open(path, di->offset, di->length, &vr),
			 0);
	assert_int_equal(volume_reader_info(vr)->raw_size, n);
	assert_int_equal(volume_reader_pread(vr, buf, n + CS, 0), (ssize_t)n);
	assert_memory_equal(buf, data, n);
	assert_int_equal(volume_reader_pread(vr, buf, 10, n), 0);
	srand(99);
	for (i = 0; n && i < 50; i++) {
		off = (uint64_t)rand() % n;
		len = (size_t)rand() % (3 * CS);
		if (len > n - off)
			len = n - off;
		assert_int_equal(volume_reader_pread(vr, buf, len, off),
				 (ssize_t)len);
		assert_memory_equal(buf, data + off, len);
	}
	assert_int_equal(volume_reader_verify(vr), 0);
	volume_reader_close(vr);
	/* Without the length the reader walks to the footer itself. */
	assert_int_equal(volume_reader_open(path, di->offset, 0, &vr), 0);
	assert_int_equal(volume_reader_verify(vr), 0);
	volume_reader_close(vr);
	free(buf);
}

static void test_round_trips(void **state)
{
	static const size_t sizes[] = { 0, 1, CS - 1, CS, CS + 1, 10 * CS + 7 };
	struct volume_dataset_info info[12];
	unsigned char *data[12];
	struct fx *f = *state;
	struct volume *v;
	unsigned i, k;
	char name[16];

	assert_int_equal(volume_create(f->path, "T00001", "tape", 1 << 20, &v),
			 0);
	for (i = 0; i < 12; i++) {
		data[i] = content(sizes[i % 6], i < 6, i);
		snprintf(name, sizeof(name), "DS%u", i);
		put_dataset(v, name, data[i], sizes[i % 6], &info[i]);
		assert_int_equal(info[i].seq, i + 1);
	}
	volume_close(v);
	for (i = 0; i < 12; i++)
		read_back(f->path, &info[i], data[i], sizes[i % 6]);
	/* Reopened, it ends where the last data set ends. */
	assert_int_equal(volume_open(f->path, 1, &v), 0);
	assert_int_equal(volume_size(v), info[11].offset + info[11].length);
	assert_string_equal(volume_label(v)->volser, "T00001");
	assert_string_equal(volume_label(v)->pool, "tape");
	volume_close(v);
	for (k = 0; k < 12; k++)
		free(data[k]);
}

struct seen {
	unsigned n;
	unsigned complete;
	char names[12][VOLUME_NAME_MAX + 1];
};

static int remember(const struct volume_dataset_info *di, void *arg)
{
	struct seen *s = arg;

	if (s->n < 12)
		memcpy(s->names[s->n], di->name, sizeof(di->name));
	s->n++;
	s->complete += di->state == VOLUME_DS_COMPLETE;
	assert_string_equal(di->source, "SRC.DSN");
	assert_int_equal(di->meta_len, 7);
	assert_string_equal(di->meta, "meta=1");
	return 0;
}

static void test_scan_and_seal(void **state)
{
	struct volume_dataset_info info;
	struct volume_label label;
	struct volume_writer *w;
	struct seen s = { 0 };
	struct fx *f = *state;
	unsigned char *d = content(3 * CS, 1, 1);
	struct volume *v;

	assert_int_equal(volume_create(f->path, "T00001", "tape", 1 << 20, &v),
			 0);
	put_dataset(v, "ONE", d, 3 * CS, &info);
	put_dataset(v, "TWO", d, 5, &info);
	assert_int_equal(volume_seal(v), 0);
	assert_int_equal(volume_seal(v), 0);
	assert_int_equal(volume_dataset_begin(v, VOLUME_KIND_BACKUP, "X", "",
					      CS, NULL, 0, &w),
			 -EROFS);
	volume_close(v);
	assert_int_equal(volume_scan(f->path, remember, &s, &label), 2);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.names[0], "ONE");
	assert_string_equal(s.names[1], "TWO");
	assert_true(label.sealed);
	assert_int_equal(volume_open(f->path, 1, &v), 0);
	assert_true(volume_is_sealed(v));
	assert_int_equal(volume_dataset_begin(v, VOLUME_KIND_BACKUP, "X", "",
					      CS, NULL, 0, &w),
			 -EROFS);
	volume_close(v);
	free(d);
}

static void test_abort_cuts_back(void **state)
{
	struct volume_dataset_info info;
	struct volume_writer *w;
	struct fx *f = *state;
	unsigned char *d = content(2 * CS, 0, 2), frame[2 * CS];
	struct volume *v;
	struct stat sb;
	size_t flen;

	assert_int_equal(volume_create(f->path, "T00001", "tape", 1 << 20, &v),
			 0);
	put_dataset(v, "KEEP", d, CS, &info);
	assert_int_equal(volume_dataset_begin(v, VOLUME_KIND_BACKUP, "GONE", "",
					      CS, NULL, 0, &w),
			 0);
	assert_int_equal(volume_dataset_begin(v, VOLUME_KIND_BACKUP, "TWICE",
					      "", CS, NULL, 0, &w),
			 -EBUSY);
	assert_int_equal(
		volume_chunk_compress(d, CS, frame, sizeof(frame), &flen), 0);
	assert_int_equal(volume_dataset_put(w, frame, flen, CS), 0);
	volume_dataset_abort(w);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal((uint64_t)sb.st_size, info.offset + info.length);
	put_dataset(v, "NEXT", d, 2 * CS, &info);
	assert_int_equal(info.seq, 2);
	volume_close(v);
	read_back(f->path, &info, d, 2 * CS);
	free(d);
}

/* Cut the volume at every offset inside its last data set: the earlier
 * ones stay whole, the scan calls the last one torn, and after cutting
 * back a new data set appends and reads. */
static void test_torn_tail_everywhere(void **state)
{
	struct volume_dataset_info first, last, again;
	struct fx *f = *state;
	unsigned char *a = content(2 * CS + 3, 0, 3),
		      *b = content(3 * CS, 1, 4);
	struct volume *v;
	struct seen s;
	uint64_t cut, step;
	char copy[128];
	int fd;

	assert_int_equal(volume_create(f->path, "T00001", "tape", 1 << 20, &v),
			 0);
	put_dataset(v, "FIRST", a, 2 * CS + 3, &first);
	put_dataset(v, "LAST", b, 3 * CS, &last);
	volume_close(v);
	snprintf(copy, sizeof(copy), "%s/whole", f->dir);
	assert_int_equal(rename(f->path, copy), 0);
	step = last.length / 97 + 1;
	for (cut = last.offset; cut < last.offset + last.length; cut += step) {
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", copy, f->path);
		assert_int_equal(system(cmd), 0);
		fd = open(f->path, O_WRONLY);
		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, (off_t)cut), 0);
		close(fd);
		memset(&s, 0, sizeof(s));
		assert_int_equal(volume_scan(f->path, remember, &s, NULL), 1);
		assert_int_equal(volume_open(f->path, 1, &v), 0);
		assert_int_equal(volume_size(v), first.offset + first.length);
		assert_int_equal(volume_truncate_after(v, volume_size(v)), 0);
		put_dataset(v, "AGAIN", b, 3 * CS, &again);
		assert_int_equal(again.seq, 2);
		volume_close(v);
		read_back(f->path, &first, a, 2 * CS + 3);
		read_back(f->path, &again, b, 3 * CS);
	}
	free(a);
	free(b);
}

static void flip(const char *path, uint64_t off)
{
	unsigned char c;
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, (off_t)off), 1);
	c ^= 0xff;
	assert_int_equal(pwrite(fd, &c, 1, (off_t)off), 1);
	close(fd);
}

static void test_damage(void **state)
{
	struct volume_dataset_info ds[3];
	struct volume_reader *vr;
	struct fx *f = *state;
	unsigned char *d = content(4 * CS, 0, 5), buf[CS];
	struct volume *v;
	struct seen s = { 0 };
	int i;

	assert_int_equal(volume_create(f->path, "T00001", "tape", 1 << 20, &v),
			 0);
	for (i = 0; i < 3; i++)
		put_dataset(v,
			    i == 0   ? "A"
			    : i == 1 ? "B"
				     : "C",
			    d, 4 * CS, &ds[i]);
	volume_close(v);
	/* A byte in the compressed data of B's third chunk. */
	flip(f->path, ds[1].offset + ds[1].length / 2);
	assert_int_equal(
		volume_reader_open(f->path, ds[1].offset, ds[1].length, &vr),
		0);
	ruv_clearerr();
	assert_int_equal(volume_reader_verify(vr), -EIO);
	assert_non_null(strstr(ruv_lasterr(), "data set 2 'B'"));
	assert_int_equal(volume_reader_pread(vr, buf, CS, 0), CS);
	volume_reader_close(vr);
	read_back(f->path, &ds[0], d, 4 * CS);
	read_back(f->path, &ds[2], d, 4 * CS);
	/* The scan still finds all three (the chunk headers are intact). */
	assert_int_equal(volume_scan(f->path, remember, &s, NULL), 3);
	/* A damaged header: the scan resyncs and still finds C. */
	flip(f->path, ds[1].offset + 20);
	memset(&s, 0, sizeof(s));
	volume_scan(f->path, remember, &s, NULL);
	assert_int_equal(s.complete, 2);
	assert_int_equal(
		volume_reader_open(f->path, ds[1].offset, ds[1].length, &vr),
		-EIO);
	assert_non_null(strstr(ruv_lasterr(), "header is damaged"));
	/* The writer refuses to cut into registered but damaged data. */
	assert_int_equal(volume_open(f->path, 1, &v), 0);
	assert_int_equal(volume_truncate_after(v, ds[2].offset + ds[2].length),
			 -EIO);
	volume_close(v);
	/* The label. */
	flip(f->path, 17);
	assert_int_equal(volume_open(f->path, 0, &v), -EIO);
	assert_non_null(strstr(ruv_lasterr(), "label is damaged"));
	assert_int_equal(volume_scan(f->path, NULL, NULL, NULL), -EIO);
	free(d);
}

static void test_not_a_volume(void **state)
{
	struct fx *f = *state;
	struct volume *v;
	FILE *fp = fopen(f->path, "w");

	fputs("just some text, not a volume at all\n", fp);
	fclose(fp);
	assert_int_equal(volume_open(f->path, 0, &v), -EIO);
	assert_non_null(strstr(ruv_lasterr(), "not a volume"));
	assert_int_equal(volume_create(f->path, "T00001", "x", 1, &v), -EEXIST);
	unlink(f->path);
	assert_int_equal(volume_open(f->path, 0, &v), -ENOENT);
}

static void test_kinds(void **state)
{
	(void)state;
	assert_string_equal(volume_kind_name(VOLUME_KIND_ACCUM_UOW),
			    "accum-uow");
	assert_int_equal(volume_kind_parse("repository"),
			 VOLUME_KIND_REPOSITORY);
	assert_int_equal(volume_kind_parse("nope"), 0);
	assert_string_equal(volume_kind_name(99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trips, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scan_and_seal, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_abort_cuts_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_everywhere,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_volume, setup,
						teardown),
		cmocka_unit_test(test_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
