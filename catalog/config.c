// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Configuration: etc/ruv.ini read with inih over built-in defaults.
 *
 * The file is parsed into a scratch copy and only copied to the caller's
 * struct once every key and the whole (cross-key checks) have passed, so a
 * bad file changes nothing.  inih reports a handler's refusal as the line
 * number of the first failing line; the handler keeps the first message
 * and config_load() prefixes "FILE:LINE: ".
 *
 * inih is fed through our own line reader, which counts lines as inih
 * does and notes whether a line is indented.  inih may be built with
 * multi-line values (Debian's is): an indented line after a key is then
 * handed over as the same key again, and would silently replace its
 * value.  The handler refuses that, and any key given twice in a section,
 * naming the line.  The line of every key is kept, so a check that spans
 * keys ("copies = 3 but copy3 is not set") names the line of the key.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "ruv-config.h"
#include "config.h"
#include "errmsg.h"
#include "names.h"

#define MAX_KEYS 128

/* A key read: where, for duplicates and for messages that span keys. */
struct key_seen {
	char section[CONFIG_NAME_MAX + 8];
	char key[32];
	int line;
};

struct parse_state {
	struct config cfg;
	char msg[256]; /* first handler failure; "" if none */
	int msg_line;  /* line for a cross-key failure; 0 if none */
	/* the reader */
	FILE *f;	  /* reading a file, or */
	const char *text; /* the rest of a string */
	int lineno;	  /* lines read, counted as inih counts them */
	int at_start;	  /* the next read begins a physical line */
	int indented;	  /* the line inih is on begins with a blank */
	int after_header; /* a [section] line came after the last key */
	int bad_line;	  /* the first line too long or with a NUL; 0 none */
	char bad[64];	  /* and what is wrong with it */
	/* the keys so far */
	unsigned nseen;
	struct key_seen seen[MAX_KEYS];
};

void config_defaults(struct config *cfg)
{
	static const struct config_pool local = {
		.name = "local",
		.directory = "pools/local",
		.prefix = "L",
		.capacity = 4ULL << 30,
		.location = "Local",
	};
	static const struct config_pool offsite = {
		.name = "offsite",
		.directory = "pools/offsite",
		.prefix = "O",
		.capacity = 4ULL << 30,
		.location = "Staging",
	};

	memset(cfg, 0, sizeof(*cfg));
	cfg->workers = 2;
	cfg->copies = 2;
	snprintf(cfg->copy_pool[0], sizeof(cfg->copy_pool[0]), "%s", "local");
	snprintf(cfg->copy_pool[1], sizeof(cfg->copy_pool[1]), "%s", "offsite");
	cfg->chunk_size = 1U << 20;
	cfg->log_segment_size = 64ULL << 20;
	cfg->log_keep_archived_us = 7LL * 86400 * 1000000;
	cfg->npools = 2;
	cfg->pools[0] = local;
	cfg->pools[1] = offsite;
}

int config_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	case 't':
	case 'T':
		shift = 40;
		end++;
		break;
	default:
		return -EINVAL;
	}
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	uint64_t v;

	if (config_parse_size(s, &v) < 0 || strpbrk(s, "kKmMgGtT"))
		return -EINVAL;
	if (v < lo || v > hi)
		return -ERANGE;
	*out = (unsigned)v;
	return 0;
}

/* Set the handler's message and return 0, inih's "failed". */
static int refuse(struct parse_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int refuse(struct parse_state *st, const char *fmt, ...)
{
	va_list ap;

	if (st->msg[0])
		return 0;
	va_start(ap, fmt);
	vsnprintf(st->msg, sizeof(st->msg), fmt, ap);
	va_end(ap);
	return 0;
}

static struct config_pool *pool_for(struct config *cfg, const char *name)
{
	struct config_pool *p;
	unsigned i;

	for (i = 0; i < cfg->npools; i++)
		if (!strcmp(cfg->pools[i].name, name))
			return &cfg->pools[i];
	if (cfg->npools == CONFIG_MAX_POOLS)
		return NULL;
	p = &cfg->pools[cfg->npools++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->capacity = 4ULL << 30;
	snprintf(p->location, sizeof(p->location), "Staging");
	return p;
}

static int valid_pool_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CONFIG_NAME_MAX)
		return 0;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n &&
	       name[0] >= 'a' && name[0] <= 'z';
}

