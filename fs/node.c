// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tree: which nodes exist, their attributes, their listings.
 *
 * Every answer comes from the repository through the catalog library;
 * nothing is cached here (the kernel caches for the entry and attribute
 * timeout).  Directories list by key: the directory offset of an entry is
 * its row id (plus a small base where fixed entries come first), and a
 * listing resumes with "id > offset" — never SQL OFFSET — so a page costs
 * one indexed query however far into a large directory it is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive.h"
#include "copy.h"
#include "file.h"
#include "fs_int.h"
#include "group.h"
#include "location.h"
#include "pit.h"
#include "pool.h"
#include "logreport.h"
#include "report.h"
#include "shipment.h"
#include "rtime.h"

/* Rows per query of a listing: about what one readdir reply holds, so a
 * page is not fetched to be thrown away. */
#define PAGE 64

struct fixed {
	const char *name;
	int parent;
	mode_t mode;
};

static const struct fixed fixed[F_NFIXED] = {
	[F_ROOT] = { "", F_ROOT, S_IFDIR | 0755 },
	[F_README] = { "README", F_ROOT, S_IFREG | 0444 },
	[F_CTL] = { "ctl", F_ROOT, S_IFREG | 0600 },
	[F_STATUS] = { "status", F_ROOT, S_IFREG | 0444 },
	[F_FILES] = { "files", F_ROOT, S_IFDIR | 0755 },
	[F_GROUPS] = { "groups", F_ROOT, S_IFDIR | 0755 },
	[F_BACKUPS] = { "backups", F_ROOT, S_IFDIR | 0555 },
	[F_BYLOC] = { "by-location", F_BACKUPS, S_IFDIR | 0555 },
	[F_BYFILE] = { "by-file", F_BACKUPS, S_IFDIR | 0555 },
	[F_VOLUMES] = { "volumes", F_ROOT, S_IFDIR | 0500 },
	[F_LOCATIONS] = { "locations", F_ROOT, S_IFDIR | 0555 },
	[F_LOCACTIVE] = { "active", F_LOCATIONS, S_IFDIR | 0755 },
	[F_LOCINACTIVE] = { "inactive", F_LOCATIONS, S_IFDIR | 0755 },
	[F_REPORTS] = { "reports", F_ROOT, S_IFDIR | 0555 },
	[F_REP_BACKUPS] = { "backups.txt", F_REPORTS, S_IFREG | 0444 },
	[F_REP_BACKUPS_JSON] = { "backups.json", F_REPORTS, S_IFREG | 0444 },
	[F_REP_VOLUMES] = { "volumes.txt", F_REPORTS, S_IFREG | 0444 },
	[F_REP_VOLUMES_JSON] = { "volumes.json", F_REPORTS, S_IFREG | 0444 },
	[F_REPOSITORY] = { "repository", F_ROOT, S_IFDIR | 0555 },
	[F_REPBYLOC] = { "by-location", F_REPOSITORY, S_IFDIR | 0555 },
	[F_SHIPMENTS] = { "shipments", F_ROOT, S_IFDIR | 0555 },
	[F_SHIPPENDING] = { "pending", F_SHIPMENTS, S_IFDIR | 0555 },
	[F_JCL] = { "jcl", F_ROOT, S_IFDIR | 0755 },
	[F_PIT] = { "pit", F_ROOT, S_IFREG | 0644 },
	[F_JCLBACKUPS] = { "jcl-backups", F_ROOT, S_IFDIR | 0555 },
	[F_JCLBYLOC] = { "by-location", F_JCLBACKUPS, S_IFDIR | 0555 },
	[F_REP_PULL] = { "pull-list.txt", F_REPORTS, S_IFREG | 0444 },
	[F_REP_PULL_JSON] = { "pull-list.json", F_REPORTS, S_IFREG | 0444 },
	[F_REP_LOGS] = { "logs.txt", F_REPORTS, S_IFREG | 0444 },
	[F_REP_LOGS_JSON] = { "logs.json", F_REPORTS, S_IFREG | 0444 },
	[F_LOGS] = { "logs", F_ROOT, S_IFDIR | 0500 },
	[F_REP_ARCHIVES] = { "archives.txt", F_REPORTS, S_IFREG | 0444 },
	[F_REP_ARCHIVES_JSON] = { "archives.json", F_REPORTS, S_IFREG | 0444 },
	[F_ARCHIVES] = { "archives", F_ROOT, S_IFDIR | 0555 },
	[F_ARCBYLOC] = { "by-location", F_ARCHIVES, S_IFDIR | 0555 },
};

