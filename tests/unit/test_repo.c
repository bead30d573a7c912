// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of repo.c: creation, migration, refusals, checks. */
#include <errno.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "helpers.h"

#include "catalog_int.h"
#include "errmsg.h"

static int sql_int(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int v = -1;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void sql_exec(const char *db, const char *sql)
{
	sqlite3 *h;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

static void test_created_schema(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(repo_schema_version_found(fx->r), 0);
	assert_int_equal(sql_int(fx->db, "PRAGMA user_version"),
			 REPO_SCHEMA_VERSION);
	assert_int_equal(sql_int(fx->db, "PRAGMA application_id"),
			 REPO_APPLICATION_ID);
	assert_int_equal(sql_int(fx->db, "SELECT count(*) FROM location"), 3);
	assert_int_equal(sql_int(fx->db, "SELECT active FROM location"
					 " WHERE name = 'Local'"),
			 1);
	assert_int_equal(sql_int(fx->db, "SELECT sum(active) FROM location"),
			 1);
	assert_int_equal(repo_check(fx->r), 0);
}

static void test_reopen_keeps_version(void **state)
{
	struct fixture *fx = *state;
	struct repo *r;

	assert_int_equal(repo_open(fx->db, 0, &r), 0);
	assert_int_equal(repo_schema_version_found(r), REPO_SCHEMA_VERSION);
	repo_close(r);
}

static void test_missing_without_create(void **state)
{
	struct fixture *fx = *state;
	struct repo *r = (struct repo *)0x1;
	char path[160];

	snprintf(path, sizeof(path), "%s/none.db", fx->dir);
	assert_int_equal(repo_open(path, 0, &r), -ENOENT);
	assert_ptr_equal(r, (struct repo *)0x1); /* untouched on failure */
	assert_int_equal(access(path, F_OK), -1);
}

static void test_newer_schema_refused(void **state)
{
	struct fixture *fx = *state;
	struct repo *r;

	sql_exec(fx->db, "PRAGMA user_version = 42");
	assert_int_equal(repo_open(fx->db, 0, &r), -ENOTSUP);
	assert_non_null(strstr(ruv_lasterr(), "newer"));
	assert_int_equal(sql_int(fx->db, "PRAGMA user_version"), 42);
	sql_exec(fx->db, "PRAGMA user_version = 1");
}

static void test_not_a_database(void **state)
{
	struct fixture *fx = *state;
	struct repo *r;
	char path[160];

	fixture_file(fx, "junk.db",
		     "0123456789012345678901234567890123456789012345678901234"
		     "5678901234567890123456789012345678901234567890123456789",
		     path, sizeof(path));
	assert_int_equal(repo_open(path, 0, &r), -EIO);
	assert_non_null(strstr(ruv_lasterr(), "not a database"));
	assert_int_equal(repo_open(path, REPO_CREATE, &r), -EIO);
}

static void test_foreign_database(void **state)
{
	struct fixture *fx = *state;
	struct repo *r;
	char path[160];

	snprintf(path, sizeof(path), "%s/other.db", fx->dir);
	sql_exec(path, "CREATE TABLE t(x)");
	assert_int_equal(repo_open(path, REPO_CREATE, &r), -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "not a ruv repository"));
	/* Nothing of ours was added to it. */
	assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_schema"),
			 1);
}

static void test_failed_migration_leaves_version(void **state)
{
	struct fixture *fx = *state;
	struct repo *r = NULL;
	char path[160], sql[96];

	/* Ours by its id, version 0, but a table of version 1 is there: the
	 * migration fails half-way and must leave nothing of itself. */
	snprintf(path, sizeof(path), "%s/half.db", fx->dir);
	snprintf(sql, sizeof(sql),
		 "PRAGMA application_id = %d;"
		 "CREATE TABLE history(x);",
		 REPO_APPLICATION_ID);
	sql_exec(path, sql);
	assert_true(repo_open(path, 0, &r) < 0);
	assert_null(r);
	assert_non_null(strstr(ruv_lasterr(), "history"));
	assert_int_equal(sql_int(path, "PRAGMA user_version"), 0);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_schema"
				       " WHERE name = 'file'"),
			 0);
	assert_int_equal(sql_int(path, "SELECT count(*) FROM sqlite_schema"),
			 1);
}

