// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of volume.c: labels, round trips of every shape of content,
 * random access, the scan, sealing, torn tails cut at every offset,
 * damage to each structure, bad input, write errors, and random damage
 * that must never give back wrong bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crc32c.h"
#include "errmsg.h"
#include "volume.h"

#define CS 4096U /* chunk size: the smallest, so boundaries are cheap */

struct fx {
	char dir[64];
	char path[96];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ruvvol.XXXXXX");
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

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

/* ---- helpers ------------------------------------------------------------ */

enum { TEXT, RANDOM, REPEAT };

static unsigned rnd_state;

static unsigned rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* n bytes of text-like records, of noise, or of one record over and
 * over; never NULL. */
static unsigned char *content(size_t n, int kind, unsigned seed)
{
	static const char *const words[] = { "PAYROLL ", "ACCOUNT ", "0000123 ",
					     "DEBIT   ", "CREDIT  ", "\n" };
	unsigned char *p = malloc(n ? n : 1);
	size_t i;

	assert_non_null(p);
	rnd_state = seed;
	for (i = 0; i < n;) {
		if (kind == RANDOM) {
			p[i++] = (unsigned char)rnd();
			continue;
		}
		if (kind == REPEAT) {
			p[i] = (unsigned char)"RECORD  "[i % 8];
			i++;
			continue;
		}
		const char *w = words[rnd() % 6];

		while (*w && i < n)
			p[i++] = (unsigned char)*w++;
	}
	return p;
}

static struct volume *create(const struct fx *f)
{
	struct volume *v = NULL;

	assert_int_equal(volume_create(f->path, "T00001", "tape", 1 << 30, &v),
			 0);
	return v;
}

static struct volume *open_rw(const char *path)
{
	struct volume *v = NULL;

	assert_int_equal(volume_open(path, 1, &v), 0);
	return v;
}

/* Write data[0..n) as one data set in chunks of cs. */
static void put_ds(struct volume *v, const char *name, const void *meta,
		   size_t meta_len, const unsigned char *data, size_t n,
		   uint32_t cs, struct volume_dataset_info *info)
{
	size_t cap = volume_chunk_bound(cs), off = 0, len, flen;
	unsigned char *frame = malloc(cap);
	struct volume_writer *w = NULL;

	assert_non_null(frame);
	assert_int_equal(volume_dataset_begin(v, VOLUME_KIND_BACKUP, name,
					      "SRC.DSN", cs, meta, meta_len,
					      &w),
			 0);
	while (off < n) {
		len = n - off < cs ? n - off : cs;
		assert_int_equal(volume_chunk_compress(data + off, len, frame,
						       cap, &flen),
				 0);
		assert_int_equal(volume_dataset_put(w, frame, flen, len), 0);
		off += len;
	}
	assert_int_equal(volume_dataset_commit(w, info), 0);
	assert_int_equal(info->state, VOLUME_DS_COMPLETE);
	assert_int_equal(info->raw_size, n);
	assert_int_equal(info->nchunks, (n + cs - 1) / cs);
	free(frame);
}

static void put_simple(struct volume *v, const char *name,
		       const unsigned char *data, size_t n,
		       struct volume_dataset_info *info)
{
	put_ds(v, name, "meta=1", 7, data, n, CS, info);
}

/* Everything a reader can do must give back data[0..n) exactly. */
static void read_back(const char *path, const struct volume_dataset_info *di,
		      const unsigned char *data, size_t n)
{
	uint32_t cs = di->chunk_size;
	unsigned char *buf = malloc(n + 3 * cs);
	struct volume_reader *vr = NULL;
	uint64_t off;
	size_t len;
	unsigned i;

	assert_non_null(buf);
	assert_int_equal(volume_reader_open(path, di->offset, di->length, &vr),
			 0);
	assert_int_equal(volume_reader_info(vr)->raw_size, n);
	assert_int_equal(volume_reader_info(vr)->seq, di->seq);
	assert_int_equal(volume_reader_info(vr)->checksum, di->checksum);
	assert_int_equal(volume_reader_pread(vr, buf, n + cs, 0), (ssize_t)n);
	assert_memory_equal(buf, data, n);
	assert_int_equal(volume_reader_pread(vr, buf, 10, n), 0);
	assert_int_equal(volume_reader_pread(vr, buf, 10, n + 12345), 0);
	/* Small sequential reads, through the cached chunk. */
	for (off = 0; off < n; off += len) {
		len = 1000 < n - off ? 1000 : (size_t)(n - off);
		assert_int_equal(volume_reader_pread(vr, buf, len, off),
				 (ssize_t)len);
		assert_memory_equal(buf, data + off, len);
	}
	/* Random ranges, many across chunk boundaries. */
	rnd_state = 99;
	for (i = 0; n && i < 60; i++) {
		off = rnd() % n;
		if (i % 3 == 0 && off / cs > 0)
			off = off / cs * cs - rnd() % 16; /* just before one */
		len = rnd() % (3 * cs);
		if (len > n - off)
			len = (size_t)(n - off);
		assert_int_equal(volume_reader_pread(vr, buf, len, off),
				 (ssize_t)len);
		assert_memory_equal(buf, data + off, len);
	}
	assert_int_equal(volume_reader_verify(vr), 0);
	volume_reader_close(vr);
	/* Without the length the reader walks to the footer itself. */
	assert_int_equal(volume_reader_open(path, di->offset, 0, &vr), 0);
	assert_int_equal(volume_reader_info(vr)->length, di->length);
	assert_int_equal(volume_reader_verify(vr), 0);
	volume_reader_close(vr);
	free(buf);
}

static uint64_t size_of(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return (uint64_t)sb.st_size;
}

static unsigned char *snapshot(const char *path, size_t *n)
{
	unsigned char *p;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	*n = (size_t)size_of(path);
	p = malloc(*n);
	assert_non_null(p);
	assert_int_equal(pread(fd, p, *n, 0), (ssize_t)*n);
	close(fd);
	return p;
}

static void restore(const char *path, const unsigned char *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, p, n, 0), (ssize_t)n);
	close(fd);
}

static void cut_at(const char *path, uint64_t len)
{
	assert_int_equal(truncate(path, (off_t)len), 0);
}

static void append_bytes(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_APPEND);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void flip(const char *path, uint64_t off)
{
	unsigned char c;
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, (off_t)off), 1);
	c ^= 0x5a;
	assert_int_equal(pwrite(fd, &c, 1, (off_t)off), 1);
	close(fd);
}

static uint64_t end_of(const struct volume_dataset_info *di)
{
	return di->offset + di->length;
}

static int message_has(const char *what)
{
	if (strstr(ruv_lasterr(), what))
		return 1;
	print_message("# message: %s\n", ruv_lasterr());
	return 0;
}

/* What a scan saw. */
#define SEEN_MAX 16
struct seen {
	unsigned n, complete, torn, damaged;
	struct volume_dataset_info di[SEEN_MAX];
	unsigned char meta[SEEN_MAX][VOLUME_META_MAX];
};

static int remember(const struct volume_dataset_info *di, void *arg)
{
	struct seen *s = arg;

	if (s->n < SEEN_MAX) {
		s->di[s->n] = *di;
		if (di->meta_len)
			memcpy(s->meta[s->n], di->meta, di->meta_len);
		s->di[s->n].meta = s->meta[s->n];
	}
	s->n++;
	s->complete += di->state == VOLUME_DS_COMPLETE;
	s->torn += di->state == VOLUME_DS_TORN;
	s->damaged += di->state == VOLUME_DS_DAMAGED;
	return 0;
}

static int scan(const char *path, struct seen *s, struct volume_label *l)
{
	memset(s, 0, sizeof(*s));
	return volume_scan(path, remember, s, l);
}

static void same_info(const struct volume_dataset_info *a,
		      const struct volume_dataset_info *b)
{
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->kind, b->kind);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->source, b->source);
	assert_int_equal(a->created_us, b->created_us);
	assert_int_equal(a->chunk_size, b->chunk_size);
	assert_int_equal(a->offset, b->offset);
	assert_int_equal(a->length, b->length);
	assert_int_equal(a->raw_size, b->raw_size);
	assert_int_equal(a->stored_size, b->stored_size);
	assert_int_equal(a->nchunks, b->nchunks);
	assert_int_equal(a->checksum, b->checksum);
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void put_le64(unsigned char *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Where chunk k of the data set di starts (its chunk header), found by
 * walking the format by hand; k == nchunks gives the trailer. */
static uint64_t chunk_at_raw(const char *path,
			     const struct volume_dataset_info *di, uint32_t k)
{
	int fd = open(path, O_RDONLY);
	unsigned char h[20];
	uint64_t off;
	uint32_t i;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, h, 12, (off_t)di->offset), 12);
	off = di->offset + le32(h + 8);
	for (i = 0; i < k; i++) {
		assert_int_equal(pread(fd, h, 20, (off_t)off), 20);
		assert_memory_equal(h, "RUVC", 4);
		off += 20 + le32(h + 8);
	}
	assert_int_equal(pread(fd, h, 8, (off_t)off), 8);
	assert_true(!memcmp(h, "RUVC", 4) || !memcmp(h, "RUVDST1\n", 8));
	close(fd);
	return off;
}

