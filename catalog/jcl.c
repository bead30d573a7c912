// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The recovery JCL library: starter members, listing, and rewriting the
 * PIT fields when the recovery point is set.
 *
 * A rewrite copies the text through, replacing only the value of each
 * recognised field; a value whose shape is not the field's (say a
 * symbolic &PIT) is left alone.  Members are written through a temporary
 * file in the library, fsynced and renamed over, keeping their mode, so
 * an editor or a crash never sees half a member.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "home.h"
#include "jcl.h"
#include "names.h"
#include "reprs.h"
#include "volume.h"

#define MEMBER_MAX_SIZE (4 << 20)

struct out {
	char *buf;
	size_t len, cap;
};

static int put(struct out *o, const char *s, size_t n)
{
	char *nb;

	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		nb = realloc(o->buf, o->cap);
		if (!nb)
			return -ENOMEM;
		o->buf = nb;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
	return 0;
}

static size_t span(const char *p, const char *end, int (*ok)(int))
{
	size_t n = 0;

	while (p + n < end && ok((unsigned char)p[n]))
		n++;
	return n;
}

static int is_hex(int c)
{
	return isxdigit(c);
}

static int is_digit(int c)
{
	return isdigit(c);
}

static int not_end_of_token(int c)
{
	return c && !isspace(c) && c != '"' && c != '\'' && c != ';';
}

/*
 * At p, a field this module knows?  Sets *vstart and *vlen to its value and
 * *repl to what replaces it (NULL: leave it), returns the length of the
 * key, 0 if none.
 */
static size_t field_at(const char *p, const char *end,
		       const struct pit_formats *f, const char **vstart,
		       size_t *vlen, const char **repl)
{
	size_t left = (size_t)(end - p), n;
	const char *v;

#define KEY(k) (left >= sizeof(k) - 1 && !memcmp(p, k, sizeof(k) - 1))
	*repl = NULL;
	if (KEY("STOP_TIME(")) {
		v = p + 10;
		if (v < end && *v == 'X') {
			n = span(v + 1, end, is_hex);
			if (n == 16) {
				*vstart = v;
				*vlen = 17;
				*repl = f->vsam_tod;
			}
		} else if (span(v, end, is_digit) == 14) {
			*vstart = v;
			*vlen = 14;
			*repl = f->vsam;
		}
		return 10;
	}
	if (KEY("--stop-time")) {
		v = p + 11;
		if (v < end && (*v == ' ' || *v == '=')) {
			v++;
			while (v < end && *v == ' ')
				v++;
			if (v < end && (*v == '"' || *v == '\''))
				v++;
			n = span(v, end, not_end_of_token);
			/* A time starts with a digit; prose does not. */
			if (n && isdigit((unsigned char)*v)) {
				*vstart = v;
				*vlen = n;
				*repl = f->iso;
			}
		}
		return 11;
	}
	if (KEY("ENDTIME=") || KEY("SYSPITRT=")) {
		v = p + (KEY("ENDTIME=") ? 8 : 9);
		if (span(v, end, is_digit) == 14) {
			*vstart = v;
			*vlen = 14;
			*repl = f->db2_time;
		}
		return (size_t)(v - p);
	}
	if (KEY("SYSPITR=") || KEY("TOLOGPOINT X'")) {
		v = p + (KEY("SYSPITR=") ? 8 : 13);
		n = span(v, end, is_hex);
		if (n == 12 || n == 20) {
			*vstart = v;
			*vlen = n;
			*repl = n == 12 ? f->lrsn6 : f->lrsn10;
		}
		return (size_t)(v - p);
	}
	if (KEY("RCVTIME('")) {
		v = p + 9;
		n = 0;
		while (v + n < end && v[n] != '\'' && v[n] != '\n')
			n++;
		if (v + n < end && v[n] == '\'' && n >= 20) {
			*vstart = v;
			*vlen = n;
			*repl = f->ims;
		}
		return 9;
	}
#undef KEY
	return 0;
}

