// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The recovery point: reading a LIST.RECON listing, choosing the PIT, and
 * writing it in the VSAM, Db2 and IMS forms.
 *
 * The listing is read line by line, by keyword, never by column (columns
 * shift between releases): a line of dashes ends a record, the next line
 * names its type, unknown types are skipped.  In a log record the first
 * START, SSID and STOP before any DSN= belong to the record; each DSN=
 * opens an entry whose STOP follows.  Every time is checked where it is
 * read; a bad one fails the whole listing, naming the line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_int.h"
#include "errmsg.h"
#include "history.h"
#include "jcl.h"
#include "jsonw.h"
#include "pit.h"
#include "rtime.h"

#define US	     1000000LL
#define MAX_FAMILIES 256

enum { PRI = 0, OTHER = 1 };

struct family {
	char ssid[9];
	int64_t start_us;
	int source; /* PRI when a PRILOG was seen */
	int open;
	int64_t end_us; /* archived end (open) or STOP (closed) */
	unsigned line;
};

struct parse {
	const char *name;
	int offset_sec;	 /* for times printed without one */
	int seen_offset; /* a time carried its own offset */
	int listing_offset;
	struct family fam[MAX_FAMILIES];
	unsigned nfam;
	/* the log record being read */
	int in_log;
	int kind;
	char ssid[9];
	int64_t start_us, stop_us, last_dsn_stop;
	int have_start, have_stop, stop_zero, dsn_open, ndsn, have_dsn_stop;
	unsigned rec_line;
};

/*
 * A RECON time at p: yyyy.ddd hh:mm:ss.ffffff [±hh:mm] or the YY form.
 * *zero is set for the all-zero "still open" STOP.  Returns 0, or -EINVAL
 * with a message.
 */
static int recon_time(struct parse *ps, unsigned line, const char *p,
		      int64_t *us, int *zero)
{
	int y, jd, h, mi, s, n = 0, oh = 0, om = 0, sign = 1, have_off = 0;
	long frac = 0;
	char ruv[20];
	int fd = 0, rc;
	const char *q;

	*zero = 0;
	while (*p == ' ')
		p++;
	if (sscanf(p, "%4d.%3d %2d:%2d:%2d%n", &y, &jd, &h, &mi, &s, &n) == 5 &&
	    p[4] == '.') {
		/* four-digit year */
	} else if (sscanf(p, "%2d.%3d %2d:%2d:%2d%n", &y, &jd, &h, &mi, &s,
			  &n) == 5 &&
		   p[2] == '.') {
		y += y < 70 ? 2000 : 1900; /* DBRC's YY window */
	} else {
		return ruv_fail(-EINVAL, "%s:%u: not a RECON time: '%.30s'",
				ps->name, line, p);
	}
	q = p + n;
	if (*q == '.') {
		for (q++; *q >= '0' && *q <= '9' && fd < 6; q++, fd++)
			frac = frac * 10 + (*q - '0');
		while (fd < 6) {
			frac *= 10;
			fd++;
		}
	}
	while (*q == ' ')
		q++;
	if ((*q == '+' || *q == '-') &&
	    sscanf(q + 1, "%2d:%2d", &oh, &om) == 2) {
		sign = *q == '-' ? -1 : 1;
		have_off = 1;
	}
	/* Day 000 is never a date: all zeros is the open log's STOP. */
	if (jd == 0 && h == 0 && mi == 0 && s == 0 && frac == 0) {
		*zero = 1;
		*us = 0;
		return 0;
	}
	if (have_off) {
		ps->seen_offset = 1;
		ps->listing_offset = sign * (oh * 3600 + om * 60);
	} else if (ps->offset_sec == PIT_NO_OFFSET) {
		return ruv_fail(-EINVAL,
				"%s:%u: times without a UTC offset "
				"(the YY display): give --offset, the "
				"PIT would be ambiguous",
				ps->name, line);
	}
	snprintf(ruv, sizeof(ruv), "%04d%03d%02d%02d%02d0", y, jd, h, mi, s);
	rc = rtime_parse_ruv(
		ruv, have_off ? sign * (oh * 3600 + om * 60) : ps->offset_sec,
		us);
	if (rc < 0) {
		char why[256]; /* ruv_fail writes where lasterr lives */

		snprintf(why, sizeof(why), "%s", ruv_lasterr());
		return ruv_fail(-EINVAL, "%s:%u: bad time: %s", ps->name, line,
				why);
	}
	*us += frac;
	return 0;
}

