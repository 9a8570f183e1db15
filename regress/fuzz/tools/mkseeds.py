#!/usr/bin/python3
# Writes the crafted seeds of the packet fuzz target into
# regress/fuzz/corpus/packet/ (see fuzz_packet.c for the record format).
# Needs scapy: /usr/bin/python3 regress/fuzz/tools/mkseeds.py
import os
import struct
from scapy.all import IP, TCP, UDP, ICMP, Raw, raw

OUT = os.path.join(os.path.dirname(__file__), '..', 'corpus', 'packet')
FIX = 0x0c          # fix the IP header and checksums
SYNC = 0x10         # answer the engine's last segment
SVC = 0x20
T50, T1S, T20S = 1, 2, 3
A = '198.18.0.1'

# destinations, as fuzz_packet.c's dsts[]
WIN, LINUX, DYN, ROUTED, DEEP, ROUTER, UNREACH, DEFAULT = range(8)


def rec(ctl, aux, data):
    return struct.pack('>BBH', ctl, aux, len(data) & 0xfff) + data


def pkt(p, dst, ctl=FIX, src=0):
    return rec(ctl, dst | (src << 3), raw(p))


def svc(op, which, data=b''):
    return rec(SVC, (op << 4) | which, data)


NMAP_OPTS = [
    [('WScale', 10), ('NOP', None), ('MSS', 1460), ('Timestamp', (0xFFFFFFFF, 0)), ('SAckOK', b'')],
    [('MSS', 1400), ('WScale', 0), ('SAckOK', b''), ('Timestamp', (0xFFFFFFFF, 0)), ('EOL', None)],
    [('Timestamp', (0xFFFFFFFF, 0)), ('NOP', None), ('NOP', None), ('WScale', 5), ('NOP', None), ('MSS', 640)],
    [('SAckOK', b''), ('Timestamp', (0xFFFFFFFF, 0)), ('WScale', 10), ('EOL', None)],
    [('MSS', 536), ('SAckOK', b''), ('Timestamp', (0xFFFFFFFF, 0)), ('WScale', 10), ('EOL', None)],
    [('MSS', 265), ('SAckOK', b''), ('Timestamp', (0xFFFFFFFF, 0))],
]
NMAP_WIN = [1, 63, 4, 4, 16, 512]


def nmap_os(dst, open_port, closed_port):
    s = b''
    for i in range(6):
        s += pkt(IP(dst='0.0.0.0', id=100 + i) / TCP(sport=40000 + i, dport=open_port, flags='S', seq=1000 + i,
                 window=NMAP_WIN[i], options=NMAP_OPTS[i]), dst, FIX | T50)
    s += pkt(IP(tos=0, id=7) / ICMP(type=8, code=9, id=1234, seq=295) / Raw(b'\x00' * 120), dst)
    s += pkt(IP(tos=4, id=8) / ICMP(type=8, code=0, id=1235, seq=296) / Raw(b'\x00' * 150), dst)
    s += pkt(IP() / TCP(sport=40010, dport=open_port, flags='SEC', window=3, urgptr=0xF7F5,
             options=[('WScale', 10), ('NOP', None), ('MSS', 1460), ('SAckOK', b''), ('NOP', None), ('NOP', None)]), dst)
    s += pkt(IP(flags='DF') / TCP(sport=40011, dport=open_port, flags='', window=128, options=NMAP_OPTS[0]), dst)
    s += pkt(IP() / TCP(sport=40012, dport=open_port, flags='SFUP', window=256, options=NMAP_OPTS[0]), dst)
    s += pkt(IP(flags='DF') / TCP(sport=40013, dport=open_port, flags='A', window=1024, options=NMAP_OPTS[0]), dst)
    s += pkt(IP() / TCP(sport=40014, dport=closed_port, flags='S', window=31337, options=NMAP_OPTS[0]), dst)
    s += pkt(IP(flags='DF') / TCP(sport=40015, dport=closed_port, flags='A', window=32768, options=NMAP_OPTS[0]), dst)
    s += pkt(IP() / TCP(sport=40016, dport=closed_port, flags='FPU', window=65535, options=NMAP_OPTS[0]), dst)
    s += pkt(IP(id=0x1042) / UDP(sport=40017, dport=closed_port) / Raw(b'C' * 300), dst, FIX | T1S)
    return s


