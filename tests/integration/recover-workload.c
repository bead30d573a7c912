// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * recover-workload: the random workload of the forward-recovery oracle
 * test (t0110) and the bulk writer of its kill test (t0111), through
 * libruvlog as an application uses it.
 *
 *   recover-workload worker HOME STREAM DATA SHADOW STATUS LOCK ID NFILES
 *                    NUNITS SEED
 *       Files DATA/wID_K.dat, DSN RW.WID.FK (K < NFILES), owned by this
 *       worker alone.  NUNITS units of 1-50 changes over 1-3 of them
 *       (writes at random offsets, extensions past the end, truncates
 *       down and up), each committed or (about one in six) backed out,
 *       then one more unit left in flight: the process ends without
 *       committing it.  It stops early, the same way, once the file
 *       STATUS/stop exists.  The commit (or backout) and the update of
 *       SHADOW/DSN, the file's committed bytes, happen under a shared
 *       flock of LOCK, so whoever holds it exclusively sees, in SHADOW,
 *       exactly the units committed so far.  STATUS/wID gets "B UOW"
 *       once a unit has logged its first change, "C UOW" or "X UOW"
 *       when it ends (those under the lock too).  After a backout the
 *       live file must equal its shadow again (checked: exit 3).
 *   recover-workload mworker DATA SHADOW STATUS LOCK ID NFILES SEED
 *       The same through the journaling mount at DATA, where a unit is
 *       what one open file receives up to its close: files DATA/mID_K.dat
 *       (DSN RW.MID.FK); each unit opens one, makes 1-50 changes
 *       (pwrite, ftruncate down and up), and closes it (the COMMIT) under
 *       the shared lock with the update of its shadow.  Until STATUS/stop
 *       exists.
 *   recover-workload capture SHADOW STATUS LOCK OUT
 *       Under the exclusive lock: the units begun and not ended to
 *       OUT/inflight, then T = now (UTC µs), every shadow file copied to
 *       OUT/, T in ISO 8601 to OUT/T; the lock is kept until the clock has
 *       passed T, so every unit committed later has a COMMIT after T.
 *   recover-workload bulk HOME STREAM DSN PATH NUNITS SEED
 *       NUNITS units each of a few 64 KiB writes into PATH, committed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ruvlog.h>

#define MAX_SIZE (192u << 10)

#define TRY(x)                                                                 \
	do {                                                                   \
		long rc_ = (long)(x);                                          \
		if (rc_ < 0) {                                                 \
			fprintf(stderr, "recover-workload: %s: %ld %s\n", #x,  \
				rc_, ruvlog_lasterr());                        \
			exit(2);                                               \
		}                                                              \
	} while (0)

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int copy_file(const char *from, const char *to)
{
	char tmp[4200], buf[65536];
	int in, out;
	ssize_t n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", to);
	in = open(from, O_RDONLY);
	if (in < 0)
		return -errno;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(in);
	close(out);
	if (n < 0)
		return -EIO;
	return rename(tmp, to) < 0 ? -errno : 0;
}

