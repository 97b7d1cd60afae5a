#!/bin/bash
# A trunk group of the E1 span 2 and the T1 span 4 ([group pbx] in gateway.conf, hunt
# ascending), on the real DAHDI driver: SIP calls to 77... (route to-group) go
#   1. to the T1 while the E1's D-channel is down (no PBX on span 1 yet);
#   2. to the E1's channel 1 once its D-channel is up (the first span, lowest channel);
#   3. to the T1's channel 1 while the PBX holds all 30 E1 channels (overflow), and are
#      refused with 503 + Reason cause 34 when the T1's 23 channels are busy too (the PBX
#      calls that fill both spans dial 88..., route group-out: from = group pbx);
#   4. to the T1 while the E1 is in RED alarm (span 1 destroyed), though its channels are free.
# Each placement is checked on the gateway's CALL line (span and channel) and by the PBX
# simulator on that span receiving the SETUP.
# needs: strowger tests/pstnsim/pstnsim tests/tools/dynspan
# timeout: 420
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/tools/dynspan
DYN=$(t_bin tests/tools/dynspan)
# Calls to the group come from trunk peer2 (5072): SIPp's UAS on 5070 answers the PBX bursts.
export SIP_UAC_PORT=5072

# A PBX simulator that answers one call to NUMBER and waits for the SIP side to hang up.
pbx_answer_one() {	# NAME PBX-ARRAY-NAME NUMBER [more script]
	local -n pbx=$2
	t_start "$1" "${pbx[@]}" -e "wait-up 30s; expect ring to $3 from 5551000 30s; answer;
		expect hangup 16 20s${4:+; $4}"
}

# One SIP -> PRI call to the group, held 2 s; then the gateway's CALL line must show it on
# span $2 channel $3 (a regex), answered and cleared with cause 16.
group_call() {	# NUMBER SPAN CHAN-REGEX WHAT
	sip_uac gw_uac_call.xml 6002 "77$1" -d 2000 ||
		{ t_tail sipp-uac; t_tail gw 30; t_fail "$4: SIP call failed (SIPp status $T_RC)"; }
	t_wait_log gw "CALL id=[0-9]+ dir=sip-tdm span [0-9]+ ch [0-9]+ trunk=peer2 called=$1 " 10 ||
		t_fail "$4: no CALL line for $1"
	grep -qE "CALL id=[0-9]+ dir=sip-tdm span $2 ch $3 trunk=peer2 called=$1 calling=5551000 presentation=allowed answered=yes cause=16 " \
		"$T_LOGDIR/gw.log" || { t_tail gw 30; t_fail "$4: $(grep -oE "span [0-9]+ ch [0-9]+ trunk=peer2 called=$1 .*cause=[0-9]+" \
		"$T_LOGDIR/gw.log"), expected span $2 ch $3, answered, cause 16"; }
}

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_wait_up 4 24 || t_fail "span 4 not up"
t_wait_log gw "group pbx: 2 spans, 53 B-channels, hunt ascending" 5 || t_fail "group pbx not started"
gw_baseline

# 1. Nothing on span 1: span 2's D-channel cannot come up, the call goes to the T1.
pbx_answer_one pbx-t1 PBX_T1 4930991
pbx=$T_PID
pbx_wait_ready pbx-t1 "$SPAN_T1_GW"
grep -q "span 2: D-channel up" "$T_LOGDIR/gw.log" && t_fail "span 2's D-channel came up without a far end"
group_call 4930991 4 1 "E1 D-channel down"
t_wait_exit "$pbx" 20 || { t_tail pbx-t1; t_fail "T1 PBX did not see the call (status $T_RC)"; }
grep -q "group pbx: span 2 passed over: D-channel down or in alarm" "$T_LOGDIR/gw.log" ||
	t_fail "skipping span 2 not logged"

# 2. The E1 comes up: ascending starts on its lowest channel again.
pbx_answer_one pbx-e1 PBX_E1 4930992
pbx=$T_PID
pbx_wait_ready pbx-e1 "$SPAN_E1_GW"
t_wait_log gw "span 2: D-channel up" 10 || t_fail "span 2's D-channel not up"
group_call 4930992 2 1 "E1 up"
t_wait_exit "$pbx" 20 || { t_tail pbx-e1; t_fail "E1 PBX did not see the call (status $T_RC)"; }