static void test_busy_timeout_set(void **state)
{
	struct fixture *fx = *state;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(fx->r->db, "PRAGMA busy_timeout",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 30000);
	sqlite3_finalize(st);
}

static void test_open_takes_no_write_lock(void **state)
{
	struct fixture *fx = *state;
	struct repo *r = NULL;
	sqlite3 *h;

	/* Another process holds the write lock: an up-to-date repository
	 * still opens (a reader), it does not queue behind the writer. */
	assert_int_equal(sqlite3_open(fx->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(repo_open(fx->db, 0, &r), 0);
	assert_int_equal(repo_schema_version_found(r), REPO_SCHEMA_VERSION);
	repo_close(r);
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(h);
}

static void test_empty_file_untouched(void **state)
{
	struct fixture *fx = *state;
	struct repo *r = NULL;
	struct stat sb;
	char path[160];

	fixture_file(fx, "empty.db", "", path, sizeof(path));
	assert_int_equal(repo_open(path, 0, &r), -EINVAL);
	assert_non_null(strstr(ruv_lasterr(), "not a ruv repository"));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
}

static void test_check_finds_broken_reference(void **state)
{
	struct fixture *fx = *state;

	sql_exec(fx->db, "PRAGMA foreign_keys = OFF;"
			 "INSERT INTO grp_member VALUES (77, 88);");
	assert_int_equal(repo_check(fx->r), -EIO);
	assert_non_null(strstr(ruv_lasterr(), "grp_member"));
	sql_exec(fx->db, "DELETE FROM grp_member");
	assert_int_equal(repo_check(fx->r), 0);
}

static void test_transactions(void **state)
{
	struct fixture *fx = *state;
	struct repo *other;

	assert_int_equal(repo_begin(fx->r), 0);
	sql_exec(fx->db, "SELECT 1"); /* readers are not blocked (WAL) */
	repo_rollback(fx->r);
	repo_rollback(fx->r); /* harmless outside a transaction */
	assert_int_equal(repo_open(fx->db, 0, &other), 0);
	assert_int_equal(repo_begin(other), 0);
	assert_int_equal(repo_commit(other), 0);
	repo_close(other);
	repo_close(NULL);
}

/* One query's value through repo_prepare/repo_finalize. */
static sqlite3_stmt *prepared(struct repo *r, const char *sql)
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(repo_prepare(r, sql, &st), 0);
	assert_non_null(st);
	return st;
}

static void test_statement_cache(void **state)
{
	struct fixture *fx = *state;
	const char *q = "SELECT ?1 + 1";
	sqlite3_stmt *a, *b, *c;
	char sql[64];
	int i;

	a = prepared(fx->r, q);
	sqlite3_bind_int(a, 1, 41);
	assert_int_equal(sqlite3_step(a), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(a, 0), 42);
	/* Out twice at once (a nested walk): two statements. */
	b = prepared(fx->r, q);
	assert_ptr_not_equal(a, b);
	repo_finalize(fx->r, b);
	repo_finalize(fx->r, a);
	/* Given back: the same statement again, reset, bindings cleared
	 * (an unbound parameter is NULL, and NULL + 1 is NULL). */
	c = prepared(fx->r, q);
	assert_true(c == a || c == b);
	assert_int_equal(sqlite3_step(c), SQLITE_ROW);
	assert_int_equal(sqlite3_column_type(c, 0), SQLITE_NULL);
	/* Given back, it holds no read transaction any more. */
	repo_finalize(fx->r, c);
	assert_int_equal(sqlite3_stmt_busy(c), 0);
	assert_int_equal(sqlite3_get_autocommit(fx->r->db), 1);
	/* More texts than the cache holds: each still right. */
	for (i = 0; i < 3 * REPO_STMT_CACHE; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		a = prepared(fx->r, sql);
		assert_int_equal(sqlite3_step(a), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(a, 0), i);
		repo_finalize(fx->r, a);
	}
	/* A text that does not compile leaves nothing behind. */
	assert_int_equal(repo_prepare(fx->r, "SELEC nothing", &a), -EIO);
	repo_finalize(fx->r, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_created_schema, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_version,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_missing_without_create,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_not_a_database, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_foreign_database, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_check_finds_broken_reference, fixture_setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_transactions, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_failed_migration_leaves_version, fixture_setup,
			fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_busy_timeout_set, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_open_takes_no_write_lock,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_empty_file_untouched,
						fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_statement_cache, fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
