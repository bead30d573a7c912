#!/bin/sh
# The log streams in the main tree.  reports/logs.txt and .json: byte for
# byte what `ruv log list` and `ruv log list --json` print, for empty
# streams and after the journaling mount wrote records (generated at each
# open).  logs/STREAM/SEGMENT: each segment file (segments of 64 KiB here,
# so there are several), its bytes, and its user.ruv.* attributes: the
# first LSN is its name, the last is the next one's first less one (the
# stream's last for the last segment), not archived.
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/jlib.sh"

make_home
D=$T/data
sed 's/^segment_size = .*/segment_size = 64K/' "$RUV_CONFIG" >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
"$RUV" file register JNL.A "$D/a.dat" >/dev/null
"$RUV" log define EMPTY >/dev/null
"$RUV" log define JRN --kind journal >/dev/null
mount_ruvfs
M=$T/mnt

check_eq "reports/ lists the log reports" "logs.json logs.txt" \
	"$(ls "$M/reports" | grep '^logs' | tr '\n' ' ' | sed 's/ $//')"
"$RUV" log list >"$T/list.txt"
"$RUV" log list --json >"$T/list.json"
check_same_file "logs.txt is ruv log list (empty streams)" "$T/list.txt" \
	"$M/reports/logs.txt"
check_same_file "logs.json is ruv log list --json" "$T/list.json" \
	"$M/reports/logs.json"

mkdir -p "$T/jm"
jmount JRN "$D" "$T/jm"
printf 'changed' | dd of="$T/jm/a.dat" bs=1 seek=2 conv=notrunc 2>/dev/null
head -c 40000 /dev/urandom >"$T/more"
cat "$T/more" "$T/more" "$T/more" >>"$T/jm/a.dat"
check "the journaling mount unmounts" jumount
"$RUV" log list >"$T/list.txt"
"$RUV" log list --json >"$T/list.json"
check_same_file "logs.txt after records" "$T/list.txt" "$M/reports/logs.txt"
check_same_file "logs.json after records" "$T/list.json" \
	"$M/reports/logs.json"
nrec=$("$RUV" log show JRN --json | python3 -c 'import json, sys
print(len(json.load(sys.stdin)))')
check_eq "it shows the records (ruv log show has $nrec)" "$nrec" \
	"$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print([s["last_lsn"] for s in d["streams"] if s["name"] == "JRN"][0])' \
	"$M/reports/logs.json")"

check_eq "logs/ lists the streams" "EMPTY JRN" "$(ls "$M/logs" | tr '\n' ' ' |
	sed 's/ $//')"
check_eq "an empty stream has no segment" "" "$(ls "$M/logs/EMPTY")"
SD=$RUV_HOME/logs/JRN
check_eq "logs/JRN lists the segment files" "$(ls "$SD" | grep rlog)" \
	"$(ls "$M/logs/JRN")"
nseg=$(ls "$M/logs/JRN" | wc -l)
if [ "$nseg" -ge 2 ]; then
	ok "segments of 64 KiB: $nseg of them"
else
	not_ok "segments of 64 KiB: only $nseg"
fi
prev=""
for s in $(ls "$M/logs/JRN"); do
	check_same_file "$s: its bytes" "$SD/$s" "$M/logs/JRN/$s"
	first=$(getfattr --only-values -n user.ruv.first_lsn "$M/logs/JRN/$s")
	check_eq "$s: first_lsn is its name" "$(echo "$s" | sed 's/^0*//; s/\.rlog$//')" "$first"
	if [ -n "$prev" ]; then
		check_eq "$prev: last_lsn is one before $s" "$((first - 1))" \
			"$(getfattr --only-values -n user.ruv.last_lsn "$M/logs/JRN/$prev")"
	fi
	check_eq "$s: not archived" "no" \
		"$(getfattr --only-values -n user.ruv.archived "$M/logs/JRN/$s")"
	check_eq "$s: the stream" "JRN" \
		"$(getfattr --only-values -n user.ruv.stream "$M/logs/JRN/$s")"
	prev=$s
done
check_eq "the last segment ends at the stream's last LSN" "$nrec" \
	"$(getfattr --only-values -n user.ruv.last_lsn "$M/logs/JRN/$prev")"
check_eq "its last time is the last record's" \
	"$("$RUV" log show JRN --json | python3 -c 'import json, sys
print(json.load(sys.stdin)[-1]["time"])')" \
	"$(getfattr --only-values -n user.ruv.last_time "$M/logs/JRN/$prev")"
check_eq "segment files are read-only" "Permission denied" \
	"$(errno_of sh -c "echo x >>'$M/logs/JRN/$prev'")"

done_testing
