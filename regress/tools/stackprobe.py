#!/usr/bin/python3
"""Probe what a virtual host's stack model decides, from the attacker
namespace at layer 2 (regress/netns/stackmodel.sh).

Probes (--probe):
  syn      a SYN to --dport with the options --opts lays out, in nmap's
           letters: M (MSS 1460), N, W (shift 8), S, T; prints
           "flags=SA opts=LETTERS" of the answer (EOL padding as L)
  closed   a segment with --flags and --data to a closed --dport;
           prints "flags=RA ackdelta=N", the reset's ack less our seq
  proto    an IP datagram of protocol --ipproto; prints "icmp=T/C"
  udp      --count datagrams of --len bytes back to back to a closed
           --dport; prints "errors=N quoted=Q" (Q: the first error's
           quote, in bytes)
  tstamp   an ICMP timestamp request; prints "icmp=T/C"

Prints "none" when nothing answered.  Exit status: 0 answered, 1 no
answer, 2 errors.
"""

import argparse
import random
import struct
import sys
import time

try:
    from scapy.all import ICMP, IP, TCP, UDP, Ether, Raw
except ImportError as exc:  # pragma: no cover - reported to the test
    print("stackprobe.py: scapy missing: %s" % exc, file=sys.stderr)
    sys.exit(2)

from rawlink import answer_arp, frames, iface_mac, open_link

LETTERS = {
    "M": ("MSS", 1460), "N": ("NOP", None), "W": ("WScale", 8),
    "S": ("SAckOK", b""), "T": ("Timestamp", (12345, 0)),
}
KINDS = {0: "L", 1: "N", 2: "M", 3: "W", 4: "S", 8: "T"}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-i", "--iface", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--probe", required=True,
                    choices=["syn", "closed", "proto", "udp", "tstamp"])
    ap.add_argument("--dport", type=int, default=80)
    ap.add_argument("--opts", default="MNWNNS")
    ap.add_argument("--flags", default="F")
    ap.add_argument("--data", default="")
    ap.add_argument("--ipproto", type=int, default=253)
    ap.add_argument("--len", type=int, default=12)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=2.0)
    a = ap.parse_args()
    if not 0 < a.timeout <= 30 or not 0 < a.count <= 100:
        ap.error("--timeout in (0, 30], --count in (0, 100]")
    if any(c not in LETTERS for c in a.opts):
        ap.error("--opts: letters of M N W S T")
    return a


def opt_letters(tcp_bytes):
    """nmap letters of a TCP header's options, read from the wire."""
    off = (tcp_bytes[12] >> 4) * 4
    o = tcp_bytes[20:off]
    out, i = "", 0
    while i < len(o):
        out += KINDS.get(o[i], "?")
        if o[i] in (0, 1):
            i += 1
            continue
        if i + 1 >= len(o) or o[i + 1] < 2:
            break
        i += o[i + 1]
    return out


def build(a, sport, seq):
    ip = IP(src=a.src, dst=a.dst, id=random.randrange(1, 65536))
    if a.probe == "syn":
        return [ip / TCP(sport=sport, dport=a.dport, flags="S", seq=seq,
                         window=64240,
                         options=[LETTERS[c] for c in a.opts])]
    if a.probe == "closed":
        p = ip / TCP(sport=sport, dport=a.dport, flags=a.flags, seq=seq,
                     window=1024)
        return [p / Raw(a.data.encode()) if a.data else p]
    if a.probe == "proto":
        ip.proto = a.ipproto
        return [ip / Raw(b"\x00" * 8)]
    if a.probe == "udp":
        return [IP(src=a.src, dst=a.dst, id=random.randrange(1, 65536)) /
                UDP(sport=sport, dport=a.dport) / Raw(b"x" * a.len)
                for _ in range(a.count)]
    return [ip / ICMP(type=13, id=random.randrange(1, 65536), seq=1) /
            Raw(struct.pack("!III", 1000, 0, 0))]


def main():
    a = parse_args()
    mac = iface_mac(a.iface)
    s = open_link(a.iface)
    sport = random.randrange(40000, 60000)
    seq = random.randrange(1, 2 ** 31)
    for p in build(a, sport, seq):
        s.send(bytes(Ether(src=mac, dst=a.dst_mac) / p))
    errors, quoted, line = 0, None, None
    for data in frames(s, time.monotonic() + a.timeout):
        try:
            p = Ether(data)
        except Exception:  # noqa: BLE001
            continue
        if answer_arp(s, mac, a.src, p):
            continue
        if IP not in p or p[IP].src != a.dst or p[IP].dst != a.src:
            continue
        if a.probe in ("syn", "closed") and TCP in p and \
                p[TCP].dport == sport:
            t = p[TCP]
            if a.probe == "syn":
                line = "flags=%s opts=%s" % (t.flags,
                                             opt_letters(bytes(t)))
                if "S" in t.flags:
                    s.send(bytes(Ether(src=mac, dst=a.dst_mac) /
                                 IP(src=a.src, dst=a.dst) /
                                 TCP(sport=sport, dport=a.dport,
                                     flags="R", seq=seq + 1)))
            else:
                line = "flags=%s ackdelta=%d" % (
                    t.flags, (t.ack - seq) % 2 ** 32)
            break
        if ICMP in p and a.probe in ("proto", "tstamp"):
            line = "icmp=%d/%d" % (p[ICMP].type, p[ICMP].code)
            break
        if ICMP in p and a.probe == "udp" and p[ICMP].type == 3:
            errors += 1
            if quoted is None:
                quoted = p[IP].len - p[IP].ihl * 4 - 8
    if a.probe == "udp" and errors:
        line = "errors=%d quoted=%d" % (errors, quoted)
    print(line if line is not None else "none")
    return 0 if line is not None else 1


if __name__ == "__main__":
    sys.exit(main())
