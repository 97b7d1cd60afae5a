#!/bin/bash
# A daemon killed with SIGKILL in the middle of a call leaves the PBX holding the call's
# channel: the D-channel dropped, and a Q.931 call outlives its link. The restarted daemon
# restarts every B-channel of the span when the link comes back (Q.931 §5.5) and takes
# calls only once the PBX has acknowledged them: the PBX drops the stale call (cause 41;
# or 101 when libpri's status enquiry after the link re-establishment got there first), and
# the next call gets that same channel instead of being refused as busy.
# needs: strowger tests/pstnsim/pstnsim
# timeout: 180
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"

# The PBX calls the SIP peer on channel 1; SIPp answers and holds the call.
sip_uas gw_uas_answer.xml 6000 -d 300 -timeout 120s
uas=$T_PID
t_start pbx "${PBX_E1[@]}" -e "$PBX_READY; call 4930123 from 5551000 chan 1; expect answer 10s;
	expect hangup 90s; expect ring to 4930999 from 5551000 40s; answer; expect hangup 16 30s"
pbx=$T_PID
t_wait_log gw "span 2: Q.921 link up: RESTART of 30 B-channels \(Q.931 §5.5\)" 40 ||
	{ t_tail gw 20; t_fail "no RESTART of the B-channels at link-up"; }
t_wait_log gw "call 1 \(span 2 ch 1, peer\): 200 OK -> CONNECT" 30 ||
	{ t_tail pbx; t_tail gw 20; t_fail "the first call was not answered"; }

# SIGKILL: no DISCONNECT, no BYE. The PBX still has its call on channel 1.
kill -KILL "$GW_PID"
t_wait_exit "$GW_PID" 10
[ "$T_RC" = 137 ] || t_fail "the daemon did not die of SIGKILL (status $T_RC)"
t_stop "$uas"
t_wait_log pbx "evt   D-channel down" 20 || t_fail "the PBX did not see its D-channel drop"
grep -q "c1: active -> " "$T_LOGDIR/pbx.log" && t_fail "the PBX's call ended with the link"

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
t_wait_log gw "span 2: Q.921 link up: RESTART of 30 B-channels" 40 ||
	{ t_tail gw 20; t_fail "the restarted daemon did not restart the B-channels"; }
t_wait_log gw "span 2: D-channel up" 20 || t_fail "span 2 not reported up after the RESTARTs"
t_wait_log pbx "c1: active -> released \\(cause (41|101)," 5 ||
	{ t_tail pbx; t_fail "the PBX kept the stale call on channel 1"; }
[ "$(grep -c 'evt   RESTART channel 1$' "$T_LOGDIR/pbx.log")" -ge 2 ] ||
	{ t_tail pbx; t_fail "the PBX did not see channel 1 restarted after the daemon's restart"; }
grep -q "RESTARTs* not acknowledged: taking" "$T_LOGDIR/gw.log" &&
	t_fail "the PBX acknowledged no RESTART even when sent again"
gw_baseline

# The channel is free again on both sides: a call from the SIP side gets channel 1.
sip_uac gw_uac_call.xml 6002 4930999 -d 2000 ||
	{ t_tail sipp-uac; t_tail gw 30; t_fail "the call after the restart failed (SIPp status $T_RC)"; }
t_wait_exit "$pbx" 30 || { t_tail pbx; t_fail "PBX side failed (status $T_RC)"; }
t_wait_log gw "CALL id=1 dir=sip-tdm span 2 ch 1 trunk=peer called=4930999 .*answered=yes" 5 ||
	{ t_tail gw 10; t_fail "the call after the restart did not get channel 1"; }
gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
