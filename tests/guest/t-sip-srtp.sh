#!/bin/bash
# SRTP (RFC 3711, keys by SDES RFC 4568) on a trunk with "srtp = mandatory", against a real
# SIP UA: baresip (Debian's baresip-core, headless: no console module, ausine as its audio
# source, the menu module for its /dial command, auto-answer, mediaenc=srtp-mand). The PBX
# calls out over the trunk and hears baresip's 1000 Hz tone through the gateway's SRTP;
# baresip calls in and the PBX hears it again; baresip decrypts every SRTP and SRTCP packet
# the gateway sends (it logs each one it cannot); a plain RTP/AVP offer to the trunk gets 488
# (SIPp). The gateway logs debug for sdp, sip and srtp, and no SDES key of either side may
# appear in its log.
# needs: strowger tests/pstnsim/pstnsim
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim
command -v baresip >/dev/null || t_fail "baresip is not installed (make deps: baresip-core)"

conf=$T_LOGDIR/srtp.conf
cat >"$conf" <<-EOC
	[general]
	log_level = info
	log_levels = sdp=debug,sip=debug,srtp=debug
	alarm_poll_ms = 500
	[span 2]
	type = e1
	signalling = pri_cpe
	switchtype = euroisdn
	[trunk bs]
	proxy = sip:127.0.0.1:5070
	keepalive = 0
	srtp = mandatory
	[route e1-out]
	from = span 2
	to = trunk bs
	[route to-e1]
	from = trunk bs
	match = 49
	to = span 2
EOC

gw_start "$conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline

# PRI -> SIP: baresip answers at once, its tone comes back to the PBX through SRTP.
t_start baresip-uas baresip -n 127.0.0.1 -s -f "$(baresip_conf uas 4930123 ";mediaenc=srtp-mand")"
bs=$T_PID
t_wait_log baresip-uas "baresip is ready" 15 || { t_tail baresip-uas; t_fail "baresip did not start"; }
t_run pbx-out 60 "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930123 from 5551000; expect answer 10s;
	tone 1004; expect-tone 1000 2s within 8s; sleep 1s; hangup 16; expect hangup 5s' ||
	{ t_tail pbx-out; t_tail baresip-uas 40; t_tail gw 40; t_fail "PRI -> SIP call over SRTP failed (pstnsim status $T_RC)"; }
t_wait_log baresip-uas "SRTP is Enabled \(cryptosuite=AES_CM_128_HMAC_SHA1_80\)" 5 ||
	t_fail "baresip did not run SRTP with AES_CM_128_HMAC_SHA1_80"
t_wait_log gw "media: PCM./8 to 127\.0\.0\.1:30[0-9]+, B-channel A-law, SRTP AES_CM_128_HMAC_SHA1_80" 5 ||
	t_fail "gateway's media line does not say SRTP"
t_wait_log gw "CALL id=1 dir=tdm-sip span 2 ch [0-9]+ trunk=bs called=4930123 .*answered=yes cause=16 " 5 ||
	t_fail "gateway's summary of the PRI -> SIP call missing or wrong"
t_stop "$bs"

# SIP -> PRI: baresip dials the gateway; the PBX answers and hears baresip's tone.
t_start pbx-in "${PBX_E1[@]}" -e 'wait-up 30s; expect ring to 4930999 from 5551000 30s; answer;
	tone 1004; expect-tone 1000 2s within 8s; sleep 1s; hangup 16; expect hangup 5s'
pbx=$T_PID
pbx_wait_ready pbx-in
t_start baresip-uac baresip -n 127.0.0.1 -s -f "$(baresip_conf uac 5551000 ";mediaenc=srtp-mand")" -e "/dial sip:4930999@127.0.0.1:5060"
bs=$T_PID
t_wait_exit "$pbx" 45 || { t_tail pbx-in; t_tail baresip-uac 40; t_tail gw 40; t_fail "SIP -> PRI call over SRTP failed (pstnsim status $T_RC)"; }
t_wait_log baresip-uac "SRTP is Enabled" 5 || t_fail "baresip's call in did not run SRTP"
t_wait_log gw "CALL id=2 dir=sip-tdm span 2 ch [0-9]+ trunk=bs called=4930999 calling=5551000 .*answered=yes cause=16 " 5 ||
	t_fail "gateway's summary of the SIP -> PRI call missing or wrong"
t_stop "$bs"

grep -a "failed to decrypt" "$T_LOGDIR"/baresip-*.log &&
	t_fail "baresip could not decrypt SRTP/SRTCP from the gateway"

# A plain RTP/AVP offer to the srtp = mandatory trunk: 488 (RFC 3261 §21.4.26).
sip_uac gw_uac_fail.xml 6002 4930777 -trace_msg -message_file "$T_LOGDIR/uac.msg" ||
	{ t_tail sipp-uac; t_tail gw 30; t_fail "SIPp's refused call did not end as scripted (status $T_RC)"; }
grep -q '^SIP/2.0 488' "$T_LOGDIR/uac.msg" || t_fail "plain RTP offer not refused with 488"
t_wait_log gw "SDP offer refused: plain RTP/AVP offered, srtp is mandatory: 488" 5 ||
	t_fail "gateway did not say why it refused the plain offer"

# No key in the log, not even at debug: every inline: key both sides sent (baresip's SIP
# trace holds them all).
keys=$(grep -ohE 'inline:[A-Za-z0-9+/=]{20,}' "$T_LOGDIR"/baresip-*.log | sort -u | sed 's/^inline://')
[ -n "$keys" ] || t_fail "no SDES keys seen in baresip's SIP trace"
for k in $keys; do
	grep -qF -- "$k" "$T_LOGDIR/gw.log" && t_fail "an SRTP key appears in the gateway's log"
done

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
