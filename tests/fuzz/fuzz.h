/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_FUZZ_H
#define RUV_FUZZ_H

/*
 * What the libFuzzer targets share: the entry point's prototype (the
 * project builds with -Wmissing-prototypes), a NUL-terminated copy of the
 * input for the parsers that take a string, and a memory file for those
 * that read a volume by path.
 */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A malloc'd copy of data with a NUL after it (the parser sees the
 * bytes up to the first NUL); aborts when out of memory. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* One memory file per process, its path in path: each input replaces
 * its whole content.  Aborts if that fails (not the parser's fault). */
static inline void fuzz_memfile(const uint8_t *data, size_t size, char *path,
				size_t len)
{
	static int fd = -1;
	size_t done = 0;
	ssize_t n;

	if (fd < 0) {
		fd = memfd_create("ruv-fuzz", 0);
		if (fd < 0)
			abort();
	}
	if (ftruncate(fd, 0) < 0)
		abort();
	while (done < size) {
		n = pwrite(fd, data + done, size - done, (off_t)done);
		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
}

#endif
