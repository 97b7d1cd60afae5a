# The guest's looped DAHDI spans: the layout (one place; tests read these variables) and the
# functions that create, check and restore it. Sourced by guest-init.sh, runner.sh and lib.sh.
#
# shellcheck disable=SC2034  # the layout variables are for the scripts that source this

# Four pairs of dahdi_dynamic_loc spans; the two spans of a pair are cross-connected (what
# one transmits the other receives, no frame lost). See tests/guest/README.md for the table.

# span 1 <-> span 2: E1, CCS/HDB3, PRI. Span 1 = the PBX (network side: the simulator),
# span 2 = the gateway (CPE side). Timeslot 16 carries the D-channel.
SPAN_E1_PBX=1
SPAN_E1_GW=2
E1_PBX_B="1-15,17-31"
E1_PBX_D=16
E1_GW_B="32-46,48-62"
E1_GW_D=47

# span 3 <-> span 4: T1, ESF/B8ZS, PRI (23B+D). Span 3 = PBX (simulator), span 4 = gateway.
SPAN_T1_PBX=3
SPAN_T1_GW=4
T1_PBX_B="63-85"
T1_PBX_D=86
T1_GW_B="87-109"
T1_GW_D=110

# span 5 <-> span 6: T1, ESF/B8ZS, robbed-bit CAS, loop start. Span 5 = the gateway's FXS
# ports (DAHDI "fxoks": FXO signalling, it faces a phone), span 6 = the phones on them
# (simulated; "fxsks"). Channel 111 + k is looped to channel 135 + k.
SPAN_CAS_GW=5
SPAN_CAS_PHONE=6
CAS_GW_FXS="111-134"
CAS_PHONE="135-158"

# span 7 <-> span 8: T1, ESF/B8ZS, robbed-bit CAS, loop start. Span 7 = the gateway's FXO
# ports (DAHDI "fxsks": FXS signalling, it faces an exchange line), span 8 = the exchange
# lines they are plugged into (simulated; "fxoks"). Channel 159 + k is looped to 183 + k.
SPAN_CAS_FXO=7
SPAN_CAS_EXCH=8
CAS_GW_FXO="159-182"
CAS_EXCH="183-206"

SPANS_COUNT=8
SPANS_CONF_DIR=${SPANS_CONF_DIR:-/etc/dahdi}

# One line "span channels name" per expected span. The name carries the loc address
# <key>:<id>: the spans with the same key are the looped pair. (Dynamic spans do not keep the
# line configuration, ccs/hdb3 or esf/b8zs: dahdi_dynamic has no spanconfig operation, so
# /proc/dahdi and DAHDI_SPANSTAT show none. E1 and T1 differ by channel count and law.)
_spans_expect() {
	cat <<-EOF
	1 31 DYN/loc/1:0
	2 31 DYN/loc/1:1
	3 24 DYN/loc/2:0
	4 24 DYN/loc/2:1
	5 24 DYN/loc/3:0
	6 24 DYN/loc/3:1
	7 24 DYN/loc/4:0
	8 24 DYN/loc/4:1
	EOF
}

# Write the two dahdi_cfg inputs. Pass 1 (dynamic.conf) creates the spans; pass 2
# (system.conf) configures them. They cannot be one file: dahdi_cfg would destroy and
# re-create the dynamic spans before configuring them, and DAHDI_SPANCONFIG then fails.
spans_write_conf() {
	mkdir -p "$SPANS_CONF_DIR" || return 1
	cat >"$SPANS_CONF_DIR/dynamic.conf" <<-EOF
	# dahdi_cfg pass 1: dynamic=loc,<key>:<id>,<channels>,<timing>. Spans with the same key
	# are cross-connected. Spans are numbered in this order.
	dynamic=loc,1:0,31,0
	dynamic=loc,1:1,31,0
	dynamic=loc,2:0,24,0
	dynamic=loc,2:1,24,0
	dynamic=loc,3:0,24,0
	dynamic=loc,3:1,24,0
	dynamic=loc,4:0,24,0
	dynamic=loc,4:1,24,0
	EOF
	cat >"$SPANS_CONF_DIR/system.conf" <<-EOF
	# dahdi_cfg pass 2 (no dynamic= lines here). Written by tests/guest/spans.sh.
	span=1,0,0,ccs,hdb3
	span=2,0,0,ccs,hdb3
	bchan=$E1_PBX_B
	dchan=$E1_PBX_D
	bchan=$E1_GW_B
	dchan=$E1_GW_D
	# dynamic spans default to mu-law; an E1 is A-law
	alaw=1-62
	span=3,0,0,esf,b8zs
	span=4,0,0,esf,b8zs
	bchan=$T1_PBX_B
	dchan=$T1_PBX_D
	bchan=$T1_GW_B
	dchan=$T1_GW_D
	# DAHDI's MG2 echo canceller on the gateway's T1 B-channels and its first FXS and FXO
	# port only: it runs per sample in the kernel, and the emulated CPU has none to spare
	# for every channel (t-ops-echocan)
	echocanceller=mg2,$T1_GW_B
	echocanceller=mg2,${CAS_GW_FXS%%-*}
	echocanceller=mg2,${CAS_GW_FXO%%-*}
	span=5,0,0,esf,b8zs
	span=6,0,0,esf,b8zs
	fxoks=$CAS_GW_FXS
	fxsks=$CAS_PHONE
	span=7,0,0,esf,b8zs
	span=8,0,0,esf,b8zs
	fxsks=$CAS_GW_FXO
	fxoks=$CAS_EXCH
	loadzone=us
	defaultzone=us
	EOF
}