def session(dst, port, request, reply, svcop=True):
    s = pkt(IP() / TCP(sport=33000, dport=port, flags='S', seq=5000,
            options=[('MSS', 1460), ('SAckOK', b''), ('Timestamp', (1, 0)), ('NOP', None), ('WScale', 7)]), dst)
    s += pkt(IP() / TCP(sport=33000, dport=port, flags='A'), dst, FIX | SYNC)
    s += pkt(IP() / TCP(sport=33000, dport=port, flags='PA') / Raw(request), dst, FIX | SYNC | T50)
    if svcop:
        s += svc(0, 0, reply)
    s += pkt(IP() / TCP(sport=33000, dport=port, flags='A'), dst, FIX | SYNC | T50)
    if svcop:
        s += svc(9, 0)
    s += pkt(IP() / TCP(sport=33000, dport=port, flags='FA'), dst, FIX | SYNC | T1S)
    s += pkt(IP() / TCP(sport=33000, dport=port, flags='A'), dst, FIX | SYNC | T20S)
    return s


def write(name, body, seed=0x55):
    with open(os.path.join(OUT, 'seed-' + name), 'wb') as f:
        f.write(bytes([seed]) + body)


os.makedirs(OUT, exist_ok=True)
write('nmap-win', nmap_os(WIN, 135, 1))
write('nmap-linux', nmap_os(LINUX, 53, 2))
write('nmap-routed', nmap_os(ROUTED, 22, 9))
write('nmap-solaris', nmap_os(DEEP, 21, 8))
write('http-win', session(WIN, 80, b'GET / HTTP/1.0\r\n\r\n', b'HTTP/1.0 200 OK\r\n\r\nhello\n'))
write('http-win-errfd', session(WIN, 80, b'GET / HTTP/1.0\r\n\r\n', b'HTTP/1.0 500\r\n\r\n') + svc(8, 0, b'oops\nline two\n'), seed=0xaa)
write('smtp-linux', session(LINUX, 25, b'HELO x\r\n', b'220 hi\r\n'))
write('ssh-proxy', session(LINUX, 22, b'SSH-2.0-x\r\n', b'SSH-2.0-OpenSSH\r\n'))
write('tarpit-win', session(WIN, 139, b'x' * 100, b'', svcop=False))
write('tarpit-telnet', session(LINUX, 23, b'root\r\n', b'login: ' * 20), seed=0xff)
write('refused', session(WIN, 80, b'GET /\r\n', b''), seed=0x00)
write('routed-session', session(ROUTED, 25, b'EHLO\r\n', b'250 ok\r\n'))
write('dynamic', session(DYN, 22, b'x', b'y') + pkt(IP() / ICMP(), DYN, src=2) + pkt(IP() / UDP(dport=53) / Raw(b'q'), DYN, src=1))
# traceroute into the topology and to the unreachable network
tr = b''
for ttl in range(1, 5):
    tr += pkt(IP(ttl=ttl) / UDP(sport=50000 + ttl, dport=33434 + ttl) / Raw(b'@' * 32), DEEP, FIX | T50)
    tr += pkt(IP(ttl=ttl) / ICMP(id=7, seq=ttl), ROUTED, FIX | T50)
