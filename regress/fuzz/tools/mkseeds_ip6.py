#!/usr/bin/python3
# Writes the crafted seeds of the ip6 fuzz target into
# regress/fuzz/corpus/ip6/ (see fuzz_ip6.c for the record format):
# extension header chains each rule of ip6ext.c judges, and fragment
# sequences for ip6frag.c.  /usr/bin/python3 regress/fuzz/tools/mkseeds_ip6.py
import os
import struct

OUT = os.path.join(os.path.dirname(__file__), '..', 'corpus', 'ip6')
OURS = 0x08         # the target's IPv6 header, Next Header first
FIX = 0x04          # version and payload length fixed
MCAST = 0x40        # to ff02::1
T1S, T30S, T61S = 1, 2, 3


def rec(ctl, b):
    return struct.pack('>BH', ctl, len(b) & 0xfff) + b


def ours(nh, body, ctl=OURS):
    return rec(ctl, bytes([nh]) + body)


def dst(nh, opts=b''):
    """A hop-by-hop or destination options header, padded."""
    n = (len(opts) + 2 + 7) // 8 * 8
    pad = n - 2 - len(opts)
    if pad == 1:
        opts += b'\x00'
    elif pad >= 2:
        opts += bytes([1, pad - 2]) + b'\x00' * (pad - 2)
    return bytes([nh, n // 8 - 1]) + opts


def frag(nh, off, more, ident):
    return bytes([nh, 0]) + struct.pack('>HI', off | more, ident)


def rt(nh, typ, left, n=24):
    return bytes([nh, n // 8 - 1, typ, left]) + b'\x00' * (n - 4)


UDP = struct.pack('>HHHH', 1234, 53, 20, 0) + b'q' * 12
ECHO = bytes([128, 0, 0, 0, 0, 1, 0, 1]) + b'p' * 56
DGRAM = UDP + b'z' * 2000
PIECES = [(0, DGRAM[0:1000], 1), (1000, DGRAM[1000:2000], 1),
          (2000, DGRAM[2000:], 0)]
HDR = (bytes([0x60, 0, 0, 0, 0, 0, 60, 64]) + bytes(16) +
       bytes([0x20, 1, 0xd, 0xb8] + [0] * 11 + [0x10]))

SEEDS = {
    'seed-udp': ours(17, UDP),
    'seed-echo': ours(58, ECHO),
    'seed-chain': ours(0, dst(60, b'\x05\x02\x00\x00') + dst(43) +
                       rt(60, 2, 0) + dst(6) + b'T' * 20),
    'seed-rh0': ours(43, rt(17, 0, 1, 40) + UDP),
    'seed-rh4': ours(60, dst(43) + rt(58, 4, 2) + ECHO),
    'seed-opt-actions': (ours(60, dst(17, b'\x1e\x00\x5e\x00')) +
                         ours(60, dst(17, b'\x9e\x00'), OURS | MCAST) +
                         ours(60, dst(17, b'\xde\x00'), OURS | MCAST) +
                         ours(60, dst(17, b'\xde\x00'))),
    'seed-jumbo': ours(0, dst(17, b'\xc2\x04\x00\x01\x00\x00') + UDP),
    'seed-unknown-nh': ours(253, b'x' * 16) + ours(60, dst(0) + dst(17) +
                                                   UDP),
    'seed-atomic': ours(44, frag(58, 0, 0, 7) + ECHO),
    'seed-short-chain': ours(44, frag(60, 0, 1, 8) + bytes([6, 4]) +
                             b'\x00' * 14),
    'seed-too-many': ours(60, b''.join(dst(60) for i in range(9)) +
                          dst(17) + UDP),
    'seed-frag-reorder': b''.join(
        ours(60, dst(44) + frag(17, off, m, 0x1234) + b)
        for off, b, m in [PIECES[2], PIECES[0], PIECES[1]]),
    'seed-frag-overlap': b''.join(
        ours(44, frag(17, off, m, 0x99) + b)
        for off, b, m in [PIECES[0], (992, DGRAM[992:1992], 1), PIECES[1],
                          PIECES[2]]),
    'seed-frag-timeout': (ours(44, frag(17, 0, 1, 0x55) + DGRAM[:1000]) +
                          ours(44, frag(17, 1000, 1, 0x55) +
                               DGRAM[1000:1003], OURS | T30S) +
                          rec(T61S, b'')),
    'seed-frag-lengths': (ours(44, frag(17, 65528, 0, 0x66) + b'x' * 16) +
                          ours(44, frag(17, 8, 1, 0x67) + b'x' * 9)),
    'seed-raw': rec(FIX, HDR + dst(17) + UDP) + rec(0, HDR[:20]),
}

os.makedirs(OUT, exist_ok=True)
for name, body in SEEDS.items():
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(body)
