// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel cache invalidation after changes made through the tree.
 *
 * The kernel keeps names and attributes for the entry and attribute
 * timeout.  A change made through the tree shows in several views at once
 * (a relocated copy leaves Staging/, enters Offsite/, and its by-file link
 * changes size), so after each change the handler names every entry and
 * inode the change touches, and they are invalidated in the kernel.
 *
 * Invalidations are never sent from a request handler: during rename and
 * unlink the kernel holds the directories' locks until the reply arrives,
 * and a name invalidation in such a directory waits for them.  A handler
 * collects them in a batch of its thread (inval_entry, inval_inode, ...)
 * and hands it over (inval_submit) before it replies; two notifier
 * threads, one per lane, send them.  The inode lane (attributes, page
 * cache) takes no directory lock, so every handler waits for it: when the
 * caller's mv or rm returns, a stale name left in another view already
 * answers from a fresh getattr (ENOENT for a member of a group whose file
 * is gone, the new size of a by-file link).  The entry lane (names) may
 * wait for a directory lock; only a handler that holds none (a ctl write,
 * the close of pit) waits for it, and no thread that a lane waits for
 * ever waits for a lane, so there is no cycle.  ENOENT from the kernel is
 * normal: it means the kernel had nothing cached.
 *
 * Fixed nodes (status, reports, the fixed directories) are marked in a
 * bit mask, so a burst of changes (mv of 10k copies) sends them once per
 * drain, not once per change.
 *
 * A ctl line runs the ruv program and may change anything.  After it the
 * notifier invalidates broadly: every fixed node, every location
 * directory of every view, every jcl/ member, and every entry the kernel
 * was handed (by lookup, readdirplus, create) within the entry timeout:
 * those are recorded here (inval_remember), in two generations of at
 * least one timeout each, so the list holds exactly the names the kernel
 * may still trust.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "copy.h"
#include "file.h"
#include "fs_int.h"
#include "group.h"
#include "location.h"

/* The views that hold copies, by kind: a directory per location. */
static const struct copy_view {
	char kind;
	int dir_type; /* the LOC directory */
	int top;      /* the fixed directory of the LOC directories */
} copy_views[] = {
	{ 'B', T_BKLOC, F_BYLOC },
	{ 'R', T_REPLOC, F_REPBYLOC },
	{ 'J', T_JBLOC, F_JCLBYLOC },
	{ 'A', T_ARCLOC, F_ARCBYLOC },
};

#define NVIEWS (sizeof(copy_views) / sizeof(copy_views[0]))

_Static_assert(F_NFIXED <= 64, "fixed nodes fit the mask");

enum { IT_ENTRY, IT_INODE };

struct item {
	struct item *next;
	int type;
	fuse_ino_t ino; /* IT_ENTRY: the parent */
	size_t namelen;
	char name[];
};

/*
 * Work for one lane: the inode lane sends attribute and data
 * invalidations, which take no directory lock, so a handler may wait for
 * them before it replies; the entry lane sends name invalidations, which
 * take the parent directory's lock, so only a handler that holds no
 * directory (a write to ctl, the close of pit) waits for it.
 */
struct queue {
	struct item *head, *tail;
	uint64_t fixed; /* inode lane: fixed node ids, a bit each */
	int locations;	/* both: every location directory, latest (the
			   inode lane their attributes, the entry lane the
			   names "latest") */
	int jcl;	/* both: every jcl/ member */
	int broad;	/* entry lane: every entry handed out recently */
};

enum { LANE_INODE, LANE_ENTRY, NLANES };

#define ENTRY_WAIT_SEC 2

static _Thread_local struct queue batch[NLANES];

