#!/bin/sh
# kill -9 at random moments during ruv accumulate, at least 20 kills that
# land.  After each: the repository opens and checks, every registered
# data set lies whole in its volume, each consolidated pair came whole
# (two consolidated archives, copies of both, every source marked into
# one of them) and no sorted run is left in the home.  At the end a rerun
# succeeds, verify --all is clean, and the consolidated archives hold
# every change of the stream exactly once.
. "${SRCDIR}/tests/integration/lib.sh"
. "${SRCDIR}/tests/integration/archive-lib.sh"
make_home
printf '[backup]\nchunk_size = 64K\n[log]\nsegment_size = 1M\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
ROUNDS=${KILL_ROUNDS:-20} # scripts/soak-kill raises it
MAXROUNDS=$((ROUNDS * 5))
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" file register PAY.B "$T/data/b.dat" >/dev/null
"$RUV" log define app >/dev/null
n=0

# more: four archives' worth of new changes (about 16 MiB of records).
more() {
	for k in 1 2 3 4; do
		n=$((n + 1))
		head -c $((2 * 1024 * 1024)) /dev/urandom >"$T/chunk"
		"$RUV" log write app pay.a --offset $((n % 3 * 4096)) <"$T/chunk" >/dev/null
		"$RUV" log write app pay.b --offset $((n % 5 * 4096)) <"$T/chunk" >/dev/null
		"$RUV" archive >/dev/null
	done
}
pending() { sql "SELECT count(*) FROM archive WHERE consolidated = 0 AND consolidated_into IS NULL"; }

best=0
for k in 1 2 3; do
	more
	t0=$(date +%s%N)
	"$RUV" accumulate >/dev/null || echo "# timed run failed"
	m=$((($(date +%s%N) - t0) / 1000000))
	[ "$best" -ne 0 ] && [ "$best" -le "$m" ] || best=$m
done
[ "$best" -ge 10 ] || best=10
echo "# an accumulate run takes about $best ms"

delay() {
	awk -v m="$1" -v s="$2$$" 'BEGIN { srand(s); printf "%.3f", rand() * m / 1000 }'
}

consistent() {
	"$RUV" repo check >/dev/null 2>"$T/c.err" || { echo "repo check:"; cat "$T/c.err"; }
	volumes_whole
	sql "SELECT 'consolidated A' || a.id || ' has ' || count(c.id) || ' copies'
	     FROM archive a LEFT JOIN copy c ON c.archive_id = a.id WHERE a.consolidated = 1
	     GROUP BY a.id HAVING count(c.id) != 2"
	sql "SELECT 'A' || id || ' has no source' FROM archive a WHERE consolidated = 1
	     AND NOT EXISTS (SELECT 1 FROM archive s WHERE s.consolidated_into = a.id)"
	sql "SELECT 'A' || id || ' consolidated into a missing or ordinary archive' FROM archive s
	     WHERE consolidated_into IS NOT NULL AND NOT EXISTS
	     (SELECT 1 FROM archive a WHERE a.id = s.consolidated_into AND a.consolidated = 1 AND a.kind = s.kind)"
	ls -a "$RUV_HOME" | grep '^\.accum-run' | sed 's/^/left behind: /'
}

landed=0
round=0
bad=""
while [ "$landed" -lt "$ROUNDS" ] && [ "$round" -lt "$MAXROUNDS" ]; do
	round=$((round + 1))
	[ "$(pending)" -gt 0 ] || more
	"$RUV" accumulate >/dev/null 2>&1 &
	pid=$!
	sleep "$(delay "$best" "$round")"
	kill -9 "$pid" 2>/dev/null
	wait "$pid"
	[ $? -eq 137 ] && landed=$((landed + 1))
	p=$(consistent)
	[ -z "$p" ] || bad="$bad round $round: $p"
done
echo "# accumulate: $landed kills landed in $round rounds"
check_eq "at least $ROUNDS kills landed" 1 "$([ "$landed" -ge "$ROUNDS" ] && echo 1)"
check_eq "consistent after every kill" "" "$bad"
check "a rerun succeeds" "$RUV" accumulate
check_eq "every archive consolidated" 0 "$(pending)"
check "verify --all" "$RUV" verify --all
check_round_trip "the sources" APP

# The consolidated user-data archives together: every change once.
for a in $(sql "SELECT id FROM archive WHERE consolidated = 1 AND kind = 'user'"); do
	"$RUV" archive --show "A$a" --raw
done >"$T/acc"
stream_raw APP "$T/s"
check_eq "the consolidated archives hold every change once" same "$(python3 - "$T/acc" "$T/s" <<'PYEOF'
import struct, sys
def recs(p):
    b = open(p, "rb").read(); i = 0; out = []
    while i < len(b):
        ln = struct.unpack_from("<I", b, i)[0]; out.append(b[i:i + ln]); i += ln
    return out
key = lambda r: struct.unpack_from("<Q", r, 8)[0]
got = sorted(recs(sys.argv[1]), key=key)
want = [r for r in recs(sys.argv[2]) if r[32] in (2, 3)]
print("same" if got == want else "differ: %d records, %d wanted" % (len(got), len(want)))
PYEOF
)"
done_testing
