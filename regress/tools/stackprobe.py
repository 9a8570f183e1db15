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
  echo     an ICMP echo request; prints "icmp=T/C"
  rst      a handshake to --dport, then a reset inside the window but
           not at its left edge, then a byte of data; prints
           "after_rst=F data=F", the flags of what each got (or none)
--rr adds a record route option to the probe and ", ipo=N" (the IP
options' length in the answer) to the line; --lsrr a loose source
route already at its end, as a packet routed to the target carries it.

Prints "none" when nothing answered.  Exit status: 0 answered, 1 no
answer, 2 errors.
"""

import argparse
import random
import struct
import sys
import time

try:
    from scapy.all import ICMP, IP, TCP, UDP, Ether, IPOption, Raw
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
                    choices=["syn", "closed", "proto", "udp", "tstamp",
                             "echo", "rst"])
    ap.add_argument("--dport", type=int, default=80)
    ap.add_argument("--opts", default="MNWNNS")
    ap.add_argument("--flags", default="F")
    ap.add_argument("--data", default="")
    ap.add_argument("--ipproto", type=int, default=253)
    ap.add_argument("--len", type=int, default=12)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--rr", action="store_true")
    ap.add_argument("--lsrr", action="store_true")
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


def ip_hdr(a):
    ip = IP(src=a.src, dst=a.dst, id=random.randrange(1, 65536))
    opts = b""
    if a.rr:
        opts += bytes([7, 11, 4]) + b"\x00" * 8 + b"\x01"
    if a.lsrr:
        opts += bytes([0x83, 7, 8]) + bytes(map(int, a.dst.split("."))) + \
            b"\x01"
    if opts:
        ip.options = [IPOption(opts)]
    return ip


def build(a, sport, seq):
    ip = ip_hdr(a)
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
    if a.probe == "echo":
        return [ip / ICMP(type=8, id=random.randrange(1, 65536), seq=1) /
                Raw(b"stackprobe")]
    return [ip / ICMP(type=13, id=random.randrange(1, 65536), seq=1) /
            Raw(struct.pack("!III", 1000, 0, 0))]


def tcp_answer(s, mac, a, sport, wait):
    """The first TCP segment from the target to sport within wait."""
    for data in frames(s, time.monotonic() + wait):
        try:
            p = Ether(data)
        except Exception:  # noqa: BLE001
            continue
        if answer_arp(s, mac, a.src, p):
            continue
        if IP in p and TCP in p and p[IP].src == a.dst and \
                p[TCP].dport == sport:
            return p[TCP]
    return None


def rst_probe(a, s, mac, sport, seq):
    """RFC 5961 3.2 or RFC 793: what an inexact reset does."""
    def send(flags, sq, ack, data=b""):
        s.send(bytes(Ether(src=mac, dst=a.dst_mac) / ip_hdr(a) /
                     TCP(sport=sport, dport=a.dport, flags=flags, seq=sq,
                         ack=ack, window=64240) / Raw(data)))

    send("S", seq, 0)
    t = tcp_answer(s, mac, a, sport, a.timeout)
    if t is None or t.flags != "SA":
        print("none")
        return 1
    ack = (t.seq + 1) % 2 ** 32
    send("A", seq + 1, ack)
    time.sleep(0.2)
    send("R", seq + 1 + 1000, 0)
    t1 = tcp_answer(s, mac, a, sport, 0.5)
    send("PA", seq + 1, ack, b"x")
    t2 = tcp_answer(s, mac, a, sport, 0.5)
    print("after_rst=%s data=%s" % (t1.flags if t1 else "none",
                                    t2.flags if t2 else "none"))
    send("R", seq + 2, 0)
    return 0


def main():
    a = parse_args()
    mac = iface_mac(a.iface)
    s = open_link(a.iface)
    sport = random.randrange(40000, 60000)
    seq = random.randrange(1, 2 ** 31)
    if a.probe == "rst":
        return rst_probe(a, s, mac, sport, seq)
    ipo = None
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
        ipo = p[IP].ihl * 4 - 20    # the answer's, once line is set
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
        if ICMP in p and a.probe in ("proto", "tstamp", "echo"):
            line = "icmp=%d/%d" % (p[ICMP].type, p[ICMP].code)
            break
        if ICMP in p and a.probe == "udp" and p[ICMP].type == 3:
            errors += 1
            if quoted is None:
                quoted = p[IP].len - p[IP].ihl * 4 - 8
    if a.probe == "udp" and errors:
        line = "errors=%d quoted=%d" % (errors, quoted)
    if line is not None and a.rr:
        line += " ipo=%d" % ipo
    print(line if line is not None else "none")
    return 0 if line is not None else 1


if __name__ == "__main__":
    sys.exit(main())
