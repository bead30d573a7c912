// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stacked volumes: the on-disk format, its writer, reader and scanner.
 *
 * Invariants.  A data set is complete only once its trailer and footer
 * are written and fdatasynced; nothing is ever written before the end of
 * the last data set, so a crash can only leave a torn tail, which a
 * writable open cuts.  What is cut is only ever what provably never
 * committed: no sound trailer or footer lies at or after the point where
 * the walk stops making sense.  Read errors of the device abort a walk
 * rather than being mistaken for a torn tail.  No length read from disk
 * is used before it is checked against the file size and a CRC or a
 * structural cross-check, so damage gives -EIO, not a crash or a huge
 * allocation.
 *
 * Locking: none here.  A struct volume and its writer belong to one
 * thread; the pool serialises writers between processes with flock.
 * Readers use pread on their own descriptor.
 *
 * Cost.  A backup writes each chunk with one pwritev and starts writeback
 * every 8 MiB; a commit is one write and one fdatasync.  Opening a cleanly
 * closed volume reads the label, the footer, the last header and the last
 * trailer.  A scan (or the open of a volume with a torn or damaged tail)
 * reads one header per data set and a 20-byte header per chunk, without
 * decompressing; after damage it searches forward for the next footer or
 * header, reading the damaged bytes once.
 *
 * FORMAT, version 1.  All integers little-endian, written byte by byte.
 * CRC is CRC-32C (crc32c.h), initial value 0.
 *
 *   label      4096 bytes at offset 0:
 *                 0  "RUVVOL1\n"
 *                 8  u32 format version (1)
 *                12  u32 label size (4096)
 *                16  VOLSER, 8 bytes, NUL-padded (6 used)
 *                24  pool name, 16 bytes, NUL-padded
 *                40  i64 created, µs since the epoch, UTC
 *                48  u64 capacity, bytes
 *                56  identity, 16 random bytes (all zeros on volumes
 *                    written before identities: none); added within
 *                    version 1 in the reserved bytes, which version-1
 *                    readers never looked at
 *                72  zeros (reserved)
 *              4092  u32 CRC of bytes 0..4091
 *   data sets, one after another from offset 4096; each is
 *     header   "RUVDSH1\n", u32 header length (all of it, CRC included),
 *              u32 seq (1, 2, ... on the volume), u32 kind, u32 chunk
 *              size, i64 created (µs UTC); u16 n + n bytes of name (1-64);
 *              u16 n + n bytes of source DSN (0-44); u32 n + n bytes of
 *              meta (0-4096, the writer's blob); u32 CRC of all before it
 *     chunks   each a 20-byte chunk header: "RUVC", u32 content length,
 *              u32 frame length, u32 CRC of the frame, u32 CRC of these
 *              first 16 bytes; then the frame: one independent lz4 frame
 *              (lz4frame format, content size, content checksum, block
 *              checksums) of chunk-size content bytes, the last chunk
 *              1..chunk-size.  An empty data set has no chunk.
 *     trailer  "RUVDST1\n", u32 chunk count n, u64 content size, u64
 *              frame bytes; n index entries of 12 bytes, each the bytes
 *              4..15 of its chunk header (u32 content length, u32 frame
 *              length, u32 frame CRC); u32 CRC of all before it.  Chunk
 *              offsets follow from the header length and the frame
 *              lengths (chunks are contiguous).  Nothing in the trailer
 *              depends on where the data set lies, so its CRC names the
 *              content: the copies of one backup share it.
 *     footer   32 bytes: "RUVDSEND", u64 offset of the data set's header
 *              in the file, u64 trailer length, u32 seq, u32 CRC of
 *              bytes 0..27
 *   end mark   when sealed, 28 bytes: "RUVEOV1\n", u32 seq of the last
 *              data set (0 if none), u64 its own offset, u32 zero, u32 CRC
 *              of bytes 0..23.  Nothing after it is read.
 *
 * A reader that knows a data set's offset and length reads the footer,
 * then header and trailer, and can decompress any chunk alone.  The
 * walker goes forward through headers and chunk headers.
 *
 * Changing the format: a reader of version N accepts every version up to
 * N.  New fields go only where version-1 readers do not look (the label's
 * reserved bytes, the meta blob); anything else -- a field moved or
 * reinterpreted, a new record -- takes new magics and the next version
 * number in the label, and the writer keeps writing the old version onto
 * volumes created with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <unistd.h>

#include <lz4frame.h>

#include "crc32c.h"
#include "errmsg.h"
#include "names.h"
#include "rtime.h"
#include "volume.h"

#define FORMAT_VERSION 1
#define MAGIC_LABEL    "RUVVOL1\n"
#define MAGIC_HEADER   "RUVDSH1\n"
#define MAGIC_CHUNK    "RUVC"
#define MAGIC_TRAILER  "RUVDST1\n"
#define MAGIC_FOOTER   "RUVDSEND"
#define MAGIC_EOV      "RUVEOV1\n"
#define LZ4F_MAGIC     "\x04\x22\x4d\x18"

#define HEADER_FIXED 32
#define HEADER_MIN   (HEADER_FIXED + 2 + 1 + 2 + 4 + 4)
#define HEADER_MAX                                                             \
	(HEADER_FIXED + 2 + VOLUME_NAME_MAX + 2 + VOLUME_SOURCE_MAX + 4 +      \
	 VOLUME_META_MAX + 4)
#define CHUNK_HDR      20
#define TRAILER_FIXED  28
#define INDEX_ENTRY    12
#define FOOTER_SIZE    32
#define EOV_SIZE       VOLUME_END_MARK_SIZE
#define WRITEBACK_STEP (8ULL << 20)
#define SEARCH_WINDOW  (1U << 20)
#define INDEX_PIECE    (5461U * INDEX_ENTRY) /* trailer read in ~64 KiB */

struct volume {
	int fd;
	int writable;
	int writing; /* a volume_writer is open */
	char path[PATH_MAX];
	struct volume_label label;
	uint64_t end;	   /* where the next data set goes */
	uint32_t last_seq; /* of the last data set; the next gets one more */
	uint64_t cut;	   /* torn tail bytes cut by volume_open() */
};

struct chunk_ref {
	uint64_t offset; /* of its chunk header, from the data set start */
	uint32_t clen;	 /* frame bytes */
	uint32_t ulen;	 /* content bytes */
	uint32_t crc;	 /* of the frame */
};

struct volume_writer {
	struct volume *v;
	struct volume_dataset_info info;
	uint64_t pos;	      /* next byte to write, absolute */
	uint64_t kicked;      /* writeback started up to here */
	unsigned char *index; /* INDEX_ENTRY bytes per chunk, as stored */
	size_t index_cap;     /* bytes */
	uint32_t last_ulen;   /* of the last chunk put */
	uint32_t max_clen;    /* volume_chunk_bound(chunk_size) */
	int err;	      /* first write error; sticks */
};

struct volume_reader {
	int fd;
	char path[PATH_MAX];
	struct volume_dataset_info info;
	unsigned char *meta;
	struct chunk_ref *index;
	unsigned char *cbuf; /* one chunk header + frame */
	size_t cbuf_cap;
	unsigned char *ubuf; /* the cached decompressed chunk */
	size_t ubuf_cap;
	int64_t cached; /* its index, -1 none */
	LZ4F_dctx *dctx;
};

/* ---- little-endian fields -------------------------------------------- */

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

/* ---- kinds -------------------------------------------------------------- */

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

	for (k = 1; name && k < NKINDS; k++)
		if (!strcmp(kind_names[k], name))
			return k;
	return 0;
}

/* ---- file I/O ------------------------------------------------------------ */

/* Read exactly n bytes at off: 0, -ENODATA if the file ends first, or
 * -errno for a read error. */
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

