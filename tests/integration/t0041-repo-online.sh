#!/bin/sh
# The repository backup is online: it runs while another process holds a
# write transaction, copies only what was committed, and the writer's
# commit goes through.  And ruvreprs --force replaces a live repository
# so that the home has one at every instant, keeping the old one (with
# the frames still in its WAL) aside, and the new one never meets them.
. "${SRCDIR}/tests/integration/lib.sh"
: "${RUVREPRS:?RUVREPRS must name the ruvreprs binary}"
make_home
"$RUV" file register A.DAT "$T/data/a.dat" >/dev/null
check "a backup" "$RUV" backup A.DAT
DB="$RUV_HOME/repository.db"

# wait_for FILE: poll for it (20 s at most, a deadline, not a measure).
wait_for() {
	_i=0
	while [ ! -e "$1" ]; do
		_i=$((_i + 1))
		[ "$_i" -le 200 ] || return 1
		sleep 0.1
	done
}

# writer NAME: insert a history row with subject NAME in a transaction
# (BEGIN IMMEDIATE: the write lock) and hold it until $T/NAME.release;
# with "commit-first", commit at once and hold the connection open.
cat >"$T/writer.py" <<'EOF'
import os, sqlite3, sys, time
db, name, mode, t = sys.argv[1:5]
c = sqlite3.connect(db, isolation_level=None, timeout=60)
c.execute("BEGIN IMMEDIATE")
c.execute("INSERT INTO history(time_us, action, subject, outcome, message)"
          " VALUES (0, 'test', ?, 'ok', 'a concurrent writer')", (name,))
if mode == "commit-first":
    c.execute("COMMIT")
open(os.path.join(t, name + ".held"), "w").close()
while not os.path.exists(os.path.join(t, name + ".release")):
    time.sleep(0.05)
if mode != "commit-first":
    c.execute("COMMIT")
c.close()
EOF
python3 "$T/writer.py" "$DB" WRITER hold "$T" &
wpid=$!
at_exit "touch '$T/WRITER.release'; kill $wpid"
check "the writer holds a write transaction" wait_for "$T/WRITER.held"
"$RUV" repo backup >"$T/rb.out" 2>"$T/rb.err" &
bpid=$!
# Let it meet the transaction (the test passes either way: the backup
# queues behind the writer, then copies what is committed).
sleep 1
touch "$T/WRITER.release"
wait "$wpid"
check_eq "the writer commits" 0 "$?"
wait "$bpid"
check_eq "the repository backup succeeds" 0 "$?"
check_eq "and says nothing on stderr" "" "$(cat "$T/rb.err")"
check "the repository checks out" "$RUV" repo check
check_eq "the writer's row is in the repository" 1 "$(sql "SELECT count(*) FROM history WHERE subject = 'WRITER'")"
check_eq "the repository backup is registered, two copies" "1 2" "$(sql "SELECT count(DISTINCT repo_backup_id) || ' ' || count(*) FROM copy WHERE repo_backup_id IS NOT NULL")"
R="$T/other"
check "restore that repository backup elsewhere" env RUV_HOME="$R" "$RUVREPRS" --from "$RUV_HOME/pools/local"
check "it checks out" env RUV_HOME="$R" "$RUV" repo check
check_eq "it has what was committed" 1 "$(sqlite3 "$R/repository.db" 'SELECT count(*) FROM backup')"
check_eq "the writer's row, committed before the copy" 1 "$(sqlite3 "$R/repository.db" "SELECT count(*) FROM history WHERE subject = 'WRITER'")"
check_eq "but not the repository backup's own registration" 0 "$(sqlite3 "$R/repository.db" "SELECT count(*) FROM repo_backup")"

# --force over a live repository whose WAL holds a committed row that is
# not yet in the database file, its writer still connected.
python3 "$T/writer.py" "$R/repository.db" LATE commit-first "$T" &
lpid=$!
at_exit "touch '$T/LATE.release'; kill $lpid"
check "a writer committed and stays connected" wait_for "$T/LATE.held"
cat >"$T/watch.py" <<'EOF'
import os, sys
db, stop = sys.argv[1:3]
seen = missing = 0
open(stop + ".ready", "w").close()
while not os.path.exists(stop):
    seen += 1
    if not os.path.exists(db):
        missing += 1
print(seen, missing)
EOF
python3 "$T/watch.py" "$R/repository.db" "$T/watch.stop" >"$T/watch.out" &
watch=$!
at_exit "touch '$T/watch.stop'"
check "the watcher is watching" wait_for "$T/watch.stop.ready"
for i in 1 2 3; do
	check "ruvreprs --force ($i)" env RUV_HOME="$R" "$RUVREPRS" --force --from "$RUV_HOME/pools/local"
	# the first one set aside the repository with the LATE row
	[ "$i" = 1 ] && first=$(sed -n 's/^the previous repository is kept as //p' "$T/out")
done
touch "$T/watch.stop"
wait "$watch"
check "the watcher looked" test "$(cut -d' ' -f1 "$T/watch.out")" -gt 0
check_eq "and never found the home without a repository" 0 "$(cut -d' ' -f2 "$T/watch.out")"
touch "$T/LATE.release"
wait "$lpid"
check "the new repository checks out" env RUV_HOME="$R" "$RUV" repo check
check_eq "it is the repository backup, not the old WAL's row" 0 "$(sqlite3 "$R/repository.db" "SELECT count(*) FROM history WHERE subject = 'LATE'")"
check "the old one was kept aside" test -f "$first"
check_eq "with the row its WAL held" 1 "$(sqlite3 "$first" "SELECT count(*) FROM history WHERE subject = 'LATE'")"
check_eq "three kept aside, none over another" 3 "$(ls "$R" | grep '^repository.db.replaced-' | grep -cv -- '-wal$\|-shm$')"
done_testing
