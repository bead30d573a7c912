#!/bin/sh
# Configuration: search order, every key, and bad files named by line.
. "${SRCDIR}/tests/integration/lib.sh"

cfg() { printf "$@" >"$T/c.ini"; }

cfg '[ruv]\nworkers = 3\n[backup]\ncopies = 1\ncopy1 = tape\nchunk_size = 64K\n[pool tape]\ndirectory = %s\nprefix = tp\ncapacity = 2M\nlocation = Vault\n' "$T/tapes"
check "init with a custom config" "$RUV" --config "$T/c.ini" init
check "absolute pool directory created" test -d "$T/tapes"
check_eq "pool row" "tape|$T/tapes|TP|2097152|Vault" \
	"$(sqlite3 "$RUV_HOME/repository.db" "SELECT p.name, directory, prefix, capacity, l.name FROM pool p JOIN location l ON l.id = p.location_id WHERE p.name = 'tape'")"

cp "$T/c.ini" "$RUV_HOME/ruv.ini"
check "HOME/ruv.ini is found without --config" env -u RUV_CONFIG "$RUV" file list

bad() {
	_what=$1 _line=$2 _pat=$3
	shift 3
	cfg "$@"
	check_fail "$_what" 1 "c\\.ini:$_line: .*$_pat" "$RUV" --config "$T/c.ini" location list
}
bad "unknown section" 3 "unknown section" '[ruv]\n[nosuch]\nkey = 1\n'
bad "unterminated section" 1 "" '[ruv\nworkers = 2\n'
bad "unknown key" 3 "unknown key 'colour'" '[ruv]\nworkers = 2\ncolour = blue\n'
bad "bad number" 2 "workers" '[ruv]\nworkers = two\n'
bad "number out of range" 2 "workers" '[ruv]\nworkers = 65\n'
bad "negative number" 2 "copies" '[backup]\ncopies = -1\n'
bad "chunk size not a power of two" 2 "chunk_size" '[backup]\nchunk_size = 100K\n'
bad "bad size suffix" 2 "capacity" '[pool local]\ncapacity = 4X\n'
bad "bad prefix" 2 "prefix" '[pool local]\nprefix = 9ZZ\n'
bad "bad location" 2 "location" '[pool local]\nlocation = no way\n'
bad "relative home" 2 "home" '[ruv]\nhome = relative/dir\n'
bad "line without =" 2 "" '[ruv]\njunk\n'
cfg '[backup]\ncopies = 3\n'
check_fail "copy without a pool" 1 "copy3 is not set" "$RUV" --config "$T/c.ini" location list
cfg '[backup]\ncopy2 = nosuch\n'
check_fail "copy to an undefined pool" 1 "no \\[pool nosuch\\]" "$RUV" --config "$T/c.ini" location list
cfg '[pool local]\nprefix = O\n'
check_fail "two pools with one prefix" 1 "share prefix" "$RUV" --config "$T/c.ini" location list
check_fail "missing config file" 1 "cannot read config" "$RUV" --config "$T/nope.ini" location list
check_fail "RUV_CONFIG is used" 1 "nope" env RUV_CONFIG="$T/nope.ini" "$RUV" location list

check "etc/ruv.ini parses" "$RUV" --config "$SRCDIR/etc/ruv.ini" --home "$T/h2" init
check_eq "etc/ruv.ini equals the built-in defaults" \
	"$(sqlite3 "$T/h2/repository.db" 'SELECT * FROM pool')" \
	"$(env -u RUV_CONFIG "$RUV" --home "$T/h3" init >/dev/null && sqlite3 "$T/h3/repository.db" 'SELECT * FROM pool')"
done_testing
