// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The recovery JCL library: starter members, listing, rewriting the PIT
 * fields when the recovery point is set, and the library's backup and
 * restore.
 *
 * A rewrite copies the text through, replacing only the value of each
 * recognised field; a value that is plainly not one (a symbol &PIT) is
 * left alone, one that starts like one but has the wrong shape refuses
 * the update.  Members are written through a temporary file in the
 * library, fsynced and renamed over, keeping their mode, so an editor or
 * a crash never sees half a member.  Entries are read as they are on
 * disk (lstat first: a symbolic link is never followed); a member is at
 * most MEMBER_MAX_SIZE bytes, read whole.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "home.h"
#include "jcl.h"
#include "names.h"
#include "config.h"
#include "rtime.h"
#include "volsearch.h"
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
 * A recognised field's value either has the field's shape, or is plainly
 * something else the operator put there on purpose (a JCL symbol &PIT, a
 * shell $PIT, prose), which is left alone.  A value that starts like a
 * time or a log point but is not one (13 digits, tenths missing, an IMS
 * time without its offset) would leave a stale PIT behind in a recovery
 * job without a word: the whole update is refused instead.
 */
struct field {
	size_t klen;	    /* 0: no field here */
	const char *name;   /* the field, as reported: "STOP_TIME" */
	const char *vstart; /* the value */
	size_t vlen;
	const char *repl; /* what replaces it; NULL: leave it */
	const char *bad;  /* the shape it should have had; NULL: fine */
};

static int is_ident(int c)
{
	return isalnum(c) || c == '_';
}

/* "yyyy.ddd hh:mm:ss.ffffff ±hh:mm" */
static int ims_shape(const char *v, size_t n)
{
	static const char pat[] = "dddd.ddd dd:dd:dd.dddddd sdd:dd";
	size_t i;

	if (n != sizeof(pat) - 1)
		return 0;
	for (i = 0; i < n; i++) {
		if (pat[i] == 'd'   ? !isdigit((unsigned char)v[i])
		    : pat[i] == 's' ? v[i] != '+' && v[i] != '-'
				    : v[i] != pat[i])
			return 0;
	}
	return 1;
}

/* A run of digits of exactly want, not followed by a letter or digit. */
static void digits_field(struct field *fl, const char *v, const char *end,
			 size_t want, const char *repl, const char *shape)
{
	size_t n = span(v, end, is_digit);

	if (!n)
		return; /* a symbol or prose: not ours */
	fl->vstart = v;
	fl->vlen = n + span(v + n, end, is_ident);
	if (n == want && fl->vlen == n)
		fl->repl = repl;
	else
		fl->bad = shape;
}

static void lrsn_field(struct field *fl, const char *v, const char *end,
		       const struct pit_formats *f)
{
	size_t n = span(v, end, is_hex);

	if (!n)
		return;
	fl->vstart = v;
	fl->vlen = n + span(v + n, end, is_ident);
	if ((n == 12 || n == 20) && fl->vlen == n)
		fl->repl = n == 12 ? f->lrsn6 : f->lrsn10;
	else
		fl->bad = "12 or 20 hex digits (a 6- or 10-byte LRSN)";
}

