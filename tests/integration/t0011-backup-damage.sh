#!/bin/sh
# Damage on a volume is found by checksum, named with its data set, and
# never restored; the other data sets on the volume still restore exact.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
printf '[ruv]\nworkers = 1\n[backup]\nchunk_size = 64K\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"

for i in 1 2 3; do
	head -c $((300000 + i)) /dev/urandom >"$T/data/f$i"
	"$RUV" file register "D.F$i" "$T/data/f$i" >/dev/null
done
check "back up three files" "$RUV" backup D.F1 D.F2 D.F3
check_eq "all three on one local volume" 1 \
	"$(sql "SELECT count(DISTINCT d.volume_id) FROM dataset d JOIN copy c ON c.dataset_id = d.id WHERE c.copy_no = 1")"
vol=$(sql "SELECT v.path FROM volume v WHERE v.volser LIKE 'L%'")
off() { # off DSN: middle of the copy-1 data set of DSN
	sql "SELECT d.vol_offset + d.length / 2 FROM dataset d JOIN copy c ON c.dataset_id = d.id JOIN backup b ON b.id = c.backup_id JOIN file f ON f.id = b.file_id WHERE f.dsn = '$1' AND c.copy_no = 1"
}
check "verify passes before damage" "$RUV" verify --all
cp "$vol" "$T/vol.good"

flip_byte "$vol" "$(off D.F2)"
check_fail "verify finds the flipped byte" 1 "DAMAGED D.F2" "$RUV" verify --all
check "verify names the volume" grep -q "volume L00001" "$T/err"
check "verify does not blame the others" sh -c "! grep -q 'DAMAGED D.F[13]' '$T/err'"
check_fail "restore of the damaged copy fails" 1 "D.F2|L00001" "$RUV" restore D.F2 --to "$T/f2.out"
check "no partial output" test ! -e "$T/f2.out"
check "no temporary file left" sh -c "! ls '$T' | grep -q ruv-restore"
for i in 1 3; do
	check "f$i restores past the damage" "$RUV" restore "D.F$i" --to "$T/f$i.out"
	check_same_file "f$i byte-exact" "$T/data/f$i" "$T/f$i.out"
	rm -f "$T/f$i.out"
done
check_fail "verify by volume" 1 "DAMAGED D.F2" "$RUV" verify --volume L00001
check "verify of one good DSN passes" "$RUV" verify D.F1

cp "$T/vol.good" "$vol"
check "repaired volume verifies" "$RUV" verify --all
truncate -s "$(off D.F3)" "$vol"
check_fail "verify finds the truncation" 1 "DAMAGED D.F3" "$RUV" verify --all
check_fail "restore of the truncated copy fails" 1 "D.F3|L00001" "$RUV" restore D.F3 --to "$T/f3.out"
for i in 1 2; do
	check "f$i restores from the truncated volume" "$RUV" restore "D.F$i" --to "$T/f$i.out"
	check_same_file "f$i byte-exact after truncation" "$T/data/f$i" "$T/f$i.out"
done
check "volume scan without a repository lists the survivors" \
	sh -c "env -u RUV_HOME '$RUV' volume scan '$vol' | grep -c ' ok\$' | grep -qx 2"
check_fail "scan reports the torn one" 1 "" env -u RUV_HOME "$RUV" volume scan "$vol"
check_fail "verify of an unknown volume" 1 "not in the repository" "$RUV" verify --volume L99999
done_testing
