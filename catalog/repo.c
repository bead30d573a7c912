// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The repository connection: opening, schema migrations, transactions and
 * the one translation of SQLite results into errno.
 *
 * Invariants: a repository file carries application_id "RUV1" and
 * user_version = the schema version; migrations only go forward, each one
 * a step from version N to N+1, all pending steps applied in one
 * transaction so a crash leaves the old version or the new, never a mix.
 * A file newer than this program is refused, not downgraded.
 *
 * Connection settings: WAL (readers never block the writer; ruvfs workers
 * read while a backup commits), synchronous=FULL (a commit that returned
 * is durable: volume data is fsynced before the commit that registers it,
 * and the registration must not be the part that is lost), foreign keys
 * on, and a busy timeout so concurrent writers queue instead of failing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog_int.h"
#include "errmsg.h"

#define BUSY_TIMEOUT_MS 30000

/*
 * Schema, version 1.  Times are integer microseconds since the epoch, UTC
 * (columns named *_us).  A copy belongs to exactly one protected object
 * (a backup, an archive, a repository backup or a JCL library backup) and
 * lives in exactly one data set on one volume.
 */
static const char schema_v1[] =
	"CREATE TABLE file ("
	" id INTEGER PRIMARY KEY,"
	" dsn TEXT NOT NULL UNIQUE,"
	" path TEXT NOT NULL UNIQUE,"
	" uid INTEGER NOT NULL, gid INTEGER NOT NULL, mode INTEGER NOT NULL,"
	" registered_us INTEGER NOT NULL);"
	"CREATE TABLE grp ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" created_us INTEGER NOT NULL);"
	"CREATE TABLE grp_member ("
	" grp_id INTEGER NOT NULL REFERENCES grp(id) ON DELETE CASCADE,"
	" file_id INTEGER NOT NULL REFERENCES file(id) ON DELETE CASCADE,"
	" PRIMARY KEY (grp_id, file_id)) WITHOUT ROWID;"
	"CREATE INDEX grp_member_file ON grp_member(file_id);"
	"CREATE TABLE location ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	" active INTEGER NOT NULL CHECK (active IN (0, 1)),"
	" created_us INTEGER NOT NULL);"
	"CREATE TABLE pool ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" directory TEXT NOT NULL,"
	" prefix TEXT NOT NULL UNIQUE,"
	" capacity INTEGER NOT NULL,"
	" location_id INTEGER NOT NULL REFERENCES location(id),"
	" next_volno INTEGER NOT NULL DEFAULT 1);"
	"CREATE TABLE shipment ("
	" id INTEGER PRIMARY KEY,"
	" created_us INTEGER NOT NULL,"
	" report TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE volume ("
	" id INTEGER PRIMARY KEY,"
	" volser TEXT NOT NULL UNIQUE,"
	" pool_id INTEGER NOT NULL REFERENCES pool(id),"
	" state TEXT NOT NULL CHECK (state IN ('open', 'sealed', 'shipped')),"
	" path TEXT NOT NULL,"
	" size INTEGER NOT NULL DEFAULT 0,"
	" created_us INTEGER NOT NULL,"
	" sealed_us INTEGER,"
	" shipment_id INTEGER REFERENCES shipment(id));"
	"CREATE INDEX volume_pool_state ON volume(pool_id, state);"
	"CREATE INDEX volume_shipment ON volume(shipment_id);"
	"CREATE TABLE dataset ("
	" id INTEGER PRIMARY KEY,"
	" volume_id INTEGER NOT NULL REFERENCES volume(id),"
	" seq INTEGER NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind IN ('backup', 'archive', 'uow',"
	"  'accum', 'accum-uow', 'repository', 'jcl')),"
	" name TEXT NOT NULL,"
	" vol_offset INTEGER NOT NULL,"
	" length INTEGER NOT NULL,"
	" raw_size INTEGER NOT NULL,"
	" stored_size INTEGER NOT NULL,"
	" chunk_size INTEGER NOT NULL,"
	" nchunks INTEGER NOT NULL,"
	" checksum INTEGER NOT NULL,"
	" created_us INTEGER NOT NULL,"
	" UNIQUE (volume_id, seq));"
	"CREATE TABLE backup ("
	" id INTEGER PRIMARY KEY,"
	" file_id INTEGER NOT NULL REFERENCES file(id),"
	" start_us INTEGER NOT NULL,"
	" end_us INTEGER NOT NULL,"
	" size INTEGER NOT NULL,"
	" uid INTEGER NOT NULL, gid INTEGER NOT NULL, mode INTEGER NOT NULL,"
	" mtime_us INTEGER NOT NULL,"
	" changed INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX backup_file_time ON backup(file_id, start_us);"
	"CREATE TABLE log_stream ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" directory TEXT NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind IN ('journal', 'application')),"
	" archived_lsn INTEGER NOT NULL DEFAULT 0,"
	" archived_us INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE archive ("
	" id INTEGER PRIMARY KEY,"
	" kind TEXT NOT NULL CHECK (kind IN ('user', 'uow')),"
	" consolidated INTEGER NOT NULL DEFAULT 0,"
	" first_us INTEGER NOT NULL,"
	" last_us INTEGER NOT NULL,"
	" created_us INTEGER NOT NULL,"
	" consolidated_into INTEGER REFERENCES archive(id));"
	"CREATE INDEX archive_kind_time ON archive(kind, consolidated, "
	"last_us);"
	"CREATE TABLE archive_range ("
	" archive_id INTEGER NOT NULL REFERENCES archive(id) ON DELETE CASCADE,"
	" stream_id INTEGER NOT NULL REFERENCES log_stream(id),"
	" first_lsn INTEGER NOT NULL,"
	" last_lsn INTEGER NOT NULL,"
	" PRIMARY KEY (archive_id, stream_id)) WITHOUT ROWID;"
	"CREATE TABLE repo_backup ("
	" id INTEGER PRIMARY KEY,"
	" created_us INTEGER NOT NULL,"
	" size INTEGER NOT NULL,"
	" schema_version INTEGER NOT NULL);"
	"CREATE TABLE jcl_backup ("
	" id INTEGER PRIMARY KEY,"
	" created_us INTEGER NOT NULL,"
	" members INTEGER NOT NULL,"
	" size INTEGER NOT NULL);"
	"CREATE TABLE copy ("
	" id INTEGER PRIMARY KEY,"
	" backup_id INTEGER REFERENCES backup(id),"
	" archive_id INTEGER REFERENCES archive(id),"
	" repo_backup_id INTEGER REFERENCES repo_backup(id),"
	" jcl_backup_id INTEGER REFERENCES jcl_backup(id),"
	" copy_no INTEGER NOT NULL CHECK (copy_no BETWEEN 1 AND 9),"
	" dataset_id INTEGER NOT NULL UNIQUE REFERENCES dataset(id),"
	" location_id INTEGER NOT NULL REFERENCES location(id),"
	" usable INTEGER NOT NULL DEFAULT 1 CHECK (usable IN (0, 1)),"
	" CHECK ((backup_id IS NOT NULL) + (archive_id IS NOT NULL) +"
	"  (repo_backup_id IS NOT NULL) + (jcl_backup_id IS NOT NULL) = 1));"
	"CREATE UNIQUE INDEX copy_backup ON copy(backup_id, copy_no)"
	" WHERE backup_id IS NOT NULL;"
	"CREATE UNIQUE INDEX copy_archive ON copy(archive_id, copy_no)"
	" WHERE archive_id IS NOT NULL;"
	"CREATE UNIQUE INDEX copy_repo_backup ON copy(repo_backup_id, copy_no)"
	" WHERE repo_backup_id IS NOT NULL;"
	"CREATE UNIQUE INDEX copy_jcl_backup ON copy(jcl_backup_id, copy_no)"
	" WHERE jcl_backup_id IS NOT NULL;"
	"CREATE INDEX copy_location ON copy(location_id, id);"
	"CREATE TABLE recovery_point ("
	" id INTEGER PRIMARY KEY,"
	" pit_us INTEGER NOT NULL,"
	" source TEXT NOT NULL,"
	" detail TEXT NOT NULL DEFAULT '',"
	" set_us INTEGER NOT NULL);"
	"CREATE TABLE history ("
	" id INTEGER PRIMARY KEY,"
	" time_us INTEGER NOT NULL,"
	" action TEXT NOT NULL,"
	" subject TEXT NOT NULL DEFAULT '',"
	" outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'failed')),"
	" message TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX history_time ON history(time_us);"
	"INSERT INTO location(name, active, created_us) VALUES"
	" ('Local', 1, 0), ('Staging', 0, 0), ('Offsite', 0, 0);";