# Expand "1-15,17-31" into one number per line.
spans_expand() {
	local part
	local IFS=,
	for part in $1; do
		case $part in
		*-*) seq "${part%-*}" "${part#*-}" ;;
		*) echo "$part" ;;
		esac
	done
}

# Print the signalling /proc/dahdi shows for channel $2 of span $1 ("Clear", "HDLCFCS"...).
spans_chan_sig() {
	awk -v c="$2" '$1 == c && NF >= 3 { print $3; exit }' "/proc/dahdi/$1" 2>/dev/null
}

# Check the spans in /proc/dahdi against the layout. Print what is wrong; return 0 if all good.
# One awk over /proc/dahdi: every fork costs milliseconds in the TCG guest.
spans_verify() {
	local files=(/proc/dahdi/[0-9]*)
	[ -e "${files[0]}" ] || { echo "spans: no span in /proc/dahdi"; return 1; }
	awk -v spans="$(_spans_expect)" \
	    -v sigs="Clear:$E1_PBX_B,$E1_GW_B,$T1_PBX_B,$T1_GW_B HDLCFCS:$E1_PBX_D,$E1_GW_D,$T1_PBX_D,$T1_GW_D FXOKS:$CAS_GW_FXS,$CAS_EXCH FXSKS:$CAS_PHONE,$CAS_GW_FXO" '
		function err(m) { print "spans: " m; bad = 1 }
		BEGIN {
			n = split(spans, w, /[ \n]+/)
			for (i = 1; i + 2 <= n; i += 3) { nch[w[i]] = w[i + 1]; name[w[i]] = w[i + 2] }
			n = split(sigs, g, " ")
			for (i = 1; i <= n; i++) {
				split(g[i], kv, ":"); m = split(kv[2], parts, ",")
				for (j = 1; j <= m; j++) {
					if (split(parts[j], r, "-") == 1) r[2] = r[1]
					for (c = r[1] + 0; c <= r[2] + 0; c++) want[c] = kv[1]
				}
			}
		}
		FNR == 1 {
			sp = FILENAME; sub(/.*\//, "", sp)
			seen_span[sp] = 1
			if (!(sp in nch)) err("unexpected span " sp ": " $0)
			else if ($3 != name[sp]) err("span " sp " is " $3 ", expected " name[sp])
			if ($0 ~ /ALARM|RED|BLUE|YELLOW|RECOVER|NOTOPEN|LOOP/) err("span " sp " in alarm: " $0)
		}
		FNR > 1 && $1 ~ /^[0-9]+$/ {
			count[sp]++; seen[$1] = 1
			if (!($1 in want)) err("channel " $1 " not in the layout")
			else if ($3 != want[$1]) err("channel " $1 " is " $3 ", expected " want[$1])
		}
		END {
			for (sp in nch) {
				if (!(sp in seen_span)) err("span " sp " missing from /proc/dahdi")
				else if (count[sp] != nch[sp]) err("span " sp " has " count[sp] + 0 " channels, expected " nch[sp])
			}
			for (c in want) if (!(c in seen)) err("channel " c " missing")
			exit bad
		}' "${files[@]}"
}

# Create and configure the spans (the DAHDI modules must be loaded). Return 0 if the result
# matches the layout; otherwise print why.
spans_setup() {
	spans_write_conf || { echo "spans: cannot write $SPANS_CONF_DIR"; return 1; }
	dahdi_cfg -c "$SPANS_CONF_DIR/dynamic.conf" || { echo "spans: dahdi_cfg pass 1 failed"; return 1; }
	dahdi_cfg -c "$SPANS_CONF_DIR/system.conf" || { echo "spans: dahdi_cfg pass 2 failed"; return 1; }
	spans_verify
}

# Bring the spans back to the state spans_setup left, whatever a test did (reconfigured or
# destroyed spans, hook state, HDLC or conference modes, alarms): destroy and re-create them
# from scratch (pass 1 destroys the dynamic spans it re-creates). About a second in the guest.
spans_reset() {
	spans_setup
}

# Zip two channel lists of the same shape into bchan_check pairs:
# spans_pairs "1-15,17-31" "32-46,48-62" -> "1-15:32-46 17-31:48-62"
spans_pairs() {
	local -a a b
	local i out=
	IFS=, read -r -a a <<<"$1"
	IFS=, read -r -a b <<<"$2"
	for i in "${!a[@]}"; do
		out="$out${out:+ }${a[$i]}:${b[$i]}"
	done
	echo "$out"
}
