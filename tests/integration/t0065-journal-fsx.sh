#!/bin/sh
# The journaling mount (ruvfs -o journal=STREAM,data=DIR over DIR itself)
# under an fsx-style random workload in two processes: writes at random
# offsets, holes, truncates up and down, fsync, close and reopen, dups,
# O_APPEND, posix_fallocate, rename-over and an mmap writer.  The files
# match the workload's shadow; replaying the stream over copies of the
# initial files, with every before-image checked against the copy, gives
# the final files byte for byte, also after three processes raced on one
# file; the unregistered file is never journaled;
# ruv log show counts every truncate.
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/jlib.sh"

make_home
D=$T/data
mkdir -p "$T/shadow" "$T/replay"
for f in a b c d u; do
	python3 -c 'import os, sys
sys.stdout.buffer.write(os.urandom(int(sys.argv[1])))' \
		$(( ($(printf '%d' "'$f") * 7919) % 200000 )) >"$D/$f.dat"
done
for f in a b c d; do
	F=$(echo "$f" | tr a-z A-Z)
	"$RUV" file register "JNL.$F" "$D/$f.dat" >/dev/null
	cp "$D/$f.dat" "$T/replay/JNL.$F"
done
printf 'alpha\nbravo\ncharlie\n' >"$D/e.txt"
"$RUV" file register JNL.E "$D/e.txt" >/dev/null
cp "$D/e.txt" "$T/replay/JNL.E"
check "a stream is defined" "$RUV" log define JFSX --kind journal
SD=$RUV_HOME/logs/JFSX

jmount JFSX "$D"
check "the random workload matches its shadow, read through the mount" \
	python3 "$JFSX" random "$D" "$T/shadow" 13 700 a.dat b.dat c.dat \
	d.dat u.dat
# Editors and shells: sed -i (a temporary renamed over the file), a
# redirection (O_TRUNC), an append, cp over it.
check "sed -i on a registered file" sed -i 's/bravo/BRAVO/' "$D/e.txt"
check "> on it" sh -c "printf 'one\ntwo\n' >'$D/e.txt'"
check ">> on it" sh -c "printf 'three\n' >>'$D/e.txt'"
check "sed -i again" sed -i '1d' "$D/e.txt"
check_eq "the edits show" "two
three" "$(cat "$D/e.txt")"
# Three processes writing and truncating one file at once: the stream
# must hold the changes in the order they reached the file, units of
# several open files interleaved.  (The kernel serialises write(2) on one
# FUSE inode; the file's lock in ruvfs also orders page writes.)
pids=""
for s in 1 2 3; do
	python3 "$JFSX" race "$D" "$s" 400 c.dat &
	pids="$pids $!"
done
rst=0
for p in $pids; do
	wait "$p" || rst=1
done
check_eq "the racing writers succeeded" 0 "$rst"
check "unmounted cleanly" jumount

for f in a b d u; do
	check_same_file "$f.dat in DIR is the shadow" "$T/shadow/$f.dat" \
		"$D/$f.dat"
done
check "replay of the stream: every before-image and old size checks" \
	"$JREPLAY" "$SD" "$T/replay"
for f in a b c d; do
	F=$(echo "$f" | tr a-z A-Z)
	check_same_file "replay reproduces $f.dat" "$D/$f.dat" \
		"$T/replay/JNL.$F"
done
check_same_file "replay reproduces the edited e.txt" "$D/e.txt" \
	"$T/replay/JNL.E"

"$RUV" log show JFSX --json >"$T/show.json"
check_eq "the records name the registered files only" \
	"JNL.A JNL.B JNL.C JNL.D JNL.E" \
	"$(python3 -c 'import json, sys
recs = json.load(open(sys.argv[1]))
print(" ".join(sorted({r["dsn"] for r in recs if r["dsn"]})))' "$T/show.json")"
for f in a b d; do # c.dat had the racers too
	F=$(echo "$f" | tr a-z A-Z)
	want=$(awk '$1 == "truncate" || $1 == "rename" { n += $2 }
		END { print n + 0 }' "$T/shadow/$f.dat.ops")
	check_eq "one TRUNCATE per ftruncate and rename-over of $f.dat" "$want" \
		"$("$RUV" log show JFSX --dsn "JNL.$F" | grep -c ' TRUNCATE ')"
	want=$(awk '$1 == "write" || $1 == "append" { n += $2 }
		END { print n + 0 }' "$T/shadow/$f.dat.ops")
	got=$("$RUV" log show JFSX --dsn "JNL.$F" | grep -c ' WRITE ')
	if [ "$got" -ge "$want" ]; then
		ok "a WRITE for each write(2) of $f.dat ($got >= $want)"
	else
		not_ok "a WRITE for each write(2) of $f.dat ($got < $want)"
	fi
done
check_eq "every unit begun was committed (all files closed)" "0 0" \
	"$(python3 -c 'import json, sys
recs = json.load(open(sys.argv[1]))
begun = {r["uow"] for r in recs if r["type"] == "BEGIN"}
done = {r["uow"] for r in recs if r["type"] == "COMMIT"}
print(len(begun) == 0 and -1 or len(begun - done), len(done - begun))' \
	"$T/show.json")"

done_testing
