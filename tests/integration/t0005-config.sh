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

# bad WHAT LINE PATTERN PRINTF-ARGS: the file is refused naming LINE, by a
# listing, by a verb that writes (the repository stays as it was) and by
# init (no home appears).  (Its own variable names: check_fail sets _what.)
mkdir -p "$T/data" && printf 'alpha\n' >"$T/data/a.dat"
dump_repo >"$T/dump.before"
bad() {
	_bw=$1 _bl=$2 _bp=$3
	shift 3
	cfg "$@"
	check_fail "$_bw" 1 "c\\.ini:$_bl: .*$_bp" "$RUV" --config "$T/c.ini" location list
	check_fail "$_bw: file register" 1 "c\\.ini:$_bl: .*$_bp" \
		"$RUV" --config "$T/c.ini" file register A.DAT "$T/data/a.dat"
	check_unchanged "$_bw" "$T/dump.before"
	check_fail "$_bw: init" 1 "c\\.ini:$_bl: .*$_bp" \
		"$RUV" --config "$T/c.ini" --home "$T/newhome" init
	check "$_bw: init made no home" test ! -e "$T/newhome"
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
bad "indented continuation line" 3 "multi-line values are not allowed" '[ruv]\nworkers = 2\n  3\n'
bad "key given twice" 4 "'workers' given twice in \\[ruv\\] \\(first on line 2\\)" \
	'[ruv]\nworkers = 2\n# again\nworkers = 3\n'
bad "copy without a pool" 3 "copy3 is not set" '[ruv]\n[backup]\ncopies = 3\n'
bad "copy to an undefined pool" 2 "no \\[pool nosuch\\]" '[backup]\ncopy2 = nosuch\n'
bad "two pools with one prefix" 2 "share prefix" '[pool local]\nprefix = O\n'
check_fail "missing config file" 1 "cannot read config" "$RUV" --config "$T/nope.ini" location list
check_fail "RUV_CONFIG is used" 1 "nope" env RUV_CONFIG="$T/nope.ini" "$RUV" location list

check "etc/ruv.ini parses" "$RUV" --config "$SRCDIR/etc/ruv.ini" --home "$T/h2" init
check_eq "etc/ruv.ini equals the built-in defaults" \
	"$(sqlite3 "$T/h2/repository.db" 'SELECT * FROM pool')" \
	"$(env -u RUV_CONFIG "$RUV" --home "$T/h3" init >/dev/null && sqlite3 "$T/h3/repository.db" 'SELECT * FROM pool')"

# A typo in a pool's location, once the home exists, is refused naming
# `ruv location define`; no location of that name appears.
sed 's/^location = Vault$/location = Vualt/' "$RUV_HOME/ruv.ini" >"$T/typo.ini"
check "register a file" "$RUV" file register A.DAT "$T/data/a.dat"
dump_repo >"$T/dump.typo"
check_fail "a pool's location that is not defined" 1 \
	"pool 'tape': location 'Vualt' is not defined; define it with 'ruv location define Vualt'" \
	"$RUV" --config "$T/typo.ini" backup A.DAT
check_unchanged "the refused backup" "$T/dump.typo"
check_eq "no location Vualt" 0 \
	"$(sqlite3 "$RUV_HOME/repository.db" "SELECT count(*) FROM location WHERE name = 'Vualt'")"
done_testing
