#!/bin/bash
# The daemon opens every channel of the gateway-side spans, reports them up, keeps the same
# needs: strowger
# fds across reloads (SIGHUP), and stops cleanly on SIGTERM.
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
t_need strowger

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 && gw_wait_up 4 24 && gw_wait_up 5 24 || t_fail "spans not reported up"
[ "$(gw_chan_fds)" = 79 ] || t_fail "expected 79 channel fds (31+24+24), found $(gw_chan_fds)"
fds=$(gw_fds)

for i in 1 2 3; do
	kill -HUP "$GW_PID"
	gw_wait_count "reload done" "$i" 5 || t_fail "reload $i not acknowledged"
done
[ "$(gw_fds)" = "$fds" ] || t_fail "fd count changed across reloads: $fds -> $(gw_fds)"

gw_stop_clean || t_fail "daemon did not stop cleanly on SIGTERM (status $T_RC)"
t_pass
