#!/bin/sh
# A home given relative to the working directory is made absolute at
# entry: what is stored under it works from anywhere; volume paths are
# stored relative to their pool, so they do not depend on it at all.
. "${SRCDIR}/tests/integration/lib.sh"

mkdir -p "$T/work" "$T/data"
printf 'alpha\n' >"$T/data/a.dat"
printf 'bravo\n' >"$T/data/b.dat"
cd "$T/work" || exit 99
check "init with a relative --home" "$RUV" --home home init
check "the home is where the working directory says" test -f "$T/work/home/repository.db"
check "register with a relative --home" "$RUV" --home ./home file register A.DAT "$T/data/a.dat"
check "backup with a relative --home" "$RUV" --home home backup A.DAT
check "RUV_HOME may be relative too" env RUV_HOME=home "$RUV" file register B.DAT "$T/data/b.dat"
check "backup with a relative RUV_HOME" env RUV_HOME=./home "$RUV" backup B.DAT
DB="$T/work/home/repository.db"
check_eq "volume paths are relative to their pool" 0 \
	"$(sqlite3 "$DB" "SELECT count(*) FROM volume WHERE path LIKE '%/%'")"
check_eq "each volume file is in its pool" "$(sqlite3 "$DB" 'SELECT count(*) FROM volume')" \
	"$(for p in $(sqlite3 "$DB" "SELECT p.directory || '/' || v.path FROM volume v JOIN pool p ON p.id = v.pool_id"); do test -f "$T/work/home/$p" && echo; done | wc -l)"
check "there are volumes" test "$(sqlite3 "$DB" 'SELECT count(*) FROM volume')" -gt 0
check_eq "the init history names the absolute home" "$T/work/home" \
	"$(sqlite3 "$DB" "SELECT subject FROM history WHERE action = 'init'")"

cd / || exit 99
rm "$T/data/a.dat"
check "restore from another directory" "$RUV" --home "$T/work/home" restore A.DAT
check_eq "the restored bytes" alpha "$(cat "$T/data/a.dat")"
check "restore to another path" "$RUV" --home "$T/work/home" restore B.DAT --to "$T/b.out"
check_eq "the restored bytes of B" bravo "$(cat "$T/b.out")"
cd "$T/work" || exit 99
check "'.' as the home" sh -c "cd home && '$RUV' --home . file list"
check "the listing through '.' shows A.DAT" grep -q A.DAT "$T/out"

cd "$T" || exit 99
dump() { sqlite3 "$DB" .dump; }
dump >"$T/dump.before"
check_fail "--home with an empty value" 2 "--home' needs a directory" \
	"$RUV" --home "" file list
check_fail "--home= with an empty value" 2 "--home' needs a directory" \
	env RUV_HOME="$T/work/home" "$RUV" --home= file register C.DAT "$T/data/b.dat"
check_fail "--config with an empty value" 2 "--config' needs a file" \
	"$RUV" --config "" --home "$T/work/home" file list
dump >"$T/dump.now"
check_same_file "empty option values change nothing" "$T/dump.before" "$T/dump.now"
done_testing
