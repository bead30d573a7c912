#!/bin/sh
# A backup of a registered file under a journaling mount over DIR itself
# reads it through the mount: the backup opens its source with O_NOFOLLOW,
# which the passthrough must not pass on when it reopens the file through
# /proc/self/fd (a magic link: ELOOP, "replaced by a symbolic link").
. "$SRCDIR/tests/integration/lib.sh"
. "$SRCDIR/tests/integration/jlib.sh"

make_home
D=$T/data
mkdir -p "$D"
head -c 300000 /dev/urandom >"$D/a.dat"
"$RUV" file register JNL.B "$D/a.dat" >/dev/null
check "a journal stream" "$RUV" log define JB --kind journal

jmount JB "$D"
printf 'changed through the mount' | dd of="$D/a.dat" bs=1 seek=1000 \
	conv=notrunc 2>/dev/null
cp "$D/a.dat" "$T/expect"
check "ruv backup of the file under the mount" "$RUV" backup JNL.B
check "python3 opens it with O_NOFOLLOW" "$PYTHON3" -c "
import os, sys
os.close(os.open(sys.argv[1], os.O_RDONLY | os.O_NOFOLLOW))" "$D/a.dat"
check "restored aside" "$RUV" restore JNL.B --to "$T/back"
check "the backup holds the bytes written through the mount" \
	cmp "$T/back" "$T/expect"
check "unmounted cleanly" jumount
done_testing
