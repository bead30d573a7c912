#!/bin/sh
# Forward recovery against an oracle.  Three processes run random units
# of work (1-50 writes, extends, truncates down and up; some backed out,
# the last of each left in flight) over six files through libruvlog, and
# a fourth writes two more through the journaling mount (a unit: what one
# open file receives up to its close; the mount serves DIR at its own
# mount point); fuzzy backups are taken while they write; at 24 random instants the
# test captures the committed state of every file (copies the workload
# keeps of each file as of its last commit, taken under a lock that
# holds the commits back: never derived from the log).  Recovering each
# file to each instant with --to gives those bytes exactly; the units in
# flight at the instant are absent from the file and present in the
# spill file.
. "${SRCDIR}/tests/integration/lib.sh"
. "${SRCDIR}/tests/integration/jlib.sh"
: "${RECOVER_WORKLOAD:?}"
W=$RECOVER_WORKLOAD
make_home
mkdir -p "$T/shadow" "$T/status" "$T/cap" "$T/mdata"
"$RUV" log define RWLOG >/dev/null
"$RUV" log define JLOG --kind journal >/dev/null

files=""
for i in 0 1 2; do
	for k in 0 1; do
		head -c $((30000 + 1000 * i + 7 * k)) /dev/urandom >"$T/data/w${i}_$k.dat"
		"$RUV" file register "RW.W$i.F$k" "$T/data/w${i}_$k.dat" >/dev/null
		cp "$T/data/w${i}_$k.dat" "$T/shadow/RW.W$i.F$k"
		files="$files RW.W$i.F$k"
	done
done
for k in 0 1; do
	head -c $((25000 + 11 * k)) /dev/urandom >"$T/mdata/m0_$k.dat"
	"$RUV" file register "RW.M0.F$k" "$T/mdata/m0_$k.dat" >/dev/null
	cp "$T/mdata/m0_$k.dat" "$T/shadow/RW.M0.F$k"
	files="$files RW.M0.F$k"
done
# shellcheck disable=SC2086
"$RUV" group define RW $files >/dev/null
# Mounted at its own mount point: the backups read DIR itself.
mkdir "$T/mnt"
jmount JLOG "$T/mdata" "$T/mnt"
check "the first backup, before any unit" "$RUV" backup --group RW

seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
echo "# seed $seed"
pids=""
for i in 0 1 2; do
	"$W" worker "$RUV_HOME" RWLOG "$T/data" "$T/shadow" "$T/status" \
		"$T/lock" $i 2 100000 "$seed" 2>"$T/worker$i.err" &
	pids="$pids $!"
done
"$W" mworker "$T/mnt" "$T/shadow" "$T/status" "$T/lock" 0 2 "$seed" \
	2>"$T/mworker.err" &
pids="$pids $!"

# 24 instants at random intervals; a fuzzy backup after every fourth.
rand_sleep() {
	sleep "0.$(od -An -N1 -tu1 /dev/urandom | tr -d ' ' | awk '{ printf "%d", 1 + $1 % 5 }')"
}
n=0
backups=1
while [ $n -lt 24 ]; do
	rand_sleep
	n=$((n + 1))
	mkdir "$T/cap/$n"
	"$W" capture "$T/shadow" "$T/status" "$T/lock" "$T/cap/$n" ||
		echo "Bail out! capture $n failed"
	if [ $((n % 4)) -eq 2 ]; then
		"$RUV" backup --group RW >/dev/null 2>"$T/backup.err" &&
			backups=$((backups + 1))
	fi
done
touch "$T/status/stop"
st=0
for p in $pids; do
	wait "$p" || st=$?
done
check_eq "the workers ran to the end, every backout matching its shadow" 0 "$st"
cat "$T"/worker*.err "$T/mworker.err" | sed 's/^/# /'
check "the mount is unmounted cleanly" jumount
check_eq "fuzzy backups taken while the units ran" 7 "$backups"
check_eq "each file's backup marked both streams' LSNs" "56 112" \
	"$(sql "SELECT count(*) FROM backup") $(sql "SELECT count(*) FROM backup_stream s JOIN backup b ON b.id = s.backup_id")"
