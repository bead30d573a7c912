// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * jreplay: apply the records of a log stream to copies of the files, for
 * the tests of the journaling mount.
 *
 *   jreplay [--committed] [--from-lsn N] STREAMDIR FILESDIR
 *
 * FILESDIR holds one file per DSN, named by the DSN, with the bytes the
 * file had before the first record applied.  Records are applied in LSN
 * order: WRITE is a pwrite of its after-image, TRUNCATE an ftruncate.
 * Without --committed every WRITE and TRUNCATE is applied and each is
 * checked against the copy first (its old size and before-image must be
 * what the copy holds there: the stream must describe every change, in
 * order).  With --committed only the records of units that have a COMMIT
 * are applied, unchecked.  Either way the records of a unit that has a
 * BACKOUT are left out (its changes were undone or never made).  A first
 * pass finds the units.
 *
 * Prints one line: "records N begin N write N truncate N commit N
 * backout N abort N last_lsn N".  Exit 0; 1 when a check fails or the
 * stream is damaged (the message says where); 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "logstream.h"

struct uows {
	uint64_t *v;
	size_t n, cap;
};

static int uows_add(struct uows *u, uint64_t x)
{
	if (u->n == u->cap) {
		size_t cap = u->cap ? 2 * u->cap : 256;
		uint64_t *v = realloc(u->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		u->v = v;
		u->cap = cap;
	}
	u->v[u->n++] = x;
	return 0;
}

static int uows_has(const struct uows *u, uint64_t x)
{
	size_t i;

	for (i = u->n; i-- > 0;)
		if (u->v[i] == x)
			return 1;
	return 0;
}

static int ended_units(const char *dir, uint64_t from, struct uows *done,
		       struct uows *undone)
{
	struct logreader *lr = NULL;
	struct logrec rec;
	int rc = logreader_open(dir, from, &lr);

	while (rc >= 0 && (rc = logreader_next(lr, &rec)) == 1)
		if (rec.type == LOGREC_COMMIT)
			rc = uows_add(done, rec.uow);
		else if (rec.type == LOGREC_BACKOUT)
			rc = uows_add(undone, rec.uow);
	logreader_close(lr);
	return rc;
}

static int check_bytes(int fd, const struct logrec *rec, uint64_t off)
{
	char *buf;
	ssize_t k;
	int rc = 0;

	if (rec->before_len == 0)
		return 0;
	buf = malloc(rec->before_len);
	if (!buf)
		return -ENOMEM;
	k = pread(fd, buf, rec->before_len, (off_t)off);
	if (k != (ssize_t)rec->before_len ||
	    memcmp(buf, rec->before, rec->before_len) != 0)
		rc = -EILSEQ;
	free(buf);
	return rc;
}

static int apply(const char *files, const struct logrec *rec, int check)
{
	char path[4096];
	struct stat st;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", files, rec->dsn);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "jreplay: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	if (check && (uint64_t)st.st_size != rec->old_size) {
		fprintf(stderr,
			"jreplay: LSN %" PRIu64 " %s: old size %" PRIu64
			", the copy has %jd\n",
			rec->lsn, rec->dsn, rec->old_size,
			(intmax_t)st.st_size);
		rc = -EILSEQ;
	} else if (check &&
		   check_bytes(fd, rec,
			       rec->type == LOGREC_WRITE ? rec->offset
							 : rec->new_size) < 0) {
		fprintf(stderr,
			"jreplay: LSN %" PRIu64 " %s: before-image differs "
			"from the copy\n",
			rec->lsn, rec->dsn);
		rc = -EILSEQ;
	} else if (rec->type == LOGREC_WRITE) {
		if (pwrite(fd, rec->after, rec->after_len,
			   (off_t)rec->offset) != (ssize_t)rec->after_len)
			rc = -EIO;
	} else if (ftruncate(fd, (off_t)rec->new_size) < 0) {
		rc = -EIO;
	}
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	uint64_t from = 0, count[8] = { 0 }, last = 0, n = 0;
	struct logreader *lr = NULL;
	struct uows done = { 0 }, undone = { 0 };
	struct logrec rec;
	int committed = 0, i = 1, rc;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--committed") == 0)
			committed = 1;
		else if (strcmp(argv[i], "--from-lsn") == 0 && i + 1 < argc)
			from = strtoull(argv[++i], NULL, 10);
		else
			break;
	}
	if (argc - i != 2) {
		fputs("usage: jreplay [--committed] [--from-lsn N] STREAMDIR "
		      "FILESDIR\n",
		      stderr);
		return 2;
	}
	rc = ended_units(argv[i], from, &done, &undone);
	if (rc >= 0)
		rc = logreader_open(argv[i], from, &lr);
	while (rc >= 0 && (rc = logreader_next(lr, &rec)) == 1) {
		n++;
		last = rec.lsn;
		if (rec.type > 0 && rec.type < 8)
			count[rec.type]++;
		if (rec.type != LOGREC_WRITE && rec.type != LOGREC_TRUNCATE)
			continue;
		if ((committed && !uows_has(&done, rec.uow)) ||
		    uows_has(&undone, rec.uow))
			continue;
		rc = apply(argv[i + 1], &rec, !committed);
	}
	logreader_close(lr);
	free(done.v);
	free(undone.v);
	if (rc < 0) {
		fprintf(stderr, "jreplay: %s: %s\n", argv[i],
			*ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
		return 1;
	}
	printf("records %" PRIu64 " begin %" PRIu64 " write %" PRIu64
	       " truncate %" PRIu64 " commit %" PRIu64 " backout %" PRIu64
	       " abort %" PRIu64 " last_lsn %" PRIu64 "\n",
	       n, count[LOGREC_BEGIN], count[LOGREC_WRITE],
	       count[LOGREC_TRUNCATE], count[LOGREC_COMMIT],
	       count[LOGREC_BACKOUT], count[LOGREC_ABORT], last);
	return 0;
}
