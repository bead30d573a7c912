// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The archive report (archive.h): one row per archive copy, ordinary and
 * consolidated, oldest first.  One query: the copies joined to their
 * archive, data set, volume and location, the ranges per stream gathered
 * in a subquery.  Cost: one pass over the archive copies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "catalog_int.h"
#include "copy.h"
#include "jsonw.h"
#include "rtime.h"

struct report_rows {
	FILE *out;
	struct jsonw *j;
};

static int report_row(sqlite3_stmt *st, void *arg)
{
	struct report_rows *rr = arg;
	struct jsonw *j = rr->j;
	char name[COPY_NAME_MAX], kind[16], ranges[1024], loc[64], volser[8];
	char first[RTIME_ISO_MAX], last[RTIME_ISO_MAX], into[24];
	int64_t id = sqlite3_column_int64(st, 0);
	int64_t first_us = sqlite3_column_int64(st, 1);
	int64_t last_us = sqlite3_column_int64(st, 2);
	int64_t into_id = sqlite3_column_int64(st, 3);
	unsigned copy_no = (unsigned)sqlite3_column_int(st, 5);
	int active = sqlite3_column_int(st, 7), usable;
	uint64_t seq = (uint64_t)sqlite3_column_int64(st, 9);
	uint64_t size = (uint64_t)sqlite3_column_int64(st, 10);
	uint64_t stored = (uint64_t)sqlite3_column_int64(st, 11);

	repo_column_text(st, 4, kind, sizeof(kind));
	repo_column_text(st, 6, loc, sizeof(loc));
	repo_column_text(st, 8, volser, sizeof(volser));
	repo_column_text(st, 12, name, sizeof(name));
	repo_column_text(st, 13, ranges, sizeof(ranges));
	usable = sqlite3_column_int(st, 14);
	if (!j) {
		rtime_format_iso(first_us, first, sizeof(first));
		rtime_format_iso(last_us, last, sizeof(last));
		if (into_id)
			snprintf(into, sizeof(into), "A%lld",
				 (long long)into_id);
		else
			snprintf(into, sizeof(into), "-");
		fprintf(rr->out,
			"%-40s %-9s %-27s %-27s %4u %-10s %-3s %-6s %5llu "
			"%14llu %14llu %-8s %s%s\n",
			name, kind, first, last, copy_no, loc,
			active ? "yes" : "no", volser, (unsigned long long)seq,
			(unsigned long long)size, (unsigned long long)stored,
			into, ranges, usable ? "" : " unusable");
		return 0;
	}
	jsonw_object_open(j);
	jsonw_key(j, "name");
	jsonw_string(j, name);
	jsonw_key(j, "archive_id");
	jsonw_int(j, id);
	jsonw_key(j, "kind");
	jsonw_string(j, kind);
	jsonw_key(j, "first");
	jsonw_time(j, first_us);
	jsonw_key(j, "last");
	jsonw_time(j, last_us);
	jsonw_key(j, "ranges");
	jsonw_array_open(j);
	/* "STREAM:FIRST-LAST" words, as the subquery joins them */
	{
		char *save = NULL, *w, *dash, *colon;

		for (w = strtok_r(ranges, " ", &save); w;
		     w = strtok_r(NULL, " ", &save)) {
			colon = strrchr(w, ':');
			dash = colon ? strchr(colon, '-') : NULL;
			if (!dash)
				continue;
			*colon = *dash = '\0';
			jsonw_object_open(j);
			jsonw_key(j, "stream");
			jsonw_string(j, w);
			jsonw_key(j, "first_lsn");
			jsonw_uint(j, strtoull(colon + 1, NULL, 10));
			jsonw_key(j, "last_lsn");
			jsonw_uint(j, strtoull(dash + 1, NULL, 10));
			jsonw_object_close(j);
		}
	}
	jsonw_array_close(j);
	jsonw_key(j, "consolidated_into");
	if (into_id)
		jsonw_int(j, into_id);
	else
		jsonw_null(j);
	jsonw_key(j, "copy");
	jsonw_uint(j, copy_no);
	jsonw_key(j, "location");
	jsonw_string(j, loc);
	jsonw_key(j, "active");
	jsonw_bool(j, active);
	jsonw_key(j, "usable");
	jsonw_bool(j, usable);
	jsonw_key(j, "volser");
	jsonw_string(j, volser);
	jsonw_key(j, "seq");
	jsonw_uint(j, seq);
	jsonw_key(j, "size");
	jsonw_uint(j, size);
	jsonw_key(j, "stored");
	jsonw_uint(j, stored);
	jsonw_object_close(j);
	return 0;
}

int archive_report(struct repo *r, int json, FILE *out)
{
	struct report_rows rr = { .out = out };
	int rc;

	if (!json)
		fprintf(out,
			"%-40s %-9s %-27s %-27s %4s %-10s %-3s %-6s %5s %14s "
			"%14s %-8s %s\n",
			"NAME", "KIND", "FIRST", "LAST", "COPY", "LOCATION",
			"ACT", "VOLSER", "SEQ", "SIZE", "STORED", "INTO",
			"STREAM:LSNS");
	else {
		rr.j = jsonw_new(out);
		if (!rr.j)
			return -ENOMEM;
		jsonw_object_open(rr.j);
		jsonw_key(rr.j, "archives");
		jsonw_array_open(rr.j);
	}
	rc = repo_each(r,
		       "SELECT a.id, a.first_us, a.last_us,"
		       " a.consolidated_into, d.kind, c.copy_no, l.name,"
		       " l.active, v.volser, d.seq, d.raw_size, "
		       "d.stored_size, " COPY_SQL_NAME
		       ", (SELECT group_concat(s.name || ':' ||"
		       " ar.first_lsn || '-' || ar.last_lsn, ' ')"
		       " FROM archive_range ar JOIN log_stream s"
		       " ON s.id = ar.stream_id WHERE ar.archive_id = a.id),"
		       " c.usable" COPY_SQL_FROM
		       " JOIN archive a ON a.id = c.archive_id"
		       " ORDER BY a.last_us, a.id, c.copy_no",
		       NULL, report_row, &rr);
	if (rr.j) {
		jsonw_array_close(rr.j);
		jsonw_object_close(rr.j);
		fputc('\n', out);
		jsonw_free(rr.j);
	}
	return rc;
}