/* At p, a field this module knows?  Fills fl (fl->klen 0 if none). */
static void field_at(const char *p, const char *end,
		     const struct pit_formats *f, struct field *fl)
{
	size_t left = (size_t)(end - p), n;
	const char *v;

	memset(fl, 0, sizeof(*fl));
#define KEY(k) (left >= sizeof(k) - 1 && !memcmp(p, k, sizeof(k) - 1))
	if (KEY("STOP_TIME(")) {
		fl->klen = 10;
		fl->name = "STOP_TIME";
		v = p + 10;
		if (v < end && *v == 'X') {
			n = span(v + 1, end, is_hex);
			fl->vstart = v;
			fl->vlen = 1 + n + span(v + 1 + n, end, is_ident);
			if (n == 16 && fl->vlen == 17)
				fl->repl = f->vsam_tod;
			else
				fl->bad = "X and 16 hex digits (a TOD value)";
		} else {
			digits_field(fl, v, end, 14, f->vsam,
				     "yyyyjjjhhmmsst (14 digits)");
		}
	} else if (KEY("--stop-time")) {
		fl->klen = 11;
		fl->name = "--stop-time";
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
				fl->vstart = v;
				fl->vlen = n;
				fl->repl = f->iso;
			}
		}
	} else if (KEY("ENDTIME=") || KEY("SYSPITRT=")) {
		fl->klen = KEY("ENDTIME=") ? 8 : 9;
		fl->name = KEY("ENDTIME=") ? "ENDTIME" : "SYSPITRT";
		digits_field(fl, p + fl->klen, end, 14, f->db2_time,
			     "yyyydddhhmmsst (14 digits)");
	} else if (KEY("SYSPITR=") || KEY("TOLOGPOINT X'")) {
		fl->klen = KEY("SYSPITR=") ? 8 : 13;
		fl->name = KEY("SYSPITR=") ? "SYSPITR" : "TOLOGPOINT";
		lrsn_field(fl, p + fl->klen, end, f);
	} else if (KEY("RCVTIME('")) {
		fl->klen = 9;
		fl->name = "RCVTIME";
		v = p + 9;
		if (v < end && isdigit((unsigned char)*v)) {
			n = 0;
			while (v + n < end && v[n] != '\'' && v[n] != '\n')
				n++;
			fl->vstart = v;
			fl->vlen = n;
			if (v + n < end && v[n] == '\'' && ims_shape(v, n))
				fl->repl = f->ims;
			else
				fl->bad = "yyyy.ddd hh:mm:ss.ffffff +hh:mm";
		}
	}
#undef KEY
}

int jcl_rewrite(const char *member, const char *text, size_t len,
		const struct pit_formats *f, char **out, size_t *out_len,
		void (*cb)(const struct jcl_change *, void *), void *arg)
{
	const char *p = text, *end = text + len, *copied = text;
	struct out o = { 0 };
	struct jcl_change ch;
	struct field fl;
	char old[80];
	unsigned line = 1, changes = 0;
	int rc = 0;

	*out = NULL;
	*out_len = 0;
	while (p < end && rc == 0) {
		if (*p == '\n') {
			line++;
			p++;
			continue;
		}
		field_at(p, end, f, &fl);
		if (!fl.klen) {
			p++;
			continue;
		}
		if (fl.bad) {
			rc = ruv_fail(-EINVAL,
				      "%s:%u: %s value '%.*s' is not %s: the "
				      "PIT would stay stale there (nothing "
				      "changed)",
				      member, line, fl.name,
				      fl.vlen > 40 ? 40 : (int)fl.vlen,
				      fl.vstart, fl.bad);
			break;
		}
		if (fl.repl && !*fl.repl) {
			/* An 8-byte TOD or a 6-byte LRSN, and a PIT past
			 * the 8-byte clock's wrap: no value would be true. */
			rc = ruv_fail(
				-EINVAL,
				"%s:%u: %s value '%.*s' cannot express "
				"%s, past the 8-byte TOD clock's end "
				"(2042-09-17T23:53:47Z less leap "
				"seconds): use %s (nothing changed)",
				member, line, fl.name,
				fl.vlen > 40 ? 40 : (int)fl.vlen, fl.vstart,
				f->iso,
				!strcmp(fl.name, "STOP_TIME")
					? "the 14-digit STOP_TIME"
					: "a 10-byte LRSN (20 hex digits)");
			break;
		}
		if (!fl.repl || (strlen(fl.repl) == fl.vlen &&
				 !memcmp(fl.vstart, fl.repl, fl.vlen))) {
			p += fl.klen;
			continue;
		}
		snprintf(old, sizeof(old), "%.*s", (int)fl.vlen, fl.vstart);
		rc = put(&o, copied, (size_t)(fl.vstart - copied));
		if (rc == 0)
			rc = put(&o, fl.repl, strlen(fl.repl));
		copied = fl.vstart + fl.vlen;
		p = copied;
		changes++;
		if (cb) {
			ch.member = member;
			ch.line = line;
			ch.field = fl.name;
			ch.old_value = old;
			ch.new_value = fl.repl;
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
	uint64_t size; /* as listed: the bytes read, or lstat's size */
	mode_t mode;
	char problem[64]; /* why it is not a usable member; "" if it is */
};

static int member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->name,
		      ((const struct member *)b)->name);
}

