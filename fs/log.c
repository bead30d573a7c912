// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruvfs's operator log: one line per event, with a syslog priority, to
 * syslog in the background and to stderr in the foreground (with the
 * journal's "<N>" priority prefix when stderr is the journal).  See log.h
 * for which events log at which priority.
 *
 * A line is formatted whole and written with one call, so lines from
 * worker threads never interleave.  No allocation: a line longer than
 * LINE_MAX_LEN is cut.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "fs_int.h"
#include "location.h"
#include "log.h"

#define LINE_MAX_LEN 2048

static pthread_once_t journal_once = PTHREAD_ONCE_INIT;
static int journal; /* stderr is the journal's stream */

/* $JOURNAL_STREAM is "DEV:INO" of the stream systemd connected; it is
 * inherited by children whose stderr went elsewhere, so compare. */
static void check_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return;
	if (fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino)
		journal = 1;
}

void fslog(int prio, const char *fmt, ...)
{
	char line[LINE_MAX_LEN];
	va_list ap;
	int n = 0;

	va_start(ap, fmt);
	if (!fs.foreground) {
		vsyslog(prio, fmt, ap);
		va_end(ap);
		return;
	}
	pthread_once(&journal_once, check_journal);
	if (journal)
		n = snprintf(line, sizeof(line), "<%d>", LOG_PRI(prio));
	n += snprintf(line + n, sizeof(line) - (size_t)n, "ruvfs: %s",
		      LOG_PRI(prio) <= LOG_ERR ? "error: " : "");
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	n = (int)strlen(line);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere else to say it */
	}
}

void fslog_dir_path(uint64_t ino, char *buf, size_t len)
{
	static const struct {
		int type;
		const char *prefix;
	} locdirs[] = {
		{ T_BKLOC, "backups/by-location/" },
		{ T_REPLOC, "repository/by-location/" },
		{ T_JBLOC, "jcl-backups/by-location/" },
	};
	static const struct {
		int id;
		const char *path;
	} dirs[] = {
		{ F_ROOT, "." },
		{ F_LOCACTIVE, "locations/active" },
		{ F_LOCINACTIVE, "locations/inactive" },
		{ F_BYLOC, "backups/by-location" },
		{ F_REPBYLOC, "repository/by-location" },
		{ F_JCLBYLOC, "jcl-backups/by-location" },
		{ F_JCL, "jcl" },
		{ F_FILES, "files" },
		{ F_GROUPS, "groups" },
	};
	struct location_info li;
	struct repo *r;
	int type = node_type_of(ino);
	uint64_t id = node_id_of(ino);
	unsigned i;

	for (i = 0; i < sizeof(locdirs) / sizeof(locdirs[0]); i++) {
		if (type != locdirs[i].type)
			continue;
		r = fs_repo();
		if (r && location_get(r, (int64_t)id, &li) == 0) {
			snprintf(buf, len, "%s%s", locdirs[i].prefix, li.name);
			return;
		}
	}
	for (i = 0; type == T_FIXED && i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (id == (uint64_t)dirs[i].id) {
			snprintf(buf, len, "%s", dirs[i].path);
			return;
		}
	snprintf(buf, len, "inode %llu", (unsigned long long)ino);
}
