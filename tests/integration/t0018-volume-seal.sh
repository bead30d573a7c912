#!/bin/sh
# ruv volume seal: seal, seal again, unknown and malformed VOLSERs, and the
# next backup on a new volume; ruv verify of an unknown DSN; a group
# backup where one member's file vanished.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
printf '[ruv]\nworkers = 1\n[backup]\nchunk_size = 64K\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
for i in 1 2 3; do
	head -c $((200000 + i)) /dev/urandom >"$T/data/g$i"
	"$RUV" file register "G.F$i" "$T/data/g$i" >/dev/null
done
"$RUV" group define GRP G.F1 G.F2 G.F3 >/dev/null

check "back up one file" "$RUV" backup G.F1
vol=$(sql "SELECT $(vol_file_sql) FROM volume v WHERE volser = 'L00001'")
size0=$(stat -c %s "$vol")
check "seal it" "$RUV" volume seal L00001
check_eq "it says so" "sealed L00001" "$(cat "$T/out")"
check_eq "sealed in the repository" sealed "$(sql "SELECT state FROM volume WHERE volser = 'L00001'")"
check_eq "the end mark added 28 bytes" $((size0 + 28)) "$(stat -c %s "$vol")"
check_eq "the recorded size is the file's" "$(stat -c %s "$vol")" "$(sql "SELECT size FROM volume WHERE volser = 'L00001'")"
check "the file carries its end mark" sh -c "'$RUV' volume scan '$vol' | grep -qx '  sealed'"
check_eq "a history row" 1 "$(sql "SELECT count(*) FROM history WHERE action = 'volume seal' AND subject = 'L00001' AND outcome = 'ok'")"
cp "$vol" "$T/L00001.sealed"

dump_repo >"$T/dump.before"
check_fail "seal it again" 1 "volume 'L00001' is already sealed" "$RUV" volume seal L00001
check "nothing on stdout" test ! -s "$T/out"
check_fail "an unknown VOLSER" 1 "volume 'L99999' is not in the repository" "$RUV" volume seal L99999
check_fail "a malformed VOLSER" 1 "VOLSER" "$RUV" volume seal 'L0!'
check_fail "too long a VOLSER" 1 "VOLSER" "$RUV" volume seal L000001
check_fail "an open one with a sealed one" 1 "already sealed" "$RUV" volume seal O00001 L00001
check_eq "the open one stays open" open "$(sql "SELECT state FROM volume WHERE volser = 'O00001'")"
check_fail "no VOLSER" 2 "name at least one" "$RUV" volume seal
check_unchanged "refused seals" "$T/dump.before"
check_same_file "the sealed file is untouched" "$T/L00001.sealed" "$vol"

check "seal by a lower-case VOLSER" "$RUV" volume seal o00001
check_eq "folded to upper case" "sealed O00001" "$(sql "SELECT state || ' ' || volser FROM volume WHERE volser = 'O00001'")"
check "the next backup" "$RUV" backup G.F2
check_eq "goes to new volumes" "L00002 O00002" \
	"$(sql "SELECT v.volser FROM copy c JOIN dataset d ON d.id = c.dataset_id JOIN volume v ON v.id = d.volume_id JOIN backup b ON b.id = c.backup_id JOIN file f ON f.id = b.file_id WHERE f.dsn = 'G.F2' ORDER BY c.copy_no" | tr '\n' ' ' | sed 's/ $//')"
check_same_file "and leaves the sealed one alone" "$T/L00001.sealed" "$vol"
check "the sealed volume still restores" "$RUV" restore G.F1 --to "$T/g1.out"
check_same_file "byte-exact" "$T/data/g1" "$T/g1.out"

dump_repo >"$T/dump.before"
check_fail "verify of an unknown DSN" 1 "DSN 'UNKNOWN.DSN' is not registered" "$RUV" verify UNKNOWN.DSN
check "verify prints no result for it" test ! -s "$T/out"
check_unchanged "verify of an unknown DSN" "$T/dump.before"

# A group whose member's file vanished: the others are backed up.
rm "$T/data/g2"
n2=$(sql "SELECT count(*) FROM backup b JOIN file f ON f.id = b.file_id WHERE f.dsn = 'G.F2'")
check_fail "group backup with a vanished member" 1 "backup G.F2: cannot open '$T/data/g2' \(G.F2\): No such file" \
	"$RUV" backup --group GRP
check "the others are reported" sh -c "grep -q '^backed up G.F1: 200001 bytes' '$T/out' && grep -q '^backed up G.F3: 200003 bytes' '$T/out'"
check "the vanished one is not" sh -c "! grep -q 'G.F2' '$T/out'"
check_eq "G.F2 got no backup" "$n2" "$(sql "SELECT count(*) FROM backup b JOIN file f ON f.id = b.file_id WHERE f.dsn = 'G.F2'")"
check_eq "G.F1 and G.F3 got one each" "G.F1|2 G.F3|1" \
	"$(sql "SELECT f.dsn || '|' || count(*) FROM backup b JOIN file f ON f.id = b.file_id WHERE f.dsn IN ('G.F1', 'G.F3') GROUP BY f.dsn ORDER BY f.dsn" | tr '\n' ' ' | sed 's/ $//')"
for i in 1 3; do
	check "g$i restores from the group backup" "$RUV" restore "G.F$i" --to "$T/g$i.grp"
	check_same_file "g$i byte-exact" "$T/data/g$i" "$T/g$i.grp"
done
check "verify --all" "$RUV" verify --all

# Sealing a volume that lost part of a registered data set writes nothing
# to it: it is sealed in the repository only, and the command says so.
vol2=$(sql "SELECT $(vol_file_sql) FROM volume v WHERE volser = 'L00002'")
check_eq "L00002 is open" open "$(sql "SELECT state FROM volume WHERE volser = 'L00002'")"
truncate -s "$(sql "SELECT vol_offset + length / 2 FROM dataset d JOIN volume v ON v.id = d.volume_id WHERE v.volser = 'L00002' AND d.seq = 1")" "$vol2"
cp "$vol2" "$T/L00002.cut"
check_fail "sealing a truncated volume" 1 "volume 'L00002' is sealed in the repository only, its file is left as it is: .*missing or damaged" \
	"$RUV" volume seal L00002
check_same_file "its file is untouched" "$T/L00002.cut" "$vol2"
check_eq "sealed with its real size" "sealed|$(stat -c %s "$vol2")" "$(sql "SELECT state || '|' || size FROM volume WHERE volser = 'L00002'")"
check_eq "a failed history row" 1 "$(sql "SELECT count(*) FROM history WHERE action = 'volume retire' AND subject = 'L00002' AND outcome = 'failed'")"
done_testing
