// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pull list and shipments.
 *
 * The pull list walks the volumes that hold Staging copies, and for each
 * one its Staging copies (the copy listing filtered by volume and
 * location): one indexed query per volume, rows streamed to the report.
 * Committing seals the volumes first (waiting for a writer, outside any
 * transaction), then in one transaction records the shipment with its
 * report, a history row per moved copy (one INSERT ... SELECT a volume,
 * so 100k copies stay one pass), moves the copies and marks the volumes
 * shipped.  A volume that already left refuses the commit: it keeps its
 * first shipment.  A copy that
 * lands in Staging on a new volume meanwhile waits for the next list.
 *
 * Export first checks every data set of every volume of the shipment
 * against its stored checksums (a damaged shipment exports nothing), then
 * copies the volume files with a running CRC-32C, syncs them, and reads
 * each one back to compare: what leaves for the vault is sound and is
 * exactly what the repository catalogued.  Cost: each volume is read
 * three times.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog_int.h"
#include "copy.h"
#include "crc32c.h"
#include "errmsg.h"
#include "history.h"
#include "jsonw.h"
#include "pool.h"
#include "rtime.h"
#include "shipment.h"
#include "volume.h"

#define STAGING "Staging"
#define OFFSITE "Offsite"

struct id_array {
	int64_t *v;
	unsigned n, cap;
};

static int append_id(sqlite3_stmt *st, void *arg)
{
	struct id_array *a = arg;
	int64_t *nv;

	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 16;
		nv = realloc(a->v, a->cap * sizeof(*a->v));
		if (!nv)
			return -ENOMEM;
		a->v = nv;
	}
	a->v[a->n++] = sqlite3_column_int64(st, 0);
	return 0;
}

/* Volumes holding Staging copies, by VOLSER: ids and count. */
static int staging_volumes(struct repo *r, int64_t **ids, unsigned *n)
{
	struct id_array a = { 0 };
	int rc;

	rc = repo_each(r,
		       "SELECT DISTINCT d.volume_id, v.volser FROM copy c"
		       " JOIN location l ON l.id = c.location_id"
		       " JOIN dataset d ON d.id = c.dataset_id"
		       " JOIN volume v ON v.id = d.volume_id"
		       " WHERE l.name = '" STAGING "' ORDER BY v.volser",
		       NULL, append_id, &a);
	if (rc < 0) {
		free(a.v);
		a.v = NULL;
		a.n = 0;
	}
	*ids = a.v;
	*n = a.n;
	return rc;
}

struct rows {
	FILE *out;
	struct jsonw *j;
	uint64_t copies, bytes;
};

static int copy_row(const struct copy_info *ci, void *arg)
{
	struct rows *rw = arg;
	char name[COPY_NAME_MAX], when[RTIME_ISO_MAX];

	rw->copies++;
	rw->bytes += ci->stored;
	copy_name(ci, name, sizeof(name));
	rtime_format_iso(ci->start_us, when, sizeof(when));
	if (!rw->j) {
		fprintf(rw->out, "  %-58s %-27s %4u %14llu %14llu\n", name,
			when, ci->copy_no, (unsigned long long)ci->size,
			(unsigned long long)ci->stored);
		return 0;
	}
	jsonw_object_open(rw->j);
	jsonw_key(rw->j, "name");
	jsonw_string(rw->j, name);
	jsonw_key(rw->j, "dsn");
	jsonw_string(rw->j, ci->dsn);
	jsonw_key(rw->j, "time");
	jsonw_string(rw->j, when);
	jsonw_key(rw->j, "copy");
	jsonw_uint(rw->j, ci->copy_no);
	jsonw_key(rw->j, "seq");
	jsonw_uint(rw->j, ci->seq);
	jsonw_key(rw->j, "size");
	jsonw_uint(rw->j, ci->size);
	jsonw_key(rw->j, "stored");
	jsonw_uint(rw->j, ci->stored);
	jsonw_object_close(rw->j);
	return 0;
}

