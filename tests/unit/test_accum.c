// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of accum.c: two streams and three files, archived in several
 * runs, accumulated with a sort run of a few KiB so that the merge takes
 * many spilled runs.  The consolidated user-data archive holds every
 * change once, in (DSN, LSN) order, byte for byte the records of the
 * sources; reading one DSN through the index gives exactly its records;
 * the UOW archive is in (stream, LSN) order; the sources are marked; a
 * second accumulation finds nothing new; a later one takes only the new
 * archives.
 */
#include <errno.h>
#include <inttypes.h>

#include "accum.h"
#include "catalog_int.h"
#include "errmsg.h"
#include "home_fixture.h"
#include "logcat.h"
#include "logstream.h"

struct rec {
	char key[64];
	uint64_t lsn;
	unsigned char *raw;
	size_t len;
};

struct recs {
	struct rec *v;
	size_t n;
	const char *stream; /* key for UOW records */
};

static int add(const struct logrec *r, const void *raw, size_t len, void *arg)
{
	struct recs *l = arg;
	struct rec *x;

	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	assert_non_null(l->v);
	x = &l->v[l->n++];
	snprintf(x->key, sizeof(x->key), "%s",
		 r->dsn[0] ? r->dsn : (l->stream ? l->stream : ""));
	x->lsn = r->lsn;
	x->raw = malloc(len);
	assert_non_null(x->raw);
	memcpy(x->raw, raw, len);
	x->len = len;
	return 0;
}

static int by_key_lsn(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->lsn < y->lsn ? -1 : x->lsn > y->lsn);
}

static void recs_free(struct recs *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].raw);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void same(const struct recs *a, const struct recs *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_string_equal(a->v[i].key, b->v[i].key);
		assert_int_equal(a->v[i].lsn, b->v[i].lsn);
		assert_int_equal(a->v[i].len, b->v[i].len);
		assert_memory_equal(a->v[i].raw, b->v[i].raw, a->v[i].len);
	}
}

static void writes(struct logstream *ls, const char *dsn, int n, int fill)
{
	char after[3000], before[3000];
	struct log_touched t = { .size = 1u << 20 };
	uint64_t u;
	int i;

	snprintf(t.dsn, sizeof(t.dsn), "%s", dsn);
	memset(after, fill, sizeof(after));
	memset(before, fill + 1, sizeof(before));
	assert_int_equal(logstream_begin(ls, &u), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(logstream_write(ls, u, dsn, (uint64_t)i * 100,
						 after, sizeof(after) - i,
						 before, sizeof(before) - i,
						 1u << 20, NULL),
				 0);
	assert_int_equal(logstream_commit(ls, u, &t, 1), 0);
}

static int64_t one(struct repo *r, const char *sql)
{
	int64_t v = -1;

	assert_int_equal(repo_one(r, sql, NULL, repo_row_int64, &v), 0);
	return v;
}

/* Every record of the ordinary archives of kind, keyed. */
static void sources(struct repo *r, const char *kind, struct recs *out)
{
	sqlite3_stmt *st;
	char stream[64];

	assert_int_equal(repo_prepare(r,
				      "SELECT a.id, s.name FROM archive a JOIN"
				      " archive_range ar ON ar.archive_id ="
				      " a.id JOIN log_stream s ON s.id ="
				      " ar.stream_id WHERE a.consolidated = 0"
				      " AND a.kind = ?1",
				      &st),
			 0);
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		repo_column_text(st, 1, stream, sizeof(stream));
		out->stream = stream;
		assert_int_equal(
			archive_walk(r, sqlite3_column_int64(st, 0), add, out),
			0);
	}
	repo_finalize(r, st);
	out->stream = NULL;
}

