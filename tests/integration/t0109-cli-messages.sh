#!/bin/sh
# Messages that told something else than the truth, and inputs that were
# taken silently: each refused with the real reason, nothing changed.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" file register PAY.A "$T/data/a.dat" >/dev/null
"$RUV" backup PAY.A >/dev/null
dump_repo >"$T/dump.before"

# history --last 0 printed everything.
check_fail "history --last 0" 2 "--last 0: shows nothing; give 1 or more" "$RUV" history --last 0
check "and prints no history" test ! -s "$T/out"
check_eq "history --last 1 prints one" 1 "$("$RUV" history --last 1 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"

# volume seal L1 L1 sealed twice.
check_fail "volume seal of the same VOLSER twice" 1 "volume 'L00001' is named twice; nothing sealed" "$RUV" volume seal L00001 L00001
check_unchanged "a doubled seal" "$T/dump.before"

# The configuration.
mkdir "$T/cfgdir"
check_fail "--config DIR" 1 "config '.*cfgdir' is a directory, not a file" "$RUV" --config "$T/cfgdir" location list
check "and nothing on stdout" test ! -s "$T/out"
printf 'workers = 2\n[ruv]\n' >"$T/nosection.ini"
check_fail "a key before any section" 1 "nosection.ini:1: key 'workers' outside any section" "$RUV" --config "$T/nosection.ini" location list
python3 -c 'import sys; open(sys.argv[1], "w").write("[ruv]\nworkers = 1\nvolume_path = /" + "x" * 3000 + "\n")' "$T/long.ini"
check_fail "a 3,000-character value" 1 "long.ini:3: line longer than 199 bytes" "$RUV" --config "$T/long.ini" location list
check "not 'syntax error'" sh -c "! grep -q 'syntax error' '$T/err'"
printf '[ruv]\nvolume_path = /a\0/b\n' >"$T/nul.ini"
check_fail "a NUL inside a value" 1 "nul.ini:2: a NUL byte in the line" "$RUV" --config "$T/nul.ini" location list
check_unchanged "refused configurations" "$T/dump.before"

# A registered path with a newline split `file list` and forged lines in
# `volume scan`: refused at register, escaped on output.
nl="$T/data/x
uid=0 mode=4755"
printf 'forged\n' >"$nl"
check_fail "file register of a path with a newline" 1 "path has a control character \(byte 0x0a" "$RUV" file register PAY.NL "$nl"
check_eq "not registered" 0 "$(sql "SELECT count(*) FROM file WHERE dsn = 'PAY.NL'")"
# One registered before this check (the catalog edited as an old ruv
# would have left it) is shown escaped, one line per file.
"$RUV" file register PAY.NL "$T/data/b.dat" >/dev/null
mv "$T/data/b.dat" "$nl"
sqlite3 "$RUV_HOME/repository.db" "UPDATE file SET path = '$nl' WHERE dsn = 'PAY.NL'"
check_eq "file list: a heading and one line per file" 3 "$("$RUV" file list | wc -l)"
check "file list shows the newline as \\x0a" sh -c "'$RUV' file list | grep -q 'x\\\\x0auid=0 mode=4755\$'"
check "backup of it" "$RUV" backup PAY.NL
vol=$(sql "SELECT $(vol_file_sql) FROM volume v JOIN dataset d ON d.volume_id = v.id JOIN copy c ON c.dataset_id = d.id JOIN backup b ON b.id = c.backup_id JOIN file f ON f.id = b.file_id WHERE f.dsn = 'PAY.NL'" | head -n 1)
"$RUV" volume scan "$vol" >"$T/scan.out"
check "volume scan: no line starts with the forged text" sh -c "! grep -q '^uid=0' '$T/scan.out'"
check_eq "volume scan --json: the data set's description has one uid line, the real one" "uid=$(id -u)" \
	"$("$RUV" volume scan --json "$vol" | python3 -c 'import json,sys; d=[x for x in json.load(sys.stdin)["volumes"][0]["datasets"] if x["source"] == "PAY.NL"][0]; print(",".join(l for l in d["meta"].split("\n") if l.startswith("uid=")))')"
check "and the path escaped in it" sh -c "'$RUV' volume scan --json '$vol' | grep -q 'path=.*x\\\\\\\\x0auid=0 mode=4755'"

# ruvfs: a regular file as the mount point, -o ruv= naming nothing.  Both
# refused before mounting (timeout only ends the old code's mount).
if [ -c /dev/fuse ] && [ -n "${RUVFS:-}" ]; then
	printf 'data\n' >"$T/afile"
	at_exit "fusermount3 -u -z '$T/afile'"
	check_fail "ruvfs HOME regular-file" 1 "ruvfs: mountpoint '.*afile': not a directory" timeout 20 "$RUVFS" -f "$RUV_HOME" "$T/afile"
	check_eq "the file is untouched, nothing mounted there" "data" "$(cat "$T/afile")"
	mkdir "$T/mnt"
	check_fail "ruvfs -o ruv=/nope" 1 "ruvfs: -o ruv= '/nope': No such file or directory" timeout 20 "$RUVFS" -f -o ruv=/nope "$RUV_HOME" "$T/mnt"
	check_fail "ruvfs -o ruv=DIR" 1 "ruvfs: -o ruv= '/tmp': not a program" timeout 20 "$RUVFS" -f -o ruv=/tmp "$RUV_HOME" "$T/mnt"
	check "nothing mounted" sh -c "! mountpoint -q '$T/mnt'"
fi
done_testing
