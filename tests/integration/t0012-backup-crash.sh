#!/bin/sh
# kill -9 during group backups at random moments: afterwards the repository
# opens and verifies, no copy refers to incomplete data, torn tails are cut
# back on next use, and the same backup then succeeds.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
printf '[backup]\nchunk_size = 64K\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"

for i in 1 2 3 4 5 6; do
	head -c $((16 * 1024 * 1024 + i)) /dev/urandom >"$T/data/g$i"
	"$RUV" file register "C.G$i" "$T/data/g$i" >/dev/null
done
"$RUV" group define CRASH C.G1 C.G2 C.G3 C.G4 C.G5 C.G6 >/dev/null

# One whole run first: its length spreads the kills over a whole backup,
# however fast or slow (sanitizers) this build is.
t0=$(date +%s%N)
"$RUV" backup --group CRASH >/dev/null
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 10 ] || ms=10
kills=0
bad=0
round=0
while [ "$kills" -lt 20 ] && [ "$round" -lt 80 ]; do
	round=$((round + 1))
	"$RUV" backup --group CRASH >/dev/null 2>&1 &
	pid=$!
	sleep "$(shuf -i 0-$((ms * 7 / 10)) -n 1 | awk '{ printf "%.3f", $1 / 1000 }')"
	kill -9 "$pid" 2>/dev/null
	# A kill counts only if it landed: the backup died of SIGKILL.
	wait "$pid" 2>/dev/null
	[ $? -eq 137 ] && kills=$((kills + 1))
	if [ "$(sql 'PRAGMA integrity_check')" != ok ]; then
		bad=$((bad + 1)); echo "# round $round: integrity check failed"
	fi
	# Every registered data set lies wholly inside its volume file.
	sql "SELECT $(vol_file_sql) || ' ' || (d.vol_offset + d.length) FROM dataset d JOIN volume v ON v.id = d.volume_id" |
	while read -r p end; do
		[ "$(stat -c %s "$p")" -ge "$end" ] || echo "# round $round: $p shorter than $end"
	done >"$T/short"
	if [ -s "$T/short" ]; then
		bad=$((bad + 1)); cat "$T/short"
	fi
	if ! "$RUV" verify --all >"$T/v.out" 2>&1; then
		bad=$((bad + 1)); echo "# round $round: verify failed"; sed 's/^/# /' "$T/v.out" | tail -n 5
	fi
done
check "at least 20 backups were killed mid-way ($kills)" test "$kills" -ge 20
check_eq "every round left a sound repository" 0 "$bad"
last=$(sql 'SELECT coalesce(max(id), 0) FROM backup')
check "the same backup then succeeds" "$RUV" backup --group CRASH

# unregistered VOLSER...: for each volume whose data sets on file (volume
# scan --json) are not exactly those the repository has on it, a line.
unregistered() {
	for vs in "$@"; do
		p=$(sql "SELECT $(vol_file_sql) FROM volume v WHERE volser = '$vs'")
		"$RUV" --json volume scan "$p" 2>/dev/null |
			python3 -c 'import json, sys
for v in json.load(sys.stdin)["volumes"]:
    for d in v["datasets"]:
        print(d["seq"], d["offset"], d["length"], d["name"], d["state"])' >"$T/on.file"
		sql "SELECT d.seq || ' ' || d.vol_offset || ' ' || d.length || ' ' || d.name || ' ok' FROM dataset d JOIN volume v ON v.id = d.volume_id WHERE v.volser = '$vs' ORDER BY d.vol_offset" >"$T/in.repo"
		cmp -s "$T/on.file" "$T/in.repo" || {
			echo "$vs:"; diff "$T/in.repo" "$T/on.file" | head -n 5
		}
	done
}
used=$(sql "SELECT DISTINCT v.volser FROM volume v JOIN dataset d ON d.volume_id = v.id JOIN copy c ON c.dataset_id = d.id WHERE c.backup_id > $last ORDER BY 1")
check "the last backup used volumes" test -n "$used"
check_eq "volumes it used hold exactly the registered data sets" "" "$(unregistered $used)"
for vs in $(sql "SELECT volser FROM volume WHERE state = 'open'"); do
	"$RUV" volume seal "$vs" >/dev/null
done
check_eq "after sealing, every volume holds exactly the registered data sets" "" \
	"$(unregistered $(sql 'SELECT volser FROM volume'))"
check_eq "and is as long as the repository says" "" \
	"$(sql "SELECT $(vol_file_sql) || ' ' || size FROM volume v" | while read -r p n; do [ "$(stat -c %s "$p")" = "$n" ] || echo "$p $n"; done)"
check "verify --all" "$RUV" verify --all
for v in "$RUV_HOME"/pools/*/*; do
	check "$(basename "$v") scans clean" "$RUV" volume scan --verify "$v"
done
mkdir "$T/res"
for i in 1 2 3 4 5 6; do
	"$RUV" restore "C.G$i" --to "$T/res/g$i" >/dev/null 2>&1
	check_same_file "g$i restores byte-exact" "$T/data/g$i" "$T/res/g$i"
done
done_testing
