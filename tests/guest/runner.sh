# Guest test runner: run test scripts one after another, each under its own timeout, and
# collect one result line per test. Sourced by suite.sh and demo.sh inside the guest.
#
#   run_tests tests/guest/t-*.sh
#
# For each test: an empty log dir on the guest's tmpfs; "timeout" around the test (its whole
# process group is killed when time is up, and afterwards whatever it left running); the
# result line from the test's result file or its output (none, several, a PASS with a
# non-zero exit, or a timeout all make a FAIL); logs copied to $STROWGER_RESULTS/logs/<name>;
# the spans reset to the layout before the next test.
#
# Per-test timeout: a "# timeout: N" line in the test, else $STROWGER_TEST_TIMEOUT (300 s),
# and never past $STROWGER_GUEST_DEADLINE (guest uptime [s] by which the suite must end, so
# the host sees results rather than a killed VM). $STROWGER_GUEST_TESTS (space-separated
# names or globs, e.g. "dahdi-loop pri-*") selects tests.

. "$STROWGER_ROOT/tests/guest/spans.sh"

RESULTS_FILE=$STROWGER_RESULTS/results.txt
LOCAL_LOGS=/tmp/strowger-logs

_uptime() {
	cut -d' ' -f1 /proc/uptime
}

_selected() {
	local name=$1 pat
	[ -z "${STROWGER_GUEST_TESTS:-}" ] && return 0
	for pat in $STROWGER_GUEST_TESTS; do
		# shellcheck disable=SC2254
		case $name in $pat | t-$pat | t-$pat.sh) return 0 ;; esac
	done
	return 1
}

_record() {
	echo "$1" >>"$RESULTS_FILE"
	echo "$1"
}

# Kill every process still alive that is not ours: PID 1, the runner's shells and the PIDs in
# $RUNNER_KEEP_PIDS (a peer a suite starts once for all its tests) stay. In the guest
# everything else was started by the test that just ended. $1 = log, $2 = test name.
_kill_strays() {
	local d pid comm stat rest st ppid
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		case " 1 2 $$ ${BASHPID:-$$} $_RUNNER_PPID ${RUNNER_KEEP_PIDS:-} " in *" $pid "*) continue ;; esac
		read -r stat <"$d/stat" 2>/dev/null || continue
		rest=${stat##*) }
		read -r st ppid _ <<<"$rest"
		# kernel threads are children of kthreadd (PID 2)
		[ "$ppid" = 2 ] && continue
		read -r comm <"$d/comm" 2>/dev/null
		echo "runner: killing stray process $pid ($comm, state $st) left by $2" >>"$1"
		kill -KILL "$pid" 2>/dev/null
	done
}

# Run one test script; append its result line to $RESULTS_FILE. Return 0 if it passed.
run_one() {
	local t=$1 name logdir to rc line nlines left
	name=$(basename "$t" .sh)
	name=${name#t-}
	logdir=$LOCAL_LOGS/$name
	rm -rf "$logdir"
	mkdir -p "$logdir"

	to=$(sed -n 's/^# *timeout: *\([0-9][0-9]*\).*/\1/p' "$t" | head -1)
	to=${to:-${STROWGER_TEST_TIMEOUT:-300}}
	if [ -n "${STROWGER_GUEST_DEADLINE:-}" ]; then
		left=$(awk -v d="$STROWGER_GUEST_DEADLINE" -v u="$(_uptime)" 'BEGIN { printf "%d", d - u }')
		if [ "$left" -lt 10 ]; then
			_record "FAIL $name: not run, the guest time budget is spent (STROWGER_GUEST_TIMEOUT)"
			return 1
		fi
		[ "$left" -lt "$to" ] && to=$left
	fi

	echo "=== $name (max ${to}s) at guest uptime $(_uptime)s"
	STROWGER_ROOT=$STROWGER_ROOT STROWGER_BUILD=$STROWGER_BUILD STROWGER_RESULTS=$STROWGER_RESULTS \
		T_NAME=$name T_LOGDIR=$logdir T_RESULT_FILE=$logdir/result \
		timeout -k 5 "$to" bash "$t" >"$logdir/test.log" 2>&1 </dev/null &
	local pid=$!
	wait $pid
	rc=$?
	# timeout ran the test in its own process group: end whatever of it is left.
	kill -KILL -- -$pid 2>/dev/null
	_kill_strays "$logdir/test.log" "$name"

	if [ $rc = 124 ] || [ $rc = 137 ]; then
		line="FAIL $name: timed out after ${to}s"
	elif [ -s "$logdir/result" ]; then
		line=$(head -1 "$logdir/result")
	else
		nlines=$(grep -cE '^(PASS|FAIL) ' "$logdir/test.log")
		case $nlines in
		0) line="FAIL $name: no result line (exit status $rc)" ;;
		1) line=$(grep -E '^(PASS|FAIL) ' "$logdir/test.log") ;;
		*) line="FAIL $name: $nlines result lines (exit status $rc)" ;;
		esac
	fi
	case $line in
	"PASS "*) [ $rc = 0 ] || line="FAIL $name: printed PASS but exited with status $rc" ;;
	"FAIL "*) ;;
	*) line="FAIL $name: malformed result line: $line" ;;
	esac
	_record "$line"
	case $line in
	FAIL*) tail -n 15 "$logdir/test.log" | sed 's/^/  | /' ;;
	esac

	mkdir -p "$STROWGER_RESULTS/logs"
	rm -rf "$STROWGER_RESULTS/logs/$name"
	cp -r "$logdir" "$STROWGER_RESULTS/logs/$name" 2>/dev/null
	case $line in PASS*) return 0 ;; esac
	return 1
}

# Run each test script given (paths), resetting the spans between tests.
run_tests() {
	local t n=0 reset_log
	_RUNNER_PPID=$PPID
	: >>"$RESULTS_FILE"
	for t in "$@"; do
		_selected "$(basename "$t" .sh)" || continue
		n=$((n + 1))
		if [ -n "${_RUNNER_SPANS_BROKEN:-}" ]; then
			_record "FAIL $(basename "$t" .sh | sed 's/^t-//'): not run, the spans could not be restored"
			continue
		fi
		run_one "$t"
		reset_log=$(spans_reset 2>&1) || {
			echo "$reset_log"
			_RUNNER_SPANS_BROKEN=1
		}
		[ -n "$reset_log" ] && echo "$reset_log"
	done
	[ $n -gt 0 ] || echo "runner: no test selected (STROWGER_GUEST_TESTS='${STROWGER_GUEST_TESTS:-}')"
	return 0
}
