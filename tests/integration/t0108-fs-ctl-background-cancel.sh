#!/bin/sh
# ruvfs: a slow ctl line does not hold ctl when it ends in "&": it runs
# in the background, read-only lines (and others) run meanwhile, and
# `cancel N` / `cancel` stops it cleanly, its outcome in status.  The
# slow line is deterministic: `volume seal` waits for the volume's
# writer lock, which the test holds with flock(1) until it lets go.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" backup PAY.A >/dev/null
vol=$(sql "SELECT $(vol_file_sql) FROM volume v WHERE volser = 'L00001'")
# -o: flock itself holds the lock (not its sleep), so killing it lets go.
flock -x -o "$vol" sleep 600 &
holder=$!
at_exit "pkill -P $holder; kill $holder"
held() { ! flock -n "$vol" true; }
poll 100 held || { echo "Bail out! flock did not take the volume"; exit 1; }
mount_ruvfs
M="$T/mnt"
running() { grep -q "running  volume seal L00001 &$" "$M/status"; }
gone() { ! pgrep -f "ruv --home .* volume seal L00001" >/dev/null; }

check "a slow line with & returns at once" timeout 60 sh -c "echo 'volume seal L00001 &' > '$M/ctl'"
check "status shows it running" running
job=$(sed -n 's/^\[\([0-9]*\)\] .* running  volume seal L00001 &$/\1/p' "$M/status")
check "status says how to cancel it" grep -q "ruvfs: ctl: job $job runs in the background; 'cancel $job' stops it" "$M/status"
check "a read-only line runs meanwhile" timeout 60 sh -c "echo 'location list' > '$M/ctl'"
check "its output is in status" grep -q "^  Local" "$M/status"
check "and a line that changes something" timeout 60 sh -c "echo 'location define Meanwhile' > '$M/ctl'"
check_eq "it ran" 1 "$(sql "SELECT count(*) FROM location WHERE name = 'Meanwhile'")"
check "the slow line still runs" running
check_eq "cancel of no such job: ENOENT" "No such file or directory" \
	"$(errno_of bash -c "echo 'cancel 999' > '$M/ctl'")"
check "status says so" grep -q "ruvfs: ctl: cancel: no running job 999" "$M/status"
check_eq "cancel with a bad argument: EINVAL" "Invalid argument" \
	"$(errno_of bash -c "echo 'cancel x' > '$M/ctl'")"
check "cancel JOB" sh -c "echo 'cancel $job' > '$M/ctl'"
check "status names what it cancels" grep -q "ruvfs: ctl: canceling job $job: volume seal L00001 &" "$M/status"
check "the job ends" poll 100 sh -c "! grep -q 'running  volume seal' '$M/status'"
check "its ruv process is gone" poll 100 gone
check "status shows it canceled" grep -q "^\[$job\] .* canceled volume seal L00001 &$" "$M/status"
check "with ECANCELED" grep -q "errno $(python3 -c 'import errno; print(errno.ECANCELED)') (Operation canceled)" "$M/status"
check_eq "the volume is not sealed" open "$(sql "SELECT state FROM volume WHERE volser = 'L00001'")"
check_eq "no history row says it was" 0 "$(sql "SELECT count(*) FROM history WHERE action = 'volume seal' AND outcome = 'ok'")"
check "cancel with nothing running: ENOENT" sh -c "! echo cancel > '$M/ctl'"
check "status says so" grep -q "ruvfs: ctl: cancel: no running job$" "$M/status"

# cancel without a number stops the newest; the step runs again after.
check "again in the background" timeout 60 sh -c "echo 'volume seal L00001 &' > '$M/ctl'"
check "cancel" sh -c "echo cancel > '$M/ctl'"
check "it ends canceled" poll 100 sh -c "grep -c ' canceled volume seal L00001 &$' '$M/status' | grep -qx 2"
pkill -P "$holder"
wait "$holder" 2>/dev/null
check "the lock is free" poll 100 sh -c "flock -n '$vol' true"
check "the seal runs again, to the end" timeout 60 sh -c "echo 'volume seal L00001' > '$M/ctl'"
check_eq "sealed" sealed "$(sql "SELECT state FROM volume WHERE volser = 'L00001'")"
check "the repository is sound" "$RUV" verify --all
done_testing
