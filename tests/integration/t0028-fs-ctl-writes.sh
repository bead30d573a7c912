#!/bin/sh
# ruvfs: ctl as buffered writers drive it.  A write that fails after
# earlier lines ran is short, and the re-sent failed line answers its
# errno without running again: each line runs exactly once.  An
# unterminated last line runs at the last close, its outcome in status.
# Long commands show their progress in status while they run.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
mount_ruvfs
M="$T/mnt"
backups() { sql "SELECT count(*) FROM backup"; }
# failures LINE: how many times status shows LINE as failed.
failures() { grep -c "failed   $1\$" "$M/status"; }

# Python's buffered text writer: one write of both lines at close.
cat >"$T/py-buffered.py" <<'PY'
import sys
try:
    with open(sys.argv[1], "w") as f:
        f.write("backup PAY.A\nfrobnicate\n")
except OSError as e:
    print(e.strerror, file=sys.stderr)
    sys.exit(3)
PY
python3 "$T/py-buffered.py" "$M/ctl" 2>"$T/py.err"
st=$?
check_eq "python buffered: exit status and errno" "3 Invalid argument" "$st $(cat "$T/py.err")"
check_eq "python buffered: each backup line ran once" 1 "$(backups)"
check_eq "python buffered: the bad line ran once" 1 "$(failures frobnicate)"

# A stdio-like writer (perl's buffered IO), several lines, the third bad.
perl -e '
	open(my $f, ">", $ARGV[0]) or die "open: $!\n";
	print $f "backup PAY.A\nlocation define PerlOne\nfrobnicate\nlocation define PerlTwo\n";
	close($f) or do { print STDERR "$!\n"; exit 3 };
	exit 0' "$M/ctl" 2>"$T/perl.err"
st=$?
check_eq "perl: exit status and errno" "3 Invalid argument" "$st $(cat "$T/perl.err")"
check_eq "perl: the backup ran once" 2 "$(backups)"
check_eq "perl: the line before the bad one ran, the one after did not" "PerlOne" "$(sql "SELECT group_concat(name) FROM location WHERE name LIKE 'Perl%'")"
check_eq "perl: the bad line ran once" 2 "$(failures frobnicate)"

# Python with a large binary buffer: the same, one flush at close.
python3 -c '
import sys
try:
    f = open(sys.argv[1], "wb", buffering=1 << 20)
    f.write(b"location define BigBufOne\nbackup NO.SUCH\nlocation define BigBufTwo\n")
    f.close()
except OSError as e:
    print(e.strerror, file=sys.stderr)
    sys.exit(3)' "$M/ctl" 2>"$T/big.err"
st=$?
check_eq "large buffer: exit status and errno" "3 No such file or directory" "$st $(cat "$T/big.err")"
check_eq "large buffer: lines before ran, after did not" "BigBufOne" "$(sql "SELECT group_concat(name) FROM location WHERE name LIKE 'BigBuf%'")"
check_eq "large buffer: the failed backup ran once" 1 "$(failures 'backup NO.SUCH')"

# The system calls themselves.
cat >"$T/raw.py" <<'PY'
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
def w(b):
    try:
        return str(os.write(fd, b))
    except OSError as e:
        return errno.errorcode[e.errno]
print(w(b"location define RawOne\nfrobnicate\nlocation define RawTwo\n"))
print(w(b"frobnicate\nlocation define RawTwo\n"))
print(w(b"frobnicate\n"))
print(w(b"location define RawThree\n"))
print(w(b"frobnicate\nlocation define RawFour\n"))
os.close(fd)
PY
check_eq "write: short count, then the errno twice, then nothing more runs on the file" "23 EINVAL EINVAL ECANCELED ECANCELED" "$(python3 "$T/raw.py" "$M/ctl" | tr '\n' ' ' | sed 's/ $//')"
check_eq "write: the lines that ran" "RawOne" "$(sql "SELECT group_concat(name, ' ') FROM location WHERE name LIKE 'Raw%'")"
check_eq "write: the bad line ran once, not when re-sent; the canceled one is recorded" 4 "$(failures frobnicate)"
check_eq "write: two canceled writes in status" 2 "$(grep -c "ruvfs: ctl: not run: an earlier line on this open file failed" "$M/status")"

