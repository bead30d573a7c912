#!/bin/sh
# Volume rollover at capacity, the Backup report, and the bad inputs that
# need a special place: missing pool directory, a full pool, an unreadable
# source, an unwritable restore target.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
cat >"$T/ruv.ini" <<INI
[ruv]
workers = 1
[backup]
chunk_size = 64K
[pool local]
capacity = 1M
INI
export RUV_CONFIG="$T/ruv.ini"

for i in 1 2 3 4 5; do
	head -c 600000 /dev/urandom >"$T/data/r$i"
	"$RUV" file register "R.F$i" "$T/data/r$i" >/dev/null
done
check "back up five files into 1M local volumes" "$RUV" backup R.F1 R.F2 R.F3 R.F4 R.F5
check_eq "the local pool rolled over to three volumes" "L00001|sealed L00002|sealed L00003|open" \
	"$(sql "SELECT volser || '|' || state FROM volume WHERE volser LIKE 'L%' ORDER BY volser" | tr '\n' ' ' | sed 's/ $//')"
check_eq "the offsite pool stayed on one" "O00001|open" \
	"$(sql "SELECT volser || '|' || state FROM volume WHERE volser LIKE 'O%'")"
check "a sealed volume carries its end mark" sh -c "'$RUV' volume scan '$RUV_HOME/pools/local/L00001' | grep -q '^  sealed'"
# sizes_vs_files: "VOLSER repository-size file-size" for each volume whose
# size in `ruv --json report volumes` is not its file's, then the count.
sizes_vs_files() {
	"$RUV" --json report volumes | python3 -c '
import json, os, sys
vols = json.load(sys.stdin)["volumes"]
for v in vols:
    n = os.stat(v["path"]).st_size
    if v["size"] != n:
        print(v["volser"], v["size"], n)
print(len(vols), "volumes")'
}
check_eq "each volume's size is its file's, end mark included" "4 volumes" "$(sizes_vs_files)"
for i in 1 2 3 4 5; do
	check "r$i restores after rollover" "$RUV" restore "R.F$i" --to "$T/r$i.out"
	check_same_file "r$i byte-exact" "$T/data/r$i" "$T/r$i.out"
done

"$RUV" report backups >"$T/report"
check_eq "report: one row per copy" 10 "$(($(wc -l <"$T/report") - 1))"
check "report names the VOLSER and location" grep -q "^R.F3 .* 1 Local .*L00002 " "$T/report"
check_eq "report --location Staging" 5 "$("$RUV" report backups --location Staging | tail -n +2 | wc -l)"
check_eq "report --dsn --json" "R.F2:1:Local:true,R.F2:2:Staging:false" \
	"$("$RUV" report backups --dsn r.f2 --json | python3 -c "import json,sys; print(','.join('%s:%d:%s:%s' % (b['dsn'], b['copy'], b['location'], str(b['active']).lower()) for b in json.load(sys.stdin)['backups']))")"
check_fail "report for an unknown location" 1 "does not exist" "$RUV" report backups --location Mars
check_fail "report of nothing" 2 "name the report" "$RUV" report

# A pool directory that vanished.
mv "$RUV_HOME/pools/offsite" "$T/offsite.away"
sql 'UPDATE volume SET state = '"'sealed'"' WHERE volser LIKE '"'O%'"
sql 'SELECT count(*) FROM backup' >"$T/n.before"
check_fail "pool directory missing" 1 "pool 'offsite': directory .*No such file" "$RUV" backup R.F1
check_eq "nothing registered" "$(cat "$T/n.before")" "$(sql 'SELECT count(*) FROM backup')"
mv "$T/offsite.away" "$RUV_HOME/pools/offsite"

# A full pool: a 1 MiB file system.
mkdir "$T/tiny"
if mount -t tmpfs -o size=1m tmpfs "$T/tiny"; then
	at_exit umount "$T/tiny"
	cat >>"$T/ruv.ini" <<INI