static int is_log_type(const char *t, int *kind)
{
	if (!strncmp(t, "PRILOG", 6)) {
		*kind = PRI;
		return 1;
	}
	if (!strncmp(t, "SECLOG", 6) || !strncmp(t, "PRISLD", 6) ||
	    !strncmp(t, "SECSLD", 6)) {
		*kind = OTHER;
		return 1;
	}
	return 0;
}

/* The log record just read joins its family. */
static int end_record(struct parse *ps, unsigned line)
{
	struct family *f = NULL;
	int64_t end;
	unsigned i;

	if (!ps->in_log)
		return 0;
	ps->in_log = 0;
	if (!ps->have_start || !ps->have_stop || !ps->ssid[0] || ps->dsn_open)
		return ruv_fail(-EINVAL,
				"%s:%u: log record from line %u is "
				"incomplete (truncated listing?)",
				ps->name, line, ps->rec_line);
	for (i = 0; i < ps->nfam; i++)
		if (!strcmp(ps->fam[i].ssid, ps->ssid) &&
		    ps->fam[i].start_us == ps->start_us)
			f = &ps->fam[i];
	if (!f) {
		if (ps->nfam == MAX_FAMILIES)
			return ruv_fail(-EINVAL,
					"%s: more than %d log "
					"families",
					ps->name, MAX_FAMILIES);
		f = &ps->fam[ps->nfam++];
		memset(f, 0, sizeof(*f));
		snprintf(f->ssid, sizeof(f->ssid), "%s", ps->ssid);
		f->start_us = ps->start_us;
		f->source = OTHER + 1; /* nothing yet */
	}
	/*
	 * An open log's archived end: the STOP of its last archived DSN
	 * entry (an entry still open, STOP zero, archived nothing), its
	 * START when there is none; never before its START.
	 */
	if (!ps->stop_zero)
		end = ps->stop_us;
	else if (ps->have_dsn_stop && ps->last_dsn_stop > ps->start_us)
		end = ps->last_dsn_stop;
	else
		end = ps->start_us;
	/* PRILOG speaks for the family; another record only until it does. */
	if (ps->kind > f->source)
		return 0;
	if (ps->kind == f->source && ps->kind == PRI)
		return 0;
	if (ps->kind == f->source) {
		/*
		 * Stand-ins only (no PRILOG): whatever their order, the
		 * family is open if any of them is, and ends at the
		 * earliest end among them (never rounded up).
		 */
		f->open |= ps->stop_zero;
		if (end < f->end_us) {
			f->end_us = end;
			f->line = ps->rec_line;
		}
		return 0;
	}
	f->source = ps->kind;
	f->open = ps->stop_zero;
	f->line = ps->rec_line;
	f->end_us = end;
	return 0;
}

static int is_dash_line(const char *l, size_t n)
{
	size_t i;

	if (n < 10)
		return 0;
	for (i = 0; i < n; i++)
		if (l[i] != '-')
			return 0;
	return 1;
}

/* After "KEY =" or "KEY=" in l: the value, or NULL. */
static const char *after(const char *l, const char *key)
{
	const char *p = strstr(l, key);

	if (!p)
		return NULL;
	p += strlen(key);
	while (*p == ' ')
		p++;
	if (*p != '=')
		return NULL;
	return p + 1;
}

static int log_line(struct parse *ps, unsigned line, const char *l)
{
	const char *v;
	int64_t us;
	int zero, rc;

	if ((v = strstr(l, "DSN=")) && (v == l || v[-1] == ' ') &&
	    !strstr(l, "#DSN")) {
		if (ps->dsn_open)
			return ruv_fail(-EINVAL,
					"%s:%u: DSN entry without "
					"STOP before it",
					ps->name, line);
		ps->dsn_open = 1;
		return 0;
	}
	if ((v = after(l, "SSID")) && !ps->ssid[0]) {
		sscanf(v, "%8s", ps->ssid);
	}
	if ((v = after(l, "START")) && !ps->dsn_open && !ps->have_start &&
	    !ps->ndsn) {
		rc = recon_time(ps, line, v, &us, &zero);
		if (rc < 0)
			return rc;
		ps->start_us = us;
		ps->have_start = 1;
	} else if ((v = after(l, "START")) && ps->dsn_open) {
		rc = recon_time(ps, line, v, &us, &zero);
		if (rc < 0)
			return rc;
	}
	if ((v = after(l, "STOP"))) {
		rc = recon_time(ps, line, v, &us, &zero);
		if (rc < 0)
			return rc;
		if (ps->dsn_open) {
			ps->dsn_open = 0;
			ps->ndsn++;
			if (!zero) {
				ps->have_dsn_stop = 1;
				ps->last_dsn_stop = us;
			}
		} else if (!ps->have_stop && !ps->ndsn) {
			ps->have_stop = 1;
			ps->stop_zero = zero;
			ps->stop_us = us;
		}
	}
	return 0;
}

