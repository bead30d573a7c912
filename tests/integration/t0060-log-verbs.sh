#!/bin/sh
# ruv log define/list/show/write/delete and ruv file show: what each
# prints, exactly, and what the file holds after `ruv log write`.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" file register PAY.B "$T/data/b.dat" >/dev/null

# show without the time column (field 2), which the test cannot know
shown() {
	"$RUV" log show "$@" | awk '{ $2 = ""; print }' | tr -s ' '
}

check "define" "$RUV" log define app1
check_eq "define says where" "defined log stream APP1 in $RUV_HOME/logs/APP1" "$(cat "$T/out")"
check "the directory is there" test -d "$RUV_HOME/logs/APP1"
check_eq "stored relative to the home" "APP1|logs/APP1|application|0" \
	"$(sql "SELECT name, directory, kind, archived_lsn FROM log_stream")"
mkdir "$T/elsewhere"
check_fail "J.2 is not a stream name" 1 "log stream name 'J.2': 1-32 letters" "$RUV" log define J.2 --dir "$T/elsewhere"
check "define with --dir (an empty directory)" "$RUV" log define J_2 --dir "$T/elsewhere" --kind journal
check_eq "list of empty streams" \
"NAME KIND FIRST_LSN LAST_LSN FIRST_TIME LAST_TIME ARCHIVED BYTES DIR
APP1 application 0 0 - - 0 0 $RUV_HOME/logs/APP1
J_2 journal 0 0 - - 0 0 $T/elsewhere" \
	"$("$RUV" log list | tr -s ' ')"
check_eq "show of an empty stream" "LSN TIME UOW DSN TYPE OFFSET LENGTH" "$("$RUV" log show app1)"
check_eq "show --json of an empty stream" "[]" "$("$RUV" --json log show app1)"
check_eq "file show before any log" "stream: -" "$("$RUV" file show pay.a | tail -n 1)"

# ruv log write: the change is made and logged.
check "log write" sh -c "printf 'ALPHA' | '$RUV' log write app1 pay.a --offset 0"
check_eq "it says the unit" "logged unit 1" "$(cat "$T/out")"
check_eq "the file changed" "ALPHA" "$(cat "$T/data/a.dat")"
check "log write with --truncate and bytes past the end" \
	sh -c "printf 'xyz' | '$RUV' log write APP1 PAY.A --truncate 2 --offset 4"
check_eq "the file: cut to 2, a hole, xyz" "414c000078797a" "$(od -An -tx1 "$T/data/a.dat" | tr -d ' \n')"
check "log write --truncate alone (extend)" "$RUV" log write APP1 PAY.A --truncate 10
check_eq "extended with zeros" 10 "$(stat -c %s "$T/data/a.dat")"
check "a second file" sh -c "printf 'B' | '$RUV' log write APP1 PAY.B --offset 0"

check_eq "show, one record per line" \
"LSN UOW DSN TYPE OFFSET LENGTH
1 1 - BEGIN - -
2 1 PAY.A WRITE 0 5
3 1 - COMMIT - -
4 4 - BEGIN - -
5 4 PAY.A TRUNCATE 2 4
6 4 PAY.A WRITE 4 3
7 4 - COMMIT - -
8 8 - BEGIN - -
9 8 PAY.A TRUNCATE 10 0
10 8 - COMMIT - -
11 11 - BEGIN - -
12 11 PAY.B WRITE 0 1
13 11 - COMMIT - -" "$(shown app1 | sed 's/^LSN TIME/LSN/')"
check_eq "show --from-lsn --to-lsn" "5 4 PAY.A TRUNCATE 2 4
6 4 PAY.A WRITE 4 3" "$(shown app1 --from-lsn 5 --to-lsn 6 | tail -n +2)"
check_eq "show --dsn: its changes and the commits that list it" "12 11 PAY.B WRITE 0 1
13 11 - COMMIT - -" "$(shown app1 --dsn pay.b | tail -n +2)"
check_eq "times are ISO 8601 UTC" "" \
	"$("$RUV" log show app1 | tail -n +2 | awk '{ print $2 }' | grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$')"
