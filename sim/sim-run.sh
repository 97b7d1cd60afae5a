# strowger-sim, the guest half (source after tests/guest/lib.sh, daemon.sh and calls.sh):
#
#   sim_run DIR     DIR made by sim/simprep.py: strowger.conf, plan, spans, trunks, sip_port
#
# Starts the gateway with DIR/strowger.conf on the guest's looped spans, then places each
# call of DIR/plan one after another and prints one "sim: call N: ..." line for it:
#   pbx: the PBX simulator on the span's far end calls NUMBER from FROM; a SIP peer (SIPp,
#        answering) waits on every trunk's loopback address; an RTP probe is its media.
#   sip: SIPp calls the gateway from the trunk's loopback address; a PBX simulator on every
#        PRI span answers whatever rings there.
# Each side plays a tone the other must hear (the PBX 1004 Hz, the SIP peer 1800 Hz). The
# line says the route taken and where it went (the gateway's CALL line), the INVITE the SIP
# peer got (Request-URI and From), the Q.850 cause and SIP status, and the tones heard.
# Sets SIM_CALLS (calls placed) and SIM_ANSWERED (calls answered with audio both ways).

_sim_field() {	# FILE PREFIX KEY: KEY=value from the first line of FILE starting with PREFIX
	grep -m1 "^$2" "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$3=//p" | head -1
}

# The INVITE in a SIPp message log: "sip:...  From: ..." (sent or received).
_sim_invite() {
	local f=$1 ruri from
	ruri=$(grep -m1 -E '^INVITE ' "$f" 2>/dev/null | awk '{ print $2 }')
	from=$(awk '/^INVITE /{ on = 1 } on && tolower($0) ~ /^(from|f):/ { sub(/\r$/, ""); sub(/^[^:]*: */, ""); print; exit }' "$f" 2>/dev/null)
	[ -n "$ruri" ] && echo "$ruri, From $from"
}

# The gateway's CALL line number N (1-based), waiting up to 10 s for it.
_sim_call_line() {
	local i
	for i in $(seq 100); do
		[ "$(grep -c 'CALL id=' "$T_LOGDIR/gw.log")" -ge "$1" ] && break
		sleep 0.1
	done
	grep 'CALL id=' "$T_LOGDIR/gw.log" | sed -n "${1}p"
}

# "1800:ok:1900/2000" (pstnsim's audio=, rtpprobe's tone=): "1800 Hz" or "nothing"
_sim_tone() {
	case $1 in
	*:ok:*) echo "${1%%:*} Hz" ;;
	*) echo "nothing" ;;
	esac
}

_sim_report() {	# N WHAT CALL_LINE PBX_LOG PROBE_LOG INVITE got|sent
	local n=$1 what=$2 line=$3 pbx=$4 probe=$5 invite=$6 how=$7 route to cause status heard_pbx heard_sip
	route=$(tr ' ' '\n' <<<"$line" | sed -n 's/^route=//p')
	# "trunk:carrier", "span:2": the destination, in the user's span numbers
	to=$(tr ' ' '\n' <<<"$line" | sed -n 's/^to=//p' | tr ':,' '  ' | sed -E "${SIM_SPANS:-} s/@//g")
	cause=$(sed -n 's/.* cause=\([0-9-]*\) (\(.*\)) sip_status=.*/\1 (\2)/p' <<<"$line")
	status=$(tr ' ' '\n' <<<"$line" | sed -n 's/^sip_status=//p')
	[ "$status" = 0 ] && status=none
	heard_pbx=$(_sim_tone "$(_sim_field "$pbx" "CALL pbx" audio)")
	heard_sip=$(_sim_tone "$(_sim_field "$probe" "PROBE" tone)")
	echo "sim: call $n: $what"
	if [ -n "$route" ]; then
		echo "sim:   route: $route to $to"
	else
		echo "sim:   route: none (no route matched)"
	fi
	echo "sim:   SIP peer $how: ${invite:-no INVITE}"
	echo "sim:   cause ${cause:-?}, SIP status ${status:-?}, answered $(tr ' ' '\n' <<<"$line" | sed -n 's/^answered=//p')"
	echo "sim:   audio: PBX heard $heard_pbx, SIP peer heard $heard_sip (the PBX sends 1004 Hz, the SIP peer 1800 Hz)"
	[ "$heard_pbx" = "1800 Hz" ] && [ "$heard_sip" = "1004 Hz" ] && SIM_ANSWERED=$((SIM_ANSWERED + 1))
	return 0
}