static void choose(struct parse *ps, struct pit_result *out)
{
	struct family *best = NULL;
	unsigned i;
	char when[RTIME_ISO_MAX];

	out->families = ps->nfam;
	out->open = 0;
	for (i = 0; i < ps->nfam; i++) {
		if (!ps->fam[i].open)
			continue;
		out->open++;
		if (!best || ps->fam[i].end_us < best->end_us)
			best = &ps->fam[i];
	}
	if (best) {
		snprintf(out->rule, sizeof(out->rule),
			 "earliest archived end over the %u open famil%s "
			 "(closed families do not limit it)",
			 out->open, out->open == 1 ? "y" : "ies");
	} else {
		for (i = 0; i < ps->nfam; i++)
			if (!best || ps->fam[i].end_us > best->end_us)
				best = &ps->fam[i];
		snprintf(out->rule, sizeof(out->rule),
			 "every family closed: every log is complete, the "
			 "latest end of all");
	}
	out->pit_us = best->end_us;
	rtime_format_iso(best->start_us, when, sizeof(when));
	snprintf(out->limiting, sizeof(out->limiting), "%s START %s",
		 best->ssid, when);
	out->offset_sec = ps->seen_offset ? ps->listing_offset : ps->offset_sec;
}

int pit_from_recon(const char *text, size_t len, const char *name,
		   int offset_sec, struct pit_result *out)
{
	struct parse *ps;
	const char *p = text, *end = text + len, *nl;
	char l[512];
	unsigned line = 0;
	int want_type = 0, seen_recon = 0, seen_end = 0, rc = 0;
	size_t n;

	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	ps->name = name;
	ps->offset_sec = offset_sec;
	for (; p < end && rc == 0; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		line++;
		n = (size_t)(nl - p);
		if (memchr(p, '\0', n)) {
			rc = ruv_fail(-EINVAL,
				      "%s:%u: binary data, not a "
				      "RECON listing",
				      name, line);
			break;
		}
		if (n >= sizeof(l))
			n = sizeof(l) - 1;
		memcpy(l, p, n);
		l[n] = '\0';
		while (n && (l[n - 1] == '\r' || l[n - 1] == ' '))
			l[--n] = '\0';
		if (strstr(l, "LISTING OF RECON") || strstr(l, "LIST.RECON"))
			seen_recon = 1;
		if (!strncmp(l, "DSP0180I", 8)) {
			rc = end_record(ps, line);
			seen_end = 1;
			continue;
		}
		if (is_dash_line(l, n)) {
			rc = end_record(ps, line);
			want_type = 1;
			continue;
		}
		if (want_type && n) {
			want_type = 0;
			if (!strncmp(l, "RECON", 5))
				seen_recon = 1;
			if (is_log_type(l, &ps->kind)) {
				ps->in_log = 1;
				ps->ssid[0] = '\0';
				ps->have_start = ps->have_stop = 0;
				ps->dsn_open = ps->ndsn = 0;
				ps->stop_zero = ps->have_dsn_stop = 0;
				ps->rec_line = line;
			}
			continue;
		}
		if (ps->in_log)
			rc = log_line(ps, line, l);
	}
	if (rc < 0)
		goto out;
	if (!seen_recon) {
		rc = ruv_fail(-EINVAL,
			      "%s: not a RECON listing (no LIST.RECON "
			      "heading or RECON record)",
			      name);
		goto out;
	}
	if (!seen_end) {
		rc = end_record(ps, line);
		if (rc == 0)
			rc = ruv_fail(-EINVAL,
				      "%s:%u: the listing ends before "
				      "its DSP0180I summary "
				      "(truncated)",
				      name, line);
		goto out;
	}
	if (!ps->nfam) {
		rc = ruv_fail(-EINVAL,
			      "%s: no log records (PRILOG, SECLOG, "
			      "PRISLD, SECSLD) in the listing",
			      name);
		goto out;
	}
	choose(ps, out);
out:
	free(ps);
	return rc;
}

