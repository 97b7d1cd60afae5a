#!/bin/bash
# Live reload and span maintenance on real DAHDI, with calls up.
#  1. A call from the PBX (E1) to SIPp through trunk peer (route reload-r), audio both ways.
#     While it is up: the file changes trunk peer (from_user), points route reload-r at a
#     new trunk peer3 and adds it; "strowgerctl reload" says "1 trunk changed, 1 added". A
#     file with a syntax error then changes nothing and the reply names file:line. The call
#     goes on with audio (the PBX checks the SIP side's tone after the reloads) and ends 16.
#  2. The next call to the same number goes to peer3 (the new route). While it is up the
#     file drops peer3 and route reload-r: peer3 is "removed" with its call, which goes on;
#     "span block 2" blocks the E1 span: a SETUP there is refused with cause 34, a SIP call
#     routed to the span gets 503 (cause 34: the span is skipped as unavailable), while the
#     call up finishes normally; peer3 is freed after it.
#  2b. The block outlives the daemon: it is in state_file, written whole and renamed; after a
#     SIGKILL and a restart span 2 starts blocked (log line, show spans).
#  3. Unblocked, the number takes the catch-all route e1-out to trunk peer; "show routes"
#     lists the routes with their counts.
#  4. Group pbx (spans 2, 4; span 4 has no PBX here) changes its hunt from ascending to
#     descending under a PBX call on span 2: "groups: 1 changed"; the call's channel stays
#     busy (show channels) and its audio goes on; a SIP call to the group (route to-group)
#     then takes span 2's highest free channel, and clears 16.
# needs: strowger strowgerctl tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
# timeout: 240
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger strowgerctl tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

CTL_SOCK=$T_LOGDIR/control
CONF=$T_LOGDIR/gw.conf
STATE=$T_LOGDIR/state/blocked	# state/: the daemon makes the directory

# write_conf VARIANT: the guest's gateway.conf with the control socket and, before the
# catch-all route e1-out, route reload-r: v1 to trunk peer; v2 to a new trunk peer3 (and
# peer's from_user changed); v3 as v2 without route reload-r and trunk peer3.
write_conf() {
	local extra
	case $1 in
	v1) extra='[route reload-r]\nfrom = span 2\nmatch = 4930555\nto = trunk peer\n' ;;
	v2) extra='[route reload-r]\nfrom = span 2\nmatch = 4930555\nto = trunk peer3\n[trunk peer3]\nproxy = sip:127.0.0.1:5074\nkeepalive = 0\nrtp_timeout = 0\n' ;;
	v3|v4) extra= ;;
	esac
	sed -e "s|^\[general\]\$|[general]\ncontrol_socket = $CTL_SOCK\nstate_file = $STATE|" \
		-e "s|^\[route dead-out\]\$|$extra[route dead-out]|" \
		"$STROWGER_ROOT/tests/guest/gateway.conf" >"$CONF.tmp"
	[ "$1" != v1 ] && sed -i 's|^proxy = sip:127.0.0.1:5070$|&\nfrom_user = gw-account|' "$CONF.tmp"
	[ "$1" = v4 ] && sed -i 's|^hunt = ascending$|hunt = descending|' "$CONF.tmp"
	mv "$CONF.tmp" "$CONF"
}

ctl() {
	CTL_OUT=$("$(t_bin strowgerctl)" -s "$CTL_SOCK" "$@" 2>&1)
	CTL_RC=$?
	t_log "strowgerctl $* -> $CTL_RC"$'\n'"$CTL_OUT"
}

# Wait until show calls lists N active calls (at most 20 s).
wait_active() {	# N
	local deadline
	_t_ms
	deadline=$((_T_MS + 20000))
	while :; do
		ctl show calls
		[ "$(grep -cE '^[0-9]+ +tdm->sip +active ' <<<"$CTL_OUT")" = "$1" ] && return 0
		_t_ms
		[ "$_T_MS" -lt $deadline ] || return 1
		sleep 0.3
	done
}

