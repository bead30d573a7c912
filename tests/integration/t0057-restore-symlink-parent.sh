#!/bin/sh
# Restore follows no symbolic link in the target's directories.  A user
# who owns a directory on a registered path swaps a directory under it
# for a link to somewhere only root may write; root's restore refuses,
# naming the link, and writes nothing anywhere.  With the directory back,
# the file comes back with the owner and mode the catalog holds.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
uid=$(id -u nobody) gid=$(id -g nobody)
[ -n "$uid" ] && [ "$uid" != 0 ] || { echo "Bail out! no user nobody"; exit 99; }
as_nobody() {
	setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
}
chmod 0755 "$T"
mkdir -p "$T/tree/user/data" "$T/victim"
chown "$uid:$gid" "$T/tree/user" "$T/tree/user/data"
printf 'payroll\n' >"$T/tree/user/data/f.dat"
chown "$uid:$gid" "$T/tree/user/data/f.dat"
chmod 0640 "$T/tree/user/data/f.dat"
"$RUV" file register F.DAT "$T/tree/user/data/f.dat" >/dev/null
check "back up the user's file" "$RUV" backup F.DAT

check "the user swaps the directory for a link" as_nobody sh -c \
	"mv '$T/tree/user/data' '$T/tree/user/old' && ln -s '$T/victim' '$T/tree/user/data'"
check_fail "root's restore refuses, naming the link" 1 \
	"'$T/tree/user/data' is a symbolic link" "$RUV" restore F.DAT
check "nothing written where the link points" test -z "$(ls -A "$T/victim")"
check "the link is still a link" test -L "$T/tree/user/data"
check_fail "--to through the link is refused too" 1 \
	"'$T/tree/user/data' is a symbolic link" \
	"$RUV" restore F.DAT --to "$T/tree/user/data/other"
check "still nothing written there" test -z "$(ls -A "$T/victim")"

check "a link higher up is refused too" ln -s "$T/tree" "$T/tree-link"
check_fail "naming that component" 1 "'$T/tree-link' is a symbolic link" \
	"$RUV" restore F.DAT --to "$T/tree-link/user/old/f.dat"

check "the user puts a directory back" as_nobody sh -c \
	"rm '$T/tree/user/data' && mkdir '$T/tree/user/data'"
check "restore now works" "$RUV" restore F.DAT
check_eq "the bytes" payroll "$(cat "$T/tree/user/data/f.dat")"
check_eq "owner and mode as catalogued" "$uid:$gid 640" \
	"$(stat -c '%u:%g %a' "$T/tree/user/data/f.dat")"
check "a relative --to resolves from the working directory" \
	sh -c "cd '$T/tree/user' && '$RUV' restore F.DAT --to old/rel.dat"
check_eq "its bytes" payroll "$(cat "$T/tree/user/old/rel.dat")"
done_testing
