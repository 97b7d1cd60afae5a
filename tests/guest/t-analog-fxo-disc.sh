#!/bin/bash
# FXO disconnect supervision in band, on real DAHDI: an exchange or PBX that tells the far
# end's hang-up only with busy or congestion tone (no loop-current drop), or by going quiet.
# The peer calls through port 7:1 (tone zone us, disconnect_tone = yes); once connected the
# exchange (pstnsim --role exchange, loop current kept) sends busy tone (480+620 Hz,
# 500/500 ms): the gateway must clear the call with BYE (Reason cause 16, checked by SIPp)
# and put the line on-hook (the exchange sees it) within 8 s of the tone's start (about
# 2.5 s on an idle machine: 2 cycles of the cadence). The same
# with congestion tone (480+620 Hz, 250/250 ms). Then port 7:5 (silence_timeout = 4, tones
# off): the exchange talks (1004 Hz) for 3 s, then sends nothing: the call is cleared after
# 4 s of silence, not before (talk longer than the timeout did not clear it).
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

conf=$T_LOGDIR/gateway.conf
cat "$STROWGER_ROOT/tests/guest/gateway.conf" "$STROWGER_ROOT/tests/guest/fxo.conf" - >"$conf" <<'CONF'

; Port 7:5 supervises by silence only; the peer reaches it with 8 + the number.
[port 7:5]
number = 3005
to = trunk peer
dial_delay_ms = 500
disconnect_tone = no
silence_timeout = 4

[route to-fxo-silence]
from = trunk peer
match = 8
strip = 1
to = port 7:5
CONF
# Port 7:1 is DAHDI channel 159, its exchange line 183; port 7:5 is 163 on 187.
exch() { local ch=$1; shift; echo "$(t_bin tests/pstnsim/pstnsim)" --analog "$ch" --role exchange --tag "exch$ch"; }

gw_start "$conf"
gw_wait_up 7 24 30 || t_fail "span 7 not up"
gw_baseline

# One call: the peer dials NUMBER, the exchange answers on port CH and, after 2 s of talk,
# runs STEPS; the gateway must hang up (SIPp gets BYE with cause 16).
call_cleared() {
	local name=$1 ch=$2 number=$3 steps=$4
	# shellcheck disable=SC2046
	t_start "$name" $(exch "$ch") -e "expect offhook 20s; expect-dtmf ${number:1} 10s;
		tone 1004; sleep 2s; $steps"
	local ex=$T_PID
	t_start "probe-$name" "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6002 --tag sip \
		--duration 40 --wait-first 25
	local probe=$T_PID
	sleep 1
	sip_uac gw_uac_bye_in.xml 6002 "$number" ||
		{ t_tail sipp-uac; t_tail "$name"; t_tail gw 30; t_fail "$name: no BYE with cause 16 from the gateway (SIPp status $T_RC)"; }
	t_wait_exit "$ex" 20 || { t_tail "$name"; t_tail gw 20; t_fail "$name: the exchange did not see the line released in time (status $T_RC)"; }
	kill -TERM "$probe" 2>/dev/null
	t_wait_exit "$probe" 5 || true
}

# Busy tone: cleared within 8 s of the tone's start (2 cycles of 1 s, then BYE).
call_cleared busy 183 95551234 'line-tone 480+620 cadence 500/500 -24; expect onhook 8s; line-tone off'
t_wait_log gw "busy tone from the line: the far end hung up, clearing with cause 16" 5 ||
	t_fail "no busy-tone disconnect logged"
t_wait_log gw "CALL id=1 dir=sip-tdm port 7:1 trunk=peer called=5551234 .*answered=yes cause=16 .*cleared_by=tdm" 5 ||
	t_fail "gateway's summary of the busy-tone call missing or wrong"
gw_port_idle() { t_wait_log gw "port $1: connected -> idle" 5; }
gw_port_idle 7:1 || t_fail "port 7:1 did not go idle after the busy tone"

# Congestion (reorder) tone.
call_cleared congestion 183 95551234 'line-tone 480+620 cadence 250/250 -24; expect onhook 8s; line-tone off'
t_wait_log gw "congestion tone from the line: the far end hung up, clearing with cause 16" 5 ||
	t_fail "no congestion-tone disconnect logged"

# Silence: 3 s of tone after the 2 s of talk keep the call (5 s > the 4 s timeout, so the
# count restarts with sound), then 4 s of nothing clear it; not sooner than 3 s after the
# tone stopped.
call_cleared silence 187 85551234 'sleep 3s; tone off; ! expect onhook 3s; expect onhook 8s'
t_wait_log gw "silence on the line .silence_timeout.: the far end is gone, clearing with cause 16" 5 ||
	t_fail "no silence disconnect logged"
t_wait_log gw "CALL id=3 dir=sip-tdm port 7:5 trunk=peer called=5551234 .*answered=yes cause=16 .*cleared_by=tdm" 5 ||
	t_fail "gateway's summary of the silence call missing or wrong"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
