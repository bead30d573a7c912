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
STARTERS="DB2RCVR IMSRCVR VSAMRCVR RECOVER RESTREPO TOGGLE README"
for m in $STARTERS MYJOB; do
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
check_same_file "RESTREPO untouched" "$T/jcl.before/RESTREPO" "$J/RESTREPO"
check_same_file "TOGGLE untouched" "$T/jcl.before/TOGGLE" "$J/TOGGLE"
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

# From one real PIT to another: again only the PIT values change.
cp -r "$J" "$T/jcl.mid"
check "pit set from the RECON PIT to another" "$RUV" pit set 2026-11-24T07:59:59Z --offset -05:00
for m in $STARTERS MYJOB; do
	sed -e 's/SYSPITR=00E06DAFFC0142700000/SYSPITR=00E3A1161865DC000000/' \
	    -e 's/ENDTIME=20250411442173/ENDTIME=20263280759590/' \
	    -e 's/SYSPITRT=20250411442173/SYSPITRT=20263280759590/' \
	    -e "s/TOLOGPOINT X'00E06DAFFC0142700000'/TOLOGPOINT X'00E3A1161865DC000000'/" \
	    -e "s/RCVTIME('2025.041 09:42:17.364519 -05:00')/RCVTIME('2026.328 02:59:59.000000 -05:00')/" \
	    -e 's/STOP_TIME(20250410942173)/STOP_TIME(20263280259590)/' \
	    -e 's/STOP_TIME(XE06DAFFC01427000)/STOP_TIME(XE3A1161865DC0000)/' \
	    -e 's/--stop-time 2025-02-10T14:42:17.364519Z/--stop-time 2026-11-24T07:59:59Z/' \
	    "$T/jcl.mid/$m" >"$T/expect2.$m"
	check_same_file "old PIT to new: $m changed only in its PIT fields" "$T/expect2.$m" "$J/$m"
done
check "the old PIT value is reported" grep -qxF "IMSRCVR:5: 2025.041 09:42:17.364519 -05:00 -> 2026.328 02:59:59.000000 -05:00" "$T/out"

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
check_fail "jcl restore before any backup (--time)" 1 "no JCL library backup" env RUV_HOME="$R" "$RUV" jcl restore --time 2000-01-01T00:00:00Z

# Remote-site step 1 comes before cataloguing: a bare home, --from DIR.
B="$T/bare"
check "jcl restore --from DIR on a bare home" env RUV_HOME="$B" "$RUV" jcl restore --from "$T/transport"
VOL=$(sed -n 's/.* from volume \([A-Z0-9]*\),.*/\1/p' "$T/out")
check "bare home: the library round-trips" diff -r "$J" "$B/jcl"
check "bare home: still no repository" test ! -e "$B/repository.db"
check "bare home: nothing catalogued" test ! -e "$B/volumes.cat"
check "the restore names the volume" test -n "$VOL"
rm -rf "$R/jcl"
check "jcl restore --from VOLSER (catalogued)" env RUV_HOME="$R" "$RUV" jcl restore --from "$VOL"
check "--from VOLSER: the library round-trips" diff -r "$J" "$R/jcl"
check_fail "--from an unknown VOLSER" 1 "ZZZ999.*no such volume" env RUV_HOME="$R" "$RUV" jcl restore --from ZZZ999
check_fail "--time with no value" 2 "'--time': the value is missing" env RUV_HOME="$R" "$RUV" jcl restore --time

# Two backups: --time between them takes the older library (older PIT).
check "pit set A" "$RUV" pit set 2025-03-01T00:00:00Z --offset +00:00
check "backup A" "$RUV" jcl backup
cp -r "$J" "$T/jcl.A"
between=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
check "pit set B" "$RUV" pit set 2025-04-01T00:00:00Z --offset +00:00
check "backup B" "$RUV" jcl backup
check "jcl restore --time before B" env RUV_HOME="$T/ab" "$RUV" jcl restore --from "$RUV_HOME/pools/local" --time "$between"
check "--time: the older library, with PIT A" diff -r "$T/jcl.A" "$T/ab/jcl"
check "jcl restore (newest)" env RUV_HOME="$T/b" "$RUV" jcl restore --from "$RUV_HOME/pools/local"
check "the newest library, with PIT B" diff -r "$J" "$T/b/jcl"
check "B carries PIT B" grep -q "ENDTIME=20250910000000" "$T/b/jcl/DB2RCVR"

# Volumes with only file and repository backups: no JCL backup on them.
O="$T/other"
check "another home" env RUV_HOME="$O" "$RUV" init
env RUV_HOME="$O" "$RUV" file register D.A "$T/data/a.dat" >/dev/null
check "a file backup" env RUV_HOME="$O" "$RUV" backup D.A
check "a repository backup" env RUV_HOME="$O" "$RUV" repo backup
check "those volumes exist" sh -c "ls '$O'/pools/*/* >/dev/null"
check_fail "no JCL backup on the volumes" 1 "no JCL library backup.*[1-9][0-9]* volume" env RUV_HOME="$T/r3" "$RUV" jcl restore --from "$O/pools/local" --from "$O/pools/offsite"
check "nothing was created" test ! -e "$T/r3"
done_testing