/*
 * Version 2: volumes know who they are and where they are relative to.
 * volume.ident is the identity in the volume's label (volume.h), as hex;
 * NULL for a volume created before version 2 (its label has none, and
 * only the data set header is checked when it is read).  volume.path is
 * the file's name relative to its pool's directory (a bare "L00001")
 * when the file lies directly in it, so a home moved or copied with its
 * pools reads its own volumes; an absolute path stays absolute.  The
 * step converts the absolute paths of version 1 (relative_paths()).
 */
static const char schema_v2[] = "ALTER TABLE volume ADD COLUMN ident TEXT"
				" CHECK (ident IS NULL OR length(ident) = 32);";

static int relative_paths(struct repo *r);

/*
 * Version 3: the one log stream that journals each file's changes (NULL:
 * none yet).  The first stream to journal a file binds it (logcat.c).
 */
static const char schema_v3[] = "ALTER TABLE file ADD COLUMN stream_id INTEGER"
				" REFERENCES log_stream(id);"
				"CREATE INDEX file_stream ON file(stream_id);";

/*
 * Version 4: what exact recovery over a fuzzy backup needs (recover.c):
 * per backup and per log stream defined when it ran, the stream's last
 * LSN when the backup began to read (start_lsn) and when it had read
 * everything (end_lsn), and the BEGIN of the oldest unit then open
 * (oldest_lsn; start_lsn + 1 when none was).
 */
