// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz the name rules (catalog/names.c).  A name a check accepts must
 * be accepted again in the form the check hands out (the folding is
 * idempotent), must obey the promises of names.h (printable ASCII, no
 * blank, quote, backslash or slash, no leading '-' or '.'), and
 * names_quote() must stay inside its buffer and terminate it.
 */
#include "fuzz.h"
#include "names.h"

static int (*const checks[])(const char *, char *, size_t) = {
	names_dsn_check,    names_group_check,	     names_location_check,
	names_volser_check, names_pool_prefix_check,
};

static void safe_name(const char *s)
{
	const char *p;

	if (!*s || *s == '-' || *s == '.')
		abort();
	for (p = s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("'\"\\/", *p))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[128], again[128], q[NAMES_QUOTE_MAX];
	char *s = fuzz_cstr(data, size);
	unsigned i;

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		memset(out, 0, sizeof(out));
		if (checks[i](s, out, sizeof(out)) != 0)
			continue;
		safe_name(out);
		if (checks[i](out, again, sizeof(again)) != 0 ||
		    strcmp(out, again) != 0)
			abort();
		/* An out buffer too small is -ENAMETOOLONG, never a cut. */
		if (strlen(out) > 1 &&
		    checks[i](s, again, strlen(out)) != -ENAMETOOLONG)
			abort();
	}
	if (names_member_check(s) == 0)
		safe_name(s);
	memset(q, 'x', sizeof(q));
	names_quote(s, q, sizeof(q));
	if (!memchr(q, '\0', sizeof(q)))
		abort();
	for (i = 0; q[i]; i++)
		if (q[i] < 0x20 || q[i] > 0x7e || q[i] == '\'')
			abort();
	free(s);
	return 0;
}
