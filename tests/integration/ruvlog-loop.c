// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A writer that never stops, for the kill -9 test (t0063): through
 * libruvlog, units of one to four changes (writes of up to 16 KiB at
 * random offsets, now and then a truncate) to one registered file, each
 * change logged, then made, then the unit committed.  Prints "started"
 * once the stream is open.
 *
 *   ruvlog-loop HOME STREAM DSN PATH
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ruvlog.h"

static void die(const char *what)
{
	fprintf(stderr, "ruvlog-loop: %s: %s\n", what, ruvlog_lasterr());
	exit(1);
}

int main(int argc, char **argv)
{
	static char buf[16 << 10];
	struct ruvlog *l;
	uint64_t uow, off;
	size_t len, i;
	int fd, k, n;

	if (argc != 5) {
		fprintf(stderr, "usage: ruvlog-loop HOME STREAM DSN PATH\n");
		return 2;
	}
	fd = open(argv[4], O_WRONLY);
	if (fd < 0 || ruvlog_open(argv[1], argv[2], &l) < 0)
		die("open");
	printf("started\n");
	fflush(stdout);
	srand((unsigned)getpid());
	for (i = 0;; i++) {
		if (ruvlog_begin(l, &uow) < 0)
			die("begin");
		n = 1 + rand() % 4;
		for (k = 0; k < n; k++) {
			/* the application's own work between changes, so
			 * that kills find units open */
			usleep((useconds_t)(rand() % 3000));
			if (rand() % 8 == 0) {
				off = (uint64_t)(rand() % (256 << 10));
				if (ruvlog_truncate(l, uow, argv[3], off) < 0 ||
				    ftruncate(fd, (off_t)off) < 0)
					die("truncate");
				continue;
			}
			len = 1 + (size_t)rand() % sizeof(buf);
			off = (uint64_t)(rand() % (256 << 10));
			memset(buf, 'a' + (int)(i % 26), len);
			if (ruvlog_write(l, uow, argv[3], off, buf, len) < 0 ||
			    pwrite(fd, buf, len, (off_t)off) != (ssize_t)len)
				die("write");
		}
		if (ruvlog_commit(l, uow) < 0)
			die("commit");
	}
}
