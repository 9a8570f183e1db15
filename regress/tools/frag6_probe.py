#!/usr/bin/python3
"""Send crafted IPv6 packets to a virtual host and report what answers.

Runs inside the attacker namespace (regress/netns/ipv6-frag.sh).  Frames
go out at layer 2 on --iface to --dst-mac, so the local kernel neither
reassembles nor rewrites them.  Modes:

  frag3     an echo request with --size bytes of data in three fragments,
            the last sent first: prints "answer echo len=N" for the reply
            (reassembled by this tool if it came in fragments).
  overlap   the same, but the second fragment overlaps the first by 8
            bytes (RFC 5722): the reply, or "no answer".
  atomic    an echo request in one fragment, offset 0 and M clear.
  rh0       an echo request behind a routing header type 0 with one
            segment left: prints "answer type=T code=C ptr=P".
  nh        a packet whose next header is --nh (no such protocol).
  udp       a UDP datagram to --dport.
  burst     --count packets as "nh" back to back: prints "answers N",
            the errors that came back.

Exit status: 0 if something answered, 1 if nothing did, 2 on errors.
"""

import argparse
import random
import sys
import time

try:
    from scapy.all import (IPv6, ICMPv6EchoRequest, ICMPv6EchoReply,
                           IPv6ExtHdrFragment, IPv6ExtHdrRouting, UDP,
                           Ether, Raw)
except ImportError as exc:  # pragma: no cover - reported to the test
    print("frag6_probe.py: scapy missing: %s" % exc, file=sys.stderr)
    sys.exit(2)

from rawlink import frames, iface_mac, open_link
from toolmain import run


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["frag3", "overlap", "atomic", "rh0",
                                     "nh", "udp", "burst"])
    ap.add_argument("-i", "--iface", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--size", type=int, default=1400)
    ap.add_argument("--nh", type=int, default=253)
    ap.add_argument("--dport", type=int, default=4444)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=3.0)
    return ap.parse_args()


def echo_bytes(a, ident, size):
    """The checksummed ICMPv6 echo request, as bytes."""
    data = bytes((i * 7) & 0xFF for i in range(size))
    p = IPv6(src=a.src, dst=a.dst) / ICMPv6EchoRequest(id=ident, seq=1,
                                                        data=data)
    return bytes(p)[40:]


def fragment(a, fid, data, off, more):
    """One fragment carrying data at byte offset off (a multiple of 8)."""
    return bytes(IPv6(src=a.src, dst=a.dst) /
                 IPv6ExtHdrFragment(nh=58, offset=off // 8, m=int(more),
                                    id=fid) / Raw(data))


def probes(a, fid, ident):
    if a.mode in ("frag3", "overlap"):
        b = echo_bytes(a, ident, a.size)
        third = (len(b) // 3) & ~7
        second_at = third - 8 if a.mode == "overlap" else third
        return [
            fragment(a, fid, b[2 * third:], 2 * third, False),
            fragment(a, fid, b[:third], 0, True),
            fragment(a, fid, b[second_at:2 * third], second_at, True),
        ]
    if a.mode == "atomic":
        return [fragment(a, fid, echo_bytes(a, ident, 32), 0, False)]
    if a.mode == "rh0":
        return [bytes(IPv6(src=a.src, dst=a.dst) /
                      IPv6ExtHdrRouting(type=0, segleft=1,
                                        addresses=["2001:db8::99"]) /
                      ICMPv6EchoRequest(id=ident, seq=1))]
    if a.mode == "udp":
        return [bytes(IPv6(src=a.src, dst=a.dst) /
                      UDP(sport=40000, dport=a.dport) / Raw(b"probe"))]
    n = a.count if a.mode == "burst" else 1
    return [bytes(IPv6(src=a.src, dst=a.dst, nh=a.nh) /
                  Raw(b"unknown-protocol" + bytes([i])))
            for i in range(n)]


class Reasm:
    """The reply's fragments, put back together."""

    def __init__(self):
        self.parts = {}
        self.total = None

    def add(self, p):
        fh = p[IPv6ExtHdrFragment]
        data = bytes(fh.payload)
        self.parts[fh.offset * 8] = data
        if not fh.m:
            self.total = fh.offset * 8 + len(data)
        if self.total is None:
            return None
        out, at = b"", 0
        while at < self.total:
            if at not in self.parts:
                return None
            out += self.parts[at]
            at += len(self.parts[at])
        return out


def main():
    a = parse_args()
    rnd = random.Random()
    ident = rnd.randrange(1, 65536)
    fid = rnd.randrange(1, 1 << 32)
    eth = Ether(src=iface_mac(a.iface), dst=a.dst_mac, type=0x86DD)
    try:
        s = open_link(a.iface)
        for f in probes(a, fid, ident):
            s.send(bytes(eth / Raw(f)))
    except OSError as exc:
        print("frag6_probe.py: %s: %s" % (a.iface, exc), file=sys.stderr)
        return 2
    reasm, got = Reasm(), 0
    for data in frames(s, time.monotonic() + a.timeout):
        try:
            rx = Ether(data)
        except Exception:  # noqa: BLE001 - a malformed frame is no answer
            continue
        if IPv6 not in rx or rx[IPv6].src != a.dst or \
                rx[IPv6].dst != a.src:
            continue
        ip = rx[IPv6]
        if IPv6ExtHdrFragment in rx:
            body = reasm.add(rx)
            if body is None:
                continue
            if body[0] == 129:
                print("answer echo len=%d fragmented=1" % (len(body) - 8))
                return 0
            continue
        if ICMPv6EchoReply in rx:
            print("answer echo len=%d fragmented=0" %
                  len(bytes(rx[ICMPv6EchoReply].data)))
            return 0
        if ip.nh == 58:
            icmp = bytes(ip.payload)
            got += 1
            if a.mode == "burst":
                continue
            print("answer type=%d code=%d ptr=%d" % (
                icmp[0], icmp[1], int.from_bytes(icmp[4:8], "big")))
            return 0
    if a.mode == "burst":
        print("answers %d" % got)
        return 0 if got else 1
    print("no answer")
    return 1


if __name__ == "__main__":
    run(main)
