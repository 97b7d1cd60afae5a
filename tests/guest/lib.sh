# Guest test library: source it at the top of every tests/guest/t-<feature>.sh (bash).
#
#   . "$STROWGER_ROOT/tests/guest/lib.sh"
#   t_need tests/guest/bchan_check            # programs from the build dir
#   t_start sim "$(t_bin tests/pstnsim/pstnsim)" --span 1
#   t_wait_log sim 'D-channel up' 10 || t_fail "simulator D-channel never came up"
#   ...
#   t_pass
#
# A test prints exactly one result line, "PASS <name>" or "FAIL <name>: reason", through
# t_pass / t_fail (which also stop every process the test started and exit). A test that
# exits without calling either gets a FAIL line from the EXIT trap. Call t_fail and t_pass
# from the test's own shell, not from a $(...) or a pipeline (they would only end a subshell).
#
# Environment (set by the guest runner; defaults let a test run by hand in the guest):
#   STROWGER_ROOT     the repository (same path as on the host; read-only + tmpfs overlay)
#   STROWGER_BUILD    the build directory (absolute)
#   STROWGER_RESULTS  the writable results share (the runner copies T_LOGDIR there)
#   T_NAME            the test's name: t-foo.sh -> foo
#   T_LOGDIR          where this test's logs go (guest tmpfs)
# The span layout variables (E1_GW_D, CAS_PHONE...) come from spans.sh; see README.md.

set -u
: "${STROWGER_ROOT:?lib.sh: STROWGER_ROOT is not set (run tests through the guest runner)}"
: "${STROWGER_BUILD:=$STROWGER_ROOT/build}"
: "${STROWGER_RESULTS:=/tmp}"
T_NAME=${T_NAME:-$(basename "$0" .sh)}
T_NAME=${T_NAME#t-}
: "${T_LOGDIR:=/tmp/strowger-logs/$T_NAME}"
: "${T_RESULT_FILE:=$T_LOGDIR/result}"
export STROWGER_ROOT STROWGER_BUILD STROWGER_RESULTS T_NAME T_LOGDIR
mkdir -p "$T_LOGDIR"

. "$STROWGER_ROOT/tests/guest/spans.sh"

T_PIDS=()
T_PASS_CHECKS=()	# functions t_pass runs first; each may t_fail (daemon.sh: sanitizer reports)
T_PID=
T_RC=0
_T_DONE=0

# Milliseconds of the real-time clock into _T_MS, without a fork (a fork costs ~0.1 s in
# the TCG guest). EPOCHREALTIME is "seconds.microseconds" (bash 5).
_t_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	_T_MS=$((10#$t / 1000))
}
_t_ms
_T_START=$_T_MS

# Print the seconds since the test started, e.g. "12.345".
t_elapsed() {
	_t_ms
	printf '%d.%03d\n' $(((_T_MS - _T_START) / 1000)) $(((_T_MS - _T_START) % 1000))
}

# Log a line to the test's own log (stderr, which the runner keeps in test.log).
t_log() {
	_t_ms
	printf '[%d.%03d] %s\n' $(((_T_MS - _T_START) / 1000)) $(((_T_MS - _T_START) % 1000)) "$*" >&2
}

# Print the absolute path of a program in the build directory: t_bin tests/guest/bchan_check
t_bin() {
	echo "$STROWGER_BUILD/$1"
}

# FAIL unless every named program exists in the build directory and is executable.
t_need() {
	local p
	for p in "$@"; do
		[ -x "$STROWGER_BUILD/$p" ] || t_fail "$STROWGER_BUILD/$p is missing (build it on the host first)"
	done
}

# Resolve a log argument: a NAME given to t_start, or a path (anything with a '/').
_t_logfile() {
	case $1 in
	*/*) echo "$1" ;;
	*) echo "$T_LOGDIR/$1.log" ;;
	esac
}

# Start a command in the background, its stdout+stderr in $T_LOGDIR/NAME.log.
# Sets T_PID; the process is stopped by t_cleanup (and so by t_pass/t_fail).
t_start() {
	local name=$1
	shift
	"$@" >"$T_LOGDIR/$name.log" 2>&1 &
	T_PID=$!
	T_PIDS+=("$T_PID")
	t_log "started $name (pid $T_PID): $*"
}

# Run a command in the foreground with a timeout [s], output in $T_LOGDIR/NAME.log.
# Returns (and sets T_RC to) the command's status; 124 means it timed out.
t_run() {
	local name=$1 secs=$2
	shift 2
	t_log "run $name (max ${secs}s): $*"
	timeout -k 2 "$secs" "$@" >"$T_LOGDIR/$name.log" 2>&1
	T_RC=$?
	t_log "$name exited with status $T_RC"
	return $T_RC
}

# Wait until a line of LOG matches the extended regex PATTERN; give up after SECS (default 10).
# Returns 0 when seen, 1 on timeout.
t_wait_log() {
	local f deadline
	case $1 in */*) f=$1 ;; *) f=$T_LOGDIR/$1.log ;; esac
	_t_ms
	deadline=$((_T_MS + ${3:-10} * 1000))
	while [ "$_T_MS" -lt $deadline ]; do
		grep -qE -- "$2" "$f" 2>/dev/null && return 0
		sleep 0.1
		_t_ms
	done
	t_log "timed out after ${3:-10}s waiting for /$2/ in $f"
	return 1
}

