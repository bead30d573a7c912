#!/bin/sh
# A volume is only ever opened as a regular file: O_NONBLOCK, fstat, and
# anything else (a FIFO put where a volume was, a directory) is refused
# at once with a message naming its kind, by volume scan, verify, backup,
# restore and a ctl line, instead of waiting for a writer that never
# comes (a kill -9 then left the ctl writer in D state).  The commands
# run under `timeout` only so that a hang on the old code fails the check
# instead of the whole test.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" backup PAY.A >/dev/null
vol=$(sql "SELECT $(vol_file_sql) FROM volume v WHERE volser = 'L00001'")
mv "$vol" "$T/L00001.real"
mkfifo "$vol"
to() { timeout 60 "$@"; }

check_fail "volume scan of a FIFO" 1 "volume '.*L00001' is a FIFO, not a volume file" to "$RUV" volume scan "$vol"
mkfifo "$T/fifo"
check_fail "volume scan of any FIFO" 1 "is a FIFO, not a volume file" to "$RUV" volume scan "$T/fifo"
check_fail "volume scan of a directory" 1 "is a directory, not a volume file" to "$RUV" volume scan "$T"
to "$RUV" verify --all >"$T/v.out" 2>&1
check_eq "verify --all fails, does not hang" 1 "$?"
check "verify says FIFO" grep -q "L00001.* is a FIFO" "$T/v.out"
dump_repo >"$T/dump.before"
to "$RUV" restore PAY.A --to "$T/restored" >"$T/r.out" 2>&1
st=$?
check "restore from it fails, does not hang" test "$st" -ne 0 -a "$st" -ne 124
check "restore wrote nothing" test ! -e "$T/restored"
printf 'bravo bravo\n' >"$T/data/a.dat"
to "$RUV" backup PAY.A >"$T/b.out" 2>&1
check "backup does not hang on the FIFO (it takes a new volume or fails)" test "$?" -ne 124

mount_ruvfs
M="$T/mnt"
to bash -c "echo 'volume scan $vol' > '$M/ctl'" 2>"$T/ctl.err"
check_eq "ctl volume scan FIFO: the write fails at once, not a hang" 1 "$?"
check "with Invalid argument" grep -q "Invalid argument" "$T/ctl.err"
check "status says FIFO" grep -q "is a FIFO, not a volume file" "$M/status"
check "a read-only line still answers" sh -c "echo 'location list' > '$M/ctl'"

# A missing volume: the copy's name is there, so cat says EIO, not
# ENOENT, and status names the VOLSER.
rm -f "$vol"
copy=$(ls "$M/backups/by-file/PAY.A" | grep -v '^latest$' | head -n 1) # the first, on L00001
check "ls shows the copy" test -n "$copy"
check_eq "cat of a copy on a missing volume: EIO" "Input/output error" \
	"$(cat "$M/backups/by-file/PAY.A/$copy" 2>&1 >/dev/null | sed -n 's/.*: //p')"
check "status names the missing VOLSER" grep -q "volume L00001 is MISSING" "$M/status"
done_testing