static void stat_base(struct node *n, fuse_ino_t ino, mode_t mode,
		      int64_t mtime_us)
{
	memset(&n->st, 0, sizeof(n->st));
	n->ino = ino;
	n->st.st_ino = ino;
	n->st.st_mode = mode;
	n->st.st_nlink = S_ISDIR(mode) ? 2 : 1;
	n->st.st_uid = fs.uid;
	n->st.st_gid = fs.gid;
	n->st.st_blksize = 4096;
	n->st.st_mtim.tv_sec = (time_t)(mtime_us / 1000000);
	n->st.st_mtim.tv_nsec = (long)(mtime_us % 1000000) * 1000;
	n->st.st_ctim = n->st.st_mtim;
	n->st.st_atim = n->st.st_mtim;
}

static void set_size(struct node *n, uint64_t size, uint64_t stored)
{
	n->st.st_size = (off_t)size;
	n->st.st_blocks = (blkcnt_t)((stored + 511) / 512);
}

static void symlink_node(struct node *n, fuse_ino_t ino, int64_t mtime_us,
			 const char *target)
{
	stat_base(n, ino, S_IFLNK | 0777, mtime_us);
	snprintf(n->target, sizeof(n->target), "%s", target);
	n->st.st_size = (off_t)strlen(n->target);
}

/* ---- nodes by kind --------------------------------------------------------
 */

static int fixed_node(uint64_t id, struct node *n)
{
	char *buf;
	size_t len;
	int rc;

	if (id < F_ROOT || id >= F_NFIXED)
		return -ENOENT;
	stat_base(n, node_ino(T_FIXED, id), fixed[id].mode, fs.mount_us);
	if (S_ISREG(fixed[id].mode) && id != F_CTL) {
		/* Generated: the size is the size of what a read gives. */
		rc = node_generate(n->ino, &buf, &len);
		if (rc < 0)
			return rc;
		free(buf);
		set_size(n, len, len);
	}
	return 0;
}

static void file_node(const struct file_info *fi, struct node *n)
{
	symlink_node(n, node_ino(T_FILE, (uint64_t)fi->id), fi->registered_us,
		     fi->path);
}

static void group_node(const struct group_info *g, struct node *n)
{
	stat_base(n, node_ino(T_GROUP, (uint64_t)g->id), S_IFDIR | 0755,
		  g->created_us);
	n->st.st_size = g->members;
}

static void member_node(int64_t gid, int64_t fid, const char *dsn,
			struct node *n)
{
	char target[NAMES_DSN_MAX + 16];

	snprintf(target, sizeof(target), "../../files/%s", dsn);
	symlink_node(n,
		     node_ino(T_MEMBER,
			      (uint64_t)gid << MEMBER_BITS | (uint64_t)fid),
		     fs.mount_us, target);
}

static void location_dir(int type, const struct location_info *li,
			 struct node *n)
{
	stat_base(n, node_ino(type, (uint64_t)li->id), S_IFDIR | 0755,
		  li->created_us ? li->created_us : fs.mount_us);
}

/* A copy's content: owner and mode of the file when it was backed up. */
static void copy_node(const struct copy_info *ci, struct node *n)
{
	stat_base(n, node_ino(T_COPY, (uint64_t)ci->copy_id),
		  S_IFREG | (ci->mode & 07777), ci->start_us);
	n->st.st_uid = ci->uid;
	n->st.st_gid = ci->gid;
	set_size(n, ci->size, ci->stored);
}

static void bkfile_copy_node(const struct copy_info *ci, struct node *n)
{
	char name[COPY_NAME_MAX], target[COPY_NAME_MAX + 48];

	copy_name(ci, name, sizeof(name));
	snprintf(target, sizeof(target), "../../by-location/%s/%s",
		 ci->location, name);
	symlink_node(n, node_ino(T_BKFILE_COPY, (uint64_t)ci->copy_id),
		     ci->start_us, target);
}

static void pool_node(const struct pool_info *p, struct node *n)
{
	stat_base(n, node_ino(T_POOL, (uint64_t)p->id), S_IFDIR | 0500,
		  fs.mount_us);
	n->st.st_uid = 0;
	n->st.st_gid = 0;
}