/* The report over the given volumes, as it stands in this transaction. */
static int write_report(struct repo *r, const int64_t *vols, unsigned n,
			int json, FILE *out, uint64_t *ncopies)
{
	struct copy_filter cf = { .location = STAGING };
	struct rows rw = { .out = out };
	struct pool_volume_info v;
	struct pool_info p;
	char when[RTIME_ISO_MAX];
	unsigned i;
	int rc = 0;

	rtime_format_iso(rtime_now(), when, sizeof(when));
	if (json) {
		rw.j = jsonw_new(out);
		if (!rw.j)
			return -ENOMEM;
		jsonw_object_open(rw.j);
		jsonw_key(rw.j, "time");
		jsonw_string(rw.j, when);
		jsonw_key(rw.j, "volumes");
		jsonw_array_open(rw.j);
	} else {
		fprintf(out,
			"PULL LIST %s: the copies in " STAGING ", by volume\n",
			when);
	}
	for (i = 0; i < n && rc == 0; i++) {
		rc = pool_volume_get(r, vols[i], &v);
		if (rc == 0)
			rc = pool_get(r, v.pool_id, &p);
		if (rc < 0)
			break;
		if (rw.j) {
			jsonw_object_open(rw.j);
			jsonw_key(rw.j, "volser");
			jsonw_string(rw.j, v.volser);
			jsonw_key(rw.j, "pool");
			jsonw_string(rw.j, p.name);
			jsonw_key(rw.j, "state");
			jsonw_string(rw.j, v.state);
			jsonw_key(rw.j, "size");
			jsonw_uint(rw.j, v.size);
			jsonw_key(rw.j, "copies");
			jsonw_array_open(rw.j);
		} else {
			fprintf(out, "\nVOLSER %s  pool %s  %s  %llu bytes\n",
				v.volser, p.name, v.state,
				(unsigned long long)v.size);
		}
		cf.volser = v.volser;
		rc = copy_list(r, &cf, copy_row, &rw);
		if (rw.j) {
			jsonw_array_close(rw.j);
			jsonw_object_close(rw.j);
		}
	}
	if (rw.j) {
		jsonw_array_close(rw.j);
		jsonw_key(rw.j, "copies");
		jsonw_uint(rw.j, rw.copies);
		jsonw_key(rw.j, "bytes");
		jsonw_uint(rw.j, rw.bytes);
		jsonw_object_close(rw.j);
		jsonw_free(rw.j);
	} else {
		fprintf(out, "\n%llu copies, %llu bytes, on %u volumes\n",
			(unsigned long long)rw.copies,
			(unsigned long long)rw.bytes, n);
	}
	if (ncopies)
		*ncopies = rw.copies;
	return rc;
}

int pull_list_report(struct repo *r, int json, FILE *out, uint64_t *ncopies)
{
	int64_t *vols;
	unsigned n;
	int rc;

	rc = staging_volumes(r, &vols, &n);
	if (rc < 0)
		return rc;
	rc = write_report(r, vols, n, json, out, ncopies);
	free(vols);
	return rc;
}

