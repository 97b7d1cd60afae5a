#!/bin/bash
# What must not stop the daemon: a span DAHDI does not have, channels another process holds,
# needs: strowger
# no /dev/dahdi at all, a broken file on reload, a reload that needs a restart.
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
t_need strowger

conf=$T_LOGDIR/faults.conf
cat >"$conf" <<-EOC
	[span 2]
	type = e1
	signalling = pri_cpe
	[span 9]
	type = e1
	signalling = pri_cpe
EOC
gw_start "$conf"
t_wait_log gw "span 9: DAHDI has no such span" 5 || t_fail "missing span 9 not reported"
gw_wait_up 2 31 || t_fail "span 2 not up beside a missing span"

# A second gateway on the same span: every channel is busy; it says so and keeps running.
cat >"$T_LOGDIR/second.conf" <<-EOC
	[general]
	sip_port = 5062
	[span 2]
	type = e1
	signalling = pri_cpe
EOC
t_start gw2 "$(t_bin strowger)" -c "$T_LOGDIR/second.conf"
second=$T_PID
t_wait_log gw2 "span 2 ch 1-15,17-31 \(dahdi 32\.\.\.\): cannot open channel: Device or resource busy" 5 ||
	t_fail "busy channel not reported with span, channel and reason"
t_wait_log gw2 "span 2 ch 16 \(dahdi 47\): cannot open D-channel" 5 || t_fail "busy D-channel not reported"
kill -0 "$second" || t_fail "second daemon died on busy channels"
t_stop "$second"

# No DAHDI device directory.
cat >"$T_LOGDIR/nodev.conf" <<-EOC
	[general]
	sip_port = 5064
	dahdi_dir = /nonexistent/dahdi
	[span 2]
	type = e1
	signalling = pri_cpe
EOC
t_start gw3 "$(t_bin strowger)" -c "$T_LOGDIR/nodev.conf"
nodev=$T_PID
t_wait_log gw3 "span 2: /nonexistent/dahdi/ctl does not exist" 5 || t_fail "missing /dev/dahdi not reported"
sleep 1
kill -0 "$nodev" || t_fail "daemon died without /dev/dahdi"
t_stop "$nodev"

# Our SIP port already taken (by the first daemon): a clear reason, exit status 1.
cat >"$T_LOGDIR/portbusy.conf" <<-EOC
	[span 4]
	type = t1
	signalling = pri_cpe
EOC
t_start gw4 "$(t_bin strowger)" -c "$T_LOGDIR/portbusy.conf"
t_wait_exit "$T_PID" 10
[ "$T_RC" = 1 ] || t_fail "daemon with a busy SIP port exited with $T_RC, not 1"
grep -q "cannot start SIP on 127.0.0.1:5060 (port in use" "$T_LOGDIR/gw4.log" ||
	t_fail "busy SIP port not explained"

# Reload with a broken file: errors named, old configuration kept, channels still open.
fds=$(gw_fds)
cp "$conf" "$conf.good"
printf '[span 2]\ntype = e1\nsignalling = pri_cpe\ndchanel = 16\n' >"$conf"
kill -HUP "$GW_PID"
t_wait_log gw "faults.conf:4: unknown key 'dchanel' in \[span 2\]" 5 || t_fail "reload error not named"
t_wait_log gw "reload failed \(1 error\): still running the previous configuration" 5 ||
	t_fail "failed reload not reported"
[ "$(gw_fds)" = "$fds" ] || t_fail "fds changed after a failed reload"

# Reload that changes a span: needs a restart, said so; logging change applied at once.
printf '[general]\nlog_level = debug\n[span 2]\ntype = e1\nsignalling = pri_net\n' >"$conf"
kill -HUP "$GW_PID"
t_wait_log gw "reload: span 2: signalling changed; restart needed" 5 ||
	t_fail "restart-only change not reported"
t_wait_log gw "reload done" 5 || t_fail "reload not finished"
kill -0 "$GW_PID" || t_fail "daemon died on reload"

gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
