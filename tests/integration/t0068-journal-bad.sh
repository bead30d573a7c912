#!/bin/sh
# The journaling mount refuses bad inputs with one clear line and changes
# nothing (no mount, the repository as it was): an unknown stream, a data
# directory that is missing or a file, journal= without data=, a log
# directory that cannot be written, a file bound to another stream.  And
# the operations it refuses on a registered file answer the errno the
# README gives: unlink, rename-away and link EPERM, fallocate EOPNOTSUPP,
# each leaving the file and the stream as they were; once the file is
# unregistered (while mounted), those go ahead.
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/jlib.sh"

make_home
D=$T/data
"$RUV" file register JNL.A "$D/a.dat" >/dev/null
"$RUV" log define ONE --kind journal >/dev/null
"$RUV" log define TWO --kind journal >/dev/null
mkdir -p "$T/mnt"

# refused WHAT PATTERN OPTIONS MOUNTPOINT: ruvfs exits 1 with the message,
# nothing mounted, the repository unchanged.
refused() {
	dump_repo >"$T/dump.before"
	check_fail "$1" 1 "$2" "$RUVFS" -f -o "$3" "$RUV_HOME" "$4"
	if grep -qs " $4 fuse" /proc/mounts; then
		not_ok "$1: nothing mounted"
		fusermount3 -u -z "$4"
	else
		ok "$1: nothing mounted"
	fi
	check_unchanged "$1" "$T/dump.before"
}

refused "an unknown stream" "log stream 'NOPE': no such stream" \
	"journal=NOPE,data=$D" "$D"
refused "a missing data directory" \
	"data directory '$T/none': No such file or directory" \
	"journal=ONE,data=$T/none" "$T/mnt"
refused "a data directory that is a file" \
	"data directory '$D/a.dat': Not a directory" \
	"journal=ONE,data=$D/a.dat" "$T/mnt"
check_fail "journal= without data=" 2 "journal= needs data=DIR" \
	"$RUVFS" -f -o journal=ONE "$RUV_HOME" "$T/mnt"

# A log directory on a file system mounted read-only.
mkdir -p "$T/ro"
if mount -t tmpfs -o size=1m tmpfs "$T/ro" 2>/dev/null; then
	at_exit "umount -l '$T/ro'"
	"$RUV" log define ROS --kind journal --dir "$T/ro/s" >/dev/null
	mount -o remount,ro "$T/ro"
	refused "a log directory that cannot be written" \
		"log directory '$T/ro/s' of stream 'ROS' is not writable: Read-only file system" \
		"journal=ROS,data=$D" "$D"
else
	not_ok "cannot mount a tmpfs for the read-only log (root needed)"
fi

# ONE binds JNL.A at its first mount; TWO is then refused.
jmount ONE "$D"
check "mounted with ONE" jumount
check_eq "the file is bound to ONE" 1 \
	"$("$RUV" file show JNL.A | grep -ci 'ONE')"
refused "a file bound to another stream" \
	"file 'JNL.A' \\($D/a.dat\\) is bound to log stream 'ONE', not 'TWO'" \
	"journal=TWO,data=$D" "$D"

# What the mount refuses on a registered file.
cp "$D/a.dat" "$T/a.before"
mkdir "$D/xfs"
if mount -t tmpfs -o size=1m tmpfs "$D/xfs" 2>/dev/null; then
	at_exit "umount -l '$D/xfs'"
else
	echo "Bail out! cannot mount a tmpfs in DIR (root needed)"
	exit 1
fi
mkdir "$D/held"
echo held >"$D/held/h.dat"
"$RUV" file register JNL.H "$D/held/h.dat" >/dev/null
jmount ONE "$D"
n0=$("$RUV" log show ONE | wc -l)
check_eq "unlink: EPERM" "Operation not permitted" \
	"$(errno_of rm -f "$D/a.dat")"
check_eq "rename-away: EPERM" "Operation not permitted" \
	"$(errno_of mv "$D/a.dat" "$D/moved.dat")"
check_eq "link: EPERM" "Operation not permitted" \
	"$(errno_of ln "$D/a.dat" "$D/second.dat")"
check_eq "fallocate: EOPNOTSUPP" "Operation not supported" \
	"$(errno_of fallocate -l 1M "$D/a.dat")"
check_eq "punch-hole: EOPNOTSUPP" "Operation not supported" \
	"$(python3 -c 'import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open(sys.argv[1], os.O_RDWR)
r = libc.fallocate(fd, 3, ctypes.c_long(0), ctypes.c_long(2))
print(os.strerror(ctypes.get_errno()) if r else "done")' "$D/a.dat")"
check_eq "rename of a directory holding one: EPERM" \
	"Operation not permitted" "$(errno_of mv "$D/held" "$D/held2")"
mkdir "$D/sub"
check_eq "an unregistered file is removed as usual" "" \
	"$(sh -c "echo x >'$D/u.dat' && rm '$D/u.dat' && mv '$D/sub' '$D/sub2'" 2>&1)"
# A rename onto it that fails once its records are in the stream: from
# another file system mounted inside DIR (the kernel sees one mount, the
# rename in DIR answers EXDEV).  The file stays as it was and the unit of
# the records is backed out.
printf 'other' >"$D/xfs/other.tmp"
check_eq "a rename onto it from another file system: EXDEV" \
	"Invalid cross-device link" \
	"$(python3 -c 'import os, sys
try:
    os.rename(sys.argv[1], sys.argv[2])
    print("renamed")
except OSError as e:
    print(e.strerror)' "$D/xfs/other.tmp" "$D/a.dat")"
check_same_file "  the file as it was" "$T/a.before" "$D/a.dat"
check_eq "  its unit is backed out" "BEGIN TRUNCATE WRITE BACKOUT" \
	"$("$RUV" log show ONE | tail -n 4 | awk '{ print $5 }' | tr '\n' ' ' |
		sed 's/ $//')"
n0=$("$RUV" log show ONE | wc -l)

# Unregistered while mounted: removed and moved as any file.
check "ruv file unregister while mounted" "$RUV" file unregister JNL.H
check_eq "then its directory moves" "" \
	"$(mv "$D/held" "$D/held2" 2>&1)"
check_eq "and it is removed" "" "$(rm "$D/held2/h.dat" 2>&1)"
check "unmounted cleanly" jumount
check_same_file "the refused calls left the file alone" "$T/a.before" \
	"$D/a.dat"
check_eq "and wrote nothing to the stream" "$n0" \
	"$("$RUV" log show ONE | wc -l)"

done_testing