static void free_members(struct member *m, unsigned n)
{
	unsigned i;

	for (i = 0; m && i < n; i++)
		free(m[i].text);
	free(m);
}

/*
 * Read the entry m->name of dir as it is, byte for byte.  An entry that
 * is not a usable member (a directory, a symbolic link, a device, too
 * large, unreadable, binary) gets the reason in m->problem and 0; its
 * bytes are kept when they could be read.  -ENOENT if there is no such
 * entry, -ENOMEM.
 */
static int read_entry(const char *dir, struct member *m)
{
	char path[4200];
	struct stat sb;
	ssize_t r = 0;
	size_t got = 0;
	const char *nul;
	char *small;
	int fd, rc;

	m->problem[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, m->name);
	if (lstat(path, &sb) < 0) {
		rc = -errno;
		if (rc == -ENOENT)
			return rc;
		snprintf(m->problem, sizeof(m->problem), "%s", strerror(-rc));
		return 0;
	}
	m->mode = sb.st_mode & 07777;
	m->size = (uint64_t)sb.st_size;
	if (S_ISLNK(sb.st_mode) || S_ISDIR(sb.st_mode) ||
	    !S_ISREG(sb.st_mode)) {
		snprintf(m->problem, sizeof(m->problem), "%s",
			 S_ISLNK(sb.st_mode)   ? "a symbolic link"
			 : S_ISDIR(sb.st_mode) ? "a directory"
					       : "not a regular file");
		return 0;
	}
	if (sb.st_size > MEMBER_MAX_SIZE) {
		snprintf(m->problem, sizeof(m->problem),
			 "too large (over %d bytes)", MEMBER_MAX_SIZE);
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		snprintf(m->problem, sizeof(m->problem), "%s", strerror(errno));
		return 0;
	}
	/* Read to the end, whatever the size said: it may have changed. */
	m->text = malloc(MEMBER_MAX_SIZE + 2);
	if (!m->text) {
		close(fd);
		return -ENOMEM;
	}
	while (got <= MEMBER_MAX_SIZE) {
		r = read(fd, m->text + got, MEMBER_MAX_SIZE + 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (r < 0)
		snprintf(m->problem, sizeof(m->problem), "unreadable: %s",
			 strerror(errno));
	else if (got > MEMBER_MAX_SIZE)
		snprintf(m->problem, sizeof(m->problem),
			 "too large (over %d bytes)", MEMBER_MAX_SIZE);
	close(fd);
	m->len = got;
	m->size = got;
	m->text[got] = '\0';
	small = realloc(m->text, got + 1);
	if (small)
		m->text = small;
	nul = memchr(m->text, '\0', got);
	if (!m->problem[0] && nul)
		snprintf(m->problem, sizeof(m->problem),
			 "binary (a NUL byte at offset %zu)",
			 (size_t)(nul - m->text));
	return 0;
}

/* The refusal for a member with a problem. */
static int member_refused(const struct member *m)
{
	return ruv_fail(-EINVAL, "member '%s' is %s, not a text member",
			m->name, m->problem);
}

/*
 * Every entry of the library that is named like a member, read, by name.
 * strict: the first one with a problem refuses it all, naming it.
 */
static int load_members(const char *home, int strict, struct member **out,
			unsigned *n)
{
	char dir[4096];
	struct member *m = NULL, *nm;
	struct dirent *de;
	unsigned cap = 0, i;
	DIR *d;
	int rc = 0;

	*n = 0;
	*out = NULL;
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
		rc = read_entry(dir, &m[*n - 1]);
		if (rc == -ENOENT) { /* gone since readdir */
			(*n)--;
			rc = 0;
		}
		if (rc < 0)
			break;
	}
	closedir(d);
	if (rc == 0 && *n)
		qsort(m, *n, sizeof(*m), member_cmp);
	for (i = 0; rc == 0 && strict && i < *n; i++)
		if (m[i].problem[0])
			rc = member_refused(&m[i]);
	if (rc < 0) {
		free_members(m, *n);
		*n = 0;
		return rc;
	}
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

struct jcl_update {
	char home[4096];
	struct member *m;
	char **texts; /* the new text of m[i], NULL when unchanged */
	size_t *lens;
	unsigned n;
};

void jcl_update_free(struct jcl_update *u)
{
	unsigned i;

	if (!u)
		return;
	for (i = 0; u->texts && i < u->n; i++)
		free(u->texts[i]);
	free(u->texts);
	free(u->lens);
	free_members(u->m, u->n);
	free(u);
}

int jcl_update_prepare(const char *home, const struct pit_formats *f,
		       void (*cb)(const struct jcl_change *, void *), void *arg,
		       struct jcl_update **out)
{
	struct jcl_update *u;
	unsigned i;
	int rc, total = 0;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	snprintf(u->home, sizeof(u->home), "%s", home);
	rc = load_members(home, 1, &u->m, &u->n);
	if (rc < 0)
		goto out;
	u->texts = calloc(u->n ? u->n : 1, sizeof(*u->texts));
	u->lens = calloc(u->n ? u->n : 1, sizeof(*u->lens));
	if (!u->texts || !u->lens) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < u->n; i++) {
		rc = jcl_rewrite(u->m[i].name, u->m[i].text, u->m[i].len, f,
				 &u->texts[i], &u->lens[i], cb, arg);
		if (rc < 0)
			goto out;
		total += rc;
	}
	*out = u;
	u = NULL;
	rc = total;
out:
	jcl_update_free(u);
	return rc;
}

int jcl_update_write(struct jcl_update *u)
{
	unsigned i, j;
	int rc;

	for (i = 0; i < u->n; i++) {
		if (!u->texts[i])
			continue;
		rc = write_member(u->home, u->m[i].name, u->texts[i],
				  u->lens[i], u->m[i].mode);
		if (rc < 0)
			goto undo;
	}
	return 0;
undo:
	/* Best effort: the members written so far get their text back, so
	 * the library does not carry a PIT the repository does not. */
	for (j = 0; j < i; j++)
		if (u->texts[j])
			write_member(u->home, u->m[j].name, u->m[j].text,
				     u->m[j].len, u->m[j].mode);
	return rc;
}

void jcl_update_undo(struct jcl_update *u)
{
	unsigned i;

	for (i = 0; i < u->n; i++)
		if (u->texts[i])
			write_member(u->home, u->m[i].name, u->m[i].text,
				     u->m[i].len, u->m[i].mode);
}

int jcl_update_pit(const char *home, const struct pit_formats *f,
		   void (*cb)(const struct jcl_change *, void *), void *arg)
{
	struct jcl_update *u = NULL;
	int rc, changes;

	changes = jcl_update_prepare(home, f, cb, arg, &u);
	if (changes < 0)
		return changes;
	rc = jcl_update_write(u);
	jcl_update_free(u);
	return rc < 0 ? rc : changes;
}

int jcl_list(const char *home,
	     int (*cb)(const char *member, uint64_t size, const char *problem,
		       void *),
	     void *arg)
{
	struct member *m;
	unsigned n, i;
	int rc;

	rc = load_members(home, 0, &m, &n);
	for (i = 0; rc == 0 && i < n; i++)
		rc = cb(m[i].name, m[i].size,
			m[i].problem[0] ? m[i].problem : NULL, arg);
	free_members(m, n);
	return rc;
}

/* An edit in progress, not an entry: see jcl_ignored().  dir: the
 * library, where X of an X~ must exist. */
static int editor_temporary(int dir, const char *name)
{
	char stem[NAMES_MEMBER_MAX + 2];
	size_t n = strlen(name);

	if (name[0] == '.')
		return 1;
	if (n > 1 && n <= NAMES_MEMBER_MAX + 1 && name[n - 1] == '~') {
		memcpy(stem, name, n - 1);
		stem[n - 1] = '\0';
		if (names_member_check(stem) == 0 &&
		    faccessat(dir, stem, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			return 1;
	}
	return 0;
}

int jcl_ignored(const char *home,
		void (*cb)(const char *name, const char *why, void *),
		void *arg)
{
	char dir[4096], why[320];
	struct dirent *de;
	DIR *d;
	int rc;

	rc = home_path(home, "jcl", dir, sizeof(dir));
	if (rc < 0)
		return rc;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (editor_temporary(dirfd(d), de->d_name))
			continue;
		ruv_clearerr();
		if (names_member_check(de->d_name) == 0)
			continue;
		snprintf(why, sizeof(why), "not a member name (%s)",
			 *ruv_lasterr() ? ruv_lasterr() : "invalid");
		cb(de->d_name, why, arg);
	}
	closedir(d);
	ruv_clearerr();
	return 0;
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
	rc = read_entry(dir, &m);
	if (rc == -ENOENT)
		rc = ruv_fail(rc, "member '%s': %s", member, strerror(-rc));
	else if (rc == 0 && m.problem[0])
		rc = member_refused(&m);
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
	  "  RECOVER   recover every protected file to the PIT\n"
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
	  "# Remote-site step 6: every protected file to the recovery point,\n"
	  "# from its newest usable backup at or before it and the units of\n"
	  "# work committed by then ('ruv recover forward --help'), in place\n"
	  "# over what the disaster left.  'ruv pit set' rewrites the time.\n"
	  "set -e\n"
	  "ruv recover forward --all --force \\\n"
	  "  --stop-time 1970-01-01T00:00:00Z\n" },
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

	rc = load_members(home, 1, &m, &n);
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
	char first_why[80];
	void (*cb)(const char *, const char *, void *);
	void *arg;
};

/*
 * One member of the backup against the library.  The local entry is
 * compared byte for byte as it is on disk: one that exists and differs,
 * or is not a readable file at all, is replaced only with force.
 */
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
	rc = read_entry(dir, &cur);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	exists = rc == 0;
	if (exists && !cur.problem[0] && cur.len == len &&
	    !memcmp(cur.text, text, len)) {
		free(cur.text);
		if (rs->write)
			rs->same++;
		return 0;
	}
	free(cur.text);
	if (!rs->write) {
		rs->members++;
		if (exists && !rs->force) {
			if (!rs->differ++) {
				snprintf(rs->first, sizeof(rs->first), "%s",
					 name);
				snprintf(rs->first_why, sizeof(rs->first_why),
					 "%s",
					 cur.problem[0] ? cur.problem
							: "differs");
			}
			if (rs->cb)
				rs->cb(name,
				       cur.problem[0] ? cur.problem : "differs",
				       rs->arg);
		}
		return 0;
	}
	rc = write_member(rs->home, name, text, len, (mode_t)mode);
	if (rc == 0 && rs->cb)
		rs->cb(name, exists ? "replaced" : "restored", rs->arg);
	return rc;
}

