#!/bin/sh
# ruv backup and ruv restore: byte-exact round trips of every shape of
# file, copies and locations, selection by time and copy.
. "${SRCDIR}/tests/integration/lib.sh"
make_home

# A small chunk size so chunk boundaries are cheap to reach.
cat >"$T/ruv.ini" <<INI
[backup]
chunk_size = 64K
INI
export RUV_CONFIG="$T/ruv.ini"
CH=65536

mk() { # mk NAME SIZE: pseudo-random bytes, deterministic
	head -c "$2" /dev/urandom >"$T/data/$1"
}
: >"$T/data/empty"
printf 'x' >"$T/data/one"
mk cm1 $((CH - 1)); mk c0 $CH; mk cp1 $((CH + 1))
awk 'BEGIN { for (i = 0; i < 40000; i++) printf "REC%08d PAYLOAD %s\n", i, i * 7 }' >"$T/data/multi"
mk rand $((5 * CH + 123))
truncate -s 3G "$T/data/sparse"
printf 'middle' | dd of="$T/data/sparse" bs=1 seek=1500000000 conv=notrunc 2>/dev/null
printf 'tail' | dd of="$T/data/sparse" bs=1 seek=$((3 * 1024 * 1024 * 1024 - 4)) conv=notrunc 2>/dev/null

names="empty one cm1 c0 cp1 multi rand sparse"
for n in $names; do
	"$RUV" file register "T.$(echo $n | tr a-z A-Z)" "$T/data/$n" >/dev/null
done
"$RUV" group define ALL $(for n in $names; do echo "T.$(echo $n | tr a-z A-Z)"; done) >/dev/null

check "group backup" "$RUV" backup --group all
check_eq "one backup per file" 8 "$(sqlite3 "$RUV_HOME/repository.db" 'SELECT count(*) FROM backup')"
check_eq "two copies per backup" 16 "$(sqlite3 "$RUV_HOME/repository.db" 'SELECT count(*) FROM copy')"
check_eq "copy 1 in Local, copy 2 in Staging" "1|Local|1 2|Staging|0" \
	"$(sqlite3 "$RUV_HOME/repository.db" "SELECT DISTINCT c.copy_no, l.name, l.active FROM copy c JOIN location l ON l.id = c.location_id ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"
check_eq "copy 1 on local volumes, copy 2 on offsite volumes" "1|L 2|O" \
	"$(sqlite3 "$RUV_HOME/repository.db" "SELECT DISTINCT c.copy_no, substr(v.volser, 1, 1) FROM copy c JOIN dataset d ON d.id = c.dataset_id JOIN volume v ON v.id = d.volume_id ORDER BY 1" | tr '\n' ' ' | sed 's/ $//')"
check "volume files are 0600" sh -c "test -z \"\$(find '$RUV_HOME/pools' -type f ! -perm 600)\""

mkdir "$T/res"
for n in $names; do
	check "restore $n" "$RUV" restore "T.$(echo $n | tr a-z A-Z)" --to "$T/res/$n"
	check_same_file "$n round trip is byte-exact" "$T/data/$n" "$T/res/$n"
done
check "a sparse restore stays sparse" test "$(du -k "$T/res/sparse" | cut -f1)" -lt 1024
for n in one multi; do
	check "restore copy 1 explicitly ($n)" "$RUV" restore "T.$(echo $n | tr a-z A-Z)" --copy 1 --to "$T/res/$n.c1"
	check_same_file "$n copy 1" "$T/data/$n" "$T/res/$n.c1"
done

# Owner and mode travel with the backup; restore to the registered path.
chmod 640 "$T/data/one"; chown 12345:54321 "$T/data/one"
check "backup after chmod/chown" "$RUV" backup T.ONE
printf 'y' >"$T/data/one"; chmod 600 "$T/data/one"; chown 0:0 "$T/data/one"
check "restore to the registered path" "$RUV" restore t.one
check_eq "content back" x "$(cat "$T/data/one")"
check_eq "mode and owner back" "640 12345 54321" "$(stat -c '%a %u %g' "$T/data/one")"
check "no temporary file left" sh -c "! ls '$T/data' | grep -q ruv-restore"

# Selection by time: two versions, restore each.
printf 'version one\n' >"$T/data/multi"
"$RUV" backup T.MULTI >/dev/null
t1=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
sleep 1
printf 'version two\n' >"$T/data/multi"
"$RUV" backup T.MULTI >/dev/null
check "restore as of between the two" "$RUV" restore T.MULTI --time "$t1" --to "$T/res/v1"
check_eq "older version" "version one" "$(cat "$T/res/v1")"
check "restore as of now" "$RUV" restore T.MULTI --to "$T/res/v2"
check_eq "newest version" "version two" "$(cat "$T/res/v2")"

# Bad input: each refused with a message, nothing changed.
"$RUV" file register T.NEW "$T/data/b.dat" >/dev/null
dump_repo >"$T/dump.before"
check_fail "backup of an unregistered DSN" 1 "not registered" "$RUV" backup NO.SUCH T.ONE
check_fail "backup of an unknown group" 1 "does not exist" "$RUV" backup --group NOGROUP
check_fail "restore --time before any backup" 1 "no backup .* before" "$RUV" restore T.ONE --time 2000-01-01T00:00:00Z --to "$T/res/x"
check_fail "restore --copy 3" 1 "no copy 3" "$RUV" restore T.ONE --copy 3 --to "$T/res/x"
check_fail "restore --copy 2 (Staging is inactive)" 1 "inactive" "$RUV" restore T.ONE --copy 2 --to "$T/res/x"
check_fail "restore --copy 0" 2 "copy" "$RUV" restore T.ONE --copy 0
check_fail "restore into a missing directory" 1 "No such file" "$RUV" restore T.ONE --to "$T/nodir/x"
check_fail "restore a DSN never backed up" 1 "no backups" "$RUV" restore T.NEW --to "$T/res/x"
check_fail "bad --time (usage)" 2 "--time: time '2026-02-30T00:00:00Z': day 30 out of range" "$RUV" restore T.ONE --time 2026-02-30T00:00:00Z
check "nothing was written by the refusals" test ! -e "$T/res/x"
check_unchanged "refused backups and restores" "$T/dump.before"
check_fail "unregister a file with backups" 1 "has 2 backup" "$RUV" file unregister T.ONE

# Vanished and replaced sources: a clear message, nothing registered.
mv "$T/data/c.dat" "$T/c.moved"
"$RUV" file register T.GONE "$T/c.moved" >/dev/null
rm "$T/c.moved"
sqlite3 "$RUV_HOME/repository.db" 'SELECT * FROM backup; SELECT * FROM copy; SELECT * FROM dataset' >"$T/b.before"
check_fail "source vanished" 1 "No such file" "$RUV" backup T.GONE
mkdir "$T/c.moved"
check_fail "source replaced by a directory" 1 "regular file" "$RUV" backup T.GONE
rmdir "$T/c.moved"; ln -s "$T/data/a.dat" "$T/c.moved"
check_fail "source replaced by a symlink" 1 "symbolic link" "$RUV" backup T.GONE
sqlite3 "$RUV_HOME/repository.db" 'SELECT * FROM backup; SELECT * FROM copy; SELECT * FROM dataset' >"$T/b.after"
check_same_file "failed backups registered nothing" "$T/b.before" "$T/b.after"
check "verify --all after all that" "$RUV" verify --all
done_testing
