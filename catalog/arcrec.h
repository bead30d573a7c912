/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_ARCREC_H
#define RUV_ARCREC_H

#include <stddef.h>
#include <stdint.h>

#include "logstream.h"

/*
 * Log records as bytes, outside a segment: the record format of
 * logstream.c (version 1), which is also the content of an archive data
 * set (archive.h).  Encoding a record the reader returned gives back, byte
 * for byte, the record as it stands in its segment (every field is
 * determined by the record, the padding is zero).
 */

#define ARCREC_HEAD 40u

/* The CRC-32C a record of len bytes at p carries at offset 4: over its
 * length field and everything after the CRC. */
uint32_t arcrec_crc(const uint8_t *p, size_t len);

/* Bytes the record takes encoded. */
size_t arcrec_size(const struct logrec *rec);

/* Encode rec into buf (arcrec_size(rec) bytes, the caller's). */
void arcrec_encode(const struct logrec *rec, uint8_t *buf);

/*
 * The length field of the record starting at p (avail >= 4 bytes there):
 * 0 if avail < 4.  Does not check anything else.
 */
uint32_t arcrec_peek_len(const uint8_t *p, size_t avail);

/*
 * Decode the whole record at p (len bytes, its length field says len):
 * check its CRC and fields, fill *rec (pointers into p; touched into
 * *touched, grown with realloc: free it when done).  0, or -EBADMSG with
 * *why set to a static phrase, or -ENOMEM.
 */
int arcrec_decode(const uint8_t *p, size_t len, struct logrec *rec,
		  struct log_touched **touched, size_t *touched_cap,
		  const char **why);

#endif
