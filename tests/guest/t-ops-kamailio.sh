#!/bin/bash
# Scaling out: Kamailio's dispatcher (contrib/kamailio/kamailio.cfg and dispatcher.list,
# run unchanged) in front of two gateway daemons, each owning its own span: gateway A the
# E1 span 2 (SIP 5060, at most one call), gateway B the T1 span 4 (SIP 5062). SIPp calls
# Kamailio on 5080; each call's CALL line says which gateway took it.
#   1. OPTIONS probes find both gateways up (kamcmd dispatcher.list);
#   2. a DID of the E1 PBX (4930...) goes to A, one of the T1 PBX (1555...) to B: pinned;
#   3. while A is full (its one call held), shared numbers (77...) that Kamailio sends to A
#      get 503 + Retry-After from it and are tried on B instead: every one lands on B;
#   4. A stopped: the next shared call goes to B, and A's pinned DID gets 503 from Kamailio.
# needs: strowger tests/pstnsim/pstnsim
# timeout: 240
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim
command -v kamailio >/dev/null || t_fail "kamailio is not installed (make deps)"
GW=${STROWGER_GW_BIN:-$(t_bin strowger)}

# One gateway's configuration: its span, its SIP and RTP ports, Kamailio as its one trunk
# (OPTIONS keepalive on), every call from it to its span.
gw_conf() {	# NAME SPAN TYPE SWITCH SIP_PORT RTP_BASE MAX_CALLS
	cat >"$T_LOGDIR/$1.conf" <<-EOF
	[general]
	log_level = info
	alarm_poll_ms = 500
	sip_port = $5
	rtp_port_min = $6
	rtp_port_max = $(($6 + 998))
	max_calls = $7
	control_socket = $T_LOGDIR/$1.ctl

	[span $2]
	type = $3
	signalling = pri_cpe
	switchtype = $4

	[trunk lb]
	proxy = sip:127.0.0.1:5080
	keepalive = 2

	[route from-lb]
	from = trunk lb
	to = span $2
	EOF
}

# A PBX that answers every call (77... and its own DIDs) until the far end hangs up.
pbx_answer_all() {	# NAME PBX-ARRAY-NAME
	local -n pbx=$2
	t_start "$1" "${pbx[@]}" -e "wait-up 30s; on-ring answer; sleep 200s"
}

# A SIP call through Kamailio to NUMBER, held HOLD ms, from SIP port PORT (default 5072);
# status of SIPp in T_RC.
lb_call() {	# NUMBER HOLD_MS [PORT]
	local n=$1 d=$2 p=${3:-5072}
	t_run "sipp-$n" 60 sipp -sf "$SIP_SCEN/gw_uac_call.xml" -key probe_port $((p + 2100)) -s "$n" \
		-i 127.0.0.1 -p "$p" -mp $((p + 2200)) 127.0.0.1:5080 -m 1 -d "$d" -timeout 45s \
		-timeout_error -nostdin -trace_err -error_file "$T_LOGDIR/sipp-$n-err.log"
}

# Which gateway logged the CALL line of NUMBER: "a", "b" or "".
taken_by() {	# NUMBER
	local g
	for g in a b; do
		grep -qE "CALL id=[0-9]+ dir=sip-tdm .* called=$1 " "$T_LOGDIR/gw$g.log" && { echo $g; return; }
	done
}

# Kamailio and its dispatcher list, as shipped.
kdir=$T_LOGDIR/kamailio
mkdir -p "$kdir"
t_start kamailio kamailio -DD -E -f "$STROWGER_ROOT/contrib/kamailio/kamailio.cfg" \
	-A "DS_LIST=\"$STROWGER_ROOT/contrib/kamailio/dispatcher.list\"" \
	-A "CTL_SOCK=\"unixs:$kdir/ctl\"" -Y "$kdir" -P "$kdir/pid"
kam=$T_PID

gw_conf gwa "$SPAN_E1_GW" e1 euroisdn 5060 20000 1
gw_conf gwb "$SPAN_T1_GW" t1 ni2 5062 22000 0
t_start gwa "$GW" -c "$T_LOGDIR/gwa.conf" --status "$T_LOGDIR/gwa.status"
gwa=$T_PID
t_start gwb "$GW" -c "$T_LOGDIR/gwb.conf" --status "$T_LOGDIR/gwb.status"
gwb=$T_PID
GW_SAN_LOGS+=("$T_LOGDIR/gwa.log" "$T_LOGDIR/gwb.log")
pbx_answer_all pbx-e1 PBX_E1
pbx_answer_all pbx-t1 PBX_T1
t_wait_log gwa "span $SPAN_E1_GW: D-channel up" 40 || { t_tail gwa; t_fail "gateway A's span not up"; }
t_wait_log gwb "span $SPAN_T1_GW: D-channel up" 40 || { t_tail gwb; t_fail "gateway B's span not up"; }

