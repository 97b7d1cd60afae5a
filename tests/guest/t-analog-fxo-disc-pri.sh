#!/bin/bash
# FXO disconnect supervision in band on a TDM ⇄ TDM bridge, on real DAHDI: the T1 PBX
# (pstnsim, PRI) calls 97 5551234, which goes out on FXO port 7:1 (tone zone us,
# disconnect_tone = yes): the gateway seizes the line and dials 5551234, the exchange
# (pstnsim --role exchange, loop current kept) talks (1004 Hz, heard by the PBX through the
# bridge, and the PBX's 1800 Hz by the exchange); then the exchange sends busy tone (480+620
# Hz, 500/500 ms) and nothing else: the bridge's supervision on the line's side must clear the
# call (DISCONNECT cause 16 to the PBX, the line on-hook) within 8 s of the tone's start.
# needs: strowger tests/pstnsim/pstnsim
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim

# The PBX's 97... to the FXO port: before [route t1-out] (first match in config order).
conf=$T_LOGDIR/gateway.conf
sed 's/^\[route t1-out\]$/[route t1-to-fxo]\nfrom = span 4\nmatch = 97\nstrip = 2\nto = port 7:1\n\n[route t1-out]/' \
	"$STROWGER_ROOT/tests/guest/gateway.conf" >"$conf"
cat "$STROWGER_ROOT/tests/guest/fxo.conf" >>"$conf"
grep -q '^\[route t1-to-fxo\]$' "$conf" || t_fail "test config: no route to the FXO port"
# Port 7:1 is DAHDI channel 159, its exchange line 183.
EXCH=("$(t_bin tests/pstnsim/pstnsim)" --analog 183 --role exchange --tag exch)

gw_start "$conf"
gw_wait_up 7 24 30 || t_fail "span 7 not up"
gw_wait_up 4 24 30 || t_fail "span 4 not up"
gw_baseline

t_start exch "${EXCH[@]}" -e 'expect offhook 40s; expect-dtmf 5551234 10s; tone 1004;
	expect-tone 1800 2s within 8s; tone off; line-tone 480+620 cadence 500/500 -24;
	expect onhook 8s; line-tone off'
ex=$T_PID
t_run pbx 60 "${PBX_T1[@]}" -e "$PBX_READY; "'call 975551234 from 2125550100; expect answer 20s;
	tone 1800; expect-tone 1004 2s within 10s; expect hangup 16 15s' ||
	{ t_tail pbx; t_tail exch; t_tail gw 30; t_fail "the PBX's call was not cleared with cause 16 (pstnsim status $T_RC)"; }
t_wait_exit "$ex" 15 || { t_tail exch; t_tail gw 20; t_fail "the exchange did not see the line released in time (status $T_RC)"; }
t_wait_log gw "media: B-channels bridged" 2 || t_fail "the call was not a TDM bridge"
t_wait_log gw "busy tone from the line: the far end hung up, clearing with cause 16" 5 ||
	t_fail "no busy-tone disconnect logged"
t_wait_log gw "CALL id=1 dir=tdm-tdm span 4 ch [0-9]+ port 7:1 .*called=5551234 .*answered=yes cause=16 .*cleared_by=tdm" 5 ||
	{ grep "CALL id" "$T_LOGDIR/gw.log"; t_fail "gateway's summary of the call missing or wrong"; }

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
