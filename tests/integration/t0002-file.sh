#!/bin/sh
# ruv file register/unregister/list and every bad input of them.
. "${SRCDIR}/tests/integration/lib.sh"
make_home

check "register a file" "$RUV" file register pay.master "$T/data/a.dat"
check "register prints the folded DSN" grep -q "^registered PAY.MASTER $T/data/a.dat" "$T/out"
check "register a second file" "$RUV" file register PAY.TRANS.D1 "$T/data/b.dat"
ln -s "$T/data/c.dat" "$T/data/c.link"
check "register through a symlink" "$RUV" file register '@X.#Y.$Z-1' "$T/data/c.link"
check_eq "the canonical path is stored" "$T/data/c.dat" \
	"$(sqlite3 "$RUV_HOME/repository.db" "SELECT path FROM file WHERE dsn = '@X.#Y.\$Z-1'")"

"$RUV" file list >"$T/list"
check_eq "list is sorted by DSN" "@X.#Y.\$Z-1 PAY.MASTER PAY.TRANS.D1" \
	"$(awk 'NR > 1 { print $1 }' "$T/list" | tr '\n' ' ' | sed 's/ $//')"
check "list shows the path" grep -q "PAY.MASTER .*$T/data/a.dat\$" "$T/list"
"$RUV" file list --json >"$T/list.json"
check "json list parses" python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$T/list.json"
check_eq "json list content" "@X.#Y.\$Z-1|$T/data/c.dat;PAY.MASTER|$T/data/a.dat;PAY.TRANS.D1|$T/data/b.dat" \
	"$(python3 -c "import json,sys; print(';'.join(f['dsn']+'|'+f['path'] for f in json.load(open(sys.argv[1]))['files']))" "$T/list.json")"
check_eq "json mode is octal text" "0644" \
	"$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['files'][1]['mode'])" "$T/list.json")"
check "--json before the verb works too" sh -c "'$RUV' --json file list | cmp -s - '$T/list.json'"

dump_repo >"$T/dump.before"
long=AAAAAAAA.BBBBBBBB.CCCCCCCC.DDDDDDDD.EEEEEEEE.F   # 46 characters
check_fail "DSN too long" 1 "too long" "$RUV" file register "$long" "$T/data/c.dat"
check_fail "empty qualifier" 1 "empty qualifier" "$RUV" file register "PAY..X" "$T/data/c.dat"
check_fail "trailing dot" 1 "empty qualifier" "$RUV" file register "PAY.X." "$T/data/c.dat"
check_fail "bad first character" 1 "first character" "$RUV" file register "PAY.1X" "$T/data/c.dat"
check_fail "9-character qualifier" 1 "longer than 8" "$RUV" file register "PAY.ABCDEFGHI" "$T/data/c.dat"
check_fail "bad character" 1 "character" "$RUV" file register "PAY.A_B" "$T/data/c.dat"
check_fail "empty DSN" 1 "empty" "$RUV" file register "" "$T/data/c.dat"
check_fail "duplicate DSN" 1 "already registered" "$RUV" file register PAY.MASTER "$T/data/c.dat"
check_fail "duplicate DSN in other case" 1 "already registered" "$RUV" file register pay.master "$T/data/c.dat"
check_fail "path registered under another DSN" 1 "already registered" "$RUV" file register NEW.DSN "$T/data/a.dat"
check_fail "missing path" 1 "No such file" "$RUV" file register NEW.DSN "$T/data/nope"
check_fail "a directory" 1 "is a directory" "$RUV" file register NEW.DSN "$T/data"
mkfifo "$T/data/fifo"
check_fail "not a regular file" 1 "not a regular file" "$RUV" file register NEW.DSN "$T/data/fifo"
ln -s loop1 "$T/data/loop2"; ln -s loop2 "$T/data/loop1"
check_fail "a symlink loop" 1 "symbolic links" "$RUV" file register NEW.DSN "$T/data/loop1"
# Root reads anything, so the unreadable case runs as nobody, with its own
# copies of the binary and config where nobody can reach them.
chmod 755 "$T"
mkdir "$T/nb" && cp -a "$RUV_HOME" "$T/nb/home" && printf 'x' >"$T/nb/secret" &&
	chmod 600 "$T/nb/secret" && chmod 755 "$T/nb" &&
	chown -R nobody "$T/nb/home" && cp "$RUV" "$T/nb/ruv" &&
	cp "$RUV_CONFIG" "$T/nb/ruv.ini" && chmod 755 "$T/nb/ruv" && chmod 644 "$T/nb/ruv.ini"
sqlite3 "$T/nb/home/repository.db" .dump >"$T/nb.before"
check_fail "unreadable path" 1 "Permission denied" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$T/nb/ruv" --config "$T/nb/ruv.ini" --home "$T/nb/home" file register NEW.DSN "$T/nb/secret"
sqlite3 "$T/nb/home/repository.db" .dump >"$T/nb.after"
check_same_file "unreadable path: repository unchanged" "$T/nb.before" "$T/nb.after"
check_fail "register needs two operands" 2 "needs DSN and PATH" "$RUV" file register ONLY.DSN
check_fail "unknown subcommand" 2 "unknown subcommand" "$RUV" file frobnicate
check_fail "unknown option" 2 "unknown option" "$RUV" file list --frob
check_fail "unregister unknown DSN" 1 "not registered" "$RUV" file unregister NO.SUCH
check_fail "unregister bad DSN" 1 "qualifier" "$RUV" file unregister "NO..SUCH"
check_unchanged "refused registrations" "$T/dump.before"

"$RUV" group define G1 PAY.MASTER >/dev/null
check "unregister a grouped file" "$RUV" file unregister pay.master
check_eq "it is gone" "" "$(sqlite3 "$RUV_HOME/repository.db" "SELECT dsn FROM file WHERE dsn = 'PAY.MASTER'")"
check_eq "and so is its membership" "0" "$(sqlite3 "$RUV_HOME/repository.db" "SELECT count(*) FROM grp_member")"
check "the path can be registered again" "$RUV" file register PAY.MASTER "$T/data/a.dat"
check "history shows register and unregister" sh -c "'$RUV' history | grep -c 'file unregister *PAY.MASTER' | grep -qx 1"
check "file --help" sh -c "'$RUV' file --help | grep -q 'usage: ruv file register'"
done_testing
