#!/bin/sh
# kill -9 during ruv recover forward, in place, at random moments (at
# least 20 kills that land while it runs): the registered file is after
# each either untouched or wholly recovered, never in between; a rerun
# succeeds, gives the committed state and leaves nothing beside it.
. "${SRCDIR}/tests/integration/lib.sh"
: "${RECOVER_WORKLOAD:?}"
make_home
"$RUV" log define KLOG >/dev/null
head -c 4194304 /dev/urandom >"$T/data/big.dat"
"$RUV" file register K.BIG "$T/data/big.dat" >/dev/null
check "a backup" "$RUV" backup K.BIG
check "160 units of 4 x 64 KiB writes after it" \
	"$RECOVER_WORKLOAD" bulk "$RUV_HOME" KLOG K.BIG "$T/data/big.dat" 160 7
cp "$T/data/big.dat" "$T/expected"
# The live file as a disaster left it: something else.
head -c 1000000 /dev/urandom >"$T/old"
cp "$T/old" "$T/data/big.dat"

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}
check_fail "in place over a file changed since the log's last commit" 1 \
	"'$T/data/big.dat' changed since its last journaled state .*: give --force" \
	"$RUV" recover forward K.BIG
check_same_file "refused, the file untouched" "$T/old" "$T/data/big.dat"
t0=$(now_ms)
check "one recovery with --force, timed" "$RUV" recover forward K.BIG --force
dur=$(($(now_ms) - t0))
check_same_file "it gives the committed state" "$T/expected" "$T/data/big.dat"
echo "# one recovery: $dur ms"
[ "$dur" -ge 20 ] || dur=20

ROUNDS=${KILL_ROUNDS:-20} # scripts/soak-kill raises it
landed=0 tries=0 bad=0
while [ $landed -lt "$ROUNDS" ] && [ $tries -lt $((ROUNDS * 10)) ]; do
	tries=$((tries + 1))
	cmp -s "$T/data/big.dat" "$T/old" || cp "$T/old" "$T/data/big.dat"
	"$RUV" recover forward K.BIG --force >/dev/null 2>&1 &
	pid=$!
	ms=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	ms=$((ms % dur))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid"
	[ $? -eq 137 ] && landed=$((landed + 1))
	if ! cmp -s "$T/data/big.dat" "$T/old" &&
		! cmp -s "$T/data/big.dat" "$T/expected"; then
		bad=$((bad + 1))
		echo "# try $tries: the file is neither the old one nor the recovered one"
	fi
done
echo "# recover: $landed kills landed in $tries rounds ($bad bad)"
check_eq "at least $ROUNDS kills landed" 1 "$([ $landed -ge "$ROUNDS" ] && echo 1)"
check_eq "after each, the file was untouched or wholly recovered" 0 "$bad"
cp "$T/old" "$T/data/big.dat"
check "a rerun succeeds" "$RUV" recover forward K.BIG --force
check_same_file "and gives the committed state" "$T/expected" "$T/data/big.dat"
check_eq "nothing is left beside the file" "big.dat" "$(ls -A "$T/data" | grep big)"
check "the repository is sound" "$RUV" repo check
done_testing
