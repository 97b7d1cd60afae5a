#!/bin/bash
# Fault soak: for SOAK_SECS (240 s) one random round after another on the E1 or the T1 span:
# calls in both directions hung up from either side at a random moment (during setup,
# ringing, after the answer, around a hold re-INVITE), refused, cancelled; the SIP peer killed
# mid-call (the gateway's BYE then goes nowhere) and started afresh for the next round; the
# PBX simulator killed mid-call (the D-channel drops; the next round's simulator restores it).
# Every round starts a new simulator and a new SIPp. The outcome of a single call is not
# checked (it is random); the gateway's is: it stays up, and at the end every call it created
# has exactly one CALL line, calls, media channels, B-channels in use and fds are back to the
# baseline, and a sanitized daemon reported nothing. STROWGER_SOAK_SEED replays a run.
# needs: strowger tests/pstnsim/pstnsim
# timeout: 400
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim
SOAK_SECS=${STROWGER_SOAK_SECS:-240}
SEED=${STROWGER_SOAK_SEED:-$((EPOCHSECONDS % 100000))}
RANDOM=$SEED
t_log "soak: seed $SEED, $SOAK_SECS s"

# R = a random integer in [LO, HI], without a fork.
rnd() { R=$(($1 + RANDOM % ($2 - $1 + 1))); }

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 && gw_wait_up 4 24 || t_fail "spans not up"
gw_baseline

# The PBX of a round on span 2 (E1) or 4 (T1); --keep-going: a step that fails (the far
# end did something else, at random) does not end the script early.
pbx_of() {	# SPAN -> PBX (array), PFX (a number routed to that span from SIP)
	if [ "$1" = "$SPAN_E1_GW" ]; then
		PBX=("${PBX_E1[@]}" --keep-going)
		PFX=4930
	else
		PBX=("${PBX_T1[@]}" --keep-going)
		PFX=1212
	fi
}

# Stop what a round left running (SIPp, the simulator): SIGKILL, as a crash would.
round_end() {
	local pid
	for pid in "$@"; do
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
}

# End a round's simulator. One still running is killed (SIGKILL: a PBX that dies); then wait
# until the gateway's side of its D-channel went down (T203 + N200 x T200, ~13 s, Q.921) so
# that the calls it had are cleared (cause 38) before the next simulator takes the span.
# Without the wait (STROWGER_SOAK_QUICK_RESTORE=1) the next simulator re-establishes the link
# first: the gateway's data link reset check clears those calls (see the end of this file).
pbx_end() {	# PID SPAN [killed: 1 if a t_run already timed it out]
	local was_running=${3:-0} deadline
	if [ "$1" != 0 ]; then	# 0: already gone (never kill -0 / -KILL 0: our own group)
		kill -0 "$1" 2>/dev/null && was_running=1
		round_end "$1"
	fi
	[ "$was_running" = 1 ] || return 0
	[ "${STROWGER_SOAK_QUICK_RESTORE:-0}" = 1 ] && return 0
	_t_ms
	deadline=$((_T_MS + 40000))
	while gw_status; do
		_gw_get "$GW_STATUS_LINE" dchan_up
		case ",$GW_V," in *",$2,"*) ;; *) t_log "span $2: gateway's D-channel down"; return 0 ;; esac
		_t_ms
		[ "$_T_MS" -lt $deadline ] || { t_log "span $2: gateway's D-channel still up 40 s after the PBX died"; return 0; }
		sleep 0.5
	done
}

