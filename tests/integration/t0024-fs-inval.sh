#!/bin/sh
# ruvfs: after a change made through the tree, no view shows a stale name
# or attribute.  Mounted with a 60 s cache so that nothing here can pass by
# the cache expiring: each check follows its change at once, no sleep.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" file register PAY.B "$T/data/b.dat" >/dev/null
"$RUV" group define PAYROLL PAY.A PAY.B >/dev/null
"$RUV" backup --group PAYROLL >/dev/null
"$RUV" jcl init >/dev/null
"$RUV" jcl backup >/dev/null

# The members as the JCL backup has them: what jcl restore brings back.
cp "$RUV_HOME/jcl/TOGGLE" "$T/TOGGLE.backed-up"

M="$T/mnt"
mount_ruvfs -o timeout=60
L="$M/backups/by-location"
nospace() { tr '\n' ' ' | sed 's/ $//'; }

# A symlink's size is its target's length: stat and readlink agree.
link_agrees() {
	[ "$(stat -c %s "$1")" -eq "$(readlink "$1" | tr -d '\n' | wc -c)" ]
}

# ctl relocate: the copy leaves Staging/ in every form the kernel holds.
x=$(ls "$L/Staging" | grep '^PAY.A\.')
stat "$L/Staging/$x" >/dev/null
ls -l "$L/Staging" "$L/Offsite" "$M/backups/by-file/PAY.A" >/dev/null
check "ctl: relocate a copy" sh -c "echo 'relocate $x --to Offsite' > '$M/ctl'"
check_eq "stat of the old name fails at once" "No such file or directory" "$(errno_of ls -d "$L/Staging/$x")"
check_eq "Staging no longer lists it" "$(ls "$L/Staging" | grep -c '^PAY.A\.')" 0
check "stat of the new name" stat "$L/Offsite/$x"
check_eq "Offsite lists it" "$x" "$(ls "$L/Offsite")"
check_eq "by-file follows" "../../by-location/Offsite/$x" "$(readlink "$M/backups/by-file/PAY.A/$x")"
check "by-file: stat and readlink agree" link_agrees "$M/backups/by-file/PAY.A/$x"

# mv of a copy: the by-file link changes size with the location's name.
stat -L "$M/backups/by-file/PAY.A/$x" >/dev/null
check "mv Offsite/X Local/" mv "$L/Offsite/$x" "$L/Local/"
check_eq "readlink gives the new target" "../../by-location/Local/$x" "$(readlink "$M/backups/by-file/PAY.A/$x")"
check "stat and readlink agree" link_agrees "$M/backups/by-file/PAY.A/$x"
check_eq "stat of the old name fails" "No such file or directory" "$(errno_of ls -d "$L/Offsite/$x")"
check_eq "Offsite lists nothing" "" "$(ls "$L/Offsite")"
check_eq "Local lists it" 2 "$(ls "$L/Local" | grep -c '^PAY.A\.')"
check_same_file "the moved copy reads" "$T/data/a.dat" "$L/Local/$x"
check "latest: stat and readlink agree" link_agrees "$M/backups/by-file/PAY.A/latest"

# The toggle: locations/ and latest follow at once.
check "mv locations/inactive/Staging locations/active/" mv "$M/locations/inactive/Staging" "$M/locations/active/"
stat "$M/locations/active/Local" >/dev/null
before=$(readlink "$M/backups/by-file/PAY.B/latest")
check "mv locations/active/Local locations/inactive/" mv "$M/locations/active/Local" "$M/locations/inactive/"
check_eq "active/Local is gone" "No such file or directory" "$(errno_of ls -d "$M/locations/active/Local")"
check_eq "inactive lists it" "Local Offsite" "$(ls "$M/locations/inactive" | nospace)"
check_eq "active lists the rest" "Staging" "$(ls "$M/locations/active" | nospace)"
check_eq "a copy's active attribute follows" "no" "$(getfattr --absolute-names --only-values -n user.ruv.active "$L/Local/$(ls "$L/Local" | grep '^PAY.B\.')")"
check "latest: stat and readlink agree after the toggle" link_agrees "$M/backups/by-file/PAY.B/latest"
check_eq "latest is the usable copy" "$(ls "$L/Staging" | grep '^PAY.B\.')" "$(readlink "$M/backups/by-file/PAY.B/latest")"
check "mv it back" mv "$M/locations/inactive/Local" "$M/locations/active/"
check_eq "latest is back" "$before" "$(readlink "$M/backups/by-file/PAY.B/latest")"
check "latest: stat and readlink agree again" link_agrees "$M/backups/by-file/PAY.B/latest"
check "mv locations/active/Staging locations/inactive/" mv "$M/locations/active/Staging" "$M/locations/inactive/"

