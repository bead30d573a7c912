#!/bin/sh
# Command-line habits of the three programs: --version (and ruv -V), each
# program names itself in its messages, the usage lines show --home, and
# a failed write to standard output is a failure of every verb (message,
# exit 1), not a silent success with lost output.
. "${SRCDIR}/tests/integration/lib.sh"
: "${RUVTOGL:?RUVTOGL must name the ruvtogl binary}"
: "${RUVREPRS:?RUVREPRS must name the ruvreprs binary}"

V=$("$RUV" version)
check_eq "ruv version names ruv" "ruv" "${V%% *}"
check "ruv -V" "$RUV" -V
check_eq "ruv -V prints the version" "$V" "$(cat "$T/out")"
check "ruv --version" "$RUV" --version
check_eq "ruv --version prints the version" "$V" "$(cat "$T/out")"
check "ruvtogl --version" "$RUVTOGL" --version
check_eq "ruvtogl --version names ruvtogl" "ruvtogl ${V#ruv }" "$(cat "$T/out")"
check "ruvreprs --version" "$RUVREPRS" --version
check_eq "ruvreprs --version names ruvreprs" "ruvreprs ${V#ruv }" "$(cat "$T/out")"
check "ruvreprs -V" "$RUVREPRS" -V
check_fail "ruvtogl --version with an operand is a usage error" 2 \
	"^ruvtogl: unexpected argument 'x'" "$RUVTOGL" --version x

# Each program names itself: never "ruv:" from ruvtogl or ruvreprs.
check_fail "ruvtogl: a bad option" 2 "^ruvtogl: unknown option '--bogus'$" \
	"$RUVTOGL" --bogus
check "ruvtogl: and the help it points to" grep -qx "see 'ruvtogl --help'" "$T/err"
check_fail "ruvtogl: no home" 1 "^ruvtogl: cannot open repository: " \
	"$RUVTOGL" --home "$T/nohome"
check_fail "ruvreprs: a bad option" 2 "^ruvreprs: unknown option" \
	"$RUVREPRS" --bogus
check_fail "ruvreprs: an empty --home" 2 "^ruvreprs: '--home' needs a directory" \
	"$RUVREPRS" --home ""
unset RUV_HOME
check_fail "ruvreprs: no home named" 1 "^ruvreprs: no RUV home" "$RUVREPRS"
export RUV_HOME="$T/home"
check_fail "ruv: still ruv" 2 "^ruv: unknown verb 'bogus'$" "$RUV" bogus

# Usage lines show --home.
check "ruvtogl --help" "$RUVTOGL" --help
check "ruvtogl's usage shows --home" grep -q '^usage: ruvtogl \[--home DIR\]' "$T/out"
check "ruvreprs --help" "$RUVREPRS" --help
check "ruvreprs's usage shows --home" grep -q '^usage: ruvreprs \[--home DIR\]' "$T/out"
check "ruv --help" "$RUV" --help
cp "$T/out" "$T/help"
check "ruv's usage shows --home" grep -q '^usage: ruv \[--home DIR\]' "$T/help"
check "ruv's usage names -V" grep -q 'ruv -V | --version' "$T/help"
for v in backup file restore toggle; do
	check "ruv $v --help" "$RUV" $v --help
	check "ruv $v --help shows --home" grep -q -- "--home DIR" "$T/out"
done

# A full standard output: every verb that prints fails, exit 1, saying so.
make_home
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" group define PAYROLL PAY.A >/dev/null
"$RUV" backup PAY.A >/dev/null
"$RUV" jcl init >/dev/null 2>&1
"$RUV" pit set 2026-11-24T08:00:00Z >/dev/null
"$RUV" pull-list --commit >/dev/null 2>&1
full() {
	check_fail "ruv $* > /dev/full" 1 \
		"^ruv: write error on standard output: No space left on device$" \
		sh -c '"$0" "$@" >/dev/full' "$RUV" "$@"
}
full file list
full --json file list
full group list
full group list PAYROLL
full location list
full history
full report backups
full report volumes
full pull-list
full shipment list
full shipment show 1
full pit show
full jcl list
full volume scan "$RUV_HOME"/pools/local/*
full verify PAY.A
full help
full version
full backup --help
check_fail "ruvtogl --dry-run > /dev/full" 1 \
	"^ruvtogl: write error on standard output: No space left on device$" \
	sh -c '"$0" --dry-run >/dev/full' "$RUVTOGL"
check_fail "ruvtogl --version > /dev/full" 1 \
	"^ruvtogl: write error on standard output" \
	sh -c '"$0" --version >/dev/full' "$RUVTOGL"
check_fail "ruvreprs --help > /dev/full" 1 \
	"^ruvreprs: write error on standard output" \
	sh -c '"$0" --help >/dev/full' "$RUVREPRS"
# Output longer than stdio's buffer fails at a write before the exit.
i=0
while [ $i -lt 300 ]; do
	"$RUV" location define "SITE$i" >/dev/null || break
	i=$((i + 1))
done
check_fail "a long listing > /dev/full" 1 \
	"^ruv: write error on standard output: No space left on device$" \
	sh -c '"$0" location list >/dev/full' "$RUV"
# A verb that fails on its own keeps its message; the write error adds one.
check_fail "ruv file list of no home > /dev/full: exit 1" 1 \
	"^ruv: cannot open repository" \
	sh -c '"$0" --home "$1" file list >/dev/full' "$RUV" "$T/nohome"
# A closed standard output with nothing written is no failure.
check "ruv file register with stdout closed, nothing written" \
	sh -c '"$0" group add PAYROLL PAY.A >&- 2>/dev/null; [ $? -ne 2 ]' "$RUV"
check "a normal stdout still works" "$RUV" file list
check "and lists the file" grep -q '^PAY.A' "$T/out"
done_testing
