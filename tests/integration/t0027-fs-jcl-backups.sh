#!/bin/sh
# ruvfs: JCL library backup copies in jcl-backups/by-location/LOC/NAME:
# listed, read (the packed library), attributes, relocated by mv with the
# errno contract of the other copies, and the whole pull list done by mv
# through the tree.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" jcl init >/dev/null
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" backup PAY.A >/dev/null
"$RUV" repo backup >/dev/null
"$RUV" jcl backup >/dev/null
mount_ruvfs
M="$T/mnt"
J="$M/jcl-backups/by-location"

check_eq "jcl-backups/by-location lists the locations" "Local Offsite Staging" "$(ls "$J" | tr '\n' ' ' | sed 's/ $//')"
want=$(sql "SELECT l.name || ' ' || c.copy_no FROM copy c JOIN location l ON l.id = c.location_id WHERE c.jcl_backup_id IS NOT NULL ORDER BY c.copy_no" | tr '\n' ' ')
check_eq "the catalog has two JCL copies" "Local 1 Staging 2 " "$want"
j1=$(ls "$J/Local")
j2=$(ls "$J/Staging")
check_eq "the Local copy's name" "RUV.JCLLIB.J1.C1" "$(echo "$j1" | sed 's/\.D[0-9]*\.T[0-9]*\././')"
check_eq "the Staging copy's name" "RUV.JCLLIB.J1.C2" "$(echo "$j2" | sed 's/\.D[0-9]*\.T[0-9]*\././')"
check "the pull list names the Staging copy" sh -c "'$RUV' pull-list | grep -q ' $j2 '"
check "find shows it" sh -c "find '$M' -name '$j2' | grep -q ."
check_eq "no JCL copy among the backup copies" "" "$(ls "$M/backups/by-location/Staging" | grep JCLLIB)"
check_eq "nor among the repository copies" "" "$(ls "$M/repository/by-location/Staging" | grep JCLLIB)"
check_eq "a JCL copy is a regular file, root only, 0600" "regular file root 600" "$(stat -c '%F %U %a' "$J/Staging/$j2")"
check_eq "its size is the library's packed size" "$(sql "SELECT size FROM jcl_backup WHERE id = 1")" "$(stat -c %s "$J/Staging/$j2")"
check_eq "st_blocks is set" yes "$([ "$(stat -c %b "$J/Staging/$j2")" -gt 0 ] && echo yes)"
check_eq "xattr: dsn" "RUV.JCLLIB" "$(getfattr --only-values -n user.ruv.dsn "$J/Staging/$j2" 2>/dev/null)"
check_eq "xattr: location" "Staging" "$(getfattr --only-values -n user.ruv.location "$J/Staging/$j2" 2>/dev/null)"
check_eq "xattr: copy" "2" "$(getfattr --only-values -n user.ruv.copy "$J/Staging/$j2" 2>/dev/null)"
check_eq "xattr: volser" "$(sql "SELECT v.volser FROM copy c JOIN dataset d ON d.id = c.dataset_id JOIN volume v ON v.id = d.volume_id WHERE c.jcl_backup_id = 1 AND c.copy_no = 2")" "$(getfattr --only-values -n user.ruv.volser "$J/Staging/$j2" 2>/dev/null)"
check "cat reads the copy" sh -c "cat '$J/Staging/$j2' > '$T/j2' && cat '$J/Local/$j1' > '$T/j1'"
check_same_file "both copies read the same" "$T/j1" "$T/j2"
# The copy is the packed library: each member as ruv jcl show gives it.
cat >"$T/unpack.py" <<'PY'
import os, sys
data = open(sys.argv[1], "rb").read()
out = sys.argv[2]
assert data.startswith(b"RUVJCL1\n"), "not a packed library"
p, names = 8, []
while data[p:p + 2] != b"E\n":
    nl = data.index(b"\n", p)
    tag, mode, size, name = data[p:nl].split(b" ")
    assert tag == b"M"
    p = nl + 1
    open(os.path.join(out, name.decode()), "wb").write(data[p:p + int(size)])
    names.append(name.decode())
    p += int(size)
assert p + 2 == len(data), "bytes after the end mark"
print(" ".join(names))
PY
mkdir "$T/members"
members=$(python3 "$T/unpack.py" "$T/j2" "$T/members")
check_eq "the copy holds every member" "$("$RUV" jcl list | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')" "$members"
for m in $members; do
	"$RUV" jcl show "$m" >"$T/show.$m"
	check_same_file "member $m equals ruv jcl show" "$T/show.$m" "$T/members/$m"
done

# Refusals: the errno a shell sees, nothing changed.
dump_repo >"$T/dump.before"
check_eq "mv to an unknown location" "No such file or directory" "$(errno_of mv "$J/Staging/$j2" "$J/Mars")"
check_eq "mv onto an existing name" "File exists" "$(errno_of mv -T "$J/Staging/$j2" "$J/Local/$j1")"
check_eq "mv under another name" "Operation not permitted" "$(errno_of mv "$J/Staging/$j2" "$J/Offsite/OTHER")"
check_eq "rm of a JCL copy" "Operation not permitted" "$(errno_of rm -f "$J/Staging/$j2")"
check_eq "mv of a JCL copy into backups/" "Operation not permitted" "$(errno_of mv "$J/Staging/$j2" "$M/backups/by-location/Offsite/")"
check_eq "write into a JCL copy" "Permission denied" "$(errno_of sh -c "echo x >> '$J/Staging/$j2'")"
check_eq "create in a location" "Permission denied" "$(errno_of sh -c "echo x > '$J/Staging/NEW'")"
check_unchanged "refused operations" "$T/dump.before"
check_eq "mv never answers EXDEV: the copy is still there" "$j2" "$(ls "$J/Staging")"

# The whole pull list through the tree: every kind of copy in Staging.
check_eq "pending before the moves" "O00001" "$(ls "$M/shipments/pending" | tr '\n' ' ' | sed 's/ $//')"
check "mv backups Staging/* Offsite/" sh -c "mv '$M'/backups/by-location/Staging/* '$M/backups/by-location/Offsite/'"
check "mv repository Staging/* Offsite/" sh -c "mv '$M'/repository/by-location/Staging/* '$M/repository/by-location/Offsite/'"
check "mv jcl-backups Staging/* Offsite/" sh -c "mv '$J'/Staging/* '$J/Offsite/'"
check_eq "the catalog has the JCL copy in Offsite" "Offsite" "$(sql "SELECT l.name FROM copy c JOIN location l ON l.id = c.location_id WHERE c.jcl_backup_id = 1 AND c.copy_no = 2")"
check_eq "nothing is left in Staging" 0 "$(sql "SELECT count(*) FROM copy c JOIN location l ON l.id = c.location_id WHERE l.name = 'Staging'")"
check_eq "the move is in the history" 1 "$(sql "SELECT count(*) FROM history WHERE action = 'relocate' AND subject = '$j2'")"
check_eq "Staging is empty in the tree" "" "$(ls "$J/Staging")"
check_eq "Offsite lists it" "$j2" "$(ls "$J/Offsite")"
check_eq "its location attribute follows" "Offsite" "$(getfattr --only-values -n user.ruv.location "$J/Offsite/$j2" 2>/dev/null)"
check "it still reads the same" sh -c "cat '$J/Offsite/$j2' | cmp -s - '$T/j2'"
check_eq "shipments/pending is empty" "" "$(ls "$M/shipments/pending")"
check_fail "the pull list has nothing to ship" 0 "nothing to ship" "$RUV" pull-list --commit
check "unmount" umount_ruvfs
done_testing
