#!/bin/sh
# kill -9 at random moments during a group backup and during a restore,
# with the checks of t0043 after each (killloop.sh): the repository
# opens, checks and verifies, every data set it registers lies inside its
# volume, the step's objects are whole or absent, and the step then
# succeeds.  For the backup: each backup row has both its copies, and a
# round adds none or the whole group.  For the restore: the target is
# absent or byte-exact, never partial, and the rerun gives it byte-exact.
# (t0012 kills bigger backups and looks at the volumes in depth; this
# one is the backup and restore of scripts/soak-kill.)
. "${SRCDIR}/tests/integration/lib.sh"
. "${SRCDIR}/tests/integration/killloop.sh"
make_home
printf '[backup]\nchunk_size = 64K\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
kill_rounds 8 # kills that must land per step ($KILL_ROUNDS for a soak)

for i in 1 2 3; do
	head -c $((2 * 1024 * 1024 + i)) /dev/urandom >"$T/data/big$i"
	"$RUV" file register "C.BIG$i" "$T/data/big$i" >/dev/null
done
"$RUV" group define BIG C.BIG1 C.BIG2 C.BIG3 >/dev/null
check "a first backup" "$RUV" backup --group BIG

# Every backup row has its two copies (1 and 2), each on a data set.
backups_whole() {
	sql "SELECT 'backup ' || b.id || ' has copies ' || coalesce(group_concat(c.copy_no), 'none')
	     FROM backup b LEFT JOIN copy c ON c.backup_id = b.id
	     GROUP BY b.id HAVING count(c.id) != 2 OR sum(c.copy_no) != 3"
}
before_backup() { prev=$(sql 'SELECT count(*) FROM backup'); }
after_kill_backup() {
	backups_whole
	n=$(sql 'SELECT count(*) FROM backup')
	[ "$n" -eq "$prev" ] || applied=1
	[ "$n" -ge "$prev" ] && [ "$n" -le $((prev + 3)) ] || echo "backup rows: $prev before, $n now"
}
after_rerun_backup() {
	backups_whole
	# The rerun backed up each member of the group once more.
	[ "$(sql 'SELECT count(*) FROM backup')" -eq $((n + 3)) ] ||
		echo "the rerun made $(($(sql 'SELECT count(*) FROM backup') - n)) backup rows, not 3"
}
crash backup "$RUV" backup --group BIG

mkdir "$T/res"
before_restore() { rm -f "$T/res/"* "$T/res/".[!.]* 2>/dev/null; }
after_kill_restore() {
	if [ -e "$T/res/big1" ]; then
		applied=1
		cmp -s "$T/data/big1" "$T/res/big1" || echo "the target is there, and not byte-exact"
	fi
	# What a killed restore may leave: its own temporary file, beside.
	ls -A "$T/res" | grep -v '^big1$' | grep -v '^big1\.ruv-restore-' | sed 's/^/left: /'
}
after_rerun_restore() {
	cmp -s "$T/data/big1" "$T/res/big1" || echo "the rerun did not restore big1 byte-exact"
	[ "$(stat -c %a "$T/res/big1")" = "$(stat -c %a "$T/data/big1")" ] || echo "the mode differs"
}
crash restore "$RUV" restore C.BIG1 --to "$T/res/big1"
done_testing