# 1. both gateways answer Kamailio's OPTIONS: active ("AP": active, probing)
ds_state() {	# PORT -> the FLAGS kamcmd shows for sip:127.0.0.1:PORT in set 1
	kamcmd -s "unixs:$kdir/ctl" dispatcher.list 2>/dev/null |
		awk -v u="sip:127.0.0.1:$1" '$1 == "URI:" && $2 == u { f = 1 } f && $1 == "FLAGS:" { print $2; exit }'
}
deadline=$((SECONDS + 20))
until [ "$(ds_state 5060)" = AP ] && [ "$(ds_state 5062)" = AP ]; do
	[ $SECONDS -lt $deadline ] || { kamcmd -s "unixs:$kdir/ctl" dispatcher.list >&2; t_tail kamailio;
		t_fail "Kamailio does not see both gateways up: A $(ds_state 5060), B $(ds_state 5062)"; }
	sleep 0.5
done
t_log "dispatcher: A $(ds_state 5060), B $(ds_state 5062)"

# 2. pinned DIDs
lb_call 4930101 500 || { t_tail sipp-4930101; t_fail "call to 4930101 failed (SIPp $T_RC)"; }
lb_call 1555201 500 || { t_tail sipp-1555201; t_fail "call to 1555201 failed (SIPp $T_RC)"; }
sleep 1
[ "$(taken_by 4930101)" = a ] || t_fail "4930101 (E1 DID) taken by '$(taken_by 4930101)', want gateway A"
[ "$(taken_by 1555201)" = b ] || t_fail "1555201 (T1 DID) taken by '$(taken_by 1555201)', want gateway B"

# 3. A full: one call held on it, then four shared calls one after another
lb_call 4930102 12000 5076 &
held=$!
t_wait_log gwa "\\(span $SPAN_E1_GW ch [0-9]+, lb\\): CONNECT -> 200 OK" 10 ||
	{ t_tail gwa 20; t_fail "the call to hold on gateway A was not answered"; }
for n in 7701 7702 7703 7704; do
	lb_call "$n" 300 || { t_tail "sipp-$n"; t_tail kamailio 20; t_fail "shared call $n failed while A was full (SIPp $T_RC)"; }
done
wait "$held" || t_fail "the call held on gateway A failed"
sleep 1
for n in 7701 7702 7703 7704; do
	[ "$(taken_by "$n")" = b ] || t_fail "shared call $n taken by '$(taken_by "$n")' while A was full, want B"
done
grep -q "limit reached: 503" "$T_LOGDIR/gwa.log" || t_fail "gateway A never answered 503 while full"
grep -q "answered 503 .*marked out, trying the next" "$T_LOGDIR/kamailio.log" ||
	t_fail "Kamailio did not fail over on A's 503"

# 4. A stopped
kill -TERM "$gwa"
t_wait_exit "$gwa" 20 || t_fail "gateway A did not stop"
deadline=$((SECONDS + 15))
until [ "$(ds_state 5060)" != AP ]; do
	[ $SECONDS -lt $deadline ] || t_fail "Kamailio still sees gateway A up after it stopped"
	sleep 0.5
done
lb_call 7705 300 || { t_tail sipp-7705; t_fail "shared call 7705 failed with A down (SIPp $T_RC)"; }
sleep 1
[ "$(taken_by 7705)" = b ] || t_fail "7705 taken by '$(taken_by 7705)' with A down, want B"
lb_call 4930103 300 && t_fail "4930103 (A's DID) was answered with A down"
grep -q "no gateway for 4930103 (set 2): 503" "$T_LOGDIR/kamailio.log" ||
	t_fail "4930103 with A down: no 503 from Kamailio"

kill -TERM "$gwb"
t_wait_exit "$gwb" 20 || t_fail "gateway B did not stop"
grep -q "stopped$" "$T_LOGDIR/gwb.log" || t_fail "gateway B did not stop cleanly"
kill -TERM "$kam"
t_pass
