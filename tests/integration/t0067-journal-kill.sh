#!/bin/sh
# kill -9 of the journaling mount in the middle of a workload, in a loop
# (at least 20 kills that land while units are under way).  After each:
# the stream reads to its last complete record with every CRC checking
# (jreplay reads it all), the LSN continues after the remount with an
# ABORT for the unit the kill left open, and the replay of the committed
# units equals, for each file, the last state the workload saw committed
# (or the one whose fsync was in flight: its COMMIT may be durable though
# the reply never came).  Between rounds DIR is put back to that committed
# state, as recovery would, so each round starts from what the log says.
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/jlib.sh"

make_home
D=$T/data
mkdir -p "$T/init"
for f in a b c; do
	head -c 50000 /dev/urandom >"$D/$f.dat"
	F=$(echo "$f" | tr a-z A-Z)
	"$RUV" file register "JNL.$F" "$D/$f.dat" >/dev/null
	cp "$D/$f.dat" "$T/init/JNL.$F"
done
"$RUV" log define KILL --kind journal >/dev/null
SD=$RUV_HOME/logs/KILL

ROUNDS=${KILL_ROUNDS:-20} # scripts/soak-kill raises it
landed=0 round=0 bad=0 prev_last=0
while [ "$landed" -lt "$ROUNDS" ] && [ "$round" -lt $((ROUNDS * 3)) ]; do
	round=$((round + 1))
	for f in a b c; do
		sha "$D/$f.dat" >"$T/start.$f"
	done
	jmount KILL "$D"
	: >"$T/units.out"
	python3 "$JFSX" units "$D" "$round" a.dat b.dat c.dat \
		>"$T/units.out" 2>"$T/units.err" &
	wpid=$!
	# Kill once the workload has committed a few units: a landed kill.
	_i=0
	while [ "$(grep -c '^C ' "$T/units.out")" -lt $((round % 7 + 2)) ] &&
		[ "$_i" -lt 300 ]; do
		_i=$((_i + 1))
		sleep 0.02
	done
	kill -9 "$JFS_PID"
	wait "$JFS_PID" 2>/dev/null
	wait "$wpid"
	wst=$?
	fusermount3 -u -z "$D" 2>/dev/null
	if [ "$wst" -eq 3 ] && grep -q '^C ' "$T/units.out"; then
		landed=$((landed + 1))
	fi

	rm -rf "$T/replay"
	cp -a "$T/init" "$T/replay"
	if ! "$JREPLAY" --committed "$SD" "$T/replay" >"$T/replay.out" \
		2>"$T/replay.err"; then
		bad=$((bad + 1))
		echo "# round $round: the stream does not read"
		sed 's/^/# /' "$T/replay.err"
		break
	fi
	last=$(sed 's/.* last_lsn //' "$T/replay.out")
	if [ "$last" -le "$prev_last" ] && [ "$round" -gt 1 ]; then
		bad=$((bad + 1))
		echo "# round $round: LSN $last after $prev_last"
	fi
	for f in a b c; do
		F=$(echo "$f" | tr a-z A-Z)
		got=$(sha "$T/replay/JNL.$F")
		# The last committed state of the file, and the one after it.
		okstates=$(awk -v f="$f.dat" -v c="$(cat "$T/start.$f")" '
			$2 == f && $1 == "C" { c = $3; p = "" }
			$2 == f && $1 == "P" { p = $3 }
			END { print c; print p }' "$T/units.out")
		if ! echo "$okstates" | grep -qx "$got"; then
			bad=$((bad + 1))
			echo "# round $round: replay of $f.dat is no committed state"
		fi
		cp "$T/replay/JNL.$F" "$D/$f.dat"
	done
	prev_last=$last
done
echo "# journal: $landed kills landed in $round rounds ($bad bad)"
check_eq "no round broke a rule ($round rounds)" 0 "$bad"
if [ "$landed" -ge "$ROUNDS" ]; then
	ok "$ROUNDS kills landed mid-workload"
else
	not_ok "only $landed kills landed in $round rounds"
fi

# A last mount: the stream opens after all that, the LSN goes on, and the
# units the kills left open have their ABORTs.
jmount KILL "$D"
printf 'after' | dd of="$D/a.dat" bs=1 conv=notrunc 2>/dev/null
check "unmounted cleanly" jumount
check "the whole stream reads" "$JREPLAY" --committed "$SD" "$T/init"
last=$(sed 's/.* last_lsn //' "$T/out")
abort=$(sed 's/.* abort \([0-9]*\) .*/\1/' "$T/out")
if [ "$last" -gt "$prev_last" ]; then
	ok "the LSN continues after the remount ($last > $prev_last)"
else
	not_ok "the LSN continues after the remount ($last <= $prev_last)"
fi
if [ "$abort" -ge 1 ]; then
	ok "the units left open got ABORTs ($abort)"
else
	not_ok "no ABORT written for the units the kills left open"
fi
"$RUV" log show KILL --json >"$T/show.json"
check_eq "every unit ended: committed or aborted" "0" \
	"$(python3 -c 'import json, sys
recs = json.load(open(sys.argv[1]))
begun = {r["uow"] for r in recs if r["type"] == "BEGIN"}
ended = {r["uow"] for r in recs if r["type"] in ("COMMIT", "ABORT")}
print(len(begun - ended))' "$T/show.json")"
check_same_file "the committed state replays exactly" "$D/a.dat" \
	"$T/init/JNL.A"

done_testing
