/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_VOLUME_H
#define RUV_VOLUME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Stacked volumes: one file per VOLSER holding a label, data sets
 * appended one after another, and an end mark once sealed.  A volume
 * describes itself: volume_scan() lists its data sets with no repository.
 * The format is documented in volume.c.
 *
 * Who calls what: one writer per volume at a time (the caller serialises,
 * see pool.c); any number of readers, each struct volume_reader used by
 * one thread at a time.  Every length read from disk is checked against
 * the file before it is trusted: a damaged file gives -EIO and a message
 * naming the volume, the data set and the chunk, never a crash.
 */

#define VOLUME_LABEL_SIZE 4096
#define VOLUME_NAME_MAX	  64
#define VOLUME_SOURCE_MAX 44
#define VOLUME_META_MAX	  4096

enum volume_kind {
	VOLUME_KIND_BACKUP = 1,
	VOLUME_KIND_ARCHIVE,
	VOLUME_KIND_UOW,
	VOLUME_KIND_ACCUM,
	VOLUME_KIND_ACCUM_UOW,
	VOLUME_KIND_REPOSITORY,
	VOLUME_KIND_JCL,
};

/* "backup", "archive", "uow", "accum", "accum-uow", "repository", "jcl";
 * "unknown" for anything else. */
const char *volume_kind_name(uint32_t kind);
/* 0 if name is none of them. */
uint32_t volume_kind_parse(const char *name);

enum volume_ds_state {
	VOLUME_DS_COMPLETE, /* header, chunks, trailer and footer all sound */
	VOLUME_DS_TORN,	    /* ends early: a write that never finished */
	VOLUME_DS_DAMAGED,  /* a checksum or a length does not hold */
};

struct volume_label {
	char volser[7];
	char pool[17];
	int64_t created_us;
	uint64_t capacity;
	uint32_t version;
	int sealed; /* an end mark follows the last data set */
};

struct volume_dataset_info {
	uint32_t seq; /* 1, 2, ... on this volume */
	uint32_t kind;
	char name[VOLUME_NAME_MAX + 1];
	char source[VOLUME_SOURCE_MAX + 1];
	int64_t created_us;
	uint32_t chunk_size;
	uint64_t offset;      /* of the header in the volume file */
	uint64_t length;      /* header to footer inclusive */
	uint64_t raw_size;    /* bytes of content */
	uint64_t stored_size; /* compressed bytes */
	uint32_t nchunks;
	uint32_t checksum; /* CRC-32C of the trailer: names the content */
	const void *meta;  /* the caller's blob, verbatim; valid during cb */
	size_t meta_len;
	int state; /* enum volume_ds_state */
};

struct volume;

/* Create path (O_EXCL, mode 0600) with its label; label and directory
 * are fsynced before it returns.  -EEXIST if the file exists. */
int volume_create(const char *path, const char *volser, const char *pool,
		  uint64_t capacity, struct volume **out);

/*
 * Open a volume and find where its sound data sets end.  Nothing on disk
 * changes here; a torn or unregistered tail is cut by
 * volume_truncate_after().  -EIO (message) for a bad label.
 */
int volume_open(const char *path, int writable, struct volume **out);

void volume_close(struct volume *v); /* accepts NULL */
const struct volume_label *volume_label(const struct volume *v);
/* Where the next data set would go: the end of the last sound one. */
uint64_t volume_size(const struct volume *v);
int volume_is_sealed(const struct volume *v);

/*
 * Cut the volume back so it ends at offset (at least the label), which
 * must be the end of a sound data set: a torn tail, or data sets the
 * repository never registered.  -EROFS sealed, -EIO if offset lies past
 * the sound data (damage: nothing is cut).
 */
int volume_truncate_after(struct volume *v, uint64_t offset);

/* Write the end mark; idempotent.  No data set may be appended after. */
int volume_seal(struct volume *v);

struct volume_writer;

/* Start a data set at volume_size(v).  -EROFS sealed, -EBUSY a data set
 * is already being written, -EINVAL names or meta too long. */
int volume_dataset_begin(struct volume *v, uint32_t kind, const char *name,
			 const char *source, uint32_t chunk_size,
			 const void *meta, size_t meta_len,
			 struct volume_writer **out);

/* Append one compressed chunk (from volume_chunk_compress()) of raw_len
 * content bytes; every chunk but the last must hold chunk_size bytes. */
int volume_dataset_put(struct volume_writer *w, const void *frame,
		       size_t frame_len, size_t raw_len);

/* Trailer, footer, fdatasync: once this returns 0 the data set is
 * complete and durable.  The writer is freed either way. */
int volume_dataset_commit(struct volume_writer *w,
			  struct volume_dataset_info *out);

/* Cut the unfinished data set back off; frees the writer; NULL ok. */
void volume_dataset_abort(struct volume_writer *w);

/* Worst-case frame size for raw_len bytes. */
size_t volume_chunk_bound(size_t raw_len);

/* Compress n bytes into one independent lz4 frame with content size,
 * content checksum and block checksums; fast level (as lz4 -1). */
int volume_chunk_compress(const void *src, size_t n, void *dst, size_t cap,
			  size_t *out_len);

struct volume_reader;

/*
 * Open the data set whose header is at offset.  length (0 if unknown)
 * lets the reader go straight to the footer; without it the chunk
 * headers are walked.  -EIO with a message on any damage to header,
 * trailer or index.
 */
int volume_reader_open(const char *path, uint64_t offset, uint64_t length,
		       struct volume_reader **out);
const struct volume_dataset_info *
volume_reader_info(const struct volume_reader *vr);
/* Read content bytes [off, off + n); decompresses only the chunks needed
 * and checks each; returns bytes read (0 at the end) or -EIO. */
ssize_t volume_reader_pread(struct volume_reader *vr, void *buf, size_t n,
			    uint64_t off);
/* Check every chunk. */
int volume_reader_verify(struct volume_reader *vr);
void volume_reader_close(struct volume_reader *vr); /* accepts NULL */

/*
 * List the data sets of the volume at path, in order, with no repository:
 * cb (may be NULL) hears each one, sound, torn or damaged; after damage
 * the scan looks for the next sound header.  A nonzero cb return stops it.
 * label (may be NULL) gets the label.  Returns the number of complete
 * data sets, or -EIO (message) when the label is unreadable.
 */
int volume_scan(const char *path,
		int (*cb)(const struct volume_dataset_info *, void *),
		void *arg, struct volume_label *label);

#endif
