#!/bin/bash
# Phased migration on the real DAHDI driver: the gateway sits between a PBX and the
# carrier's PRI. The PBX simulator is the user side on span 1 (the gateway is the network
# side on the E1 span 2, A-law); the "carrier" simulator is the network side on span 3 (the
# gateway is the user side on the T1 span 4, µ-law).
#   1. PBX -> carrier (PRI -> PRI): the B-channels bridged, audio both ways through A-law <->
#      µ-law, DTMF in-band, calling number and presentation carried through (a user side
#      sends no Display IE: the PBX's name cannot be carried on PRI).
#   2. carrier -> PBX: number, type of number, name and redirecting number (reason no
#      reply) carried through, the carrier's clearing cause (17) reaches the PBX unchanged.
#   3. a ported number (match = @ported.txt) goes to the SIP peer (SIPp + rtpprobe), audio
#      both ways;
#      a call the PBX forwarded (redirecting number, busy) reaches it with Diversion and
#      History-Info;
#   4. the SIP peer stopped: the same call falls back to the carrier's PRI (to = trunk
#      peer, span 4), audio both ways, the CALL line says to=span:4 attempts=2;
#   5. the number taken out of the file and SIGHUP: it goes to the carrier at once;
#   6. a call the SIP trunk forwarded (Diversion) reaches the PBX with the redirecting
#      number and reason.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
# timeout: 150
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

PBX=("$(t_bin tests/pstnsim/pstnsim)" --dchan "$E1_PBX_D" --bchans "$E1_PBX_B" --role cpe
	--switch euroisdn --law alaw --tag pbx)
CARRIER=("${PBX_T1[@]}")
CARRIER[-1]=carrier

conf=$T_LOGDIR/migrate.conf
cat >"$conf" <<CONF
[general]
log_level = info
alarm_poll_ms = 500

; the PBX: we are the network side
[span 2]
type = e1
signalling = pri_net
switchtype = euroisdn

; the carrier: we are the user side
[span 4]
type = t1
signalling = pri_cpe
switchtype = ni2

[trunk peer]
proxy = sip:127.0.0.1:5070
keepalive = 0

; ported numbers go to the SIP trunk, back to the carrier's PRI when it cannot take them
[route ported]
from = span 2
match = @ported.txt
to = trunk peer, span 4

[route pbx-out]
from = span 2
to = span 4

[route carrier-in]
from = span 4
to = span 2

[route itsp-in]
from = trunk peer
to = span 2
CONF

printf '# numbers moved to the SIP trunk\n5550150\n5550177  # a second one\n' >"$T_LOGDIR/ported.txt"

gw_start "$conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_wait_up 4 24 || t_fail "span 4 not up"
gw_baseline

# The carrier answers every call on its own; both simulators run through the whole test.
t_start carrier "${CARRIER[@]}" -e 'wait-up 30s; expect ring to 5550100 from 4930100 pres restricted called-ton unknown 40s;
	ring; sleep 300ms; answer; tone 1800; expect-tone 1004 1s within 5s; expect-dtmf 159# 10s;
	expect hangup 16 15s;
	call 4930200 from 5550999 ton national name Bob rdnis 4930299 rdnis-reason no-reply; expect alerting 10s; expect answer 10s; tone 697;
	expect-tone 1336 1s within 5s; sleep 1s; hangup 17; expect hangup 5s'
carrier=$T_PID
pbx_wait_ready carrier "$SPAN_T1_GW"

# 1. PBX -> carrier through both spans' B-channels; 2. carrier -> PBX, cleared by the
# carrier with cause 17, which the PBX must see unchanged. One PBX run does both (its
# D-channel stays up between them).
t_run pbx 60 "${PBX[@]}" -e "$PBX_READY; "'call 5550100 from 4930100 pres restricted;
	expect alerting 10s; expect answer 10s; tone 1004; expect-tone 1800 1s within 5s;
	dtmf 159#; sleep 1s; hangup 16; expect hangup 5s;
	expect ring to 4930200 from 5550999 ton national name Bob rdnis 4930299 rdnis-reason no-reply 20s; ring; sleep 300ms; answer; tone 1336;
	expect-tone 697 1s within 5s; expect hangup 17 15s' ||
	{ t_tail pbx; t_tail carrier; t_tail gw 30; t_fail "PBX side failed (pstnsim status $T_RC)"; }
t_wait_exit "$carrier" 20 || { t_tail carrier; t_fail "carrier side failed (status $T_RC)"; }
t_wait_log gw "CALL id=1 dir=tdm-tdm span 2 ch [0-9]+ span 4 ch [0-9]+ called=5550100 calling=4930100 presentation=restricted answered=yes cause=16 " 5 ||
	{ t_tail gw 20; t_fail "gateway's summary of the PBX -> carrier call missing or wrong"; }
grep -q "media: B-channels bridged, A-law <-> u-law, law converted" "$T_LOGDIR/gw.log" ||
	t_fail "no law-converting bridge logged"
t_wait_log gw "CALL id=2 dir=tdm-tdm span 4 ch [0-9]+ span 2 ch [0-9]+ called=4930200 calling=0?5550999 presentation=allowed answered=yes cause=17 " 5 ||
	{ t_tail gw 20; t_fail "gateway's summary of the carrier -> PBX call missing or wrong"; }
grep -E "media: B-channels bridged .*\([0-9.]+ ms\)" "$T_LOGDIR/gw.log" | sed 's/^/bridge: /'

# 3.-5.: a new carrier run answers the fallback call (4) and the one after SIGHUP (5).
t_start carrier2 "${CARRIER[@]}" -e 'wait-up 30s; expect ring to 5550150 from 4930100 90s; answer;
	tone 1800; expect-tone 1004 1s within 5s; expect hangup 16 15s;
	expect ring to 5550150 60s; answer; expect hangup 16 15s'