static int read_dataset(const char *path, uint64_t offset, uint64_t length,
			uint64_t size, char **buf, size_t *len)
{
	struct volume_reader *vr = NULL;
	ssize_t n;
	int rc;

	rc = volume_reader_open(path, offset, length, &vr);
	if (rc < 0)
		return rc;
	*len = (size_t)size;
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

/*
 * The search for JCL library backups, where ruvreprs looks
 * (volsearch_walk()).  It keeps the data sets that are damaged and every
 * data set's name (one backup's copies share it): a damaged newest
 * backup must be named, never passed over in silence.
 */
struct jcl_ds {
	char path[PATH_MAX];
	char volser[7];
	char name[VOLUME_NAME_MAX + 1];
	char backup[VOLUME_NAME_MAX +
		    16]; /* which backup: its start, the same on every copy */
	uint64_t offset, length, size;
	uint32_t seq;
	int64_t created_us;
	int sound;
};

struct jcl_search {
	struct jcl_ds *ds;
	unsigned n, cap, files;
	int64_t at_us;
};

/*
 * The copies of one backup share its start time, "start=" in their meta
 * (the data set name has whole seconds only: two backups in one second
 * share it).  The name stands in when the meta does not say.
 */
static void backup_of(const struct volume_dataset_info *di, char *out,
		      size_t len)
{
	const char *m = di->meta, *end = m ? m + di->meta_len : NULL, *p;
	const char *nl;

	for (p = m; p && p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		if (nl - p > 6 && !memcmp(p, "start=", 6)) {
			snprintf(out, len, "%.*s", (int)(nl - p - 6), p + 6);
			return;
		}
	}
	snprintf(out, len, "%s", di->name);
}

static int jcl_seen(const char *path, const struct volume_label *label,
		    const struct volume_dataset_info *di, void *arg)
{
	struct jcl_search *s = arg;
	struct jcl_ds *nd;

	if (di->kind != VOLUME_KIND_JCL || di->state == VOLUME_DS_TORN ||
	    di->created_us > s->at_us)
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		nd = realloc(s->ds, s->cap * sizeof(*nd));
		if (!nd)
			return -ENOMEM;
		s->ds = nd;
	}
	nd = &s->ds[s->n++];
	memset(nd, 0, sizeof(*nd));
	snprintf(nd->path, sizeof(nd->path), "%s", path);
	snprintf(nd->volser, sizeof(nd->volser), "%s", label->volser);
	snprintf(nd->name, sizeof(nd->name), "%s", di->name);
	backup_of(di, nd->backup, sizeof(nd->backup));
	nd->offset = di->offset;
	nd->length = di->length;
	nd->size = di->raw_size;
	nd->seq = di->seq;
	nd->created_us = di->created_us;
	nd->sound = di->state == VOLUME_DS_COMPLETE;
	return 0;
}

