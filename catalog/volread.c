// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stacked volumes: the reader of one data set at a known offset: footer,
 * header and trailer checked, then any chunk decompressed alone (its
 * frame CRC checked first), one chunk cached.  Readers use pread on their
 * own descriptor.
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

	rc = vol_parse_header(vr->fd, offset, size, &vr->info, hbuf, &hlen);
	if (rc < 0)
		return vol_io_fail(vr->path, "read", rc);
	if (rc != DS_OK) {
		vr->info.offset = offset;
		return reader_damaged(vr, extent_problem(rc, 1), -1);
	}
	if (!length) {
		/* Unknown length: walk the chunk headers to the footer. */
		rc = vol_dataset_walk(vr->fd, offset, size, &di, hbuf, &dw);
		if (rc < 0)
			return vol_io_fail(vr->path, "read", rc);
		if (rc != DS_OK)
			return reader_damaged(vr, extent_problem(rc, 0), -1);
		length = di.length;
	}
	rc = vol_dataset_check_extent(vr->fd, offset, offset + length, size,
				      &vr->info, hbuf, &vr->index);
	if (rc < 0)
		return vol_io_fail(vr->path, "read", rc);
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
	rc = vol_copy_path(vr->path, sizeof(vr->path), path);
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
			vol_io_fail(path, "open", rc);
		goto out;
	}
	rc = vol_file_size(vr->fd, &size);
	if (rc < 0) {
		vol_io_fail(path, "stat", rc);
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

	rc = vol_read_at(vr->fd, vr->cbuf, CHUNK_HDR + (size_t)c->clen,
			 vr->info.offset + c->offset);
	if (rc == -ENODATA)
		return reader_damaged(vr, "the volume ends inside it", i);
	if (rc < 0)
		return ruv_fail(rc,
				"volume '%s', data set %u '%s', chunk %u: %s",
				vr->path, vr->info.seq, vr->info.name, i + 1,
				strerror(-rc));
	if (!vol_chunk_header_ok(vr->cbuf, vr->info.chunk_size, c->clen) ||
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
