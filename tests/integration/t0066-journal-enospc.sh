#!/bin/sh
# The journaling mount with its log directory full (a small tmpfs): a
# write to a registered file fails with ENOSPC and leaves the file as it
# was; the commit of the unit already open still succeeds; the mount keeps
# serving (reads, an unregistered file); once space is freed writes work
# again, and the stream replays to the file's bytes.  And DIR full with
# room in the log: the write falls short, and the stream still replays to
# exactly what the file holds.
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/jlib.sh"

make_home
D=$T/data
L=$T/logfs
mkdir -p "$L" "$T/replay"
if ! mount -t tmpfs -o size=2m tmpfs "$L" 2>/dev/null; then
	echo "Bail out! cannot mount a tmpfs for the log (root needed)"
	exit 1
fi
at_exit "umount -l '$L'"
head -c 100000 /dev/urandom >"$D/a.dat"
cp "$D/a.dat" "$T/replay/JNL.A"
"$RUV" file register JNL.A "$D/a.dat" >/dev/null
check "a stream on the small tmpfs" "$RUV" log define SMALL --kind journal --dir "$L/s"

jmount SMALL "$D"
# One process holds the file open through it all: a write (its unit
# begins), the log fills, a write fails, the fsync commits the unit.
cat >"$T/full.py" <<'PY'
import errno, os, sys
d, logfs = sys.argv[1], sys.argv[2]
fd = os.open(d + "/a.dat", os.O_RDWR)
os.pwrite(fd, b"unit-begun", 0)
# Fill the log's file system, leaving less than the next write needs.
filler = open(logfs + "/filler", "wb", buffering=0)
try:
    while True:
        filler.write(b"\0" * 4096)
except OSError:
    pass
big = os.urandom(65536)
try:
    os.pwrite(fd, big, 4096)
    print("write: succeeded")
except OSError as e:
    print("write: " + os.strerror(e.errno))
try:
    os.fsync(fd)
    print("fsync: ok")
except OSError as e:
    print("fsync: " + os.strerror(e.errno))
os.close(fd)
PY
python3 "$T/full.py" "$D" "$L" >"$T/full.out" 2>&1
check_eq "a write with the log full fails with ENOSPC" \
	"write: No space left on device" "$(sed -n 1p "$T/full.out")"
check_eq "the commit of the open unit still succeeds" "fsync: ok" \
	"$(sed -n 2p "$T/full.out")"
printf 'unit-begun' >"$T/expect"
tail -c +11 "$T/replay/JNL.A" >>"$T/expect"
check_same_file "the file holds the first write only" "$T/expect" "$D/a.dat"
check_eq "a shell write fails with the errno" "No space left on device" \
	"$(errno_of sh -c "head -c 65536 /dev/urandom |
		dd of='$D/a.dat' bs=65536 seek=1 conv=notrunc")"
check_same_file "and leaves the file unchanged" "$T/expect" "$D/a.dat"
check "reads still served" cmp "$D/a.dat" "$T/expect"
check "an unregistered file is still written" \
	sh -c "printf free >'$D/u.dat'"
check_eq "  with its bytes" "free" "$(cat "$D/u.dat")"

rm -f "$L/filler"
check "writes work again once space is freed" \
	sh -c "printf again | dd of='$D/a.dat' bs=1 seek=20 conv=notrunc"
printf again | dd of="$T/expect" bs=1 seek=20 conv=notrunc 2>/dev/null
check_same_file "with the new bytes" "$T/expect" "$D/a.dat"
check "unmounted cleanly" jumount
check "the stream replays, every before-image checking" \
	"$JREPLAY" "$L/s" "$T/replay"
check_same_file "to the file's bytes" "$D/a.dat" "$T/replay/JNL.A"

# DIR full, the log not: the record is appended, then DIR takes only
# part of the write.  The stream must then say what the file holds: a
# replay that checks every before-image gives the file's bytes.
S=$T/smalldata
mkdir -p "$S" "$T/replay2"
if ! mount -t tmpfs -o size=256k tmpfs "$S" 2>/dev/null; then
	echo "Bail out! cannot mount a tmpfs for DIR (root needed)"
	exit 1
fi
at_exit "umount -l '$S'"
head -c 100000 /dev/urandom >"$S/f.dat"
cp "$S/f.dat" "$T/replay2/JNL.F"
"$RUV" file register JNL.F "$S/f.dat" >/dev/null
"$RUV" log define ROOMY --kind journal >/dev/null
jmount ROOMY "$S"
check_eq "a write past what DIR can hold falls short or fails" "short" \
	"$(python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
data = os.urandom(400000)
try:
    n = os.pwrite(fd, data, 50000)
    print("short" if n < len(data) else "whole")
except OSError as e:
    print("short" if e.errno == 28 else e.strerror)
os.fsync(fd)
os.close(fd)' "$S/f.dat")"
check "unmounted cleanly" jumount
check "the stream replays, every before-image checking" \
	"$JREPLAY" "$RUV_HOME/logs/ROOMY" "$T/replay2"
check_same_file "to what DIR holds" "$S/f.dat" "$T/replay2/JNL.F"

done_testing
