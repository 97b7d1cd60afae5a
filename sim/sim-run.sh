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

# The gateway's CALL line number N (1-based), waiting up to SECS (10) for it.
_sim_call_line() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		[ "$(grep -c 'CALL id=' "$T_LOGDIR/gw.log")" -ge "$1" ] && break
		sleep 0.1
	done
	grep 'CALL id=' "$T_LOGDIR/gw.log" | sed -n "${1}p"
}

# One call's block, from the gateway's CALL line and log, the simulator's log, the RTP
# probe's and SIPp's: one awk run (a fork costs ~0.1 s in the TCG guest). Status 0 when
# both sides heard each other.
#   N WHAT CALL_LINE SIDE(PBX|phone|exchange) SIDE_LOG PROBE_LOG got|sent ORIGINATED(yes|no)
#   PORT(guest "5:2" or -) REORDER_SKIP SIPP_MSG...
# REORDER_SKIP: the port's "reorder" lines in gw.log before this call (a later one says
# why the gateway made no call).
_sim_report() {
	local n=$1 what=$2 line=$3 side=$4 log=$5 probe=$6 how=$7 orig=$8 port=$9 skip=${10}
	shift 10
	awk -v n="$n" -v what="$what" -v line="$line" -v side="$side" -v slog="$log" \
		-v plog="$probe" -v how="$how" -v orig="$orig" -v port="$port" -v rskip="$skip" \
		-v maps="$SIM_MAP" -v gwlog="$T_LOGDIR/gw.log" '
	# guest span and port numbers as the user numbered them: "port 5:2" -> "port 3:2"
	function user(s,    out, w, num) {
		out = ""
		while (match(s, /(span|port) [0-9]+/)) {
			w = substr(s, RSTART, RLENGTH); num = substr(w, 6)
			out = out substr(s, 1, RSTART - 1) substr(w, 1, 5) ((num in um) ? um[num] : num)
			s = substr(s, RSTART + RLENGTH)
		}
		return out s
	}
	function field(l, k) {	# KEY=value of a "k=v k=v" line
		return match(" " l " ", " " k "=[^ ]*") ? substr(" " l " ", RSTART + length(k) + 2, RLENGTH - length(k) - 2) : ""
	}
	function after(l, re) {	# the text after the first match of the regex (a string) re in l
		return match(l, re) ? substr(l, RSTART + RLENGTH) : ""
	}
	BEGIN {
		k = split(maps, m, " ")
		for (i = 1; i <= k; i++) { split(m[i], g, "="); um[g[1]] = g[2] }
		if (line != "" && match(line, / CALL id=[0-9]+/))
			id = substr(line, RSTART + 9, RLENGTH - 9)
		route = field(line, "route")
		to = field(line, "to"); gsub(/(^|,)[a-z]+:/, "& ", to); gsub(/: /, " ", to); gsub(/,/, ", ", to)
		to = user(to)
		if (match(line, /(sip|tdm)-(sip|tdm) port [0-9]+:[0-9]+/))
			where = user(substr(line, RSTART + 8, RLENGTH - 8))
		# calls to and from analog ports name their route in info lines, not the CALL line:
		# "call 3 (...): port 5:2 dialled 5551234 (...) -> 5551234 (route out)",
		# "call 4 (...): INVITE 2002 from ... (route to-phones to port 5, Call-ID ...)",
		# "call 5 (...): port 7:1 rings: caller ..."
		re = "call " id " \\([^)]*\\): (INVITE .*\\(route |port [0-9]+:[0-9]+ (dialled .*\\(route |rings))"
		while ((getline l < gwlog) > 0) {
			if (route == "" && id != "" && r == "" && l ~ re)
				r = l
			if (port != "-" && index(l, "port " port ": ") && l ~ /: reorder$/ && ++rc > rskip)
				why = user("port " port ": " after(l, "port [0-9]+:[0-9]+: "))
		}
		if (r != "" && match(r, /\(route [^,)]*/)) {
			r = substr(r, RSTART + 7, RLENGTH - 7)
			route = user(r); sub(/ to .*/, "", route)
			to = (r ~ / to /) ? user(substr(r, index(r, " to ") + 4)) : ""
		} else if (r != "" && match(r, /: port [0-9]+:[0-9]+ rings/)) {
			route = "[" user(substr(r, RSTART + 2, RLENGTH - 8)) "]"
		}
		if (route != "" && to == "" && field(line, "trunk") != "")
			to = "trunk " field(line, "trunk")
		if (where != "" && to ~ /^port / && where != to)
			to = to " (" where ")"

		# the simulator: what it heard and what its line saw
		while ((getline l < slog) > 0) {
			if (l ~ /^CALL /) { a = field(l, "audio"); rx = field(l, "dtmf_rx") }
			if (l ~ / ok .*audio ok: heard [0-9]+ Hz/ && heard == "")
				heard = after(l, "audio ok: heard ")
			if (l ~ / FAIL / && failed == "")
				failed = after(l, " FAIL +")
			if (l ~ / ok .*expect-tones [0-9+]+ .* ok: heard/ && dial == "") {
				dial = after(l, "expect-tones "); sub(/ .*/, "", dial)
			}
			if (l ~ / ok .*dtmf [0-9*#A-D]+: line: sent/ && dialled == "") {
				dialled = after(l, " dtmf "); sub(/:.*/, "", dialled)
			}
			if (l ~ / ok .*expect ringing/ && rang == "")
				rang = after(l, "expect ringing[^:]*: ")
			if (l ~ /evt +line: caller ID number/ && cid == "") {
				cid = after(l, "caller ID "); sub(/ date .*/, "", cid)
			}
			if (l ~ / ok .*offhook: off-hook/)
				offhook = 1
			if (l ~ / ok .*expect offhook/ && seized == "")
				seized = after(l, "expect offhook[^:]*: ")
		}
		heard_side = a ~ /:ok:/ ? substr(a, 1, index(a, ":") - 1) " Hz" : \
			     a == "" && heard != "" ? heard : "nothing"
		sub(/ for .*/, "", heard_side)
		if (heard_side ~ /^[0-9]+$/)
			heard_side = heard_side " Hz"
		while ((getline l < plog) > 0)
			if (l ~ /^PROBE /) t = field(l, "tone")
		heard_sip = t ~ /:ok:/ ? substr(t, 1, index(t, ":") - 1) " Hz" : "nothing"
		# the INVITE as SIPp sent or got it: Request-URI, From
		for (i = 1; i < ARGC && invite == ""; i++) {
			on = 0
			while ((getline l < ARGV[i]) > 0) {
				sub(/\r$/, "", l)
				if (!on && l ~ /^INVITE /) { split(l, w, " "); ruri = w[2]; on = 1 }
				else if (on && tolower(l) ~ /^(from|f):/) {
					sub(/^[^:]*: */, "", l); invite = ruri ", From " l; break
				}
			}
		}

		printf "sim: call %s: %s\n", n, what
		if (route != "")
			printf "sim:   route: %s to %s\n", route, to
		else
			printf "sim:   route: none (%s)\n", why != "" ? why : "no route matched"
		printf "sim:   SIP peer %s: %s\n", how, invite != "" ? invite : "no INVITE"
		if (side != "PBX" && port != "-") {
			p = user("port " port)
			if (side == "phone" && orig == "yes")
				s = (dial != "" ? "dial tone " dial " Hz heard" : "no dial tone checked or heard") \
				    ", dialled " (dialled != "" ? dialled : "nothing")
			else if (side == "phone")
				s = "rang: " (rang != "" ? rang : "no") "; caller ID " \
				    (cid != "" ? cid : "none decoded") (offhook ? "; answered" : "")
			else if (orig == "yes")
				s = "rang the line; the gateway went " (seized != "" ? seized : "not off-hook")
			else
				s = "line seized; digits heard " (rx != "" ? rx : "?")
			printf "sim:   %s on %s: %s%s\n", side, p, s, failed != "" ? "; FAILED " failed : ""
		}
		if (line != "") {
			c = line; sub(/.* cause=/, "", c); sub(/\) sip_status=.*/, ")", c)
			st = field(line, "sip_status"); if (st == "0") st = "none"
			printf "sim:   cause %s, SIP status %s, answered %s\n", c, st, field(line, "answered")
		} else
			print "sim:   cause none (no call: the gateway logged no CALL line), SIP status none, answered no"
		printf "sim:   audio: %s heard %s, SIP peer heard %s (the %s sends 1004 Hz, the SIP peer 1800 Hz)\n",
			side, heard_side, heard_sip, side
		exit !(heard_side == "1800 Hz" && heard_sip == "1004 Hz")
	}' "$@"
}

