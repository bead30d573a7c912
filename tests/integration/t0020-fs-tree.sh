#!/bin/sh
# ruvfs: the tree, browsed and driven with the real shell tools.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
printf '[ruv]\nworkers = 1\n[backup]\nchunk_size = 64K\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
head -c 300000 /dev/urandom >"$T/data/big.dat"
chown 4321:1234 "$T/data/a.dat"
chmod 640 "$T/data/a.dat"
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" file register PAY.BIG "$T/data/big.dat" >/dev/null
"$RUV" group define PAYROLL PAY.A PAY.BIG >/dev/null
"$RUV" backup --group PAYROLL >/dev/null
mount_ruvfs
M="$T/mnt"

check_eq "the root" "README archives backups ctl files groups jcl jcl-backups locations logs pit reports repository shipments status volumes" \
	"$(ls "$M" | tr '\n' ' ' | sed 's/ $//')"
check "README says what the tree is" grep -q "ctl" "$M/README"
check_eq "files/ are symlinks to the paths" "$T/data/a.dat" "$(readlink "$M/files/PAY.A")"
check_eq "group members link to files/" "../../files/PAY.A" "$(readlink "$M/groups/PAYROLL/PAY.A")"
check_eq "the group lists its members" "PAY.A PAY.BIG" "$(ls "$M/groups/PAYROLL" | tr '\n' ' ' | sed 's/ $//')"
check_eq "locations" "Local Offsite Staging" "$(ls "$M/backups/by-location" | tr '\n' ' ' | sed 's/ $//')"

names=$("$RUV" report backups --location Local --json | python3 -c "import json,sys; print(' '.join(b['name'] for b in json.load(sys.stdin)['backups']))")
check_eq "copies in Local, named as the report names them" "$names" "$(ls "$M/backups/by-location/Local" | tr '\n' ' ' | sed 's/ $//')"
a1="$M/backups/by-location/Local/$(ls "$M/backups/by-location/Local" | grep '^PAY.A\.')"
big1="$M/backups/by-location/Local/$(ls "$M/backups/by-location/Local" | grep '^PAY.BIG\.')"
check_same_file "reading a copy gives the file" "$T/data/a.dat" "$a1"
check_same_file "reading a big copy gives the file" "$T/data/big.dat" "$big1"
check "cp of a copy" cp "$big1" "$T/big.cp"
"$RUV" restore PAY.BIG --to "$T/big.restored" >/dev/null
check_same_file "cp of a copy equals ruv restore --to" "$T/big.restored" "$T/big.cp"
check_eq "random access: dd from the middle" "$(dd if="$T/data/big.dat" bs=1000 skip=150 count=7 2>/dev/null | od -An -tx1 | tr -d ' \n')" \
	"$(dd if="$big1" bs=1000 skip=150 count=7 2>/dev/null | od -An -tx1 | tr -d ' \n')"
check_eq "a copy has the size of the file" 300000 "$(stat -c %s "$big1")"
check_eq "a copy has the owner and mode the file had" "640 4321 1234" "$(stat -c '%a %u %g' "$a1")"
check "du works (st_blocks set)" test "$(du -k "$big1" | cut -f1)" -gt 0
check_eq "mtime is the backup time" "$(sqlite3 "$RUV_HOME/repository.db" "SELECT start_us / 1000000 FROM backup b JOIN file f ON f.id = b.file_id WHERE f.dsn = 'PAY.BIG'")" "$(stat -c %Y "$big1")"
check_eq "xattrs carry the catalog" "L00001" "$(getfattr --absolute-names --only-values -n user.ruv.volser "$big1")"
check_eq "by-file latest" "$(basename "$big1")" "$(readlink "$M/backups/by-file/PAY.BIG/latest")"
check_same_file "by-file links resolve to the copy" "$T/data/big.dat" "$M/backups/by-file/PAY.BIG/$(basename "$big1")"
"$RUV" report backups --json >"$T/report.json"
check_same_file "reports/backups.json is the report" "$T/report.json" "$M/reports/backups.json"
check_eq "a generated file's size is true" "$(wc -c <"$T/report.json")" "$(stat -c %s "$M/reports/backups.json")"
check "volumes/ holds the volume files" cmp "$RUV_HOME/pools/local/L00001" "$M/volumes/local/L00001"
check "find walks the whole tree" sh -c "find '$M' >/dev/null"
ino=$(stat -c %i "$big1")

# Changes through the tree.
printf 'new\n' >"$T/data/n.dat"
check "ln -s registers a file" ln -s "$T/data/n.dat" "$M/files/PAY.NEW"
check_eq "it is registered" "$T/data/n.dat" "$(sqlite3 "$RUV_HOME/repository.db" "SELECT path FROM file WHERE dsn = 'PAY.NEW'")"
check "mkdir makes a group" mkdir "$M/groups/NIGHTLY"
check "ln -s adds a member" ln -s ../../files/PAY.NEW "$M/groups/NIGHTLY/"
check_eq "the member is in the catalog" "PAY.NEW" "$("$RUV" group list NIGHTLY)"
check_eq "rmdir of a non-empty group" "Directory not empty" "$(errno_of rmdir "$M/groups/NIGHTLY")"
check "rm removes a member" rm "$M/groups/NIGHTLY/PAY.NEW"
check "rmdir deletes the group" rmdir "$M/groups/NIGHTLY"
check_fail "it is gone" 1 "does not exist" "$RUV" group list NIGHTLY
check "rm unregisters a file" rm "$M/files/PAY.NEW"
check_eq "rm of a file with backups" "Device or resource busy" "$(errno_of rm "$M/files/PAY.A")"
check_eq "ln -s with a bad DSN" "Invalid argument" "$(errno_of ln -s "$T/data/n.dat" "$M/files/BAD..DSN")"
check_eq "ln -s to a missing path" "No such file or directory" "$(errno_of ln -s "$T/data/nope" "$M/files/PAY.NOPE")"

