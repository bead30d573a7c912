/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_TEST_HELPERS_H
#define RUV_TEST_HELPERS_H

/*
 * Fixtures shared by the unit tests: a temporary directory with a fresh
 * repository in it, and small files to register.  Header-only so each
 * test binary stays one source file.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "repo.h"

struct fixture {
	char dir[64];
	char db[128];
	struct repo *r;
};

static inline void fixture_file(struct fixture *fx, const char *name,
				const char *content, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", fx->dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static inline int fixture_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "%s", "/tmp/ruvunit.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->db, sizeof(fx->db), "%s/repository.db", fx->dir);
	assert_int_equal(repo_open(fx->db, REPO_CREATE, &fx->r), 0);
	*state = fx;
	return 0;
}

static inline int fixture_teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	repo_close(fx->r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

#endif
