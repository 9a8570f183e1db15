#!/usr/bin/python3
"""Send a datagram in crafted IP fragments and report what answers.

Runs inside the attacker namespace (regress/netns/fragments.sh).  Frames
go out at layer 2 on --iface, so the local kernel neither reassembles
nor rewrites them.  Modes:

  overlap   an ICMP echo request (--proto icmp) or a UDP datagram
            (--proto udp, to --dport) whose payload is sent in four
            fragments: [0,16) with the header, [16,32) "old" bytes,
            [16,32) again with "new" bytes, and the rest.  The new bytes
            are the old ones' 16-bit words in reverse order: both
            versions have the same checksum, so either reassembly is a
            valid datagram.  Prints "answer ... payload=old|new|other"
            for the echo reply (or the UDP answer), or "no answer".
  lone      only the first fragment of an echo request (MF set), never
            completed.  Prints the ICMP error that comes back within
            --timeout ("answer proto=icmp type=11 code=1 quoted_id=..."),
            or "no answer".

Exit status: 0 if something answered, 1 if nothing did, 2 on errors.
"""

import argparse
import random
import sys
import time

try:
    from scapy.all import ICMP, IP, UDP, Ether, IPerror, Raw
except ImportError as exc:  # pragma: no cover - reported to the test
    print("frag_probe.py: scapy missing: %s" % exc, file=sys.stderr)
    sys.exit(2)

from rawlink import frames, iface_mac, open_link
from toolmain import run

OLD = b"oldpart_OLDPART_"
# The same 16-bit words in reverse order: the same one's complement sum.
NEW = b"".join(OLD[i:i + 2] for i in range(len(OLD) - 2, -1, -2))
HEAD = b"head-of-payload!"
TAIL = b"tail-end-of-the-payload."


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["overlap", "lone"])
    ap.add_argument("-i", "--iface", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--proto", default="icmp", choices=["icmp", "udp"])
    ap.add_argument("--dport", type=int, default=7)
    ap.add_argument("--timeout", type=float, default=3.0)
    return ap.parse_args()


def transport(a, payload, ident):
    """The whole transport datagram, checksummed, as bytes."""
    if a.proto == "icmp":
        l4 = ICMP(type=8, code=0, id=ident, seq=1) / Raw(payload)
    else:
        l4 = UDP(sport=40000 + ident % 20000, dport=a.dport) / Raw(payload)
    pkt = IP(src=a.src, dst=a.dst, proto=1 if a.proto == "icmp" else 17) / l4
    raw = bytes(pkt)
    return raw[(raw[0] & 0x0F) * 4:]


def fragment(a, ipid, data, off, more):
    """One fragment carrying data at byte offset off (a multiple of 8)."""
    ip = IP(src=a.src, dst=a.dst, id=ipid, ttl=64,
            proto=1 if a.proto == "icmp" else 17,
            flags="MF" if more else 0, frag=off // 8)
    return bytes(ip / Raw(data))


def fragments(a, ipid, ident):
    hdr_len = 8    # ICMP echo and UDP headers are both 8 bytes
    if a.mode == "lone":
        l4 = transport(a, HEAD + OLD + TAIL, ident)
        return [fragment(a, ipid, l4[:hdr_len + 16], 0, True)]
    l4_old = transport(a, HEAD + OLD + TAIL, ident)
    l4_new = transport(a, HEAD + NEW + TAIL, ident)
    assert l4_old[:hdr_len] == l4_new[:hdr_len], "checksums differ"
    first = hdr_len + len(HEAD)          # 24: a multiple of 8
    mid = first + len(OLD)               # 40
    return [
        fragment(a, ipid, l4_old[:first], 0, True),
        fragment(a, ipid, l4_old[first:mid], first, True),
        fragment(a, ipid, l4_new[first:mid], first, True),
        fragment(a, ipid, l4_old[mid:], mid, False),
    ]


def verdict(payload):
    if OLD in payload:
        return "old"
    if NEW in payload:
        return "new"
    return "other"


def answer(a, rx, ipid, ident):
    """A line describing rx if it answers the probe, else None."""
    if IP not in rx or rx[IP].dst != a.src:
        return None
    ip = rx[IP]
    if ICMP in rx and rx[ICMP].type == 11 and IPerror in rx:
        q = rx[IPerror]
        if q.dst == a.dst and q.id == ipid:
            return ("proto=icmp src=%s type=11 code=%d quoted_id=%d "
                    "quoted_mf=%d" % (ip.src, rx[ICMP].code, q.id,
                                      1 if q.flags.MF else 0))
        return None
    if ip.src != a.dst:
        return None
    if a.proto == "icmp" and ICMP in rx and rx[ICMP].type == 0 and \
            rx[ICMP].id == ident:
        data = bytes(rx[ICMP].payload)
        return "proto=icmp src=%s type=0 len=%d payload=%s" % (
            ip.src, len(data), verdict(data))
    if a.proto == "udp" and UDP in rx and rx[UDP].sport == a.dport:
        data = bytes(rx[UDP].payload)
        return "proto=udp src=%s len=%d payload=%s" % (
            ip.src, len(data), verdict(data))
    return None


def main():
    a = parse_args()
    rnd = random.Random()
    ipid = rnd.randrange(1, 65536)
    ident = rnd.randrange(1, 65536)
    eth = Ether(src=iface_mac(a.iface), dst=a.dst_mac, type=0x0800)
    try:
        s = open_link(a.iface)
        for f in fragments(a, ipid, ident):
            s.send(bytes(eth / Raw(f)))
    except OSError as exc:
        print("frag_probe.py: %s: %s" % (a.iface, exc), file=sys.stderr)
        return 2
    for data in frames(s, time.monotonic() + a.timeout):
        try:
            rx = Ether(data)
        except Exception:  # noqa: BLE001 - a malformed frame is no answer
            continue
        line = answer(a, rx, ipid, ident)
        if line is not None:
            print("answer " + line)
            return 0
    print("no answer")
    return 1


if __name__ == "__main__":
    run(main)
