#!/bin/sh
# Homes that cannot be used: missing, read-only, not a repository, newer.
# A refused repository file keeps every byte (and its journal mode).
. "${SRCDIR}/tests/integration/lib.sh"

check_fail "home does not exist" 1 "does not exist" "$RUV" --home "$T/nope" file list
check "the missing home is still absent" test ! -e "$T/nope"
check_fail "register into a missing home" 1 "does not exist" \
	"$RUV" --home "$T/nope" file register X.Y /etc/hostname
check "the missing home is still absent after a write verb" test ! -e "$T/nope"
check_fail "home is a file" 1 "not a directory" sh -c "touch '$T/f'; '$RUV' --home '$T/f' file list"
mkdir "$T/bare"
check_fail "home without repository" 1 "no repository" "$RUV" --home "$T/bare" file list
check_eq "the bare home is still empty" "" "$(ls -A "$T/bare")"

make_home
dump_repo >"$T/dump.before"
mkdir "$T/ro"
if mount --bind "$RUV_HOME" "$T/ro" 2>/dev/null && mount -o remount,bind,ro "$T/ro" 2>/dev/null; then
	at_exit umount "$T/ro"
	check_fail "read-only home" 1 "read-only" "$RUV" --home "$T/ro" file register X.Y "$T/data/a.dat"
	umount "$T/ro"
else
	not_ok "read-only home: cannot make a read-only bind mount"
fi
check_unchanged "read-only home" "$T/dump.before"

# refused NAME FILE PATTERN: FILE as the repository is refused with
# PATTERN and keeps its bytes; no WAL file appears beside it.
refused() {
	mkdir -p "$T/r.$1"
	cp "$2" "$T/r.$1/repository.db"
	cp "$2" "$T/r.$1.orig"
	check_fail "$1: refused" 1 "$3" "$RUV" --home "$T/r.$1" file list
	check_same_file "$1: file unchanged" "$T/r.$1.orig" "$T/r.$1/repository.db"
	check "$1: no WAL beside it" test ! -e "$T/r.$1/repository.db-wal"
	check_fail "$1: refused by a write verb" 1 "$3" \
		"$RUV" --home "$T/r.$1" file register X.Y "$T/data/a.dat"
	check_same_file "$1: file unchanged by a write verb" "$T/r.$1.orig" "$T/r.$1/repository.db"
}

printf 'this is not a database, just some text that is long enough to look like a header\n%.0s' 1 2 3 4 5 6 7 8 9 10 >"$T/junk.db"
refused junk "$T/junk.db" "not a database"

: >"$T/empty.db"
refused empty "$T/empty.db" "not a ruv repository"

sqlite3 "$T/other.db" 'PRAGMA journal_mode = DELETE; CREATE TABLE t(x); INSERT INTO t VALUES (1);' >/dev/null
check_eq "the foreign database is in DELETE mode" delete \
	"$(sqlite3 "$T/other.db" 'PRAGMA journal_mode')"
refused foreign "$T/other.db" "not a ruv repository"
check_eq "the foreign database is still in DELETE mode" delete \
	"$(sqlite3 "$T/r.foreign/repository.db" 'PRAGMA journal_mode')"

cp "$RUV_HOME/repository.db" "$T/newer.db"
sqlite3 "$T/newer.db" 'PRAGMA journal_mode = DELETE; PRAGMA user_version = 99' >/dev/null
refused newer "$T/newer.db" "newer"
check_eq "the newer repository is still in DELETE mode" delete \
	"$(sqlite3 "$T/r.newer/repository.db" 'PRAGMA journal_mode')"

check "a good repository passes" "$RUV" file list
check_unchanged "after every refusal the good home" "$T/dump.before"

# A ruv repository in DELETE mode (as ruvreprs restores it) is ours: it
# opens and becomes WAL.
cp "$RUV_HOME/repository.db" "$T/delete.db"
sqlite3 "$T/delete.db" 'PRAGMA journal_mode = DELETE' >/dev/null
mkdir "$T/r.delete" && cp "$T/delete.db" "$T/r.delete/repository.db"
check "a ruv repository in DELETE mode opens" "$RUV" --home "$T/r.delete" file list
check_eq "and is WAL after" wal "$(sqlite3 "$T/r.delete/repository.db" 'PRAGMA journal_mode')"
done_testing