int jcl_rewrite(const char *member, const char *text, size_t len,
		const struct pit_formats *f, char **out, size_t *out_len,
		void (*cb)(const struct jcl_change *, void *), void *arg)
{
	const char *p = text, *end = text + len, *copied = text, *vstart, *repl;
	struct out o = { 0 };
	struct jcl_change ch;
	char old[80];
	unsigned line = 1, changes = 0;
	size_t klen, vlen;
	int rc = 0;

	*out = NULL;
	*out_len = 0;
	while (p < end && rc == 0) {
		if (*p == '\n') {
			line++;
			p++;
			continue;
		}
		klen = field_at(p, end, f, &vstart, &vlen, &repl);
		if (!klen) {
			p++;
			continue;
		}
		if (!repl ||
		    (strlen(repl) == vlen && !memcmp(vstart, repl, vlen))) {
			p += klen;
			continue;
		}
		snprintf(old, sizeof(old), "%.*s", (int)vlen, vstart);
		rc = put(&o, copied, (size_t)(vstart - copied));
		if (rc == 0)
			rc = put(&o, repl, strlen(repl));
		copied = vstart + vlen;
		p = copied;
		changes++;
		if (cb) {
			ch.member = member;
			ch.line = line;
			ch.old_value = old;
			ch.new_value = repl;
			cb(&ch, arg);
		}
	}
	if (rc == 0 && changes)
		rc = put(&o, copied, (size_t)(end - copied));
	if (rc < 0 || !changes) {
		free(o.buf);
		return rc < 0 ? rc : 0;
	}
	*out = o.buf;
	*out_len = o.len;
	return (int)changes;
}

/* ---- the library on disk ------------------------------------------------ */

struct member {
	char name[NAMES_MEMBER_MAX + 1];
	char *text;
	size_t len;
	mode_t mode;
};

static int member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->name,
		      ((const struct member *)b)->name);
}

static void free_members(struct member *m, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		free(m[i].text);
	free(m);
}

static int read_member(const char *dir, struct member *m)
{
	char path[4096];
	struct stat sb;
	ssize_t r;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, m->name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		rc = -errno;
		return ruv_fail(rc, "member '%s': %s", m->name, strerror(-rc));
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > MEMBER_MAX_SIZE) {
		close(fd);
		return ruv_fail(-EINVAL,
				"member '%s': not a text file of at "
				"most %d bytes",
				m->name, MEMBER_MAX_SIZE);
	}
	m->mode = sb.st_mode & 07777;
	m->text = malloc((size_t)sb.st_size + 1);
	if (!m->text) {
		close(fd);
		return -ENOMEM;
	}
	r = read(fd, m->text, (size_t)sb.st_size);
	close(fd);
	if (r != sb.st_size)
		return ruv_fail(-EIO, "member '%s': short read", m->name);
	m->len = (size_t)r;
	m->text[m->len] = '\0';
	if (memchr(m->text, '\0', m->len))
		rc = ruv_fail(-EINVAL, "member '%s' is binary, not text",
			      m->name);
	return rc;
}

/* Every member, read and checked, by name. */
static int load_members(const char *home, struct member **out, unsigned *n)
{
	char dir[4096];
	struct member *m = NULL, *nm;
	struct dirent *de;
	unsigned cap = 0;
	DIR *d;
	int rc;

	*n = 0;
	rc = home_path(home, "jcl", dir, sizeof(dir));
	if (rc < 0)
		return rc;
	d = opendir(dir);
	if (!d) {
		rc = -errno;
		return ruv_fail(rc, "JCL library '%s': %s", dir, strerror(-rc));
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || names_member_check(de->d_name) < 0)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			nm = realloc(m, cap * sizeof(*m));
			if (!nm) {
				rc = -ENOMEM;
				break;
			}
			m = nm;
		}
		memset(&m[*n], 0, sizeof(m[*n]));
		/* names_member_check bounded the length */
		memcpy(m[*n].name, de->d_name, strlen(de->d_name) + 1);
		(*n)++;
		rc = read_member(dir, &m[*n - 1]);
		if (rc < 0)
			break;
	}
	closedir(d);
	if (rc < 0) {
		free_members(m, *n);
		*n = 0;
		return rc;
	}
	qsort(m, *n, sizeof(*m), member_cmp);
	*out = m;
	return 0;
}

