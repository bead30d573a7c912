#!/bin/sh
# Archives in the drill: the local site backs up, archives (two runs with
# a unit spanning them), accumulates, backs up its repository, ships with
# the pull list and exports the shipment; the local home is deleted.  At
# the remote site a scan with no repository describes the archives; the
# volumes are catalogued, the repository restored, the locations
# toggled; then every archive, ordinary and consolidated, reads back from
# its Offsite copy byte for byte as it was written, and verify --all
# (copies and LSN coverage) is clean.  Also: relocate of an archive copy
# by name, the history, and ruvreprs naming a missing archive volume.
. "${SRCDIR}/tests/integration/lib.sh"
. "${SRCDIR}/tests/integration/archive-lib.sh"
: "${RUVREPRS:?}" "${RUVTOGL:?}"
printf '[backup]\nchunk_size = 64K\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
LOCAL="$T/local"
REMOTE="$T/remote"
export RUV_HOME="$LOCAL"
"$RUV" init >/dev/null
mkdir -p "$T/data"
head -c 200000 /dev/urandom >"$T/data/a"
head -c 100000 /dev/urandom >"$T/data/b"
"$RUV" file register PAY.A "$T/data/a" >/dev/null
"$RUV" file register PAY.B "$T/data/b" >/dev/null
"$RUV" log define app >/dev/null
check "backups" "$RUV" backup PAY.A PAY.B
head -c 5000 /dev/urandom | "$RUV" log write app pay.a --offset 10 >/dev/null
check "archive run 1" "$RUV" archive
head -c 7000 /dev/urandom | "$RUV" log write app pay.b --offset 99 >/dev/null
"$RUV" log write app pay.a --truncate 150000 >/dev/null
check "archive run 2" "$RUV" archive
check "accumulate" "$RUV" accumulate
# What follows goes to a new offsite volume, away from the consolidated
# archives (for the remote site that misses their volume).
check "seal the offsite volume" "$RUV" volume seal O00001
head -c 300 /dev/urandom | "$RUV" log write app pay.b --offset 0 >/dev/null
check "archive run 3 (after the accumulation)" "$RUV" archive
check_eq "history: three archive runs and an accumulation" "archive archive accumulate archive" \
	"$("$RUV" history | awk '$3 == "archive" || $3 == "accumulate" { print $3 }' | paste -sd' ')"

# What each archive holds, as written.
mkdir "$T/expect"
ids=$(sql "SELECT id FROM archive ORDER BY id")
for a in $ids; do "$RUV" archive --show "A$a" --raw >"$T/expect/$a"; done
check_eq "eight archives: three pairs and a consolidated pair" 8 "$(echo $ids | wc -w)"

# An archive copy moves by name like a backup copy.
"$RUV" location define Vault >/dev/null
name=$("$RUV" report archives | awk '$1 ~ /\.A1\.C1$/ { print $1 }')
check "relocate an archive copy by name" "$RUV" relocate "$name" --to Vault
check_eq "it is in Vault" "Vault" "$("$RUV" --json report archives | python3 -c "
import json, sys
print([a['location'] for a in json.load(sys.stdin)['archives'] if a['name'] == '$name'][0])")"
check "and back" "$RUV" relocate "$name" --to Local

check "repository backup" "$RUV" repo backup
check "the pull list has every archive's offsite copy" sh -c \
	"test \"\$('$RUV' pull-list | grep -cE '^ +RUV\.(ARCHIVE|UOW|ACCUM|ACCUM\.UOW)\.')\" -eq 8"
check "pull list --commit" "$RUV" pull-list --commit
check_eq "the archives' offsite copies are in Offsite now" "8 Offsite" \
	"$(sql "SELECT count(*) || ' ' || l.name FROM copy c JOIN location l ON l.id = c.location_id WHERE c.archive_id IS NOT NULL AND c.copy_no = 2 GROUP BY l.name")"
mkdir "$T/transport"
check "export the shipment" "$RUV" shipment export 1 "$T/transport"
rm -rf "$LOCAL"

# The remote site: the volumes describe their archives with no repository.
export RUV_HOME="$REMOTE"
env -u RUV_HOME "$RUV" volume scan "$T/transport"/* >"$T/scan" 2>&1
check_eq "a scan with no repository describes each archive" \
	"stream APP LSN 1-3
stream APP LSN 1-3
stream APP LSN 4-9
stream APP LSN 4-9
consolidated from 2 archives, LSN APP:1-9
consolidated from 2 archives, LSN APP:1-9
stream APP LSN 10-12
stream APP LSN 10-12" \
	"$(awk '$1 == "stream" || $1 == "consolidated" { print }' "$T/scan" |
	   sed -e 's/^ *//' -e 's/, [0-9TZ:.-]* to [0-9TZ:.-]*//')"
mkdir "$REMOTE"
check "catalogue" "$RUV" catalog "$T/transport"
check "ruvreprs" "$RUVREPRS"
check_fail "before the toggle the archives' active copies are not here" 1 "MISSING" "$RUV" archive --show A1
check "ruvtogl" "$RUVTOGL"
for a in $ids; do
	"$RUV" archive --show "A$a" --raw >"$T/got.$a" 2>"$T/got.err"
	check_same_file "A$a reads back from Offsite" "$T/expect/$a" "$T/got.$a"
done
check_eq "the copies read are the Offsite ones, active" "8 Offsite 1" \
	"$(sql "SELECT count(*) || ' ' || l.name || ' ' || l.active FROM copy c JOIN location l ON l.id = c.location_id WHERE c.archive_id IS NOT NULL AND c.copy_no = 2 GROUP BY l.name")"
"$RUV" verify --all >"$T/v.out" 2>"$T/v.err"
check_eq "verify --all: the Offsite archive copies ok, coverage clean" \
	"0" "$(grep -c 'coverage\|gap\|overlap' "$T/v.err")"
check "verify names the Local copies MISSING, nothing else" sh -c \
	"! grep -v MISSING '$T/v.err' | grep -q ."

# A remote site missing the volume that holds the consolidated archives.
export RUV_HOME="$T/remote2"
mkdir "$T/transport2" "$RUV_HOME"
cp "$T/transport"/* "$T/transport2/"
accvol=$(awk '/^volume / { v = $2 } $2 == "accum" { print v; exit }' "$T/scan")
repovol=$(awk '/^volume / { v = $2 } $2 == "repository" { print v; exit }' "$T/scan")
check_eq "the consolidated archives and the repository backup are apart" "O00001 O00002" "$accvol $repovol"
rm "$T/transport2/$accvol"
check "catalogue what arrived" "$RUV" catalog "$T/transport2"
check "ruvreprs" "$RUVREPRS"
check "it names the missing archive volume" grep -q "volume '$accvol' is not here" "$T/err"
check "ruvtogl" "$RUVTOGL"
check_fail "the consolidated archive on it: MISSING, named" 1 "$accvol is MISSING" "$RUV" archive --show "A$(sql "SELECT max(id) FROM archive WHERE consolidated = 1")"
check "an archive on a volume that arrived reads" "$RUV" archive --show "A$(sql "SELECT max(id) FROM archive")" --raw
check_same_file "byte for byte" "$T/expect/$(sql "SELECT max(id) FROM archive")" "$T/out"
done_testing
