#!/bin/bash
# CDRs on real DAHDI: three PBX calls to the SIP peer, answered and cleared by the PBX after
# ~1.5 s (one with presentation restricted); a fourth that `strowgerctl show calls --json`
# lists with its billed time and that `strowgerctl hangup ID 31` clears (the PBX sees cause
# 31); then two calls left up and the daemon killed with SIGKILL. The database (sqlite3 CLI)
# must open cleanly (integrity_check ok), hold exactly the four finished calls, each row's
# billsec_ms and cause equal to its CALL line's, billed time about the PBX's hold time (from
# the answer to the clearing, not from the arrival), and the CSV copy the same four. A restarted daemon
# lists them in `cdr tail`. The Prometheus page (curl) counts the calls by direction, trunk
# and cause, and shows the live call on its span while it is up.
# needs: strowger strowgerctl tests/pstnsim/pstnsim
# timeout: 150
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger strowgerctl tests/pstnsim/pstnsim
command -v sqlite3 >/dev/null || t_fail "no sqlite3 CLI (make deps installs it)"

CTL_SOCK=$T_LOGDIR/control
DB=$T_LOGDIR/cdr/cdr.db		# cdr/ does not exist: the daemon makes it
CSV=$T_LOGDIR/cdr.csv
sed "s|^\[general\]\$|[general]\ncontrol_socket = $CTL_SOCK\ncdr_db = $DB\ncdr_csv = $CSV\nmetrics_listen = 127.0.0.1:9100|" \
	"$STROWGER_ROOT/tests/guest/gateway.conf" >"$T_LOGDIR/gw.conf"

ctl() {
	CTL_OUT=$("$(t_bin strowgerctl)" -s "$CTL_SOCK" "$@" 2>&1)
	CTL_RC=$?
	t_log "strowgerctl $* -> $CTL_RC"$'\n'"$CTL_OUT"
}
sql() { sqlite3 -batch "$DB" "$@"; }
# scrape LINE...: within 5 s (the page refreshes every second) a scrape has every LINE.
scrape() {
	local i l ok
	for i in $(seq 10); do
		curl -sS --max-time 5 http://127.0.0.1:9100/metrics >"$T_LOGDIR/metrics.txt" 2>&1
		ok=1
		for l in "$@"; do grep -qxF -- "$l" "$T_LOGDIR/metrics.txt" || { ok=; break; }; done
		[ "$ok" ] && return 0
		sleep 0.5
	done
	t_log "scrape: no '$l' in:"$'\n'"$(grep -v '^#' "$T_LOGDIR/metrics.txt")"
	return 1
}

gw_start "$T_LOGDIR/gw.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
t_wait_log gw "CDRs to $DB and $CSV" 5 || t_fail "the daemon did not open the CDR database"

# 1-3: answered by SIPp, held ~1.5 s, cleared by the PBX.
t_start sipp-uas sipp -sf "$SIP_SCEN/gw_uas_answer.xml" -key probe_port 6000 -i 127.0.0.1 \
	-p 5070 -mp 7000 -m 3 -timeout 60s -timeout_error -nostdin -trace_err \
	-error_file "$T_LOGDIR/sipp-uas-err.log"
uas=$T_PID
t_run pbx-a 60 "${PBX_E1[@]}" -e "$PBX_READY"'
	call 4930123 from 5551000; expect answer 10s; sleep 1500ms; hangup 16; expect hangup 10s
	call 4930124 from 5551001 pres restricted; expect answer 10s; sleep 1500ms; hangup 16; expect hangup 10s
	call 4930125 from 5551002; expect answer 10s; sleep 1500ms; hangup 16; expect hangup 10s' ||
	{ t_tail pbx-a; t_tail gw 30; t_fail "the PBX's three calls did not complete ($T_RC)"; }
t_wait_exit "$uas" 15 || { t_tail sipp-uas; t_fail "SIPp UAS did not finish its 3 calls"; }
gw_wait_count "^.*CALL id=[0-9]+ " 3 5 || t_fail "no CALL line for each of the 3 calls"
scrape 'strowger_calls_total{direction="tdm-sip",trunk="peer",cause="16"} 3' \
	'strowger_calls_answered_total{direction="tdm-sip",trunk="peer",cause="16"} 3' \
	'strowger_calls_active 0' 'strowger_span_up{span="2"} 1' \
	'strowger_span_channels{span="2"} 30' 'strowger_cdr_written_total 3' \
	'strowger_cdr_dropped_total 0' \
	'strowger_call_setup_relay_seconds_count{direction="tdm-sip"} 3' \
	'strowger_call_setup_relay_seconds_bucket{direction="tdm-sip",le="+Inf"} 3' ||
	t_fail "metrics after three calls"
