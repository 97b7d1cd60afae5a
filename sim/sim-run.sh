# strowger-sim, the guest half (source after tests/guest/lib.sh, daemon.sh and calls.sh):
#
#   sim_run DIR     DIR made by sim/simprep.py: strowger.conf, plan, spans, ports, trunks, sip_port
#
# Starts the gateway with DIR/strowger.conf on the guest's looped spans, then places each
# call of DIR/plan one after another and prints one "sim: call N: ..." block for it:
#   pbx:      the PBX simulator on the span's far end calls NUMBER from FROM;
#   phone:    the phone on an FXS port (pstnsim's phone role on the looped fxsks channel)
#             goes off-hook, checks the zone's dial tone, dials NUMBER;
#   exchange: the exchange line on an FXO port (pstnsim's exchange role on the looped fxoks
#             channel) rings it with caller ID;
#   for these three a SIP peer (SIPp, answering) waits on every trunk's loopback address and
#   an RTP probe is its media.
#   sip:      SIPp calls the gateway from the trunk's loopback address; a PBX simulator on
#             every PRI span, a phone on every FXS port and an exchange line on every FXO
#             port (the first 8 of each kind) answer whatever rings there. The phone counts
#             two rings in the zone's cadence and decodes the caller ID first; the exchange
#             line collects the digits the gateway dials.
# Each side plays a tone the other must hear (the PBX, phone or line 1004 Hz, the SIP peer
# 1800 Hz). The block says the route taken and where it went (the gateway's CALL line), the
# INVITE the SIP peer got (Request-URI and From), the Q.850 cause and SIP status, what the
# analog line saw (dial tone, rings, caller ID, digits) and the tones heard.
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

# The gateway's CALL line number N (1-based), waiting up to SECS (10) for it.
_sim_call_line() {
	local i
	for i in $(seq $((${2:-10} * 10))); do
		[ "$(grep -c 'CALL id=' "$T_LOGDIR/gw.log")" -ge "$1" ] && break
		sleep 0.1
	done
	grep 'CALL id=' "$T_LOGDIR/gw.log" | sed -n "${1}p"
}

# What a simulator heard from the SIP side: "1800 Hz" or "nothing". Its CALL line's audio=
# ("1800:ok:1900/2000"), or, when it was stopped before it printed one, its passed
# expect-tone step ("audio ok: heard 1800 Hz").
_sim_heard() {
	local a
	a=$(_sim_field "$1" "CALL " audio)
	case $a in
	*:ok:*) echo "${a%%:*} Hz"; return ;;
	?*) echo nothing; return ;;
	esac
	a=$(sed -n 's/.* ok .*audio ok: heard \([0-9]*\) Hz.*/\1/p' "$1" 2>/dev/null | head -1)
	echo "${a:+$a Hz}${a:-nothing}"
}

# "1800:ok:1900/2000" (rtpprobe's tone=): "1800 Hz" or "nothing"
_sim_tone() {
	case $1 in
	*:ok:*) echo "${1%%:*} Hz" ;;
	*) echo "nothing" ;;
	esac
}

# Guest span and port numbers in TEXT as the user numbered them ("port 5:2" -> "port 3:2").
_sim_user() {
	sed -E "${SIM_SPANS:-} s/@//g" <<<"$1"
}

# The first failed step of a simulator's log, "L3 expect-tones 350+440 1s within 3s: ...".
_sim_failed() {
	sed -n 's/^\[[ 0-9.]*\] [a-z]* FAIL  *\(L[0-9]*\) *\(.*\)/\1 \2/p' "$1" 2>/dev/null | head -1
}

