#!/usr/bin/python3
"""A GRE tunnel endpoint (RFC 2784) in user space, for regress/netns/gre.sh.

For kernels built without ip_gre: it attaches to a TUN device made
beforehand (ip tuntap add dev NAME mode tun), sends each IPv4 packet
the kernel routes into the device as GRE from --local to --remote over
a raw IP socket, and writes the inner packet of each GRE packet from
--remote (no checksum, key or sequence; protocol type 0x0800) back
into the device, where the kernel receives it as from the tunnel.
Anything else that arrives is counted and ignored.

It prints "ready" once it runs, and its counts when it ends (SIGTERM).
"""

import argparse
import fcntl
import os
import select
import signal
import socket
import struct
import sys
from toolmain import run

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
GRE_PLAIN_IPV4 = b"\x00\x00\x08\x00"

counts = {"out": 0, "in": 0, "ignored": 0}


def report(signum, frame):
    print("gre_endpoint: out=%(out)d in=%(in)d ignored=%(ignored)d"
          % counts, flush=True)
    sys.exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tun", required=True, help="the TUN device's name")
    ap.add_argument("--local", required=True, help="our end's address")
    ap.add_argument("--remote", required=True, help="the other end's")
    args = ap.parse_args()

    tun = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(tun, TUNSETIFF,
                struct.pack("16sH", args.tun.encode(), IFF_TUN | IFF_NO_PI))
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_GRE)
    raw.bind((args.local, 0))
    signal.signal(signal.SIGTERM, report)
    signal.signal(signal.SIGINT, report)
    print("ready", flush=True)
    while True:
        ready, _, _ = select.select([tun, raw], [], [])
        if tun in ready:
            pkt = os.read(tun, 65535)
            if pkt and pkt[0] >> 4 == 4:
                raw.sendto(GRE_PLAIN_IPV4 + pkt, (args.remote, 0))
                counts["out"] += 1
            else:
                counts["ignored"] += 1
        if raw in ready:
            data, addr = raw.recvfrom(65535)
            hlen = (data[0] & 0x0F) * 4
            gre = data[hlen:]
            if (addr[0] != args.remote or len(gre) < 4 + 20 or
                    gre[:4] != GRE_PLAIN_IPV4):
                counts["ignored"] += 1
                continue
            os.write(tun, gre[4:])
            counts["in"] += 1


if __name__ == "__main__":
    run(main)
