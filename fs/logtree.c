// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * logs/STREAM/SEGMENT: the segment files of each log stream, read-only
 * (root only, like the volumes: they hold the bytes of protected files),
 * with user.ruv.* attributes: the stream, the first and last LSN and time
 * of the segment, and whether it is archived.
 *
 * Inode numbers are computed: T_LOGSTREAM and the stream's row id;
 * T_LOGSEG and the stream id << 40 | the segment's first LSN (its file
 * name), so both survive remounts.  Nothing is cached.  Listing a stream
 * reads its directory; the attributes read the segment's records (the
 * last time of a segment is its last record's), so getfattr costs a read
 * of the segment, stat and ls do not.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs_int.h"
#include "logcat.h"
#include "logstream.h"
#include "rtime.h"

#define SEG_LSN_BITS 40
#define SEG_LSN_MASK ((UINT64_C(1) << SEG_LSN_BITS) - 1)
#define SEG_SUFFIX   ".rlog"

struct find_id {
	int64_t id;
	struct logcat_info *out;
};

static int match_id(const struct logcat_info *li, void *arg)
{
	struct find_id *f = arg;

	if (li->id != f->id)
		return 0;
	*f->out = *li;
	return 1;
}

static int stream_by_id(int64_t id, struct logcat_info *out)
{
	struct repo *r = fs_repo();
	struct find_id f = { id, out };
	int rc;

	if (!r)
		return -ENOENT;
	rc = logcat_list(r, match_id, &f);
	return rc == 1 ? 0 : rc < 0 ? rc : -ENOENT;
}

/* A segment's first LSN from its name, 0 when it is not one. */
static uint64_t seg_lsn(const char *name)
{
	char *end;
	uint64_t lsn;

	if (strlen(name) != 20 + strlen(SEG_SUFFIX) || name[0] < '0' ||
	    name[0] > '9')
		return 0;
	lsn = strtoull(name, &end, 10);
	return strcmp(end, SEG_SUFFIX) == 0 ? lsn : 0;
}

static void seg_name(uint64_t lsn, char *buf, size_t len)
{
	snprintf(buf, len, "%020" PRIu64 SEG_SUFFIX, lsn);
}

static void base(struct node *n, fuse_ino_t ino, const struct stat *sb,
		 mode_t mode)
{
	memset(n, 0, sizeof(*n));
	n->ino = ino;
	n->st = *sb;
	n->st.st_ino = ino;
	n->st.st_mode = mode;
	n->st.st_nlink = S_ISDIR(mode) ? 2 : 1;
	n->st.st_uid = 0;
	n->st.st_gid = 0;
	if (S_ISDIR(mode))
		n->st.st_size = 0;
}

static int stream_node(const struct logcat_info *li, struct node *n)
{
	struct stat sb;

	if (stat(li->dir, &sb) < 0)
		memset(&sb, 0, sizeof(sb));
	base(n, node_ino(T_LOGSTREAM, (uint64_t)li->id), &sb, S_IFDIR | 0500);
	return 0;
}

static int seg_node(const struct logcat_info *li, uint64_t lsn, struct node *n)
{
	char path[PATH_MAX + 32];
	struct stat sb;

	if ((uint64_t)li->id > (ID_MASK >> SEG_LSN_BITS) || lsn > SEG_LSN_MASK)
		return -EOVERFLOW;
	snprintf(path, sizeof(path), "%s/", li->dir);
	seg_name(lsn, path + strlen(path), sizeof(path) - strlen(path));
	if (stat(path, &sb) < 0)
		return -errno;
	base(n, node_ino(T_LOGSEG, (uint64_t)li->id << SEG_LSN_BITS | lsn), &sb,
	     S_IFREG | 0400);
	return 0;
}

static int seg_of(fuse_ino_t ino, struct logcat_info *li, uint64_t *lsn)
{
	uint64_t id = node_id_of(ino);

	*lsn = id & SEG_LSN_MASK;
	return stream_by_id((int64_t)(id >> SEG_LSN_BITS), li);
}

int logtree_stat(fuse_ino_t ino, struct node *n)
{
	struct logcat_info li;
	uint64_t lsn;
	int rc;

	if (node_type_of(ino) == T_LOGSTREAM) {
		rc = stream_by_id((int64_t)node_id_of(ino), &li);
		return rc < 0 ? rc : stream_node(&li, n);
	}
	rc = seg_of(ino, &li, &lsn);
	return rc < 0 ? rc : seg_node(&li, lsn, n);
}

int logtree_lookup(fuse_ino_t parent, const char *name, struct node *n)
{
	struct repo *r = fs_repo();
	struct logcat_info li;
	uint64_t lsn;
	int rc;

	if (!r)
		return -ENOENT;
	if (node_type_of(parent) == T_FIXED) {
		rc = logcat_lookup(r, name, &li);
		if (rc == 0 && strcmp(li.name, name) != 0)
			rc = -ENOENT; /* only the folded name is listed */
		return rc < 0 ? -ENOENT : stream_node(&li, n);
	}
	lsn = seg_lsn(name);
	if (!lsn)
		return -ENOENT;
	rc = stream_by_id((int64_t)node_id_of(parent), &li);
	return rc < 0 ? rc : seg_node(&li, lsn, n);
}

