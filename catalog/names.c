// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Name rules.  Pure functions over bytes: ASCII only, so no locale can
 * change what is accepted.  Non-ASCII bytes are shown as \xNN in messages
 * so a message never carries a broken character to a terminal.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "errmsg.h"
#include "names.h"

static int is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static int is_alpha(int c)
{
	return is_upper(c) || (c >= 'a' && c <= 'z');
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int fold(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* Printable form of one byte for messages. */
static const char *show(unsigned char c, char buf[8])
{
	if (c >= 0x21 && c < 0x7f)
		snprintf(buf, 8, "%c", c);
	else if (c == ' ')
		snprintf(buf, 8, "space");
	else
		snprintf(buf, 8, "\\x%02x", c);
	return buf;
}

/* Copy in folded (or not) to out; -ENAMETOOLONG if it does not fit. */
static int put(const char *in, size_t n, int upper, char *out, size_t outlen)
{
	size_t i;

	if (!out)
		return 0;
	if (outlen < n + 1)
		return -ENAMETOOLONG;
	for (i = 0; i < n; i++)
		out[i] = (char)(upper ? fold((unsigned char)in[i]) : in[i]);
	out[n] = '\0';
	return 0;
}

/* Show the name safely in messages: non-printable bytes escaped. */
static const char *quote(const char *in, char *buf, size_t len)
{
	size_t o = 0;
	char tmp[8];

	for (; *in && o + 5 < len; in++) {
		show((unsigned char)*in, tmp);
		if ((unsigned char)*in == ' ')
			strcpy(tmp, " ");
		o += (size_t)snprintf(buf + o, len - o, "%s", tmp);
	}
	buf[o] = '\0';
	return buf;
}

int names_dsn_check(const char *in, char *out, size_t outlen)
{
	char q[160], b[8], qual[NAMES_DSN_MAX + 1];
	size_t n = strlen(in), start = 0, i;
	int c;

	if (n == 0)
		return ruv_fail(-EINVAL, "empty DSN");
	if (n > NAMES_DSN_MAX)
		return ruv_fail(-EINVAL,
				"DSN '%s' is too long: %zu characters,"
				" at most %d",
				quote(in, q, sizeof(q)), n, NAMES_DSN_MAX);
	for (i = 0; i <= n; i++) {
		if (i < n && in[i] != '.')
			continue;
		if (i == start)
			return ruv_fail(-EINVAL,
					"DSN '%s': empty qualifier "
					"(qualifiers are 1-%d characters "
					"between dots)",
					quote(in, q, sizeof(q)),
					NAMES_QUALIFIER_MAX);
		snprintf(qual, sizeof(qual), "%.*s", (int)(i - start),
			 in + start);
		if (i - start > NAMES_QUALIFIER_MAX)
			return ruv_fail(-EINVAL,
					"DSN '%s': qualifier '%s' is "
					"longer than %d characters",
					quote(in, q, sizeof(q)), qual,
					NAMES_QUALIFIER_MAX);
		c = (unsigned char)in[start];
		if (!is_alpha(c) && !strchr("@#$", c))
			return ruv_fail(-EINVAL,
					"DSN '%s': bad first character"
					" '%s' in qualifier '%s' (a letter or "
					"@#$)",
					quote(in, q, sizeof(q)),
					show((unsigned char)c, b),
					quote(qual, q + 80, 80));
		start = i + 1;
	}
	for (i = 0; i < n; i++) {
		c = (unsigned char)in[i];
		if (!is_alpha(c) && !is_digit(c) && !strchr("@#$-.", c))
			return ruv_fail(-EINVAL,
					"DSN '%s': bad character '%s'"
					" (letters, digits, @#$- only)",
					quote(in, q, sizeof(q)),
					show((unsigned char)c, b));
	}
	return put(in, n, 1, out, outlen);
}

/* A name of 1..max characters of letters/digits and the extra set,
 * optionally requiring a letter first. */
static int simple_check(const char *what, const char *in, size_t max,
			const char *extra, int letter_first, int upper,
			char *out, size_t outlen)
{
	size_t n = strlen(in), i;
	char q[160], b[8];
	int c;

	if (n == 0)
		return ruv_fail(-EINVAL, "empty %s name", what);
	if (n > max)
		return ruv_fail(-EINVAL,
				"%s name '%s' is too long: %zu "
				"characters, at most %zu",
				what, quote(in, q, sizeof(q)), n, max);
	if (letter_first && !is_alpha((unsigned char)in[0]))
		return ruv_fail(-EINVAL,
				"%s name '%s' must start with a "
				"letter",
				what, quote(in, q, sizeof(q)));
	for (i = 0; i < n; i++) {
		c = (unsigned char)in[i];
		if (!is_alpha(c) && !is_digit(c) && !(c && strchr(extra, c)))
			return ruv_fail(-EINVAL,
					"%s name '%s': bad character "
					"'%s' (letters, digits%s%s only)",
					what, quote(in, q, sizeof(q)),
					show((unsigned char)c, b),
					*extra ? ", " : "", extra);
	}
	return put(in, n, upper, out, outlen);
}

int names_group_check(const char *in, char *out, size_t outlen)
{
	return simple_check("group", in, NAMES_GROUP_MAX, "@#$_-", 0, 1, out,
			    outlen);
}

int names_location_check(const char *in, char *out, size_t outlen)
{
	return simple_check("location", in, NAMES_LOCATION_MAX, "_-", 1, 0, out,
			    outlen);
}

int names_pool_prefix_check(const char *in, char *out, size_t outlen)
{
	return simple_check("VOLSER prefix", in, NAMES_PREFIX_MAX, "", 1, 1,
			    out, outlen);
}

int names_volser_check(const char *in, char *out, size_t outlen)
{
	char q[160];
	int rc;

	rc = simple_check("VOLSER", in, NAMES_VOLSER_LEN, "", 1, 1, out,
			  outlen);
	if (rc == 0 && strlen(in) != NAMES_VOLSER_LEN)
		return ruv_fail(-EINVAL,
				"VOLSER '%s' must be exactly %d "
				"characters",
				quote(in, q, sizeof(q)), NAMES_VOLSER_LEN);
	return rc;
}

int names_member_check(const char *in)
{
	char q[160];
	int rc;

	if (in[0] == '.')
		return ruv_fail(-EINVAL, "member name '%s' starts with a dot",
				quote(in, q, sizeof(q)));
	rc = simple_check("member", in, NAMES_MEMBER_MAX, "._-@#$+", 0, 0, NULL,
			  0);
	return rc;
}
