#!/usr/bin/python3
"""Send one crafted packet from the attacker namespace and report answers.

Runs inside the attacker namespace (regress/lib.sh: tb_packet).  The
frame is sent at layer 2 on --iface so that nothing in the local kernel
rewrites it (a raw IP socket would fix up a bad IP header checksum).

Answers are the frames that arrive on --iface within --timeout seconds
and that answer the probe: the reply from the target, or an ICMP error
quoting the probe.  Each is printed as one line of key=value words:

    answer proto=tcp src=198.19.1.10 dst=198.18.0.1 sport=22 dport=40001 \
        flags=SA seq=123 ack=1001 win=5840 len=0 ttl=64 ipid=0 df=1
    answer proto=icmp src=... type=0 code=0 id=... seq=...
    answer proto=arp op=2 hwsrc=aa:bb:.. psrc=198.18.0.70

Exit status: 0 if something answered, 1 if nothing did, 2 on usage or
send errors.  The test scripts tell "no answer" (1) from errors (2).
"""

import argparse
import random
import struct
import sys
import time

try:
    from scapy.all import (ARP, ICMP, IP, TCP, UDP, Ether, Raw,
                           IPerror, TCPerror, UDPerror)
except ImportError as exc:  # pragma: no cover - reported to the test
    print("send_packet.py: scapy missing (apt-get install python3-scapy): %s"
          % exc, file=sys.stderr)
    sys.exit(2)

from rawlink import frames, iface_mac, inet_cksum, open_link
from toolmain import run


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-i", "--iface", required=True)
    ap.add_argument("--dst-mac", required=True,
                    help="next hop MAC (the sensor's)")
    ap.add_argument("--src", required=True, help="source IPv4 address")
    ap.add_argument("--dst", required=True, help="target IPv4 address")
    ap.add_argument("--proto", default="icmp",
                    choices=["icmp", "tcp", "udp", "arp"])
    ap.add_argument("--sport", type=int, default=None)
    ap.add_argument("--dport", type=int, default=80)
    ap.add_argument("--flags", default="S", help="TCP flags, scapy letters")
    ap.add_argument("--seq", type=int, default=None)
    ap.add_argument("--ack", type=int, default=0)
    ap.add_argument("--win", type=int, default=8192)
    ap.add_argument("--ttl", type=int, default=64)
    ap.add_argument("--ipid", type=int, default=None)
    ap.add_argument("--df", action="store_true", help="set IP DF")
    ap.add_argument("--icmp-type", type=int, default=8)
    ap.add_argument("--icmp-code", type=int, default=0)
    ap.add_argument("--icmp-id", type=int, default=None)
    ap.add_argument("--data", default="", help="payload (text)")
    ap.add_argument("--bad-ip-cksum", action="store_true",
                    help="corrupt the IP header checksum")
    ap.add_argument("--bad-cksum", action="store_true",
                    help="corrupt the ICMP/TCP/UDP checksum")
    ap.add_argument("--ip-len-extra", type=int, default=0,
                    help="claim this many more bytes in IP total length "
                         "than the frame carries (truncated packet)")
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--all", action="store_true",
                    help="keep listening for the whole timeout and print "
                         "every answer (default: stop at the first)")
    ap.add_argument("--show", action="store_true",
                    help="print the probe on stderr")
    ap.add_argument("--show-eth", action="store_true",
                    help="end each answer line with its Ethernet "
                         "source, ethsrc=MAC")
    a = ap.parse_args()
    if not 0 < a.timeout <= 30:
        ap.error("--timeout must be in (0, 30]")
    return a


def corrupt(value):
    """A checksum that is wrong whatever the right one was.

    XOR with 0x00ff never maps one of the two one's-complement zeros
    (0x0000, 0xffff) onto the other, so the result never verifies."""
    return (value ^ 0x00FF) & 0xFFFF


