#!/bin/bash
# Host check of the gateway-test SIPp scenarios (tests/sip/gw_*.xml) against each other on
# 127.0.0.1, with no gateway: SIPp loads and runs each one to completion (-m 1), and during
# the answered call two rtpprobes sit on the ports the SDP names, as they would in the guest.
#   gw_uac_call   -> gw_uas_answer        call answered, BYE from the caller; tones both ways
#   (helper UAC)  -> gw_uas_busy          486 with Reason: Q.850;cause=17 checked
#   gw_uac_cancel -> gw_uas_ring_cancel   180, CANCEL, 200 + 487, ACK
#
#   sipcheck.sh [RTPPROBE]     default: build/tests/rtpprobe/rtpprobe
#
# Environment: SIPCHECK_PORT (first port, default 45070; uses 4 above it). Prints one verdict
# line per pair and "sipcheck: PASS" or "sipcheck: FAIL (...)"; exit 0 only on PASS.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SIP=$HERE/../sip
PROBE=${1:-build/tests/rtpprobe/rtpprobe}
BASE=${SIPCHECK_PORT:-45070}
UAS_PORT=$BASE UAC_PORT=$((BASE + 2)) RTP_UAS=$((BASE + 4)) RTP_UAC=$((BASE + 6))
LOG=$(mktemp -d /tmp/sipcheck.XXXXXX)
command -v sipp >/dev/null || { echo "sipcheck: FAIL (no sipp)"; exit 1; }
[ -x "$PROBE" ] || { echo "sipcheck: FAIL (no probe at $PROBE)"; exit 1; }
fails=()
pids=()
cleanup() {	# stop whatever we started that still runs
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}
trap cleanup EXIT

# A UAC that expects the busy answer (only for this check).
cat >"$LOG/uac_busy_check.xml" <<'EOF'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="check 486 + Reason">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK-[pid]-[call_number]-inv
From: <sip:5551000@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:5551000@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="100" optional="true" />
  <recv response="486">
    <action><ereg regexp="Q\.850;cause=17" search_in="hdr" header="Reason:" check_it="true" assign_to="r" /></action>
  </recv>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK-[pid]-[call_number]-inv
From: <sip:5551000@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <Reference variables="r" />
</scenario>
EOF

# pair NAME "UAS args" "UAC args": sets URC / CRC; messages in $LOG/NAME-{uas,uac}-msg.log
pair() {
	local name=$1 uas=$2 uac=$3 upid
	# shellcheck disable=SC2086
	timeout -k 2 20 sipp $uas -i 127.0.0.1 -p "$UAS_PORT" -m 1 -timeout 10s -timeout_error \
		-nostdin -trace_msg -message_file "$LOG/$name-uas-msg.log" -trace_err \
		-error_file "$LOG/$name-uas-err.log" >"$LOG/$name-uas.out" 2>&1 &
	upid=$!
	pids+=("$upid")
	sleep 0.3
	# shellcheck disable=SC2086
	timeout -k 2 20 sipp $uac -i 127.0.0.1 -p "$UAC_PORT" -m 1 -timeout 10s -timeout_error \
		-nostdin -trace_msg -message_file "$LOG/$name-uac-msg.log" -trace_err \
		-error_file "$LOG/$name-uac-err.log" "127.0.0.1:$UAS_PORT" >"$LOG/$name-uac.out" 2>&1
	CRC=$?
	wait "$upid"
	URC=$?
}

verdict() {	# verdict TEXT CONDITION...
	local what=$1
	shift
	if "$@"; then
		echo "ok    $what"
	else
		echo "FAIL  $what"
		fails+=("$what")
	fi
}

# ---- answered call, media on two probes at the SDP ports (the UAS side answers symmetrically)
timeout -k 2 20 "$PROBE" --listen "127.0.0.1:$RTP_UAS" --pt 8 --send-tone 1800 --expect-tone 1004 \
	--expect-dtmf 42 --duration 4 --wait-first 3 --tag uas-media >"$LOG/uas-media.log" 2>&1 &
ppid=$!
pids+=("$ppid")
(pair answer "-sf $SIP/gw_uas_answer.xml -key probe_port $RTP_UAS -d 300" \
	"-sf $SIP/gw_uac_call.xml -key probe_port $RTP_UAC -s 4930123456 -d 3000"
	exit $((CRC | URC))) &
spid=$!
pids+=("$spid")
# the caller's media starts once the answer is in (a real test would read it from SIPp)
sleep 0.6
"$PROBE" --listen "127.0.0.1:$RTP_UAC" --remote "127.0.0.1:$RTP_UAS" --send-tone 1004 \
	--expect-tone 1800 --send-dtmf 42 --duration 3 --tag uac-media >"$LOG/uac-media.log" 2>&1
arc=$?
wait "$ppid"
brc=$?
wait "$spid"
pair_rc=$?
grep -h '^PROBE ' "$LOG/uac-media.log" "$LOG/uas-media.log"
verdict "gw_uac_call -> gw_uas_answer: both SIPp exit 0 (got $pair_rc)" \
	eval "test $pair_rc = 0 && grep -q '^SIP/2.0 200 OK' '$LOG/answer-uac-msg.log'"
verdict "... offer and answer name the probes' ports" \
	eval "grep -q 'm=audio $RTP_UAC RTP/AVP 0 8 101' '$LOG/answer-uas-msg.log' && grep -q 'm=audio $RTP_UAS RTP/AVP 0 8 101' '$LOG/answer-uac-msg.log'"
verdict "... BYE with Reason Q.850 16 answered 200" \
	eval "grep -q '^Reason: Q.850;cause=16' '$LOG/answer-uas-msg.log' && grep -q 'CSeq: 2 BYE' '$LOG/answer-uac-msg.log'"
verdict "... media: tones both ways, digits 42 (probes exit $arc/$brc)" test "$arc" = 0 -a "$brc" = 0

pair busy "-sf $SIP/gw_uas_busy.xml" "-sf $LOG/uac_busy_check.xml -s 4930200"
verdict "(helper) -> gw_uas_busy: 486 + Reason Q.850 17 (exit $CRC/$URC)" test "$CRC" = 0 -a "$URC" = 0

pair cancel "-sf $SIP/gw_uas_ring_cancel.xml" "-sf $SIP/gw_uac_cancel.xml -key probe_port $RTP_UAC -s 4930300 -d 300"
verdict "gw_uac_cancel -> gw_uas_ring_cancel: CANCEL, 200, 487, ACK (exit $CRC/$URC)" \
	eval "test $CRC = 0 -a $URC = 0 && grep -q '^SIP/2.0 487' '$LOG/cancel-uac-msg.log' && grep -q '^ACK ' '$LOG/cancel-uas-msg.log'"

pair mismatch "-sf $SIP/gw_uas_busy.xml" "-sf $SIP/gw_uac_call.xml -key probe_port $RTP_UAC -s 4930400"
verdict "negative: gw_uac_call against a busy UAS fails (exit $CRC)" test "$CRC" != 0

if [ ${#fails[@]} -eq 0 ]; then
	echo "sipcheck: PASS (logs in $LOG)"
	exit 0
fi
echo "sipcheck: FAIL (${#fails[@]}: ${fails[*]}; logs in $LOG)"
exit 1
