#!/bin/sh
# ruvfs: damaged copies read as EIO, inode numbers survive a remount, and
# the mount conventions: mount -t fuse.ruvfs, allow_other with
# default_permissions, nosuid,nodev over "suid,dev", auto_unmount.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
head -c 200000 /dev/urandom >"$T/data/big.dat"
chmod 600 "$T/data/a.dat"
chmod 644 "$T/data/b.dat"
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" file register PAY.B "$T/data/b.dat" >/dev/null
"$RUV" file register PAY.BIG "$T/data/big.dat" >/dev/null
"$RUV" group define PAYROLL PAY.A PAY.B PAY.BIG >/dev/null
"$RUV" backup --group PAYROLL >/dev/null
"$RUV" repo backup >/dev/null
"$RUV" pull-list --commit >/dev/null 2>&1
"$RUV" backup PAY.A >/dev/null
"$RUV" jcl init >/dev/null
mount_ruvfs
M="$T/mnt"

# A damaged copy: EIO as cat sees it, and status names volume and data set.
big=$(ls "$M/backups/by-location/Local" | grep '^PAY.BIG\.')
set -- $(sql "SELECT $(vol_file_sql), v.volser, d.seq, d.vol_offset + d.length / 2 FROM dataset d JOIN volume v ON v.id = d.volume_id JOIN copy c ON c.dataset_id = d.id JOIN backup b ON b.id = c.backup_id JOIN file f ON f.id = b.file_id WHERE f.dsn = 'PAY.BIG' AND c.copy_no = 1" | tr '|' ' ')
flip_byte "$1" "$4"
cat "$M/backups/by-location/Local/$big" >/dev/null 2>"$T/cat.err"
check_eq "cat of a damaged copy fails" 1 "$?"
check "with Input/output error" grep -q "Input/output error" "$T/cat.err"
check "status names the copy, volume $2 and data set $3" sh -c "grep '$big' '$M/status' | grep '$2' | grep -Eq '(data set|seq)[ #]*$3'"
flip_byte "$1" "$4"
check_same_file "repaired, it reads again" "$T/data/big.dat" "$M/backups/by-location/Local/$big"

# Inode numbers of every kind of node, before and after a remount.
list_inodes() {
	find "$M" -printf '%i %P\n' | sort -k2
}
list_inodes >"$T/ino.before"
for kind in files/PAY.A groups/PAYROLL groups/PAYROLL/PAY.A backups/by-location/Local \
	"backups/by-location/Local/$big" backups/by-file/PAY.A backups/by-file/PAY.A/latest \
	volumes/local volumes/local/L00001 locations/active/Local repository/by-location/Local \
	shipments/1 shipments/pending jcl/TOGGLE pit ctl status; do
	check "the listing has $kind" grep -q " $kind\$" "$T/ino.before"
done
check "unmount" umount_ruvfs
mount_ruvfs
list_inodes >"$T/ino.after"
check_same_file "every inode number survives a remount" "$T/ino.before" "$T/ino.after"
check "unmount again" umount_ruvfs

# mount -t fuse.ruvfs, as /etc/fstab does it, with ruvfs on PATH.
mkdir "$T/bin" "$T/mnt2"
ln -s "$RUVFS" "$T/bin/ruvfs"
chmod 755 "$T"
at_exit "fusermount3 -u -z '$T/mnt2'"
# mount(8) runs its helper with the standard PATH, so the helper itself
# (what mount -t fuse.ruvfs runs) is called, with $T/bin on PATH.
check "mount.fuse3 -t ruvfs -o allow_other,suid,dev" env PATH="$T/bin:$PATH" mount.fuse3 "$RUV_HOME" "$T/mnt2" -t ruvfs -o allow_other,suid,dev
opts=$(awk -v m="$T/mnt2" '$2 == m { print $3 " " $4 }' /proc/mounts)
check_eq "the mount table names it" "fuse.ruvfs" "${opts%% *}"
for o in nosuid nodev allow_other default_permissions; do
	check "the mount is $o" sh -c "echo '${opts#* }' | tr , '\n' | grep -qx $o"
done
a=$(ls "$T/mnt2/backups/by-location/Local" | grep '^PAY.A\.' | head -n 1)
b=$(ls "$T/mnt2/backups/by-location/Local" | grep '^PAY.B\.')
check_eq "the 0600 copy keeps its mode" 600 "$(stat -c %a "$T/mnt2/backups/by-location/Local/$a")"
check_eq "nobody is denied a 0600 copy" "Permission denied" "$(errno_of setpriv --reuid nobody --regid nogroup --clear-groups cat "$T/mnt2/backups/by-location/Local/$a")"
check "nobody reads a 0644 copy" setpriv --reuid nobody --regid nogroup --clear-groups cat "$T/mnt2/backups/by-location/Local/$b"
check_same_file "it is the file" "$T/data/b.dat" "$T/out"
check_eq "nobody is denied ctl" "Permission denied" "$(errno_of setpriv --reuid nobody --regid nogroup --clear-groups sh -c "echo 'file list' > '$T/mnt2/ctl'")"
check "umount" umount "$T/mnt2"
check "no stale mount" sh -c "! mountpoint -q '$T/mnt2'"
# mount -t itself: the helper named with the source, as older fstabs do.
check "mount -t fuse PROGRAM#HOME -o suid,dev" mount -t fuse "$T/bin/ruvfs#$RUV_HOME" "$T/mnt2" -o suid,dev
opts=$(awk -v m="$T/mnt2" '$2 == m { print $4 }' /proc/mounts)
check "it is nosuid,nodev all the same" sh -c "echo '$opts' | tr , '\n' | grep -qx nosuid && echo '$opts' | tr , '\n' | grep -qx nodev"
check_same_file "and serves the tree" "$T/data/b.dat" "$T/mnt2/backups/by-location/Local/$b"
check "umount" umount "$T/mnt2"

# auto_unmount: a killed ruvfs leaves no mount behind.
mount_ruvfs -m "$T/mnt2" -l "$T/ruvfs2.log" -o auto_unmount
check "mounted with auto_unmount" mountpoint -q "$T/mnt2"
kill -9 "$RUVFS_PID"
wait "$RUVFS_PID" 2>/dev/null
check "kill -9 leaves no stale mount (10 s deadline)" wait_unmounted "$T/mnt2"
done_testing