struct lane {
	struct queue pending;	  /* under lock */
	uint64_t submitted, done; /* batches: tickets, under lock */
	pthread_cond_t wake;
	pthread_t thread;
	int id;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static struct lane lanes[NLANES] = {
	[LANE_INODE] = { .wake = PTHREAD_COND_INITIALIZER, .id = LANE_INODE },
	[LANE_ENTRY] = { .wake = PTHREAD_COND_INITIALIZER, .id = LANE_ENTRY },
};
static int stopping; /* under lock */
static int started;
static struct fuse_session *session;

/* ---- the entries the kernel was handed ---------------------------------- */

struct recent {
	fuse_ino_t parent;
	size_t off; /* name in names */
};

struct generation {
	struct recent *v;
	size_t n, cap;
	char *names;
	size_t used, room;
	struct timespec start;
};

/* Names per generation: past it, a name handed out is not recorded and
 * only the timeout expires it after a ctl line. */
#define RECENT_MAX (1U << 21)

static pthread_mutex_t recent_lock = PTHREAD_MUTEX_INITIALIZER;
static struct generation gens[2]; /* [0] current, [1] previous */

static void gen_free(struct generation *g)
{
	free(g->v);
	free(g->names);
	memset(g, 0, sizeof(*g));
}

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static int gen_add(struct generation *g, fuse_ino_t parent, const char *name)
{
	size_t len = strlen(name) + 1;

	if (g->n >= RECENT_MAX)
		return -ENOSPC;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 256;
		struct recent *v = realloc(g->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		g->v = v;
		g->cap = cap;
	}
	if (g->used + len > g->room) {
		size_t room = g->room ? g->room * 2 : 8192;
		char *p;

		while (room < g->used + len)
			room *= 2;
		p = realloc(g->names, room);
		if (!p)
			return -ENOMEM;
		g->names = p;
		g->room = room;
	}
	memcpy(g->names + g->used, name, len);
	g->v[g->n].parent = parent;
	g->v[g->n].off = g->used;
	g->n++;
	g->used += len;
	return 0;
}

void inval_remember(fuse_ino_t parent, const struct node *n, const char *name)
{
	struct timespec now;

	/* Fixed nodes never go away: only the rows can go stale. */
	if (node_type_of(n->ino) == T_FIXED || fs.timeout <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&recent_lock);
	if (!gens[0].start.tv_sec || since(&gens[0].start, &now) > fs.timeout) {
		/* Everything in [1] was handed out more than a timeout ago. */
		gen_free(&gens[1]);
		gens[1] = gens[0];
		memset(&gens[0], 0, sizeof(gens[0]));
		gens[0].start = now;
	}
	gen_add(&gens[0], parent, name);
	pthread_mutex_unlock(&recent_lock);
}

/* ---- collecting -----------------------------------------------------------
 */

static void push(struct queue *q, struct item *it)
{
	it->next = NULL;
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
}

void inval_entry(fuse_ino_t parent, const char *name)
{
	size_t len = strlen(name);
	struct item *it;

	if (!started)
		return;
	it = malloc(sizeof(*it) + len + 1);
	if (!it)
		return; /* the timeout still bounds it */
	it->type = IT_ENTRY;
	it->ino = parent;
	it->namelen = len;
	memcpy(it->name, name, len + 1);
	push(&batch[LANE_ENTRY], it);
}

void inval_inode(fuse_ino_t ino)
{
	struct item *it;

	if (!started)
		return;
	if (node_type_of(ino) == T_FIXED) {
		batch[LANE_INODE].fixed |= UINT64_C(1) << node_id_of(ino);
		return;
	}
	it = malloc(sizeof(*it));
	if (!it)
		return;
	it->type = IT_INODE;
	it->ino = ino;
	it->namelen = 0;
	push(&batch[LANE_INODE], it);
}

/* The fixed nodes whose content follows the catalog. */
static void inval_generated(void)
{
	uint64_t i;

	/* Reports and status are generated; the cheapest true rule is every
	 * fixed node (a bit each, sent once per drain).  Not ctl: its
	 * attributes never change, and a write to it may be in progress. */
	for (i = F_ROOT; i < F_NFIXED; i++)
		if (i != F_CTL)
			batch[LANE_INODE].fixed |= UINT64_C(1) << i;
}

static int queue_empty(const struct queue *q)
{
	return !q->head && !q->fixed && !q->broad && !q->jcl && !q->locations;
}

static void queue_free(struct queue *q)
{
	struct item *it, *next;

	for (it = q->head; it; it = next) {
		next = it->next;
		free(it);
	}
	memset(q, 0, sizeof(*q));
}

void inval_submit(int wait_entries)
{
	uint64_t ticket[NLANES] = { 0 };
	struct queue *p;
	int l;

	if (!started)
		return;
	pthread_mutex_lock(&lock);
	for (l = 0; l < NLANES; l++) {
		if (queue_empty(&batch[l]))
			continue;
		p = &lanes[l].pending;
		if (batch[l].head) {
			if (p->tail)
				p->tail->next = batch[l].head;
			else
				p->head = batch[l].head;
			p->tail = batch[l].tail;
		}
		p->fixed |= batch[l].fixed;
		p->broad |= batch[l].broad;
		p->jcl |= batch[l].jcl;
		p->locations |= batch[l].locations;
		ticket[l] = ++lanes[l].submitted;
		pthread_cond_signal(&lanes[l].wake);
		memset(&batch[l], 0, sizeof(batch[l]));
	}
	/* The inode lane waits for nothing the kernel holds for us: always
	 * safe to wait for. */
	while (!stopping && lanes[LANE_INODE].done < ticket[LANE_INODE])
		pthread_cond_wait(&done_cond, &lock);
	/*
	 * The entry lane may wait for a directory that a request holds, and
	 * that request for a worker: with one thread (-s) there is none to
	 * spare, and with many all may be waiting here.  So it is waited for
	 * with more threads only, and at most ENTRY_WAIT_SEC: past that the
	 * names are still sent, after the reply.
	 */
	if (wait_entries && !fs.singlethread) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += ENTRY_WAIT_SEC;
		while (!stopping && lanes[LANE_ENTRY].done < ticket[LANE_ENTRY])
			if (pthread_cond_timedwait(&done_cond, &lock, &until) ==
			    ETIMEDOUT)
				break;
	}
	pthread_mutex_unlock(&lock);
}