static void volume_node(const struct pool_volume_info *v, struct node *n)
{
	struct stat sb;

	stat_base(n, node_ino(T_VOLUME, (uint64_t)v->id), S_IFREG | 0400,
		  v->sealed_us ? v->sealed_us : v->created_us);
	n->st.st_uid = 0;
	n->st.st_gid = 0;
	/* The file as it is (an open volume grows). */
	if (stat(v->path, &sb) == 0)
		set_size(n, (uint64_t)sb.st_size, (uint64_t)sb.st_blocks * 512);
	else
		set_size(n, v->size, v->size);
}

/* The newest backup's usable copy, else its lowest-numbered one. */
static int latest_copy(struct repo *r, const char *dsn, struct copy_info *ci)
{
	return copy_select(r, dsn, INT64_MAX, 0, ci);
}

static void latest_node(int64_t file_id, const struct copy_info *ci,
			struct node *n)
{
	char name[COPY_NAME_MAX];

	copy_name(ci, name, sizeof(name));
	symlink_node(n, node_ino(T_BKFILE_LATEST, (uint64_t)file_id),
		     ci->start_us, name);
}

/* ---- getattr ------------------------------------------------------------ */

int node_stat(fuse_ino_t ino, struct node *n)
{
	uint64_t id = node_id_of(ino);
	struct repo *r;
	struct file_info fi;
	struct group_info g;
	struct location_info li;
	struct copy_info ci;
	struct pool_info p;
	struct pool_volume_info v;
	int type = node_type_of(ino), rc;

	if (type == T_FIXED)
		return fixed_node(id, n);
	if (type == T_JCL)
		return jcl_stat(ino, n);
	if (type == T_LOGSTREAM || type == T_LOGSEG)
		return logtree_stat(ino, n);
	r = fs_repo();
	if (!r)
		return -ENOENT;
	switch (type) {
	case T_FILE:
		rc = file_get(r, (int64_t)id, &fi);
		if (rc == 0)
			file_node(&fi, n);
		return rc;
	case T_GROUP:
		rc = group_get(r, (int64_t)id, &g);
		if (rc == 0)
			group_node(&g, n);
		return rc;
	case T_MEMBER:
		rc = group_has_member(
			r, (int64_t)(id >> MEMBER_BITS),
			(int64_t)(id & ((1ULL << MEMBER_BITS) - 1)));
		if (rc <= 0)
			return rc < 0 ? rc : -ENOENT;
		rc = file_get(r, (int64_t)(id & ((1ULL << MEMBER_BITS) - 1)),
			      &fi);
		if (rc == 0)
			member_node((int64_t)(id >> MEMBER_BITS), fi.id, fi.dsn,
				    n);
		return rc;
	case T_SHIPMENT:
		rc = shipment_time(r, (int64_t)id, &ci.start_us);
		if (rc == 0)
			stat_base(n, ino, S_IFDIR | 0555, ci.start_us);
		return rc;
	case T_BKLOC:
	case T_REPLOC:
	case T_JBLOC:
	case T_ARCLOC:
	case T_LOCSTATE:
		rc = location_get(r, (int64_t)id, &li);
		if (rc == 0)
			location_dir(type, &li, n);
		return rc;
	case T_COPY:
	case T_BKFILE_COPY:
		rc = copy_get(r, (int64_t)id, &ci);
		if (rc == 0 && type == T_COPY)
			copy_node(&ci, n);
		else if (rc == 0)
			bkfile_copy_node(&ci, n);
		return rc;
	case T_BKFILE:
		rc = file_get(r, (int64_t)id, &fi);
		if (rc == 0)
			stat_base(n, ino, S_IFDIR | 0555, fi.registered_us);
		return rc;
	case T_BKFILE_LATEST:
		rc = file_get(r, (int64_t)id, &fi);
		if (rc == 0)
			rc = latest_copy(r, fi.dsn, &ci);
		if (rc == 0)
			latest_node(fi.id, &ci, n);
		return rc;
	case T_POOL:
		rc = pool_get(r, (int64_t)id, &p);
		if (rc == 0)
			pool_node(&p, n);
		return rc;
	case T_VOLUME:
		rc = pool_volume_get(r, (int64_t)id, &v);
		if (rc == 0)
			volume_node(&v, n);
		return rc;
	default:
		return -ENOENT;
	}
}

/* ---- lookup ---------------------------------------------------------------
 */

