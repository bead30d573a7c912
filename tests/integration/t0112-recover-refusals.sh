#!/bin/sh
# ruv recover forward refuses, each with a message that names the fix,
# and changes nothing: an unknown DSN, T before the first usable backup
# (the earliest reachable time named), changes missing from the stream
# (stream and LSN range named) or the stream not here, one target for several files, an
# unregistered new name, a target that is a symbolic link or a directory,
# a bad time.  --inventory-only reads and writes nothing; the RUV and TOD
# forms of T are decoded with the stored PIT's offset and leap seconds.
. "${SRCDIR}/tests/integration/lib.sh"
: "${RECOVER_WORKLOAD:?}"
sed 's/^segment_size = .*/segment_size = 64K/' "$RUV_CONFIG" >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
make_home
"$RUV" log define GLOG >/dev/null
head -c 300000 /dev/urandom >"$T/data/g.dat"
"$RUV" file register G.FILE "$T/data/g.dat" >/dev/null
printf 'new\n' >"$T/data/new.dat"
"$RUV" file register G.NEW "$T/data/new.dat" >/dev/null
"$RUV" backup G.FILE >/dev/null
first=$(sql "SELECT strftime('%Y-%m-%dT%H:%M:%S', min(start_us) / 1000000, 'unixepoch') FROM backup")
"$RECOVER_WORKLOAD" bulk "$RUV_HOME" GLOG G.FILE "$T/data/g.dat" 6 3
cp "$T/data/g.dat" "$T/expected"
printf 'live\n' >"$T/data/g.dat"
cp "$T/data/g.dat" "$T/live"

dump_repo >"$T/dump0"
unchanged() {
	check_same_file "$1: the file untouched" "$T/live" "$T/data/g.dat"
	check_unchanged "$1" "$T/dump0"
	check_eq "$1: nothing left beside it" "g.dat new.dat" "$(ls -A "$T/data" | grep -E 'g.dat|new' | tr '\n' ' ' | sed 's/ $//')"
}

check_fail "an unknown DSN" 1 "NO.SUCH" "$RUV" recover forward NO.SUCH
unchanged "unknown DSN"
check_fail "T before the first backup names the earliest reachable time" 1 \
	"G.FILE.*cannot be recovered to 2000-01-01T00:00:00Z: its first usable backup started at $first[.0-9]*Z, the earliest reachable time" \
	"$RUV" recover forward G.FILE --stop-time 2000-01-01T00:00:00Z
unchanged "T too early"
check_fail "--to with several files" 1 "--to names one target" \
	"$RUV" recover forward --all --to "$T/x"
unchanged "--to with --all"
check_fail "an unregistered new name" 1 "NOT.THERE" \
	"$RUV" recover forward G.FILE --new-name NOT.THERE
unchanged "unregistered --new-name"
check_fail "the file as its own new name" 1 "is the file being recovered" \
	"$RUV" recover forward G.FILE --new-name G.FILE
ln -s "$T/data/g.dat" "$T/link"
check_fail "a symbolic link as target" 1 "symbolic link" \
	"$RUV" recover forward G.FILE --to "$T/link"
check_eq "the link is kept" "$T/data/g.dat" "$(readlink "$T/link")"
unchanged "a link as target"
mkdir "$T/dir"
check_fail "a directory as target" 1 "is a directory" \
	"$RUV" recover forward G.FILE --to "$T/dir"
check_fail "a bad time" 2 "--stop-time: time '2026-02-30'" \
	"$RUV" recover forward G.FILE --stop-time 2026-02-30
check_fail "no file named" 2 "name DSNs, --group G... or --all" \
	"$RUV" recover forward
check_fail "no mode named" 2 "say 'forward'" "$RUV" recover G.FILE
unchanged "bad arguments"

check "--inventory-only" "$RUV" recover forward G.FILE --inventory-only
cp "$T/out" "$T/inv"
sed 's/^/# /' "$T/inv"
check "names the copy and volume" grep -q "G.FILE: reachable; backup of .*copy 1 on volume L00001 (Local, " "$T/inv"
check "and the stream's segments" grep -q "stream GLOG (.*): LSNs 1-[0-9]* in 0000000000000000000" "$T/inv"
unchanged "--inventory-only"

check "--new-name: the registered path of another DSN" \
	"$RUV" recover forward G.FILE --new-name G.NEW
check_same_file "it holds the recovered file" "$T/expected" "$T/data/new.dat"
check_same_file "the live file is untouched" "$T/live" "$T/data/g.dat"

# T as the JCL members carry it, decoded with what the stored PIT says:
# the RUV form at its UTC offset (set at -05:00 here), the TOD form with
# its leap seconds (27).  A second before the first backup is refused
# naming that instant in UTC, which only the right decoding gives.
TZ=EST5 "$RUV" pit set 2026-11-24T12:00:00Z --lso 27 >/dev/null
sec=$(($(sql "SELECT min(start_us) / 1000000 FROM backup") - 1))
iso=$(date -u -d "@$sec" +%Y-%m-%dT%H:%M:%SZ)
ruvform=$(date -u -d "@$((sec - 18000))" +%Y%j%H%M%S0)
tod=$(python3 -c "print('X%016X' % (((int('$sec') + 2208988800 + 27) * 1000000) * 4096))")
check_fail "the RUV form, at the PIT's offset" 1 "cannot be recovered to $iso:" \
	"$RUV" recover forward G.FILE --stop-time "$ruvform"
check_fail "the TOD form, with the PIT's leap seconds" 1 "cannot be recovered to $iso:" \
	"$RUV" recover forward G.FILE --stop-time "$tod"
check "the RUV form, late enough" "$RUV" recover forward G.FILE --to "$T/r1" --stop-time 99993652359599
check_same_file "recovers to the end" "$T/expected" "$T/r1"
check_fail "a TOD that is not one" 2 "X and 16 hex digits" \
	"$RUV" recover forward G.FILE --stop-time X12345678901234ZZ

# The stream's directory not here (a remote site without the logs).
mv "$RUV_HOME/logs/GLOG" "$T/glog.away"
dump_repo >"$T/dump0"
check_fail "a stream that is not here" 1 \
	"stream 'GLOG' is not here \(.*/logs/GLOG\): its records from LSN 1 on are needed" \
	"$RUV" recover forward G.FILE
unchanged "no stream"
mv "$T/glog.away" "$RUV_HOME/logs/GLOG"

# A gap: the stream's first segment gone (pruned by hand).
seg=$(ls "$RUV_HOME/logs/GLOG" | grep rlog | head -n 1)
rm "$RUV_HOME/logs/GLOG/$seg"
check_fail "changes missing from the stream" 1 \
	"stream 'GLOG' no longer holds LSNs 1-[0-9]+ \(it starts at [0-9]+\)" \
	"$RUV" recover forward G.FILE
unchanged "a gap"
done_testing
