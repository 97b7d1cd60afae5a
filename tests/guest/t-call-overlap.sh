#!/bin/bash
# Overlap dialling from the PBX (Q.931 §5.1.3): a SETUP without Sending Complete for "99"
# could still become "999" (the dead trunk's route), so the gateway asks for more digits
# (SETUP ACKNOWLEDGE) and collects INFORMATION digits; "991" then routes to the peer and the
# INVITE carries the whole number. A lone "9" is routed when the inter-digit timeout
# (digit_timeout_ms = 3000 in gateway.conf) says the number is complete.
# needs: strowger tests/pstnsim/pstnsim
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline

sip_uas gw_uas_answer.xml 6000 -m 2
uas=$T_PID
t_run pbx-overlap 40 "${PBX_E1[@]}" -e "$PBX_READY; call 99 from 5551000 overlap; sleep 500ms;
	info 1; expect answer 10s; hangup 16; expect hangup 5s" ||
	{ t_tail pbx-overlap; t_tail gw 20; t_fail "overlap call 99 + INFO 1 failed"; }
t_wait_log gw "INVITE sip:991 via trunk peer \(route e1-out\)" 5 ||
	t_fail "INVITE did not carry the whole number 991"
grep -q "INVITE sip:99 " "$T_LOGDIR/gw.log" && t_fail "INVITE sent before the number was complete"

t_run pbx-timeout 40 "${PBX_E1[@]}" -e "$PBX_READY; call 9 from 5551000 overlap;
	expect answer 10s; hangup 16; expect hangup 5s" ||
	{ t_tail pbx-timeout; t_fail "call completed by the inter-digit timeout failed"; }
t_wait_log gw "inter-digit timeout: number 9 is complete" 5 || t_fail "inter-digit timeout not logged"
t_wait_log gw "INVITE sip:9 via trunk peer" 5 || t_fail "INVITE for 9 not sent after the timeout"
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "SIPp UAS did not finish (status $T_RC)"; }
gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
