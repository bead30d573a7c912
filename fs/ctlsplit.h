/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_CTLSPLIT_H
#define RUV_CTLSPLIT_H

/*
 * Where a line written to ctl becomes the words of a ruv command line.
 * FUSE-free, so that it can be tested and fuzzed on its own.
 */

/*
 * Split s in place into words: blanks (space, tab) separate, '...' and
 * "..." quote (the quotes go, the text between them stays, blanks
 * included), a word starting with '#' starts a comment that ends the
 * line.  argv gets at most max words and a NULL after them, so it must
 * hold max + 1 pointers into s.  Returns the number of words (0 for a
 * blank line or a comment), -EINVAL for an unbalanced quote, -E2BIG for
 * more than max words.
 */
int ctl_split_words(char *s, char **argv, int max);

#endif
