#!/usr/bin/python3
"""Send one SYN shaped like a given operating system's, from the
attacker namespace at layer 2, and print how the target answered.

Shapes (what p0f 3's p0f.fp expects of each):
  windows   TTL 128, DF, window 8192, options mss,nop,ws 8,nop,nop,sok
            (p0f: "Windows 7 or 8")
  windows2  the same with window 64240 ("Windows NT kernel", generic)
  linux     TTL 64, DF, window 64240, options mss,sok,ts,nop,ws 7
            (p0f: "Linux 2.2.x-3.x", generic)
  bare      TTL 64, window 512, no options: no signature matches

It uses a source address of its own (--src) and answers ARP for it.
Prints "answer flags=SA ttl=N" (or flags=RA...) for the target's
answer, or "none"; a SYN+ACK is reset, so no connection lingers.
Exit status: 0 answered, 1 no answer, 2 errors.
"""

import argparse
import random
import sys
import time

try:
    from scapy.all import IP, TCP, Ether
except ImportError as exc:  # pragma: no cover - reported to the test
    print("syn_os.py: scapy missing: %s" % exc, file=sys.stderr)
    sys.exit(2)

from rawlink import answer_arp, frames, iface_mac, open_link
from toolmain import run

SHAPES = {
    "windows": (128, True, 8192,
                [("MSS", 1460), ("NOP", None), ("WScale", 8),
                 ("NOP", None), ("NOP", None), ("SAckOK", b"")]),
    "windows2": (128, True, 64240,
                 [("MSS", 1460), ("NOP", None), ("WScale", 8),
                  ("NOP", None), ("NOP", None), ("SAckOK", b"")]),
    "linux": (64, True, 64240,
              [("MSS", 1460), ("SAckOK", b""),
               ("Timestamp", (123456, 0)), ("NOP", None),
               ("WScale", 7)]),
    "bare": (64, False, 512, []),
}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-i", "--iface", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--dport", type=int, default=80)
    ap.add_argument("--os", required=True, choices=sorted(SHAPES))
    ap.add_argument("--timeout", type=float, default=3.0)
    a = ap.parse_args()
    if not 0 < a.timeout <= 30:
        ap.error("--timeout must be in (0, 30]")
    return a


def main():
    a = parse_args()
    mac = iface_mac(a.iface)
    s = open_link(a.iface)
    ttl, df, win, opts = SHAPES[a.os]
    sport = random.randrange(40000, 60000)
    seq = random.randrange(1, 2 ** 31)
    ip = IP(src=a.src, dst=a.dst, ttl=ttl, id=random.randrange(1, 65536),
            flags="DF" if df else 0)
    syn = Ether(src=mac, dst=a.dst_mac) / ip / \
        TCP(sport=sport, dport=a.dport, flags="S", seq=seq, window=win,
            options=opts)
    s.send(bytes(syn))
    for data in frames(s, time.monotonic() + a.timeout):
        try:
            p = Ether(data)
        except Exception:  # noqa: BLE001
            continue
        if answer_arp(s, mac, a.src, p):
            continue
        if IP in p and TCP in p and p[IP].src == a.dst and \
                p[IP].dst == a.src and p[TCP].sport == a.dport and \
                p[TCP].dport == sport:
            t = p[TCP]
            print("answer flags=%s ttl=%d" % (t.flags, p[IP].ttl))
            if "S" in t.flags and "A" in t.flags:
                s.send(bytes(Ether(src=mac, dst=a.dst_mac) /
                             IP(src=a.src, dst=a.dst) /
                             TCP(sport=sport, dport=a.dport, flags="R",
                                 seq=seq + 1)))
            return 0
    print("none")
    return 1


if __name__ == "__main__":
    run(main)
