#!/bin/bash
# The gateway's main job (make demo): the PBX simulator places calls through the gateway to a
# SIP peer on loopback, and the peer calls back into the PBX, on the E1 span (A-law) and the
# T1 span (u-law), PCMU on the trunk. For each call: setup time, audio checked in both
# directions (different tones each way), DTMF both ways (in-band on the span, RFC 4733 on
# the trunk), the hang-up cause; one "demo:" line per call. Then a 2-page fax each way
# between the two PBXs through the gateway's own SIP address as a T.38 trunk (E1 → T.38 →
# T1 and back; both halves of the T.38 gateway in each call), with its pages and rate; then
# a summary. Then analog lines: a phone on an FXS port calls the SIP peer and is called back
# (ring, caller ID, busy tone after the peer hangs up), and an FXO call each way with an
# exchange line (caller ID in, DTMF dialling out). PASS only if every call passed. Last, what
# an operator sees of it: strowgerctl's view of the calls during the first fax (two calls of
# the gateway, looped through its own T.38 trunk), of the spans, and the calls' CDR rows.
# needs: strowger strowgerctl tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe tests/tools/mkfaxtiff tests/tools/faxcmp
# timeout: 800
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger strowgerctl tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe tests/tools/mkfaxtiff tests/tools/faxcmp
CTL_SOCK=$T_LOGDIR/control
PROBE=$(t_bin tests/rtpprobe/rtpprobe)
ROUNDS=${STROWGER_DEMO_ROUNDS:-2}
DIGITS='0123456789*#'	# every DTMF digit, each way on every call
n=0 passed=0

ctl() { "$(t_bin strowgerctl)" -s "$CTL_SOCK" "$@" 2>&1; }

# "key=value" from the first line of FILE starting with PREFIX.
field() {
	grep -m1 "^$2" "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$3=//p" | head -1
}

# report NAME PBX_LOG PROBE_LOG OK: one line per call from the simulator's CALL line and the
# probe's PROBE line.
report() {
	local name=$1 pbx=$T_LOGDIR/$2.log probe=$T_LOGDIR/$3.log ok=$4
	local setup tdm_audio sip_audio cause tdm_dtmf sip_dtmf
	setup=$(field "$pbx" "CALL pbx" setup_ms)
	tdm_audio=$(field "$pbx" "CALL pbx" audio)
	sip_audio=$(field "$probe" "PROBE" tone)
	cause=$(field "$pbx" "CALL pbx" cause)
	tdm_dtmf=$(field "$pbx" "CALL pbx" dtmf_rx)
	sip_dtmf=$(field "$probe" "PROBE" dtmf_rfc4733)
	n=$((n + 1))
	[ "$ok" = 0 ] && passed=$((passed + 1))
	echo "demo: call $n $name: setup ${setup:-?} ms, heard at PBX ${tdm_audio:-none}," \
		"heard at SIP ${sip_audio:-none}, DTMF at PBX '${tdm_dtmf:-}' at SIP '${sip_dtmf:-}'," \
		"cause ${cause:-?}: $([ "$ok" = 0 ] && echo PASS || echo FAIL)"
}

# call_out NAME PBX_ARRAY NUMBER: the PBX calls NUMBER, SIPp answers, tones both ways, PBX hangs up.
call_out() {
	local name=$1 pbxvar=$2 number=$3 ok=0 uas probe
	local -n pbx=$pbxvar
	t_start "probe-$n" "$PROBE" --listen 127.0.0.1:6000 --tag sip --send-tone 1800 \
		--expect-tone 1004 --send-dtmf "$DIGITS" --dtmf-delay 3500 --expect-dtmf "$DIGITS" \
		--duration 16 --wait-first 12
	probe=$T_PID
	sip_uas gw_uas_answer.xml 6000 -d 300
	uas=$T_PID
	t_run "pbx-$n" 40 "${pbx[@]}" -e "$PBX_READY; call $number from 5551000; expect answer 10s;
		tone 1004; expect-tone 1800 2s within 5s; dtmf $DIGITS; expect-dtmf $DIGITS 12s;
		sleep 1s; hangup 16; expect hangup 5s" || ok=1
	t_wait_exit "$uas" 10 || ok=1
	kill -TERM "$probe" 2>/dev/null
	t_wait_exit "$probe" 5 || ok=1
	report "$name PBX -> SIP $number" "pbx-$n" "probe-$n" $ok
}