static int lookup_fixed(uint64_t parent, const char *name, struct node *n)
{
	uint64_t i;

	for (i = F_ROOT + 1; i < F_NFIXED; i++)
		if ((uint64_t)fixed[i].parent == parent &&
		    !strcmp(fixed[i].name, name))
			return fixed_node(i, n);
	return -ENOENT;
}

static int is_fixed_dir_with_rows(uint64_t id)
{
	return id == F_FILES || id == F_GROUPS || id == F_BYLOC ||
	       id == F_BYFILE || id == F_VOLUMES || id == F_LOCACTIVE ||
	       id == F_LOCINACTIVE || id == F_REPBYLOC || id == F_SHIPMENTS ||
	       id == F_SHIPPENDING || id == F_JCLBYLOC || id == F_ARCBYLOC;
}

/* A volume file in shipments/pending (ship 0) or shipments/ID. */
static int lookup_shipped_volume(struct repo *r, int64_t ship, const char *name,
				 struct node *n)
{
	struct pool_volume_info v;
	int rc;

	rc = pool_volume_find(r, name, &v);
	if (rc == 0)
		rc = shipment_has_volume(r, ship, v.id);
	if (rc < 0)
		return rc;
	if (!rc)
		return -ENOENT;
	volume_node(&v, n);
	return 0;
}

static int lookup_shipment(struct repo *r, const char *name, struct node *n)
{
	int64_t id, t;
	char *end;

	id = strtoll(name, &end, 10);
	if (*end || id <= 0 || name[0] == '0' || shipment_time(r, id, &t) < 0)
		return -ENOENT;
	stat_base(n, node_ino(T_SHIPMENT, (uint64_t)id), S_IFDIR | 0555, t);
	return 0;
}

/* The directories of locations: which kind each fixed parent holds. */
static int location_dir_type(uint64_t parent)
{
	switch (parent) {
	case F_BYLOC:
		return T_BKLOC;
	case F_REPBYLOC:
		return T_REPLOC;
	case F_JCLBYLOC:
		return T_JBLOC;
	case F_ARCBYLOC:
		return T_ARCLOC;
	default:
		return T_LOCSTATE;
	}
}

/* The kind of copy a location directory lists: backup, repository, JCL. */
static char copy_kind_of(int dir_type)
{
	return dir_type == T_BKLOC    ? 'B'
	       : dir_type == T_REPLOC ? 'R'
	       : dir_type == T_ARCLOC ? 'A'
				      : 'J';
}

static int lookup_rows(struct repo *r, uint64_t parent, const char *name,
		       struct node *n)
{
	struct file_info fi;
	struct group_info g;
	struct location_info li;
	struct pool_info p;
	struct pool_volume_info v;
	int rc;

	switch (parent) {
	case F_FILES:
		rc = file_lookup(r, name, &fi);
		/* Names that are not DSNs simply do not exist here. */
		if (rc == 0)
			file_node(&fi, n);
		return rc == -EINVAL ? -ENOENT : rc;
	case F_GROUPS:
		rc = group_lookup(r, name, &g);
		if (rc == 0)
			group_node(&g, n);
		return rc == -EINVAL ? -ENOENT : rc;
	case F_SHIPMENTS:
		return lookup_shipment(r, name, n);
	case F_SHIPPENDING:
		return lookup_shipped_volume(r, 0, name, n);
	case F_BYLOC:
	case F_REPBYLOC:
	case F_JCLBYLOC:
	case F_ARCBYLOC:
	case F_LOCACTIVE:
	case F_LOCINACTIVE:
		rc = location_lookup(r, name, &li);
		if (rc == -EINVAL)
			return -ENOENT;
		if (rc < 0)
			return rc;
		/* Exact case: one name per location in the tree. */
		if (strcmp(li.name, name) ||
		    (parent == F_LOCACTIVE && !li.active) ||
		    (parent == F_LOCINACTIVE && li.active))
			return -ENOENT;
		location_dir(location_dir_type(parent), &li, n);
		return 0;
	case F_BYFILE:
		rc = file_lookup(r, name, &fi);
		if (rc == 0 && strcmp(fi.dsn, name))
			rc = -ENOENT;
		if (rc == 0)
			stat_base(n, node_ino(T_BKFILE, (uint64_t)fi.id),
				  S_IFDIR | 0555, fi.registered_us);
		return rc == -EINVAL ? -ENOENT : rc;
	case F_VOLUMES:
		rc = pool_find(r, name, &p);
		if (rc == 0)
			pool_node(&p, n);
		return rc;
	}
	(void)v;
	return -ENOENT;
}

