// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stacked volumes: the data set writer (header, chunks, trailer, footer,
 * each fdatasynced before the commit that registers it) and the lz4
 * compression of chunks.  A writer belongs to one thread; the pool
 * serialises writers between processes.
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
	if (!vol_kind_known(kind))
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
	w->max_clen = vol_max_frame(chunk_size);
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
	rc = vol_write_at(v->fd, h, hlen, v->end);
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
	rc = vol_pwritev_all(w->v->fd, iov, 2, w->pos);
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
		rc = vol_write_at(v->fd, t, len, w->pos);
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
