// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruv log: define, list, show and delete log streams, and log a change to
 * a registered file from a shell script.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonw.h"
#include "logapply.h"
#include "logcat.h"
#include "logreport.h"
#include "logstream.h"
#include "repo.h"
#include "rtime.h"
#include "ruv.h"

static const char usage[] =
	"usage: ruv log define NAME [--dir DIR] [--kind application|journal]\n"
	"       ruv log list [--json]\n"
	"       ruv log show NAME [--from-lsn N] [--to-lsn N] [--dsn DSN] "
	"[--json]\n"
	"       ruv log delete NAME\n"
	"       ruv log prune [STREAM...]   (see 'ruv log prune --help')\n"
	"       ruv log write NAME DSN --offset N [--truncate SIZE] < BYTES\n"
	"       ruv log write NAME DSN --truncate SIZE\n"
	"\n"
	"A log stream is a directory of segment files holding every change\n"
	"made to the files it journals.  NAME: 1-32 letters, digits, @#$_-,\n"
	"not starting with '-'; folded to upper case.\n"
	"\n"
	"define  creates the stream in DIR (default HOME/logs/NAME; DIR must\n"
	"        be new or empty).  --kind: application (default: ruvlog and\n"
	"        'ruv log write') or journal (the journaling mount).\n"
	"list    name, kind, first and last LSN and time, archived LSN, "
	"bytes,\n"
	"        directory.\n"
	"show    one record per line: LSN, time (ISO 8601 UTC), unit of work,\n"
	"        DSN, type (BEGIN WRITE TRUNCATE COMMIT BACKOUT ABORT), "
	"offset,\n"
	"        length; '-' where a record has none.  WRITE: the offset and\n"
	"        length written.  TRUNCATE: offset is the new size, length "
	"the\n"
	"        bytes cut off (0 when it grew).  --from-lsn/--to-lsn bound\n"
	"        the LSNs (inclusive); --dsn keeps the WRITEs and TRUNCATEs "
	"of\n"
	"        that file and the COMMITs that list it.  A damaged stream is\n"
	"        shown up to the damage, then refused naming segment and LSN.\n"
	"delete  removes the stream; refused while it holds records that are\n"
	"        not archived, or while a writer has it open.\n"
	"write   makes the change AND logs it, as one committed unit, so a\n"
	"        script's change is in the log exactly: with --truncate the\n"
	"        file is first cut (or extended) to SIZE; with --offset the\n"
	"        bytes on standard input are then written at N.  Each record\n"
	"        is appended (with the file's bytes before the change) before\n"
	"        the change is made; the unit is committed (durable) once the\n"
	"        file is synced.  If the change fails, it is backed out.  The\n"
	"        DSN must be registered; its first stream binds it, and a\n"
	"        file bound to another stream is refused.\n"
	"\n"
	"--json: list {\"streams\": [{\"name\", \"kind\", \"dir\", "
	"\"first_lsn\",\n"
	"        \"last_lsn\", \"first_time\", \"last_time\", "
	"\"archived_lsn\",\n"
	"        \"bytes\"}]} (times null for an empty stream); show an array\n"
	"        of {\"lsn\", \"time\", \"uow\", \"dsn\", \"type\", "
	"\"offset\", "
	"\"length\"},\n"
	"        null where a record has none.\n";

static int log_list(struct repo *r)
{
	int rc = report_logs(r, ruv.json, stdout);

	return rc < 0 ? ruv_error("log list", rc) : RUV_OK;
}

/* What show prints for offset and length; 0 when the record has none. */
static int rec_extent(const struct logrec *rec, uint64_t *off, uint64_t *len)
{
	if (rec->type == LOGREC_WRITE) {
		*off = rec->offset;
		*len = rec->after_len;
		return 1;
	}
	if (rec->type == LOGREC_TRUNCATE) {
		*off = rec->new_size;
		*len = rec->before_len;
		return 1;
	}
	return 0;
}

static void show_header(void)
{
	printf("LSN TIME UOW DSN TYPE OFFSET LENGTH\n");
}

static int show_text(const struct logrec *rec, void *arg)
{
	char when[RTIME_ISO_MAX];
	uint64_t off, len;
	int *headed = arg;

	if (!*headed)
		show_header();
	*headed = 1;
	rtime_format_iso(rec->time_us, when, sizeof(when));
	printf("%" PRIu64 " %s %" PRIu64 " %s %s", rec->lsn, when, rec->uow,
	       rec->dsn[0] ? rec->dsn : "-", logrec_type_name(rec->type));
	if (rec_extent(rec, &off, &len))
		printf(" %" PRIu64 " %" PRIu64 "\n", off, len);
	else
		printf(" - -\n");
	return 0;
}

/* The writer is made with the first record: an unknown stream prints
 * nothing on stdout. */
struct show_json_state {
	struct jsonw *j;
};

