#!/usr/bin/python3
"""A differential battery: unusual probes, one target at a time, and a
comparison of what two targets answered.

    diffprobe.py run -i IF --dst-mac MAC --dst ADDR --out FILE.json \\
        [--open 8080 --closed 8081 --udp 8082 --udp-open 8083]
    diffprobe.py compare KERNEL1.json KERNEL2.json HONEYD.json

"run" sends every probe of the battery to ADDR from the attacker
namespace, at layer 2, and records each probe's answers, normalised,
in FILE.json.  Each probe speaks from a source address of its own on
A's subnet (198.18.0.130 and up, then 198.18.0.3 and up; never the
proxy-ARP range 198.18.0.64/26) and the tool answers ARP for them, so
A's own kernel never answers anything, and a per-destination ICMP rate
limit (Linux's inet_peer bucket: 6 at once, then one a second) sees a
fresh peer for every probe; only the burst probe spends one peer's
budget on purpose.  Probes: TCP flags of every kind to an open and a
closed port, SYN option layouts, ECN, SYN with data, bad checksums and
offsets, urgent pointers, IP options, corner cases on an established
connection (each on a connection of its own), UDP to closed ports of
many sizes and a burst of 12, ICMP of every type, echo requests from
two sources interleaved (IP ID steps per source), unknown IP protocols,
fragments.

What a stack may legitimately choose is normalised away: ISNs (sequence
numbers are written relative to the probe's: S+1 is the probe's seq
plus one, A+0 its ack; on a connection N is our next sequence number
and R the target's), window values (zero or not), TTL, MSS and window
scale values, timestamp values (zero, non-zero, or the probe's echoed),
IP ID values (zero or not).  Kept: flags, seq/ack relations, option
kinds in order with their padding, DF, TOS, IP options, ICMP type and
code, the length of what an ICMP error quotes, payload lengths, the
number of answers.

"compare" takes two kernel runs and one honeyd run: a probe whose two
kernel runs differ is unstable and not counted.  It prints the table
and, last, a line
    probes=N stable=S unstable=U answered=K same=M different=D
Exit status: 0 when the runs could be compared, 2 on errors.
"""

import argparse
import json
import os
import random
import select
import socket
import struct
import time

from rawlink import iface_mac, inet_cksum
from toolmain import run

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
FLAGS = "FSRPAUEC"
# TCP probes to the ports (their answers are told apart by port) share
# one source; whatever may draw an ICMP error has one of its own.
SHARED_SRC = "198.18.0.50"


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def aton(a):
    return socket.inet_aton(a)


def ntoa(b):
    return socket.inet_ntoa(b)


def flagbits(s):
    v = 0
    for ch in s:
        v |= 1 << FLAGS.index(ch)
    return v


def flagstr(v):
    return "".join(ch for i, ch in enumerate(FLAGS) if v & (1 << i)) or "-"


# ------------------------------------------------------------ building

def ip_pkt(src, dst, proto, payload, ttl=64, ipid=None, df=False, mf=False,
           off=0, tos=0, opts=b"", bad_cksum=False, extra_len=0, ihl=None,
           rsv=False):
    if len(opts) % 4:
        opts += b"\0" * (4 - len(opts) % 4)
    hl = 20 + len(opts)
    frag = (off >> 3) | (0x2000 if mf else 0) | (0x4000 if df else 0) | \
        (0x8000 if rsv else 0)
    ipid = random.randrange(1, 65536) if ipid is None else ipid
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | (ihl if ihl else hl // 4), tos,
                    hl + len(payload) + extra_len, ipid, frag, ttl, proto, 0,
                    aton(src), aton(dst)) + opts
    c = inet_cksum(h)
    if bad_cksum:
        c ^= 0x00FF
    h = h[:10] + struct.pack("!H", c) + h[12:]
    return h + payload


def tcp_seg(src, dst, sport, dport, flags, seq, ack, win=29200, opts=b"",
            data=b"", urg=0, doff=None, bad=False):
    if len(opts) % 4:
        opts += b"\1" * (4 - len(opts) % 4)
    d = doff if doff is not None else (20 + len(opts)) // 4
    fl = flagbits(flags) if isinstance(flags, str) else flags
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                    ack & 0xFFFFFFFF, d << 4, fl, win, 0, urg) + opts
    seg = h + data
    pseudo = aton(src) + aton(dst) + struct.pack("!BBH", 0, 6, len(seg))
    c = inet_cksum(pseudo + seg)
    if bad:
        c ^= 0x00FF
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp_dgram(src, dst, sport, dport, data, bad=False, zero=False,
              ulen=None):
    ln = 8 + len(data) if ulen is None else ulen
    d = struct.pack("!HHHH", sport, dport, ln, 0) + data
    if zero:
        return d
    pseudo = aton(src) + aton(dst) + struct.pack("!BBH", 0, 17, len(d))
    c = inet_cksum(pseudo + d) or 0xFFFF
    if bad:
        c ^= 0x00FF
    return d[:6] + struct.pack("!H", c) + d[8:]


