#!/bin/bash
# The cross-checks of strowger.conf against what DAHDI configured, on the real driver: each
# mistake (wrong span type, wrong D-channel, FXS/FXO signalling, missing span) gives its
# exact line from --check, naming both files; the daemon refuses to start (status 2) on a
# mismatch that breaks calls, and starts beside a span that is not there yet.
# needs: strowger
. "$STROWGER_ROOT/tests/guest/lib.sh"
t_need strowger
S=$(t_bin strowger)
SYS=$SPANS_CONF_DIR/system.conf
[ "$SYS" = /etc/dahdi/system.conf ] || t_fail "the messages name /etc/dahdi/system.conf; spans are in $SYS"

# check NAME STATUS LINE CONF-TEXT: --check on the text exits STATUS and prints LINE.
check() {
	local name=$1 want=$2 line=$3 conf=$T_LOGDIR/$1.conf
	printf '%s\n' "$4" >"$conf"
	t_run "$name" 20 "$S" --check -c "$conf"
	[ "$T_RC" = "$want" ] || { t_tail "$name"; t_fail "$name: --check exited $T_RC, expected $want"; }
	grep -qxF -- "${line//@CONF@/$conf}" "$T_LOGDIR/$name.log" ||
		{ t_tail "$name"; t_fail "$name: line not printed: ${line//@CONF@/$conf}"; }
}

check good 0 "notice: spans $SPAN_E1_GW $SPAN_T1_GW $SPAN_CAS_GW: DAHDI shows no line configuration (a dynamic span keeps none): E1/T1 judged by the channel count, framing and coding not checked" \
	"$(sed -n '/^\[span/,/^$/p' "$STROWGER_ROOT/tests/guest/gateway.conf")"
grep -q '^error:' "$T_LOGDIR/good.log" && { t_tail good; t_fail "gateway.conf reported as wrong"; }

check type 2 "error: @CONF@:1: span $SPAN_T1_GW: type = e1, but /proc/dahdi/$SPAN_T1_GW is a T1 (by its channel count, 24 channels): set type = t1 here or fix span=$SPAN_T1_GW in /etc/dahdi/system.conf" \
	"[span $SPAN_T1_GW]
type = e1
signalling = pri_cpe"

check dchannel 2 "error: @CONF@:1: span $SPAN_E1_GW: dchannel = 1, but /proc/dahdi/$SPAN_E1_GW shows position 1 (channel 32) as Clear, not HDLC: DAHDI's D-channel is position 16 (channel $E1_GW_D); dchannel here and dchan= in /etc/dahdi/system.conf must name the same channel" \
	"[span $SPAN_E1_GW]
type = e1
signalling = pri_cpe
channels = 2-31
dchannel = 1"

check fxo 2 "error: @CONF@:1: span $SPAN_CAS_GW: signalling = fxo needs FXS signalling (the port faces an exchange), but /proc/dahdi/$SPAN_CAS_GW shows position 1 (channel 111) as FXOKS (and 23 more): use fxsks= (or fxsls=, fxsgs=) for them in /etc/dahdi/system.conf" \
	"[span $SPAN_CAS_GW]
type = t1
signalling = fxo"

check missing 0 "warning: @CONF@:1: span 9: DAHDI has no such span (no /proc/dahdi/9): nothing will work on it until it appears (card driver loaded? span assigned? dahdi_cfg run with /etc/dahdi/system.conf?)" \
	"[span 9]
type = e1
signalling = pri_cpe"

# The daemon itself: refuses the wrong type with status 2, nothing opened.
t_run daemon-type 20 "$S" -c "$T_LOGDIR/type.conf"
[ "$T_RC" = 2 ] || { t_tail daemon-type; t_fail "daemon with a wrong span type exited $T_RC, expected 2"; }
grep -qF "1 mismatch between $T_LOGDIR/type.conf and DAHDI; nothing started" "$T_LOGDIR/daemon-type.log" ||
	{ t_tail daemon-type; t_fail "daemon did not say why it refused to start"; }
t_pass
