#!/bin/sh
# ruvfs's operator log: a failed ctl line, a refused mv, an EIO on a
# damaged copy and a failed pit write each log one line at LOG_ERR naming
# the path or command, its errno and the reason; a ctl command that ran
# logs at LOG_INFO.  Observed in the foreground (stderr, "ruvfs: error:"
# for LOG_ERR) and, with stderr the journal's stream ($JOURNAL_STREAM),
# with the journal's "<N>" priority prefix.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
head -c 200000 /dev/urandom >"$T/data/big.dat"
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" file register PAY.BIG "$T/data/big.dat" >/dev/null
"$RUV" backup PAY.BIG >/dev/null
mount_ruvfs
M="$T/mnt"
L="$T/ruvfs.log"

# A ctl command that runs: LOG_INFO, no "error:".
echo 'file list' >"$M/ctl"
check "a ctl command logs at info" grep -qx "ruvfs: ctl: file list: done" "$L"
# A ctl line that fails: its errno and the command's message.
echo 'file unregister NOPE' >"$M/ctl" 2>/dev/null
check "a failed ctl line logs an error with errno and message" grep -qx \
	"ruvfs: error: ctl: file unregister NOPE: No such file or directory: ruv: .*NOPE.*" "$L"

# A refused mv: both paths and the errno mv saw.
mv "$M/files/PAY.A" "$M/files/PAY.X" 2>/dev/null
check "a refused mv logs an error naming both paths" grep -qx \
	"ruvfs: error: mv files/PAY.A files/PAY.X: Operation not permitted" "$L"
big=$(ls "$M/backups/by-location/Local" | grep '^PAY.BIG\.')
mv "$M/backups/by-location/Local/$big" "$M/backups/by-location/Local/OTHER" 2>/dev/null
check "a refused mv of a copy names its location directory" grep -qx \
	"ruvfs: error: mv backups/by-location/Local/$big backups/by-location/Local/OTHER: Operation not permitted" "$L"

# A damaged copy: EIO for cat, an error line naming the copy and why.
set -- $(sql "SELECT $(vol_file_sql), d.vol_offset + d.length / 2 FROM dataset d JOIN volume v ON v.id = d.volume_id JOIN copy c ON c.dataset_id = d.id WHERE c.copy_no = 1" | tr '|' ' ')
flip_byte "$1" "$2"
cat "$M/backups/by-location/Local/$big" >/dev/null 2>"$T/cat.err"
check "cat of a damaged copy is EIO" grep -q ": Input/output error$" "$T/cat.err"
check "the EIO logs an error naming the copy, volume and damage" grep -q \
	"^ruvfs: error: read of copy $big: Input/output error: volume '$1', data set 1 .*checksum" "$L"
flip_byte "$1" "$2"

# A failed pit write: a bad time, then a listing that is no listing.
echo BADTIME >"$M/pit" 2>/dev/null
printf 'not\na recon listing\n' >"$T/bad.lst"
cp "$T/bad.lst" "$M/pit" 2>/dev/null
check "a refused pit listing logs an error" grep -q \
	"^ruvfs: error: pit.*: Invalid argument: " "$L"
check "no line of these is logged without its level" sh -c \
	"! grep -v -e '^ruvfs: error: ' -e '^ruvfs: ctl: file list: done' -e '^ruvfs: mounted ' -e '^ruvfs: unmounted ' '$L' | grep -q '^ruvfs: \\(ctl\\|mv\\|read\\|pit\\)'"
check "unmount" umount_ruvfs

# Under a systemd unit stderr is the journal: the priority goes with it.
: >"$T/journal.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/journal.log") \
	"$RUVFS" -f "$RUV_HOME" "$T/mnt" 2>>"$T/journal.log" &
pid=$!
at_exit "fusermount3 -u -z '$T/mnt'; kill $pid"
i=0
while ! mountpoint -q "$T/mnt" && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
echo 'file list' >"$M/ctl"
echo 'file unregister NOPE' >"$M/ctl" 2>/dev/null
fusermount3 -u "$T/mnt"
wait $pid
check "journal: info with <6>" grep -qx "<6>ruvfs: ctl: file list: done" "$T/journal.log"
check "journal: error with <3>" grep -q "^<3>ruvfs: error: ctl: file unregister NOPE: No such file" "$T/journal.log"
# A $JOURNAL_STREAM that is not our stderr (inherited) adds nothing.
: >"$T/other.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/other.log") \
	"$RUVFS" -f "$RUV_HOME" "$T/mnt" 2>>"$T/plain.log" &
pid=$!
i=0
while ! mountpoint -q "$T/mnt" && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
echo 'file list' >"$M/ctl"
fusermount3 -u "$T/mnt"
wait $pid
check "another stream: no prefix" grep -qx "ruvfs: ctl: file list: done" "$T/plain.log"
done_testing