/* Inside the transaction: record, move, mark. */
static int ship(struct repo *r, const int64_t *vols, unsigned n,
		const char *report, int64_t *id)
{
	char msg[96];
	unsigned i;
	int rc;

	rc = repo_run(r,
		      "INSERT INTO shipment(created_us, report)"
		      " VALUES (?, ?)",
		      REPO_ARGS(REPO_INT(rtime_now()), REPO_TEXT(report)));
	if (rc < 0)
		return rc;
	*id = sqlite3_last_insert_rowid(r->db);
	snprintf(msg, sizeof(msg), STAGING " -> " OFFSITE " (shipment %lld)",
		 (long long)*id);
	for (i = 0; i < n && rc == 0; i++) {
		/* Every moved copy in the history: one statement a volume,
		 * in volume order (driven from the volume's data sets, not
		 * from every Staging copy). */
		rc = repo_run(r,
			      "INSERT INTO history(time_us, action, subject,"
			      " outcome, message)"
			      " SELECT ?1, 'pull-list commit', " COPY_SQL_NAME
			      ", 'ok', ?2" COPY_SQL_FROM
			      " WHERE l.name = '" STAGING "'"
			      " AND d.volume_id = ?3 ORDER BY d.seq, c.id",
			      REPO_ARGS(REPO_INT(rtime_now()), REPO_TEXT(msg),
					REPO_INT(vols[i])));
		if (rc == 0)
			rc = repo_run(
				r,
				"UPDATE copy SET location_id = (SELECT id FROM"
				" location WHERE name = '" OFFSITE "')"
				" WHERE location_id = (SELECT id FROM location"
				" WHERE name = '" STAGING "') AND dataset_id IN"
				" (SELECT id FROM dataset WHERE volume_id = "
				"?1)",
				REPO_ARGS(REPO_INT(vols[i])));
		if (rc == 0)
			rc = repo_run(
				r,
				"UPDATE volume SET state = 'shipped',"
				" shipment_id = ?2 WHERE id = ?1",
				REPO_ARGS(REPO_INT(vols[i]), REPO_INT(*id)));
	}
	snprintf(msg, sizeof(msg), "shipment %lld, %u volumes", (long long)*id,
		 n);
	if (rc == 0)
		rc = history_add(r, "pull-list commit", "", 0, msg);
	return rc;
}

int pull_list_commit(struct repo *r, int json, FILE *out, int64_t *shipment_id)
{
	struct pool_volume_info v;
	char *report = NULL;
	size_t len = 0;
	FILE *mem = NULL;
	int64_t *vols;
	unsigned n, i;
	int rc;

	*shipment_id = 0;
	rc = staging_volumes(r, &vols, &n);
	if (rc == 0 && n == 0 && json) /* the empty report */
		rc = write_report(r, vols, 0, 1, out, NULL);
	if (rc < 0 || n == 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++) {
		rc = pool_volume_get(r, vols[i], &v);
		if (rc == 0 && v.shipment_id)
			rc = ruv_fail(
				-EEXIST,
				"volume %s left in shipment %lld, yet "
				"holds copies in " STAGING
				" (relocated back): relocate them to " OFFSITE
				" (or elsewhere) first",
				v.volser, (long long)v.shipment_id);
	}
	for (i = 0; i < n && rc == 0; i++) {
		rc = pool_volume_get(r, vols[i], &v);
		if (rc == 0)
			rc = pool_seal_volume(r, v.volser);
	}
	if (rc < 0)
		goto out;
	rc = repo_begin(r);
	if (rc < 0)
		goto out;
	mem = open_memstream(&report, &len);
	if (!mem) {
		rc = -ENOMEM;
		goto rollback;
	}
	rc = write_report(r, vols, n, 0, mem, NULL);
	if (fclose(mem) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc == 0 && json)
		rc = write_report(r, vols, n, 1, out, NULL);
	else if (rc == 0)
		fputs(report, out);
	if (rc == 0)
		rc = ship(r, vols, n, report, shipment_id);
	if (rc == 0)
		rc = repo_commit(r);
rollback:
	if (rc < 0) {
		repo_rollback(r);
		*shipment_id = 0;
	}
out:
	free(report);
	free(vols);
	return rc;
}