void inval_discard(void)
{
	int l;

	for (l = 0; l < NLANES; l++)
		queue_free(&batch[l]);
}

/* ---- what a change touches ------------------------------------------------
 */

static const struct copy_view *view_of(char kind)
{
	unsigned i;

	for (i = 0; i < NVIEWS; i++)
		if (copy_views[i].kind == kind)
			return &copy_views[i];
	return NULL;
}

/* by-file/DSN: its latest link and, for a copy, the copy's link. */
static void inval_byfile(struct repo *r, const char *dsn, int64_t copy_id,
			 const char *copy)
{
	struct file_info fi;

	if (file_lookup(r, dsn, &fi) < 0)
		return;
	inval_inode(node_ino(T_BKFILE, (uint64_t)fi.id));
	inval_inode(node_ino(T_BKFILE_LATEST, (uint64_t)fi.id));
	inval_entry(node_ino(T_BKFILE, (uint64_t)fi.id), "latest");
	if (copy) {
		inval_inode(node_ino(T_BKFILE_COPY, (uint64_t)copy_id));
		inval_entry(node_ino(T_BKFILE, (uint64_t)fi.id), copy);
	}
}

void inval_copy_moved(const struct copy_info *ci, int64_t from_loc,
		      int64_t to_loc)
{
	const struct copy_view *v = view_of(ci->kind);
	struct repo *r = fs_repo();
	char name[COPY_NAME_MAX];

	copy_name(ci, name, sizeof(name));
	if (v) {
		inval_entry(node_ino(v->dir_type, (uint64_t)from_loc), name);
		inval_entry(node_ino(v->dir_type, (uint64_t)to_loc), name);
		inval_inode(node_ino(v->dir_type, (uint64_t)from_loc));
		inval_inode(node_ino(v->dir_type, (uint64_t)to_loc));
	}
	inval_inode(node_ino(T_COPY, (uint64_t)ci->copy_id));
	if (r)
		inval_byfile(r, ci->dsn, ci->copy_id, name);
	/* The copy's volume may join or leave the pending shipment. */
	inval_entry(node_ino(T_FIXED, F_SHIPPENDING), ci->volser);
	inval_generated();
}

struct groups_of {
	struct repo *r;
	int64_t fid;
	const char *dsn;
};

