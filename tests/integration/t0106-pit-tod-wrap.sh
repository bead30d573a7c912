#!/bin/sh
# JCL library entries outside the member rule are shown and warned of,
# never skipped silently and never a refusal; editor temporaries are
# ignored silently.
# ruv pit set past the end of the 8-byte TOD clock (2042-09-17T23:53:47.
# 370496Z, less the leap seconds of --lso): the 10-byte LRSN forms carry
# epoch byte 01 (not a time in 1907), and a member holding a form that
# cannot say such a time (STOP_TIME(X...), the 6-byte LRSN) is refused,
# naming member:line, with nothing changed.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" jcl init >/dev/null
J="$RUV_HOME/jcl"

# Just before the wrap: the old forms, all of them.
check "pit set one microsecond before the wrap" "$RUV" pit set 2042-09-17T23:53:47.370495Z
check "SYSPITR has epoch 00 and the last TOD" grep -q "SYSPITR=00FFFFFFFFFFFFF00000" "$J/DB2RCVR"
check "STOP_TIME(X...) the last TOD value" grep -q "STOP_TIME(XFFFFFFFFFFFFF000)" "$J/VSAMRCVR"
check "TOLOGPOINT (10 bytes) too" grep -q "TOLOGPOINT X'00FFFFFFFFFFFFF00000'" "$J/DB2RCVR"

# At 2050: refused while VSAMRCVR holds an 8-byte TOD.
cp -R "$J" "$T/jcl.before"
dump_repo >"$T/dump.before"
check_fail "pit set 2050 with an 8-byte TOD in a member" 1 \
	"VSAMRCVR:6: STOP_TIME value 'XFFFFFFFFFFFFF000' cannot express 2050-01-01T00:00:00Z.*nothing changed" \
	"$RUV" pit set 2050-01-01T00:00:00Z
check_unchanged "refused past the wrap" "$T/dump.before"
check "the members are unchanged" diff -r "$T/jcl.before" "$J"
# A 6-byte LRSN is refused the same way.
sed -i '/STOP_TIME(X/d' "$J/VSAMRCVR"
printf '  RECOVER TOLOGPOINT X%sFFFFFFFFFFFF%s\n' "'" "'" >>"$J/DB2RCVR"
n=$(wc -l <"$J/DB2RCVR")
check_fail "pit set 2050 with a 6-byte LRSN in a member" 1 \
	"DB2RCVR:$n: TOLOGPOINT value 'FFFFFFFFFFFF' cannot express 2050-01-01T00:00:00Z" \
	"$RUV" pit set 2050-01-01T00:00:00Z
sed -i '$d' "$J/DB2RCVR"

# Without them: epoch byte 01 in the 10-byte forms, 2050 in the others.
check "pit set 2050 without 8-byte forms" "$RUV" pit set 2050-01-01T00:00:00Z
check "SYSPITR with epoch byte 01" grep -q "SYSPITR=010D12E63C6200000000" "$J/DB2RCVR"
check "TOLOGPOINT with epoch byte 01" grep -q "TOLOGPOINT X'010D12E63C6200000000'" "$J/DB2RCVR"
check "VSAM 14-digit STOP_TIME in 2050" grep -q "STOP_TIME(20500010000000)" "$J/VSAMRCVR"
check_eq "pit show --json: lrsn10, no 8-byte TOD, no 6-byte LRSN" "010D12E63C6200000000 None None" \
	"$("$RUV" pit show --json | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['lrsn10'], d['vsam_tod'], d['lrsn6'])")"
check "pit show says why they are missing" sh -c "'$RUV' pit show | grep -q 'none: past the 8-byte TOD'"

# --lso 27 moves the wrap 27 seconds earlier.
check "pit set just before the wrap less 27 s, --lso 27" "$RUV" pit set 2042-09-17T23:53:20.370495Z --lso 27
check "still epoch 00" grep -q "SYSPITR=00FFFFFFFFFFFFF00000" "$J/DB2RCVR"
check "pit set at the wrap less 27 s, --lso 27" "$RUV" pit set 2042-09-17T23:53:20.370496Z --lso 27
check "epoch 01" grep -q "SYSPITR=01000000000000000000" "$J/DB2RCVR"
# Entries outside the member rule: IGNORED in jcl list, a warning naming
# each from pit set and jcl backup, no refusal; X~ beside member X and
# vi's .X.swp are an edit in progress: silent.
long=$(printf '%070d' 0 | tr 0 A)
for e in "MY JOB" "job~" "$long" "VSAMRCVR~" ".VSAMRCVR.swp"; do
	printf '  STOP_TIME(20250410942173)\n' >"$J/$e"
done
"$RUV" jcl list >"$T/list.out"
check "jcl list: MY JOB IGNORED with why" grep -q "^MY JOB .*IGNORED: not a member name (member 'MY JOB': bad character ' '" "$T/list.out"
check "jcl list: job~ IGNORED" grep -q "^job~ .*IGNORED: not a member name" "$T/list.out"
check "jcl list: the 70-character name IGNORED, too long" grep -q "^$long .*IGNORED: .*too long (70 characters" "$T/list.out"
check "jcl list: VSAMRCVR~ and .VSAMRCVR.swp not shown" sh -c "! grep -q 'VSAMRCVR[~.]' '$T/list.out'"
check_eq "jcl list --json marks them ignored" 3 "$("$RUV" jcl list --json | python3 -c 'import json,sys; print(sum(1 for m in json.load(sys.stdin)["members"] if m.get("ignored")))')"
check "pit set is not refused" "$RUV" pit set 2026-11-24T07:59:59Z
cp "$T/err" "$T/pit.err"
check "it warns of MY JOB" grep -q "^ruv: warning: jcl/MY JOB is ignored, the PIT is not written there: not a member name" "$T/pit.err"
check "and of job~" grep -q "^ruv: warning: jcl/job~ is ignored" "$T/pit.err"
check_eq "three warnings, no word of the editor's files" 3 "$(grep -c warning "$T/pit.err")"
check "jcl backup is not refused" "$RUV" jcl backup
check "it warns of them too" grep -q "^ruv: warning: jcl/MY JOB is ignored, not backed up" "$T/err"
done_testing