static const char schema_v4_marks[] =
	"CREATE TABLE backup_stream ("
	" backup_id INTEGER NOT NULL REFERENCES backup(id) ON DELETE CASCADE,"
	" stream_id INTEGER NOT NULL REFERENCES log_stream(id),"
	" start_lsn INTEGER NOT NULL,"
	" end_lsn INTEGER NOT NULL,"
	" oldest_lsn INTEGER NOT NULL,"
	" PRIMARY KEY (backup_id, stream_id)) WITHOUT ROWID;"
	"CREATE INDEX backup_stream_oldest ON backup_stream(stream_id,"
	" oldest_lsn);";

/* migrations[i] takes the schema from version i to i + 1: its SQL, then
 * its fixup (may be NULL) for what SQL alone cannot do. */
static const struct migration {
	const char *sql;
	int (*fixup)(struct repo *r);
} migrations[] = {
	{ schema_v1, NULL },
	{ schema_v2, relative_paths },
	{ schema_v3, NULL },
	{ schema_v4_marks, NULL },
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) ==
		       REPO_SCHEMA_VERSION,
	       "one migration per schema version");

int repo_errno(struct repo *r, int src)
{
	const char *msg =
		r && r->db ? sqlite3_errmsg(r->db) : sqlite3_errstr(src);
	const char *path = r ? r->path : "";
	int rc;

	switch (src & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		rc = -EBUSY;
		break;
	case SQLITE_CONSTRAINT:
		rc = -EEXIST;
		break;
	case SQLITE_FULL:
		rc = -ENOSPC;
		break;
	case SQLITE_READONLY:
		rc = -EROFS;
		break;
	case SQLITE_NOMEM:
		rc = -ENOMEM;
		break;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return ruv_fail(-EIO, "repository '%s': %s", path, msg);
	case SQLITE_CANTOPEN:
		rc = r && r->db && sqlite3_system_errno(r->db)
			     ? -sqlite3_system_errno(r->db)
			     : -EIO;
		break;
	default:
		rc = -EIO;
		break;
	}
	return ruv_fail(rc, "repository '%s': %s", path, msg);
}

