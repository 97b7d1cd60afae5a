# Helpers for tests that run the gateway daemon (source after lib.sh).
#   gw_start CONF          start the daemon with CONF, log in $T_LOGDIR/gw.log, GW_PID
#   gw_wait_up SPAN N      wait until the daemon reports SPAN up with N channels open
#   gw_wait_count PAT N    wait until PAT was logged N times
#   gw_fds / gw_chan_fds   the daemon's open fds / of which DAHDI channels
#   gw_status              ask the daemon for its resource status (SIGUSR1): GW_STATUS_LINE
#   gw_stat KEY            one value of the last status: gw_stat calls
#   gw_wait_dchan SPAN     wait until the daemon's own side of SPAN's D-channel is up
#   gw_baseline            note calls, media channels, B-channels in use and fds now
#   gw_check_baseline      FAIL unless they are back to the noted values (bounded wait)
#   gw_check_sanitizer     FAIL if the daemon's log holds a sanitizer report
#   gw_stop_clean          SIGTERM; 0 if it exited with status 0 within 5 s
#
# The daemon is $STROWGER_GW_BIN when set (make guest: the ASan+UBSan build in build/san-gw,
# tests/guest/run.sh --gw), else the build dir's strowger. A sanitized daemon aborts on the
# first finding and reports leaks at exit; every test that passes has checked its log.

# The sanitizers' settings: stop at the first error (exit status != 0, report in gw.log);
# leaks that are libpri's own are suppressed narrowly in lsan.supp.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$STROWGER_ROOT/tests/guest/lsan.supp:print_suppressions=0}
GW_SAN_LOGS=()

gw_start() {
	GW_STATUS=$T_LOGDIR/gw.status
	rm -f "$GW_STATUS"
	# A second daemon in one test: keep the first one's log for the sanitizer check.
	[ -f "$T_LOGDIR/gw.log" ] && mv "$T_LOGDIR/gw.log" "$T_LOGDIR/gw.$EPOCHSECONDS.$$.log" &&
		GW_SAN_LOGS+=("$T_LOGDIR/gw.$EPOCHSECONDS.$$.log")
	t_start gw "${STROWGER_GW_BIN:-$(t_bin strowger)}" -c "$1" --status "$GW_STATUS"
	GW_PID=$T_PID
}

gw_wait_up() {
	t_wait_log gw "span $1: up, $2 of $2 channels open" "${3:-10}"
}

# Wait until PATTERN has been logged at least N times, at most SECS.
gw_wait_count() {
	local deadline=$(($(date +%s) + ${3:-10}))
	while [ "$(grep -cE -- "$1" "$T_LOGDIR/gw.log" 2>/dev/null)" -lt "$2" ]; do
		[ "$(date +%s)" -lt $deadline ] || return 1
		sleep 0.1
	done
}