static int jcl_gather(struct jcl_search *s, const char *home,
		      const struct config *cfg, char *const *from, unsigned n)
{
	int rc = volsearch_walk(home, cfg, from, n, jcl_seen, s);

	if (rc < 0)
		return rc;
	s->files = (unsigned)rc;
	return 0;
}

static int newest_first(const void *a, const void *b)
{
	const struct jcl_ds *x = a, *y = b;

	return x->created_us < y->created_us   ? 1
	       : x->created_us > y->created_us ? -1
					       : y->sound - x->sound;
}

static int count_member(const char *name, unsigned mode, const char *text,
			size_t len, void *arg)
{
	(void)name;
	(void)mode;
	(void)text;
	(void)len;
	(*(unsigned *)arg)++;
	return 0;
}

/*
 * The newest backup at or before the time is the one restored, from any
 * sound copy of it.  When none of its copies can be read the restore is
 * refused, naming it: an older library may carry an older PIT, and only
 * the operator may choose it (--time before the damaged one).
 */
static int pick_backup(const struct jcl_search *s, char **buf, size_t *len,
		       const struct jcl_ds **out)
{
	const struct jcl_ds *newest = &s->ds[0], *older = NULL, *bad = NULL;
	char why[256] = "", when[RTIME_ISO_MAX], before[RTIME_ISO_MAX];
	int64_t first = newest->created_us; /* its earliest copy */
	unsigned i, members;
	int rc;

	for (i = 0; i < s->n; i++) {
		if (strcmp(s->ds[i].backup, newest->backup)) {
			if (!older)
				older = &s->ds[i];
			continue;
		}
		if (s->ds[i].created_us < first)
			first = s->ds[i].created_us;
		if (!s->ds[i].sound) {
			if (!bad)
				bad = &s->ds[i];
			if (!why[0])
				snprintf(why, sizeof(why),
					 "the volume scan finds it damaged");
			continue;
		}
		rc = read_dataset(s->ds[i].path, s->ds[i].offset,
				  s->ds[i].length, s->ds[i].size, buf, len);
		members = 0;
		if (rc == 0) {
			rc = unpack(*buf, *len, count_member, &members);
			if (rc < 0) {
				free(*buf);
				*buf = NULL;
			}
		}
		if (rc == 0) {
			*out = &s->ds[i];
			return 0;
		}
		if (rc == -ENOMEM)
			return rc;
		bad = &s->ds[i];
		snprintf(why, sizeof(why), "%s", ruv_lasterr());
	}
	if (!bad)
		bad = newest; /* not reached: newest is among them */
	rtime_format_iso(bad->created_us, when, sizeof(when));
	/* Each copy is written at its own time: --time must be before
	 * the first of them, or it takes another copy of the same. */
	rtime_format_iso(first - 1, before, sizeof(before));
	if (older) {
		char otime[RTIME_ISO_MAX];

		rtime_format_iso(older->created_us, otime, sizeof(otime));
		return ruv_fail(-EIO,
				"the newest JCL library backup, data set %u "
				"'%s' on volume %s of %s, is damaged (%s); "
				"nothing restored: --time %s (before it) "
				"takes the older one of %s, which may carry "
				"an older PIT",
				bad->seq, bad->name, bad->volser, when, why,
				before, otime);
	}
	return ruv_fail(-EIO,
			"the newest JCL library backup, data set %u '%s' on "
			"volume %s of %s, is damaged (%s); nothing restored, "
			"and there is no older one before it",
			bad->seq, bad->name, bad->volser, when, why);
}

