#!/bin/sh
# The JCL library and the PIT, the refusals and the JSON shapes: a PIT
# field with a value of the wrong shape, a directory, a symlink or a
# binary entry in the library, a failed store: each refused naming the
# member (and line), nothing changed.  `ruv --json pit set` and
# `ruv --json jcl list` are JSON documents.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
J="$RUV_HOME/jcl"
"$RUV" jcl init >/dev/null
check "a first PIT" "$RUV" pit set 2025-03-01T00:00:00Z --offset +00:00

# refused WHAT PATTERN ARGS...: pit set is refused, nothing changed.
refused() {
	_w=$1 _p=$2
	shift 2
	dump_repo >"$T/dump.before"
	rm -rf "$T/jcl.before"
	cp -a "$J" "$T/jcl.before"
	check_fail "$_w" 1 "$_p" "$RUV" pit set "$@"
	check_unchanged "$_w" "$T/dump.before"
	check "$_w: the JCL library unchanged" diff -r "$T/jcl.before" "$J"
}

# A recognised field with an unexpected value shape.
printf '//MYJOB JOB\n  GENJCL.RECOV DBD(X) RCVTIME('"'"'25.041 09:42:17.3'"'"')\n' >"$J/MYJOB"
refused "an IMS time without its offset" "MYJOB:2: RCVTIME value '25.041 09:42:17.3'" 2025-04-01T00:00:00Z
printf '  CRESTART CREATE,ENDTIME=2025041144217\n' >"$J/MYJOB"
refused "ENDTIME= with 13 digits" "MYJOB:1: ENDTIME value '2025041144217' is not yyyydddhhmmsst" 2025-04-01T00:00:00Z
printf 'x\n  RECOVER GROUP(A) STOP_TIME(X0000000000000)\n' >"$J/MYJOB"
refused "a TOD of 13 hex digits" "MYJOB:2: STOP_TIME value 'X0000000000000'" 2025-04-01T00:00:00Z
printf "  RECOVER TOLOGPOINT X'00E06DAFFC01'\n  RECOVER TOLOGPOINT X'00E06DAF'\n" >"$J/MYJOB"
refused "an LRSN of 8 hex digits" "MYJOB:2: TOLOGPOINT value '00E06DAF' is not 12 or 20 hex digits" 2025-04-01T00:00:00Z
# Symbols and prose are the operator's: left alone, the rest rewritten.
printf '  STOP_TIME(&PIT) ENDTIME=&END RCVTIME('"'"'&RCV'"'"')\n  # --stop-time is set by ruv pit set\n' >"$J/MYJOB"
cp "$J/MYJOB" "$T/myjob"
check "symbols are left alone" "$RUV" pit set 2025-04-01T00:00:00Z --offset +00:00
check_same_file "MYJOB untouched" "$T/myjob" "$J/MYJOB"
check "the other members were rewritten" grep -q "ENDTIME=20250910000000" "$J/DB2RCVR"
rm "$J/MYJOB"