# Not counting /dev/dahdi/ctl: the daemon opens it for a moment on every status poll.
gw_fds() {
	local n=0 f
	for f in /proc/"$GW_PID"/fd/*; do
		[ "$(readlink "$f")" = /dev/dahdi/ctl ] || n=$((n + 1))
	done
	echo $n
}

gw_chan_fds() {
	local n=0 f
	for f in /proc/"$GW_PID"/fd/*; do
		[ "$(readlink "$f")" = /dev/dahdi/channel ] && n=$((n + 1))
	done
	echo $n
}

# SIGUSR1: the daemon writes one line (gateway/status.h) to $GW_STATUS. Sets GW_STATUS_LINE;
# returns 1 if no line came within 5 s. No fork on the way (they are slow in the guest).
gw_status() {
	local deadline old= line=
	# A new line has a new seq (the daemon renames a complete file over the old one).
	[ -s "$GW_STATUS" ] && read -r old <"$GW_STATUS"
	kill -USR1 "$GW_PID" 2>/dev/null || { t_log "gw_status: daemon $GW_PID not running"; return 1; }
	_t_ms
	deadline=$((_T_MS + 5000))
	while :; do
		[ -s "$GW_STATUS" ] && read -r line <"$GW_STATUS"
		[ -n "$line" ] && [ "${line%% *}" != "${old%% *}" ] && break
		_t_ms
		[ "$_T_MS" -lt $deadline ] || { t_log "gw_status: no status from the daemon in 5 s"; return 1; }
		sleep 0.05
	done
	GW_STATUS_LINE=$line
}

# Print one value of the last gw_status line: gw_stat media_channels
gw_stat() {
	_gw_get "$GW_STATUS_LINE" "$1" && echo "$GW_V"
}

# GW_V = the value of KEY in a status LINE, without a fork.
_gw_get() {	# LINE KEY
	local kv
	GW_V=
	for kv in $1; do
		[ "${kv%%=*}" = "$2" ] && { GW_V=${kv#*=}; return 0; }
	done
	return 1
}

# Wait (SECS, default 20) until the daemon's own side of SPAN's D-channel is up, as its
# status says (not its log: an "up" logged before a restart of the far end is stale). After
# the PBX simulator (re)starts, its side is up first and ours up to ~1.8 s later (Q.921
# §5.5.4.1: both ends send SABME); a SETUP sent in between is refused with cause 38.
gw_wait_dchan() {
	local span=$1 deadline up
	_t_ms
	deadline=$((_T_MS + ${2:-20} * 1000))
	while :; do
		gw_status || return 1
		_gw_get "$GW_STATUS_LINE" dchan_up
		case ",$GW_V," in *",$span,"*) t_log "span $span: gateway's D-channel up"; return 0 ;; esac
		_t_ms
		[ "$_T_MS" -lt $deadline ] || { t_log "span $span: gateway's D-channel not up (status: $GW_STATUS_LINE)"; return 1; }
		sleep 0.2
	done
}

# Before a SIP -> PRI call to a PBX simulator started with "wait-up" (log NAME): both ends of
# SPAN's D-channel up. FAILs the test otherwise.
pbx_wait_ready() {	# NAME [SPAN]
	t_wait_log "$1" 'D-channel up and stable' 40 || { t_tail "$1"; t_fail "$1: D-channel not up"; }
	gw_wait_dchan "${2:-$SPAN_E1_GW}" 20 || { t_tail gw 20; t_fail "$1: the gateway's side of span ${2:-$SPAN_E1_GW} not up"; }
}

# The resources a finished call must give back, as the daemon counts them.
GW_BASE_KEYS="calls media_channels bchan_in_use fds sockets dahdi_fds"

gw_baseline() {
	gw_status || t_fail "no status from the daemon for the baseline"
	GW_BASE_LINE=$GW_STATUS_LINE
	t_log "baseline: $GW_BASE_LINE"
}

# FAIL unless every count of GW_BASE_KEYS is back to its baseline within SECS (default 15):
# calls clear and the media thread removes channels asynchronously after the far ends are
# done.
gw_check_baseline() {
	local deadline k want diff
	[ -n "${GW_BASE_LINE:-}" ] || t_fail "gw_check_baseline without gw_baseline"
	_t_ms
	deadline=$((_T_MS + ${1:-15} * 1000))
	while :; do
		gw_status || t_fail "no status from the daemon for the baseline check"
		diff=
		for k in $GW_BASE_KEYS; do
			_gw_get "$GW_BASE_LINE" "$k"
			want=$GW_V
			_gw_get "$GW_STATUS_LINE" "$k"
			[ "$want" = "$GW_V" ] || diff="$diff $k $want -> $GW_V,"
		done
		[ -z "$diff" ] && { t_log "back to baseline: $GW_STATUS_LINE"; return 0; }
		_t_ms
		[ "$_T_MS" -lt $deadline ] || break
		sleep 0.5
	done
	ls -l /proc/"$GW_PID"/fd >&2
	t_fail "resources not back to baseline after ${1:-15}s:${diff%,}"
}

# The reports of ASan, LSan and UBSan (sanitizer_common's "ERROR: ...Sanitizer" header, UBSan's
# "runtime error:" line) in every daemon log of this test.
GW_SAN_PATTERN='ERROR: (Address|Leak|Thread|Memory)Sanitizer|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer|: runtime error: '
gw_check_sanitizer() {
	local f
	for f in "${GW_SAN_LOGS[@]}" "$T_LOGDIR/gw.log"; do
		[ -f "$f" ] || continue
		if grep -qE "$GW_SAN_PATTERN" "$f"; then
			grep -E -A12 "$GW_SAN_PATTERN" "$f" | head -40 >&2
			t_fail "sanitizer report in the daemon's log ${f##*/}: $(grep -m1 -oE "$GW_SAN_PATTERN.*" "$f" | cut -c1-120)"
		fi
	done
}
T_PASS_CHECKS+=(gw_check_sanitizer)

# A sanitized daemon takes longer: LeakSanitizer scans the heap at exit (seconds under TCG).
gw_stop_clean() {
	kill -TERM "$GW_PID" 2>/dev/null || return 1
	t_wait_exit "$GW_PID" "$([ -n "${STROWGER_GW_BIN:-}" ] && echo 20 || echo 5)"
	gw_check_sanitizer
	[ "$T_RC" = 0 ] && grep -q "stopped$" "$T_LOGDIR/gw.log"
}
