#!/bin/sh
# ruvtogl / ruv toggle: defaults, idempotence, dry run, bad input.
. "${SRCDIR}/tests/integration/lib.sh"
: "${RUVTOGL:?RUVTOGL must name the ruvtogl binary}"
make_home

states() {
	sql "SELECT name || '=' || active FROM location ORDER BY name" | tr '\n' ' ' | sed 's/ $//'
}
check_eq "before" "Local=1 Offsite=0 Staging=0" "$(states)"
dump_repo >"$T/dump.before"
check "dry run" "$RUVTOGL" --dry-run
check_eq "dry run says what it would do" "would inactivate Local
would activate Offsite" "$(cat "$T/out")"
check_unchanged "dry run" "$T/dump.before"
check "toggle with the defaults" "$RUVTOGL"
check_eq "it says what it changed" "inactivated Local
activated Offsite" "$(cat "$T/out")"
check_eq "after" "Local=0 Offsite=1 Staging=0" "$(states)"
dump_repo >"$T/dump.once"
check "toggle again" "$RUVTOGL"
check_eq "the second run changes nothing" "" "$(cat "$T/out")"
check_unchanged "second toggle" "$T/dump.once"
check "ruv toggle names them" "$RUV" toggle --inactivate offsite --activate LOCAL --activate Staging
check_eq "after the explicit toggle" "Local=1 Offsite=0 Staging=1" "$(states)"
check "history records each change" sh -c "'$RUV' history | grep -c ' toggle ' | grep -qx 5"

dump_repo >"$T/dump.before"
check_fail "unknown location" 1 "location 'Mars' does not exist" "$RUVTOGL" --inactivate Local --activate Mars
check_fail "both ways at once" 1 "both" "$RUVTOGL" --inactivate Local --activate local
check_fail "operand" 2 "unexpected argument" "$RUVTOGL" Local
check_fail "unknown option" 2 "unknown option" "$RUVTOGL" --frob
check_unchanged "refused toggles" "$T/dump.before"
check "ruvtogl --help" sh -c "'$RUVTOGL' --help | grep -q '^usage: ruvtogl'"
check "ruvtogl takes --home" "$RUVTOGL" --home "$RUV_HOME" --dry-run
done_testing
