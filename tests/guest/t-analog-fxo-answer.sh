#!/bin/bash
# FXO answer supervision by voice on real DAHDI (answer_supervision = voice). Port 7:2 (zone
# us) dials out for the peer; the exchange (pstnsim --analog 184 --role exchange) takes the
# digits, plays ringback (440+480 Hz, 2 s on / 4 s off) for 5 s, then "answers" with a 1004 Hz
# tone: a sound that is none of the zone's tones (the detector's rule: sustained energy not at
# the zone's dial/ringback/busy/congestion frequencies). The SIP caller must get 183 with SDP
# first (the ringback as early media, RFC 3960), and the 200 only after the ringback: between
# 5 s (the voice begins) and 6.5 s after the 183; audio both ways then. A second call, where
# the exchange plays busy tone (480+620 Hz 500/500) instead, gets 486 (cause 17), never 200.
# Polarity answer supervision cannot be shown here: dahdi_dynamic spans do not reverse battery.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

conf=$T_LOGDIR/gateway.conf
cat "$STROWGER_ROOT/tests/guest/gateway.conf" - >"$conf" <<'CONF'

[span 7]
type = t1
signalling = fxo

; Port 7:2 (DAHDI channel 160, its exchange line 184) answers its outgoing calls on voice.
[port 7:2]
number = 3002
to = trunk peer
tone_zone = us
dial_delay_ms = 500
answer_supervision = voice
ring_timeout = 30

; The peer reaches the exchange with 9 + the number, on port 7:2.
[route to-fxo-voice]
from = trunk peer
match = 9
strip = 1
to = port 7:2
CONF
EXCH=("$(t_bin tests/pstnsim/pstnsim)" --analog 184 --role exchange)

gw_start "$conf"
gw_wait_up 7 24 30 || t_fail "span 7 not up"
gw_baseline

# [ms] of a response's first line in a SIPp message trace (its "---- DATE TIME" header).
trace_ms() {	# FILE STATUS
	awk -v st="$2" '/^-+ [0-9-]+ [0-9:.]+$/ { split($3, t, ":"); ms = int((t[1] * 3600 + t[2] * 60 + t[3]) * 1000) }
		$0 ~ "^SIP/2.0 " st " " { print ms; exit }' "$1"
}

# 1: ringback 5 s, then voice: 183 first, 200 after the ringback.
t_start exch-voice "${EXCH[@]}" --tag exch-voice -e 'expect offhook 20s; expect-dtmf 5551234 10s;
	line-tone 440+480 cadence 2000/4000 -19; sleep 5s; line-tone off; tone 1004;
	expect-tone 1800 2s within 6s; expect onhook 15s'
exch=$T_PID
t_start probe "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6002 --tag sip \
	--send-tone 1800 --expect-tone 1004 --duration 30 --wait-first 25
probe=$T_PID
sleep 1
sip_uac gw_uac_early.xml 6002 95551234 -d 3000 -trace_msg -message_file "$T_LOGDIR/uac-voice.msg" ||
	{ t_tail sipp-uac; t_tail exch-voice; t_tail gw 30; t_fail "SIP -> FXO call with voice answer failed: no 183 before the 200? (SIPp status $T_RC)"; }
t_wait_exit "$exch" 20 || { t_tail exch-voice; t_tail gw 20; t_fail "exchange side of the voice-answered call failed (status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 || { t_tail probe; t_fail "no 1004 Hz from the exchange on the SIP side (rtpprobe status $T_RC)"; }
t183=$(trace_ms "$T_LOGDIR/uac-voice.msg" 183)
t200=$(trace_ms "$T_LOGDIR/uac-voice.msg" 200)
[ -n "$t183" ] && [ -n "$t200" ] || t_fail "183/200 not found in the SIPp trace"
d=$((t200 - t183))
t_log "183 -> 200: $d ms (ringback 5000 ms, then voice)"
echo "answer after the 183: $d ms" >"$T_LOGDIR/answer-delay"
[ "$d" -ge 5000 ] && [ "$d" -le 6500 ] || t_fail "200 came $d ms after the 183: not within 1.5 s after the 5 s of ringback"
t_wait_log gw "voice on the line: answered" 5 || t_fail "no voice answer logged"
t_wait_log gw "CALL id=1 dir=sip-tdm port 7:2 trunk=peer called=5551234 .*answered=yes" 5 ||
	t_fail "gateway's summary of the voice-answered call missing or wrong"

# 2: busy tone instead: 486 (cause 17), no 200.
t_start exch-busy "${EXCH[@]}" --tag exch-busy -e 'expect offhook 20s; expect-dtmf 5551234 10s;
	line-tone 480+620 cadence 500/500 -24; expect onhook 10s; line-tone off'
exch=$T_PID
sleep 1
sip_uac gw_uac_fail.xml 6002 95551234 -trace_msg -message_file "$T_LOGDIR/uac-busy.msg" ||
	{ t_tail sipp-uac; t_tail exch-busy; t_tail gw 30; t_fail "busy call: SIPp failed (a 200?) (status $T_RC)"; }
t_wait_exit "$exch" 15 || { t_tail exch-busy; t_tail gw 20; t_fail "exchange did not see the line released after busy (status $T_RC)"; }
grep -q '^SIP/2.0 486 ' "$T_LOGDIR/uac-busy.msg" || { grep '^SIP/2.0' "$T_LOGDIR/uac-busy.msg"; t_fail "busy tone did not give 486"; }
grep -q '^SIP/2.0 200 ' "$T_LOGDIR/uac-busy.msg" && t_fail "busy call got a 200"
t_wait_log gw "busy tone on the line: cause 17" 5 || t_fail "no busy-tone clearing logged"
t_wait_log gw "CALL id=2 dir=sip-tdm port 7:2 trunk=peer called=5551234 .*answered=no cause=17" 5 ||
	t_fail "gateway's summary of the busy call missing or wrong"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
