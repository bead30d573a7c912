#!/bin/sh
# ruv group define/add/remove/delete/list and their bad inputs.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" file register PAY.B "$T/data/b.dat" >/dev/null
"$RUV" file register PAY.C "$T/data/c.dat" >/dev/null

members() {
	"$RUV" group list "$1" | tr '\n' ' ' | sed 's/ $//'
}

check "define an empty group" "$RUV" group define empty
check "define with members" "$RUV" group define payroll PAY.B pay.a
check_eq "members sorted, names folded" "PAY.A PAY.B" "$(members PAYROLL)"
check "add a member" "$RUV" group add PAYROLL PAY.C
check_eq "after add" "PAY.A PAY.B PAY.C" "$(members payroll)"
check "remove two members" "$RUV" group remove payroll PAY.A PAY.C
check_eq "after remove" "PAY.B" "$(members payroll)"
check_eq "group list" "EMPTY 0 PAYROLL 1" \
	"$("$RUV" group list | awk 'NR > 1 { printf "%s %s ", $1, $2 }' | sed 's/ $//')"
check_eq "group list --json" '{"group":"PAYROLL","members":["PAY.B"]}' \
	"$("$RUV" group list payroll --json)"
check_eq "groups --json" "EMPTY:0,PAYROLL:1" \
	"$("$RUV" --json group list | python3 -c "import json,sys; print(','.join('%s:%d' % (g['name'], g['members']) for g in json.load(sys.stdin)['groups']))")"
check "a file in two groups" "$RUV" group add EMPTY PAY.B

dump_repo >"$T/dump.before"
check_fail "define an existing group" 1 "already exists" "$RUV" group define Payroll
check_fail "define with an unknown member" 1 "not registered" "$RUV" group define NEWG PAY.A NO.SUCH
check_fail "a DSN named twice" 1 "named twice" "$RUV" group define NEWG PAY.A pay.a
check_fail "bad group name" 1 "group" "$RUV" group define 'BAD NAME'
check_fail "group name too long" 1 "group" "$RUV" group define ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456
check_fail "add to an unknown group" 1 "does not exist" "$RUV" group add NOGROUP PAY.A
check_fail "add an unknown member" 1 "not registered" "$RUV" group add PAYROLL PAY.A NO.SUCH
check_fail "add an existing member" 1 "already a member" "$RUV" group add PAYROLL PAY.B
check_fail "remove a non-member" 1 "not a member" "$RUV" group remove PAYROLL PAY.B PAY.A
check_fail "remove from an unknown group" 1 "does not exist" "$RUV" group remove NOGROUP PAY.A
check_fail "remove an unregistered DSN" 1 "not registered" "$RUV" group remove PAYROLL NO.SUCH
check_fail "delete an unknown group" 1 "does not exist" "$RUV" group delete NOGROUP
check_fail "list an unknown group" 1 "does not exist" "$RUV" group list NOGROUP
check_fail "add needs a DSN" 2 "at least one DSN" "$RUV" group add PAYROLL
check_unchanged "refused group changes" "$T/dump.before"

check "a 32-character name is fine" "$RUV" group define ABCDEFGHIJKLMNOPQRSTUVWXYZ012345
dump_repo >"$T/dump.before"
check_fail "a group with members is not deleted" 1 "group 'PAYROLL' is not empty \(1 member\): remove them first, or delete it with --force" "$RUV" group delete payroll
check_unchanged "a non-empty group" "$T/dump.before"
check_fail "--force is for delete only" 2 "--force is for delete" "$RUV" group add payroll PAY.A --force
check "delete a group, --force" "$RUV" group delete payroll --force
check_fail "it is gone" 1 "does not exist" "$RUV" group list PAYROLL
check_eq "its files stay registered" 3 \
	"$(sqlite3 "$RUV_HOME/repository.db" 'SELECT count(*) FROM file')"
check_eq "other groups keep their members" "PAY.B" "$(members EMPTY)"
done_testing