static int write_member(const char *home, const char *name, const char *text,
			size_t len, mode_t mode)
{
	char dir[4096], path[4200], tmp[4200];
	int fd, rc = 0;

	rc = home_path(home, "jcl", dir, sizeof(dir));
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.ruv-new", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = -errno;
		return ruv_fail(rc, "member '%s': %s", name, strerror(-rc));
	}
	if (write(fd, text, len) != (ssize_t)len)
		rc = errno ? -errno : -EIO;
	else if (fchmod(fd, mode) < 0 || fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return ruv_fail(rc, "member '%s': cannot write: %s", name,
				strerror(-rc));
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

int jcl_update_pit(const char *home, const struct pit_formats *f,
		   void (*cb)(const struct jcl_change *, void *), void *arg)
{
	struct member *m;
	char **texts;
	size_t *lens;
	unsigned n, i;
	int rc, total = 0;

	rc = load_members(home, &m, &n);
	if (rc < 0)
		return rc;
	texts = calloc(n ? n : 1, sizeof(*texts));
	lens = calloc(n ? n : 1, sizeof(*lens));
	if (!texts || !lens) {
		rc = -ENOMEM;
		goto out;
	}
	/* Work out every change before writing any. */
	for (i = 0; i < n; i++) {
		rc = jcl_rewrite(m[i].name, m[i].text, m[i].len, f, &texts[i],
				 &lens[i], cb, arg);
		if (rc < 0)
			goto out;
		total += rc;
	}
	for (i = 0; i < n; i++) {
		if (!texts[i])
			continue;
		rc = write_member(home, m[i].name, texts[i], lens[i],
				  m[i].mode);
		if (rc < 0)
			goto out;
	}
	rc = total;
out:
	for (i = 0; texts && i < n; i++)
		free(texts[i]);
	free(texts);
	free(lens);
	free_members(m, n);
	return rc;
}

int jcl_list(const char *home,
	     int (*cb)(const char *member, uint64_t size, void *), void *arg)
{
	struct member *m;
	unsigned n, i;
	int rc;

	rc = load_members(home, &m, &n);
	for (i = 0; rc == 0 && i < n; i++)
		rc = cb(m[i].name, m[i].len, arg);
	if (rc >= 0 || n)
		free_members(m, n);
	return rc;
}

int jcl_show(const char *home, const char *member, FILE *out)
{
	struct member m = { 0 };
	char dir[4096];
	int rc;

	rc = names_member_check(member);
	if (rc < 0)
		return rc;
	rc = home_path(home, "jcl", dir, sizeof(dir));
	if (rc < 0)
		return rc;
	snprintf(m.name, sizeof(m.name), "%s", member);
	rc = read_member(dir, &m);
	if (rc == 0)
		fwrite(m.text, 1, m.len, out);
	free(m.text);
	return rc;
}

/* ---- starter members -------------------------------------------------- */

static const struct {
	const char *name;
	mode_t mode;
	const char *text;
} starters[] = {
	{ "README", 0644,
	  "RECOVERY JCL LIBRARY\n"
	  "\n"
	  "Members run at the remote site, in this order:\n"
	  "  RESTREPO  restore the repository from the shipped volumes\n"
	  "  TOGGLE    inactivate Local copies, activate Offsite copies\n"
	  "  RECOVER   restore every protected file to the PIT\n"
	  "  DB2RCVR   Db2 utility statements carrying the PIT\n"
	  "  IMSRCVR   IMS DBRC statements carrying the PIT\n"
	  "  VSAMRCVR  VSAM (RUV) statements carrying the PIT\n"
	  "'ruv pit set' rewrites the PIT fields in these members in "
	  "place.\n" },
	{ "RESTREPO", 0755,
	  "#!/bin/sh\n"
	  "# Remote-site steps 2 and 4: catalogue the arrived volumes, then\n"
	  "# restore the repository from the newest repository backup.\n"
	  "set -e\n"
	  "VOLUMES=${1:-/media/transport}\n"
	  "ruv catalog \"$VOLUMES\"\n"
	  "ruvreprs\n" },
	{ "TOGGLE", 0755,
	  "#!/bin/sh\n"
	  "# Remote-site step 5: the Local copies did not survive; the\n"
	  "# Offsite copies are the ones to use.\n"
	  "set -e\n"
	  "ruvtogl --inactivate Local --activate Offsite\n" },
	{ "RECOVER", 0755,
	  "#!/bin/sh\n"
	  "# Restore every registered file from its newest usable backup at\n"
	  "# or before the recovery point, which 'ruv pit set' writes below.\n"
	  "set -e\n"
	  "ruv file list --json |\n"
	  "  python3 -c 'import json,sys; [print(f[\"dsn\"]) for f in "
	  "json.load(sys.stdin)[\"files\"]]' |\n"
	  "  while read -r dsn; do\n"
	  "    ruv restore \"$dsn\" --stop-time 1970-01-01T00:00:00Z\n"
	  "  done\n" },
	{ "DB2RCVR", 0644,
	  "//DB2RCVR  JOB (ACCT),'DB2 PIT RECOVERY'\n"
	  "//* Conditional restart and recovery to the coordinated PIT.\n"
	  "//CRESTART EXEC PGM=DSNJU003\n"
	  "//SYSIN    DD *\n"
	  "  CRESTART CREATE,SYSPITR=00000000000000000000\n"
	  "  CRESTART CREATE,ENDTIME=19000010000000\n"
	  "  CRESTART CREATE,SYSPITRT=19000010000000\n"
	  "/*\n"
	  "//RECOVER  EXEC DSNUPROC\n"
	  "//SYSIN    DD *\n"
	  "  RECOVER TABLESPACE DBPAY.TSPAY TOLOGPOINT "
	  "X'00000000000000000000'\n"
	  "/*\n" },
	{ "IMSRCVR", 0644,
	  "//IMSRCVR  JOB (ACCT),'IMS PIT RECOVERY'\n"
	  "//* Recover the IMS databases to the recovery point.\n"
	  "//RECOV    EXEC PGM=DSPURX00\n"
	  "//SYSIN    DD *\n"
	  "  GENJCL.RECOV DBD(ACCTDB) RCVTIME('1900.001 00:00:00.000000 "
	  "+00:00')\n"
	  "  GENJCL.RECOV DBD(CUSTDB) RCVTIME('1900.001 00:00:00.000000 "
	  "+00:00')\n"
	  "/*\n" },
	{ "VSAMRCVR", 0644,
	  "//VSAMRCVR JOB (ACCT),'VSAM PIT RECOVERY'\n"
	  "//* RUV recovery of the VSAM files to the recovery point.\n"
	  "//RECOVER  EXEC PGM=RUVUTIL\n"
	  "//SYSIN    DD *\n"
	  "  RECOVER GROUP(PAYROLL) STOP_TIME(19000010000000)\n"
	  "  RECOVER GROUP(HR) STOP_TIME(X0000000000000000)\n"
	  "/*\n" },
};

int jcl_init(const char *home, void (*cb)(const char *member, void *),
	     void *arg)
{
	char dir[4096], path[4200];
	unsigned i;
	int rc;

	rc = home_path(home, "jcl", dir, sizeof(dir));
	if (rc < 0)
		return rc;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return ruv_fail(-errno, "JCL library '%s': %s", dir,
				strerror(errno));
	for (i = 0; i < sizeof(starters) / sizeof(starters[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, starters[i].name);
		if (access(path, F_OK) == 0)
			continue; /* never overwrite a member */
		rc = write_member(home, starters[i].name, starters[i].text,
				  strlen(starters[i].text), starters[i].mode);
		if (rc < 0)
			return rc;
		if (cb)
			cb(starters[i].name, arg);
	}
	return 0;
}

/* ---- backup and restore of the library ------------------------------- */

#define PACK_MAGIC "RUVJCL1\n"

int jcl_pack(const char *home, const char *path)
{
	struct member *m;
	unsigned n, i;
	FILE *f;
	int rc;

	rc = load_members(home, &m, &n);
	if (rc < 0)
		return rc;
	f = fopen(path, "wxe");
	if (!f) {
		rc = -errno;
		free_members(m, n);
		return ruv_fail(rc, "cannot write '%s': %s", path,
				strerror(-rc));
	}
	fputs(PACK_MAGIC, f);
	for (i = 0; i < n; i++) {
		fprintf(f, "M %o %zu %s\n", (unsigned)m[i].mode, m[i].len,
			m[i].name);
		fwrite(m[i].text, 1, m[i].len, f);
	}
	fputs("E\n", f);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	free_members(m, n);
	return rc < 0 ? rc : (int)n;
}

/* Walk a packed library: cb(name, mode, text, len) per member. */
static int unpack(const char *buf, size_t len,
		  int (*cb)(const char *, unsigned, const char *, size_t,
			    void *),
		  void *arg)
{
	const char *p = buf, *end = buf + len, *nl;
	char name[NAMES_MEMBER_MAX + 2];
	unsigned mode;
	size_t size;
	int rc;

	if (len < 8 || memcmp(p, PACK_MAGIC, 8))
		return ruv_fail(-EIO, "not a packed JCL library");
	p += 8;
	while (p < end && *p == 'M') {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || nl - p > 100 ||
		    sscanf(p, "M %o %zu %65s", &mode, &size, name) != 3 ||
		    names_member_check(name) < 0 ||
		    size > (size_t)(end - nl - 1))
			return ruv_fail(-EIO, "packed JCL library damaged");
		rc = cb(name, mode & 07777, nl + 1, size, arg);
		if (rc < 0)
			return rc;
		p = nl + 1 + size;
	}
	if (p + 2 != end || memcmp(p, "E\n", 2))
		return ruv_fail(-EIO, "packed JCL library damaged (no end)");
	return 0;
}

struct restoring {
	const char *home;
	int force;
	int write;
	unsigned members, differ, same;
	char first[NAMES_MEMBER_MAX + 1];
	void (*cb)(const char *, const char *, void *);
	void *arg;
};

static int restore_member(const char *name, unsigned mode, const char *text,
			  size_t len, void *arg)
{
	struct restoring *rs = arg;
	struct member cur = { 0 };
	char dir[4096];
	int rc, exists;

	rc = home_path(rs->home, "jcl", dir, sizeof(dir));
	if (rc < 0)
		return rc;
	memcpy(cur.name, name, strlen(name) + 1);
	exists = read_member(dir, &cur) == 0;
	if (exists && cur.len == len && !memcmp(cur.text, text, len)) {
		free(cur.text);
		if (rs->write)
			rs->same++;
		return 0;
	}
	free(cur.text);
	if (!rs->write) {
		rs->members++;
		if (exists && !rs->force) {
			if (!rs->differ++)
				snprintf(rs->first, sizeof(rs->first), "%s",
					 name);
			if (rs->cb)
				rs->cb(name, "differs", rs->arg);
		}
		return 0;
	}
	rc = write_member(rs->home, name, text, len, (mode_t)mode);
	if (rc == 0 && rs->cb)
		rs->cb(name, exists ? "replaced" : "restored", rs->arg);
	return rc;
}

static int read_dataset(const struct reprs_found *c, char **buf, size_t *len)
{
	struct volume_reader *vr = NULL;
	ssize_t n;
	int rc;

	rc = volume_reader_open(c->path, c->offset, c->length, &vr);
	if (rc < 0)
		return rc;
	*len = (size_t)c->size;
	*buf = malloc(*len ? *len : 1);
	if (!*buf) {
		volume_reader_close(vr);
		return -ENOMEM;
	}
	n = volume_reader_pread(vr, *buf, *len, 0);
	volume_reader_close(vr);
	if (n != (ssize_t)*len) {
		free(*buf);
		*buf = NULL;
		return n < 0 ? (int)n : ruv_fail(-EIO, "short JCL data set");
	}
	return 0;
}

int jcl_restore(const char *home, const struct config *cfg, char *const *from,
		unsigned n, int64_t at_us, int force,
		void (*cb)(const char *member, const char *what, void *),
		void *arg, struct jcl_restored *out)
{
	struct restoring rs = {
		.home = home, .force = force, .cb = cb, .arg = arg
	};
	struct reprs_found *c = NULL;
	unsigned nc, damaged, i;
	char *buf = NULL, dir[4096];
	size_t len = 0;
	int rc, files;

	memset(out, 0, sizeof(*out));
	files = reprs_find(home, cfg, from, n, at_us, VOLUME_KIND_JCL, &c, &nc,
			   &damaged);
	if (files < 0)
		return files;
	rc = -ENOENT;
	for (i = 0; i < nc; i++) {
		rc = read_dataset(&c[i], &buf, &len);
		if (rc == 0)
			break;
	}
	if (rc < 0) {
		if (!nc)
			rc = ruv_fail(-ENOENT,
				      "no JCL library backup at or "
				      "before the time on the %d "
				      "volume(s) searched",
				      files);
		goto out;
	}
	rc = home_path(home, "jcl", dir, sizeof(dir));
	if (rc == 0 && mkdir(home, 0700) < 0 && errno != EEXIST)
		rc = -errno;
	if (rc == 0 && mkdir(dir, 0755) < 0 && errno != EEXIST)
		rc = -errno;
	/* First pass: what would change; refuse before writing anything. */
	if (rc == 0)
		rc = unpack(buf, len, restore_member, &rs);
	if (rc == 0 && rs.differ)
		rc = ruv_fail(-EEXIST,
			      "%u member(s) differ from the backup "
			      "('%s' first); --force replaces them",
			      rs.differ, rs.first);
	if (rc < 0)
		goto out;
	rs.write = 1;
	rc = unpack(buf, len, restore_member, &rs);
	if (rc < 0)
		goto out;
	snprintf(out->volser, sizeof(out->volser), "%s", c[i].volser);
	out->seq = c[i].seq;
	out->created_us = c[i].created_us;
	out->members = rs.members + rs.same;
	out->written = rs.members;
	out->same = rs.same;
out:
	free(buf);
	free(c);
	return rc;
}