/* ---- labels -------------------------------------------------------------- */

static void test_label_round_trip(void **state)
{
	struct fx *f = *state;
	struct volume_label l;
	struct volume *v = create(f);
	struct stat sb;

	assert_int_equal(volume_size(v), VOLUME_LABEL_SIZE);
	assert_false(volume_is_sealed(v));
	volume_close(v);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, VOLUME_LABEL_SIZE);
	assert_int_equal(volume_open(f->path, 0, &v), 0);
	assert_string_equal(volume_label(v)->volser, "T00001");
	assert_string_equal(volume_label(v)->pool, "tape");
	assert_int_equal(volume_label(v)->capacity, 1 << 30);
	assert_int_equal(volume_label(v)->version, 1);
	assert_true(volume_label(v)->created_us > 1600000000000000LL);
	assert_int_equal(volume_size(v), VOLUME_LABEL_SIZE);
	assert_int_equal(volume_repaired(v), 0);
	volume_close(v);
	assert_int_equal(volume_scan(f->path, NULL, NULL, &l), 0);
	assert_string_equal(l.volser, "T00001");
	assert_false(l.sealed);
	/* Once there, never again. */
	assert_int_equal(volume_create(f->path, "T00001", "tape", 1, &v),
			 -EEXIST);
	volume_close(NULL);
}

/* Write n bytes of p as the whole file at path. */
static void put_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

/* What a creation cut short can leave (nothing, zeros, the label's first
 * bytes) is told apart from a volume and from a file that is not one. */