# A failed line answers from memory for the writer's re-send and its
# close-time retry only; after that the file is spent (ECANCELED): a
# script that means to retry opens ctl again.
python3 -c '
import os, subprocess, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
out = []
for i in range(4):
    if i == 3:
        subprocess.run([sys.argv[2], "location", "list"], check=True, stdout=subprocess.DEVNULL)
    try:
        out.append(str(os.write(fd, b"group define LATER PAY.NOPE\n")))
    except OSError as e:
        out.append(e.strerror)
    if i == 2:
        subprocess.run([sys.argv[2], "file", "register", "PAY.NOPE", sys.argv[3]], check=True, stdout=subprocess.DEVNULL)
os.close(fd)
print(" ".join(out))' "$M/ctl" "$RUV" "$T/data/c.dat" >"$T/retry.out" 2>&1
check_eq "two re-sends answered from memory, then canceled" "No such file or directory No such file or directory No such file or directory Operation canceled" "$(cat "$T/retry.out")"
check_fail "the group does not exist" 1 "does not exist" "$RUV" group list LATER
check "a new open runs it" sh -c "echo 'group define LATER PAY.NOPE' > '$M/ctl'"
check_eq "the group exists, made by it" "PAY.NOPE" "$("$RUV" group list LATER)"

# An unterminated last line runs at the last close (the release, which
# the kernel sends after close(2) returns: waited for, with a deadline).
eventually() { # eventually CMD...: true within 10 s
	_k=0
	until "$@"; do
		_k=$((_k + 1))
		[ "$_k" -le 100 ] || return 1
		sleep 0.1
	done
}
located() { [ "$(sql "SELECT count(*) FROM location WHERE name IN ($1)")" -eq "$2" ]; }
check "printf without a newline" sh -c "printf 'location define NoNewline' > '$M/ctl'"
check "the location comes to exist" eventually located "'NoNewline'" 1
check "status records it" grep -q "ok       location define NoNewline$" "$M/status"
check "lines, then an unterminated one" sh -c "printf 'location define Term1\nlocation define Term2' > '$M/ctl'"
check "both ran" eventually located "'Term1', 'Term2'" 2
# A line split across writes of one descriptor, with bash closing its
# dup of it and a child that inherited it exiting in between: one line.
check "a line split around dup closes" bash -c "exec 3>'$M/ctl'; printf 'location define Spl' >&3; /bin/true; printf 'it\n' >&3; exec 3>&-"
check_eq "it ran whole, once" "1|0|0" "$(sql "SELECT (SELECT count(*) FROM location WHERE name = 'Split'), (SELECT count(*) FROM location WHERE name = 'Spl'), (SELECT count(*) FROM history WHERE action = 'location define' AND subject = 'it')")"
check "and no cut half failed" sh -c "! grep -q 'failed   location define Spl\$' '$M/status'"
dump_repo >"$T/dump.before"
printf 'frobnicate' >"$T/bad"
check "cp of a bad unterminated line: the close cannot say" cp "$T/bad" "$M/ctl"
has_failure() { grep -A3 'failed   frobnicate$' "$M/status" | tail -n 3 | grep -q "unknown verb 'frobnicate'"; }
check "status has the message" eventually has_failure
python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("backup NO.SUCH")' "$M/ctl"
check "python: an unterminated bad line, in status" eventually grep -q "failed   backup NO.SUCH$" "$M/status"
check_unchanged "bad unterminated lines" "$T/dump.before"

# Progress: a long backup through ctl shows it in status while running.
truncate -s 4G "$T/data/big"
"$RUV" file register PAY.BIG "$T/data/big" >/dev/null
sh -c "echo 'backup PAY.BIG' > '$M/ctl'" 2>"$T/big.err" &
bg=$!
seen=""
i=0
while [ "$i" -lt 3000 ] && kill -0 "$bg" 2>/dev/null; do
	cat "$M/status" >"$T/status.now"
	if grep -q "running  backup PAY.BIG$" "$T/status.now" &&
		grep -Eq "^  backup PAY.BIG: [0-9]+ of 4096 MiB$" "$T/status.now"; then
		seen=yes
		break
	fi
	i=$((i + 1))
	sleep 0.1
done
wait "$bg"
st=$?
check_eq "status shows progress while the backup runs" yes "$seen"
check_eq "the backup through ctl succeeded" "0 " "$st $(cat "$T/big.err")"
check_eq "its size" 4294967296 "$(sql "SELECT b.size FROM backup b JOIN file f ON f.id = b.file_id WHERE f.dsn = 'PAY.BIG'")"
check "status shows it ok" grep -q "ok       backup PAY.BIG$" "$M/status"
check "unmount" umount_ruvfs
done_testing