# 3. The PBX fills the E1 (30 calls to the SIP peer, held 75 s): the next call to the group
# overflows to the T1's first channel. Then the T1 PBX fills the T1 too (23 calls): nothing
# free anywhere, 503 with Reason cause 34.
sip_uas gw_uas_answer.xml 6000 -m 53 -d 0 -timeout 300s
uas=$T_PID
t_start pbx-e1-full "${PBX_E1[@]}" -e "$PBX_READY; call 884930201 from 5551000 x 30 as c;
	expect answer @all 30s; sleep 75s; hangup 16 @all; expect hangup @all 30s"
pbx_e1=$T_PID
gw_wait_count "200 OK -> CONNECT" 30 90 || { t_tail pbx-e1-full; t_fail "E1 not filled: not all 30 calls answered"; }
pbx_answer_one pbx-t1-full PBX_T1 4930993 "sleep 1s; call 884930301 from 5552000 x 23 as t;
	expect answer @all 40s; sleep 30s; hangup 16 @all; expect hangup @all 30s"
pbx_t1=$T_PID
pbx_wait_ready pbx-t1-full "$SPAN_T1_GW"
group_call 4930993 4 1 "E1 full"
gw_wait_count "200 OK -> CONNECT" 53 90 || { t_tail pbx-t1-full; t_fail "T1 not filled: not all 23 calls answered"; }
sip_uac gw_uac_fail.xml 6004 774930994 -trace_msg -message_file "$T_LOGDIR/uac-full.msg" ||
	{ t_tail sipp-uac; t_fail "call with every channel busy: SIPp status $T_RC"; }
grep -q "^SIP/2.0 503" "$T_LOGDIR/uac-full.msg" || t_fail "call with every channel busy not refused with 503"
grep -q '^Reason: Q.850;cause=34;' "$T_LOGDIR/uac-full.msg" || t_fail "503 without Reason cause 34"
grep -q "cannot place the call on group pbx: cause 34" "$T_LOGDIR/gw.log" || t_fail "cause 34 not logged"
t_wait_exit "$pbx_t1" 90 || { t_tail pbx-t1-full; t_fail "T1 PBX failed (status $T_RC)"; }
t_wait_exit "$pbx_e1" 90 || { t_tail pbx-e1-full; t_fail "E1 PBX failed (status $T_RC)"; }
t_wait_exit "$uas" 30 || { t_tail sipp-uas; t_fail "SIPp UAS did not finish its 53 calls (status $T_RC)"; }
gw_wait_count "CALL id=.*dir=tdm-sip.*answered=yes cause=16" 53 30 ||
	t_fail "not every PBX call cleared with cause 16"
[ "$(grep -cE "INVITE sip:4930(201|301) via trunk peer \(route group-out\)" "$T_LOGDIR/gw.log")" = 53 ] ||
	t_fail "the 53 PBX calls from both spans did not all take route group-out (from = group pbx)"

# 4. Span 1 vanishes: span 2 goes into RED alarm. Its channels are all free, yet the call
# goes to the T1.
skipped=$(grep -c "group pbx: span 2 passed over" "$T_LOGDIR/gw.log")
t_check "destroy span 1" "$DYN" destroy loc 1:0 31
t_wait_log gw "span 2: in alarm RED" 5 || t_fail "span 2 RED alarm not reported"
pbx_answer_one pbx-t1-alarm PBX_T1 4930995
pbx=$T_PID
pbx_wait_ready pbx-t1-alarm "$SPAN_T1_GW"
group_call 4930995 4 1 "E1 in alarm"
t_wait_exit "$pbx" 20 || { t_tail pbx-t1-alarm; t_fail "T1 PBX did not see the call (status $T_RC)"; }
[ "$(grep -c "group pbx: span 2 passed over" "$T_LOGDIR/gw.log")" -gt "$skipped" ] ||
	t_fail "span 2 in alarm not logged as passed over"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
