# Shared helpers of the integration tests (POSIX sh).  A test sources this
# file, calls its checks, and ends with `done_testing`.  Output is TAP: one
# "ok N - what" or "not ok N - what" line per check, the plan at the end.
#
# Environment (set by meson): RUV (the ruv binary), RUVFS (the ruvfs
# binary), SRCDIR (the source tree), PYTHON3 and SQLITE3 (the tools).  Each test gets a fresh temporary
# directory $T, removed on exit; RUV_HOME points at $T/home, which does
# not exist until `ruv init`.

set -u

: "${RUV:?RUV must name the ruv binary}"
: "${SRCDIR:?SRCDIR must name the source tree}"

# python3 and sqlite3 as meson found them (tests/meson.build declares
# both); from PATH when a test is run by hand.
: "${PYTHON3:=$(command -v python3)}" "${SQLITE3:=$(command -v sqlite3)}"
python3() {
	"${PYTHON3:?no python3 found}" "$@"
}
sqlite3() {
	"${SQLITE3:?no sqlite3 found}" "$@"
}

T=$(mktemp -d "${TMPDIR:-/tmp}/ruvtest.XXXXXX") || exit 99
export RUV_HOME="$T/home"
export RUV_CONFIG="$SRCDIR/etc/ruv.ini"
export TZ=UTC
unset RUV_JSON 2>/dev/null || true

_n=0
_failed=0
_cleanups=""

# Run "$@" at exit, before the temporary directory goes.
at_exit() {
	_cleanups="$*; $_cleanups"
}

_finish() {
	eval "$_cleanups" >/dev/null 2>&1
	rm -rf "$T"
}
trap _finish EXIT
trap 'exit 130' INT TERM

ok() {
	_n=$((_n + 1))
	echo "ok $_n - $*"
}

not_ok() {
	_n=$((_n + 1))
	_failed=$((_failed + 1))
	echo "not ok $_n - $*"
}

# check WHAT CMD...: CMD must succeed.
check() {
	_what=$1
	shift
	# Output lands in $T/out and $T/err once the command is done, so the
	# command itself may read the previous command's.
	"$@" >"$T/out.new" 2>"$T/err.new"
	_st=$?
	mv "$T/out.new" "$T/out"
	mv "$T/err.new" "$T/err"
	if [ "$_st" -eq 0 ]; then
		ok "$_what"
	else
		not_ok "$_what (exit $_st)"
		sed 's/^/# /' "$T/err" "$T/out"
	fi
}

# check_fail WHAT STATUS PATTERN CMD...: CMD must exit with STATUS and say
# one line on stderr starting "ruv" and matching the grep -E PATTERN.
check_fail() {
	_what=$1 _want=$2 _pat=$3
	shift 3
	"$@" >"$T/out.new" 2>"$T/err.new"
	_st=$?
	mv "$T/out.new" "$T/out"
	mv "$T/err.new" "$T/err"
	if [ "$_st" -ne "$_want" ]; then
		not_ok "$_what (exit $_st, wanted $_want)"
		sed 's/^/# /' "$T/err" "$T/out"
	elif ! grep -Eq -- "$_pat" "$T/err"; then
		not_ok "$_what (message does not match '$_pat')"
		sed 's/^/# /' "$T/err"
	elif ! head -n 1 "$T/err" | grep -q '^ruv'; then
		not_ok "$_what (message does not start with the program name)"
		sed 's/^/# /' "$T/err"
	else
		ok "$_what"
	fi
}

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf '# expected: %s\n# actual:   %s\n' "$2" "$3"
	fi
}

# check_same_file WHAT A B: byte for byte.
check_same_file() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1 ($2 and $3 differ)"
		diff "$2" "$3" 2>/dev/null | head -n 20 | sed 's/^/# /'
	fi
}

# Full SQL dump of the repository: compare before and after a refusal.
dump_repo() {
	sqlite3 "$RUV_HOME/repository.db" .dump
}

# check_unchanged WHAT DUMPFILE: the repository equals the dump.
check_unchanged() {
	dump_repo >"$T/dump.now"
	check_same_file "$1: repository unchanged" "$2" "$T/dump.now"
}

# A home with a few small data files: $T/data/{a,b,c}.dat.
make_home() {
	"$RUV" init >/dev/null || { echo "Bail out! ruv init failed"; exit 1; }
	mkdir -p "$T/data"
	printf 'alpha\n' >"$T/data/a.dat"
	printf 'bravo\n' >"$T/data/b.dat"
	printf 'charlie\n' >"$T/data/c.dat"
}

