"""Raw Ethernet for the test tools, which run in the attacker namespace:
open an interface, take the frames that arrive on it until a deadline,
and answer ARP for an address a tool speaks from.  Imported by the tools
beside it (python puts a script's own directory on its path)."""

import select
import socket
import struct
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def iface_mac(iface):
    with open("/sys/class/net/%s/address" % iface) as f:
        return f.read().strip()


def inet_cksum(data):
    """The Internet checksum (RFC 1071) of data."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def open_link(iface, rcvbuf=1 << 20):
    """A packet socket on iface that sees every frame, both ways."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    try:
        s.bind((iface, 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    except OSError:
        s.close()
        raise
    return s


def frames(s, deadline, outgoing=False, poll=None):
    """Yield the frames s receives until time.monotonic() passes the
    deadline; the ones the host sent only if outgoing.  poll: wake at
    least this often (seconds), yielding None, so that the caller can
    check a condition of its own."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        r, _, _ = select.select([s], [], [], left if poll is None else
                                min(left, poll))
        if not r:
            if poll is None:
                return
            yield None
            continue
        data, addr = s.recvfrom(65536)
        if outgoing or addr[2] != PACKET_OUTGOING:
            yield data


def answer_arp(s, mac, addr, p):
    """If scapy packet p asks who has addr, answer from mac: True."""
    from scapy.all import ARP, Ether
    if ARP not in p or p[ARP].op != 1 or p[ARP].pdst != addr:
        return False
    s.send(bytes(Ether(src=mac, dst=p.src) / ARP(
        op=2, hwsrc=mac, psrc=addr, hwdst=p[ARP].hwsrc,
        pdst=p[ARP].psrc)))
    return True
