#!/usr/bin/python3
"""Send one Neighbor Solicitation for --target and report the
Neighbor Advertisement that answers it.

Runs inside the attacker namespace (regress/netns/ipv6-ndp.sh), from
--src at the interface's own MAC, with its source link-layer address
option.  --unicast sends it to the target itself at --dst-mac (as a
node that knows the MAC does, for Neighbor Unreachability Detection);
without it, to the target's solicited-node group.  The first
advertisement for --target seen until --timeout is reported as one
line:

  na SRC DST TARGET rso=RSO tlla=MAC   its R, S and O flags as 0 or 1,
                                       and its target link-layer
                                       address option, or "-"

Exit status: 0 if an advertisement came, 1 if not, 2 on errors.
"""

import argparse
import sys
import time

try:
    from scapy.all import (IPv6, ICMPv6ND_NS, ICMPv6ND_NA,
                           ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr,
                           Ether, in6_getnsma, in6_getnsmac, inet_pton)
    import socket
except ImportError as exc:  # pragma: no cover - reported to the test
    print("ns_probe.py: scapy missing: %s" % exc, file=sys.stderr)
    sys.exit(2)

from rawlink import frames, iface_mac, open_link
from toolmain import run


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-i", "--iface", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--unicast", action="store_true")
    ap.add_argument("--dst-mac", help="the target's MAC (--unicast)")
    ap.add_argument("--timeout", type=float, default=3.0)
    return ap.parse_args()


def main():
    a = parse_args()
    mac = iface_mac(a.iface)
    if a.unicast:
        if not a.dst_mac:
            raise ValueError("--unicast needs --dst-mac")
        dst, dmac = a.target, a.dst_mac
    else:
        group = in6_getnsma(inet_pton(socket.AF_INET6, a.target))
        dst = socket.inet_ntop(socket.AF_INET6, group)
        dmac = in6_getnsmac(group)
    s = open_link(a.iface)
    s.send(bytes(Ether(src=mac, dst=dmac) /
                 IPv6(src=a.src, dst=dst, hlim=255) /
                 ICMPv6ND_NS(tgt=a.target) /
                 ICMPv6NDOptSrcLLAddr(lladdr=mac)))
    found = 1
    for data in frames(s, time.monotonic() + a.timeout):
        p = Ether(data)
        if ICMPv6ND_NA not in p or p[ICMPv6ND_NA].tgt != a.target:
            continue
        na = p[ICMPv6ND_NA]
        tlla = "-"
        if ICMPv6NDOptDstLLAddr in p:
            tlla = p[ICMPv6NDOptDstLLAddr].lladdr
        print("na %s %s %s rso=%d%d%d tlla=%s" % (
            p[IPv6].src, p[IPv6].dst, na.tgt, na.R, na.S, na.O, tlla),
            flush=True)
        found = 0
        break
    s.close()
    return found


if __name__ == "__main__":
    run(main)
