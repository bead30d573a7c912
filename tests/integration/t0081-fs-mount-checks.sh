#!/bin/sh
# ruvfs's command line before it mounts and its exit after: -o timeout=
# outside 0-3600 or not a number is a usage error (exit 2), a mount point
# that already holds a ruvfs mount or is not empty is refused (exit 1,
# unless -o nonempty, which ruvfs takes itself), and a signal that ends
# ruvfs after a clean unmount is exit 0.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
mount_ruvfs
M="$T/mnt"

# start_ruvfs DIR ARGS...: ruvfs -f in the background on DIR; waits for
# the mount (10 s) and sets $pid.  Fails when ruvfs exits instead.
start_ruvfs() {
	_d=$1
	shift
	"$RUVFS" -f "$@" "$RUV_HOME" "$_d" >>"$T/ruvfs2.log" 2>&1 &
	pid=$!
	at_exit "fusermount3 -u -z '$_d'; kill $pid"
	_i=0
	while ! mountpoint -q "$_d"; do
		_i=$((_i + 1))
		if [ "$_i" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
}

# wait_exit PID: wait for ruvfs (a child of this shell) to end; its exit
# status in $st.  A ruvfs that does not end is caught by the test timeout.
wait_exit() {
	wait "$1"
	st=$?
}

# -o timeout=: a number of seconds 0-3600, else a usage error.
mkdir "$T/m2"
for bad in abc -1 3601 '' 5s nan inf 1e3 ' 5' 0x10; do
	check_fail "-o timeout='$bad' is a usage error" 2 \
		"^ruvfs: -o timeout='$bad': not a number of seconds from 0 to 3600$" \
		"$RUVFS" -f -o "timeout=$bad" "$RUV_HOME" "$T/m2"
	check "nothing mounted for timeout='$bad'" sh -c "! mountpoint -q '$T/m2'"
done
for good in 0 3600 0.5; do
	if start_ruvfs "$T/m2" -o "timeout=$good"; then
		ok "-o timeout=$good mounts"
	else
		not_ok "-o timeout=$good mounts"
		sed 's/^/# /' "$T/ruvfs2.log"
	fi
	check "and serves the tree" test -L "$T/m2/files/PAY.A"
	fusermount3 -u "$T/m2"
	wait_exit $pid
	check_eq "fusermount3 -u ends it with exit 0" 0 "$st"
done

# A second mount on a mount point that holds one is refused; the first
# one keeps serving.
check_fail "a second ruvfs on the same mount point" 1 \
	"^ruvfs: mount point '$M' already holds a ruvfs mount \\(ruvfs:$RUV_HOME\\)$" \
	"$RUVFS" -f "$RUV_HOME" "$M"
check_fail "even with -o nonempty" 1 "already holds a ruvfs mount" \
	"$RUVFS" -f -o nonempty "$RUV_HOME" "$M"
check_eq "one mount at the mount point" 1 \
	"$(awk -v m="$M" '$2 == m' /proc/mounts | wc -l)"
check "the first one still serves" test -L "$M/files/PAY.A"

# A mount point that is not empty: refused unless -o nonempty.
mkdir "$T/m3"
echo keep >"$T/m3/file"
check_fail "a non-empty mount point" 1 \
	"^ruvfs: mount point '$T/m3' is not empty \\(-o nonempty mounts over it\\)$" \
	"$RUVFS" -f "$RUV_HOME" "$T/m3"
check "nothing mounted there" sh -c "! mountpoint -q '$T/m3'"
if start_ruvfs "$T/m3" -o nonempty; then
	ok "-o nonempty mounts over it"
else
	not_ok "-o nonempty mounts over it"
	sed 's/^/# /' "$T/ruvfs2.log"
fi
check "the tree hides the file" sh -c "test -L '$T/m3/files/PAY.A' && ! test -e '$T/m3/file'"
check "libfuse never saw -o nonempty (no unknown option)" \
	sh -c "! grep -i 'unknown option' '$T/ruvfs2.log'"

# A signal ends ruvfs cleanly: unmounted, exit 0.  (SIGTERM, as systemd
# and kill send it; a background job of sh has SIGINT ignored, which
# libfuse keeps, so SIGINT is not tried here.)
kill -s TERM "$pid"
wait_exit $pid
check_eq "SIGTERM: exit 0" 0 "$st"
check "SIGTERM: unmounted" sh -c "! mountpoint -q '$T/m3'"
check "SIGTERM: the directory is the directory again" test -f "$T/m3/file"
done_testing