def icmp_msg(typ, code, rest=b"\0\0\0\0", data=b"", bad=False):
    m = struct.pack("!BBH", typ, code, 0) + rest + data
    c = inet_cksum(m)
    if bad:
        c ^= 0x00FF
    return m[:2] + struct.pack("!H", c) + m[4:]


def fragments(dgram, cuts):
    """dgram (a whole IP packet without options) cut into fragments at
    the payload offsets cuts: list of (start, end), in the order given."""
    hdr, pay = dgram[:20], dgram[20:]
    out = []
    for start, end in cuts:
        part = pay[start:end]
        mf = end < len(pay)
        frag = (start >> 3) | (0x2000 if mf else 0)
        h = hdr[:2] + struct.pack("!H", 20 + len(part)) + hdr[4:6] + \
            struct.pack("!H", frag) + hdr[8:10] + b"\0\0" + hdr[12:]
        h = h[:10] + struct.pack("!H", inet_cksum(h)) + h[12:]
        out.append(h + part)
    return out


MSS = b"\x02\x04\x05\xb4"
SOK = b"\x04\x02"
WS = b"\x03\x03\x07"
NOP = b"\x01"
EOL = b"\x00"


def ts(val=0x1234567, ecr=0):
    return struct.pack("!BBII", 8, 10, val, ecr)


LINUX_OPTS = MSS + SOK + ts() + NOP + WS
WINDOWS_OPTS = MSS + NOP + WS + NOP + NOP + SOK
BSD_OPTS = MSS + NOP + WS + NOP + NOP + ts() + SOK + EOL + EOL

# IP options
RR = b"\x07\x27\x04" + b"\0" * 36		# record route, 9 slots
TSO = b"\x44\x28\x05\x00" + b"\0" * 36		# timestamps only
TSA = b"\x44\x24\x05\x01" + b"\0" * 32		# address + timestamp
RA = b"\x94\x04\x00\x00"			# router alert
UNKOPT = b"\x9e\x04\x00\x00"			# unassigned, copied


def lsrr(hop):
    return b"\x83\x07\x04" + aton(hop) + NOP


def ssrr(hop):
    return b"\x89\x07\x04" + aton(hop) + NOP


# ------------------------------------------------------------ describing

def rel(v, refs, near=100000):
    """v relative to the nearest named reference within near: "S+1",
    "0", "?"."""
    best = None
    for name, r in refs:
        if r is None:
            continue
        d = (v - r) & 0xFFFFFFFF
        if d >= 0x80000000:
            d -= 0x100000000
        if abs(d) <= near and (best is None or abs(d) < abs(best[1])):
            best = (name, d)
    if best is not None:
        return "%s%+d" % best
    return "0" if v == 0 else "?"


