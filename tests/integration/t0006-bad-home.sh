#!/bin/sh
# Homes that cannot be used: missing, read-only, not a repository, newer.
. "${SRCDIR}/tests/integration/lib.sh"

check_fail "home does not exist" 1 "does not exist" "$RUV" --home "$T/nope" file list
check_fail "home is a file" 1 "not a directory" sh -c "touch '$T/f'; '$RUV' --home '$T/f' file list"
mkdir "$T/bare"
check_fail "home without repository" 1 "no repository" "$RUV" --home "$T/bare" file list

make_home
mkdir "$T/ro"
if mount --bind "$RUV_HOME" "$T/ro" 2>/dev/null && mount -o remount,bind,ro "$T/ro" 2>/dev/null; then
	at_exit umount "$T/ro"
	check_fail "read-only home" 1 "read-only" "$RUV" --home "$T/ro" file register X.Y "$T/data/a.dat"
	umount "$T/ro"
else
	not_ok "read-only home: cannot make a read-only bind mount"
fi

cp "$RUV_HOME/repository.db" "$T/good.db"
printf 'this is not a database, just some text that is long enough to look like a header\n%.0s' 1 2 3 4 5 6 7 8 9 10 >"$RUV_HOME/repository.db"
check_fail "repository is not SQLite" 1 "not a database" "$RUV" file list
cp "$T/good.db" "$RUV_HOME/repository.db"

sqlite3 "$RUV_HOME/repository.db" 'PRAGMA user_version = 99'
dump_repo >"$T/dump.before"
check_fail "repository from a newer ruv" 1 "newer" "$RUV" file list
check_unchanged "newer repository" "$T/dump.before"
sqlite3 "$RUV_HOME/repository.db" 'PRAGMA user_version = 1'

sqlite3 "$T/other.db" 'CREATE TABLE t(x); INSERT INTO t VALUES (1);'
mkdir "$T/other" && cp "$T/other.db" "$T/other/repository.db"
check_fail "someone else's SQLite database" 1 "not a ruv repository" "$RUV" --home "$T/other" file list
check "a good repository passes" "$RUV" file list
done_testing
