#!/bin/bash
# Self-test of t38term over loopback (host, in a netns of its own, or the guest): one t38term
# sends a 3-page fax to another that learns its peer from the first datagram; ECM on and
# off, without loss and with 5 % of the datagrams dropped each way (fixed seeds), the default
# redundancy recovering every one; then redundancy 0 with the same loss, where packets must
# be reported lost (the drop and the loss accounting are real). Every fax that must complete
# is compared with faxcmp (ECM: 0 differing rows).
#
#   selftest.sh BUILD_DIR [PORT_BASE]        (default 41000; uses PORT_BASE..+99)
# Prints the report lines, one verdict line per case and "t38term-self: PASS|FAIL".
set -u
B=${1:?usage: selftest.sh BUILD_DIR [PORT_BASE]}
PB=${2:-41000}
T=$B/tests/t38term/t38term
MK=$B/tests/tools/mkfaxtiff
CMP=$B/tests/tools/faxcmp
D=$(mktemp -d /tmp/t38term-self.XXXXXX)
for p in "$T" "$MK" "$CMP"; do
	[ -x "$p" ] || { echo "t38term-self: FAIL (missing $p)"; exit 1; }
done
"$MK" --pages 3 "$D/sent.tif" >/dev/null || { echo "t38term-self: FAIL (mkfaxtiff)"; exit 1; }

# pair NAME PORT ECM DROP REDUNDANCY: runs in the background, results in $D/NAME.*
pair() {
	local name=$1 port=$2 ecm=$3 drop=$4 red=$5 rpid
	"$T" --local "127.0.0.1:$((port + 2))" --wait-peer --recv "$D/$name.tif" --ecm "$ecm" \
		--drop "$drop" --seed 7 --redundancy "$red" --ident RECV-$name --timeout 150 \
		>"$D/$name.recv" 2>&1 &
	rpid=$!
	sleep 0.3
	"$T" --local "127.0.0.1:$port" --remote "127.0.0.1:$((port + 2))" --send "$D/sent.tif" \
		--ecm "$ecm" --drop "$drop" --seed 3 --redundancy "$red" --ident SEND-$name \
		--timeout 150 >"$D/$name.send" 2>&1
	echo $? >"$D/$name.src"
	wait $rpid
	echo $? >"$D/$name.rrc"
}

pair ecm 	"$PB"		on  0 3 &
pair noecm	"$((PB + 10))"	off 0 3 &
pair ecm5	"$((PB + 20))"	on  5 3 &
pair noecm5	"$((PB + 30))"	off 5 3 &
pair red0	"$((PB + 40))"	on  5 0 &
wait

fails=0
for name in ecm noecm ecm5 noecm5; do
	cmp=$("$CMP" "$D/sent.tif" "$D/$name.tif" 2>&1)
	crc=$?
	cat "$D/$name.send" "$D/$name.recv"
	if [ "$(cat "$D/$name.src")" = 0 ] && [ "$(cat "$D/$name.rrc")" = 0 ] && [ $crc = 0 ] &&
		grep -q 'pages=3 .*code=0 (OK)' "$D/$name.recv"; then
		echo "t38term-self: ok   $name: $cmp"
	else
		echo "t38term-self: FAIL $name: exit $(cat "$D/$name.src")/$(cat "$D/$name.rrc"), $cmp"
		fails=$((fails + 1))
	fi
done
# with 5 % loss each way the default redundancy must have recovered packets, losing none
for name in ecm5 noecm5; do
	if grep -qE 'recovered=[1-9][0-9]*' "$D/$name.recv" && grep -q ' lost=0 ' "$D/$name.recv"; then
		echo "t38term-self: ok   $name: losses recovered by redundancy"
	else
		echo "t38term-self: FAIL $name: expected recovered>0 and lost=0"
		fails=$((fails + 1))
	fi
done
# without redundancy the same loss must show as lost packets
cat "$D/red0.send" "$D/red0.recv"
if grep -qE ' lost=[1-9][0-9]* recovered=0 ' "$D/red0.recv"; then
	echo "t38term-self: ok   red0: redundancy 0 loses packets ($(grep -oE 'code=[0-9]+ \([^)]*\)' "$D/red0.recv"))"
else
	echo "t38term-self: FAIL red0: expected lost>0 and recovered=0"
	fails=$((fails + 1))
fi
echo "t38term-self: files in $D"
[ $fails = 0 ] && { echo "t38term-self: PASS"; exit 0; }
echo "t38term-self: FAIL ($fails)"
exit 1
