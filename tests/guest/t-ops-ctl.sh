#!/bin/bash
# The control socket on real DAHDI: strowgerctl shows the E1 and T1 PRI spans up (and the
# E1's D-channel once the PBX runs), a call the PBX places shows in "show calls" and in its
# trunk's count, "hangup all 31" clears it (the PBX sees the release with cause 31, the SIP
# side a BYE), and "show status" is back at the baseline. Exit statuses: 1 for an error
# reply, 2 when the socket is not there.
# needs: strowger strowgerctl tests/pstnsim/pstnsim
# timeout: 120
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger strowgerctl tests/pstnsim/pstnsim

CTL_SOCK=$T_LOGDIR/run/control	# run/ does not exist: the daemon makes it
sed "s|^\[general\]\$|[general]\ncontrol_socket = $CTL_SOCK\ncontrol_mode = 0600|" \
	"$STROWGER_ROOT/tests/guest/gateway.conf" >"$T_LOGDIR/gw.conf"

# ctl ARGS...: run strowgerctl, its output in CTL_OUT (and the test log), status in CTL_RC.
ctl() {
	CTL_OUT=$("$(t_bin strowgerctl)" -s "$CTL_SOCK" "$@" 2>&1)
	CTL_RC=$?
	t_log "strowgerctl $* -> $CTL_RC"$'\n'"$CTL_OUT"
}

gw_start "$T_LOGDIR/gw.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_wait_up 4 24 || t_fail "span 4 not up"
[ "$(stat -c %a "$CTL_SOCK" 2>/dev/null)" = 600 ] || t_fail "control socket missing or not mode 0600"

ctl show spans
[ "$CTL_RC" = 0 ] || t_fail "show spans failed ($CTL_RC)"
grep -qE '^2 +E1 +pri_cpe +up ' <<<"$CTL_OUT" || t_fail "span 2 (E1 PRI) not shown up"
grep -qE '^4 +T1 +pri_cpe +up ' <<<"$CTL_OUT" || t_fail "span 4 (T1 PRI) not shown up"
grep -qE '^5 +T1 +fxs +[a-z]+ +- ' <<<"$CTL_OUT" || t_fail "span 5 (FXS) not shown"

# PRI -> SIP: the PBX calls, SIPp answers and stays until the BYE; the PBX waits for the
# release that the hangup below causes.
sip_uas gw_uas_answer.xml 6000
uas=$T_PID
t_start pbx-out "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930123 from 5551000;
	expect alerting 10s; expect answer 10s; expect hangup 31 30s'
pbx=$T_PID
gw_wait_dchan 2 || t_fail "span 2's D-channel not up"
ctl show spans
grep -qE '^2 +E1 +pri_cpe +up +up +[0-9]+/30 +-$' <<<"$CTL_OUT" || t_fail "span 2's D-channel not shown up"
gw_baseline

_t_ms
deadline=$((_T_MS + 20000))
while :; do
	ctl show calls
	grep -qE '^1 +tdm->sip +active +span 2 ch [0-9]+ +peer +4930123 +5551000 +0:00:[0-9]{2} +0:00:[0-9]{2} +PCM[AU] +voice$' \
		<<<"$CTL_OUT" && break
	_t_ms
	[ "$_T_MS" -lt $deadline ] || { t_tail pbx-out; t_tail gw 30; t_fail "the call never showed active in show calls"; }
	sleep 0.5
done
grep -q '^1 call$' <<<"$CTL_OUT" || t_fail "show calls does not count 1 call"
ctl show trunks
grep -qE '^peer +sip:127.0.0.1:5070 +udp +off +- +1$' <<<"$CTL_OUT" || t_fail "trunk peer does not show its call"
ctl show status
grep -qx 'calls=1' <<<"$CTL_OUT" && grep -qx 'bchan_in_use=1' <<<"$CTL_OUT" ||
	t_fail "show status does not count the call"

ctl hangup all 31
[ "$CTL_RC" = 0 ] && [ "$CTL_OUT" = "cleared 1 call with cause 31" ] || t_fail "hangup all: $CTL_OUT"
t_wait_exit "$pbx" 15 || { t_tail pbx-out; t_tail gw 30; t_fail "the PBX did not see the release with cause 31 (status $T_RC)"; }
t_wait_exit "$uas" 15 || { t_tail sipp-uas; t_fail "SIPp UAS did not get its BYE (status $T_RC)"; }
t_wait_log gw "CALL id=1 dir=tdm-sip span 2 ch [0-9]+ trunk=peer called=4930123 .*cause=31" 5 ||
	t_fail "gateway's summary of the call does not carry cause 31"

gw_check_baseline
ctl show status
for kv in calls=0 bchan_in_use=0 media_channels=0 calls_created=1; do
	grep -qx "$kv" <<<"$CTL_OUT" || t_fail "show status after the call: no $kv"
done
ctl show calls
grep -q '^0 calls$' <<<"$CTL_OUT" || t_fail "show calls still lists a call"

ctl hangup 1
[ "$CTL_RC" = 1 ] && [ "$CTL_OUT" = "error: no call 1" ] || t_fail "hangup of a gone call: $CTL_RC $CTL_OUT"
ctl frobnicate
[ "$CTL_RC" = 1 ] && [ "$CTL_OUT" = "error: unknown command 'frobnicate' (try help)" ] || t_fail "unknown command: $CTL_RC"
"$(t_bin strowgerctl)" -s "$T_LOGDIR/nonexistent" show calls 2>"$T_LOGDIR/ctl-err.txt"
rc=$?
[ "$rc" = 2 ] && grep -q "cannot connect to $T_LOGDIR/nonexistent" "$T_LOGDIR/ctl-err.txt" ||
	t_fail "no socket: status $rc, $(cat "$T_LOGDIR/ctl-err.txt")"

gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
[ -e "$CTL_SOCK" ] && t_fail "control socket left behind"
t_pass
