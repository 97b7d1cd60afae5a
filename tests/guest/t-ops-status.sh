#!/bin/bash
# The status page in a real browser: the daemon serves it with its metrics; during a PBX call
# to the SIP peer on real DAHDI, headless Chromium loads http://127.0.0.1:9100/, runs its
# script and must show the call (its row with both numbers), span 2's grid with the call's
# channel busy, and the trunk; the page's document (/status.json) must parse and agree. The
# call is then cleared from the control socket, and the document lists no call and counts the
# finished one in its last hour. A screenshot of the page during the call stays in the test
# log (status-during-call.png). Chromium takes about a minute to start under emulation.
# needs: strowger strowgerctl tests/pstnsim/pstnsim
# timeout: 420
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger strowgerctl tests/pstnsim/pstnsim
command -v chromium >/dev/null || t_fail "no chromium (make deps installs it)"

URL=http://127.0.0.1:9100/
CTL_SOCK=$T_LOGDIR/control
sed "s|^\[general\]\$|[general]\ncontrol_socket = $CTL_SOCK\nmetrics_listen = 127.0.0.1:9100\nstatus_token = not-needed-on-loopback|" \
	"$STROWGER_ROOT/tests/guest/gateway.conf" >"$T_LOGDIR/gw.conf"

# browse OUT ARGS...: the page's DOM after its script ran, into $T_LOGDIR/OUT. Chromium's
# profile and crash files go to the test's own directory. It runs niced: under emulation it
# would otherwise starve the PBX simulator and the daemon of the time Q.921's timers need
# (the D-channel dropped once on a loaded host).
browse() {
	local out=$1
	shift
	HOME=$T_LOGDIR/chromium timeout 240 nice -n 19 chromium --headless \
		--no-sandbox --disable-gpu --renderer-process-limit=1 \
		--no-first-run --no-default-browser-check --disable-extensions --disable-sync \
		--disable-background-networking --disable-component-update --disable-dev-shm-usage \
		--user-data-dir="$T_LOGDIR/chromium" --virtual-time-budget=4000 "$@" "$URL" \
		>"$T_LOGDIR/$out" 2>>"$T_LOGDIR/chromium.log"
}

# has FILE PATTERN WHAT: FILE matches the extended regular expression PATTERN.
has() {
	grep -qE -- "$2" "$T_LOGDIR/$1" || { t_log "$1:"$'\n'"$(cat "$T_LOGDIR/$1")"; t_fail "$3"; }
}

# status CHECK WHAT: /status.json parses and the Python expression CHECK holds for it (s).
status() {
	curl -sS --max-time 5 "${URL}status.json" >"$T_LOGDIR/status.json" || t_fail "no /status.json"
	python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); sys.exit(0 if ('"$1"') else 1)' \
		"$T_LOGDIR/status.json" || { t_log "$(cat "$T_LOGDIR/status.json")"; t_fail "$2"; }
}

gw_start "$T_LOGDIR/gw.conf"
gw_wait_up 2 31 30 || t_fail "span 2 not up"
t_wait_log gw "the status page on http://127.0.0.1:9100/" 5 || t_fail "the daemon does not announce its status page"
gw_baseline

sip_uas gw_uas_answer.xml 6000 -timeout 380s	# the browser may take minutes on a loaded host
uas=$T_PID
t_start pbx "${PBX_E1[@]}" -e "$PBX_READY"'
	call 4930177 from 5551077; expect answer 10s; expect hangup 16 380s'
pbx=$T_PID
t_wait_log pbx " ok .*expect answer" 40 || { t_tail pbx; t_tail gw 30; t_fail "the call was not answered"; }

t0=$EPOCHSECONDS
browse during.html --dump-dom --screenshot="$T_LOGDIR/status-during-call.png" --window-size=1280,1000 ||
	t_fail "chromium could not load the page (status $?)"
t_log "chromium: the page in $((EPOCHSECONDS - t0)) s"
[ -s "$T_LOGDIR/status-during-call.png" ] || t_fail "no screenshot"
has during.html 'id="updated" class="">updated [0-9:]+ UTC; 1 call up' "the page's script did not draw one call"
has during.html '<tr id="call-1">.*<td>4930177</td><td>5551077</td>' "the page lists no call 1 with its numbers"
has during.html 'id="span-2"><b>span 2 E1 pri_cpe \(up, D-channel up\)' "the page has no grid for span 2, up"
has during.html 'class="ch busy" title="span 2 ch [0-9]+: busy, call 1"' "no busy channel of call 1 in span 2's grid"
has during.html '<tr id="trunk-peer">' "the page lists no trunk peer"
status 'len(s["show_calls"]["calls"]) == 1 and s["show_calls"]["calls"][0]["called"] == "4930177" and
	any(c["state"] == "busy" and c.get("call") == 1 for c in s["show_channels"]["channels"] if c["span"] == 2)' \
	"/status.json does not show the call on a busy channel of span 2"

"$(t_bin strowgerctl)" -s "$CTL_SOCK" hangup 1 16 >>"$T_LOGDIR/test.log" 2>&1 || t_fail "strowgerctl hangup 1 failed"
t_wait_exit "$pbx" 30 || { t_tail pbx; t_fail "the PBX's call did not end ($T_RC)"; }
t_wait_exit "$uas" 15 || { t_tail sipp-uas; t_fail "SIPp UAS did not finish"; }
gw_wait_count "CALL id=1 " 1 5 || t_fail "no CALL line"
sleep 1.5	# the document is renewed every second
status 'not s["show_calls"]["calls"] and len(s["history"]) == 60 and
	sum(m["calls"] for m in s["history"]) == 1 and sum(m["answered"] for m in s["history"]) == 1' \
	"/status.json still lists a call, or its history does not count the finished one"
gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
