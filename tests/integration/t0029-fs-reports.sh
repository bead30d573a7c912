#!/bin/sh
# ruvfs: reports/ byte-equal to the CLI (pull list, volumes, backups), and
# shipments/pending and shipments/ID listed page by page by key with
# enough volumes to take several readdir pages.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
NVOL=70
i=1
while [ "$i" -le "$NVOL" ]; do
	printf 'file %d\n' "$i" >"$T/data/f$i"
	"$RUV" file register "PAY.F$i" "$T/data/f$i" >/dev/null &&
		"$RUV" backup "PAY.F$i" >/dev/null &&
		"$RUV" volume seal "$(sql "SELECT volser FROM volume WHERE state = 'open' AND volser LIKE 'O%'")" >/dev/null ||
		{ echo "Bail out! setup failed at $i"; exit 1; }
	i=$((i + 1))
done
"$RUV" repo backup >/dev/null
"$RUV" jcl init >/dev/null
"$RUV" jcl backup >/dev/null
mount_ruvfs
M="$T/mnt"

# The pull list, the one report that says when it was made: line 1 of the
# text and the leading "time" of the JSON are the moment of generation,
# so the CLI and the tree (asked a moment apart) can never agree on them;
# everything else must be the same bytes.
check_eq "reports/ lists the pull list" "archives.json archives.txt backups.json backups.txt logs.json logs.txt pull-list.json pull-list.txt volumes.json volumes.txt" "$(ls "$M/reports" | tr '\n' ' ' | sed 's/ $//')"
"$RUV" pull-list >"$T/pl.cli"
cat "$M/reports/pull-list.txt" >"$T/pl.fs"
check_eq "pull-list.txt: line 1 is the header with a time" "ok ok" "$(for f in "$T/pl.cli" "$T/pl.fs"; do head -n 1 "$f" | grep -Eq '^PULL LIST [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z: the copies in Staging, by volume$' && echo ok; done | tr '\n' ' ' | sed 's/ $//')"
tail -n +2 "$T/pl.cli" >"$T/pl.cli.body"
tail -n +2 "$T/pl.fs" >"$T/pl.fs.body"
check_same_file "pull-list.txt equals ruv pull-list (after the time line)" "$T/pl.cli.body" "$T/pl.fs.body"
check_eq "the pull list has every Staging copy" "$(sql "SELECT count(*) FROM copy c JOIN location l ON l.id = c.location_id WHERE l.name = 'Staging'") copies" "$(tail -n 1 "$T/pl.fs" | cut -d, -f1)"
check_eq "pull-list.txt's size is what a read gives" "$(wc -c <"$T/pl.fs")" "$(stat -c %s "$M/reports/pull-list.txt")"
"$RUV" --json pull-list >"$T/plj.cli"
cat "$M/reports/pull-list.json" >"$T/plj.fs"
check_eq "pull-list.json: both begin with the time" "ok ok" "$(for f in "$T/plj.cli" "$T/plj.fs"; do grep -Eq '^\{"time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z",' "$f" && echo ok; done | tr '\n' ' ' | sed 's/ $//')"
sed 's/^{"time":"[^"]*",//' "$T/plj.cli" >"$T/plj.cli.body"
sed 's/^{"time":"[^"]*",//' "$T/plj.fs" >"$T/plj.fs.body"
check_same_file "pull-list.json equals ruv --json pull-list (after the time)" "$T/plj.cli.body" "$T/plj.fs.body"
check "pull-list.json is JSON" python3 -c "import json, sys; json.load(open(sys.argv[1]))" "$T/plj.fs"
check_eq "reading the pull list commits nothing" 0 "$(sql "SELECT count(*) FROM shipment")"

for r in volumes backups; do
	"$RUV" report "$r" >"$T/$r.cli"
	cat "$M/reports/$r.txt" >"$T/$r.fs"
	check_same_file "reports/$r.txt equals ruv report $r" "$T/$r.cli" "$T/$r.fs"
	"$RUV" --json report "$r" >"$T/$r.jcli"
	cat "$M/reports/$r.json" >"$T/$r.jfs"
	check_same_file "reports/$r.json equals ruv --json report $r" "$T/$r.jcli" "$T/$r.jfs"
	check_eq "reports/$r.txt's size is what a read gives" "$(wc -c <"$T/$r.fs")" "$(stat -c %s "$M/reports/$r.txt")"
done

# shipments/pending: more volumes than one readdir page holds.
want=$(sql "SELECT DISTINCT v.volser FROM copy c JOIN location l ON l.id = c.location_id JOIN dataset d ON d.id = c.dataset_id JOIN volume v ON v.id = d.volume_id WHERE l.name = 'Staging' ORDER BY 1" | tr '\n' ' ')
check_eq "enough pending volumes for several pages" yes "$([ "$(echo $want | wc -w)" -ge "$NVOL" ] && echo yes)"
check_eq "shipments/pending lists every pending volume once" "$want" "$(ls "$M/shipments/pending" | tr '\n' ' ')"
check_eq "ls -l of pending: every entry with its attributes" "$(echo $want | wc -w)" "$(ls -l "$M/shipments/pending" | grep -c '^-r--------')"
check_eq "find lists each once" "$(echo $want | wc -w)" "$(find "$M/shipments/pending" -type f | sort -u | wc -l)"
check_eq "a pending volume's size is its file's" "$(stat -c %s "$RUV_HOME/pools/offsite/O00005")" "$(stat -c %s "$M/shipments/pending/O00005")"
check_eq "a local volume is not pending" "No such file or directory" "$(errno_of stat "$M/shipments/pending/L00001")"
check_eq "nor is an unknown one" "No such file or directory" "$(errno_of stat "$M/shipments/pending/O99999")"
check "ctl: pull-list --commit" sh -c "echo 'pull-list --commit' > '$M/ctl'"
check_eq "shipments/1 lists what was pending" "$want" "$(ls "$M/shipments/1" | tr '\n' ' ')"
check_eq "the catalog agrees" "$want" "$(sql "SELECT volser FROM volume WHERE shipment_id = 1 ORDER BY 1" | tr '\n' ' ')"
check_eq "a shipped volume reads as its file" "$(cksum <"$RUV_HOME/pools/offsite/O00005")" "$(cksum <"$M/shipments/1/O00005")"
check_eq "a local volume is not in the shipment" "No such file or directory" "$(errno_of stat "$M/shipments/1/L00001")"
check_eq "pending is empty" "" "$(ls "$M/shipments/pending")"
# A change made by a ctl command is a change made by a program: the
# kernel's cached name goes with the entry timeout (2 s, as for the CLI).
sleep 2
check_eq "no volume is pending any more" "No such file or directory" "$(errno_of stat "$M/shipments/pending/O00005")"
"$RUV" pull-list >"$T/pl2.cli"
cat "$M/reports/pull-list.txt" >"$T/pl2.fs"
tail -n +2 "$T/pl2.cli" >"$T/pl2.cli.body"
tail -n +2 "$T/pl2.fs" >"$T/pl2.fs.body"
check_same_file "the empty pull list matches too" "$T/pl2.cli.body" "$T/pl2.fs.body"
check "unmount" umount_ruvfs
done_testing