# call_in NAME PBX_ARRAY NUMBER: SIPp calls NUMBER, the PBX answers, tones both ways, SIPp hangs up.
call_in() {
	local name=$1 pbxvar=$2 number=$3 ok=0 pbxpid probe span=$SPAN_E1_GW
	local -n pbx=$pbxvar
	[ "$pbxvar" = PBX_T1 ] && span=$SPAN_T1_GW
	t_start "pbx-$n" "${pbx[@]}" -e "wait-up 30s; expect ring to $number 30s; ring; sleep 200ms;
		answer; tone 1004; expect-tone 1800 2s within 5s; dtmf $DIGITS; expect-dtmf $DIGITS 12s;
		expect hangup 16 25s"
	pbxpid=$T_PID
	t_start "probe-$n" "$PROBE" --listen 127.0.0.1:6002 --tag sip --send-tone 1800 \
		--expect-tone 1004 --send-dtmf "$DIGITS" --dtmf-delay 3500 --expect-dtmf "$DIGITS" \
		--duration 18 --wait-first 15
	probe=$T_PID
	# Both ends of the D-channel up before the INVITE (a SETUP sent earlier gets cause 38).
	{ t_wait_log "pbx-$n" 'D-channel up and stable' 40 && gw_wait_dchan "$span" 20; } || ok=1
	sip_uac gw_uac_call.xml 6002 "$number" -d 11000 || ok=1
	t_wait_exit "$pbxpid" 20 || ok=1
	kill -TERM "$probe" 2>/dev/null
	t_wait_exit "$probe" 5 || ok=1
	report "$name SIP -> PBX $number" "pbx-$n" "probe-$n" $ok
}

# fax_call NAME FROM_PBX TO_PBX NUMBER: FROM faxes 2 pages to NUMBER over [trunk self] (T.38).
fax_call() {
	local name=$1 number=$4 ok=0 rxpid rx=$T_LOGDIR/fax-$n-rx.tif span=$SPAN_E1_GW before
	local -n from=$2 to=$3
	[ "$3" = PBX_T1 ] && span=$SPAN_T1_GW
	before=$(grep -c 'FAX call=' "$T_LOGDIR/gw.log")
	t_start "faxrx-$n" "${to[@]}" --tag rx -e "wait-up 30s; expect ring to $number 30s; answer;
		fax-recv $rx ecm; expect fax-done 3m pages 2; expect hangup 30s"
	rxpid=$T_PID
	{ t_wait_log "faxrx-$n" 'D-channel up and stable' 40 && gw_wait_dchan "$span" 20; } || ok=1
	# the operator's view, once, in the middle of the first fax
	[ -e "$T_LOGDIR/show-calls.txt" ] || { sleep 15; ctl show calls >"$T_LOGDIR/show-calls.txt"; } &
	t_run "faxtx-$n" 240 "${from[@]}" --tag tx -e "$PBX_READY; call $number from 5551000;
		expect answer 15s; fax-send $T_LOGDIR/fax.tif ecm; expect fax-done 3m pages 2;
		hangup 16; expect hangup 5s" || ok=1
	t_wait_exit "$rxpid" 40 || ok=1
	"$(t_bin tests/tools/faxcmp)" "$T_LOGDIR/fax.tif" "$rx" >"$T_LOGDIR/faxcmp-$n.log" 2>&1 || ok=1
	# both halves' FAX lines (the looped call is two calls of the gateway)
	for _ in $(seq 150); do
		[ "$(grep -c 'FAX call=' "$T_LOGDIR/gw.log")" -ge $((before + 2)) ] && break
		sleep 0.1
	done
	local line
	line=$(grep 'FAX call=' "$T_LOGDIR/gw.log" | sed -n "$((before + 1))p")
	grep -q 'transport=t38' <<<"$line" || ok=1
	n=$((n + 1))
	[ "$ok" = 0 ] && passed=$((passed + 1))
	echo "demo: call $n $name fax PBX -> T.38 -> PBX $number: $(sed -n 's/^faxcmp: //p' "$T_LOGDIR/faxcmp-$((n - 1)).log")," \
		"$(tr ' ' '\n' <<<"$line" | grep -E '^(transport|pages|rate|modem|ecm|code)=' | tr '\n' ' ')" \
		"$([ "$ok" = 0 ] && echo PASS || echo FAIL)"
}

