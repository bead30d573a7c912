/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_HOME_H
#define RUV_HOME_H

#include <stddef.h>

#include "homepath.h" /* home_path(), for the callers of old */

struct config;
struct repo;

/*
 * A RUV home: the directory holding one site's recovery catalog.
 *
 *   HOME/repository.db   the repository (plus -wal and -shm while open)
 *   HOME/pools/NAME/     volume files of each pool (unless configured
 *                        with an absolute directory elsewhere)
 *   HOME/jcl/            the recovery JCL library
 *   HOME/logs/           log streams
 *   HOME/ruv.ini         optional: this home's configuration
 */

#define HOME_REPOSITORY "repository.db"

/*
 * Create a home at path: repository (with the configured pools), pools,
 * jcl/ and logs/.  Built in a temporary directory (beside path, or inside
 * it when path is an existing empty directory) and renamed into place, so
 * a crash leaves either no home or a whole one.  Refuses (-EEXIST) a path
 * that exists unless it is an empty directory (leftover .ruv-init-* of a
 * crashed init do not count, and are removed); -EBUSY while another init
 * builds inside the same directory.
 */
int home_init(const char *path, const struct config *cfg);

/*
 * Open the repository of the home at path for reading and writing.
 * -ENOENT no home or no repository in it, -ENOTDIR, -EROFS read-only,
 * and the errors of repo_open(); each with a message.
 */
int home_open(const char *path, struct repo **out);

#endif