static void test_torn_create(void **state)
{
	struct fx *f = *state;
	unsigned char buf[VOLUME_LABEL_SIZE] = { 0 };
	struct volume *v;
	int fd;

	assert_int_equal(volume_is_torn_create(f->path), 0); /* no file */
	put_file(f->path, buf, 0);
	assert_int_equal(volume_is_torn_create(f->path), 1);
	put_file(f->path, buf, 512);
	assert_int_equal(volume_is_torn_create(f->path), 1);
	unlink(f->path);
	v = create(f);
	volume_close(v);
	fd = open(f->path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	close(fd);
	assert_int_equal(volume_is_torn_create(f->path), 0); /* whole */
	put_file(f->path, buf, 100);			     /* cut short */
	assert_int_equal(volume_is_torn_create(f->path), 1);
	put_file(f->path, "not a volume\n", 13);
	assert_int_equal(volume_is_torn_create(f->path), 0);
	buf[200] = 1;
	memset(buf, 0, 8);
	put_file(f->path, buf, 300); /* not zeros, no label magic */
	assert_int_equal(volume_is_torn_create(f->path), 0);
	unlink(f->path);
}

/* Each volume draws its own identity; the label keeps it; a label of
 * before identities (zeros) reads as none. */
static void test_identity(void **state)
{
	struct fx *f = *state;
	unsigned char zero[VOLUME_IDENT_LEN] = { 0 }, first[VOLUME_IDENT_LEN];
	char hex[VOLUME_IDENT_HEX], p2[300];
	struct volume_label l;
	struct volume *v = create(f), *v2;
	unsigned i;
	int fd;

	memcpy(first, volume_label(v)->ident, VOLUME_IDENT_LEN);
	assert_memory_not_equal(first, zero, VOLUME_IDENT_LEN);
	volume_close(v);
	assert_int_equal(volume_label_read(f->path, &l), 0);
	assert_memory_equal(l.ident, first, VOLUME_IDENT_LEN);
	assert_string_equal(l.volser, "T00001");
	volume_ident_format(l.ident, hex);
	assert_int_equal(strlen(hex), 32);
	for (i = 0; i < VOLUME_IDENT_LEN; i++) {
		char byte[3];

		snprintf(byte, sizeof(byte), "%02x", first[i]);
		assert_memory_equal(hex + 2 * i, byte, 2);
	}
	volume_ident_format(zero, hex);
	assert_string_equal(hex, "");
	/* Another volume with the same VOLSER is another identity. */
	snprintf(p2, sizeof(p2), "%s.2", f->path);
	assert_int_equal(volume_create(p2, "T00001", "tape", 1, &v2), 0);
	assert_memory_not_equal(volume_label(v2)->ident, first,
				VOLUME_IDENT_LEN);
	volume_close(v2);
	unlink(p2);
	/* Not a volume: -EIO and a message naming it. */
	fd = open(p2, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not a volume", 12), 12);
	close(fd);
	assert_int_equal(volume_label_read(p2, &l), -EIO);
	assert_non_null(strstr(ruv_lasterr(), p2));
	unlink(p2);
}

static void test_create_checks_names(void **state)
{
	struct fx *f = *state;
	struct volume *v = NULL;
	char p[128];

	snprintf(p, sizeof(p), "%s/x", f->dir);
	assert_int_equal(volume_create(p, "T0001", "tape", 1, &v), -EINVAL);
	assert_true(message_has("VOLSER"));
	assert_int_equal(volume_create(p, "T000012", "tape", 1, &v), -EINVAL);
	assert_int_equal(volume_create(p, "1T0001", "tape", 1, &v), -EINVAL);
	assert_int_equal(volume_create(p, "T00001", "", 1, &v), -EINVAL);
	assert_int_equal(volume_create(p, "T00001", "seventeen-chars-x", 1, &v),
			 -EINVAL);
	assert_int_equal(volume_create(p, "T00001", "two words", 1, &v),
			 -EINVAL);
	assert_null(v);
	assert_int_equal(access(p, F_OK), -1);
	/* Folded to upper case, as every VOLSER is. */
	assert_int_equal(volume_create(p, "t00009", "sixteen-chars-xx", 1, &v),
			 0);
	assert_string_equal(volume_label(v)->volser, "T00009");
	assert_string_equal(volume_label(v)->pool, "sixteen-chars-xx");
	volume_close(v);
	assert_int_equal(volume_open(p, 0, &v), 0);
	assert_string_equal(volume_label(v)->pool, "sixteen-chars-xx");
	volume_close(v);
}

static void test_not_a_volume(void **state)
{
	static const char text[] = "just some text, not a volume at all\n";
	struct fx *f = *state;
	struct volume_reader *vr = NULL;
	struct volume *v = NULL;
	unsigned char *noise = content(20000, RANDOM, 3);

	restore(f->path, (const unsigned char *)text, sizeof(text));
	ruv_clearerr();
	assert_int_equal(volume_open(f->path, 0, &v), -EIO);
	assert_true(message_has("not a volume"));
	assert_int_equal(volume_open(f->path, 1, &v), -EIO);
	assert_int_equal(volume_scan(f->path, NULL, NULL, NULL), -EIO);
	assert_true(message_has("not a volume"));
	assert_int_equal(size_of(f->path), sizeof(text)); /* untouched */
	restore(f->path, noise, 20000);
	assert_int_equal(volume_open(f->path, 1, &v), -EIO);
	assert_true(message_has("not a volume"));
	assert_int_equal(size_of(f->path), 20000);
	assert_int_equal(volume_reader_open(f->path, 4096, 0, &vr), -EIO);
	restore(f->path, noise, 0);
	assert_int_equal(volume_open(f->path, 0, &v), -EIO);
	assert_true(message_has("not a volume"));
	unlink(f->path);
	assert_int_equal(volume_open(f->path, 0, &v), -ENOENT);
	assert_int_equal(volume_scan(f->path, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(volume_reader_open(f->path, 4096, 0, &vr), -ENOENT);
	assert_null(v);
	assert_null(vr);
	free(noise);
}

static void test_label_damage(void **state)
{
	struct fx *f = *state;
	struct volume_dataset_info di;
	unsigned char *d = content(3 * CS, TEXT, 4);
	struct volume *v = create(f);
	uint64_t at;

	put_simple(v, "A", d, 3 * CS, &di);
	volume_close(v);
	for (at = 0; at < VOLUME_LABEL_SIZE; at += 509) {
		flip(f->path, at);
		ruv_clearerr();
		assert_int_equal(volume_open(f->path, 1, &v), -EIO);
		assert_true(message_has(at < 8 ? "not a volume" : "label"));
		assert_int_equal(volume_scan(f->path, NULL, NULL, NULL), -EIO);
		assert_int_equal(size_of(f->path), end_of(&di));
		/* The data themselves stay readable by offset. */
		read_back(f->path, &di, d, 3 * CS);
		flip(f->path, at);
	}
	v = open_rw(f->path);
	volume_close(v);
	free(d);
}

/* ---- round trips -------------------------------------------------------- */

static void test_round_trips(void **state)
{
	static const size_t sizes[] = { 0,	1,	CS - 1,	    CS,
					CS + 1, 2 * CS, 10 * CS + 7 };
	enum { NS = sizeof(sizes) / sizeof(sizes[0]), NDS = 2 * NS };
	struct volume_dataset_info info[NDS];
	unsigned char *data[NDS];
	struct fx *f = *state;
	struct volume *v = create(f);
	char name[16];
	unsigned i;

	for (i = 0; i < NDS; i++) {
		data[i] = content(sizes[i % NS], i < NS ? TEXT : RANDOM, i);
		snprintf(name, sizeof(name), "DS%u", i);
		put_simple(v, name, data[i], sizes[i % NS], &info[i]);
		assert_int_equal(info[i].seq, i + 1);
		assert_string_equal(info[i].name, name);
		assert_int_equal(volume_size(v), end_of(&info[i]));
		assert_int_equal(size_of(f->path), end_of(&info[i]));
		if (i)
			assert_int_equal(info[i].offset, end_of(&info[i - 1]));
	}
	/* Noise does not shrink; text does. */
	assert_true(info[NS + 6].stored_size > sizes[6]);
	assert_true(info[6].stored_size < sizes[6] / 2);
	volume_close(v);
	for (i = 0; i < NDS; i++)
		read_back(f->path, &info[i], data[i], sizes[i % NS]);
	/* Reopened, it ends where the last data set ends and goes on. */
	v = open_rw(f->path);
	assert_int_equal(volume_size(v), end_of(&info[NDS - 1]));
	assert_int_equal(volume_repaired(v), 0);
	put_simple(v, "MORE", data[1], 1, &info[0]);
	assert_int_equal(info[0].seq, NDS + 1);
	volume_close(v);
	read_back(f->path, &info[0], data[1], 1);
	for (i = 0; i < NDS; i++)
		free(data[i]);
}

/* Chunks of the usual 1 MiB, and a size that is no lz4 block size. */
static void test_other_chunk_sizes(void **state)
{
	static const uint32_t sizes[] = { 1U << 20, 100000, VOLUME_CHUNK_MIN };
	struct volume_dataset_info di;
	struct fx *f = *state;
	struct volume *v = create(f);
	size_t n = 3 * (1U << 20) + 12345;
	unsigned char *d = content(n, TEXT, 5), *r = content(n, RANDOM, 6);
	unsigned i;

	for (i = 0; i < 3; i++) {
		put_ds(v, "BIG", NULL, 0, d, n, sizes[i], &di);
		read_back(f->path, &di, d, n);
		put_ds(v, "NOISE", NULL, 0, r, n, sizes[i], &di);
		read_back(f->path, &di, r, n);
	}
	volume_close(v);
	free(d);
	free(r);
}

static void test_meta_and_scan(void **state)
{
	struct volume_dataset_info info[4];
	struct fx *f = *state;
	struct volume *v = create(f);
	unsigned char big[VOLUME_META_MAX], bin[5] = { 0, 1, 0, 255, 0 };
	unsigned char *d = content(5 * CS + 3, TEXT, 7);
	struct volume_label l;
	struct seen s;
	struct volume_writer *w = NULL;
	unsigned i;

	memset(big, 'm', sizeof(big));
	put_ds(v, "WITH.META", "start=1 end=2", 14, d, 5 * CS + 3, CS,
	       &info[0]);
	put_ds(v, "NO.META", NULL, 0, d, 0, CS, &info[1]);
	put_ds(v, "BINARY", bin, sizeof(bin), d, 17, CS, &info[2]);
	assert_int_equal(volume_dataset_begin(v, VOLUME_KIND_JCL, "JCL.LIB",
					      NULL, CS, big, sizeof(big), &w),
			 0);
	assert_int_equal(volume_dataset_commit(w, &info[3]), 0);
	assert_null(info[3].meta);
	volume_close(v);
	assert_int_equal(scan(f->path, &s, &l), 4);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.complete, 4);
	assert_string_equal(l.volser, "T00001");
	assert_string_equal(l.pool, "tape");
	for (i = 0; i < 4; i++)
		same_info(&s.di[i], &info[i]);
	assert_int_equal(s.di[0].meta_len, 14);
	assert_memory_equal(s.di[0].meta, "start=1 end=2", 14);
	assert_int_equal(s.di[1].meta_len, 0);
	assert_int_equal(s.di[2].meta_len, sizeof(bin));
	assert_memory_equal(s.di[2].meta, bin, sizeof(bin));
	assert_int_equal(s.di[3].meta_len, sizeof(big));
	assert_memory_equal(s.di[3].meta, big, sizeof(big));
	assert_int_equal(s.di[3].kind, VOLUME_KIND_JCL);
	assert_string_equal(s.di[3].source, "");
	assert_int_equal(s.di[3].raw_size, 0);
	assert_string_equal(s.di[0].source, "SRC.DSN");
	/* The reader hands the blob back too. */
	{
		struct volume_reader *vr = NULL;

		assert_int_equal(
			volume_reader_open(f->path, info[2].offset, 0, &vr), 0);
		assert_int_equal(volume_reader_info(vr)->meta_len, sizeof(bin));
		assert_memory_equal(volume_reader_info(vr)->meta, bin,
				    sizeof(bin));
		volume_reader_close(vr);
	}
	free(d);
}

struct stopper {
	unsigned n; /* data sets heard */
	int word;   /* what to say at the second one */
};

static int stop_at_second(const struct volume_dataset_info *di, void *arg)
{
	struct stopper *st = arg;

	st->n++;
	return di->seq == 2 ? st->word : 0;
}

/* A callback stops the scan with any nonzero word; a negative one comes
 * back as the scan's result, with the callback's own message. */
static void test_scan_stops(void **state)
{
	struct volume_dataset_info di;
	struct fx *f = *state;
	unsigned char *d = content(100, TEXT, 15);
	struct volume *v = create(f);
	struct stopper arg;
	int i;

	for (i = 0; i < 4; i++)
		put_simple(v, "DS", d, 100, &di);
	volume_close(v);
	memset(&arg, 0, sizeof(arg));
	arg.word = 1;
	assert_int_equal(volume_scan(f->path, stop_at_second, &arg, NULL), 2);
	assert_int_equal(arg.n, 2);
	memset(&arg, 0, sizeof(arg));
	arg.word = ruv_fail(-ENOMEM, "callback says no");
	assert_int_equal(volume_scan(f->path, stop_at_second, &arg, NULL),
			 -ENOMEM);
	assert_int_equal(arg.n, 2);
	assert_string_equal(ruv_lasterr(), "callback says no");
	assert_int_equal(volume_scan(f->path, NULL, NULL, NULL), 4);
	free(d);
}

/* The checksum names the content: the same frames on two volumes (other
 * seq, other meta, other offset) give the same one; other bytes don't. */
static void test_checksum_names_content(void **state)
{
	struct volume_dataset_info a, b, c;
	struct fx *f = *state;
	unsigned char *d = content(4 * CS + 1, TEXT, 8);
	struct volume *v1 = create(f), *v2;
	char p2[128];

	snprintf(p2, sizeof(p2), "%s/T00002", f->dir);
	assert_int_equal(volume_create(p2, "T00002", "offsite", 1, &v2), 0);
	put_ds(v2, "FIRST", NULL, 0, d, 10, CS, &c);
	put_ds(v1, "X.COPY1", "copy=1", 6, d, 4 * CS + 1, CS, &a);
	put_ds(v2, "X.COPY2", "copy=two", 8, d, 4 * CS + 1, CS, &b);
	assert_int_not_equal(a.offset, b.offset);
	assert_int_not_equal(a.seq, b.seq);
	assert_int_equal(a.checksum, b.checksum);
	d[CS + 5] ^= 1;
	put_ds(v1, "Y", NULL, 0, d, 4 * CS + 1, CS, &c);
	assert_int_not_equal(a.checksum, c.checksum);
	volume_close(v1);
	volume_close(v2);
	free(d);
}

/* ---- writing rules ------------------------------------------------------- */

static void test_abort_cuts_back(void **state)
{
	struct volume_dataset_info info;
	struct volume_writer *w = NULL, *w2 = NULL;
	struct fx *f = *state;
	unsigned char *d = content(2 * CS, RANDOM, 2);
	unsigned char frame[2 * CS + 1024];
	struct volume *v = create(f);
	size_t flen;

	put_simple(v, "KEEP", d, CS, &info);
	assert_int_equal(volume_dataset_begin(v, VOLUME_KIND_BACKUP, "GONE", "",
					      CS, NULL, 0, &w),
			 0);
	assert_int_equal(volume_dataset_begin(v, VOLUME_KIND_BACKUP, "TWICE",
					      "", CS, NULL, 0, &w2),
			 -EBUSY);
	assert_null(w2);
	assert_int_equal(volume_seal(v), -EBUSY);
	assert_int_equal(volume_truncate_after(v, 0), -EBUSY);
	assert_int_equal(
		volume_chunk_compress(d, CS, frame, sizeof(frame), &flen), 0);
	assert_int_equal(volume_dataset_put(w, frame, flen, CS), 0);
	assert_true(size_of(f->path) > end_of(&info));
	volume_dataset_abort(w);
	volume_dataset_abort(NULL);
	assert_int_equal(size_of(f->path), end_of(&info));
	assert_int_equal(volume_size(v), end_of(&info));
	/* The aborted data set used no sequence number. */
	put_simple(v, "NEXT", d, 2 * CS, &info);
	assert_int_equal(info.seq, 2);
	volume_close(v);
	read_back(f->path, &info, d, 2 * CS);
	free(d);
}

static void test_bad_input(void **state)
{
	struct fx *f = *state;
	struct volume *v = create(f), *ro = NULL;
	struct volume_writer *w = NULL;
	unsigned char *d = content(2 * CS, TEXT, 9), frame[3 * CS];
	unsigned char big[VOLUME_META_MAX + 1] = { 0 };
	char name65[66];
	size_t flen, half;

	memset(name65, 'N', 65);
	name65[65] = 0;
#define BEGIN(kind, name, src, cs, meta, mlen)                                 \
	volume_dataset_begin(v, kind, name, src, cs, meta, mlen, &w)
	assert_int_equal(BEGIN(VOLUME_KIND_BACKUP, "", "", CS, NULL, 0),
			 -EINVAL);
	assert_int_equal(BEGIN(VOLUME_KIND_BACKUP, name65, "", CS, NULL, 0),
			 -EINVAL);
	assert_true(message_has("1-64"));
	assert_int_equal(BEGIN(VOLUME_KIND_BACKUP, "A",
			       "SOURCE.NAME.LONGER.THAN.FORTY.FOUR.CHARS.XYZW",
			       CS, NULL, 0),
			 -EINVAL);
	assert_int_equal(
		BEGIN(VOLUME_KIND_BACKUP, "A", "", CS, big, sizeof(big)),
		-EINVAL);
	assert_int_equal(BEGIN(VOLUME_KIND_BACKUP, "A", "", CS - 1, NULL, 0),
			 -EINVAL);
	assert_int_equal(BEGIN(VOLUME_KIND_BACKUP, "A", "",
			       VOLUME_CHUNK_MAX + 1, NULL, 0),
			 -EINVAL);
	assert_int_equal(BEGIN(0, "A", "", CS, NULL, 0), -EINVAL);
	assert_int_equal(BEGIN(99, "A", "", CS, NULL, 0), -EINVAL);
	assert_null(w);
	/* The longest of everything is fine. */
	name65[64] = 0;
	assert_int_equal(BEGIN(VOLUME_KIND_ACCUM_UOW, name65,
			       "SOURCE.NAME.OF.FORTY.FOUR.CHARACTERS.EXACTLY",
			       CS, big, VOLUME_META_MAX),
			 0);
	/* Chunks. */
	assert_int_equal(
		volume_chunk_compress(d, CS, frame, sizeof(frame), &flen), 0);
	assert_int_equal(volume_dataset_put(w, frame, flen, 0), -EINVAL);
	assert_int_equal(volume_dataset_put(w, frame, flen, CS + 1), -EINVAL);
	assert_int_equal(volume_dataset_put(w, d, 100, CS), -EINVAL);
	assert_true(message_has("lz4 frame"));
	assert_int_equal(
		volume_dataset_put(w, frame, volume_chunk_bound(CS) + 1, CS),
		-EINVAL);
	assert_int_equal(volume_dataset_put(w, frame, flen, CS), 0);
	half = CS / 2;
	assert_int_equal(volume_chunk_compress(d + CS, half, frame,
					       sizeof(frame), &flen),
			 0);
	assert_int_equal(volume_dataset_put(w, frame, flen, half), 0);
	assert_int_equal(volume_dataset_put(w, frame, flen, half), -EINVAL);
	assert_true(message_has("after a short"));
	/* Refusals do not spoil the data set. */
	{
		struct volume_dataset_info di;
		struct seen s;

		assert_int_equal(volume_dataset_commit(w, &di), 0);
		assert_int_equal(di.raw_size, CS + half);
		assert_int_equal(di.kind, VOLUME_KIND_ACCUM_UOW);
		read_back(f->path, &di, d, CS + half);
		assert_int_equal(scan(f->path, &s, NULL), 1);
		assert_string_equal(s.di[0].name, name65);
	}
	assert_int_equal(
		volume_chunk_compress(d, 0, frame, sizeof(frame), &flen),
		-EINVAL);
	assert_int_equal(volume_chunk_compress(d, CS, frame, 10, &flen), -EIO);
	/* A read-only handle writes nothing. */
	assert_int_equal(volume_open(f->path, 0, &ro), 0);
	w = NULL;
	assert_int_equal(volume_dataset_begin(ro, VOLUME_KIND_BACKUP, "A", "",
					      CS, NULL, 0, &w),
			 -EBADF);
	assert_int_equal(volume_seal(ro), -EBADF);
	assert_null(w);
	volume_close(ro);
	volume_close(v);
	free(d);
#undef BEGIN
}

static void test_kinds(void **state)
{
	static const char *const names[] = { "backup",	  "archive",
					     "uow",	  "accum",
					     "accum-uow", "repository",
					     "jcl" };
	uint32_t k;

	(void)state;
	for (k = 1; k <= 7; k++) {
		assert_string_equal(volume_kind_name(k), names[k - 1]);
		assert_int_equal(volume_kind_parse(names[k - 1]), k);
	}
	assert_int_equal(VOLUME_KIND_JCL, 7);
	assert_int_equal(volume_kind_parse("nope"), 0);
	assert_int_equal(volume_kind_parse("Backup"), 0);
	assert_int_equal(volume_kind_parse(""), 0);
	assert_int_equal(volume_kind_parse(NULL), 0);
	assert_string_equal(volume_kind_name(0), "unknown");
	assert_string_equal(volume_kind_name(8), "unknown");
}

/* A write error (here the file size limit: EFBIG, as ENOSPC would be)
 * sticks to the data set, the commit reports it, the data set goes, and
 * the volume takes the next one. */
static void test_write_error(void **state)
{
	struct volume_dataset_info before, after;
	struct fx *f = *state;
	unsigned char *d = content(20 * CS, RANDOM, 10);
	unsigned char frame[2 * CS];
	struct volume_writer *w = NULL;
	struct volume *v = create(f);
	struct rlimit old, lim;
	size_t flen;
	int i, rc = 0;

	put_simple(v, "BEFORE", d, CS, &before);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = end_of(&before) + 5 * CS;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(volume_dataset_begin(v, VOLUME_KIND_BACKUP, "FULL", "",
					      CS, NULL, 0, &w),
			 0);
	for (i = 0; i < 20 && rc == 0; i++) {
		assert_int_equal(volume_chunk_compress(d + i * CS, CS, frame,
						       sizeof(frame), &flen),
				 0);
		rc = volume_dataset_put(w, frame, flen, CS);
	}
	assert_int_equal(rc, -EFBIG);
	assert_true(message_has("'FULL'"));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	/* Even with room again, the data set has a hole: it stays failed. */
	assert_int_equal(volume_dataset_put(w, frame, flen, CS), -EFBIG);
	assert_int_equal(volume_dataset_commit(w, &after), -EFBIG);
	assert_int_equal(size_of(f->path), end_of(&before));
	assert_int_equal(volume_size(v), end_of(&before));
	put_simple(v, "AFTER", d, 20 * CS, &after);
	assert_int_equal(after.seq, 2);
	volume_close(v);
	read_back(f->path, &before, d, CS);
	read_back(f->path, &after, d, 20 * CS);
	free(d);
}

/* ---- sealing ------------------------------------------------------------ */

static void test_seal(void **state)
{
	struct volume_dataset_info one, two;
	struct volume_writer *w = NULL;
	struct volume_label l;
	struct fx *f = *state;
	unsigned char *d = content(3 * CS, TEXT, 1);
	struct volume *v = create(f);
	struct seen s;
	uint64_t sealed_size;

	put_simple(v, "ONE", d, 3 * CS, &one);
	put_simple(v, "TWO", d, 5, &two);
	assert_int_equal(volume_seal(v), 0);
	assert_int_equal(volume_seal(v), 0);
	assert_true(volume_is_sealed(v));
	assert_int_equal(volume_size(v), end_of(&two));
	sealed_size = size_of(f->path);
	assert_true(sealed_size > end_of(&two));
	ruv_clearerr();
	assert_int_equal(volume_dataset_begin(v, VOLUME_KIND_BACKUP, "X", "",
					      CS, NULL, 0, &w),
			 -EROFS);
	assert_true(message_has("sealed"));
	assert_int_equal(volume_truncate_after(v, end_of(&one)), -EROFS);
	volume_close(v);
	assert_int_equal(scan(f->path, &s, &l), 2);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.di[0].name, "ONE");
	assert_string_equal(s.di[1].name, "TWO");
	assert_true(l.sealed);
	v = open_rw(f->path);
	assert_true(volume_is_sealed(v));
	assert_true(volume_label(v)->sealed);
	assert_int_equal(volume_size(v), end_of(&two));
	assert_int_equal(volume_dataset_begin(v, VOLUME_KIND_BACKUP, "X", "",
					      CS, NULL, 0, &w),
			 -EROFS);
	assert_int_equal(volume_seal(v), 0);
	volume_close(v);
	assert_int_equal(size_of(f->path), sealed_size);
	read_back(f->path, &two, d, 5);
	/* A damaged end mark still seals: nothing is cut, nothing added. */
	flip(f->path, sealed_size - 10);
	v = open_rw(f->path);
	assert_true(volume_is_sealed(v));
	assert_int_equal(volume_dataset_begin(v, VOLUME_KIND_BACKUP, "X", "",
					      CS, NULL, 0, &w),
			 -EROFS);
	volume_close(v);
	assert_int_equal(size_of(f->path), sealed_size);
	assert_int_equal(scan(f->path, &s, &l), 2);
	assert_true(l.sealed);
	flip(f->path, sealed_size - 27);
	flip(f->path, sealed_size - 10);
	v = open_rw(f->path);
	assert_true(volume_is_sealed(v));
	volume_close(v);
	assert_null(w);
	free(d);
}

static void test_seal_empty(void **state)
{
	struct fx *f = *state;
	struct volume *v = create(f);
	struct volume_label l;

	assert_int_equal(volume_seal(v), 0);
	volume_close(v);
	assert_int_equal(volume_scan(f->path, NULL, NULL, &l), 0);
	assert_true(l.sealed);
	v = open_rw(f->path);
	assert_true(volume_is_sealed(v));
	assert_int_equal(volume_size(v), VOLUME_LABEL_SIZE);
	volume_close(v);
}

/* ---- torn tails ------------------------------------------------------------
 */

/*
 * Cut the volume at every offset inside its last data set, as a kill -9
 * would: the scan calls the rest torn; a read-only open changes nothing;
 * a writable open cuts back to the first data set, which reads exact,
 * and a new data set appends and reads.
 */
static void torn_everywhere(const struct fx *f, int kind, size_t n2,
			    uint64_t step)
{
	struct volume_dataset_info first, last, again;
	unsigned char *a = content(2 * CS + 3, RANDOM, 3), *b;
	struct volume *v = create(f);
	unsigned char *whole;
	struct seen s;
	size_t wlen;
	uint64_t cut, n = 0;

	b = content(n2, kind, 4);
	put_simple(v, "FIRST", a, 2 * CS + 3, &first);
	put_simple(v, "LAST", b, n2, &last);
	volume_close(v);
	whole = snapshot(f->path, &wlen);
	for (cut = last.offset; cut < end_of(&last); cut += step, n++) {
		restore(f->path, whole, (size_t)cut);
		assert_int_equal(scan(f->path, &s, NULL), 1);
		assert_int_equal(s.complete, 1);
		assert_int_equal(s.n, cut > last.offset ? 2 : 1);
		if (cut > last.offset) {
			assert_int_equal(s.di[1].state, VOLUME_DS_TORN);
			assert_int_equal(s.di[1].offset, last.offset);
			assert_int_equal(s.di[1].length, cut - last.offset);
		}
		assert_int_equal(volume_open(f->path, 0, &v), 0);
		assert_int_equal(volume_size(v), end_of(&first));
		volume_close(v);
		assert_int_equal(size_of(f->path), cut);
		v = open_rw(f->path);
		assert_int_equal(volume_size(v), end_of(&first));
		assert_int_equal(volume_repaired(v), cut - end_of(&first));
		assert_int_equal(size_of(f->path), end_of(&first));
		put_simple(v, "AGAIN", b, n2, &again);
		assert_int_equal(again.seq, 2);
		volume_close(v);
		read_back(f->path, &first, a, 2 * CS + 3);
		read_back(f->path, &again, b, n2);
	}
	assert_true(n > 20);
	/* Every cut inside the first data set leaves just the label. */
	for (cut = VOLUME_LABEL_SIZE + 1; cut < end_of(&first); cut += 997) {
		restore(f->path, whole, (size_t)cut);
		v = open_rw(f->path);
		assert_int_equal(volume_size(v), VOLUME_LABEL_SIZE);
		volume_close(v);
		assert_int_equal(size_of(f->path), VOLUME_LABEL_SIZE);
	}
	free(whole);
	free(a);
	free(b);
}

static void test_torn_every_byte(void **state)
{
	/* A short data set on disk, so every single offset. */
	torn_everywhere(*state, REPEAT, 3 * CS, 1);
}

static void test_torn_noise(void **state)
{
	/* Noise: long chunks; every offset near the structures, and a
	 * stride through the frames. */
	torn_everywhere(*state, RANDOM, 3 * CS + 100, 37);
}

/* What a power loss may leave: zeros or junk instead of the tail, or
 * junk after a complete data set; all of it cut, nothing before it. */
static void test_torn_junk(void **state)
{
	struct volume_dataset_info one, two;
	struct fx *f = *state;
	unsigned char *d = content(4 * CS, RANDOM, 11);
	static unsigned char zeros[20000];
	struct volume *v = create(f);
	unsigned char *whole;
	struct seen s;
	size_t wlen;
	int i;

	put_simple(v, "ONE", d, 4 * CS, &one);
	put_simple(v, "TWO", d, 4 * CS, &two);
	volume_close(v);
	whole = snapshot(f->path, &wlen);
	for (i = 0; i < 5; i++) {
		restore(f->path, whole, wlen);
		switch (i) {
		case 0: /* junk after the last data set */
			append_bytes(f->path, d, 5000);
			break;
		case 1: /* zeros after it */
			append_bytes(f->path, zeros, sizeof(zeros));
			break;
		case 2: /* a few bytes, less than any header */
			append_bytes(f->path, "RUV", 3);
			break;
		case 3: /* TWO's first chunk there, the rest zeros */
			cut_at(f->path, chunk_at_raw(f->path, &two, 1));
			append_bytes(f->path, zeros, sizeof(zeros));
			break;
		case 4: /* TWO's header only half there */
			cut_at(f->path, two.offset + 20);
			break;
		}
		assert_int_equal(scan(f->path, &s, NULL), i < 3 ? 2 : 1);
		assert_int_equal(s.torn, 1);
		assert_int_equal(s.damaged, 0);
		v = open_rw(f->path);
		assert_int_equal(volume_size(v),
				 i < 3 ? end_of(&two) : end_of(&one));
		assert_int_equal(size_of(f->path), volume_size(v));
		volume_close(v);
		read_back(f->path, &one, d, 4 * CS);
	}
	/* TWO whole but for its footer, zeroed: the sound trailer says it
	 * committed, so it stays (damaged) until the repository, which
	 * never registered it, cuts it. */
	restore(f->path, whole, wlen - 32);
	append_bytes(f->path, zeros, 32);
	assert_int_equal(scan(f->path, &s, NULL), 1);
	assert_int_equal(s.damaged, 1);
	v = open_rw(f->path);
	assert_int_equal(volume_size(v), wlen);
	assert_int_equal(volume_truncate_after(v, end_of(&one)), 0);
	volume_close(v);
	assert_int_equal(size_of(f->path), end_of(&one));
	free(whole);
	free(d);
}

/* ---- damage ------------------------------------------------------------- */

struct three {
	struct volume_dataset_info ds[3];
	unsigned char *data;
	unsigned char *whole;
	size_t wlen;
};

#define N3 (6 * CS + 100)

static void make_three(const struct fx *f, struct three *t)
{
	struct volume *v = create(f);
	int i;

	t->data = content(N3, RANDOM, 5);
	for (i = 0; i < 3; i++)
		put_simple(v,
			   i == 0   ? "A"
			   : i == 1 ? "B"
				    : "C",
			   t->data, N3, &t->ds[i]);
	volume_close(v);
	t->whole = snapshot(f->path, &t->wlen);
}

static void free_three(struct three *t)
{
	free(t->data);
	free(t->whole);
}

static uint64_t chunk_at(const char *path, const struct three *t, int d,
			 uint32_t k)
{
	return chunk_at_raw(path, &t->ds[d], k);
}

static void others_read_exact(const struct fx *f, const struct three *t,
			      int bad)
{
	int i;

	for (i = 0; i < 3; i++)
		if (i != bad)
			read_back(f->path, &t->ds[i], t->data, N3);
}

/* A flipped byte in B's compressed data: B's verify and a read of that
 * range fail naming B and the chunk; B's other chunks, A and C read. */
static void test_damage_in_chunk(void **state)
{
	struct fx *f = *state;
	struct volume_reader *vr = NULL;
	struct three t;
	struct volume *v;
	unsigned char buf[2 * CS];
	struct seen s;
	struct volume_dataset_info more;

	make_three(f, &t);
	flip(f->path, chunk_at(f->path, &t, 1, 2) + 20 + 100);
	assert_int_equal(volume_reader_open(f->path, t.ds[1].offset,
					    t.ds[1].length, &vr),
			 0);
	ruv_clearerr();
	assert_int_equal(volume_reader_verify(vr), -EIO);
	assert_true(message_has("data set 2 'B', chunk 3"));
	assert_true(message_has("checksum"));
	assert_true(message_has(f->path));
	ruv_clearerr();
	assert_int_equal(volume_reader_pread(vr, buf, CS, 2 * CS + 10), -EIO);
	assert_true(message_has("data set 2 'B', chunk 3"));
	assert_int_equal(volume_reader_pread(vr, buf, 100, 3 * CS - 50), -EIO);
	assert_int_equal(volume_reader_pread(vr, buf, CS, 0), CS);
	assert_memory_equal(buf, t.data, CS);
	assert_int_equal(volume_reader_pread(vr, buf, 2 * CS, 3 * CS), 2 * CS);
	assert_memory_equal(buf, t.data + 3 * CS, 2 * CS);
	volume_reader_close(vr);
	others_read_exact(f, &t, 1);
	/* The scan does not decompress: the structure is whole. */
	assert_int_equal(scan(f->path, &s, NULL), 3);
	/* Nothing cut; the next data set goes after C. */
	v = open_rw(f->path);
	assert_int_equal(volume_size(v), t.wlen);
	put_simple(v, "D", t.data, 10, &more);
	assert_int_equal(more.seq, 4);
	volume_close(v);
	free_three(&t);
}

/* The lz4 frame's own checksums catch what the chunk CRC cannot see: a
 * frame spoiled before the CRC was taken (here: by rewriting the CRCs). */
static void test_damage_behind_crc(void **state)
{
	struct fx *f = *state;
	struct volume_dataset_info di;
	struct volume_reader *vr = NULL;
	unsigned char *d = content(CS, TEXT, 12), frame[2 * CS];
	struct volume_writer *w = NULL;
	struct volume *v = create(f);
	size_t flen;

	assert_int_equal(
		volume_chunk_compress(d, CS, frame, sizeof(frame), &flen), 0);
	frame[flen - 1] ^= 1; /* the frame's content checksum */
	assert_int_equal(volume_dataset_begin(v, VOLUME_KIND_BACKUP, "E", "",
					      CS, NULL, 0, &w),
			 0);
	assert_int_equal(volume_dataset_put(w, frame, flen, CS), 0);
	assert_int_equal(volume_dataset_commit(w, &di), 0);
	volume_close(v);
	assert_int_equal(volume_reader_open(f->path, di.offset, di.length, &vr),
			 0);
	ruv_clearerr();
	assert_int_equal(volume_reader_verify(vr), -EIO);
	assert_true(message_has("data set 1 'E', chunk 1"));
	volume_reader_close(vr);
	free(d);
}

/* Damage to B's header, a chunk header, trailer or footer: B fails to
 * open or read, with a message; A and C read exact; the scan goes past B
 * and finds C; a writable open cuts nothing and appends after C. */
static void test_damage_structures(void **state)
{
	struct fx *f = *state;
	struct volume_reader *vr = NULL;
	struct volume_dataset_info more;
	unsigned char buf[CS];
	struct three t;
	struct volume *v;
	struct seen s;
	uint64_t where[6];
	const char *what[6] = { "header",      "header", "chunk header",
				"chunk index", "footer", "footer" };
	int i;

	make_three(f, &t);
	where[0] = t.ds[1].offset + 3;		     /* magic */
	where[1] = t.ds[1].offset + 40;		     /* name */
	where[2] = chunk_at(f->path, &t, 1, 1) + 5;  /* chunk header */
	where[3] = chunk_at(f->path, &t, 1, 7) + 12; /* trailer */
	where[4] = end_of(&t.ds[1]) - 20;	     /* footer */
	where[5] = end_of(&t.ds[1]) - 32;	     /* footer magic */
	for (i = 0; i < 6; i++) {
		restore(f->path, t.whole, t.wlen);
		flip(f->path, where[i]);
		ruv_clearerr();
		if (i == 2) {
			/* The index still finds every chunk but that one. */
			assert_int_equal(
				volume_reader_open(f->path, t.ds[1].offset,
						   t.ds[1].length, &vr),
				0);
			assert_int_equal(volume_reader_pread(vr, buf, CS, 0),
					 CS);
			assert_int_equal(
				volume_reader_pread(vr, buf, 10, CS + 5), -EIO);
			volume_reader_close(vr);
			vr = NULL;
		} else {
			assert_int_equal(
				volume_reader_open(f->path, t.ds[1].offset,
						   t.ds[1].length, &vr),
				-EIO);
			assert_null(vr);
		}
		assert_true(message_has(what[i]));
		assert_int_equal(
			volume_reader_open(f->path, t.ds[1].offset, 0, &vr),
			-EIO);
		others_read_exact(f, &t, 1);
		assert_int_equal(scan(f->path, &s, NULL), 2);
		assert_int_equal(s.n, 3);
		assert_int_equal(s.di[1].state, VOLUME_DS_DAMAGED);
		assert_int_equal(s.di[1].offset, t.ds[1].offset);
		assert_int_equal(s.di[1].length, t.ds[1].length);
		assert_int_equal(s.di[2].state, VOLUME_DS_COMPLETE);
		same_info(&s.di[2], &t.ds[2]);
		/* The seq from the header, else from the footer. */
		assert_int_equal(s.di[1].seq, 2);
		if (i != 0 && i != 1)
			assert_string_equal(s.di[1].name, "B");
		if (i == 2) { /* header, trailer and footer sound: sizes */
			assert_int_equal(s.di[1].raw_size, N3);
			assert_int_equal(s.di[1].checksum, t.ds[1].checksum);
		}
		v = open_rw(f->path);
		assert_int_equal(volume_size(v), t.wlen);
		assert_int_equal(volume_repaired(v), 0);
		put_simple(v, "D", t.data, 10, &more);
		assert_int_equal(more.seq, 4);
		volume_close(v);
		read_back(f->path, &more, t.data, 10);
	}
	free_three(&t);
}

/* The same damage in the last data set: it committed (its trailer or its
 * footer says so), so a writable open keeps it; the repository decides
 * with volume_truncate_after(). */
static void test_damage_last(void **state)
{
	struct fx *f = *state;
	struct three t;
	struct volume *v;
	struct seen s;
	uint64_t where[4];
	int i;

	make_three(f, &t);
	where[0] = t.ds[2].offset + 40;
	where[1] = chunk_at(f->path, &t, 2, 3) + 2;
	where[2] = chunk_at(f->path, &t, 2, 7) + 30;
	where[3] = end_of(&t.ds[2]) - 5;
	for (i = 0; i < 4; i++) {
		restore(f->path, t.whole, t.wlen);
		flip(f->path, where[i]);
		assert_int_equal(scan(f->path, &s, NULL), 2);
		assert_int_equal(s.damaged, 1);
		assert_int_equal(s.torn, 0);
		assert_int_equal(s.di[2].length, t.ds[2].length);
		v = open_rw(f->path);
		assert_int_equal(volume_size(v), t.wlen);
		assert_int_equal(size_of(f->path), t.wlen);
		assert_int_equal(volume_truncate_after(v, end_of(&t.ds[2])), 0);
		assert_int_equal(size_of(f->path), t.wlen);
		/* The repository never registered C: it goes. */
		assert_int_equal(volume_truncate_after(v, end_of(&t.ds[1])), 0);
		assert_int_equal(volume_size(v), end_of(&t.ds[1]));
		volume_close(v);
		assert_int_equal(size_of(f->path), end_of(&t.ds[1]));
		others_read_exact(f, &t, 2);
	}
	free_three(&t);
}

/* A trailer or footer cut short (a crash during the commit): torn, and
 * the reader that knows the registered length says it is cut off. */
static void test_truncated_trailer_footer(void **state)
{
	struct fx *f = *state;
	struct volume_reader *vr = NULL;
	struct three t;
	struct volume *v;
	struct seen s;
	uint64_t cuts[4];
	int i;

	make_three(f, &t);
	cuts[0] = end_of(&t.ds[2]) - 1;
	cuts[1] = end_of(&t.ds[2]) - 31;
	cuts[2] = end_of(&t.ds[2]) - 40; /* inside the trailer */
	cuts[3] = chunk_at(f->path, &t, 2, 7) + 1;
	for (i = 0; i < 4; i++) {
		restore(f->path, t.whole, (size_t)cuts[i]);
		ruv_clearerr();
		assert_int_equal(volume_reader_open(f->path, t.ds[2].offset,
						    t.ds[2].length, &vr),
				 -EIO);
		assert_true(message_has("truncated"));
		assert_int_equal(
			volume_reader_open(f->path, t.ds[2].offset, 0, &vr),
			-EIO);
		assert_true(message_has("cut off"));
		assert_int_equal(scan(f->path, &s, NULL), 2);
		assert_int_equal(s.di[2].state, VOLUME_DS_TORN);
		v = open_rw(f->path);
		assert_int_equal(volume_size(v), end_of(&t.ds[1]));
		volume_close(v);
		others_read_exact(f, &t, 2);
	}
	free_three(&t);
}

/* A footer with a sound CRC inside junk (say, in a backup of a volume
 * file) does not make a torn tail look committed unless it closes a data
 * set that starts there. */
static void test_footer_in_junk(void **state)
{
	struct fx *f = *state;
	struct volume_dataset_info one, x;
	unsigned char *d = content(3 * CS, RANDOM, 13), *whole, *junk;
	struct volume *v = create(f);
	unsigned char foot[32];
	size_t wlen, hdr;
	int round;

	put_simple(v, "ONE", d, 3 * CS, &one);
	put_simple(v, "X", d, 3 * CS, &x);
	volume_close(v);
	whole = snapshot(f->path, &wlen);
	/* A copy of ONE's footer: it points back at ONE. */
	memcpy(foot, whole + end_of(&one) - 32, 32);
	assert_memory_equal(foot, "RUVDSEND", 8);
	assert_int_equal(le64(foot + 8), one.offset);
	hdr = chunk_at_raw(f->path, &x, 0) - x.offset;
	junk = content(6000, RANDOM, 14);
	memcpy(junk + 3000, foot, 32);
	for (round = 0; round < 3; round++) {
		/* 0: X's header then junk; 1: junk alone; 2: junk whose
		 * footer claims to close a data set at X's place. */
		restore(f->path, whole, (size_t)x.offset + (round ? 0 : hdr));
		if (round == 2) {
			put_le64(junk + 3000 + 8, x.offset);
			put_le32(junk + 3000 + 28, crc32c(0, junk + 3000, 28));
		}
		append_bytes(f->path, junk, 6000);
		v = open_rw(f->path);
		if (round < 2) {
			assert_int_equal(volume_size(v), end_of(&one));
			assert_int_equal(size_of(f->path), end_of(&one));
		} else {
			/* Taken at its word: what it closes is kept as
			 * damage, for the repository's
			 * volume_truncate_after() to judge; the junk after
			 * it goes. */
			assert_int_equal(volume_size(v), x.offset + 3032);
			assert_int_equal(size_of(f->path), x.offset + 3032);
			assert_int_equal(volume_truncate_after(v, end_of(&one)),
					 0);
		}
		volume_close(v);
		read_back(f->path, &one, d, 3 * CS);
	}
	free(junk);
	free(whole);
	free(d);
}

/* Rewrite the trailer of di (found through its footer) with change()
 * applied and its CRC made good again: damage no CRC can see. */
static void forge_trailer(const char *path,
			  const struct volume_dataset_info *di,
			  void (*change)(unsigned char *t, uint32_t n))
{
	int fd = open(path, O_RDWR);
	unsigned char foot[32], *t;
	uint64_t tlen, toff;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, foot, 32, (off_t)(end_of(di) - 32)), 32);
	tlen = le64(foot + 16);
	toff = end_of(di) - 32 - tlen;
	t = malloc(tlen);
	assert_non_null(t);
	assert_int_equal(pread(fd, t, tlen, (off_t)toff), (ssize_t)tlen);
	assert_memory_equal(t, "RUVDST1\n", 8);
	assert_int_equal(le32(t + tlen - 4), crc32c(0, t, tlen - 4));
	change(t, le32(t + 8));
	put_le32(t + tlen - 4, crc32c(0, t, tlen - 4));
	assert_int_equal(pwrite(fd, t, tlen, (off_t)toff), (ssize_t)tlen);
	free(t);
	close(fd);
}

