#!/bin/sh
# What the logistics report: the pull list (text and JSON), the volume
# states open -> sealed -> shipped in `ruv report volumes`, the shipment
# list, the empty pull list commit in JSON, and `ruv catalog` (--list in
# JSON, a missing home, a catalogue that cannot be saved).
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" file register A.DAT "$T/data/a.dat" >/dev/null
"$RUV" file register B.DAT "$T/data/b.dat" >/dev/null
check "backup of A" "$RUV" backup A.DAT
check "backup of B (on the same volumes)" "$RUV" backup B.DAT
# json EXPR FILE: evaluate a python expression over the document as d.
json() {
	python3 -c "import json, sys; d = json.load(open(sys.argv[2])); print($1)" x "$2"
}

check "pull list in JSON" "$RUV" --json pull-list
cp "$T/out" "$T/pl.json"
check_eq "it lists the offsite volume" "O00001 open" "$(json "' '.join(v['volser'] + ' ' + v['state'] for v in d['volumes'])" "$T/pl.json")"
check_eq "with both Staging copies, copy 2" "A.DAT:2 B.DAT:2" "$(json "' '.join(sorted(c['dsn'] + ':' + str(c['copy']) for v in d['volumes'] for c in v['copies']))" "$T/pl.json")"
check_eq "and counts them" 2 "$(json "d['copies']" "$T/pl.json")"
check "pull list in text" "$RUV" pull-list
cp "$T/out" "$T/pl.txt"
check "it names the volume" grep -q "^VOLSER O00001  pool offsite  open" "$T/pl.txt"
check "and ends with the totals" grep -q "^2 copies, [0-9]* bytes, on 1 volumes" "$T/pl.txt"

check "volumes report in JSON" "$RUV" --json report volumes
check_eq "both volumes open, no shipment" "L00001 open None O00001 open None" "$(json "' '.join('%s %s %s' % (v['volser'], v['state'], v['shipment']) for v in d['volumes'])" "$T/out")"
check "seal the local volume" "$RUV" volume seal L00001
check "volumes report in JSON" "$RUV" --json report volumes
check_eq "the local volume is sealed" "sealed True" "$(json "' '.join('%s %s' % (v['state'], v['sealed'] is not None) for v in d['volumes'] if v['volser'] == 'L00001')" "$T/out")"

check "commit in JSON" "$RUV" --json pull-list --commit
check_eq "the report of what ships" "O00001 2" "$(json "' '.join(v['volser'] + ' ' + str(len(v['copies'])) for v in d['volumes'])" "$T/out")"
check "it says which shipment" grep -q "shipment 1 recorded" "$T/err"
check "volumes report in JSON" "$RUV" --json report volumes
check_eq "the offsite volume is shipped, in shipment 1" "O00001 shipped 1 True" "$(json "' '.join('%s %s %s %s' % (v['volser'], v['state'], v['shipment'], v['sealed'] is not None) for v in d['volumes'] if v['pool'] == 'offsite')" "$T/out")"
check "volumes report in text" "$RUV" report volumes
check "it shows the shipped volume" grep -Eq "^O00001 +offsite +shipped +2 +[0-9]+ +1 " "$T/out"
"$RUV" report volumes >"$T/vol.txt"
check "a volume not shipped shows - for its shipment" grep -Eq "^L00001 +local +[a-z]+ +[0-9]+ +[0-9]+ +- " "$T/vol.txt"
check_eq "the copies are Offsite" "2" "$(sql "SELECT count(*) FROM copy c JOIN location l ON l.id = c.location_id WHERE l.name = 'Offsite'")"

check_eq "every moved copy is in the history, by name" "$(json "' '.join(sorted(c['name'] for v in d['volumes'] for c in v['copies']))" "$T/pl.json")" "$(sql "SELECT group_concat(subject, ' ') FROM (SELECT subject FROM history WHERE action = 'pull-list commit' AND subject != '' ORDER BY subject)")"
check_eq "each saying where it went" "Staging -> Offsite (shipment 1)" "$(sql "SELECT DISTINCT message FROM history WHERE action = 'pull-list commit' AND subject != ''")"
check "shipment list" "$RUV" shipment list
cp "$T/out" "$T/sl.txt"
check "one shipment, its volume" grep -Eq "^1 [0-9T:.Z-]+ O00001$" "$T/sl.txt"
check_eq "and only one" 1 "$(wc -l <"$T/sl.txt")"
check "shipment list in JSON" "$RUV" --json shipment list
check_eq "the same in JSON" "1 ['O00001']" "$(json "' '.join('%s %s' % (s['id'], s['volumes']) for s in d['shipments'])" "$T/out")"

dump_repo >"$T/before.sql"
check "commit with nothing to ship, in JSON" "$RUV" --json pull-list --commit
check_unchanged "commit with nothing to ship" "$T/before.sql"
check_eq "prints the empty report" "[] 0 0" "$(json "'%s %s %s' % (d['volumes'], d['copies'], d['bytes'])" "$T/out")"
check "and says so" grep -q "nothing to ship" "$T/err"
check_eq "no empty shipment" 1 "$(sql 'SELECT count(*) FROM shipment')"
mkdir "$T/ship"
check "export" "$RUV" shipment export 1 "$T/ship"

# A copy relocated back to Staging on a shipped volume: the volume keeps
# its shipment, and the pull list refuses to ship it again.
a2=$(sql "SELECT subject FROM history WHERE action = 'pull-list commit' AND subject LIKE 'A.DAT.%'")
check "relocate a copy back to Staging" "$RUV" relocate "$a2" --to Staging
dump_repo >"$T/before.sql"
check_fail "commit a volume already shipped" 1 "volume O00001 left in shipment 1, yet holds copies in Staging" "$RUV" pull-list --commit
check_unchanged "commit a volume already shipped" "$T/before.sql"
check "relocate it to Offsite" "$RUV" relocate "$a2" --to Offsite
check "then nothing to ship" "$RUV" pull-list --commit
check_eq "and the volume is still in shipment 1 only" "1 1" "$(sql "SELECT shipment_id || ' ' || (SELECT count(*) FROM shipment) FROM volume WHERE volser = 'O00001'")"

# ruv catalog at a remote site.
R="$T/remote"
check "catalog --list in JSON with no catalogue" env RUV_HOME="$R" "$RUV" --json catalog --list
check_eq "is the empty list" "[]" "$(json "d['volumes']" "$T/out")"
check "catalogue into a home that does not exist yet" env RUV_HOME="$R" "$RUV" catalog "$T/ship"
check "it says what it catalogued" grep -q "^catalogued O00001 $T/ship/O00001$" "$T/out"
check "the home was made, with the catalogue" test -s "$R/volumes.cat"
check "catalog --list in JSON" env RUV_HOME="$R" "$RUV" --json catalog --list
check_eq "lists it" "O00001 $T/ship/O00001" "$(json "' '.join(v['volser'] + ' ' + v['path'] for v in d['volumes'])" "$T/out")"
check_fail "catalogue into a home whose parent is missing" 1 "cannot create home '$T/no/such'" env RUV_HOME="$T/no/such" "$RUV" catalog "$T/ship"
check_eq "prints nothing catalogued" "" "$(cat "$T/out")"
check "and makes nothing" test ! -e "$T/no"
R2="$T/remote2"
mkdir -p "$R2/volumes.cat.tmp"
check_fail "a catalogue that cannot be saved" 1 "cannot write" env RUV_HOME="$R2" "$RUV" catalog "$T/ship"
check_eq "prints nothing catalogued" "" "$(cat "$T/out")"
check "and saves nothing" test ! -e "$R2/volumes.cat"
done_testing
