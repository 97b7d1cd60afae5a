#!/bin/bash
# RESTART from the PBX (Q.931 §5.5) on real DAHDI: a PBX -> SIP call is up with audio both
# ways when the PBX restarts its B-channel; the gateway answers RESTART ACKNOWLEDGE, clears
# the SIP leg with BYE and Reason Q.850 cause 41 (temporary failure: the far end reset the
# channel, a new attempt may succeed at once) and frees the channel, which then carries a
# new call with audio. The same for a RESTART of the whole interface (restart indicator
# class 7). Nothing is left behind: the daemon's fds are back where they started.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
# timeout: 280
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline

# One PBX -> SIP call on channel CHAN with 1004 Hz towards SIP and 1800 Hz back, checked
# both ways; the PBX does BEFORE first and AFTER last (script steps). NAME names the logs.
call_then() {
	local name=$1 chan=$2 number=$3 after=$4 before=${5:-}
	t_start "probe-$name" "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6000 --tag sip \
		--send-tone 1800 --expect-tone 1004 --duration 30 --wait-first 20
	probe=$T_PID
	sip_uas gw_uas_answer.xml 6000 -trace_msg -message_file "$T_LOGDIR/uas-$name.msg"
	uas=$T_PID
	t_run "pbx-$name" 60 "${PBX_E1[@]}" -e "$PBX_READY; $before call $number from 5551000 chan $chan;
		expect answer 10s; tone 1004; expect-tone 1800 2s within 5s; sleep 2s; $after" ||
		{ t_tail "pbx-$name"; t_tail gw 30; t_fail "$name: PBX script failed (status $T_RC)"; }
	t_wait_exit "$uas" 15 ||
		{ t_tail sipp-uas; t_tail gw 30; t_fail "$name: SIP side never got its BYE (SIPp status $T_RC)"; }
	kill -TERM "$probe"
	t_wait_exit "$probe" 5 ||
		{ t_tail "probe-$name"; t_fail "$name: no 1004 Hz on the SIP side (rtpprobe status $T_RC)"; }
}

# 1. The PBX restarts the channel of the active call.
call_then chan 1 4930123 "restart"
grep -q '^Reason: Q.850;cause=41;' "$T_LOGDIR/uas-chan.msg" ||
	{ grep -i '^Reason' "$T_LOGDIR/uas-chan.msg" >&2; t_fail "BYE after RESTART without Reason cause 41"; }
t_wait_log gw "span 2: RESTART received for channel 1, 1 call\(s\) cleared" 5 ||
	t_fail "RESTART of channel 1 not logged"
t_wait_log gw "CALL id=1 dir=tdm-sip span 2 ch 1 trunk=peer called=4930123 calling=5551000 presentation=allowed answered=yes cause=41 " 5 ||
	t_fail "CALL line of the restarted call wrong"

# 2. The restarted channel carries the next call, cleared normally; the PBX restarts it once
# more while idle first (acknowledged, nothing to clear).
call_then again 1 4930124 "hangup 16; expect hangup 5s" "restart 1;"
t_wait_log gw "span 2: RESTART received for channel 1, 0 call\(s\) cleared" 5 ||
	t_fail "RESTART of idle channel 1 not logged"
grep -q '^Reason: Q.850;cause=16;' "$T_LOGDIR/uas-again.msg" || t_fail "second call's BYE not cause 16"
t_wait_log gw "CALL id=2 dir=tdm-sip span 2 ch 1 trunk=peer called=4930124 calling=5551000 presentation=allowed answered=yes cause=16 " 5 ||
	t_fail "channel 1 did not carry a call after its RESTART"

# 3. The PBX restarts the whole interface during a call on channel 2.
call_then all 2 4930125 "restart all"
grep -q '^Reason: Q.850;cause=41;' "$T_LOGDIR/uas-all.msg" || t_fail "BYE after interface RESTART without Reason cause 41"
t_wait_log gw "span 2: RESTART received for the whole interface, 1 call\(s\) cleared" 5 ||
	t_fail "RESTART of the interface not logged"
t_wait_log gw "CALL id=3 dir=tdm-sip span 2 ch 2 .*answered=yes cause=41 " 5 ||
	t_fail "CALL line of the call cut by the interface RESTART wrong"

# 4. And channel 2 works again.
call_then after-all 2 4930126 "hangup 16; expect hangup 5s"
t_wait_log gw "CALL id=4 dir=tdm-sip span 2 ch 2 .*answered=yes cause=16 " 5 ||
	t_fail "channel 2 did not carry a call after the interface RESTART"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
