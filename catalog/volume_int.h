/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_VOLUME_INT_H
#define RUV_VOLUME_INT_H

/*
 * What the parts of the stacked-volume code share and nothing else
 * includes: the format's constants and magics (the format itself is
 * documented at the top of volume.c), the layouts of the handles, the
 * little-endian field helpers and the helpers one part calls in another.
 * volume.c: kinds, file I/O, the label and the volume handle; volscan.c:
 * decoding a data set, walking and scanning a volume; volwrite.c: the
 * writer and compression; volread.c: the reader.
 */

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <lz4frame.h>

#include "le.h"
#include "volume.h"

#define FORMAT_VERSION 1
#define MAGIC_LABEL    "RUVVOL1\n"
#define MAGIC_HEADER   "RUVDSH1\n"
#define MAGIC_CHUNK    "RUVC"
#define MAGIC_TRAILER  "RUVDST1\n"
#define MAGIC_FOOTER   "RUVDSEND"
#define MAGIC_EOV      "RUVEOV1\n"
#define LZ4F_MAGIC     "\x04\x22\x4d\x18"

#define HEADER_FIXED 32
#define HEADER_MIN   (HEADER_FIXED + 2 + 1 + 2 + 4 + 4)
#define HEADER_MAX                                                             \
	(HEADER_FIXED + 2 + VOLUME_NAME_MAX + 2 + VOLUME_SOURCE_MAX + 4 +      \
	 VOLUME_META_MAX + 4)
#define CHUNK_HDR      20
#define TRAILER_FIXED  28
#define INDEX_ENTRY    12
#define FOOTER_SIZE    32
#define EOV_SIZE       VOLUME_END_MARK_SIZE
#define WRITEBACK_STEP (8ULL << 20)
#define SEARCH_WINDOW  (1U << 20)
#define INDEX_PIECE    (5461U * INDEX_ENTRY) /* trailer read in ~64 KiB */

struct volume {
	int fd;
	int writable;
	int writing; /* a volume_writer is open */
	char path[PATH_MAX];
	struct volume_label label;
	uint64_t end;	   /* where the next data set goes */
	uint32_t last_seq; /* of the last data set; the next gets one more */
	uint64_t cut;	   /* torn tail bytes cut by volume_open() */
};

struct chunk_ref {
	uint64_t offset; /* of its chunk header, from the data set start */
	uint32_t clen;	 /* frame bytes */
	uint32_t ulen;	 /* content bytes */
	uint32_t crc;	 /* of the frame */
};

struct volume_writer {
	struct volume *v;
	struct volume_dataset_info info;
	uint64_t pos;	      /* next byte to write, absolute */
	uint64_t kicked;      /* writeback started up to here */
	unsigned char *index; /* INDEX_ENTRY bytes per chunk, as stored */
	size_t index_cap;     /* bytes */
	uint32_t last_ulen;   /* of the last chunk put */
	uint32_t max_clen;    /* volume_chunk_bound(chunk_size) */
	int err;	      /* first write error; sticks */
};

struct volume_reader {
	int fd;
	char path[PATH_MAX];
	struct volume_dataset_info info;
	unsigned char *meta;
	struct chunk_ref *index;
	unsigned char *cbuf; /* one chunk header + frame */
	size_t cbuf_cap;
	unsigned char *ubuf; /* the cached decompressed chunk */
	size_t ubuf_cap;
	int64_t cached; /* its index, -1 none */
	LZ4F_dctx *dctx;
};

/* The checks of a data set return a state or a -errno for a read
 * error.  TORN means "sound so far, but the file ends first". */
enum ds_check { DS_OK, DS_TORN, DS_DAMAGED, DS_NONE /* no header magic */ };

struct footer {
	uint64_t start; /* of the data set */
	uint64_t tlen;	/* of its trailer */
	uint32_t seq;
};

/* Where a forward walk of one data set got to. */
struct ds_walk {
	int header_ok;	    /* di's header fields are sound */
	uint64_t fail;	    /* where it stopped making sense */
	uint64_t known_end; /* its end, when the trailer is sound; else 0 */
};

struct walk {
	int fd;
	uint64_t size;
	unsigned char *hbuf; /* HEADER_MAX */
	unsigned char *win;  /* SEARCH_WINDOW, for the searches */
	/* The last footer search, to keep repeated searches linear. */
	int ff_valid;
	uint64_t ff_from, ff_min, ff_at; /* ff_at UINT64_MAX: none */
	struct footer ff;
	/* Results. */
	uint64_t end;	   /* where the next data set would go */
	uint64_t torn_at;  /* start of the torn tail, 0 none */
	uint32_t last_seq; /* highest seq seen on a committed data set */
	int complete;	   /* complete data sets */
	int sealed;
	int cb_failed; /* the walk stopped on the callback's word */
};

/* Is kind one of the kinds a data set can have (kinds)? */
int vol_kind_known(uint32_t kind);

/* Read exactly n bytes at off: 0, -ENODATA if the file ends first, or
 * -errno for a read error. */
int vol_read_at(int fd, void *buf, size_t n, uint64_t off);

/* Write all of iov (which is consumed) at off: 0 or -errno. */
int vol_pwritev_all(int fd, struct iovec *iov, int cnt, uint64_t off);

int vol_write_at(int fd, const void *buf, size_t n, uint64_t off);

int vol_file_size(int fd, uint64_t *size);

int vol_sync_dir_of(const char *path);

int vol_copy_path(char *dst, size_t len, const char *path);

int vol_io_fail(const char *path, const char *what, int rc);

void vol_label_encode(const struct volume_label *l, unsigned char *p);

int vol_label_read(int fd, const char *path, struct volume_label *l);

uint32_t vol_max_frame(uint32_t chunk_size);

/* The header at off into di (and di->meta into hbuf, HEADER_MAX bytes);
 * *hlen its length.  off <= size. */
int vol_parse_header(int fd, uint64_t off, uint64_t size,
		     struct volume_dataset_info *di, unsigned char *hbuf,
		     uint32_t *hlen_out);

int vol_chunk_header_ok(const unsigned char *h, uint32_t chunk_size,
			uint32_t max_clen);

int vol_footer_read(int fd, uint64_t at, uint64_t size, struct footer *ft);

/*
 * A data set of known extent [off, end): header, footer, trailer.  The
 * constant-time check behind the reader and the open of a clean volume.
 */
int vol_dataset_check_extent(int fd, uint64_t off, uint64_t end, uint64_t size,
			     struct volume_dataset_info *di,
			     unsigned char *hbuf, struct chunk_ref **index);

/*
 * Walk one data set forward from its header at off: header, every chunk
 * header, trailer, footer; the walked chunk headers must be the trailer's
 * index.  Returns its state; di describes it as far as known.
 */
int vol_dataset_walk(int fd, uint64_t off, uint64_t size,
		     struct volume_dataset_info *di, unsigned char *hbuf,
		     struct ds_walk *dw);

int vol_eov_at(struct walk *w, uint64_t off, int *like);

/*
 * The one walk behind volume_scan() and the open of a volume that did
 * not end cleanly.  cb (may be NULL) hears every data set.
 */
int vol_walk_volume(struct walk *w,
		    int (*cb)(const struct volume_dataset_info *, void *),
		    void *arg);

#endif
