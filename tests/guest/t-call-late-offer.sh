#!/bin/bash
# Late offer (RFC 3261 §13.2.1, RFC 3264 §5) both ways, with audio: a SIP -> PRI call whose
# INVITE has no SDP (the gateway offers in its 200, the answer naming the peer's rtpprobe
# comes in the ACK), a PRI -> SIP call on a trunk with late_offer = yes (our INVITE has no
# SDP, the peer offers in its 200, our answer goes in the ACK), and a late offer whose ACK
# brings no answer: BYE with Reason: SIP;cause=488 and cause 88 to the PBX.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

# The suite's configuration with late_offer on the peer's trunk.
conf=$T_LOGDIR/gateway-late-offer.conf
sed 's/^\[trunk peer\]$/[trunk peer]\nlate_offer = yes/' "$STROWGER_ROOT/tests/guest/gateway.conf" >"$conf"
grep -q '^late_offer = yes$' "$conf" || t_fail "could not write the test's configuration"
gw_start "$conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline

# SIP -> PRI: INVITE without SDP, answer in the ACK; audio both ways; then a re-INVITE
# without SDP (RFC 3261 §14.2): our offer in the 200 again, the answer in its ACK.
t_start pbx-in "${PBX_E1[@]}" -e 'wait-up 30s; expect ring to 4930999 from 5551000 30s; ring;
	sleep 300ms; answer; tone 1004; expect-tone 1800 2s within 5s; expect hangup 16 20s'
pbx=$T_PID
t_start probe-in "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6002 --tag sipin \
	--send-tone 1800 --expect-tone 1004 --duration 12 --wait-first 15
probe=$T_PID
pbx_wait_ready pbx-in
sip_uac gw_uac_late.xml 6002 4930999 -d 5000 ||
	{ t_tail sipp-uac; t_tail gw 30; t_fail "SIP -> PRI late offer call failed (SIPp status $T_RC)"; }
t_wait_exit "$pbx" 20 || { t_tail pbx-in; t_fail "PBX side of the late offer call failed (status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 || { t_tail probe-in; t_fail "SIP -> PRI late offer: no 1004 Hz on the SIP side (rtpprobe status $T_RC)"; }
t_wait_log gw "answer in the ACK" 5 || t_fail "the gateway did not log the answer in the ACK"
t_wait_log gw "re-INVITE without SDP: our offer in the 200" 5 ||
	t_fail "the gateway did not offer in its 200 to the re-INVITE without SDP"
[ "$(grep -c 'SIP: answer in the ACK' "$T_LOGDIR/gw.log")" -ge 2 ] ||
	t_fail "the answer in the ACK to the re-INVITE was not taken"
t_log "SIP -> PRI late offer: offer in our 200, answer in the ACK, audio both ways; a re-INVITE without SDP the same"

# PRI -> SIP on the late_offer trunk: the 200 offers, our answer in the ACK; audio both ways.
t_start probe-out "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6000 --tag sipout \
	--send-tone 1800 --expect-tone 1004 --duration 10 --wait-first 15
probe=$T_PID
sip_uas gw_uas_late.xml 6000 -d 500
uas=$T_PID
t_run pbx-out 60 "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930123 from 5551000;
	expect alerting 10s; expect answer 10s; tone 1004; expect-tone 1800 2s within 5s;
	sleep 2s; hangup 16; expect hangup 5s' ||
	{ t_tail pbx-out; t_tail gw 30; t_fail "PRI -> SIP late offer call failed (pstnsim status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "SIPp UAS (late offer) did not finish cleanly (status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 || { t_tail probe-out; t_fail "PRI -> SIP late offer: no 1004 Hz on the SIP side (rtpprobe status $T_RC)"; }
t_log "PRI -> SIP late offer: offer in the peer's 200, our answer in the ACK, audio both ways"

# No answer in the ACK: BYE with Reason 488 (SIPp checks) and cause 88 to the PBX.
t_start pbx-bad "${PBX_E1[@]}" -e "$PBX_READY; "'expect ring to 4930999 from 5551000 30s; ring;
	sleep 300ms; answer; expect hangup 88 10s'
pbx=$T_PID
pbx_wait_ready pbx-bad
sip_uac gw_uac_late_noanswer.xml 0 4930999 ||
	{ t_tail sipp-uac; t_tail gw 30; t_fail "late offer without an answer: no BYE with Reason 488 (SIPp status $T_RC)"; }
t_wait_exit "$pbx" 15 || { t_tail pbx-bad; t_fail "the PBX did not see cause 88 (status $T_RC)"; }
t_log "late offer, ACK without an answer: BYE with Reason 488, cause 88 to the PBX"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
