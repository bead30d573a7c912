#!/bin/sh
# ruv archive: the round trip (records written through libruvlog and
# `ruv log write`, archived in several runs while units of work are open,
# so units span runs; every record read back from the archives, once, in
# LSN order, byte for byte the stream), what it prints, what it registers
# (two archives a run, a copy per pool, the mark moved), verify --all,
# and the bad inputs: no stream, nothing new, an unknown stream, a
# damaged segment in the middle of a stream, a damaged archive.
. "${SRCDIR}/tests/integration/lib.sh"
. "${SRCDIR}/tests/integration/archive-lib.sh"
: "${RUVLOG_INCDIR:?}" "${RUVLOG_LIBDIR:?}"
make_home
printf '[backup]\nchunk_size = 64K\n[log]\nsegment_size = 64K\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
head -c 300000 /dev/urandom >"$T/data/big"
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" file register PAY.B "$T/data/b.dat" >/dev/null
"$RUV" file register PAY.BIG "$T/data/big" >/dev/null

check "no stream defined" "$RUV" archive
check_eq "it says so" "nothing new: no log stream is defined" "$(cat "$T/out")"
"$RUV" log define app1 >/dev/null
"$RUV" log define app2 >/dev/null
dump_repo >"$T/dump.before"
check "nothing new" "$RUV" archive
check_eq "it says so per stream" "APP1: nothing new
APP2: nothing new" "$(cat "$T/out")"
check_unchanged "nothing new" "$T/dump.before"
check_fail "an unknown stream" 1 "^ruv: archive: no log stream 'NOSUCH'" "$RUV" archive app1 nosuch
check_unchanged "unknown stream" "$T/dump.before"
check_fail "a bad stream name" 1 "^ruv: archive: log stream name 'a.b': 1-32 letters" "$RUV" archive a.b
check_eq "nothing read or written" "0|0" "$(sql "SELECT count(*), (SELECT count(*) FROM dataset) FROM archive")"

# A program holding a unit open across archive runs: BEGIN and a WRITE,
# then (at a line on stdin) a second WRITE, then (at the next) COMMIT.
cat >"$T/span.c" <<'CEOF'
#include <stdio.h>
#include <string.h>
#include "ruvlog.h"
int main(int argc, char **argv)
{
	struct ruvlog *l;
	uint64_t u;
	char line[16];
	if (argc != 4 || ruvlog_open(argv[1], argv[2], &l) < 0 ||
	    ruvlog_begin(l, &u) < 0 ||
	    ruvlog_write(l, u, argv[3], 0, "SPAN1", 5) < 0)
		return 1;
	printf("begun %llu\n", (unsigned long long)u);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin) ||
	    ruvlog_write(l, u, argv[3], 5, "SPAN2", 5) < 0)
		return 1;
	printf("written\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin) || ruvlog_commit(l, u) < 0)
		return 1;
	printf("committed\n");
	fflush(stdout);
	return ruvlog_close(l) < 0;
}
CEOF
check "the unit holder compiles" ${CC:-cc} -I"$RUVLOG_INCDIR" ${RUVLOG_CFLAGS:-} -o "$T/span" "$T/span.c" \
	-L"$RUVLOG_LIBDIR" -Wl,-rpath,"$RUVLOG_LIBDIR" -lruvlog
mkfifo "$T/ctl"
"$T/span" "$RUV_HOME" app1 pay.a <"$T/ctl" >"$T/span.out" 2>&1 &
span_pid=$!
at_exit "kill -9 $span_pid"
exec 7>"$T/ctl"
poll 100 grep -q begun "$T/span.out" || { echo "Bail out! the unit holder did not start"; sed 's/^/# /' "$T/span.out"; exit 1; }
check "a unit of another writer between" sh -c "printf 'other' | '$RUV' log write app1 pay.b --offset 0"
check "run 1: the unit is open" "$RUV" archive
check_eq "run 1 says what it archived" \
	"archived APP1: LSN 1-5 (TIME), 2 changes in A1 (BYTES), 3 unit records in A2 (BYTES)
APP2: nothing new" \
	"$(sed -e 's/([0-9TZ:.-]* to [0-9TZ:.-]*)/(TIME)/' -e 's/([0-9]* bytes)/(BYTES)/g' "$T/out")"
check_eq "APP1 archived to LSN 5" 5 "$(sql "SELECT archived_lsn FROM log_stream WHERE name = 'APP1'")"
echo go >&7
poll 100 grep -q written "$T/span.out"
check "a big change through ruv log write" sh -c "'$RUV' log write app2 pay.big --offset 0 <'$T/data/big'"
check "run 2: the unit still open" "$RUV" archive app1 APP2 app1
check_eq "run 2 archived both, each once" "archived APP1: LSN 6-6
archived APP2: LSN 1-X" "$(sed -e 's/ (.*//' -e 's/^\(archived APP2: LSN 1-\)[0-9]*$/\1X/' "$T/out")"
echo go >&7
poll 100 grep -q committed "$T/span.out"
wait $span_pid
check "run 3: the unit committed" "$RUV" archive
check_eq "run 3 holds the COMMIT" "archived APP1: LSN 7-7 0 changes 1 unit records" \
	"$(sed -n 's/^archived APP1: \(LSN [0-9-]*\) ([^)]*), \([0-9]*\) changes in A[0-9]* ([0-9]* bytes), \([0-9]*\) unit.*/archived APP1: \1 \2 changes \3 unit records/p' "$T/out")"
