#!/bin/sh
# The recovery JCL library and the PIT: starter members, setting the PIT
# from a RECON listing and from a time, in-place rewrites limited to the
# PIT fields, and every bad input refused with nothing changed.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
FIX="$SRCDIR/tests/fixtures/recon-sample.txt"
J="$RUV_HOME/jcl"

check "jcl init writes the starter members" "$RUV" jcl init
check_eq "the members" "DB2RCVR IMSRCVR README RECOVER RESTREPO TOGGLE VSAMRCVR" "$(ls "$J" | tr '\n' ' ' | sed 's/ $//')"
printf '// MY OWN JOB\n  STOP_TIME(19000010000000)  edited by hand\n' >"$J/MYJOB"
printf 'operator notes\n' >"$J/DB2RCVR"
check "jcl init again" "$RUV" jcl init
check_eq "an existing member is never overwritten" "operator notes" "$(cat "$J/DB2RCVR")"
rm "$J/DB2RCVR" && "$RUV" jcl init >/dev/null
check "jcl list" sh -c "'$RUV' jcl list | grep -q '^MYJOB'"
check "jcl show" sh -c "'$RUV' jcl show MYJOB | grep -q 'MY OWN JOB'"
check_fail "jcl show of a dot file" 1 "starts with a dot|member" "$RUV" jcl show .MYJOB.swp
cp -r "$J" "$T/jcl.before"

check "pit set --recon" "$RUV" pit set --recon "$FIX"
check "it reports member, line, old and new" grep -q "^VSAMRCVR:5: 19000010000000 -> 20250410942173$" "$T/out"
# Byte-exact: the members equal the originals with only the PIT values changed.
for m in DB2RCVR IMSRCVR VSAMRCVR MYJOB RECOVER; do
	sed -e 's/SYSPITR=00000000000000000000/SYSPITR=00E06DAFFC0142700000/' \
	    -e 's/ENDTIME=19000010000000/ENDTIME=20250411442173/' \
	    -e 's/SYSPITRT=19000010000000/SYSPITRT=20250411442173/' \
	    -e "s/TOLOGPOINT X'00000000000000000000'/TOLOGPOINT X'00E06DAFFC0142700000'/" \
	    -e "s/RCVTIME('1900.001 00:00:00.000000 +00:00')/RCVTIME('2025.041 09:42:17.364519 -05:00')/" \
	    -e 's/STOP_TIME(19000010000000)/STOP_TIME(20250410942173)/' \
	    -e 's/STOP_TIME(X0000000000000000)/STOP_TIME(XE06DAFFC01427000)/' \
	    -e 's/--stop-time 1970-01-01T00:00:00Z/--stop-time 2025-02-10T14:42:17.364519Z/' \
	    "$T/jcl.before/$m" >"$T/expect.$m"
	check_same_file "$m changed only in its PIT fields" "$T/expect.$m" "$J/$m"
done
check_same_file "README untouched" "$T/jcl.before/README" "$J/README"
check_eq "modes kept" "755" "$(stat -c %a "$J/RECOVER")"
"$RUV" pit show --json >"$T/pit.json"
check_eq "pit show: the IMS PIT" "2025-02-10T14:42:17.364519Z|2025.041 09:42:17.364519 -05:00|20250411442173|00E06DAFFC0142700000|E06DAFFC0142|20250410942173|XE06DAFFC01427000" \
	"$(python3 -c "import json,sys; p=json.load(open(sys.argv[1])); print('|'.join([p['pit'], p['ims'], p['db2_time'], p['lrsn10'], p['lrsn6'], p['vsam'], p['vsam_tod']]))" "$T/pit.json")"
check "history records it" sh -c "'$RUV' history | grep -q 'pit set'"