check_eq "the mount journaled its units" 1 \
	"$(sql "SELECT count(*) > 0 FROM file f JOIN log_stream s ON s.id = f.stream_id WHERE s.name = 'JLOG'")"
check_eq "and some began with units open (oldest BEGIN before the start)" 1 \
	"$(sql "SELECT count(*) > 0 FROM backup_stream WHERE oldest_lsn <= start_lsn")"

# Every file to every instant.
bad=0 total=0 undone=0 spillbad=0 inflight=0
n=0
while [ $n -lt 24 ]; do
	n=$((n + 1))
	t=$(cat "$T/cap/$n/T")
	: >"$T/spill.all"
	for d in $files; do
		total=$((total + 1))
		if ! "$RUV" --json recover forward "$d" --stop-time "$t" \
			--to "$T/out" --spill "$T/spill" >"$T/rec.json" 2>"$T/rec.err"; then
			bad=$((bad + 1))
			echo "# instant $n ($t) $d: recover failed"
			sed 's/^/#   /' "$T/rec.err"
			continue
		fi
		if ! cmp -s "$T/out" "$T/cap/$n/$d"; then
			bad=$((bad + 1))
			echo "# instant $n ($t) $d: differs from the captured state"
			cmp "$T/out" "$T/cap/$n/$d" 2>&1 | sed 's/^/#   /'
		fi
		u=$(sed -n 's/.*"records_undone":\([0-9]*\).*/\1/p' "$T/rec.json")
		undone=$((undone + ${u:-0}))
		cat "$T/spill" >>"$T/spill.all"
	done
	# Each unit in flight at the instant had logged a change by then.
	for u in $(cat "$T/cap/$n/inflight"); do
		inflight=$((inflight + 1))
		grep -q " uow=$u " "$T/spill.all" || {
			spillbad=$((spillbad + 1))
			echo "# instant $n: unit $u in flight, not in the spill files"
		}
	done
done
check_eq "recovered to 24 instants x 8 files, each equal to its captured state" \
	"0 of 192" "$bad of $total"
check_eq "units in flight at the instants are in the spill files ($inflight)" 0 "$spillbad"
check_eq "units were in flight at some instants ($inflight)" 1 "$([ "$inflight" -ge 1 ] && echo 1)"
check_eq "the fuzzy backups needed changes undone ($undone records)" 1 \
	"$([ "$undone" -gt 0 ] && echo 1)"
check_eq "a spill file has its header" "# ruv recover forward spill v1 stop=$(cat "$T/cap/24/T")" \
	"$(head -n 1 "$T/spill")"

# Everything known: each file as of its last commit; the unit each
# worker left in flight is aborted at the next open of the stream and
# left out.
mkdir "$T/cap/end"
"$W" capture "$T/shadow" "$T/status" "$T/lock" "$T/cap/end"
bad=0
for d in $files; do
	"$RUV" recover forward "$d" --to "$T/out" >/dev/null 2>"$T/rec.err" &&
		cmp -s "$T/out" "$T/cap/end/$d" || bad=$((bad + 1))
done
check_eq "without --stop-time: the committed end of the log" 0 "$bad"

# In place: the registered paths, still holding the bytes of the units
# left in flight, become the committed state.
check_fail "in place, the files changed since their last commit" 1 \
	"changed since its last journaled state" \
	"$RUV" recover forward --group RW
"$RUV" recover forward --group RW --force >/dev/null 2>"$T/rec.err"
check_eq "recover forward --group --force in place" 0 $?
bad=0
for i in 0 1 2; do
	for k in 0 1; do
		cmp -s "$T/data/w${i}_$k.dat" "$T/cap/end/RW.W$i.F$k" || bad=$((bad + 1))
	done
done
for k in 0 1; do
	cmp -s "$T/mdata/m0_$k.dat" "$T/cap/end/RW.M0.F$k" || bad=$((bad + 1))
done
check_eq "every registered file is its committed state" 0 "$bad"
check_eq "nothing left beside them" "" "$(ls -A "$T/data" "$T/mdata" | grep ruv-recover)"
check_eq "history records the recovery of each" 8 \
	"$(sql "SELECT count(DISTINCT subject) FROM history WHERE action = 'recover' AND outcome = 'ok' AND message LIKE 'to $T/%data/%'")"
done_testing