tr += pkt(IP(ttl=64) / UDP(dport=33434), UNREACH, FIX | T1S)
write('traceroute', tr)
# UDP services and proxies
u = pkt(IP() / UDP(sport=5353, dport=53) / Raw(b'\x12\x34\x01\x00\x00\x01' + b'\x00' * 6 + b'\x03www\x00\x00\x01\x00\x01'), WIN)
u += svc(0, 0, b'\x12\x34\x81\x80')
u += pkt(IP() / UDP(sport=5353, dport=161) / Raw(b'0\x26\x02\x01\x00'), LINUX)
u += svc(0, 1, b'0\x26\x02\x01\x00reply')
u += pkt(IP() / UDP(sport=5353, dport=137) / Raw(b'nb'), WIN)
u += pkt(IP() / UDP(sport=5353, dport=9999) / Raw(b'closed'), LINUX, FIX | T20S)
write('udp', u, seed=0x5a)
# out-of-order data, SACK, window probes and a RST
o = pkt(IP() / TCP(sport=34000, dport=80, flags='S', seq=100,
        options=[('MSS', 100), ('SAckOK', b''), ('WScale', 2)]), WIN)
o += pkt(IP() / TCP(sport=34000, dport=80, flags='A'), WIN, FIX | SYNC)
o += svc(0, 0, b'z' * 2000)
o += pkt(IP() / TCP(sport=34000, dport=80, flags='A', window=0), WIN, FIX | SYNC | T1S)
o += pkt(IP() / TCP(sport=34000, dport=80, flags='PA', seq=200) / Raw(b'later'), WIN, FIX | T50)
o += pkt(IP() / TCP(sport=34000, dport=80, flags='R'), WIN, FIX | SYNC)
write('ooo-rst', o, seed=0x55)
# raw odds and ends: options with bad lengths, IP options, fragments
r = pkt(IP(options=b'\x01\x01\x01\x00') / TCP(dport=135, flags='S', options=[('MSS', 1460)]) , WIN)
r += rec(0x04, 0, raw(IP(dst='198.18.1.10', src=A, flags='MF') / TCP(dport=135, flags='S')))
r += rec(0x04, 0, raw(IP(dst='198.18.1.11', src=A) / TCP(dport=22, flags='S', dataofs=15) / Raw(b'\x02\x04\x05' + b'\x08\x0a' * 20)))
r += rec(0x00, 0, raw(IP(dst='198.18.1.10', src=A, ihl=15) / ICMP()))
r += rec(0x04, 0, raw(IP(dst='198.18.1.10', src=A) / ICMP(type=3, code=3) / IP(dst=A, src='198.18.1.10') / UDP()))
write('raw', r)
# out of order data, a hole filled later, then SACKs of our data
OOO1, OOO2 = 0x40, 0x80
q = pkt(IP() / TCP(sport=35000, dport=25, flags='S', seq=7000,
        options=[('MSS', 1460), ('SAckOK', b''), ('NOP', None), ('WScale', 0)]), LINUX)
q += pkt(IP() / TCP(sport=35000, dport=25, flags='A'), LINUX, FIX | SYNC)
q += pkt(IP() / TCP(sport=35000, dport=25, flags='PA') / Raw(b'b' * 100), LINUX, FIX | SYNC | OOO1)
q += pkt(IP() / TCP(sport=35000, dport=25, flags='PA') / Raw(b'c' * 100), LINUX, FIX | SYNC | OOO2)
q += pkt(IP() / TCP(sport=35000, dport=25, flags='PA') / Raw(b'a' * 700), LINUX, FIX | SYNC)
q += svc(0, 0, b'x' * 4000)
for i in range(4):
    q += pkt(IP() / TCP(sport=35000, dport=25, flags='A',
             options=[('NOP', None), ('NOP', None), ('SAck', (1 + 1460 * 2, 1 + 1460 * 3))]), LINUX, FIX | SYNC)
