#!/bin/sh
# A volume file that is another volume is never read as ours.  Two homes
# number their volumes the same way (L00001, O00001); copy one home's
# L00001 over the other's and every read of the copies on it -- verify,
# restore, the tree -- says "wrong volume", restore takes the other copy
# where it is active, and a backup never appends to the foreign file.
. "${SRCDIR}/tests/integration/lib.sh"
HOME_A="$T/home"
HOME_B="$T/homeb"

make_home
RUV_HOME="$HOME_B" "$RUV" init >/dev/null || exit 99
# Same sizes, same path lengths, random bytes: every length on the
# volumes is the same in both homes.
mkdir "$T/a" "$T/b"
head -c 200000 /dev/urandom >"$T/a/pay.dat"
head -c 200000 /dev/urandom >"$T/b/pay.dat"
"$RUV" file register PAY.MASTER "$T/a/pay.dat" >/dev/null
RUV_HOME="$HOME_B" "$RUV" file register PAY.MASTER "$T/b/pay.dat" >/dev/null
check "back up in home A" "$RUV" backup PAY.MASTER
check "back up in home B" env RUV_HOME="$HOME_B" "$RUV" backup PAY.MASTER
check_eq "both wrote data set 1 of their L00001 at one offset" \
	"$(sqlite3 "$HOME_B/repository.db" "SELECT d.vol_offset || ' ' || d.length FROM dataset d JOIN volume v ON v.id = d.volume_id WHERE v.volser = 'L00001'")" \
	"$(sql "SELECT d.vol_offset || ' ' || d.length FROM dataset d JOIN volume v ON v.id = d.volume_id WHERE v.volser = 'L00001'")"
check "each volume row has an identity" test \
	"$(sql "SELECT count(*) FROM volume WHERE length(ident) = 32")" = \
	"$(sql "SELECT count(*) FROM volume")"
check "the identities of the two homes differ" test \
	"$(sql "SELECT ident FROM volume WHERE volser = 'L00001'")" != \
	"$(sqlite3 "$HOME_B/repository.db" "SELECT ident FROM volume WHERE volser = 'L00001'")"

cp "$HOME_B/pools/local/L00001" "$HOME_A/pools/local/L00001"
mv "$T/a/pay.dat" "$T/a.orig"

check_fail "verify reports the wrong volume" 1 \
	"DAMAGED PAY.MASTER .*wrong volume: L00001 holds data set PAY\.MASTER\..*the catalog expects data set PAY\.MASTER\." \
	"$RUV" verify PAY.MASTER
check_eq "one copy ok, one damaged" "1 copies ok, 1 damaged" "$(tail -n 1 "$T/out")"
check "its identity is not the catalog's" grep -q "its identity is [0-9a-f]\{32\}, the catalog's [0-9a-f]\{32\}" "$T/err"

# Copy 2 (Staging) is inactive: nothing else to restore from.
check_fail "restore with the other copy inactive fails, naming it" 1 \
	"copy 1 of 'PAY.MASTER': wrong volume: L00001" \
	"$RUV" restore PAY.MASTER
check "no file written" test ! -e "$T/a/pay.dat"
check "no temporary left" sh -c "! ls '$T/a' | grep -q ruv-restore"
check_fail "restore --copy 1 fails the same way" 1 "wrong volume: L00001" \
	"$RUV" restore PAY.MASTER --copy 1 --to "$T/c1.out"
check "nothing at the --to path" test ! -e "$T/c1.out"

check "activate Staging" "$RUV" toggle --activate Staging
check "restore takes the other copy" "$RUV" restore PAY.MASTER
cp "$T/out" "$T/restore.out"
cp "$T/err" "$T/restore.err"
check "it says copy 2" grep -q "copy 2 (Staging, volume O00001)" "$T/restore.out"
check "and warns of copy 1" grep -q "^ruv: restore: warning: copy 1 of 'PAY.MASTER': wrong volume: L00001" "$T/restore.err"
check "the bytes are home A's" cmp "$T/a/pay.dat" "$T/a.orig"

# The tree: each copy node is one copy, no fallback.
mount_ruvfs
c1=$(ls "$T/mnt/backups/by-location/Local" | grep '^PAY\.MASTER\..*\.C1$')
c2=$(ls "$T/mnt/backups/by-location/Staging" | grep '^PAY\.MASTER\..*\.C2$')
check "the tree lists both copies" test -n "$c1" -a -n "$c2"
check "cat of copy 1 fails" sh -c "! cat '$T/mnt/backups/by-location/Local/$c1' >'$T/c1.tree' 2>'$T/cat.err'"
check "with Input/output error" grep -q "Input/output error" "$T/cat.err"
check "and gives no bytes" test ! -s "$T/c1.tree"
check "status names the wrong volume" grep -q "wrong volume: L00001" "$T/mnt/status"
check "cat of copy 2 gives home A's bytes" cmp "$T/mnt/backups/by-location/Staging/$c2" "$T/a.orig"
umount_ruvfs

# A writer never appends to the foreign file: the volume is retired
# untouched and the backup goes to a new one.
cp "$HOME_A/pools/local/L00001" "$T/L00001.foreign"
check "a backup after the swap" "$RUV" backup PAY.MASTER
check "it warns of the wrong volume" grep -q "wrong volume" "$T/err"
check "the foreign file is untouched" cmp "$HOME_A/pools/local/L00001" "$T/L00001.foreign"
check_eq "the new backup is on L00002" L00002 \
	"$(sql "SELECT v.volser FROM volume v JOIN dataset d ON d.volume_id = v.id JOIN copy c ON c.dataset_id = d.id WHERE c.copy_no = 1 ORDER BY c.id DESC LIMIT 1")"

# Shipment export reads the volumes it ships: a foreign one is refused.
check "ship the Staging copies" "$RUV" pull-list --commit
cp "$HOME_B/pools/offsite/O00001" "$HOME_A/pools/offsite/O00001"
mkdir "$T/export"
check_fail "shipment export refuses the wrong volume" 1 "wrong volume: '.*O00001' is not volume O00001" \
	"$RUV" shipment export 1 "$T/export"
check "nothing exported" test -z "$(ls -A "$T/export")"
done_testing
