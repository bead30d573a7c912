#!/bin/sh
# kill -9 at random moments during every step that changes state besides
# the file backup (t0012): repo backup, jcl backup, pit set, pull-list
# --commit, shipment export, and ruvreprs --force at a second home.  After
# each kill the repository opens, checks and verifies, the step's object
# is there whole or not at all, no temporary file is left that the next
# run would trip on, and the same step then succeeds.
#
# Each step gets real weight (a repository grown with SQL as
# scripts/bench-logistics does, a JCL library of many members, volumes of
# a few MiB) and is timed once; the kills then land at random moments in
# that span.  Only kills that landed (wait status 137) count.
. "${SRCDIR}/tests/integration/lib.sh"
: "${RUVREPRS:?RUVREPRS must name the ruvreprs binary}"
make_home
printf '[backup]\nchunk_size = 64K\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
HOME_A=$RUV_HOME
HOME_B="$T/remote"
ROUNDS=8    # kills that must land, per step
MAXROUNDS=40

for i in 1 2 3; do
	head -c $((2 * 1024 * 1024 + i)) /dev/urandom >"$T/data/big$i"
	"$RUV" file register "C.BIG$i" "$T/data/big$i" >/dev/null
done
"$RUV" file register C.A "$T/data/a.dat" >/dev/null
"$RUV" file register C.B "$T/data/b.dat" >/dev/null
"$RUV" group define BIG C.BIG1 C.BIG2 C.BIG3 >/dev/null
"$RUV" group define SMALL C.A C.B >/dev/null
check "first backups" "$RUV" backup --group BIG --group SMALL
# A repository of some size: history rows that do not compress to nothing.
sql "BEGIN; WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 60000)
     INSERT INTO history(time_us, action, subject, outcome, message)
     SELECT i, 'bench', 'C.H' || i, 'ok', hex(randomblob(48)) FROM k; COMMIT;"
# A JCL library of many members that carry the PIT fields.
check "jcl init" "$RUV" jcl init
python3 - "$HOME_A/jcl" <<'EOF'
import os, sys
d = sys.argv[1]
base = open(os.path.join(d, "VSAMRCVR")).read()
for i in range(1, 121):
    pad = "".join("//* %s\n" % os.urandom(30).hex() for _ in range(200))
    with open(os.path.join(d, "V%04d" % i), "w") as f:
        f.write(base + pad)
EOF

# ms STEP CMD...: run CMD three times, each after `before_STEP 0` (it
# must succeed) and print the length of the shortest run in ms, so that a
# slow first run (cold caches) does not spread the kills past the end of
# the others.
ms() {
	_best=0
	_st=$1
	shift
	for _k in 1 2 3; do
		"before_$_st" 0
		_t0=$(date +%s%N)
		"$@" >"$T/timed.out" 2>&1 || { sed 's/^/# /' "$T/timed.out"; echo 0; return; }
		_m=$((($(date +%s%N) - _t0) / 1000000))
		[ "$_best" -ne 0 ] && [ "$_best" -le "$_m" ] || _best=$_m
	done
	[ "$_best" -ge 10 ] || _best=10
	echo "$_best"
}

# delay MS ROUND: a random delay in [0, MS] ms, in seconds.
delay() {
	awk -v m="$1" -v s="$2$$" 'BEGIN { srand(s); printf "%.3f", rand() * m / 1000 }'
}

# sound: the home's repository opens, checks and verifies, and every data
# set it registers lies wholly inside its volume file.  Prints problems.
sound() {
	"$RUV" file list >/dev/null 2>"$T/s.err" || { echo "does not open:"; cat "$T/s.err"; }
	"$RUV" repo check >/dev/null 2>"$T/s.err" || { echo "repo check:"; cat "$T/s.err"; }
	# At the second home only the shipped volumes are here (catalogued
	# from the transport directory); the others are MISSING there, as
	# they should be, but never DAMAGED.
	"$RUV" verify --all >/dev/null 2>"$T/s.err" || {
		if [ "$RUV_HOME" != "${HOME_B:-}" ] || grep -qv ' MISSING ' "$T/s.err"; then
			echo "verify --all:"; tail -n 3 "$T/s.err"
		fi
	}
	sql "SELECT $(vol_file_sql) || ' ' || (d.vol_offset + d.length) FROM dataset d JOIN volume v ON v.id = d.volume_id" |
	while read -r p end; do
		if [ "$RUV_HOME" = "${HOME_B:-}" ] && [ ! -e "$p" ]; then
			p="$T/transport/$(basename "$p")"
			[ -e "$p" ] || continue
		fi
		[ "$(stat -c %s "$p" 2>/dev/null || echo 0)" -ge "$end" ] || echo "$p shorter than $end"
	done
}

