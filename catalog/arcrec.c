// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Log records as bytes, outside a segment: the encoder the archive process
 * writes with and the decoder that reads archives back.
 *
 * The format is logstream.c's record format, version 1 (documented there,
 * once); this module follows it and changes with it.  The decoder checks
 * the CRC and every length against the record's own length before it
 * trusts a field, so a damaged archive gives -EBADMSG, never a read past
 * the buffer.  Cost: one CRC-32C pass over each record.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arcrec.h"
#include "le.h"
#include "crc32c.h"
#include "names.h"

#define WRITE_FIXED   24u
#define TOUCHED_FIXED 17u

uint32_t arcrec_crc(const uint8_t *p, size_t len)
{
	return crc32c(crc32c(0, p, 4), p + 8, len - 8);
}

size_t arcrec_size(const struct logrec *rec)
{
	size_t n = ARCREC_HEAD, i;

	switch (rec->type) {
	case LOGREC_WRITE:
		return n + WRITE_FIXED + strlen(rec->dsn) + rec->after_len +
		       rec->before_len;
	case LOGREC_TRUNCATE:
		return n + WRITE_FIXED + strlen(rec->dsn) + rec->before_len;
	case LOGREC_COMMIT:
		for (i = 0; i < rec->n_touched; i++)
			n += TOUCHED_FIXED + strlen(rec->touched[i].dsn);
		return n;
	default:
		return n;
	}
}

void arcrec_encode(const struct logrec *rec, uint8_t *buf)
{
	size_t len = arcrec_size(rec), dlen = 0, i;
	uint8_t *q = buf + ARCREC_HEAD;

	memset(buf, 0, ARCREC_HEAD);
	put32(buf, (uint32_t)len);
	put64(buf + 8, rec->lsn);
	put64(buf + 16, (uint64_t)rec->time_us);
	put64(buf + 24, rec->uow);
	buf[32] = (uint8_t)rec->type;
	switch (rec->type) {
	case LOGREC_WRITE:
	case LOGREC_TRUNCATE:
		dlen = strlen(rec->dsn);
		buf[33] = (uint8_t)dlen;
		if (rec->type == LOGREC_WRITE) {
			put64(q, rec->offset);
			put64(q + 8, rec->old_size);
			put32(q + 16, (uint32_t)rec->after_len);
			put32(q + 20, (uint32_t)rec->before_len);
		} else {
			put64(q, rec->new_size);
			put64(q + 8, rec->old_size);
			put32(q + 16, (uint32_t)rec->before_len);
			put32(q + 20, 0);
		}
		q += WRITE_FIXED;
		memcpy(q, rec->dsn, dlen);
		q += dlen;
		if (rec->after_len) {
			memcpy(q, rec->after, rec->after_len);
			q += rec->after_len;
		}
		if (rec->before_len)
			memcpy(q, rec->before, rec->before_len);
		break;
	case LOGREC_COMMIT:
		put32(buf + 36, (uint32_t)rec->n_touched);
		for (i = 0; i < rec->n_touched; i++) {
			const struct log_touched *t = &rec->touched[i];

			dlen = strlen(t->dsn);
			put64(q, t->size);
			put64(q + 8, (uint64_t)t->mtime_us);
			q[16] = (uint8_t)dlen;
			memcpy(q + TOUCHED_FIXED, t->dsn, dlen);
			q += TOUCHED_FIXED + dlen;
		}
		break;
	default:
		break;
	}
	put32(buf + 4, arcrec_crc(buf, len));
}

uint32_t arcrec_peek_len(const uint8_t *p, size_t avail)
{
	return avail < 4 ? 0 : get32(p);
}

static int dsn_take(const uint8_t *p, unsigned len, char *out)
{
	char tmp[NAMES_DSN_MAX + 1];

	if (len < 1 || len > NAMES_DSN_MAX)
		return -EBADMSG;
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	if (memchr(tmp, '\0', len) ||
	    names_dsn_check(tmp, out, NAMES_DSN_MAX + 1) < 0 ||
	    strcmp(tmp, out))
		return -EBADMSG;
	return 0;
}

