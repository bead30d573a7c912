#!/bin/sh
# ruvfs: what reaches ctl and pit is checked before anything runs.  A NUL
# or another control character refuses a ctl line (it would run its first
# part, or a word with an invisible byte in it); one trailing CR goes.
# After a failed line nothing more runs on that open file (ECANCELED),
# also when bash printf writes each line on its own.  A pit write with a
# NUL, or whose first line is neither a time nor a listing's heading,
# fails at write time, so the shell's exit status says so.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" jcl init >/dev/null
mount_ruvfs
M="$T/mnt"
locations() { sql "SELECT coalesce(group_concat(name), '-') FROM location WHERE name GLOB 'L[A-Z][a-z]*' AND name <> 'Local'"; }

# 1. NUL and control characters in ctl lines.
dump_repo >"$T/dump.before"
bash -c "printf 'location define LNul\0 --junk\n' > '$M/ctl'" 2>"$T/bash.err"
check_eq "a NUL in a ctl line: the write fails" 1 "$?"
check "bash says Invalid argument" grep -q "Invalid argument" "$T/bash.err"
check_eq "its first part did not run" "-" "$(locations)"
check "status says why" grep -q "ruvfs: ctl: a NUL byte in the line" "$M/status"
check "and shows the line escaped" grep -q 'failed   location define LNul\\x00 --junk' "$M/status"
check_eq "an escape sequence in a line is refused" "Invalid argument" \
	"$(errno_of bash -c "printf 'location define L\033[1mEsc\n' > '$M/ctl'")"
check_eq "a CR in the middle too" "Invalid argument" \
	"$(errno_of bash -c "printf 'location define L\rMid\n' > '$M/ctl'")"
check_unchanged "refused ctl lines" "$T/dump.before"
check "a tab separates words" sh -c "printf 'location\tdefine\tLTab\n' > '$M/ctl'"
check "one trailing CR goes (file list<CR>)" sh -c "printf 'file list\r\n' > '$M/ctl'"
check "file list ran, not 'list<CR>'" sh -c "! grep -q \"unknown subcommand\" '$M/status'"
check "location define LCr<CR>" sh -c "printf 'location define LCr\r\n' > '$M/ctl'"
check_eq "the locations have their names, no CR" "LCr,LTab" "$(sql "SELECT group_concat(name, ',') FROM (SELECT name FROM location WHERE name GLOB 'L[A-Z][a-z]*' AND name <> 'Local' ORDER BY name)")"

# 2. Lines after a failed line do not run, one write per line.
bash -c "exec 3>'$M/ctl'; printf 'frobnicate\n' >&3; e1=\$?; printf 'location define LAfter\n' >&3; e2=\$?; exec 3>&-; echo \$e1 \$e2" >"$T/st" 2>"$T/bash.err"
check_eq "bash printf per line: both writes fail" "1 1" "$(cat "$T/st")"
check "the second says Operation canceled" grep -q "Operation canceled" "$T/bash.err"
check_eq "the line after the failed one did not run" "LCr,LTab" "$(sql "SELECT group_concat(name, ',') FROM (SELECT name FROM location WHERE name GLOB 'L[A-Z][a-z]*' AND name <> 'Local' ORDER BY name)")"
check "status says why it did not run" grep -q "ruvfs: ctl: not run: an earlier line on this open file failed" "$M/status"
check "status shows it as canceled" grep -q "errno $(python3 -c 'import errno; print(errno.ECANCELED)') (Operation canceled)" "$M/status"
check "a new open runs again" sh -c "echo 'location define LAgain' > '$M/ctl'"
check_eq "it ran" 1 "$(sql "SELECT count(*) FROM location WHERE name = 'LAgain'")"

# Messages that told a wrong reason.
args=$(python3 -c 'print(" ".join(["x"] * 130))')
check_eq "more than 128 arguments: EINVAL" "Invalid argument" \
	"$(errno_of bash -c "echo 'file list $args' > '$M/ctl'")"
check "status says more than 128 arguments, not a quote" grep -q "ruvfs: ctl: more than 128 arguments" "$M/status"
long=$(python3 -c 'print("location define L" + "x" * 5000)')
check_eq "a line over 4095 bytes: EINVAL" "Invalid argument" \
	"$(errno_of bash -c "echo '$long' > '$M/ctl'")"
check "status says the line is too long" grep -q "ruvfs: ctl: line longer than 4095 bytes" "$M/status"

# 1 and 5. pit: a NUL, a bad first line, fail the write itself.
"$RUV" pit set 2026-11-24T07:59:59Z >/dev/null
"$RUV" pit show --json >"$T/pit.before"
dump_repo >"$T/dump.before"
bash -c "printf '2026-12-02T00:00:00Z\0junk\n' > '$M/pit'" 2>"$T/bash.err"
check_eq "a NUL in a pit write: bash fails" 1 "$?"
check "with Invalid argument" grep -q "write error: Invalid argument" "$T/bash.err"
check "status says NUL" grep -q "ruvfs: pit: a NUL byte in what is written to pit" "$M/status"
bash -c "echo BADTIME > '$M/pit'" 2>"$T/bash.err"
check_eq "echo BADTIME > pit: bash fails" 1 "$?"
check "with write error: Invalid argument" grep -q "write error: Invalid argument" "$T/bash.err"
check "status says it is neither a time nor a listing" grep -q "ruvfs: pit: pit:1: not a time" "$M/status"
check_unchanged "refused pit writes" "$T/dump.before"
"$RUV" pit show --json >"$T/pit.after"
check_same_file "the PIT is unchanged" "$T/pit.before" "$T/pit.after"
# A listing from SYSOUT: CR line ends and a form feed before each page.
sed 's/$/\r/; 1s/^/\f/' "$SRCDIR/tests/fixtures/recon-sample.txt" >"$T/sysout"
check "a SYSOUT listing with CR and form feed is taken" sh -c "cat '$T/sysout' > '$M/pit'"
check "its PIT is set" sh -c "'$RUV' pit show --json | grep -q 2025-02-10T14:42:17.364519Z"
done_testing
