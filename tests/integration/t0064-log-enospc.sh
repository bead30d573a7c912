#!/bin/sh
# A full disk under a log stream (a small tmpfs): `ruv log write` fails
# with ENOSPC, the file keeps its bytes, the stream reads to its last
# record and tells what happened; with space again, the LSN continues.
# A unit begun before the disk filled still commits (its COMMIT has room
# kept for it).
. "${SRCDIR}/tests/integration/lib.sh"
: "${RUVLOG_INCDIR:?}" "${RUVLOG_LIBDIR:?}"
make_home
mkdir "$T/small"
if ! mount -t tmpfs -o size=512k tmpfs "$T/small" 2>/dev/null; then
	echo "Bail out! cannot mount a tmpfs (the test needs root)"
	exit 1
fi
at_exit "umount -l '$T/small'"
"$RUV" file register E.A "$T/data/a.dat" >/dev/null
"$RUV" log define FULL --dir "$T/small/FULL" >/dev/null
printf 'x' | "$RUV" log write FULL E.A --offset 0 >/dev/null

# A unit opened through the API, left waiting on stdin.
cat >"$T/held.c" <<'CEOF'
#include <stdio.h>
#include <unistd.h>
#include <ruvlog.h>
int main(int argc, char **argv)
{
	struct ruvlog *l;
	uint64_t u;
	char c;

	(void)argc;
	if (ruvlog_open(argv[1], argv[2], &l) < 0 || ruvlog_begin(l, &u) < 0 ||
	    ruvlog_write(l, u, argv[3], 1, "h", 1) < 0)
		return fprintf(stderr, "held: %s\n", ruvlog_lasterr()), 1;
	printf("begun\n");
	fflush(stdout);
	if (read(0, &c, 1) != 1)
		return 1;
	if (ruvlog_commit(l, u) < 0)
		return fprintf(stderr, "held: %s\n", ruvlog_lasterr()), 1;
	printf("committed\n");
	return ruvlog_close(l) < 0;
}
CEOF
check "the holder compiles" ${CC:-cc} -I"$RUVLOG_INCDIR" ${RUVLOG_CFLAGS:-} -o "$T/held" "$T/held.c" \
	-L"$RUVLOG_LIBDIR" -Wl,-rpath,"$RUVLOG_LIBDIR" -lruvlog
mkfifo "$T/go"
"$T/held" "$RUV_HOME" FULL E.A <"$T/go" >"$T/held.out" 2>&1 &
held=$!
exec 9>"$T/go"
i=0
until grep -q begun "$T/held.out"; do
	i=$((i + 1))
	[ "$i" -le 200 ] && kill -0 "$held" 2>/dev/null || { echo "Bail out! holder"; cat "$T/held.out"; exit 1; }
	sleep 0.05
done

# Fill the disk.
dd if=/dev/zero of="$T/small/filler" bs=4k 2>/dev/null
cp "$T/data/a.dat" "$T/a.before"
"$RUV" log show FULL >"$T/show.before"
head -c 65536 /dev/urandom >"$T/chunk"
check_fail "a write on a full disk" 1 "No space left on device" "$RUV" log write FULL E.A --offset 0 <"$T/chunk"
check_same_file "the file kept its bytes" "$T/a.before" "$T/data/a.dat"
check "the stream still reads" "$RUV" log show FULL
# Whether its BEGIN found room depends on where the tail stood in its
# page: either nothing was added, or a BEGIN and its BACKOUT.
added=$(diff "$T/show.before" "$T/out" | sed -n 's/^> //p' | awk '{ print $5 }' | tr '\n' ' ' | sed 's/ $//')
check_eq "nothing of the refused unit but perhaps a BEGIN and its BACKOUT" 1 \
	"$( { [ -z "$added" ] || [ "$added" = "BEGIN BACKOUT" ]; } && echo 1)"
echo go >&9
exec 9>&-
wait "$held"
check_eq "the unit begun before commits on a full disk" "begun committed" "$(tr '\n' ' ' <"$T/held.out" | sed 's/ $//')"
check_eq "its COMMIT is the stream's last record" "COMMIT" "$("$RUV" log show FULL | tail -n 1 | awk '{ print $5 }')"

rm "$T/small/filler"
last=$("$RUV" log show FULL | tail -n 1 | awk '{ print $1 }')
check "with space again, a write goes through" "$RUV" log write FULL E.A --offset 0 <"$T/chunk"
check_eq "the LSN continues" "$((last + 1)) BEGIN" "$("$RUV" log show FULL --from-lsn $((last + 1)) | sed -n 2p | awk '{ print $1, $5 }')"
check_same_file "the file has the bytes" "$T/chunk" "$T/data/a.dat"
done_testing
