#!/bin/sh
# ruvfs: reports/archives.txt and .json as ruv report archives prints
# them; ctl speaks archive and accumulate: a line runs the step (the
# archives are registered, status shows the outcome), an unknown stream
# fails the write with ENOENT and a bad option with EINVAL, each with its
# message in status.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" log define app >/dev/null
printf 'HELLO' | "$RUV" log write app pay.a --offset 0 >/dev/null
mount_ruvfs
M="$T/mnt"
# ctl_errno LINE: the errno text a write of LINE to ctl fails with.
ctl_errno() {
	python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
try:
    os.write(fd, (sys.argv[2] + "\n").encode())
    print("ok")
except OSError as e:
    print(e.strerror)' "$M/ctl" "$1"
}
check "ctl: archive" sh -c "echo archive >'$M/ctl'"
check_eq "the pair is registered, the mark moved" "2|3" \
	"$(sql "SELECT count(*) FROM archive; SELECT archived_lsn FROM log_stream" | paste -sd'|')"
check "status shows what it archived" grep -q "archived APP: LSN 1-3" "$M/status"
check_eq "ctl: archive of an unknown stream: ENOENT" "No such file or directory" \
	"$(ctl_errno 'archive nosuch')"
check "status names it" grep -q "no log stream 'NOSUCH'" "$M/status"
check_eq "ctl: a bad option: EINVAL" "Invalid argument" \
	"$(ctl_errno 'accumulate --frobnicate')"
printf 'WORLD' | "$RUV" log write app pay.a --offset 5 >/dev/null
check "ctl: accumulate" sh -c "echo accumulate >'$M/ctl'"
check_eq "it archived the new unit, then consolidated both pairs" "2|4" \
	"$(sql "SELECT count(*) FROM archive WHERE consolidated = 1; SELECT count(*) FROM archive WHERE consolidated_into IS NOT NULL" | paste -sd'|')"
check "status shows it" grep -q "accumulated 4 archives" "$M/status"

# reports/archives.txt and .json: what ruv report archives prints.
"$RUV" report archives >"$T/ar.cli"
cat "$M/reports/archives.txt" >"$T/ar.fs"
check_same_file "reports/archives.txt equals ruv report archives" "$T/ar.cli" "$T/ar.fs"
check_eq "it has every archive copy" 13 "$(wc -l <"$T/ar.fs")"
check_eq "its size is what a read gives" "$(wc -c <"$T/ar.fs")" "$(stat -c %s "$M/reports/archives.txt")"
"$RUV" --json report archives >"$T/ar.jcli"
cat "$M/reports/archives.json" >"$T/ar.jfs"
check_same_file "reports/archives.json equals ruv --json report archives" "$T/ar.jcli" "$T/ar.jfs"
check "it is JSON" python3 -c "import json, sys; json.load(open(sys.argv[1]))" "$T/ar.jfs"
done_testing