q += pkt(IP() / TCP(sport=35000, dport=25, flags='PA') / Raw(b'd' * 10), LINUX, FIX | SYNC | OOO1 | OOO2 | T1S)
write('ooo-sack', q)
# reloads under a running session, a UDP flow and packets held in the
# topology
RELOAD = svc(15, 0)
r = pkt(IP() / TCP(sport=36000, dport=80, flags='S', seq=1), WIN)
r += pkt(IP() / TCP(sport=36000, dport=80, flags='A'), WIN, FIX | SYNC)
r += pkt(IP() / TCP(sport=36000, dport=80, flags='PA') / Raw(b'GET /\r\n'), WIN, FIX | SYNC)
r += RELOAD
r += svc(0, 0, b'HTTP/1.0 200 OK\r\n\r\n' + b'y' * 3000)
r += pkt(IP() / UDP(sport=5353, dport=53) / Raw(b'q1'), WIN)
r += pkt(IP(ttl=2) / ICMP(id=9, seq=1), DEEP, FIX)
r += RELOAD
r += pkt(IP() / TCP(sport=36000, dport=80, flags='A'), WIN, FIX | SYNC | T50)
r += RELOAD
r += pkt(IP() / TCP(sport=36000, dport=80, flags='FA'), WIN, FIX | SYNC | T1S)
write('reload', r, seed=0x55)
# IPv6, raw (nothing fixes its header up; "default" answers any address):
# echo requests, and one behind a hop-by-hop header (counted, dropped)
from scapy.all import IPv6, ICMPv6EchoRequest, IPv6ExtHdrHopByHop  # noqa: E402
A6 = '2001:db8::1'
s6 = rec(T50, 0, raw(IPv6(src=A6, dst='2001:db8::5') / ICMPv6EchoRequest(id=7, seq=1, data=b'honeyd!!')))
s6 += rec(T50, 0, raw(IPv6(src=A6, dst='2001:db8:1::77', hlim=1) / ICMPv6EchoRequest(id=7, seq=2)))
s6 += rec(T50, 0, raw(IPv6(src=A6, dst='2001:db8::5') / IPv6ExtHdrHopByHop() / ICMPv6EchoRequest()))
write('ipv6-echo', s6)
# IPv6 extension headers and fragments (ip6.c's walk): a 3000-byte echo
# in three fragments, last first (its answer leaves fragmented), an
# overlapping pair, an atomic fragment, routing header type 0, an
# unknown next header, a closed UDP port, and a first fragment alone
# that times out (time exceeded, reassembly).
from scapy.all import IPv6ExtHdrFragment, IPv6ExtHdrRouting  # noqa: E402


def frag6(body, fid, off, n, more, dst='2001:db8::5'):
    return rec(0, 0, raw(IPv6(src=A6, dst=dst) / IPv6ExtHdrFragment(nh=58, offset=off // 8, m=more, id=fid) /
                         Raw(body[off:off + n])))


big = raw(IPv6(src=A6, dst='2001:db8::5') / ICMPv6EchoRequest(id=9, seq=1, data=bytes(range(256)) * 11 + b'x' * 184))[40:]
x6 = frag6(big, 1, 2400, 608, 0) + frag6(big, 1, 0, 1200, 1) + frag6(big, 1, 1200, 1200, 1)
x6 += frag6(big, 2, 0, 1200, 1) + frag6(big, 2, 1192, 1200, 1) + frag6(big, 2, 2392, 616, 0)
small = raw(IPv6(src=A6, dst='2001:db8::5') / ICMPv6EchoRequest(id=9, seq=2, data=b'atomic!!' * 5))[40:]
x6 += frag6(small, 3, 0, len(small), 0)
x6 += rec(0, 0, raw(IPv6(src=A6, dst='2001:db8::5') / IPv6ExtHdrRouting(type=0, segleft=1, addresses=['2001:db8::9']) /
                    ICMPv6EchoRequest()))
x6 += rec(0, 0, raw(IPv6(src=A6, dst='2001:db8::5', nh=253) / Raw(b'unknown')))
x6 += rec(0, 0, raw(IPv6(src=A6, dst='2001:db8::5') / UDP(sport=4000, dport=4444) / Raw(b'probe')))
x6 += frag6(big, 4, 0, 1200, 1, dst='2001:db8::6') + rec(T20S, 0, b'') * 4
write('ipv6-ext', x6)