# What an analog simulator's log says about its line, one line: dial tone, rings, caller ID,
# digits, or the step that failed.
_sim_line_note() {	# LOG ROLE(phone|exchange) PORT ORIGINATED(yes|no)
	local log=$1 role=$2 port=$3 orig=$4 s out="" fl
	if [ "$role" = phone ] && [ "$orig" = yes ]; then
		s=$(sed -n 's/.* ok .*expect-tones \([0-9+]*\) .*: .* ok: heard.*/\1/p' "$log" | head -1)
		if [ -n "$s" ]; then out="dial tone $s Hz heard"; else out="no dial tone checked or heard"; fi
		s=$(sed -n 's/.* ok .*dtmf \([0-9*#ABCD]*\): line: sent.*/\1/p' "$log" | head -1)
		out="$out, dialled ${s:-nothing}"
	elif [ "$role" = phone ]; then
		s=$(sed -n 's/.* ok .*expect ringing[^:]*: \(.*\)/\1/p' "$log" | head -1)
		out="rang: ${s:-no}"
		s=$(sed -n "s/.* evt   line: caller ID number '\([^']*\)' name '\([^']*\)'.*/number '\1' name '\2'/p" "$log" | head -1)
		out="$out; caller ID ${s:-none decoded}"
		grep -q ' ok .* offhook: off-hook' "$log" && out="$out; answered"
	elif [ "$orig" = yes ]; then
		s=$(sed -n 's/.* ok .*expect offhook[^:]*: \(.*\)/\1/p' "$log" | head -1)
		out="rang the line; the gateway went ${s:-not off-hook}"
	else
		s=$(_sim_field "$log" "CALL " dtmf_rx)
		out="line seized; digits heard ${s:-?}"
	fi
	fl=$(_sim_failed "$log")
	echo "$role on $port: $out${fl:+; FAILED $fl}"
}

_sim_report() {	# N WHAT CALL_LINE SIDE SIDE_LOG PROBE_LOG INVITE got|sent [LINE_NOTE] [NO_CALL_WHY]
	local n=$1 what=$2 line=$3 side=$4 log=$5 probe=$6 invite=$7 how=$8 note=${9:-} why=${10:-}
	local route to cause status heard_side heard_sip where
	route=$(tr ' ' '\n' <<<"$line" | sed -n 's/^route=//p')
	# "trunk:carrier", "span:2", "port:5:1": the destination, in the user's span numbers
	to=$(_sim_user "$(tr ' ' '\n' <<<"$line" | sed -n 's/^to=//p' | sed -E 's/(^|,)([a-z]+):/\1\2 /g; s/,/, /g')")
	# the port that took a call routed to a whole FXS span ("to=port:5" rang port 5:2)
	where=$(grep -oE '(sip|tdm)-(sip|tdm) port [0-9]+:[0-9]+' <<<"$line" | grep -oE 'port [0-9:]+')
	where=$(_sim_user "$where")
	[ -n "$where" ] && [ "$where" != "$to" ] && [ "${to%% *}" = port ] && to="$to ($where)"
	# calls to and from analog ports name their route in the gateway's info lines, not in
	# the CALL line: "call 3 (...): port 5:2 dialled 5551234 (...) -> 5551234 (route out)",
	# "INVITE 2002 from ... -> 2002 (route to-phones to port 5, Call-ID ...)", "port 7:1 rings"
	if [ -z "$route" ] && [ -n "$line" ]; then
		local id r
		id=$(sed -n 's/.* CALL id=\([0-9]*\) .*/\1/p' <<<"$line")
		r=$(grep -m1 -E "call $id \([^)]*\): (INVITE .*\(route |port [0-9]+:[0-9]+ (dialled .*\(route |rings))" \
			"$T_LOGDIR/gw.log" | sed -E 's/.*\(route ([^,)]*).*/\1/; s/.*: (port [0-9]+:[0-9]+) rings.*/[\1]/')
		route=$(_sim_user "${r%% to *}")
		case $r in
		*" to "*) to=$(_sim_user "${r#* to }") ;;
		*) to=$(tr ' ' '\n' <<<"$line" | sed -n 's/^trunk=/trunk /p' | head -1) ;;
		esac
		[ -n "$where" ] && [ "$where" != "$to" ] && [ "${to%% *}" = port ] && to="$to ($where)"
	fi
	cause=$(sed -n 's/.* cause=\([0-9-]*\) (\(.*\)) sip_status=.*/\1 (\2)/p' <<<"$line")
	status=$(tr ' ' '\n' <<<"$line" | sed -n 's/^sip_status=//p')
	[ "$status" = 0 ] && status=none
	heard_side=$(_sim_heard "$log")
	heard_sip=$(_sim_tone "$(_sim_field "$probe" "PROBE" tone)")
	echo "sim: call $n: $what"
	if [ -n "$route" ]; then
		echo "sim:   route: $route to $to"
	elif [ -n "$why" ]; then
		echo "sim:   route: none ($why)"
	else
		echo "sim:   route: none (no route matched)"
	fi
	echo "sim:   SIP peer $how: ${invite:-no INVITE}"
	[ -n "$note" ] && echo "sim:   $note"
	if [ -n "$line" ]; then
		echo "sim:   cause ${cause:-?}, SIP status ${status:-?}, answered $(tr ' ' '\n' <<<"$line" | sed -n 's/^answered=//p')"
	else
		echo "sim:   cause none (no call: the gateway logged no CALL line), SIP status none, answered no"
	fi
	echo "sim:   audio: $side heard $heard_side, SIP peer heard $heard_sip (the $side sends 1004 Hz, the SIP peer 1800 Hz)"
	[ "$heard_side" = "1800 Hz" ] && [ "$heard_sip" = "1004 Hz" ] && SIM_ANSWERED=$((SIM_ANSWERED + 1))
	return 0
}

