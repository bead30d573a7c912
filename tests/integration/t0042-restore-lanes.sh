#!/bin/sh
# ruv restore reads a data set in lanes (one per core): every shape comes
# back byte-exact, and with damage in two chunks the error named is the
# one at the lower offset, the chunk a single reader meets first.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
printf '[ruv]\nworkers = 1\n[backup]\nchunk_size = 64K\n' >"$T/ruv.ini"
export RUV_CONFIG="$T/ruv.ini"
CH=65536

head -c $((9 * CH + 100)) /dev/urandom >"$T/data/r9"
head -c $((CH - 1)) /dev/urandom >"$T/data/r1"
head -c $((2 * CH)) /dev/urandom >"$T/data/r2"
truncate -s $((40 * CH)) "$T/data/holes"
printf 'x' | dd of="$T/data/holes" bs=1 seek=$((17 * CH + 5)) conv=notrunc 2>/dev/null
for n in r9 r1 r2 holes; do
	"$RUV" file register "R.$(echo $n | tr a-z A-Z)" "$T/data/$n" >/dev/null
done
check "back up" "$RUV" backup R.R9 R.R1 R.R2 R.HOLES
mkdir "$T/res"
for n in r9 r1 r2 holes; do
	check "restore $n" "$RUV" restore "R.$(echo $n | tr a-z A-Z)" --to "$T/res/$n"
	check_same_file "$n byte-exact" "$T/data/$n" "$T/res/$n"
done
check "a sparse file comes back sparse" test "$(du -k "$T/res/holes" | cut -f1)" -lt 256

# Random bytes are stored as they are, so chunk k of copy 1 starts close
# to k chunk sizes into the data set: the middle of chunk k is in it.
base=$(sql "SELECT d.vol_offset FROM dataset d JOIN copy c ON c.dataset_id = d.id JOIN backup b ON b.id = c.backup_id JOIN file f ON f.id = b.file_id WHERE f.dsn = 'R.R9' AND c.copy_no = 1")
vol=$(sql "SELECT $(vol_file_sql) FROM volume v WHERE v.volser = 'L00001'")
# Chunks 4 and 5: neighbours, so on two or more lanes in different lanes.
flip_byte "$vol" $((base + 4 * CH + CH / 2))
flip_byte "$vol" $((base + 3 * CH + CH / 2))
dump_repo >"$T/dump.before"
check_fail "restore of the damaged copy fails" 1 "chunk 4 of 10" "$RUV" restore R.R9 --copy 1 --to "$T/res/bad"
cp "$T/err" "$T/why"
check "it names the lower chunk, not the higher" sh -c "! grep -q 'chunk 5' '$T/why'"
check "it names the volume and the data set" grep -q "L00001', data set 1 'R.R9" "$T/why"
check "no partial output" test ! -e "$T/res/bad"
check "no temporary file left" sh -c "! ls '$T/res' | grep -q ruv-restore"
check_unchanged "a failed restore" "$T/dump.before"
check "the files around it still restore" "$RUV" restore R.R2 --to "$T/res/r2.again"
check_same_file "r2 byte-exact again" "$T/data/r2" "$T/res/r2.again"

# A data set that holds fewer bytes than the repository says ends early:
# refused, never padded with zeros.
sql "UPDATE backup SET size = size + 5000 WHERE file_id = (SELECT id FROM file WHERE dsn = 'R.R1')"
check_fail "a data set shorter than its backup is refused" 1 "ends early" "$RUV" restore R.R1 --to "$T/res/short"
check "nothing written for it" test ! -e "$T/res/short"
sql "UPDATE backup SET size = size - 5000 WHERE file_id = (SELECT id FROM file WHERE dsn = 'R.R1')"
check "with the size put back it restores" "$RUV" restore R.R1 --to "$T/res/short"
check_same_file "r1 byte-exact" "$T/data/r1" "$T/res/short"
done_testing
