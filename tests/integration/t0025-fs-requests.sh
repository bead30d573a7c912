#!/bin/sh
# ruvfs: requests answered as a shell expects: no live set-id copies, pit
# times checked in the write, attributes in jcl/, absolute ln -s targets,
# a quiet mount log.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
cp /bin/true "$T/data/suid"
chmod 6755 "$T/data/suid"
"$RUV" file register PAY.SUID "$T/data/suid" >/dev/null
"$RUV" backup PAY.SUID >/dev/null
"$RUV" jcl init >/dev/null
mount_ruvfs
M="$T/mnt"
copy="$M/backups/by-location/Local/$(ls "$M/backups/by-location/Local" | grep '^PAY.SUID\.')"

# Set-id bits: a copy of a setuid program is data, never a way in.
check_eq "the catalog keeps the file's mode" 6755 "$(printf '%o' "$(sql "SELECT mode FROM file WHERE dsn = 'PAY.SUID'")" | tail -c 4)"
check_eq "the copy has no set-id bits" 755 "$(stat -c %a "$copy")"
check_eq "nor in a listing" "-rwxr-xr-x" "$(ls -l "$copy" | cut -c1-10)"
check_same_file "and it is the program" "$T/data/suid" "$copy"
opts=$(awk -v m="$M" '$2 == m { print $4 }' /proc/mounts)
check "the mount is nosuid" sh -c "echo '$opts' | tr , '\n' | grep -qx nosuid"
check "the mount is nodev" sh -c "echo '$opts' | tr , '\n' | grep -qx nodev"
check "the mount log has no thread warning" sh -c "! grep -i 'invalid max threads' '$T/ruvfs.log'"

# pit: a bad time fails the write that completes the line.
"$RUV" pit set 2026-11-24T07:59:59Z >/dev/null
"$RUV" pit show --json >"$T/pit.before"
dump_repo >"$T/dump.before"
bash -c "echo 2026-02-30T00:00:00Z > '$M/pit'" 2>"$T/bash.err"
check_eq "bash echo of a bad time fails" 1 "$?"
check "bash says write error: Invalid argument" grep -q "write error: Invalid argument" "$T/bash.err"
check "status says why" grep -q "day 30 out of range" "$M/status"
printf '2026-02-30T00:00:00Z\n' >"$T/badtime"
check_eq "cp of a bad time fails" "Invalid argument" "$(errno_of cp "$T/badtime" "$M/pit")"
printf 'not-a-time\n' >"$T/badword"
check_eq "a bad word fails at close (no listing starts so)" "Invalid argument" "$(errno_of cp "$T/badword" "$M/pit")"
check_unchanged "bad times" "$T/dump.before"
"$RUV" pit show --json >"$T/pit.after"
check_same_file "the PIT is unchanged" "$T/pit.before" "$T/pit.after"
check "bash echo of a good time" bash -c "echo 2026-11-25T08:00:00Z > '$M/pit'"
check "it is set" sh -c "'$RUV' pit show | grep -q 2026-11-25T08:00:00Z"
check "cat LISTING > pit still works" sh -c "cat '$SRCDIR/tests/fixtures/recon-sample.txt' > '$M/pit'"
check "the listing's PIT is set" sh -c "'$RUV' pit show --json | grep -q 2025-02-10T14:42:17.364519Z"

# jcl/: attributes are the real file's.
printf 'job\n' >"$T/JOB"
setfattr -n user.origin -v lab "$T/JOB"
check "cp -a into jcl/" cp -a "$T/JOB" "$M/jcl/"
check_same_file "the member is there" "$T/JOB" "$RUV_HOME/jcl/JOB"
check_eq "cp -a kept its attribute" "lab" "$(getfattr --absolute-names --only-values -n user.origin "$RUV_HOME/jcl/JOB")"
check "setfattr in jcl/" setfattr -n user.note -v hello "$M/jcl/JOB"
check_eq "getfattr in jcl/" "hello" "$(getfattr --absolute-names --only-values -n user.note "$M/jcl/JOB")"
check_eq "on the real member" "hello" "$(getfattr --absolute-names --only-values -n user.note "$RUV_HOME/jcl/JOB")"
check "listed" sh -c "getfattr --absolute-names -d '$M/jcl/JOB' | grep -q '^user.note=\"hello\"'"
check "setfattr -x in jcl/" setfattr -x user.note "$M/jcl/JOB"
check_eq "removed" "No such attribute" "$(errno_of getfattr --absolute-names -n user.note "$RUV_HOME/jcl/JOB")"
check "attributes of jcl/ itself" setfattr -n user.dir -v d "$M/jcl"
check_eq "on the real directory" "d" "$(getfattr --absolute-names --only-values -n user.dir "$RUV_HOME/jcl")"
dump_repo >"$T/dump.before"
check_eq "user.ruv.* are read-only" "Permission denied" "$(errno_of setfattr -n user.ruv.dsn -v X "$copy")"
check_eq "and cannot be removed" "Permission denied" "$(errno_of setfattr -x user.ruv.dsn "$copy")"
check_eq "other names are not kept on copies" "Operation not supported" "$(errno_of setfattr -n user.other -v X "$copy")"
check_eq "the catalog attribute is intact" "PAY.SUID" "$(getfattr --absolute-names --only-values -n user.ruv.dsn "$copy")"
# Namespaces the tree does not keep say so (ls -l then asks once per
# file system, not per file); the catalog's own attributes still read.
for n in security.selinux system.posix_acl_access; do
	check_eq "$n on a copy: not supported" "Operation not supported" "$(errno_of getfattr --absolute-names -n "$n" "$copy")"
	check_eq "$n on a directory: not supported" "Operation not supported" "$(errno_of getfattr --absolute-names -n "$n" "$M/backups")"
done
check_eq "a user name a copy lacks: no such attribute" "No such attribute" "$(errno_of getfattr --absolute-names -n user.other "$copy")"
check "getfattr -d lists the catalog fields" sh -c "getfattr --absolute-names -d '$copy' | grep -q '^user.ruv.dsn=\"PAY.SUID\"'"
check "ls -l of copies says nothing of attributes" sh -c "ls -l '$M/backups/by-location/Local' >/dev/null 2>'$T/ls.err' && test ! -s '$T/ls.err'"

# ln -s: the target must be absolute.
(cd "$T/data" && ln -s a.dat "$M/files/PAY.REL") 2>"$T/ln.err"
check_eq "ln -s with a relative target fails" 1 "$?"
check "with Invalid argument" grep -q "Invalid argument" "$T/ln.err"
check "status says the target must be absolute" grep -q "target 'a.dat' of 'PAY.REL' must be an absolute path" "$M/status"
check_unchanged "relative ln -s" "$T/dump.before"
check "an absolute target registers" ln -s "$T/data/a.dat" "$M/files/PAY.ABS"
check_eq "at that path" "$T/data/a.dat" "$(sql "SELECT path FROM file WHERE dsn = 'PAY.ABS'")"
done_testing
