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
 * The producer and the compression overlap: while a data set is open, a
 * compressor thread takes the filled chunks (DSOUT_SLOTS of them in
 * flight, in order) and compresses and puts each one; the caller's
 * thread fills the next chunk meanwhile.  The volume writers are used by
 * that thread only between dsout_begin() and dsout_end(), which start
 * and join it, so they are never used by two threads at once.  Its first
 * error sticks (with its message) and is returned by the next write or
 * by dsout_end().
 *
 * Cost: one compression per chunk, one write per copy, one fdatasync per
 * data set and copy.  Memory: DSOUT_SLOTS chunk and frame buffers.
 */
#include <errno.h>
#include <pthread.h>
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
	struct slot {
		unsigned char *raw;   /* chunk_size bytes */
		size_t fill;	      /* bytes in raw */
		unsigned char *frame; /* volume_chunk_bound(chunk_size) */
		int full;	      /* handed to the compressor; under mu */
	} slot[DSOUT_SLOTS];
	size_t frame_cap;
	unsigned head; /* the slot being filled (caller's thread) */
	unsigned tail; /* the slot compressed next (compressor) */
	pthread_t th;
	int th_running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;      /* no more chunks: drain and exit; under mu */
	int discard;   /* aborting: drop the chunks; under mu */
	int open;      /* a data set is being written */
	int rc;	       /* sticky error of the open data set; under mu */
	char msg[512]; /* its message, from the compressor's thread */
	unsigned nds;  /* data sets written since the last registration */
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
	unsigned i;
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
	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->cv, NULL);
	o->frame_cap = volume_chunk_bound(cfg->chunk_size);
	for (i = 0; i < DSOUT_SLOTS; i++) {
		o->slot[i].raw = malloc(cfg->chunk_size);
		o->slot[i].frame = malloc(o->frame_cap);
		if (!o->slot[i].raw || !o->slot[i].frame) {
			rc = ruv_fail(-ENOMEM, "out of memory");
			goto fail;
		}
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

/* The compressor: each full slot in turn, compressed once and put to
 * every copy. */
static void *compressor(void *arg)
{
	struct dsout *o = arg;
	struct slot *sl;
	size_t flen = 0;
	unsigned i;
	int rc;

	pthread_mutex_lock(&o->mu);
	for (;;) {
		sl = &o->slot[o->tail];
		while (!sl->full && !o->stop)
			pthread_cond_wait(&o->cv, &o->mu);
		if (!sl->full)
			break; /* stopped, and drained */
		rc = o->rc < 0 || o->discard ? -ECANCELED : 0;
		pthread_mutex_unlock(&o->mu);
		if (rc == 0) {
			ruv_clearerr();
			rc = volume_chunk_compress(sl->raw, sl->fill, sl->frame,
						   o->frame_cap, &flen);
			for (i = 0; rc == 0 && i < o->ncopies; i++)
				rc = volume_dataset_put(o->vw[i], sl->frame,
							flen, sl->fill);
		}
		pthread_mutex_lock(&o->mu);
		if (rc == 0) {
			o->stored[o->nds] += flen;
			o->raw_total[o->nds] += sl->fill;
		} else if (rc != -ECANCELED && o->rc == 0) {
			o->rc = rc;
			snprintf(o->msg, sizeof(o->msg), "%s", ruv_lasterr());
		}
		sl->full = 0;
		sl->fill = 0;
		o->tail = (o->tail + 1) % DSOUT_SLOTS;
		pthread_cond_broadcast(&o->cv);
	}
	pthread_mutex_unlock(&o->mu);
	return NULL;
}

/* Stop the compressor (discard: dropping what is queued) and wait. */
static void compressor_join(struct dsout *o, int discard)
{
	if (!o->th_running)
		return;
	pthread_mutex_lock(&o->mu);
	o->stop = 1;
	o->discard = discard;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
	pthread_join(o->th, NULL);
	o->th_running = 0;
}

/* The sticky error, its message made this thread's again. */
static int sticky(struct dsout *o)
{
	int rc;

	pthread_mutex_lock(&o->mu);
	rc = o->rc;
	pthread_mutex_unlock(&o->mu);
	if (rc < 0 && o->msg[0])
		ruv_fail(rc, "%s", o->msg);
	return rc;
}

static void abort_open(struct dsout *o)
{
	unsigned i;

	compressor_join(o, 1);
	for (i = 0; i < o->ncopies; i++) {
		volume_dataset_abort(o->vw[i]);
		o->vw[i] = NULL;
	}
	o->open = 0;
	for (i = 0; i < DSOUT_SLOTS; i++) {
		o->slot[i].fill = 0;
		o->slot[i].full = 0;
	}
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
	o->msg[0] = '\0';
	o->stop = o->discard = 0;
	o->head = o->tail = 0;
	o->stored[o->nds] = 0;
	o->raw_total[o->nds] = 0;
	rc = -pthread_create(&o->th, NULL, compressor, o);
	if (rc < 0) {
		rc = ruv_fail(rc, "cannot start a thread: %s", strerror(-rc));
		goto fail;
	}
	o->th_running = 1;
	return 0;
fail:
	abort_open(o);
	return rc;
}

/* Hand the slot being filled to the compressor and wait for the next
 * one to be free. */
static int hand_over(struct dsout *o)
{
	struct slot *next;

	pthread_mutex_lock(&o->mu);
	o->slot[o->head].full = 1;
	o->head = (o->head + 1) % DSOUT_SLOTS;
	pthread_cond_broadcast(&o->cv);
	next = &o->slot[o->head];
	while (next->full)
		pthread_cond_wait(&o->cv, &o->mu);
	pthread_mutex_unlock(&o->mu);
	return sticky(o);
}

int dsout_write(struct dsout *o, const void *p, size_t n)
{
	const unsigned char *src = p;
	struct slot *sl;
	size_t take;
	int rc;

	if (!o->open)
		return -EINVAL;
	rc = sticky(o);
	if (rc < 0)
		return rc;
	while (n) {
		sl = &o->slot[o->head];
		take = o->cfg->chunk_size - sl->fill;
		if (take > n)
			take = n;
		memcpy(sl->raw + sl->fill, src, take);
		sl->fill += take;
		src += take;
		n -= take;
		if (sl->fill == o->cfg->chunk_size) {
			rc = hand_over(o);
			if (rc < 0)
				return rc;
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
	rc = sticky(o);
	if (rc == 0 && o->slot[o->head].fill)
		rc = hand_over(o);
	compressor_join(o, rc < 0);
	if (rc == 0)
		rc = sticky(o);
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
	for (i = 0; i < DSOUT_SLOTS; i++) {
		free(o->slot[i].raw);
		free(o->slot[i].frame);
	}
	pthread_mutex_destroy(&o->mu);
	pthread_cond_destroy(&o->cv);
	free(o);
}
