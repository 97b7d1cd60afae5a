#!/bin/bash
# Every B-channel of the E1 busy at once, four times over (120 calls PBX -> SIP, answered by
# SIPp): each burst all answered and all cleared with cause 16, no channel left behind; with
# the span full, a 31st call from SIP is refused with 503 and Reason cause 34. Prints the
# gateway-added latencies (SETUP -> INVITE, 200 OK -> CONNECT: median and 90th percentile)
# and the daemon's CPU time per call ("load:" lines).
# needs: strowger tests/pstnsim/pstnsim
# timeout: 400
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim
BURSTS=4

cpu_ticks() {	# utime + stime of the daemon [clock ticks]
	awk '{ print $14 + $15 }' "/proc/$GW_PID/stat"
}

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline
# -timeout: the helper's 60 s bound is shorter than four bursts (~15 s each in the guest).
sip_uas gw_uas_answer.xml 6000 -m $((30 * BURSTS)) -d 0 -timeout 300s
uas=$T_PID
t0=$(cpu_ticks)
for b in $(seq $BURSTS); do
	t_start "pbx-$b" "${PBX_E1[@]}" -e "$PBX_READY; call 493020$b from 5551000 x 30 as c;
		expect answer @all 30s; sleep 8s; hangup 16 @all; expect hangup @all 20s"
	pbx=$T_PID
	gw_wait_count "200 OK -> CONNECT" $((30 * b)) 60 ||
		{ t_tail "pbx-$b"; t_fail "burst $b: not all 30 calls answered"; }
	if [ "$b" = 1 ]; then
		# The span is full: a call from SIP must be refused at once with 503 + cause 34.
		SIP_UAC_PORT=5072 sip_uac gw_uac_fail.xml 6002 4930999 -trace_msg \
			-message_file "$T_LOGDIR/uac-full.msg" || { t_tail sipp-uac; t_fail "31st call: SIPp status $T_RC"; }
		grep -q "^SIP/2.0 503" "$T_LOGDIR/uac-full.msg" || t_fail "31st call not refused with 503"
		grep -q '^Reason: Q.850;cause=34;' "$T_LOGDIR/uac-full.msg" || t_fail "503 without Reason cause 34"
	fi
	t_wait_exit "$pbx" 60 || { t_tail "pbx-$b"; t_fail "burst $b failed (pstnsim status $T_RC)"; }
	gw_wait_count "CALL id=.*dir=tdm-sip.*answered=yes cause=16" $((30 * b)) 30 ||
		t_fail "burst $b: not every call cleared with cause 16"
done
t1=$(cpu_ticks)
t_wait_exit "$uas" 20 || { t_tail sipp-uas; t_fail "SIPp UAS did not finish its $((30 * BURSTS)) calls"; }

# Latencies from the CALL lines of the answered PBX -> SIP calls.
stats() {	# field name -> "median p90 n"
	grep "CALL id=.*dir=tdm-sip.*answered=yes" "$T_LOGDIR/gw.log" | tr ' ' '\n' |
		sed -n "s/^$1=//p" | sort -g | awk '{ v[NR] = $1 } END {
			if (NR) printf "%.3f %.3f %d", v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)], NR }'
}
read -r s_med s_p90 s_n <<<"$(stats setup_relay_ms)"
read -r a_med a_p90 a_n <<<"$(stats answer_relay_ms)"
hz=$(getconf CLK_TCK)
echo "load: $s_n calls: SETUP in -> INVITE out median $s_med ms (p90 $s_p90 ms);" \
	"200 OK in -> CONNECT out median $a_med ms (p90 $a_p90 ms)"
echo "load: daemon CPU $(awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$s_n" \
	'BEGIN { printf "%.2f ms per call (%d ticks of 1/%d s for %d calls)", t * 1000 / hz / n, t, hz, n }')" \
	"(guest under TCG emulation: 5-40x slower than the host)"
[ "$s_n" = $((30 * BURSTS)) ] || t_fail "expected $((30 * BURSTS)) answered calls, counted $s_n"
gw_check_baseline 30
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
