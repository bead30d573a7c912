// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Report writers.  Each walks the catalog once with the listing call of
 * its module and formats rows as they come: memory does not grow with
 * the number of rows.
 */
#include <errno.h>
#include <stdio.h>

#include "copy.h"
#include "pool.h"
#include "jsonw.h"
#include "report.h"
#include "rtime.h"

struct backup_rows {
	FILE *out;
	struct jsonw *j;
	unsigned long n;
};

static double ratio(const struct copy_info *ci)
{
	return ci->stored ? (double)ci->size / (double)ci->stored : 0.0;
}

static int backup_row(const struct copy_info *ci, void *arg)
{
	struct backup_rows *br = arg;
	struct jsonw *j = br->j;
	char when[RTIME_ISO_MAX], name[COPY_NAME_MAX];

	br->n++;
	copy_name(ci, name, sizeof(name));
	if (!j) {
		rtime_format_iso(ci->start_us, when, sizeof(when));
		fprintf(br->out,
			"%-44s %-27s %4u %-10s %-3s %-6s %5u %14llu "
			"%14llu %6.2f %s%s\n",
			ci->dsn, when, ci->copy_no, ci->location,
			ci->location_active ? "yes" : "no", ci->volser, ci->seq,
			(unsigned long long)ci->size,
			(unsigned long long)ci->stored, ratio(ci), name,
			ci->usable ? "" : " unusable");
		return 0;
	}
	jsonw_object_open(j);
	jsonw_key(j, "name");
	jsonw_string(j, name);
	jsonw_key(j, "dsn");
	jsonw_string(j, ci->dsn);
	jsonw_key(j, "backup_id");
	jsonw_int(j, ci->backup_id);
	jsonw_key(j, "time");
	jsonw_time(j, ci->start_us);
	jsonw_key(j, "end");
	jsonw_time(j, ci->end_us);
	jsonw_key(j, "copy");
	jsonw_uint(j, ci->copy_no);
	jsonw_key(j, "location");
	jsonw_string(j, ci->location);
	jsonw_key(j, "active");
	jsonw_bool(j, ci->location_active);
	jsonw_key(j, "usable");
	jsonw_bool(j, ci->usable);
	jsonw_key(j, "volser");
	jsonw_string(j, ci->volser);
	jsonw_key(j, "seq");
	jsonw_uint(j, ci->seq);
	jsonw_key(j, "size");
	jsonw_uint(j, ci->size);
	jsonw_key(j, "stored");
	jsonw_uint(j, ci->stored);
	jsonw_key(j, "ratio");
	jsonw_double(j, ratio(ci));
	jsonw_key(j, "changed");
	jsonw_bool(j, ci->changed);
	jsonw_object_close(j);
	return 0;
}

int report_backups(struct repo *r, const struct copy_filter *f, int json,
		   FILE *out)
{
	struct copy_filter all = { 0 };
	struct backup_rows br = { .out = out };
	int rc;

	if (!f)
		f = &all;
	if (!json) {
		fprintf(out,
			"%-44s %-27s %4s %-10s %-3s %-6s %5s %14s %14s "
			"%6s %s\n",
			"DSN", "BACKUP", "COPY", "LOCATION", "ACT", "VOLSER",
			"SEQ", "SIZE", "STORED", "RATIO", "NAME");
		return copy_list(r, f, backup_row, &br);
	}
	br.j = jsonw_new(out);
	if (!br.j)
		return -ENOMEM;
	jsonw_object_open(br.j);
	jsonw_key(br.j, "backups");
	jsonw_array_open(br.j);
	rc = copy_list(r, f, backup_row, &br);
	jsonw_array_close(br.j);
	jsonw_object_close(br.j);
	jsonw_free(br.j);
	return rc;
}

struct volume_rows {
	FILE *out;
	struct jsonw *j;
	struct repo *r;
};

static int volume_row(const struct pool_volume_info *v, void *arg)
{
	struct volume_rows *vr = arg;
	struct pool_info p = { .name = "?" };
	struct jsonw *j = vr->j;

	pool_get(vr->r, v->pool_id, &p);
	if (!j) {
		char ship[24] = "-"; /* not shipped */

		if (v->shipment_id)
			snprintf(ship, sizeof(ship), "%lld",
				 (long long)v->shipment_id);
		fprintf(vr->out, "%-6s %-8s %-7s %8llu %14llu %8s %s\n",
			v->volser, p.name, v->state,
			(unsigned long long)v->datasets,
			(unsigned long long)v->size, ship, v->path);
		return 0;
	}
	jsonw_object_open(j);
	jsonw_key(j, "volser");
	jsonw_string(j, v->volser);
	jsonw_key(j, "pool");
	jsonw_string(j, p.name);
	jsonw_key(j, "state");
	jsonw_string(j, v->state);
	jsonw_key(j, "datasets");
	jsonw_uint(j, v->datasets);
	jsonw_key(j, "size");
	jsonw_uint(j, v->size);
	jsonw_key(j, "created");
	jsonw_time(j, v->created_us);
	jsonw_key(j, "sealed");
	if (v->sealed_us)
		jsonw_time(j, v->sealed_us);
	else
		jsonw_null(j);
	jsonw_key(j, "shipment");
	if (v->shipment_id)
		jsonw_int(j, v->shipment_id);
	else
		jsonw_null(j);
	jsonw_key(j, "path");
	jsonw_string(j, v->path);
	jsonw_object_close(j);
	return 0;
}

int report_volumes(struct repo *r, int json, FILE *out)
{
	struct volume_rows vr = { .out = out, .r = r };
	int rc;

	if (!json) {
		fprintf(out, "%-6s %-8s %-7s %8s %14s %8s %s\n", "VOLSER",
			"POOL", "STATE", "DATASETS", "SIZE", "SHIPMENT",
			"PATH");
		return pool_volume_list(r, 0, 0, 0, volume_row, &vr);
	}
	vr.j = jsonw_new(out);
	if (!vr.j)
		return -ENOMEM;
	jsonw_object_open(vr.j);
	jsonw_key(vr.j, "volumes");
	jsonw_array_open(vr.j);
	rc = pool_volume_list(r, 0, 0, 0, volume_row, &vr);
	jsonw_array_close(vr.j);
	jsonw_object_close(vr.j);
	jsonw_free(vr.j);
	return rc;
}
