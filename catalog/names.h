/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_NAMES_H
#define RUV_NAMES_H

#include <stddef.h>

/*
 * The name rules.  Every name that reaches the repository or the tree
 * passes one of these checks first, which keeps all of them shell-safe.
 * Each returns 0, -EINVAL with a message naming the rule broken, or
 * -ENAMETOOLONG when out (which may be NULL) is too small.
 */

#define NAMES_DSN_MAX	    44
#define NAMES_QUALIFIER_MAX 8
#define NAMES_GROUP_MAX	    32
#define NAMES_LOCATION_MAX  16
#define NAMES_VOLSER_LEN    6
#define NAMES_PREFIX_MAX    3
#define NAMES_MEMBER_MAX    64

/* Data set name: 1-44 characters, qualifiers of 1-8 separated by dots,
 * each starting with A-Z or @#$, then A-Z 0-9 @#$-.  Folded to upper. */
int names_dsn_check(const char *in, char *out, size_t outlen);

/* Group: 1-32 of A-Z 0-9 @#$_-.  Folded to upper case. */
int names_group_check(const char *in, char *out, size_t outlen);

/* Location: 1-16, a letter then letters, digits, _ or -.  Case kept. */
int names_location_check(const char *in, char *out, size_t outlen);

/* VOLSER: exactly 6 of A-Z 0-9, starting with a letter.  Folded. */
int names_volser_check(const char *in, char *out, size_t outlen);

/* Pool VOLSER prefix: 1-3, a letter then letters or digits.  Folded. */
int names_pool_prefix_check(const char *in, char *out, size_t outlen);

/* JCL member file name: 1-64 of letters, digits and ._-@#$+, not
 * starting with a dot (dot files are editor scratch). */
int names_member_check(const char *in);

#endif