static int same_file(const char *a, const char *b)
{
	char x[65536], y[65536];
	int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY), same = 1;
	ssize_t n, m;

	if (fa < 0 || fb < 0)
		same = 0;
	while (same) {
		n = read(fa, x, sizeof(x));
		m = read(fb, y, sizeof(y));
		if (n != m || (n > 0 && memcmp(x, y, (size_t)n)))
			same = 0;
		if (n <= 0)
			break;
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

static void status(int fd, char what, uint64_t uow)
{
	char line[40];
	int n = snprintf(line, sizeof(line), "%c %" PRIu64 "\n", what, uow);

	TRY(write(fd, line, (size_t)n) == n ? 0 : -EIO);
}

struct wfile {
	char dsn[32], path[4096], shadow[4200];
	int fd;
	int touched;
};

/* One change of unit uow to f, logged first. */
static void change(struct ruvlog *l, uint64_t uow, struct wfile *f)
{
	static unsigned char buf[8192];
	struct stat sb;
	uint64_t size, off, len, i;

	TRY(fstat(f->fd, &sb));
	size = (uint64_t)sb.st_size;
	if (rnd(10) == 0) {
		/* truncate: down more often than up */
		size = rnd(3) ? (size ? rnd((uint32_t)size) : 0)
			      : size + rnd(20000);
		if (size > MAX_SIZE)
			size = MAX_SIZE;
		TRY(ruvlog_truncate(l, uow, f->dsn, size));
		TRY(ftruncate(f->fd, (off_t)size));
		return;
	}
	len = 1 + rnd(rnd(4) ? 512 : sizeof(buf));
	off = rnd((uint32_t)(size + 16384));
	if (off + len > MAX_SIZE)
		off = MAX_SIZE - len;
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)rnd(256);
	TRY(ruvlog_write(l, uow, f->dsn, off, buf, len));
	TRY(pwrite(f->fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -EIO);
}

static int worker(char **a)
{
	const char *home = a[0], *stream = a[1], *data = a[2], *shadow = a[3],
		   *stdir = a[4], *lock = a[5];
	unsigned id = (unsigned)atoi(a[6]), nfiles = (unsigned)atoi(a[7]),
		 nunits = (unsigned)atoi(a[8]), u, k, w, nw, nf;
	struct wfile files[8];
	struct ruvlog *l;
	char path[4200];
	uint64_t uow;
	int lockfd, stfd, last, backout;

	rng = (uint64_t)strtoull(a[9], NULL, 10) * 2654435761u + id + 1;
	if (nfiles < 1 || nfiles > 8)
		return 1;
	TRY(ruvlog_open(home, stream, &l));
	lockfd = open(lock, O_RDWR | O_CREAT, 0644);
	snprintf(path, sizeof(path), "%s/w%u", stdir, id);
	stfd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	TRY(lockfd);
	TRY(stfd);
	for (k = 0; k < nfiles; k++) {
		snprintf(files[k].dsn, sizeof(files[k].dsn), "RW.W%u.F%u", id,
			 k);
		snprintf(files[k].path, sizeof(files[k].path),
			 "%.4000s/w%u_%u.dat", data, id, k);
		snprintf(files[k].shadow, sizeof(files[k].shadow),
			 "%.4000s/%.31s", shadow, files[k].dsn);
		files[k].fd = open(files[k].path, O_RDWR);
		TRY(files[k].fd);
	}
	snprintf(path, sizeof(path), "%s/stop", stdir);
	for (u = 0; u <= nunits; u++) {
		last = u == nunits || access(path, F_OK) == 0;
		for (k = 0; k < nfiles; k++)
			files[k].touched = 0;
		TRY(ruvlog_begin(l, &uow));
		nw = 1 + rnd(50);
		nf = 1 + rnd(nfiles < 3 ? nfiles : 3);
		for (w = 0; w < nw; w++) {
			k = rnd(nf);
			change(l, uow, &files[k]);
			files[k].touched = 1;
			if (w == 0)
				status(stfd, 'B', uow);
			if (rnd(8) == 0)
				usleep(rnd(3000));
		}
		if (last)
			_exit(0); /* in flight: never committed */
		backout = rnd(6) == 0;
		TRY(flock(lockfd, LOCK_SH));
		if (backout) {
			TRY(ruvlog_backout(l, uow));
			for (k = 0; k < nfiles; k++)
				if (!same_file(files[k].path,
					       files[k].shadow)) {
					fprintf(stderr,
						"recover-workload: %s differs "
						"from its shadow after the "
						"backout of %" PRIu64 "\n",
						files[k].dsn, uow);
					exit(3);
				}
			status(stfd, 'X', uow);
		} else {
			TRY(ruvlog_commit(l, uow));
			for (k = 0; k < nfiles; k++)
				if (files[k].touched)
					TRY(copy_file(files[k].path,
						      files[k].shadow));
			status(stfd, 'C', uow);
		}
		TRY(flock(lockfd, LOCK_UN));
		usleep(rnd(10000));
	}
	return 0;
}

static int mworker(char **a)
{
	static unsigned char buf[8192];
	const char *data = a[0], *shadow = a[1], *stdir = a[2], *lock = a[3];
	unsigned id = (unsigned)atoi(a[4]), nfiles = (unsigned)atoi(a[5]), k, w,
		 nw;
	char path[4200], sh[4200], stop[4200];
	uint64_t size, off, len, i;
	struct stat sb;
	int lockfd, fd;

	rng = (uint64_t)strtoull(a[6], NULL, 10) * 2654435761u + 100 + id;
	lockfd = open(lock, O_RDWR | O_CREAT, 0644);
	TRY(lockfd);
	snprintf(stop, sizeof(stop), "%.4000s/stop", stdir);
	while (access(stop, F_OK) != 0) {
		k = rnd(nfiles);
		snprintf(path, sizeof(path), "%.4000s/m%u_%u.dat", data, id, k);
		snprintf(sh, sizeof(sh), "%.4000s/RW.M%u.F%u", shadow, id, k);
		fd = open(path, O_RDWR);
		TRY(fd);
		nw = 1 + rnd(50);
		for (w = 0; w < nw; w++) {
			TRY(fstat(fd, &sb));
			size = (uint64_t)sb.st_size;
			if (rnd(10) == 0) {
				size = rnd(3) ? (size ? rnd((uint32_t)size) : 0)
					      : size + rnd(20000);
				if (size > MAX_SIZE)
					size = MAX_SIZE;
				TRY(ftruncate(fd, (off_t)size));
				continue;
			}
			len = 1 + rnd(rnd(4) ? 512 : sizeof(buf));
			off = rnd((uint32_t)(size + 16384));
			if (off + len > MAX_SIZE)
				off = MAX_SIZE - len;
			for (i = 0; i < len; i++)
				buf[i] = (unsigned char)rnd(256);
			TRY(pwrite(fd, buf, len, (off_t)off) == (ssize_t)len
				    ? 0
				    : -EIO);
			if (rnd(8) == 0)
				usleep(rnd(3000));
		}
		TRY(flock(lockfd, LOCK_SH));
		TRY(close(fd));
		TRY(copy_file(path, sh));
		TRY(flock(lockfd, LOCK_UN));
		usleep(rnd(10000));
	}
	return 0;
}

/* The units of a status file begun and not ended, to out. */
static void inflight(const char *path, FILE *out)
{
	uint64_t open[4096], uow;
	size_t n = 0, i;
	char what;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fscanf(f, " %c %" SCNu64, &what, &uow) == 2) {
		if (what == 'B' && n < 4096) {
			open[n++] = uow;
			continue;
		}
		for (i = 0; i < n; i++)
			if (open[i] == uow)
				open[i] = open[--n];
	}
	fclose(f);
	for (i = 0; i < n; i++)
		fprintf(out, "%" PRIu64 "\n", open[i]);
}

