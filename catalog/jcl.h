/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_JCL_H
#define RUV_JCL_H

#include <stdint.h>
#include <stdio.h>

#include "pit.h"

/*
 * The recovery JCL library: HOME/jcl, plain text members (any file name
 * passing names_member_check; dot files are editor scratch, not members).
 *
 * Setting the PIT rewrites, in place, only the recognised PIT fields of
 * every member, each in the form it already has:
 *   STOP_TIME(yyyyjjjhhmmsst)  STOP_TIME(Xhhhhhhhhhhhhhhhh)   VSAM (RUV)
 *   --stop-time ISO                                            ruv scripts
 *   ENDTIME=yyyydddhhmmsst  SYSPITRT=yyyydddhhmmsst            Db2, UTC
 *   SYSPITR=<LRSN>  TOLOGPOINT X'<LRSN>'    Db2, 6- or 10-byte as written
 *   RCVTIME('yyyy.ddd hh:mm:ss.ffffff ±hh:mm')                 IMS
 * Every other byte stays as the operator wrote it.
 */

/* Write the starter members that do not exist yet; cb hears each one
 * written.  Never overwrites. */
int jcl_init(const char *home, void (*cb)(const char *member, void *),
	     void *arg);

/* Every entry named like a member, by name.  problem is NULL for a
 * usable member, else why it is not one ("a directory", "a symbolic
 * link", "binary (a NUL byte at offset N)", "too large ..."): one bad
 * entry does not hide the others. */
int jcl_list(const char *home,
	     int (*cb)(const char *member, uint64_t size, const char *problem,
		       void *),
	     void *arg);

/*
 * The library's entries that are not named like a member and are not an
 * editor's temporary, each with why (e.g. "not a member name: ..."):
 * they are never read, written by a PIT, or backed up, so the front ends
 * show them (jcl list: IGNORED) and warn of them (pit set, jcl backup).
 * Ignored silently, as an edit in progress: names starting with '.'
 * (vi's .X.swp, ruv's own temporaries, sed -i's when told so) and X~
 * where member X exists (an editor's backup).  sed -i's default sedXXXXXX
 * is a member name: it is a member while it lasts.  0 or -errno (no
 * library: 0).
 */
int jcl_ignored(const char *home,
		void (*cb)(const char *name, const char *why, void *),
		void *arg);

/* Copy a member to out.  -EINVAL not a member name or not a usable
 * member (the message says why), -ENOENT none. */
int jcl_show(const char *home, const char *member, FILE *out);

struct jcl_change {
	const char *member;
	unsigned line;
	const char *field; /* "STOP_TIME", "--stop-time", "ENDTIME", "SYSPITRT",
			      "SYSPITR", "TOLOGPOINT", "RCVTIME" */
	const char *old_value;
	const char *new_value;
};

struct jcl_update;

/*
 * Work out the rewrite of the PIT fields of every member to f, writing
 * nothing: every member is read and checked (an entry that is not a
 * usable member, a directory, a symbolic link, binary, too large or
 * unreadable, refuses the whole update naming it and why; so does a
 * recognised field whose value has the wrong shape, see jcl_rewrite).
 * cb hears each field that will change.  Returns the number of fields
 * and the update in *out (free with jcl_update_free).
 */
int jcl_update_prepare(const char *home, const struct pit_formats *f,
		       void (*cb)(const struct jcl_change *, void *), void *arg,
		       struct jcl_update **out);
/* Write each changed member atomically (temporary file, fsync, rename,
 * mode kept).  A failure names the member; those written before it are
 * put back as they were (best effort). */
int jcl_update_write(struct jcl_update *u);
/* After a jcl_update_write() whose PIT was not recorded after all: every
 * changed member gets its old text back (best effort). */
void jcl_update_undo(struct jcl_update *u);
/* NULL ok. */
void jcl_update_free(struct jcl_update *u);

/* Both of the above.  Returns the number of fields changed. */
int jcl_update_pit(const char *home, const struct pit_formats *f,
		   void (*cb)(const struct jcl_change *, void *), void *arg);

/*
 * Rewrite the PIT fields in one text (for tests and the above): returns
 * a malloc'd new text in *out (NULL when nothing changed) and the count.
 * A recognised field whose value is plainly not a time (a symbol &PIT,
 * $PIT, prose) is left alone; one that starts like a value but has the
 * wrong shape (13 digits, an IMS time without its offset) is -EINVAL,
 * "MEMBER:LINE: ..." naming the value: a stale PIT must not stay behind.
 */
int jcl_rewrite(const char *member, const char *text, size_t len,
		const struct pit_formats *f, char **out, size_t *out_len,
		void (*cb)(const struct jcl_change *, void *), void *arg);

/*
 * Pack every member into the file path (created): the data set of a JCL
 * library backup.  Format, version 1: "RUVJCL1\n", then per member a line
 * "M <mode, octal> <size> <name>\n" and its bytes, then "E\n".
 * Returns the number of members.
 */
int jcl_pack(const char *home, const char *path);

struct config;

struct jcl_restored {
	char volser[7];
	uint32_t seq;
	int64_t created_us;
	unsigned members, written, same;
};

/*
 * Restore the library from the newest JCL library backup at or before
 * at_us on the volumes (from[0..n), or the catalogued volumes and the
 * pool directories), with no repository, from any sound copy of it.
 * When no copy of that newest backup can be read, -EIO naming the
 * damaged data set and its VOLSER: an older library may carry an older
 * PIT, so it is taken only when asked for (at_us before the damaged one).
 * A member that exists and differs byte for byte, or cannot be read, is
 * overwritten only with force: without it the whole restore is refused
 * (-EEXIST) naming them, and nothing is written.
 */
int jcl_restore(const char *home, const struct config *cfg, char *const *from,
		unsigned n, int64_t at_us, int force,
		void (*cb)(const char *member, const char *what, void *),
		void *arg, struct jcl_restored *out);

#endif
