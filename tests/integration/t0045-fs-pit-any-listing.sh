#!/bin/sh
# ruvfs: a write to pit makes the same library call as `ruv pit set`, so
# the tree takes any listing: quotes, backslashes and long lines in the
# text, and a home whose path has a quote, a backslash and a space (once
# a shell command line that ctl split, and refused).
. "${SRCDIR}/tests/integration/lib.sh"
RUV_HOME="$T/it's a \\home"
export RUV_HOME
make_home
"$RUV" jcl init >/dev/null
mount_ruvfs
M="$T/mnt"
FIX="$SRCDIR/tests/fixtures/recon-sample.txt"

# The sample listing with an operator's note in the RECON record: quotes,
# backslashes and a line far over 100 characters.
long=$(printf '%0300d' 0 | tr 0 x)
awk -v long="$long" '{ print } /^RECON$/ && !done { print "  NOTE=it'"'"'s C:\\TEMP\\RECON \"copy\" " long; done = 1 }' "$FIX" >"$T/listing"
check "the listing has a quote and a backslash" grep -q "it's C:.TEMP" "$T/listing"
check "ruv pit set takes it" "$RUV" pit set --recon "$T/listing"
"$RUV" pit set 2026-11-24T07:59:59Z >/dev/null
check "cat LISTING > pit" sh -c "cat '$T/listing' > '$M/pit'"
check_eq "the catalog has the listing's PIT" "2025-02-10T14:42:17.364519Z" \
	"$("$RUV" pit show --json | python3 -c "import json,sys; print(json.load(sys.stdin)['pit'])")"
check_eq "its source is the tree's pit, no scratch file" "recon pit" \
	"$("$RUV" pit show --json | python3 -c "import json,sys; print(json.load(sys.stdin)['source'])")"
check "jcl/ carries it" grep -q "RCVTIME('2025.041 09:42:17.364519 -05:00')" "$M/jcl/IMSRCVR"
check "no listing left in the home" sh -c "! ls -A \"\$RUV_HOME\" | grep -q pit-listing"
check "status records it as done" grep -q " ok *pit (a RECON listing written to it)" "$M/status"
check "with the changes made" grep -q "^  IMSRCVR:5: 2026.328 07:59:59.000000 +00:00 -> 2025.041 09:42:17.364519 -05:00" "$M/status"
check "echo TIME > pit" sh -c "echo 2026-11-25T08:00:00Z > '$M/pit'"
check "pit shows it" grep -q "^PIT        2026-11-25T08:00:00Z" "$M/pit"
check_eq "set by the operator" "operator" \
	"$("$RUV" pit show --json | python3 -c "import json,sys; print(json.load(sys.stdin)['source'])")"

# Refusals keep their errno and say why in status; nothing changes.
dump_repo >"$T/dump.before"
printf 'not\na listing\n' >"$T/badlisting"
check_eq "a bad listing is refused at close" "Invalid argument" "$(errno_of cp "$T/badlisting" "$M/pit")"
check "status says why, naming pit" grep -q "ruvfs: pit: pit:.*not a RECON listing" "$M/status"
check_unchanged "a bad listing" "$T/dump.before"
done_testing