int node_lookup(fuse_ino_t parent, const char *name, struct node *n)
{
	uint64_t pid = node_id_of(parent);
	int ptype = node_type_of(parent), rc;
	struct repo *r;
	struct copy_info ci;
	struct file_info fi;
	struct group_info g;
	struct location_info li;
	struct pool_info p;
	struct pool_volume_info v;

	if (parent == node_ino(T_FIXED, F_JCL))
		return jcl_lookup(name, n);
	if (parent == node_ino(T_FIXED, F_LOGS) || ptype == T_LOGSTREAM)
		return logtree_lookup(parent, name, n);
	if (ptype == T_FIXED) {
		rc = lookup_fixed(pid, name, n);
		if (rc != -ENOENT || !is_fixed_dir_with_rows(pid))
			return rc;
	}
	r = fs_repo();
	if (!r)
		return -ENOENT;
	if (ptype == T_FIXED)
		return lookup_rows(r, pid, name, n);
	switch (ptype) {
	case T_GROUP:
		rc = group_get(r, (int64_t)pid, &g);
		if (rc == 0)
			rc = file_lookup(r, name, &fi);
		if (rc == 0 && strcmp(fi.dsn, name))
			rc = -ENOENT;
		if (rc == 0) {
			rc = group_has_member(r, g.id, fi.id);
			rc = rc < 0 ? rc : rc ? 0 : -ENOENT;
		}
		if (rc == 0)
			member_node(g.id, fi.id, fi.dsn, n);
		return rc == -EINVAL ? -ENOENT : rc;
	case T_SHIPMENT:
		return lookup_shipped_volume(r, (int64_t)pid, name, n);
	case T_BKLOC:
	case T_REPLOC:
	case T_JBLOC:
	case T_ARCLOC:
		rc = location_get(r, (int64_t)pid, &li);
		if (rc == 0)
			rc = copy_lookup(r, name, &ci);
		if (rc == 0 && (strcasecmp(ci.location, li.name) ||
				ci.kind != copy_kind_of(ptype)))
			rc = -ENOENT;
		if (rc == 0)
			copy_node(&ci, n);
		return rc == -EINVAL ? -ENOENT : rc;
	case T_BKFILE:
		rc = file_get(r, (int64_t)pid, &fi);
		if (rc < 0)
			return rc;
		if (!strcmp(name, "latest")) {
			rc = latest_copy(r, fi.dsn, &ci);
			if (rc == 0)
				latest_node(fi.id, &ci, n);
			return rc;
		}
		rc = copy_lookup(r, name, &ci);
		if (rc == 0 && strcmp(ci.dsn, fi.dsn))
			rc = -ENOENT;
		if (rc == 0)
			bkfile_copy_node(&ci, n);
		return rc == -EINVAL ? -ENOENT : rc;
	case T_POOL:
		rc = pool_get(r, (int64_t)pid, &p);
		if (rc == 0)
			rc = pool_volume_find(r, name, &v);
		if (rc == 0 && v.pool_id != p.id)
			rc = -ENOENT;
		if (rc == 0)
			volume_node(&v, n);
		return rc;
	default:
		return -ENOENT;
	}
}

/* ---- readdir ----------------------------------------------------------------
 */

struct walk {
	node_fill_fn fill;
	void *ctx;
	int full;
	int64_t gid;  /* members */
	int active;   /* locations/active or inactive */
	int type;     /* location directories: T_BKLOC or T_LOCSTATE */
	int64_t last; /* id of the last row seen */
	int64_t skip; /* short lists read whole: ids up to here were sent */
	unsigned seen;
};

static int emit(struct walk *w, const char *name, const struct node *n,
		int64_t id, off_t base)
{
	w->last = id;
	w->seen++;
	if (w->fill(w->ctx, name, n, (off_t)id + base)) {
		w->full = 1;
		return 1;
	}
	return 0;
}

static int walk_file(const struct file_info *fi, void *arg)
{
	struct walk *w = arg;
	struct node n;

	file_node(fi, &n);
	return emit(w, fi->dsn, &n, fi->id, 0);
}

static int walk_bkfile(const struct file_info *fi, void *arg)
{
	struct walk *w = arg;
	struct node n;

	stat_base(&n, node_ino(T_BKFILE, (uint64_t)fi->id), S_IFDIR | 0555,
		  fi->registered_us);
	return emit(w, fi->dsn, &n, fi->id, 0);
}

