#!/bin/sh
# jcl restore and damage: the newest library backup damaged on one copy
# restores from the other; damaged on every copy it is refused, naming
# the data set and VOLSER (an older library may carry an older PIT), and
# --time before it takes the older one.  A local member that differs as
# bytes, or is not a readable file, is replaced only with --force.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
J="$RUV_HOME/jcl"
"$RUV" jcl init >/dev/null
check "PIT A" "$RUV" pit set 2025-03-01T00:00:00Z --offset +00:00
check "backup A" "$RUV" jcl backup
cp -r "$J" "$T/jcl.A"
between=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
check "PIT B" "$RUV" pit set 2025-04-01T00:00:00Z --offset +00:00
check "backup B" "$RUV" jcl backup
cp -r "$J" "$T/jcl.B"
FROM="--from $RUV_HOME/pools/local --from $RUV_HOME/pools/offsite"

# jcl_datasets: every JCL data set on the home's volumes, one line each,
# "created path offset length volser seq", oldest first.
jcl_datasets() {
	"$RUV" --json volume scan "$RUV_HOME"/pools/local/* "$RUV_HOME"/pools/offsite/* >"$T/scan.json"
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for v in d["volumes"]:
    for x in v["datasets"]:
        if x["kind"] == "jcl":
            print(x["created"], v["path"], x["offset"], x["length"], v["volser"], x["seq"])
' "$T/scan.json" | sort
}
jcl_datasets >"$T/jcl.ds"
check_eq "two backups, two copies each" 4 "$(wc -l <"$T/jcl.ds")"
# The copies of B are the two newest.
sed -n 3p "$T/jcl.ds" >"$T/b1"
sed -n 4p "$T/jcl.ds" >"$T/b2"
read -r _ b1path b1off b1len b1vol b1seq <"$T/b1"
read -r _ b2path b2off b2len b2vol b2seq <"$T/b2"

flip_byte "$b1path" $((b1off + b1len / 2))
check "B damaged on one copy: restored from the other" env RUV_HOME="$T/r1" "$RUV" jcl restore $FROM
check "from the sound copy's volume" grep -q "from volume $b2vol," "$T/out"
check "it is library B" diff -r "$T/jcl.B" "$T/r1/jcl"

flip_byte "$b2path" $((b2off + b2len / 2))
check_fail "B damaged on every copy: refused" 1 "newest JCL library backup, data set [0-9]+ .* on volume ($b1vol|$b2vol) .*damaged.*--time" \
	env RUV_HOME="$T/r2" "$RUV" jcl restore $FROM
cp "$T/err" "$T/refusal"
check "the older one is named as the way out" grep -q "takes the older one" "$T/refusal"
hint=$(sed -n 's/.*nothing restored: --time \([^ ]*\) (before it).*/\1/p' "$T/refusal")
mkdir -p "$T/r2h"
check "the --time the message names takes the older library" env RUV_HOME="$T/r2h/home" "$RUV" jcl restore $FROM --time "$hint"
check "it is library A, not a copy of B" diff -r "$T/jcl.A" "$T/r2h/home/jcl"
check "nothing restored" test ! -e "$T/r2/jcl"
check "jcl restore --time before B" env RUV_HOME="$T/r2" "$RUV" jcl restore $FROM --time "$between"
check "it is library A" diff -r "$T/jcl.A" "$T/r2/jcl"

# Byte comparison with what is there: a member with a NUL byte differs.
check "a good restore of A" env RUV_HOME="$T/r3" "$RUV" jcl restore $FROM --time "$between"
printf 'ruvtogl --inactivate Local\000 --activate Offsite\n' >"$T/r3/jcl/TOGGLE"
cp "$T/r3/jcl/TOGGLE" "$T/toggle.nul"
check_fail "a member with a NUL byte is not overwritten" 1 "TOGGLE.*binary.*--force" \
	env RUV_HOME="$T/r3" "$RUV" jcl restore $FROM --time "$between"
check_same_file "the local TOGGLE is kept" "$T/toggle.nul" "$T/r3/jcl/TOGGLE"
mv "$T/r3/jcl/RECOVER" "$T/recover.away"
mkdir "$T/r3/jcl/RECOVER"
printf 'tmp\n' >"$T/r3/jcl/RECOVER/x"
check_fail "a directory in a member's place is not overwritten" 1 "differ.*--force" \
	env RUV_HOME="$T/r3" "$RUV" jcl restore $FROM --time "$between"
check "it is named, with why" grep -q "2 member(s) differ.*'RECOVER' first: a directory" "$T/err"
check "the directory is kept" test -f "$T/r3/jcl/RECOVER/x"
rm -r "$T/r3/jcl/RECOVER"
check "jcl restore --force" env RUV_HOME="$T/r3" "$RUV" jcl restore $FROM --time "$between" --force
check "replaced" grep -q "^replaced TOGGLE$" "$T/out"
check "--force: library A exactly" diff -r "$T/jcl.A" "$T/r3/jcl"

# Damage the scan itself finds (a trailer): refused the same way.
check "PIT C" "$RUV" pit set 2025-06-01T00:00:00Z --offset +00:00
check "backup C" "$RUV" jcl backup
jcl_datasets | tail -n 2 >"$T/c.ds"
while read -r _ cpath coff clen _ _; do
	flip_byte "$cpath" $((coff + clen - 40)) # in the trailer
done <"$T/c.ds"
check_fail "C's trailer damaged on every copy: refused" 1 "newest JCL library backup, data set [0-9]+ .* is damaged \(the volume scan finds it damaged\).*--time" \
	env RUV_HOME="$T/r4" "$RUV" jcl restore $FROM
hint=$(sed -n 's/.*nothing restored: --time \([^ ]*\) (before it).*/\1/p' "$T/err")
check "nothing restored" test ! -e "$T/r4"
# Each copy of C was written at its own time: the --time offered must be
# before all of them, or it would take C again.
check "the --time offered is before every copy of C" python3 -c '
import sys
h = sys.argv[1]
assert h, "no --time in the message"
for line in open(sys.argv[2]):
    assert h < line.split()[0], (h, line)
' "$hint" "$T/c.ds"
done_testing