declare -A kinds=()
rounds=0
while :; do
	_t_ms
	[ $((_T_MS - _T_START)) -lt $((SOAK_SECS * 1000)) ] || break
	kill -0 "$GW_PID" 2>/dev/null || { t_tail gw 40; t_fail "daemon died in round $rounds"; }
	rounds=$((rounds + 1))
	rnd 0 1
	span=$([ $R = 0 ] && echo "$SPAN_E1_GW" || echo "$SPAN_T1_GW")
	pbx_of "$span"
	n=$rounds
	rnd 0 9
	case $R in
	0 | 1) kind=out-hangup ;;	# PBX calls, hangs up at a random moment; the peer answers
	2) kind=out-busy ;;		# PBX calls, the peer says 486
	3) kind=out-peer-killed ;;	# PBX calls, answered; the SIP peer dies; PBX hangs up
	4) kind=dchan-drop ;;		# PBX calls, answered; the PBX dies mid-call
	5 | 6) kind=in-hangup ;;	# SIP calls, answered; SIP or PBX hangs up at random
	7) kind=in-cancel ;;		# SIP calls, cancels while (or before) the PBX rings
	8) kind=in-hold ;;		# SIP calls, holds and resumes; the PBX may hang up meanwhile
	9) kind=in-busy ;;		# SIP calls, the PBX refuses (17)
	esac
	kinds[$kind]=$((${kinds[$kind]:-0} + 1))
	t_log "round $n: $kind on span $span"
	case $kind in
	out-hangup)
		rnd 0 2000; ring=$R
		rnd 0 5000; hold=$R
		sip_uas gw_uas_answer.xml 6000 -d "$ring"
		uas=$T_PID
		t_run "pbx-$n" 40 "${PBX[@]}" -e "$PBX_READY; call ${PFX}50$n from 5551000;
			sleep ${hold}ms; hangup 16; expect hangup 10s"
		[ "$T_RC" = 124 ] && pbx_end 0 "$span" 1
		t_wait_exit "$uas" 5
		round_end "$uas" ;;
	out-busy)
		sip_uas gw_uas_busy.xml 6000
		uas=$T_PID
		t_run "pbx-$n" 40 "${PBX[@]}" -e "$PBX_READY; call ${PFX}51$n from 5551000; expect hangup 10s"
		[ "$T_RC" = 124 ] && pbx_end 0 "$span" 1
		round_end "$uas" ;;
	out-peer-killed)
		rnd 0 3000; hold=$R
		sip_uas gw_uas_answer.xml 6000
		uas=$T_PID
		t_start "pbx-$n" "${PBX[@]}" -e "$PBX_READY; call ${PFX}52$n from 5551000; expect answer 15s;
			sleep 2s; sleep ${hold}ms; hangup 16; expect hangup 10s"
		pbx=$T_PID
		t_wait_log "pbx-$n" 'ok .*expect answer' 25
		round_end "$uas"	# the peer is gone: our BYE times out (RFC 3261 Timer F)
		t_wait_exit "$pbx" 30
		pbx_end "$pbx" "$span" ;;
	dchan-drop)
		rnd 0 3000; hold=$R
		sip_uas gw_uas_answer.xml 6000
		uas=$T_PID
		t_start "pbx-$n" "${PBX[@]}" -e "$PBX_READY; call ${PFX}53$n from 5551000; expect answer 15s;
			sleep 60s"
		pbx=$T_PID
		t_wait_log "pbx-$n" 'ok .*expect answer' 25
		sleep "$((hold / 1000)).$((hold % 1000 / 100))"
		pbx_end "$pbx" "$span"	# the D-channel drops; the next round's simulator brings it back
		t_wait_exit "$uas" 2
		round_end "$uas" ;;
	in-hangup | in-hold)
		rnd 0 1500; ans=$R
		rnd 0 1; pbx_hangs=$R
		rnd 500 6000; talk=$R
		if [ "$pbx_hangs" = 1 ]; then
			rnd 0 8000
			after="sleep ${R}ms; hangup 16; expect hangup 10s"
		else
			after="expect hangup 30s"
		fi
		t_start "pbx-$n" "${PBX[@]}" -e "wait-up 30s; expect ring 30s; ring; sleep ${ans}ms; answer; $after"
		pbx=$T_PID
		{ t_wait_log "pbx-$n" 'D-channel up and stable' 40 && gw_wait_dchan "$span" 20; } ||
			t_log "round $n: D-channel not up on both ends; calling anyway"
		scen=gw_uac_call.xml
		[ $kind = in-hold ] && scen=gw_uac_hold.xml
		sip_uac "$scen" 6002 "${PFX}54$n" -d "$talk"
		t_wait_exit "$pbx" 15
		pbx_end "$pbx" "$span" ;;
	in-cancel)
		rnd 0 2500; ring=$R
		t_start "pbx-$n" "${PBX[@]}" -e "wait-up 30s; expect ring 30s; ring; expect hangup 15s"
		pbx=$T_PID
		{ t_wait_log "pbx-$n" 'D-channel up and stable' 40 && gw_wait_dchan "$span" 20; } ||
			t_log "round $n: D-channel not up on both ends; calling anyway"
		sip_uac gw_uac_cancel.xml 6002 "${PFX}55$n" -d "$ring"
		t_wait_exit "$pbx" 15
		pbx_end "$pbx" "$span" ;;
	in-busy)
		t_start "pbx-$n" "${PBX[@]}" -e "wait-up 30s; expect ring 30s; reject 17; sleep 1s"
		pbx=$T_PID
		{ t_wait_log "pbx-$n" 'D-channel up and stable' 40 && gw_wait_dchan "$span" 20; } ||
			t_log "round $n: D-channel not up on both ends; calling anyway"
		sip_uac gw_uac_fail.xml 6002 "${PFX}56$n"
		t_wait_exit "$pbx" 10
		pbx_end "$pbx" "$span" ;;
	esac
