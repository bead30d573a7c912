/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_COPY_H
#define RUV_COPY_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "names.h"
#include "volume.h"

struct repo;

/*
 * Copies of backups: where each one is (location, volume, data set) and
 * whether it can be used.  A copy is usable for restore when its location
 * is active and the copy has not been marked unusable.
 */

#define COPY_REPOSITORY_DSN "RUV.REPOSITORY"
#define COPY_JCL_DSN	    "RUV.JCLLIB"

struct copy_info {
	int64_t copy_id;
	char kind; /* 'B' backup, 'R' repository, 'J' JCL library, 'A' archive
		    */
	int64_t backup_id; /* of the backup, repository or JCL backup */
	int64_t dataset_id;
	int64_t volume_id;
	char dsn[NAMES_DSN_MAX + 1];
	int64_t start_us;
	int64_t end_us;
	uint64_t size;	 /* bytes of the file */
	uint64_t stored; /* compressed bytes on the volume */
	unsigned copy_no;
	char location[NAMES_LOCATION_MAX + 1];
	int location_active;
	int usable;  /* not marked damaged */
	int changed; /* fuzzy: the file changed while it was read */
	uid_t uid;
	gid_t gid;
	mode_t mode;
	char volser[NAMES_VOLSER_LEN + 1];
	char volume_ident[VOLUME_IDENT_HEX]; /* "": a volume of before
						identities */
	char volume_path[PATH_MAX]; /* where it was found, else where its
				       pool keeps it */
	uint32_t seq;
	uint64_t vol_offset;
	uint64_t ds_length; /* bytes of the data set on the volume */
	/* What the data set's header on the volume must say. */
	char ds_kind[16]; /* volume_kind_name() */
	char ds_name[VOLUME_NAME_MAX + 1];
	int64_t ds_created_us;
	uint32_t ds_checksum;
};

/*
 * The name of a copy in the tree and on the command line:
 * DSN.Dyyyymmdd.Thhmmss.B<backup id>.C<copy number>, e.g.
 * PAY.MASTER.D20261124.T080000.B42.C2; a repository backup's copies are
 * RUV.REPOSITORY....R<id>.Cn, a JCL library backup's RUV.JCLLIB....J<id>.Cn,
 * an archive's RUV.ARCHIVE (user data), RUV.UOW, RUV.ACCUM or
 * RUV.ACCUM.UOW (from its data set's kind) ....A<archive id>.Cn.
 * Unique and stable (from catalog keys), sorts by DSN then time, shell-safe.
 */
#define COPY_NAME_MAX (NAMES_DSN_MAX + 48)
int copy_name(const struct copy_info *ci, char *buf, size_t len);

/*
 * The same in SQL, for statements over many copies (one INSERT ...
 * SELECT, not a statement per copy): COPY_SQL_NAME is the name of copy c
 * in a query over COPY_SQL_FROM (c copy, b backup, f file, rb
 * repo_backup, jb jcl_backup, l location, d dataset, v volume).  It
 * equals copy_name() of the copy (times are UTC, whole seconds).
 */
#define COPY_SQL_KIND                                                          \
	"CASE WHEN c.backup_id IS NOT NULL THEN 'B'"                           \
	" WHEN c.repo_backup_id IS NOT NULL THEN 'R'"                          \
	" WHEN c.jcl_backup_id IS NOT NULL THEN 'J' ELSE 'A' END"
#define COPY_SQL_DSN                                                           \
	"coalesce(f.dsn, CASE WHEN c.repo_backup_id IS NOT NULL"               \
	" THEN '" COPY_REPOSITORY_DSN "'"                                      \
	" WHEN c.archive_id IS NOT NULL"                                       \
	" THEN 'RUV.' || upper(replace(d.kind, '-', '.'))"                     \
	" ELSE '" COPY_JCL_DSN "' END)"
#define COPY_SQL_TIME                                                          \
	"coalesce(b.start_us, rb.created_us, jb.created_us, d.created_us)"
#define COPY_SQL_NAME                                                          \
	"(" COPY_SQL_DSN " || strftime('.D%Y%m%d.T%H%M%S.', " COPY_SQL_TIME    \
	" / 1000000, 'unixepoch') || " COPY_SQL_KIND                           \
	" || coalesce(c.backup_id, c.repo_backup_id, c.jcl_backup_id,"         \
	" c.archive_id) || '.C' || c.copy_no)"
#define COPY_SQL_FROM                                                          \
	" FROM copy c LEFT JOIN backup b ON b.id = c.backup_id"                \
	" LEFT JOIN file f ON f.id = b.file_id"                                \
	" LEFT JOIN repo_backup rb ON rb.id = c.repo_backup_id"                \
	" LEFT JOIN jcl_backup jb ON jb.id = c.jcl_backup_id"                  \
	" JOIN location l ON l.id = c.location_id"                             \
	" JOIN dataset d ON d.id = c.dataset_id"                               \
	" JOIN volume v ON v.id = d.volume_id"

