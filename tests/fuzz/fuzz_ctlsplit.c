// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz the ctl line splitter (ctlbuf_split in fs/ctlbuf.c): any line of
 * up to the buffer ruvfs copies it into.  Checks that every word lies inside
 * the line, that the word list ends with NULL, and that no word is longer than
 * the text it came from.
 */
#include "fuzz.h"
#include "ctlbuf.h"

#define LINE_MAX_LEN CTLBUF_LINE_MAX /* as fs/ctl.c */
#define ARGS_MAX     128

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[LINE_MAX_LEN], *words[ARGS_MAX + 1];
	size_t n = size < sizeof(line) - 1 ? size : sizeof(line) - 1;
	size_t len;
	int argc, i;

	memcpy(line, data, n);
	line[n] = '\0';
	len = strlen(line);
	argc = ctlbuf_split(line, words, ARGS_MAX);
	if (argc < 0) {
		if (argc != -EINVAL && argc != -E2BIG)
			abort();
		return 0;
	}
	if (argc > ARGS_MAX || words[argc] != NULL)
		abort();
	for (i = 0; i < argc; i++) {
		if (words[i] < line || words[i] > line + len)
			abort();
		if (words[i] + strlen(words[i]) > line + len)
			abort();
		if (words[i][0] == '#' && i == 0 && data[0] == '#')
			abort(); /* a comment is no word */
	}
	return 0;
}
