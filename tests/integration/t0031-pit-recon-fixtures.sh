#!/bin/sh
# The PIT from RECON listings kept as files (tests/fixtures), each through
# `ruv pit set --recon`: the exact PIT, the rule that chose it, the stored
# source, and the JCL fields that carry it.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
FIX="$SRCDIR/tests/fixtures"
"$RUV" jcl init >/dev/null

# pit_is WHAT PIT RULE SOURCE: ruv pit show --json says exactly these.
pit_is() {
	"$RUV" pit show --json >"$T/pit.json"
	check_eq "$1: the PIT" "$2" "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['pit'])" "$T/pit.json")"
	check_eq "$1: the rule" "$3" "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['rule'])" "$T/pit.json")"
	check_eq "$1: the source" "$4" "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['source'])" "$T/pit.json")"
	"$RUV" pit show >"$T/pit.txt"
	check "$1: pit show names the rule" grep -qxF "rule       $3" "$T/pit.txt"
}
OPEN2="earliest archived end over the 2 open families (closed families do not limit it)"

check "a data-sharing pair, both running" "$RUV" pit set --recon "$FIX/recon-datasharing.txt"
pit_is "data-sharing pair" "2025-02-10T14:10:44.876543Z" \
	"$OPEN2; limited by IMSB START 2025-02-10T08:00:00.100000Z" \
	"recon $FIX/recon-datasharing.txt"
check "IMSB's SECLOG twin is not counted (its shorter copy would give 05:30)" \
	grep -qF "RCVTIME('2025.041 09:10:44.876543 -05:00')" "$RUV_HOME/jcl/IMSRCVR"

check "an open family with no DSN entries" "$RUV" pit set --recon "$FIX/recon-open-nodsn.txt"
pit_is "no DSN entries: its START" "2025-02-10T12:15:30.500000Z" \
	"$OPEN2; limited by IMSC START 2025-02-10T12:15:30.500000Z" \
	"recon $FIX/recon-open-nodsn.txt"

dump_repo >"$T/dump.before"
cp -r "$RUV_HOME/jcl" "$T/jcl.before"
check_fail "the YY display without --offset" 1 "recon-yy.txt:[0-9]+: .*--offset" \
	"$RUV" pit set --recon "$FIX/recon-yy.txt"
check_unchanged "YY refused" "$T/dump.before"
check "YY refused: the JCL library unchanged" diff -r "$T/jcl.before" "$RUV_HOME/jcl"
check "the YY display with a positive --offset" "$RUV" pit set --recon "$FIX/recon-yy.txt" --offset +01:00
pit_is "YY +01:00" "2025-02-10T08:42:17.364519Z" \
	"earliest archived end over the 1 open family (closed families do not limit it); limited by IMSA START 2025-02-10T01:20:05.250000Z" \
	"recon $FIX/recon-yy.txt"
check "YY +01:00: the IMS form carries the offset" \
	grep -qF "RCVTIME('2025.041 09:42:17.364519 +01:00')" "$RUV_HOME/jcl/IMSRCVR"
check "YY +01:00: VSAM local time" grep -qF "STOP_TIME(20250410942173)" "$RUV_HOME/jcl/VSAMRCVR"
check "YY +01:00: Db2 in UTC" grep -qF "ENDTIME=20250410842173" "$RUV_HOME/jcl/DB2RCVR"

check "every family closed" "$RUV" pit set --recon "$FIX/recon-allclosed.txt"
pit_is "all closed: the latest end" "2025-02-10T15:05:00Z" \
	"every family closed: every log is complete, the latest end of all; limited by IMSA START 2025-02-10T07:20:05.250000Z" \
	"recon $FIX/recon-allclosed.txt"

check "a DSN entry with a zero STOP" "$RUV" pit set --recon "$FIX/recon-zerostop.txt"
pit_is "zero STOP: the last archived entry" "2025-02-10T11:01:12.004417Z" \
	"$OPEN2; limited by IMSA START 2025-02-10T07:20:05.250000Z" \
	"recon $FIX/recon-zerostop.txt"
check "no member carries 1970 or 1900" sh -c "! grep -lE '1970|19000|1900\\.001' '$RUV_HOME/jcl/DB2RCVR' '$RUV_HOME/jcl/IMSRCVR' '$RUV_HOME/jcl/VSAMRCVR' '$RUV_HOME/jcl/RECOVER'"
check_eq "history: one pit set per listing" 5 "$(sql "SELECT count(*) FROM history WHERE action = 'pit set'")"
done_testing
