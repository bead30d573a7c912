/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_POOL_H
#define RUV_POOL_H

#include <limits.h>
#include <stdint.h>

struct config;
struct repo;
struct volume;

/*
 * Pools of stacked volumes, and the volumes a writer holds.
 *
 * A writer takes a volume of a pool for appending with pool_acquire():
 * an open volume nobody else is writing (an exclusive flock on the file,
 * so two processes or two threads never append to one volume), or a new
 * one.  Acquiring repairs the volume: a torn tail is cut back, and so are
 * complete data sets that the repository never registered (a crash
 * between the volume fsync and the repository commit), so the volume
 * ends where the repository says it does.  Nothing is ever cut below
 * that end: a volume that no longer holds every data set registered on
 * it (truncated, its last data sets torn or damaged, its label
 * unreadable) is retired instead, untouched -- recorded sealed with its
 * file's real size and a "volume retire" history row -- and the writer
 * goes on to another volume.
 */

struct pool_writer {
	struct volume *vol;
	int lock_fd;	   /* holds the flock */
	int64_t volume_id; /* volume row */
	int64_t pool_id;
	int64_t location_id; /* where copies written here start */
	uint64_t capacity;   /* bytes: seal at or past it */
	char volser[7];
	char path[PATH_MAX];
};

/* Told when acquiring retires a damaged volume; msg names its VOLSER.
 * Called on the acquiring thread. */
struct pool_warn {
	void (*fn)(void *arg, const char *msg);
	void *arg;
};

/*
 * Take a volume of pool `name` for appending.  Creates the volume file
 * (mode 0600) and its row when no open volume is free.  warn (may be
 * NULL) hears of each volume retired on the way.  Errors: -ENOENT
 * unknown pool or missing pool directory, -EIO damaged volume, with a
 * message.
 */
int pool_acquire(struct repo *r, const char *home, const char *name,
		 const struct pool_warn *warn, struct pool_writer **out);

/* Let go of a volume; accepts NULL. */
void pool_release(struct pool_writer *w);

/*
 * Within the caller's transaction, after registering data sets on w:
 * record the volume's size, and seal it when it has reached capacity
 * (the end mark is written after the commit by pool_seal_if_full(); the
 * size recorded counts it, so it is the file's size once sealed).
 */
int pool_note_written(struct repo *r, struct pool_writer *w);

/* After the commit: write the end mark if the volume is full.  A volume
 * sealed here is no longer appendable; the writer must be released. */
int pool_seal_if_full(struct pool_writer *w, int *sealed);

/*
 * Seal a volume by VOLSER (state open -> sealed, end mark written, size
 * recorded with it).  Waits for its writer to finish.  -ENOENT unknown,
 * 0 if already sealed.  A volume that no longer holds its registered data
 * sets is retired (see above) and gives -EIO with a message.
 */
int pool_seal_volume(struct repo *r, const char *volser);

/*
 * Seal the volumes volsers[0..n), each as pool_seal_volume, cb hearing
 * each one sealed: every VOLSER must name an open volume before any is
 * sealed (-ENOENT one not in the repository, -EEXIST one already sealed
 * or shipped, -EINVAL not a VOLSER or one named twice; the message names
 * it).  A failure on
 * the way leaves those before it sealed.
 */
int pool_seal_volumes(struct repo *r, char *const *volsers, unsigned n,
		      void (*cb)(const char *volser, void *), void *arg);

/*
 * Make the pool rows match the configuration's pools (added or updated by
 * name; a pool that left the configuration keeps its row, its volumes
 * still being catalogued).  A location a pool names must exist: -ENOENT
 * (message naming the pool, the location and `ruv location define`)
 * otherwise, and nothing is written.  Within the caller's transaction if
 * one is open.  Rows that already match are not written.
 */
int pool_sync(struct repo *r, const struct config *cfg);

/* The same for a home being made (ruv init): there the configuration is
 * where locations come from, so a location a pool names is created,
 * inactive, if missing. */
int pool_sync_init(struct repo *r, const struct config *cfg);

struct pool_info {
	int64_t id;
	char name[17];
	char prefix[4];
	uint64_t capacity;
};

struct pool_volume_info {
	int64_t id;
	int64_t pool_id;
	char volser[7];
	char state[8];	     /* open, sealed, shipped */
	char path[PATH_MAX]; /* where its pool keeps it (may not be there) */
	char ident[33];	     /* identity, hex; "" before identities */
	uint64_t size;
	int64_t created_us;
	int64_t sealed_us;   /* 0 while open */
	int64_t shipment_id; /* 0 if none */
	uint64_t datasets;
};

int pool_list(struct repo *r, int (*cb)(const struct pool_info *, void *),
	      void *arg);
/* -ENOENT if none. */
int pool_get(struct repo *r, int64_t id, struct pool_info *out);
int pool_find(struct repo *r, const char *name, struct pool_info *out);

/* Volumes of pool_id (0: every pool) with id > after_id, by id. */
int pool_volume_list(struct repo *r, int64_t pool_id, int64_t after_id,
		     unsigned limit,
		     int (*cb)(const struct pool_volume_info *, void *),
		     void *arg);
int pool_volume_get(struct repo *r, int64_t id, struct pool_volume_info *out);
/* By VOLSER: -ENOENT if none. */
int pool_volume_find(struct repo *r, const char *volser,
		     struct pool_volume_info *out);

/*
 * Where the volume file of volser is at this site: its pool's directory,
 * else the volume catalog or the search path; the first file whose label
 * is this volume (VOLSER, and identity when the row has one).  -ENOENT
 * (message saying where it was looked for) when no file is there, -EIO
 * (message "wrong volume: ...") when the only files are other volumes.
 */
int pool_volume_path(struct repo *r, const char *volser, char *buf, size_t len);

#endif
