#!/bin/sh
# ruvfs: repository copies, shipments (pending and shipped), cp -r and
# rsync of a shipment set, and the tree under load.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
printf '[backup]\nchunk_size = 64K\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
for i in 1 2 3 4; do
	head -c 3000000 /dev/urandom >"$T/data/g$i"
	"$RUV" file register "L.G$i" "$T/data/g$i" >/dev/null
done
"$RUV" group define LOAD L.G1 L.G2 L.G3 L.G4 >/dev/null
"$RUV" backup --group LOAD >/dev/null
"$RUV" repo backup >/dev/null
mount_ruvfs
M="$T/mnt"

check_eq "repository copies by location" "1 1" "$(ls "$M/repository/by-location/Local" | wc -l) $(ls "$M/repository/by-location/Staging" | wc -l)"
rc1="$M/repository/by-location/Local/$(ls "$M/repository/by-location/Local")"
check "a repository copy is a sound repository" sh -c "cp '$rc1' '$T/repo.copy' && sqlite3 '$T/repo.copy' 'PRAGMA integrity_check' | grep -qx ok"
check_eq "repository copies are root-only" "600" "$(stat -c %a "$rc1")"
check_eq "shipments/pending lists the offsite volumes" "$(sql "SELECT DISTINCT v.volser FROM copy c JOIN location l ON l.id = c.location_id JOIN dataset d ON d.id = c.dataset_id JOIN volume v ON v.id = d.volume_id WHERE l.name = 'Staging' ORDER BY 1" | tr '\n' ' ')" "$(ls "$M/shipments/pending" | tr '\n' ' ')"
check "ctl: pull-list --commit" sh -c "echo 'pull-list --commit' > '$M/ctl'"
check_eq "shipments/1 appears" "1 pending" "$(ls "$M/shipments" | tr '\n' ' ' | sed 's/ $//')"
check_eq "pending is empty" "" "$(ls "$M/shipments/pending")"
mkdir "$T/media" "$T/exported"
check "cp -r shipments/1 out" cp -r "$M/shipments/1" "$T/media/"
"$RUV" shipment export 1 "$T/exported" >/dev/null
for v in $(ls "$T/exported"); do
	check_same_file "cp -r copy of $v is byte-exact" "$T/exported/$v" "$T/media/1/$v"
done
check "rsync -a shipments/1" rsync -a "$M/shipments/1/" "$T/rsync/"
for v in $(ls "$T/exported"); do
	check_same_file "rsync copy of $v is byte-exact" "$T/exported/$v" "$T/rsync/$v"
done

# Under load: ls -lR, ctl writes and CLI commands while a backup runs.
"$RUV" backup --group LOAD >"$T/bg.out" 2>&1 &
bg=$!
errs=0
for i in 1 2 3 4 5; do
	ls -lR "$M" >/dev/null 2>>"$T/load.err" || errs=$((errs + 1))
	echo "location define Load$i" >"$M/ctl" 2>>"$T/load.err" || errs=$((errs + 1))
	"$RUV" file list >/dev/null 2>>"$T/load.err" || errs=$((errs + 1))
	cat "$M/reports/backups.txt" >/dev/null 2>>"$T/load.err" || errs=$((errs + 1))
done
wait "$bg"
check_eq "the backup under load succeeded" 0 $?
check_eq "no errors under load" "0 " "$errs $(cat "$T/load.err")"
sleep 2
check_eq "nothing stale after 2 s: every copy listed" "$(sql "SELECT count(*) FROM copy WHERE backup_id IS NOT NULL")" "$(find "$M/backups/by-location" -type f | wc -l)"
check "unmount" umount_ruvfs
done_testing
