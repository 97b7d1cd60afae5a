#!/bin/bash
# Call waiting with ETSI caller ID on real DAHDI: FXS port 5:9 (DAHDI channel 119, number 2009)
# with caller_id = v23 and tone_zone = de; its phone (pstnsim --analog 143 --cid v23) calls
# the SIP peer (SIPp gw_uas_answer.xml, 1800 Hz). Bob (2002) calls 2009 from trunk peer2: he
# gets 180; the phone hears the zone's call-waiting tone (425 Hz), the DT-AS (2130 + 2750 Hz,
# ETSI EN 300 659-1/-2, the same dual tone as Bellcore's CAS), acknowledges with DTMF D
# (the TE-ACK) and decodes the V.23 type II caller ID by field; the first call's audio comes
# back. The phone hangs up with Bob still waiting: the first call clears (BYE), the phone
# rings again for Bob with his caller ID (V.23, on-hook this time), off-hook answers him
# (200, audio both ways), on-hook hangs up (BYE). Resources back to their baseline.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

conf=$T_LOGDIR/gateway.conf
cp "$STROWGER_ROOT/tests/guest/gateway.conf" "$conf"
cat >>"$conf" <<'EOF2'

[port 5:9]
number = 2009
caller_id_name = Analog
tone_zone = de
caller_id = v23
dial_plan = 555XXXX

[route cw-peer2]
from = trunk peer2
match = 200
to = port 5
EOF2
PHONE=("$(t_bin tests/pstnsim/pstnsim)" --analog 143 --role phone --cid v23 --tag phone)
PROBE=$(t_bin tests/rtpprobe/rtpprobe)

gw_start "$conf"
gw_wait_up 5 24 30 || t_fail "span 5 not up"
gw_baseline

t_start probe-1 "$PROBE" --listen 127.0.0.1:6000 --tag sip1 \
	--send-tone 1800 --expect-tone 1004 --duration 60 --wait-first 25
probe1=$T_PID
sip_uas gw_uas_answer.xml 6000 -trace_msg -message_file "$T_LOGDIR/uas.msg"
uas=$T_PID
t_start phone "${PHONE[@]}" -e 'offhook; expect-tones 425 1s within 3s
	dtmf 5551234; tone 1004; expect-tone 1800 2s within 8s
	expect-tones 425 100ms within 20s min 60; expect cas 3s; silence; dtmf D
	expect cid from 2002 name Bob 5s; tone 1004; expect-tone 1800 1s within 5s
	onhook; expect ringing x 1 16s; expect cid from 2002 name Bob 8s
	offhook; tone 1004; expect-tone 1400 2s within 8s; sleep 1s; onhook; sleep 1s'
phone=$T_PID
t_wait_log gw "media: .* to 127.0.0.1:6000" 30 || { t_tail phone; t_tail gw 30; t_fail "the first call got no media"; }
t_wait_log phone "ok +L2 +expect-tone 1800" 15 || { t_tail phone; t_fail "no audio on the first call"; }

t_start probe-2 "$PROBE" --listen 127.0.0.1:6002 --tag sip2 \
	--send-tone 1400 --expect-tone 1004 --duration 60 --wait-first 40
probe2=$T_PID
SIP_UAC_PORT=5072 sip_uac_bg uac-bob gw_uac_cw_bye.xml 6002 2009
bob=$T_PID
t_wait_log gw "port 5:9: call waiting: tone \(.*\), then the CAS" 20 || { t_tail gw 30; t_fail "no call-waiting alert"; }
t_wait_log gw "port 5:9: call waiting: the phone acknowledged with DTMF D" 15 || { t_tail phone; t_fail "no TE-ACK taken"; }
t_wait_log gw "port 5:9: call waiting: type II caller ID v23: number '2002', name 'Bob'" 5 || t_fail "no V.23 type II caller ID sent"
t_wait_log phone "ok +L4 +expect cid from 2002 name Bob" 10 || { t_tail phone; t_fail "the phone decoded no V.23 type II caller ID"; }
t_wait_log gw "port 5:9: on-hook with a waiting call: ringing again" 20 || { t_tail gw 30; t_fail "no reminder ring for the waiting call"; }
t_wait_log gw "CALL id=1 dir=tdm-sip port 5:9 trunk=peer called=5551234 calling=2009 .*answered=yes cause=16" 10 ||
	t_fail "the first call's summary missing or wrong"
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "the first call's peer: SIPp status $T_RC (no BYE)"; }
kill -TERM "$probe1"
t_wait_exit "$probe1" 5 || { t_tail probe-1; t_fail "no 1004 Hz from the phone on the first call (rtpprobe status $T_RC)"; }
t_wait_log phone "ok +L5 +expect cid from 2002 name Bob" 25 || { t_tail phone; t_fail "no caller ID on the reminder ring"; }
t_wait_log gw "call 2 .*SIP: BYE" 30 || { t_tail phone; t_tail gw 30; t_fail "Bob got no BYE"; }
kill -TERM "$probe2"
t_wait_exit "$probe2" 5 || { t_tail probe-2; t_fail "no 1004 Hz from the phone at Bob (rtpprobe status $T_RC)"; }
t_wait_exit "$bob" 10 || { t_tail uac-bob; t_fail "Bob's call: SIPp status $T_RC"; }
grep -q '^SIP/2.0 180' "$T_LOGDIR/uac-bob.msg" || t_fail "Bob got no 180"
t_wait_exit "$phone" 20 || { t_tail phone; t_tail gw 30; t_fail "phone script failed (pstnsim status $T_RC)"; }
t_wait_log gw "CALL id=2 dir=sip-tdm port 5:9 trunk=peer2 called=2009 calling=2002 .*answered=yes cause=16" 5 ||
	t_fail "Bob's summary missing or wrong"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
