// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz the JCL field rewriter (jcl_rewrite in catalog/jcl.c): any member
 * text, rewritten to a fixed PIT.  What it writes must be rewritten to
 * nothing the second time (every field it recognised now carries the
 * PIT), and the count must match the changes the callback heard.
 */
#include "fuzz.h"
#include "jcl.h"
#include "pit.h"

static struct pit_formats formats;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* 2025-02-10T14:42:17.364519Z, at US Eastern winter time. */
	pit_format(1739198537364519LL, -5 * 3600, 27, &formats);
	return 0;
}

static void heard(const struct jcl_change *c, void *arg)
{
	unsigned *n = arg;

	if (!c->member || !c->field || !c->old_value || !c->new_value)
		abort();
	(*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL, *again = NULL;
	size_t out_len = 0, again_len = 0;
	unsigned n = 0;
	int rc;

	rc = jcl_rewrite("FUZZ", (const char *)data, size, &formats, &out,
			 &out_len, heard, &n);
	if (rc < 0) {
		if (rc != -EINVAL || out)
			abort();
		return 0;
	}
	if ((unsigned)rc != n || (rc == 0) != (out == NULL))
		abort();
	if (out) {
		rc = jcl_rewrite("FUZZ", out, out_len, &formats, &again,
				 &again_len, NULL, NULL);
		if (rc != 0 || again)
			abort();
	}
	free(out);
	free(again);
	return 0;
}
