/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_NAMES_H
#define RUV_NAMES_H

#include <stddef.h>

/*
 * The name rules.  Every name that reaches the repository or the tree
 * passes one of these checks first.
 *
 * What the rules guarantee: a name is 1 or more bytes of printable ASCII
 * with no space, quote, backslash, slash or control character, and does
 * not start with '-' or '.'.  So a name is safe as one path component,
 * safe inside single quotes in a shell, and never taken for an option.
 * It is not safe unquoted: '$' and '#' are legal (mainframe names use
 * them).
 *
 * Every check takes a NUL-terminated in (NULL is treated as "") and
 * returns:
 *   0              the name is good; if out is not NULL the name, folded
 *                  to upper case where the rule says so, is copied there;
 *   -EINVAL        it breaks a rule; ruv_lasterr() names the name (quoted,
 *                  escaped) and the rule, e.g.
 *                  "DSN 'PAY..X': empty qualifier (...)";
 *   -ENAMETOOLONG  the name is good but out is too small for it (a bug in
 *                  the caller: size out with the *_MAX macros below).
 * On failure out is left untouched.  Only ASCII counts: no locale changes
 * what is accepted, and bytes >= 0x80 are bad characters, shown as \xNN.
 */

#define NAMES_DSN_MAX	    44 /* characters, dots included */
#define NAMES_QUALIFIER_MAX 8
#define NAMES_GROUP_MAX	    32
#define NAMES_LOCATION_MAX  16
#define NAMES_VOLSER_LEN    6
#define NAMES_PREFIX_MAX    3
#define NAMES_MEMBER_MAX    64
#define NAMES_QUOTE_MAX	    96 /* buffer for names_quote() */

/* Data set name: 1-44 characters; qualifiers of 1-8 characters separated
 * by single dots (so no leading, trailing or double dot); each qualifier
 * starts with A-Z or @#$, then A-Z 0-9 @#$-.  Folded to upper case, so
 * "pay.master" is PAY.MASTER.  out: NAMES_DSN_MAX + 1 bytes. */
int names_dsn_check(const char *in, char *out, size_t outlen);

/* Group: 1-32 of A-Z 0-9 @#$_-, not starting with '-'.  Folded to upper
 * case, as data set names are, so "payroll" and "PAYROLL" are one group.
 * out: NAMES_GROUP_MAX + 1 bytes. */
int names_group_check(const char *in, char *out, size_t outlen);

/* Location: 1-16, a letter then letters, digits, _ or -.  Case is kept
 * ("Offsite"); callers compare locations without regard to case.
 * out: NAMES_LOCATION_MAX + 1 bytes. */
int names_location_check(const char *in, char *out, size_t outlen);

/* VOLSER: exactly 6 of A-Z 0-9, starting with a letter.  Folded to upper
 * case.  out: NAMES_VOLSER_LEN + 1 bytes. */
int names_volser_check(const char *in, char *out, size_t outlen);

/* Pool VOLSER prefix: 1-3, a letter then letters or digits.  Folded to
 * upper case.  out: NAMES_PREFIX_MAX + 1 bytes. */
int names_pool_prefix_check(const char *in, char *out, size_t outlen);

/* JCL library member file name: 1-64 of letters, digits and ._-@#$+,
 * not starting with '.' (dot files are editor scratch) nor '-'.  Case is
 * kept (it is a file name).  0 or -EINVAL. */
int names_member_check(const char *in);

/* The printable form of untrusted text for a message: bytes outside
 * 0x20-0x7e, and the quote and backslash, become \xNN; text that does not
 * fit in len bytes is cut and ends in "...".  Returns buf (len >= 8;
 * NAMES_QUOTE_MAX is a good size).  Never fails. */
const char *names_quote(const char *in, char *buf, size_t len);

#endif
