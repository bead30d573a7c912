// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of config.c: defaults, every key, refusals with lines. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "errmsg.h"

static void assert_same_config(const struct config *a, const struct config *b)
{
	unsigned i;

	assert_string_equal(a->home, b->home);
	assert_int_equal(a->workers, b->workers);
	assert_int_equal(a->copies, b->copies);
	for (i = 0; i < a->copies; i++)
		assert_string_equal(a->copy_pool[i], b->copy_pool[i]);
	assert_int_equal(a->chunk_size, b->chunk_size);
	assert_int_equal(a->log_segment_size, b->log_segment_size);
	assert_int_equal(a->npools, b->npools);
	for (i = 0; i < a->npools; i++) {
		assert_string_equal(a->pools[i].name, b->pools[i].name);
		assert_string_equal(a->pools[i].directory,
				    b->pools[i].directory);
		assert_string_equal(a->pools[i].prefix, b->pools[i].prefix);
		assert_int_equal(a->pools[i].capacity, b->pools[i].capacity);
		assert_string_equal(a->pools[i].location, b->pools[i].location);
	}
}

/* etc/ruv.ini documents the defaults: parsing it changes nothing. */
static void test_shipped_file_is_the_defaults(void **state)
{
	struct config def, cfg;

	(void)state;
	config_defaults(&def);
	config_defaults(&cfg);
	assert_int_equal(config_load(SRCDIR "/etc/ruv.ini", &cfg), 0);
	assert_string_equal(cfg.path, SRCDIR "/etc/ruv.ini");
	assert_same_config(&def, &cfg);
}

static void test_every_key(void **state)
{
	struct config cfg;
	const struct config_pool *p;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(
		config_load_string("[ruv]\nhome = /srv/ruv\nworkers = 8\n"
				   "[backup]\ncopies = 3\ncopy3 = tape\n"
				   "chunk_size = 256K\n"
				   "[log]\nsegment_size = 1M\n"
				   "keep_archived = 12h\n"
				   "[pool tape]\ndirectory = /mnt/tape\n"
				   "prefix = t9\ncapacity = 10G\n"
				   "location = Vault\n",
				   "t.ini", &cfg),
		0);
	assert_string_equal(cfg.home, "/srv/ruv");
	assert_int_equal(cfg.workers, 8);
	assert_int_equal(cfg.copies, 3);
	assert_string_equal(cfg.copy_pool[2], "tape");
	assert_int_equal(cfg.chunk_size, 256 << 10);
	assert_int_equal(cfg.log_segment_size, 1 << 20);
	assert_int_equal(cfg.log_keep_archived_us, 12LL * 3600 * 1000000);
	p = config_pool(&cfg, "tape");
	assert_non_null(p);
	assert_string_equal(p->directory, "/mnt/tape");
	assert_string_equal(p->prefix, "T9");
	assert_int_equal(p->capacity, 10ULL << 30);
	assert_string_equal(p->location, "Vault");
	assert_null(config_pool(&cfg, "nosuch"));
}

static void refused(const char *text, const char *want)
{
	struct config before, cfg;

	config_defaults(&before);
	cfg = before;
	ruv_clearerr();
	assert_int_equal(config_load_string(text, "bad.ini", &cfg), -EINVAL);
	if (!strstr(ruv_lasterr(), want))
		fail_msg("message '%s' lacks '%s'", ruv_lasterr(), want);
	/* A refused file leaves the caller's config as it was. */
	assert_memory_equal(&before, &cfg, sizeof(cfg));
}

static void test_refusals_name_the_line(void **state)
{
	(void)state;
	refused("[ruv]\n\n[nosuch]\nx = 1\n", "bad.ini:4: unknown section");
	refused("[ruv\n", "bad.ini:1:");
	refused("[ruv]\nworkers = 0\n", "bad.ini:2: workers");
	refused("[ruv]\nworkers = 1K\n", "bad.ini:2: workers");
	refused("[ruv]\nworkers = 65\n", "bad.ini:2: workers");
	refused("[ruv]\nhome = rel\n", "bad.ini:2: home");
	refused("[ruv]\nbogus = 1\n", "unknown key 'bogus'");
	refused("[backup]\ncopies = 5\n", "bad.ini:2: copies");
	refused("[backup]\ncopy5 = local\n", "unknown key 'copy5'");
	refused("[backup]\nchunk_size = 32K\n", "chunk_size");
	refused("[backup]\nchunk_size = 128M\n", "chunk_size");
	refused("[backup]\nchunk_size = 96K\n", "chunk_size");
	refused("[log]\nsegment_size = 4K\n", "bad.ini:2: segment_size");
	refused("[log]\nsegment_size = 2G\n", "bad.ini:2: segment_size");
	refused("[log]\nsize = 1M\n", "unknown key 'size' in [log]");
	refused("[log]\nkeep_archived = 7w\n", "bad.ini:2: keep_archived");
	refused("[log]\nkeep_archived = -1d\n", "bad.ini:2: keep_archived");
	refused("[log]\nkeep_archived = 36501d\n", "bad.ini:2: keep_archived");
	refused("[log]\nkeep_archived = 7dd\n", "bad.ini:2: keep_archived");
	refused("[pool local]\ncapacity = 1K\n", "capacity");
	refused("[pool local]\ncapacity = 12Q\n", "capacity");
	refused("[pool local]\nprefix = ABCD\n", "prefix");
	refused("[pool local]\ncolour = red\n", "unknown key 'colour'");
	refused("[pool Bad Name]\nprefix = X\n", "pool name");
	refused("[backup]\ncopies = 3\n", "copy3 is not set");
	refused("[backup]\ncopy2 = local\n", "both go to pool local");
	refused("[pool x]\ndirectory = d\nprefix = L\n", "share prefix L");
	refused("[pool x]\nprefix = X\n", "needs directory");
}

