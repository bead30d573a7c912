#!/bin/sh
# ruvreprs never races a backup: every ruv process holds the home lock
# for its run, so ruvreprs --force started during a backup is refused
# with EBUSY naming the backup's pid and verb, and changes nothing; with
# --wait it waits for the backup, which then lands whole in the
# repository it started with (kept aside), and installs the repository
# backup.  A ruvfs mount over the home holds the lock per request only:
# ruvreprs under it works, and a tree change that comes while ruvreprs
# waits lands in the repository ruvreprs installs, never in the replaced
# one; so does a ruv command started meanwhile, which says for whom it
# waits.
#
# The backup is held still without any timing: its source is a file in
# a second ruvfs mount whose process is stopped (SIGSTOP), so the backup
# blocks opening it, after taking the lock, until SIGCONT.
. "${SRCDIR}/tests/integration/lib.sh"
: "${RUVREPRS:?RUVREPRS must name the ruvreprs binary}"

# wait_until WHAT CMD...: CMD succeeds within 10 s (polled).
wait_until() {
	_ww=$1
	shift
	_i=0
	while ! "$@" >/dev/null 2>&1; do
		_i=$((_i + 1))
		if [ "$_i" -gt 100 ]; then
			not_ok "$_ww (not within 10 s)"
			return 1
		fi
		sleep 0.1
	done
	ok "$_ww"
}

# registered PID VERB: the home's lock registry has PID running VERB.
registered() {
	tr '\000' '\n' <"$RUV_HOME/ruv.lock" | grep -qx "$1 run $2"
}