static int group_touch(const struct group_info *g, void *arg)
{
	struct groups_of *go = arg;

	if (group_has_member(go->r, g->id, go->fid) > 0)
		inval_member(g->id, go->fid, go->dsn);
	return 0;
}

void inval_member(int64_t gid, int64_t fid, const char *dsn)
{
	inval_entry(node_ino(T_GROUP, (uint64_t)gid), dsn);
	inval_inode(node_ino(T_MEMBER,
			     (uint64_t)gid << MEMBER_BITS | (uint64_t)fid));
	inval_inode(node_ino(T_GROUP, (uint64_t)gid));
	inval_generated();
}

void inval_file(const struct file_info *fi)
{
	struct repo *r = fs_repo();
	struct groups_of go = { r, fi->id, fi->dsn };

	inval_entry(node_ino(T_FIXED, F_FILES), fi->dsn);
	inval_inode(node_ino(T_FILE, (uint64_t)fi->id));
	inval_entry(node_ino(T_FIXED, F_BYFILE), fi->dsn);
	inval_inode(node_ino(T_BKFILE, (uint64_t)fi->id));
	inval_inode(node_ino(T_BKFILE_LATEST, (uint64_t)fi->id));
	/* Every group that has it: groups/G/DSN is the same file. */
	if (r)
		group_list_by_id(r, 0, 0, group_touch, &go);
	inval_generated();
}

void inval_group(const struct group_info *g)
{
	inval_entry(node_ino(T_FIXED, F_GROUPS), g->name);
	inval_inode(node_ino(T_GROUP, (uint64_t)g->id));
	inval_generated();
}

void inval_location(const struct location_info *li)
{
	unsigned i;

	inval_entry(node_ino(T_FIXED, F_LOCACTIVE), li->name);
	inval_entry(node_ino(T_FIXED, F_LOCINACTIVE), li->name);
	inval_inode(node_ino(T_LOCSTATE, (uint64_t)li->id));
	for (i = 0; i < NVIEWS; i++)
		inval_inode(node_ino(copy_views[i].dir_type, (uint64_t)li->id));
	/* Which copy is latest follows which locations are active. */
	batch[LANE_INODE].locations = 1;
	batch[LANE_ENTRY].locations = 1;
	inval_generated();
}

void inval_jcl(void)
{
	batch[LANE_INODE].jcl = 1;
	batch[LANE_ENTRY].jcl = 1;
	inval_inode(node_ino(T_FIXED, F_JCL));
	inval_inode(node_ino(T_FIXED, F_PIT));
}

void inval_broad(void)
{
	batch[LANE_ENTRY].broad = 1;
	inval_jcl();
	batch[LANE_INODE].locations = 1;
	batch[LANE_ENTRY].locations = 1;
	inval_generated();
}

/* ---- the notifier -----------------------------------------------------------
 */

static void send_inode(fuse_ino_t ino)
{
	/*
	 * Attributes only (offset -1): no page lock, which a read in flight
	 * holds until a worker answers it.  No cached data needs dropping:
	 * copies and volumes never change, generated files are direct_io,
	 * and jcl/ members are opened without keep_cache, so each open
	 * drops their pages.  ENOENT: not cached.  Anything else: the
	 * timeout still bounds it.
	 */
	(void)fuse_lowlevel_notify_inval_inode(session, ino, -1, 0);
}

static void send_entry(fuse_ino_t parent, const char *name, size_t len)
{
	(void)fuse_lowlevel_notify_inval_entry(session, parent, name, len);
}

static void send_recent(void)
{
	struct generation g[2];
	size_t i;
	int k;

	pthread_mutex_lock(&recent_lock);
	g[0] = gens[0];
	g[1] = gens[1];
	memset(gens, 0, sizeof(gens));
	pthread_mutex_unlock(&recent_lock);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < g[k].n; i++) {
			const char *name = g[k].names + g[k].v[i].off;

			send_entry(g[k].v[i].parent, name, strlen(name));
		}
		gen_free(&g[k]);
	}
}

