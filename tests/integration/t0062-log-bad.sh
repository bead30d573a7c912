#!/bin/sh
# Bad input to the ruv log verbs, each refused with a clear message and
# nothing changed: not the repository, not the stream, not the file.  And
# damage: a flipped byte in a middle segment and in the last one.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
printf '[log]\nsegment_size = 64K\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" file register PAY.B "$T/data/b.dat" >/dev/null
"$RUV" log define APP1 >/dev/null
"$RUV" log define APP2 >/dev/null
printf 'A' | "$RUV" log write APP1 PAY.A --offset 0 >/dev/null
printf 'B' | "$RUV" log write APP2 PAY.B --offset 0 >/dev/null

# state: the repository, the streams' files, the data files
state() {
	dump_repo
	for f in "$RUV_HOME"/logs/*/* "$T"/data/*; do
		printf '%s ' "$f"
		cksum <"$f"
	done
}
state >"$T/state.before"
unchanged() {
	state >"$T/state.now"
	check_same_file "$1: nothing changed" "$T/state.before" "$T/state.now"
}

check_fail "show an unknown stream" 1 "no log stream 'NOPE'" "$RUV" log show nope
check_eq "nothing on stdout" "" "$(cat "$T/out")"
check_fail "write to an unknown stream" 1 "no log stream 'NOPE'" sh -c "echo x | '$RUV' log write nope PAY.A --offset 0"
check_fail "delete an unknown stream" 1 "no log stream 'NOPE'" "$RUV" log delete nope
check_fail "write to an unregistered DSN" 1 "no file 'NO.SUCH' is registered" sh -c "echo x | '$RUV' log write APP1 no.such --offset 0"
check_fail "write to a bad DSN" 1 "DSN '1bad': bad first character" sh -c "echo x | '$RUV' log write APP1 1bad --offset 0"
check_fail "a file bound to another stream" 1 "file 'PAY.B' is journaled by log stream 'APP2', not 'APP1'" \
	sh -c "echo x | '$RUV' log write APP1 PAY.B --offset 0"
check_fail "--truncate alone, bound elsewhere" 1 "journaled by log stream 'APP2'" "$RUV" log write APP1 PAY.B --truncate 0
unchanged "refused writes"

check_fail "a name with a space" 1 "log stream name 'bad name': 1-32 letters, digits and @#\\\$_-" "$RUV" log define 'bad name'
check_fail "a name with a slash" 1 "log stream name 'a/b'" "$RUV" log define a/b
check_fail "a name starting with -" 2 "unknown option" "$RUV" log define -x
check_fail "a name starting with - after --" 1 "log stream name '-x'" "$RUV" log define -- -x
check_fail "33 characters" 1 "log stream name" "$RUV" log define ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456
check_fail "an empty name" 1 "log stream name ''" "$RUV" log define ''
check_fail "a name taken (any case)" 1 "log stream 'APP1' already exists" "$RUV" log define app1
mkdir "$T/full" && touch "$T/full/x"
check_fail "a directory that is not empty" 1 "log directory '$T/full' is not empty" "$RUV" log define NEW --dir "$T/full"
check_fail "a directory whose parent is missing" 1 "cannot create log directory '$T/no/such': No such file" "$RUV" log define NEW --dir "$T/no/such"
touch "$T/plain"
check_fail "a file, not a directory" 1 "'$T/plain' is not a directory" "$RUV" log define NEW --dir "$T/plain"
check_fail "another stream's directory" 1 "log directory '$RUV_HOME/logs/APP1' is not empty" "$RUV" log define NEW --dir "$RUV_HOME/logs/APP1"
check_fail "a bad kind" 2 "--kind 'tape': application or journal" "$RUV" log define NEW --kind tape
check_fail "write needs --offset or --truncate" 2 "needs --offset or --truncate" "$RUV" log write APP1 PAY.A
check_fail "a negative offset" 2 "'-1': not a non-negative decimal number" "$RUV" log write APP1 PAY.A --offset -1
check_fail "an offset that is not a number" 2 "'1k': not a" "$RUV" log write APP1 PAY.A --offset 1k
check_fail "--truncate past 2^63" 2 "--truncate too big" "$RUV" log write APP1 PAY.A --truncate 18446744073709551615
check_fail "an option that does not apply" 2 "log show: --offset does not apply" "$RUV" log show APP1 --offset 3
check_fail "--from-lsn past --to-lsn" 2 "--from-lsn is past --to-lsn" "$RUV" log show APP1 --from-lsn 5 --to-lsn 4
check_fail "an unknown subcommand" 2 "log: unknown subcommand 'frob'" "$RUV" log frob
check_fail "show needs a name" 2 "log show: needs one NAME" "$RUV" log show
check_fail "show --dsn with a bad DSN" 1 "DSN" "$RUV" log show APP1 --dsn 9X
check_fail "file show of an unknown DSN" 1 "no file 'NO.SUCH' is registered" "$RUV" file show no.such
unchanged "refused definitions and usage errors"

# Damage.  Enough records for several 64K segments.
head -c 30000 /dev/urandom >"$T/chunk"
for i in 1 2 3 4 5 6 7 8; do
	"$RUV" log write APP1 PAY.A --offset 0 <"$T/chunk" >/dev/null
done
nseg=$(ls "$RUV_HOME/logs/APP1" | grep -c '\.rlog$')
check_eq "three segments or more" 1 "$([ "$nseg" -ge 3 ] && echo 1)"
mid=$(ls "$RUV_HOME/logs/APP1" | grep '\.rlog$' | sed -n 2p)
midlsn=$(echo "$mid" | sed 's/^0*//; s/\.rlog$//')
"$RUV" log show APP1 >"$T/show.good"
# the second record of the middle segment: its header is 52 bytes, its
# first record (a BEGIN or a COMMIT) 40 or more; flip a byte well inside
# the WRITE that follows a BEGIN, or whatever record sits there.
off=$(python3 - "$RUV_HOME/logs/APP1/$mid" <<'PYEOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
hl = struct.unpack_from("<I", b, 12)[0]
l1 = struct.unpack_from("<I", b, hl)[0]
l2 = struct.unpack_from("<I", b, hl + l1)[0]
print(hl + l1, hl + l1 + l2 // 2)
PYEOF
)
recoff=${off% *}
off=${off#* }
flip_byte "$RUV_HOME/logs/APP1/$mid" "$off"
state >"$T/state.before"
check_fail "show of a damaged stream" 1 "segment $mid damaged at byte $recoff \\(LSN $((midlsn + 1))\\): record CRC does not match" "$RUV" log show APP1
check_eq "the records before the damage were shown" "$(head -n "$(($(grep -c '' <"$T/show.good") - 0))" "$T/show.good" | awk -v m="$midlsn" 'NR == 1 || $1 <= m')" "$(cat "$T/out")"
check_fail "show --json of a damaged stream" 1 "segment $mid damaged" "$RUV" --json log show APP1
check_eq "the JSON before the damage is whole" "$midlsn" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[-1]["lsn"])' "$T/out")"
check_fail "show from the damaged LSN" 1 "LSN $((midlsn + 1))" "$RUV" log show APP1 --from-lsn "$((midlsn + 1))"
check_fail "delete of a damaged stream" 1 "log stream 'APP1'" "$RUV" log delete APP1
unchanged "damage in the middle"

# A flipped byte in the last segment: the writer refuses to append.
last=$(ls "$RUV_HOME/logs/APP1" | grep '\.rlog$' | tail -n 1)
flip_byte "$RUV_HOME/logs/APP1/$mid" "$off"
flip_byte "$RUV_HOME/logs/APP1/$last" 60
state >"$T/state.before"
check_fail "write to a stream whose last segment is damaged" 1 "segment $last damaged at byte [0-9]+ \\(LSN [0-9]+\\)" \
	sh -c "echo x | '$RUV' log write APP1 PAY.A --offset 0"
unchanged "refused write to a damaged stream"
done_testing
