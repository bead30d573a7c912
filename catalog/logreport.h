/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RUV_LOGREPORT_H
#define RUV_LOGREPORT_H

#include <stdio.h>

struct repo;

/*
 * The log stream report (reports/logs.txt and .json in the tree): one row
 * per stream with what its segments hold, the same rows and keys as
 * `ruv log list [--json]`: name, kind, first and last LSN and time,
 * archived LSN, bytes, directory.
 *
 * JSON: {"streams": [{"name", "kind", "dir", "first_lsn", "last_lsn",
 * "first_time", "last_time", "archived_lsn", "bytes"}]} (times null for an
 * empty stream).  Written to out, which the caller owns.  Errors: those
 * of logcat_list_stats() (a stream that cannot be read stops the report
 * with its error).
 */
int report_logs(struct repo *r, int json, FILE *out);

#endif
