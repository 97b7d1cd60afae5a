#!/bin/bash
# Call waiting on an FXS port, the paths t-analog-fxs-cw does not take, on real DAHDI. The
# phone (pstnsim --analog 135 --role phone) calls the SIP peer through port 5:1 (1800 Hz from
# the peer, SIPp gw_uas_cw_hold2.xml: held and taken back twice).
#  c. Bob (2002, SIPp from 5072) calls: call-waiting tone, CAS; the phone acknowledges with
#     DTMF A (GR-30-CORE takes A or D) and decodes the type II caller ID by field.
#  a. A flash answers Bob and holds the first call (a=sendonly). The phone hangs up: Bob gets
#     BYE, the phone rings again in the zone's cadence (two bursts 6 s apart) and off-hook
#     takes the held call back (a=sendrecv, 1800 Hz again, the peer's probe hears 1004 Hz).
#  d. A third caller gives up (CANCEL, 300 ms after the 180) during the alert, the phone not
#     acknowledging: 200 for the CANCEL, 487 for the INVITE; the tone and CAS still play out
#     whole (the CAS checked), no caller ID follows and the first call's audio comes back.
#     (Anywhere in the 1.4 s of tone, CAS and wait for the ACK is the same path: slack for a
#     slow SIPp under emulation.)
#  b. Bob calls again (gw_uac_cw_held.xml), is acknowledged (D) and answered by a flash; a
#     flash takes the first call back (Bob gets a=sendonly), Bob hangs up while held (BYE 4 s
#     later): the first call's audio goes on through it, the next flash goes to SIP as RFC
#     4733 event 16 (no second call to swap to) and hanging up rings nothing. Resources
#     back to their baseline at the end.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

conf=$T_LOGDIR/gateway.conf
cp "$STROWGER_ROOT/tests/guest/gateway.conf" "$conf"
# The second callers come as trunk peer2 (127.0.0.1:5072).
cat >>"$conf" <<'EOF2'

[route cw-peer2]
from = trunk peer2
match = 200
to = port 5
EOF2
# Port 5:1 is DAHDI channel 111; its phone is 135.
PHONE=("$(t_bin tests/pstnsim/pstnsim)" --analog 135 --role phone --tag phone)
PROBE=$(t_bin tests/rtpprobe/rtpprobe)

# The second callers come from trunk peer2's address.
SIP_UAC_PORT=5072

gw_start "$conf"
gw_wait_up 5 24 30 || t_fail "span 5 not up"
gw_baseline

t_start probe-1 "$PROBE" --listen 127.0.0.1:6000 --tag sip1 \
	--send-tone 1800 --expect-tone 1004 --duration 150 --wait-first 25
probe1=$T_PID
sip_uas gw_uas_cw_hold2.xml 6000 -trace_msg -message_file "$T_LOGDIR/uas-cw.msg"
uas=$T_PID
# One step line per part (the phone logs "ok L<n>" per step).
t_start phone "${PHONE[@]}" -e 'offhook; expect-tones 350+440 1s within 3s
	dtmf 5551234; tone 1004; expect-tone 1800 2s within 8s
	expect-tones 440 100ms within 20s min 60; expect cas 3s; silence; dtmf A
	expect cid from 2002 name Bob 5s; tone 1004; expect-tone 1800 1s within 5s
	flash 400ms; sleep 1s; expect-tone 1400 2s within 8s; sleep 2s
	onhook; expect ringing x 2 cadence 6s 16s
	offhook; tone 1004; expect-tone 1800 2s within 8s
	expect-tones 440 100ms within 20s min 60; expect cas 3s; silence; !expect cid 2500ms
	tone 1004; expect-tone 1800 2s within 8s
	expect-tones 440 100ms within 20s min 60; expect cas 3s; silence; dtmf D
	expect cid from 2002 name Bob 5s; tone 1004; expect-tone 1800 1s within 5s
	flash 400ms; sleep 1s; expect-tone 1400 2s within 8s; flash 400ms; expect-tone 1800 2s within 8s
	expect-tone 1800 8s within 5s
	flash 400ms; expect-tone 1800 2s within 8s
	onhook; !expect ringing 4s; sleep 1s'
phone=$T_PID
t_wait_log gw "media: .* to 127.0.0.1:6000" 30 || { t_tail phone; t_tail gw 30; t_fail "the first call got no media"; }
t_wait_log phone "ok +L2 +expect-tone 1800" 15 || { t_tail phone; t_fail "no audio on the first call"; }

# c + a: Bob waits, is acknowledged with DTMF A, answered by a flash; the phone hangs up on
# him and is rung again for the held call.
t_start probe-2 "$PROBE" --listen 127.0.0.1:6002 --tag sip2 \
	--send-tone 1400 --expect-tone 1004 --duration 60 --wait-first 40
probe2=$T_PID
sip_uac_bg uac-bob gw_uac_cw_bye.xml 6002 2001
bob=$T_PID
t_wait_log gw "port 5:1: call waiting: the phone acknowledged with DTMF A" 30 ||
	{ t_tail phone; t_tail gw 30; t_fail "the DTMF A acknowledgement not taken"; }