static int walk_group(const struct group_info *g, void *arg)
{
	struct walk *w = arg;
	struct node n;

	group_node(g, &n);
	return emit(w, g->name, &n, g->id, 0);
}

static int walk_member(int64_t fid, const char *dsn, void *arg)
{
	struct walk *w = arg;
	struct node n;

	member_node(w->gid, fid, dsn, &n);
	return emit(w, dsn, &n, fid, 0);
}

static int walk_location(const struct location_info *li, void *arg)
{
	struct walk *w = arg;
	struct node n;

	if (li->id <= w->skip)
		return 0;
	if (w->type == T_LOCSTATE && li->active != w->active)
		return 0;
	location_dir(w->type, li, &n);
	return emit(w, li->name, &n, li->id, 0);
}

static int walk_copy(const struct copy_info *ci, void *arg)
{
	struct walk *w = arg;
	char name[COPY_NAME_MAX];
	struct node n;

	copy_name(ci, name, sizeof(name));
	if (w->type == T_COPY)
		copy_node(ci, &n);
	else
		bkfile_copy_node(ci, &n);
	return emit(w, name, &n, ci->copy_id, 1);
}

static int walk_shipment(int64_t id, int64_t t, void *arg)
{
	struct walk *w = arg;
	char name[24];
	struct node n;

	snprintf(name, sizeof(name), "%lld", (long long)id);
	stat_base(&n, node_ino(T_SHIPMENT, (uint64_t)id), S_IFDIR | 0555, t);
	return emit(w, name, &n, id, F_NFIXED);
}

/* Volumes of a shipment (or pending): the offset is the volume's id. */
static int walk_shipped_volume(int64_t vid, void *arg)
{
	struct walk *w = arg;
	struct pool_volume_info v;
	struct node n;

	if (pool_volume_get(fs_repo(), vid, &v) < 0) {
		w->last = vid; /* gone meanwhile: skip it, keep paging */
		w->seen++;
		return 0;
	}
	volume_node(&v, &n);
	return emit(w, v.volser, &n, vid, 0);
}

static int walk_pool(const struct pool_info *p, void *arg)
{
	struct walk *w = arg;
	struct node n;

	if (p->id <= w->skip)
		return 0; /* listed whole: resume past the offset */
	pool_node(p, &n);
	return emit(w, p->name, &n, p->id, 0);
}

static int walk_volume(const struct pool_volume_info *v, void *arg)
{
	struct walk *w = arg;
	struct node n;

	volume_node(v, &n);
	return emit(w, v->volser, &n, v->id, 0);
}

/* Fixed children first, numbered 1..; rows after, offset by F_NFIXED is
 * not needed: a fixed directory has either fixed children or rows. */
static int readdir_fixed(uint64_t pid, off_t off, struct walk *w)
{
	struct node n;
	uint64_t i;

	for (i = (uint64_t)off + 1; i < F_NFIXED; i++) {
		if ((uint64_t)fixed[i].parent != pid || i == F_ROOT)
			continue;
		if (fixed_node(i, &n) < 0)
			continue;
		if (emit(w, fixed[i].name, &n, (int64_t)i, 0))
			return 0;
	}
	return 0;
}

/* Run one paged listing until the buffer is full or the rows end. */
#define PAGED(call)                                                            \
	do {                                                                   \
		do {                                                           \
			w.seen = 0;                                            \
			rc = (call);                                           \
			off = w.last;                                          \
		} while (rc >= 0 && !w.full && w.seen == PAGE);                \
	} while (0)