# crash STEP CMD...: kill CMD -9 at random moments until ROUNDS kills have
# landed.  Before each round `before_STEP` runs; after each kill, `sound`
# and `after_kill_STEP` print what is wrong; then CMD must succeed again
# and `after_rerun_STEP` print what is wrong.
crash() {
	_step=$1
	shift
	_s0=$(date +%s)
	_ms=$(ms "$_step" "$@")
	check "$_step: a whole run (${_ms} ms)" test "$_ms" -gt 0
	_kills=0 _round=0 _bad=0 _applied=0
	while [ "$_kills" -lt "$ROUNDS" ] && [ "$_round" -lt "$MAXROUNDS" ]; do
		_round=$((_round + 1))
		"before_$_step" "$_round"
		"$@" >/dev/null 2>&1 &
		_pid=$!
		sleep "$(delay "$_ms" "$_round")"
		kill -9 "$_pid" 2>/dev/null
		wait "$_pid" 2>/dev/null
		_landed=$?
		applied=0
		{ sound; "after_kill_$_step"; } >"$T/bad" 2>&1
		if [ "$_landed" -eq 137 ]; then
			_kills=$((_kills + 1))
			_applied=$((_applied + applied))
		elif [ "$_ms" -gt 10 ]; then
			# The run ended before the kill: it is quicker now than
			# when it was timed (the machine was busier then).
			_ms=$((_ms * 3 / 4))
		fi
		if "$@" >"$T/rerun.out" 2>&1; then
			"after_rerun_$_step" >>"$T/bad" 2>&1
		else
			echo "the rerun failed:" >>"$T/bad"
			cat "$T/rerun.out" >>"$T/bad"
		fi
		if [ -s "$T/bad" ]; then
			_bad=$((_bad + 1))
			echo "# $_step round $_round:"
			head -n 8 "$T/bad" | sed 's/^/#   /'
		fi
	done
	echo "# $_step: $_kills kills landed in $_round rounds ($_applied after the step took effect), $(($(date +%s) - _s0)) s"
	check "$_step: $ROUNDS kills landed ($_kills in $_round rounds)" test "$_kills" -ge "$ROUNDS"
	check_eq "$_step: every round left a sound repository and reran" 0 "$_bad"
}

# A special backup (repo_backup or jcl_backup): each row has its two
# copies, 1 in Local and 2 in Staging (until shipped), and no snapshot
# or packed library is left in the home once a run is over.
special_whole() {
	sql "SELECT b.id FROM $1 b LEFT JOIN copy c ON c.$1_id = b.id
	     GROUP BY b.id HAVING count(c.id) != 2 OR sum(c.copy_no) != 3" |
		sed "s/^/$1 with other than its two copies: /"
	n=$(sql "SELECT count(*) FROM $1")
	[ "$n" -eq "$prev" ] || applied=1
	[ "$n" -eq "$prev" ] || [ "$n" -eq $((prev + 1)) ] || echo "$1 rows: $prev before, $n now"
}
no_temp_in_home() {
	ls -a "$RUV_HOME" | grep "^\.$1-" | sed "s/^/left in the home: /"
}

before_repo() { prev=$(sql 'SELECT count(*) FROM repo_backup'); }
after_kill_repo() { special_whole repo_backup; }
after_rerun_repo() {
	prev=$(sql 'SELECT count(*) FROM repo_backup')
	special_whole repo_backup
	no_temp_in_home repo_backup
	# The newest repository backup is a repository that opens.
	rm -rf "$T/rb"
	mkdir "$T/rb"
	RUV_HOME="$T/rb" "$RUVREPRS" --from "$HOME_A/pools/local" >/dev/null 2>"$T/rb.err" ||
		{ echo "newest repository backup does not install:"; cat "$T/rb.err"; }
	[ "$(sqlite3 "$T/rb/repository.db" 'SELECT count(*) FROM history')" -gt 60000 ] ||
		echo "the newest repository backup lacks the history"
}
crash repo "$RUV" repo backup