static int pool_key(struct parse_state *st, const char *pname, const char *key,
		    const char *value)
{
	struct config_pool *p;
	uint64_t size;

	if (!valid_pool_name(pname))
		return refuse(st,
			      "pool name '%s': 1-%d of a-z 0-9 _ -, "
			      "starting with a letter",
			      pname, CONFIG_NAME_MAX);
	p = pool_for(&st->cfg, pname);
	if (!p)
		return refuse(st, "more than %d pools", CONFIG_MAX_POOLS);
	if (!strcmp(key, "directory")) {
		if (!*value || strlen(value) >= sizeof(p->directory))
			return refuse(st, "directory: empty or too long");
		snprintf(p->directory, sizeof(p->directory), "%s", value);
	} else if (!strcmp(key, "prefix")) {
		if (names_pool_prefix_check(value, p->prefix,
					    sizeof(p->prefix)) < 0)
			return refuse(st,
				      "prefix '%s': 1-3 letters or "
				      "digits, starting with a letter",
				      value);
	} else if (!strcmp(key, "capacity")) {
		if (config_parse_size(value, &size) < 0 || size < (1U << 20))
			return refuse(st,
				      "capacity '%s': a size of at least "
				      "1M",
				      value);
		p->capacity = size;
	} else if (!strcmp(key, "location")) {
		if (names_location_check(value, p->location,
					 sizeof(p->location)) < 0)
			return refuse(st, "location '%s': %s", value,
				      ruv_lasterr());
	} else {
		return refuse(st, "unknown key '%s' in [pool %s]", key, pname);
	}
	return 1;
}

static int backup_key(struct parse_state *st, const char *key,
		      const char *value)
{
	struct config *cfg = &st->cfg;
	unsigned n;
	uint64_t size;

	if (!strcmp(key, "copies")) {
		if (parse_uint(value, 1, CONFIG_MAX_COPIES, &cfg->copies) < 0)
			return refuse(st, "copies '%s': a number from 1 to %d",
				      value, CONFIG_MAX_COPIES);
	} else if (!strncmp(key, "copy", 4) && key[4] >= '1' &&
		   key[4] <= '0' + CONFIG_MAX_COPIES && !key[5]) {
		n = (unsigned)(key[4] - '1');
		if (!valid_pool_name(value))
			return refuse(st, "%s '%s': not a pool name", key,
				      value);
		snprintf(cfg->copy_pool[n], sizeof(cfg->copy_pool[n]), "%s",
			 value);
	} else if (!strcmp(key, "chunk_size")) {
		if (config_parse_size(value, &size) < 0 || size < (64 << 10) ||
		    size > (64 << 20) || (size & (size - 1)))
			return refuse(st,
				      "chunk_size '%s': a power of two "
				      "from 64K to 64M",
				      value);
		cfg->chunk_size = (uint32_t)size;
	} else {
		return refuse(st, "unknown key '%s' in [backup]", key);
	}
	return 1;
}

/* "90", "90s", "15m", "12h", "7d" into microseconds (0 .. 36500 days). */
static int parse_duration(const char *s, int64_t *out)
{
	unsigned long long n = 0, unit = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (unsigned long long)(*p - '0');
		if (n > 36500ULL * 86400)
			return -ERANGE;
	}
	switch (*p) {
	case '\0':
	case 's':
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		return -EINVAL;
	}
	if (*p && p[1])
		return -EINVAL;
	if (n * unit > 36500ULL * 86400)
		return -ERANGE;
	*out = (int64_t)(n * unit) * 1000000;
	return 0;
}

