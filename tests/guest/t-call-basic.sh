#!/bin/bash
# A call each way between the PBX simulator on the E1 span and a SIP peer on loopback
# (SIPp for signalling, rtpprobe for its media), through the gateway on real DAHDI.
# Audio is checked in both directions with different tones (PBX sends 1004 Hz, the SIP
# side 1800 Hz), through A-law on the span and PCMU on the trunk.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline

# PRI -> SIP: the PBX calls 4930123, SIPp answers after 500 ms of ringing. The PBX holds the
# call 2 s after its own tone check: the SIP side's check needs 1 s of tone after its onset,
# and under load its audio may start a second later than the PBX's.
t_start probe-uas "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6000 --tag sip \
	--send-tone 1800 --expect-tone 1004 --duration 10 --wait-first 15
probe=$T_PID
sip_uas gw_uas_answer.xml 6000 -d 500
uas=$T_PID
t_run pbx-out 60 "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930123 from 5551000;
	expect alerting 10s; expect answer 10s; tone 1004; expect-tone 1800 2s within 5s;
	sleep 2s; hangup 16; expect hangup 5s' ||
	{ t_tail pbx-out; t_tail gw 30; t_fail "PRI -> SIP call failed (pstnsim status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "SIPp UAS did not finish cleanly (status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 || { t_tail probe-uas; t_fail "no 1004 Hz on the SIP side (rtpprobe status $T_RC)"; }
t_wait_log gw "CALL id=1 dir=tdm-sip span 2 ch [0-9]+ trunk=peer called=4930123 calling=5551000 presentation=allowed answered=yes cause=16" 5 ||
	t_fail "gateway's summary of the PRI -> SIP call missing or wrong"

# SIP -> PRI: SIPp calls 4930999 (route to-e1); the PBX rings, answers, SIPp hangs up.
t_start pbx-in "${PBX_E1[@]}" -e 'wait-up 30s; expect ring to 4930999 from 5551000 30s; ring;
	sleep 300ms; answer; tone 1004; expect-tone 1800 2s within 5s; expect hangup 16 20s'
pbx=$T_PID
t_start probe-uac "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6002 --tag sip \
	--send-tone 1800 --expect-tone 1004 --duration 12 --wait-first 15
probe=$T_PID
pbx_wait_ready pbx-in
sip_uac gw_uac_call.xml 6002 4930999 -d 5000 ||
	{ t_tail sipp-uac; t_tail gw 30; t_fail "SIP -> PRI call failed (SIPp status $T_RC)"; }
t_wait_exit "$pbx" 20 || { t_tail pbx-in; t_fail "PBX side of SIP -> PRI failed (status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 || { t_tail probe-uac; t_fail "no 1004 Hz on the SIP side (rtpprobe status $T_RC)"; }
t_wait_log gw "CALL id=2 dir=sip-tdm span 2 ch [0-9]+ trunk=peer called=4930999 calling=5551000 presentation=allowed answered=yes cause=16" 5 ||
	t_fail "gateway's summary of the SIP -> PRI call missing or wrong"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