/* Shipments and their volumes. */
static int shipment_rows(struct repo *r, int64_t only, int json, FILE *out,
			 int with_report)
{
	sqlite3_stmt *st = NULL, *vs = NULL;
	struct jsonw *j = NULL;
	char when[RTIME_ISO_MAX];
	int64_t id;
	int src, vsrc, rc, seen = 0;

	rc = repo_prepare(r,
			  "SELECT id, created_us, report FROM shipment"
			  " WHERE ?1 = 0 OR id = ?1 ORDER BY id",
			  &st);
	if (rc == 0)
		rc = repo_prepare(r,
				  "SELECT volser, size FROM volume"
				  " WHERE shipment_id = ? ORDER BY volser",
				  &vs);
	if (rc < 0)
		goto out;
	sqlite3_bind_int64(st, 1, only);
	if (json) {
		j = jsonw_new(out);
		if (!j) {
			rc = -ENOMEM;
			goto out;
		}
		if (!only) {
			jsonw_object_open(j);
			jsonw_key(j, "shipments");
			jsonw_array_open(j);
		}
	}
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		seen++;
		id = sqlite3_column_int64(st, 0);
		rtime_format_iso(sqlite3_column_int64(st, 1), when,
				 sizeof(when));
		if (j) {
			jsonw_object_open(j);
			jsonw_key(j, "id");
			jsonw_int(j, id);
			jsonw_key(j, "time");
			jsonw_string(j, when);
			jsonw_key(j, "volumes");
			jsonw_array_open(j);
		} else {
			fprintf(out, "%lld %s", (long long)id, when);
		}
		sqlite3_reset(vs);
		sqlite3_bind_int64(vs, 1, id);
		while ((vsrc = sqlite3_step(vs)) == SQLITE_ROW) {
			if (j)
				jsonw_string(j,
					     (const char *)sqlite3_column_text(
						     vs, 0));
			else
				fprintf(out, " %s", sqlite3_column_text(vs, 0));
		}
		if (j) {
			jsonw_array_close(j);
			if (with_report) {
				jsonw_key(j, "report");
				jsonw_string(j,
					     (const char *)sqlite3_column_text(
						     st, 2));
			}
			jsonw_object_close(j);
		} else {
			fputc('\n', out);
			if (with_report)
				fprintf(out, "\n%s",
					sqlite3_column_text(st, 2));
		}
	}
	if (src != SQLITE_DONE)
		rc = repo_errno(r, src);
	else if (only && !seen)
		rc = ruv_fail(-ENOENT, "no shipment %lld", (long long)only);
	if (j) {
		if (!only) {
			jsonw_array_close(j);
			jsonw_object_close(j);
		}
		jsonw_free(j);
	}
out:
	repo_finalize(r, st);
	repo_finalize(r, vs);
	return rc;
}

int shipment_list(struct repo *r, int json, FILE *out)
{
	return shipment_rows(r, 0, json, out, 0);
}

int shipment_show(struct repo *r, int64_t id, int json, FILE *out)
{
	if (id <= 0)
		return ruv_fail(-ENOENT, "no shipment %lld", (long long)id);
	return shipment_rows(r, id, json, out, 1);
}

/* Copy src to dst through a temporary name; returns the CRC of what was
 * read, checked against a second read of what was written. */
