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
# Every verb help lists is found (the table is searched as sorted) and
# its --help, and `ruv help VERB`, print its usage on stdout, exit 0,
# with nothing on stderr.
"$RUV" help | awk '/^Verbs:/ { on = 1; next } on && /^  [a-z]/ { print $1 }' >"$T/verbs"
check "help lists the verbs (a loop over none would prove nothing)" \
	test "$(wc -l <"$T/verbs")" -ge 20
check "help lists backup to volume" sh -c "grep -qx backup '$T/verbs' && grep -qx volume '$T/verbs'"
# usage_ok WHAT WANT CMD...: exit 0, a line starting "usage: WANT" (then
# a blank or the end) on stdout, stderr empty.
usage_ok() {
	_uw=$1 _uu=$2
	shift 2
	"$@" >"$T/uout" 2>"$T/uerr"
	_us=$?
	if [ "$_us" -ne 0 ]; then
		not_ok "$_uw (exit $_us)"
	elif ! grep -Eq "^usage: $_uu( |\$)" "$T/uout"; then
		not_ok "$_uw (no line 'usage: $_uu')"
		sed 's/^/# /' "$T/uout" | head -n 3
	elif [ -s "$T/uerr" ]; then
		not_ok "$_uw (says something on stderr)"
		sed 's/^/# /' "$T/uerr"
	else
		ok "$_uw"
	fi
}
while read -r v; do
	usage_ok "$v --help" "ruv $v" "$RUV" "$v" --help
	usage_ok "$v -h" "ruv $v" "$RUV" "$v" -h
	usage_ok "help $v" "ruv $v" "$RUV" help "$v"
done <"$T/verbs"
usage_ok "ruvreprs --help" ruvreprs "$RUVREPRS" --help
usage_ok "ruvtogl --help" ruvtogl "$RUVTOGL" --help
usage_ok "ruv --help" "ruv \\[--home" "$RUV" --help
check_eq "version prints the version" "ruv $("$RUV" --version | sed 's/^ruv //')" "$("$RUV" version)"
check_fail "version takes no operands" 2 "unexpected argument 'x'" "$RUV" version x
check_fail "help of an unknown verb" 2 "unknown verb 'nosuch'" "$RUV" help nosuch
check_fail "help takes one verb" 2 "unexpected argument 'group'" "$RUV" help file group
check_fail "unknown verb" 2 "unknown verb 'frobnicate'" "$RUV" frobnicate
check_eq "a usage error is the message and where to look" \
	"ruv: unknown verb 'frobnicate'|see 'ruv --help'" "$(tr '\n' '|' <"$T/err" | sed 's/|$//')"
check_fail "a verb's usage error" 2 "unknown option '--frob'" "$RUV" file list --frob
check_eq "points at the verb's --help" \
	"ruv: unknown option '--frob'|see 'ruv file --help'" "$(tr '\n' '|' <"$T/err" | sed 's/|$//')"
check_fail "a two-word verb's usage error" 2 "unexpected argument" "$RUV" pull-list extra
check_eq "points at pull-list --help" "see 'ruv pull-list --help'" "$(tail -n 1 "$T/err")"
check_fail "ruvtogl's usage error" 2 "unknown option" "$RUVTOGL" --frob
check_eq "points at ruvtogl --help" "see 'ruvtogl --help'" "$(tail -n 1 "$T/err")"
check_fail "no verb" 2 "no verb" "$RUV"
check_fail "--home without a value" 2 "needs a value" "$RUV" file list --home
done_testing
