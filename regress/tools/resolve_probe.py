#!/usr/bin/python3
"""Ping a virtual host from a source whose MAC honeyd cannot learn, and
report the neighbour resolution that follows, over IPv6 or IPv4.

Runs inside the attacker namespace (regress/netns/ipv6-ndp.sh).  The
echo request goes out at layer 2 on --iface to --dst-mac from a group
MAC (one honeyd refuses as a next hop), so honeyd must ask for --src's
MAC before its answer can go out.  --src and --dst are both IPv6 or
both IPv4.  Every frame seen on the interface until --timeout is
reported, one line each, in the order seen:

  ns SRC TARGET LLA   a Neighbor Solicitation (LLA: its source
                      link-layer address option, or "-")
  na SRC TARGET       a Neighbor Advertisement
  who-has TPA SPA MAC an ARP request, from MAC
  is-at SPA MAC       an ARP reply
  reply SRC DST MAC   the echo reply, to MAC

Exit status: 0 if the echo reply came, 1 if not, 2 on errors.
"""

import argparse
import sys
import time

try:
    from scapy.all import (IPv6, ICMPv6EchoRequest, ICMPv6EchoReply,
                           ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6NDOptSrcLLAddr,
                           IP, ICMP, ARP, Ether)
except ImportError as exc:  # pragma: no cover - reported to the test
    print("resolve_probe.py: scapy missing: %s" % exc, file=sys.stderr)
    sys.exit(2)

from rawlink import frames, open_link
from toolmain import run

GROUP_MAC = "03:00:00:00:00:42"


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-i", "--iface", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--timeout", type=float, default=5.0)
    return ap.parse_args()


def report6(p):
    """One line for an IPv6 frame worth reporting, or None."""
    ip = p[IPv6]
    if ICMPv6ND_NS in p:
        lla = "-"
        if ICMPv6NDOptSrcLLAddr in p:
            lla = p[ICMPv6NDOptSrcLLAddr].lladdr
        return "ns %s %s %s" % (ip.src, p[ICMPv6ND_NS].tgt, lla)
    if ICMPv6ND_NA in p:
        return "na %s %s" % (ip.src, p[ICMPv6ND_NA].tgt)
    if ICMPv6EchoReply in p:
        return "reply %s %s %s" % (ip.src, ip.dst, p.dst)
    return None


def report(p):
    """One line for a frame worth reporting, or None."""
    if IPv6 in p:
        return report6(p)
    if ARP in p and p[ARP].op == 1:
        return "who-has %s %s %s" % (p[ARP].pdst, p[ARP].psrc,
                                     p[ARP].hwsrc)
    if ARP in p and p[ARP].op == 2:
        return "is-at %s %s" % (p[ARP].psrc, p[ARP].hwsrc)
    if IP in p and ICMP in p and p[ICMP].type == 0:
        return "reply %s %s %s" % (p[IP].src, p[IP].dst, p.dst)
    return None


def main():
    a = parse_args()
    s = open_link(a.iface)
    if ":" in a.src:
        l3 = (IPv6(src=a.src, dst=a.dst, hlim=64) /
              ICMPv6EchoRequest(id=0x4e44, seq=1, data=b"resolve-probe"))
    else:
        l3 = (IP(src=a.src, dst=a.dst, ttl=64) /
              ICMP(type=8, id=0x4e44, seq=1) / b"resolve-probe")
    s.send(bytes(Ether(src=GROUP_MAC, dst=a.dst_mac) / l3))
    answered = False
    for data in frames(s, time.monotonic() + a.timeout, outgoing=True):
        line = report(Ether(data))
        if line is None:
            continue
        print(line, flush=True)
        if line.startswith("reply %s %s " % (a.dst, a.src)):
            answered = True
    s.close()
    return 0 if answered else 1


if __name__ == "__main__":
    run(main)
