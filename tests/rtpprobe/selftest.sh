#!/bin/bash
# Self-test of rtpprobe on the host (127.0.0.1): two probes talk to each other, one sending to
# --remote, the other answering symmetrically to the source of what it receives.
#   1. tones both ways (PCMU 1004 Hz one way, PCMA 1800 Hz the other), RFC 4733 digits both ways
#   2. in-band DTMF one way, 5 % packet loss the other: tones and digits still verified
#   3. checks that must FAIL (exit 1): wrong --expect-tone, wrong --expect-dtmf, no RTP at all
#      within --wait-first; and a setup error (port taken) must exit 2
#
#   selftest.sh [RTPPROBE]     default: build/tests/rtpprobe/rtpprobe
#
# Environment: RTPPROBE_PORT (first UDP port used, default 41000; uses 6 above it),
# RTPPROBE_LOGDIR (default: a new directory under /tmp). Prints each probe's PROBE line, one
# verdict line per check and "selftest: PASS" or "selftest: FAIL (...)"; exit 0 only on PASS.
set -u
PROBE=${1:-build/tests/rtpprobe/rtpprobe}
BASE=${RTPPROBE_PORT:-41000}
LOG=${RTPPROBE_LOGDIR:-$(mktemp -d /tmp/rtpprobe-self.XXXXXX)}
mkdir -p "$LOG"
[ -x "$PROBE" ] || { echo "selftest: FAIL (no probe at $PROBE)"; exit 1; }
fails=()
pids=()

# Stop whatever we started that is still running (on any exit).
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
}
trap cleanup EXIT

# pair NAME "A options" "B options": A sends to B's port (--remote), B answers where A's
# packets come from. Sets ARC / BRC (exit statuses); logs in $LOG/NAME-{a,b}.log.
pair() {
	local name=$1 aopt=$2 bopt=$3 bpid
	local pa=$((BASE)) pb=$((BASE + 2))
	# shellcheck disable=SC2086
	timeout -k 2 30 "$PROBE" --listen 127.0.0.1:$pb --tag "$name-b" $bopt >"$LOG/$name-b.log" 2>&1 &
	bpid=$!
	pids+=("$bpid")
	sleep 0.2	# B is listening before A's first packet
	# shellcheck disable=SC2086
	timeout -k 2 30 "$PROBE" --listen 127.0.0.1:$pa --remote 127.0.0.1:$pb --tag "$name-a" \
		$aopt >"$LOG/$name-a.log" 2>&1
	ARC=$?
	wait "$bpid"
	BRC=$?
	grep -h '^PROBE ' "$LOG/$name-a.log" "$LOG/$name-b.log"
}

# check TEXT CONDITION...: one verdict line; remember a failure
check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok    $what"
	else
		echo "FAIL  $what"
		fails+=("$what")
	fi
}

has() {	# has FILE REGEX
	grep -Eq "$2" "$1"
}

# ---------------------------------------------------------------- 1. both ways, RFC 4733
pair both "--pt 0 --send-tone 1004 --expect-tone 1800 --send-dtmf 123# --expect-dtmf 456* --duration 4" \
	"--pt 8 --send-tone 1800 --expect-tone 1004 --send-dtmf 456* --expect-dtmf 123# --duration 4"
check "1a: both probes exit 0 (got $ARC/$BRC)" test "$ARC" = 0 -a "$BRC" = 0
check "1b: A heard 1800 Hz (PCMA)" has "$LOG/both-a.log" '^PROBE .*pt_rx=8 .*tone=1800:ok:.*result=pass'
check "1c: B heard 1004 Hz (PCMU), answered symmetrically" \
	has "$LOG/both-b.log" "^PROBE .*remote=127.0.0.1:$BASE pt_tx=8 .*pt_rx=0 .*tone=1004:ok:.*result=pass"
check "1d: RFC 4733 digits 456* at A" has "$LOG/both-a.log" '^PROBE .*dtmf_rfc4733=456\* dtmf_inband=- '
check "1e: RFC 4733 digits 123# at B" has "$LOG/both-b.log" '^PROBE .*dtmf_rfc4733=123# dtmf_inband=- '
check "1f: no loss either way" has "$LOG/both-a.log" '^PROBE .* lost=0 late=0 dup=0 '

# ---------------------------------------------------------------- 2. in-band DTMF, loss
pair lossy "--send-tone 1004 --expect-tone 1800 --send-dtmf 789 --dtmf-mode inband --expect-dtmf 0A --duration 4" \
	"--pt 8 --send-tone 1800 --expect-tone 1004 --expect-dtmf 789 --send-dtmf 0A --tx-loss 5 --duration 4"
check "2a: both probes exit 0 (got $ARC/$BRC)" test "$ARC" = 0 -a "$BRC" = 0
check "2b: in-band digits 789 at B" has "$LOG/lossy-b.log" '^PROBE .*dtmf_rfc4733=- dtmf_inband=789 '
check "2c: A saw the loss and still heard 1800 Hz and 0A" \
	has "$LOG/lossy-a.log" '^PROBE .* lost=[1-9][0-9]* .*tone=1800:ok:.*dtmf_rx=0A .*result=pass'

# ---------------------------------------------------------------- 3. must fail
pair wrong "--send-tone 1004 --expect-tone 2600 --duration 2" \
	"--send-tone 1800 --expect-tone 1004 --expect-dtmf 5 --duration 2"
check "3a: wrong --expect-tone exits 1 (got $ARC)" test "$ARC" = 1
check "3b: ... saying what it heard" has "$LOG/wrong-a.log" 'FAIL +audio FAIL: expected 2600 Hz, heard 18[0-9][0-9] Hz'
check "3c: missing digits exit 1 (got $BRC), tone still ok" test "$BRC" = 1
check "3d: ... with an ok tone line and a dtmf FAIL line" \
	eval "has '$LOG/wrong-b.log' 'ok +audio ok: heard 1004 Hz' && has '$LOG/wrong-b.log' 'FAIL +dtmf FAIL: expected 5, got -'"

start=$(date +%s%N)
timeout -k 2 10 "$PROBE" --listen 127.0.0.1:$((BASE + 4)) --expect-tone 1004 --wait-first 1 \
	--duration 5 --tag silent >"$LOG/silent.log" 2>&1
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
grep -h '^PROBE ' "$LOG/silent.log"
check "3e: no RTP within --wait-first 1 exits 1 after ~1 s (got $rc after $ms ms)" \
	test "$rc" = 1 -a "$ms" -lt 2500
check "3f: ... saying so" has "$LOG/silent.log" 'FAIL +no RTP received within 1000 ms'

timeout -k 2 10 "$PROBE" --listen 127.0.0.1:$((BASE + 6)) --duration 3 --tag holder >"$LOG/holder.log" 2>&1 &
hpid=$!
pids+=("$hpid")
sleep 0.2
timeout -k 2 10 "$PROBE" --listen 127.0.0.1:$((BASE + 6)) --duration 1 >"$LOG/busy.log" 2>&1
rc=$?
kill "$hpid" 2>/dev/null
wait "$hpid"
check "3g: port already taken exits 2 (got $rc)" test "$rc" = 2
check "3h: SIGTERM ends a probe early with its summary" has "$LOG/holder.log" '^PROBE .*result=pass'

if [ ${#fails[@]} -eq 0 ]; then
	echo "selftest: PASS (logs in $LOG)"
	exit 0
fi
echo "selftest: FAIL (${#fails[@]} checks: ${fails[*]}; logs in $LOG)"
exit 1
