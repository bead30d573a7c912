#!/bin/sh
# The round trip from the journaling mount: changes made by programs
# through ruvfs -o journal=JRN are archived in several runs while a file
# stays open with unsynced writes (its unit spans the runs), then
# accumulated; every record read back from the archives equals the
# stream, byte for byte, and one file's changes read through the
# consolidated archive's index are exactly that file's records.
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/jlib.sh"
. "$SRCDIR/tests/integration/archive-lib.sh"
make_home
D=$T/data
"$RUV" file register JNL.A "$D/a.dat" >/dev/null
"$RUV" file register JNL.B "$D/b.dat" >/dev/null
"$RUV" log define JRN --kind journal >/dev/null
mkdir -p "$T/jm"
jmount JRN "$D" "$T/jm"

# A program holding a.dat open: a write, then (at a line) another, then
# (at the next) fsync, which commits its unit.
mkfifo "$T/ctl"
python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
os.pwrite(fd, b"FIRST", 0); print("written", flush=True)
sys.stdin.readline(); os.pwrite(fd, b"SECOND", 100); print("again", flush=True)
sys.stdin.readline(); os.fsync(fd); os.close(fd); print("synced", flush=True)
' "$T/jm/a.dat" <"$T/ctl" >"$T/holder.out" 2>&1 &
holder=$!
exec 7>"$T/ctl"
poll 100 grep -q written "$T/holder.out" || { echo "Bail out! the holder did not write"; cat "$T/holder.out"; exit 1; }
check "another program's change" sh -c "printf 'bravo!' | dd of='$T/jm/b.dat' conv=notrunc 2>/dev/null"
check "run 1, a.dat's unit open" "$RUV" archive
echo go >&7
poll 100 grep -q again "$T/holder.out"
head -c 50000 /dev/urandom >>"$T/jm/b.dat"
check "run 2" "$RUV" archive
echo go >&7
poll 100 grep -q synced "$T/holder.out"
wait "$holder"
check "the journaling mount unmounts" jumount
check "run 3" "$RUV" archive
check_eq "three runs, each registered" 3 "$(sql "SELECT count(*) FROM archive WHERE kind = 'user'")"
u=$("$RUV" log show JRN --dsn JNL.A | awk 'NR == 2 { print $3 }')
c=$("$RUV" log show JRN | awk -v u="$u" '$3 == u && $5 == "COMMIT" { print $1 }')
run_of() { sql "SELECT count(*) FROM archive_range ar JOIN archive a ON a.id = ar.archive_id WHERE a.kind = 'user' AND ar.first_lsn <= $1"; }
check_eq "a.dat's unit began in run 1 and committed in run 3" "1 3" "$(run_of "$u") $(run_of "${c:-0}")"
check_round_trip "the journaling mount's stream" JRN
check "accumulate" "$RUV" accumulate
acc=$(sql "SELECT id FROM archive WHERE consolidated = 1 AND kind = 'user'")
stream_raw JRN "$T/s"
for d in JNL.A JNL.B; do
	"$RUV" archive --show "A$acc" --dsn "$d" --raw >"$T/one"
	check_eq "$d through the index: its records, in LSN order" same "$(python3 - "$T/one" "$T/s" "$d" <<'PYEOF'
import struct, sys
def recs(p):
    b = open(p, "rb").read(); i = 0; out = []
    while i < len(b):
        ln = struct.unpack_from("<I", b, i)[0]; out.append(b[i:i + ln]); i += ln
    return out
dsn = sys.argv[3].encode()
want = [r for r in recs(sys.argv[2]) if r[32] in (2, 3) and r[64:64 + r[33]] == dsn]
got = recs(sys.argv[1])
print("same" if got == want and got else "differ: %d records, %d wanted" % (len(got), len(want)))
PYEOF
)"
done
check "verify --all" "$RUV" verify --all
done_testing