#define TOD_EPOCH_US 2208988800000000LL /* 1900-01-01 to 1970-01-01 */

uint64_t pit_tod(int64_t us, int leap_sec)
{
	return ((uint64_t)(us + TOD_EPOCH_US) + (uint64_t)leap_sec * US) << 12;
}

int64_t pit_from_tod(uint64_t tod, int leap_sec)
{
	return (int64_t)(tod >> 12) - TOD_EPOCH_US - (int64_t)leap_sec * US;
}

unsigned pit_tod_epoch(int64_t us, int leap_sec)
{
	int64_t since = us + TOD_EPOCH_US + (int64_t)leap_sec * US;

	return since < 0 ? 0 : (unsigned)(since >> 52);
}

void pit_format(int64_t us, int local_offset_sec, int leap_sec,
		struct pit_formats *out)
{
	struct rtime_civil c;
	uint64_t tod = pit_tod(us, leap_sec);
	unsigned epoch = pit_tod_epoch(us, leap_sec);
	int off = local_offset_sec, a = off < 0 ? -off : off;

	rtime_format_iso(us, out->iso, sizeof(out->iso));
	rtime_format_ruv(us, local_offset_sec, out->vsam, sizeof(out->vsam));
	rtime_format_ruv(us, 0, out->db2_time, sizeof(out->db2_time));
	/* Past the 8-byte clock's end only the 10-byte LRSN, with its
	 * epoch byte, can say the time; the 8-byte TOD and the 6-byte LRSN
	 * are left empty, and a member that holds one is refused. */
	out->vsam_tod[0] = out->lrsn6[0] = '\0';
	if (!epoch) {
		snprintf(out->vsam_tod, sizeof(out->vsam_tod), "X%016llX",
			 (unsigned long long)tod);
		snprintf(out->lrsn6, sizeof(out->lrsn6), "%012llX",
			 (unsigned long long)(tod >> 16));
	}
	snprintf(out->lrsn10, sizeof(out->lrsn10), "%02X%016llX00",
		 epoch & 0xFF, (unsigned long long)tod);
	rtime_to_civil(us + (int64_t)local_offset_sec * US, &c);
	snprintf(out->ims, sizeof(out->ims),
		 "%04d.%03d %02d:%02d:%02d.%06d %c%02d:%02d", c.year, c.yday,
		 c.hour, c.min, c.sec, c.usec, off < 0 ? '-' : '+', a / 3600,
		 a / 60 % 60);
}

int pit_store(struct repo *r, const struct pit_stored *p)
{
	return pit_store_then(r, p, NULL, NULL, NULL);
}

int pit_store_then(struct repo *r, const struct pit_stored *p,
		   int (*then)(void *), void (*undo)(void *), void *arg)
{
	char detail[400], when[RTIME_ISO_MAX];
	sqlite3_stmt *st = NULL;
	int rc;

	snprintf(detail, sizeof(detail), "offset=%d lso=%d rule=%s",
		 p->offset_sec, p->leap_sec, p->rule);
	rc = repo_begin(r);
	if (rc < 0)
		return rc;
	rc = repo_prepare(r,
			  "INSERT INTO recovery_point(pit_us, source, detail,"
			  " set_us) VALUES (?, ?, ?, ?)",
			  &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, p->pit_us);
		repo_bind_text(st, 2, p->source);
		repo_bind_text(st, 3, detail);
		sqlite3_bind_int64(st, 4, p->set_us);
		rc = repo_step_done(r, st);
		repo_finalize(r, st);
	}
	rtime_format_iso(p->pit_us, when, sizeof(when));
	if (rc == 0)
		rc = history_add(r, "pit set", when, 0, p->source);
	if (rc == 0 && then)
		rc = then(arg);
	if (rc < 0) {
		repo_rollback(r);
		return rc;
	}
	rc = repo_commit(r);
	if (rc < 0 && then && undo)
		undo(arg); /* the PIT is not recorded: neither is its effect */
	return rc;
}

