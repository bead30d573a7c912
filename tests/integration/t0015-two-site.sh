#!/bin/sh
# The whole drill on one machine: a local site backs up, backs up its
# repository, ships; the local home is deleted; a remote site catalogues
# the arrived volumes, restores the repository, toggles, and restores every
# file byte-exact as of the last backup.
. "${SRCDIR}/tests/integration/lib.sh"
: "${RUVREPRS:?RUVREPRS must name the ruvreprs binary}"
: "${RUVTOGL:?RUVTOGL must name the ruvtogl binary}"
printf '[backup]\nchunk_size = 64K\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
LOCAL="$T/local"
REMOTE="$T/remote"
export RUV_HOME="$LOCAL"
"$RUV" init >/dev/null
mkdir -p "$T/src" "$T/expect"
for f in pay1 pay2 hr1 hr2; do
	head -c $((100000 + ${#f} * 1000)) /dev/urandom >"$T/src/$f"
	"$RUV" file register "$(echo "$f" | tr a-z A-Z).DATA" "$T/src/$f" >/dev/null
done
"$RUV" group define PAYROLL PAY1.DATA PAY2.DATA >/dev/null
"$RUV" group define HR HR1.DATA HR2.DATA >/dev/null
check "first backups" "$RUV" backup --group PAYROLL --group HR
check "repository backup, day 1" "$RUV" repo backup
check "pull list, day 1" "$RUV" pull-list --commit
day1=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
sleep 1
printf 'changed\n' >>"$T/src/pay1"
printf 'changed too\n' >>"$T/src/hr2"
check "second backups" "$RUV" backup --group PAYROLL --group HR
for f in pay1 pay2 hr1 hr2; do cp "$T/src/$f" "$T/expect/$f"; done
check "repository backup, day 2" "$RUV" repo backup
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
"$RUV" shipment show 2 --json | python3 -c "import json,sys; print(' '.join(json.load(sys.stdin)['volumes']))" >"$T/vols2"
rm -rf "$LOCAL"
check "the local site is gone" test ! -e "$LOCAL"

# The remote site.
export RUV_HOME="$REMOTE"
mkdir "$REMOTE"
check "catalogue the arrived volumes" "$RUV" catalog "$T/transport"
check_eq "every shipped volume is catalogued" "$(ls "$T/transport" | tr '\n' ' ')" "$("$RUV" catalog --list | cut -d' ' -f1 | tr '\n' ' ')"
check "ruvreprs" "$RUVREPRS"
check "it took the newest repository backup" grep -q "data set" "$T/out"
check "the restored repository checks out" "$RUV" repo check
check_fail "ruvreprs again without --force" 1 "already has a repository" "$RUVREPRS"
check "ruvtogl" "$RUVTOGL"
mkdir "$T/restored"
for f in pay1 pay2 hr1 hr2; do
	check "restore $f at the remote site" "$RUV" restore "$(echo "$f" | tr a-z A-Z).DATA" --to "$T/restored/$f"
	check_same_file "$f is as of the last backup" "$T/expect/$f" "$T/restored/$f"
done
check "it came from the offsite copy" grep -q "copy 2 (Offsite" "$T/out"
check "toggling twice changes nothing" "$RUVTOGL"
check_eq "and says nothing" "" "$(cat "$T/out")"

# A shipment that lost a volume: the files on it fail, naming the VOLSER.
vols2=$(cat "$T/vols2")
mkdir "$T/lost"
for v in $vols2; do mv "$T/transport/$v" "$T/lost/"; done
check_fail "restore from a missing volume" 1 "on volume O0000[0-9], which is not at this site" "$RUV" restore PAY1.DATA --to "$T/restored/x"
for v in $vols2; do mv "$T/lost/$v" "$T/transport/"; done

# An older repository backup: it knows only the first backups.
check "ruvreprs --time (day 1) --force" "$RUVREPRS" --force --time "$day1"
check "the old repository is kept aside" sh -c "ls '$REMOTE' | grep -q 'repository.db.replaced-'"
check_eq "the day-1 repository has only the first backups" 4 "$(sql 'SELECT count(*) FROM backup')"
check_fail "ruvreprs before any repository backup" 1 "no repository backup" "$RUVREPRS" --force --time 2000-01-01T00:00:00Z
check_fail "ruvreprs from an empty directory" 1 "no repository backup" "$RUVREPRS" --force --from "$T/lost"
check_fail "ruvtogl with an unknown location" 1 "does not exist" "$RUVTOGL" --activate Mars
done_testing
