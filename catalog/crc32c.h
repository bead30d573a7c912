/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_CRC32C_H
#define RUV_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * CRC-32C (Castagnoli), as iSCSI and ext4 use it: crc32c(0, "123456789",
 * 9) == 0xE3069283.  Pass the previous result as crc to continue a
 * running checksum.  Uses the SSE4.2 instruction where the processor has
 * it, a table otherwise; both give the same values.  Thread-safe.
 */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

/* The table version, always (for tests and comparison). */
uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len);

/* 1 if crc32c() runs on the processor's crc32 instruction, else 0. */
int crc32c_accelerated(void);

#endif
