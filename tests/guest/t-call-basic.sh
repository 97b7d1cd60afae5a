#!/bin/bash
# A call each way between the PBX simulator on the E1 span and SIPp on loopback, through
# the gateway on real DAHDI: PRI -> SIP answered by SIPp, with the PBX's tone coming back
# through SIPp's RTP echo (A-law span, PCMU trunk: transcoded both ways); SIP -> PRI
# answered by the PBX, cleared by SIPp's BYE.
# needs: strowger tests/pstnsim/pstnsim
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
t_need strowger tests/pstnsim/pstnsim
SIM=(t_bin tests/pstnsim/pstnsim)
PBX_E1=("$(t_bin tests/pstnsim/pstnsim)" --dchan "$E1_PBX_D" --bchans "$E1_PBX_B" --role net
	--switch euroisdn --law alaw --tag pbx)

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"

# PRI -> SIP: SIPp answers (built-in uas: 180, 200 with PCMU SDP) and echoes RTP.
t_start sipp-uas sipp -sn uas -i 127.0.0.1 -p 5070 -mi 127.0.0.1 -mp 6000 -rtp_echo \
	-m 1 -timeout 60s -nostdin -trace_err -error_file "$T_LOGDIR/sipp-uas-err.log"
uas=$T_PID
t_run pbx-out 60 "${PBX_E1[@]}" -e 'wait-up 30s; call 4930123 from 5551000; expect answer 10s;
	tone 1004; expect-tone 1004 2s within 5s; hangup 16; expect hangup 5s' ||
	{ t_tail pbx-out; t_tail gw 30; t_fail "PRI -> SIP call failed (pstnsim status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "SIPp UAS did not finish cleanly (status $T_RC)"; }
t_wait_log gw "CALL id=1 dir=tdm-sip span 2 ch [0-9]+ trunk=peer called=4930123 calling=5551000 answered=yes cause=16" 5 ||
	t_fail "gateway's summary of the PRI -> SIP call missing or wrong"

# SIP -> PRI: SIPp calls 4930999 (route to-e1), the PBX rings and answers, SIPp hangs up.
t_start pbx-in "${PBX_E1[@]}" -e 'wait-up 30s; expect ring to 4930999 30s; ring; sleep 300ms;
	answer; expect hangup 16 20s'
pbx=$T_PID
sleep 2
t_run sipp-uac 60 sipp -sn uac -i 127.0.0.1 -p 5070 -mi 127.0.0.1 -mp 6002 -s 4930999 \
	127.0.0.1:5060 -m 1 -d 2000 -timeout 45s -nostdin -trace_err \
	-error_file "$T_LOGDIR/sipp-uac-err.log" ||
	{ t_tail sipp-uac; t_tail gw 30; t_fail "SIP -> PRI call failed (SIPp status $T_RC)"; }
t_wait_exit "$pbx" 20 || { t_tail pbx-in; t_fail "PBX side of SIP -> PRI failed (status $T_RC)"; }
t_wait_log gw "CALL id=2 dir=sip-tdm span 2 ch [0-9]+ trunk=peer called=4930999 .*answered=yes cause=16" 5 ||
	t_fail "gateway's summary of the SIP -> PRI call missing or wrong"

gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