# blocked PID: a thread of PID waits for the answer to a FUSE request
# (the stopped source mount, or the tree held by the lock).
blocked() {
	cat /proc/"$1"/task/*/wchan 2>/dev/null | tr '\000' '\n' |
		grep -q request_wait_answer
}

# bigone_backups DB: the backups of BIG.ONE in that repository file.
bigone_backups() {
	sqlite3 "$1" "SELECT count(*) FROM backup b JOIN file f ON f.id = b.file_id WHERE f.dsn = 'BIG.ONE'"
}

make_home
# The source: a 4 MiB file in the JCL library of a second home, read
# through that home's mount.
S="$T/srchome"
"$RUV" --home "$S" init >/dev/null
head -c 4194304 /dev/urandom >"$S/jcl/BIG"
mkdir "$T/src"
"$RUVFS" -f "$S" "$T/src" >>"$T/src.log" 2>&1 &
spid=$!
at_exit "kill -CONT $spid; fusermount3 -u -z '$T/src'; kill $spid"
wait_until "the source's mount is up" mountpoint -q "$T/src"
"$RUV" file register R.A "$T/data/a.dat" >/dev/null
"$RUV" file register BIG.ONE "$T/src/jcl/BIG" >/dev/null
"$RUV" backup R.A >/dev/null
"$RUV" repo backup >/dev/null # knows BIG.ONE, not a backup of it

mount_ruvfs
M="$T/mnt"
check_eq "the tree lists both files" "BIG.ONE R.A" "$(ls "$M/files" | tr '\n' ' ' | sed 's/ $//')"

# The backup, held still.
kill -STOP "$spid"
"$RUV" backup BIG.ONE >"$T/b.out" 2>"$T/b.err" &
bpid=$!
wait_until "the running backup is in the lock registry" registered "$bpid" backup
wait_until "and blocked on its source, past taking the lock" blocked "$bpid"
dump_repo >"$T/dump.before"
ls -A "$RUV_HOME" >"$T/ls.before"
check_fail "ruvreprs --force during the backup: refused" 1 \
	"busy: pid $bpid \\(backup\\) running; nothing changed" \
	"$RUVREPRS" --force
check_eq "with EBUSY through ctl" "Device or resource busy" \
	"$(errno_of bash -c "echo 'reprs --force' > '$M/ctl'")"
check "status names the backup" grep -q "pid $bpid (backup)" "$M/status"
check_unchanged "refused" "$T/dump.before"
ls -A "$RUV_HOME" >"$T/ls.after"
check_same_file "the home holds the same entries (nothing kept aside)" \
	"$T/ls.before" "$T/ls.after"
check "the backup still runs" kill -0 "$bpid"

# --wait: it waits for the backup; a tree change meanwhile waits too.
"$RUVREPRS" --force --wait >"$T/w.out" 2>"$T/w.err" &
wpid=$!
wait_until "ruvreprs --wait says whom it waits for" \
	grep -q "waiting for pid $bpid (backup)" "$T/w.err"
check "it has not replaced anything yet" \
	sh -c "! ls '$RUV_HOME' | grep -q replaced"
mkdir "$M/groups/LATE" 2>"$T/mkdir.err" &
mpid=$!
wait_until "a mkdir in the tree waits behind ruvreprs" blocked "$mpid"
"$RUV" history >"$T/g.out" 2>"$T/g.err" &
gpid=$!
wait_until "so does a ruv command, saying for whom" \
	grep -q "^ruv: waiting for pid $wpid (ruvreprs)" "$T/g.err"
check_eq "it has not made the group" "" "$(sql "SELECT name FROM grp WHERE name = 'LATE'")"
kill -CONT "$spid"
wait "$bpid"
check_eq "the backup ends well" 0 "$?"
check "and says so" grep -q "^backed up BIG.ONE: 4194304 bytes" "$T/b.out"
wait "$wpid"
check_eq "ruvreprs --wait then restores" 0 "$?"
check "naming where the previous repository is kept" \
	grep -q "previous repository is kept as" "$T/w.out"
wait "$mpid"
check_eq "the mkdir in the tree, held meanwhile, succeeds" 0 "$?"
kept=$(ls -d "$RUV_HOME"/repository.db.replaced-* | head -n 1)
check_eq "the backup is whole in the repository it started with" 1 \
	"$(bigone_backups "$kept")"
check_eq "with both copies" 2 "$(sqlite3 "$kept" "SELECT count(*) FROM copy c JOIN backup b ON b.id = c.backup_id JOIN file f ON f.id = b.file_id WHERE f.dsn = 'BIG.ONE'")"
check_eq "the installed repository is the repository backup: no BIG.ONE backup" \
	0 "$(bigone_backups "$RUV_HOME/repository.db")"
check "it holds R.A's backup" "$RUV" verify R.A
check_eq "the tree change landed in the installed repository" LATE \
	"$(sql "SELECT name FROM grp WHERE name = 'LATE'")"
check_eq "not in the replaced one" 0 \
	"$(sqlite3 "$kept" "SELECT count(*) FROM grp WHERE name = 'LATE'")"
check "the mount shows it" test -d "$M/groups/LATE"
wait "$gpid"
check_eq "the ruv command that waited ran on the installed repository" 0 "$?"
check "and saw its history row of the restore" grep -q ruvreprs "$T/g.out"

# Under a live mount with nothing else running, ruvreprs just works.
check "ruvreprs --force under the live mount" "$RUVREPRS" --force
sleep 1.1
check_eq "the tree shows the installed repository" "BIG.ONE R.A" \
	"$(ls "$M/files" | tr '\n' ' ' | sed 's/ $//')"
check "and the stale registry entries of the finished processes do not count" \
	"$RUVREPRS" --force

# A process killed with -9 leaves nothing locked.
kill -STOP "$spid"
"$RUV" backup BIG.ONE >/dev/null 2>&1 &
bpid=$!
wait_until "another backup is in the registry" registered "$bpid" backup
wait_until "and blocked" blocked "$bpid"
kill -9 "$bpid"
# CONT first: had the source's ruvfs read the request just before it
# stopped, the killed backup could not end before it is answered.
kill -CONT "$spid"
wait "$bpid" 2>/dev/null
check "after its kill -9, ruvreprs is not refused" timeout 60 "$RUVREPRS" --force
check "unmount" umount_ruvfs
done_testing
