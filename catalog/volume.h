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
 * Who calls what: one writer per volume at a time (the caller serialises
 * across processes, see pool.c; within one handle a second writer gets
 * -EBUSY); any number of readers, each struct volume_reader used by one
 * thread at a time.  Every length read from disk is checked against the
 * file before it is trusted: a damaged file gives -EIO and a message
 * (ruv_lasterr()) naming the volume, the data set and the chunk, never a
 * crash or a huge allocation.  A read error of the device itself is
 * returned as it is (-EIO and friends) and never taken for a torn tail.
 *
 * Messages name the volume by the path it was opened with.
 */

#define VOLUME_LABEL_SIZE    4096
#define VOLUME_END_MARK_SIZE 28	  /* bytes a seal adds */
#define VOLUME_NAME_MAX	     64	  /* data set name, bytes */
#define VOLUME_SOURCE_MAX    44	  /* source DSN, bytes, may be empty */
#define VOLUME_META_MAX	     4096 /* the caller's blob, bytes */
#define VOLUME_POOL_MAX	     16
#define VOLUME_CHUNK_MIN     4096U
#define VOLUME_CHUNK_MAX     (64U << 20)
#define VOLUME_CHUNKS_MAX    (1U << 26) /* per data set */

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
	VOLUME_DS_TORN,	    /* the unfinished tail of the volume: a write
			       that never committed (no footer follows) */
	VOLUME_DS_DAMAGED,  /* a checksum or a length does not hold, yet
			       something committed lies at or after it */
};

/*
 * A volume's identity: 16 random bytes drawn when it is created, written
 * in its label and kept in its repository row, so a file that merely has
 * the right VOLSER (another home numbers its volumes the same way) is
 * never read as this volume.  All zeros: a volume written before
 * identities existed (it has none).
 */
#define VOLUME_IDENT_LEN 16
#define VOLUME_IDENT_HEX (2 * VOLUME_IDENT_LEN + 1) /* hex text and NUL */

struct volume_label {
	char volser[7];
	unsigned char ident[VOLUME_IDENT_LEN]; /* all zeros: none */
	char pool[VOLUME_POOL_MAX + 1];
	int64_t created_us; /* µs since the epoch, UTC */
	uint64_t capacity;  /* bytes; advisory, the pool enforces it */
	uint32_t version;   /* format version */
	int sealed;	    /* an end mark follows the last data set */
};

struct volume_dataset_info {
	uint32_t seq; /* 1, 2, ... on this volume; 0 unknown (damage) */
	uint32_t kind;
	char name[VOLUME_NAME_MAX + 1];
	char source[VOLUME_SOURCE_MAX + 1];
	int64_t created_us;
	uint32_t chunk_size;
	uint64_t offset;      /* of the header in the volume file */
	uint64_t length;      /* header to footer inclusive */
	uint64_t raw_size;    /* bytes of content */
	uint64_t stored_size; /* compressed bytes (frames, no chunk headers) */
	uint32_t nchunks;
	uint32_t checksum; /* CRC-32C of the trailer; the trailer holds the
			      sizes and every chunk's CRC, not the place,
			      so every copy of one content has the same */
	const void *meta;  /* the caller's blob, verbatim; see who owns it */
	size_t meta_len;
	int state; /* enum volume_ds_state */
};

struct volume;

/* Is the file at path what a volume_create() cut short by a crash
 * leaves: shorter than a label, and empty, all zeros, or the start of a
 * label?  1 yes, 0 no (or it cannot be read); such a file holds no data. */
int volume_is_torn_create(const char *path);

/* Create path (O_EXCL, mode 0600) with its label and a new random
 * identity; label and directory are fsynced before it returns.  volser must
 * pass names_volser_check() (it is stored upper case), pool is 1-16 printable
 * characters. -EEXIST if the file exists, -EINVAL (message) for a bad name. */
int volume_create(const char *path, const char *volser, const char *pool,
		  uint64_t capacity, struct volume **out);

/*
 * Open a volume and find its end.  -EIO (message) for a file that is not
 * a volume, a damaged label or an unknown format version.
 *
 * A cleanly closed volume (it ends with a sound footer or end mark) opens
 * in constant time; otherwise the data sets are walked.  When writable
 * and the walk finds a torn tail (a data set that never committed: no
 * valid trailer or footer at or after the point where it stops making
 * sense), the tail is cut off with ftruncate + fsync and
 * volume_repaired() says how many bytes went.  A damaged data set that
 * committed is never cut here: appends go after it.
 */
int volume_open(const char *path, int writable, struct volume **out);

/*
 * Open an existing volume file (flags: O_RDONLY or O_RDWR; O_CLOEXEC is
 * added) without ever blocking in open: O_NONBLOCK, then fstat, and
 * anything but a regular file (a FIFO, a device, a directory, put where
 * a volume was) is refused with -EINVAL and a message naming its kind;
 * O_NONBLOCK is then cleared.  A file descriptor, or -errno (message for
 * the refusal only: callers word the open errors their own way).
 */
int volume_open_file(const char *path, int flags);

/* Read the label alone (one 4 KiB read).  -EIO (message) for a file that
 * is not a volume or a damaged label, the open errors as they are. */
int volume_label_read(const char *path, struct volume_label *out);

/* The identity as lower-case hex into buf (VOLUME_IDENT_HEX bytes); ""
 * when it is all zeros (none). */
void volume_ident_format(const unsigned char *ident, char *buf);

void volume_close(struct volume *v); /* accepts NULL */
const struct volume_label *volume_label(const struct volume *v);
/* Bytes used: where the next data set would go (after any repair). */
uint64_t volume_size(const struct volume *v);
int volume_is_sealed(const struct volume *v);
/* Bytes the volume file holds: volume_size() plus the end mark once
 * sealed.  What the repository records as the volume's size. */