/* Write all of iov (which is consumed) at off: 0 or -errno. */
static int pwritev_all(int fd, struct iovec *iov, int cnt, uint64_t off)
{
	ssize_t n;

	while (cnt > 0) {
		n = pwritev(fd, iov, cnt, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		off += (uint64_t)n;
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static int write_at(int fd, const void *buf, size_t n, uint64_t off)
{
	struct iovec iov = { (void *)buf, n };

	return pwritev_all(fd, &iov, 1, off);
}

static int file_size(int fd, uint64_t *size)
{
	struct stat sb;

	if (fstat(fd, &sb) < 0)
		return -errno;
	*size = (uint64_t)sb.st_size;
	return 0;
}

static int sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc = 0;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if (snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path),
			  path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int copy_path(char *dst, size_t len, const char *path)
{
	if (!path || !*path)
		return ruv_fail(-EINVAL, "volume path is empty");
	if (snprintf(dst, len, "%s", path) >= (int)len)
		return ruv_fail(-ENAMETOOLONG,
				"volume path '%.64s...' is "
				"too long",
				path);
	return 0;
}

static int io_fail(const char *path, const char *what, int rc)
{
	return ruv_fail(rc, "volume '%s': cannot %s: %s", path, what,
			strerror(-rc));
}

static const char *file_kind(mode_t m)
{
	return S_ISFIFO(m)   ? "a FIFO"
	       : S_ISDIR(m)  ? "a directory"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
	       : S_ISSOCK(m) ? "a socket"
			     : "not a regular file";
}

int volume_open_file(const char *path, int flags)
{
	struct stat sb;
	int fd, rc;

	/* O_NONBLOCK: the open of a FIFO would wait for a writer, in D
	 * state under FUSE, and a device's may block or act. */
	fd = open(path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		rc = -errno;
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = ruv_fail(-EINVAL,
			      "volume '%s' is %s, not a volume file (refused "
			      "unread)",
			      path, file_kind(sb.st_mode));
		goto fail;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		rc = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return rc;
}

/* ---- label ----------------------------------------------------------------
 */

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
	memcpy(p + 56, l->ident, VOLUME_IDENT_LEN);
	put32(p + VOLUME_LABEL_SIZE - 4, crc32c(0, p, VOLUME_LABEL_SIZE - 4));
}

static int label_decode(const char *path, const unsigned char *p,
			struct volume_label *l)
{
	char vs[NAMES_VOLSER_LEN + 1];
	size_t i;

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
				"known (written by a newer ruv?)",
				path, get32(p + 8));
	if (!p[16] || p[22] || p[23])
		return ruv_fail(-EIO, "volume '%s': the label has no VOLSER",
				path);
	/* A label whose CRC holds was still written by someone: its VOLSER
	 * and pool must obey the rules volume_create() applies, or they
	 * would reach catalogs, paths and messages unchecked. */
	if (names_volser_check((const char *)p + 16, vs, sizeof(vs)) < 0 ||
	    memcmp(vs, p + 16, 6))
		return ruv_fail(-EIO,
				"volume '%s': the label's VOLSER is not "
				"a VOLSER",
				path);
	for (i = 0; i < VOLUME_POOL_MAX && p[24 + i]; i++)
		if (p[24 + i] < 0x21 || p[24 + i] > 0x7e)
			break;
	if (i == 0 || (i < VOLUME_POOL_MAX && p[24 + i]))
		return ruv_fail(-EIO,
				"volume '%s': the label's pool name is "
				"not 1-%d printable characters",
				path, VOLUME_POOL_MAX);
	memset(l, 0, sizeof(*l));
	memcpy(l->volser, p + 16, 6);
	memcpy(l->pool, p + 24, VOLUME_POOL_MAX);
	l->created_us = (int64_t)get64(p + 40);
	l->capacity = get64(p + 48);
	memcpy(l->ident, p + 56, VOLUME_IDENT_LEN);
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
		io_fail(path, "read the label", rc);
	else
		rc = label_decode(path, buf, l);
	free(buf);
	return rc;
}

int volume_label_read(const char *path, struct volume_label *out)
{
	int fd, rc;

	fd = volume_open_file(path, O_RDONLY);
	if (fd < 0) {
		rc = fd;
		return rc == -EINVAL ? rc : io_fail(path, "open", rc);
	}
	rc = label_read(fd, path, out);
	close(fd);
	return rc;
}

void volume_ident_format(const unsigned char *ident, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	unsigned i, set = 0;

	for (i = 0; i < VOLUME_IDENT_LEN; i++) {
		set |= ident[i];
		buf[2 * i] = hex[ident[i] >> 4];
		buf[2 * i + 1] = hex[ident[i] & 15];
	}
	buf[set ? 2 * VOLUME_IDENT_LEN : 0] = '\0';
}

/* ---- decoding one data set ------------------------------------------------
 *
 * The checks below return a state (enum ds_check) or a -errno for a read
 * error.  TORN means "sound so far, but the file ends first".
 */

enum ds_check { DS_OK, DS_TORN, DS_DAMAGED, DS_NONE /* no header magic */ };

static uint32_t max_frame(uint32_t chunk_size)
{
	return (uint32_t)volume_chunk_bound(chunk_size);
}

/* The header at off into di (and di->meta into hbuf, HEADER_MAX bytes);
 * *hlen its length.  off <= size. */
static int parse_header(int fd, uint64_t off, uint64_t size,
			struct volume_dataset_info *di, unsigned char *hbuf,
			uint32_t *hlen_out)
{
	uint64_t left = size - off;
	uint32_t hlen, p, nlen, slen, mlen;
	int rc;

	memset(di, 0, sizeof(*di));
	di->offset = off;
	if (left < 12) {
		rc = read_at(fd, hbuf, (size_t)left, off);
		if (rc < 0)
			return rc == -ENODATA ? DS_TORN : rc;
		return memcmp(hbuf, MAGIC_HEADER, left < 8 ? left : 8)
			       ? DS_NONE
			       : DS_TORN;
	}
	rc = read_at(fd, hbuf, 12, off);
	if (rc < 0)
		return rc == -ENODATA ? DS_TORN : rc;
	if (memcmp(hbuf, MAGIC_HEADER, 8))
		return DS_NONE;
	hlen = get32(hbuf + 8);
	if (hlen < HEADER_MIN || hlen > HEADER_MAX)
		return DS_DAMAGED;
	if (hlen > left)
		return DS_TORN;
	rc = read_at(fd, hbuf, hlen, off);
	if (rc < 0)
		return rc == -ENODATA ? DS_TORN : rc;
	if (get32(hbuf + hlen - 4) != crc32c(0, hbuf, hlen - 4))
		return DS_DAMAGED;
	/* Sound bytes from here: a field out of range is a writer's bug or
	 * an unknown format, damage all the same. */
	p = HEADER_FIXED;
	nlen = get16(hbuf + p);
	p += 2;
	if (nlen == 0 || nlen > VOLUME_NAME_MAX || nlen > hlen - 4 - p)
		return DS_DAMAGED;
	p += nlen;
	if (hlen - 4 - p < 2)
		return DS_DAMAGED;
	slen = get16(hbuf + p);
	p += 2;
	if (slen > VOLUME_SOURCE_MAX || slen > hlen - 4 - p)
		return DS_DAMAGED;
	p += slen;
	if (hlen - 4 - p < 4)
		return DS_DAMAGED;
	mlen = get32(hbuf + p);
	p += 4;
	if (mlen > VOLUME_META_MAX || mlen != hlen - 4 - p)
		return DS_DAMAGED;
	di->seq = get32(hbuf + 12);
	di->kind = get32(hbuf + 16);
	di->chunk_size = get32(hbuf + 20);
	di->created_us = (int64_t)get64(hbuf + 24);
	/* The writer takes C strings: a NUL inside either is no name. */
	if (di->seq == 0 || di->chunk_size < VOLUME_CHUNK_MIN ||
	    di->chunk_size > VOLUME_CHUNK_MAX ||
	    memchr(hbuf + HEADER_FIXED + 2, '\0', nlen) ||
	    memchr(hbuf + HEADER_FIXED + 2 + nlen + 2, '\0', slen)) {
		di->seq = 0;
		return DS_DAMAGED;
	}
	memcpy(di->name, hbuf + HEADER_FIXED + 2, nlen);
	memcpy(di->source, hbuf + HEADER_FIXED + 2 + nlen + 2, slen);
	di->meta = hbuf + p;
	di->meta_len = mlen;
	di->length = hlen;
	*hlen_out = hlen;
	return DS_OK;
}

static int chunk_header_ok(const unsigned char *h, uint32_t chunk_size,
			   uint32_t max_clen)
{
	uint32_t ulen = get32(h + 4), clen = get32(h + 8);

	return !memcmp(h, MAGIC_CHUNK, 4) &&
	       get32(h + 16) == crc32c(0, h, 16) && ulen > 0 &&
	       ulen <= chunk_size && clen > 0 && clen <= max_clen;
}

struct footer {
	uint64_t start; /* of the data set */
	uint64_t tlen;	/* of its trailer */
	uint32_t seq;
};

static int footer_decode(const unsigned char *f, struct footer *ft)
{
	if (memcmp(f, MAGIC_FOOTER, 8) || get32(f + 28) != crc32c(0, f, 28))
		return DS_DAMAGED;
	ft->start = get64(f + 8);
	ft->tlen = get64(f + 16);
	ft->seq = get32(f + 24);
	return DS_OK;
}

static int footer_read(int fd, uint64_t at, uint64_t size, struct footer *ft)
{
	unsigned char f[FOOTER_SIZE];
	int rc;

	if (at > size || size - at < FOOTER_SIZE)
		return DS_TORN;
	rc = read_at(fd, f, FOOTER_SIZE, at);
	if (rc < 0)
		return rc == -ENODATA ? DS_TORN : rc;
	return footer_decode(f, ft);
}

/* What one pass over a trailer's index entries adds up to. */
struct index_sums {
	uint32_t crc;  /* of the trailer so far (the fixed part and entries) */
	uint32_t ecrc; /* of the entries alone */
	uint64_t end;  /* where the chunks end, absolute */
	uint64_t raw, stored;
};

/*
 * Read the n index entries of the trailer at toff in pieces, check each
 * against the rules of the data set di (header hlen long) and fill idx
 * (may be NULL) with where each chunk lies.
 */
static int index_pass(int fd, uint64_t toff, const unsigned char *fixed,
		      uint32_t n, const struct volume_dataset_info *di,
		      uint32_t hlen, struct chunk_ref *idx,
		      struct index_sums *s)
{
	uint32_t i, j, k, max_clen = max_frame(di->chunk_size);
	const uint32_t per_piece = INDEX_PIECE / INDEX_ENTRY;
	unsigned char *piece = malloc(INDEX_PIECE);
	int rc = DS_OK;

	if (!piece)
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	s->crc = crc32c(0, fixed, TRAILER_FIXED);
	s->end = di->offset + hlen;
	for (i = 0; i < n && rc == DS_OK; i += k) {
		k = n - i < per_piece ? n - i : per_piece;
		rc = read_at(fd, piece, (size_t)k * INDEX_ENTRY,
			     toff + TRAILER_FIXED + (uint64_t)i * INDEX_ENTRY);
		if (rc < 0) {
			rc = rc == -ENODATA ? DS_TORN : rc;
			break;
		}
		s->crc = crc32c(s->crc, piece, (size_t)k * INDEX_ENTRY);
		s->ecrc = crc32c(s->ecrc, piece, (size_t)k * INDEX_ENTRY);
		for (j = 0; j < k; j++) {
			const unsigned char *e =
				piece + (size_t)j * INDEX_ENTRY;
			struct chunk_ref c = { s->end - di->offset,
					       get32(e + 4), get32(e),
					       get32(e + 8) };

			/* Every chunk but the last is full. */
			if (c.ulen == 0 || c.ulen > di->chunk_size ||
			    (i + j + 1 < n && c.ulen != di->chunk_size) ||
			    c.clen == 0 || c.clen > max_clen) {
				rc = DS_DAMAGED;
				break;
			}
			if (idx)
				idx[i + j] = c;
			s->end += CHUNK_HDR + (uint64_t)c.clen;
			s->raw += c.ulen;
			s->stored += c.clen;
		}
	}
	free(piece);
	return rc;
}

/*
 * The trailer at toff of the data set whose (sound) header di describes,
 * hlen long: its CRC, its chunks filling [start + hlen, toff) exactly,
 * its totals.  Fills di's sizes and checksum; *tlen_out its length;
 * *entries_crc (may be NULL) the CRC of its index entries alone.
 * *index (may be NULL) gets the index, allocated only once the trailer
 * has proved sound, so no damaged count can ask for a huge allocation.
 */
static int trailer_check(int fd, uint64_t toff, uint64_t size, uint32_t hlen,
			 struct volume_dataset_info *di, uint64_t *tlen_out,
			 uint32_t *entries_crc, struct chunk_ref **index)
{
	unsigned char fixed[TRAILER_FIXED], tail[4];
	struct chunk_ref *idx = NULL;
	struct index_sums sums, again;
	uint64_t tlen;
	uint32_t n;
	int rc;

	if (size - toff < TRAILER_FIXED)
		return DS_TORN;
	rc = read_at(fd, fixed, TRAILER_FIXED, toff);
	if (rc < 0)
		return rc == -ENODATA ? DS_TORN : rc;
	if (memcmp(fixed, MAGIC_TRAILER, 8))
		return DS_DAMAGED;
	n = get32(fixed + 8);
	/* Each chunk takes at least 21 bytes before the trailer. */
	if (n > VOLUME_CHUNKS_MAX ||
	    (uint64_t)n * (CHUNK_HDR + 1) > toff - di->offset - hlen)
		return DS_DAMAGED;
	tlen = TRAILER_FIXED + (uint64_t)n * INDEX_ENTRY + 4;
	if (tlen > size - toff)
		return DS_TORN;
	rc = read_at(fd, tail, 4, toff + tlen - 4);
	if (rc < 0)
		return rc == -ENODATA ? DS_TORN : rc;
	rc = index_pass(fd, toff, fixed, n, di, hlen, NULL, &sums);
	if (rc != DS_OK)
		return rc;
	if (get32(tail) != sums.crc || sums.end != toff ||
	    sums.raw != get64(fixed + 12) || sums.stored != get64(fixed + 20))
		return DS_DAMAGED;
	if (index) {
		idx = calloc(n ? n : 1, sizeof(*idx));
		if (!idx)
			return -ENOMEM;
		rc = index_pass(fd, toff, fixed, n, di, hlen, idx, &again);
		if (rc == DS_OK && again.crc != sums.crc)
			rc = DS_DAMAGED; /* it changed under us */
		if (rc != DS_OK) {
			free(idx);
			return rc;
		}
		*index = idx;
	}
	di->nchunks = n;
	di->raw_size = sums.raw;
	di->stored_size = sums.stored;
	di->checksum = sums.crc;
	*tlen_out = tlen;
	if (entries_crc)
		*entries_crc = sums.ecrc;
	return DS_OK;
}

/* The footer at foot must close the data set di (header hlen) whose
 * trailer is tlen long. */
static int footer_check(int fd, uint64_t foot, uint64_t size,
			const struct volume_dataset_info *di, uint64_t tlen)
{
	struct footer ft;
	int rc = footer_read(fd, foot, size, &ft);

	if (rc != DS_OK)
		return rc;
	return ft.start == di->offset && ft.tlen == tlen && ft.seq == di->seq
		       ? DS_OK
		       : DS_DAMAGED;
}

/*
 * A data set of known extent [off, end): header, footer, trailer.  The
 * constant-time check behind the reader and the open of a clean volume.
 */
static int dataset_check_extent(int fd, uint64_t off, uint64_t end,
				uint64_t size, struct volume_dataset_info *di,
				unsigned char *hbuf, struct chunk_ref **index)
{
	struct footer ft;
	uint64_t tlen;
	uint32_t hlen;
	int rc;

	if (end > size || off >= end)
		return DS_TORN;
	rc = parse_header(fd, off, size, di, hbuf, &hlen);
	if (rc != DS_OK)
		return rc == DS_NONE ? DS_DAMAGED : rc;
	if (end - off < (uint64_t)hlen + TRAILER_FIXED + 4 + FOOTER_SIZE)
		return DS_DAMAGED;
	rc = footer_read(fd, end - FOOTER_SIZE, size, &ft);
	if (rc != DS_OK)
		return rc;
	if (ft.start != off || ft.seq != di->seq ||
	    ft.tlen > end - off - hlen - FOOTER_SIZE)
		return DS_DAMAGED;
	rc = trailer_check(fd, end - FOOTER_SIZE - ft.tlen, size, hlen, di,
			   &tlen, NULL, index);
	if (rc != DS_OK)
		return rc;
	if (tlen != ft.tlen)
		return DS_DAMAGED;
	di->length = end - off;
	return DS_OK;
}

/* Where a forward walk of one data set got to. */
struct ds_walk {
	int header_ok;	    /* di's header fields are sound */
	uint64_t fail;	    /* where it stopped making sense */
	uint64_t known_end; /* its end, when the trailer is sound; else 0 */
};

/*
 * Walk one data set forward from its header at off: header, every chunk
 * header, trailer, footer; the walked chunk headers must be the trailer's
 * index.  Returns its state; di describes it as far as known.
 */
static int dataset_walk(int fd, uint64_t off, uint64_t size,
			struct volume_dataset_info *di, unsigned char *hbuf,
			struct ds_walk *dw)
{
	unsigned char h[CHUNK_HDR];
	uint64_t p, left, raw = 0, stored = 0, tlen;
	uint32_t hlen, n = 0, ecrc = 0, walked = 0, max_clen;
	int rc;

	memset(dw, 0, sizeof(*dw));
	dw->fail = off;
	rc = parse_header(fd, off, size, di, hbuf, &hlen);
	if (rc != DS_OK)
		return rc == DS_NONE ? DS_DAMAGED : rc;
	dw->header_ok = 1;
	max_clen = max_frame(di->chunk_size);
	p = off + hlen;
	for (;;) {
		left = size - p;
		dw->fail = p;
		if (left < 8)
			return DS_TORN;
		rc = read_at(fd, h, left < CHUNK_HDR ? (size_t)left : CHUNK_HDR,
			     p);
		if (rc < 0)
			return rc == -ENODATA ? DS_TORN : rc;
		if (!memcmp(h, MAGIC_TRAILER, 8))
			break;
		if (left < CHUNK_HDR)
			return DS_TORN;
		if (!chunk_header_ok(h, di->chunk_size, max_clen) ||
		    n == VOLUME_CHUNKS_MAX)
			return DS_DAMAGED;
		if (get32(h + 8) > left - CHUNK_HDR)
			return DS_TORN;
		walked = crc32c(walked, h + 4, INDEX_ENTRY);
		raw += get32(h + 4);
		stored += get32(h + 8);
		n++;
		p += CHUNK_HDR + (uint64_t)get32(h + 8);
	}
	rc = trailer_check(fd, p, size, hlen, di, &tlen, &ecrc, NULL);
	if (rc != DS_OK)
		return rc;
	if (di->nchunks != n || di->raw_size != raw ||
	    di->stored_size != stored || ecrc != walked)
		return DS_DAMAGED;
	/* A sound trailer: the data set committed, or nearly. */
	dw->fail = p + tlen;
	dw->known_end =
		p + tlen + FOOTER_SIZE <= size ? p + tlen + FOOTER_SIZE : 0;
	rc = footer_check(fd, p + tlen, size, di, tlen);
	if (rc != DS_OK)
		return rc;
	di->length = p + tlen + FOOTER_SIZE - off;
	return DS_OK;
}

/* ---- walking a whole volume ------------------------------------------------
 */

struct walk {
	int fd;
	uint64_t size;
	unsigned char *hbuf; /* HEADER_MAX */
	unsigned char *win;  /* SEARCH_WINDOW, for the searches */
	/* The last footer search, to keep repeated searches linear. */
	int ff_valid;
	uint64_t ff_from, ff_min, ff_at; /* ff_at UINT64_MAX: none */
	struct footer ff;
	/* Results. */
	uint64_t end;	   /* where the next data set would go */
	uint64_t torn_at;  /* start of the torn tail, 0 none */
	uint32_t last_seq; /* highest seq seen on a committed data set */
	int complete;	   /* complete data sets */
	int sealed;
	int cb_failed; /* the walk stopped on the callback's word */
};

static int eov_at(struct walk *w, uint64_t off, int *like)
{
	unsigned char e[EOV_SIZE];
	int rc;

	*like = 0;
	if (w->size - off < EOV_SIZE)
		return 0;
	rc = read_at(w->fd, e, EOV_SIZE, off);
	if (rc < 0)
		return rc == -ENODATA ? 0 : rc;
	if (!memcmp(e, MAGIC_EOV, 8) && get64(e + 12) == off &&
	    get32(e + 24) == crc32c(0, e, 24)) {
		if (get32(e + 8) > w->last_seq)
			w->last_seq = get32(e + 8);
		return 1;
	}
	/* A damaged end mark still seals: one flipped bit cannot spoil both
	 * the magic and the offset of the 28 bytes that end the file. */
	*like = w->size - off == EOV_SIZE &&
		(!memcmp(e, MAGIC_EOV, 8) || get64(e + 12) == off);
	return 0;
}

/*
 * Find the first sound footer at or after from whose data set starts at
 * or after min_start and before it: its offset, or UINT64_MAX.  Reads
 * the bytes searched once; a later search inside a searched range is
 * answered from memory.
 */
static int find_footer(struct walk *w, uint64_t from, uint64_t min_start,
		       uint64_t *at, struct footer *ft)
{
	uint64_t pos = from, hit_at;
	unsigned char *hit;
	size_t n, got;
	int rc;

	/* Footers skipped last time stay skipped for a later start and a
	 * higher min_start; the one found is still first if it qualifies. */
	if (w->ff_valid && from >= w->ff_from && min_start >= w->ff_min &&
	    (w->ff_at == UINT64_MAX ||
	     (from <= w->ff_at && min_start <= w->ff.start))) {
		*at = w->ff_at;
		*ft = w->ff;
		return 0;
	}
	*at = UINT64_MAX;
	while (pos < w->size && w->size - pos >= FOOTER_SIZE) {
		n = w->size - pos < SEARCH_WINDOW ? (size_t)(w->size - pos)
						  : SEARCH_WINDOW;
		rc = read_at(w->fd, w->win, n, pos);
		if (rc < 0)
			return rc;
		got = 0;
		while ((hit = memmem(w->win + got, n - got, MAGIC_FOOTER, 8))) {
			hit_at = pos + (uint64_t)(hit - w->win);
			got = (size_t)(hit - w->win) + 1;
			rc = footer_read(w->fd, hit_at, w->size, ft);
			if (rc < 0)
				return rc;
			if (rc == DS_OK && ft->start >= min_start &&
			    ft->start < hit_at) {
				*at = hit_at;
				break;
			}
		}
		if (*at != UINT64_MAX || n < SEARCH_WINDOW)
			break;
		pos += n - 7; /* a magic may straddle windows */
	}
	w->ff_valid = 1;
	w->ff_from = from;
	w->ff_min = min_start;
	w->ff_at = *at;
	if (*at != UINT64_MAX)
		w->ff = *ft;
	return 0;
}

/* The first sound header in [from, limit): its offset, or UINT64_MAX. */
static int find_header(struct walk *w, uint64_t from, uint64_t limit,
		       uint64_t *at)
{
	struct volume_dataset_info di;
	uint64_t pos = from, hit_at;
	unsigned char *hit;
	uint32_t hlen;
	size_t n, got;
	int rc;

	*at = UINT64_MAX;
	if (limit > w->size)
		limit = w->size;
	while (pos < limit && limit - pos >= 8) {
		n = limit - pos < SEARCH_WINDOW ? (size_t)(limit - pos)
						: SEARCH_WINDOW;
		rc = read_at(w->fd, w->win, n, pos);
		if (rc < 0)
			return rc;
		got = 0;
		while ((hit = memmem(w->win + got, n - got, MAGIC_HEADER, 8))) {
			hit_at = pos + (uint64_t)(hit - w->win);
			got = (size_t)(hit - w->win) + 1;
			rc = parse_header(w->fd, hit_at, w->size, &di, w->hbuf,
					  &hlen);
			if (rc < 0)
				return rc;
			if (rc == DS_OK) {
				*at = hit_at;
				return 0;
			}
		}
		if (n < SEARCH_WINDOW)
			break;
		pos += n - 7;
	}
	return 0;
}

/*
 * A data set that stopped making sense at dw->fail: find where it ends,
 * or decide it is the torn tail.  Committed data (a sound trailer, or a
 * sound footer further on) means damage; none means torn.  *next gets
 * where the walk goes on.
 */
static int place_damage(struct walk *w, struct volume_dataset_info *di,
			const struct ds_walk *dw, unsigned char *hbuf,
			uint64_t *next)
{
	uint64_t off = di->offset, foot, hdr;
	struct volume_dataset_info tmp;
	struct footer ft;
	int rc;

	if (dw->known_end) {
		*next = dw->known_end;
		return VOLUME_DS_DAMAGED;
	}
	rc = find_footer(w, dw->fail, off, &foot, &ft);
	if (rc < 0)
		return rc;
	if (foot == UINT64_MAX) {
		*next = w->size;
		return VOLUME_DS_TORN;
	}
	if (ft.start == off) {
		/* Its own footer: the extent is known, maybe the sizes. */
		*next = foot + FOOTER_SIZE;
		if (!dw->header_ok) {
			di->seq = ft.seq;
		} else if (dataset_check_extent(w->fd, off, *next, w->size,
						&tmp, hbuf, NULL) == DS_OK) {
			di->nchunks = tmp.nchunks;
			di->raw_size = tmp.raw_size;
			di->stored_size = tmp.stored_size;
			di->checksum = tmp.checksum;
		}
		return VOLUME_DS_DAMAGED;
	}
	/* A later data set's footer: this one ends at the next sound header
	 * before it, or where that footer says its data set starts. */
	rc = find_header(w, off + 1, foot, &hdr);
	if (rc < 0)
		return rc;
	*next = hdr != UINT64_MAX ? hdr : ft.start;
	if (*next <= off) /* cannot be (find_footer); never loop */
		*next = foot + FOOTER_SIZE;
	return VOLUME_DS_DAMAGED;
}

/*
 * The one walk behind volume_scan() and the open of a volume that did
 * not end cleanly.  cb (may be NULL) hears every data set.
 */
static int walk_volume(struct walk *w,
		       int (*cb)(const struct volume_dataset_info *, void *),
		       void *arg)
{
	struct volume_dataset_info di;
	struct ds_walk dw;
	uint64_t pos = VOLUME_LABEL_SIZE, next;
	unsigned char *meta_hbuf = NULL;
	int rc = 0, state, like;

	w->hbuf = malloc(HEADER_MAX);
	w->win = malloc(SEARCH_WINDOW);
	meta_hbuf = malloc(HEADER_MAX); /* the header cb sees; searches
					   use w->hbuf */
	if (!w->hbuf || !w->win || !meta_hbuf) {
		rc = -ENOMEM;
		goto out;
	}
	w->ff_valid = 0;
	while (pos < w->size) {
		rc = eov_at(w, pos, &like);
		if (rc < 0)
			goto out;
		if (rc || like) {
			w->sealed = 1;
			w->end = pos;
			rc = 0;
			break;
		}
		state = dataset_walk(w->fd, pos, w->size, &di, meta_hbuf, &dw);
		if (state < 0) {
			rc = state;
			goto out;
		}
		if (state == DS_OK) {
			di.state = VOLUME_DS_COMPLETE;
			next = pos + di.length;
			w->complete++;
		} else if (state == DS_TORN) {
			di.state = VOLUME_DS_TORN;
			next = w->size;
		} else {
			di.state = place_damage(w, &di, &dw, w->hbuf, &next);
			if (di.state < 0) {
				rc = di.state;
				goto out;
			}
		}
		di.length = next - pos;
		if (di.state == VOLUME_DS_TORN)
			w->torn_at = pos;
		else if (di.seq > w->last_seq)
			w->last_seq = di.seq;
		if (cb) {
			rc = cb(&di, arg);
			if (rc != 0) {
				w->cb_failed = 1;
				goto out;
			}
		}
		pos = next;
	}
	if (!w->sealed)
		w->end = w->torn_at ? w->torn_at : w->size;
out:
	free(meta_hbuf);
	free(w->hbuf);
	free(w->win);
	w->hbuf = w->win = NULL;
	return rc < 0 ? rc : 0;
}

/* ---- scanning ----------------------------------------------------------- */

int volume_scan(const char *path,
		int (*cb)(const struct volume_dataset_info *, void *),
		void *arg, struct volume_label *label)
{
	struct volume_label tmp, *l = label ? label : &tmp;
	struct walk w = { .fd = -1 };
	int rc;

	w.fd = volume_open_file(path, O_RDONLY);
	if (w.fd < 0) {
		rc = w.fd;
		return rc == -EINVAL ? rc : io_fail(path, "open", rc);
	}
	rc = label_read(w.fd, path, l);
	if (rc < 0)
		goto out;
	rc = file_size(w.fd, &w.size);
	if (rc == 0)
		rc = walk_volume(&w, cb, arg);
	/* A callback's own error keeps its own message. */
	if (rc < 0 && !w.cb_failed)
		io_fail(path, "read", rc);
	l->sealed = w.sealed;
out:
	close(w.fd);
	return rc < 0 ? rc : w.complete;
}

/* ---- the volume handle -------------------------------------------------- */

static int check_names(const char *volser, const char *pool, char *vs)
{
	size_t i, n = pool ? strlen(pool) : 0;

	if (!volser || names_volser_check(volser, vs, 7) < 0)
		return ruv_fail(-EINVAL,
				"VOLSER '%.16s': must be 6 letters or "
				"digits starting with a letter",
				volser ? volser : "");
	if (n == 0 || n > VOLUME_POOL_MAX)
		return ruv_fail(-EINVAL,
				"pool name '%.32s': must be 1-%d "
				"characters",
				pool ? pool : "", VOLUME_POOL_MAX);
	for (i = 0; i < n; i++)
		if (pool[i] < 0x21 || pool[i] > 0x7e)
			return ruv_fail(-EINVAL, "pool name: must be printable "
						 "characters without spaces");
	return 0;
}

/* 16 random bytes, never all zeros (that means "none"). */
static int new_ident(unsigned char *ident)
{
	size_t got = 0;
	ssize_t n;
	unsigned i, set = 0;

	while (got < VOLUME_IDENT_LEN) {
		n = getrandom(ident + got, VOLUME_IDENT_LEN - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ruv_fail(-errno,
					"cannot draw a volume identity: %s",
					strerror(errno));
		got += (size_t)n;
	}
	for (i = 0; i < VOLUME_IDENT_LEN; i++)
		set |= ident[i];
	if (!set)
		ident[0] = 1;
	return 0;
}

static int zeros(const unsigned char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

int volume_is_torn_create(const char *path)
{
	unsigned char buf[VOLUME_LABEL_SIZE];
	struct stat sb;
	ssize_t n;
	int fd, torn = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return 0;
	}
	n = pread(fd, buf, sizeof(buf), 0);
	if (n >= 0 && n < VOLUME_LABEL_SIZE) {
		size_t m = (size_t)n < 8 ? (size_t)n : 8;

		torn = zeros(buf, (size_t)n) || !memcmp(buf, MAGIC_LABEL, m);
	}
	close(fd);
	return torn;
}

int volume_create(const char *path, const char *volser, const char *pool,
		  uint64_t capacity, struct volume **out)
{
	unsigned char *buf = NULL;
	struct volume *v = NULL;
	char vs[7];
	int created = 0, rc;

	rc = check_names(volser, pool, vs);
	if (rc < 0)
		return rc;
	v = calloc(1, sizeof(*v));
	buf = malloc(VOLUME_LABEL_SIZE);
	if (!v || !buf) {
		rc = -ENOMEM;
		goto out;
	}
	v->fd = -1;
	rc = copy_path(v->path, sizeof(v->path), path);
	if (rc < 0)
		goto out;
	memcpy(v->label.volser, vs, sizeof(v->label.volser));
	memcpy(v->label.pool, pool, strlen(pool));
	v->label.created_us = rtime_now();
	v->label.capacity = capacity;
	v->label.version = FORMAT_VERSION;
	rc = new_ident(v->label.ident);
	if (rc < 0)
		goto out;
	v->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (v->fd < 0) {
		rc = -errno;
		ruv_fail(rc, "cannot create volume '%s': %s", path,
			 strerror(-rc));
		goto out;
	}
	created = 1;
	label_encode(&v->label, buf);
	rc = write_at(v->fd, buf, VOLUME_LABEL_SIZE, 0);
	if (rc == 0 && fsync(v->fd) < 0)
		rc = -errno;
	if (rc == 0)
		rc = sync_dir_of(path);
	if (rc < 0) {
		io_fail(path, "write the label", rc);
		goto out;
	}
	v->writable = 1;
	v->end = VOLUME_LABEL_SIZE;
	*out = v;
	v = NULL;
out:
	if (v) {
		if (v->fd >= 0)
			close(v->fd);
		if (created)
			unlink(path);
		free(v);
	}
	free(buf);
	return rc;
}

/* Constant time, for a volume that ends with a sound end mark or a sound
 * data set: 1 if it did (v->end, last_seq, sealed set), 0 if not. */
static int clean_end(struct volume *v, uint64_t size)
{
	struct volume_dataset_info di;
	struct walk w = { .fd = v->fd, .size = size };
	unsigned char *hbuf;
	struct footer ft;
	int rc, like;

	if (size == VOLUME_LABEL_SIZE) {
		v->end = size;
		return 1;
	}
	if (size - VOLUME_LABEL_SIZE >= EOV_SIZE) {
		rc = eov_at(&w, size - EOV_SIZE, &like);
		if (rc < 0)
			return rc;
		if (rc) {
			v->label.sealed = 1;
			v->end = size - EOV_SIZE;
			v->last_seq = w.last_seq;
			return 1;
		}
	}
	rc = footer_read(v->fd, size - FOOTER_SIZE, size, &ft);
	if (rc < 0)
		return rc;
	if (rc != DS_OK || ft.start < VOLUME_LABEL_SIZE ||
	    ft.start >= size - FOOTER_SIZE)
		return 0;
	hbuf = malloc(HEADER_MAX);
	if (!hbuf)
		return -ENOMEM;
	rc = dataset_check_extent(v->fd, ft.start, size, size, &di, hbuf, NULL);
	free(hbuf);
	if (rc < 0)
		return rc;
	if (rc != DS_OK)
		return 0;
	v->end = size;
	v->last_seq = di.seq;
	return 1;
}

static int find_end(struct volume *v)
{
	struct walk w = { .fd = v->fd };
	int rc;

	rc = file_size(v->fd, &w.size);
	if (rc < 0)
		return io_fail(v->path, "stat", rc);
	rc = clean_end(v, w.size);
	if (rc < 0)
		return io_fail(v->path, "read", rc);
	if (rc > 0)
		return 0;
	rc = walk_volume(&w, NULL, NULL);
	if (rc < 0)
		return io_fail(v->path, "read", rc);
	v->end = w.end;
	v->last_seq = w.last_seq;
	v->label.sealed = w.sealed;
	if (!v->writable || w.sealed || w.end == w.size)
		return 0;
	/* Only a torn tail is left past the end: it never committed. */
	if (ftruncate(v->fd, (off_t)w.end) < 0 || fsync(v->fd) < 0) {
		rc = -errno;
		return io_fail(v->path, "cut back its torn tail", rc);
	}
	v->cut = w.size - w.end;
	return 0;
}

int volume_open(const char *path, int writable, struct volume **out)
{
	struct volume *v;
	int rc;

	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->fd = -1;
	rc = copy_path(v->path, sizeof(v->path), path);
	if (rc < 0)
		goto out;
	v->writable = writable;
	v->fd = volume_open_file(path, writable ? O_RDWR : O_RDONLY);
	if (v->fd < 0) {
		rc = v->fd;
		if (rc != -EINVAL)
			io_fail(path, "open", rc);
		goto out;
	}
	rc = label_read(v->fd, path, &v->label);
	if (rc < 0)
		goto out;
	rc = find_end(v);
	if (rc < 0)
		goto out;
	*out = v;
	v = NULL;
out:
	volume_close(v);
	return rc;
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

uint64_t volume_repaired(const struct volume *v)
{
	return v->cut;
}

/* Is offset the end of a committed data set?  Its seq, or -EIO. */
static int dataset_end_at(struct volume *v, uint64_t offset, uint64_t size,
			  uint32_t *seq)
{
	struct volume_dataset_info di;
	unsigned char *hbuf;
	struct footer ft;
	int rc;

	rc = footer_read(v->fd, offset - FOOTER_SIZE, size, &ft);
	if (rc < 0)
		return rc;
	if (rc != DS_OK || ft.start < VOLUME_LABEL_SIZE ||
	    ft.start >= offset - FOOTER_SIZE)
		return -EIO;
	hbuf = malloc(HEADER_MAX);
	if (!hbuf)
		return -ENOMEM;
	rc = dataset_check_extent(v->fd, ft.start, offset, size, &di, hbuf,
				  NULL);
	free(hbuf);
	if (rc < 0)
		return rc;
	*seq = di.seq;
	return rc == DS_OK ? 0 : -EIO;
}

uint64_t volume_bytes(const struct volume *v)
{
	return v->end + (v->label.sealed ? EOV_SIZE : 0);
}

/*
 * Does offset (past the label) end a committed data set within the
 * volume?  0 and its seq, or -EIO with a message ending in `tail`; a
 * read error of the device is returned as it is.
 */
static int end_check(struct volume *v, uint64_t offset, uint64_t size,
		     uint32_t *seq, const char *tail)
{
	int rc;

	if (offset > v->end)
		return ruv_fail(-EIO,
				"volume '%s' ends at byte %llu, before "
				"%llu: data sets are missing or damaged%s",
				v->path, (unsigned long long)v->end,
				(unsigned long long)offset, tail);
	rc = dataset_end_at(v, offset, size, seq);
	if (rc == -EIO)
		return ruv_fail(-EIO,
				"volume '%s': byte %llu is not the end of "
				"a data set%s",
				v->path, (unsigned long long)offset, tail);
	if (rc < 0)
		return io_fail(v->path, "read", rc);
	return 0;
}

int volume_check_end(struct volume *v, uint64_t offset)
{
	uint64_t size;
	uint32_t seq = 0;
	int rc;

	if (offset <= VOLUME_LABEL_SIZE)
		return 0;
	rc = file_size(v->fd, &size);
	if (rc < 0)
		return io_fail(v->path, "stat", rc);
	return end_check(v, offset, size, &seq, "");
}

int volume_truncate_after(struct volume *v, uint64_t offset)
{
	uint64_t size;
	uint32_t seq = 0;
	int rc;

	if (offset < VOLUME_LABEL_SIZE)
		offset = VOLUME_LABEL_SIZE;
	rc = file_size(v->fd, &size);
	if (rc < 0)
		return io_fail(v->path, "stat", rc);
	if (size == offset && v->end == offset)
		return 0;
	if (v->label.sealed)
		return ruv_fail(-EROFS, "volume '%s' is sealed", v->path);
	if (!v->writable)
		return -EBADF;
	if (v->writing)
		return -EBUSY;
	if (offset > VOLUME_LABEL_SIZE) {
		rc = end_check(v, offset, size, &seq, "; nothing cut");
		if (rc < 0)
			return rc;
	}
	if (ftruncate(v->fd, (off_t)offset) < 0 || fsync(v->fd) < 0) {
		rc = -errno;
		return io_fail(v->path, "cut back", rc);
	}
	v->end = offset;
	v->last_seq = seq;
	return 0;
}

int volume_seal(struct volume *v)
{
	unsigned char e[EOV_SIZE];
	int rc;

	if (v->label.sealed)
		return 0;
	if (v->writing)
		return ruv_fail(-EBUSY,
				"volume '%s': a data set is being "
				"written",
				v->path);
	if (!v->writable)
		return -EBADF;
	memcpy(e, MAGIC_EOV, 8);
	put32(e + 8, v->last_seq);
	put64(e + 12, v->end);
	put32(e + 20, 0);
	put32(e + 24, crc32c(0, e, 24));
	/* Past the end is only a tail an abort could not cut. */
	if (ftruncate(v->fd, (off_t)v->end) < 0) {
		rc = -errno;
		return io_fail(v->path, "seal", rc);
	}
	rc = write_at(v->fd, e, EOV_SIZE, v->end);
	if (rc == 0 && fdatasync(v->fd) < 0)
		rc = -errno;
	if (rc < 0)
		return io_fail(v->path, "seal", rc);
	v->label.sealed = 1;
	return 0;
}

/* ---- writing --------------------------------------------------------------
 */

static int writer_fail(struct volume_writer *w, int rc)
{
	if (!w->err)
		w->err = rc;
	if (rc == -ENOSPC)
		return ruv_fail(rc,
				"volume '%s': no space left on the device "
				"(data set %u '%s')",
				w->v->path, w->info.seq, w->info.name);
	return ruv_fail(rc, "volume '%s': cannot write data set %u '%s': %s",
			w->v->path, w->info.seq, w->info.name, strerror(-rc));
}

static int check_begin(struct volume *v, uint32_t kind, const char *name,
		       const char *source, uint32_t chunk_size, size_t meta_len)
{
	size_t nlen = name ? strlen(name) : 0;
	size_t slen = source ? strlen(source) : 0;

	if (v->label.sealed)
		return ruv_fail(-EROFS, "volume '%s' is sealed", v->path);
	if (!v->writable)
		return ruv_fail(-EBADF, "volume '%s' is open read-only",
				v->path);
	if (v->writing)
		return ruv_fail(-EBUSY,
				"volume '%s': a data set is already "
				"being written",
				v->path);
	if (nlen == 0 || nlen > VOLUME_NAME_MAX)
		return ruv_fail(-EINVAL,
				"data set name '%.64s': must be 1-%d "
				"bytes",
				name ? name : "", VOLUME_NAME_MAX);
	if (slen > VOLUME_SOURCE_MAX)
		return ruv_fail(-EINVAL,
				"data set '%s': source '%.44s...' is longer "
				"than %d bytes",
				name, source, VOLUME_SOURCE_MAX);
	if (meta_len > VOLUME_META_MAX)
		return ruv_fail(-EINVAL,
				"data set '%s': %zu bytes of metadata, more "
				"than %d",
				name, meta_len, VOLUME_META_MAX);
	if (chunk_size < VOLUME_CHUNK_MIN || chunk_size > VOLUME_CHUNK_MAX)
		return ruv_fail(-EINVAL,
				"data set '%s': chunk size %u is not within "
				"%u..%u",
				name, chunk_size, VOLUME_CHUNK_MIN,
				VOLUME_CHUNK_MAX);
	if (kind == 0 || kind >= NKINDS)
		return ruv_fail(-EINVAL, "data set '%s': kind %u is not known",
				name, kind);
	return 0;
}

int volume_dataset_begin(struct volume *v, uint32_t kind, const char *name,
			 const char *source, uint32_t chunk_size,
			 const void *meta, size_t meta_len,
			 struct volume_writer **out)
{
	struct volume_writer *w = NULL;
	unsigned char *h = NULL;
	size_t nlen, slen;
	uint32_t hlen, p;
	int rc;

	rc = check_begin(v, kind, name, source, chunk_size, meta_len);
	if (rc < 0)
		return rc;
	nlen = strlen(name);
	slen = source ? strlen(source) : 0;
	hlen = (uint32_t)(HEADER_FIXED + 2 + nlen + 2 + slen + 4 + meta_len +
			  4);
	w = calloc(1, sizeof(*w));
	h = calloc(1, hlen);
	if (!w || !h) {
		rc = -ENOMEM;
		goto out;
	}
	w->v = v;
	w->info.seq = v->last_seq + 1;
	w->info.kind = kind;
	memcpy(w->info.name, name, nlen);
	memcpy(w->info.source, source ? source : "", slen);
	w->info.created_us = rtime_now();
	w->info.chunk_size = chunk_size;
	w->info.offset = v->end;
	w->max_clen = max_frame(chunk_size);
	memcpy(h, MAGIC_HEADER, 8);
	put32(h + 8, hlen);
	put32(h + 12, w->info.seq);
	put32(h + 16, kind);
	put32(h + 20, chunk_size);
	put64(h + 24, (uint64_t)w->info.created_us);
	p = HEADER_FIXED;
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
	if (rc < 0) {
		rc = writer_fail(w, rc);
		if (ftruncate(v->fd, (off_t)v->end) < 0) {
			/* Left torn: the next writable open cuts it. */
		}
		goto out;
	}
	w->pos = v->end + hlen;
	w->kicked = v->end;
	v->writing = 1;
	*out = w;
	w = NULL;
out:
	free(h);
	free(w);
	return rc;
}

static int check_put(struct volume_writer *w, const void *frame,
		     size_t frame_len, size_t raw_len)
{
	if (w->err)
		return w->err;
	if (w->info.nchunks && w->last_ulen != w->info.chunk_size)
		return ruv_fail(-EINVAL,
				"data set '%s': a chunk after a short "
				"one",
				w->info.name);
	if (raw_len == 0 || raw_len > w->info.chunk_size)
		return ruv_fail(-EINVAL,
				"data set '%s': a chunk of %zu bytes "
				"(chunk size %u)",
				w->info.name, raw_len, w->info.chunk_size);
	if (frame_len < 4 || frame_len > w->max_clen ||
	    memcmp(frame, LZ4F_MAGIC, 4))
		return ruv_fail(-EINVAL,
				"data set '%s': chunk %u is not an lz4 "
				"frame of at most %u bytes",
				w->info.name, w->info.nchunks + 1, w->max_clen);
	if (w->info.nchunks == VOLUME_CHUNKS_MAX)
		return ruv_fail(-EFBIG,
				"data set '%s': more than %u chunks; use a "
				"larger chunk size",
				w->info.name, VOLUME_CHUNKS_MAX);
	return 0;
}

int volume_dataset_put(struct volume_writer *w, const void *frame,
		       size_t frame_len, size_t raw_len)
{
	unsigned char h[CHUNK_HDR];
	struct iovec iov[2];
	size_t need;
	unsigned char *ni;
	int rc;

	rc = check_put(w, frame, frame_len, raw_len);
	if (rc < 0)
		return rc;
	need = ((size_t)w->info.nchunks + 1) * INDEX_ENTRY;
	if (need > w->index_cap) {
		size_t cap = w->index_cap ? 2 * w->index_cap : 64 * INDEX_ENTRY;

		ni = realloc(w->index, cap);
		if (!ni)
			return -ENOMEM;
		w->index = ni;
		w->index_cap = cap;
	}
	memcpy(h, MAGIC_CHUNK, 4);
	put32(h + 4, (uint32_t)raw_len);
	put32(h + 8, (uint32_t)frame_len);
	put32(h + 12, crc32c(0, frame, frame_len));
	put32(h + 16, crc32c(0, h, 16));
	iov[0] = (struct iovec){ h, CHUNK_HDR };
	iov[1] = (struct iovec){ (void *)frame, frame_len };
	rc = pwritev_all(w->v->fd, iov, 2, w->pos);
	if (rc < 0)
		return writer_fail(w, rc);
	memcpy(w->index + (size_t)w->info.nchunks * INDEX_ENTRY, h + 4,
	       INDEX_ENTRY);
	w->info.nchunks++;
	w->info.raw_size += raw_len;
	w->info.stored_size += frame_len;
	w->last_ulen = (uint32_t)raw_len;
	w->pos += CHUNK_HDR + frame_len;
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

/* Trailer and footer in one buffer. */
static unsigned char *encode_tail(const struct volume_writer *w, uint64_t *len,
				  uint32_t *checksum)
{
	uint64_t tlen =
		TRAILER_FIXED + (uint64_t)w->info.nchunks * INDEX_ENTRY + 4;
	unsigned char *t = malloc(tlen + FOOTER_SIZE), *f;

	if (!t)
		return NULL;
	memcpy(t, MAGIC_TRAILER, 8);
	put32(t + 8, w->info.nchunks);
	put64(t + 12, w->info.raw_size);
	put64(t + 20, w->info.stored_size);
	if (w->info.nchunks)
		memcpy(t + TRAILER_FIXED, w->index,
		       (size_t)w->info.nchunks * INDEX_ENTRY);
	*checksum = crc32c(0, t, tlen - 4);
	put32(t + tlen - 4, *checksum);
	f = t + tlen;
	memcpy(f, MAGIC_FOOTER, 8);
	put64(f + 8, w->info.offset);
	put64(f + 16, tlen);
	put32(f + 24, w->info.seq);
	put32(f + 28, crc32c(0, f, 28));
	*len = tlen + FOOTER_SIZE;
	return t;
}

int volume_dataset_commit(struct volume_writer *w,
			  struct volume_dataset_info *out)
{
	struct volume *v = w->v;
	unsigned char *t = NULL;
	uint64_t len = 0;
	int rc = w->err;

	if (rc == 0) {
		t = encode_tail(w, &len, &w->info.checksum);
		if (!t)
			rc = -ENOMEM;
	}
	if (rc == 0) {
		rc = write_at(v->fd, t, len, w->pos);
		if (rc == 0 && fdatasync(v->fd) < 0)
			rc = -errno;
		if (rc < 0)
			rc = writer_fail(w, rc);
	}
	free(t);
	if (rc < 0) {
		volume_dataset_abort(w);
		return rc;
	}
	w->info.length = w->pos + len - w->info.offset;
	w->info.state = VOLUME_DS_COMPLETE;
	v->end = w->info.offset + w->info.length;
	v->last_seq = w->info.seq;
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
		/* Left torn: the next writable open cuts it, and the next
		 * data set written here overwrites it. */
	}
	writer_free(w);
}

/* ---- compression ----------------------------------------------------------
 */

static void frame_prefs(LZ4F_preferences_t *p, size_t n)
{
	memset(p, 0, sizeof(*p));
	/* The largest block; LZ4F_compressFrame() picks the smallest one
	 * that holds n, so a chunk is one block. */
	p->frameInfo.blockSizeID = LZ4F_max4MB;
	p->frameInfo.blockMode = LZ4F_blockIndependent;
	p->frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
	p->frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
	p->frameInfo.contentSize = n;
	p->compressionLevel = 1; /* the fast level, as lz4 -1 */
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

	if (n == 0 || n > VOLUME_CHUNK_MAX)
		return ruv_fail(-EINVAL, "a chunk of %zu bytes", n);
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

static int reader_damaged(const struct volume_reader *vr, const char *what,
			  int64_t chunk)
{
	if (chunk >= 0)
		return ruv_fail(-EIO,
				"volume '%s', data set %u '%s', chunk "
				"%lld of %u (content bytes %llu..): %s",
				vr->path, vr->info.seq, vr->info.name,
				(long long)chunk + 1, vr->info.nchunks,
				(unsigned long long)chunk * vr->info.chunk_size,
				what);
	if (vr->info.seq)
		return ruv_fail(-EIO, "volume '%s', data set %u '%s': %s",
				vr->path, vr->info.seq, vr->info.name, what);
	return ruv_fail(-EIO, "volume '%s', data set at byte %llu: %s",
			vr->path, (unsigned long long)vr->info.offset, what);
}

static const char *extent_problem(int state, int header)
{
	if (state == DS_TORN)
		return "it is cut off (the volume ends inside it)";
	return header ? "its header is damaged"
		      : "its footer, trailer or chunk index is damaged";
}

/* Header, footer, trailer and index of the data set at offset. */
static int reader_load(struct volume_reader *vr, uint64_t offset,
		       uint64_t length, uint64_t size, unsigned char *hbuf)
{
	struct volume_dataset_info di;
	struct ds_walk dw;
	uint32_t hlen;
	int rc;

	rc = parse_header(vr->fd, offset, size, &vr->info, hbuf, &hlen);
	if (rc < 0)
		return io_fail(vr->path, "read", rc);
	if (rc != DS_OK) {
		vr->info.offset = offset;
		return reader_damaged(vr, extent_problem(rc, 1), -1);
	}
	if (!length) {
		/* Unknown length: walk the chunk headers to the footer. */
		rc = dataset_walk(vr->fd, offset, size, &di, hbuf, &dw);
		if (rc < 0)
			return io_fail(vr->path, "read", rc);
		if (rc != DS_OK)
			return reader_damaged(vr, extent_problem(rc, 0), -1);
		length = di.length;
	}
	rc = dataset_check_extent(vr->fd, offset, offset + length, size,
				  &vr->info, hbuf, &vr->index);
	if (rc < 0)
		return io_fail(vr->path, "read", rc);
	if (rc != DS_OK)
		return reader_damaged(vr, extent_problem(rc, 0), -1);
	vr->info.state = VOLUME_DS_COMPLETE;
	vr->meta = malloc(vr->info.meta_len ? vr->info.meta_len : 1);
	if (!vr->meta)
		return -ENOMEM;
	memcpy(vr->meta, vr->info.meta, vr->info.meta_len);
	vr->info.meta = vr->meta;
	return 0;
}

/* lz4 decodes straight into the destination only when it holds a whole
 * block of the frame's block size; make the cache that big. */
static size_t block_room(uint32_t chunk_size)
{
	static const size_t blocks[] = { 64 << 10, 256 << 10, 1 << 20,
					 4 << 20 };
	size_t i;

	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
		if (chunk_size <= blocks[i])
			return blocks[i];
	return chunk_size;
}

int volume_reader_open(const char *path, uint64_t offset, uint64_t length,
		       struct volume_reader **out)
{
	struct volume_reader *vr;
	unsigned char *hbuf = NULL;
	uint64_t size;
	uint32_t i, maxc = 0;
	int rc;

	vr = calloc(1, sizeof(*vr));
	if (!vr)
		return -ENOMEM;
	vr->fd = -1;
	vr->cached = -1;
	rc = copy_path(vr->path, sizeof(vr->path), path);
	if (rc < 0)
		goto out;
	vr->info.offset = offset;
	hbuf = malloc(HEADER_MAX);
	if (!hbuf) {
		rc = -ENOMEM;
		goto out;
	}
	vr->fd = volume_open_file(path, O_RDONLY);
	if (vr->fd < 0) {
		rc = vr->fd;
		if (rc != -EINVAL)
			io_fail(path, "open", rc);
		goto out;
	}
	rc = file_size(vr->fd, &size);
	if (rc < 0) {
		io_fail(path, "stat", rc);
		goto out;
	}
	if (offset < VOLUME_LABEL_SIZE || offset >= size ||
	    length > size - offset) {
		rc = reader_damaged(vr,
				    "past the end of the volume "
				    "(truncated?)",
				    -1);
		goto out;
	}
	rc = reader_load(vr, offset, length, size, hbuf);
	if (rc < 0)
		goto out;
	for (i = 0; i < vr->info.nchunks; i++)
		if (vr->index[i].clen > maxc)
			maxc = vr->index[i].clen;
	vr->cbuf_cap = (size_t)maxc + CHUNK_HDR;
	vr->ubuf_cap = block_room(vr->info.chunk_size);
	vr->cbuf = malloc(vr->cbuf_cap);
	vr->ubuf = malloc(vr->ubuf_cap);
	if (!vr->cbuf || !vr->ubuf) {
		rc = -ENOMEM;
		goto out;
	}
	if (LZ4F_isError(
		    LZ4F_createDecompressionContext(&vr->dctx, LZ4F_VERSION))) {
		rc = -ENOMEM;
		goto out;
	}
	*out = vr;
	vr = NULL;
out:
	free(hbuf);
	volume_reader_close(vr);
	return rc;
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
	free(vr->meta);
	free(vr->index);
	free(vr->cbuf);
	free(vr->ubuf);
	free(vr);
}

/* Decompress chunk i into dst (cap bytes, >= its length), checking the
 * chunk header against the index, the frame's CRC, and lz4's own
 * content and block checksums. */
static int chunk_read(struct volume_reader *vr, uint32_t i, unsigned char *dst,
		      size_t cap)
{
	const struct chunk_ref *c = &vr->index[i];
	const unsigned char *src;
	size_t dst_len, src_len, r = 1, got = 0, in;
	int rc;

	rc = read_at(vr->fd, vr->cbuf, CHUNK_HDR + (size_t)c->clen,
		     vr->info.offset + c->offset);
	if (rc == -ENODATA)
		return reader_damaged(vr, "the volume ends inside it", i);
	if (rc < 0)
		return ruv_fail(rc,
				"volume '%s', data set %u '%s', chunk %u: %s",
				vr->path, vr->info.seq, vr->info.name, i + 1,
				strerror(-rc));
	if (!chunk_header_ok(vr->cbuf, vr->info.chunk_size, c->clen) ||
	    get32(vr->cbuf + 4) != c->ulen || get32(vr->cbuf + 8) != c->clen ||
	    get32(vr->cbuf + 12) != c->crc)
		return reader_damaged(vr, "its chunk header is damaged", i);
	src = vr->cbuf + CHUNK_HDR;
	if (crc32c(0, src, c->clen) != c->crc)
		return reader_damaged(vr,
				      "checksum mismatch in the compressed "
				      "data",
				      i);
	src_len = c->clen;
	LZ4F_resetDecompressionContext(vr->dctx);
	while (src_len && r != 0) {
		in = src_len;
		dst_len = cap - got;
		r = LZ4F_decompress(vr->dctx, dst + got, &dst_len, src, &in,
				    NULL);
		if (LZ4F_isError(r))
			return reader_damaged(vr, LZ4F_getErrorName(r), i);
		if (in == 0 && dst_len == 0)
			break;
		got += dst_len;
		src += in;
		src_len -= in;
	}
	if (r != 0 || src_len || got != c->ulen)
		return reader_damaged(vr, "the lz4 frame has the wrong length",
				      i);
	return 0;
}

ssize_t volume_reader_pread(struct volume_reader *vr, void *buf, size_t n,
			    uint64_t off)
{
	unsigned char *dst = buf;
	uint64_t cs = vr->info.chunk_size, at;
	size_t done = 0, take, skip;
	uint32_t i;
	int rc;

	if (off >= vr->info.raw_size)
		return 0;
	if (n > vr->info.raw_size - off)
		n = (size_t)(vr->info.raw_size - off);
	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	while (done < n) {
		at = off + done;
		i = (uint32_t)(at / cs);
		skip = (size_t)(at % cs);
		take = vr->index[i].ulen - skip;
		if (take > n - done)
			take = n - done;
		if (skip == 0 && take == vr->index[i].ulen &&
		    vr->cached != (int64_t)i) {
			/* A whole chunk: straight into the caller's buffer. */
			rc = chunk_read(vr, i, dst + done, n - done);
			if (rc < 0)
				return rc;
		} else {
			if (vr->cached != (int64_t)i) {
				vr->cached = -1;
				rc = chunk_read(vr, i, vr->ubuf, vr->ubuf_cap);
				if (rc < 0)
					return rc;
				vr->cached = i;
			}
			memcpy(dst + done, vr->ubuf + skip, take);
		}
		done += take;
	}
	return (ssize_t)done;
}

int volume_reader_verify(struct volume_reader *vr)
{
	uint32_t i;
	int rc;

	vr->cached = -1;
	for (i = 0; i < vr->info.nchunks; i++) {
		rc = chunk_read(vr, i, vr->ubuf, vr->ubuf_cap);
		if (rc < 0)
			return rc;
	}
	return 0;
}