static uint32_t sql_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* A slot for a new entry: a free one, else a cached statement not out
 * now (round robin); NULL when every one is out. */
static struct repo_stmt *cache_slot(struct repo *r)
{
	struct repo_stmt *c;
	unsigned i;

	for (i = 0; i < REPO_STMT_CACHE; i++)
		if (!r->cache[i].st)
			return &r->cache[i];
	for (i = 0; i < REPO_STMT_CACHE; i++) {
		c = &r->cache[r->evict++ % REPO_STMT_CACHE];
		if (!c->busy) {
			sqlite3_finalize(c->st);
			free(c->sql);
			memset(c, 0, sizeof(*c));
			return c;
		}
	}
	return NULL;
}

int repo_prepare(struct repo *r, const char *sql, sqlite3_stmt **out)
{
	uint32_t h = sql_hash(sql);
	struct repo_stmt *c;
	char *copy;
	unsigned i;
	int src;

	for (i = 0; i < REPO_STMT_CACHE; i++) {
		c = &r->cache[i];
		if (c->st && !c->busy && c->hash == h && !strcmp(c->sql, sql)) {
			c->busy = 1;
			*out = c->st;
			return 0;
		}
	}
	src = sqlite3_prepare_v3(r->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out,
				 NULL);
	if (src != SQLITE_OK)
		return repo_errno(r, src);
	c = cache_slot(r);
	copy = c ? strdup(sql) : NULL;
	if (copy) { /* else simply not cached */
		c->st = *out;
		c->sql = copy;
		c->hash = h;
		c->busy = 1;
	}
	return 0;
}

void repo_finalize(struct repo *r, sqlite3_stmt *st)
{
	unsigned i;

	if (!st)
		return;
	for (i = 0; i < REPO_STMT_CACHE; i++)
		if (r->cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			r->cache[i].busy = 0;
			return;
		}
	sqlite3_finalize(st);
}

static void cache_clear(struct repo *r)
{
	unsigned i;

	for (i = 0; i < REPO_STMT_CACHE; i++) {
		sqlite3_finalize(r->cache[i].st);
		free(r->cache[i].sql);
		memset(&r->cache[i], 0, sizeof(r->cache[i]));
	}
}

int repo_exec(struct repo *r, const char *sql)
{
	int src = sqlite3_exec(r->db, sql, NULL, NULL, NULL);

	return src == SQLITE_OK ? 0 : repo_errno(r, src);
}

int repo_step_done(struct repo *r, sqlite3_stmt *st)
{
	int src = sqlite3_step(st);

	return src == SQLITE_DONE ? 0 : repo_errno(r, src);
}

int repo_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (!s)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

void repo_column_text(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(buf, len, "%s", t ? (const char *)t : "");
}

static int pragma_int(struct repo *r, const char *sql, int *out)
{
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = repo_prepare(r, sql, &st);
	if (rc < 0)
		return rc;
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = 0;
	} else {
		rc = repo_errno(r, src);
	}
	repo_finalize(r, st);
	return rc;
}

int repo_begin(struct repo *r)
{
	return repo_exec(r, "BEGIN IMMEDIATE");
}

int repo_commit(struct repo *r)
{
	int rc = repo_exec(r, "COMMIT");

	if (rc < 0)
		repo_rollback(r);
	return rc;
}