static int show_json(const struct logrec *rec, void *arg)
{
	struct show_json_state *sj = arg;
	struct jsonw *j = sj->j;
	uint64_t off, len;
	int has = rec_extent(rec, &off, &len);

	if (!j) {
		j = sj->j = jsonw_new(stdout);
		if (!j)
			return -ENOMEM;
		jsonw_array_open(j);
	}
	jsonw_object_open(j);
	jsonw_key(j, "lsn");
	jsonw_uint(j, rec->lsn);
	jsonw_key(j, "time");
	jsonw_time(j, rec->time_us);
	jsonw_key(j, "uow");
	jsonw_uint(j, rec->uow);
	jsonw_key(j, "dsn");
	if (rec->dsn[0])
		jsonw_string(j, rec->dsn);
	else
		jsonw_null(j);
	jsonw_key(j, "type");
	jsonw_string(j, logrec_type_name(rec->type));
	jsonw_key(j, "offset");
	if (has)
		jsonw_uint(j, off);
	else
		jsonw_null(j);
	jsonw_key(j, "length");
	if (has)
		jsonw_uint(j, len);
	else
		jsonw_null(j);
	jsonw_object_close(j);
	return 0;
}

static int log_show(struct repo *r, const char *name, uint64_t from,
		    uint64_t to, const char *dsn)
{
	struct jsonw *j;
	int rc;

	if (!ruv.json) {
		/* The header with the first record: an unknown stream
		 * prints only its message. */
		int headed = 0;

		rc = logcat_walk(r, name, from, to, dsn, show_text, &headed);
		if (rc == 0 && !headed)
			show_header();
		fflush(stdout);
		return rc < 0 ? ruv_error("log show", rc) : RUV_OK;
	}
	{
		/* The records before damage still make a whole array, and
		 * the exit status says the stream is damaged. */
		struct show_json_state sj = { NULL };

		rc = logcat_walk(r, name, from, to, dsn, show_json, &sj);
		j = sj.j;
		if (!j && rc == 0) {
			j = jsonw_new(stdout);
			if (!j)
				return ruv_error("log show", -ENOMEM);
			jsonw_array_open(j);
		}
		if (j) {
			jsonw_array_close(j);
			jsonw_free(j);
		}
	}
	fflush(stdout);
	return rc < 0 ? ruv_error("log show", rc) : RUV_OK;
}

/* A decimal count; -1 if s is not one. */
static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return *end || errno ? -1 : 0;
}

/* All of standard input into *buf (malloc'd). */
static int read_stdin(char **buf, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap), *nb;
	ssize_t got;

	if (!b)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			if (cap >= ((size_t)1 << 32)) {
				free(b);
				return -EFBIG;
			}
			cap *= 2;
			nb = realloc(b, cap);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		got = read(0, b + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int rc = -errno;

			free(b);
			return rc;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	*buf = b;
	*len = n;
	return 0;
}

static int log_write(const char *name, const char *dsn, int have_off,
		     uint64_t off, int64_t trunc)
{
	struct log_apply a = { .truncate = trunc, .offset = off };
	char *buf = NULL;
	uint64_t uow = 0;
	int rc;

	rc = ruv_setup(1);
	if (rc != RUV_OK)
		return rc;
	if (have_off) {
		rc = read_stdin(&buf, &a.len);
		if (rc < 0)
			return ruv_error("log write: standard input", rc);
		a.buf = buf;
	}
	rc = log_apply(ruv.home, &ruv.cfg, name, dsn, &a, &uow);
	free(buf);
	if (rc < 0)
		return ruv_error("log write", rc);
	printf("logged unit %" PRIu64 "\n", uow);
	return RUV_OK;
}

enum {
	OPT_DIR = 256,
	OPT_KIND,
	OPT_FROM,
	OPT_TO,
	OPT_DSN,
	OPT_OFFSET,
	OPT_TRUNCATE,
};

/* Which subcommands take each option (a bit per subcommand). */
struct log_opts {
	const char *dir, *kind, *dsn;
	uint64_t from, to, offset, trunc;
	int have_offset, have_trunc;
	unsigned seen; /* OPT_* - 256 bits */
};

static int parse_opts(int argc, char **argv, struct log_opts *o, int *rc)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "kind", required_argument, NULL, OPT_KIND },
		{ "from-lsn", required_argument, NULL, OPT_FROM },
		{ "to-lsn", required_argument, NULL, OPT_TO },
		{ "dsn", required_argument, NULL, OPT_DSN },
		{ "offset", required_argument, NULL, OPT_OFFSET },
		{ "truncate", required_argument, NULL, OPT_TRUNCATE },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t *num;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		num = NULL;
		switch (c) {
		case 'h':
			*rc = ruv_help(usage);
			return -1;
		case OPT_DIR:
			o->dir = optarg;
			break;
		case OPT_KIND:
			o->kind = optarg;
			break;
		case OPT_DSN:
			o->dsn = optarg;
			break;
		case OPT_FROM:
			num = &o->from;
			break;
		case OPT_TO:
			num = &o->to;
			break;
		case OPT_OFFSET:
			num = &o->offset;
			o->have_offset = 1;
			break;
		case OPT_TRUNCATE:
			num = &o->trunc;
			o->have_trunc = 1;
			break;
		case ':':
			*rc = ruv_usage_error(usage, "'%s' needs a value",
					      argv[optind - 1]);
			return -1;
		default:
			*rc = ruv_usage_error(usage, "unknown option '%s'",
					      argv[optind - 1]);
			return -1;
		}
		if (c >= 256)
			o->seen |= 1u << (c - 256);
		if (num && parse_u64(optarg, num) < 0) {
			*rc = ruv_usage_error(usage,
					      "'%s': not a non-negative "
					      "decimal number",
					      optarg);
			return -1;
		}
	}
	return optind;
}

