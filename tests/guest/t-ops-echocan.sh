#!/bin/bash
# DAHDI's echo canceller on the real driver. spans.sh attaches DAHDI's own MG2 canceller
# (dahdi_echocan_mg2, built from the same dahdi-dkms source) to the gateway's T1 channels.
# The gateway switches it on when a call takes a channel and off when the call is over
# (span option echocancel, default yes, echocancel_taps 128), and leaves it off with
# echocancel = no. DAHDI says which it is in /proc/dahdi/4: "(EC: MG2 - ACTIVE)" while a
# canceller instance runs on the channel, "INACTIVE" when the channel has one attached but
# off. (The same canceller switched off for fax: t-fax-loop.) Analog ports run it the same
# way: spans.sh attaches it to FXS port 5:1 (channel 111) and FXO port 7:1 (channel 159); a
# phone's call through port 5:1 and an exchange line's call through port 7:1 each show it
# ACTIVE on that channel while the call is up, INACTIVE after.
# needs: strowger tests/pstnsim/pstnsim
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim

# How many of span N's channels (default span 4) have a running canceller, and how many
# one attached.
ec_active() { grep -c 'EC: MG2 - ACTIVE' "/proc/dahdi/${1:-$SPAN_T1_GW}"; }
ec_attached() { grep -c 'EC: MG2 - ' "/proc/dahdi/${1:-$SPAN_T1_GW}"; }

# Wait until ec_active [SPAN] prints N, at most SECS.
wait_active() {	# N SECS [SPAN]
	local deadline=$(($(date +%s) + $2))
	until [ "$(ec_active "${3:-}")" = "$1" ]; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# One call from the T1 PBX to the SIP peer, answered by SIPp and held 6 s by the PBX: while
# it is up, $1 canceller(s) must run on span 4; none once it is over.
call_expect_ec() {	# N WHAT
	sip_uas gw_uas_answer.xml 6000 -d 300
	local uas=$T_PID
	t_start "pbx-$2" "${PBX_T1[@]}" -e "$PBX_READY; call 5551234 from 5551000;
		expect answer 10s; sleep 6s; hangup 16; expect hangup 5s"
	local pbx=$T_PID
	if [ "$1" = 0 ]; then
		t_wait_log gw "call [0-9]+ \(span 4 ch [0-9]+, peer\): 200 OK -> CONNECT" 15 || t_fail "$2: call not answered"
		sleep 1	# a canceller would have been on since the SETUP
		[ "$(ec_active)" = 0 ] || t_fail "$2: $(ec_active) canceller(s) running; want none"
	else
		wait_active "$1" 15 || { t_tail gw 20; cat "/proc/dahdi/$SPAN_T1_GW" >&2;
			t_fail "$2: $(ec_active) canceller(s) running during the call; want $1"; }
	fi
	t_wait_exit "$pbx" 30 || { t_tail "pbx-$2"; t_fail "$2: PBX side failed (status $T_RC)"; }
	t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "$2: SIPp UAS failed (status $T_RC)"; }
	wait_active 0 5 || t_fail "$2: the canceller is still on after the call"
}

[ "$(ec_attached)" -ge 23 ] || t_fail "MG2 is not attached to span 4's channels: $(grep -c 'EC:' \
	"/proc/dahdi/$SPAN_T1_GW") of 23 (spans.sh, dahdi_echocan_mg2)"

cat "$STROWGER_ROOT/tests/guest/gateway.conf" "$STROWGER_ROOT/tests/guest/fxo.conf" >"$T_LOGDIR/gateway.conf"
gw_start "$T_LOGDIR/gateway.conf"
gw_wait_up 4 24 && gw_wait_up 5 24 30 && gw_wait_up 7 24 30 || t_fail "spans 4, 5, 7 not up"
gw_baseline
[ "$(ec_active)" = 0 ] || t_fail "a canceller runs before any call"
call_expect_ec 1 "echocancel=yes"
t_wait_log gw "CALL id=[0-9]+ dir=tdm-sip span 4 ch [0-9]+ trunk=peer called=5551234 .*answered=yes" 5 ||
	t_fail "no CALL line for the first call"

# Analog: a phone on FXS port 5:1 (its simulator on channel 135) calls the SIP peer; an
# exchange line (simulator on channel 183) rings FXO port 7:1, which calls the peer.
[ "$(ec_attached 5)" = 1 ] && [ "$(ec_attached 7)" = 1 ] ||
	t_fail "MG2 is not attached to the first FXS and FXO port (spans.sh)"
sip_uas gw_uas_answer.xml 6000 -d 300
uas=$T_PID
t_start phone "$(t_bin tests/pstnsim/pstnsim)" --analog 135 --role phone --tag phone -e \
	'offhook; expect-tones 350+440 1s within 3s; dtmf 5551234; sleep 10s; onhook; sleep 1s'
phone=$T_PID
wait_active 1 20 5 || { t_tail gw 20; cat /proc/dahdi/5 >&2; t_fail "no canceller on port 5:1 during the phone's call"; }
t_wait_exit "$phone" 30 || { t_tail phone; t_fail "phone side failed (status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "SIPp UAS did not get the phone's BYE (status $T_RC)"; }
wait_active 0 5 5 || t_fail "the canceller on port 5:1 is still on after the call"
sip_uas gw_uas_answer.xml 6000 -d 300
uas=$T_PID
t_start exch "$(t_bin tests/pstnsim/pstnsim)" --analog 183 --role exchange --tag exch -e \
	'ring-line from 5553000 name Alice; expect offhook 20s; sleep 8s; onhook; sleep 2s'
exch=$T_PID
wait_active 1 30 7 || { t_tail gw 20; cat /proc/dahdi/7 >&2; t_fail "no canceller on port 7:1 during the line's call"; }
t_wait_exit "$exch" 40 || { t_tail exch; t_fail "exchange side failed (status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "SIPp UAS did not get the line's BYE (status $T_RC)"; }
wait_active 0 5 7 || t_fail "the canceller on port 7:1 is still on after the call"
gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"

# The same call with echocancel = no on span 4.
conf=$T_LOGDIR/gateway-noec.conf
sed '/^\[span 4\]$/a echocancel = no' "$STROWGER_ROOT/tests/guest/gateway.conf" >"$conf"
grep -q '^echocancel = no$' "$conf" || t_fail "could not write $conf"
gw_start "$conf"
gw_wait_up 4 24 || t_fail "span 4 not up (second daemon)"
call_expect_ec 0 "echocancel=no"
gw_stop_clean || t_fail "second daemon did not stop cleanly (status $T_RC)"
t_pass
