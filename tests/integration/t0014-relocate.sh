#!/bin/sh
# ruv relocate: moves copies, seals their volumes, refuses bad moves; after
# the toggle the offsite copy restores.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
printf '[ruv]\nworkers = 1\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
"$RUV" file register P.A "$T/data/a.dat" >/dev/null
"$RUV" file register P.B "$T/data/b.dat" >/dev/null
"$RUV" backup P.A P.B >/dev/null
names=$("$RUV" report backups --location Staging --json | python3 -c "import json,sys; print(' '.join(b['name'] for b in json.load(sys.stdin)['backups']))")
a2=${names%% *}
check "copy names look right" sh -c "echo '$a2' | grep -Eq '^P\\.A\\.D[0-9]{8}\\.T[0-9]{6}\\.B[0-9]+\\.C2\$'"
dump_repo >"$T/dump.before"
check_fail "relocate to an unknown location" 1 "location 'Mars' does not exist" "$RUV" relocate $names --to Mars
check_fail "relocate a copy that does not exist" 1 "no copy" "$RUV" relocate P.A.D20000101.T000000.B999.C2 --to Offsite
check_fail "relocate something that is not a copy name" 1 "not a copy name" "$RUV" relocate P.A --to Offsite
check_fail "relocate to where it is" 1 "already in Staging" "$RUV" relocate $names --to staging
check_fail "relocate without --to" 2 "--to" "$RUV" relocate $names
check_unchanged "refused relocations" "$T/dump.before"
check "relocate both Staging copies to Offsite" "$RUV" relocate $names --to Offsite
check_eq "they are in Offsite" 2 "$(sql "SELECT count(*) FROM copy c JOIN location l ON l.id = c.location_id WHERE l.name = 'Offsite'")"
check_eq "their volume is sealed" sealed "$(sql "SELECT state FROM volume WHERE volser = 'O00001'")"
check "the end mark is on the volume" sh -c "'$RUV' volume scan '$RUV_HOME/pools/offsite/O00001' | grep -q '^  sealed'"
check_eq "history has both moves" 2 "$("$RUV" history | grep -c 'relocate .*Staging -> Offsite')"
check_fail "copy 2 is not usable before the toggle" 1 "inactive" "$RUV" restore P.A --copy 2 --to "$T/x"
"$RUV" toggle >/dev/null
check "after the toggle, copy 2 restores" "$RUV" restore P.A --to "$T/a.out"
check_same_file "byte-exact from the offsite copy" "$T/data/a.dat" "$T/a.out"
check "it came from copy 2" grep -q "copy 2 (Offsite, volume O00001)" "$T/out"
check "the next backup opens a new offsite volume" "$RUV" backup P.A
check_eq "O00002 exists" O00002 "$(sql "SELECT volser FROM volume WHERE volser LIKE 'O%' AND state = 'open'")"
done_testing