carrier=$T_PID
pbx_wait_ready carrier2 "$SPAN_T1_GW"

# 3. ported: to the SIP peer
t_start probe-uas "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6000 --tag sip \
	--send-tone 1800 --expect-tone 1004 --duration 10 --wait-first 15
probe=$T_PID
sip_uas gw_uas_answer.xml 6000 -d 500
uas=$T_PID
t_run pbx-ported 40 "${PBX[@]}" -e "$PBX_READY; "'call 5550150 from 4930100; expect answer 10s;
	tone 1004; expect-tone 1800 1s within 5s; sleep 2s; hangup 16; expect hangup 5s' ||
	{ t_tail pbx-ported; t_tail gw 30; t_fail "ported call to the SIP peer failed (pstnsim status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "SIPp UAS did not finish cleanly (status $T_RC)"; }
kill -TERM "$probe" 2>/dev/null	# may have ended on its own (--duration)
t_wait_exit "$probe" 5 || { t_tail probe-uas; t_fail "no 1004 Hz on the SIP side (rtpprobe status $T_RC)"; }
t_wait_log gw "CALL id=3 dir=tdm-sip span 2 ch [0-9]+ trunk=peer called=5550150 calling=4930100 presentation=allowed answered=yes cause=16 .* route=ported to=trunk:peer attempts=1" 5 ||
	{ t_tail gw 20; t_fail "gateway's summary of the ported call missing or wrong"; }

# 3b. a call the PBX forwarded (busy) to a ported number: Diversion and History-Info
t_start probe-fwd "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6000 --tag sip \
	--send-tone 1800 --duration 6 --wait-first 15
probe=$T_PID
sip_uas gw_uas_diversion.xml 6000
uas=$T_PID
t_run pbx-forwarded 40 "${PBX[@]}" -e "$PBX_READY; "'call 5550177 from 4930100 rdnis 4930111 rdnis-reason busy;
	expect answer 10s; sleep 1s; hangup 16; expect hangup 5s' ||
	{ t_tail pbx-forwarded; t_tail gw 30; t_fail "forwarded call to the SIP peer failed (pstnsim status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "the INVITE of the forwarded call lacks Diversion/History-Info (SIPp status $T_RC)"; }
kill -TERM "$probe" 2>/dev/null
t_wait_exit "$probe" 5

# 4. the SIP peer is gone: the INVITE fails, the call falls back to the carrier's PRI
t_run pbx-fallback 60 "${PBX[@]}" -e "$PBX_READY; "'call 5550150 from 4930100; expect answer 45s;
	tone 1004; expect-tone 1800 1s within 5s; sleep 1s; hangup 16; expect hangup 5s' ||
	{ t_tail pbx-fallback; t_tail carrier2; t_tail gw 30; t_fail "fallback call failed (pstnsim status $T_RC)"; }
t_wait_log gw "CALL id=5 dir=tdm-tdm span 2 ch [0-9]+ span 4 ch [0-9]+ called=5550150 calling=4930100 presentation=allowed answered=yes cause=16 .* route=ported to=span:4 attempts=2" 5 ||
	{ t_tail gw 20; t_fail "gateway's summary of the fallback call missing or wrong"; }
grep -E "route ported: trunk:peer cannot take the call" "$T_LOGDIR/gw.log" | sed 's/^/fallback: /'

# 5. 5550150 is no longer ported: SIGHUP re-reads the file, the call goes to the carrier.
printf '5550177\n' >"$T_LOGDIR/ported.txt"
kill -HUP "$GW_PID"
t_wait_log gw "reload done" 10 || t_fail "no reload after SIGHUP"
t_run pbx-unported 40 "${PBX[@]}" -e "$PBX_READY; "'call 5550150 from 4930100; expect answer 10s;
	sleep 1s; hangup 16; expect hangup 5s' ||
	{ t_tail pbx-unported; t_tail gw 30; t_fail "call after SIGHUP failed (pstnsim status $T_RC)"; }
t_wait_exit "$carrier" 20 || { t_tail carrier2; t_fail "carrier side of 4./5. failed (status $T_RC)"; }
t_wait_log gw "CALL id=6 dir=tdm-tdm span 2 ch [0-9]+ span 4 ch [0-9]+ called=5550150 .* route=pbx-out to=span:4 attempts=1" 5 ||
	{ t_tail gw 20; t_fail "after SIGHUP the number still goes to the SIP peer"; }

# 6. a call the SIP trunk forwarded reaches the PBX with the redirecting number and reason
# from Diversion (taken over History-Info, which names another party).
t_start pbx-fwd-in "${PBX[@]}" -e 'wait-up 30s; expect ring to 4930300 from 5551000 rdnis 4930444 rdnis-reason no-reply 30s;
	answer; expect hangup 16 20s'
pbx=$T_PID
t_start probe-uac "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6002 --tag sip \
	--send-tone 1800 --duration 6 --wait-first 15
probe=$T_PID
pbx_wait_ready pbx-fwd-in
sip_uac gw_uac_diversion.xml 6002 4930300 -d 1000 ||
	{ t_tail sipp-uac; t_tail gw 30; t_fail "forwarded SIP -> PRI call failed (SIPp status $T_RC)"; }
t_wait_exit "$pbx" 20 || { t_tail pbx-fwd-in; t_tail gw 20; t_fail "the PBX did not get the redirecting number (status $T_RC)"; }
kill -TERM "$probe" 2>/dev/null
t_wait_exit "$probe" 5
grep -q "redirected by +4930444 (Diversion, no-answer #1)" "$T_LOGDIR/gw.log" ||
	t_fail "Diversion not taken"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
