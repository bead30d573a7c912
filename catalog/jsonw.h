/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_JSONW_H
#define RUV_JSONW_H

#include <stdint.h>
#include <stdio.h>

/*
 * A streaming JSON writer for reports (the CLI's --json, the tree's .json
 * twins).  It places commas and colons itself; the caller says what comes
 * next.  Output is compact, one document per jsonw_new()/jsonw_free(),
 * ending in a newline.  Strings are escaped per RFC 8259; bytes that are
 * not valid UTF-8 are written as U+FFFD so the output always parses.
 * Errors of the stream are the FILE's (check ferror()).
 */

struct jsonw;

/* NULL on allocation failure. */
struct jsonw *jsonw_new(FILE *f);
/* Writes the final newline; accepts NULL. */
void jsonw_free(struct jsonw *j);

void jsonw_object_open(struct jsonw *j);
void jsonw_object_close(struct jsonw *j);
void jsonw_array_open(struct jsonw *j);
void jsonw_array_close(struct jsonw *j);
/* Inside an object: the key of the next value. */
void jsonw_key(struct jsonw *j, const char *key);

void jsonw_string(struct jsonw *j, const char *s);
void jsonw_int(struct jsonw *j, int64_t v);
void jsonw_uint(struct jsonw *j, uint64_t v);
void jsonw_double(struct jsonw *j, double v);
void jsonw_bool(struct jsonw *j, int v);
void jsonw_null(struct jsonw *j);
/* A time as an ISO 8601 UTC string. */
void jsonw_time(struct jsonw *j, int64_t us);

#endif