void repo_rollback(struct repo *r)
{
	if (!sqlite3_get_autocommit(r->db))
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Tables in the main schema: a file with some but no application id is
 * somebody else's database. */
static int count_tables(struct repo *r, int *n)
{
	return pragma_int(r,
			  "SELECT count(*) FROM sqlite_schema"
			  " WHERE type = 'table'",
			  n);
}

/* What a repository file says about itself, read without writing. */
struct repo_id {
	int appid, version, ntables;
};

static int read_id(struct repo *r, struct repo_id *id)
{
	int rc = pragma_int(r, "PRAGMA application_id", &id->appid);

	if (rc == 0)
		rc = pragma_int(r, "PRAGMA user_version", &id->version);
	if (rc == 0)
		rc = count_tables(r, &id->ntables);
	return rc;
}

/* 0 if this program may use (or, with create, initialise) the file. */
static int check_id(struct repo *r, const struct repo_id *id, int create)
{
	if (id->appid != REPO_APPLICATION_ID &&
	    !(id->appid == 0 && id->version == 0 && id->ntables == 0 && create))
		return ruv_fail(-EINVAL, "'%s' is not a ruv repository",
				r->path);
	if (id->version > REPO_SCHEMA_VERSION)
		return ruv_fail(-ENOTSUP,
				"repository '%s' has schema version %d,"
				" newer than this ruv understands (%d)",
				r->path, id->version, REPO_SCHEMA_VERSION);
	return 0;
}

/*
 * The pool directory as volume paths of version 1 spelled it: absolute,
 * or under the home (the directory holding the repository when the path
 * was written).  Both the spelling and its realpath() are tried.
 */
static int pool_prefixes(struct repo *r, const char *dir, char p[2][4096])
{
	char real[PATH_MAX];
	int n;

	if (dir[0] == '/')
		n = snprintf(p[0], 4096, "%s/", dir);
	else
		n = snprintf(p[0], 4096, "%s/%s/", r->home, dir);
	if (n < 0 || n >= 4096)
		return -ENAMETOOLONG;
	p[1][0] = '\0';
	p[0][n - 1] = '\0';
	if (realpath(p[0], real) && strlen(real) + 2 <= 4096) {
		memcpy(p[1], real, strlen(real));
		memcpy(p[1] + strlen(real), "/", 2);
	}
	p[0][n - 1] = '/';
	return 0;
}

static int relative_paths(struct repo *r)
{
	sqlite3_stmt *st = NULL, *up = NULL;
	char prefix[2][4096], dir[4096], path[4096];
	const char *rel;
	size_t k;
	int i, src = SQLITE_DONE, rc;

	rc = repo_prepare(r,
			  "SELECT v.id, v.path, p.directory FROM volume v"
			  " JOIN pool p ON p.id = v.pool_id"
			  " WHERE substr(v.path, 1, 1) = '/'",
			  &st);
	if (rc == 0)
		rc = repo_prepare(r, "UPDATE volume SET path = ? WHERE id = ?",
				  &up);
	while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW) {
		repo_column_text(st, 1, path, sizeof(path));
		repo_column_text(st, 2, dir, sizeof(dir));
		if (pool_prefixes(r, dir, prefix) < 0)
			continue;
		for (i = 0, rel = NULL; i < 2 && !rel; i++) {
			k = strlen(prefix[i]);
			if (k && !strncmp(path, prefix[i], k) && path[k] &&
			    !strchr(path + k, '/'))
				rel = path + k;
		}
		if (!rel)
			continue; /* elsewhere: stays absolute */
		repo_bind_text(up, 1, rel);
		sqlite3_bind_int64(up, 2, sqlite3_column_int64(st, 0));
		rc = repo_step_done(r, up);
		sqlite3_reset(up);
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = repo_errno(r, src);
	repo_finalize(r, up);
	repo_finalize(r, st);
	return rc;
}

/*
 * Bring the schema up to date in one write transaction.  The file was
 * checked before, outside any transaction; it is checked again under the
 * write lock, since another process may have migrated it meanwhile.
 */
static int migrate(struct repo *r, int create)
{
	struct repo_id id;
	char sql[64];
	int version, rc;

	rc = repo_begin(r);
	if (rc < 0)
		return rc;
	rc = read_id(r, &id);
	if (rc == 0)
		rc = check_id(r, &id, create);
	if (rc < 0)
		goto out;
	for (version = id.version; version < REPO_SCHEMA_VERSION; version++) {
		rc = repo_exec(r, migrations[version].sql);
		if (rc == 0 && migrations[version].fixup)
			rc = migrations[version].fixup(r);
		if (rc < 0)
			goto out;
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;",
		 REPO_SCHEMA_VERSION);
	rc = repo_exec(r, sql);
	if (rc < 0)
		goto out;
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d;",
		 REPO_APPLICATION_ID);
	rc = repo_exec(r, sql);
	if (rc < 0)
		goto out;
	return repo_commit(r);
out:
	repo_rollback(r);
	return rc;
}

