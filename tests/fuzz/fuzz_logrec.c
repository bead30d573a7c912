// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz the log record reader (logreader in catalog/logstream.c): the input
 * is one segment file, put in a stream directory of its own under the
 * name its header gives (the LSN of its first record), then read to the
 * end with logreader_next() and summed up with logstream_stat().  The
 * header and record CRC-32Cs are fixed up first (but for inputs whose
 * size is a multiple of 7), so mutations reach the fields behind them.
 * What the reader hands out must keep the promises of logstream.h: LSNs
 * that go up by one, times that never go back, images and touched lists
 * within their bounds, terminated DSNs; and after -EIO, -EIO again.
 */
#include <sys/stat.h>

#include "fuzz.h"
#include "fuzz_volume.h"
#include "logstream.h"

static char dir[64];
static volatile uint32_t sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/ruv-fuzz-log-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	return 0;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)fuzz_get32(p) | (uint64_t)fuzz_get32(p + 4) << 32;
}

/* The CRCs: the header's after its n_open ids, each record's over its
 * length word and everything after the CRC. */
static void fix(unsigned char *b, size_t size)
{
	size_t pos, len;
	uint32_t crc;

	if (size < 52 || size % 7 == 0)
		return;
	len = fuzz_get32(b + 12);
	if (len < 52 || len > size)
		return;
	fuzz_fix_crc(b, len);
	for (pos = len; pos + 40 <= size; pos += len) {
		len = fuzz_get32(b + pos);
		if (len < 40 || len > size - pos)
			return;
		crc = crc32c(0, b + pos, 4);
		fuzz_put32(b + pos + 4, crc32c(crc, b + pos + 8, len - 8));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *b = malloc(size ? size : 1);
	char path[128];
	struct logreader *lr = NULL;
	struct logstream_stat st;
	struct logrec rec;
	uint64_t lsn = 0;
	int64_t t = INT64_MIN;
	size_t i;
	FILE *f;
	int rc;

	if (!b)
		abort();
	memcpy(b, data, size);
	fix(b, size);
	snprintf(path, sizeof(path), "%s/%020llu.rlog", dir,
		 size >= 24 ? (unsigned long long)get64(b + 16) : 1ULL);
	f = fopen(path, "wb");
	if (!f || fwrite(b, 1, size, f) != size || fclose(f) != 0)
		abort();
	if (logreader_open(dir, 0, &lr) == 0) {
		while ((rc = logreader_next(lr, &rec)) == 1) {
			if (lsn && rec.lsn != lsn + 1)
				abort();
			if (rec.time_us < t)
				abort();
			lsn = rec.lsn;
			t = rec.time_us;
			if (rec.type < LOGREC_BEGIN ||
			    rec.type > LOGREC_ABORT ||
			    !memchr(rec.dsn, '\0', sizeof(rec.dsn)) ||
			    rec.after_len > LOGSTREAM_IMAGE_MAX ||
			    rec.before_len > LOGSTREAM_IMAGE_MAX ||
			    rec.n_touched > LOGSTREAM_TOUCHED_MAX)
				abort();
			/* Read every byte handed out: ASan checks that they
			 * lie inside the reader's buffer. */
			sink ^= crc32c(0, rec.after, rec.after_len);
			sink ^= crc32c(0, rec.before, rec.before_len);
			for (i = 0; i < rec.n_touched; i++)
				if (!memchr(rec.touched[i].dsn, '\0',
					    sizeof(rec.touched[i].dsn)))
					abort();
		}
		if (rc == -EIO && logreader_next(lr, &rec) != -EIO)
			abort();
		if (rc != 0 && rc != -EIO)
			abort();
		logreader_close(lr);
	}
	logstream_stat(dir, &st);
	unlink(path);
	free(b);
	return 0;
}
