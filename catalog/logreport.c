// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The log stream report: logcat_list_stats() as text for people and JSON
 * for programs, into a stream the caller owns (a memory stream for the
 * tree's reports/logs.txt|.json).  The rows and keys are those of
 * `ruv log list`, so a script reads either.  Cost: one query, and for
 * each stream its segment headers and the tail of its last segment.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "jsonw.h"
#include "logcat.h"
#include "logreport.h"
#include "logstream.h"
#include "rtime.h"

static const char *kind_name(int kind)
{
	return kind == LOGCAT_JOURNAL ? "journal" : "application";
}

/* "-" for an empty stream's time. */
static const char *time_or_dash(int64_t us, uint64_t lsn, char *buf, size_t len)
{
	if (!lsn)
		return "-";
	rtime_format_iso(us, buf, len);
	return buf;
}

static int row_text(const struct logcat_info *li,
		    const struct logstream_stat *st, void *arg)
{
	char t1[RTIME_ISO_MAX], t2[RTIME_ISO_MAX];

	fprintf((FILE *)arg,
		"%-32s %-11s %10" PRIu64 " %10" PRIu64 " %-27s %-27s %10" PRIu64
		" %12" PRIu64 " %s\n",
		li->name, kind_name(li->kind), st->first_lsn, st->last_lsn,
		time_or_dash(st->first_us, st->first_lsn, t1, sizeof(t1)),
		time_or_dash(st->last_us, st->last_lsn, t2, sizeof(t2)),
		li->archived_lsn, st->bytes, li->dir);
	return 0;
}

static void time_or_null(struct jsonw *j, int64_t us, uint64_t lsn)
{
	if (lsn)
		jsonw_time(j, us);
	else
		jsonw_null(j);
}

static int row_json(const struct logcat_info *li,
		    const struct logstream_stat *st, void *arg)
{
	struct jsonw *j = arg;

	jsonw_object_open(j);
	jsonw_key(j, "name");
	jsonw_string(j, li->name);
	jsonw_key(j, "kind");
	jsonw_string(j, kind_name(li->kind));
	jsonw_key(j, "dir");
	jsonw_string(j, li->dir);
	jsonw_key(j, "first_lsn");
	jsonw_uint(j, st->first_lsn);
	jsonw_key(j, "last_lsn");
	jsonw_uint(j, st->last_lsn);
	jsonw_key(j, "first_time");
	time_or_null(j, st->first_us, st->first_lsn);
	jsonw_key(j, "last_time");
	time_or_null(j, st->last_us, st->last_lsn);
	jsonw_key(j, "archived_lsn");
	jsonw_uint(j, li->archived_lsn);
	jsonw_key(j, "bytes");
	jsonw_uint(j, st->bytes);
	jsonw_object_close(j);
	return 0;
}

int report_logs(struct repo *r, int json, FILE *out)
{
	struct jsonw *j;
	int rc;

	if (!json) {
		fprintf(out, "%-32s %-11s %10s %10s %-27s %-27s %10s %12s %s\n",
			"NAME", "KIND", "FIRST_LSN", "LAST_LSN", "FIRST_TIME",
			"LAST_TIME", "ARCHIVED", "BYTES", "DIR");
		return logcat_list_stats(r, row_text, out);
	}
	j = jsonw_new(out);
	if (!j)
		return -ENOMEM;
	jsonw_object_open(j);
	jsonw_key(j, "streams");
	jsonw_array_open(j);
	rc = logcat_list_stats(r, row_json, j);
	jsonw_array_close(j);
	jsonw_object_close(j);
	jsonw_free(j);
	return rc;
}