check_eq "the unit: BEGIN in run 1, WRITEs in runs 1 and 2, COMMIT in run 3" \
	"1 BEGIN
2 WRITE
6 WRITE
7 COMMIT" \
	"$(for a in $(sql "SELECT archive_id FROM archive_range WHERE stream_id = 1"); do "$RUV" archive --show A$a; done | awk '$3 == 1 { print $1, $5 }' | sort -n)"

check_round_trip "APP1" APP1
check_round_trip "APP2" APP2
"$RUV" log show app1 | tail -n +2 | sort -n >"$T/log.txt"
for a in $(sql "SELECT archive_id FROM archive_range WHERE stream_id = 1"); do
	"$RUV" archive --show "A$a" | tail -n +2
done | sort -n >"$T/arc.txt"
check_same_file "APP1: archive --show lists what log show lists" "$T/log.txt" "$T/arc.txt"

check_eq "two archives a run, each with copy 1 Local and copy 2 Staging" \
	"archive|user|1|Local
archive|user|2|Staging
uow|uow|1|Local
uow|uow|2|Staging" \
	"$(sql "SELECT DISTINCT d.kind, a.kind, c.copy_no, l.name FROM archive a JOIN copy c ON c.archive_id = a.id
	        JOIN dataset d ON d.id = c.dataset_id JOIN location l ON l.id = c.location_id ORDER BY 1, 3")"
check_eq "the ranges of the user-data archives, and the marks" "APP1|1|5|7
APP1|6|6|7
APP1|7|7|7
APP2|1|3|3" \
	"$(sql "SELECT s.name, ar.first_lsn, ar.last_lsn, s.archived_lsn FROM archive_range ar
	        JOIN log_stream s ON s.id = ar.stream_id JOIN archive a ON a.id = ar.archive_id
	        WHERE a.kind = 'user' ORDER BY s.name, ar.first_lsn")"
check "verify --all" "$RUV" verify --all
check_eq "every copy checked" "16 copies ok, 0 damaged" "$(tail -n 1 "$T/out")"
check_eq "the history" "archive APP1 ok|archive APP1 ok|archive APP1 ok|archive APP2 ok" \
	"$(sql "SELECT action || ' ' || subject || ' ' || outcome FROM history WHERE action = 'archive' ORDER BY subject, id" | paste -sd'|')"
check_eq "volume scan describes the archives without a repository" \
	"archive APP1.L1 APP1
uow APP1.L1.U APP1" \
	"$("$RUV" volume scan "$RUV_HOME/pools/offsite/O00001" | awk '$2 == "archive" || $2 == "uow" { print $2, $3, $4 }' | head -n 2)"

# A damaged segment in the middle of a stream.
"$RUV" log define app3 >/dev/null
"$RUV" file register PAY.C "$T/data/c.dat" >/dev/null
for i in 1 2 3 4; do
	head -c 40000 /dev/urandom | "$RUV" log write app3 pay.c --offset $((i * 40000)) >/dev/null
done
seg=$(ls "$RUV_HOME/logs/APP3" | grep '\.rlog$' | sed -n 2p)
check_eq "app3 spans segments" 1 "$([ -n "$seg" ] && echo 1)"
flip_byte "$RUV_HOME/logs/APP3/$seg" 300
dump_repo >"$T/dump.before"
check_fail "a damaged segment: refused naming segment and LSN" 1 \
	"^ruv: archive APP3: .*$seg.*LSN $(echo "$seg" | sed 's/^0*//; s/\.rlog$//')" "$RUV" archive app3
check_unchanged "damaged segment" "$T/dump.before"
check_fail "the others still archive; exit 1" 1 "archive APP3" "$RUV" archive
check_eq "APP1 and APP2 said nothing new" "APP1: nothing new
APP2: nothing new" "$(cat "$T/out")"

# A damaged archive data set: named by verify and by --show.
off=$(sql "SELECT d.vol_offset + 200 FROM copy c JOIN dataset d ON d.id = c.dataset_id WHERE c.archive_id = 3 AND c.copy_no = 1")
vol=$(volume_file "$(sql "SELECT v.volser FROM copy c JOIN dataset d ON d.id = c.dataset_id JOIN volume v ON v.id = d.volume_id WHERE c.archive_id = 3 AND c.copy_no = 1")")
flip_byte "$vol" "$off"
check_fail "verify --all names the damaged archive copy" 1 "DAMAGED RUV.ARCHIVE .*L00001" "$RUV" verify --all
check_fail "archive --show names it too" 1 "^ruv: archive --show: .*L00001" "$RUV" archive --show A3
done_testing
