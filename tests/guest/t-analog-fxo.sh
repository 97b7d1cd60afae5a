#!/bin/bash
# The gateway as a phone on an exchange line (FXO ports: span 7, fxsks) on real DAHDI, the
# exchange simulated on the looped fxoks channel of span 8 (pstnsim --analog --role exchange).
# In: the exchange rings the line and sends Bell 202 caller ID after the first burst; the
# gateway decodes it and INVITEs the peer for the port's number 3001 with the caller in From
# (number and name); the peer answers, the gateway goes off-hook, audio both ways; the
# exchange drops loop current and the gateway clears (BYE): disconnect supervision by loop
# current. Out: the peer calls 95551234 (route: strip the 9, to port 7:1); the gateway seizes
# the line, dials 5551234 as DTMF (heard by the exchange), answers at once (no answer signal
# on a loop-start line), audio both ways; the peer hangs up, the exchange sees on-hook.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

conf=$T_LOGDIR/gateway.conf
cat "$STROWGER_ROOT/tests/guest/gateway.conf" "$STROWGER_ROOT/tests/guest/fxo.conf" >"$conf"
# Port 7:1 is DAHDI channel 159; its exchange line is 183.
EXCH=("$(t_bin tests/pstnsim/pstnsim)" --analog 183 --role exchange --tag exch)

gw_start "$conf"
gw_wait_up 7 24 30 || t_fail "span 7 not up"
gw_baseline

# In: ring with caller ID -> INVITE to 3001 from 5553000 "Alice"; the exchange hangs up.
t_start probe-uas "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6000 --tag sip \
	--send-tone 1800 --expect-tone 1004 --duration 12 --wait-first 30
probe=$T_PID
sip_uas gw_uas_answer.xml 6000 -d 1000 -trace_msg -message_file "$T_LOGDIR/uas-fxo.msg"
uas=$T_PID
t_run exch-in 60 "${EXCH[@]}" -e 'ring-line from 5553000 name Alice; expect offhook 20s;
	tone 1004; expect-tone 1800 2s within 5s; sleep 2s; onhook; sleep 2s' ||
	{ t_tail exch-in; t_tail gw 30; t_fail "exchange -> FXO -> SIP call failed (pstnsim status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_tail gw 20; t_fail "no BYE after the loop current dropped (SIPp status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 || { t_tail probe-uas; t_fail "no 1004 Hz from the exchange on the SIP side (rtpprobe status $T_RC)"; }
grep -q '^INVITE sip:3001@' "$T_LOGDIR/uas-fxo.msg" || { cat "$T_LOGDIR/uas-fxo.msg"; t_fail "INVITE not for the port's number 3001"; }
grep -q '^From: "Alice" <sip:5553000@' "$T_LOGDIR/uas-fxo.msg" ||
	{ grep '^From' "$T_LOGDIR/uas-fxo.msg"; t_fail "From is not the caller ID \"Alice\" <sip:5553000@...>"; }
t_wait_log gw "loop current dropped: the far end cleared" 5 || t_fail "no loop-current disconnect logged"
t_wait_log gw "CALL id=1 dir=tdm-sip port 7:1 trunk=peer called=3001 calling=5553000 .*answered=yes cause=16" 5 ||
	t_fail "gateway's summary of the FXO inbound call missing or wrong"

# Out: SIP -> 95551234 -> port 7:1 dials 5551234.
t_start exch-out "${EXCH[@]}" -e 'expect offhook 20s; expect-dtmf 5551234 10s; tone 1004;
	expect-tone 1800 2s within 5s; expect onhook 15s'
exch=$T_PID
t_start probe-uac "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6002 --tag sip \
	--send-tone 1800 --expect-tone 1004 --duration 20 --wait-first 25
probe=$T_PID
sleep 1
sip_uac gw_uac_call.xml 6002 95551234 -d 7000 ||
	{ t_tail sipp-uac; t_tail gw 30; t_fail "SIP -> FXO call failed (SIPp status $T_RC)"; }
t_wait_exit "$exch" 20 || { t_tail exch-out; t_tail gw 20; t_fail "exchange side of SIP -> FXO failed (status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 || { t_tail probe-uac; t_fail "no 1004 Hz from the exchange on the SIP side (rtpprobe status $T_RC)"; }
t_wait_log gw "CALL id=2 dir=sip-tdm port 7:1 trunk=peer called=5551234 .*answered=yes cause=16" 5 ||
	t_fail "gateway's summary of the SIP -> FXO call missing or wrong"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
