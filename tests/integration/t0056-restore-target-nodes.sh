#!/bin/sh
# restore --to replaces only a regular file: a character device, a FIFO,
# a directory, a socket or a symbolic link as the target is refused with
# a message and left as it was.  (The device is a copy of /dev/null made
# with mknod in the scratch directory; the real one is never touched.)
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" file register A.DAT "$T/data/a.dat" >/dev/null
check "back up" "$RUV" backup A.DAT
mkdir "$T/t"

check "make a character device like /dev/null" mknod "$T/t/null" c 1 3
check_fail "a character device is refused" 1 "'$T/t/null' exists and is a character device; restore replaces only a regular file" \
	"$RUV" restore A.DAT --to "$T/t/null"
check "it is still a character device" test -c "$T/t/null"
check_eq "with its numbers" "1,3" "$(stat -c '%t,%T' "$T/t/null")"

check "make a FIFO" mkfifo "$T/t/fifo"
check_fail "a FIFO is refused" 1 "'$T/t/fifo' exists and is a FIFO" \
	"$RUV" restore A.DAT --to "$T/t/fifo"
check "it is still a FIFO" test -p "$T/t/fifo"

mkdir "$T/t/dir"
check_fail "a directory is refused" 1 "'$T/t/dir' is a directory" \
	"$RUV" restore A.DAT --to "$T/t/dir"
check "it is still an empty directory" test -d "$T/t/dir" -a -z "$(ls -A "$T/t/dir")"

python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/t/sock"
check_fail "a socket is refused" 1 "'$T/t/sock' exists and is a socket" \
	"$RUV" restore A.DAT --to "$T/t/sock"
check "it is still a socket" test -S "$T/t/sock"

printf 'keep\n' >"$T/t/target"
ln -s "$T/t/target" "$T/t/link"
check_fail "a symbolic link is refused" 1 "'$T/t/link' is a symbolic link" \
	"$RUV" restore A.DAT --to "$T/t/link"
check "it is still a link" test -L "$T/t/link"
check_eq "and what it points to is unchanged" keep "$(cat "$T/t/target")"

check "no temporary file left" sh -c "! ls -A '$T/t' | grep -q ruv-restore"

# A regular file is replaced, atomically, with the catalog's mode.
printf 'old\n' >"$T/t/regular"
chmod 0600 "$T/data/a.dat"
check "a regular file is replaced" "$RUV" restore A.DAT --to "$T/t/regular"
check_eq "with the backup's bytes" alpha "$(cat "$T/t/regular")"
check_eq "a new file of the backup's mode" 644 "$(stat -c %a "$T/t/regular")"
check "a missing file is created" "$RUV" restore A.DAT --to "$T/t/new"
check_eq "with the backup's bytes too" alpha "$(cat "$T/t/new")"
check "no temporary file left after them" sh -c "! ls -A '$T/t' | grep -q ruv-restore"
done_testing