# mv is the pull list's move, and the toggle.
dump_repo >"$T/dump.before"
s1=$(ls "$M/backups/by-location/Staging" | head -n 1)
check_eq "rm of a copy" "Operation not permitted" "$(errno_of rm "$M/backups/by-location/Staging/$s1")"
check_eq "mv to an unknown location" "No such file or directory" "$(errno_of mv "$M/backups/by-location/Staging/$s1" "$M/backups/by-location/Mars")"
check_eq "mv of something that is not a copy" "Operation not permitted" "$(errno_of mv "$M/files/PAY.A" "$M/backups/by-location/Offsite/")"
s2=$(ls "$M/backups/by-location/Staging" | tail -n 1)
check_eq "mv onto an existing name" "File exists" "$(errno_of mv -T "$M/backups/by-location/Staging/$s1" "$M/backups/by-location/Local/$(ls "$M/backups/by-location/Local" | head -n 1)")"
check_eq "write into a read-only place" "Permission denied" "$(errno_of bash -c "echo x > '$M/reports/x'")"
check_eq "write to README" "Permission denied" "$(errno_of bash -c "echo x > '$M/README'")"
check_unchanged "refused operations" "$T/dump.before"
check "mv Staging/* Offsite/ relocates every copy" sh -c "mv '$M'/backups/by-location/Staging/* '$M/backups/by-location/Offsite/'"
check_eq "Staging is empty" "" "$(ls "$M/backups/by-location/Staging")"
check_eq "the catalog has them in Offsite" 2 "$(sqlite3 "$RUV_HOME/repository.db" "SELECT count(*) FROM copy c JOIN location l ON l.id = c.location_id WHERE l.name = 'Offsite'")"
check_eq "by-file follows the move" "../../by-location/Offsite/$s1" "$(readlink "$M/backups/by-file/${s1%%.D*}/$s1")"
check_eq "the offsite volume is sealed" sealed "$(sqlite3 "$RUV_HOME/repository.db" "SELECT state FROM volume WHERE volser = 'O00001'")"
check "toggle: Local out" mv "$M/locations/active/Local" "$M/locations/inactive/"
check "toggle: Offsite in" mv "$M/locations/inactive/Offsite" "$M/locations/active/"
check_eq "the catalog toggled" "Local=0 Offsite=1 Staging=0" "$(sqlite3 "$RUV_HOME/repository.db" "SELECT name || '=' || active FROM location ORDER BY name" | tr '\n' ' ' | sed 's/ $//')"
check_eq "mv a location onto another (mv -T)" "File exists" "$(errno_of mv -T "$M/locations/inactive/Local" "$M/locations/active/Offsite")"
check_eq "mv a location into another" "Operation not permitted" "$(errno_of mv "$M/locations/inactive/Local" "$M/locations/active/Offsite")"

# ctl runs ruv command lines.
check "ctl: one line" sh -c "echo 'location define Vault1' > '$M/ctl'"
check "ctl: several lines in one write" sh -c "printf 'location define Vault2\nlocation define Vault3\n' > '$M/ctl'"
check "ctl: a buffered writer (python, flushed at close)" python3 -c "f = open('$M/ctl', 'w'); f.write('location define Vault4\nlocation define Vault5\n'); f.close()"
check "ctl: bash printf line by line" bash -c "{ printf 'location define Vault6\n'; printf 'location define Vault7\n'; } > '$M/ctl'"
check_eq "all seven ran" 7 "$(sqlite3 "$RUV_HOME/repository.db" "SELECT count(*) FROM location WHERE name LIKE 'Vault%'")"
check_eq "ctl: a bad line is EINVAL" "Invalid argument" "$(errno_of bash -c "echo 'frobnicate' > '$M/ctl'")"
check_eq "ctl: an unknown DSN is ENOENT" "No such file or directory" "$(errno_of bash -c "echo 'backup NO.SUCH' > '$M/ctl'")"
check_eq "ctl: an existing location is EEXIST" "File exists" "$(errno_of bash -c "echo 'location define Vault1' > '$M/ctl'")"
check "status has the message" grep -q "DSN 'NO.SUCH' is not registered" "$M/status"
check "ctl: backup through the tree" sh -c "echo 'backup --group PAYROLL' > '$M/ctl'"
check_eq "it backed up" 4 "$(sqlite3 "$RUV_HOME/repository.db" 'SELECT count(*) FROM backup')"

# The CLI while mounted: seen within 2 seconds.
printf 'cli\n' >"$T/data/cli.dat"
"$RUV" file register PAY.CLI "$T/data/cli.dat" >/dev/null
sleep 2
check "a CLI registration shows in files/" test -L "$M/files/PAY.CLI"

check "unmount" umount_ruvfs
check_eq "no stale mount" "" "$(grep " $M " /proc/mounts)"
mount_ruvfs
check_eq "inode numbers survive a remount" "$ino" "$(stat -c %i "$big1")"
check "unmount again" umount_ruvfs
done_testing