def build(a):
    rnd = random.Random()
    mac = iface_mac(a.iface)
    eth = Ether(src=mac, dst=a.dst_mac, type=0x0800)
    if a.proto == "arp":
        arp = Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / ARP(
            op=1, hwsrc=mac, psrc=a.src, pdst=a.dst,
            hwdst="00:00:00:00:00:00")
        return arp, arp
    ip = IP(src=a.src, dst=a.dst, ttl=a.ttl,
            id=a.ipid if a.ipid is not None else rnd.randrange(1, 65536),
            flags="DF" if a.df else 0)
    sport = a.sport if a.sport is not None else rnd.randrange(40000, 60000)
    if a.proto == "icmp":
        l4 = ICMP(type=a.icmp_type, code=a.icmp_code,
                  id=a.icmp_id if a.icmp_id is not None
                  else rnd.randrange(1, 65536), seq=1)
    elif a.proto == "tcp":
        seq = a.seq if a.seq is not None else rnd.randrange(1, 2 ** 31)
        l4 = TCP(sport=sport, dport=a.dport, flags=a.flags, seq=seq,
                 ack=a.ack, window=a.win)
    else:
        l4 = UDP(sport=sport, dport=a.dport)
    pkt = ip / l4
    if a.data:
        pkt = pkt / Raw(a.data.encode())
    # Let scapy compute lengths and checksums once, then lie on request.
    raw = bytearray(bytes(pkt))
    ihl = (raw[0] & 0x0F) * 4
    if a.ip_len_extra:
        struct.pack_into("!H", raw, 2, len(raw) + a.ip_len_extra)
        struct.pack_into("!H", raw, 10, 0)
        struct.pack_into("!H", raw, 10, inet_cksum(bytes(raw[:ihl])))
    if a.bad_ip_cksum:
        (c,) = struct.unpack_from("!H", raw, 10)
        struct.pack_into("!H", raw, 10, corrupt(c))
    if a.bad_cksum:
        off = ihl + {"icmp": 2, "tcp": 16, "udp": 6}[a.proto]
        (c,) = struct.unpack_from("!H", raw, off)
        struct.pack_into("!H", raw, off, corrupt(c))
    return eth / Raw(bytes(raw)), eth / IP(bytes(raw))



def describe(p):
    if ARP in p:
        a = p[ARP]
        return "proto=arp op=%d hwsrc=%s psrc=%s hwdst=%s pdst=%s" % (
            a.op, a.hwsrc, a.psrc, a.hwdst, a.pdst)
    ip = p[IP]
    base = "src=%s dst=%s ttl=%d ipid=%d df=%d" % (
        ip.src, ip.dst, ip.ttl, ip.id, 1 if ip.flags.DF else 0)
    if TCP in p and TCPerror not in p:
        t = p[TCP]
        return ("proto=tcp %s sport=%d dport=%d flags=%s seq=%d ack=%d "
                "win=%d len=%d" % (base, t.sport, t.dport, t.flags, t.seq,
                                   t.ack, t.window, len(t.payload)))
    if ICMP in p:
        c = p[ICMP]
        s = "proto=icmp %s type=%d code=%d" % (base, c.type, c.code)
        if c.type in (0, 8):
            s += " id=%d seq=%d len=%d" % (c.id, c.seq, len(c.payload))
        elif IPerror in p:
            s += " quoted_dst=%s" % p[IPerror].dst
            if UDPerror in p:
                s += " quoted_dport=%d" % p[UDPerror].dport
            if TCPerror in p:
                s += " quoted_dport=%d" % p[TCPerror].dport
        return s
    if UDP in p:
        u = p[UDP]
        return "proto=udp %s sport=%d dport=%d len=%d" % (
            base, u.sport, u.dport, len(u.payload))
    return "proto=%d %s" % (ip.proto, base)


def is_answer(rx, tx, a):
    if a.proto == "arp":
        return (ARP in rx and rx[ARP].op == 2 and rx[ARP].psrc == a.dst
                and rx[ARP].pdst == a.src)
    if IP not in rx or rx[IP].dst != a.src:
        return False
    if rx[IP].src == a.dst:
        # From the target itself: same flow, reversed.
        if a.proto == "tcp":
            return (TCP in rx and TCPerror not in rx
                    and rx[TCP].sport == tx[TCP].dport
                    and rx[TCP].dport == tx[TCP].sport) or \
                (ICMP in rx and rx.answers(tx))
        if a.proto == "udp":
            return (UDP in rx and UDPerror not in rx
                    and rx[UDP].sport == tx[UDP].dport
                    and rx[UDP].dport == tx[UDP].sport) or \
                (ICMP in rx and rx.answers(tx))
        if a.proto == "icmp":
            return ICMP in rx and rx.answers(tx)
    # ICMP error from anyone else on the path, quoting our probe.
    return ICMP in rx and IPerror in rx and rx[IPerror].dst == a.dst and \
        rx[IPerror].src == a.src


def main():
    a = parse_args()
    wire, tx = build(a)
    if a.show:
        print("probe: " + repr(tx), file=sys.stderr)
    try:
        s = open_link(a.iface)
        s.send(bytes(wire))
    except OSError as exc:
        print("send_packet.py: %s: %s" % (a.iface, exc), file=sys.stderr)
        return 2
    found = 0
    for data in frames(s, time.monotonic() + a.timeout):
        try:
            rx = Ether(data)
        except Exception:  # noqa: BLE001 - a malformed frame is no answer
            continue
        if is_answer(rx, tx, a):
            eth = " ethsrc=%s" % rx.src if a.show_eth else ""
            print("answer " + describe(rx) + eth)
            sys.stdout.flush()
            found += 1
            if not a.all:
                break
    if not found:
        print("no answer")
    return 0 if found else 1


if __name__ == "__main__":
    run(main)
