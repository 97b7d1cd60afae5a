#!/bin/bash
# A real SIP phone program and an analog phone, on real DAHDI: baresip (Debian's baresip-core,
# headless, account 5551234 with auto-answer, ausine's 1000 Hz as its microphone, the sndfile
# module recording what it hears) as the peer of FXS port 5:1. baresip dials 2001: the phone
# (pstnsim --analog --role phone) rings, decodes the caller ID (5551234), answers, hears
# baresip's 1000 Hz and sends 1004 Hz, hangs up. Then the phone dials 5551234: baresip
# answers by itself, the phone hears its 1000 Hz again, sends 1004 Hz, hangs up. baresip's
# recording of each call carries the phone's 1004 Hz (tests/guest/wav_tone.py).
# needs: strowger tests/pstnsim/pstnsim
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
t_need strowger tests/pstnsim/pstnsim
command -v baresip >/dev/null || t_fail "baresip is not installed (make deps: baresip-core)"

# Port 5:1 is DAHDI channel 111; its phone is 135. The guest's gateway.conf: phones call
# [trunk peer] (127.0.0.1:5070, baresip here), which calls 200X on span 5.
PHONE=("$(t_bin tests/pstnsim/pstnsim)" --analog 135 --role phone --tag phone)
rec=$T_LOGDIR/baresip-rec
mkdir -p "$rec"

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 5 24 30 || t_fail "span 5 not up"
gw_baseline

# baresip -> phone.
t_start phone-in "${PHONE[@]}" -e 'expect ringing 30s; expect cid from 5551234 8s; offhook;
	tone 1004; expect-tone 1000 2s within 8s; sleep 1s; onhook; sleep 1s'
phone=$T_PID
t_start baresip baresip -n 127.0.0.1 -s -f "$(baresip_conf bs 5551234 "" "module sndfile.so" "snd_path $rec")" \
	-e "/dial sip:2001@127.0.0.1:5060"
bs=$T_PID
t_wait_log baresip "baresip is ready" 15 || { t_tail baresip; t_fail "baresip did not start"; }
t_wait_exit "$phone" 50 || { t_tail phone-in; t_tail baresip 40; t_tail gw 40; t_fail "baresip -> phone failed (pstnsim status $T_RC)"; }
t_wait_log gw "CALL id=1 dir=sip-tdm port 5:1 trunk=peer called=2001 calling=5551234 .*answered=yes cause=16" 5 ||
	t_fail "gateway's summary of the baresip -> phone call missing or wrong"

# phone -> baresip: it answers by itself (answermode=auto).
t_run phone-out 60 "${PHONE[@]}" -e 'offhook; expect-tones 350+440 1s within 3s; dtmf 5551234;
	tone 1004; expect-tone 1000 2s within 10s; sleep 1s; onhook; sleep 1s' ||
	{ t_tail phone-out; t_tail baresip 40; t_tail gw 40; t_fail "phone -> baresip failed (pstnsim status $T_RC)"; }
t_wait_log gw "CALL id=2 dir=tdm-sip port 5:1 trunk=peer called=5551234 calling=2001 .*answered=yes cause=16" 5 ||
	t_fail "gateway's summary of the phone -> baresip call missing or wrong"
t_stop "$bs"

# What baresip heard, call by call: the phone's 1004 Hz, at least a second of it.
mapfile -t decs < <(ls "$rec"/dump-*dec*.wav 2>/dev/null)
[ "${#decs[@]}" -ge 2 ] || { ls -l "$rec"; t_fail "baresip recorded ${#decs[@]} calls' received audio, not 2"; }
for f in "${decs[@]}"; do
	python3 "$STROWGER_ROOT/tests/guest/wav_tone.py" 1004 1000 "$f" >>"$T_LOGDIR/wav.log" 2>&1 ||
		{ cat "$T_LOGDIR/wav.log"; t_fail "baresip did not hear the phone's 1004 Hz in $(basename "$f")"; }
done
t_log "$(cat "$T_LOGDIR/wav.log")"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
