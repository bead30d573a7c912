#!/bin/sh
# kill -9 at random moments during ruv archive, at least 20 kills that
# land (wait status 137).  After each: the repository opens and checks,
# every registered data set lies whole inside its volume, the stream's
# mark is the end of its newest registered pair and each run registered
# both archives or neither.  At the end a rerun succeeds, verify --all is
# clean (copies and LSN coverage), the temporary files a killed run could
# leave are gone, and the archives hold every record of the stream once,
# byte for byte.
. "${SRCDIR}/tests/integration/lib.sh"
. "${SRCDIR}/tests/integration/archive-lib.sh"
make_home
printf '[backup]\nchunk_size = 64K\n[log]\nsegment_size = 1M\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
ROUNDS=${KILL_ROUNDS:-20} # scripts/soak-kill raises it
MAXROUNDS=$((ROUNDS * 5))
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" log define app >/dev/null
n_units=0

# more: a unit of 6 MiB of changes (after- and before-images).
more() {
	n_units=$((n_units + 1))
	head -c $((6 * 1024 * 1024)) /dev/urandom >"$T/chunk"
	"$RUV" log write app pay.a --offset $(((n_units % 4) * 1024 * 1024)) <"$T/chunk" >/dev/null
}

mark() { sql "SELECT archived_lsn FROM log_stream"; }
last_lsn() { "$RUV" log list | awk '$1 == "APP" { print $4 }'; }

# The shortest of three runs, in ms.
best=0
for k in 1 2 3; do
	more
	t0=$(date +%s%N)
	"$RUV" archive >/dev/null || echo "# timed run failed"
	m=$((($(date +%s%N) - t0) / 1000000))
	[ "$best" -ne 0 ] && [ "$best" -le "$m" ] || best=$m
done
[ "$best" -ge 10 ] || best=10
echo "# an archive run takes about $best ms"

delay() {
	awk -v m="$1" -v s="$2$$" 'BEGIN { srand(s); printf "%.3f", rand() * m / 1000 }'
}

# consistent: prints what is wrong after a kill.
consistent() {
	"$RUV" repo check >/dev/null 2>"$T/c.err" || { echo "repo check:"; cat "$T/c.err"; }
	volumes_whole
	sql "SELECT 'unpaired run at LSN ' || first_lsn FROM archive_range GROUP BY first_lsn HAVING count(*) != 2"
	sql "SELECT 'mark ' || s.archived_lsn || ' is not the newest archive end ' || coalesce(max(ar.last_lsn), 0)
	     FROM log_stream s LEFT JOIN archive_range ar ON ar.stream_id = s.id GROUP BY s.id
	     HAVING s.archived_lsn != coalesce(max(ar.last_lsn), 0)"
	ls -a "$RUV_HOME" | grep -v '^\.\.\?$' | grep '^\.archive-spill' | sed 's/^/left behind: /'
}

landed=0
round=0
bad=""
while [ "$landed" -lt "$ROUNDS" ] && [ "$round" -lt "$MAXROUNDS" ]; do
	round=$((round + 1))
	[ "$(mark)" -lt "$(last_lsn)" ] || more
	"$RUV" archive >/dev/null 2>&1 &
	pid=$!
	sleep "$(delay "$best" "$round")"
	kill -9 "$pid" 2>/dev/null
	wait "$pid"
	[ $? -eq 137 ] && landed=$((landed + 1))
	p=$(consistent)
	[ -z "$p" ] || bad="$bad round $round: $p"
done
echo "# archive: $landed kills landed in $round rounds"
check_eq "at least $ROUNDS kills landed" 1 "$([ "$landed" -ge "$ROUNDS" ] && echo 1)"
check_eq "consistent after every kill" "" "$bad"
# What a run killed between naming a temporary file and unlinking it
# would leave (where the file system has no O_TMPFILE): the next run
# removes it once it holds the lock.
: >"$RUV_HOME/.archive-spill-AbC123"
: >"$RUV_HOME/.accum-run-XyZ789"
check "a rerun succeeds" "$RUV" archive
check_eq "and removed what killed runs left" "" "$(ls -a "$RUV_HOME" | grep -E '^\.(archive-spill|accum-run)-')"
check_eq "archived to the end" "$(last_lsn)" "$(mark)"
check "verify --all: copies and coverage" "$RUV" verify --all
check_round_trip "after the kills" APP
done_testing
