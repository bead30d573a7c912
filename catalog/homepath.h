/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_HOMEPATH_H
#define RUV_HOMEPATH_H

#include <stddef.h>

/*
 * Names inside a RUV home.  A leaf: it includes nothing of the catalog,
 * so home.c, pool.c and volcat.c can all use it without including each
 * other.
 */

/* path/name into buf; -ENAMETOOLONG (message) if it does not fit. */
int home_path(const char *home, const char *name, char *buf, size_t len);

#endif
