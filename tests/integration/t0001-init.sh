#!/bin/sh
# ruv init: creates a whole home, refuses to touch an existing one.
. "${SRCDIR}/tests/integration/lib.sh"

check "init creates a home" "$RUV" init
for d in pools/local pools/offsite jcl logs; do
	check "init made $d" test -d "$RUV_HOME/$d"
done
check "repository exists" test -f "$RUV_HOME/repository.db"
check_eq "schema version" 1 \
	"$(sqlite3 "$RUV_HOME/repository.db" 'PRAGMA user_version')"
check_eq "journal mode" wal \
	"$(sqlite3 "$RUV_HOME/repository.db" 'PRAGMA journal_mode')"
check_eq "seeded locations" "Local|1 Offsite|0 Staging|0" \
	"$(sqlite3 "$RUV_HOME/repository.db" \
	'SELECT name, active FROM location ORDER BY name' | tr '\n' ' ' |
	sed 's/ $//')"
check_eq "pools from the config" "local|L|4294967296|Local offsite|O|4294967296|Staging" \
	"$(sqlite3 "$RUV_HOME/repository.db" \
	'SELECT p.name, prefix, capacity, l.name FROM pool p JOIN location l
	 ON l.id = p.location_id ORDER BY p.name' | tr '\n' ' ' | sed 's/ $//')"
check "no stray temporary directory" sh -c "! ls -d '$T'/home.init-* 2>/dev/null"

dump_repo >"$T/dump.before"
check_fail "init refuses an existing home" 1 "already a RUV home" "$RUV" init
check_unchanged "second init" "$T/dump.before"

mkdir "$T/full" && touch "$T/full/x"
check_fail "init refuses a non-empty directory" 1 "not empty" \
	"$RUV" --home "$T/full" init
check "the non-empty directory is untouched" test "$(ls "$T/full")" = x

mkdir "$T/empty"
check "init accepts an empty directory" "$RUV" --home "$T/empty" init
check "it became a home" test -f "$T/empty/repository.db"

check_fail "init needs an existing parent" 1 "parent" \
	"$RUV" --home "$T/no/such/home" init
check_fail "init on a file" 1 "not a directory" "$RUV" --home "$T/full/x" init

check_fail "init takes no operands" 2 "unexpected argument" "$RUV" init extra
(unset RUV_HOME; "$RUV" init) >"$T/out" 2>"$T/err"
check_eq "no home named anywhere: exit 1" 1 $?
check "no home named anywhere: says how" grep -q "no RUV home" "$T/err"

check "--home=DIR form" "$RUV" --home="$T/h2" init
check "the --home=DIR home exists" test -f "$T/h2/repository.db"
check "RUV_HOME works" env RUV_HOME="$T/h3" "$RUV" init
check "the RUV_HOME home exists" test -f "$T/h3/repository.db"
printf '[ruv]\nhome = %s\n' "$T/h4" >"$T/h4.ini"
check "home= in the config works" env -u RUV_HOME "$RUV" --config "$T/h4.ini" init
check "the config's home exists" test -f "$T/h4/repository.db"
check "--home beats RUV_HOME" env RUV_HOME="$T/unused" "$RUV" --home "$T/h5" init
check "and RUV_HOME was not used" test ! -e "$T/unused"

check "history records init" sh -c "'$RUV' history | grep -q ' init '"
done_testing
