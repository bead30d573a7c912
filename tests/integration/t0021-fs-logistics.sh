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

# Repository copies move through the tree like backup copies.
"$RUV" repo backup >/dev/null
r2=$(ls "$M/repository/by-location/Staging")
check_eq "a new repository copy waits in Staging" "RUV.REPOSITORY.R2.C2" "$(echo "$r2" | sed 's/\.D[0-9]*\.T[0-9]*\././')"
check "mv repository Staging/* Offsite/" sh -c "mv '$M'/repository/by-location/Staging/* '$M/repository/by-location/Offsite/'"
check_eq "the catalog has it in Offsite" "Offsite" "$(sql "SELECT l.name FROM copy c JOIN location l ON l.id = c.location_id WHERE c.repo_backup_id = 2 AND c.copy_no = 2")"
check_eq "Staging is empty in the tree" "" "$(ls "$M/repository/by-location/Staging")"
check_eq "Offsite lists it" "$r2" "$(ls "$M/repository/by-location/Offsite" | grep R2)"
check_eq "its volume is sealed" sealed "$(sql "SELECT v.state FROM copy c JOIN dataset d ON d.id = c.dataset_id JOIN volume v ON v.id = d.volume_id WHERE c.repo_backup_id = 2 AND c.copy_no = 2")"
check_eq "nothing pending" "" "$(ls "$M/shipments/pending")"

# Under load: ls -lR, ctl writes and CLI commands while a backup runs.
# The backup is large (a 2 GiB sparse file) and the load runs for as long
# as the backup does: at least one round must finish while it runs.
truncate -s 2G "$T/data/big"
"$RUV" file register L.BIG "$T/data/big" >/dev/null
"$RUV" group define LOADBIG L.G1 L.G2 L.G3 L.G4 L.BIG >/dev/null
"$RUV" backup --group LOADBIG >"$T/bg.out" 2>&1 &
bg=$!
errs=0
overlap=0
i=0
while kill -0 "$bg" 2>/dev/null && [ "$i" -lt 1000 ]; do
	i=$((i + 1))
	ls -lR "$M" >/dev/null 2>>"$T/load.err" || errs=$((errs + 1))
	echo "location define Load$i" >"$M/ctl" 2>>"$T/load.err" || errs=$((errs + 1))
	"$RUV" file list >/dev/null 2>>"$T/load.err" || errs=$((errs + 1))
	cat "$M/reports/backups.txt" >/dev/null 2>>"$T/load.err" || errs=$((errs + 1))
	cat "$M/status" >/dev/null 2>>"$T/load.err" || errs=$((errs + 1))
	# This round ended before the backup did.
	kill -0 "$bg" 2>/dev/null && overlap=$((overlap + 1))
done
wait "$bg"
check_eq "the backup under load succeeded" 0 $?
echo "# $overlap of $i load rounds finished while the backup ran"
check_eq "load rounds overlapped the backup" yes "$([ "$overlap" -ge 1 ] && echo yes)"
check_eq "every ctl line under load ran" "$i" "$(sql "SELECT count(*) FROM location WHERE name LIKE 'Load%'")"
check_eq "no errors under load" "0 " "$errs $(cat "$T/load.err")"
check_eq "the big file is backed up" 2147483648 "$(sql "SELECT b.size FROM backup b JOIN file f ON f.id = b.file_id WHERE f.dsn = 'L.BIG'")"
sleep 2
check_eq "nothing stale after 2 s: every copy listed" "$(sql "SELECT count(*) FROM copy WHERE backup_id IS NOT NULL")" "$(find "$M/backups/by-location" -type f | wc -l)"
check "unmount" umount_ruvfs
done_testing