/* [log]: how log streams are written and how long archived segments stay. */
static int log_key(struct parse_state *st, const char *key, const char *value)
{
	uint64_t size;

	if (!strcmp(key, "segment_size")) {
		if (config_parse_size(value, &size) < 0 || size < (64 << 10) ||
		    size > (1ULL << 30))
			return refuse(st,
				      "segment_size '%s': a size from 64K "
				      "to 1G",
				      value);
		st->cfg.log_segment_size = size;
	} else if (!strcmp(key, "keep_archived")) {
		if (parse_duration(value, &st->cfg.log_keep_archived_us) < 0)
			return refuse(st,
				      "keep_archived '%s': a number of "
				      "seconds, or with s, m, h or d (7d), "
				      "up to 36500d",
				      value);
	} else {
		return refuse(st, "unknown key '%s' in [log]", key);
	}
	return 1;
}

static void note_line(struct parse_state *st, const char *buf)
{
	size_t n = strlen(buf);

	st->lineno++;
	st->indented = st->at_start && (buf[0] == ' ' || buf[0] == '\t');
	if (st->at_start && buf[strspn(buf, " \t")] == '[')
		st->after_header = 1;
	st->at_start = n > 0 && buf[n - 1] == '\n';
}

/* A physical line that will not fit inih's buffer would be cut and its
 * rest parsed as a line of its own ("syntax error"), and a NUL would cut
 * a value short: both are noted, with the line, and refused at the end.
 * Physical lines and inih's count agree up to the first of them. */
static void note_bad(struct parse_state *st, int line, const char *bad)
{
	if (!st->bad_line) {
		st->bad_line = line;
		snprintf(st->bad, sizeof(st->bad), "%s", bad);
	}
}

static char *read_file_line(char *buf, int size, void *stream)
{
	struct parse_state *st = stream;
	int c = EOF, n = 0;

	while (n < size - 1 && (c = getc(st->f)) != EOF) {
		if (!c) {
			note_bad(st, st->lineno + 1, "a NUL byte in the line");
			c = ' ';
		}
		buf[n++] = (char)c;
		if (c == '\n')
			break;
	}
	if (!n)
		return NULL;
	buf[n] = '\0';
	if (n == size - 1 && buf[n - 1] != '\n' && st->at_start) {
		c = getc(st->f);
		if (c != EOF && c != '\n') {
			char why[64];

			snprintf(why, sizeof(why),
				 "line longer than %d bytes (a value too "
				 "long)",
				 size - 1);
			note_bad(st, st->lineno + 1, why);
		}
		if (c != EOF)
			ungetc(c, st->f);
	}
	note_line(st, buf);
	return buf;
}

