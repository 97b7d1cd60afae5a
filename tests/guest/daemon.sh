# Helpers for tests that run the gateway daemon (source after lib.sh).
#   gw_start CONF          start build/strowger -c CONF, log in $T_LOGDIR/gw.log, GW_PID
#   gw_wait_up SPAN N      wait until the daemon reports SPAN up with N channels open
#   gw_wait_count PAT N    wait until PAT was logged N times
#   gw_fds / gw_chan_fds   the daemon's open fds / of which DAHDI channels
#   gw_stop_clean          SIGTERM; 0 if it exited with status 0 within 5 s

gw_start() {
	t_start gw "$(t_bin strowger)" -c "$1"
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

gw_stop_clean() {
	kill -TERM "$GW_PID" 2>/dev/null || return 1
	t_wait_exit "$GW_PID" 5
	[ "$T_RC" = 0 ] && grep -q "stopped$" "$T_LOGDIR/gw.log"
}
