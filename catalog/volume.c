// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stacked volumes: the on-disk format, its writer, reader and scanner.
 *
 * FORMAT, version 1.  All integers little-endian.  CRC is CRC-32C.
 *
 *   label     4096 bytes at offset 0:
 *               0  "RUVVOL1\n"
 *               8  u32 format version (1)
 *              12  u32 label size (4096)
 *              16  VOLSER, 8 bytes, NUL-padded
 *              24  pool name, 16 bytes, NUL-padded
 *              40  i64 created, µs since the epoch, UTC
 *              48  u64 capacity, bytes
 *              56  zeros
 *            4092  u32 CRC of bytes 0..4091
 *   data set  repeated; each one is
 *     header    "RUVDSH1\n", u32 header length (all of it), u32 seq,
 *               u32 kind, u32 chunk size, i64 created, u16 + name,
 *               u16 + source DSN, u32 + meta (the writer's blob), u32 CRC
 *               of everything before it in the header
 *     chunks    each "RUVC", u32 content length, u32 compressed length,
 *               u32 CRC of the compressed bytes, u32 CRC of these 16
 *               bytes; then one independent lz4 frame (content size,
 *               content checksum, block checksums) of chunk-size content
 *               bytes (the last chunk may hold fewer)
 *     trailer   "RUVDST1\n", u32 seq, u32 chunk count, u64 content size,
 *               u64 compressed size, then per chunk: u64 offset of its
 *               "RUVC" from the data set start, u32 compressed length,
 *               u32 content length; then u32 CRC of the trailer
 *     footer    32 bytes: "RUVDSEND", u64 data set start (absolute),
 *               u64 trailer length, u32 seq, u32 CRC of bytes 0..27
 *   end mark  when sealed: "RUVEOV1\n", u32 data set count, u64 its own
 *             offset, u32 zero, u32 CRC of bytes 0..23 (28 bytes)
 *
 * A data set is complete only when its footer is written and synced; a
 * reader that knows the length reads the footer, then trailer and index,
 * and can decompress any chunk alone.  A scanner walks headers and chunk
 * headers forward without decompressing.
 *
 * Changing the format: a new layout gets new magics and version 2, and
 * readers keep accepting version 1.  Fields are never reinterpreted.
 *
 * Cost: a backup writes each compressed chunk with one pwritev; a commit
 * is two writes and one fdatasync.  Opening walks one header and a 20-byte
 * chunk header per chunk of every data set, so a volume opens in time
 * proportional to its chunk count, not its size.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <lz4frame.h>

#include "crc32c.h"
#include "errmsg.h"
#include "rtime.h"
#include "volume.h"

#define FORMAT_VERSION 1
#define MAGIC_LABEL    "RUVVOL1\n"
#define MAGIC_HEADER   "RUVDSH1\n"
#define MAGIC_CHUNK    "RUVC"
#define MAGIC_TRAILER  "RUVDST1\n"
#define MAGIC_FOOTER   "RUVDSEND"
#define MAGIC_EOV      "RUVEOV1\n"
#define CHUNK_HDR      20
#define FOOTER_SIZE    32
#define EOV_SIZE       28
#define TRAILER_FIXED  32
#define INDEX_ENTRY    16
#define HEADER_MAX     (64 + VOLUME_NAME_MAX + VOLUME_SOURCE_MAX + VOLUME_META_MAX)
#define CHUNK_SIZE_MIN 4096U
#define WRITEBACK_STEP (8ULL << 20)
#define CHUNK_SIZE_MAX (64U << 20)

struct volume {
	int fd;
	int writable;
	char path[4096];
	struct volume_label label;
	uint64_t end;	/* end of the last sound data set (or label) */
	uint32_t count; /* sound data sets */
	int writing;	/* a writer is open */
};

struct chunk_ref {
	uint64_t offset; /* from the data set start */
	uint32_t clen;
	uint32_t ulen;
};

struct volume_writer {
	struct volume *v;
	struct volume_dataset_info info;
	uint64_t pos;	 /* next byte to write, absolute */
	uint64_t kicked; /* writeback started up to here */
	struct chunk_ref *index;
	uint32_t cap;
	int failed;
};

struct volume_reader {
	int fd;
	char path[4096];
	struct volume_dataset_info info;
	struct chunk_ref *index;
	unsigned char *cbuf; /* compressed chunk */
	size_t cbuf_cap;
	unsigned char *ubuf; /* the cached decompressed chunk */
	int64_t cached;	     /* its index, -1 none */
	LZ4F_dctx *dctx;
};

/* Little-endian helpers. */
static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static const char *const kind_names[] = {
	[VOLUME_KIND_BACKUP] = "backup",
	[VOLUME_KIND_ARCHIVE] = "archive",
	[VOLUME_KIND_UOW] = "uow",
	[VOLUME_KIND_ACCUM] = "accum",
	[VOLUME_KIND_ACCUM_UOW] = "accum-uow",
	[VOLUME_KIND_REPOSITORY] = "repository",
	[VOLUME_KIND_JCL] = "jcl",
};

#define NKINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *volume_kind_name(uint32_t kind)
{
	return kind > 0 && kind < NKINDS ? kind_names[kind] : "unknown";
}

uint32_t volume_kind_parse(const char *name)
{
	uint32_t k;

	for (k = 1; k < NKINDS; k++)
		if (!strcmp(kind_names[k], name))
			return k;
	return 0;
}

/* Read exactly n bytes at off: 0, -EIO short (message), or -errno. */
static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
	unsigned char *p = buf;
	ssize_t r;

	while (n) {
		r = pread(fd, p, n, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ENODATA;
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int write_at(int fd, const void *buf, size_t n, uint64_t off)
{
	const unsigned char *p = buf;
	ssize_t w;

	while (n) {
		w = pwrite(fd, p, n, (off_t)off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int sync_dir_of(const char *path)
{
	char buf[4096];
	int fd, rc = 0;

	snprintf(buf, sizeof(buf), "%s", path);
	fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* ---- label ---------------------------------------------------------- */

static void label_encode(const struct volume_label *l, unsigned char *p)
{
	memset(p, 0, VOLUME_LABEL_SIZE);
	memcpy(p, MAGIC_LABEL, 8);
	put32(p + 8, FORMAT_VERSION);
	put32(p + 12, VOLUME_LABEL_SIZE);
	memcpy(p + 16, l->volser, strlen(l->volser));
	memcpy(p + 24, l->pool, strlen(l->pool));
	put64(p + 40, (uint64_t)l->created_us);
	put64(p + 48, l->capacity);
	put32(p + VOLUME_LABEL_SIZE - 4, crc32c(0, p, VOLUME_LABEL_SIZE - 4));
}

static int label_decode(const char *path, const unsigned char *p,
			struct volume_label *l)
{
	if (memcmp(p, MAGIC_LABEL, 8))
		return ruv_fail(-EIO, "'%s' is not a volume (no volume label)",
				path);
	if (get32(p + VOLUME_LABEL_SIZE - 4) !=
	    crc32c(0, p, VOLUME_LABEL_SIZE - 4))
		return ruv_fail(-EIO,
				"volume '%s': the label is damaged "
				"(checksum mismatch)",
				path);
	if (get32(p + 8) != FORMAT_VERSION ||
	    get32(p + 12) != VOLUME_LABEL_SIZE)
		return ruv_fail(-EIO,
				"volume '%s': format version %u is not "
				"known",
				path, get32(p + 8));
	memset(l, 0, sizeof(*l));
	memcpy(l->volser, p + 16, 6);
	memcpy(l->pool, p + 24, 16);
	l->created_us = (int64_t)get64(p + 40);
	l->capacity = get64(p + 48);
	l->version = get32(p + 8);
	return 0;
}

static int label_read(int fd, const char *path, struct volume_label *l)
{
	unsigned char *buf = malloc(VOLUME_LABEL_SIZE);
	int rc;

	if (!buf)
		return -ENOMEM;
	rc = read_at(fd, buf, VOLUME_LABEL_SIZE, 0);
	if (rc == -ENODATA)
		rc = ruv_fail(-EIO,
			      "'%s' is not a volume (too short for a "
			      "label)",
			      path);
	else if (rc < 0)
		ruv_fail(rc, "volume '%s': %s", path, strerror(-rc));
	else
		rc = label_decode(path, buf, l);
	free(buf);
	return rc;
}

/* ---- parsing one data set -------------------------------------------- */

/*
 * The walk over a data set from its header.  On return *state says how
 * far it got; info is filled as far as known.  Never reads past size.
 * meta_buf (VOLUME_META_MAX) receives the meta blob.
 */
static int parse_header(int fd, uint64_t off, uint64_t size,
			struct volume_dataset_info *di, unsigned char *hbuf)
{
	uint32_t hlen, nlen, slen, mlen, p;

	if (size - off < 40 || read_at(fd, hbuf, 12, off) < 0 ||
	    memcmp(hbuf, MAGIC_HEADER, 8))
		return VOLUME_DS_TORN;
	hlen = get32(hbuf + 8);
	if (hlen < 46 || hlen > HEADER_MAX)
		return VOLUME_DS_DAMAGED;
	if (hlen > size - off)
		return VOLUME_DS_TORN;
	if (read_at(fd, hbuf, hlen, off) < 0)
		return VOLUME_DS_TORN;
	if (get32(hbuf + hlen - 4) != crc32c(0, hbuf, hlen - 4))
		return VOLUME_DS_DAMAGED;
	memset(di, 0, sizeof(*di));
	di->offset = off;
	di->seq = get32(hbuf + 12);
	di->kind = get32(hbuf + 16);
	di->chunk_size = get32(hbuf + 20);
	di->created_us = (int64_t)get64(hbuf + 24);
	p = 32;
	nlen = get16(hbuf + p);
	if (nlen > VOLUME_NAME_MAX || p + 2 + nlen + 2 > hlen - 4)
		return VOLUME_DS_DAMAGED;
	memcpy(di->name, hbuf + p + 2, nlen);
	p += 2 + nlen;
	slen = get16(hbuf + p);
	if (slen > VOLUME_SOURCE_MAX || p + 2 + slen + 4 > hlen - 4)
		return VOLUME_DS_DAMAGED;
	memcpy(di->source, hbuf + p + 2, slen);
	p += 2 + slen;
	mlen = get32(hbuf + p);
	if (mlen > VOLUME_META_MAX || p + 4 + mlen != hlen - 4)
		return VOLUME_DS_DAMAGED;
	di->meta = hbuf + p + 4;
	di->meta_len = mlen;
	di->length = hlen; /* so far */
	if (di->chunk_size < CHUNK_SIZE_MIN || di->chunk_size > CHUNK_SIZE_MAX)
		return VOLUME_DS_DAMAGED;
	return VOLUME_DS_COMPLETE;
}

static int check_chunk_header(const unsigned char *h, uint32_t chunk_size)
{
	return !memcmp(h, MAGIC_CHUNK, 4) &&
	       get32(h + 16) == crc32c(0, h, 16) && get32(h + 8) > 0 &&
	       get32(h + 8) <= LZ4F_compressFrameBound(chunk_size, NULL) + 64 &&
	       get32(h + 4) > 0 && get32(h + 4) <= chunk_size;
}

/*
 * Decode and check a trailer + footer at off (start of the trailer) for
 * the data set di.  Fills nchunks, sizes, checksum, length; *index (may be
 * NULL) gets the index, malloc'd.
 */
static int parse_trailer(int fd, uint64_t off, uint64_t size,
			 struct volume_dataset_info *di,
			 struct chunk_ref **index)
{
	unsigned char fixed[TRAILER_FIXED], foot[FOOTER_SIZE];
	unsigned char *buf = NULL;
	uint64_t tlen, raw = 0, stored = 0;
	uint32_t n, i;
	int state = VOLUME_DS_COMPLETE;

	if (size - off < TRAILER_FIXED ||
	    read_at(fd, fixed, sizeof(fixed), off))
		return VOLUME_DS_TORN;
	if (memcmp(fixed, MAGIC_TRAILER, 8))
		return VOLUME_DS_DAMAGED;
	n = get32(fixed + 12);
	tlen = TRAILER_FIXED + (uint64_t)n * INDEX_ENTRY + 4;
	if (get32(fixed + 8) != di->seq ||
	    (uint64_t)n * di->chunk_size < get64(fixed + 16) ||
	    tlen > (64ULL << 20))
		return VOLUME_DS_DAMAGED;
	if (tlen + FOOTER_SIZE > size - off)
		return VOLUME_DS_TORN;
	buf = malloc(tlen);
	if (!buf)
		return -ENOMEM;
	if (read_at(fd, buf, tlen, off) ||
	    read_at(fd, foot, FOOTER_SIZE, off + tlen)) {
		state = VOLUME_DS_TORN;
		goto out;
	}
	if (get32(buf + tlen - 4) != crc32c(0, buf, tlen - 4) ||
	    memcmp(foot, MAGIC_FOOTER, 8) ||
	    get32(foot + 28) != crc32c(0, foot, 28) ||
	    get64(foot + 8) != di->offset || get64(foot + 16) != tlen ||
	    get32(foot + 24) != di->seq) {
		state = VOLUME_DS_DAMAGED;
		goto out;
	}
	if (index) {
		*index = calloc(n ? n : 1, sizeof(**index));
		if (!*index) {
			state = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		const unsigned char *e = buf + TRAILER_FIXED + i * INDEX_ENTRY;
		struct chunk_ref c = { get64(e), get32(e + 8), get32(e + 12) };

		/* Every chunk but the last is full; all lie before the trailer.
		 */
		if (c.ulen == 0 || c.ulen > di->chunk_size ||
		    (i + 1 < n && c.ulen != di->chunk_size) ||
		    c.offset + CHUNK_HDR + c.clen > off - di->offset) {
			state = VOLUME_DS_DAMAGED;
			break;
		}
		raw += c.ulen;
		stored += c.clen;
		if (index)
			(*index)[i] = c;
	}
	if (state == VOLUME_DS_COMPLETE &&
	    (raw != get64(fixed + 16) || stored != get64(fixed + 24)))
		state = VOLUME_DS_DAMAGED;
	if (state != VOLUME_DS_COMPLETE) {
		if (index) {
			free(*index);
			*index = NULL;
		}
		goto out;
	}
	di->nchunks = n;
	di->raw_size = raw;
	di->stored_size = stored;
	di->checksum = get32(buf + tlen - 4);
	di->length = off + tlen + FOOTER_SIZE - di->offset;
out:
	free(buf);
	return state;
}

/*
 * Walk one data set forward from its header at off.  Returns its state;
 * di describes it (length covers what was walked).
 */
static int walk_dataset(int fd, uint64_t off, uint64_t size,
			struct volume_dataset_info *di, unsigned char *hbuf)
{
	unsigned char h[CHUNK_HDR];
	uint64_t p;
	int state;

	state = parse_header(fd, off, size, di, hbuf);
	if (state != VOLUME_DS_COMPLETE)
		return state;
	p = off + di->length;
	for (;;) {
		if (size - p < 8 || read_at(fd, h, 8, p))
			return VOLUME_DS_TORN;
		if (!memcmp(h, MAGIC_TRAILER, 8))
			break;
		if (size - p < CHUNK_HDR || read_at(fd, h, CHUNK_HDR, p))
			return VOLUME_DS_TORN;
		if (!check_chunk_header(h, di->chunk_size))
			return VOLUME_DS_DAMAGED;
		if (get32(h + 8) > size - p - CHUNK_HDR)
			return VOLUME_DS_TORN;
		p += CHUNK_HDR + get32(h + 8);
		di->length = p - off;
	}
	return parse_trailer(fd, p, size, di, NULL);
}

/* Find the next header magic at or after off whose header checks out. */
static uint64_t resync(int fd, uint64_t off, uint64_t size, unsigned char *hbuf)
{
	struct volume_dataset_info di;
	unsigned char *win = malloc(1 << 20);
	uint64_t pos = off;
	ssize_t n;
	unsigned char *hit;

	if (!win)
		return size;
	while (pos < size) {
		n = pread(fd, win, 1 << 20, (off_t)pos);
		if (n < 8)
			break;
		hit = memmem(win, (size_t)n, MAGIC_HEADER, 8);
		while (hit) {
			uint64_t at = pos + (uint64_t)(hit - win);

			if (parse_header(fd, at, size, &di, hbuf) ==
			    VOLUME_DS_COMPLETE) {
				free(win);
				return at;
			}
			hit = memmem(hit + 1, (size_t)(win + n - hit - 1),
				     MAGIC_HEADER, 8);
		}
		pos += (uint64_t)n - 7;
	}
	free(win);
	return size;
}

/* ---- scanning --------------------------------------------------------- */

static int check_eov(int fd, uint64_t off, uint64_t size)
{
	unsigned char e[EOV_SIZE];

	return size - off >= EOV_SIZE && !read_at(fd, e, EOV_SIZE, off) &&
	       !memcmp(e, MAGIC_EOV, 8) && get64(e + 12) == off &&
	       get32(e + 24) == crc32c(0, e, 24);
}

/*
 * The one walk behind volume_open() and volume_scan(): *end is the end of
 * the sound data sets before the first torn or damaged one, *count their
 * number; cb hears every data set found.
 */
static int walk_volume(int fd, const char *path, struct volume_label *label,
		       int (*cb)(const struct volume_dataset_info *, void *),
		       void *arg, uint64_t *end, uint32_t *count)
{
	struct volume_dataset_info di;
	unsigned char *hbuf;
	struct stat sb;
	uint64_t off = VOLUME_LABEL_SIZE, size;
	int state, clean = 1, complete = 0, rc = 0;

	rc = label_read(fd, path, label);
	if (rc < 0)
		return rc;
	if (fstat(fd, &sb) < 0)
		return -errno;
	size = (uint64_t)sb.st_size;
	hbuf = malloc(HEADER_MAX);
	if (!hbuf)
		return -ENOMEM;
	*end = VOLUME_LABEL_SIZE;
	*count = 0;
	while (off < size) {
		if (check_eov(fd, off, size)) {
			label->sealed = 1;
			break;
		}
		state = walk_dataset(fd, off, size, &di, hbuf);
		if (state < 0) {
			rc = state;
			break;
		}
		if (state == VOLUME_DS_TORN && di.offset != off)
			break; /* not even a header: trailing garbage */
		di.state = state;
		if (state == VOLUME_DS_COMPLETE) {
			complete++;
			if (clean) {
				*end = off + di.length;
				*count = *count + 1;
			}
		} else {
			clean = 0;
		}
		if (cb && (rc = cb(&di, arg)) != 0)
			break;
		if (state == VOLUME_DS_COMPLETE)
			off += di.length;
		else if (state == VOLUME_DS_TORN)
			break;
		else
			off = resync(fd, off + 8, size, hbuf);
	}
	free(hbuf);
	return rc < 0 ? rc : complete;
}

int volume_scan(const char *path,
		int (*cb)(const struct volume_dataset_info *, void *),
		void *arg, struct volume_label *label)
{
	struct volume_label tmp;
	uint64_t end;
	uint32_t count;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		return ruv_fail(rc, "volume '%s': %s", path, strerror(-rc));
	}
	rc = walk_volume(fd, path, label ? label : &tmp, cb, arg, &end, &count);
	close(fd);
	return rc;
}

/* ---- the volume handle -------------------------------------------------- */

int volume_create(const char *path, const char *volser, const char *pool,
		  uint64_t capacity, struct volume **out)
{
	unsigned char *buf = NULL;
	struct volume *v;
	int rc;

	v = calloc(1, sizeof(*v));
	buf = malloc(VOLUME_LABEL_SIZE);
	if (!v || !buf) {
		rc = -ENOMEM;
		goto fail;
	}
	snprintf(v->path, sizeof(v->path), "%s", path);
	snprintf(v->label.volser, sizeof(v->label.volser), "%s", volser);
	snprintf(v->label.pool, sizeof(v->label.pool), "%s", pool);
	v->label.created_us = rtime_now();
	v->label.capacity = capacity;
	v->label.version = FORMAT_VERSION;
	v->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (v->fd < 0) {
		rc = -errno;
		ruv_fail(rc, "cannot create volume '%s': %s", path,
			 strerror(-rc));
		goto fail;
	}
	label_encode(&v->label, buf);
	rc = write_at(v->fd, buf, VOLUME_LABEL_SIZE, 0);
	if (rc == 0 && fsync(v->fd) < 0)
		rc = -errno;
	if (rc == 0)
		rc = sync_dir_of(path);
	if (rc < 0) {
		ruv_fail(rc, "cannot write volume '%s': %s", path,
			 strerror(-rc));
		close(v->fd);
		unlink(path);
		goto fail;
	}
	v->writable = 1;
	v->end = VOLUME_LABEL_SIZE;
	free(buf);
	*out = v;
	return 0;
fail:
	free(buf);
	free(v);
	return rc;
}

int volume_open(const char *path, int writable, struct volume **out)
{
	struct volume *v;
	int rc;

	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	snprintf(v->path, sizeof(v->path), "%s", path);
	v->writable = writable;
	v->fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (v->fd < 0) {
		rc = -errno;
		ruv_fail(rc, "volume '%s': %s", path, strerror(-rc));
		free(v);
		return rc;
	}
	rc = walk_volume(v->fd, path, &v->label, NULL, NULL, &v->end,
			 &v->count);
	if (rc < 0) {
		volume_close(v);
		return rc;
	}
	*out = v;
	return 0;
}

void volume_close(struct volume *v)
{
	if (!v)
		return;
	if (v->fd >= 0)
		close(v->fd);
	free(v);
}

const struct volume_label *volume_label(const struct volume *v)
{
	return &v->label;
}

uint64_t volume_size(const struct volume *v)
{
	return v->end;
}

int volume_is_sealed(const struct volume *v)
{
	return v->label.sealed;
}

int volume_truncate_after(struct volume *v, uint64_t offset)
{
	uint64_t end;
	uint32_t count;
	struct stat sb;
	int rc;

	if (offset < VOLUME_LABEL_SIZE)
		offset = VOLUME_LABEL_SIZE;
	if (fstat(v->fd, &sb) < 0)
		return -errno;
	if ((uint64_t)sb.st_size == offset && v->end == offset)
		return 0;
	if (v->label.sealed)
		return ruv_fail(-EROFS, "volume '%s' is sealed", v->path);
	if (!v->writable)
		return -EBADF;
	if (offset > v->end)
		return ruv_fail(-EIO,
				"volume '%s': damaged before offset %llu;"
				" not appending to it",
				v->path, (unsigned long long)offset);
	if (ftruncate(v->fd, (off_t)offset) < 0 || fsync(v->fd) < 0) {
		rc = -errno;
		return ruv_fail(rc, "volume '%s': cannot cut back: %s", v->path,
				strerror(-rc));
	}
	/* Count again: offset must have been a data set boundary. */
	rc = walk_volume(v->fd, v->path, &v->label, NULL, NULL, &end, &count);
	if (rc < 0)
		return rc;
	v->end = end;
	v->count = count;
	return end == offset ? 0
			     : ruv_fail(-EIO,
					"volume '%s': offset %llu is not "
					"a data set boundary",
					v->path, (unsigned long long)offset);
}

int volume_seal(struct volume *v)
{
	unsigned char e[EOV_SIZE];
	int rc;

	if (v->label.sealed)
		return 0;
	if (v->writing)
		return -EBUSY;
	if (!v->writable)
		return -EBADF;
	memcpy(e, MAGIC_EOV, 8);
	put32(e + 8, v->count);
	put64(e + 12, v->end);
	put32(e + 20, 0);
	put32(e + 24, crc32c(0, e, 24));
	if (ftruncate(v->fd, (off_t)v->end) < 0)
		goto fail;
	rc = write_at(v->fd, e, EOV_SIZE, v->end);
	if (rc < 0) {
		errno = -rc;
		goto fail;
	}
	if (fdatasync(v->fd) < 0)
		goto fail;
	v->label.sealed = 1;
	return 0;
fail:
	rc = -errno;
	return ruv_fail(rc, "volume '%s': cannot seal: %s", v->path,
			strerror(-rc));
}

/* ---- writing ------------------------------------------------------------ */

static int writer_fail(struct volume_writer *w, int rc)
{
	w->failed = 1;
	if (rc == -ENOSPC)
		return ruv_fail(rc, "volume '%s': no space left on the device",
				w->v->path);
	return ruv_fail(rc, "volume '%s': cannot write: %s", w->v->path,
			strerror(-rc));
}

int volume_dataset_begin(struct volume *v, uint32_t kind, const char *name,
			 const char *source, uint32_t chunk_size,
			 const void *meta, size_t meta_len,
			 struct volume_writer **out)
{
	size_t nlen = strlen(name), slen = source ? strlen(source) : 0;
	struct volume_writer *w;
	unsigned char *h;
	uint32_t hlen, p;
	int rc;

	if (v->label.sealed)
		return ruv_fail(-EROFS, "volume '%s' is sealed", v->path);
	if (!v->writable)
		return -EBADF;
	if (v->writing)
		return -EBUSY;
	if (nlen == 0 || nlen > VOLUME_NAME_MAX || slen > VOLUME_SOURCE_MAX ||
	    meta_len > VOLUME_META_MAX || chunk_size < CHUNK_SIZE_MIN ||
	    chunk_size > CHUNK_SIZE_MAX || !kind || kind >= NKINDS)
		return ruv_fail(-EINVAL,
				"data set '%s': name, source, meta or"
				" chunk size out of range",
				name);
	w = calloc(1, sizeof(*w));
	hlen = (uint32_t)(32 + 2 + nlen + 2 + slen + 4 + meta_len + 4);
	h = calloc(1, hlen);
	if (!w || !h) {
		free(w);
		free(h);
		return -ENOMEM;
	}
	w->v = v;
	w->info.seq = v->count + 1;
	w->info.kind = kind;
	memcpy(w->info.name, name, nlen);
	if (slen)
		memcpy(w->info.source, source, slen);
	w->info.created_us = rtime_now();
	w->info.chunk_size = chunk_size;
	w->info.offset = v->end;
	memcpy(h, MAGIC_HEADER, 8);
	put32(h + 8, hlen);
	put32(h + 12, w->info.seq);
	put32(h + 16, kind);
	put32(h + 20, chunk_size);
	put64(h + 24, (uint64_t)w->info.created_us);
	p = 32;
	put16(h + p, (uint16_t)nlen);
	memcpy(h + p + 2, name, nlen);
	p += 2 + (uint32_t)nlen;
	put16(h + p, (uint16_t)slen);
	memcpy(h + p + 2, source ? source : "", slen);
	p += 2 + (uint32_t)slen;
	put32(h + p, (uint32_t)meta_len);
	if (meta_len)
		memcpy(h + p + 4, meta, meta_len);
	put32(h + hlen - 4, crc32c(0, h, hlen - 4));
	rc = write_at(v->fd, h, hlen, v->end);
	free(h);
	if (rc < 0) {
		rc = writer_fail(w, rc);
		if (ftruncate(v->fd, (off_t)v->end) < 0) {
			/* the torn header is cut at the next open */
		}
		free(w);
		return rc;
	}
	w->pos = v->end + hlen;
	w->kicked = v->end;
	v->writing = 1;
	*out = w;
	return 0;
}

int volume_dataset_put(struct volume_writer *w, const void *frame,
		       size_t frame_len, size_t raw_len)
{
	unsigned char h[CHUNK_HDR];
	struct iovec iov[2];
	struct chunk_ref *ni;
	uint64_t off = w->pos;
	size_t left;
	ssize_t n;

	if (w->failed)
		return -EIO;
	if (!frame_len || frame_len > UINT32_MAX || !raw_len ||
	    raw_len > w->info.chunk_size ||
	    (w->info.nchunks &&
	     w->index[w->info.nchunks - 1].ulen != w->info.chunk_size))
		return ruv_fail(-EINVAL,
				"data set '%s': a chunk after a "
				"short one, or a bad chunk length",
				w->info.name);
	if (w->info.nchunks == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		ni = realloc(w->index, w->cap * sizeof(*ni));
		if (!ni)
			return -ENOMEM;
		w->index = ni;
	}
	memcpy(h, MAGIC_CHUNK, 4);
	put32(h + 4, (uint32_t)raw_len);
	put32(h + 8, (uint32_t)frame_len);
	put32(h + 12, crc32c(0, frame, frame_len));
	put32(h + 16, crc32c(0, h, 16));
	iov[0] = (struct iovec){ h, CHUNK_HDR };
	iov[1] = (struct iovec){ (void *)frame, frame_len };
	left = CHUNK_HDR + frame_len;
	while (left) {
		n = pwritev(w->v->fd, iov, 2, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return writer_fail(w, -errno);
		}
		if ((size_t)n == left)
			break;
		/* A short write: finish the rest plainly. */
		if ((size_t)n < CHUNK_HDR) {
			if (write_at(w->v->fd, h + n, CHUNK_HDR - (size_t)n,
				     off + (uint64_t)n) < 0 ||
			    write_at(w->v->fd, frame, frame_len,
				     off + CHUNK_HDR) < 0)
				return writer_fail(w, -errno);
		} else if (write_at(w->v->fd,
				    (const unsigned char *)frame + n -
					    CHUNK_HDR,
				    left - (size_t)n, off + (uint64_t)n) < 0) {
			return writer_fail(w, -errno);
		}
		break;
	}
	w->index[w->info.nchunks++] =
		(struct chunk_ref){ off - w->info.offset, (uint32_t)frame_len,
				    (uint32_t)raw_len };
	w->info.raw_size += raw_len;
	w->info.stored_size += frame_len;
	w->pos = off + CHUNK_HDR + frame_len;
	/* Start writeback every few MiB so the commit's fdatasync finds
	 * little left to write and the disk runs beside the compressor. */
	if (w->pos - w->kicked >= WRITEBACK_STEP) {
		sync_file_range(w->v->fd, (off_t)w->kicked,
				(off_t)(w->pos - w->kicked),
				SYNC_FILE_RANGE_WRITE);
		w->kicked = w->pos;
	}
	return 0;
}

static void writer_free(struct volume_writer *w)
{
	w->v->writing = 0;
	free(w->index);
	free(w);
}

int volume_dataset_commit(struct volume_writer *w,
			  struct volume_dataset_info *out)
{
	uint64_t tlen =
		TRAILER_FIXED + (uint64_t)w->info.nchunks * INDEX_ENTRY + 4;
	unsigned char *t = NULL, foot[FOOTER_SIZE];
	struct volume *v = w->v;
	uint32_t i;
	int rc;

	if (w->failed) {
		volume_dataset_abort(w);
		return -EIO;
	}
	t = malloc(tlen);
	if (!t) {
		volume_dataset_abort(w);
		return -ENOMEM;
	}
	memcpy(t, MAGIC_TRAILER, 8);
	put32(t + 8, w->info.seq);
	put32(t + 12, w->info.nchunks);
	put64(t + 16, w->info.raw_size);
	put64(t + 24, w->info.stored_size);
	for (i = 0; i < w->info.nchunks; i++) {
		unsigned char *e = t + TRAILER_FIXED + i * INDEX_ENTRY;

		put64(e, w->index[i].offset);
		put32(e + 8, w->index[i].clen);
		put32(e + 12, w->index[i].ulen);
	}
	w->info.checksum = crc32c(0, t, tlen - 4);
	put32(t + tlen - 4, w->info.checksum);
	memcpy(foot, MAGIC_FOOTER, 8);
	put64(foot + 8, w->info.offset);
	put64(foot + 16, tlen);
	put32(foot + 24, w->info.seq);
	put32(foot + 28, crc32c(0, foot, 28));
	rc = write_at(v->fd, t, tlen, w->pos);
	if (rc == 0)
		rc = write_at(v->fd, foot, FOOTER_SIZE, w->pos + tlen);
	if (rc == 0 && fdatasync(v->fd) < 0)
		rc = -errno;
	free(t);
	if (rc < 0) {
		rc = writer_fail(w, rc);
		volume_dataset_abort(w);
		return rc;
	}
	w->info.length = w->pos + tlen + FOOTER_SIZE - w->info.offset;
	w->info.state = VOLUME_DS_COMPLETE;
	v->end = w->info.offset + w->info.length;
	v->count++;
	if (out)
		*out = w->info;
	writer_free(w);
	return 0;
}

void volume_dataset_abort(struct volume_writer *w)
{
	if (!w)
		return;
	if (ftruncate(w->v->fd, (off_t)w->info.offset) < 0) {
		/* Left torn: cut back when the volume is next opened. */
	}
	writer_free(w);
}

/* ---- compression ----------------------------------------------------------
 */

static void frame_prefs(LZ4F_preferences_t *p, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->frameInfo.blockSizeID = LZ4F_max4MB;
	p->frameInfo.blockMode = LZ4F_blockIndependent;
	p->frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
	p->frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
	p->frameInfo.contentSize = n;
	p->compressionLevel = 0; /* the fast level, as lz4 -1 */
}

size_t volume_chunk_bound(size_t raw_len)
{
	LZ4F_preferences_t p;

	frame_prefs(&p, raw_len);
	return LZ4F_compressFrameBound(raw_len, &p);
}

int volume_chunk_compress(const void *src, size_t n, void *dst, size_t cap,
			  size_t *out_len)
{
	LZ4F_preferences_t p;
	size_t r;

	frame_prefs(&p, n);
	r = LZ4F_compressFrame(dst, cap, src, n, &p);
	if (LZ4F_isError(r))
		return ruv_fail(-EIO, "lz4 compression failed: %s",
				LZ4F_getErrorName(r));
	*out_len = r;
	return 0;
}

/* ---- reading --------------------------------------------------------------
 */

static int reader_damaged(struct volume_reader *vr, const char *what,
			  int64_t chunk)
{
	if (chunk >= 0)
		return ruv_fail(-EIO,
				"volume '%s', data set %u '%s', chunk "
				"%lld: %s",
				vr->path, vr->info.seq, vr->info.name,
				(long long)chunk, what);
	return ruv_fail(-EIO, "volume '%s', data set at offset %llu: %s",
			vr->path, (unsigned long long)vr->info.offset, what);
}

int volume_reader_open(const char *path, uint64_t offset, uint64_t length,
		       struct volume_reader **out)
{
	struct volume_reader *vr;
	unsigned char *hbuf = NULL, foot[FOOTER_SIZE];
	struct stat sb;
	uint64_t size, toff;
	uint32_t i, maxc = 0;
	int state, rc;

	vr = calloc(1, sizeof(*vr));
	hbuf = malloc(HEADER_MAX);
	if (!vr || !hbuf) {
		free(vr);
		free(hbuf);
		return -ENOMEM;
	}
	vr->cached = -1;
	snprintf(vr->path, sizeof(vr->path), "%s", path);
	vr->info.offset = offset;
	vr->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (vr->fd < 0) {
		rc = -errno;
		ruv_fail(rc, "volume '%s': %s", path, strerror(-rc));
		goto fail;
	}
	if (fstat(vr->fd, &sb) < 0) {
		rc = -errno;
		goto fail;
	}
	size = (uint64_t)sb.st_size;
	if (offset < VOLUME_LABEL_SIZE || offset >= size) {
		rc = reader_damaged(vr,
				    "past the end of the volume "
				    "(truncated?)",
				    -1);
		goto fail;
	}
	state = parse_header(vr->fd, offset, size, &vr->info, hbuf);
	if (state != VOLUME_DS_COMPLETE) {
		rc = reader_damaged(vr,
				    state == VOLUME_DS_TORN
					    ? "the header is cut off"
					    : "the header is damaged",
				    -1);
		goto fail;
	}
	if (!length) {
		/* Unknown length: walk the chunk headers to the footer. */
		state = walk_dataset(vr->fd, offset, size, &vr->info, hbuf);
		if (state == VOLUME_DS_COMPLETE)
			length = vr->info.length;
	}
	if (!length || length > size - offset ||
	    read_at(vr->fd, foot, FOOTER_SIZE, offset + length - FOOTER_SIZE) ||
	    memcmp(foot, MAGIC_FOOTER, 8) ||
	    get32(foot + 28) != crc32c(0, foot, 28) ||
	    get64(foot + 16) > length - FOOTER_SIZE) {
		rc = reader_damaged(vr,
				    length > size - offset || !length
					    ? "it is cut off (the volume "
					      "ends inside it)"
					    : "its footer is damaged",
				    -1);
		goto fail;
	}
	/* The footer says where the trailer starts. */
	toff = offset + length - FOOTER_SIZE - get64(foot + 16);
	state = parse_trailer(vr->fd, toff, size, &vr->info, &vr->index);
	if (state < 0) {
		rc = state;
		goto fail;
	}
	if (state != VOLUME_DS_COMPLETE) {
		rc = reader_damaged(vr, "its trailer or chunk index is damaged",
				    -1);
		goto fail;
	}
	vr->info.meta = NULL;
	vr->info.meta_len = 0;
	vr->info.state = VOLUME_DS_COMPLETE;
	for (i = 0; i < vr->info.nchunks; i++)
		if (vr->index[i].clen > maxc)
			maxc = vr->index[i].clen;
	vr->cbuf_cap = (size_t)maxc + CHUNK_HDR;
	vr->cbuf = malloc(vr->cbuf_cap);
	vr->ubuf = malloc(vr->info.chunk_size);
	if (!vr->cbuf || !vr->ubuf) {
		rc = -ENOMEM;
		goto fail;
	}
	if (LZ4F_isError(
		    LZ4F_createDecompressionContext(&vr->dctx, LZ4F_VERSION))) {
		rc = -ENOMEM;
		goto fail;
	}
	free(hbuf);
	*out = vr;
	return 0;
fail:
	free(hbuf);
	volume_reader_close(vr);
	return rc < 0 ? rc : -EIO;
}

const struct volume_dataset_info *
volume_reader_info(const struct volume_reader *vr)
{
	return &vr->info;
}

void volume_reader_close(struct volume_reader *vr)
{
	if (!vr)
		return;
	if (vr->fd >= 0)
		close(vr->fd);
	if (vr->dctx)
		LZ4F_freeDecompressionContext(vr->dctx);
	free(vr->index);
	free(vr->cbuf);
	free(vr->ubuf);
	free(vr);
}

/* Bring chunk i into ubuf, checking everything on the way. */
static int load_chunk(struct volume_reader *vr, uint32_t i)
{
	const struct chunk_ref *c = &vr->index[i];
	const unsigned char *src;
	size_t dst_len, src_len, r, got = 0;
	int rc;

	if (vr->cached == (int64_t)i)
		return 0;
	vr->cached = -1;
	rc = read_at(vr->fd, vr->cbuf, CHUNK_HDR + c->clen,
		     vr->info.offset + c->offset);
	if (rc == -ENODATA)
		return reader_damaged(vr,
				      "the volume ends inside it "
				      "(truncated)",
				      i);
	if (rc < 0)
		return ruv_fail(rc, "volume '%s': %s", vr->path, strerror(-rc));
	if (!check_chunk_header(vr->cbuf, vr->info.chunk_size) ||
	    get32(vr->cbuf + 4) != c->ulen || get32(vr->cbuf + 8) != c->clen)
		return reader_damaged(vr, "chunk header damaged", i);
	if (get32(vr->cbuf + 12) != crc32c(0, vr->cbuf + CHUNK_HDR, c->clen))
		return reader_damaged(vr,
				      "checksum mismatch in the compressed "
				      "data",
				      i);
	src = vr->cbuf + CHUNK_HDR;
	src_len = c->clen;
	LZ4F_resetDecompressionContext(vr->dctx);
	while (src_len) {
		size_t in = src_len;

		dst_len = vr->info.chunk_size - got;
		r = LZ4F_decompress(vr->dctx, vr->ubuf + got, &dst_len, src,
				    &in, NULL);
		if (LZ4F_isError(r))
			return reader_damaged(vr, LZ4F_getErrorName(r), i);
		got += dst_len;
		src += in;
		src_len -= in;
		if (r == 0)
			break;
		if (in == 0 && dst_len == 0)
			return reader_damaged(vr, "lz4 frame does not end", i);
	}
	if (src_len || got != c->ulen || r != 0)
		return reader_damaged(vr, "lz4 frame has the wrong length", i);
	vr->cached = i;
	return 0;
}

ssize_t volume_reader_pread(struct volume_reader *vr, void *buf, size_t n,
			    uint64_t off)
{
	unsigned char *dst = buf;
	uint64_t cs = vr->info.chunk_size;
	size_t done = 0, take;
	uint32_t i;
	int rc;

	if (off >= vr->info.raw_size)
		return 0;
	if (n > vr->info.raw_size - off)
		n = (size_t)(vr->info.raw_size - off);
	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	while (done < n) {
		i = (uint32_t)((off + done) / cs);
		rc = load_chunk(vr, i);
		if (rc < 0)
			return rc;
		take = (size_t)(cs - (off + done) % cs);
		if (take > n - done)
			take = n - done;
		memcpy(dst + done, vr->ubuf + (off + done) % cs, take);
		done += take;
	}
	return (ssize_t)done;
}

int volume_reader_verify(struct volume_reader *vr)
{
	uint32_t i;
	int rc;

	for (i = 0; i < vr->info.nchunks; i++) {
		vr->cached = -1;
		rc = load_chunk(vr, i);
		if (rc < 0)
			return rc;
	}
	return 0;
}