static void test_accumulate(void **state)
{
	struct home_fixture *f = *state;
	struct archive_request req = { .home = f->home, .cfg = &f->cfg };
	struct archive_result *ar = NULL;
	struct accum_result res;
	struct logcat_info l1, l2;
	struct logstream *s1, *s2;
	struct logstream_opts o = { .segment_size = 1u << 20 };
	struct recs src = { 0 }, acc = { 0 }, one_dsn = { 0 };
	const char *dsns[] = { "PAY.B", "PAY.A", "PAY.C" };
	char path[160];
	unsigned na = 0, i, k;
	size_t j;

	req.sort_run_bytes = 8192;
	for (i = 0; i < 3; i++) {
		hf_data(f, dsns[i] + 4, "", path, sizeof(path));
		assert_int_equal(file_register(f->r, dsns[i], path, NULL), 0);
	}
	assert_int_equal(logcat_define(f->r, "S1", NULL, 0, &l1), 0);
	assert_int_equal(logcat_define(f->r, "S2", NULL, 0, &l2), 0);
	assert_int_equal(logstream_open(l1.dir, &o, &s1), 0);
	assert_int_equal(logstream_open(l2.dir, &o, &s2), 0);
	for (k = 0; k < 3; k++) {
		writes(s1, "PAY.B", 3, 'a' + (int)k);
		writes(s1, "PAY.A", 2, 'k' + (int)k);
		writes(s2, "PAY.C", 4, 'p' + (int)k);
		assert_int_equal(archive_run(&req, f->r, NULL, 0, &ar, &na), 0);
		free(ar);
	}
	writes(s2, "PAY.C", 1, 'z'); /* archived by accumulate itself */
	assert_int_equal(accum_run(&req, f->r, &ar, &na, &res), 0);
	assert_int_equal(na, 2);
	assert_false(ar[1].nothing_new); /* S2's last unit */
	free(ar);
	assert_false(res.nothing_new);
	assert_int_equal(res.sources,
			 14); /* 3 runs x 2 streams + S2 x 2 kinds */
	assert_int_equal(res.keys, 3);
	assert_true(res.runs > 4); /* spilled: the merge had many runs */
	assert_int_equal(res.user_records, 3 * (3 + 2 + 4) + 1);

	/* user data: sorted by DSN then LSN, the sources' bytes */
	sources(f->r, "user", &src);
	qsort(src.v, src.n, sizeof(*src.v), by_key_lsn);
	assert_int_equal(archive_walk(f->r, res.user_id, add, &acc), 0);
	same(&src, &acc);
	/* one DSN through the index: its records only */
	assert_int_equal(
		archive_walk_key(f->r, res.user_id, "PAY.B", add, &one_dsn), 0);
	assert_int_equal(one_dsn.n, 9);
	for (j = 0; j < one_dsn.n; j++) {
		assert_string_equal(one_dsn.v[j].key, "PAY.B");
		assert_memory_equal(one_dsn.v[j].raw, acc.v[6 + j].raw,
				    one_dsn.v[j].len); /* A, then B */
	}
	recs_free(&one_dsn);
	assert_int_equal(
		archive_walk_key(f->r, res.user_id, "PAY.NONE", add, &one_dsn),
		0);
	assert_int_equal(one_dsn.n, 0);
	recs_free(&src);
	recs_free(&acc);

	/* UOW: sorted by stream then LSN */
	sources(f->r, "uow", &src);
	qsort(src.v, src.n, sizeof(*src.v), by_key_lsn);
	acc.stream = NULL;
	assert_int_equal(archive_walk(f->r, res.uow_id, add, &acc), 0);
	assert_int_equal(acc.n, src.n);
	for (j = 0; j < acc.n; j++) {
		assert_int_equal(acc.v[j].lsn, src.v[j].lsn);
		assert_memory_equal(acc.v[j].raw, src.v[j].raw, acc.v[j].len);
	}
	recs_free(&src);
	recs_free(&acc);

	assert_int_equal(one(f->r, "SELECT count(*) FROM archive WHERE"
				   " consolidated_into IS NULL AND"
				   " consolidated = 0"),
			 0);
	assert_int_equal(one(f->r, "SELECT count(*) FROM copy c JOIN dataset d"
				   " ON d.id = c.dataset_id WHERE d.kind IN"
				   " ('accum', 'accum-uow')"),
			 4);
	/* its ranges: each stream from LSN 1 to its mark */
	assert_int_equal(one(f->r, "SELECT count(*) FROM archive_range ar"
				   " JOIN log_stream s ON s.id = ar.stream_id"
				   " WHERE ar.archive_id = (SELECT max(id) FROM"
				   " archive WHERE consolidated = 1) AND"
				   " ar.first_lsn = 1 AND ar.last_lsn ="
				   " s.archived_lsn"),
			 2);

	/* Again: nothing new. */
	assert_int_equal(accum_run(&req, f->r, &ar, &na, &res), 0);
	free(ar);
	assert_true(res.nothing_new);
	/* New records: only the new archives are taken. */
	writes(s1, "PAY.A", 1, 'y');
	assert_int_equal(accum_run(&req, f->r, &ar, &na, &res), 0);
	free(ar);
	assert_int_equal(res.sources, 2);
	assert_int_equal(res.user_records, 1);
	assert_int_equal(archive_check_coverage(f->r, NULL, NULL), 0);
	logstream_close(s1);
	logstream_close(s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_accumulate, hf_setup,
						hf_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
