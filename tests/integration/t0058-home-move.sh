#!/bin/sh
# Volume paths are relative to their pool: a home moved with mv, or
# copied with cp -a, reads and writes its own volumes.  Backups in the
# copy never land in the original's volumes, and restoring from the
# original never returns the copy's data.  A volume that is not there is
# MISSING, with where it was looked for, never DAMAGED.  A repository of
# schema 1 (absolute paths, no identities) is migrated and still reads.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" file register A.DAT "$T/data/a.dat" >/dev/null
check "back up" "$RUV" backup A.DAT

check "mv the home" mv "$T/home" "$T/moved"
export RUV_HOME="$T/moved"
check "restore in the moved home" "$RUV" restore A.DAT --to "$T/a.moved"
check_eq "the bytes" alpha "$(cat "$T/a.moved")"
check "verify in the moved home" "$RUV" verify --all
check "back up in the moved home" "$RUV" backup A.DAT
check_eq "on its own volume" 2 "$(sql "SELECT count(*) FROM dataset d JOIN volume v ON v.id = d.volume_id WHERE v.volser = 'L00001'")"

check "cp -a the home" cp -a "$T/moved" "$T/copy"
printf 'copy!\n' >"$T/data/a.dat"
check "back up in the copy" env RUV_HOME="$T/copy" "$RUV" backup A.DAT
printf 'orig!\n' >"$T/data/a.dat"
check "back up in the original" "$RUV" backup A.DAT
check "the two L00001 differ now" sh -c "! cmp -s '$T/moved/pools/local/L00001' '$T/copy/pools/local/L00001'"
check "restore in the original" "$RUV" restore A.DAT --to "$T/a.orig"
check_eq "gives the original's data" 'orig!' "$(cat "$T/a.orig")"
check "restore in the copy" env RUV_HOME="$T/copy" "$RUV" restore A.DAT --to "$T/a.copy"
check_eq "gives the copy's data" 'copy!' "$(cat "$T/a.copy")"
check "verify --all in the original" "$RUV" verify --all
check "verify --all in the copy" env RUV_HOME="$T/copy" "$RUV" verify --all

# A volume that is not there: MISSING, with the path looked at.
rm "$T/copy/pools/offsite/O00001"
check_fail "verify in the copy says MISSING" 1 \
	"MISSING A.DAT .*volume O00001 is MISSING: no file '$T/copy/pools/offsite/O00001'" \
	env RUV_HOME="$T/copy" "$RUV" verify A.DAT
check_eq "it counts them" "3 copies ok, 0 damaged, 3 missing" "$(tail -n 1 "$T/out")"
check "and never DAMAGED" sh -c "! grep -q DAMAGED '$T/err'"
env RUV_HOME="$T/copy" "$RUV" toggle --activate Staging >/dev/null
check_fail "restore of copy 2 says MISSING" 1 "copy 2 of 'A.DAT': volume O00001 is MISSING" \
	env RUV_HOME="$T/copy" "$RUV" restore A.DAT --copy 2 --to "$T/x"

# Schema 1: absolute paths, no identity column.  Opening migrates it.
DB="$T/moved/repository.db"
sqlite3 "$DB" "UPDATE volume SET path = '$T/moved/' || (SELECT directory FROM pool WHERE pool.id = volume.pool_id) || '/' || path; ALTER TABLE volume DROP COLUMN ident; DROP INDEX file_stream; ALTER TABLE file DROP COLUMN stream_id; DROP TABLE backup_stream; PRAGMA user_version = 1;" || exit 99
check_eq "set up as schema 1" "1 0" "$(sqlite3 "$DB" "PRAGMA user_version; SELECT count(*) FROM volume WHERE path NOT LIKE '/%';" | tr '\n' ' ' | sed 's/ $//')"
check "ruv opens and migrates it" "$RUV" file list
check_eq "schema 4, every path relative" "4 0" "$(sqlite3 "$DB" "PRAGMA user_version; SELECT count(*) FROM volume WHERE path LIKE '%/%';" | tr '\n' ' ' | sed 's/ $//')"
check_eq "no identities: they were not known" 0 "$(sqlite3 "$DB" "SELECT count(*) FROM volume WHERE ident IS NOT NULL")"
check "verify --all after the migration" "$RUV" verify --all
check "restore after the migration" "$RUV" restore A.DAT --to "$T/a.mig"
check_eq "the original's newest data" 'orig!' "$(cat "$T/a.mig")"
done_testing
