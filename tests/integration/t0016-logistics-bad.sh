#!/bin/sh
# Bad input to the logistics: ruv catalog, shipment export, ruvreprs.
. "${SRCDIR}/tests/integration/lib.sh"
: "${RUVREPRS:?RUVREPRS must name the ruvreprs binary}"
printf '[backup]\nchunk_size = 64K\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
make_home
head -c 200000 /dev/urandom >"$T/data/r.dat"
"$RUV" file register B.R "$T/data/r.dat" >/dev/null
"$RUV" backup B.R >/dev/null
"$RUV" repo backup >/dev/null
"$RUV" pull-list --commit >/dev/null 2>&1
mkdir "$T/ship"
"$RUV" shipment export 1 "$T/ship" >/dev/null

R="$T/remote"
mkdir "$R"
cp -a "$T/ship" "$T/junk" && printf 'not a volume\n' >"$T/junk/README.txt"
check_fail "catalog a directory with a non-volume file" 1 "README.txt.*not a volume" env RUV_HOME="$R" "$RUV" catalog "$T/junk"
check "and nothing was catalogued" test ! -e "$R/volumes.cat"
mkdir "$T/dup" && cp "$T/ship/O00001" "$T/dup/O00001" && cp "$T/ship/O00001" "$T/dup/COPY"
check_fail "two files claiming one VOLSER" 1 "two files claim VOLSER O00001: .*(O00001|COPY).*and.*(O00001|COPY)" env RUV_HOME="$R" "$RUV" catalog "$T/dup"
check "still nothing catalogued" test ! -e "$R/volumes.cat"
mkdir "$T/bad" && cp "$T/ship/O00001" "$T/bad/O00001" && flip_byte "$T/bad/O00001" 20
check_fail "a damaged label" 1 "label is damaged" env RUV_HOME="$R" "$RUV" catalog "$T/bad"
check "catalog the good one" env RUV_HOME="$R" "$RUV" catalog "$T/ship"
check_fail "the same VOLSER from another directory" 1 "two files claim VOLSER O00001" env RUV_HOME="$R" "$RUV" catalog "$T/dup"
check_eq "the catalogue still has the first" "O00001 $T/ship/O00001" "$(env RUV_HOME="$R" "$RUV" catalog --list)"

# ruvreprs with only a damaged repository backup.
cp "$T/ship/O00001" "$T/bad/O00001"
off=$("$RUV" volume scan --json "$T/bad/O00001" | python3 -c "
import json, sys
for d in json.load(sys.stdin)['volumes'][0]['datasets']:
    if d['kind'] == 'repository': print(d['offset'] + d['length'] // 2)")
flip_byte "$T/bad/O00001" "$off"
check_fail "ruvreprs with only a damaged repository backup" 1 "checksum|damaged" env RUV_HOME="$T/r2" "$RUVREPRS" --from "$T/bad"
check "and nothing was made: no home, no directories" test ! -e "$T/r2"
mkdir "$T/r2b"
check_fail "the same into an existing empty home" 1 "is damaged; nothing installed; there is no older one" env RUV_HOME="$T/r2b" "$RUVREPRS" --from "$T/bad"
check_eq "which stays empty" "" "$(ls -A "$T/r2b")"
check_fail "ruvreprs with nothing to find" 1 "no repository backup" env RUV_HOME="$T/r3" "$RUVREPRS" --from "$T/data"
check_fail "ruvreprs from a VOLSER nobody has" 1 "no such volume" env RUV_HOME="$T/r3" "$RUVREPRS" --from Q99999

# Export into a full directory.
mkdir "$T/tiny"
if mount -t tmpfs -o size=64k tmpfs "$T/tiny"; then
	at_exit umount "$T/tiny"
	check_fail "export into a full directory" 1 "No space left" "$RUV" shipment export 1 "$T/tiny"
	check_eq "no partial file is left" "" "$(ls -A "$T/tiny")"
	umount "$T/tiny"
else
	not_ok "export into a full directory: cannot mount a small tmpfs"
fi
# Export of a shipment whose volume is damaged in the pool: refused.
check "the exported volume verifies" "$RUV" volume scan --verify "$T/ship/O00001"
off=$("$RUV" volume scan --json "$RUV_HOME/pools/offsite/O00001" | python3 -c "
import json, sys
for d in json.load(sys.stdin)['volumes'][0]['datasets']:
    if d['kind'] == 'backup': print(d['offset'] + d['length'] // 2, d['seq'])")
flip_byte "$RUV_HOME/pools/offsite/O00001" "${off% *}"
mkdir "$T/ship2"
dump_repo >"$T/before.sql"
check_fail "export of a damaged volume" 1 "volume O00001: data set ${off#* } 'B\.R\..*' does not verify; nothing exported: .*checksum" "$RUV" shipment export 1 "$T/ship2"
check_eq "nothing was exported, no partial file" "" "$(ls -A "$T/ship2")"
check_unchanged "export of a damaged volume" "$T/before.sql"
flip_byte "$RUV_HOME/pools/offsite/O00001" "${off% *}"
check "once repaired it exports" "$RUV" shipment export 1 "$T/ship2"
check "and the copy verifies" "$RUV" volume scan --verify "$T/ship2/O00001"
done_testing