# The SIP side of a PBX call: rtpprobe sending 1800 Hz and expecting 1004 Hz for SECONDS,
# SIPp answering on 5070 (sets probe and uas).
sip_side_start() {	# PROBE-LOG-NAME SECONDS
	t_start "$1" "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6000 --tag sip \
		--send-tone 1800 --expect-tone 1004 --duration "$2" --wait-first 20
	probe=$T_PID
	sip_uas gw_uas_answer.xml 6000
	uas=$T_PID
}

# The PBX call $pbx ends normally, with audio both ways to its end.
call_ends_with_audio() {	# CALL-NAME PBX-LOG-NAME PROBE-LOG-NAME
	t_wait_exit "$pbx" 40 || { t_tail "$2"; t_tail gw 30; t_fail "$1 lost its audio or did not end normally (pstnsim status $T_RC)"; }
	t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "SIPp UAS of $1 did not get its BYE (status $T_RC)"; }
	kill -TERM "$probe"
	t_wait_exit "$probe" 5 || { t_tail "$3"; t_fail "no 1004 Hz on the SIP side of $1 (rtpprobe status $T_RC)"; }
}

write_conf v1
gw_start "$CONF"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline

# ---- 1. reload under a call -------------------------------------------------------------
sip_side_start probe-uas 40
# The PBX sleeps through the reloads, then checks the SIP side's tone still arrives.
t_start pbx-1 "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930555 from 5551000;
	expect alerting 10s; expect answer 10s; tone 1004; sleep 16s;
	expect-tone 1800 2s within 5s; sleep 1s; hangup 16; expect hangup 5s'
pbx=$T_PID
wait_active 1 || { t_tail pbx-1; t_tail gw 30; t_fail "call 1 never active"; }

write_conf v2
ctl reload
[ "$CTL_RC" = 0 ] || t_fail "reload failed: $CTL_OUT"
grep -qE '^reloaded: 1 trunk changed, 1 added, 0 removed; [0-9]+ routes$' <<<"$CTL_OUT" ||
	t_fail "reload summary: $CTL_OUT"
good=$(cat "$CONF")
printf '%s\n[route broken\nto = trunk peer\n' "$good" >"$CONF"
line=$(grep -n '^\[route broken$' "$CONF" | cut -d: -f1)
ctl reload
[ "$CTL_RC" = 1 ] || t_fail "a broken file reloaded (status $CTL_RC): $CTL_OUT"
grep -qF "error: reload failed, nothing changed: $CONF:$line:" <<<"$CTL_OUT" ||
	t_fail "the broken file's reply does not say file:line ($CONF:$line): $CTL_OUT"
printf '%s\n' "$good" >"$CONF"
ctl show routes
grep -qE '^reload-r +span 2 +4930555 +trunk peer3 ' <<<"$CTL_OUT" ||
	t_fail "after the broken file, route reload-r is not the good file's"
ctl show trunks
grep -qE '^peer3 +sip:127.0.0.1:5074 +udp +off +- +0$' <<<"$CTL_OUT" || t_fail "trunk peer3 not added"
grep -qE '^peer +sip:127.0.0.1:5070 +udp +off +- +1$' <<<"$CTL_OUT" || t_fail "trunk peer lost its call"
# All of that while the PBX still had its call up.
kill -0 "$pbx" 2>/dev/null || { t_tail pbx-1; t_fail "call 1 ended before the reloads were done"; }

call_ends_with_audio "call 1" pbx-1 probe-uas
t_wait_log gw "CALL id=1 dir=tdm-sip span 2 ch [0-9]+ trunk=peer called=4930555 .*answered=yes cause=16.* route=reload-r to=trunk:peer " 5 ||
	t_fail "call 1's summary is not trunk peer, route reload-r, cause 16"

# ---- 2. remove the trunk under its call; block the span ---------------------------------
t_start sipp-uas3 sipp -sf "$SIP_SCEN/gw_uas_answer.xml" -key probe_port 6004 -i 127.0.0.1 -p 5074 \
	-mp 7200 -m 1 -timeout 60s -timeout_error -nostdin -trace_err -error_file "$T_LOGDIR/sipp-uas3-err.log"