static int copy_checked(const char *src, const char *dir, const char *volser,
			uint64_t *bytes)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	unsigned char *buf = NULL;
	uint32_t crc_in = 0, crc_out = 0;
	int in = -1, out = -1, rc = 0;
	ssize_t n, w;

	if (snprintf(dst, sizeof(dst), "%s/%s", dir, volser) >=
		    (int)sizeof(dst) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.part", dir, volser) >=
		    (int)sizeof(tmp))
		return ruv_fail(-ENAMETOOLONG, "'%s': path too long", dir);
	buf = malloc(1 << 20);
	if (!buf)
		return -ENOMEM;
	*bytes = 0;
	in = volume_open_file(src, O_RDONLY);
	if (in < 0) {
		rc = in;
		if (rc != -EINVAL) /* else it said why */
			ruv_fail(rc, "volume %s ('%s'): %s", volser, src,
				 strerror(-rc));
		goto out;
	}
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		rc = -errno;
		ruv_fail(rc, "cannot write in '%s': %s", dir, strerror(-rc));
		goto out;
	}
	while ((n = read(in, buf, 1 << 20)) > 0) {
		crc_in = crc32c(crc_in, buf, (size_t)n);
		for (w = 0; w < n;) {
			ssize_t k = write(out, buf + w, (size_t)(n - w));

			if (k < 0) {
				rc = -errno;
				ruv_fail(rc, "cannot write '%s': %s", tmp,
					 strerror(-rc));
				goto out;
			}
			w += k;
		}
		*bytes += (uint64_t)n;
	}
	if (n < 0 || fsync(out) < 0) {
		rc = -errno;
		ruv_fail(rc, "volume %s: %s", volser, strerror(-rc));
		goto out;
	}
	/* Read back what landed on the medium. */
	if (lseek(out, 0, SEEK_SET) < 0) {
		rc = -errno;
		goto out;
	}
	close(out);
	out = open(tmp, O_RDONLY | O_CLOEXEC);
	if (out < 0) {
		rc = -errno;
		goto out;
	}
	posix_fadvise(out, 0, 0, POSIX_FADV_DONTNEED);
	while ((n = read(out, buf, 1 << 20)) > 0)
		crc_out = crc32c(crc_out, buf, (size_t)n);
	if (crc_in != crc_out) {
		rc = ruv_fail(-EIO,
			      "volume %s: the copy in '%s' does not "
			      "read back the same",
			      volser, dir);
		goto out;
	}
	if (rename(tmp, dst) < 0) {
		rc = -errno;
		ruv_fail(rc, "cannot write '%s': %s", dst, strerror(-rc));
	}
out:
	if (rc < 0)
		unlink(tmp);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	free(buf);
	return rc;
}

struct verify {
	const char *path, *volser;
};

static int verify_ds(const struct volume_dataset_info *di, void *arg)
{
	const struct verify *v = arg;
	struct volume_reader *vr = NULL;
	int rc;

	if (di->state != VOLUME_DS_COMPLETE)
		return ruv_fail(-EIO,
				"volume %s ('%s'): data set %u '%s' is %s; "
				"nothing exported",
				v->volser, v->path, di->seq, di->name,
				di->state == VOLUME_DS_TORN ? "torn"
							    : "damaged");
	rc = volume_reader_open(v->path, di->offset, di->length, &vr);
	if (rc == 0)
		rc = volume_reader_verify(vr);
	volume_reader_close(vr);
	if (rc < 0)
		return ruv_fail(rc,
				"volume %s: data set %u '%s' does not "
				"verify; nothing exported: %s",
				v->volser, di->seq, di->name,
				*ruv_lasterr() ? ruv_lasterr() : strerror(-rc));
	return 0;
}

/* Every data set on the volume file, chunk by chunk. */
static int verify_volume(const char *path, const char *volser)
{
	struct verify v = { path, volser };
	int rc;

	ruv_clearerr();
	rc = volume_scan(path, verify_ds, &v, NULL);
	return rc < 0 ? rc : 0;
}

static int export_pass(struct repo *r, sqlite3_stmt *st, const char *dir,
		       void (*cb)(const char *volser, uint64_t bytes, void *),
		       void *arg, int *n)
{
	char volser[8], path[PATH_MAX];
	uint64_t bytes = 0;
	int src, rc = 0;

	*n = 0;
	sqlite3_reset(st);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		(*n)++;
		repo_column_text(st, 0, volser, sizeof(volser));
		rc = pool_volume_path(r, volser, path, sizeof(path));
		if (rc == 0 && !dir)
			rc = verify_volume(path, volser);
		else if (rc == 0)
			rc = copy_checked(path, dir, volser, &bytes);
		if (rc < 0)
			return rc;
		if (dir && cb)
			cb(volser, bytes, arg);
	}
	return src == SQLITE_DONE ? 0 : repo_errno(r, src);
}