grep -qE '^process_resident_memory_bytes [1-9][0-9]{6,}$' "$T_LOGDIR/metrics.txt" ||
	t_fail "metrics: no resident memory size"
grep -qE '^strowger_rtp_packets_sent_total [1-9][0-9]+$' "$T_LOGDIR/metrics.txt" ||
	t_fail "metrics: no RTP packets counted"
curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:9100/nothing | grep -qx 404 || t_fail "metrics: /nothing is not 404"

# 4: listed with its billed time while up, then cleared from the control socket.
sip_uas gw_uas_answer.xml 6000
uas=$T_PID
t_start pbx-b "${PBX_E1[@]}" -e "$PBX_READY"'
	call 4930126 from 5551003; expect answer 10s; expect hangup 31 30s'
pbx=$T_PID
_t_ms
deadline=$((_T_MS + 20000))
while :; do
	sleep 1.2
	ctl show calls --json
	grep -qE '^\{"calls":\[\{"id":4,"direction":"tdm->sip","state":"active","channel":"span 2 ch [0-9]+","trunk":"peer","called":"4930126","calling":"5551003","duration_ms":[0-9]+,"billsec_ms":[1-9][0-9]+,"codec":"PCM[AU]","fax":"voice","sip_call_id":"[^"]+","legs":\["tdm: [^"]+","sip: [^"]+"\]\}\],"count":1\}$' \
		<<<"$CTL_OUT" && break
	_t_ms
	[ "$_T_MS" -lt $deadline ] || { t_tail pbx-b; t_fail "call 4 never showed active in show calls --json"; }
done
scrape 'strowger_calls_active 1' 'strowger_span_channels_in_use{span="2"} 1' \
	'strowger_trunk_calls{trunk="peer"} 1' || t_fail "metrics during call 4"
ctl show channels span 2
grep -qE '^2 +[0-9]+ +busy +4 +alaw$' <<<"$CTL_OUT" || t_fail "show channels: no busy channel with call 4"
ctl hangup 4 31
[ "$CTL_OUT" = "cleared 1 call with cause 31" ] || t_fail "hangup 4 31: $CTL_OUT"
t_wait_exit "$pbx" 15 || { t_tail pbx-b; t_fail "the PBX did not see the release with cause 31 ($T_RC)"; }
t_wait_exit "$uas" 15 || { t_tail sipp-uas; t_fail "SIPp UAS did not get its BYE ($T_RC)"; }
gw_wait_count "^.*CALL id=[0-9]+ " 4 5 || t_fail "no CALL line for call 4"
ok=
for _ in 1 2 3 4 5 6; do	# committed within ms of the CALL line; the loop is for slow guests
	ctl cdr tail 2 --json
	grep -qE '^\{"cdrs":\[\{"call_id":3,.*\},\{"call_id":4,.*"cause":31,.*"cleared_by":"gateway".*\}\]\}$' \
		<<<"$CTL_OUT" && { ok=1; break; }
	sleep 0.5
done
[ "$ok" ] || t_fail "cdr tail does not end with calls 3 and 4"
scrape 'strowger_calls_total{direction="tdm-sip",trunk="peer",cause="31"} 1' \
	'strowger_calls_total{direction="tdm-sip",trunk="peer",cause="16"} 3' 'strowger_calls_active 0' \
	'strowger_span_channels_in_use{span="2"} 0' || t_fail "metrics after the hangup"

# 5, 6: up when the daemon is killed: no row, and no harm to the others.
t_start sipp-uas2 sipp -sf "$SIP_SCEN/gw_uas_answer.xml" -key probe_port 6000 -i 127.0.0.1 \
	-p 5070 -mp 7000 -m 2 -timeout 60s -nostdin
uas=$T_PID
t_start pbx-c "${PBX_E1[@]}" -e "$PBX_READY"'
	call 4930127 from 5551004; expect answer 10s
	call 4930128 from 5551005; expect answer 10s; sleep 60s'
pbx=$T_PID
_t_ms
deadline=$((_T_MS + 20000))
while :; do
	sleep 0.5
	ctl show calls
	[ "$(grep -cE '^[56] +tdm->sip +active ' <<<"$CTL_OUT")" = 2 ] && break
	_t_ms
	[ "$_T_MS" -lt $deadline ] || { t_tail pbx-c; t_fail "calls 5 and 6 never both active"; }
