#!/bin/sh
# reports/logs.txt and reports/logs.json in the main tree: byte for byte
# what `ruv log list` and `ruv log list --json` print, for an empty
# stream, and for a stream the journaling mount has written to (and
# fresh after more records: generated at each open).
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/jlib.sh"

make_home
D=$T/data
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
check "the journaling mount unmounts" jumount
"$RUV" log list >"$T/list.txt"
"$RUV" log list --json >"$T/list.json"
check_same_file "logs.txt after records" "$T/list.txt" "$M/reports/logs.txt"
check_same_file "logs.json after records" "$T/list.json" \
	"$M/reports/logs.json"
check_eq "it shows the records: BEGIN, 7 one-byte WRITEs, COMMIT" "9" \
	"$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print([s["last_lsn"] for s in d["streams"] if s["name"] == "JRN"][0])' \
	"$M/reports/logs.json")"

done_testing