int pit_current(struct repo *r, struct pit_stored *out)
{
	sqlite3_stmt *st = NULL;
	char detail[400];
	const char *rule;
	int src, rc;

	rc = repo_prepare(r,
			  "SELECT pit_us, set_us, source, detail FROM"
			  " recovery_point ORDER BY id DESC LIMIT 1",
			  &st);
	if (rc < 0)
		return rc;
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		out->pit_us = sqlite3_column_int64(st, 0);
		out->set_us = sqlite3_column_int64(st, 1);
		repo_column_text(st, 2, out->source, sizeof(out->source));
		repo_column_text(st, 3, detail, sizeof(detail));
		sscanf(detail, "offset=%d lso=%d", &out->offset_sec,
		       &out->leap_sec);
		rule = strstr(detail, "rule=");
		snprintf(out->rule, sizeof(out->rule), "%s",
			 rule ? rule + 5 : "");
	} else if (src == SQLITE_DONE) {
		rc = ruv_fail(-ENOENT, "no recovery point has been set "
				       "(ruv pit set)");
	} else {
		rc = repo_errno(r, src);
	}
	repo_finalize(r, st);
	return rc;
}

void pit_write_keys(const struct pit_stored *p, struct jsonw *j)
{
	struct pit_formats f;
	char when[RTIME_ISO_MAX];

	pit_format(p->pit_us, p->offset_sec, p->leap_sec, &f);
	rtime_format_iso(p->set_us, when, sizeof(when));
	jsonw_key(j, "pit");
	jsonw_string(j, f.iso);
	jsonw_key(j, "set");
	jsonw_string(j, when);
	jsonw_key(j, "source");
	jsonw_string(j, p->source);
	jsonw_key(j, "rule");
	jsonw_string(j, p->rule);
	jsonw_key(j, "offset");
	jsonw_int(j, p->offset_sec);
	jsonw_key(j, "lso");
	jsonw_int(j, p->leap_sec);
	jsonw_key(j, "vsam");
	jsonw_string(j, f.vsam);
	jsonw_key(j, "vsam_tod");
	if (f.vsam_tod[0])
		jsonw_string(j, f.vsam_tod);
	else
		jsonw_null(j); /* past the 8-byte TOD */
	jsonw_key(j, "db2_time");
	jsonw_string(j, f.db2_time);
	jsonw_key(j, "lrsn6");
	if (f.lrsn6[0])
		jsonw_string(j, f.lrsn6);
	else
		jsonw_null(j);
	jsonw_key(j, "lrsn10");
	jsonw_string(j, f.lrsn10);
	jsonw_key(j, "ims");
	jsonw_string(j, f.ims);
}

void pit_write_text(const struct pit_stored *p, int json, FILE *out)
{
	struct pit_formats f;
	struct jsonw *j;

	if (!json) {
		pit_format(p->pit_us, p->offset_sec, p->leap_sec, &f);
		fprintf(out, "PIT        %s\n", f.iso);
		fprintf(out, "source     %s\n", p->source);
		if (p->rule[0])
			fprintf(out, "rule       %s\n", p->rule);
		if (f.vsam_tod[0])
			fprintf(out,
				"VSAM       STOP_TIME(%s)  STOP_TIME(%s)\n",
				f.vsam, f.vsam_tod);
		else
			fprintf(out,
				"VSAM       STOP_TIME(%s)  (no "
				"STOP_TIME(X...): "
				"past the 8-byte TOD)\n",
				f.vsam);
		fprintf(out, "Db2        ENDTIME=%s  SYSPITRT=%s\n", f.db2_time,
			f.db2_time);
		fprintf(out,
			"Db2 LRSN   SYSPITR=%s  TOLOGPOINT X'%s'  (6-byte "
			"%s)\n",
			f.lrsn10, f.lrsn10,
			f.lrsn6[0] ? f.lrsn6 : "none: past the 8-byte TOD");
		fprintf(out, "IMS        RCVTIME('%s')\n", f.ims);
		return;
	}
	j = jsonw_new(out);
	if (!j)
		return;
	jsonw_object_open(j);
	pit_write_keys(p, j);
	jsonw_object_close(j);
	jsonw_free(j);
}

/* ---- setting the recovery point ---------------------------------------- */

/* The changes the JCL update will make, kept until the PIT is recorded. */
struct changes {
	struct pit_change *c;
	size_t n, cap;
	int rc;
};