done
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
t_log "daemon killed with SIGKILL, calls 5 and 6 up"
t_stop "$pbx" "$uas"

[ "$(sql 'PRAGMA integrity_check')" = ok ] || t_fail "integrity_check: $(sql 'PRAGMA integrity_check')"
[ "$(sql 'PRAGMA journal_mode')" = wal ] || t_fail "not in WAL mode"
[ "$(sql 'PRAGMA user_version')" = 1 ] || t_fail "schema version is not 1"
rows=$(sql "SELECT call_id, duration_ms, billsec_ms, cause FROM cdr ORDER BY call_id" | tr '|' ' ')
t_log "rows after SIGKILL:"$'\n'"$rows"
# Each row against its CALL line: the same billed time, computed from the same instants; the
# row's duration ends when clearing began, the CALL line's when the last resource went.
want=$(grep -oE 'CALL id=[0-9]+ .*' "$T_LOGDIR/gw.log" |
	sed -E 's/^CALL id=([0-9]+) .* cause=([0-9]+) .* duration_ms=([0-9]+) billsec_ms=([0-9]+).*/\1 \4 \2 \3/')
t_log "CALL lines:"$'\n'"$want"
[ "$(awk '{print $1, $3, $4}' <<<"$rows")" = "$(cut -d' ' -f1-3 <<<"$want")" ] ||
	t_fail "the rows are not the four finished calls as their CALL lines say"
[ "$(wc -l <<<"$rows")" = 4 ] || t_fail "expected 4 rows"
# Billed from the answer: about the PBX's 1.5 s hold for 1-3, less than the duration.
for id in 1 2 3; do
	read -r _ dur bill _ <<<"$(grep "^$id " <<<"$rows")"
	read -r _ _ _ logdur <<<"$(grep "^$id " <<<"$want")"
	[ "$bill" -ge 1400 ] && [ "$bill" -le 2600 ] && [ "$bill" -lt "$dur" ] &&
		[ "$dur" -le "$logdur" ] ||
		t_fail "call $id: billsec_ms $bill (duration $dur, CALL line $logdur) is not the ~1.5 s hold"
done
[ "$(sql "SELECT count(*) FROM cdr WHERE direction='tdm-sip' AND span=2 AND channel>0 AND
	trunk='peer' AND sip_call_id<>'' AND sip_status=200 AND codec LIKE 'PCM_' AND
	answer_time > start_time AND end_time > answer_time AND rtp_sent > 0 AND
	start_time LIKE '____-__-__T__:__:__.___Z'")" = 4 ] || t_fail "rows lack fields: $(sql 'SELECT * FROM cdr')"
[ "$(sql "SELECT presentation FROM cdr WHERE call_id=2")" = restricted ] || t_fail "call 2's presentation"
[ "$(sql "SELECT cleared_by||' '||cause FROM cdr WHERE call_id=1")" = "tdm 16" ] || t_fail "call 1 cleared by"
[ "$(sql "SELECT cleared_by||' '||cause FROM cdr WHERE call_id=4")" = "gateway 31" ] || t_fail "call 4 cleared by"
[ "$(head -1 "$CSV" | cut -d, -f1-6)" = "call_id,start_time,answer_time,end_time,duration_ms,billsec_ms" ] ||
	t_fail "CSV header"
[ "$(tail -n +2 "$CSV" | cut -d, -f1,5,6 | tr ',' ' ')" = "$(cut -d' ' -f1-3 <<<"$rows")" ] ||
	t_fail "the CSV does not hold the same four calls"

# A restarted daemon finds the rows (cdr tail reads them back) and writes on.
gw_start "$T_LOGDIR/gw.conf"
gw_wait_up 2 31 || t_fail "span 2 not up after the restart"
t_wait_log gw "CDRs to $DB" 5 || t_fail "the restarted daemon did not open the database"
ctl cdr tail
[ "$CTL_RC" = 0 ] && [ "$(grep -cE '^[1-4] +20[0-9-]+T[0-9:.]+Z +tdm-sip +span 2 ch [0-9]+ +peer ' <<<"$CTL_OUT")" = 4 ] &&
	grep -q '^4 records$' <<<"$CTL_OUT" || t_fail "cdr tail after the restart"
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
[ "$(sql 'PRAGMA integrity_check')" = ok ] || t_fail "integrity_check after the restart"
t_pass
