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
vol=$(sql "SELECT $(vol_file_sql) FROM volume v WHERE v.volser LIKE 'L%'")
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
check_fail "verify of an unknown volume" 1 "not in the repository" "$RUV" verify --volume L99999

# The next backup never cuts into a registered data set: the truncated
# volume is retired untouched, with a warning and a history row, and the
# backup goes on on a new volume.
cp "$vol" "$T/vol.trunc"
check "a backup after the truncation succeeds" "$RUV" backup D.F1
check "it warns, naming the volume" grep -q "^ruv: warning: volume 'L00001' .*missing or damaged" "$T/err"
check_same_file "the truncated volume is left byte-identical" "$T/vol.trunc" "$vol"
check_eq "it is sealed in the repository with its real size" "sealed|$(stat -c %s "$vol")" \
	"$(sql "SELECT state || '|' || size FROM volume WHERE volser = 'L00001'")"
check_eq "a failed history row gives the reason" 1 \
	"$(sql "SELECT count(*) FROM history WHERE action = 'volume retire' AND subject = 'L00001' AND outcome = 'failed' AND message LIKE '%ends at byte%missing or damaged%'")"
newest_vol() { # newest_vol DSN: VOLSER of the newest copy 1 of DSN
	sql "SELECT v.volser FROM copy c JOIN dataset d ON d.id = c.dataset_id JOIN volume v ON v.id = d.volume_id JOIN backup b ON b.id = c.backup_id JOIN file f ON f.id = b.file_id WHERE f.dsn = '$1' AND c.copy_no = 1 ORDER BY b.id DESC LIMIT 1"
}
check_eq "the backup went to a new local volume" L00002 "$(newest_vol D.F1)"
check "a later backup succeeds" "$RUV" backup D.F2
check "and does not retry the retired volume" sh -c "! grep -q L00001 '$T/err'"
check_eq "it goes to the new volume too" L00002 "$(newest_vol D.F2)"
check_same_file "the retired volume is still byte-identical" "$T/vol.trunc" "$vol"
check_eq "still one history row" 1 "$(sql "SELECT count(*) FROM history WHERE subject = 'L00001'")"
check_eq "report volumes says sealed" "sealed" \
	"$("$RUV" --json report volumes | python3 -c "import json,sys; print([v['state'] for v in json.load(sys.stdin)['volumes'] if v['volser'] == 'L00001'][0])")"
check "f2 restores from the new backup" "$RUV" restore D.F2 --to "$T/f2.new"
check_same_file "f2 byte-exact" "$T/data/f2" "$T/f2.new"
check_fail "verify still names the truncated data set" 1 "DAMAGED D.F3" "$RUV" verify --all

# volume scan stands on the volume file alone: no home, no repository, no
# configuration, an empty environment.  What the repository knew, taken
# before the home goes, must come back from the file.
expect() { # the data sets of copy 1 on L00001, as the repository has them
	for i in 1 2 3; do
		sql "SELECT d.seq || '|backup|' || d.name || '|D.F$i|' || d.raw_size || '|' || d.stored_size || '|' || d.vol_offset FROM dataset d JOIN copy c ON c.dataset_id = d.id JOIN backup b ON b.id = c.backup_id JOIN file f ON f.id = b.file_id JOIN volume v ON v.id = d.volume_id WHERE f.dsn = 'D.F$i' AND c.copy_no = 1 AND v.volser = 'L00001'"
	done
}
expect >"$T/expect"
check_eq "the repository has three data sets on L00001" 3 "$(grep -c '|backup|' "$T/expect")"
ds3_off=$(sql "SELECT d.vol_offset FROM dataset d JOIN volume v ON v.id = d.volume_id WHERE v.volser = 'L00001' AND d.seq = 3")
for i in 1 2 3; do
	stat -c %s "$T/data/f$i"
done >"$T/sizes"
mkdir "$T/out.vols"
cp "$T/vol.good" "$T/out.vols/L00001.good"
cp "$vol" "$T/out.vols/L00001.torn"
rm -rf "$RUV_HOME"
bare() { env -i PATH="$PATH" "$RUV" "$@"; }
as_rows() { # the data sets of a scan --json as the repository's rows
	python3 -c '
import json, sys
for v in json.load(sys.stdin)["volumes"]:
    assert v["volser"] == "L00001" and v["pool"] == "local", v
    for d in v["datasets"]:
        print("%d|%s|%s|%s|%d|%d|%d" % (d["seq"], d["kind"], d["name"], d["source"], d["size"], d["stored"], d["offset"]))'
}
check "scan with no home and an empty environment" sh -c "env -i PATH='$PATH' '$RUV' --json volume scan '$T/out.vols/L00001.good' >'$T/scan.json'"
check_eq "kind, name, source DSN, sizes and offset of every data set" \
	"$(cat "$T/expect")" "$(as_rows <"$T/scan.json")"
check_eq "each size is its source file's" "$(cat "$T/sizes")" \
	"$(python3 -c 'import json,sys; [print(d["size"]) for d in json.load(sys.stdin)["volumes"][0]["datasets"]]' <"$T/scan.json")"
check_eq "all three complete" "ok ok ok" \
	"$(python3 -c 'import json,sys; print(" ".join(d["state"] for d in json.load(sys.stdin)["volumes"][0]["datasets"]))' <"$T/scan.json")"
check "scan --verify of the good copy passes" bare volume scan --verify "$T/out.vols/L00001.good"
check_fail "scan of the truncated volume names the torn data set" 1 \
	"'$T/out.vols/L00001.torn': data set 3 at offset $ds3_off is torn" bare volume scan "$T/out.vols/L00001.torn"
check_eq "and lists the two survivors, then the torn one" "ok ok torn" \
	"$(awk '$1 ~ /^[0-9]+$/ { printf "%s%s", s, $NF; s = " " }' "$T/out")"
check_eq "the survivors as the repository had them" "$(head -n 2 "$T/expect")" \
	"$(bare --json volume scan "$T/out.vols/L00001.torn" 2>/dev/null | as_rows | head -n 2)"
done_testing
