#!/bin/sh
# ruv location list/define, ruv history, ruv help.
. "${SRCDIR}/tests/integration/lib.sh"
make_home

check_eq "seeded locations" "Local active;Offsite inactive;Staging inactive" \
	"$("$RUV" location list | awk 'NR > 1 { printf "%s %s;", $1, $2 }' | sed 's/;$//')"
check "define a location" "$RUV" location define Vault2
check "define an active location" "$RUV" location define DR-Site --active
check_eq "json shape" '{"name":"DR-Site","active":true,"copies":0}' \
	"$("$RUV" location list --json | python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin)['locations'][0], separators=(',', ':')))")"
dump_repo >"$T/dump.before"
check_fail "duplicate location" 1 "already exists" "$RUV" location define vault2
check_fail "bad location name" 1 "location" "$RUV" location define 9lives
check_fail "location name too long" 1 "location" "$RUV" location define ABCDEFGHIJKLMNOPQ
check_fail "define needs a name" 2 "needs one LOC" "$RUV" location define
check_unchanged "refused location changes" "$T/dump.before"

"$RUV" history >"$T/hist"
check "history has the defines" grep -q "location define.*Vault2: inactive" "$T/hist"
check_eq "history --last 1" 1 "$("$RUV" history --last 1 | wc -l)"
check "history --last 1 is the newest" sh -c "'$RUV' history --last 1 | grep -q DR-Site"
check_eq "history --json" "init,location define,location define" \
	"$("$RUV" history --json | python3 -c "import json,sys; print(','.join(e['action'] for e in json.load(sys.stdin)['history']))")"
check_fail "history --last bad" 2 "not a count" "$RUV" history --last -3

check "help lists the verbs" sh -c "'$RUV' help | grep -q '^  group '"
# Every verb help lists is found (the table is searched as sorted).
for v in $("$RUV" help | awk '/^Verbs:/ { on = 1; next } on && /^  [a-z]/ { print $1 }'); do
	check "verb $v is found" sh -c "'$RUV' $v --help >/dev/null"
done
for v in file group history init location; do
	check "$v --help" sh -c "'$RUV' $v --help | grep -q '^usage: ruv $v'"
	check "help $v" sh -c "'$RUV' help $v | grep -q '^usage: ruv $v'"
done
check_fail "unknown verb" 2 "unknown verb" "$RUV" frobnicate
check_fail "no verb" 2 "no verb" "$RUV"
check_fail "--home without a value" 2 "needs a value" "$RUV" file list --home
done_testing
