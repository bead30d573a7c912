# The kill loop of the crash tests (t0043, t0075) and of scripts/soak-kill:
# run a step, kill it -9 at a random moment of its span, check what it
# left, run it again.  Sourced after lib.sh, which gives $T, $RUV, sql,
# check and check_eq.
#
# A test defines, per step NAME, the functions before_NAME ROUND (sets
# up a round; ROUND 0 is a timing run), after_kill_NAME and
# after_rerun_NAME (print what is wrong; empty output is a pass), then
# calls `crash NAME CMD...`.  after_kill_NAME sets applied=1 when the
# killed run had taken effect.
#
# Environment:
#   KILL_ROUNDS  kills that must land per step (the test's own count
#                when unset: CI keeps it small; scripts/soak-kill raises it)
#   KILL_VERIFY  "all" (default): `ruv verify --all` after each kill;
#                "touched": only the volumes whose file the round changed
#                (what a kill can have torn), so that a soak of hundreds
#                of rounds does not re-read every earlier round's data.
#   KILL_STEPS   when set, the steps (blank-separated names) whose kills
#                are wanted: any other step runs once, whole, so that the
#                state the later steps need is there (scripts/soak-kill
#                runs one step per process this way, side by side).
# Each step ends with a line "# NAME: K kills landed in R rounds ..."
# that scripts/soak-kill collects.

# kill_rounds DEFAULT: set ROUNDS and MAXROUNDS (5 rounds per kill at
# most, and 40 at least).
kill_rounds() {
	ROUNDS=${KILL_ROUNDS:-$1}
	MAXROUNDS=$((ROUNDS * 5))
	[ "$MAXROUNDS" -ge 40 ] || MAXROUNDS=40
}

# ms STEP CMD...: run CMD three times, each after `before_STEP 0` (it
# must succeed) and print the length of the shortest run in ms, so that a
# slow first run (cold caches) does not spread the kills past the end of
# the others.
ms() {
	_best=0
	_st=$1
	shift
	for _k in 1 2 3; do
		"before_$_st" 0
		_t0=$(date +%s%N)
		"$@" >"$T/timed.out" 2>&1 || { sed 's/^/# /' "$T/timed.out"; echo 0; return; }
		_m=$((($(date +%s%N) - _t0) / 1000000))
		[ "$_best" -ne 0 ] && [ "$_best" -le "$_m" ] || _best=$_m
	done
	[ "$_best" -ge 10 ] || _best=10
	echo "$_best"
}

# delay MS ROUND: a random delay in [0, MS] ms, in seconds.
delay() {
	awk -v m="$1" -v s="$2$$" 'BEGIN { srand(s); printf "%.3f", rand() * m / 1000 }'
}

