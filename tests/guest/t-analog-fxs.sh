#!/bin/bash
# A phone on an FXS port (span 5, fxoks) through the gateway on real DAHDI: the simulated
# phone (pstnsim --analog on the looped fxsks channel of span 6) goes off-hook, hears dial
# tone (350+440 Hz, checked by frequency), dials 5551234 as DTMF (the port's dial plan
# 555XXXX completes it), hears ringback (440+480 Hz) while the SIP peer rings, and talks
# (1004 Hz to the peer, 1800 Hz back, checked by rtpprobe and the phone); the phone hangs up
# and the peer gets BYE. Then the peer calls the port's number 2001: the phone counts two
# ring bursts with the zone's 6 s period, answers, talks, and hears busy tone (480+620 Hz,
# 500/500 ms) when the peer hangs up, then, still off-hook after howler_after (10 s), the
# off-hook warning (the zone's reorder, 480+620 Hz 250/250 ms). A call to a port that is
# off-hook gets 486.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

# Port 5:1 is DAHDI channel 111; its phone is 135.
PHONE=("$(t_bin tests/pstnsim/pstnsim)" --analog 135 --role phone --tag phone)

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 5 24 30 || t_fail "span 5 not up"
gw_baseline

# Phone -> SIP.
t_start probe-uas "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6000 --tag sip \
	--send-tone 1800 --expect-tone 1004 --duration 20 --wait-first 25
probe=$T_PID
sip_uas gw_uas_answer.xml 6000 -d 3000 -trace_msg -message_file "$T_LOGDIR/uas-fxs.msg"
uas=$T_PID
t_run phone-out 60 "${PHONE[@]}" -e 'offhook; expect-tones 350+440 1s within 3s;
	dtmf 5551234; expect-tones 440+480 1500ms within 5s min 70;
	tone 1004; expect-tone 1800 2s within 8s; sleep 3s; onhook; sleep 1s' ||
	{ t_tail phone-out; t_tail gw 30; t_fail "phone -> SIP call failed (pstnsim status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "SIPp UAS did not get its BYE (status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 || { t_tail probe-uas; t_fail "no 1004 Hz from the phone on the SIP side (rtpprobe status $T_RC)"; }
grep -q '^INVITE sip:5551234@' "$T_LOGDIR/uas-fxs.msg" || { cat "$T_LOGDIR/uas-fxs.msg"; t_fail "INVITE not for 5551234"; }
grep -q '^From: "Analog" <sip:2001@' "$T_LOGDIR/uas-fxs.msg" || { grep '^From' "$T_LOGDIR/uas-fxs.msg"; t_fail "From is not \"Analog\" <sip:2001@...>"; }
t_wait_log gw "CALL id=1 dir=tdm-sip port 5:1 trunk=peer called=5551234 calling=2001 .*answered=yes cause=16" 5 ||
	t_fail "gateway's summary of the phone -> SIP call missing or wrong"

# SIP -> phone: two rings 6 s apart, answer, talk, the peer hangs up: busy tone.
t_start phone-in "${PHONE[@]}" -e 'expect ringing x 2 cadence 6s 20s; expect cid from 5551000 1s; offhook;
	tone 1004; expect-tone 1800 2s within 5s;
	expect-tones 480+620 2s within 10s min 30 cadence 500/500;
	sleep 9s; expect-tones 480+620 1500ms within 5s min 30 cadence 250/250; onhook; sleep 1s'
phone=$T_PID
t_start probe-uac "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6002 --tag sip \
	--send-tone 1800 --expect-tone 1004 --duration 20 --wait-first 25
probe=$T_PID
sip_uac gw_uac_call.xml 6002 2001 -d 4000 ||
	{ t_tail sipp-uac; t_tail gw 30; t_fail "SIP -> phone call failed (SIPp status $T_RC)"; }
t_wait_exit "$phone" 30 || { t_tail phone-in; t_tail gw 30; t_fail "phone side of SIP -> phone failed (status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 || { t_tail probe-uac; t_fail "no 1004 Hz from the phone on the SIP side (rtpprobe status $T_RC)"; }
t_wait_log gw "CALL id=2 dir=sip-tdm port 5:1 trunk=peer called=2001 calling=5551000 .*answered=yes cause=16" 5 ||
	t_fail "gateway's summary of the SIP -> phone call missing or wrong"

# A call to a port whose phone is off-hook (dial tone): 486 Busy Here (cause 17).
t_start phone-busy "${PHONE[@]}" -e 'offhook; expect-tones 350+440 1s within 3s; sleep 6s; onhook'
phone=$T_PID
sleep 2
# The port state dump (after the status line): port 5:1 off-hook with dial tone, 5:2 idle.
gw_status || t_fail "no status"
grep -q '^port 5:1 fxs number=2001 hook=off state=dial tone ringing=no reg=- call=0$' "$GW_STATUS" ||
	{ cat "$GW_STATUS"; t_fail "state dump of port 5:1 wrong"; }
grep -q '^port 5:2 fxs number=2002 hook=on state=idle ringing=no reg=- call=0$' "$GW_STATUS" ||
	{ cat "$GW_STATUS"; t_fail "state dump of port 5:2 wrong"; }
sip_uac gw_uac_fail.xml 6002 2001 -trace_msg -message_file "$T_LOGDIR/uac-busy.msg" ||
	{ t_tail sipp-uac; t_fail "SIP -> busy port: SIPp status $T_RC"; }
grep -q '^SIP/2.0 486' "$T_LOGDIR/uac-busy.msg" || { cat "$T_LOGDIR/uac-busy.msg"; t_fail "busy port did not answer 486"; }
t_wait_exit "$phone" 15 || { t_tail phone-busy; t_fail "busy phone's script failed"; }

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