# Analog lines: a phone on FXS port 5:1 (its simulator on channel 135) and an exchange line
# on FXO port 7:1 (its simulator on channel 183); one demo line each, from the simulator's
# step lines.
PHONE=("$(t_bin tests/pstnsim/pstnsim)" --analog 135 --role phone --tag phone)
EXCH=("$(t_bin tests/pstnsim/pstnsim)" --analog 183 --role exchange --tag exch)

# analog_report NAME SIM_LOG PROBE_LOG OK
analog_report() {
	local sim=$T_LOGDIR/$2.log ok=$4 what
	what=$(grep -E ' ok +L[0-9]+ +(expect-tones|expect cid|expect ringing|expect-dtmf)' "$sim" |
		sed -E 's/^.* ok +L[0-9]+ +//; s/ within [^:]*//' | tr '\n' ';')
	n=$((n + 1))
	[ "$ok" = 0 ] && passed=$((passed + 1))
	echo "demo: call $n $1: ${what:-nothing checked} heard at SIP $(field "$T_LOGDIR/$3.log" PROBE tone):" \
		"$([ "$ok" = 0 ] && echo PASS || echo FAIL)"
}

analog_calls() {
	local ok pid probe uas
	ok=0
	t_start "probe-$n" "$PROBE" --listen 127.0.0.1:6000 --tag sip --send-tone 1800 \
		--expect-tone 1004 --duration 20 --wait-first 25
	probe=$T_PID
	sip_uas gw_uas_answer.xml 6000 -d 2000
	uas=$T_PID
	t_run "phone-$n" 60 "${PHONE[@]}" -e 'offhook; expect-tones 350+440 1s within 3s;
		dtmf 5551234; expect-tones 440+480 1s within 5s min 70;
		tone 1004; expect-tone 1800 2s within 8s; sleep 3s; onhook; sleep 1s' || ok=1
	t_wait_exit "$uas" 10 || ok=1
	kill -TERM "$probe" 2>/dev/null
	t_wait_exit "$probe" 5 || ok=1
	analog_report "FXS phone -> SIP 5551234" "phone-$n" "probe-$n" $ok

	ok=0
	t_start "phone-$n" "${PHONE[@]}" -e 'expect ringing x 2 cadence 6s 20s; expect cid from 5551000 1s;
		offhook; tone 1004; expect-tone 1800 2s within 5s;
		expect-tones 480+620 2s within 10s min 30 cadence 500/500; onhook; sleep 1s'
	pid=$T_PID
	t_start "probe-$n" "$PROBE" --listen 127.0.0.1:6002 --tag sip --send-tone 1800 \
		--expect-tone 1004 --duration 20 --wait-first 25
	probe=$T_PID
	sip_uac gw_uac_call.xml 6002 2001 -d 4000 || ok=1
	t_wait_exit "$pid" 20 || ok=1
	kill -TERM "$probe" 2>/dev/null
	t_wait_exit "$probe" 5 || ok=1
	analog_report "SIP -> FXS phone 2001" "phone-$n" "probe-$n" $ok

	ok=0
	t_start "probe-$n" "$PROBE" --listen 127.0.0.1:6000 --tag sip --send-tone 1800 \
		--expect-tone 1004 --duration 12 --wait-first 30
	probe=$T_PID
	sip_uas gw_uas_answer.xml 6000 -d 1000
	uas=$T_PID
	t_run "exch-$n" 60 "${EXCH[@]}" -e 'ring-line from 5553000 name Alice; expect offhook 20s;
		tone 1004; expect-tone 1800 2s within 5s; sleep 2s; onhook; sleep 2s' || ok=1
	t_wait_exit "$uas" 10 || ok=1
	kill -TERM "$probe" 2>/dev/null
	t_wait_exit "$probe" 5 || ok=1
	analog_report "exchange (caller ID 5553000 Alice) -> FXO -> SIP 3001" "exch-$n" "probe-$n" $ok

	ok=0
	t_start "exch-$n" "${EXCH[@]}" -e 'expect offhook 20s; expect-dtmf 5551234 10s; tone 1004;
		expect-tone 1800 2s within 5s; expect onhook 15s'
	pid=$T_PID
	t_start "probe-$n" "$PROBE" --listen 127.0.0.1:6002 --tag sip --send-tone 1800 \
		--expect-tone 1004 --duration 20 --wait-first 25
	probe=$T_PID
	sleep 1
	sip_uac gw_uac_call.xml 6002 95551234 -d 7000 || ok=1
	t_wait_exit "$pid" 20 || ok=1
	kill -TERM "$probe" 2>/dev/null
	t_wait_exit "$probe" 5 || ok=1
	analog_report "SIP 95551234 -> FXO -> exchange" "exch-$n" "probe-$n" $ok
}