/* Cross-key refusals name the line of the key involved. */
static void test_cross_key_lines(void **state)
{
	(void)state;
	refused("[ruv]\nworkers = 2\n[backup]\ncopies = 3\n",
		"bad.ini:4: copies = 3 but copy3 is not set");
	refused("[backup]\ncopies = 2\n\ncopy2 = nosuch\n",
		"bad.ini:4: copy2 = nosuch: no [pool nosuch]");
	refused("[backup]\ncopy1 = offsite\ncopy2 = offsite\n",
		"bad.ini:3: copy1 and copy2 both go to pool offsite");
	refused("[ruv]\n[pool local]\nprefix = O\n",
		"bad.ini:3: pools local and offsite share prefix O");
	refused("[ruv]\nworkers = 1\n[pool x]\ncapacity = 2M\n",
		"bad.ini:4: [pool x] needs directory and prefix");
}

/*
 * inih (as Debian builds it) passes an indented line after a key as the
 * same key again: refused, as is a key given twice in a section.
 */
static void test_continuation_and_twice(void **state)
{
	struct config cfg;
	FILE *f;
	char path[] = "/tmp/ruvcfg.XXXXXX";
	int fd;

	(void)state;
	refused("[ruv]\nworkers = 2\n  3\n",
		"bad.ini:3: indented line: multi-line values are not allowed");
	refused("[ruv]\nworkers = 2\n\tworkers = 3\n", "bad.ini:3: indented");
	refused("[pool local]\nprefix = Q\n  R\n", "bad.ini:3: indented");
	refused("[ruv]\nworkers = 2\nworkers = 3\n",
		"bad.ini:3: 'workers' given twice in [ruv] (first on line 2)");
	refused("[ruv]\nworkers = 2\n[backup]\ncopies = 1\n[ruv]\n"
		"workers = 3\n",
		"bad.ini:6: 'workers' given twice in [ruv] (first on line 2)");
	refused("[pool local]\nprefix = Q\n[pool local]\nprefix = R\n",
		"bad.ini:4: 'prefix' given twice in [pool local]");

	/* The same from a file (the file reader counts lines too). */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("# comment\n[ruv]\nworkers = 2\n   3\n", f);
	fclose(f);
	config_defaults(&cfg);
	assert_int_equal(config_load(path, &cfg), -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), ":4: indented line"));
	assert_int_equal(cfg.workers, 2);
	unlink(path);

	/* An indented key first in its section is a key, not a value. */
	config_defaults(&cfg);
	assert_int_equal(config_load_string("[ruv]\n  workers = 3\n"
					    "[backup]\n  copies = 1\n",
					    "ok.ini", &cfg),
			 0);
	assert_int_equal(cfg.workers, 3);
	assert_int_equal(cfg.copies, 1);
	/* The same key in different sections is two keys. */
	config_defaults(&cfg);
	assert_int_equal(config_load_string("[pool local]\nprefix = A\n"
					    "[pool offsite]\nprefix = B\n",
					    "ok.ini", &cfg),
			 0);
}

static void test_missing_file(void **state)
{
	struct config cfg;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_load("/nonexistent/ruv.ini", &cfg), -ENOENT);
	assert_non_null(strstr(ruv_lasterr(), "/nonexistent/ruv.ini"));
}

static void test_sizes(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(config_parse_size("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(config_parse_size("64k", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(config_parse_size("3M", &v), 0);
	assert_int_equal(v, 3 << 20);
	assert_int_equal(config_parse_size("2T", &v), 0);
	assert_int_equal(v, 2ULL << 40);
	assert_int_equal(config_parse_size("", &v), -EINVAL);
	assert_int_equal(config_parse_size("-1", &v), -EINVAL);
	assert_int_equal(config_parse_size(" 1", &v), -EINVAL);
	assert_int_equal(config_parse_size("1MB", &v), -EINVAL);
	assert_int_equal(config_parse_size("M", &v), -EINVAL);
	assert_int_equal(config_parse_size("99999999999999999999", &v),
			 -ERANGE);
	assert_int_equal(config_parse_size("99999999999T", &v), -ERANGE);
}

static void test_pool_dir(void **state)
{
	struct config cfg;
	char buf[64];

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_pool_dir(&cfg.pools[0], "/h", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "/h/pools/local");
	snprintf(cfg.pools[0].directory, sizeof(cfg.pools[0].directory), "%s",
		 "/abs");
	assert_int_equal(config_pool_dir(&cfg.pools[0], "/h", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "/abs");
	assert_int_equal(config_pool_dir(&cfg.pools[0], "/h", buf, 3),
			 -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_file_is_the_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_refusals_name_the_line),
		cmocka_unit_test(test_cross_key_lines),
		cmocka_unit_test(test_continuation_and_twice),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_pool_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