def tcp_opts(raw, probe_ts):
    out = []
    i = 0
    while i < len(raw):
        k = raw[i]
        if k == 0:
            out.append("E%d" % (len(raw) - i))
            break
        if k == 1:
            out.append("N")
            i += 1
            continue
        if i + 1 >= len(raw) or raw[i + 1] < 2 or i + raw[i + 1] > len(raw):
            out.append("bad")
            break
        ln = raw[i + 1]
        body = raw[i + 2:i + ln]
        if k == 2 and ln == 4:
            out.append("M")
        elif k == 3 and ln == 3:
            out.append("W")
        elif k == 4 and ln == 2:
            out.append("S")
        elif k == 5:
            out.append("K%d" % ((ln - 2) // 8))
        elif k == 8 and ln == 10:
            val, ecr = struct.unpack("!II", body)
            e = "e" if probe_ts is not None and ecr == probe_ts else \
                ("0" if ecr == 0 else "?")
            out.append("T%s%s" % ("v" if val else "0", e))
        else:
            out.append("%d/%d" % (k, ln))
        i += ln
    return ",".join(out) or "-"


def ip_opts(raw):
    out = []
    i = 0
    while i < len(raw):
        k = raw[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(raw) or raw[i + 1] < 2:
            out.append("bad")
            break
        out.append("%d/%d" % (k, raw[i + 1]))
        i += raw[i + 1]
    return ",".join(out) or "-"


def describe(pkt, refs, probe_ts):
    """One answer, normalised, as a short string."""
    hl = (pkt[0] & 0x0F) * 4
    tos = pkt[1]
    tot, ipid, frag, ttl, proto = struct.unpack("!HHHBB", pkt[2:10])
    df = 1 if frag & 0x4000 else 0
    base = "df=%d id=%s tos=%#x ipo=%s" % (df, "+" if ipid else "0", tos,
                                             ip_opts(pkt[20:hl]))
    if frag & 0x3FFF:
        return "FRAG off=%d mf=%d len=%d %s" % ((frag & 0x1FFF) * 8,
                                                1 if frag & 0x2000 else 0,
                                                tot - hl, base)
    body = pkt[hl:tot]
    if proto == 6 and len(body) >= 20:
        seq, ack = struct.unpack("!II", body[4:12])
        doff = (body[12] >> 4) * 4
        fl = body[13]
        win, _, urg = struct.unpack("!HHH", body[14:20])
        # A SYN's seq is a fresh ISN: only equality to a reference
        # means something (a random ISN falls within 100,000 of the
        # probe's ack about once in 20,000 SYN+ACKs).
        return "TCP %s seq=%s ack=%s win=%s urg=%s opt=%s len=%d %s" % (
            flagstr(fl), rel(seq, refs, 0 if fl & 0x02 else 100000),
            rel(ack, refs),
            "+" if win else "0", "+" if urg else "0",
            tcp_opts(body[20:doff], probe_ts), len(body) - doff, base)
    if proto == 1 and len(body) >= 8:
        typ, code = body[0], body[1]
        s = "ICMP %d/%d" % (typ, code)
        if typ in (0, 8, 14, 16, 18):
            s += " len=%d" % (len(body) - 8)
        else:
            s += " rest=%s quoted=%d" % (body[4:8].hex(), len(body) - 8)
        return s + " " + base
    if proto == 17 and len(body) >= 8:
        return "UDP len=%d %s" % (len(body) - 8, base)
    return "IP proto=%d len=%d %s" % (proto, len(body), base)


# ------------------------------------------------------------ the link

class Link:
    def __init__(self, a):
        self.a = a
        self.mac = iface_mac(a.iface)
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                               socket.htons(ETH_P_ALL))
        self.s.bind((a.iface, 0))
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.eth = mac_bytes(a.dst_mac) + mac_bytes(self.mac) + b"\x08\x00"
        self.mine = set()	# source addresses we answer ARP for

    def send(self, ippkt):
        self.s.send(self.eth + ippkt)

    def arp(self, f):
        if len(f) < 42 or f[12:14] != b"\x08\x06" or f[20:22] != b"\0\1":
            return
        tpa = f[38:42]
        if tpa not in self.mine:
            return
        sha, spa = f[22:28], f[28:32]
        rep = sha + mac_bytes(self.mac) + b"\x08\x06" + \
            b"\x00\x01\x08\x00\x06\x04\x00\x02" + mac_bytes(self.mac) + \
            tpa + sha + spa
        self.s.send(rep)

    def collect(self, src, until, on_packet=None):
        """IP packets to src (an address or a list) until the deadline
        (ARP answered on the way).  on_packet(pkt) may stop the wait
        early by returning True."""
        got = []
        want = {aton(a) for a in ([src] if isinstance(src, str) else src)}
        while True:
            left = until - time.monotonic()
            if left <= 0:
                return got
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                return got
            f, addr = self.s.recvfrom(65536)
            if addr[2] == PACKET_OUTGOING:
                continue
            if f[12:14] == b"\x08\x06":
                self.arp(f)
                continue
            if f[12:14] != b"\x08\x00" or len(f) < 34:
                continue
            p = f[14:]
            tot = struct.unpack("!H", p[2:4])[0]
            p = p[:tot]
            if p[16:20] not in want:
                continue
            got.append(p)
            if on_packet is not None and on_packet(p):
                return got


# ------------------------------------------------------------ the battery

class Battery:
    def __init__(self, a, link):
        self.a = a
        self.link = link
        self.dst = a.dst
        self.results = {}
        self.order = []
        self.pool = ["198.18.0.%d" % i for i in range(128, 255)] + \
            ["198.18.0.%d" % i for i in range(3, 64) if i != 50]

    def source(self, fresh=True):
        """The shared source, or one no probe used before."""
        if not fresh:
            addr = SHARED_SRC
        else:
            if not self.pool:
                raise SystemExit("diffprobe.py: too many probes for the "
                                 "address pool")
            addr = self.pool.pop(0)
        self.link.mine.add(aton(addr))
        return addr

    def record(self, name, answers):
        if name in self.results:
            raise SystemExit("diffprobe.py: duplicate probe %s" % name)
        self.order.append(name)
        self.results[name] = answers

    def reset_synacks(self, src, pkt):
        """Tear down what a probe opened: a SYN+ACK gets a RST."""
        hl = (pkt[0] & 0x0F) * 4
        if pkt[9] != 6 or len(pkt) < hl + 20:
            return False
        t = pkt[hl:]
        if t[13] & 0x12 == 0x12:
            sport, dport = struct.unpack("!HH", t[:4])
            ack = struct.unpack("!I", t[8:12])[0]
            self.link.send(ip_pkt(src, self.dst, 6, tcp_seg(
                src, self.dst, dport, sport, "R", ack, 0, win=0)))
        return False

    def raw(self, name, build, wait=None, refs=(), probe_ts=None,
            sport=None):
        """build(src) -> list of IP packets (or (delay, packet)).  With
        sport, from the shared source: only TCP answers to that port and
        ICMP count."""
        src = self.source(sport is None)
        pkts = build(src)
        for p in pkts:
            if isinstance(p, tuple):
                time.sleep(p[0])
                p = p[1]
            self.link.send(p)
        wait = self.a.wait if wait is None else wait
        got = self.link.collect(src, time.monotonic() + wait,
                                lambda p: self.reset_synacks(src, p))
        if sport is not None:
            got = [p for p in got if p[9] == 1 or (
                p[9] == 6 and struct.unpack("!H", p[(p[0] & 0x0F) * 4 + 2:
                                                    (p[0] & 0x0F) * 4 + 4])[0]
                == sport)]
        self.record(name, [describe(p, refs, probe_ts) for p in got])

    def tcp(self, name, dport, flags, opts=b"", data=b"", win=29200, urg=0,
            doff=None, bad=False, ipopts=b"", df=False, ttl=64, tos=0,
            ack=None, wait=None):
        seq = random.randrange(1, 2 ** 31)
        ack = random.randrange(1, 2 ** 31) if ack is None else ack
        sport = random.randrange(40000, 60000)
        tsv = None
        if b"\x08\x0a" in opts:
            tsv = 0x1234567

        def build(src):
            return [ip_pkt(src, self.dst, 6, tcp_seg(
                src, self.dst, sport, dport, flags, seq, ack, win, opts,
                data, urg, doff, bad), opts=ipopts, df=df, ttl=ttl,
                tos=tos)]
        self.raw(name, build, wait, [("S", seq), ("A", ack)], tsv, sport)

    def udp(self, name, dport, size, **kw):
        sport = random.randrange(40000, 60000)
        data = bytes(random.randrange(256) for _ in range(size))
        ipkw = {k: kw.pop(k) for k in ("opts", "df", "ttl", "tos")
                if k in kw}

        def build(src):
            return [ip_pkt(src, self.dst, 17, udp_dgram(
                src, self.dst, sport, dport, data, **kw), **ipkw)]
        self.raw(name, build)

    def icmp(self, name, typ, code=0, rest=None, data=b"", bad=False,
             **ipkw):
        if rest is None:
            rest = struct.pack("!HH", random.randrange(1, 65536), 1)

        def build(src):
            return [ip_pkt(src, self.dst, 1, icmp_msg(typ, code, rest, data,
                                                      bad), **ipkw)]
        self.raw(name, build)

    def conn(self, name, action, wait=None):
        """A connection of our own to the open port, then action(c),
        which returns the segments to send; their answers are recorded.
        c: src, sport, nxt (our next seq), rcv (the target's next)."""
        src = self.source()
        c = {"src": src, "sport": random.randrange(40000, 60000),
             "iss": random.randrange(1, 2 ** 31)}
        link = self.link
        dport = self.a.open

        def seg(flags, seq, ack, data=b"", win=29200, opts=b"", urg=0):
            return ip_pkt(src, self.dst, 6, tcp_seg(
                src, self.dst, c["sport"], dport, flags, seq, ack, win,
                opts, data, urg))
        c["seg"] = seg
        link.send(seg("S", c["iss"], 0, opts=MSS))
        sa = [None]

        def is_sa(p):
            hl = (p[0] & 0x0F) * 4
            if p[9] == 6 and p[hl + 13] & 0x12 == 0x12:
                sa[0] = p
                return True
            return False
        link.collect(src, time.monotonic() + 2.0, is_sa)
        if sa[0] is None:
            self.record(name, ["no handshake"])
            return
        hl = (sa[0][0] & 0x0F) * 4
        c["rcv"] = (struct.unpack("!I", sa[0][hl + 4:hl + 8])[0] + 1) & \
            0xFFFFFFFF
        c["nxt"] = c["iss"] + 1
        link.send(seg("A", c["nxt"], c["rcv"]))
        time.sleep(0.1)
        for p in action(c):
            if isinstance(p, tuple):
                time.sleep(p[0])
                p = p[1]
            link.send(p)
        wait = self.a.wait + 0.2 if wait is None else wait
        got = link.collect(src, time.monotonic() + wait)
        refs = [("N", c["nxt"]), ("R", c["rcv"])]
        self.record(name, [describe(p, refs, None) for p in got])
        # Gone, however the probe left it.
        link.send(seg("R", c.get("end", c["nxt"]), 0, win=0))
        link.collect(src, time.monotonic() + 0.05)


    def ipid_sources(self, name, pattern):
        """Echo requests from two fresh sources, A and B, back to back in
        the order of pattern.  Recorded per source: its replies and the
        steps between their IP IDs, in the order its requests went.  A
        step of 1 to 3 is "+s", the source's own sequence (Linux 5.10
        and later add a random jump below the jiffies since the last
        use, 0 or 1 here); a larger one says the other source's replies
        were counted in between, one counter for both."""
        srcs = {"A": self.source(), "B": self.source()}
        ident = {k: random.randrange(1, 65536) for k in srcs}
        n = {k: 0 for k in srcs}
        for k in pattern:
            n[k] += 1
            self.link.send(ip_pkt(srcs[k], self.dst, 1, icmp_msg(
                8, 0, struct.pack("!HH", ident[k], n[k]), b"i" * 56)))
        got = self.link.collect(list(srcs.values()),
                                time.monotonic() + self.a.wait + 0.2)
        out = []
        for k in sorted(srcs):
            ids = []
            for p in got:
                hl = (p[0] & 0x0F) * 4
                if p[16:20] != aton(srcs[k]) or p[9] != 1 or p[hl] != 0:
                    continue
                ids.append((struct.unpack("!H", p[hl + 6:hl + 8])[0],
                            struct.unpack("!H", p[4:6])[0]))
            ids.sort()
            steps = []
            for (_, i0), (_, i1) in zip(ids, ids[1:]):
                d = (i1 - i0) & 0xFFFF
                steps.append("+s" if 1 <= d <= 3 else
                             "+%d" % d if d < 64 else "far")
            out.append("%s: %d replies, id %s" % (k, len(ids),
                                                  " ".join(steps) or "-"))
        self.record(name, out)


def battery(b):
    a = b.a
    op, cl, ud, uo = a.open, a.closed, a.udp, a.udp_open
    dst = a.dst

    # TCP flags of every kind, to an open and a closed port.
    combos = ["", "F", "S", "R", "P", "A", "U", "E", "C", "SF", "SR", "SA",
              "SP", "SU", "SE", "SC", "SEC", "SFPU", "FPU", "FA", "RA", "PA",
              "UA", "SRPAU", "FSRPAUEC", "FR"]
    for port, pn in ((op, "open"), (cl, "closed")):
        for f in combos:
            b.tcp("flags %s %s" % (f or "none", pn), port, f)
    b.tcp("SA ack=0 closed", cl, "SA", ack=0)
    b.tcp("A ack=0 open", op, "A", ack=0)
    b.tcp("R ack=0 open", op, "R", ack=0)

    # SYN option layouts (open port), a few to the closed one.
    layouts = [
        ("none", b""), ("MSS", MSS), ("TS", ts()),
        ("TS ecr!=0", ts(0x1234567, 99)), ("WS", WS), ("WS15",
                                                      b"\x03\x03\x0f"),
        ("SACKOK", SOK), ("Linux", LINUX_OPTS), ("Windows", WINDOWS_OPTS),
        ("BSD", BSD_OPTS), ("MSS+TS", MSS + ts()), ("MSS+WS", MSS + WS),
        ("MSS+SACKOK", MSS + SOK), ("NOPs", NOP * 8), ("EOL", EOL * 4),
        ("bogus99", b"\x63\x04\x00\x00"), ("badlen0", b"\x02\x00\x00\x00"),
        ("truncated", b"\x01\x01\x08\x0a"), ("MSS0", b"\x02\x04\x00\x00"),
        ("MSS64", b"\x02\x04\x00\x40"), ("SACKblock",
                                          b"\x05\x0a" + b"\0" * 8),
        ("MD5", b"\x13\x12" + b"\0" * 16), ("TFOreq", b"\x22\x02"),
        ("MSS3", b"\x02\x03\x05\x01")]
    for nm, o in layouts:
        b.tcp("SYN opts %s open" % nm, op, "S", opts=o)
    b.tcp("SYN opts Linux closed", cl, "S", opts=LINUX_OPTS)
    b.tcp("SYN opts BSD closed", cl, "S", opts=BSD_OPTS)

    # ECN.
    b.tcp("SYN ECE+CWR Linux opts", op, "SEC", opts=LINUX_OPTS)
    b.tcp("SYN ECE+CWR MSS", op, "SEC", opts=MSS)
    b.tcp("SYN ECE only", op, "SE", opts=LINUX_OPTS)
    b.tcp("SYN IP ECT0", op, "S", opts=LINUX_OPTS, tos=0x02)

    # SYN oddities.
    b.tcp("SYN data open", op, "S", data=b"x" * 20)
    b.tcp("SYN data closed", cl, "S", data=b"x" * 20)
    b.tcp("SYN+FIN data closed", cl, "SF", data=b"x" * 20)
    b.tcp("NULL data closed", cl, "", data=b"x" * 20)
    b.tcp("FIN data closed", cl, "F", data=b"x" * 20)
    b.tcp("A data closed", cl, "PA", data=b"x" * 20)
    b.tcp("SYN URG ptr open", op, "SU", urg=5)
    b.tcp("SYN ptr no URG open", op, "S", urg=5)
    b.tcp("SYN win0 open", op, "S", win=0, opts=MSS)
    b.tcp("SYN win0 closed", cl, "S", win=0)
    b.tcp("SYN bad cksum open", op, "S", bad=True)
    b.tcp("SYN bad cksum closed", cl, "S", bad=True)
    b.tcp("A bad cksum closed", cl, "A", bad=True)
    b.tcp("SYN doff4 open", op, "S", doff=4)
    b.tcp("SYN doff15 open", op, "S", doff=15)
    b.tcp("SYN TTL1 open", op, "S", ttl=1)
    b.tcp("SYN DF open", op, "S", df=True, opts=MSS)
    b.tcp("SYN TOS0x10 open", op, "S", tos=0x10)
    b.tcp("SYN IP RR open", op, "S", opts=MSS, ipopts=RR)
    b.tcp("SYN IP TS open", op, "S", opts=MSS, ipopts=TSO)
    b.tcp("SYN IP LSRR open", op, "S", opts=MSS, ipopts=lsrr(dst))
    b.tcp("SYN IP NOP open", op, "S", opts=MSS, ipopts=NOP * 4)
    b.tcp("RST IP RR closed", cl, "R", ipopts=RR)
    b.tcp("SYN IP RR closed", cl, "S", ipopts=RR)

    # Established connections.
    b.conn("est data in window", lambda c: [
        c["seg"]("PA", c["nxt"], c["rcv"], b"hello")])
    b.conn("est data out of window", lambda c: [
        c["seg"]("PA", c["nxt"] + 10000000, c["rcv"], b"hello")])
    b.conn("est data old", lambda c: [
        c["seg"]("PA", c["nxt"] - 5000, c["rcv"], b"hello")])
    b.conn("est RST exact", lambda c: [
        c["seg"]("R", c["nxt"], 0, win=0)])
    b.conn("est RST in window", lambda c: [
        c["seg"]("R", c["nxt"] + 100, 0, win=0)])
    b.conn("est RST+ACK in window", lambda c: [
        c["seg"]("RA", c["nxt"] + 100, c["rcv"], win=0)])
    b.conn("est RST out of window", lambda c: [
        c["seg"]("R", c["nxt"] + 10000000, 0, win=0)])
    b.conn("est SYN", lambda c: [
        c["seg"]("S", c["nxt"] + 500, 0, opts=MSS)])
    b.conn("est SYN at rcv_nxt", lambda c: [
        c["seg"]("S", c["nxt"], 0, opts=MSS)])
    b.conn("est ACK of unsent", lambda c: [
        c["seg"]("A", c["nxt"], c["rcv"] + 1000)])
    b.conn("est ACK old", lambda c: [
        c["seg"]("A", c["nxt"], c["rcv"] - 100000)])
    b.conn("est keepalive", lambda c: [
        c["seg"]("A", c["nxt"] - 1, c["rcv"])])
    b.conn("est keepalive 1 byte", lambda c: [
        c["seg"]("A", c["nxt"] - 1, c["rcv"], b"k")])
    b.conn("est dup ACK", lambda c: [c["seg"]("A", c["nxt"], c["rcv"])])
    b.conn("est URG data", lambda c: [
        c["seg"]("PAU", c["nxt"], c["rcv"], b"urgent", urg=3)])
    b.conn("est zero window ACK", lambda c: [
        c["seg"]("A", c["nxt"], c["rcv"], win=0)])
    b.conn("est data no ACK flag", lambda c: [
        c["seg"]("P", c["nxt"], 0, b"hello")])
    b.conn("est data partly in window", lambda c: [
        c["seg"]("PA", c["nxt"] - 3, c["rcv"], b"abcdef")])
    b.conn("est TS not negotiated", lambda c: [
        c["seg"]("PA", c["nxt"], c["rcv"], b"hello", opts=NOP + NOP +
                 ts())])

    # UDP.
    for n in (0, 1, 12, 100, 300, 548, 1000, 1472):
        b.udp("UDP closed %d bytes" % n, ud, n)
    b.udp("UDP closed bad cksum", ud, 12, bad=True)
    b.udp("UDP closed cksum 0", ud, 12, zero=True)
    b.udp("UDP closed ulen short", ud, 12, ulen=12)
    b.udp("UDP closed ulen long", ud, 12, ulen=40)
    b.udp("UDP open", uo, 12)
    b.udp("UDP closed IP RR", ud, 12, opts=RR)
    b.udp("UDP closed TTL1", ud, 12, ttl=1)
    b.udp("UDP closed DF", ud, 12, df=True)
    b.udp("UDP closed TOS0x10", ud, 12, tos=0x10)

    # Twelve closed-port datagrams at once, one source.
    def burst(src):
        sport = random.randrange(40000, 60000)
        return [ip_pkt(src, dst, 17, udp_dgram(src, dst, sport, ud,
                                               b"burst%02d" % i))
                for i in range(12)]
    b.raw("UDP burst of 12", burst, wait=a.wait + 0.5)

    # ICMP.
    for n in (0, 8, 56, 1000, 1472):
        b.icmp("echo %d bytes" % n, 8, data=b"\xab" * n)
    b.icmp("echo code 9", 8, 9, data=b"\0" * 120)
    b.icmp("echo bad cksum", 8, data=b"x" * 56, bad=True)
    b.icmp("echo IP RR", 8, data=b"x" * 56, opts=RR)
    b.icmp("echo IP TS only", 8, data=b"x" * 56, opts=TSO)
    b.icmp("echo IP TS+addr", 8, data=b"x" * 56, opts=TSA)
    b.icmp("echo IP LSRR", 8, data=b"x" * 56, opts=lsrr(dst))
    b.icmp("echo IP SSRR", 8, data=b"x" * 56, opts=ssrr(dst))
    b.icmp("echo IP NOP", 8, data=b"x" * 56, opts=NOP * 4)
    b.icmp("echo IP router alert", 8, data=b"x" * 56, opts=RA)
    b.icmp("echo IP unknown option", 8, data=b"x" * 56, opts=UNKOPT)
    b.icmp("echo TTL1", 8, data=b"x" * 56, ttl=1)
    b.icmp("echo DF", 8, data=b"x" * 56, df=True)
    b.icmp("echo TOS0x04", 8, data=b"x" * 56, tos=0x04)
    b.icmp("echo reserved flag", 8, data=b"x" * 56, rsv=True)
    # Echo replies' IP IDs: a sequence per source (Linux), or one?
    b.ipid_sources("echo IP ID A,4xB,A,4xB,A", "ABBBBABBBBA")
    b.icmp("timestamp request", 13, data=b"\0" * 12)
    b.icmp("timestamp request short", 13, data=b"\0" * 4)
    b.icmp("address mask request", 17, data=b"\0" * 4)
    b.icmp("info request", 15)
    quote = ip_pkt(dst, "198.18.0.1", 17, udp_dgram(dst, "198.18.0.1",
                                                     4000, 53, b"q" * 8))
    for t in (0, 3, 4, 5, 9, 10, 11, 12, 14, 16, 18, 30, 37, 42, 100, 255):
        b.icmp("icmp type %d" % t, t, data=quote if t in (3, 4, 5, 11, 12)
               else b"\0" * 16)

    # IP protocols nobody serves, and the IP header itself.
    for pr in (0, 2, 47, 103, 132, 253, 255):
        b.raw("IP proto %d" % pr, lambda src, pr=pr: [
            ip_pkt(src, dst, pr, b"\0" * 24)])
    b.raw("IP proto 47 IP RR", lambda src: [
        ip_pkt(src, dst, 47, b"\0" * 24, opts=RR)])
    b.raw("IP bad cksum echo", lambda src: [
        ip_pkt(src, dst, 1, icmp_msg(8, 0, b"\0\1\0\1", b"x" * 8),
               bad_cksum=True)])
    b.raw("IP ihl 4 echo", lambda src: [
        ip_pkt(src, dst, 1, icmp_msg(8, 0, b"\0\1\0\1", b"x" * 8), ihl=4)])
    b.raw("IP trailing bytes echo", lambda src: [
        ip_pkt(src, dst, 1, icmp_msg(8, 0, b"\0\1\0\1", b"x" * 8)) +
        b"\0" * 10])

    # Fragments.
    def echo(src, n):
        return ip_pkt(src, dst, 1, icmp_msg(8, 0, b"\0\7\0\1", b"f" * n),
                      ipid=random.randrange(1, 65536))
    b.raw("frag echo 2 in order", lambda src: fragments(
        echo(src, 2000), [(0, 1480), (1480, 2008)]))
    b.raw("frag echo 2 reversed", lambda src: fragments(
        echo(src, 2000), [(1480, 2008), (0, 1480)]))
    b.raw("frag echo 3 small", lambda src: fragments(
        echo(src, 40), [(0, 16), (16, 32), (32, 48)]))
    b.raw("frag tiny TCP SYN", lambda src: fragments(
        ip_pkt(src, dst, 6, tcp_seg(src, dst, 40123, op, "S",
                                    random.randrange(2 ** 31), 0,
                                    opts=MSS)), [(0, 8), (8, 24)]))
    b.raw("frag overlapping pair", lambda src: fragments(
        ip_pkt(src, dst, 17, udp_dgram(src, dst, 40124, ud, b"o" * 24)),
        [(0, 24), (16, 32)]))
    b.raw("frag lone middle", lambda src: [fragments(
        echo(src, 100), [(0, 48), (48, 96), (96, 108)])[1]])
    b.raw("frag duplicate", lambda src: fragments(
        echo(src, 40), [(0, 24), (0, 24), (24, 48)]))


def cmd_run(a):
    link = Link(a)
    b = Battery(a, link)
    battery(b)
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"target": a.dst, "order": b.order,
                   "answers": b.results}, f, indent=0)
    os.replace(tmp, a.out)
    print("sent=%d probes to %s" % (len(b.order), a.dst))
    return 0