struct streams {
	struct logcat_info *v;
	size_t n, cap;
};

static int collect(const struct logcat_info *li, void *arg)
{
	struct streams *s = arg;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct logcat_info *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *li;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct logcat_info *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int by_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The first LSNs of the stream's segments, in order: malloc'd. */
static int seg_list(const char *dir, uint64_t **out, size_t *n)
{
	uint64_t *v = NULL, lsn;
	size_t cap = 0, cnt = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		lsn = seg_lsn(de->d_name);
		if (!lsn)
			continue;
		if (cnt == cap) {
			uint64_t *nv;

			cap = cap ? 2 * cap : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = lsn;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), by_u64);
	*out = v;
	*n = cnt;
	return 0;
}

/* Streams by id (the offset); segments by first LSN (the offset). */
int logtree_readdir(fuse_ino_t ino, off_t off, node_fill_fn fill, void *ctx)
{
	struct streams s = { 0 };
	struct logcat_info li;
	char name[40];
	struct node n;
	uint64_t *segs = NULL;
	size_t i, cnt = 0;
	int rc;

	if (node_type_of(ino) == T_FIXED) {
		if (!fs_repo())
			return 0;
		rc = logcat_list(fs_repo(), collect, &s);
		if (rc >= 0 && s.n)
			qsort(s.v, s.n, sizeof(*s.v), by_id);
		for (i = 0; rc >= 0 && i < s.n; i++) {
			if (s.v[i].id <= off)
				continue;
			stream_node(&s.v[i], &n);
			if (fill(ctx, s.v[i].name, &n, (off_t)s.v[i].id))
				break;
		}
		free(s.v);
		return rc < 0 ? rc : 0;
	}
	rc = stream_by_id((int64_t)node_id_of(ino), &li);
	if (rc == 0)
		rc = seg_list(li.dir, &segs, &cnt);
	for (i = 0; rc == 0 && i < cnt; i++) {
		if ((off_t)segs[i] <= off || seg_node(&li, segs[i], &n) < 0)
			continue;
		seg_name(segs[i], name, sizeof(name));
		if (fill(ctx, name, &n, (off_t)segs[i]))
			break;
	}
	free(segs);
	return rc;
}

int logtree_open(fuse_ino_t ino, int *fd_out)
{
	char path[PATH_MAX + 32];
	struct logcat_info li;
	uint64_t lsn;
	int rc = seg_of(ino, &li, &lsn);

	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/", li.dir);
	seg_name(lsn, path + strlen(path), sizeof(path) - strlen(path));
	*fd_out = open(path, O_RDONLY | O_CLOEXEC);
	return *fd_out < 0 ? -errno : 0;
}

/* The LSNs and times of the records of the segment that starts at lsn:
 * *last < lsn when it holds none yet. */
static int seg_span(const char *dir, uint64_t lsn, uint64_t *last,
		    int64_t *first_us, int64_t *last_us)
{
	struct logreader *lr = NULL;
	struct logrec rec;
	char want[40];
	int rc;

	*last = lsn - 1;
	*first_us = *last_us = 0;
	seg_name(lsn, want, sizeof(want));
	rc = logreader_open(dir, lsn, &lr);
	while (rc >= 0 && (rc = logreader_next(lr, &rec)) == 1 &&
	       strcmp(rec.segment, want) == 0) {
		if (rec.lsn == lsn)
			*first_us = rec.time_us;
		*last = rec.lsn;
		*last_us = rec.time_us;
	}
	logreader_close(lr);
	return rc < 0 ? rc : 0;
}

int logtree_xattrs(fuse_ino_t ino, char **all, size_t *len)
{
	char t1[RTIME_ISO_MAX] = "", t2[RTIME_ISO_MAX] = "";
	struct logcat_info li;
	uint64_t lsn, last;
	int64_t first_us, last_us;
	FILE *out;
	int rc = seg_of(ino, &li, &lsn);

	if (rc == 0)
		rc = seg_span(li.dir, lsn, &last, &first_us, &last_us);
	if (rc < 0)
		return rc;
	if (last >= lsn) {
		rtime_format_iso(first_us, t1, sizeof(t1));
		rtime_format_iso(last_us, t2, sizeof(t2));
	}
	out = open_memstream(all, len);
	if (!out)
		return -ENOMEM;
	/* name NUL value NUL, in a fixed order */
	fprintf(out, "user.ruv.stream%c%s%c", 0, li.name, 0);
	fprintf(out, "user.ruv.first_lsn%c%" PRIu64 "%c", 0, lsn, 0);
	fprintf(out, "user.ruv.last_lsn%c%" PRIu64 "%c", 0, last, 0);
	fprintf(out, "user.ruv.first_time%c%s%c", 0, t1, 0);
	fprintf(out, "user.ruv.last_time%c%s%c", 0, t2, 0);
	fprintf(out, "user.ruv.archived%c%s%c", 0,
		last >= lsn && last <= li.archived_lsn ? "yes" : "no", 0);
	if (fclose(out) != 0) {
		free(*all);
		*all = NULL;
		return -ENOMEM;
	}
	return 0;
}
