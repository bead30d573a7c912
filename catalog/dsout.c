// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Data sets written to every configured copy from one stream of bytes.
 *
 * The bytes are gathered into a chunk of the configured chunk size; a
 * full chunk is compressed once (volume_chunk_compress(), as lz4 -1) and
 * the frame put to the data set of every copy, exactly as a file backup
 * does.  Each copy has its own volume, taken with pool_acquire() for the
 * life of the handle, so the data sets of one handle follow one another
 * on that volume: cutting back after a failed registration truncates
 * each volume to where the first unregistered data set began.
 *
 * Cost: one compression per chunk, one write per copy, one fdatasync per
 * data set and copy.  Memory: one chunk and one frame buffer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_int.h"
#include "dsout.h"
#include "errmsg.h"
#include "pool.h"

struct dsout {
	const struct config *cfg;
	const char *home;
	struct repo *r;
	struct pool_warn warn;
	unsigned ncopies;
	struct pool_writer *w[CONFIG_MAX_COPIES];
	struct volume_writer *vw[CONFIG_MAX_COPIES]; /* the open data set */
	unsigned char *raw;			     /* chunk_size bytes */
	size_t fill;				     /* bytes in raw */
	unsigned char *frame; /* volume_chunk_bound(chunk_size) */
	size_t frame_cap;
	int open;     /* a data set is being written */
	int rc;	      /* sticky error of the open data set */
	unsigned nds; /* data sets written since the last registration */
	struct volume_dataset_info ds[DSOUT_MAX][CONFIG_MAX_COPIES];
	uint64_t stored[DSOUT_MAX];
	uint64_t raw_total[DSOUT_MAX];
};

