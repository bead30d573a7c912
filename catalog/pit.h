/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_PIT_H
#define RUV_PIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * The recovery point (PIT): derived from an IMS RECON listing (DBRC
 * LIST.RECON), and written in the forms VSAM (RUV), Db2 and IMS read.
 *
 * The rule, from the DR process: log records PRILOG, SECLOG, PRISLD and
 * SECSLD with one SSID and START form a family (PRILOG is authoritative,
 * the others only stand in when it is missing, never counted twice; with
 * several stand-ins and no PRILOG, the family is open if any is and ends
 * at the earliest of their ends, whatever their order).  A family whose
 * record STOP is zero is open; its archived end is the STOP of its last
 * archived DSN entry (an entry whose own STOP is zero is not archived),
 * its START when it has none, and never before its START.  The IMS PIT is the
 * earliest archived end over the open families; closed families do not
 * limit it.  When every family is closed, every log is complete and the
 * PIT is the latest end of all.  Precision is never rounded up.
 */

#define PIT_NO_OFFSET INT32_MIN

struct pit_result {
	int64_t pit_us; /* UTC */
	int offset_sec; /* the listing's UTC offset (IMS form, VSAM) */
	unsigned families;
	unsigned open;
	char rule[160];	   /* which rule applied, in words */
	char limiting[96]; /* the family that set it: SSID and START */
};

/*
 * Derive the PIT from a listing.  offset_sec: the UTC offset of times the
 * listing prints without one (the default YY display); PIT_NO_OFFSET if
 * not given, and then such a listing is refused as ambiguous.  -EINVAL
 * with "NAME:LINE: why" for a listing that is not one, is truncated, has
 * a bad time, or has no log records.
 */
int pit_from_recon(const char *text, size_t len, const char *name,
		   int offset_sec, struct pit_result *out);

/* The S/390 TOD clock value of a time: (µs since 1900-01-01 UTC + leap
 * seconds × 10^6) × 4096, modulo 2^64.  leap_sec: 0, or 27 for the full
 * count.  The 8-byte clock wraps at 2042-09-17T23:53:47.370496Z less the
 * leap seconds; pit_tod_epoch() says how many times (0 before). */
uint64_t pit_tod(int64_t us, int leap_sec);
unsigned pit_tod_epoch(int64_t us, int leap_sec);
/* And back (µs, floored). */
int64_t pit_from_tod(uint64_t tod, int leap_sec);

struct pit_formats {
	char iso[32];	   /* 2025-02-10T14:42:17.364519Z */
	char vsam[16];	   /* yyyyjjjhhmmsst, site local, tenths floored */
	char vsam_tod[20]; /* X + 16 hex digits; "" past the TOD wrap */
	char db2_time[16]; /* yyyydddhhmmsst, UTC, tenths floored */
	char lrsn6[16];	   /* 12 hex digits; "" past the TOD wrap */
	char lrsn10[24];   /* 20 hex digits: epoch byte (00, 01 past the
			      wrap) + 8 TOD bytes + 00 */
	char ims[40];	   /* yyyy.ddd hh:mm:ss.ffffff ±hh:mm */
};

/* Every form of us.  local_offset_sec: the site's (VSAM and IMS forms). */
void pit_format(int64_t us, int local_offset_sec, int leap_sec,
		struct pit_formats *out);

struct repo;

/* The recovery point as the repository keeps it. */
struct pit_stored {
	int64_t pit_us;
	int64_t set_us;
	int offset_sec; /* for the local forms */
	int leap_sec;
	char source[160]; /* "operator" or "recon FILE" */
	char rule[160];
};

/* Record a new recovery point (one transaction, with history). */
int pit_store(struct repo *r, const struct pit_stored *p);

/* The same, running then(arg) inside the transaction before it commits:
 * when then fails the recovery point is not recorded (its error is
 * returned); when the commit fails after then succeeded, undo(arg) runs
 * to take back what then did.  then and undo may be NULL. */
int pit_store_then(struct repo *r, const struct pit_stored *p,
		   int (*then)(void *), void (*undo)(void *), void *arg);

/* The recovery point in every form, as text or as JSON: {"pit", "set",
 * "source", "rule", "offset", "lso", "vsam", "vsam_tod", "db2_time",
 * "lrsn6", "lrsn10", "ims"}. */
void pit_write_text(const struct pit_stored *p, int json, FILE *out);

struct jsonw;
/* Those JSON keys and values, into an object j has open. */
void pit_write_keys(const struct pit_stored *p, struct jsonw *j);

/* The current one: -ENOENT if none was ever set. */
int pit_current(struct repo *r, struct pit_stored *out);

/*
 * Setting the recovery point, the whole process that `ruv pit set` and a
 * write to the tree's pit both run: derive the PIT (from a time or a
 * listing), work out the rewrite of the PIT fields of every member of the
 * home's JCL library, then record the PIT and write the members in one
 * transaction (pit_store_then): a refused member or a failed store
 * changes neither.
 */
struct pit_request {
	/* Exactly one of: */
	const char *time;	/* a time (rtime_parse forms) */
	const char *recon_path; /* a RECON listing in a file */
	const char *recon_text; /* a RECON listing's text, recon_len bytes */
	size_t recon_len;
	/* The listing's name in messages ("NAME:LINE: why") and in the
	 * source of a recon_text; recon_path is its own name. */
	const char *recon_name;
	int offset_sec; /* PIT_NO_OFFSET, or the operator's --offset */
	int leap_sec;	/* --lso */
};

/* One PIT field rewritten (a copy of a struct jcl_change). */
struct pit_change {
	char member[72];
	unsigned line;
	char field[16], old_value[80], new_value[40];
};

struct pit_applied {
	struct pit_stored pit;	    /* what was recorded */
	struct pit_change *changes; /* malloc'd, n of them, in the order */
	size_t n;		    /* the members were rewritten */
};

/*
 * Run the process for req on home (its JCL library) and r (its
 * repository).  On success *out holds the PIT and the changes (free with
 * pit_applied_free).  -EINVAL a time or listing that is not one, or a
 * member refused (the message names it and why); -ENOENT/-EACCES a
 * listing file that cannot be read; a store's errors.  On failure
 * nothing is recorded or written and *out is left empty.
 */
int pit_apply(struct repo *r, const char *home, const struct pit_request *req,
	      struct pit_applied *out);
/* NULL ok; leaves *a empty. */
void pit_applied_free(struct pit_applied *a);

#endif
