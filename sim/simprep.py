#!/usr/bin/python3
"""strowger-sim, first half: a user's strowger.conf and calls file made into what the guest
runs (sim/sim-run.sh).

    simprep.py CONF CALLS OUTDIR

Maps the user's spans onto the guest's looped span pairs (tests/guest/spans.sh): one E1 PRI
span onto span 2 (the simulated PBX on span 1), one T1 PRI span onto span 4 (PBX on 3), one
FXS span onto span 5 (phones on 6), one FXO span onto span 7 (exchange lines on 8). Rewrites
the configuration only where it must: span numbers (sections, routes, groups, ports), the
SIP and RTP addresses (loopback), each trunk's proxy (its own loopback address 127.0.1.N,
port 5070, UDP, no registration, no keepalive, no SRTP), and the files the daemon writes
(into OUTDIR). Writes OUTDIR/strowger.conf, OUTDIR/plan (one call a line, for the guest),
OUTDIR/spans (the PBX simulators to run), OUTDIR/trunks, OUTDIR/notes (what was rewritten).
Exit 2 with "strowger-sim: ..." lines for what cannot be simulated.
"""
import ctypes
import os
import re
import sys

# the guest's looped pairs: gateway span, simulator span, its D-channel and B-channels
GUEST = {
    "e1": {"gw": 2, "dchan": 16, "bchans": "1-15,17-31", "chans": 31},
    "t1": {"gw": 4, "dchan": 86, "bchans": "63-85", "chans": 24},
    "fxs": {"gw": 5, "chans": 24, "far": 135},	# the phones' fxsks channels on span 6
    "fxo": {"gw": 7, "chans": 24, "far": 183},	# the exchange lines' fxoks channels on span 8
}
ANSWER_MAX = 8	# analog ports with a simulated phone or line answering calls from SIP

PEER_PORT = 5070
errors = []


def fail(msg):
    errors.append("strowger-sim: " + msg)


def parse(path):
    """[(section header or None, [(raw line, key or None, value)])] in file order."""
    sections, cur = [], (None, [])
    sections.append(cur)
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            s = line.strip()
            if s.startswith("[") and s.endswith("]"):
                cur = (s[1:-1].strip(), [])
                sections.append(cur)
                continue
            m = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$", line)
            if m and not s.startswith((";", "#")):
                cur[1].append((line, m.group(1), m.group(2)))
            else:
                cur[1].append((line, None, None))
    return sections

class _Sound(ctypes.Structure):
    _fields_ = [("toneid", ctypes.c_int), ("data", ctypes.c_char * 256)]


class _Zone(ctypes.Structure):	# libtonezone's struct tone_zone (dahdi/tonezone.h)
    _fields_ = [("zone", ctypes.c_int), ("country", ctypes.c_char * 10),
                ("description", ctypes.c_char * 40), ("ringcadence", ctypes.c_int * 16),
                ("tones", _Sound * 16)]


_zones = {}


def zone(name):
    """(dial tone "350+440" or None, first ring period [ms] or None) of a tone zone, from
    libtonezone, as the gateway plays them; None if there is no such zone."""
    if name in _zones:
        return _zones[name]
    try:
        lib = ctypes.CDLL("libtonezone.so.2")
    except OSError:
        fail("libtonezone.so.2 is not installed (make deps): the tone zones are read from it")
        return None
    lib.tone_zone_find.restype = ctypes.POINTER(_Zone)
    lib.tone_zone_find.argtypes = [ctypes.c_char_p]
    z = lib.tone_zone_find(name.encode())
    if not z:
        _zones[name] = None
        return None
    z = z.contents
    dial = None
    for t in z.tones:
        if t.toneid == 0 and t.data:	# DAHDI_TONE_DIALTONE
            first = t.data.decode().split(",")[0].lstrip("!").split("/")[0]
            dial = first if re.fullmatch(r"\d+(\+\d+)?", first) else None	# no AM tones
            break
    rc = list(z.ringcadence)
    _zones[name] = (dial, rc[0] + rc[1] if rc[0] > 0 and rc[1] > 0 else None)
    return _zones[name]


def positions(lst):
    """"1-4,9" -> [1, 2, 3, 4, 9]; None if it does not parse (the daemon's check says why)."""
    out = []
    for part in lst.split(","):
        m = re.fullmatch(r"\s*(\d+)(?:\s*-\s*(\d+))?\s*", part)
        if not m:
            return None
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        out.extend(range(a, b + 1))
    return out


