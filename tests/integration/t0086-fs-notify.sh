#!/bin/sh
# ruvfs -f under a Type=notify unit: once the tree is mounted (never
# before) it sends READY=1 to $NOTIFY_SOCKET, a path or an abstract
# "@name"; on SIGTERM it unmounts, sends STOPPING=1 and exits 0.  Without
# a socket nothing is sent; a bad one is logged and the mount still works.
. "${SRCDIR}/tests/integration/lib.sh"
if [ -z "${RUVFS:-}" ] || [ ! -c /dev/fuse ]; then
	echo "1..0 # SKIP no ruvfs or no FUSE on this machine"
	exit 77
fi
make_home
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
mkdir "$T/mnt"

# notify SOCKET: run ruvfs -f with NOTIFY_SOCKET=SOCKET, as systemd does,
# and print what it was told and when.
notify() {
	python3 - "$1" "$RUVFS" "$RUV_HOME" "$T/mnt" <<'PY'
import os, signal, socket, subprocess, sys
addr, ruvfs, home, mnt = sys.argv[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
s.settimeout(20)
env = dict(os.environ, NOTIFY_SOCKET=addr)
p = subprocess.Popen([ruvfs, "-f", home, mnt], env=env,
                     stderr=open(os.environ["T"] + "/ruvfs.log", "a"))
msg = s.recv(4096).decode()
# The tree must be there the moment READY=1 arrives.
print("first:", msg, "mounted" if os.path.ismount(mnt) else "not-mounted")
print("tree:", os.path.islink(mnt + "/files/PAY.A"))
p.send_signal(signal.SIGTERM)
msg = s.recv(4096).decode()
print("then:", msg)
print("exit:", p.wait(20))
print("after:", "mounted" if os.path.ismount(mnt) else "not-mounted")
PY
}
export T
notify "$T/notify.sock" >"$T/n1"
check_eq "READY=1 once mounted" "first: READY=1 mounted" "$(sed -n 1p "$T/n1")"
check_eq "the tree is served then" "tree: True" "$(sed -n 2p "$T/n1")"
check_eq "SIGTERM: STOPPING=1" "then: STOPPING=1" "$(sed -n 3p "$T/n1")"
check_eq "SIGTERM: exit 0" "exit: 0" "$(sed -n 4p "$T/n1")"
check_eq "SIGTERM: unmounted" "after: not-mounted" "$(sed -n 5p "$T/n1")"
notify "@ruvfs-test-$$" >"$T/n2"
check_eq "an abstract socket: READY=1 once mounted" "first: READY=1 mounted" "$(sed -n 1p "$T/n2")"
check_eq "an abstract socket: exit 0" "exit: 0" "$(sed -n 4p "$T/n2")"

# A socket nobody listens on: logged, and ruvfs serves all the same.
NOTIFY_SOCKET="$T/nobody.sock" "$RUVFS" -f "$RUV_HOME" "$T/mnt" 2>"$T/bad.log" &
pid=$!
at_exit "fusermount3 -u -z '$T/mnt'; kill $pid"
i=0
while ! mountpoint -q "$T/mnt" && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
check "with a dead socket it mounts" test -L "$T/mnt/files/PAY.A"
check "and says it could not tell the service manager" grep -q \
	"^ruvfs: cannot tell the service manager: " "$T/bad.log"
fusermount3 -u "$T/mnt"
wait $pid
check_eq "and ends with exit 0" 0 $?
done_testing
