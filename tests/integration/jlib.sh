# Helpers of the journaling mount's tests (t0065-t0069), sourced after
# lib.sh.  Environment (set by meson): JREPLAY (tests/tools/jreplay) and
# JFSX (tests/tools/jfsx.py).

: "${JREPLAY:?JREPLAY must name the jreplay binary}"
: "${JFSX:?JFSX must name jfsx.py}"

# jmount STREAM DIR [MNT]: ruvfs -o journal=STREAM,data=DIR at MNT
# (default DIR itself) in the foreground, log in $T/jfs.log; waits for the
# mount (10 s at most).  STREAM "-" mounts the plain passthrough.
# Unmounted at exit.  Skips the test (77) only where FUSE is missing.
jmount() {
	if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
		echo "1..0 # SKIP no FUSE on this machine"
		exit 77
	fi
	: "${RUVFS:?RUVFS must name the ruvfs binary}"
	JMNT=${3:-$2}
	if [ "$1" = - ]; then
		_o="data=$2"
	else
		_o="journal=$1,data=$2"
	fi
	"$RUVFS" -f -o "$_o" "$RUV_HOME" "$JMNT" >>"$T/jfs.log" 2>&1 &
	JFS_PID=$!
	at_exit "fusermount3 -u -z '$JMNT'; kill -9 $JFS_PID"
	_i=0
	while ! grep -qs " $JMNT fuse.ruvfs " /proc/mounts; do
		_i=$((_i + 1))
		if [ "$_i" -gt 100 ] || ! kill -0 "$JFS_PID" 2>/dev/null; then
			echo "Bail out! ruvfs -o journal did not mount"
			sed 's/^/# /' "$T/jfs.log"
			exit 1
		fi
		sleep 0.1
	done
}

# jumount: unmount and wait for ruvfs to exit; fails if it does not, or
# exits with an error (a sanitizer's report, say: its log is shown).
jumount() {
	fusermount3 -u "$JMNT" || return 1
	_i=0
	while kill -0 "$JFS_PID" 2>/dev/null; do
		_i=$((_i + 1))
		[ "$_i" -le 100 ] || return 1
		sleep 0.1
	done
	if ! wait "$JFS_PID"; then
		cat "$T/jfs.log" >&2
		return 1
	fi
	! grep -qs " $JMNT fuse.ruvfs " /proc/mounts
}

# sha FILE: its SHA-256.
sha() {
	sha256sum "$1" | cut -d' ' -f1
}