before_jcl() { prev=$(sql 'SELECT count(*) FROM jcl_backup'); }
after_kill_jcl() { special_whole jcl_backup; }
after_rerun_jcl() {
	prev=$(sql 'SELECT count(*) FROM jcl_backup')
	special_whole jcl_backup
	no_temp_in_home jcl_backup
	[ "$(sql 'SELECT members FROM jcl_backup ORDER BY id DESC LIMIT 1')" -eq 127 ] ||
		echo "the newest JCL backup does not have the 127 members"
}
crash jcl "$RUV" jcl backup

# pit set: the listing alternates between two with different PITs, so
# every round changes every member.  What the tool guarantees after a
# kill: no member is torn (each carries the old PIT or the new one, in
# all its fields), and if the repository records the new PIT every member
# carries it (the members are written before the commit); a repository
# still at the old PIT may have members at the new one until the step is
# run again, which makes them all agree.
RECON_A="$SRCDIR/tests/fixtures/recon-sample.txt"
RECON_B="$SRCDIR/tests/fixtures/recon-allclosed.txt"
cp "$RECON_A" "$T/recon.txt"
# The two VSAM forms, "decimal Xhex", as pit show and as a member has them.
vsam_pit() { "$RUV" pit show | sed -n 's/^VSAM *STOP_TIME(\([0-9]*\)) *STOP_TIME(\(X[0-9A-F]*\)).*/\1 \2/p'; }
member_pits() {
	awk 'FNR == 1 && NR > 1 { print v; v = "" }
	     /STOP_TIME\(/ { sub(/.*STOP_TIME\(/, ""); sub(/\).*/, "");
		v = v == "" ? $0 : v " " $0 }
	     END { print v }' "$HOME_A"/jcl/V[0-9]* | sort | uniq -c | sed 's/^ *//'
}
after_kill_pit() {
	now=$(vsam_pit)
	[ "$now" != "$new" ] || applied=1
	[ "$now" = "$old" ] || [ "$now" = "$new" ] || echo "pit show: $now, neither $old nor $new"
	# A member at neither is torn, or has the fields of two PITs.
	member_pits | while read -r n v; do
		if [ "$now" = "$new" ]; then
			[ "$v" = "$new" ] || echo "the repository has $new, $n members $v"
		else
			[ "$v" = "$old" ] || [ "$v" = "$new" ] || echo "$n members at $v, neither $old nor $new"
		fi
	done
}
after_rerun_pit() {
	now=$(vsam_pit)
	[ "$now" = "$new" ] || echo "pit show after the rerun: $now, not $new"
	check_pits=$(member_pits | sed "s/ *$//")
	[ "$check_pits" = "120 $new" ] || echo "members after the rerun: $check_pits"
	ls -a "$HOME_A/jcl" | grep '\.ruv-new$' | sed 's/^/left in the library: /'
}
# The PIT of each listing, for the checks.
"$RUV" pit set --recon "$RECON_B" >/dev/null
pit_b=$(vsam_pit)
"$RUV" pit set --recon "$RECON_A" >/dev/null
pit_a=$(vsam_pit)
check "the two listings give two PITs ($pit_a, $pit_b)" test "$pit_a" != "$pit_b"
check "pit show gives both VSAM forms ($pit_a)" test -n "$pit_a" -a "${pit_a#* X}" != "$pit_a"
# new is the PIT of the listing the round sets.
pitn=0
before_pit() {
	old=$(vsam_pit)
	pitn=$((pitn + 1))
	if [ $((pitn % 2)) -eq 1 ]; then
		cp "$RECON_B" "$T/recon.txt"; new=$pit_b
	else
		cp "$RECON_A" "$T/recon.txt"; new=$pit_a
	fi
}
new=$pit_a
crash pit "$RUV" pit set --recon "$T/recon.txt"

# pull-list --commit: each round, a real backup puts copies in Staging on
# a new offsite volume, and SQL makes some thousand more copies of that
# data set, so the commit has rows to move.  After a kill either no new
# shipment exists and every one of those copies is still in Staging, or
# the shipment exists, has the volumes, they are shipped, and none of
# their copies is in Staging.  The SQL copies go again after each round.
NCLONE=1000
drop_clones() {
	sql "PRAGMA foreign_keys = OFF; BEGIN;
DELETE FROM copy WHERE dataset_id IN (SELECT id FROM dataset WHERE seq > 100000);
DELETE FROM dataset WHERE seq > 100000;
DELETE FROM backup WHERE file_id IN (SELECT id FROM file WHERE dsn LIKE 'CLONE.F%');
DELETE FROM file WHERE dsn LIKE 'CLONE.F%'; COMMIT;"
}
before_pull() {
	drop_clones
	"$RUV" backup --group SMALL >/dev/null
	sql "PRAGMA foreign_keys = OFF; BEGIN;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $NCLONE)
INSERT INTO file(dsn, path, uid, gid, mode, registered_us)
 SELECT 'CLONE.F' || i, '$T/data/clone' || i, 0, 0, 33188, 0 FROM k;
INSERT INTO backup(file_id, start_us, end_us, size, uid, gid, mode, mtime_us)
 SELECT id, id, id, 6, 0, 0, 33188, 0 FROM file WHERE dsn LIKE 'CLONE.F%';
INSERT INTO dataset(volume_id, seq, kind, name, vol_offset, length, raw_size,
 stored_size, chunk_size, nchunks, checksum, created_us)
 SELECT d.volume_id, 100000 + b.id, 'backup', d.name, d.vol_offset, d.length,
 d.raw_size, d.stored_size, d.chunk_size, d.nchunks, d.checksum, d.created_us
 FROM backup b JOIN file f ON f.id = b.file_id AND f.dsn LIKE 'CLONE.F%',
 dataset d WHERE d.id = (SELECT c.dataset_id FROM copy c JOIN backup cb ON cb.id = c.backup_id
  JOIN file cf ON cf.id = cb.file_id WHERE cf.dsn = 'C.A' AND c.copy_no = 2 ORDER BY c.id DESC LIMIT 1);
INSERT INTO copy(backup_id, copy_no, dataset_id, location_id)
 SELECT d.seq - 100000, 2, d.id, (SELECT id FROM location WHERE name = 'Staging')
 FROM dataset d WHERE d.seq > 100000;
COMMIT;"
	ships=$(sql 'SELECT count(*) FROM shipment')
	staged=$(sql "SELECT count(*) FROM copy c JOIN location l ON l.id = c.location_id WHERE l.name = 'Staging'")
}
in_staging() {
	sql "SELECT count(*) FROM copy c JOIN location l ON l.id = c.location_id WHERE l.name = 'Staging'"
}
# Every shipment's volumes are shipped and hold no Staging copy; every
# shipped volume belongs to a shipment.
shipments_whole() {
	sql "SELECT 'volume ' || v.volser || ' of shipment ' || v.shipment_id || ' is ' || v.state
	     FROM volume v WHERE v.shipment_id IS NOT NULL AND v.state != 'shipped'
	     UNION ALL SELECT 'volume ' || volser || ' shipped in no shipment' FROM volume
	     WHERE state = 'shipped' AND shipment_id IS NULL
	     UNION ALL SELECT 'shipment ' || v.shipment_id || ' volume ' || v.volser || ' holds Staging copies'
	     FROM volume v JOIN dataset d ON d.volume_id = v.id JOIN copy c ON c.dataset_id = d.id
	     JOIN location l ON l.id = c.location_id WHERE v.shipment_id IS NOT NULL AND l.name = 'Staging'
	     GROUP BY v.id
	     UNION ALL SELECT 'shipment ' || s.id || ' has no volume' FROM shipment s
	     WHERE NOT EXISTS (SELECT 1 FROM volume v WHERE v.shipment_id = s.id)"
}
after_kill_pull() {
	shipments_whole
	n=$(sql 'SELECT count(*) FROM shipment')
	st=$(in_staging)
	if [ "$n" -eq "$ships" ]; then
		[ "$st" -eq "$staged" ] || echo "no new shipment, yet $st of $staged copies in Staging"
	elif [ "$n" -eq $((ships + 1)) ]; then
		applied=1
		[ "$st" -eq 0 ] || echo "shipment $n made, yet $st copies in Staging"
		[ "$(sql "SELECT count(*) FROM history WHERE action = 'pull-list commit' AND message LIKE '%(shipment $n)'")" -eq "$staged" ] ||
			echo "shipment $n: not every moved copy has its history row"
	else
		echo "shipments: $ships before, $n now"
	fi
}
after_rerun_pull() {
	shipments_whole
	[ "$(in_staging)" -eq 0 ] || echo "$(in_staging) copies still in Staging"
	[ "$(sql 'SELECT count(*) FROM shipment')" -eq $((ships + 1)) ] || echo "not exactly one new shipment"
	drop_clones
}
crash pull "$RUV" pull-list --commit

# shipment export of the first shipment (the big backups, the repository
# and JCL backups): each volume file in the directory is whole and equal
# to the one in the pool, only a dot-named part file may be left, and
# the run again leaves exactly the shipment's volumes.
mkdir "$T/ship"
vols1=$(sql 'SELECT volser FROM volume WHERE shipment_id = 1 ORDER BY volser' | tr '\n' ' ')
check "shipment 1 has volumes ($vols1)" test -n "$vols1"
before_export() { rm -rf "$T/ship"; mkdir "$T/ship"; }
exported_whole() {
	for f in $(ls "$T/ship"); do
		p=$(sql "SELECT $(vol_file_sql) FROM volume v WHERE volser = '$f' AND shipment_id = 1")
		[ -n "$p" ] || { echo "$f is not a volume of shipment 1"; continue; }
		cmp -s "$p" "$T/ship/$f" || echo "$f differs from its volume"
	done
	ls -A "$T/ship" | grep -v '^\.[A-Z0-9]*\.part$' | grep '^\.' | sed 's/^/left: /'
}
after_kill_export() {
	exported_whole
	[ "$(ls "$T/ship" | tr '\n' ' ')" != "$vols1" ] || applied=1
}
after_rerun_export() {
	exported_whole
	[ "$(ls -A "$T/ship" | tr '\n' ' ')" = "$vols1" ] || echo "after the rerun: $(ls -A "$T/ship" | tr '\n' ' ')"
}
crash export "$RUV" shipment export 1 "$T/ship"

# ruvreprs --force at a second home, from every shipment exported.  The
# installed repository is the newest repository backup with its Staging
# copies moved to Offsite, or the one before; never a file in between.
mkdir "$T/transport"
for id in $(sql 'SELECT id FROM shipment'); do
	"$RUV" shipment export "$id" "$T/transport" >/dev/null
done
RUV_HOME=$HOME_B
check "ruvreprs at the second home" "$RUVREPRS" --from "$T/transport"
b_state() {
	sql "SELECT l.name, count(*) FROM copy c JOIN location l ON l.id = c.location_id GROUP BY 1 ORDER BY 1;
	     SELECT state, count(*) FROM volume GROUP BY 1 ORDER BY 1;
	     SELECT count(*) FROM backup; SELECT count(*) FROM repo_backup; SELECT count(*) FROM shipment"
}
b_state >"$T/b.state"
check_eq "it moved the Staging copies" 0 "$(in_staging)"
before_reprs() { nkept=$(ls "$HOME_B" | grep -c 'replaced-'); }
after_kill_reprs() {
	[ "$(ls "$HOME_B" | grep -c 'replaced-')" -eq "$nkept" ] || applied=1
	b_state >"$T/b.now"
	cmp -s "$T/b.state" "$T/b.now" || {
		echo "the installed repository is not the one ruvreprs installs:"
		diff "$T/b.state" "$T/b.now"
	}
}
after_rerun_reprs() {
	b_state >"$T/b.now"
	cmp -s "$T/b.state" "$T/b.now" || echo "the rerun installed another repository"
	ls -A "$HOME_B" | grep '^repository\.db\.restore' | sed 's/^/left in the home: /'
}
crash reprs "$RUVREPRS" --force --from "$T/transport"
done_testing
