// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checks ruvfs makes of its command line before it mounts: the
 * timeout value, the mount point (not already a ruvfs mount, empty
 * unless -o nonempty), and the exit status once the session ends.
 * Nothing here changes anything; each check reads and answers -errno.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mountopt.h"

int mountopt_timeout(const char *text, double *out)
{
	char *end;
	double v;

	if (!text) {
		*out = 1.0;
		return 0;
	}
	/* strtod takes "inf", "nan", hex and leading blanks: not here. */
	if (!*text || strspn(text, "0123456789.") != strlen(text))
		return -EINVAL;
	errno = 0;
	v = strtod(text, &end);
	if (errno || *end || end == text || !isfinite(v) || v < 0 || v > 3600)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Undo the octal escapes of a mountinfo field (\040 for a blank). */
static void unescape(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

/* Is path (absolute, resolved) a ruvfs mount?  1 and its source, or 0. */
static int is_ruvfs_mount(const char *path, char *what, size_t len)
{
	char *line = NULL, *f[10], *sep, *save;
	size_t cap = 0;
	FILE *m = fopen("/proc/self/mountinfo", "re");
	int found = 0, i;

	if (!m)
		return 0;
	while (!found && getline(&line, &cap, m) > 0) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - TYPE SRC
		 */
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		f[0] = strtok_r(line, " ", &save);
		for (i = 1; i < 5 && f[i - 1]; i++)
			f[i] = strtok_r(NULL, " ", &save);
		if (i < 5 || !f[4])
			continue;
		f[5] = strtok_r(sep + 3, " ", &save);
		f[6] = f[5] ? strtok_r(NULL, " \n", &save) : NULL;
		if (!f[5] || strcmp(f[5], "fuse.ruvfs"))
			continue;
		unescape(f[4]);
		if (strcmp(f[4], path))
			continue;
		found = 1;
		if (what && f[6]) {
			unescape(f[6]);
			snprintf(what, len, "%s", f[6]);
		}
	}
	free(line);
	fclose(m);
	return found;
}

int mountopt_check_mountpoint(const char *mountpoint, int nonempty, char *what,
			      size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = 0;

	if (what && len)
		what[0] = '\0';
	if (!realpath(mountpoint, path))
		return -errno;
	if (is_ruvfs_mount(path, what, len))
		return -EBUSY;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (nonempty)
		return 0;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			rc = -ENOTEMPTY;
			break;
		}
	closedir(d);
	return rc;
}

int mountopt_exit_status(int loop_rc)
{
	return loop_rc < 0;
}
