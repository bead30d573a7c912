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
