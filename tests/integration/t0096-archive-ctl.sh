#!/bin/sh
# ruvfs: archives/by-location/LOC/NAME reads each archive copy,
# reports/archives.txt and .json are what ruv report archives prints, and
# ctl speaks archive and accumulate: a line runs the step (the
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

# archives/by-location/LOC/NAME: one file per archive copy, its content
# the archive's (the raw records; for a consolidated one, then its index).
check_eq "archives/by-location lists the locations" "Local Offsite Staging" "$(ls "$M/archives/by-location" | paste -sd' ')"
"$RUV" report archives | awk 'NR > 1 && $6 == "Local" { print $1 }' | sort >"$T/local.cli"
ls "$M/archives/by-location/Local" | sort >"$T/local.fs"
check_same_file "archives/by-location/Local lists the Local archive copies" "$T/local.cli" "$T/local.fs"
check_eq "six of them" 6 "$(wc -l <"$T/local.fs")"
for a in 1 2 5; do
	f=$(grep "\.A$a\.C1\$" "$T/local.fs")
	"$RUV" archive --show "A$a" --raw >"$T/a$a.cli"
	cat "$M/archives/by-location/Local/$f" >"$T/a$a.fs"
	check_eq "A$a: its size is exact" "$(stat -c %s "$T/a$a.fs")" "$(stat -c %s "$M/archives/by-location/Local/$f")"
	if [ "$a" = 5 ]; then # consolidated: the records, then the index
		head -c "$(stat -c %s "$T/a5.cli")" "$T/a5.fs" >"$T/a5.rec"
		check_same_file "A5 read through the tree: the records" "$T/a5.cli" "$T/a5.rec"
		check_eq "then the index: one line for PAY.A" "RUVAIDX 1|PAY.A 0 $(stat -c %s "$T/a5.cli") 2 5 2 APP" \
			"$(tail -c +$(($(stat -c %s "$T/a5.cli") + 1)) "$T/a5.fs" | paste -sd'|')"
	else
		check_same_file "A$a read through the tree is the archive" "$T/a$a.cli" "$T/a$a.fs"
	fi
done
check_eq "the offsite copies are in Staging" 6 "$(ls "$M/archives/by-location/Staging" | wc -l)"
check_eq "backups/by-location does not list them" "" "$(ls "$M/backups/by-location/Local")"
check_eq "an archive copy cannot be removed" "Permission denied" \
	"$(rm -f "$M/archives/by-location/Local/$(head -n 1 "$T/local.fs")" 2>&1 | sed 's/.*: //')"
done_testing