int shipment_export(struct repo *r, int64_t id, const char *dir,
		    void (*cb)(const char *volser, uint64_t bytes, void *),
		    void *arg)
{
	sqlite3_stmt *st = NULL;
	struct stat sb;
	int rc, n = 0, dfd;

	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return ruv_fail(-ENOENT, "'%s' is not a directory", dir);
	rc = repo_prepare(r,
			  "SELECT volser FROM volume WHERE shipment_id = ?"
			  " ORDER BY volser",
			  &st);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	/* Verify all, then copy all: a damaged shipment leaves nothing. */
	rc = export_pass(r, st, NULL, NULL, NULL, &n);
	if (rc == 0 && !n)
		rc = ruv_fail(-ENOENT, "no shipment %lld", (long long)id);
	if (rc == 0)
		rc = export_pass(r, st, dir, cb, arg, &n);
	if (rc < 0)
		goto out;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	repo_finalize(r, st);
	return rc;
}

/* Volumes holding a Staging copy: from the copies of that location
 * (copy_location index), each one's data set by primary key. */
#define PENDING_VOLUMES                                                        \
	"SELECT DISTINCT d.volume_id FROM copy c"                              \
	" JOIN dataset d ON d.id = c.dataset_id"                               \
	" WHERE c.location_id = (SELECT id FROM location"                      \
	"  WHERE name = '" STAGING "')"

struct volume_walk {
	int (*cb)(int64_t volume_id, void *);
	void *arg;
};

static int volume_row(sqlite3_stmt *st, void *arg)
{
	struct volume_walk *w = arg;

	return w->cb(sqlite3_column_int64(st, 0), w->arg);
}

int shipment_volume_page(struct repo *r, int64_t id, int64_t after_id,
			 unsigned limit, int (*cb)(int64_t volume_id, void *),
			 void *arg)
{
	struct volume_walk w = { cb, arg };

	/* The pending query has no ?1: its id binds nothing. */
	return repo_each(r,
			 id ? "SELECT id FROM volume WHERE shipment_id = ?1"
			      " AND id > ?2 ORDER BY id LIMIT ?3"
			    : PENDING_VOLUMES " AND d.volume_id > ?2"
					      " ORDER BY d.volume_id LIMIT ?3",
			 REPO_ARGS(REPO_INT(id), REPO_INT(after_id),
				   REPO_INT(limit ? (int64_t)limit : -1)),
			 volume_row, &w);
}

int shipment_has_volume(struct repo *r, int64_t id, int64_t volume_id)
{
	int rc;

	rc = repo_one(r,
		      id ? "SELECT 1 FROM volume WHERE id = ?2"
			   " AND shipment_id = ?1"
			 : "SELECT 1 FROM dataset d"
			   " JOIN copy c ON c.dataset_id = d.id"
			   " WHERE d.volume_id = ?2 AND c.location_id ="
			   " (SELECT id FROM location WHERE name = '" STAGING
			   "') LIMIT 1",
		      REPO_ARGS(REPO_INT(id), REPO_INT(volume_id)), NULL, NULL);
	return rc == 0 ? 1 : rc == -ENOENT ? 0 : rc;
}

struct shipment_walk {
	int (*cb)(int64_t id, int64_t time_us, void *);
	void *arg;
};

static int shipment_row(sqlite3_stmt *st, void *arg)
{
	struct shipment_walk *w = arg;

	return w->cb(sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
		     w->arg);
}

int shipment_ids(struct repo *r, int64_t after_id,
		 int (*cb)(int64_t id, int64_t time_us, void *), void *arg)
{
	struct shipment_walk w = { cb, arg };

	return repo_each(r,
			 "SELECT id, created_us FROM shipment WHERE id > ?"
			 " ORDER BY id",
			 REPO_ARGS(REPO_INT(after_id)), shipment_row, &w);
}

int shipment_time(struct repo *r, int64_t id, int64_t *time_us)
{
	return repo_one(r, "SELECT created_us FROM shipment WHERE id = ?",
			REPO_ARGS(REPO_INT(id)), repo_row_int64, time_us);
}