# Wait for a process started with t_start to exit, at most SECS (default 10).
# Returns (and sets T_RC to) its exit status; 124 if it is still running.
t_wait_exit() {
	local pid=$1 deadline
	_t_ms
	deadline=$((_T_MS + ${2:-10} * 1000))
	while kill -0 "$pid" 2>/dev/null; do
		_t_ms
		if [ "$_T_MS" -ge $deadline ]; then
			T_RC=124
			return 124
		fi
		sleep 0.1
	done
	wait "$pid"
	T_RC=$?
	return $T_RC
}

# Stop processes by PID: SIGTERM, then SIGKILL after 3 s. Only PIDs this test started.
t_stop() {
	local pid
	for pid in "$@"; do
		kill -TERM "$pid" 2>/dev/null || continue
		for _ in $(seq 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null && t_log "pid $pid ignored SIGTERM, killed"
		wait "$pid" 2>/dev/null
	done
}

# Stop every process started with t_start that still runs.
t_cleanup() {
	local pid
	for pid in "${T_PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null && t_stop "$pid"
	done
	T_PIDS=()
}

# Copy the last N lines (default 20) of a log into the test log, for the reader of a FAIL.
t_tail() {
	local f
	f=$(_t_logfile "$1")
	echo "--- last ${2:-20} lines of $f" >&2
	tail -n "${2:-20}" "$f" >&2 2>/dev/null
}

_t_result() {
	[ $_T_DONE = 1 ] && return
	_T_DONE=1
	t_cleanup
	echo "$1"
	echo "$1" >"$T_RESULT_FILE"
}

# Run the checks helpers registered in T_PASS_CHECKS, then report success and exit 0.
t_pass() {
	local check
	for check in "${T_PASS_CHECKS[@]}"; do
		"$check"
	done
	_t_result "PASS $T_NAME"
	exit 0
}

# Report failure with a one-line reason and exit 1.
t_fail() {
	local why
	why=$(echo "$*" | tr '\n' ' ' | sed 's/ *$//')
	t_log "FAIL: $why"
	_t_result "FAIL $T_NAME: ${why:-failed}"
	exit 1
}

# Run a command; FAIL with DESCRIPTION if it returns non-zero. t_check "D-channel up" cmd...
t_check() {
	local what=$1
	shift
	"$@" || t_fail "$what (status $?)"
}

# A config directory for baresip (Debian's baresip-core, headless), $T_LOGDIR/baresip-NAME,
# printed: SIP on 127.0.0.1:5070 (it takes 5071 for TLS too), RTP on 30000-30200 (away from
# the gateway's 10000-20000), ausine's 1000 Hz (48 kHz stereo, resampled to G.711) as its
# microphone, nothing played, the menu module for /dial. One account: USER (baresip answers
# only INVITEs to its account's user), auto-answer, PCMA/PCMU, plus ACCOUNT_PARAMS
# (";mediaenc=srtp-mand"). Further arguments are more config lines ("module sndfile.so").
baresip_conf() {	# NAME USER [ACCOUNT_PARAMS] [CONFIG_LINE...]
	local dir=$T_LOGDIR/baresip-$1 user=$2 params=${3:-} line
	shift 2
	[ $# -gt 0 ] && shift
	mkdir -p "$dir"
	cat >"$dir/config" <<-EOB
		poll_method epoll
		sip_listen 127.0.0.1:5070
		rtp_ports 30000-30200
		audio_source ausine,1000
		audio_player aubridge,nil
		audio_alert aubridge,nil
		ausrc_srate 48000
		ausrc_channels 2
		auplay_srate 48000
		auplay_channels 1
		module_path /usr/lib/baresip/modules
		module g711.so
		module ausine.so
		module aubridge.so
		module srtp.so
		module account.so
		module_app menu.so
	EOB
	for line in "$@"; do
		echo "$line" >>"$dir/config"
	done
	echo "<sip:$user@127.0.0.1:5070>;regint=0$params;answermode=auto;audio_codecs=PCMA,PCMU" \
		>"$dir/accounts"
	echo "$dir"
}

_t_on_exit() {
	local rc=$1
	[ $_T_DONE = 1 ] && return
	_t_result "FAIL $T_NAME: exited without a result line (status $rc)"
}
trap '_t_on_exit $?' EXIT
trap 't_fail "stopped by SIGTERM (timeout?)"' TERM
trap 't_fail "interrupted"' INT
