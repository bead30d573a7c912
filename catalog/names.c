// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Name rules: data set names, groups, locations, VOLSERs, pool prefixes
 * and JCL member files.  Pure functions over bytes, ASCII only, so no
 * locale can change what is accepted; no allocation, no shared state
 * beyond the per-thread message, so any thread may call them.  Cost is
 * one pass over the name.
 *
 * Invariants: a check either accepts and writes the whole (folded) name
 * to out, or refuses and leaves out as it was.  Messages show names
 * through names_quote(), so a message never carries a control character
 * or a broken UTF-8 sequence to a terminal.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "errmsg.h"
#include "names.h"

static int is_alpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* c is one of the characters in set; never matches the NUL. */
static int in_set(int c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

static int fold(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* Shown as itself in messages; everything else as \xNN. */
static int is_plain(int c)
{
	return c >= 0x20 && c < 0x7f && c != '\'' && c != '\\';
}

/* names_quote() of the n bytes at in. */
static const char *quote_n(const char *in, size_t n, char *buf, size_t len)
{
	size_t full = 0, room, o = 0, i;

	if (len < 8) {
		/* Too small to say anything useful; documented as a misuse. */
		if (len)
			buf[0] = '\0';
		return buf;
	}
	for (i = 0; i < n; i++)
		full += is_plain((unsigned char)in[i]) ? 1 : 4;
	/* Cut text keeps room for "..." and the NUL. */
	room = full < len ? full : len - 4;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (is_plain(c)) {
			if (o + 1 > room)
				break;
			buf[o++] = (char)c;
		} else {
			if (o + 4 > room)
				break;
			snprintf(buf + o, 5, "\\x%02x", c);
			o += 4;
		}
	}
	if (i < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

const char *names_quote(const char *in, char *buf, size_t len)
{
	return quote_n(in ? in : "", in ? strlen(in) : 0, buf, len);
}

/* Copy in to out, folded or not, once the name has passed its rule. */
static int put(const char *what, const char *in, size_t n, int upper, char *out,
	       size_t outlen)
{
	char q[NAMES_QUOTE_MAX];
	size_t i;

	if (!out)
		return 0;
	if (outlen < n + 1)
		return ruv_fail(-ENAMETOOLONG,
				"%s '%s': %zu bytes are too few to hold it",
				what, names_quote(in, q, sizeof(q)), outlen);
	for (i = 0; i < n; i++)
		out[i] = (char)(upper ? fold((unsigned char)in[i]) : in[i]);
	out[n] = '\0';
	return 0;
}

/* One qualifier of a DSN: the n bytes at in, within the whole name dsn. */
static int dsn_qualifier(const char *dsn, const char *in, size_t n)
{
	char q[NAMES_QUOTE_MAX], qual[NAMES_QUOTE_MAX], b[8];
	size_t i;
	int c;

	if (n == 0)
		return ruv_fail(-EINVAL,
				"DSN '%s': empty qualifier (qualifiers are "
				"1-%d characters between single dots)",
				names_quote(dsn, q, sizeof(q)),
				NAMES_QUALIFIER_MAX);
	quote_n(in, n, qual, sizeof(qual));
	if (n > NAMES_QUALIFIER_MAX)
		return ruv_fail(-EINVAL,
				"DSN '%s': qualifier '%s' longer than %d "
				"characters (%zu)",
				names_quote(dsn, q, sizeof(q)), qual,
				NAMES_QUALIFIER_MAX, n);
	c = (unsigned char)in[0];
	if (!is_alpha(c) && !in_set(c, "@#$"))
		return ruv_fail(-EINVAL,
				"DSN '%s': bad first character '%s' in "
				"qualifier '%s' (a letter or @#$)",
				names_quote(dsn, q, sizeof(q)),
				quote_n(in, 1, b, sizeof(b)), qual);
	for (i = 1; i < n; i++) {
		c = (unsigned char)in[i];
		if (!is_alpha(c) && !is_digit(c) && !in_set(c, "@#$-"))
			return ruv_fail(-EINVAL,
					"DSN '%s': bad character '%s' in "
					"qualifier '%s' (letters, digits "
					"and @#$- only)",
					names_quote(dsn, q, sizeof(q)),
					quote_n(in + i, 1, b, sizeof(b)), qual);
	}
	return 0;
}

int names_dsn_check(const char *in, char *out, size_t outlen)
{
	char q[NAMES_QUOTE_MAX];
	size_t n, start = 0, i;
	int rc;

	if (!in)
		in = "";
	n = strlen(in);
	if (n == 0)
		return ruv_fail(-EINVAL, "DSN '': empty (1-%d characters)",
				NAMES_DSN_MAX);
	if (n > NAMES_DSN_MAX)
		return ruv_fail(-EINVAL,
				"DSN '%s': too long (%zu characters, at "
				"most %d)",
				names_quote(in, q, sizeof(q)), n,
				NAMES_DSN_MAX);
	for (i = 0; i <= n; i++) {
		if (i < n && in[i] != '.')
			continue;
		rc = dsn_qualifier(in, in + start, i - start);
		if (rc < 0)
			return rc;
		start = i + 1;
	}
	return put("DSN", in, n, 1, out, outlen);
}

/*
 * A rule for a name that is one run of characters.  Letters are always
 * allowed; first_extra and rest_extra add to them for the first character
 * and for the others.  form says the rule in words for messages.
 */
struct name_rule {
	const char *what;
	size_t min, max;
	int digit_first;
	const char *first_extra;
	const char *rest_extra;
	int upper;
	const char *form;
	const char *first_form;
};

static const struct name_rule group_rule = {
	.what = "group",
	.min = 1,
	.max = NAMES_GROUP_MAX,
	.digit_first = 1,
	.first_extra = "@#$_",
	.rest_extra = "@#$_-",
	.upper = 1,
	.form = "letters, digits and @#$_- only",
	.first_form = "may not start with '-'",
};

static const struct name_rule location_rule = {
	.what = "location",
	.min = 1,
	.max = NAMES_LOCATION_MAX,
	.first_extra = "",
	.rest_extra = "_-",
	.form = "letters, digits, _ and - only",
	.first_form = "must start with a letter",
};

static const struct name_rule volser_rule = {
	.what = "VOLSER",
	.min = NAMES_VOLSER_LEN,
	.max = NAMES_VOLSER_LEN,
	.first_extra = "",
	.rest_extra = "",
	.upper = 1,
	.form = "letters and digits only",
	.first_form = "must start with a letter",
};

static const struct name_rule prefix_rule = {
	.what = "pool prefix",
	.min = 1,
	.max = NAMES_PREFIX_MAX,
	.first_extra = "",
	.rest_extra = "",
	.upper = 1,
	.form = "letters and digits only",
	.first_form = "must start with a letter",
};

static const struct name_rule member_rule = {
	.what = "member",
	.min = 1,
	.max = NAMES_MEMBER_MAX,
	.digit_first = 1,
	.first_extra = "_@#$+",
	.rest_extra = "._-@#$+",
	.form = "letters, digits and ._-@#$+ only",
	.first_form = "may not start with '.' or '-'",
};

static int rule_length(const struct name_rule *r, const char *in, size_t n)
{
	char q[NAMES_QUOTE_MAX];

	if (n == 0)
		return ruv_fail(-EINVAL, "%s '': empty", r->what);
	if (r->min == r->max && n != r->min)
		return ruv_fail(-EINVAL,
				"%s '%s': %zu characters, must be exactly "
				"%zu",
				r->what, names_quote(in, q, sizeof(q)), n,
				r->min);
	if (n < r->min)
		return ruv_fail(-EINVAL,
				"%s '%s': too short (%zu characters, at "
				"least %zu)",
				r->what, names_quote(in, q, sizeof(q)), n,
				r->min);
	if (n > r->max)
		return ruv_fail(-EINVAL,
				"%s '%s': too long (%zu characters, at "
				"most %zu)",
				r->what, names_quote(in, q, sizeof(q)), n,
				r->max);
	return 0;
}

static int rule_check(const struct name_rule *r, const char *in, char *out,
		      size_t outlen)
{
	char q[NAMES_QUOTE_MAX], b[8];
	size_t n, i;
	int c, rc;

	if (!in)
		in = "";
	n = strlen(in);
	rc = rule_length(r, in, n);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		c = (unsigned char)in[i];
		if (!is_alpha(c) && !is_digit(c) && !in_set(c, r->rest_extra))
			return ruv_fail(
				-EINVAL, "%s '%s': bad character '%s' (%s)",
				r->what, names_quote(in, q, sizeof(q)),
				quote_n(in + i, 1, b, sizeof(b)), r->form);
		if (i == 0 && !is_alpha(c) &&
		    !(r->digit_first && is_digit(c)) &&
		    !in_set(c, r->first_extra))
			return ruv_fail(-EINVAL,
					"%s '%s': bad first character '%s' "
					"(%s)",
					r->what, names_quote(in, q, sizeof(q)),
					quote_n(in, 1, b, sizeof(b)),
					r->first_form);
	}
	return put(r->what, in, n, r->upper, out, outlen);
}

int names_group_check(const char *in, char *out, size_t outlen)
{
	return rule_check(&group_rule, in, out, outlen);
}

int names_location_check(const char *in, char *out, size_t outlen)
{
	return rule_check(&location_rule, in, out, outlen);
}

int names_volser_check(const char *in, char *out, size_t outlen)
{
	return rule_check(&volser_rule, in, out, outlen);
}

int names_pool_prefix_check(const char *in, char *out, size_t outlen)
{
	return rule_check(&prefix_rule, in, out, outlen);
}

int names_member_check(const char *in)
{
	return rule_check(&member_rule, in, NULL, 0);
}
