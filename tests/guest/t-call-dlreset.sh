#!/bin/bash
# Data link reset by the PBX (Q.921 SABME while the gateway's link is established; Q.931
# §5.8.8) on real DAHDI. 1. A PBX -> SIP call is answered; the PBX simulator dies (SIGKILL)
# and a new one starts at once: its SABME reaches the gateway long before the gateway's
# Q.921 would notice the loss (T203 + N200 x T200). The gateway checks its call with an
# INFORMATION, the new PBX does not know the call reference (RELEASE COMPLETE 81, §5.8.3.2),
# and the call is cleared within seconds: BYE to SIPp, its CALL line, its B-channel free;
# the new PBX's call on that same channel then goes through. 2. The PBX loses layer 2 and
# re-establishes the link itself (relink: T203, N200 x T200, SABME) keeping its call: the
# gateway's INFORMATION reaches it, the call goes on and is cleared normally (cause 16).
# needs: strowger tests/pstnsim/pstnsim
# timeout: 150
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline

# 1. The PBX dies mid-call and a new one takes the D-channel at once.
sip_uas gw_uas_answer.xml 6000 -trace_msg -message_file "$T_LOGDIR/uas-lost.msg"
uas=$T_PID
t_start pbx-old "${PBX_E1[@]}" -e "$PBX_READY; call 4930100 from 5551000 chan 1; expect answer 10s;
	sleep 120s"
old=$T_PID
t_wait_log pbx-old 'ok .*expect answer' 25 || { t_tail pbx-old; t_tail gw 30; t_fail "first call not answered"; }
sleep 1
kill -KILL "$old"
wait "$old" 2>/dev/null
_t_ms
t_killed=$_T_MS
t_start pbx-new "${PBX_E1[@]}" -e "wait-up 30s; sleep 6s; call 4930101 from 5551000 chan 1;
	expect answer 10s; sleep 1s; hangup 16; expect hangup 5s"
new=$T_PID
t_wait_exit "$uas" 10 ||
	{ t_tail sipp-uas; t_tail gw 40; t_fail "the call the new PBX does not know was kept: no BYE within 10 s"; }
_t_ms
t_log "BYE $((_T_MS - t_killed)) ms after the PBX was killed"
t_wait_log gw "span 2: the far end re-established the D-channel \(Q.921 SABME while established\): checking 1 call \(Q.931 §5.8.8\)" 2 ||
	t_fail "data link reset not logged"
t_wait_log gw "span 2 ch 1 call 1: the far end does not know the call since its data link reset \(RELEASE COMPLETE cause (81|101)" 2 ||
	t_fail "the clearing of the unknown call not logged"
t_wait_log gw "CALL id=1 dir=tdm-sip span 2 ch 1 trunk=peer called=4930100 calling=5551000 presentation=allowed answered=yes cause=(81|101) " 5 ||
	t_fail "CALL line of the cleared call wrong"
grep -qE '^Reason: Q.850;cause=(81|101);' "$T_LOGDIR/uas-lost.msg" ||
	{ grep -i '^Reason' "$T_LOGDIR/uas-lost.msg" >&2; t_fail "BYE without Reason cause 81"; }
grep -q 'span 2: D-channel down' "$T_LOGDIR/gw.log" && t_fail "the gateway's D-channel went down: not the case under test"
gw_check_baseline 5

# ... and the new PBX's call on the same channel goes through.
sip_uas gw_uas_answer.xml 6000
uas=$T_PID
t_wait_exit "$new" 40 || { t_tail pbx-new; t_tail gw 30; t_fail "the new PBX's call failed (status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "the new PBX's call: SIPp got no BYE"; }
t_wait_log gw "CALL id=2 dir=tdm-sip span 2 ch 1 trunk=peer called=4930101 .*answered=yes cause=16 " 5 ||
	t_fail "CALL line of the new PBX's call wrong"

# 2. The PBX re-establishes its link keeping the call: the call survives the check.
sip_uas gw_uas_answer.xml 6000 -trace_msg -message_file "$T_LOGDIR/uas-kept.msg"
uas=$T_PID
t_run pbx-relink 60 "${PBX_E1[@]}" -e "$PBX_READY; call 4930102 from 5551000 chan 2; expect answer 10s;
	relink; sleep 2s; hangup 16; expect hangup 5s" ||
	{ t_tail pbx-relink; t_tail gw 30; t_fail "relink: PBX script failed (status $T_RC)"; }
grep -q 'INFORMATION, number now' "$T_LOGDIR/pbx-relink.log" ||
	{ t_tail pbx-relink; t_fail "the gateway's INFORMATION did not reach the PBX after its relink"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "relink: SIPp got no BYE"; }
[ "$(grep -c 'checking 1 call' "$T_LOGDIR/gw.log")" = 2 ] || t_fail "the relink was not checked"
grep -q '^Reason: Q.850;cause=16;' "$T_LOGDIR/uas-kept.msg" ||
	{ grep -i '^Reason' "$T_LOGDIR/uas-kept.msg" >&2; t_fail "the kept call was not cleared normally"; }
t_wait_log gw "CALL id=3 dir=tdm-sip span 2 ch 2 trunk=peer called=4930102 .*answered=yes cause=16 " 5 ||
	t_fail "CALL line of the kept call wrong"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
