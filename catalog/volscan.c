// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stacked volumes: decoding one data set (header, chunks, trailer,
 * footer) and walking and scanning a whole volume without a repository.
 * The format is documented at the top of volume.c; every length read
 * from disk is checked against the file size and a CRC or a structural
 * cross-check before it is used.  Cost: one header per data set and a
 * 20-byte header per chunk, nothing decompressed.
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

/* ---- decoding one data set ------------------------------------------------
 *
 * The checks below return a state (enum ds_check) or a -errno for a read
 * error.  TORN means "sound so far, but the file ends first".
 */

uint32_t vol_max_frame(uint32_t chunk_size)
{
	return (uint32_t)volume_chunk_bound(chunk_size);
}

/* The header at off into di (and di->meta into hbuf, HEADER_MAX bytes);
 * *hlen its length.  off <= size. */
int vol_parse_header(int fd, uint64_t off, uint64_t size,
		     struct volume_dataset_info *di, unsigned char *hbuf,
		     uint32_t *hlen_out)
{
	uint64_t left = size - off;
	uint32_t hlen, p, nlen, slen, mlen;
	int rc;

	memset(di, 0, sizeof(*di));
	di->offset = off;
	if (left < 12) {
		rc = vol_read_at(fd, hbuf, (size_t)left, off);
		if (rc < 0)
			return rc == -ENODATA ? DS_TORN : rc;
		return memcmp(hbuf, MAGIC_HEADER, left < 8 ? left : 8)
			       ? DS_NONE
			       : DS_TORN;
	}
	rc = vol_read_at(fd, hbuf, 12, off);
	if (rc < 0)
		return rc == -ENODATA ? DS_TORN : rc;
	if (memcmp(hbuf, MAGIC_HEADER, 8))
		return DS_NONE;
	hlen = get32(hbuf + 8);
	if (hlen < HEADER_MIN || hlen > HEADER_MAX)
		return DS_DAMAGED;
	if (hlen > left)
		return DS_TORN;
	rc = vol_read_at(fd, hbuf, hlen, off);
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

int vol_chunk_header_ok(const unsigned char *h, uint32_t chunk_size,
			uint32_t max_clen)
{
	uint32_t ulen = get32(h + 4), clen = get32(h + 8);

	return !memcmp(h, MAGIC_CHUNK, 4) &&
	       get32(h + 16) == crc32c(0, h, 16) && ulen > 0 &&
	       ulen <= chunk_size && clen > 0 && clen <= max_clen;
}

static int footer_decode(const unsigned char *f, struct footer *ft)
{
	if (memcmp(f, MAGIC_FOOTER, 8) || get32(f + 28) != crc32c(0, f, 28))
		return DS_DAMAGED;
	ft->start = get64(f + 8);
	ft->tlen = get64(f + 16);
	ft->seq = get32(f + 24);
	return DS_OK;
}

int vol_footer_read(int fd, uint64_t at, uint64_t size, struct footer *ft)
{
	unsigned char f[FOOTER_SIZE];
	int rc;

	if (at > size || size - at < FOOTER_SIZE)
		return DS_TORN;
	rc = vol_read_at(fd, f, FOOTER_SIZE, at);
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
	uint32_t i, j, k, max_clen = vol_max_frame(di->chunk_size);
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
		rc = vol_read_at(fd, piece, (size_t)k * INDEX_ENTRY,
				 toff + TRAILER_FIXED +
					 (uint64_t)i * INDEX_ENTRY);
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
	rc = vol_read_at(fd, fixed, TRAILER_FIXED, toff);
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
	rc = vol_read_at(fd, tail, 4, toff + tlen - 4);
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
	int rc = vol_footer_read(fd, foot, size, &ft);

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
int vol_dataset_check_extent(int fd, uint64_t off, uint64_t end, uint64_t size,
			     struct volume_dataset_info *di,
			     unsigned char *hbuf, struct chunk_ref **index)
{
	struct footer ft;
	uint64_t tlen;
	uint32_t hlen;
	int rc;

	if (end > size || off >= end)
		return DS_TORN;
	rc = vol_parse_header(fd, off, size, di, hbuf, &hlen);
	if (rc != DS_OK)
		return rc == DS_NONE ? DS_DAMAGED : rc;
	if (end - off < (uint64_t)hlen + TRAILER_FIXED + 4 + FOOTER_SIZE)
		return DS_DAMAGED;
	rc = vol_footer_read(fd, end - FOOTER_SIZE, size, &ft);
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

/*
 * Walk one data set forward from its header at off: header, every chunk
 * header, trailer, footer; the walked chunk headers must be the trailer's
 * index.  Returns its state; di describes it as far as known.
 */
int vol_dataset_walk(int fd, uint64_t off, uint64_t size,
		     struct volume_dataset_info *di, unsigned char *hbuf,
		     struct ds_walk *dw)
{
	unsigned char h[CHUNK_HDR];
	uint64_t p, left, raw = 0, stored = 0, tlen;
	uint32_t hlen, n = 0, ecrc = 0, walked = 0, max_clen;
	int rc;

	memset(dw, 0, sizeof(*dw));
	dw->fail = off;
	rc = vol_parse_header(fd, off, size, di, hbuf, &hlen);
	if (rc != DS_OK)
		return rc == DS_NONE ? DS_DAMAGED : rc;
	dw->header_ok = 1;
	max_clen = vol_max_frame(di->chunk_size);
	p = off + hlen;
	for (;;) {
		left = size - p;
		dw->fail = p;
		if (left < 8)
			return DS_TORN;
		rc = vol_read_at(
			fd, h, left < CHUNK_HDR ? (size_t)left : CHUNK_HDR, p);
		if (rc < 0)
			return rc == -ENODATA ? DS_TORN : rc;
		if (!memcmp(h, MAGIC_TRAILER, 8))
			break;
		if (left < CHUNK_HDR)
			return DS_TORN;
		if (!vol_chunk_header_ok(h, di->chunk_size, max_clen) ||
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

int vol_eov_at(struct walk *w, uint64_t off, int *like)
{
	unsigned char e[EOV_SIZE];
	int rc;

	*like = 0;
	if (w->size - off < EOV_SIZE)
		return 0;
	rc = vol_read_at(w->fd, e, EOV_SIZE, off);
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
		rc = vol_read_at(w->fd, w->win, n, pos);
		if (rc < 0)
			return rc;
		got = 0;
		while ((hit = memmem(w->win + got, n - got, MAGIC_FOOTER, 8))) {
			hit_at = pos + (uint64_t)(hit - w->win);
			got = (size_t)(hit - w->win) + 1;
			rc = vol_footer_read(w->fd, hit_at, w->size, ft);
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
		rc = vol_read_at(w->fd, w->win, n, pos);
		if (rc < 0)
			return rc;
		got = 0;
		while ((hit = memmem(w->win + got, n - got, MAGIC_HEADER, 8))) {
			hit_at = pos + (uint64_t)(hit - w->win);
			got = (size_t)(hit - w->win) + 1;
			rc = vol_parse_header(w->fd, hit_at, w->size, &di,
					      w->hbuf, &hlen);
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
		} else if (vol_dataset_check_extent(w->fd, off, *next, w->size,
						    &tmp, hbuf,
						    NULL) == DS_OK) {
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
int vol_walk_volume(struct walk *w,
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
		rc = vol_eov_at(w, pos, &like);
		if (rc < 0)
			goto out;
		if (rc || like) {
			w->sealed = 1;
			w->end = pos;
			rc = 0;
			break;
		}
		state = vol_dataset_walk(w->fd, pos, w->size, &di, meta_hbuf,
					 &dw);
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
		return rc == -EINVAL ? rc : vol_io_fail(path, "open", rc);
	}
	rc = vol_label_read(w.fd, path, l);
	if (rc < 0)
		goto out;
	rc = vol_file_size(w.fd, &w.size);
	if (rc == 0)
		rc = vol_walk_volume(&w, cb, arg);
	/* A callback's own error keeps its own message. */
	if (rc < 0 && !w.cb_failed)
		vol_io_fail(path, "read", rc);
	l->sealed = w.sealed;
out:
	close(w.fd);
	return rc < 0 ? rc : w.complete;
}
