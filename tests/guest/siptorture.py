#!/usr/bin/env python3
"""Malformed and hostile SIP at the gateway (in the spirit of RFC 4475 and RFC 5118: our own
messages, not theirs). Each case is sent over UDP from the trunk peer's address and port, so
it reaches past the source check into routing, SDP and identity handling; the answer is read
for up to --wait seconds and checked against what RFC 3261 asks for. Between cases the daemon
must still answer OPTIONS. Run only where lo is the only interface (the guest).

usage: siptorture.py --gw 127.0.0.1:5060 --from-port 5070 --pid PID
exit: 0 every case held, 1 one did not, 2 setup error"""
import argparse
import os
import random
import re
import socket
import sys
import time

SDP = ("v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 6002 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


class Ctx:
    def __init__(self, gw, port):
        self.gw, self.port, self.n = gw, port, 0

    def ids(self):
        self.n += 1
        return "tort-%d-%d@127.0.0.1" % (os.getpid(), self.n), "z9hG4bK-tort-%d" % self.n


def request(ctx, method="INVITE", ruri="sip:4930999@127.0.0.1:5060", body=None,
            extra="", drop=(), replace=None, ctype="application/sdp", clen=None):
    """A request with every mandatory header (RFC 3261 §8.1.1), then the case's damage."""
    cid, branch = ctx.ids()
    body = SDP if body is None and method == "INVITE" else (body or "")
    hdrs = [
        ("Via", "SIP/2.0/UDP 127.0.0.1:%d;branch=%s" % (ctx.port, branch)),
        ("Max-Forwards", "70"),
        ("From", "<sip:5551000@127.0.0.1:%d>;tag=t%d" % (ctx.port, ctx.n)),
        ("To", "<%s>" % ruri if not ruri.startswith("<") else ruri),
        ("Call-ID", cid),
        ("CSeq", "1 %s" % method),
        ("Contact", "<sip:5551000@127.0.0.1:%d>" % ctx.port),
    ]
    if body:
        hdrs.append(("Content-Type", ctype))
    hdrs.append(("Content-Length", str(len(body.encode()) if clen is None else clen)))
    hdrs = [(k, v) for k, v in hdrs if k not in drop]
    if replace:
        hdrs = [(k, replace.get(k, v)) for k, v in hdrs]
    text = "%s %s SIP/2.0\r\n" % (method, ruri)
    text += "".join("%s: %s\r\n" % kv for kv in hdrs) + extra + "\r\n" + body
    return text.encode("latin-1"), cid


def statuses(data):
    return [int(m.group(1)) for m in re.finditer(rb"^SIP/2\.0 (\d{3})", data, re.M)]


# Each case: (name, builder(ctx) -> (bytes, call-id), check(list of statuses) -> str|None)
def final_in(*codes):
    def check(st):
        finals = [s for s in st if s >= 200]
        if not finals:
            return "no final response (got %s)" % (st or "nothing")
        return None if finals[0] in codes else "final %d, expected one of %s" % (finals[0], codes)
    return check


def no_2xx(st):
    return "accepted with %d" % st[0] if st and 200 <= st[0] < 300 else None


def anything(st):
    return None


CASES = [
    ("binary garbage", lambda c: (bytes(random.Random(7).getrandbits(8) for _ in range(700)), None),
     anything),
    ("request line only", lambda c: (b"INVITE sip:4930999@127.0.0.1 SIP/2.0\r\n\r\n", None), no_2xx),
    ("no Call-ID", lambda c: request(c, drop=("Call-ID",)), no_2xx),
    ("no CSeq", lambda c: request(c, drop=("CSeq",)), no_2xx),
    ("CSeq method mismatch", lambda c: request(c, replace={"CSeq": "1 BYE"}), no_2xx),
    ("CSeq not a number", lambda c: request(c, replace={"CSeq": "one INVITE"}), no_2xx),
    ("no From", lambda c: request(c, drop=("From",)), no_2xx),
    ("Content-Length beyond the body", lambda c: request(c, clen=5000), no_2xx),
    ("negative Content-Length", lambda c: request(c, clen=-4), no_2xx),
    ("Max-Forwards 0", lambda c: request(c, replace={"Max-Forwards": "0"}), no_2xx),
    ("unknown method", lambda c: request(c, method="FROB"), final_in(405, 501)),
    ("BYE outside any dialog", lambda c: request(c, method="BYE"), final_in(481)),
    ("CANCEL of nothing", lambda c: request(c, method="CANCEL"), final_in(481)),
    ("unterminated display name", lambda c: request(
        c, replace={"From": "\"Alice <sip:5551000@127.0.0.1:5070>;tag=x"}), no_2xx),
    ("header with a NUL", lambda c: request(c, extra="Subject: a\x00b\r\n"), no_2xx),
    ("64 kB header", lambda c: request(c, extra="Subject: %s\r\n" % ("x" * 65000)), anything),
    ("500-digit number", lambda c: request(c, ruri="sip:%s@127.0.0.1:5060" % ("4" * 500)), no_2xx),
    ("number of letters", lambda c: request(c, ruri="sip:4930abc@127.0.0.1:5060"),
     final_in(404, 484)),
    ("SDP garbage", lambda c: request(c, body="this is not SDP\r\n"), final_in(488)),
    ("SDP port out of range", lambda c: request(c, body=SDP.replace("6002", "99999")),
     final_in(488)),
    ("SDP without m=", lambda c: request(c, body=SDP.split("m=")[0]), final_in(488)),
    ("SDP no common codec", lambda c: request(
        c, body=SDP.replace("RTP/AVP 0", "RTP/AVP 18").replace("0 PCMU", "18 G729")),
     final_in(488, 606)),
    # Sofia-SIP 1.12.11 sdp_parse() allocates until OOM on this (docs/architecture.md §4): we must refuse
    ("SDP formats Sofia loops on", lambda c: request(
        c, body=SDP.replace("m=audio 6002 RTP/AVP 0", "m=image 6002 udptl ]]")),
     final_in(488)),
    ("SDP not application/sdp", lambda c: request(c, ctype="text/plain"), final_in(415, 488)),
    # RFC 3261 §13.2.1: the offer may come in our 2xx; so the INVITE is routed like any
    # other (span 2 has no PBX here: 503), not refused for its missing SDP.
    ("INVITE without a body (late offer)", lambda c: request(c, body=""), final_in(503)),
    ("malformed P-Asserted-Identity", lambda c: request(
        c, extra="P-Asserted-Identity: <<<sip:@>\r\nPrivacy: ;;;\r\n"), anything),
    ("tel: URI with 200 separators", lambda c: request(
        c, extra="P-Asserted-Identity: <tel:+%s1>\r\n" % ("-" * 200)), anything),
]


def alive(sock, ctx, wait):
    data, _ = request(ctx, method="OPTIONS", ruri="sip:127.0.0.1:5060")
    sock.sendto(data, ctx.gw)
    return any(s == 200 for s in collect(sock, wait))


def collect(sock, wait):
    got, end = b"", time.time() + wait
    while time.time() < end:
        sock.settimeout(max(0.01, end - time.time()))
        try:
            d, _ = sock.recvfrom(70000)
        except socket.timeout:
            break
        got += d + b"\n"
        if any(s >= 200 for s in statuses(got)):
            break
    return statuses(got)


def ack_for(sock, ctx, sent):
    """ACK a final non-2xx so the server transaction ends (RFC 3261 §17.1.1.3)."""
    text = sent.decode("latin-1")
    m = {k: re.search(r"^%s: (.*)\r$" % k, text, re.M) for k in ("Via", "From", "Call-ID")}
    if not all(m.values()):
        return
    line = text.split("\r\n", 1)[0].split(" ")
    ack = ("ACK %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\nFrom: %s\r\nTo: <%s>\r\n"
           "Call-ID: %s\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n" %
           (line[1], m["Via"].group(1), m["From"].group(1), line[1], m["Call-ID"].group(1)))
    sock.sendto(ack.encode("latin-1"), ctx.gw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gw", default="127.0.0.1:5060")
    ap.add_argument("--from-port", type=int, default=5070)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--wait", type=float, default=3.0)
    a = ap.parse_args()
    host, port = a.gw.rsplit(":", 1)
    ctx = Ctx((host, int(port)), a.from_port)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind(("127.0.0.1", a.from_port))
    except OSError as e:
        print("torture: cannot bind 127.0.0.1:%d: %s" % (a.from_port, e))
        return 2
    failed = 0
    for name, build, check in CASES:
        data, _ = build(ctx)
        sock.sendto(data, ctx.gw)
        st = collect(sock, a.wait)
        if st and st[-1] >= 300 and data.startswith(b"INVITE"):
            ack_for(sock, ctx, data)
        why = check(st)
        try:
            os.kill(a.pid, 0)
        except OSError:
            why = "the daemon died"
        if not why and not alive(sock, ctx, a.wait):
            why = "the daemon stopped answering OPTIONS"
        print("torture: %-36s %-12s %s" % (name, ",".join(map(str, st)) or "-",
                                            "FAIL: " + why if why else "ok"))
        failed += bool(why)
        if why == "the daemon died":
            break
    print("torture: %d cases, %d failed" % (len(CASES), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
