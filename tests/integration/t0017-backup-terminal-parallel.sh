#!/bin/sh
# Progress on a terminal (and none off it), and a parallel group backup:
# each worker appends to volumes of its own.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
cat >"$T/ruv.ini" <<INI
[ruv]
workers = 2
[backup]
chunk_size = 64K
INI
export RUV_CONFIG="$T/ruv.ini"

head -c $((3 * 1024 * 1024)) /dev/urandom >"$T/data/big"
"$RUV" file register BIG.F "$T/data/big" >/dev/null

# has FILE PYTHON-BYTES-EXPR: the file contains those bytes.
has() {
	python3 -c 'import sys; sys.exit(eval(sys.argv[2]) not in open(sys.argv[1], "rb").read())' "$1" "$2"
}

check "backup on a terminal (script)" script -qec "'$RUV' backup BIG.F" "$T/typescript.unused"
mv "$T/out" "$T/tty.out"
check "progress is shown, redrawn in place" has "$T/tty.out" 'b"\r\x1b[Kbackup BIG.F: 3 of 3 MiB"'
check "the progress line is cleared before the summary" has "$T/tty.out" 'b"\r\x1b[Kbacked up BIG.F: 3145728 bytes"'

# The exit status of ruv, not of the pipeline's last command: written to
# a file inside the pipeline (POSIX sh has no pipefail).
check "backup with stderr a pipe" sh -c "{ '$RUV' backup BIG.F; echo \$? >'$T/pipe.status'; } 2>&1 | cat >'$T/pipe.out'"
check_eq "ruv exits 0 with stderr a pipe" 0 "$(cat "$T/pipe.status")"
check "it still reports the backup" grep -q "^backed up BIG.F: 3145728 bytes" "$T/pipe.out"
check "no progress off a terminal" sh -c "! grep -q 'MiB' '$T/pipe.out'"
check "no escape codes off a terminal" sh -c "! grep -q \"\$(printf '\033')\" '$T/pipe.out'"
check "backup with stderr a file" sh -c "'$RUV' backup BIG.F 2>'$T/err.file' >/dev/null"
check_eq "nothing on stderr" 0 "$(wc -c <"$T/err.file")"

# Four files that each take long enough to read that the second worker
# is under way before the first is done with its first file.
for i in 1 2 3 4; do
	head -c $((16 * 1024 * 1024 + i)) /dev/urandom >"$T/data/p$i"
	"$RUV" file register "P.F$i" "$T/data/p$i" >/dev/null
done
"$RUV" group define PAR P.F1 P.F2 P.F3 P.F4 >/dev/null
check "group backup with two workers" "$RUV" backup --group PAR
vols() { # vols COPY: distinct volumes copy COPY of the group is on
	sql "SELECT count(DISTINCT d.volume_id) FROM copy c JOIN dataset d ON d.id = c.dataset_id JOIN backup b ON b.id = c.backup_id JOIN file f ON f.id = b.file_id WHERE f.dsn LIKE 'P.F%' AND c.copy_no = $1"
}
check_eq "copy 1: two local volumes, one per worker" 2 "$(vols 1)"
check_eq "copy 2: two offsite volumes, one per worker" 2 "$(vols 2)"
check "verify --all" "$RUV" verify --all
mkdir "$T/res"
for i in 1 2 3 4; do
	check "p$i restores" "$RUV" restore "P.F$i" --to "$T/res/p$i"
	check_same_file "p$i byte-exact" "$T/data/p$i" "$T/res/p$i"
done
done_testing
