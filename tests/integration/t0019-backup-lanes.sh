#!/bin/sh
# One file backed up alone on two workers: its chunks are read and
# compressed on two threads, yet the data sets are exactly those one
# thread writes, every shape restores byte-exact, and a full pool still
# cuts everything back.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
CH=65536
conf() { # conf WORKERS [EXTRA]: the configuration in use
	printf '[ruv]\nworkers = %s\n[backup]\nchunk_size = 64K\n%s' "$1" "${2:-}" >"$T/ruv.ini"
}
conf 2
export RUV_CONFIG="$T/ruv.ini"

awk 'BEGIN { for (i = 0; i < 30000; i++) printf "REC%08d PAYLOAD %s\n", i, i * 7 }' >"$T/data/text"
head -c $((2 * CH)) /dev/urandom >"$T/data/even"
head -c $((2 * CH + 1)) /dev/urandom >"$T/data/odd"
head -c $((5 * CH - 1)) /dev/urandom >"$T/data/short"
names="text even odd short"
for n in $names; do
	"$RUV" file register "L.$(echo $n | tr a-z A-Z)" "$T/data/$n" >/dev/null
done

# shape DSN: checksum, chunks, stored and content size of the newest
# backup's copies, copy by copy.
shape() {
	sql "SELECT d.checksum || ':' || d.nchunks || ':' || d.stored_size || ':' || d.raw_size FROM copy c JOIN dataset d ON d.id = c.dataset_id WHERE c.backup_id = (SELECT max(b.id) FROM backup b JOIN file f ON f.id = b.file_id WHERE f.dsn = '$1') ORDER BY c.copy_no" | tr '\n' ' ' | sed 's/ $//'
}
mkdir "$T/res"
for n in $names; do
	dsn="L.$(echo $n | tr a-z A-Z)"
	conf 1
	"$RUV" backup "$dsn" >/dev/null
	one=$(shape "$dsn")
	conf 2
	check "$n: backup alone on two workers" "$RUV" backup "$dsn"
	check "$n: not flagged changed" sh -c "! grep -q changed '$T/out'"
	check_eq "$n: the same data sets as on one worker" "$one" "$(shape "$dsn")"
	check "$n: restore" "$RUV" restore "$dsn" --to "$T/res/$n"
	check_same_file "$n: byte-exact" "$T/data/$n" "$T/res/$n"
done
check_eq "chunk counts of both copies: 2 (exact), 3, 5" "2 2 3 3 5 5" \
	"$(for n in even odd short; do shape "L.$(echo $n | tr a-z A-Z)"; echo; done | tr ' ' '\n' | cut -d: -f2 | tr '\n' ' ' | sed 's/ *$//')"
check "verify --all" "$RUV" verify --all

# A full pool while two threads feed the copies.
mkdir "$T/tiny"
if mount -t tmpfs -o size=1m tmpfs "$T/tiny"; then
	at_exit umount "$T/tiny"
	conf 2 "copy2 = tiny
[pool tiny]
directory = $T/tiny
prefix = TY
capacity = 64M
location = Staging
"
	mkdir "$T/h2"
	RUV_HOME="$T/h2/home" "$RUV" init >/dev/null
	head -c 3000000 /dev/urandom >"$T/data/big"
	RUV_HOME="$T/h2/home" "$RUV" file register BIG.F "$T/data/big" >/dev/null
	check_fail "a full pool" 1 "No space left|no space left" env RUV_HOME="$T/h2/home" "$RUV" backup BIG.F
	check_eq "registers nothing" "" \
		"$(sqlite3 "$T/h2/home/repository.db" 'SELECT * FROM backup; SELECT * FROM copy; SELECT * FROM dataset')"
	check_eq "the partial data is cut back to the label" 4096 "$(stat -c %s "$T"/tiny/TY0001)"
	check_eq "on the local volume too" 4096 "$(stat -c %s "$T"/h2/home/pools/local/L00001)"
	umount "$T/tiny"
else
	not_ok "a full pool: cannot mount a small tmpfs"
fi
done_testing
