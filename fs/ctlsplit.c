// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ctl line splitter: a line written to ctl becomes argv for the ruv
 * program.  No shell is involved, so nothing here expands; the only
 * syntax is blanks, quotes and a leading '#'.
 *
 * Invariant: the words are written over the line itself, each no longer
 * than the text it came from, so the output never runs past the input's
 * NUL.  Cost: one pass over the line.
 */
#include <errno.h>
#include <stddef.h>

#include "ctlsplit.h"

int ctl_split_words(char *s, char **argv, int max)
{
	int argc = 0;
	char *out;
	char q;

	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			break;
		if (argc == max)
			return -E2BIG;
		argv[argc++] = out = s;
		while (*s && *s != ' ' && *s != '\t') {
			if (*s == '\'' || *s == '"') {
				q = *s++;
				while (*s && *s != q)
					*out++ = *s++;
				if (!*s)
					return -EINVAL; /* unbalanced quote */
				s++;
			} else {
				*out++ = *s++;
			}
		}
		if (*s)
			s++;
		*out = '\0';
	}
	argv[argc] = NULL;
	return argc;
}
