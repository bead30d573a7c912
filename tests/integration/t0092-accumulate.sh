#!/bin/sh
# ruv accumulate: two streams, three files, archived in several runs,
# then more records (accumulate archives them first) and accumulate.  The
# consolidated user-data archive holds every change of every stream once,
# sorted by DSN then LSN, byte for byte the records of the streams; one
# DSN read through the index is exactly that file's records in LSN order;
# the consolidated UOW archive per stream is that stream's unit records.
# The sources are marked and stay readable; a second run finds nothing
# new and changes nothing; the copies are in the pull list and verify.
. "${SRCDIR}/tests/integration/lib.sh"
. "${SRCDIR}/tests/integration/archive-lib.sh"
make_home
printf '[backup]\nchunk_size = 64K\n[log]\nsegment_size = 64K\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
"$RUV" file register PAY.B "$T/data/b.dat" >/dev/null
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" file register PAY.C "$T/data/c.dat" >/dev/null
"$RUV" log define app1 >/dev/null
"$RUV" log define app2 >/dev/null

check "nothing to accumulate" "$RUV" accumulate
check_eq "it says so" "nothing new: every archive is consolidated" "$(cat "$T/out")"

w() { head -c "$3" /dev/urandom | "$RUV" log write "$1" "$2" --offset "$4" >/dev/null; }
for run in 1 2 3; do
	w app1 pay.b 30000 $((run * 1000))
	w app1 pay.a 5000 0
	w app2 pay.c 70000 $((run * 7))
	"$RUV" log write app1 pay.a --truncate $((run * 100)) >/dev/null
	check "archive run $run" "$RUV" archive
done
w app1 pay.b 100 0
w app2 pay.c 200 0
check "accumulate" "$RUV" accumulate
check_eq "it archived the new records first, then merged" \
	"archived APP1: LSN 28-30
archived APP2: LSN 10-12
accumulated 16 archives: 14 changes of 3 DSNs" \
	"$(sed 's/ in A[0-9].*//' "$T/out")"
acc=$(sql "SELECT id FROM archive WHERE consolidated = 1 AND kind = 'user'")
accu=$(sql "SELECT id FROM archive WHERE consolidated = 1 AND kind = 'uow'")
check_eq "every source consolidated into them" "8|$acc 8|$accu" \
	"$(sql "SELECT count(*) || '|' || consolidated_into FROM archive WHERE consolidated = 0 GROUP BY consolidated_into" | paste -sd' ')"
check_eq "their ranges: each stream from LSN 1 to its mark" "APP1|1|30|30 APP2|1|12|12" \
	"$(sql "SELECT s.name, ar.first_lsn, ar.last_lsn, s.archived_lsn FROM archive_range ar JOIN log_stream s ON s.id = ar.stream_id WHERE ar.archive_id = $acc ORDER BY 1" | paste -sd' ')"

# The streams' records, for comparison.
stream_raw APP1 "$T/s1"
stream_raw APP2 "$T/s2"
"$RUV" archive --show "A$acc" --raw >"$T/acc"
check "the consolidated archive reads back" test -s "$T/acc"
cat >"$T/cmp.py" <<'PYEOF'
import struct, sys
def recs(path):
    b = open(path, "rb").read()
    i, out = 0, []
    while i < len(b):
        ln = struct.unpack_from("<I", b, i)[0]
        r = b[i:i + ln]
        typ, dl = r[32], r[33]
        dsn = r[64:64 + dl].decode() if typ in (2, 3) else ""
        out.append((dsn, struct.unpack_from("<Q", r, 8)[0], typ, r))
        i += ln
    return out
mode = sys.argv[1]
if mode == "user":
    want = [r for p in sys.argv[3:] for r in recs(p) if r[2] in (2, 3)]
    want.sort(key=lambda r: (r[0], r[1]))
    got = recs(sys.argv[2])
    print("same" if [r[3] for r in got] == [r[3] for r in want] else
          "differ: %d records, %d wanted" % (len(got), len(want)))
elif mode == "dsn":
    dsn = sys.argv[3]
    want = [r for p in sys.argv[4:] for r in recs(p) if r[0] == dsn]
    got = recs(sys.argv[2])
    print("same %d" % len(got) if [r[3] for r in got] == [r[3] for r in want] else "differ")
else:
    want = [r for r in recs(sys.argv[3]) if r[2] not in (2, 3)]
    got = recs(sys.argv[2])
    print("same %d" % len(got) if [r[3] for r in got] == [r[3] for r in want] else "differ")
PYEOF
check_eq "every change once, by DSN then LSN, byte for byte" same \
	"$(python3 "$T/cmp.py" user "$T/acc" "$T/s1" "$T/s2")"
for d in PAY.A:6 PAY.B:4 PAY.C:4; do
	"$RUV" archive --show "A$acc" --dsn "${d%:*}" --raw >"$T/one"
	check_eq "${d%:*} through the index: its records, in LSN order" "same ${d#*:}" \
		"$(python3 "$T/cmp.py" dsn "$T/one" "${d%:*}" "$T/s1" "$T/s2")"
done
check_eq "a DSN with no changes: nothing" "LSN TIME UOW DSN TYPE OFFSET LENGTH" \
	"$("$RUV" archive --show "A$acc" --dsn PAY.NONE)"
"$RUV" archive --show "A$accu" --dsn APP1 --raw >"$T/u1"
check_eq "UOW: APP1's unit records" "same 20" "$(python3 "$T/cmp.py" uow "$T/u1" "$T/s1")"
"$RUV" archive --show "A$accu" --dsn APP2 --raw >"$T/u2"
check_eq "UOW: APP2's unit records" "same 8" "$(python3 "$T/cmp.py" uow "$T/u2" "$T/s2")"
check_round_trip "the sources still read" APP1
check_fail "--dsn on an ordinary archive" 1 "A1 is not consolidated" "$RUV" archive --show A1 --dsn PAY.A

dump_repo >"$T/dump.before"
check "accumulate again" "$RUV" accumulate
check_eq "nothing new" "nothing new: every archive is consolidated" "$(cat "$T/out")"
check_unchanged "nothing new" "$T/dump.before"
check_eq "the consolidated copies are in the pull list" "RUV.ACCUM RUV.ACCUM.UOW" \
	"$("$RUV" pull-list | awk '$1 ~ /^RUV\.ACCUM/ { sub(/\.D[0-9]+\..*/, "", $1); print $1 }' | paste -sd' ')"
check "verify --all" "$RUV" verify --all
check_eq "the history" "accumulate ok" "$(sql "SELECT action || ' ' || outcome FROM history WHERE action = 'accumulate'")"
done_testing