[pool tiny]
directory = $T/tiny
prefix = TY
capacity = 64M
location = Staging
INI
	sed -i 's/^\[backup\]$/[backup]\ncopy2 = tiny/' "$T/ruv.ini"
	mkdir "$T/h2"
	RUV_HOME="$T/h2/home" "$RUV" init >/dev/null
	head -c 3000000 /dev/urandom >"$T/data/big"
	RUV_HOME="$T/h2/home" "$RUV" file register BIG.F "$T/data/big" >/dev/null
	sqlite3 "$T/h2/home/repository.db" .dump >"$T/h2.before"
	check_fail "a full pool" 1 "No space left|no space left" env RUV_HOME="$T/h2/home" "$RUV" backup BIG.F
	sqlite3 "$T/h2/home/repository.db" 'SELECT * FROM backup; SELECT * FROM copy; SELECT * FROM dataset' >"$T/h2.rows"
	check_eq "a full pool registers nothing" "" "$(cat "$T/h2.rows")"
	# What a failed backup leaves: the volumes it opened, empty, and
	# the VOLSER counters they took; nothing else.
	sqlite3 "$T/h2/home/repository.db" .dump >"$T/h2.after"
	rest() { # the dump without volume rows and VOLSER counters
		sed -e '/^INSERT INTO volume VALUES/d' \
			-e '/^INSERT INTO pool VALUES/s/,[0-9]*);$/,N);/' "$1"
	}
	rest "$T/h2.before" >"$T/h2.base"
	rest "$T/h2.after" >"$T/h2.rest"
	check_same_file "a full pool changes nothing else in the repository" "$T/h2.base" "$T/h2.rest"
	check_eq "the volumes it opened are empty, sized as their files" \
		"L00001|open|4096|0 TY0001|open|4096|0" \
		"$(sqlite3 "$T/h2/home/repository.db" "SELECT volser || '|' || state || '|' || size || '|' || (SELECT count(*) FROM dataset WHERE volume_id = volume.id) FROM volume ORDER BY volser" | tr '\n' ' ' | sed 's/ $//')"
	check_eq "the partial data is cut back to the label" 4096 "$(stat -c %s "$T"/tiny/TY0001)"
	check_eq "and from the local volume too" 4096 "$(stat -c %s "$T"/h2/home/pools/local/L00001)"
	umount "$T/tiny"
else
	not_ok "a full pool: cannot mount a small tmpfs"
fi

# An unwritable restore target (root writes anywhere: a read-only mount).
mkdir "$T/ro"
if mount --bind "$T/data" "$T/ro" && mount -o remount,bind,ro "$T/ro"; then
	at_exit umount "$T/ro"
	check_fail "restore into a read-only directory" 1 "Read-only" "$RUV" restore R.F1 --to "$T/ro/r1"
	umount "$T/ro"
else
	not_ok "unwritable target: cannot make a read-only bind mount"
fi

# An unreadable source, as nobody (root reads everything).
chmod 755 "$T"
mkdir "$T/nb" && chmod 755 "$T/nb"
printf '[backup]\nchunk_size = 64K\n' >"$T/nb/ruv.ini"
cp "$RUV" "$T/nb/ruv" && chmod 755 "$T/nb/ruv"
nb() { setpriv --reuid=nobody --regid=nogroup --clear-groups env RUV_HOME="$T/nb/home" RUV_CONFIG="$T/nb/ruv.ini" "$T/nb/ruv" "$@"; }
chown nobody "$T/nb"
nb init >/dev/null
printf 'secret' >"$T/nb/s" && chown nobody "$T/nb/s"
nb file register NB.S "$T/nb/s" >/dev/null
chown root "$T/nb/s" && chmod 600 "$T/nb/s"
sqlite3 "$T/nb/home/repository.db" .dump >"$T/nb.before"
check_fail "unreadable source" 1 "Permission denied" nb backup NB.S
sqlite3 "$T/nb/home/repository.db" .dump >"$T/nb.after"
check_same_file "an unreadable source changes nothing in the repository" "$T/nb.before" "$T/nb.after"
check_eq "no volume file was written" "" "$(find "$T/nb/home/pools" -type f)"
check "verify --all at the end" "$RUV" verify --all
done_testing
