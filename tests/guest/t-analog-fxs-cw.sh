#!/bin/bash
# Call waiting on an FXS port, on real DAHDI. The phone (pstnsim --analog --role phone) calls
# the SIP peer through port 5:1 and talks (1800 Hz from the peer). A second caller ("Bob"
# 2002, SIPp from port 5072) calls 2001: it gets 180, and the phone hears the zone's
# call-waiting tone (440 Hz), the CAS (2130 and 2750 Hz, each checked), acknowledges with DTMF
# D (muting its own 1004 Hz meanwhile, as a type II phone does) and decodes the type II
# caller ID by field; the first call's audio comes back. A flash
# answers Bob (200) and holds the first call (its SIP side gets a re-INVITE with a=sendonly,
# SIPp checks it): the phone hears Bob's 1400 Hz and Bob's probe the phone's 1004 Hz. Bob
# hangs up: busy tone; a flash takes the first call back (re-INVITE a=sendrecv) and its
# audio returns. A third caller waits unacknowledged (the phone sends no ACK: no caller ID,
# the call's audio back) and is not answered: 480 after ring_timeout (8 s here); a fourth
# caller meanwhile gets 486 (two calls on the port already). The phone hangs up: BYE.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

conf=$T_LOGDIR/gateway.conf
sed 's/^ring_timeout = 20$/ring_timeout = 8/' "$STROWGER_ROOT/tests/guest/gateway.conf" >"$conf"
grep -q '^ring_timeout = 8$' "$conf" || t_fail "test config: no ring_timeout in [port 5:1-8]"
# The second and third callers come as trunk peer2 (127.0.0.1:5072), the fourth as peer3.
cat >>"$conf" <<'EOF2'

[trunk peer3]
proxy = sip:127.0.0.1:5074
keepalive = 0

[route cw-peer2]
from = trunk peer2
match = 200
to = port 5

[route cw-peer3]
from = trunk peer3
match = 200
to = port 5
EOF2
# Port 5:1 is DAHDI channel 111; its phone is 135.
PHONE=("$(t_bin tests/pstnsim/pstnsim)" --analog 135 --role phone --tag phone)

gw_start "$conf"
gw_wait_up 5 24 30 || t_fail "span 5 not up"
gw_baseline

# The first call: the phone dials the peer, which holds and resumes as the flashes say.
t_start probe-1 "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6000 --tag sip1 \
	--send-tone 1800 --expect-tone 1004 --duration 80 --wait-first 25
probe1=$T_PID
sip_uas gw_uas_cw_hold.xml 6000 -trace_msg -message_file "$T_LOGDIR/uas-cw.msg"
uas=$T_PID
t_start phone "${PHONE[@]}" -e 'offhook; expect-tones 350+440 1s within 3s;
	dtmf 5551234; tone 1004; expect-tone 1800 2s within 8s;
	expect-tones 440 200ms within 20s min 70; expect cas 3s; silence; dtmf D;
	expect cid from 2002 name Bob 5s; tone 1004; expect-tone 1800 1s within 5s;
	flash 400ms; expect-tone 1400 2s within 8s;
	expect-tones 480+620 1s within 15s min 30; flash 400ms; expect-tone 1800 1s within 8s;
	expect-tones 440 200ms within 20s min 70; expect cas 3s; expect-tone 1800 1s within 5s;
	sleep 10s; onhook; sleep 1s'
phone=$T_PID
t_wait_log gw "media: .* to 127.0.0.1:6000" 30 || { t_tail phone; t_tail gw 30; t_fail "the first call got no media"; }
# Bob calls once the phone has checked the first call's audio (then it listens for the tone).
t_wait_log phone "ok +L2 +expect-tone 1800" 15 || { t_tail phone; t_fail "no audio on the first call"; }

# Bob calls while the phone talks; the phone flashes to him, he talks and hangs up.
t_start probe-2 "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6002 --tag sip2 \
	--send-tone 1400 --expect-tone 1004 --duration 40 --wait-first 40