# Bad input: a clear message naming file and line, nothing changed.
cp -r "$J" "$T/jcl.now"
dump_repo >"$T/dump.before"
printf 'hello\nthis is not a listing\n' >"$T/notrecon"
check_fail "not a RECON listing" 1 "notrecon: not a RECON listing" "$RUV" pit set --recon "$T/notrecon"
head -n 115 "$FIX" >"$T/cut"
check_fail "a listing cut in a record" 1 "cut:[0-9]+: .*truncated|cut:[0-9]+: .*incomplete" "$RUV" pit set --recon "$T/cut"
sed 's/2025.041 09:42:17.364519 -05:00/2025.367 09:42:17.364519 -05:00/' "$FIX" >"$T/day367"
check_fail "day 367" 1 "day367:[0-9]+: bad time.*367" "$RUV" pit set --recon "$T/day367"
sed 's/2025.041 06:01:12.004417 -05:00/2025.041 25:01:12.004417 -05:00/' "$FIX" >"$T/hour25"
check_fail "hour 25" 1 "hour25:[0-9]+: bad time.*hour 25" "$RUV" pit set --recon "$T/hour25"
awk '/^PRILOG|^SECLOG|^PRISLD|^SECSLD/ { skip = 1 } /^-----/ { skip = 0 } !skip' "$FIX" >"$T/nologs"
check_fail "no log records" 1 "no log records" "$RUV" pit set --recon "$T/nologs"
sed -E 's/20([0-9][0-9])\.([0-9]{3}) ([0-9:.]+) -05:00/\1.\2 \3/g; s/0000\.000 00:00:00\.000000 -05:00/00.000 00:00:00.000000/g' "$FIX" >"$T/yy"
check_fail "YY format without --offset" 1 "offset" "$RUV" pit set --recon "$T/yy"
printf 'bin\000ary\n' >"$J/BINARY"
check_fail "a binary member" 1 "BINARY.*binary" "$RUV" pit set 2026-11-24T07:59:59Z
rm "$J/BINARY"
check_fail "a bad time" 1 "time" "$RUV" pit set 2026-02-30T00:00:00Z
check_fail "a missing listing" 1 "No such file" "$RUV" pit set --recon "$T/nope"
check_fail "a bad --offset" 2 "offset" "$RUV" pit set --recon "$FIX" --offset 5
check_unchanged "refused PIT settings" "$T/dump.before"
check "the JCL library is unchanged" diff -r "$T/jcl.now" "$J"

check "YY format with --offset" "$RUV" pit set --recon "$T/yy" --offset -05:00
check_eq "the same PIT" "2025-02-10T14:42:17.364519Z" "$("$RUV" pit show --json | python3 -c "import json,sys; print(json.load(sys.stdin)['pit'])")"
check "pit set TIME" "$RUV" pit set 2026-11-24T07:59:59Z
check "the RECOVER member carries it" grep -q -- "--stop-time 2026-11-24T07:59:59Z" "$J/RECOVER"
check_eq "TOD with 27 leap seconds" "XE06DB015C10E7000" "$(TZ=UTC "$RUV" pit set 2025-02-10T14:42:17.364519Z --lso 27 --json >/dev/null; "$RUV" pit show --json | python3 -c "import json,sys; print(json.load(sys.stdin)['vsam_tod'])")"

# The library travels with the shipment and comes back with no repository.
check "jcl backup" "$RUV" jcl backup
check "it ships with the pull list" sh -c "'$RUV' pull-list | grep -q RUV.JCLLIB"
"$RUV" pull-list --commit >/dev/null 2>&1
mkdir "$T/transport"
"$RUV" shipment export 1 "$T/transport" >/dev/null
R="$T/remote"
mkdir "$R"
check "catalog at the remote site" env RUV_HOME="$R" "$RUV" catalog "$T/transport"
check "jcl restore with no repository" env RUV_HOME="$R" "$RUV" jcl restore
check "there is still no repository" test ! -e "$R/repository.db"
check "the library round-trips byte-exact" diff -r "$J" "$R/jcl"
check_eq "modes too" "755" "$(stat -c %a "$R/jcl/RECOVER")"
printf 'edited at the remote site\n' >>"$R/jcl/TOGGLE"
cp "$R/jcl/TOGGLE" "$T/toggle.edited"
check_fail "a differing member is not overwritten" 1 "TOGGLE.*--force" env RUV_HOME="$R" "$RUV" jcl restore
check_same_file "the edit is kept" "$T/toggle.edited" "$R/jcl/TOGGLE"
check "jcl restore --force" env RUV_HOME="$R" "$RUV" jcl restore --force
check_same_file "forced back to the backup" "$J/TOGGLE" "$R/jcl/TOGGLE"
check_fail "no JCL backup on the volumes" 1 "no JCL library backup" env RUV_HOME="$T/r3" "$RUV" jcl restore --from "$T/data"
check_fail "jcl restore before any backup (--time)" 1 "no JCL library backup" env RUV_HOME="$R" "$RUV" jcl restore --time 2000-01-01T00:00:00Z
done_testing
