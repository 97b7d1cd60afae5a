#!/bin/bash
# Alarms and recovery: the far span vanishing puts ours in RED alarm and its return clears
# needs: strowger tests/tools/dynspan
# it; a span that appears after start is found and opened; no fd leaked.
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
t_need strowger tests/tools/dynspan
DYN=$(t_bin tests/tools/dynspan)

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
fds=$(gw_fds)

# The PBX's span stops transmitting: DAHDI raises RED on ours after 1 s without frames.
t_check "destroy span 1" "$DYN" destroy loc 1:0 31
t_wait_log gw "span 2: in alarm RED" 5 || t_fail "span 2 RED alarm not reported"
[ "$("$DYN" create loc 1:0 31 0)" = 1 ] || t_fail "span 1 came back with another number"
t_check "configure span 1" dahdi_cfg -S 1 -C "$E1_PBX_B,$E1_PBX_D" -c "$SPANS_CONF_DIR/system.conf"
t_wait_log gw "span 2: alarm cleared \(was RED\), span up" 5 || t_fail "recovery not reported"
[ "$(gw_fds)" = "$fds" ] || t_fail "fd count changed over an alarm: $fds -> $(gw_fds)"

# Our own span is missing at start (driver loaded late, card not yet there): reported,
# the rest runs; when it appears it is found and opened. (DAHDI refuses to destroy a span
# whose channels are open, EBUSY, so a span cannot vanish under a running daemon.)
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_check "destroy span 2" "$DYN" destroy loc 1:1 31
gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
t_wait_log gw "span 2: DAHDI has no such span" 5 || t_fail "missing span 2 not reported"
gw_wait_up 4 24 || t_fail "span 4 not up while span 2 is missing"
[ "$(gw_chan_fds)" = 48 ] || t_fail "expected 48 channel fds without span 2, found $(gw_chan_fds)"
[ "$("$DYN" create loc 1:1 31 0)" = 2 ] || t_fail "span 2 came back with another number"
t_check "configure span 2" dahdi_cfg -S 2 -C "$E1_GW_B,$E1_GW_D" -c "$SPANS_CONF_DIR/system.conf"
t_wait_log gw "span 2: found" 5 || t_fail "span 2's arrival not reported"
gw_wait_up 2 31 5 || t_fail "span 2 not up after it appeared"
[ "$(gw_chan_fds)" = 79 ] || t_fail "expected 79 channel fds once span 2 is there, found $(gw_chan_fds)"

gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