# Entries that are not members: list shows all, pit set and backup refuse.
mkdir "$J/SUBDIR"
refused "a subdirectory" "member 'SUBDIR' is a directory" 2025-05-01T00:00:00Z
check_fail "jcl backup refuses a subdirectory" 1 "member 'SUBDIR' is a directory" "$RUV" jcl backup
rmdir "$J/SUBDIR"
ln -s README "$J/ALIAS"
refused "a symbolic link" "member 'ALIAS' is a symbolic link" 2025-05-01T00:00:00Z
check_fail "jcl backup refuses a symbolic link" 1 "member 'ALIAS' is a symbolic link" "$RUV" jcl backup
mkdir "$J/SUBDIR"
printf 'bin\000ary' >"$J/BINARY"
check "jcl list with bad entries" "$RUV" jcl list
cp "$T/out" "$T/list.txt"
check "every good member listed" sh -c "grep -c -E '^(DB2RCVR|IMSRCVR|README|RECOVER|RESTREPO|TOGGLE|VSAMRCVR) ' '$T/list.txt' | grep -qx 7"
check "the binary flagged" grep -qE "^BINARY +7  BAD: binary \(a NUL byte at offset 3\)$" "$T/list.txt"
check "the directory flagged" grep -qE "^SUBDIR .*BAD: a directory$" "$T/list.txt"
check "the symlink flagged" grep -qE "^ALIAS .*BAD: a symbolic link$" "$T/list.txt"
check "ruv --json jcl list" "$RUV" --json jcl list
check "jcl list --json: the shape" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = {x["name"]: x for x in d["members"]}
assert set(m) == {"ALIAS", "BINARY", "DB2RCVR", "IMSRCVR", "README", "RECOVER", "RESTREPO", "SUBDIR", "TOGGLE", "VSAMRCVR"}, m
assert all(set(x) == {"name", "size", "problem"} for x in m.values())
assert m["README"]["problem"] is None and m["README"]["size"] > 0
assert m["BINARY"]["problem"].startswith("binary") and m["BINARY"]["size"] == 7
assert m["SUBDIR"]["problem"] == "a directory"
assert m["ALIAS"]["problem"] == "a symbolic link"
' "$T/out"
check_fail "jcl show of a directory" 1 "member 'SUBDIR' is a directory" "$RUV" jcl show SUBDIR
rm -r "$J/SUBDIR" "$J/ALIAS"
refused "a binary member" "member 'BINARY' is binary \\(a NUL byte at offset 3\\)" 2025-05-01T00:00:00Z
check_fail "jcl backup refuses a binary member" 1 "member 'BINARY' is binary" "$RUV" jcl backup
rm "$J/BINARY"

yes 'STOP_TIME(19000010000000)' | head -c 4194305 >"$J/HUGE"
refused "a member over 4 MiB" "member 'HUGE' is too large \\(over 4194304 bytes\\)" 2025-05-01T00:00:00Z
check_fail "jcl backup refuses it" 1 "member 'HUGE' is too large" "$RUV" jcl backup
check "jcl list flags it" sh -c "'$RUV' jcl list | grep -qE '^HUGE +4194305  BAD: too large'"
rm "$J/HUGE"

# A failed store leaves the members as they were.
sql "CREATE TRIGGER no_pit BEFORE INSERT ON recovery_point BEGIN SELECT RAISE(ABORT, 'refused'); END"
refused "a store that fails" "pit set" 2025-05-01T00:00:00Z
sql "DROP TRIGGER no_pit"

# A member that cannot be written (its temporary name is taken by a
# directory): the members written before it are put back, no PIT stored.
mkdir "$J/.VSAMRCVR.ruv-new"
refused "a member that cannot be written" "member 'VSAMRCVR'" 2025-05-01T00:00:00Z
rmdir "$J/.VSAMRCVR.ruv-new"

# ruv --json pit set: one JSON object, the changes inside it.
check "ruv --json pit set" "$RUV" --json pit set --recon "$SRCDIR/tests/fixtures/recon-sample.txt"
check "pit set --json: the shape" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("pit", "set", "source", "rule", "offset", "lso", "vsam", "vsam_tod", "db2_time", "lrsn6", "lrsn10", "ims", "changes"):
    assert k in d, k
assert d["pit"] == "2025-02-10T14:42:17.364519Z"
c = {(x["member"], x["line"], x["field"]): x for x in d["changes"]}
assert all(set(x) == {"member", "line", "field", "old", "new"} for x in d["changes"])
assert len(d["changes"]) == 9, d["changes"]
x = c[("VSAMRCVR", 5, "STOP_TIME")]
assert (x["old"], x["new"]) == ("20250910000000", "20250410942173"), x
x = c[("IMSRCVR", 5, "RCVTIME")]
assert x["new"] == "2025.041 09:42:17.364519 -05:00", x
assert c[("DB2RCVR", 5, "SYSPITR")]["new"] == "00E06DAFFC0142700000"
assert c[("RECOVER", 8, "--stop-time")]["new"] == "2025-02-10T14:42:17.364519Z"
' "$T/out"
check "ruv --json pit set with nothing to change" "$RUV" --json pit set --recon "$SRCDIR/tests/fixtures/recon-sample.txt"
check "an empty changes array" python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["changes"] == []' "$T/out"
done_testing