int node_readdir(fuse_ino_t ino, off_t off, node_fill_fn fill, void *ctx)
{
	struct walk w = { .fill = fill, .ctx = ctx, .last = off };
	uint64_t id = node_id_of(ino);
	int type = node_type_of(ino), rc = 0;
	struct copy_filter cf = { 0 };
	struct location_info li;
	struct file_info fi;
	struct copy_info ci;
	struct repo *r;
	struct node n;

	if (type == T_FIXED && id == F_JCL)
		return jcl_readdir(off, fill, ctx);
	if ((type == T_FIXED && id == F_LOGS) || type == T_LOGSTREAM)
		return logtree_readdir(ino, off, fill, ctx);
	if (type == T_FIXED && !is_fixed_dir_with_rows(id))
		return readdir_fixed(id, off, &w);
	r = fs_repo();
	if (!r)
		return 0;
	if (type == T_FIXED) {
		switch (id) {
		case F_FILES:
			PAGED(file_list_by_id(r, off, PAGE, walk_file, &w));
			break;
		case F_BYFILE:
			PAGED(file_list_by_id(r, off, PAGE, walk_bkfile, &w));
			break;
		case F_GROUPS:
			PAGED(group_list_by_id(r, off, PAGE, walk_group, &w));
			break;
		case F_SHIPMENTS:
			/* pending first (a fixed child), then the shipments. */
			if (off < F_NFIXED) {
				readdir_fixed(id, off, &w);
				if (w.full)
					return 0;
				off = F_NFIXED;
			}
			rc = shipment_ids(r, off - F_NFIXED, walk_shipment, &w);
			break;
		case F_SHIPPENDING:
			PAGED(shipment_volume_page(r, 0, off, PAGE,
						   walk_shipped_volume, &w));
			break;
		case F_BYLOC:
		case F_REPBYLOC:
		case F_JCLBYLOC:
		case F_ARCBYLOC:
		case F_LOCACTIVE:
		case F_LOCINACTIVE:
			/* A handful of rows: listed whole, skipping to off. */
			w.type = location_dir_type(id);
			w.active = id == F_LOCACTIVE;
			rc = location_list_by_id(r, off, walk_location, &w);
			break;
		case F_VOLUMES:
			w.skip = off;
			rc = pool_list(r, walk_pool, &w);
			break;
		}
		return rc < 0 ? rc : 0;
	}
	switch (type) {
	case T_GROUP:
		w.gid = (int64_t)id;
		PAGED(group_members_by_id(r, (int64_t)id, off, PAGE,
					  walk_member, &w));
		break;
	case T_SHIPMENT:
		PAGED(shipment_volume_page(r, (int64_t)id, off, PAGE,
					   walk_shipped_volume, &w));
		break;
	case T_BKLOC:
	case T_REPLOC:
	case T_JBLOC:
	case T_ARCLOC:
		rc = location_get(r, (int64_t)id, &li);
		if (rc < 0)
			break;
		cf.location = li.name;
		cf.limit = PAGE;
		cf.kind = copy_kind_of(type);
		w.type = T_COPY;
		do {
			w.seen = 0;
			cf.after_id = off ? off - 1 : 0;
			rc = copy_list(r, &cf, walk_copy, &w);
			off = w.last + 1;
		} while (rc >= 0 && !w.full && w.seen == PAGE);
		break;
	case T_BKFILE:
		rc = file_get(r, (int64_t)id, &fi);
		if (rc < 0)
			break;
		/* latest at offset 1, the copies after it. */
		if (off < 1 && latest_copy(r, fi.dsn, &ci) == 0) {
			latest_node(fi.id, &ci, &n);
			if (fill(ctx, "latest", &n, 1))
				return 0;
		}
		cf.dsn = fi.dsn;
		cf.limit = PAGE;
		w.type = T_BKFILE_COPY;
		if (off < 1)
			off = 1;
		do {
			w.seen = 0;
			cf.after_id = off - 1;
			rc = copy_list(r, &cf, walk_copy, &w);
			off = w.last + 1;
		} while (rc >= 0 && !w.full && w.seen == PAGE);
		break;
	case T_POOL:
		PAGED(pool_volume_list(r, (int64_t)id, off, PAGE, walk_volume,
				       &w));
		break;
	case T_LOCSTATE:
		break; /* empty: only its name and place matter */
	default:
		rc = -ENOTDIR;
	}
	return rc < 0 ? rc : 0;
}

/* ---- generated files ---------------------------------------------------- */