sim_run() {
	local dir=$1 sim probe n=0 kind what gs number from addr line pids k span args chans t
	local sip_port
	sim=$(t_bin tests/pstnsim/pstnsim)
	probe=$(t_bin tests/rtpprobe/rtpprobe)
	sip_port=$(cat "$dir/sip_port")
	SIM_CALLS=0 SIM_ANSWERED=0
	gw_start "$dir/strowger.conf"
	SIM_SPANS=""
	while IFS='|' read -r -u 5 span _ _ user; do
		SIM_SPANS="$SIM_SPANS s/span $span\b/span @$user/g;"
		t_wait_log gw "span $span: up," 40 || { t_tail gw 20; t_fail "span $span did not come up"; }
	done 5<"$dir/spans"
	while IFS='|' read -r -u 3 kind what gs number from; do
		n=$((n + 1))
		local before
		before=$(grep -c 'CALL id=' "$T_LOGDIR/gw.log")
		pids=()
		if [ "$kind" = pbx ]; then
			t_start "probe-$n" "$probe" --listen 127.0.0.1:6000 --tag sip --send-tone 1800 \
				--expect-tone 1004 --duration 14 --wait-first 14
			pids+=("$T_PID")
			k=0
			while IFS='|' read -r -u 4 t addr; do
				t_start "uas-$n-$k" sipp -sf "$SIP_SCEN/gw_uas_answer.xml" -key probe_port 6000 \
					-i "$addr" -p 5070 -mp $((7000 + 10 * k)) -m 1 -timeout 40s -nostdin \
					-trace_msg -message_file "$T_LOGDIR/uas-$n-$k.msg" -d 300
				pids+=("$T_PID")
				k=$((k + 1))
			done 4<"$dir/trunks"
			args=$(sed -n "s/^$gs|[^|]*|\([^|]*\)|.*/\1/p" "$dir/spans")
			# shellcheck disable=SC2086  # args: the simulator's options, word by word
			t_run "pbx-$n" 45 "$sim" $args --tag pbx -e "$PBX_READY; call $number from $from;
				expect answer 10s; tone 1004; expect-tone 1800 2s within 5s; sleep 2s;
				hangup 16; expect hangup 5s"
			line=$(_sim_call_line $((before + 1)))
			local inv=""
			for f in "$T_LOGDIR"/uas-$n-*.msg; do
				[ -n "$inv" ] || inv=$(_sim_invite "$f")
			done
			for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
			for p in "${pids[@]}"; do t_wait_exit "$p" 5; done
			_sim_report "$n" "$what" "$line" "$T_LOGDIR/pbx-$n.log" "$T_LOGDIR/probe-$n.log" "$inv" got
		else
			addr=$gs
			while IFS='|' read -r -u 4 span k args chans; do
				[ -n "$args" ] || continue
				# shellcheck disable=SC2086
				t_start "pbx-$n-$span" "$sim" $args --tag pbx -e "wait-up 30s; expect ring 40s;
					ring; sleep 200ms; answer; tone 1004; expect-tone 1800 2s within 5s;
					expect hangup 25s"
				pids+=("$T_PID")
			done 4<"$dir/spans"
			while IFS='|' read -r -u 4 span k args chans; do
				[ -n "$args" ] || continue
				t_wait_log "pbx-$n-$span" 'D-channel up and stable' 40 && gw_wait_dchan "$span" 20
			done 4<"$dir/spans"
			t_start "probe-$n" "$probe" --listen 127.0.0.1:6002 --tag sip --send-tone 1800 \
				--expect-tone 1004 --duration 12 --wait-first 12
			local prb=$T_PID
			sed "s/5551000/$from/g" "$SIP_SCEN/gw_uac_call.xml" >"$T_LOGDIR/uac-$n.xml"
			t_run "uac-$n" 60 sipp -sf "$T_LOGDIR/uac-$n.xml" -key probe_port 6002 -s "$number" \
				-i "$addr" -p 5070 -mp 7100 "127.0.0.1:$sip_port" -m 1 -timeout 30s \
				-timeout_error -nostdin -trace_msg -message_file "$T_LOGDIR/uac-$n.msg" -d 5000
			line=$(_sim_call_line $((before + 1)))
			kill -TERM "$prb" 2>/dev/null
			t_wait_exit "$prb" 5
			# the simulator that got the call has ended; the others still wait: stop them
			local pbxlog=""
			for p in "${pids[@]}"; do t_wait_exit "$p" 3 || kill -TERM "$p" 2>/dev/null; done
			for f in "$T_LOGDIR"/pbx-$n-*.log; do
				grep -q '^CALL pbx' "$f" && [ -z "$pbxlog" ] && pbxlog=$f
			done
			_sim_report "$n" "$what" "$line" "${pbxlog:-/dev/null}" "$T_LOGDIR/probe-$n.log" \
				"$(_sim_invite "$T_LOGDIR/uac-$n.msg")" sent
		fi
		SIM_CALLS=$n
	done 3<"$dir/plan"
	gw_stop_clean || t_log "the gateway did not stop cleanly (status $T_RC)"
}
