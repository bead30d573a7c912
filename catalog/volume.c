// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stacked volumes: the on-disk format (documented here, once), the kinds,
 * file I/O, the label and the volume handle.  Decoding and scanning are in
 * volscan.c, the writer in volwrite.c, the reader in volread.c; what they
 * share is volume_int.h.
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
#include "volume_int.h"

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

int vol_kind_known(uint32_t kind)
{
	return kind > 0 && kind < NKINDS;
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
int vol_read_at(int fd, void *buf, size_t n, uint64_t off)
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
int vol_pwritev_all(int fd, struct iovec *iov, int cnt, uint64_t off)
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

int vol_write_at(int fd, const void *buf, size_t n, uint64_t off)
{
	struct iovec iov = { (void *)buf, n };

	return vol_pwritev_all(fd, &iov, 1, off);
}

int vol_file_size(int fd, uint64_t *size)
{
	struct stat sb;

	if (fstat(fd, &sb) < 0)
		return -errno;
	*size = (uint64_t)sb.st_size;
	return 0;
}

int vol_sync_dir_of(const char *path)
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

int vol_copy_path(char *dst, size_t len, const char *path)
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

int vol_io_fail(const char *path, const char *what, int rc)
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

void vol_label_encode(const struct volume_label *l, unsigned char *p)
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

int vol_label_read(int fd, const char *path, struct volume_label *l)
{
	unsigned char *buf = malloc(VOLUME_LABEL_SIZE);
	int rc;

	if (!buf)
		return -ENOMEM;
	rc = vol_read_at(fd, buf, VOLUME_LABEL_SIZE, 0);
	if (rc == -ENODATA)
		rc = ruv_fail(-EIO,
			      "'%s' is not a volume (too short for a "
			      "label)",
			      path);
	else if (rc < 0)
		vol_io_fail(path, "read the label", rc);
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
		return rc == -EINVAL ? rc : vol_io_fail(path, "open", rc);
	}
	rc = vol_label_read(fd, path, out);
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
	rc = vol_copy_path(v->path, sizeof(v->path), path);
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
	vol_label_encode(&v->label, buf);
	rc = vol_write_at(v->fd, buf, VOLUME_LABEL_SIZE, 0);
	if (rc == 0 && fsync(v->fd) < 0)
		rc = -errno;
	if (rc == 0)
		rc = vol_sync_dir_of(path);
	if (rc < 0) {
		vol_io_fail(path, "write the label", rc);
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
		rc = vol_eov_at(&w, size - EOV_SIZE, &like);
		if (rc < 0)
			return rc;
		if (rc) {
			v->label.sealed = 1;
			v->end = size - EOV_SIZE;
			v->last_seq = w.last_seq;
			return 1;
		}
	}
	rc = vol_footer_read(v->fd, size - FOOTER_SIZE, size, &ft);
	if (rc < 0)
		return rc;
	if (rc != DS_OK || ft.start < VOLUME_LABEL_SIZE ||
	    ft.start >= size - FOOTER_SIZE)
		return 0;
	hbuf = malloc(HEADER_MAX);
	if (!hbuf)
		return -ENOMEM;
	rc = vol_dataset_check_extent(v->fd, ft.start, size, size, &di, hbuf,
				      NULL);
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

	rc = vol_file_size(v->fd, &w.size);
	if (rc < 0)
		return vol_io_fail(v->path, "stat", rc);
	rc = clean_end(v, w.size);
	if (rc < 0)
		return vol_io_fail(v->path, "read", rc);
	if (rc > 0)
		return 0;
	rc = vol_walk_volume(&w, NULL, NULL);
	if (rc < 0)
		return vol_io_fail(v->path, "read", rc);
	v->end = w.end;
	v->last_seq = w.last_seq;
	v->label.sealed = w.sealed;
	if (!v->writable || w.sealed || w.end == w.size)
		return 0;
	/* Only a torn tail is left past the end: it never committed. */
	if (ftruncate(v->fd, (off_t)w.end) < 0 || fsync(v->fd) < 0) {
		rc = -errno;
		return vol_io_fail(v->path, "cut back its torn tail", rc);
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
	rc = vol_copy_path(v->path, sizeof(v->path), path);
	if (rc < 0)
		goto out;
	v->writable = writable;
	v->fd = volume_open_file(path, writable ? O_RDWR : O_RDONLY);
	if (v->fd < 0) {
		rc = v->fd;
		if (rc != -EINVAL)
			vol_io_fail(path, "open", rc);
		goto out;
	}
	rc = vol_label_read(v->fd, path, &v->label);
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

	rc = vol_footer_read(v->fd, offset - FOOTER_SIZE, size, &ft);
	if (rc < 0)
		return rc;
	if (rc != DS_OK || ft.start < VOLUME_LABEL_SIZE ||
	    ft.start >= offset - FOOTER_SIZE)
		return -EIO;
	hbuf = malloc(HEADER_MAX);
	if (!hbuf)
		return -ENOMEM;
	rc = vol_dataset_check_extent(v->fd, ft.start, offset, size, &di, hbuf,
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
		return vol_io_fail(v->path, "read", rc);
	return 0;
}

int volume_check_end(struct volume *v, uint64_t offset)
{
	uint64_t size;
	uint32_t seq = 0;
	int rc;

	if (offset <= VOLUME_LABEL_SIZE)
		return 0;
	rc = vol_file_size(v->fd, &size);
	if (rc < 0)
		return vol_io_fail(v->path, "stat", rc);
	return end_check(v, offset, size, &seq, "");
}

int volume_truncate_after(struct volume *v, uint64_t offset)
{
	uint64_t size;
	uint32_t seq = 0;
	int rc;

	if (offset < VOLUME_LABEL_SIZE)
		offset = VOLUME_LABEL_SIZE;
	rc = vol_file_size(v->fd, &size);
	if (rc < 0)
		return vol_io_fail(v->path, "stat", rc);
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
		return vol_io_fail(v->path, "cut back", rc);
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
		return vol_io_fail(v->path, "seal", rc);
	}
	rc = vol_write_at(v->fd, e, EOV_SIZE, v->end);
	if (rc == 0 && fdatasync(v->fd) < 0)
		rc = -errno;
	if (rc < 0)
		return vol_io_fail(v->path, "seal", rc);
	v->label.sealed = 1;
	return 0;
}