# The analog port G:P (guest numbers) of DIR/ports: its fields into _P (gw pos kind span chan
# cid number zone dial ring_ms answer).
_sim_port() {
	IFS='|' read -r -a _P < <(grep -m1 "^${2%%:*}|${2#*:}|" "$1/ports")
}

# Wait for PID to exit, at most SECS; stop it early when gw.log gets a line matching PATTERN
# beyond its first SKIP such lines (the gateway gave up on the call: no point waiting).
# Sets SIM_GAVE_UP to 1 when it did.
_sim_wait_or() {	# PID SECS PATTERN SKIP
	local i
	SIM_GAVE_UP=0
	for ((i = 0; i < $2 * 4; i++)); do
		if [ "$(grep -cE -- "$3" "$T_LOGDIR/gw.log")" -gt "$4" ]; then
			SIM_GAVE_UP=1
			sleep 1	# let the simulator log what it heard
			kill -TERM "$1" 2>/dev/null
			break
		fi
		kill -0 "$1" 2>/dev/null || break
		sleep 0.25
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
	SIM_MAP=""	# "2=1 5=3": guest span = the user's
	while IFS='|' read -r -u 5 span _ _ user; do
		SIM_MAP="$SIM_MAP $span=$user"
		t_wait_log gw "span $span: up," 40 || { t_tail gw 20; t_fail "span $span did not come up"; }
	done 5<"$dir/spans"
	while IFS='|' read -r -u 3 kind what gs number from; do
		n=$((n + 1))
		local before side=PBX log port=- skip=0
		before=$(grep -c 'CALL id=' "$T_LOGDIR/gw.log")
		line=""
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
					sleep 1s; onhook; sleep 500ms"
				# a number the gateway cannot route: it plays reorder at once
				port=$gs skip=$(grep -cE "port $gs: .*: reorder" "$T_LOGDIR/gw.log")
				_sim_wait_or "$T_PID" 40 "port $gs: .*: reorder" "$skip"
				;;
			exchange)
				_sim_port "$dir" "$gs"
				side=exchange log=$T_LOGDIR/exch-$n.log
				[ "$number" = - ] && number=""
				t_run "exch-$n" 60 "$sim" --analog "${_P[4]}" --role exchange --tag exch \
					--cid "${_P[5]/none/bell202}" -e "ring-line $number; expect offhook 20s;
					tone 1004; expect-tone 1800 2s within 8s; sleep 1s; onhook; sleep 1s"
				port=$gs
				;;
			esac
			# a call that never reached the gateway's router has no CALL line: do not wait
			[ "$kind" = phone ] && [ "$SIM_GAVE_UP" = 1 ] || line=$(_sim_call_line $((before + 1)))
			for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
			for p in "${pids[@]}"; do t_wait_exit "$p" 5; done
			_sim_report "$n" "$what" "$line" "$side" "$log" "$T_LOGDIR/probe-$n.log" got yes \
				"$port" "$skip" "$T_LOGDIR"/uas-$n-*.msg && SIM_ANSWERED=$((SIM_ANSWERED + 1))
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
					log=$f side=phone port=${f##*/phone-$n-} ;;
				*/exch-*) grep -q ' ok .*expect offhook' "$f" && log=$f side=exchange port=${f##*/exch-$n-} ;;
				esac
			done
			for k in "${!pids[@]}"; do
				[ "${plogs[$k]}" = "$log" ] && t_wait_exit "${pids[$k]}" 15
				kill -TERM "${pids[$k]}" 2>/dev/null
			done
			for p in "${pids[@]}"; do t_wait_exit "$p" 5; done
			[ "$port" = - ] || port=${port%.log} port=${port/-/:}	# "5-2.log" -> "5:2"
			_sim_report "$n" "$what" "$line" "$side" "${log:-/dev/null}" "$T_LOGDIR/probe-$n.log" \
				sent no "$port" 999999 "$T_LOGDIR/uac-$n.msg" && SIM_ANSWERED=$((SIM_ANSWERED + 1))
		fi
		SIM_CALLS=$n
	done 3<"$dir/plan"
	gw_stop_clean || t_log "the gateway did not stop cleanly (status $T_RC)"
}

# For the tests of this half (t-sim, t-sim-analog): sim_run DIR with its report in
# $T_LOGDIR/sim.out (and the test's log); sim_expect N REGEX WHAT fails the test unless a
# line of call N's block matches REGEX (grep -E).
sim_run_report() {
	sim_run "$1" >"$T_LOGDIR/sim.out"
	cat "$T_LOGDIR/sim.out"
}

sim_call() {	# N: call N's block, from "sim: call N:" to the next call
	awk -v n="sim: call $1:" 'index($0, "sim: call ") == 1 { on = index($0, n) == 1 } on' \
		"$T_LOGDIR/sim.out"
}

sim_expect() {	# N REGEX WHAT
	sim_call "$1" | grep -qE -- "$2" || { sim_call "$1"; t_tail gw 30; t_fail "call $1: $3"; }
}