# vol_sizes: "path size" of every volume file of the home, sorted.
vol_sizes() {
	for _v in "$RUV_HOME"/pools/*/*; do
		[ -f "$_v" ] && echo "$_v $(stat -c %s "$_v")"
	done | sort
}

# verify_round: verify what KILL_VERIFY says; prints problems.
verify_round() {
	if [ "${KILL_VERIFY:-all}" = all ]; then
		"$RUV" verify --all >/dev/null 2>"$T/s.err" && return
	else
		vol_sizes >"$T/sizes.after"
		# A volume file is named by its VOLSER.
		_vs=$(comm -13 "$T/sizes.before" "$T/sizes.after" |
			while read -r _p _n; do basename "$_p"; done | tr '\n' ' ')
		[ -z "$_vs" ] && return
		# shellcheck disable=SC2086
		"$RUV" verify --volume $_vs >/dev/null 2>"$T/s.err" && return
	fi
	if [ "$RUV_HOME" != "${HOME_B:-}" ] || grep -qv ' MISSING ' "$T/s.err"; then
		echo "verify:"
		tail -n 3 "$T/s.err"
	fi
}

# sound: the home's repository opens, checks and verifies, and every data
# set it registers lies wholly inside its volume file.  Prints problems.
# At a second home ($HOME_B, filled by ruvreprs) only the shipped volumes
# are here (catalogued from $T/transport); the others are MISSING there,
# as they should be, but never DAMAGED.
sound() {
	"$RUV" file list >/dev/null 2>"$T/s.err" || { echo "does not open:"; cat "$T/s.err"; }
	"$RUV" repo check >/dev/null 2>"$T/s.err" || { echo "repo check:"; cat "$T/s.err"; }
	verify_round
	# One row per volume, its furthest data set end: a data set lies
	# inside its file when the furthest one does.
	sql "SELECT $(vol_file_sql) || ' ' || max(d.vol_offset + d.length) FROM dataset d
	     JOIN volume v ON v.id = d.volume_id GROUP BY v.id" |
	while read -r p end; do
		if [ "$RUV_HOME" = "${HOME_B:-}" ] && [ ! -e "$p" ]; then
			p="$T/transport/$(basename "$p")"
			[ -e "$p" ] || continue
		fi
		[ "$(stat -c %s "$p" 2>/dev/null || echo 0)" -ge "$end" ] || echo "$p shorter than $end"
	done
}

# crash STEP CMD...: kill CMD -9 at random moments (within the span of
# the last whole run) until ROUNDS kills have landed.  Before each round `before_STEP` runs; after each kill, `sound`
# and `after_kill_STEP` print what is wrong; then CMD must succeed again
# and `after_rerun_STEP` print what is wrong.
crash() {
	_step=$1
	shift
	case " ${KILL_STEPS:-$_step} " in
	*" $_step "*) ;;
	*)
		"before_$_step" 0
		"$@" >"$T/rerun.out" 2>&1 || { echo "# $_step failed:"; sed 's/^/#   /' "$T/rerun.out"; }
		"after_rerun_$_step" >/dev/null 2>&1
		return
		;;
	esac
	_s0=$(date +%s)
	_ms=$(ms "$_step" "$@")
	check "$_step: a whole run (${_ms} ms)" test "$_ms" -gt 0
	_kills=0 _round=0 _bad=0 _applied=0
	while [ "$_kills" -lt "$ROUNDS" ] && [ "$_round" -lt "$MAXROUNDS" ]; do
		_round=$((_round + 1))
		"before_$_step" "$_round"
		vol_sizes >"$T/sizes.before"
		"$@" >/dev/null 2>&1 &
		_pid=$!
		sleep "$(delay "$_ms" "$_round")"
		kill -9 "$_pid" 2>/dev/null
		wait "$_pid" 2>/dev/null
		_landed=$?
		applied=0
		{ sound; "after_kill_$_step"; } >"$T/bad" 2>&1
		if [ "$_landed" -eq 137 ]; then
			_kills=$((_kills + 1))
			_applied=$((_applied + applied))
			# Progress, for a soak that is stopped early.
			[ $((_kills % 10)) -ne 0 ] ||
				echo "# $_step: $_kills kills landed so far, in $_round rounds"
		fi
		# The rerun is timed: the next kill falls within its span, so
		# the kills follow the machine as it gets busier or quieter.
		_t0=$(date +%s%N)
		if "$@" >"$T/rerun.out" 2>&1; then
			_ms=$((($(date +%s%N) - _t0) / 1000000))
			[ "$_ms" -ge 10 ] || _ms=10
			"after_rerun_$_step" >>"$T/bad" 2>&1
		else
			echo "the rerun failed:" >>"$T/bad"
			cat "$T/rerun.out" >>"$T/bad"
		fi
		if [ -s "$T/bad" ]; then
			_bad=$((_bad + 1))
			echo "# $_step round $_round:"
			head -n 8 "$T/bad" | sed 's/^/#   /'
		fi
	done
	echo "# $_step: $_kills kills landed in $_round rounds ($_applied after the step took effect, $_bad bad), $(($(date +%s) - _s0)) s"
	check "$_step: $ROUNDS kills landed ($_kills in $_round rounds)" test "$_kills" -ge "$ROUNDS"
	check_eq "$_step: every round left a sound repository and reran" 0 "$_bad"
}