done
summary=
for k in "${!kinds[@]}"; do summary="$summary $k=${kinds[$k]}"; done
t_log "soak: $rounds rounds:$summary"

# The far ends are gone; what the gateway still holds must go: a BYE to the killed peer
# times out after 64*T1 = 32 s (RFC 3261 §17.1.2.2), a dropped D-channel after T203 + N200
# x T200 (~13 s, Q.921).
kill -0 "$GW_PID" 2>/dev/null || { t_tail gw 40; t_fail "daemon died after $rounds rounds"; }
gw_check_baseline 60

# Every call the gateway created has exactly one CALL line: ids 1..calls_created, once each.
gw_status || t_fail "no status at the end"
_gw_get "$GW_STATUS_LINE" calls_created
created=$GW_V
read -r lines uniq max < <(grep -oE 'CALL id=[0-9]+ ' "$T_LOGDIR/gw.log" | sed 's/CALL id=//' |
	sort -n | awk '{ n++; if (!seen[$1]++) u++; if ($1 > m) m = $1 } END { print n + 0, u + 0, m + 0 }')
echo "soak: seed $SEED, $rounds rounds ($summary ), $created calls, $lines CALL lines"
[ "$created" -gt 0 ] || t_fail "no call was created in $rounds rounds"
[ "$lines" = "$created" ] && [ "$uniq" = "$created" ] && [ "$max" = "$created" ] ||
	t_fail "CALL lines: $lines lines for $uniq ids (highest $max), $created calls created (seed $SEED)"
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass

# Found by this soak (STROWGER_SOAK_QUICK_RESTORE=1 runs it): when the PBX dies during an
# answered call and a new PBX re-establishes the D-channel before the gateway's Q.921 noticed
# the loss, the gateway kept the call (U10 Active, its B-channel busy, its SIP leg up) though
# the new PBX knew nothing of it, and the new PBX's SETUPs collided with its call reference
# (unanswered, T303 twice, cause 18) until a stray DISCONNECT cleared it minutes later. Fixed:
# the new PBX's SABME while our link is established is a data link reset (Q.931 §5.8.8); the
# gateway checks each call with an INFORMATION and clears those the new PBX answers with
# RELEASE COMPLETE cause 81 (tdm/pri.c, docs/architecture.md §4; t-call-dlreset proves it).
