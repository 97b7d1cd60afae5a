#!/bin/bash
# Packetisation and in-band DTMF toward a SIP peer without telephone-event: a SIP -> PRI call
# whose offer says a=ptime:30 and a PRI -> SIP call answered with a=ptime:10, the peer
# (rtpprobe) sending packets of that size. Audio must pass both ways (1004 Hz from the PBX,
# 1800 Hz from the peer), the gateway must send packets of the negotiated size (the probe's
# ptime_rx), and digits the PBX sends in-band must reach the peer in-band (not muted).
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

probe_key() {	# LOG KEY: a key of the probe's PROBE line
	grep -m1 '^PROBE' "$T_LOGDIR/$1.log" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline

# SIP -> PRI, ptime 30: 240-byte packets both ways; the PBX's digits stay in the audio.
t_start pbx-in "${PBX_E1[@]}" -e 'wait-up 30s; expect ring to 4930999 from 5551000 30s; ring;
	sleep 300ms; answer; tone 1004; expect-tone 1800 2s within 5s; dtmf 159;
	tone 1004; expect hangup 16 20s'
pbx=$T_PID
t_start probe-30 "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6002 --tag sip30 \
	--ptime 30 --send-tone 1800 --expect-tone 1004 --expect-dtmf 159 --duration 12 \
	--wait-first 15
probe=$T_PID
pbx_wait_ready pbx-in
sip_uac gw_uac_ptime.xml 6002 4930999 -key ptime 30 -d 6000 ||
	{ t_tail sipp-uac; t_tail gw 30; t_fail "SIP -> PRI call (ptime 30) failed (SIPp status $T_RC)"; }
t_wait_exit "$pbx" 20 || { t_tail pbx-in; t_fail "PBX side of the ptime 30 call failed (status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 ||
	{ t_tail probe-30; t_fail "ptime 30: no 1004 Hz or no in-band 159 on the SIP side (rtpprobe status $T_RC)"; }
got=$(probe_key probe-30 ptime_rx)
[ "$got" = 30 ] || { t_tail probe-30; t_fail "ptime 30: the gateway sent ${got:-no} ms packets, not 30"; }
t_log "ptime 30: audio both ways, gateway sent 30 ms packets, in-band DTMF 159 heard"
t_wait_log gw "DTMF '9' from the B-channel, [0-9]+ ms, in-band" 5 ||
	t_fail "the gateway did not report the in-band digit"

# PRI -> SIP, answered with ptime 10: 80-byte packets both ways.
t_start probe-10 "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6000 --tag sip10 \
	--ptime 10 --send-tone 1800 --expect-tone 1004 --duration 10 --wait-first 15
probe=$T_PID
sip_uas gw_uas_ptime.xml 6000 -key ptime 10 -d 500
uas=$T_PID
t_run pbx-out 60 "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930123 from 5551000;
	expect alerting 10s; expect answer 10s; tone 1004; expect-tone 1800 2s within 5s;
	sleep 2s; hangup 16; expect hangup 5s' ||
	{ t_tail pbx-out; t_tail gw 30; t_fail "PRI -> SIP call (ptime 10) failed (pstnsim status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "SIPp UAS did not finish cleanly (status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 || { t_tail probe-10; t_fail "ptime 10: no 1004 Hz on the SIP side (rtpprobe status $T_RC)"; }
got=$(probe_key probe-10 ptime_rx)
[ "$got" = 10 ] || { t_tail probe-10; t_fail "ptime 10: the gateway sent ${got:-no} ms packets, not 10"; }
t_log "ptime 10: audio both ways, gateway sent 10 ms packets"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