# The analog port G:P (guest numbers) of DIR/ports: its fields into _P (gw pos kind span chan
# cid number zone dial ring_ms answer).
_sim_port() {
	IFS='|' read -r -a _P < <(grep -m1 "^${2%%:*}|${2#*:}|" "$1/ports")
}

# Wait for PID to exit, at most SECS; stop it early when gw.log gets a line matching PATTERN
# beyond its first SKIP such lines (the gateway gave up on the call: no point waiting).
_sim_wait_or() {	# PID SECS PATTERN SKIP
	for _ in $(seq $(($2 * 5))); do
		kill -0 "$1" 2>/dev/null || break
		if [ "$(grep -cE -- "$3" "$T_LOGDIR/gw.log")" -gt "$4" ]; then
			sleep 1	# let the simulator log what it heard
			kill -TERM "$1" 2>/dev/null
			break
		fi
		sleep 0.2
	done
	t_wait_exit "$1" 5
}

sim_run() {
	local dir=$1 sim probe n=0 kind what gs number from addr line k span args t p f sip_port
	local -a pids plogs P
	sim=$(t_bin tests/pstnsim/pstnsim)
	probe=$(t_bin tests/rtpprobe/rtpprobe)
	sip_port=$(cat "$dir/sip_port")
	[ -f "$dir/ports" ] || : >"$dir/ports"
	SIM_CALLS=0 SIM_ANSWERED=0
	gw_start "$dir/strowger.conf"
	SIM_SPANS=""
	while IFS='|' read -r -u 5 span _ _ user; do
		SIM_SPANS="$SIM_SPANS s/\\b(span|port) $span\\b/\\1 @$user/g;"
		t_wait_log gw "span $span: up," 40 || { t_tail gw 20; t_fail "span $span did not come up"; }
	done 5<"$dir/spans"
	while IFS='|' read -r -u 3 kind what gs number from; do
		n=$((n + 1))
		local before note="" why="" side=PBX log
		before=$(grep -c 'CALL id=' "$T_LOGDIR/gw.log")
		pids=() plogs=()
		if [ "$kind" != sip ]; then
			t_start "probe-$n" "$probe" --listen 127.0.0.1:6000 --tag sip --send-tone 1800 \
				--expect-tone 1004 --duration 14 --wait-first 20
			pids+=("$T_PID")
			k=0
			while IFS='|' read -r -u 4 t addr; do
				t_start "uas-$n-$k" sipp -sf "$SIP_SCEN/gw_uas_answer.xml" -key probe_port 6000 \
					-i "$addr" -p 5070 -mp $((7000 + 10 * k)) -m 1 -timeout 50s -nostdin \
					-trace_msg -message_file "$T_LOGDIR/uas-$n-$k.msg" -d 300
				pids+=("$T_PID")
				k=$((k + 1))
			done 4<"$dir/trunks"
			case $kind in
			pbx)
				args=$(sed -n "s/^$gs|[^|]*|\([^|]*\)|.*/\1/p" "$dir/spans")
				log=$T_LOGDIR/pbx-$n.log
				# shellcheck disable=SC2086  # args: the simulator's options, word by word
				t_run "pbx-$n" 45 "$sim" $args --tag pbx -e "$PBX_READY; call $number from $from;
					expect answer 10s; tone 1004; expect-tone 1800 2s within 5s; sleep 2s;
					hangup 16; expect hangup 5s"
				;;
			phone)
				_sim_port "$dir" "$gs"
				side=phone log=$T_LOGDIR/phone-$n.log
				local dial="sleep 1s"
				[ "${_P[8]}" != - ] && dial="expect-tones ${_P[8]} 1s within 3s"
				# the dial tone, the digits; the call's audio once the SIP peer answers
				t_start "phone-$n" "$sim" --analog "${_P[4]}" --role phone --tag phone -e "offhook;
					$dial; dtmf $number; tone 1004; expect-tone 1800 2s within 20s;
					sleep 2s; onhook; sleep 1s"
				# a number the gateway cannot route: it plays reorder at once
				_sim_wait_or "$T_PID" 40 "port $gs: .*: reorder" \
					"$(grep -cE "port $gs: .*: reorder" "$T_LOGDIR/gw.log")"
				why=$(grep -E "port $gs: .*: reorder" "$T_LOGDIR/gw.log" | tail -1 | sed 's/.*port \([0-9]*:[0-9]*\): /port \1: /')
				why=$(_sim_user "$why")
				note=$(_sim_line_note "$log" phone "$(_sim_user "port $gs")" yes)
				;;
			exchange)
				_sim_port "$dir" "$gs"
				side=exchange log=$T_LOGDIR/exch-$n.log
				[ "$number" = - ] && number=""
				t_run "exch-$n" 60 "$sim" --analog "${_P[4]}" --role exchange --tag exch \
					--cid "${_P[5]/none/bell202}" -e "ring-line $number; expect offhook 20s;
					tone 1004; expect-tone 1800 2s within 8s; sleep 2s; onhook; sleep 2s"
				note=$(_sim_line_note "$log" exchange "$(_sim_user "port $gs")" yes)
				;;
			esac
			# a call that never reached the gateway's router has no CALL line: do not wait
			if [ -n "$why" ]; then line=""; else line=$(_sim_call_line $((before + 1))); fi
			local inv=""
			for f in "$T_LOGDIR"/uas-$n-*.msg; do
				[ -n "$inv" ] || inv=$(_sim_invite "$f")
			done
			for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
			for p in "${pids[@]}"; do t_wait_exit "$p" 5; done
			_sim_report "$n" "$what" "$line" "$side" "$log" "$T_LOGDIR/probe-$n.log" "$inv" got \
				"$note" "$why"
		else
			addr=$gs
			while IFS='|' read -r -u 4 span k args _; do
				[ -n "$args" ] || continue
				# shellcheck disable=SC2086
				t_start "pbx-$n-$span" "$sim" $args --tag pbx -e "wait-up 30s; expect ring 40s;
					ring; sleep 200ms; answer; tone 1004; expect-tone 1800 2s within 5s;
					expect hangup 25s"
				pids+=("$T_PID") plogs+=("$T_LOGDIR/pbx-$n-$span.log")
			done 4<"$dir/spans"
			# every analog port with a simulated party answers: phones after two rings in
			# the zone's cadence (the caller ID comes between them), exchange lines when seized
			while IFS='|' read -r -u 4 -a P; do
				[ "${P[10]}" = yes ] || continue
				if [ "${P[2]}" = fxs ]; then
					local cad=""
					[ "${P[9]}" -gt 0 ] && cad="cadence ${P[9]}ms"
					plogs+=("$T_LOGDIR/phone-$n-${P[0]}-${P[1]}.log")
					t_start "phone-$n-${P[0]}-${P[1]}" "$sim" --analog "${P[4]}" --role phone \
						--tag phone --cid "${P[5]/none/bell202}" -e "expect ringing x 2 $cad 50s;
						offhook; tone 1004; expect-tone 1800 2s within 5s; sleep 4s; onhook;
						sleep 500ms"
				else
					plogs+=("$T_LOGDIR/exch-$n-${P[0]}-${P[1]}.log")
					t_start "exch-$n-${P[0]}-${P[1]}" "$sim" --analog "${P[4]}" --role exchange \
						--tag exch -e "expect offhook 50s; tone 1004;
						expect-tone 1800 2s within 10s; expect onhook 20s"
				fi
				pids+=("$T_PID")
			done 4<"$dir/ports"
			while IFS='|' read -r -u 4 span k args _; do
				[ -n "$args" ] || continue
				t_wait_log "pbx-$n-$span" 'D-channel up and stable' 40 && gw_wait_dchan "$span" 20
			done 4<"$dir/spans"
			t_start "probe-$n" "$probe" --listen 127.0.0.1:6002 --tag sip --send-tone 1800 \
				--expect-tone 1004 --duration 12 --wait-first 30
			local prb=$T_PID
			sed "s/5551000/$from/g" "$SIP_SCEN/gw_uac_call.xml" >"$T_LOGDIR/uac-$n.xml"
			t_run "uac-$n" 70 sipp -sf "$T_LOGDIR/uac-$n.xml" -key probe_port 6002 -s "$number" \
				-i "$addr" -p 5070 -mp 7100 "127.0.0.1:$sip_port" -m 1 -timeout 50s \
				-timeout_error -nostdin -trace_msg -message_file "$T_LOGDIR/uac-$n.msg" -d 5000
			line=$(_sim_call_line $((before + 1)))
			kill -TERM "$prb" 2>/dev/null
			t_wait_exit "$prb" 5
			# the simulator that got the call finishes its script; the others still wait: stop them
			log=""
			for f in "${plogs[@]}"; do
				[ -z "$log" ] || break
				case $f in
				*/pbx-*) grep -q ' ok .*expect ring [0-9]' "$f" && log=$f side=PBX ;;
				*/phone-*) grep -qE ' ok .*expect ringing|FAIL .*expect ringing[^:]*: [1-9]' "$f" &&
					log=$f side=phone ;;
				*/exch-*) grep -q ' ok .*expect offhook' "$f" && log=$f side=exchange ;;
				esac
			done
			for k in "${!pids[@]}"; do
				[ "${plogs[$k]}" = "$log" ] && t_wait_exit "${pids[$k]}" 15
				kill -TERM "${pids[$k]}" 2>/dev/null
			done
			for p in "${pids[@]}"; do t_wait_exit "$p" 5; done
			if [ "$side" != PBX ] && [ -n "$log" ]; then
				local pp
				pp=$(basename "$log" .log | sed -E 's/^[a-z]+-[0-9]+-([0-9]+)-([0-9]+)$/port \1:\2/')
				note=$(_sim_line_note "$log" "$side" "$(_sim_user "$pp")" no)
			fi
			_sim_report "$n" "$what" "$line" "$side" "${log:-/dev/null}" "$T_LOGDIR/probe-$n.log" \
				"$(_sim_invite "$T_LOGDIR/uac-$n.msg")" sent "$note"
		fi
		SIM_CALLS=$n
	done 3<"$dir/plan"
	gw_stop_clean || t_log "the gateway did not stop cleanly (status $T_RC)"
}
