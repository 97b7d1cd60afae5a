#!/bin/bash
# DAHDI's echo canceller on the real driver. spans.sh attaches DAHDI's own MG2 canceller
# (dahdi_echocan_mg2, built from the same dahdi-dkms source) to the gateway's T1 channels.
# The gateway switches it on when a call takes a channel and off when the call is over
# (span option echocancel, default yes, echocancel_taps 128), and leaves it off with
# echocancel = no. DAHDI says which it is in /proc/dahdi/4: "(EC: MG2 - ACTIVE)" while a
# canceller instance runs on the channel, "INACTIVE" when the channel has one attached but
# off. (The same canceller switched off for fax: t-fax-loop.)
# needs: strowger tests/pstnsim/pstnsim
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim

# How many of span 4's channels have a running canceller, and how many one attached.
ec_active() { grep -c 'EC: MG2 - ACTIVE' "/proc/dahdi/$SPAN_T1_GW"; }
ec_attached() { grep -c 'EC: MG2 - ' "/proc/dahdi/$SPAN_T1_GW"; }

# Wait until ec_active prints N, at most SECS.
wait_active() {	# N SECS
	local deadline=$(($(date +%s) + $2))
	until [ "$(ec_active)" = "$1" ]; do
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

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 4 24 || t_fail "span 4 not up"
gw_baseline
[ "$(ec_active)" = 0 ] || t_fail "a canceller runs before any call"
call_expect_ec 1 "echocancel=yes"
t_wait_log gw "CALL id=[0-9]+ dir=tdm-sip span 4 ch [0-9]+ trunk=peer called=5551234 .*answered=yes" 5 ||
	t_fail "no CALL line for the first call"
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