uint64_t volume_bytes(const struct volume *v);
/* Bytes of torn tail volume_open() cut off; 0 if none. */
uint64_t volume_repaired(const struct volume *v);

/*
 * Cut the volume back so it ends at offset (the label's end at least),
 * which must be the end of a committed data set: the repository's view
 * wins over the volume's for data sets it never registered.  0 if the
 * volume already ends there; -EROFS sealed; -EBUSY while a data set is
 * being written; -EBADF not writable; -EIO (message, nothing cut) if
 * offset lies past the end or is not the end of a data set.
 */
int volume_truncate_after(struct volume *v, uint64_t offset);

/*
 * Check, changing nothing, that offset is the end of a committed data set
 * on the volume (or the label's end, or less): what a writer must know
 * before volume_truncate_after(v, offset) on a volume the repository says
 * ends there.  Works on a read-only handle.  -EIO (message) if the volume
 * ends before offset (truncated, or its last data sets torn or damaged)
 * or offset is not the end of a data set.
 */
int volume_check_end(struct volume *v, uint64_t offset);

/* Write the end mark, fdatasync; idempotent.  Nothing can be appended
 * afterwards (-EROFS).  -EBUSY while a data set is being written. */
int volume_seal(struct volume *v);

struct volume_writer;

/*
 * Start a data set at volume_size(v); kind is enum volume_kind, name
 * 1-64 bytes, source 0-44 (NULL for none), meta 0-4096 bytes stored
 * verbatim, chunk_size VOLUME_CHUNK_MIN..VOLUME_CHUNK_MAX.  -EROFS sealed,
 * -EBADF read-only, -EBUSY a data set is already being written, -EINVAL
 * (message) for anything out of range.  v must outlive the writer.
 */
int volume_dataset_begin(struct volume *v, uint32_t kind, const char *name,
			 const char *source, uint32_t chunk_size,
			 const void *meta, size_t meta_len,
			 struct volume_writer **out);

/*
 * Append one chunk: frame is an lz4 frame of raw_len content bytes (from
 * volume_chunk_compress(), so one compression feeds several copies).
 * Every chunk but the last holds chunk_size bytes.  -EINVAL (message) for
 * a bad chunk, -EFBIG past VOLUME_CHUNKS_MAX; a write error (-ENOSPC,
 * -EIO, ...) is returned and sticks: later puts and the commit return it.
 */
int volume_dataset_put(struct volume_writer *w, const void *frame,
		       size_t frame_len, size_t raw_len);

/* Trailer, footer, fdatasync: once this returns 0 the data set is
 * complete and durable.  On failure the data set is cut back off.  The
 * writer is freed either way.  out (may be NULL) gets the description;
 * its meta is NULL (the writer's copy is gone). */
int volume_dataset_commit(struct volume_writer *w,
			  struct volume_dataset_info *out);

/* Cut the unfinished data set back off (if that fails the next writable
 * open cuts it); frees the writer; NULL ok. */
void volume_dataset_abort(struct volume_writer *w);

/* Worst-case frame size for raw_len bytes. */
size_t volume_chunk_bound(size_t raw_len);

/* Compress n bytes (1..VOLUME_CHUNK_MAX) into one independent lz4 frame
 * with content size, content checksum and block checksums, at the fast
 * level (as lz4 -1).  cap >= volume_chunk_bound(n) always suffices.
 * Thread-safe. */
int volume_chunk_compress(const void *src, size_t n, void *dst, size_t cap,
			  size_t *out_len);

struct volume_reader;

/*
 * Open the data set whose header is at offset of the volume at path.
 * length (0 if unknown) lets the reader go straight to the footer;
 * without it the chunk headers are walked.  The label is not read, so a
 * damaged label does not hide the data.  -EIO with a message on any
 * damage to header, footer, trailer or index.
 */
int volume_reader_open(const char *path, uint64_t offset, uint64_t length,
		       struct volume_reader **out);
/* Valid until volume_reader_close(); meta points into the reader. */
const struct volume_dataset_info *
volume_reader_info(const struct volume_reader *vr);
/* Read content bytes [off, off + n); decompresses only the chunks needed
 * (the last one is cached, so small sequential reads are cheap) and
 * checks each chunk's CRC and its lz4 frame's checksums; returns bytes
 * read (0 at the end), or -EIO with a message naming the volume, the data
 * set (seq and name) and the chunk. */
ssize_t volume_reader_pread(struct volume_reader *vr, void *buf, size_t n,
			    uint64_t off);
/* Check every chunk; the first damaged one gives -EIO (message). */
int volume_reader_verify(struct volume_reader *vr);
void volume_reader_close(struct volume_reader *vr); /* accepts NULL */

/*
 * List the data sets of the volume at path, in order, with no repository.
 * cb (may be NULL) hears each one: complete, damaged (the scan goes on
 * past it when a footer or the next sound header shows where it ends) or
 * the torn tail (last).  In the info, offset and state are always set;
 * length covers the bytes up to the next data set; the header fields are
 * set when the header is sound, the sizes when the trailer is; meta is
 * valid during the call only.  A nonzero cb return stops the scan; a
 * negative one is returned.  label (may be NULL) gets the label, sealed
 * included.  Nothing is changed on disk.  Returns the number of complete
 * data sets, or -EIO (message) when the file is not a volume or its label
 * is unreadable.
 */
int volume_scan(const char *path,
		int (*cb)(const struct volume_dataset_info *, void *),
		void *arg, struct volume_label *label);

#endif