/* Refuse the options sub does not take. */
static int check_allowed(const struct log_opts *o, const char *sub,
			 unsigned allowed)
{
	static const char *const names[] = {
		"--dir", "--kind",   "--from-lsn", "--to-lsn",
		"--dsn", "--offset", "--truncate",
	};
	unsigned i, bad = o->seen & ~allowed;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (bad & (1u << i))
			return ruv_usage_error(usage,
					       "log %s: %s does not apply", sub,
					       names[i]);
	return RUV_OK;
}

#define BIT(opt) (1u << ((opt)-256))

int cmd_log(int argc, char **argv)
{
	struct log_opts o = { 0 };
	struct logcat_info li;
	struct repo *r = NULL;
	const char *sub;
	int rc = RUV_OK, i, n, kind = LOGCAT_APPLICATION;
	unsigned allowed;

	if (argc < 2)
		return ruv_usage_error(usage, "log: no subcommand");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return ruv_help(usage);
	sub = argv[1];
	if (!strcmp(sub, "prune")) /* its own file: cmds/log_prune.c */
		return cmd_log_prune(argc - 1, argv + 1);
	/* getopt over what follows the subcommand; GNU getopt moves the
	 * operands behind the options. */
	i = parse_opts(argc - 1, argv + 1, &o, &rc);
	if (i < 0)
		return rc;
	argv += 1 + i; /* operands */
	n = argc - 1 - i;
	if (!strcmp(sub, "define")) {
		allowed = BIT(OPT_DIR) | BIT(OPT_KIND);
		if (n != 1)
			return ruv_usage_error(usage,
					       "log define: needs one NAME");
	} else if (!strcmp(sub, "list")) {
		allowed = 0;
		if (n)
			return ruv_usage_error(usage,
					       "log list: unexpected "
					       "argument '%s'",
					       argv[0]);
	} else if (!strcmp(sub, "show")) {
		allowed = BIT(OPT_FROM) | BIT(OPT_TO) | BIT(OPT_DSN);
		if (n != 1)
			return ruv_usage_error(usage,
					       "log show: needs one NAME");
		if (o.to && o.from > o.to)
			return ruv_usage_error(usage,
					       "log show: --from-lsn is past "
					       "--to-lsn");
	} else if (!strcmp(sub, "delete")) {
		allowed = 0;
		if (n != 1)
			return ruv_usage_error(usage,
					       "log delete: needs one NAME");
	} else if (!strcmp(sub, "write")) {
		allowed = BIT(OPT_OFFSET) | BIT(OPT_TRUNCATE);
		if (n != 2)
			return ruv_usage_error(usage,
					       "log write: needs NAME and DSN");
		if (!o.have_offset && !o.have_trunc)
			return ruv_usage_error(usage,
					       "log write: needs --offset or "
					       "--truncate");
		if (o.have_trunc && o.trunc > INT64_MAX)
			return ruv_usage_error(usage,
					       "log write: --truncate too big");
	} else {
		return ruv_usage_error(usage, "log: unknown subcommand '%s'",
				       sub);
	}
	rc = check_allowed(&o, sub, allowed);
	if (rc != RUV_OK)
		return rc;
	if (o.kind) {
		if (!strcmp(o.kind, "journal"))
			kind = LOGCAT_JOURNAL;
		else if (strcmp(o.kind, "application"))
			return ruv_usage_error(usage,
					       "--kind '%s': application or "
					       "journal",
					       o.kind);
	}
	if (!strcmp(sub, "write"))
		return log_write(argv[0], argv[1], o.have_offset, o.offset,
				 o.have_trunc ? (int64_t)o.trunc : -1);

	rc = ruv_open(&r);
	if (rc != RUV_OK)
		return rc;
	if (!strcmp(sub, "define")) {
		rc = logcat_define(r, argv[0], o.dir, kind, &li);
		if (rc < 0)
			rc = ruv_error("log define", rc);
		else
			printf("defined log stream %s in %s\n", li.name,
			       li.dir);
	} else if (!strcmp(sub, "list")) {
		rc = log_list(r);
	} else if (!strcmp(sub, "show")) {
		rc = log_show(r, argv[0], o.from, o.to, o.dsn);
	} else {
		rc = logcat_delete(r, argv[0]);
		if (rc < 0)
			rc = ruv_error("log delete", rc);
		else
			printf("deleted log stream %s\n", argv[0]);
	}
	repo_close(r);
	return rc;
}