# JCL library backup copies: mv through jcl-backups/ leaves no stale name.
J="$M/jcl-backups/by-location"
j=$(ls "$J/Staging")
stat "$J/Staging/$j" >/dev/null
ls -l "$J/Offsite" "$M/shipments/pending" >/dev/null
check "mv jcl-backups Staging/J Offsite/" mv "$J/Staging/$j" "$J/Offsite/"
check_eq "jcl-backups: the old name fails at once" "No such file or directory" "$(errno_of ls -d "$J/Staging/$j")"
check_eq "jcl-backups: Offsite lists it" "$j" "$(ls "$J/Offsite")"
check "jcl-backups: the new name stats" stat "$J/Offsite/$j"
check_eq "jcl-backups: the catalog agrees" Offsite "$(sql "SELECT l.name FROM copy c JOIN location l ON l.id = c.location_id JOIN dataset d ON d.id = c.dataset_id WHERE d.kind = 'jcl' AND c.copy_no = 2")"

# files/ and groups/: a file's names in every view.
printf 'new\n' >"$T/data/n.dat"
check "ln -s registers" ln -s "$T/data/n.dat" "$M/files/PAY.NEW"
check "ln -s adds it to the group" ln -s ../../files/PAY.NEW "$M/groups/PAYROLL/"
stat "$M/groups/PAYROLL/PAY.NEW" "$M/backups/by-file/PAY.NEW" >/dev/null
check_eq "the group's size counts it" 3 "$(stat -c %s "$M/groups/PAYROLL")"
check "rm files/PAY.NEW" rm "$M/files/PAY.NEW"
check_eq "groups/PAYROLL/PAY.NEW is gone at once" "No such file or directory" "$(errno_of ls -d "$M/groups/PAYROLL/PAY.NEW")"
check_eq "backups/by-file/PAY.NEW is gone" "No such file or directory" "$(errno_of ls -d "$M/backups/by-file/PAY.NEW")"
check_eq "the group lists the rest" "PAY.A PAY.B" "$(ls "$M/groups/PAYROLL" | nospace)"
check_eq "the group's size follows" 2 "$(stat -c %s "$M/groups/PAYROLL")"
check_eq "files/ lists the rest" "PAY.A PAY.B" "$(ls "$M/files" | nospace)"
check "ln -s again" ln -s "$T/data/n.dat" "$M/files/PAY.NEW"
check "and into the group" ln -s ../../files/PAY.NEW "$M/groups/PAYROLL/"
stat "$M/groups/PAYROLL/PAY.NEW" >/dev/null
check "rm groups/PAYROLL/PAY.NEW" rm "$M/groups/PAYROLL/PAY.NEW"
check_eq "the group's size follows the rm" 2 "$(stat -c %s "$M/groups/PAYROLL")"
check "files/PAY.NEW stays" stat "$M/files/PAY.NEW"
check "mkdir groups/G" mkdir "$M/groups/G"
stat "$M/groups/G" >/dev/null
check "rmdir groups/G" rmdir "$M/groups/G"
check_eq "groups/G is gone" "No such file or directory" "$(errno_of ls -d "$M/groups/G")"
check_eq "groups lists the rest" "PAYROLL" "$(ls "$M/groups" | nospace)"

# Generated files: the size is the content's after each change.
sizes_true() {
	for f in "$M/status" "$M/reports/backups.txt" "$M/reports/backups.json" "$M/pit"; do
		[ "$(stat -c %s "$f")" -eq "$(wc -c <"$f")" ] || { echo "$f" >&2; return 1; }
	done
}
check "generated sizes are true" sizes_true
check "ctl: backup" sh -c "echo 'backup PAY.NEW' > '$M/ctl'"
check "generated sizes are true after a ctl line" sizes_true
check_eq "a new copy shows in Local at once" 1 "$(ls "$L/Local" | grep -c '^PAY.NEW\.')"