uas3=$T_PID
t_start pbx-2 "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930555 from 5551000 as a;
	expect alerting 10s; expect answer 10s; sleep 12s;
	call 4930556 from 5551000 as b; expect hangup 34 10s;
	use a; sleep 1s; hangup 16; expect hangup 5s'
pbx=$T_PID
wait_active 1 || { t_tail pbx-2; t_tail gw 30; t_fail "call 2 never active"; }
write_conf v3
ctl reload
grep -qE '^reloaded: 0 trunks changed, 0 added, 1 removed; [0-9]+ routes$' <<<"$CTL_OUT" ||
	t_fail "removing peer3: $CTL_OUT"
ctl show trunks
grep -qE '^peer3 +sip:127.0.0.1:5074 +udp +removed +- +1$' <<<"$CTL_OUT" ||
	t_fail "peer3 not shown removed with its call"
ctl span block 2
[ "$CTL_RC" = 0 ] || t_fail "span block 2: $CTL_OUT"
ctl show spans
grep -qE '^2 +E1 +pri_cpe +up +up +1/30 +blocked$' <<<"$CTL_OUT" || t_fail "span 2 not shown blocked with its call"
ctl span block 5
[ "$CTL_RC" = 1 ] || t_fail "span block of the FXS span accepted"
# SIP -> span 2 (route to-e1, no fallback): the span is skipped as unavailable, cause 34, 503.
sip_uac gw_uac_fail.xml 6002 4930999 -trace_msg -message_file "$T_LOGDIR/uac-blocked.msg" ||
	{ t_tail sipp-uac; t_fail "a SIP call to the blocked span was not refused"; }
grep -q '^SIP/2.0 503 ' "$T_LOGDIR/uac-blocked.msg" || t_fail "the call to the blocked span did not get 503"
t_wait_log gw "CALL id=[0-9]+ dir=sip-tdm .*called=4930999 .*answered=no cause=34" 5 ||
	t_fail "the SIP call to the blocked span did not end with cause 34"
kill -0 "$pbx" 2>/dev/null || { t_tail pbx-2; t_fail "call 2 ended before the span was blocked"; }

t_wait_exit "$pbx" 40 || { t_tail pbx-2; t_tail gw 30; t_fail "blocked span: SETUP not refused with 34, or call 2 did not end normally (pstnsim status $T_RC)"; }
t_wait_exit "$uas3" 10 || { t_tail sipp-uas3; t_fail "peer3's SIPp did not get its BYE (status $T_RC)"; }
t_wait_log gw "CALL id=2 dir=tdm-sip span 2 ch [0-9]+ trunk=peer3 called=4930555 .*answered=yes cause=16.* route=reload-r to=trunk:peer3 " 5 ||
	t_fail "call 2 did not use the reloaded route to peer3, or did not end normally"
t_wait_log gw "CALL id=[0-9]+ dir=tdm-sip span 2 ch [0-9]+ .*called=4930556 .*answered=no cause=34" 5 ||
	t_fail "the SETUP on the blocked span is not refused with 34"
t_wait_log gw "trunk peer3: last call gone, freed" 10 || t_fail "removed trunk peer3 not freed after its call"

# ---- 2b. the block outlives a SIGKILL and a restart ---------------------------------------
gw_check_baseline
grep -qx 'blocked_spans = 2' "$STATE" || t_fail "state_file does not hold span 2: $(cat "$STATE" 2>&1)"
kill -KILL "$GW_PID"
t_wait_exit "$GW_PID" 10
gw_start "$CONF"
gw_wait_up 2 31 20 || t_fail "span 2 not up after the restart"
t_wait_log gw "span 2 blocked, as it was before the restart \(state_file $STATE\)" 5 ||
	t_fail "the restarted daemon did not say span 2 is still blocked"
ctl show spans
grep -qE '^2 +E1 +pri_cpe +[a-z]+ +[a-z]+ +0/30 +blocked$' <<<"$CTL_OUT" ||
	t_fail "span 2 not blocked after the restart"
gw_baseline