probe2=$T_PID
SIP_UAC_PORT=5072 sip_uac gw_uac_cw.xml 6002 2001 -d 4000 -trace_msg -message_file "$T_LOGDIR/uac-cw.msg" ||
	{ t_tail sipp-uac; t_tail phone; t_tail gw 40; t_fail "the waiting call failed (SIPp status $T_RC)"; }
kill -TERM "$probe2"
t_wait_exit "$probe2" 5 || { t_tail probe-2; t_fail "no 1004 Hz from the phone at the second caller (rtpprobe status $T_RC)"; }
grep -q '^SIP/2.0 180' "$T_LOGDIR/uac-cw.msg" || t_fail "the waiting caller got no 180"
t_wait_log gw "port 5:1: call waiting: the phone acknowledged with DTMF D" 2 || t_fail "no acknowledgement logged"

# A third caller waits and is not answered (480); a fourth meanwhile is refused (486).
t_wait_log gw "port 5:1: hook flash: takes back the held call" 20 || { t_tail phone; t_fail "the first call not taken back"; }
t_wait_log phone "ok +L6 +expect-tone 1800" 15 || { t_tail phone; t_fail "no audio of the first call after taking it back"; }
mv "$T_LOGDIR/sipp-uac.log" "$T_LOGDIR/sipp-uac-bob.log"
t_start uac-3 sipp -sf "$SIP_SCEN/gw_uac_fail.xml" -key probe_port 6004 -s 2001 \
	-i 127.0.0.1 -p 5072 -mp 7200 127.0.0.1:5060 -m 1 -timeout 30s -timeout_error -nostdin \
	-trace_msg -message_file "$T_LOGDIR/uac-3.msg"
uac3=$T_PID
t_wait_log gw "call 3 .*port 5:1 is in a call: call waiting" 10 || t_fail "the third call did not wait"
SIP_UAC_PORT=5074 sip_uac gw_uac_fail.xml 6006 2001 -trace_msg -message_file "$T_LOGDIR/uac-4.msg" ||
	{ t_tail sipp-uac; t_fail "the fourth call: SIPp status $T_RC"; }
grep -q '^SIP/2.0 486' "$T_LOGDIR/uac-4.msg" || { cat "$T_LOGDIR/uac-4.msg"; t_fail "the fourth call got no 486"; }
t_wait_exit "$uac3" 20 || { t_tail uac-3; t_fail "the third call: SIPp status $T_RC"; }
grep -q '^SIP/2.0 480' "$T_LOGDIR/uac-3.msg" || { cat "$T_LOGDIR/uac-3.msg"; t_fail "the unanswered waiting call got no 480"; }
t_wait_log gw "port 5:1: call waiting: no acknowledgement of the CAS" 2 || t_fail "the missing ACK not logged"

t_wait_exit "$phone" 30 || { t_tail phone; t_tail gw 40; t_fail "phone script failed (pstnsim status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_tail gw 20; t_fail "the first call's peer: SIPp status $T_RC (no sendonly/sendrecv re-INVITE or no BYE)"; }
kill -TERM "$probe1"
t_wait_exit "$probe1" 5 || { t_tail probe-1; t_fail "no 1004 Hz from the phone on the first call (rtpprobe status $T_RC)"; }
grep -q '^a=sendonly' "$T_LOGDIR/uas-cw.msg" || t_fail "no a=sendonly re-INVITE in the trace"
t_wait_log gw "CALL id=1 dir=tdm-sip port 5:1 trunk=peer called=5551234 calling=2001 .*answered=yes cause=16" 5 ||
	t_fail "the first call's summary missing or wrong"
t_wait_log gw "CALL id=2 dir=sip-tdm port 5:1 trunk=peer2 called=2001 calling=2002 .*answered=yes cause=16" 5 ||
	t_fail "the waiting call's summary missing or wrong"
t_wait_log gw "CALL id=3 dir=sip-tdm port 5:1 trunk=peer2 called=2001 .*answered=no cause=19 .*sip_status=480" 5 || t_fail "the unanswered waiting call's summary missing or wrong"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