def analog_ports(sections, spanmap, spankind, notes):
    """The [port N:LIST] sections of the user's analog spans, one dict per port: position
    kept on the guest's CAS span (FXS ports face phones on span 6, FXO ports exchange
    lines on span 8), number counted up as the daemon does, tone zone, caller-ID standard."""
    ports = []
    for name, lines in sections:
        m = re.fullmatch(r"port\s+(\d+):(.+)", name or "")
        if not m or spankind.get(int(m.group(1))) not in ("fxs", "fxo"):
            continue
        n, kind = int(m.group(1)), spankind[int(m.group(1))]
        g = GUEST[kind]
        kv = {k: v for _, k, v in lines if k}
        pos = positions(m.group(2))
        if pos is None:
            continue
        big = [p for p in pos if p < 1 or p > g["chans"]]
        if big:
            fail(f"[{name}]: position {big[0]}: the guest's {kind.upper()} span has "
                 f"{g['chans']} ports (positions 1-{g['chans']}); list those you want to "
                 "prove (at most 24 on one span)")
            continue
        num, z = kv.get("number", ""), kv.get("tone_zone", "us")
        tz = zone(z)
        if tz is None:
            fail(f"[{name}]: tone_zone {z}: libtonezone has no such zone")
            continue
        for i, p in enumerate(pos):
            ports.append({
                "kind": kind, "span": n, "pos": p, "gw": g["gw"],
                "chan": g["far"] + p - 1, "cid": kv.get("caller_id", "bell202"),
                "number": str(int(num) + i).zfill(len(num)) if num.isdigit() else "-",
                "zone": z, "dial": tz[0] or "-", "ring_ms": tz[1] or 0, "answer": "yes"})
    for kind, who in (("fxs", "phone"), ("fxo", "exchange line")):
        mine = [p for p in ports if p["kind"] == kind]
        if len(mine) > ANSWER_MAX:
            p = mine[ANSWER_MAX]
            notes.append(f"{kind.upper()} ports from {p['span']}:{p['pos']} on get no simulated "
                         f"{who} for calls from SIP (the first {ANSWER_MAX} do): a call to "
                         "them is not answered")
        for p in mine[ANSWER_MAX:]:
            p["answer"] = "no"
    return ports


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    conf, calls, out = sys.argv[1:]
    try:
        sections = parse(conf)
    except OSError as e:
        print(f"strowger-sim: {conf}: {e.strerror}", file=sys.stderr)
        return 2
    os.makedirs(out, exist_ok=True)
    notes = []

    # spans: which guest pair each takes
    spanmap, spankind, spanargs = {}, {}, {}
    for name, lines in sections:
        m = re.fullmatch(r"span\s+(\d+)", name or "")
        if not m:
            continue
        n = int(m.group(1))
        kv = {k: v for _, k, v in lines if k}
        typ, sig = kv.get("type", "").lower(), kv.get("signalling", "").lower()
        if sig in ("pri_cpe", "pri_net"):
            kind = typ
            if typ not in ("e1", "t1"):
                fail(f"span {n}: type '{typ}' (e1 or t1)")
                continue
        elif sig in ("fxs", "fxo"):
            kind = sig
            if typ not in ("e1", "t1"):
                fail(f"span {n}: type '{typ}' (e1 or t1)")
                continue
        else:
            fail(f"span {n}: signalling '{sig}' cannot be simulated")
            continue
        taken = [s for s, k in spankind.items() if k == kind]
        if taken:
            fail(f"span {n}: the guest has one looped {kind.upper()} pair, span {taken[0]} "
                 f"has it already; simulate the spans one {kind.upper()} at a time")
            continue
        g = GUEST[kind]
        if kind in ("e1", "t1"):
            dch = kv.get("dchannel")
            want = "16" if kind == "e1" else "24"
            if dch and dch != want:
                fail(f"span {n}: dchannel {dch}: the guest's {kind.upper()} loop carries the "
                     f"D-channel in timeslot {want}")
                continue
            switch = kv.get("switchtype", "euroisdn" if kind == "e1" else "ni2")
            law = kv.get("law", "alaw" if kind == "e1" else "ulaw")
            role = "net" if sig == "pri_cpe" else "cpe"
            pbx_d = 16 if kind == "e1" else 86
            pbx_b = "1-15,17-31" if kind == "e1" else "63-85"
            spanargs[n] = f"--dchan {pbx_d} --bchans {pbx_b} --role {role} --switch {switch} --law {law}"
        spanmap[n], spankind[n] = g["gw"], kind
        if n != g["gw"]:
            notes.append(f"span {n} ({kind.upper()} {sig}) runs as guest span {g['gw']}")

    ports = analog_ports(sections, spanmap, spankind, notes)

    def span_ref(m):
        n = int(m.group(2))
        if n not in spanmap:
            fail(f"'{m.group(0)}': no span {n} in the configuration")
            return m.group(0)
        return f"{m.group(1)} {spanmap[n]}{m.group(3) or ''}"

    def map_list(v):
        out_ = []
        for part in re.split(r"\s*,\s*", v):
            if part.isdigit() and int(part) in spanmap:
                out_.append(str(spanmap[int(part)]))
            else:
                if part.isdigit():
                    fail(f"group spans '{v}': no span {part}")
                out_.append(part)
        return ", ".join(out_)

    trunks = {}
    general_set = {
        "sip_address": "127.0.0.1", "rtp_address": "127.0.0.1", "dahdi_dir": None,
        "control_socket": f"{out}/control", "cdr_db": f"{out}/cdr.db", "cdr_csv": None,
        "metrics_listen": None, "dns_server": None, "trace_file": f"{out}/sip.pcap",
        "log_target": None, "log_levels": None, "tls_cert": None, "tls_key": None, "tls_ca": None,
    }
    text = []
    sip_port = "5060"
    for name, lines in sections:
        hdr = name
        kind = (name or "").split()[0] if name else None
        if name:
            m = re.fullmatch(r"span\s+(\d+)", name)
            if m and int(m.group(1)) in spanmap:
                hdr = f"span {spanmap[int(m.group(1))]}"
            m = re.fullmatch(r"port\s+(\d+)(:.*)", name)
            if m:
                n = int(m.group(1))
                if n not in spanmap:
                    fail(f"[{name}]: no span {n}")
                else:
                    hdr = f"port {spanmap[n]}{m.group(2)}"
            text.append(f"[{hdr}]")
        seen = set()
        last = len(text)  # appended keys go after the section's last key
        tname = name.split(None, 1)[1] if kind == "trunk" and len(name.split()) > 1 else None
        m = re.fullmatch(r"span\s+(\d+)", name or "")
        analog = m and spankind.get(int(m.group(1))) in ("fxs", "fxo")
        if tname:
            trunks[tname] = f"127.0.1.{len(trunks) + 1}"
        for raw, k, v in lines:
            if k is None:
                text.append(raw)
                continue
            seen.add(k)
            if kind == "general":
                if k == "sip_port":
                    sip_port = v
                if k == "log_level" and v in ("error", "warn", "notice"):
                    # the report reads the gateway's info lines (route, port rang)
                    notes.append(f"[general] log_level = {v} -> info")
                    text.append("log_level = info")
                    continue
                if k in general_set:
                    new = general_set[k]
                    if new is None:
                        notes.append(f"[general] {k} = {v}: left out")
                        continue
                    if new != v:
                        notes.append(f"[general] {k} = {v} -> {new}")
                    text.append(f"{k} = {new}")
                    continue
            if analog and k in ("type", "law", "channels"):
                # the guest's CAS spans are T1, mu-law, positions 1-24 (ports checked above)
                new = {"type": "t1", "law": "ulaw"}.get(k)
                if new != v:
                    notes.append(f"[{name}] {k} = {v} -> {new}" if new else
                                 f"[{name}] {k} = {v}: left out (the guest's span has 1-24)")
                if new:
                    text.append(f"{k} = {new}")
                continue
            if kind == "trunk" and tname:
                fixed = {"proxy": f"sip:{trunks[tname]}:{PEER_PORT}", "transport": "udp",
                         "register": "no", "keepalive": "0", "srtp": "off",
                         "inbound_auth": "no"}
                if k in fixed:
                    if fixed[k] != v:
                        notes.append(f"trunk {tname}: {k} = {v} -> {fixed[k]}")
                    text.append(f"{k} = {fixed[k]}")
                    continue
            if kind == "port" and (k == "register" and v != "none" or
                                   k == "mwi" and v == "subscribe"):
                # the loopback peers take no REGISTER or SUBSCRIBE (no trunk registers either)
                new = "none" if k == "register" else "notify"
                notes.append(f"[{name}] {k} = {v} -> {new} " + (
                    "(registration is not simulated: an INVITE for the port's user needs a "
                    "route to it)" if k == "register" else "(no SUBSCRIBE without registration)"))
                text.append(f"{k} = {new}")
                continue
            if kind in ("route", "port") and k in ("from", "to"):
                v2 = re.sub(r"\b(span|port)\s+(\d+)(:[0-9-]+)?", span_ref, v)
                text.append(f"{k} = {v2}")
                continue
            if kind == "group" and k == "spans":
                text.append(f"{k} = {map_list(v)}")
                continue
            text.append(raw)
        add = []
        if kind == "general":
            add = [f"{k} = {new}" for k, new in general_set.items()
                   if new is not None and k not in seen]
        if kind == "trunk" and tname:
            add = [f"{k} = {new}" for k, new in (("keepalive", "0"), ("transport", "udp"))
                   if k not in seen]
            if "proxy" not in seen:
                add.append(f"proxy = sip:{trunks[tname]}:{PEER_PORT}")
        for i in range(len(text) - 1, last - 1, -1):
            if re.match(r"\s*[A-Za-z_][A-Za-z0-9_]*\s*=", text[i]):
                last = i + 1
                break
        text[last:last] = add
    if not any(n == "general" for n, _ in sections):
        text = ["[general]"] + [f"{k} = {v}" for k, v in general_set.items() if v] + text

    # the calls
    plan = []
    try:
        with open(calls, encoding="utf-8") as f:
            call_lines = list(enumerate(f, 1))
    except OSError as e:
        print(f"strowger-sim: {calls}: {e.strerror}", file=sys.stderr)
        return 2
    for n, raw in call_lines:
        s = re.sub(r"(^|\s)#.*", "", raw).strip()	# '#' after a digit is the digit
        if not s:
            continue
        m = re.fullmatch(r"pbx\s+span\s+(\d+)\s*->\s*([0-9*#+]+)(?:\s+from\s+([0-9+]+))?", s)
        if m:
            sp = int(m.group(1))
            if sp not in spanmap:
                fail(f"{calls}:{n}: no span {sp} in the configuration")
            elif spankind[sp] not in ("e1", "t1"):
                fail(f"{calls}:{n}: span {sp} is {spankind[sp]}: 'pbx span' calls come "
                     "from PRI spans ('phone port N:P -> NUMBER' on an FXS port, "
                     "'exchange port N:P rings' on an FXO port)")
            else:
                plan.append(f"pbx|{s}|{spanmap[sp]}|{m.group(2)}|{m.group(3) or '5551000'}")
            continue
        m = re.fullmatch(r"(phone|exchange)\s+port\s+(\d+):(\d+)\s*(.*)", s)
        if m:
            who, sp, pos, rest = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
            kind = "fxs" if who == "phone" else "fxo"
            port = next((p for p in ports if (p["span"], p["pos"]) == (sp, pos)), None)
            syntax = (r"->\s*([0-9*#]+)" if who == "phone" else
                      r"rings((?:\s+from\s+[0-9]+)?(?:\s+name\s+\S+)?)")
            a = re.fullmatch(syntax, rest)
            if spankind.get(sp) != kind:
                fail(f"{calls}:{n}: span {sp} is not an {kind} span of the configuration "
                     f"('{who}' calls come from {kind.upper()} ports)")
            elif not port:
                fail(f"{calls}:{n}: no [port {sp}:{pos}] in the configuration")
            elif not a:
                fail(f"{calls}:{n}: '{s}': " + ("phone port N:P -> DIGITS" if who == "phone"
                     else "exchange port N:P rings [from NUMBER] [name NAME]"))
            else:
                plan.append(f"{who}|{s}|{port['gw']}:{pos}|{a.group(1).strip() or '-'}|-")
            continue
        m = re.fullmatch(r"sip(?:\s+trunk\s+(\S+))?\s*->\s*([0-9*#+A-Za-z]+)"
                         r"(?:\s+from\s+([0-9+]+))?", s)
        if m:
            t = m.group(1) or (next(iter(trunks)) if trunks else None)
            if not t or t not in trunks:
                fail(f"{calls}:{n}: {'no trunk ' + t if t else 'no trunk in the configuration'}"
                     " to call from")
            else:
                plan.append(f"sip|{s}|{trunks[t]}|{m.group(2)}|{m.group(3) or '2125551000'}")
            continue
        fail(f"{calls}:{n}: '{s}': not a call (pbx span N -> NUMBER [from NUMBER], "
             "sip [trunk NAME] -> NUMBER [from NUMBER], phone port N:P -> DIGITS, "
             "exchange port N:P rings [from NUMBER] [name NAME])")
    if not plan and not errors:
        fail(f"{calls}: no calls")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 2

    with open(f"{out}/strowger.conf", "w", encoding="utf-8") as f:
        f.write("; written by strowger-sim from " + os.path.abspath(conf) + "\n")
        f.write("\n".join(text) + "\n")
    with open(f"{out}/plan", "w", encoding="utf-8") as f:
        f.write("\n".join(plan) + "\n")
    with open(f"{out}/spans", "w", encoding="utf-8") as f:
        for sp, k in spankind.items():
            f.write(f"{spanmap[sp]}|{k}|{spanargs.get(sp, '')}|{sp}\n")
    with open(f"{out}/trunks", "w", encoding="utf-8") as f:
        for t, a in trunks.items():
            f.write(f"{t}|{a}\n")
    with open(f"{out}/ports", "w", encoding="utf-8") as f:
        for p in ports:
            f.write("{gw}|{pos}|{kind}|{span}|{chan}|{cid}|{number}|{zone}|{dial}|{ring_ms}|"
                    "{answer}\n".format(**p))
    with open(f"{out}/sip_port", "w", encoding="utf-8") as f:
        f.write(sip_port + "\n")
    with open(f"{out}/notes", "w", encoding="utf-8") as f:
        f.write("".join(f"strowger-sim: rewritten: {x}\n" for x in notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