# ---- 3. unblocked: the number takes the catch-all route now ------------------------------
ctl span unblock 2
grep -qx 'blocked_spans =' "$STATE" || t_fail "state_file still blocks after unblock: $(cat "$STATE")"
ctl show spans
grep -qE '^2 +E1 +pri_cpe +up +[a-z]+ +0/30 +-$' <<<"$CTL_OUT" || t_fail "span 2 still blocked"
sip_uas gw_uas_answer.xml 6000
uas=$T_PID
t_run pbx-3 60 "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930555 from 5551000;
	expect alerting 10s; expect answer 10s; sleep 1s; hangup 16; expect hangup 5s' ||
	{ t_tail pbx-3; t_tail gw 30; t_fail "the call after unblock failed (pstnsim status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "SIPp UAS of the last call did not get its BYE"; }
t_wait_log gw "CALL id=1 dir=tdm-sip span 2 ch [0-9]+ trunk=peer called=4930555 .*cause=16.* route=e1-out to=trunk:peer " 5 ||
	t_fail "after the trunk's removal the number did not take route e1-out to peer"
ctl show routes
grep -qE '^e1-out +span 2 +\* +trunk peer +0 +- +1$' <<<"$CTL_OUT" || t_fail "show routes: e1-out does not count its call"
grep -q '^reload-r ' <<<"$CTL_OUT" && t_fail "show routes still lists the removed route"
ctl --json show routes
grep -q '"name":"e1-out","from":"span 2","match":"","to":\["trunk peer"\],"strip":0,"prepend":"","calls":1' <<<"$CTL_OUT" ||
	t_fail "show routes --json"

# ---- 4. a group's hunt changed under a call on it -----------------------------------------
sip_side_start probe-uas4 30
t_start pbx-4 "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930555 from 5551000 as a;
	expect alerting 10s; expect answer 10s; tone 1004;
	expect ring to 4930997 from 5551000 as b 20s; answer; expect hangup 16 10s;
	use a; expect-tone 1800 2s within 5s; sleep 1s; hangup 16; expect hangup 5s'
pbx=$T_PID
wait_active 1 || { t_tail pbx-4; t_tail gw 30; t_fail "call 4a never active"; }
ctl show channels span 2
ch=$(awk '$1 == 2 && $3 == "busy" { print $2; exit }' <<<"$CTL_OUT")
[ -n "$ch" ] || t_fail "no busy channel on span 2 under call 4a"
write_conf v4
ctl reload
grep -qE '^reloaded: 0 trunks changed, 0 added, 0 removed; [0-9]+ routes; groups: 1 changed, 0 added, 0 removed$' <<<"$CTL_OUT" ||
	t_fail "hunt change of group pbx: $CTL_OUT"
t_wait_log gw "group pbx: changed: 2 spans, 53 B-channels, hunt descending" 5 || t_fail "group pbx not rebuilt"
ctl show channels span 2
grep -qE "^2 +$ch +busy " <<<"$CTL_OUT" || t_fail "call 4a's channel $ch not busy after the reload"
# Descending over 2, 4 (span 4 down): span 2's last channel, or the one below if 4a has it.
want=31; [ "$ch" = 31 ] && want=30
SIP_UAC_PORT=5072 sip_uac gw_uac_call.xml 6002 774930997 -d 2000 ||
	{ t_tail sipp-uac; t_tail gw 30; t_fail "SIP call to group pbx after the reload failed (SIPp status $T_RC)"; }
t_wait_log gw "CALL id=[0-9]+ dir=sip-tdm span 2 ch $want trunk=peer2 called=4930997 .*answered=yes cause=16 " 10 ||
	{ t_tail gw 30; t_fail "the call after the reload did not hunt descending (span 2 ch $want)"; }
call_ends_with_audio "call 4a" pbx-4 probe-uas4
t_wait_log gw "CALL id=[0-9]+ dir=tdm-sip span 2 ch $ch trunk=peer called=4930555 .*answered=yes cause=16" 5 ||
	t_fail "call 4a did not end normally on channel $ch"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