static int acquire(struct dsout *o)
{
	unsigned i;
	int rc;

	for (i = 0; i < o->ncopies; i++) {
		if (o->w[i])
			continue;
		rc = pool_acquire(o->r, o->home, o->cfg->copy_pool[i], &o->warn,
				  &o->w[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int dsout_open(struct repo *r, const char *home, const struct config *cfg,
	       void (*warn)(void *, const char *), void *warn_arg,
	       struct dsout **out)
{
	struct dsout *o;
	int rc;

	o = calloc(1, sizeof(*o));
	if (!o)
		return ruv_fail(-ENOMEM, "out of memory");
	o->cfg = cfg;
	o->home = home;
	o->r = r;
	o->warn.fn = warn;
	o->warn.arg = warn_arg;
	o->ncopies = cfg->copies;
	o->frame_cap = volume_chunk_bound(cfg->chunk_size);
	o->raw = malloc(cfg->chunk_size);
	o->frame = malloc(o->frame_cap);
	if (!o->raw || !o->frame) {
		rc = ruv_fail(-ENOMEM, "out of memory");
		goto fail;
	}
	rc = acquire(o);
	if (rc < 0)
		goto fail;
	*out = o;
	return 0;
fail:
	dsout_close(o);
	return rc;
}

static void abort_open(struct dsout *o)
{
	unsigned i;

	for (i = 0; i < o->ncopies; i++) {
		volume_dataset_abort(o->vw[i]);
		o->vw[i] = NULL;
	}
	o->open = 0;
	o->fill = 0;
}

int dsout_begin(struct dsout *o, uint32_t kind, const char *name,
		const char *source, const char *meta)
{
	char buf[VOLUME_META_MAX];
	unsigned i;
	int rc;

	if (o->open)
		return -EBUSY;
	if (o->nds >= DSOUT_MAX)
		return -ENOSPC;
	rc = acquire(o);
	if (rc < 0)
		return rc;
	for (i = 0; i < o->ncopies; i++) {
		if (snprintf(buf, sizeof(buf), "%scopy=%u\n", meta, i + 1) >=
		    (int)sizeof(buf)) {
			rc = ruv_fail(-EINVAL,
				      "data set '%s': description "
				      "too long",
				      name);
			goto fail;
		}
		rc = volume_dataset_begin(o->w[i]->vol, kind, name, source,
					  o->cfg->chunk_size, buf,
					  strlen(buf) + 1, &o->vw[i]);
		if (rc < 0)
			goto fail;
	}
	o->open = 1;
	o->rc = 0;
	o->fill = 0;
	o->stored[o->nds] = 0;
	o->raw_total[o->nds] = 0;
	return 0;
fail:
	abort_open(o);
	return rc;
}

/* Compress the gathered chunk once and put it to every copy. */
static int flush_chunk(struct dsout *o)
{
	size_t flen;
	unsigned i;
	int rc;

	if (!o->fill)
		return 0;
	rc = volume_chunk_compress(o->raw, o->fill, o->frame, o->frame_cap,
				   &flen);
	for (i = 0; rc == 0 && i < o->ncopies; i++)
		rc = volume_dataset_put(o->vw[i], o->frame, flen, o->fill);
	if (rc < 0)
		return rc;
	o->stored[o->nds] += flen;
	o->raw_total[o->nds] += o->fill;
	o->fill = 0;
	return 0;
}

int dsout_write(struct dsout *o, const void *p, size_t n)
{
	const unsigned char *src = p;
	size_t take;
	int rc;

	if (!o->open)
		return -EINVAL;
	if (o->rc < 0)
		return o->rc;
	while (n) {
		take = o->cfg->chunk_size - o->fill;
		if (take > n)
			take = n;
		memcpy(o->raw + o->fill, src, take);
		o->fill += take;
		src += take;
		n -= take;
		if (o->fill == o->cfg->chunk_size) {
			rc = flush_chunk(o);
			if (rc < 0)
				return o->rc = rc;
		}
	}
	return 0;
}

int dsout_end(struct dsout *o)
{
	unsigned i = 0;
	int rc;

	if (!o->open)
		return -EINVAL;
	rc = o->rc < 0 ? o->rc : flush_chunk(o);
	if (rc < 0)
		goto fail;
	for (i = 0; i < o->ncopies; i++) {
		rc = volume_dataset_commit(o->vw[i], &o->ds[o->nds][i]);
		o->vw[i] = NULL;
		if (rc < 0)
			goto fail;
	}
	o->open = 0;
	return (int)o->nds++;
fail:
	/* Copies of this one already committed: cut back with the rest,
	 * or alone when nothing came before it. */
	while (o->nds == 0 && i-- > 0)
		volume_truncate_after(o->w[i]->vol, o->ds[0][i].offset);
	abort_open(o);
	dsout_unwrite(o);
	return rc;
}

uint64_t dsout_raw_size(const struct dsout *o, int idx)
{
	return o->raw_total[idx];
}

uint64_t dsout_stored_size(const struct dsout *o, int idx)
{
	return o->stored[idx];
}

int dsout_register(struct dsout *o, struct repo *r, int idx, const char *dskind,
		   const char *column, int64_t obj_id)
{
	char sql[160];
	int64_t ds_id;
	unsigned i;
	int rc;

	if (idx < 0 || (unsigned)idx >= o->nds)
		return -EINVAL;
	snprintf(sql, sizeof(sql),
		 "INSERT INTO copy(%s, copy_no, dataset_id, location_id)"
		 " VALUES (?1, ?2, ?3, ?4)",
		 column);
	for (i = 0; i < o->ncopies; i++) {
		rc = backup_insert_dataset(r, o->w[i]->volume_id,
					   &o->ds[idx][i], dskind, &ds_id);
		if (rc == 0)
			rc = repo_run(
				r, sql,
				REPO_ARGS(REPO_INT(obj_id), REPO_INT(i + 1),
					  REPO_INT(ds_id),
					  REPO_INT(o->w[i]->location_id)));
		if (rc == 0)
			rc = pool_note_written(r, o->w[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void dsout_registered(struct dsout *o)
{
	unsigned i;
	int sealed;

	o->nds = 0;
	for (i = 0; i < o->ncopies; i++) {
		if (!o->w[i])
			continue;
		if (pool_seal_if_full(o->w[i], &sealed) < 0 || sealed) {
			pool_release(o->w[i]);
			o->w[i] = NULL;
		}
	}
}

void dsout_unwrite(struct dsout *o)
{
	unsigned i;

	for (i = 0; o->nds && i < o->ncopies; i++)
		if (o->w[i] && o->ds[0][i].length)
			volume_truncate_after(o->w[i]->vol, o->ds[0][i].offset);
	o->nds = 0;
}

void dsout_close(struct dsout *o)
{
	unsigned i;

	if (!o)
		return;
	abort_open(o);
	for (i = 0; i < CONFIG_MAX_COPIES; i++)
		pool_release(o->w[i]);
	free(o->raw);
	free(o->frame);
	free(o);
}