static int decode_change(const uint8_t *q, const uint8_t *end, unsigned dlen,
			 struct logrec *rec)
{
	uint32_t a, b;

	if ((size_t)(end - q) < WRITE_FIXED + dlen)
		return -EBADMSG;
	a = get32(q + 16);
	b = get32(q + 20);
	if (rec->type == LOGREC_WRITE) {
		rec->offset = get64(q);
		rec->old_size = get64(q + 8);
	} else {
		rec->new_size = get64(q);
		rec->old_size = get64(q + 8);
		if (b)
			return -EBADMSG;
		b = a;
		a = 0;
	}
	q += WRITE_FIXED;
	if (dsn_take(q, dlen, rec->dsn) < 0)
		return -EBADMSG;
	q += dlen;
	if ((uint64_t)(end - q) != (uint64_t)a + b)
		return -EBADMSG;
	if (rec->type == LOGREC_WRITE && (a < 1 || b > a))
		return -EBADMSG;
	rec->after = a ? q : NULL;
	rec->after_len = a;
	rec->before = b ? q + a : NULL;
	rec->before_len = b;
	return 0;
}

static int decode_commit(const uint8_t *q, const uint8_t *end, uint32_t cnt,
			 struct logrec *rec, struct log_touched **touched,
			 size_t *cap)
{
	struct log_touched *t;
	uint32_t i;
	unsigned dlen;

	if (cnt > LOGSTREAM_TOUCHED_MAX)
		return -EBADMSG;
	if (cnt > *cap) {
		t = realloc(*touched, cnt * sizeof(*t));
		if (!t)
			return -ENOMEM;
		*touched = t;
		*cap = cnt;
	}
	for (i = 0; i < cnt; i++) {
		t = &(*touched)[i];
		if ((size_t)(end - q) < TOUCHED_FIXED)
			return -EBADMSG;
		t->size = get64(q);
		t->mtime_us = (int64_t)get64(q + 8);
		dlen = q[16];
		q += TOUCHED_FIXED;
		if ((size_t)(end - q) < dlen || dsn_take(q, dlen, t->dsn) < 0)
			return -EBADMSG;
		q += dlen;
	}
	if (q != end)
		return -EBADMSG;
	rec->touched = cnt ? *touched : NULL;
	rec->n_touched = cnt;
	return 0;
}

int arcrec_decode(const uint8_t *p, size_t len, struct logrec *rec,
		  struct log_touched **touched, size_t *touched_cap,
		  const char **why)
{
	const uint8_t *end = p + len;
	uint32_t cnt;
	int rc;

	*why = "record length out of range";
	if (len < ARCREC_HEAD || get32(p) != len)
		return -EBADMSG;
	*why = "record CRC does not match";
	if (arcrec_crc(p, len) != get32(p + 4))
		return -EBADMSG;
	memset(rec, 0, sizeof(*rec));
	rec->lsn = get64(p + 8);
	rec->time_us = (int64_t)get64(p + 16);
	rec->uow = get64(p + 24);
	rec->type = p[32];
	cnt = get32(p + 36);
	*why = "record fields out of range";
	if (p[34] || p[35] || rec->uow == 0 || rec->uow > rec->lsn)
		return -EBADMSG;
	switch (rec->type) {
	case LOGREC_BEGIN:
	case LOGREC_BACKOUT:
	case LOGREC_ABORT:
		if (p[33] || cnt || len != ARCREC_HEAD)
			return -EBADMSG;
		return 0;
	case LOGREC_WRITE:
	case LOGREC_TRUNCATE:
		if (cnt)
			return -EBADMSG;
		return decode_change(p + ARCREC_HEAD, end, p[33], rec);
	case LOGREC_COMMIT:
		if (p[33])
			return -EBADMSG;
		rc = decode_commit(p + ARCREC_HEAD, end, cnt, rec, touched,
				   touched_cap);
		return rc;
	default:
		*why = "unknown record type";
		return -EBADMSG;
	}
}
