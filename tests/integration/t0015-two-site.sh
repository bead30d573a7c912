#!/bin/sh
# The whole drill on one machine: a local site backs up, backs up its
# repository, ships; the local home is deleted; a remote site catalogues
# the arrived volumes, restores the repository, toggles, and restores every
# file byte-exact as of the last backup.  Every file changes between the
# two days, so a restore from a day-1 copy cannot pass.  Other remote
# sites: one that lost one volume of the last shipment, one that finds the
# volumes only on volume_path, one whose newest repository backup is
# damaged.
. "${SRCDIR}/tests/integration/lib.sh"
: "${RUVREPRS:?RUVREPRS must name the ruvreprs binary}"
: "${RUVTOGL:?RUVTOGL must name the ruvtogl binary}"
# A small offsite capacity: each data set fills a volume, so a shipment
# is several volumes and losing one loses only some files.
printf '[backup]\nchunk_size = 64K\n[pool offsite]\ncapacity = 1M\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
LOCAL="$T/local"
REMOTE="$T/remote"
FILES="pay1 pay2 hr1 hr2"
dsn() { echo "$1.DATA" | tr a-z A-Z; }
export RUV_HOME="$LOCAL"
"$RUV" init >/dev/null
mkdir -p "$T/src" "$T/expect"
for f in $FILES; do
	head -c $((1100000 + ${#f} * 1000)) /dev/urandom >"$T/src/$f"
	"$RUV" file register "$(dsn $f)" "$T/src/$f" >/dev/null
done
"$RUV" group define PAYROLL PAY1.DATA PAY2.DATA >/dev/null
"$RUV" group define HR HR1.DATA HR2.DATA >/dev/null
check "first backups" "$RUV" backup --group PAYROLL --group HR
check "repository backup, day 1" "$RUV" repo backup
check "pull list, day 1" "$RUV" pull-list --commit
day1=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
sleep 1
for f in $FILES; do
	head -c $((1150000 + ${#f} * 777)) /dev/urandom >"$T/src/$f"
done
check "second backups" "$RUV" backup --group PAYROLL --group HR
for f in $FILES; do cp "$T/src/$f" "$T/expect/$f"; done
check "repository backup, day 2" "$RUV" repo backup
# keep NAME: keep the last command's output as $T/NAME.out, $T/NAME.err.
keep() { cp "$T/out" "$T/$1.out"; cp "$T/err" "$T/$1.err"; }
# Where the offsite copy of each repository backup went.
repo_at() {
	sql "SELECT v.volser || ' ' || d.seq FROM copy c
	     JOIN dataset d ON d.id = c.dataset_id
	     JOIN volume v ON v.id = d.volume_id
	     WHERE c.copy_no = 2 AND c.repo_backup_id = $1"
}
repo1=$(repo_at "(SELECT min(id) FROM repo_backup)")
repo2=$(repo_at "(SELECT max(id) FROM repo_backup)")
check "the pull list shows what ships" sh -c "'$RUV' pull-list | grep -q RUV.REPOSITORY"
check "pull list, day 2" "$RUV" pull-list --commit
check_eq "two shipments" 2 "$(sql 'SELECT count(*) FROM shipment')"
check_eq "nothing left in Staging" 0 "$(sql "SELECT count(*) FROM copy c JOIN location l ON l.id = c.location_id WHERE l.name = 'Staging'")"
check "nothing more to ship" "$RUV" pull-list --commit
check "it says so" grep -q "nothing to ship" "$T/err"
check_eq "no empty shipment" 2 "$(sql 'SELECT count(*) FROM shipment')"
mkdir "$T/transport"
for id in 1 2; do
	check "export shipment $id" "$RUV" shipment export "$id" "$T/transport"
done
check_fail "export into a missing directory" 1 "not a directory" "$RUV" shipment export 1 "$T/nowhere"
check_fail "export of an unknown shipment" 1 "no shipment 9" "$RUV" shipment export 9 "$T/transport"
check "shipment show has the pull list" sh -c "'$RUV' shipment show 2 | grep -q 'PULL LIST'"
# The volume of each file's day-2 offsite copy, and the one to lose.
for f in $FILES; do
	sql "SELECT v.volser FROM copy c JOIN backup b ON b.id = c.backup_id
	     JOIN file f ON f.id = b.file_id
	     JOIN dataset d ON d.id = c.dataset_id
	     JOIN volume v ON v.id = d.volume_id
	     WHERE f.dsn = '$(dsn $f)' AND c.copy_no = 2
	     ORDER BY b.start_us DESC LIMIT 1" >"$T/vol.$f"
done
lost=$(cat "$T/vol.pay1")
check_eq "the lost volume was in the last shipment" 2 "$(sql "SELECT shipment_id FROM volume WHERE volser = '$lost'")"
check "the lost volume holds no repository backup" test "$lost" != "${repo2% *}"
check "another file is on another volume" test "$lost" != "$(cat "$T/vol.hr2")"
rm -rf "$LOCAL"
check "the local site is gone" test ! -e "$LOCAL"

# The remote site.
export RUV_HOME="$REMOTE"
mkdir "$REMOTE"
check "catalogue the arrived volumes" "$RUV" catalog "$T/transport"
check_eq "every shipped volume is catalogued" "$(ls "$T/transport" | tr '\n' ' ')" "$("$RUV" catalog --list | cut -d' ' -f1 | tr '\n' ' ')"
check "ruvreprs" "$RUVREPRS"
keep r1
check "it took the repository backup of the last shipment ($repo2)" grep -q "from volume ${repo2% *}, data set ${repo2#* } " "$T/r1.out"
check "it moved the Staging copies of the last shipment, all here" grep -Eq "^[1-9][0-9]* copies moved from Staging to Offsite .*; ([0-9]+) of their \1 volume" "$T/r1.out"
check_eq "and warned of nothing" "" "$(cat "$T/r1.err")"
check "the restored repository checks out" "$RUV" repo check
check_eq "nothing is left in Staging" 0 "$(sql "SELECT count(*) FROM copy c JOIN location l ON l.id = c.location_id WHERE l.name = 'Staging'")"
check_fail "ruvreprs again without --force" 1 "already has a repository" "$RUVREPRS"
check "ruvtogl" "$RUVTOGL"
mkdir "$T/restored"
for f in $FILES; do
	check "restore $f at the remote site" "$RUV" restore "$(dsn $f)" --to "$T/restored/$f"
	check "$f came from the offsite copy" grep -q "copy 2 (Offsite" "$T/out"
	check_same_file "$f is as of the last backup" "$T/expect/$f" "$T/restored/$f"
done
check "toggling twice changes nothing" "$RUVTOGL"
check_eq "and says nothing" "" "$(cat "$T/out")"

# A volume goes missing after the catalogue: named, not worked around.
mv "$T/transport/$lost" "$T/lost.vol"
check_fail "restore from a volume that went missing" 1 "copy 2 of 'PAY1.DATA': volume $lost is MISSING" "$RUV" restore PAY1.DATA --to "$T/restored/x"
check "and nothing was written" test ! -e "$T/restored/x"
mv "$T/lost.vol" "$T/transport/$lost"

# An older repository backup: it knows only the first backups.
check "ruvreprs --time (day 1) --force" "$RUVREPRS" --force --time "$day1"
keep r1t
check "it took the day-1 repository backup ($repo1)" grep -q "from volume ${repo1% *}, data set ${repo1#* } " "$T/r1t.out"
check "the old repository is kept aside" sh -c "ls '$REMOTE' | grep -q 'repository.db.replaced-'"
check "the one kept aside is the day-2 one" test "$(sqlite3 "$(ls -d "$REMOTE"/repository.db.replaced-* | head -n 1)" 'SELECT count(*) FROM backup')" = 8
check_eq "the day-1 repository has only the first backups" 4 "$(sql 'SELECT count(*) FROM backup')"
check_fail "ruvreprs before any repository backup" 1 "no repository backup" "$RUVREPRS" --force --time 2000-01-01T00:00:00Z
mkdir "$T/empty"
check_fail "ruvreprs from an empty directory" 1 "no repository backup" "$RUVREPRS" --force --from "$T/empty"
check_fail "ruvtogl with an unknown location" 1 "does not exist" "$RUVTOGL" --activate Mars

# A remote site that received the last shipment without one volume.
export RUV_HOME="$T/remote2"
mkdir "$T/transport2" "$RUV_HOME"
cp "$T/transport"/* "$T/transport2/"
rm "$T/transport2/$lost"
check "catalogue what arrived" "$RUV" catalog "$T/transport2"
check "ruvreprs" "$RUVREPRS"
keep r2
check "it took the repository backup of the last shipment" grep -q "from volume ${repo2% *}, data set ${repo2#* } " "$T/r2.out"
check "it warns naming the missing volume" grep -q "^ruvreprs: warning: volume '$lost' is not here" "$T/r2.err"
check_eq "and only that one" 1 "$(grep -c 'is not here' "$T/r2.err")"
here=$(sed -n 's/.*; \([0-9]*\) of their \([0-9]*\) volume.*/\2 - \1/p' "$T/r2.out")
check_eq "it counts one of the volumes not here" 1 "$((${here:-0}))"
check "ruvtogl" "$RUVTOGL"
for f in $FILES; do
	if [ "$(cat "$T/vol.$f")" = "$lost" ]; then
		check_fail "restore $f (on the missing volume) names it" 1 "copy 2 of '$(dsn $f)': volume $lost is MISSING" "$RUV" restore "$(dsn $f)" --to "$T/restored/2$f"
		check "and writes nothing" test ! -e "$T/restored/2$f"
	else
		check "restore $f (on a volume that arrived)" "$RUV" restore "$(dsn $f)" --to "$T/restored/2$f"
		check_same_file "$f is as of the last backup" "$T/expect/$f" "$T/restored/2$f"
	fi
done

# A remote site that finds the volumes on volume_path only (no catalogue).
export RUV_HOME="$T/remote3"
cp "$T/ruv.ini" "$T/ruv-path.ini"
printf '[ruv]\nvolume_path = %s/nothing:%s/transport\n' "$T" "$T" >>"$T/ruv-path.ini"
check "ruvreprs with volume_path and no catalogue" env RUV_CONFIG="$T/ruv-path.ini" "$RUVREPRS"
check "it found the last repository backup" grep -q "from volume ${repo2% *}, data set ${repo2#* } " "$T/out"
check_eq "and every volume is here" "" "$(cat "$T/err")"
check "no catalogue was made" test ! -e "$RUV_HOME/volumes.cat"
check "ruvtogl" env RUV_CONFIG="$T/ruv-path.ini" "$RUVTOGL"
for f in $FILES; do
	check "restore $f through volume_path" env RUV_CONFIG="$T/ruv-path.ini" "$RUV" restore "$(dsn $f)" --to "$T/restored/3$f"
	check_same_file "$f is as of the last backup" "$T/expect/$f" "$T/restored/3$f"
done

# A remote site whose newest repository backup is damaged: refused.
export RUV_HOME="$T/remote4"
mkdir "$T/transport4"
cp "$T/transport"/* "$T/transport4/"
v2="$T/transport4/${repo2% *}"
off=$("$RUV" volume scan --json "$v2" | python3 -c "
import json, sys
for d in json.load(sys.stdin)['volumes'][0]['datasets']:
    if d['kind'] == 'repository' and d['seq'] == ${repo2#* }:
        print(d['offset'] + d['length'] // 2)")
flip_byte "$v2" "$off"
check_fail "ruvreprs with the newest repository backup damaged" 1 "newest repository backup, RUV.REPOSITORY.* \(data set ${repo2#* } on volume '${repo2% *}'.*is damaged; nothing installed; --time [0-9T:.Z-]+ takes the older one" "$RUVREPRS" --from "$T/transport4"
keep r4
check "and nothing was made" test ! -e "$RUV_HOME"
t1=$(sed -n 's/.*--time \([^ ]*\) takes the older one.*/\1/p' "$T/r4.err")
check "ruvreprs --time (as told) takes the older one" "$RUVREPRS" --from "$T/transport4" --time "$t1"
check "it is the day-1 one" grep -q "from volume ${repo1% *}, data set ${repo1#* } " "$T/out"

# A remote site that catalogues nothing: ruvreprs --from the transport
# reads the volumes there, so they are here (and catalogued, for the
# restores that follow), never "0 of N volumes here".
export RUV_HOME="$T/remote5"
check "ruvreprs --from the transport, nothing catalogued" "$RUVREPRS" --from "$T/transport"
keep r5
here=$(sed -n 's/.*; \([0-9]*\) of their \([0-9]*\) volume.*/\1 \2/p' "$T/r5.out")
check "every volume it read is counted here" test -n "$here" -a "${here% *}" = "${here#* }"
check_eq "and none named missing" 0 "$(grep -c 'is not here' "$T/r5.err")"
check "ruvtogl" "$RUVTOGL"
for f in $FILES; do
	check "restore $f from the volumes ruvreprs read" "$RUV" restore "$(dsn $f)" --to "$T/restored/5$f"
done
done_testing