/* A repository lives in its home (HOME/repository.db): the home is
 * decided here, once, when the connection opens. */
static void set_home(struct repo *r)
{
	char *slash;

	snprintf(r->home, sizeof(r->home), "%s", r->path);
	slash = strrchr(r->home, '/');
	if (!slash)
		snprintf(r->home, sizeof(r->home), ".");
	else if (slash == r->home)
		slash[1] = '\0';
	else
		*slash = '\0';
}

const char *repo_home(const struct repo *r)
{
	return r->home;
}

/*
 * Nothing is written to a file before it has passed check_id(): a refused
 * file (somebody else's database, a newer schema, an empty or junk file)
 * keeps its bytes and its journal mode.  The settings below that only
 * affect this connection are safe before the check; journal_mode = WAL
 * rewrites the header, so it comes after.  The write lock is taken only
 * when a migration is due: an up-to-date repository opens as a reader.
 */
int repo_open(const char *path, int flags, struct repo **out)
{
	struct repo *r = NULL;
	struct repo_id id;
	struct stat sb;
	int src, rc;
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	if (stat(path, &sb) < 0) {
		rc = -errno;
		if (rc != -ENOENT || !(flags & REPO_CREATE))
			return ruv_fail(rc, "repository '%s': %s", path,
					strerror(-rc));
		oflags |= SQLITE_OPEN_CREATE;
	} else if (!S_ISREG(sb.st_mode)) {
		return ruv_fail(-EINVAL,
				"repository '%s' is not a regular file", path);
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (snprintf(r->path, sizeof(r->path), "%s", path) >=
	    (int)sizeof(r->path)) {
		rc = ruv_fail(-ENAMETOOLONG, "repository path too long");
		goto out;
	}
	set_home(r);
	src = sqlite3_open_v2(path, &r->db, oflags, NULL);
	if (src != SQLITE_OK) {
		rc = repo_errno(r, src);
		goto out;
	}
	sqlite3_extended_result_codes(r->db, 1);
	sqlite3_busy_timeout(r->db, BUSY_TIMEOUT_MS);
	rc = repo_exec(r, "PRAGMA foreign_keys = ON;"
			  "PRAGMA synchronous = FULL;");
	if (rc < 0)
		goto out;
	rc = read_id(r, &id);
	if (rc < 0)
		goto out;
	rc = check_id(r, &id, flags & REPO_CREATE);
	if (rc < 0)
		goto out;
	r->found_version = id.version;
	rc = repo_exec(r, "PRAGMA journal_mode = WAL;");
	if (rc < 0)
		goto out;
	if (id.version < REPO_SCHEMA_VERSION) {
		rc = migrate(r, flags & REPO_CREATE);
		if (rc < 0)
			goto out;
	}
	*out = r;
	r = NULL;
out:
	repo_close(r);
	return rc;
}

void repo_close(struct repo *r)
{
	if (!r)
		return;
	cache_clear(r);
	sqlite3_close_v2(r->db);
	free(r);
}

int repo_schema_version_found(const struct repo *r)
{
	return r->found_version;
}

static int check_rows(struct repo *r, const char *sql, const char *what)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	int src, rc;

	rc = repo_prepare(r, sql, &st);
	if (rc < 0)
		return rc;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		t = sqlite3_column_text(st, 0);
		if (t && !strcmp((const char *)t, "ok"))
			continue;
		rc = ruv_fail(-EIO, "repository '%s': %s: %s", r->path, what,
			      t ? (const char *)t : "violation");
		goto out;
	}
	if (src != SQLITE_DONE)
		rc = repo_errno(r, src);
out:
	repo_finalize(r, st);
	return rc;
}

int repo_check(struct repo *r)
{
	int rc = check_rows(r, "PRAGMA integrity_check", "integrity check");

	if (rc < 0)
		return rc;
	return check_rows(
		r,
		"SELECT \"table\" || ' row ' || coalesce(rowid, '?') || "
		"' refers to a missing ' || parent"
		" FROM pragma_foreign_key_check",
		"foreign key check");
}