/* Index entries: 28 + 12 i: content length, frame length, frame CRC. */
static void swap_crcs(unsigned char *t, uint32_t n)
{
	unsigned char tmp[4];

	assert_true(n >= 3);
	memcpy(tmp, t + 28 + 12 + 8, 4);
	memcpy(t + 28 + 12 + 8, t + 28 + 24 + 8, 4);
	memcpy(t + 28 + 24 + 8, tmp, 4);
}

static void longer_frame(unsigned char *t, uint32_t n)
{
	(void)n;
	put_le32(t + 28 + 4, le32(t + 28 + 4) + 1);
	put_le64(t + 20, le64(t + 20) + 1); /* the total agrees */
}

static void shift_frames(unsigned char *t, uint32_t n)
{
	(void)n;
	put_le32(t + 28 + 4, le32(t + 28 + 4) + 1);
	put_le32(t + 28 + 12 + 4, le32(t + 28 + 12 + 4) - 1);
}

static void test_forged_trailer(void **state)
{
	static void (*const forge[])(unsigned char *,
				     uint32_t) = { swap_crcs, longer_frame,
						   shift_frames };
	struct fx *f = *state;
	struct volume_reader *vr = NULL;
	unsigned char buf[CS];
	struct three t;
	struct seen s;
	unsigned i;

	make_three(f, &t);
	for (i = 0; i < 3; i++) {
		restore(f->path, t.whole, t.wlen);
		forge_trailer(f->path, &t.ds[1], forge[i]);
		/* The walk compares the chunk headers with the index. */
		assert_int_equal(scan(f->path, &s, NULL), 2);
		assert_int_equal(s.di[1].state, VOLUME_DS_DAMAGED);
		assert_int_equal(s.di[1].length, t.ds[1].length);
		ruv_clearerr();
		if (forge[i] == longer_frame) {
			/* The chunks no longer fill the space. */
			assert_int_equal(
				volume_reader_open(f->path, t.ds[1].offset,
						   t.ds[1].length, &vr),
				-EIO);
			assert_true(message_has("chunk index"));
		} else {
			/* Sizes add up; the chunk is caught when read. */
			assert_int_equal(
				volume_reader_open(f->path, t.ds[1].offset,
						   t.ds[1].length, &vr),
				0);
			assert_int_equal(
				volume_reader_pread(vr, buf, CS, CS + 1), -EIO);
			assert_true(message_has("chunk 2"));
			assert_int_equal(volume_reader_verify(vr), -EIO);
			volume_reader_close(vr);
			vr = NULL;
		}
		others_read_exact(f, &t, 1);
	}
	free_three(&t);
}

