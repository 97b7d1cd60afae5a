#!/bin/bash
# Distinctive ringing from Alert-Info on an FXS port, on real DAHDI: the SIP peer calls the
# port's number 2001 with Alert-Info <http://127.0.0.1/Bellcore-dr2>; the phone (pstnsim
# --analog --role phone) measures the ring bursts 1.2 s apart (GR-506 dr2: 800 on, 400 off,
# 800 on, 4000 off; the zone's own ring is one burst every 6 s, t-analog-fxs) and decodes the
# caller ID sent in the long pause; it answers and hangs up, the peer gets BYE. Then
# ";info=alert-internal", which the port's table names (distinctive_ring =
# alert-internal:300/300/300/4000): bursts 0.6 s apart.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

conf=$T_LOGDIR/gateway.conf
sed 's|^howler_after = 10$|howler_after = 10\ndistinctive_ring = alert-internal:300/300/300/4000|' \
	"$STROWGER_ROOT/tests/guest/gateway.conf" >"$conf"
grep -q '^distinctive_ring = ' "$conf" || t_fail "test config: no distinctive_ring in [port 5:1-8]"
# Port 5:1 is DAHDI channel 111; its phone is 135.
PHONE=("$(t_bin tests/pstnsim/pstnsim)" --analog 135 --role phone --tag phone)

gw_start "$conf"
gw_wait_up 5 24 30 || t_fail "span 5 not up"
gw_baseline

# ring NAME ALERT-INFO PERIOD [PHONE STEPS]: the peer calls 2001 with that Alert-Info; the
# phone sees two bursts PERIOD apart, then the steps, answers and hangs up.
ring() {
	local name=$1 alert=$2 period=$3 more=$4
	t_start "phone-$name" "${PHONE[@]}" -e "expect ringing x 2 cadence $period 15s; $more
		offhook; sleep 1s; onhook; sleep 1s"
	local phone=$T_PID
	# The phone's DAHDI channel reports no ring for 2 s after it hangs up (its start:
	# RING_DEBOUNCE_TIME): the first burst must come later.
	sleep 3
	t_start "probe-$name" "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6002 --tag sip \
		--duration 30 --wait-first 25
	local probe=$T_PID
	sip_uac gw_uac_alert.xml 6002 2001 -key alert "$alert" ||
		{ t_tail sipp-uac; t_tail "phone-$name"; t_tail gw 30; t_fail "$name: SIP -> phone call failed (SIPp status $T_RC)"; }
	t_wait_exit "$phone" 20 || { t_tail "phone-$name"; t_tail gw 30; t_fail "$name: the phone did not ring as expected (status $T_RC)"; }
	kill -TERM "$probe" 2>/dev/null
	t_wait_exit "$probe" 5 || true
}

ring dr2 '<http://127.0.0.1/Bellcore-dr2>' 1200ms 'expect cid from 5551000 8s;'
t_wait_log gw "port 5:1: distinctive ring bellcore-dr2 .*: 800/400/800/4000 ms" 2 ||
	t_fail "no distinctive ring bellcore-dr2 logged"
t_wait_log gw "CALL id=1 dir=sip-tdm port 5:1 trunk=peer called=2001 calling=5551000 .*answered=yes cause=16" 5 ||
	t_fail "gateway's summary of the dr2 call missing or wrong"

ring internal '<http://127.0.0.1>;info=alert-internal' 600ms ''
t_wait_log gw "port 5:1: distinctive ring alert-internal .*: 300/300/300/4000 ms" 2 ||
	t_fail "no distinctive ring alert-internal logged"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