/* As inih's string reader: up to and with the newline, size - 1 at most. */
static char *read_string_line(char *buf, int size, void *stream)
{
	struct parse_state *st = stream;
	int n = 0;

	if (!*st->text || size < 2)
		return NULL;
	while (n < size - 1 && st->text[n]) {
		buf[n] = st->text[n];
		if (st->text[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	st->text += n;
	note_line(st, buf);
	return buf;
}

static const struct key_seen *key_find(const struct parse_state *st,
				       const char *section, const char *key)
{
	unsigned i;

	for (i = 0; i < st->nseen; i++)
		if (!strcmp(st->seen[i].section, section) &&
		    (!key || !strcmp(st->seen[i].key, key)))
			return &st->seen[i];
	return NULL;
}

/* The line of section's key (its first key if key is NULL), or 0. */
static int key_line(const struct parse_state *st, const char *section,
		    const char *key)
{
	const struct key_seen *k = key_find(st, section, key);

	return k ? k->line : 0;
}

/*
 * Refuse an indented line that continues the previous key (a multi-line
 * value) and a key given twice in a section; else remember the key.
 */
static int note_key(struct parse_state *st, const char *section,
		    const char *key)
{
	const struct key_seen *k;
	struct key_seen *n;

	if (st->indented && st->nseen && !st->after_header)
		return refuse(st,
			      "indented line: multi-line values are not "
			      "allowed (it would continue '%s')",
			      key);
	k = key_find(st, section, key);
	if (k)
		return refuse(st, "'%s' given twice in [%s] (first on line %d)",
			      key, section, k->line);
	if (st->nseen == MAX_KEYS)
		return refuse(st, "more than %d keys", MAX_KEYS);
	n = &st->seen[st->nseen++];
	snprintf(n->section, sizeof(n->section), "%s", section);
	snprintf(n->key, sizeof(n->key), "%s", key);
	n->line = st->lineno;
	st->after_header = 0;
	return 1;
}

static int handler(void *user, const char *section, const char *key,
		   const char *value)
{
	struct parse_state *st = user;

	if (!*section)
		return refuse(st,
			      "key '%s' outside any section: put it under "
			      "[ruv], [backup] or [pool NAME]",
			      key);
	if (!note_key(st, section, key))
		return 0;

	if (!strcmp(section, "ruv")) {
		if (!strcmp(key, "home")) {
			if (value[0] != '/' ||
			    strlen(value) >= sizeof(st->cfg.home))
				return refuse(st, "home '%s': an absolute path",
					      value);
			snprintf(st->cfg.home, sizeof(st->cfg.home), "%s",
				 value);
		} else if (!strcmp(key, "volume_path")) {
			if (strlen(value) >= sizeof(st->cfg.volume_path))
				return refuse(st, "volume_path: too long");
			snprintf(st->cfg.volume_path,
				 sizeof(st->cfg.volume_path), "%s", value);
		} else if (!strcmp(key, "workers")) {
			if (parse_uint(value, 1, 64, &st->cfg.workers) < 0)
				return refuse(st,
					      "workers '%s': a number from "
					      "1 to 64",
					      value);
		} else {
			return refuse(st, "unknown key '%s' in [ruv]", key);
		}
		return 1;
	}
	if (!strcmp(section, "backup"))
		return backup_key(st, key, value);
	if (!strcmp(section, "log"))
		return log_key(st, key, value);
	if (!strncmp(section, "pool ", 5))
		return pool_key(st, section + 5, key, value);
	return refuse(st, "unknown section [%s]", section);
}

/* Checks that span keys: every copy names a defined pool, prefixes differ. */
static int check_whole(struct parse_state *st)
{
	const struct config *cfg = &st->cfg;

	char sect[CONFIG_NAME_MAX + 8], key[16];
	unsigned i, j;
	int a, b;

	for (i = 0; i < cfg->copies; i++) {
		snprintf(key, sizeof(key), "copy%u", i + 1);
		if (!cfg->copy_pool[i][0]) {
			st->msg_line = key_line(st, "backup", "copies");
			refuse(st, "copies = %u but copy%u is not set",
			       cfg->copies, i + 1);
			return -EINVAL;
		}
		if (!config_pool(cfg, cfg->copy_pool[i])) {
			st->msg_line = key_line(st, "backup", key);
			refuse(st, "copy%u = %s: no [pool %s]", i + 1,
			       cfg->copy_pool[i], cfg->copy_pool[i]);
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (!strcmp(cfg->copy_pool[i], cfg->copy_pool[j])) {
				a = key_line(st, "backup", key);
				snprintf(key, sizeof(key), "copy%u", j + 1);
				b = key_line(st, "backup", key);
				/* The later of the two, the one that clashed.
				 */
				st->msg_line = a > b ? a : b;
				refuse(st,
				       "copy%u and copy%u both go to "
				       "pool %s",
				       j + 1, i + 1, cfg->copy_pool[i]);
				return -EINVAL;
			}
	}
	for (i = 0; i < cfg->npools; i++) {
		snprintf(sect, sizeof(sect), "pool %s", cfg->pools[i].name);
		if (!cfg->pools[i].directory[0] || !cfg->pools[i].prefix[0]) {
			st->msg_line = key_line(st, sect, NULL);
			refuse(st, "[pool %s] needs directory and prefix",
			       cfg->pools[i].name);
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (!strcmp(cfg->pools[i].prefix,
				    cfg->pools[j].prefix)) {
				a = key_line(st, sect, "prefix");
				snprintf(sect, sizeof(sect), "pool %s",
					 cfg->pools[j].name);
				b = key_line(st, sect, "prefix");
				/* The later of the two, the one that clashed.
				 */
				st->msg_line = a > b ? a : b;
				refuse(st, "pools %s and %s share prefix %s",
				       cfg->pools[j].name, cfg->pools[i].name,
				       cfg->pools[i].prefix);
				return -EINVAL;
			}
	}
	return 0;
}

static int finish(struct parse_state *st, int line, const char *name,
		  struct config *cfg)
{
	if (st->bad_line && (line <= 0 || st->bad_line <= line))
		return ruv_fail(-EINVAL, "%s:%d: %s", name, st->bad_line,
				st->bad);
	if (line > 0)
		return ruv_fail(-EINVAL, "%s:%d: %s", name, line,
				st->msg[0] ? st->msg : "syntax error");
	if (check_whole(st) < 0) {
		if (st->msg_line > 0)
			return ruv_fail(-EINVAL, "%s:%d: %s", name,
					st->msg_line, st->msg);
		return ruv_fail(-EINVAL, "%s: %s", name, st->msg);
	}
	*cfg = st->cfg;
	return 0;
}

int config_load(const char *path, struct config *cfg)
{
	struct parse_state *st;
	struct stat sb;
	FILE *f;
	int rc;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->cfg = *cfg;
	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		ruv_fail(rc, "cannot read config '%s': %s", path,
			 strerror(-rc));
		goto out;
	}
	/* A directory opens, reads as nothing, and would give the
	 * defaults without a word. */
	if (fstat(fileno(f), &sb) == 0 && !S_ISREG(sb.st_mode)) {
		rc = ruv_fail(S_ISDIR(sb.st_mode) ? -EISDIR : -EINVAL,
			      "config '%s' is %s, not a file", path,
			      S_ISDIR(sb.st_mode) ? "a directory"
						  : "not a regular file");
		goto out;
	}
	if (strlen(path) >= sizeof(st->cfg.path)) {
		rc = ruv_fail(-ENAMETOOLONG, "config path too long");
		goto out;
	}
	snprintf(st->cfg.path, sizeof(st->cfg.path), "%s", path);
	st->f = f;
	st->at_start = 1;
	rc = ini_parse_stream(read_file_line, st, handler, st);
	if (rc < 0) {
		rc = ruv_fail(-EIO, "cannot read config '%s'", path);
		goto out;
	}
	rc = finish(st, rc, path, cfg);
out:
	if (f)
		fclose(f);
	free(st);
	return rc;
}

int config_load_string(const char *text, const char *name, struct config *cfg)
{
	struct parse_state *st;
	int rc;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->cfg = *cfg;
	st->text = text;
	st->at_start = 1;
	rc = ini_parse_stream(read_string_line, st, handler, st);
	if (rc < 0)
		rc = ruv_fail(-ENOMEM, "%s: cannot parse", name);
	else
		rc = finish(st, rc, name, cfg);
	free(st);
	return rc;
}

int config_find(const char *explicit, const char *home, struct config *cfg)
{
	char path[PATH_MAX];
	const char *env = getenv("RUV_CONFIG");
	struct config tmp;
	int rc;

	config_defaults(&tmp);
	if (!explicit && env && *env)
		explicit = env;
	if (explicit) {
		rc = config_load(explicit, &tmp);
	} else if (home &&
		   snprintf(path, sizeof(path), "%s/ruv.ini", home) <
			   (int)sizeof(path) &&
		   access(path, F_OK) == 0) {
		rc = config_load(path, &tmp);
	} else if (access(RUV_SYSCONFDIR "/ruv/ruv.ini", F_OK) == 0) {
		rc = config_load(RUV_SYSCONFDIR "/ruv/ruv.ini", &tmp);
	} else {
		rc = 0;
	}
	if (rc < 0)
		return rc;
	*cfg = tmp;
	return 0;
}

const struct config_pool *config_pool(const struct config *cfg,
				      const char *name)
{
	unsigned i;

	for (i = 0; i < cfg->npools; i++)
		if (!strcmp(cfg->pools[i].name, name))
			return &cfg->pools[i];
	return NULL;
}

int config_pool_dir(const struct config_pool *pool, const char *home, char *buf,
		    size_t len)
{
	int n;

	if (pool->directory[0] == '/')
		n = snprintf(buf, len, "%s", pool->directory);
	else
		n = snprintf(buf, len, "%s/%s", home, pool->directory);
	if (n < 0 || (size_t)n >= len)
		return ruv_fail(-ENAMETOOLONG, "pool directory path too long");
	return 0;
}
