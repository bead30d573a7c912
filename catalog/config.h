/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_CONFIG_H
#define RUV_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The configuration of a RUV home, read from an ini file (etc/ruv.ini is
 * the documented default).  A struct config is plain data: copy it freely,
 * nothing in it needs freeing.
 */

#define CONFIG_MAX_POOLS  8
#define CONFIG_MAX_COPIES 4
#define CONFIG_NAME_MAX	  16

struct config_pool {
	char name[CONFIG_NAME_MAX + 1]; /* section name: [pool NAME] */
	char directory[PATH_MAX];	/* as written; see config_pool_dir */
	char prefix[4];			/* VOLSER prefix, upper case */
	uint64_t capacity;		/* bytes */
	char location[CONFIG_NAME_MAX + 1]; /* where new copies start */
};

struct config {
	char path[PATH_MAX]; /* the file read; "" for built-in defaults */
	char home[PATH_MAX]; /* "" when the file does not name one */
	char volume_path[PATH_MAX]; /* dirs searched for VOLSERs, ':' apart */
	unsigned workers;
	unsigned copies;
	char copy_pool[CONFIG_MAX_COPIES][CONFIG_NAME_MAX + 1];
	uint32_t chunk_size;	      /* bytes, a power of two */
	uint64_t log_segment_size;    /* [log] segment_size, bytes */
	int64_t log_keep_archived_us; /* [log] keep_archived, microseconds */
	unsigned npools;
	struct config_pool pools[CONFIG_MAX_POOLS];
};

/* Fill cfg with the built-in defaults (the values of etc/ruv.ini). */
void config_defaults(struct config *cfg);

/*
 * Read an ini file over the defaults.  On failure returns -EINVAL (bad
 * content, message "FILE:LINE: why") or -errno from opening the file, and
 * leaves *cfg untouched.
 */
int config_load(const char *path, struct config *cfg);

/* The same from a string; name is used in messages. */
int config_load_string(const char *text, const char *name, struct config *cfg);

/*
 * Find and load the configuration: explicit (may be NULL), then
 * $RUV_CONFIG, then HOME/ruv.ini when home is non-NULL and the file
 * exists, then /etc/ruv/ruv.ini when it exists, else the defaults.
 */
int config_find(const char *explicit, const char *home, struct config *cfg);

/* The pool called name, or NULL. */
const struct config_pool *config_pool(const struct config *cfg,
				      const char *name);

/* The pool's directory, resolved against home when relative. */
int config_pool_dir(const struct config_pool *pool, const char *home, char *buf,
		    size_t len);

/* Parse "123", "64K", "4G"... into bytes.  -EINVAL or -ERANGE. */
int config_parse_size(const char *s, uint64_t *out);

#endif
