#!/bin/sh
# One errno boundary: every failure of a verb sets the exit status and
# tells ruvfs its errno, so a line written to ctl fails with the errno
# the command meant (EIO only for storage failures); group deletion
# agrees between ctl, the CLI and rmdir; a bad --time is a usage error.
. "${SRCDIR}/tests/integration/lib.sh"
: "${RUVREPRS:?RUVREPRS must name the ruvreprs binary}"
make_home
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" file register PAY.B "$T/data/b.dat" >/dev/null
"$RUV" group define EMPTY >/dev/null
"$RUV" group define PAYROLL PAY.A PAY.B >/dev/null
mount_ruvfs
M="$T/mnt"
# ctl LINE: the errno text bash prints for the write, "" if none.
ctl() { errno_of bash -c "echo '$1' > '$M/ctl'"; }

# backup of groups with no members: nothing to back up, ENODATA.
dump_repo >"$T/dump.before"
check_fail "ruv backup --group EMPTY" 1 "^ruv: backup: nothing to back up: group 'EMPTY' has no members$" "$RUV" backup --group EMPTY
check_eq "ctl: backup --group EMPTY is ENODATA, not EIO" "No data available" "$(ctl 'backup --group EMPTY')"
check "status says why" grep -q "nothing to back up: group 'EMPTY' has no members" "$M/status"
check_fail "two empty groups" 1 "nothing to back up: the groups \\('EMPTY', \\.\\.\\.\\) have no members" "$RUV" backup --group EMPTY --group empty
check_eq "ctl: an unknown group is ENOENT" "No such file or directory" "$(ctl 'backup --group NOPE')"
check_unchanged "refused backups" "$T/dump.before"
check "a DSN and an empty group back up the DSN" "$RUV" backup PAY.A --group EMPTY
check "it says so" grep -q "^backed up PAY.A:" "$T/out"
check "groups and DSNs, each file once" "$RUV" backup pay.a --group PAYROLL --group PAYROLL
check_eq "two files backed up" "2" "$(grep -c '^backed up' "$T/out")"
check_eq "PAY.A backed up once more, PAY.B once" "2 1" \
	"$(sql "SELECT count(*) FROM backup b JOIN file f ON f.id = b.file_id WHERE f.dsn = 'PAY.A'") $(sql "SELECT count(*) FROM backup b JOIN file f ON f.id = b.file_id WHERE f.dsn = 'PAY.B'")"

# One file of several failing: its own errno through ctl.
rm "$T/data/b.dat"
check_eq "ctl: a backup whose file is gone is ENOENT" "No such file or directory" "$(ctl 'backup --group PAYROLL')"
check "status names the file" grep -q "ruv: backup PAY.B: " "$M/status"
printf 'bravo\n' >"$T/data/b.dat"

# Group deletion: empty only, unless --force, the same through every path.
dump_repo >"$T/dump.before"
check_eq "ctl: group delete of a group with members is ENOTEMPTY" "Directory not empty" "$(ctl 'group delete PAYROLL')"
check_eq "rmdir of it too" "Directory not empty" "$(errno_of rmdir "$M/groups/PAYROLL")"
check "status says how to delete it" grep -q "group 'PAYROLL' is not empty (2 members): remove them first, or delete it with --force" "$M/status"
check_unchanged "refused group deletes" "$T/dump.before"
check_eq "ctl: --force deletes it" "" "$(ctl 'group delete PAYROLL --force')"
check_fail "it is gone" 1 "does not exist" "$RUV" group list PAYROLL
check_eq "its files stay registered" 2 "$(sql 'SELECT count(*) FROM file')"
check "the history says it was forced" sh -c "'$RUV' history | grep 'group delete' | grep -q 'forced: it had members'"
check "rmdir of an empty group" rmdir "$M/groups/EMPTY"
check_fail "it is gone too" 1 "does not exist" "$RUV" group list EMPTY

# A bad --time is a usage error: exit 2, EINVAL through ctl.
check_fail "restore --time bad" 2 "^ruv: --time: time '2026-02-30T00:00:00Z': day 30 out of range" "$RUV" restore PAY.A --time 2026-02-30T00:00:00Z
check_fail "jcl restore --time bad" 2 "^ruv: --time: " "$RUV" jcl restore --time 2026-13-01T00:00:00Z
check_fail "ruvreprs --time bad" 2 "^ruvreprs: --time: " "$RUVREPRS" --time yesterday
check_eq "ctl: restore --time bad is EINVAL" "Invalid argument" "$(ctl 'restore PAY.A --time 2026-02-30T00:00:00Z')"

# volume seal: every VOLSER open before any is sealed.
check "seal L00001" "$RUV" volume seal L00001
check_eq "it says so" "sealed L00001" "$(cat "$T/out")"
dump_repo >"$T/dump.before"
check_eq "ctl: sealing a sealed one is EEXIST" "File exists" "$(ctl 'volume seal L00002 L00001')"
check "status names it" grep -q "volume 'L00001' is already sealed" "$M/status"
check_unchanged "a refused seal" "$T/dump.before"

# verify of a damaged copy: EIO, the storage failure it is.
vol="$RUV_HOME/pools/local/L00001"
flip_byte "$vol" "$(sql "SELECT d.vol_offset + d.length / 2 FROM dataset d JOIN volume v ON v.id = d.volume_id WHERE v.volser = 'L00001' ORDER BY d.seq LIMIT 1")"
bash -c "echo 'verify --volume L00001' > '$M/ctl'" 2>"$T/bash.err"
check "ctl: verify of a damaged copy is EIO" grep -q "write error: Input/output error$" "$T/bash.err"

# ruvreprs: the installed repository carries the restore's history row.
"$RUV" repo backup >/dev/null
R="$T/site2"
check "ruvreprs at a second home" env RUV_HOME="$R" "$RUVREPRS" --from "$RUV_HOME/pools/local"
check "the restore is in its history" sh -c "RUV_HOME='$R' '$RUV' history | grep 'ruvreprs' | grep 'RUV.REPOSITORY' | grep -q 'from L0000[0-9] data set [0-9]* of '"
done_testing