t_wait_log phone "ok +L4 +expect cid" 10 || { t_tail phone; t_fail "no type II caller ID after DTMF A"; }
# Bob's probe measures until the BYE (SIPp lingers 2 s after it: no audio then).
t_wait_log gw "call 2 .*SIP: BYE" 40 || { t_tail phone; t_tail gw 40; t_fail "Bob got no BYE when the phone hung up"; }
kill -TERM "$probe2"
t_wait_exit "$probe2" 5 || { t_tail probe-2; t_fail "no 1004 Hz from the phone at Bob (rtpprobe status $T_RC)"; }
t_wait_exit "$bob" 10 || { t_tail uac-bob; t_tail gw 40; t_fail "Bob's call (hung up on by the phone): SIPp status $T_RC"; }
grep -q '^SIP/2.0 180' "$T_LOGDIR/uac-bob.msg" || t_fail "Bob got no 180"
t_wait_log gw "port 5:1: on-hook with a held call: ringing again" 5 || { t_tail gw 30; t_fail "no reminder ring for the held call"; }
t_wait_log phone "ok +L6 +expect ringing" 20 || { t_tail phone; t_tail gw 30; t_fail "the phone was not rung again (cadence) for the held call"; }
t_wait_log phone "ok +L7 +expect-tone 1800" 15 || { t_tail phone; t_tail gw 30; t_fail "off-hook did not take the held call back"; }

# d: a caller gives up during the alert (tone, CAS, the wait for the acknowledgement).
sip_uac_bg uac-cancel gw_uac_cancel.xml 6004 2001 -d 300
t_wait_exit "$T_PID" 30 || { t_tail uac-cancel; t_tail gw 30; t_fail "the cancelled waiting call: SIPp status $T_RC"; }
grep -q '^SIP/2.0 200 OK' "$T_LOGDIR/uac-cancel.msg" && grep -q '^SIP/2.0 487' "$T_LOGDIR/uac-cancel.msg" ||
	{ cat "$T_LOGDIR/uac-cancel.msg"; t_fail "the CANCEL got no 200 or the INVITE no 487"; }
t_wait_log gw "port 5:1: the waiting call cleared during the call-waiting alert" 5 ||
	{ t_tail gw 30; t_fail "the CANCEL did not cross the alert (timing) or was not logged"; }
t_wait_log phone "ok +L9 +expect-tone 1800" 20 || { t_tail phone; t_tail gw 30; t_fail "no caller ID expected and the first call's audio back after the CANCEL"; }

# b: Bob again, answered by a flash, held by the next; he hangs up while held.
t_start probe-3 "$PROBE" --listen 127.0.0.1:6006 --tag sip3 \
	--send-tone 1400 --expect-tone 1004 --duration 60 --wait-first 40
probe3=$T_PID
sip_uac_bg uac-held gw_uac_cw_held.xml 6006 2001 -d 4000
held=$T_PID
# Its probe measures while he talks: held, he gets no audio.
t_wait_log gw "port 5:1: hook flash: takes back the held call, holds the other" 40 ||
	{ t_tail phone; t_tail gw 40; t_fail "the flash back to the first call not seen"; }
kill -TERM "$probe3"
t_wait_exit "$probe3" 5 || { t_tail probe-3; t_fail "no 1004 Hz from the phone at the second Bob (rtpprobe status $T_RC)"; }
t_wait_exit "$held" 30 || { t_tail uac-held; t_tail phone; t_tail gw 40; t_fail "the held caller's call: SIPp status $T_RC"; }
t_wait_log gw "port 5:1: the held call cleared" 5 || { t_tail gw 30; t_fail "the held call's BYE not seen as such"; }

t_wait_exit "$phone" 60 || { t_tail phone; t_tail gw 40; t_fail "phone script failed (pstnsim status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_tail gw 20; t_fail "the first call's peer: SIPp status $T_RC (two hold/resume cycles and a BYE wanted)"; }
kill -TERM "$probe1"
t_wait_exit "$probe1" 5 || { t_tail probe-1; t_fail "no 1004 Hz from the phone on the first call (rtpprobe status $T_RC)"; }
[ "$(grep -c '^a=sendonly' "$T_LOGDIR/uas-cw.msg")" -ge 2 ] || t_fail "not two a=sendonly re-INVITEs in the trace"
grep -q "RFC 4733 event 16" "$T_LOGDIR/probe-1.log" || t_fail "the first call's peer got no RFC 4733 event 16 for the last flash"
# The flash after the held call left: RFC 4733 event 16 to the first call, no swap.
grep -A200 "port 5:1: the held call cleared" "$T_LOGDIR/gw.log" |
	grep -qE "hook flash on port 5:1: sent as RFC 4733 event 16" ||
	{ t_tail gw 40; t_fail "the flash after the held call left did not go to SIP as event 16"; }
grep -A200 "port 5:1: the held call cleared" "$T_LOGDIR/gw.log" | grep -q "ringing again" &&
	t_fail "the phone was rung for the call that had left"
t_wait_log gw "CALL id=1 dir=tdm-sip port 5:1 trunk=peer called=5551234 calling=2001 .*answered=yes cause=16" 5 ||
	t_fail "the first call's summary missing or wrong"
t_wait_log gw "CALL id=2 dir=sip-tdm port 5:1 trunk=peer2 called=2001 calling=2002 .*answered=yes cause=16" 5 ||
	t_fail "Bob's (hung up on) summary missing or wrong"
t_wait_log gw "CALL id=3 dir=sip-tdm port 5:1 trunk=peer2 called=2001 .*answered=no .*sip_status=487" 5 ||
	t_fail "the cancelled waiting call's summary missing or wrong"
t_wait_log gw "CALL id=4 dir=sip-tdm port 5:1 trunk=peer2 called=2001 calling=2002 .*answered=yes cause=16" 5 ||
	t_fail "the held caller's summary missing or wrong"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
