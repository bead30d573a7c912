#!/bin/sh
# kill -9 of a writer at random moments, again and again (20 kills that
# land, status 137): after each, the stream reads to its last complete
# record (every CRC checked, LSNs 1..N with no gap), and the next writer
# to open it continues the LSN with an ABORT for each unit the dead one
# left open, and for nothing else.
. "${SRCDIR}/tests/integration/lib.sh"
: "${RUVLOG_LOOP:?RUVLOG_LOOP must name the ruvlog-loop test program}"
make_home
printf '[log]\nsegment_size = 1M\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
head -c 1048576 /dev/urandom >"$T/data/big"
"$RUV" file register K.BIG "$T/data/big" >/dev/null
"$RUV" log define K >/dev/null

# units STREAM-JSON: "LAST_LSN OPEN_UOW..." after checking the LSNs
units() {
	python3 - "$1" <<'PYEOF'
import json, sys
rs = json.load(open(sys.argv[1]))
assert [r["lsn"] for r in rs] == list(range(1, len(rs) + 1)), "LSN gap"
open_ = set()
for r in rs:
    if r["type"] == "BEGIN":
        assert r["uow"] == r["lsn"]
        open_.add(r["uow"])
    elif r["type"] in ("COMMIT", "BACKOUT", "ABORT"):
        assert r["uow"] in open_, "end of a unit that is not open: %r" % r
        open_.remove(r["uow"])
    else:
        assert r["uow"] in open_, "change in a unit that is not open: %r" % r
print(len(rs), *sorted(open_))
PYEOF
}

landed=0
round=0
bad=0
aborts=0
while [ "$landed" -lt 20 ] && [ "$round" -lt 60 ]; do
	round=$((round + 1))
	"$RUVLOG_LOOP" "$RUV_HOME" K K.BIG "$T/data/big" >"$T/loop.out" 2>"$T/loop.err" &
	pid=$!
	i=0
	until grep -q started "$T/loop.out" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
			echo "Bail out! the writer did not start"
			sed 's/^/# /' "$T/loop.err"
			exit 1
		fi
		sleep 0.05
	done
	sleep "$(awk -v s="$round$$" 'BEGIN { srand(s); printf "%.3f", rand() * 0.25 }')"
	kill -9 "$pid"
	wait "$pid"
	[ $? -eq 137 ] && landed=$((landed + 1))

	if ! "$RUV" --json log show K >"$T/after.json" 2>"$T/err"; then
		bad=$((bad + 1))
		echo "# round $round: the stream does not read after the kill"
		sed 's/^/# /' "$T/err"
		continue
	fi
	set -- $(units "$T/after.json")
	last=$1
	shift
	want_open="$*"
	# The next writer: one unit of ruv log write (its open aborts).
	size=$(stat -c %s "$T/data/big")
	if ! "$RUV" log write K K.BIG --truncate "$size" >/dev/null 2>"$T/err"; then
		bad=$((bad + 1))
		echo "# round $round: the next writer failed"
		sed 's/^/# /' "$T/err"
		continue
	fi
	"$RUV" --json log show K --from-lsn $((last + 1)) >"$T/new.json"
	got=$(python3 - "$T/new.json" "$last" <<'PYEOF'
import json, sys
rs = json.load(open(sys.argv[1]))
last = int(sys.argv[2])
assert rs and rs[0]["lsn"] == last + 1, "LSN does not continue"
ab = []
for r in rs:
    if r["type"] != "ABORT":
        break
    ab.append(r["uow"])
print(*sorted(ab))
PYEOF
)
	if [ "$got" != "$want_open" ]; then
		bad=$((bad + 1))
		echo "# round $round: open units [$want_open], ABORTs written for [$got]"
	fi
	[ -n "$want_open" ] && aborts=$((aborts + 1))
done
check_eq "20 kills landed" 20 "$landed"
check_eq "every round: read to the last record, LSN continued, ABORTs exact" 0 "$bad"
check_eq "some kills left units open" 1 "$([ "$aborts" -ge 5 ] && echo 1)"
"$RUV" --json log show K >"$T/final.json"
check_eq "the whole stream: no gap, every unit ended" "" \
	"$(units "$T/final.json" | awk '{ $1 = ""; print }' | tr -d ' ')"
check "several segments" test "$(ls "$RUV_HOME/logs/K" | grep -c '\.rlog$')" -ge 2
done_testing