int jcl_restore(const char *home, const struct config *cfg, char *const *from,
		unsigned n, int64_t at_us, int force,
		void (*cb)(const char *member, const char *what, void *),
		void *arg, struct jcl_restored *out)
{
	struct restoring rs = {
		.home = home, .force = force, .cb = cb, .arg = arg
	};
	struct jcl_search s = { .at_us = at_us };
	const struct jcl_ds *c = NULL;
	char *buf = NULL, dir[4096];
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = jcl_gather(&s, home, cfg, from, n);
	if (rc < 0)
		goto out;
	if (!s.n) {
		rc = ruv_fail(-ENOENT,
			      "no JCL library backup at or before the time "
			      "on the %u volume(s) searched",
			      s.files);
		goto out;
	}
	qsort(s.ds, s.n, sizeof(*s.ds), newest_first);
	rc = pick_backup(&s, &buf, &len, &c);
	if (rc < 0)
		goto out;
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
			      "%u member(s) differ from the backup or cannot "
			      "be read ('%s' first: %s); --force replaces "
			      "them",
			      rs.differ, rs.first, rs.first_why);
	if (rc < 0)
		goto out;
	rs.write = 1;
	rc = unpack(buf, len, restore_member, &rs);
	if (rc < 0)
		goto out;
	snprintf(out->volser, sizeof(out->volser), "%s", c->volser);
	out->seq = c->seq;
	out->created_us = c->created_us;
	out->members = rs.members + rs.same;
	out->written = rs.members;
	out->same = rs.same;
out:
	free(buf);
	free(s.ds);
	return rc;
}