def cmd_compare(a):
    runs = []
    for fn in (a.k1, a.k2, a.h):
        with open(fn) as f:
            runs.append(json.load(f))
    k1, k2, h = (r["answers"] for r in runs)
    order = runs[0]["order"]
    stable = unstable = same = diff = answered = 0
    w = max(len(n) for n in order)
    print("%-*s  %-9s  %s" % (w, "probe", "verdict", "answers"))
    for n in order:
        ka, kb, ha = k1.get(n), k2.get(n), h.get(n)
        if ka is None or kb is None or ha is None:
            print("%-*s  missing" % (w, n))
            continue
        ks = " | ".join(ka) or "(none)"
        hs = " | ".join(ha) or "(none)"
        if ka != kb:
            unstable += 1
            print("%-*s  unstable   kernel: %s" % (w, n, ks))
            print("%-*s             kernel: %s" % (w, "",
                                                   " | ".join(kb) or
                                                   "(none)"))
            continue
        stable += 1
        if ka:
            answered += 1
        if ka == ha:
            same += 1
            print("%-*s  same       both:   %s" % (w, n, ks))
        else:
            diff += 1
            print("%-*s  DIFFERENT  kernel: %s" % (w, n, ks))
            print("%-*s             honeyd: %s" % (w, "", hs))
    print("probes=%d stable=%d unstable=%d answered=%d same=%d "
          "different=%d" % (len(order), stable, unstable, answered, same,
                            diff))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("-i", "--iface", required=True)
    r.add_argument("--dst-mac", required=True)
    r.add_argument("--dst", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--open", type=int, default=8080)
    r.add_argument("--closed", type=int, default=8081)
    r.add_argument("--udp", type=int, default=8082)
    r.add_argument("--udp-open", type=int, default=8083)
    r.add_argument("--wait", type=float, default=0.35,
                   help="seconds to collect each probe's answers")
    c = sub.add_parser("compare")
    c.add_argument("k1")
    c.add_argument("k2")
    c.add_argument("h")
    a = ap.parse_args()
    return cmd_run(a) if a.cmd == "run" else cmd_compare(a)


if __name__ == "__main__":
    run(main)