static void changed(const struct jcl_change *c, void *arg)
{
	struct changes *cs = arg;
	struct pit_change *nc;

	if (cs->rc < 0)
		return;
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? 2 * cs->cap : 16;

		nc = realloc(cs->c, cap * sizeof(*nc));
		if (!nc) {
			cs->rc = -ENOMEM;
			return;
		}
		cs->c = nc;
		cs->cap = cap;
	}
	nc = &cs->c[cs->n++];
	snprintf(nc->member, sizeof(nc->member), "%s", c->member);
	nc->line = c->line;
	snprintf(nc->field, sizeof(nc->field), "%s", c->field);
	snprintf(nc->old_value, sizeof(nc->old_value), "%s", c->old_value);
	snprintf(nc->new_value, sizeof(nc->new_value), "%s", c->new_value);
}

static int write_jcl(void *arg)
{
	return jcl_update_write(arg);
}

static void undo_jcl(void *arg)
{
	jcl_update_undo(arg);
}

static int read_listing(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;
	FILE *m;
	int rc = 0;

	if (!f) {
		rc = -errno;
		return ruv_fail(rc, "'%s': %s", path, strerror(-rc));
	}
	m = open_memstream(buf, len);
	if (!m) {
		fclose(f);
		return -ENOMEM;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	if (ferror(f))
		rc = ruv_fail(-EIO, "'%s': cannot read it", path);
	fclose(f);
	if (fclose(m) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc < 0) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

/* The PIT req names, its source and rule: nothing stored yet. */
static int pit_derive(const struct pit_request *req, struct pit_stored *p)
{
	const char *name = req->recon_path ? req->recon_path : req->recon_name;
	struct pit_result res;
	char *text = NULL;
	size_t len = req->recon_len;
	int rc;

	if (!!req->time + !!req->recon_path + !!req->recon_text != 1)
		return ruv_fail(-EINVAL, "pit set: a time or a RECON listing");
	p->leap_sec = req->leap_sec;
	if (req->time) {
		rc = rtime_parse(req->time, &p->pit_us);
		if (rc < 0)
			return rc;
		p->offset_sec = req->offset_sec != PIT_NO_OFFSET
					? req->offset_sec
					: rtime_local_offset(p->pit_us);
		snprintf(p->source, sizeof(p->source), "operator");
		return 0;
	}
	if (!name)
		name = "pit";
	if (req->recon_path) {
		rc = read_listing(req->recon_path, &text, &len);
		if (rc < 0)
			return rc;
	}
	rc = pit_from_recon(text ? text : req->recon_text, len, name,
			    req->offset_sec, &res);
	free(text);
	if (rc < 0)
		return rc;
	p->pit_us = res.pit_us;
	p->offset_sec = res.offset_sec;
	snprintf(p->source, sizeof(p->source), "recon %.150s", name);
	if (snprintf(p->rule, sizeof(p->rule), "%s; limited by %s", res.rule,
		     res.limiting) >= (int)sizeof(p->rule))
		p->rule[sizeof(p->rule) - 1] = '\0';
	return 0;
}

int pit_apply(struct repo *r, const char *home, const struct pit_request *req,
	      struct pit_applied *out)
{
	struct pit_stored p = { 0 };
	struct changes cs = { 0 };
	struct jcl_update *u = NULL;
	struct pit_formats f;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = pit_derive(req, &p);
	if (rc < 0)
		return rc;
	p.set_us = rtime_now();
	/*
	 * Every member is read and checked and every change worked out
	 * before anything is written; the members are then written inside
	 * the transaction that records the PIT, so a refused member or a
	 * failed store changes neither.
	 */
	pit_format(p.pit_us, p.offset_sec, p.leap_sec, &f);
	rc = jcl_update_prepare(home, &f, changed, &cs, &u);
	if (rc >= 0 && cs.rc < 0)
		rc = cs.rc;
	if (rc < 0)
		goto out;
	rc = pit_store_then(r, &p, write_jcl, undo_jcl, u);
	if (rc < 0)
		goto out;
	out->pit = p;
	out->changes = cs.c;
	out->n = cs.n;
	cs.c = NULL;
out:
	jcl_update_free(u);
	free(cs.c);
	return rc < 0 ? rc : 0;
}

void pit_applied_free(struct pit_applied *a)
{
	if (!a)
		return;
	free(a->changes);
	memset(a, 0, sizeof(*a));
}
