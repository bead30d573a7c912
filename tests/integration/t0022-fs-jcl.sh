#!/bin/sh
# ruvfs: jcl/ is an ordinary directory for editors and shell tools.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" jcl init >/dev/null
mount_ruvfs
J="$T/mnt/jcl"
H="$RUV_HOME/jcl"

check_eq "the members" "$(ls "$H" | tr '\n' ' ')" "$(ls "$J" | tr '\n' ' ')"
check_same_file "reading a member" "$H/VSAMRCVR" "$J/VSAMRCVR"
check "sed -i" sed -i 's/PAYROLL/NIGHTLY/' "$J/VSAMRCVR"
check "sed -i changed the member" grep -q "GROUP(NIGHTLY)" "$H/VSAMRCVR"
check "no scratch file left" sh -c "! ls -A '$H' | grep -q '^sed'"
printf 'first\n' >"$T/new"
check "cp a new member in" cp "$T/new" "$J/NEWJOB"
check_same_file "it is there" "$T/new" "$H/NEWJOB"
check "append" sh -c "echo second >> '$J/NEWJOB'"
check_eq "appended" "first
second" "$(cat "$H/NEWJOB")"
check "chmod" chmod 750 "$J/NEWJOB"
check_eq "mode" "750" "$(stat -c %a "$H/NEWJOB")"
check "touch -d" touch -d 2020-01-01T00:00:00Z "$J/NEWJOB"
check_eq "mtime" "1577836800" "$(stat -c %Y "$H/NEWJOB")"
check "truncate" truncate -s 3 "$J/NEWJOB"
check_eq "truncated" "fir" "$(cat "$H/NEWJOB")"
check "write to a temp file, fsync, rename over" python3 -c "
import os
d = '$J'
fd = os.open(d + '/.NEWJOB.tmp', os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
os.write(fd, b'replaced\n')
os.fsync(fd)
os.close(fd)
os.rename(d + '/.NEWJOB.tmp', d + '/NEWJOB')
dfd = os.open(d, os.O_RDONLY)
os.fsync(dfd)
os.close(dfd)"
check_eq "renamed over" "replaced" "$(cat "$H/NEWJOB")"
check "vim edits a member" sh -c "vim.tiny -u NONE -N -es -c '%s/HR/PAYABLES/' -c 'wq' '$J/VSAMRCVR' </dev/null"
check "vim's edit landed" grep -q "GROUP(PAYABLES)" "$H/VSAMRCVR"
check "no swap file left" sh -c "! ls -A '$H' | grep -q 'swp'"
check "rsync into the library" sh -c "mkdir '$T/src' && printf 'rs\n' > '$T/src/RSJOB' && rsync -a '$T/src/' '$J/'"
check_same_file "rsync'd" "$T/src/RSJOB" "$H/RSJOB"
check "rm a member" rm "$J/RSJOB"
check "it is gone" test ! -e "$H/RSJOB"
check "ruv sees the edited library" sh -c "'$RUV' jcl show VSAMRCVR | grep -q NIGHTLY"
check "pit set rewrites through the tree's view" "$RUV" pit set 2026-11-24T07:59:59Z
sleep 1.1
check "the tree shows the new PIT" grep -q -- "--stop-time 2026-11-24T07:59:59Z" "$J/RECOVER"
check "cat LISTING > pit" sh -c "cat '$SRCDIR/tests/fixtures/recon-sample.txt' > '$T/mnt/pit'"
check "pit shows the IMS PIT" grep -q "RCVTIME('2025.041 09:42:17.364519 -05:00')" "$T/mnt/pit"
check_eq "the catalog has it" "2025-02-10T14:42:17.364519Z" "$("$RUV" pit show --json | python3 -c "import json,sys; print(json.load(sys.stdin)['pit'])")"
sleep 1.1
check "and jcl/ carries it" grep -q "STOP_TIME(20250410942173)" "$J/VSAMRCVR"
check "echo TIME > pit" sh -c "echo 2026-11-24T07:59:59Z > '$T/mnt/pit'"
check "pit shows it" grep -q "^PIT        2026-11-24T07:59:59Z" "$T/mnt/pit"
# The close reports it (shells ignore close errors on redirections; cp
# does not).
echo 2026-02-30T00:00:00Z >"$T/badtime"
check_eq "a bad time is refused at close" "Invalid argument" "$(errno_of cp "$T/badtime" "$T/mnt/pit")"
printf 'not\na listing\n' >"$T/badlisting"
check_eq "a bad listing is refused at close" "Invalid argument" "$(errno_of cp "$T/badlisting" "$T/mnt/pit")"
check "status says why" grep -q "not a RECON listing" "$T/mnt/status"
ino=$(stat -c %i "$J/RECOVER")
check "unmount" umount_ruvfs
mount_ruvfs
check_eq "member inodes survive a remount" "$ino" "$(stat -c %i "$J/RECOVER")"
done_testing
