#!/bin/sh
# ruvfs opens its environment as ruv does: the configuration ($RUV_CONFIG,
# or -o config=, passed on to the ruv programs ctl runs) and its
# volume_path, so a volume moved into a volume_path directory reads
# through the tree as ruv restore reads it.  SIGHUP reads the
# configuration again and the mount lives on; a configuration that does
# not load is reported and the one in use stays; a bad one at start
# refuses the mount.
. "${SRCDIR}/tests/integration/lib.sh"

# wait_until WHAT CMD...: CMD succeeds within 10 s (polled).
wait_until() {
	_ww=$1
	shift
	_i=0
	while ! "$@" >/dev/null 2>&1; do
		_i=$((_i + 1))
		if [ "$_i" -gt 100 ]; then
			not_ok "$_ww (not within 10 s)"
			return 1
		fi
		sleep 0.1
	done
	ok "$_ww"
}

# with_path DIRS: the test's configuration with volume_path = DIRS.
with_path() {
	sed "s|^volume_path =.*|volume_path = $1|" "$SRCDIR/etc/ruv.ini" >"$T/c.new"
	mv "$T/c.new" "$T/c.ini"
}

mkdir "$T/arrived" "$T/arrived2"
with_path "$T/arrived"
export RUV_CONFIG="$T/c.ini"
make_home
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" backup PAY.A >/dev/null
check "the Local copy is on L00001" test -f "$RUV_HOME/pools/local/L00001"
mv "$RUV_HOME/pools/local/L00001" "$T/arrived/"
check "ruv restore finds the moved volume on volume_path" \
	"$RUV" restore PAY.A --to "$T/r1.dat"
check_same_file "and restores the bytes" "$T/data/a.dat" "$T/r1.dat"

mount_ruvfs
M="$T/mnt"
name=$(ls "$M/backups/by-location/Local")
check_same_file "cat through the tree finds it on volume_path too" \
	"$T/data/a.dat" "$M/backups/by-location/Local/$name"
check "status names the configuration" \
	grep -qF "configuration: $T/c.ini, read " "$M/status"

# SIGHUP: the new volume_path, the same mount.
mv "$T/arrived/L00001" "$T/arrived2/"
check_eq "moved again, the old path does not find it (EIO: the name is there, its volume is not)" \
	"Input/output error" "$(cat "$M/backups/by-location/Local/$name" 2>&1 >/dev/null | sed -n 's/.*: //p')"
with_path "$T/nowhere:$T/arrived2"
kill -HUP "$RUVFS_PID"
wait_until "SIGHUP: status shows the configuration read again" \
	grep -q "(reload 1)" "$M/status"
check "the mount lives on" mountpoint -q "$M"
check "ruvfs still runs" kill -0 "$RUVFS_PID"
check "status shows the new volume_path" \
	grep -qF "volume_path: $T/nowhere:$T/arrived2" "$M/status"
check_same_file "cat uses the new volume_path" \
	"$T/data/a.dat" "$M/backups/by-location/Local/$name"

# A configuration that does not load: reported, the one in use stays.
cp "$T/c.ini" "$T/good.ini"
printf '[ruv]\nvolume_path = /x\nbogus = 1\n' >"$T/c.ini"
kill -HUP "$RUVFS_PID"
wait_until "a bad configuration on SIGHUP is in status, naming file and line" \
	grep -qF "configuration: $T/c.ini:3:" "$M/status"
check "the mount lives on" mountpoint -q "$M"
check "status still shows the configuration in use" \
	grep -q "(reload 1)" "$M/status"
check_same_file "which still finds the volume" \
	"$T/data/a.dat" "$M/backups/by-location/Local/$name"
cp "$T/good.ini" "$T/c.ini"
check "unmount" umount_ruvfs

# -o config=FILE with no $RUV_CONFIG: the tree and the ctl lines use it.
mkdir "$T/mnt2"
env -u RUV_CONFIG "$RUVFS" -f -o "config=$T/c.ini" "$RUV_HOME" "$T/mnt2" \
	>>"$T/ruvfs2.log" 2>&1 &
pid2=$!
at_exit "fusermount3 -u -z '$T/mnt2'; kill $pid2"
wait_until "ruvfs -o config=FILE mounts" mountpoint -q "$T/mnt2"
check_same_file "cat finds the volume through that file's volume_path" \
	"$T/data/a.dat" "$T/mnt2/backups/by-location/Local/$name"
check "a ctl line runs ruv with the same configuration" \
	sh -c "echo 'restore PAY.A --to $T/r2.dat' > '$T/mnt2/ctl'"
check_same_file "and restores through volume_path" "$T/data/a.dat" "$T/r2.dat"
fusermount3 -u "$T/mnt2"
wait "$pid2"

# --config FILE, as ruv spells it.
env -u RUV_CONFIG "$RUVFS" -f --config "$T/c.ini" "$RUV_HOME" "$T/mnt2" \
	>>"$T/ruvfs2.log" 2>&1 &
pid2=$!
at_exit "fusermount3 -u -z '$T/mnt2'; kill $pid2"
wait_until "ruvfs --config FILE mounts" mountpoint -q "$T/mnt2"
check "status names that file" \
	grep -qF "configuration: $T/c.ini, read " "$T/mnt2/status"
fusermount3 -u "$T/mnt2"

# A configuration that does not load refuses the mount.
printf '[ruv]\nworkers = many\n' >"$T/bad.ini"
mkdir "$T/mnt3"
env RUV_CONFIG="$T/bad.ini" timeout 10 "$RUVFS" -f "$RUV_HOME" "$T/mnt3" \
	>"$T/out3" 2>&1
check_eq "ruvfs with a bad configuration exits 1" 1 "$?"
check "naming the file and line" grep -qF "$T/bad.ini:2:" "$T/out3"
check "and mounts nothing" sh -c "! mountpoint -q '$T/mnt3'"
done_testing