/* ---- cutting back for the repository ------------------------------------- */

static void test_truncate_after(void **state)
{
	struct fx *f = *state;
	struct volume_dataset_info d;
	struct three t;
	struct volume *v;

	make_three(f, &t);
	v = open_rw(f->path);
	ruv_clearerr();
	assert_int_equal(volume_truncate_after(v, end_of(&t.ds[1]) - 1), -EIO);
	assert_true(message_has("not the end of a data set"));
	assert_int_equal(volume_truncate_after(v, t.ds[1].offset + 1), -EIO);
	assert_int_equal(volume_truncate_after(v, t.wlen + 100), -EIO);
	assert_true(message_has("missing"));
	assert_int_equal(size_of(f->path), t.wlen);
	assert_int_equal(volume_truncate_after(v, t.wlen), 0);
	assert_int_equal(volume_truncate_after(v, end_of(&t.ds[0])), 0);
	assert_int_equal(volume_size(v), end_of(&t.ds[0]));
	assert_int_equal(size_of(f->path), end_of(&t.ds[0]));
	put_simple(v, "B2", t.data, 5, &d);
	assert_int_equal(d.seq, 2);
	assert_int_equal(volume_truncate_after(v, 0), 0);
	assert_int_equal(volume_size(v), VOLUME_LABEL_SIZE);
	put_simple(v, "A2", t.data, 5, &d);
	assert_int_equal(d.seq, 1);
	volume_close(v);
	assert_int_equal(volume_open(f->path, 0, &v), 0);
	assert_int_equal(volume_truncate_after(v, VOLUME_LABEL_SIZE), -EBADF);
	volume_close(v);
	read_back(f->path, &d, t.data, 5);
	free_three(&t);
}