t_check "mkfaxtiff" "$(t_bin tests/tools/mkfaxtiff)" --pages 2 --res standard --coding 2d "$T_LOGDIR/fax.tif"
cat "$STROWGER_ROOT/tests/guest/gateway.conf" "$STROWGER_ROOT/tests/guest/fxo.conf" |
	sed "s|^\[general\]\$|[general]\ncontrol_socket = $CTL_SOCK\ncdr_db = $T_LOGDIR/cdr.db|" \
	>"$T_LOGDIR/gateway.conf"
gw_start "$T_LOGDIR/gateway.conf"
gw_wait_up 2 31 && gw_wait_up 4 24 && gw_wait_up 5 24 30 && gw_wait_up 7 24 30 || t_fail "spans not up"
for r in $(seq "$ROUNDS"); do
	call_out "E1" PBX_E1 "493012$r"
	call_in "E1" PBX_E1 "493099$r"
	call_out "T1" PBX_T1 "212555$r"
	call_in "T1" PBX_T1 "1212555$r"
done
analog_calls
fax_call "E1->T1" PBX_E1 PBX_T1 4930888
fax_call "T1->E1" PBX_T1 PBX_E1 1555888
ctl show spans >"$T_LOGDIR/show-spans.txt"
# every call's row, once the last call's is written (the writer thread commits it)
for _ in $(seq 50); do
	ctl cdr tail 50 >"$T_LOGDIR/cdr-tail.txt"
	[ "$(grep -cE '^[0-9]+ +[0-9]{4}-' "$T_LOGDIR/cdr-tail.txt")" = "$(grep -c 'CALL id=' "$T_LOGDIR/gw.log")" ] &&
		break
	sleep 0.2
done
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
grep "CALL id=" "$T_LOGDIR/gw.log" | sed 's/^.*CALL /demo: gateway: CALL /'
for view in "show calls (during the first fax):show-calls" "show spans:show-spans" \
	"cdr tail (the CDR rows of the demo's calls):cdr-tail"; do
	echo "demo: strowgerctl ${view%%:*}"
	sed 's/^/demo:   /' "$T_LOGDIR/${view##*:}.txt"
done
[ "$(grep -cE '^[0-9]+ +[0-9]{4}-' "$T_LOGDIR/cdr-tail.txt")" = "$(grep -c 'CALL id=' "$T_LOGDIR/gw.log")" ] ||
	t_fail "the CDR rows do not match the gateway's CALL lines"
echo "demo: $n calls, $passed passed, $((n - passed)) failed"
[ "$passed" = "$n" ] || t_fail "$((n - passed)) of $n demo calls failed"
t_pass