"$RUV" --json log show app1 --from-lsn 11 >"$T/show.json"
check_eq "show --json: exactly the keys, null where none" \
'lsn,time,uow,dsn,type,offset,length|11,None,BEGIN,None,None
lsn,time,uow,dsn,type,offset,length|11,PAY.B,WRITE,0,1
lsn,time,uow,dsn,type,offset,length|11,None,COMMIT,None,None' \
	"$(python3 -c '
import json, sys
for r in json.load(open(sys.argv[1])):
    print(",".join(r.keys()) + "|" + ",".join(str(r[k]) for k in ("uow", "dsn", "type", "offset", "length")))' "$T/show.json")"
check_eq "the times in --json are the times in text" \
	"$("$RUV" log show app1 --from-lsn 11 | awk 'NR > 1 { print $2 }')" \
	"$(python3 -c 'import json,sys; print("\n".join(r["time"] for r in json.load(open(sys.argv[1]))))' "$T/show.json")"

"$RUV" --json log list >"$T/list.json"
check_eq "list --json" \
"APP1 application $RUV_HOME/logs/APP1 1 13 0 True
J_2 journal $T/elsewhere 0 0 0 False" \
	"$(python3 -c '
import json, os, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["streams"]
for s in d["streams"]:
    assert list(s) == ["name", "kind", "dir", "first_lsn", "last_lsn", "first_time", "last_time", "archived_lsn", "bytes"], list(s)
    size = sum(os.path.getsize(os.path.join(s["dir"], f)) for f in os.listdir(s["dir"]) if f.endswith(".rlog"))
    assert s["bytes"] == size, (s["bytes"], size)
    assert (s["first_time"] is None) == (s["first_lsn"] == 0)
    print(s["name"], s["kind"], s["dir"], s["first_lsn"], s["last_lsn"], s["archived_lsn"], s["bytes"] > 0)' "$T/list.json")"
check_eq "list text agrees" "APP1 1 13" "$("$RUV" log list | awk '$1 == "APP1" { print $1, $3, $4 }')"

check_eq "file show names the stream" "dsn: PAY.A
path: $T/data/a.dat
stream: APP1" "$("$RUV" file show PAY.A | grep -E '^(dsn|path|stream):')"
check_eq "file show --json" "APP1 None" \
	"$("$RUV" --json file show pay.a | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["stream"], d.get("nope"))')"
check "bound in the repository" test "$(sql "SELECT count(*) FROM file WHERE stream_id IS NOT NULL")" = 2

# delete: refused while not archived; allowed when the mark covers it.
dump_repo >"$T/dump.before"
ls -la "$RUV_HOME/logs/APP1" >"$T/ls.before"
check_fail "delete refused: records not archived" 1 "log stream 'APP1': it holds records up to LSN 13, archived only to LSN 0" "$RUV" log delete app1
check_unchanged "refused delete" "$T/dump.before"
ls -la "$RUV_HOME/logs/APP1" >"$T/ls.after"
check_same_file "refused delete: files untouched" "$T/ls.before" "$T/ls.after"
check "delete an empty stream" "$RUV" log delete J_2
check "its directory is gone" test ! -e "$T/elsewhere"
sql "UPDATE log_stream SET archived_lsn = 13 WHERE name = 'APP1'"
check "delete once archived" "$RUV" log delete APP1
check "its directory is gone" test ! -e "$RUV_HOME/logs/APP1"
check_eq "the files are unbound" 0 "$(sql "SELECT count(*) FROM file WHERE stream_id IS NOT NULL")"
check_eq "history" "log define|APP1 log define|J_2 log bind|PAY.A log bind|PAY.B log delete|J_2 log delete|APP1" \
	"$(sql "SELECT action || '|' || subject FROM history WHERE action LIKE 'log %' ORDER BY id" | tr '\n' ' ' | sed 's/ $//')"
done_testing