static const char readme[] =
	"This is a RUV home seen through ruvfs: the recovery catalog as a\n"
	"tree.  Everything here is the repository; nothing is stored twice.\n"
	"\n"
	"  ctl          write a ruv command line to run it (root only):\n"
	"                 echo 'backup --group PAYROLL' > ctl\n"
	"  status       the outcome of recent ctl commands, recent errors\n"
	"  files/DSN    registered files: ln -s PATH files/DSN registers,\n"
	"               rm files/DSN unregisters\n"
	"  groups/G     mkdir/rmdir a group; ln -s ../../files/DSN groups/G/\n"
	"               adds a member, rm groups/G/DSN removes it\n"
	"  backups/by-location/LOC/NAME\n"
	"               one file per backup copy: reading it gives the file\n"
	"               as of that backup (every chunk checked, EIO if\n"
	"               damaged); mv it to another LOC to relocate the copy:\n"
	"                 mv backups/by-location/Staging/* \\\n"
	"                    backups/by-location/Offsite/\n"
	"  backups/by-file/DSN/   the same copies per file, and latest\n"
	"  volumes/POOL/VOLSER    the volume files, read-only (root only)\n"
	"  repository/by-location/LOC/NAME\n"
	"               repository backup copies (root only); mv relocates\n"
	"  jcl-backups/by-location/LOC/NAME\n"
	"               JCL library backup copies (root only); mv relocates\n"
	"  shipments/pending/     the volumes the next pull list ships\n"
	"  shipments/ID/          the volumes of shipment ID:\n"
	"                 cp -r shipments/3 /media/transport/\n"
	"  locations/active/LOC, locations/inactive/LOC\n"
	"               mv between them is the toggle:\n"
	"                 mv locations/active/Local locations/inactive/\n"
	"                 mv locations/inactive/Offsite locations/active/\n"
	"  jcl/         the recovery JCL library: an ordinary directory\n"
	"  pit          read: the recovery point in every form; write a time\n"
	"               or a RECON listing to set it (and update jcl/):\n"
	"                 cat recon.lst > pit\n"
	"  logs/STREAM/SEGMENT    the log streams' segment files, read-only\n"
	"               (root only); getfattr -d: LSNs, times, archived\n"
	"  archives/by-location/LOC/NAME\n"
	"               one file per archive copy (RUV.ARCHIVE, RUV.UOW,\n"
	"               RUV.ACCUM, RUV.ACCUM.UOW ...A<id>.C<copy>): the\n"
	"               archive's log records as stored (a consolidated\n"
	"               one: then its index); root only\n"
	"  reports/     the Backup report, the volume report, the pull\n"
	"               list (as ruv pull-list, not committed), the log\n"
	"               streams (as ruv log list) and the archive report,\n"
	"               .txt and .json\n"
	"\n"
	"Copy names: DSN.Dyyyymmdd.Thhmmss.B<backup>.C<copy>, times in UTC.\n"
	"Unmount with: fusermount3 -u MOUNTPOINT\n";

int node_generate(fuse_ino_t ino, char **buf, size_t *len)
{
	struct pit_stored pit;
	struct repo *r;
	FILE *out;
	int rc = 0;

	*buf = NULL;
	*len = 0;
	out = open_memstream(buf, len);
	if (!out)
		return -ENOMEM;
	switch (node_id_of(ino)) {
	case F_README:
		fputs(readme, out);
		break;
	case F_STATUS:
		ctl_status(out);
		break;
	case F_PIT:
		r = fs_repo();
		if (r && pit_current(r, &pit) == 0)
			pit_write_text(&pit, 0, out);
		else
			fputs("no recovery point set: write a time or a RECON "
			      "listing here\n",
			      out);
		break;
	case F_REP_BACKUPS:
	case F_REP_BACKUPS_JSON:
		r = fs_repo();
		if (r)
			rc = report_backups(
				r, NULL, node_id_of(ino) == F_REP_BACKUPS_JSON,
				out);
		break;
	case F_REP_VOLUMES:
	case F_REP_VOLUMES_JSON:
		r = fs_repo();
		if (r)
			rc = report_volumes(
				r, node_id_of(ino) == F_REP_VOLUMES_JSON, out);
		break;
	case F_REP_ARCHIVES:
	case F_REP_ARCHIVES_JSON:
		r = fs_repo();
		if (r)
			rc = archive_report(
				r, node_id_of(ino) == F_REP_ARCHIVES_JSON, out);
		break;
	case F_REP_PULL:
	case F_REP_PULL_JSON:
		/* What ruv pull-list shows, never committed from here. */
		r = fs_repo();
		if (r)
			rc = pull_list_report(
				r, node_id_of(ino) == F_REP_PULL_JSON, out,
				NULL);
		break;
	case F_REP_LOGS:
	case F_REP_LOGS_JSON:
		r = fs_repo();
		if (r)
			rc = report_logs(r, node_id_of(ino) == F_REP_LOGS_JSON,
					 out);
		break;
	default:
		rc = -EINVAL;
	}
	if (fclose(out) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc < 0) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}
