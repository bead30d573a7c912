#!/bin/sh
# ruvfs at the remote site: mounted before the repository is restored, it
# serves what is there and picks up the repository ruvreprs installs, and
# a replaced one, without a remount.
. "${SRCDIR}/tests/integration/lib.sh"
: "${RUVREPRS:?RUVREPRS must name the ruvreprs binary}"
make_home
"$RUV" file register R.A "$T/data/a.dat" >/dev/null
"$RUV" backup R.A >/dev/null
"$RUV" jcl init >/dev/null
"$RUV" jcl backup >/dev/null
"$RUV" repo backup >/dev/null # after the JCL backup: it knows that one
"$RUV" pull-list --commit >/dev/null 2>&1
mkdir "$T/transport"
"$RUV" shipment export 1 "$T/transport" >/dev/null
R="$T/remote"
mkdir "$R"
mount_ruvfs "$R"
M="$T/mnt"
check_eq "no repository yet: files/ is empty" "" "$(ls "$M/files")"
check_eq "nor are there JCL copies" "" "$(ls "$M/jcl-backups/by-location")"
check "status says there is none" grep -q "repository: none" "$M/status"
env RUV_HOME="$R" "$RUV" catalog "$T/transport" >/dev/null
check "ruvreprs while mounted" env RUV_HOME="$R" "$RUVREPRS"
sleep 1.1
check_eq "the tree picks the repository up" "R.A" "$(ls "$M/files")"
jc=$(ls "$M/jcl-backups/by-location/Offsite")
check_eq "the shipped JCL copy is in Offsite" "RUV.JCLLIB.J1.C2" "$(echo "$jc" | sed 's/\.D[0-9]*\.T[0-9]*\././')"
check "it reads from the arrived volume: the packed library" sh -c "cat '$M/jcl-backups/by-location/Offsite/$jc' > '$T/jc' && head -c 8 '$T/jc' | grep -qx RUVJCL1"
check_eq "all of it" "$(sql "SELECT size FROM jcl_backup WHERE id = 1")" "$(wc -c <"$T/jc")"
check "a second file, a newer repository backup, replaced with --force" sh -c "
	'$RUV' file register R.B '$T/data/b.dat' >/dev/null &&
	'$RUV' backup R.B >/dev/null && '$RUV' repo backup >/dev/null &&
	'$RUV' pull-list --commit >/dev/null 2>&1 && mkdir '$T/t2' &&
	'$RUV' shipment export 2 '$T/t2' >/dev/null &&
	env RUV_HOME='$R' '$RUV' catalog '$T/t2' >/dev/null &&
	env RUV_HOME='$R' '$RUVREPRS' --force >/dev/null"
sleep 1.1
check_eq "the tree shows the replaced repository" "R.A R.B" "$(ls "$M/files" | tr '\n' ' ' | sed 's/ $//')"
check "unmount" umount_ruvfs
done_testing
