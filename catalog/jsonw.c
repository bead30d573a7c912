// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Streaming JSON writer.  The state is one flag per open container:
 * whether a value has been written in it yet (a comma is due).  Nesting
 * deeper than JSONW_DEPTH is a programming error (assert): reports are
 * a few levels deep.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "rtime.h"

#define JSONW_DEPTH 16

struct jsonw {
	FILE *f;
	int depth;
	int after_key; /* a key was written: the value needs no comma */
	unsigned char nonempty[JSONW_DEPTH];
};

struct jsonw *jsonw_new(FILE *f)
{
	struct jsonw *j = calloc(1, sizeof(*j));

	if (j)
		j->f = f;
	return j;
}

void jsonw_free(struct jsonw *j)
{
	if (!j)
		return;
	fputc('\n', j->f);
	free(j);
}

/* Before any value or key: the comma that separates it from the last. */
static void sep(struct jsonw *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->depth > 0) {
		if (j->nonempty[j->depth - 1])
			fputc(',', j->f);
		j->nonempty[j->depth - 1] = 1;
	}
}

static void open_container(struct jsonw *j, int c)
{
	sep(j);
	assert(j->depth < JSONW_DEPTH);
	fputc(c, j->f);
	j->nonempty[j->depth++] = 0;
}

static void close_container(struct jsonw *j, int c)
{
	assert(j->depth > 0);
	j->depth--;
	fputc(c, j->f);
}

void jsonw_object_open(struct jsonw *j)
{
	open_container(j, '{');
}

void jsonw_object_close(struct jsonw *j)
{
	close_container(j, '}');
}

void jsonw_array_open(struct jsonw *j)
{
	open_container(j, '[');
}

void jsonw_array_close(struct jsonw *j)
{
	close_container(j, ']');
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void put_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', f);
	while (*s) {
		switch (*s) {
		case '"':
			fputs("\\\"", f);
			s++;
			continue;
		case '\\':
			fputs("\\\\", f);
			s++;
			continue;
		case '\n':
			fputs("\\n", f);
			s++;
			continue;
		case '\r':
			fputs("\\r", f);
			s++;
			continue;
		case '\t':
			fputs("\\t", f);
			s++;
			continue;
		default:
			break;
		}
		if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s);
			s++;
			continue;
		}
		n = utf8_len(s);
		if (!n) {
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		fwrite(s, 1, n, f);
		s += n;
	}
	fputc('"', f);
}

void jsonw_key(struct jsonw *j, const char *key)
{
	sep(j);
	put_string(j->f, key);
	fputc(':', j->f);
	j->after_key = 1;
}

void jsonw_string(struct jsonw *j, const char *s)
{
	sep(j);
	put_string(j->f, s ? s : "");
}

void jsonw_int(struct jsonw *j, int64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRId64, v);
}

void jsonw_uint(struct jsonw *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRIu64, v);
}

void jsonw_double(struct jsonw *j, double v)
{
	sep(j);
	fprintf(j->f, "%.6g", v);
}

void jsonw_bool(struct jsonw *j, int v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

void jsonw_null(struct jsonw *j)
{
	sep(j);
	fputs("null", j->f);
}

void jsonw_time(struct jsonw *j, int64_t us)
{
	char buf[RTIME_ISO_MAX];

	rtime_format_iso(us, buf, sizeof(buf));
	jsonw_string(j, buf);
}
