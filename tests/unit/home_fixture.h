/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_TEST_HOME_FIXTURE_H
#define RUV_TEST_HOME_FIXTURE_H

/*
 * A whole home for the unit tests of the modules that need volumes and
 * backups (pool, copy, shipment, reprs, volsearch): a temporary
 * directory with DIR/home made by home_init() from the built-in
 * configuration (one worker, 64 KiB chunks), small data files in
 * DIR/data, and helpers that register and back up through the library.
 * Header-only so each test binary stays one source file.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "backup.h"
#include "config.h"
#include "file.h"
#include "home.h"
#include "repo.h"

struct home_fixture {
	char dir[64];
	char home[96];
	char data[96];
	struct config cfg;
	struct repo *r; /* open on home */
};

/* Make home with cfg as it stands (after hf_new() or hf_new_cfg()). */
static inline void hf_make(struct home_fixture *f)
{
	assert_int_equal(home_init(f->home, &f->cfg), 0);
	assert_int_equal(home_open(f->home, &f->r), 0);
}

/* The fixture, configuration not yet applied: the caller may change
 * f->cfg, then hf_make(). */
static inline struct home_fixture *hf_new(void)
{
	struct home_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ruvunit.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->home, sizeof(f->home), "%s/home", f->dir);
	snprintf(f->data, sizeof(f->data), "%s/data", f->dir);
	assert_int_equal(mkdir(f->data, 0700), 0);
	config_defaults(&f->cfg);
	f->cfg.workers = 1;
	f->cfg.chunk_size = 64U << 10;
	return f;
}

static inline int hf_setup(void **state)
{
	struct home_fixture *f = hf_new();

	hf_make(f);
	*state = f;
	return 0;
}

static inline int hf_teardown(void **state)
{
	struct home_fixture *f = *state;
	char cmd[128];

	if (!f)
		return 0;
	repo_close(f->r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Write DIR/data/name with content; its path into path. */
static inline void hf_data(struct home_fixture *f, const char *name,
			   const char *content, char *path, size_t len)
{
	FILE *fp;

	snprintf(path, len, "%s/%s", f->data, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(content, fp);
	assert_int_equal(fclose(fp), 0);
}

/* Register dsn for DIR/data/name holding content (once), back it up;
 * the backup's id. */
static inline int64_t hf_backup(struct home_fixture *f, const char *dsn,
				const char *name, const char *content)
{
	struct backup_request req = { .home = f->home, .cfg = &f->cfg };
	struct backup_result res;
	struct file_info fi;
	char path[160], d[64];
	char *dsns[] = { d };

	hf_data(f, name, content, path, sizeof(path));
	if (file_lookup(f->r, dsn, &fi) < 0)
		assert_int_equal(file_register(f->r, dsn, path, NULL), 0);
	snprintf(d, sizeof(d), "%s", dsn);
	memset(&res, 0, sizeof(res));
	assert_int_equal(backup_run(&req, dsns, 1, &res), 0);
	assert_int_equal(res.rc, 0);
	return res.backup_id;
}

/* A repository backup; its id. */
static inline int64_t hf_repo_backup(struct home_fixture *f)
{
	struct backup_request req = { .home = f->home, .cfg = &f->cfg };
	struct backup_result res;

	memset(&res, 0, sizeof(res));
	assert_int_equal(backup_repository(&req, &res), 0);
	return res.backup_id;
}

/* Read a whole small file into buf (terminated); its length. */
static inline size_t hf_read(const char *path, char *buf, size_t cap)
{
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, cap - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return n;
}

#endif
