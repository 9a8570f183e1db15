#!/usr/bin/python3
"""Run one real TCP connection from the attacker namespace and report
what went over the wire.

The local kernel does the TCP (so nothing answers the target's segments
with a reset behind our back); a packet socket on --iface records every
segment of the connection, both ways.  Steps: connect, optionally send
--data, half-close (FIN), wait up to --timeout for the target to
acknowledge the FIN (and, with --wait-fin, for its own FIN), close.

Prints key=value lines for the test to assert on:

    connect=ok|refused|timeout|error
    syn_seq=N           our initial sequence number
    synack=0|1          a SYN+ACK came back
    synack_ack_ok=0|1   ... and it acknowledged syn_seq+1
    fin_seq=N           sequence number of our FIN
    fin_acked=0|1       the target sent ack = fin_seq+1
    peer_fin=0|1        the target sent a FIN
    peer_rst=0|1        the target sent a RST
    seg in|out flags=.. seq=.. ack=.. len=..   (every segment, in order)

Exit status: 0 if the connection was established, 1 if not, 2 on errors.
"""

import argparse
import struct
import socket
import time

from rawlink import frames, open_link
from toolmain import run


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-i", "--iface", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--dport", type=int, required=True)
    ap.add_argument("--data", default="")
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--wait-fin", action="store_true",
                    help="also wait for the target's own FIN")
    a = ap.parse_args()
    if not 0 < a.timeout <= 30:
        ap.error("--timeout must be in (0, 30]")
    return a


def parse_tcp(frame):
    """(src, dst, sport, dport, flags, seq, ack, paylen) or None."""
    if len(frame) < 14 + 20 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[0] >> 4 != 4 or ip[9] != 6 or len(ip) < ihl + 20:
        return None
    total = struct.unpack("!H", ip[2:4])[0]
    tcp = ip[ihl:]
    sport, dport, seq, ack, off_flags = struct.unpack("!HHIIH", tcp[:14])
    doff = (off_flags >> 12) * 4
    flags = off_flags & 0x3F
    src = socket.inet_ntoa(ip[12:16])
    dst = socket.inet_ntoa(ip[16:20])
    return src, dst, sport, dport, flags, seq, ack, max(0, total - ihl - doff)


def flagstr(f):
    return "".join(c for c, bit in zip("FSRPAU", range(6)) if f & (1 << bit)) \
        or "."


class Recorder:
    def __init__(self, iface, dst, dport):
        self.s = open_link(iface)
        self.dst, self.dport = dst, dport
        self.lport = None
        self.segs = []          # (dir, flags, seq, ack, len)

    def drain(self, until, stop=None):
        """Record segments until the deadline or until stop() is true."""
        if stop is not None and stop():
            return True
        for data in frames(self.s, until, outgoing=True, poll=0.05):
            if stop is not None and stop():
                return True
            if data is None:
                continue
            t = parse_tcp(data)
            if t is None:
                continue
            src, dst, sport, dport, flags, seq, ack, n = t
            if self.lport is None:
                continue
            if dst == self.dst and dport == self.dport and \
                    sport == self.lport:
                self.segs.append(("out", flags, seq, ack, n))
            elif src == self.dst and sport == self.dport and \
                    dport == self.lport:
                self.segs.append(("in", flags, seq, ack, n))
        return stop is not None and stop()


SYN, FIN, RST, ACK = 0x02, 0x01, 0x04, 0x10


def main():
    a = parse_args()
    rec = Recorder(a.iface, a.dst, a.dport)
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.bind(("0.0.0.0", 0))
    rec.lport = c.getsockname()[1]
    c.settimeout(a.timeout)
    result = "ok"
    try:
        c.connect((a.dst, a.dport))
    except ConnectionRefusedError:
        result = "refused"
    except socket.timeout:
        result = "timeout"
    except OSError as exc:
        result = "error"
        print("connect_error=%s" % exc.strerror)
    deadline = time.monotonic() + a.timeout

    def out_fin():
        return [s for s in rec.segs if s[0] == "out" and s[1] & FIN]

    def fin_acked():
        f = out_fin()
        if not f:
            return False
        want = (f[0][2] + f[0][4] + 1) & 0xFFFFFFFF
        return any(s[0] == "in" and s[1] & ACK and s[3] == want
                   for s in rec.segs)

    def peer_fin():
        return any(s[0] == "in" and s[1] & FIN for s in rec.segs)

    if result == "ok":
        if a.data:
            c.sendall(a.data.encode())
        c.shutdown(socket.SHUT_WR)
        if a.wait_fin:
            rec.drain(deadline, lambda: fin_acked() and peer_fin())
        else:
            rec.drain(deadline, fin_acked)
    # Collect what is still in flight (bounded), then let go.
    rec.drain(time.monotonic() + 0.3)
    c.close()
    rec.drain(time.monotonic() + 0.2)

    syns = [s for s in rec.segs if s[0] == "out" and s[1] & SYN]
    print("connect=%s" % result)
    print("lport=%d" % rec.lport)
    synack_ok = 0
    if syns:
        isn = syns[0][2]
        print("syn_seq=%d" % isn)
        sa = [s for s in rec.segs
              if s[0] == "in" and s[1] & SYN and s[1] & ACK]
        print("synack=%d" % (1 if sa else 0))
        synack_ok = 1 if any(s[3] == (isn + 1) & 0xFFFFFFFF for s in sa) \
            else 0
    else:
        print("synack=0")
    print("synack_ack_ok=%d" % synack_ok)
    f = out_fin()
    if f:
        print("fin_seq=%d" % ((f[0][2] + f[0][4]) & 0xFFFFFFFF))
    print("fin_acked=%d" % (1 if fin_acked() else 0))
    print("peer_fin=%d" % (1 if peer_fin() else 0))
    print("peer_rst=%d" % (1 if any(s[0] == "in" and s[1] & RST
                                    for s in rec.segs) else 0))
    for d, fl, seq, ack, n in rec.segs:
        print("seg %s flags=%s seq=%d ack=%d len=%d"
              % (d, flagstr(fl), seq, ack, n))
    return 0 if result == "ok" else 1


if __name__ == "__main__":
    run(main)
