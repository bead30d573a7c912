#!/bin/sh
# The JCL library runs forward recovery: the RECOVER member, with the
# time `ruv pit set` wrote into it, brings every registered file back to
# the PIT in place: the units committed by then applied, the later ones
# left out, over a live file that a disaster changed (the member passes
# --force).  ctl runs a recover line, its progress in status.
. "${SRCDIR}/tests/integration/lib.sh"
make_home
"$RUV" jcl init >/dev/null
"$RUV" log define APPLOG >/dev/null
"$RUV" file register APP.A "$T/data/a.dat" >/dev/null
"$RUV" file register APP.B "$T/data/b.dat" >/dev/null
"$RUV" file register APP.C "$T/data/c.dat" >/dev/null
"$RUV" backup APP.A APP.B APP.C >/dev/null
printf 'ALPHA' | "$RUV" log write APPLOG APP.A --offset 0 >/dev/null
printf 'xyz' | "$RUV" log write APPLOG APP.B --offset 2 --truncate 3 >/dev/null
# The PIT: after those commits, before the next ones.
sleep 0.01
pit=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
sleep 0.01
cp "$T/data/a.dat" "$T/a.pit"
cp "$T/data/b.dat" "$T/b.pit"
cp "$T/data/c.dat" "$T/c.pit"
printf 'later' | "$RUV" log write APPLOG APP.A --offset 3 >/dev/null
"$RUV" log write APPLOG APP.C --truncate 0 >/dev/null
# The disaster scribbles on them.
printf 'garbage' >"$T/data/a.dat"
rm "$T/data/c.dat"

check "pit set" "$RUV" pit set "$pit"
check "the RECOVER member carries the PIT" \
	grep -q -- "--stop-time $pit" "$RUV_HOME/jcl/RECOVER"
PATH=$(dirname "$RUV"):$PATH
export PATH
check "the RECOVER member runs" sh "$RUV_HOME/jcl/RECOVER"
check_same_file "APP.A as at the PIT" "$T/a.pit" "$T/data/a.dat"
check_same_file "APP.B as at the PIT" "$T/b.pit" "$T/data/b.dat"
check_same_file "APP.C, removed since, as at the PIT" "$T/c.pit" "$T/data/c.dat"
check_eq "the PIT's commits applied, the later ones left out" \
	"ALPHA|brxyz|charlie" \
	"$(tr -d '\n' <"$T/data/a.dat")|$(cat "$T/data/b.dat")|$(tr -d '\n' <"$T/data/c.dat")"

# From ctl: one line per file in status as it ends.
cp "$T/data/a.dat" "$T/a.before"
printf 'scribble' >"$T/data/b.dat"
mount_ruvfs
M=$T/mnt
check "ctl runs recover forward" sh -c "echo 'recover forward APP.B --force --stop-time $pit' >'$M/ctl'"
check "status shows it done" grep -q "recover APP.B: done (1 of 1 files)" "$M/status"
check_same_file "APP.B as at the PIT again" "$T/b.pit" "$T/data/b.dat"
check_fail "a refused line fails the write" 1 "changed since its last journaled state" \
	sh -c "printf 'x' >>'$T/data/b.dat'; echo 'recover forward APP.B' >'$M/ctl' 2>/dev/null || { grep 'changed since' '$M/status' | tail -n 1 | sed 's/^/ruv: /' >&2; exit 1; }"
done_testing
