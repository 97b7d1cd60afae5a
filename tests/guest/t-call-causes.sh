#!/bin/bash
# How calls fail, both ways, with the causes and statuses RFC 3398 maps between
# (Q.850 cause <-> SIP status) and Reason headers (RFC 3326): busy 17 <-> 486, unallocated
# number 1 <-> 404, a trunk that is down (cause 34), CANCEL before answer both ways.
# needs: strowger tests/pstnsim/pstnsim
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline

# PRI -> SIP, peer busy with Reason cause 17: the PBX sees 17.
sip_uas gw_uas_busy.xml 6000
t_run pbx-busy 30 "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930123 from 5551000; expect hangup 17 10s' ||
	{ t_tail pbx-busy; t_fail "486 with Reason 17 did not reach the PBX as cause 17"; }
t_wait_exit "$T_PID" 5
t_wait_log gw "CALL id=1 .*answered=no cause=17 .*sip_status=486 cleared_by=sip" 5 ||
	t_fail "CALL line of the busy call wrong"

# PRI -> SIP, 404 without Reason: the table says cause 1.
sip_uas gw_uas_404.xml 6000
t_run pbx-404 30 "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930124 from 5551000; expect hangup 1 10s' ||
	{ t_tail pbx-404; t_fail "404 did not reach the PBX as cause 1"; }
t_wait_exit "$T_PID" 5

# PRI -> SIP to a trunk whose keepalive failed: cause 34 at once, no INVITE.
t_wait_log gw "trunk dead: .*down" 10 || t_fail "dead trunk not marked down"
t_run pbx-dead 30 "${PBX_E1[@]}" -e "$PBX_READY; "'call 9995 from 5551000; expect hangup 34 5s' ||
	{ t_tail pbx-dead; t_fail "call to a down trunk not refused with cause 34"; }

# PRI -> SIP, the PBX gives up while the peer rings: CANCEL with Reason cause 16.
sip_uas gw_uas_ring_cancel.xml 6000
uas=$T_PID
t_run pbx-cancel 30 "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930125 from 5551000; expect alerting 10s;
	sleep 500ms; hangup 16; expect hangup 5s' || { t_tail pbx-cancel; t_fail "PBX-side cancel failed"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "SIPp did not see the CANCEL (status $T_RC)"; }

# SIP -> PRI, PBX busy: 486 with Reason cause 17.
t_start pbx-in-busy "${PBX_E1[@]}" -e 'wait-up 30s; expect ring to 4930998 20s; reject 17; sleep 1'
pbx=$T_PID
pbx_wait_ready pbx-in-busy
sip_uac gw_uac_fail.xml 6002 4930998 -trace_msg -message_file "$T_LOGDIR/uac-busy.msg" ||
	{ t_tail sipp-uac; t_fail "SIP -> PRI busy: SIPp status $T_RC"; }
grep -q "^SIP/2.0 486" "$T_LOGDIR/uac-busy.msg" || t_fail "PBX busy did not come back as 486"
grep -q '^Reason: Q.850;cause=17' "$T_LOGDIR/uac-busy.msg" || t_fail "486 without Reason cause 17"
t_wait_exit "$pbx" 10

# SIP -> PRI, a number no route takes: 404 with Reason cause 1, the PBX never sees it.
sip_uac gw_uac_fail.xml 6002 7777 -trace_msg -message_file "$T_LOGDIR/uac-404.msg" ||
	{ t_tail sipp-uac; t_fail "SIP -> PRI unrouted: SIPp status $T_RC"; }
grep -q "^SIP/2.0 404" "$T_LOGDIR/uac-404.msg" || t_fail "unrouted number did not get 404"
grep -q '^Reason: Q.850;cause=1;' "$T_LOGDIR/uac-404.msg" || t_fail "404 without Reason cause 1"

# SIP -> PRI, the SIP caller cancels while the PBX rings: the PBX sees the call cleared.
t_start pbx-in-cancel "${PBX_E1[@]}" -e 'wait-up 30s; expect ring to 4930997 20s; ring; expect hangup 10s'
pbx=$T_PID
pbx_wait_ready pbx-in-cancel
sip_uac gw_uac_cancel.xml 6002 4930997 -d 500 || { t_tail sipp-uac; t_fail "SIP-side CANCEL failed"; }
t_wait_exit "$pbx" 10 || { t_tail pbx-in-cancel; t_fail "PBX did not see the cancelled call cleared"; }

gw_check_baseline
[ "$(grep -c "CALL id=" "$T_LOGDIR/gw.log")" -ge 6 ] || t_fail "not every call reached its CALL line"
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