const char *repo_path(const struct repo *r)
{
	return r->path;
}

int repo_snapshot(struct repo *r, const char *path)
{
	sqlite3_backup *b;
	sqlite3 *dst = NULL;
	int src, rc = 0;

	src = sqlite3_open_v2(path, &dst,
			      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				      SQLITE_OPEN_NOMUTEX,
			      NULL);
	if (src != SQLITE_OK) {
		rc = ruv_fail(-EIO, "cannot create '%s': %s", path,
			      sqlite3_errstr(src));
		goto out;
	}
	b = sqlite3_backup_init(dst, "main", r->db, "main");
	if (!b) {
		rc = ruv_fail(-EIO, "repository backup: %s",
			      sqlite3_errmsg(dst));
		goto out;
	}
	/* One step: the copy is of one read transaction, so consistent. */
	do {
		src = sqlite3_backup_step(b, -1);
		if (src == SQLITE_BUSY || src == SQLITE_LOCKED)
			sqlite3_sleep(50);
	} while (src == SQLITE_OK || src == SQLITE_BUSY ||
		 src == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (src != SQLITE_DONE) {
		rc = ruv_fail(-EIO, "repository backup: %s",
			      sqlite3_errstr(src));
		goto out;
	}
	/* A self-contained file: no WAL beside it. */
	src = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL,
			   NULL);
	if (src != SQLITE_OK)
		rc = ruv_fail(-EIO, "repository backup: %s",
			      sqlite3_errmsg(dst));
out:
	sqlite3_close_v2(dst);
	return rc;
}

/*
 * The row helpers.  Most queries of the catalog are one of two shapes:
 * a lookup that wants one row or none, and a walk that hands each row
 * to a callback.  These prepare, bind, step and give the statement back
 * in one place, so a module writes its SQL and its row decoder only.
 */
static int bind_args(struct repo *r, sqlite3_stmt *st,
		     const struct repo_arg *args)
{
	int i, src, n = sqlite3_bind_parameter_count(st);

	for (i = 0; args && args[i].type != REPO_ARG_END && i < n; i++) {
		if (args[i].type == REPO_ARG_INT)
			src = sqlite3_bind_int64(st, i + 1, args[i].i);
		else
			src = repo_bind_text(st, i + 1, args[i].t);
		if (src != SQLITE_OK)
			return repo_errno(r, src);
	}
	return 0;
}

/* Prepare sql with args bound; on failure nothing is left prepared. */
static int prepare_bound(struct repo *r, const char *sql,
			 const struct repo_arg *args, sqlite3_stmt **out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = repo_prepare(r, sql, &st);
	if (rc < 0)
		return rc;
	rc = bind_args(r, st, args);
	if (rc < 0) {
		repo_finalize(r, st);
		return rc;
	}
	*out = st;
	return 0;
}

int repo_one(struct repo *r, const char *sql, const struct repo_arg *args,
	     void (*row)(sqlite3_stmt *st, void *out), void *out)
{
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = prepare_bound(r, sql, args, &st);
	if (rc < 0)
		return rc;
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		if (row)
			row(st, out);
	} else if (src == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		rc = repo_errno(r, src);
	}
	repo_finalize(r, st);
	return rc;
}

int repo_each(struct repo *r, const char *sql, const struct repo_arg *args,
	      int (*row)(sqlite3_stmt *st, void *arg), void *arg)
{
	sqlite3_stmt *st = NULL;
	int src, rc;

	rc = prepare_bound(r, sql, args, &st);
	if (rc < 0)
		return rc;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		rc = row(st, arg);
		if (rc)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = repo_errno(r, src);
out:
	repo_finalize(r, st);
	return rc;
}

int repo_run(struct repo *r, const char *sql, const struct repo_arg *args)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = prepare_bound(r, sql, args, &st);
	if (rc < 0)
		return rc;
	rc = repo_step_done(r, st);
	repo_finalize(r, st);
	return rc;
}

void repo_row_int64(sqlite3_stmt *st, void *out)
{
	*(int64_t *)out = sqlite3_column_int64(st, 0);
}