# jcl/: a ctl jcl restore and a pit write change members under the tree.
stat "$M/jcl/TOGGLE" >/dev/null
echo "//* local edit" >>"$RUV_HOME/jcl/TOGGLE"
check_eq "the member has the edit" "//* local edit" "$(tail -n 1 "$RUV_HOME/jcl/TOGGLE")"
check "ctl: jcl restore --force" sh -c "echo 'jcl restore --force' > '$M/ctl'"
check_same_file "the member is the backed-up one again" "$T/TOGGLE.backed-up" "$RUV_HOME/jcl/TOGGLE"
check_eq "jcl/TOGGLE has the restored size at once" "$(stat -c %s "$T/TOGGLE.backed-up")" "$(stat -c %s "$M/jcl/TOGGLE")"
check_same_file "and the restored content" "$T/TOGGLE.backed-up" "$M/jcl/TOGGLE"
check "the edit is gone from the tree" sh -c "! grep -q 'local edit' '$M/jcl/TOGGLE'"
stat "$M/jcl/RECOVER" "$M/pit" >/dev/null
check "echo TIME > pit" sh -c "echo 2026-11-24T07:59:59Z > '$M/pit'"
check_eq "jcl/RECOVER has its new size at once" "$(stat -c %s "$RUV_HOME/jcl/RECOVER")" "$(stat -c %s "$M/jcl/RECOVER")"
check "and the new time" grep -q -- "--stop-time 2026-11-24T07:59:59Z" "$M/jcl/RECOVER"
check "pit's size is true" sizes_true

# All at once: listings, mv of copies both ways, ctl lines and member
# changes.  Each loop stops at its first failure; all must end (a lock
# cycle between a change and the invalidations would hang here).
y=$(ls "$L/Staging" | grep '^PAY.B\.')
loop() {
	_what=$1
	shift
	_i=0
	while [ "$_i" -lt 25 ]; do
		sh -c "$*" >/dev/null 2>"$T/stress.$_what.err" || { echo "$_i" >"$T/stress.$_what"; return; }
		_i=$((_i + 1))
	done
	echo ok >"$T/stress.$_what"
}
# (a name removed between readdir and lstat is no error of the tree)
loop ls "ls -lR '$M' 2>&1 >/dev/null | grep -v 'No such file or directory\$' | grep . >&2; [ \$? -eq 1 ]" &
p1=$!
loop mv "mv '$L/Local/$x' '$L/Offsite/' && mv '$L/Offsite/$x' '$L/Local/'" &
p2=$!
loop ctl "echo 'relocate $y --to Offsite' > '$M/ctl' && echo 'relocate $y --to Staging' > '$M/ctl'" &
p3=$!
loop group "ln -s ../../files/PAY.NEW '$M/groups/PAYROLL/' && rm '$M/groups/PAYROLL/PAY.NEW'" &
p4=$!
loop toggle "mv '$M/locations/inactive/Offsite' '$M/locations/active/' && mv '$M/locations/active/Offsite' '$M/locations/inactive/'" &
p5=$!
wait "$p1" "$p2" "$p3" "$p4" "$p5"
for w in ls mv ctl group toggle; do
	check_eq "concurrent $w: every round done" ok "$(cat "$T/stress.$w")"
	[ "$(cat "$T/stress.$w")" = ok ] || sed 's/^/# /' "$T/stress.$w.err"
done
check_eq "after it, Staging lists the copy" "$y" "$(ls "$L/Staging" | grep '^PAY.B\.')"
check_eq "and Local the moved one" 1 "$(ls "$L/Local" | grep -c "^$x\$")"
check_eq "the group lists its members" "PAY.A PAY.B" "$(ls "$M/groups/PAYROLL" | nospace)"
check_eq "Offsite is inactive" "Local" "$(ls "$M/locations/active" | nospace)"
done_testing