static int capture(char **a)
{
	const char *shadow = a[0], *stdir = a[1], *lock = a[2], *out = a[3];
	char from[4200], to[4200];
	struct dirent *de;
	struct tm tm;
	int64_t t;
	time_t sec;
	FILE *f;
	DIR *d;
	int fd = open(lock, O_RDWR | O_CREAT, 0644);

	TRY(fd);
	TRY(flock(fd, LOCK_EX));
	/* The units begun by now (their B lines are written outside the
	 * lock, so read them before T); none can end while the lock is
	 * held. */
	snprintf(to, sizeof(to), "%s/inflight", out);
	f = fopen(to, "w");
	TRY(f ? 0 : -errno);
	d = opendir(stdir);
	TRY(d ? 0 : -errno);
	while ((de = readdir(d)))
		if (de->d_name[0] == 'w') {
			snprintf(from, sizeof(from), "%s/%s", stdir,
				 de->d_name);
			inflight(from, f);
		}
	closedir(d);
	fclose(f);
	t = now_us();
	d = opendir(shadow);
	TRY(d ? 0 : -errno);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && !strstr(de->d_name, ".tmp")) {
			snprintf(from, sizeof(from), "%s/%s", shadow,
				 de->d_name);
			snprintf(to, sizeof(to), "%s/%s", out, de->d_name);
			TRY(copy_file(from, to));
		}
	closedir(d);
	sec = (time_t)(t / 1000000);
	gmtime_r(&sec, &tm);
	snprintf(to, sizeof(to), "%s/T", out);
	f = fopen(to, "w");
	TRY(f ? 0 : -errno);
	fprintf(f, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ\n", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		(int)(t % 1000000));
	fclose(f);
	while (now_us() <= t + 1)
		;
	flock(fd, LOCK_UN);
	close(fd);
	return 0;
}

static int bulk(char **a)
{
	static unsigned char buf[65536];
	const char *home = a[0], *stream = a[1], *dsn = a[2], *path = a[3];
	unsigned n = (unsigned)atoi(a[4]), u, w, i;
	struct ruvlog *l;
	uint64_t uow, off;
	int fd;

	rng = (uint64_t)strtoull(a[5], NULL, 10) * 2654435761u + 7;
	TRY(ruvlog_open(home, stream, &l));
	fd = open(path, O_RDWR);
	TRY(fd);
	for (u = 0; u < n; u++) {
		TRY(ruvlog_begin(l, &uow));
		for (w = 0; w < 4; w++) {
			for (i = 0; i < sizeof(buf); i++)
				buf[i] = (unsigned char)rnd(256);
			off = (uint64_t)rnd(64) * sizeof(buf);
			TRY(ruvlog_write(l, uow, dsn, off, buf, sizeof(buf)));
			TRY(pwrite(fd, buf, sizeof(buf), (off_t)off));
		}
		TRY(ruvlog_commit(l, uow));
	}
	close(fd);
	TRY(ruvlog_close(l));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 12 && !strcmp(argv[1], "worker"))
		return worker(argv + 2);
	if (argc == 9 && !strcmp(argv[1], "mworker"))
		return mworker(argv + 2);
	if (argc == 6 && !strcmp(argv[1], "capture"))
		return capture(argv + 2);
	if (argc == 8 && !strcmp(argv[1], "bulk"))
		return bulk(argv + 2);
	fprintf(stderr,
		"usage: recover-workload worker|mworker|capture|bulk ...\n");
	return 1;
}