done_testing() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
	exit $?
}

# flip_byte FILE OFFSET: invert one byte in place.
flip_byte() {
	python3 -c '
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2]))
    f.write(bytes([b[0] ^ 0xff]))' "$1" "$2"
}

# sql QUERY: one query on the repository.
sql() {
	sqlite3 "$RUV_HOME/repository.db" "$1"
}

# poll TENTHS CMD...: run CMD every 0.1 s until it succeeds; fails when
# it has not after TENTHS tries.  A deadline, not a timing: the checks
# that follow assert the state, whatever the speed of the machine.
poll() {
	_tries=$1
	shift
	_i=0
	until "$@"; do
		_i=$((_i + 1))
		[ "$_i" -le "$_tries" ] || return 1
		sleep 0.1
	done
}

_not_mounted() {
	! mountpoint -q "$1"
}

# mount_ruvfs [-m DIR] [-l LOG] [HOME] [RUVFS-OPTION...]: mount HOME
# (default $RUV_HOME) at DIR (default $T/mnt, made if missing) with
# `ruvfs -f OPTIONS HOME DIR`, its output appended to LOG (default
# $T/ruvfs.log), and wait for the mount (10 s at most; bails out if
# ruvfs exits first).  Sets RUVFS_PID and RUVFS_MNT for umount_ruvfs.
# Unmounted and killed at exit.  Skips the test (77) only where FUSE is
# missing.  E.g. mount_ruvfs -m "$T/m2" "$R" -s -o timeout=60.
mount_ruvfs() {
	if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
		echo "1..0 # SKIP no FUSE on this machine"
		exit 77
	fi
	: "${RUVFS:?RUVFS must name the ruvfs binary}"
	_mnt="$T/mnt" _log="$T/ruvfs.log" _home=$RUV_HOME
	while [ $# -gt 0 ]; do
		case $1 in
		-m) _mnt=$2; shift 2 ;;
		-l) _log=$2; shift 2 ;;
		*) break ;;
		esac
	done
	case ${1-} in
	"" | -*) ;;
	*) _home=$1; shift ;;
	esac
	mkdir -p "$_mnt"
	"$RUVFS" -f "$@" "$_home" "$_mnt" >>"$_log" 2>&1 &
	RUVFS_PID=$!
	RUVFS_MNT=$_mnt
	at_exit "fusermount3 -u -z '$_mnt'; kill $RUVFS_PID"
	if ! poll 100 _mounted_or_gone; then
		echo "Bail out! ruvfs did not mount at $_mnt"
		sed 's/^/# /' "$_log"
		exit 1
	fi
	if ! kill -0 "$RUVFS_PID" 2>/dev/null; then
		echo "Bail out! ruvfs exited before mounting at $_mnt"
		sed 's/^/# /' "$_log"
		exit 1
	fi
}

_mounted_or_gone() {
	mountpoint -q "$RUVFS_MNT" || ! kill -0 "$RUVFS_PID" 2>/dev/null
}

# umount_ruvfs: unmount the last mount_ruvfs and wait for ruvfs to exit
# (10 s at most); fails if it does not, or if the mount stays.
umount_ruvfs() {
	fusermount3 -u "$RUVFS_MNT" || return 1
	poll 100 _ruvfs_gone || return 1
	wait "$RUVFS_PID" 2>/dev/null
	! mountpoint -q "$RUVFS_MNT"
}

_ruvfs_gone() {
	! kill -0 "$RUVFS_PID" 2>/dev/null
}

# wait_unmounted DIR: the mount at DIR goes away within 10 s.
wait_unmounted() {
	poll 100 _not_mounted "$1"
}

# errno_of CMD...: run it and print the errno text it printed, if any
# (what a shell user sees), e.g. "Operation not permitted".
errno_of() {
	"$@" 2>&1 >/dev/null | sed -n 's/.*: \([A-Z][a-zA-Z ]*\)$/\1/p' | head -n 1
}

# SQL for the file of volume row v (volume paths are relative to their
# pool's directory, which is relative to the home): use as
# sql "SELECT $(vol_file_sql) FROM volume v WHERE ...".
vol_file_sql() {
	printf '%s' "(CASE WHEN substr(v.path, 1, 1) = '/' THEN v.path ELSE (SELECT CASE WHEN substr(pl.directory, 1, 1) = '/' THEN pl.directory ELSE '${RUV_HOME}/' || pl.directory END FROM pool pl WHERE pl.id = v.pool_id) || '/' || v.path END)"
}
