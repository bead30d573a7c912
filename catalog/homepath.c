// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Names inside a RUV home: joining a home and a name with a truncation
 * check.  A leaf module (see homepath.h); no state, no cost to speak of.
 */
#include <errno.h>
#include <stdio.h>

#include "errmsg.h"
#include "homepath.h"

int home_path(const char *home, const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", home, name);

	if (n < 0 || (size_t)n >= len)
		return ruv_fail(-ENAMETOOLONG, "path '%s/%s' too long", home,
				name);
	return 0;
}
