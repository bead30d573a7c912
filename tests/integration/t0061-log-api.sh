#!/bin/sh
# libruvlog as an application uses it: the README's example, compiled
# against the built library and the header, run; then a program that
# exercises truncate, backout, several threads and a file bound to
# another stream.
. "${SRCDIR}/tests/integration/lib.sh"
: "${RUVLOG_INCDIR:?}" "${RUVLOG_LIBDIR:?}"
make_home
CC=${CC:-cc}
cflags="-I$RUVLOG_INCDIR -Wall -Werror ${RUVLOG_CFLAGS:-}"
ldflags="-L$RUVLOG_LIBDIR -Wl,-rpath,$RUVLOG_LIBDIR -lruvlog"

awk '/^<!-- ruvlog-example -->$/ { on = 1; next }
     on && /^```c$/ { code = 1; next }
     code && /^```$/ { exit }
     code { print }' "$SRCDIR/README" >"$T/example.c"
check "the README has the example" test -s "$T/example.c"
check "it compiles against ruvlog.h and libruvlog" $CC $cflags -o "$T/example" "$T/example.c" $ldflags
check_eq "it is short" 1 "$([ "$(wc -l <"$T/example.c")" -le 30 ] && echo 1)"

"$RUV" file register APP.DATA "$T/data/a.dat" >/dev/null
"$RUV" file register APP.OTHER "$T/data/b.dat" >/dev/null
"$RUV" log define APPLOG >/dev/null
"$RUV" log define OTHER >/dev/null
check "the example runs" "$T/example" "$RUV_HOME" applog app.data "$T/data/a.dat" "ALP"
check_eq "it made its change" "ALPha" "$(cat "$T/data/a.dat")"
check_eq "and logged it: the after- and before-images" \
	"1 BEGIN None 2 WRITE 0 3 3 COMMIT None" \
	"$("$RUV" --json log show applog | python3 -c '
import json, sys
print(" ".join("%d %s %s" % (r["lsn"], r["type"], r["offset"]) + (" %d" % r["length"] if r["length"] is not None else "") for r in json.load(sys.stdin)))')"
check_fail "an unknown stream" 1 "example: no log stream 'NOPE'" \
	sh -c "'$T/example' '$RUV_HOME' nope app.data '$T/data/a.dat' x 2>&1 >/dev/null | sed 's/^example/ruv example/' >&2; exit 1"

# The rest of the API, through a program of the test's own.
cat >"$T/more.c" <<'CEOF'
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ruvlog.h>

static struct ruvlog *l;
static const char *path;

#define TRY(x) do { int rc_ = (x); if (rc_ < 0) { \
	fprintf(stderr, "%s: %d %s\n", #x, rc_, ruvlog_lasterr()); exit(1); } } while (0)

static void *worker(void *arg)
{
	uint64_t u;
	char b[8];
	int i, fd = open(path, O_WRONLY);

	for (i = 0; i < 50; i++) {
		snprintf(b, sizeof(b), "%c%03d", *(char *)arg, i);
		TRY(ruvlog_begin(l, &u));
		TRY(ruvlog_write(l, u, "app.data", 0, b, 4));
		TRY(pwrite(fd, b, 4, 0) == 4 ? 0 : -EIO);
		TRY(ruvlog_commit(l, u));
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	static char big[5 << 20];
	pthread_t t[4];
	char tag[4] = "ABCD";
	uint64_t u;
	int fd, i;

	(void)argc;
	path = argv[3];
	TRY(ruvlog_open(argv[1], argv[2], &l));
	fd = open(path, O_WRONLY);
	/* backout puts the file back: a write past the end, a truncate,
	 * a write of 5 MiB (two records) */
	TRY(ruvlog_begin(l, &u));
	TRY(ruvlog_write(l, u, "APP.DATA", 3, "WXYZ", 4));
	TRY(pwrite(fd, "WXYZ", 4, 3) == 4 ? 0 : -EIO);
	TRY(ruvlog_truncate(l, u, "APP.DATA", 1));
	TRY(ftruncate(fd, 1));
	memset(big, 'q', sizeof(big));
	TRY(ruvlog_write(l, u, "APP.DATA", 0, big, sizeof(big)));
	TRY(pwrite(fd, big, sizeof(big), 0) == (ssize_t)sizeof(big) ? 0 : -EIO);
	TRY(ruvlog_backout(l, u));
	/* a file bound to another stream is refused */
	TRY(ruvlog_begin(l, &u));
	if (ruvlog_write(l, u, "APP.OTHER", 0, "x", 1) != -EBUSY) {
		fprintf(stderr, "APP.OTHER not refused\n");
		return 1;
	}
	printf("%s\n", ruvlog_lasterr());
	if (ruvlog_write(l, u, "NO.SUCH", 0, "x", 1) != -ENOENT)
		return 1;
	printf("%s\n", ruvlog_lasterr());
	TRY(ruvlog_commit(l, u));
	if (ruvlog_commit(l, u) != -ENOENT)
		return 1;
	/* four threads on one handle */
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, &tag[i]);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	TRY(ruvlog_close(l));
	return 0;
}
CEOF
check "the API program compiles" $CC $cflags -pthread -o "$T/more" "$T/more.c" $ldflags
printf 'ALPha\n' >"$T/data/a.dat"
cp "$T/data/a.dat" "$T/a.before"
check "APP.OTHER is bound to OTHER" sh -c "printf o | '$RUV' log write other app.other --offset 0"
check "the API program runs" "$T/more" "$RUV_HOME" APPLOG "$T/data/a.dat"
check_eq "refusals, with the reasons" \
"file 'APP.OTHER' is journaled by log stream 'OTHER', not 'APPLOG'
no file 'NO.SUCH' is registered" "$(cat "$T/out")"
tail -c +5 "$T/data/a.dat" >"$T/a.tail"
tail -c +5 "$T/a.before" >"$T/a.before.tail"
check_same_file "backout put the file back (past the 4 bytes the threads wrote)" "$T/a.before.tail" "$T/a.tail"
"$RUV" --json log show applog >"$T/all.json"
check_eq "the stream: LSNs 1..N, every unit ended, 202 commits" "ok 202" \
	"$(python3 -c '
import json, sys
rs = json.load(open(sys.argv[1]))
assert [r["lsn"] for r in rs] == list(range(1, len(rs) + 1))
open_ = set()
commits = 0
for r in rs:
    if r["type"] == "BEGIN": open_.add(r["uow"])
    elif r["type"] in ("COMMIT", "BACKOUT", "ABORT"): open_.remove(r["uow"])
    if r["type"] == "COMMIT": commits += 1
assert not open_, open_
# the backed-out unit: truncate then two writes (5 MiB split), then BACKOUT
kinds = [r["type"] for r in rs if r["uow"] == 4]
assert kinds == ["BEGIN", "WRITE", "TRUNCATE", "WRITE", "WRITE", "BACKOUT"], kinds
print("ok", commits)' "$T/all.json")"
check_eq "the last write of each thread is a 4-byte tag" 1 \
	"$(head -c 4 "$T/data/a.dat" | grep -cE '^[ABCD]049$')"
done_testing