/* jcl/ members: their inodes (inode lane) or their names (entry lane). */
static void send_jcl(int lane)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int fd = jcl_dir_fd();

	if (fd < 0)
		return;
	fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] ||
		     (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (lane == LANE_INODE && fstatat(dirfd(d), de->d_name, &sb,
						  AT_SYMLINK_NOFOLLOW) == 0)
			send_inode(node_ino(T_JCL, (uint64_t)sb.st_ino));
		/* A member replaced by rename: the name leads to the old
		 * inode, which no listing of today names. */
		if (lane == LANE_ENTRY)
			send_entry(node_ino(T_FIXED, F_JCL), de->d_name,
				   strlen(de->d_name));
	}
	closedir(d);
}

static int location_send(const struct location_info *li, void *arg)
{
	unsigned i;

	(void)arg;
	send_inode(node_ino(T_LOCSTATE, (uint64_t)li->id));
	for (i = 0; i < NVIEWS; i++)
		send_inode(node_ino(copy_views[i].dir_type, (uint64_t)li->id));
	return 0;
}

/* The inode lane never sends a name: a name takes its directory's lock,
 * which a lookup may hold while it waits for a worker that waits for
 * this lane. */
static int latest_send(const struct file_info *fi, void *arg)
{
	if (*(const int *)arg == LANE_ENTRY) {
		send_entry(node_ino(T_BKFILE, (uint64_t)fi->id), "latest", 6);
		return 0;
	}
	send_inode(node_ino(T_BKFILE_LATEST, (uint64_t)fi->id));
	send_inode(node_ino(T_BKFILE, (uint64_t)fi->id));
	return 0;
}

static void send_locations(int lane)
{
	struct repo *r = fs_repo();

	if (!r)
		return;
	if (lane == LANE_INODE)
		location_list_by_id(r, 0, location_send, NULL);
	file_list_by_id(r, 0, 0, latest_send, &lane);
}

static void *lane_main(void *arg)
{
	struct lane *ln = arg;
	struct queue q;
	struct item *it;
	uint64_t upto, i;

	pthread_mutex_lock(&lock);
	for (;;) {
		while (!stopping && queue_empty(&ln->pending))
			pthread_cond_wait(&ln->wake, &lock);
		if (stopping)
			break;
		q = ln->pending;
		upto = ln->submitted;
		memset(&ln->pending, 0, sizeof(ln->pending));
		pthread_mutex_unlock(&lock);
		for (it = q.head; it; it = it->next) {
			if (it->type == IT_ENTRY)
				send_entry(it->ino, it->name, it->namelen);
			else
				send_inode(it->ino);
		}
		if (q.broad)
			send_recent();
		if (q.locations)
			send_locations(ln->id);
		if (q.jcl)
			send_jcl(ln->id);
		for (i = F_ROOT; i < F_NFIXED; i++)
			if (q.fixed & UINT64_C(1) << i)
				send_inode(node_ino(T_FIXED, i));
		queue_free(&q);
		pthread_mutex_lock(&lock);
		ln->done = upto;
		pthread_cond_broadcast(&done_cond);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int inval_start(struct fuse_session *se)
{
	int l, rc = 0;

	session = se;
	for (l = 0; l < NLANES && rc == 0; l++)
		rc = -pthread_create(&lanes[l].thread, NULL, lane_main,
				     &lanes[l]);
	if (rc < 0) {
		pthread_mutex_lock(&lock);
		stopping = 1;
		pthread_cond_signal(&lanes[LANE_INODE].wake);
		pthread_mutex_unlock(&lock);
		if (l > 1)
			pthread_join(lanes[LANE_INODE].thread, NULL);
		return rc;
	}
	started = 1;
	return 0;
}

void inval_stop(void)
{
	int l;

	if (!started)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	for (l = 0; l < NLANES; l++)
		pthread_cond_signal(&lanes[l].wake);
	pthread_cond_broadcast(&done_cond);
	pthread_mutex_unlock(&lock);
	for (l = 0; l < NLANES; l++) {
		pthread_join(lanes[l].thread, NULL);
		queue_free(&lanes[l].pending);
	}
	started = 0;
	gen_free(&gens[0]);
	gen_free(&gens[1]);
}