/* Kind, object id and copy number from a copy name: the kind letter
 * stands before the id (B backup, R repository, J JCL library).
 * -EINVAL if not a copy name. */
int copy_name_parse(const char *name, char *kind, int64_t *backup_id,
		    unsigned *copy_no);

/* One copy by name.  -EINVAL not a copy name, -ENOENT no such copy. */
int copy_lookup(struct repo *r, const char *name, struct copy_info *out);

/* One copy by its row id. */
int copy_get(struct repo *r, int64_t copy_id, struct copy_info *out);

/*
 * Move copies to another location, all in one transaction, each move in
 * the history.  The volumes holding them are sealed first (a volume that
 * has physically moved takes no more data).  -ENOENT unknown copy or
 * location, -EEXIST a copy is already there (nothing moved).
 */
int copy_relocate(struct repo *r, const char *const *names, unsigned n,
		  const char *location);

/* Which copies copy_list() walks; zero/NULL fields do not filter. */
struct copy_filter {
	int64_t after_id; /* copies with a larger row id: paging by key */
	unsigned limit;	  /* 0: all */
	char kind;	  /* 'B', 'R', 'J', 'A', or 0 for every kind */
	int resolve;	  /* find volume files that moved (volume catalog):
			   * for callers that read the copies */
	const char *dsn;
	const char *location;
	const char *volser;
	int64_t backup_id;
	unsigned copy_no;
};

/*
 * Call cb for each backup copy matching f, by DSN, backup start and copy
 * number.  -ENOENT (message) if a named DSN, location or volume does not
 * exist.  A nonzero cb return stops the walk and is returned.
 */
int copy_list(struct repo *r, const struct copy_filter *f,
	      int (*cb)(const struct copy_info *, void *), void *arg);

/*
 * The copy to restore dsn from as of at_us: the newest backup that started
 * at or before at_us having a usable copy (copy_no if nonzero, else the
 * lowest-numbered usable one).  -ENOENT with a message saying what was
 * missing: no backup at all, none before at_us, or that copy inactive.
 * From the catalog alone: nothing is read from the volumes.
 */
int copy_select(struct repo *r, const char *dsn, int64_t at_us,
		unsigned copy_no, struct copy_info *out);

/*
 * The copy a restore reads: as copy_select(), but among the usable copies
 * of that newest backup, the lowest-numbered one whose volume is here and
 * holds the data set (copy_open_reader() succeeds on it), so a wrong or
 * missing volume hands over to the next copy.  When no copy of that
 * backup opens: the error of the first, with every copy's reason in the
 * message (an older backup is never taken silently instead).  On
 * success ruv_lasterr() holds why the lower-numbered copies were passed
 * over, "" if none were.
 */
int copy_choose(struct repo *r, const char *dsn, int64_t at_us,
		unsigned copy_no, struct copy_info *out);

/*
 * Open a reader on the copy's data set, checking that it is the one the
 * catalog registered: the volume file is there (-ENOENT, message "volume
 * VOLSER is MISSING" naming where it was looked for), its label is this
 * volume (VOLSER and identity, when the label is readable and the row
 * has an identity), and the data set header at the registered offset
 * says the kind, name, time and content checksum the catalog holds.  A mismatch
 * is damage: -EIO, message "wrong volume: VOLSER holds data set X, the catalog
 * expects Y".  Other damage: -EIO with the reader's message.  One copy, no
 * fallback: restore, verify and the tree all open copies here.  *out is freed
 * with volume_reader_close().
 */
int copy_open_reader(const struct copy_info *ci, struct volume_reader **out);

/* Check every chunk of the copy's data set (after copy_open_reader()).
 * -EIO naming data set, copy and volume on damage; -ENOENT missing. */
int copy_verify(const struct copy_info *ci);

/*
 * Write the file as of the copy to target atomically: a temporary file in
 * target's directory, every chunk checked, fsync, owner and mode of the
 * backup, rename over target.  Runs of zeros become holes.  On failure
 * target is untouched.
 *
 * The target is resolved without following symbolic links: each
 * directory on the way is opened with O_NOFOLLOW | O_DIRECTORY from the
 * one before (from / or the working directory), so a user who owns a
 * directory on the path cannot swap it for a link and have root write
 * elsewhere (-ELOOP, the message naming the component).  A target that
 * exists must be a regular file: a directory (-EISDIR), a symbolic link
 * (-ELOOP), a device, FIFO or socket (-EINVAL) is refused, untouched.
 */
int copy_restore(const struct copy_info *ci, const char *target);

#endif
