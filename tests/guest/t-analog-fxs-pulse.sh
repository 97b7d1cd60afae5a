#!/bin/bash
# Pulse (rotary) dialling on an FXS port, on real DAHDI: the phone (pstnsim --analog --role
# phone, fxsks) goes off-hook, hears dial tone (350+440 Hz), and dials 5550190 as loop
# breaks with DAHDI's own pulse dialler (DAHDI_DIAL "P...", 10 pulses per second, 60 ms
# break / 40 ms make, ten breaks for the 0s); the gateway's fxoks channel counts them
# (DAHDI_EVENT_PULSEDIGIT), the port's dial plan 555XXXX completes the number and the SIP
# peer gets the INVITE for exactly 5550190; the call is answered and talks both ways.
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

t_start probe-uas "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6000 --tag sip \
	--send-tone 1800 --expect-tone 1004 --duration 20 --wait-first 30
probe=$T_PID
sip_uas gw_uas_answer.xml 6000 -trace_msg -message_file "$T_LOGDIR/uas-pulse.msg"
uas=$T_PID
t_run phone 60 "${PHONE[@]}" -e 'offhook; expect-tones 350+440 1s within 3s;
	pulse 5550190; tone 1004; expect-tone 1800 2s within 8s; onhook; sleep 1s' ||
	{ t_tail phone; t_tail gw 30; t_fail "phone script failed (pstnsim status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "SIPp UAS did not get its BYE (status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 || { t_tail probe-uas; t_fail "no 1004 Hz from the phone on the SIP side (rtpprobe status $T_RC)"; }
grep -q '^INVITE sip:5550190@' "$T_LOGDIR/uas-pulse.msg" ||
	{ grep '^INVITE' "$T_LOGDIR/uas-pulse.msg"; t_fail "INVITE not for 5550190"; }
t_wait_log gw "CALL id=1 dir=tdm-sip port 5:1 trunk=peer called=5550190 calling=2001 .*answered=yes cause=16" 5 ||
	t_fail "gateway's summary of the pulse-dialled call missing or wrong"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