/*
 * volume_check_end() looks without touching: on a read-only handle, at
 * every data set end it says yes, anywhere else or past a truncation it
 * says -EIO, and the file stays byte-identical.
 */
static void test_check_end(void **state)
{
	struct fx *f = *state;
	unsigned char *now;
	struct three t;
	struct volume *v;
	size_t n;
	int i;

	make_three(f, &t);
	assert_int_equal(volume_open(f->path, 0, &v), 0);
	assert_int_equal(volume_check_end(v, 0), 0);
	assert_int_equal(volume_check_end(v, VOLUME_LABEL_SIZE), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(volume_check_end(v, end_of(&t.ds[i])), 0);
	ruv_clearerr();
	assert_int_equal(volume_check_end(v, end_of(&t.ds[1]) - 1), -EIO);
	assert_true(message_has("not the end of a data set"));
	assert_int_equal(volume_check_end(v, t.wlen + 1), -EIO);
	assert_true(message_has("missing or damaged"));
	volume_close(v);

	/* Cut into the third data set: its end is gone, the second's not. */
	assert_int_equal(truncate(f->path, (off_t)(t.ds[2].offset + 100)), 0);
	assert_int_equal(volume_open(f->path, 0, &v), 0);
	assert_int_equal(volume_size(v), end_of(&t.ds[1]));
	ruv_clearerr();
	assert_int_equal(volume_check_end(v, end_of(&t.ds[2])), -EIO);
	assert_true(message_has("missing or damaged"));
	assert_int_equal(volume_check_end(v, end_of(&t.ds[1])), 0);
	volume_close(v);
	now = snapshot(f->path, &n);
	assert_int_equal(n, t.ds[2].offset + 100);
	assert_memory_equal(now, t.whole, n);
	free(now);
	free_three(&t);
}

/* volume_bytes() is the file's size, before and after the end mark. */
static void test_bytes(void **state)
{
	struct volume_dataset_info one;
	struct fx *f = *state;
	unsigned char *d = content(2 * CS + 7, TEXT, 3);
	struct volume *v = create(f);

	assert_int_equal(volume_bytes(v), VOLUME_LABEL_SIZE);
	put_simple(v, "ONE", d, 2 * CS + 7, &one);
	assert_int_equal(volume_bytes(v), size_of(f->path));
	assert_int_equal(volume_seal(v), 0);
	assert_int_equal(volume_bytes(v), size_of(f->path));
	assert_int_equal(volume_bytes(v),
			 volume_size(v) + VOLUME_END_MARK_SIZE);
	volume_close(v);
	assert_int_equal(volume_open(f->path, 0, &v), 0);
	assert_int_equal(volume_bytes(v), size_of(f->path));
	volume_close(v);
	free(d);
}

/* ---- the reader's bounds ----------------------------------------------------
 */

static void test_reader_bounds(void **state)
{
	struct fx *f = *state;
	struct volume_reader *vr = NULL;
	struct three t;

	make_three(f, &t);
	assert_int_equal(volume_reader_open(f->path, 0, 0, &vr), -EIO);
	assert_int_equal(volume_reader_open(f->path, 100, 0, &vr), -EIO);
	assert_int_equal(volume_reader_open(f->path, t.wlen, 0, &vr), -EIO);
	assert_int_equal(volume_reader_open(f->path, UINT64_MAX - 5, 0, &vr),
			 -EIO);
	assert_int_equal(
		volume_reader_open(f->path, t.ds[1].offset + 1, 0, &vr), -EIO);
	assert_int_equal(volume_reader_open(f->path, t.ds[1].offset,
					    t.ds[1].length - 1, &vr),
			 -EIO);
	assert_int_equal(volume_reader_open(f->path, t.ds[1].offset,
					    t.ds[1].length + t.ds[2].length,
					    &vr),
			 -EIO);
	assert_int_equal(
		volume_reader_open(f->path, t.ds[1].offset, UINT64_MAX, &vr),
		-EIO);
	assert_null(vr);
	/* Two readers of one file, interleaved. */
	{
		struct volume_reader *r1 = NULL, *r2 = NULL;
		unsigned char b1[100], b2[100];

		assert_int_equal(
			volume_reader_open(f->path, t.ds[0].offset, 0, &r1), 0);
		assert_int_equal(
			volume_reader_open(f->path, t.ds[2].offset, 0, &r2), 0);
		assert_int_equal(volume_reader_pread(r1, b1, 100, 5000), 100);
		assert_int_equal(volume_reader_pread(r2, b2, 100, 5000), 100);
		assert_memory_equal(b1, b2, 100);
		assert_memory_equal(b1, t.data + 5000, 100);
		volume_reader_close(r1);
		volume_reader_close(r2);
	}
	volume_reader_close(NULL);
	free_three(&t);
}

/* ---- random damage never gives back wrong bytes ------------------------- */

static void test_random_damage(void **state)
{
	struct fx *f = *state;
	struct volume_reader *vr = NULL;
	unsigned char *buf = malloc(N3);
	struct volume *v;
	struct three t;
	struct seen s;
	unsigned round, k, detected = 0;
	int d, rc;

	assert_non_null(buf);
	make_three(f, &t);
	rnd_state = 4242;
	for (round = 0; round < 300; round++) {
		restore(f->path, t.whole, t.wlen);
		for (k = 0; k < 1 + round % 3; k++)
			flip(f->path,
			     VOLUME_LABEL_SIZE +
				     rnd() % (t.wlen - VOLUME_LABEL_SIZE));
		rc = scan(f->path, &s, NULL);
		assert_true(rc >= 0 && rc <= 3);
		for (d = 0; d < 3; d++) {
			rc = volume_reader_open(f->path, t.ds[d].offset,
						t.ds[d].length, &vr);
			if (rc == 0) {
				rc = (int)volume_reader_pread(vr, buf, N3, 0);
				volume_reader_close(vr);
			}
			if (rc < 0) {
				assert_int_equal(rc, -EIO);
				detected++;
				continue;
			}
			assert_int_equal(rc, N3);
			assert_memory_equal(buf, t.data, N3);
		}
		/* A writable open never cuts a committed data set. */
		if (volume_open(f->path, 1, &v) == 0)
			volume_close(v);
		assert_int_equal(size_of(f->path), t.wlen);
	}
	assert_true(detected >= 300);
	free(buf);
	free_three(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_label_round_trip),
		TEST(test_identity),
		TEST(test_create_checks_names),
		TEST(test_not_a_volume),
		TEST(test_label_damage),
		TEST(test_round_trips),
		TEST(test_other_chunk_sizes),
		TEST(test_meta_and_scan),
		TEST(test_checksum_names_content),
		TEST(test_scan_stops),
		TEST(test_abort_cuts_back),
		TEST(test_bad_input),
		cmocka_unit_test(test_kinds),
		TEST(test_write_error),
		TEST(test_seal),
		TEST(test_seal_empty),
		TEST(test_torn_every_byte),
		TEST(test_torn_noise),
		TEST(test_torn_junk),
		TEST(test_damage_in_chunk),
		TEST(test_damage_behind_crc),
		TEST(test_damage_structures),
		TEST(test_damage_last),
		TEST(test_truncated_trailer_footer),
		TEST(test_footer_in_junk),
		TEST(test_forged_trailer),
		TEST(test_truncate_after),
		TEST(test_check_end),
		TEST(test_bytes),
		TEST(test_reader_bounds),
		TEST(test_random_damage),
		TEST(test_torn_create),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
