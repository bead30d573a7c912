#!/bin/sh
# ruv archive and ruv accumulate on a full pool (copy 2 on a 1 MiB file
# system): a clear message, nothing registered, the mark unmoved, the
# data sets cut back to where they began; once there is room, the same
# step runs and the archives read back whole.
. "${SRCDIR}/tests/integration/lib.sh"
. "${SRCDIR}/tests/integration/archive-lib.sh"
make_home
mkdir "$T/tiny"
if ! mount -t tmpfs -o size=1m tmpfs "$T/tiny"; then
	not_ok "a full pool: cannot mount a small tmpfs"
	done_testing
fi
at_exit umount "$T/tiny"
cat >"$T/ruv.ini" <<INI
[backup]
chunk_size = 64K
copy2 = tiny
[pool tiny]
directory = $T/tiny
prefix = TY
capacity = 64M
location = Staging
INI
export RUV_CONFIG="$T/ruv.ini"
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" log define app >/dev/null
head -c 3000000 /dev/urandom | "$RUV" log write app pay.a --offset 0 >/dev/null

rows() { sql "SELECT count(*) FROM archive; SELECT count(*) FROM copy; SELECT count(*) FROM dataset; SELECT archived_lsn FROM log_stream" | paste -sd' '; }
check_fail "archive to a full pool" 1 "^ruv: archive APP: .*([Nn]o space left)" "$RUV" archive
check_eq "nothing registered, the mark unmoved" "0 0 0 0" "$(rows)"
check_eq "the partial data cut back to the label" 4096 "$(stat -c %s "$T"/tiny/TY0001)"
check_eq "and on the local volume too" 4096 "$(stat -c %s "$RUV_HOME"/pools/local/L00001)"
check_fail "accumulate: its archive step fails first, nothing merged" 1 "^ruv: accumulate: .*([Nn]o space left)" "$RUV" accumulate
check_eq "still nothing registered" "0 0 0 0" "$(rows)"
check_eq "no sorted run or spill left in the home" "" "$(ls -a "$RUV_HOME" | grep -E '^\.(accum-run|archive-spill)')"

umount "$T/tiny"
mount -t tmpfs -o size=64m tmpfs "$T/tiny"
check "with room, the same archive runs" "$RUV" archive
check_eq "one pair registered, the mark at the end" "2 4 4 3" "$(rows)"
check_round_trip "after the full pool" APP
check "verify --all" "$RUV" verify --all
# Fill the pool's file system but for 256 KiB: the consolidation cannot fit.
avail=$(df -B1 --output=avail "$T/tiny" | tail -n 1)
fallocate -l $((avail - 262144)) "$T/tiny/filler"
dump_repo >"$T/dump.before"
check_fail "accumulate to a full pool" 1 "^ruv: accumulate: .*[Nn]o space left" "$RUV" accumulate
check_unchanged "a full pool" "$T/dump.before"
check_eq "nothing consolidated" "0|2" "$(sql "SELECT count(*) FROM archive WHERE consolidated = 1; SELECT count(*) FROM archive WHERE consolidated_into IS NULL" | paste -sd'|')"
check_eq "no sorted run left in the home" "" "$(ls -a "$RUV_HOME" | grep -E '^\.accum-run')"
rm "$T/tiny/filler"
check "with room, accumulate runs" "$RUV" accumulate
check_eq "the pair consolidated" "2|0" "$(sql "SELECT count(*) FROM archive WHERE consolidated = 1; SELECT count(*) FROM archive WHERE consolidated = 0 AND consolidated_into IS NULL" | paste -sd'|')"
check "verify --all" "$RUV" verify --all
done_testing
