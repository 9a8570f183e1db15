#!/usr/bin/python3
"""A hand-driven TCP client for honeyd's TCP tests, from the attacker
namespace, at layer 2.

It uses a source address of its own (--src, not the namespace's, so the
local kernel never answers the target's segments with resets) and
answers ARP for it.  Scenarios:

  ooo      handshake; send the second half of --data, then the first;
           read what the service sends back and close.  Prints
           ack_after_second=N (the ACK the out-of-order piece got),
           ack_after_first=N, data=TEXT (what came back, in order),
           rel_* values relative to our initial sequence number.
  synack   send a SYN and never answer: print every SYN+ACK's arrival
           (synacks=N, gaps=G1,G2,... in seconds).
  mss      handshake offering --mss; read --bytes of what the service
           sends, acknowledging it.  Prints received=N max_seg=M.
  close    handshake to a service that writes and exits; when its FIN
           comes, send ours without acknowledging it (both close at
           once: CLOSING), then acknowledge it (TIME_WAIT) and send our
           FIN once more.  Prints fin_acked=0|1 (our FIN acknowledged
           while in CLOSING), timewait_ack=0|1 (the repeated FIN got an
           ACK from TIME_WAIT), rst=0|1.
  window   handshake to a service that does not read; send segments of up
           to 1000 bytes whenever the advertised window allows, until it is
           zero or --bytes were accepted.  Prints accepted=N win=W
           zero_window=0|1 and, after probing the zero window,
           probe_acked=0|1 (the probe got an ACK: the connection lives).

Exit status: 0 if the scenario ran, 1 if the target did not answer the
handshake, 2 on errors.
"""

import argparse
import random
import sys
import time

try:
    from scapy.all import IP, TCP, Ether, Raw
except ImportError as exc:
    print("tcp_raw.py: scapy missing: %s" % exc, file=sys.stderr)
    sys.exit(2)

from rawlink import answer_arp, frames, iface_mac, open_link
from toolmain import run


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", choices=["ooo", "synack", "window", "mss",
                                         "close"])
    ap.add_argument("-i", "--iface", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--dport", type=int, required=True)
    ap.add_argument("--data", default="helloworld")
    ap.add_argument("--bytes", type=int, default=400000)
    ap.add_argument("--mss", type=int, default=1460)
    ap.add_argument("--timeout", type=float, default=5.0)
    a = ap.parse_args()
    if not 0 < a.timeout <= 30:
        ap.error("--timeout must be in (0, 30]")
    return a


class Wire:
    def __init__(self, a):
        self.a = a
        self.mac = iface_mac(a.iface)
        self.s = open_link(a.iface, 1 << 22)
        self.sport = random.randrange(40000, 60000)
        self.iss = random.randrange(1, 2 ** 31)
        self.snd_nxt = self.iss
        self.rcv_nxt = 0

    def send(self, flags, seq=None, data=b"", win=65535):
        tcp = TCP(sport=self.sport, dport=self.a.dport, flags=flags,
                  seq=self.snd_nxt if seq is None else seq,
                  ack=self.rcv_nxt if "A" in flags else 0, window=win)
        if "S" in flags:
            tcp.options = [("MSS", self.a.mss)]
        pkt = Ether(src=self.mac, dst=self.a.dst_mac) / \
            IP(src=self.a.src, dst=self.a.dst) / tcp
        if data:
            pkt = pkt / Raw(data)
        self.s.send(bytes(pkt))

    def recv(self, until):
        """The next segment of our connection before the deadline, or
        None; ARP requests for our address are answered on the way."""
        for data in frames(self.s, until):
            try:
                p = Ether(data)
            except Exception:  # noqa: BLE001
                continue
            if answer_arp(self.s, self.mac, self.a.src, p):
                continue
            if IP in p and TCP in p and p[IP].src == self.a.dst and \
                    p[IP].dst == self.a.src and \
                    p[TCP].sport == self.a.dport and \
                    p[TCP].dport == self.sport:
                return p[TCP]
        return None

    def handshake(self):
        self.send("S")
        end = time.monotonic() + self.a.timeout
        while True:
            t = self.recv(end)
            if t is None:
                return None
            if "S" in t.flags and "A" in t.flags:
                self.snd_nxt = self.iss + 1
                self.rcv_nxt = (t.seq + 1) & 0xFFFFFFFF
                self.send("A")
                return t


def rel(w, ack):
    return (ack - w.iss) & 0xFFFFFFFF


def scenario_ooo(a, w):
    data = a.data.encode()
    half = len(data) // 2
    end = time.monotonic() + a.timeout
    w.send("PA", seq=w.snd_nxt + half, data=data[half:])
    t = w.recv(end)
    print("ack_after_second=%d" % (rel(w, t.ack) if t else -1))
    w.send("PA", seq=w.snd_nxt, data=data[:half])
    got = b""
    acked = None
    while time.monotonic() < end and (acked is None or len(got) <
                                      len(data)):
        t = w.recv(end)
        if t is None:
            break
        if acked is None and "A" in t.flags and \
                rel(w, t.ack) > half:
            acked = rel(w, t.ack)
        payload = bytes(t.payload)
        if payload and t.seq == w.rcv_nxt:
            got += payload
            w.rcv_nxt = (w.rcv_nxt + len(payload)) & 0xFFFFFFFF
            w.snd_nxt = (w.iss + 1 + len(data)) & 0xFFFFFFFF
            w.send("A")
    print("ack_after_first=%d" % (acked if acked is not None else -1))
    print("data=%s" % got.decode(errors="replace"))
    w.snd_nxt = (w.iss + 1 + len(data)) & 0xFFFFFFFF
    w.send("RA")
    return 0


def scenario_synack(a, w):
    w.send("S")
    times = []
    end = time.monotonic() + a.timeout
    while True:
        t = w.recv(end)
        if t is None:
            break
        if "S" in t.flags and "A" in t.flags:
            times.append(time.monotonic())
    gaps = [times[i + 1] - times[i] for i in range(len(times) - 1)]
    print("synacks=%d" % len(times))
    print("gaps=%s" % ",".join("%.2f" % g for g in gaps))
    w.snd_nxt = w.iss + 1
    w.send("R", seq=w.iss + 1)
    return 0 if times else 1


def scenario_window(a, w, syn):
    wscale = 0
    for o in syn.options:
        if o[0] == "WScale":
            wscale = o[1]
    una = w.snd_nxt
    wnd = syn.window
    base = w.snd_nxt
    chunk = b"x" * 1000
    end = time.monotonic() + a.timeout
    zero = False
    while time.monotonic() < end and (w.snd_nxt - base) < a.bytes:
        room = (una + wnd - w.snd_nxt) & 0xFFFFFFFF
        if 0 < room < 2 ** 31:
            n = min(room, len(chunk))
            w.send("A", data=chunk[:n])
            w.snd_nxt = (w.snd_nxt + n) & 0xFFFFFFFF
            continue
        t = w.recv(min(end, time.monotonic() + 0.5))
        if t is None:
            if zero:
                break
            # Nothing came: resend from the last ACK (go-back-N).
            w.snd_nxt = una
            continue
        if "A" in t.flags:
            una = t.ack
            wnd = t.window << wscale
            zero = wnd == 0
            if zero and una == w.snd_nxt:
                break
    accepted = (una - base) & 0xFFFFFFFF
    print("accepted=%d" % accepted)
    print("win=%d" % wnd)
    print("zero_window=%d" % (1 if wnd == 0 else 0))
    # A zero window probe: one byte past the window gets an ACK.
    probe_acked = 0
    if wnd == 0:
        w.snd_nxt = una
        w.send("A", data=b"p")
        t = w.recv(time.monotonic() + 2)
        probe_acked = 1 if t is not None and "A" in t.flags else 0
    print("probe_acked=%d" % probe_acked)
    w.send("RA", seq=una)
    return 0


def scenario_mss(a, w):
    got = 0
    biggest = 0
    end = time.monotonic() + a.timeout
    while got < a.bytes and time.monotonic() < end:
        t = w.recv(end)
        if t is None:
            break
        n = len(bytes(t.payload))
        if n and t.seq == w.rcv_nxt:
            got += n
            biggest = max(biggest, n)
            w.rcv_nxt = (w.rcv_nxt + n) & 0xFFFFFFFF
            w.send("A")
    print("received=%d" % got)
    print("max_seg=%d" % biggest)
    w.send("RA")
    return 0


def wait_ack(w, end):
    """Wait until the target acknowledges snd_nxt, or until end.
    Returns (1 if it did, 1 if a reset came meanwhile)."""
    rst = 0
    while time.monotonic() < end:
        t = w.recv(min(end, time.monotonic() + 2))
        if t is None:
            break
        rst |= 1 if "R" in t.flags else 0
        if "A" in t.flags and t.ack == w.snd_nxt:
            return 1, rst
    return 0, rst


def scenario_close(a, w):
    end = time.monotonic() + a.timeout
    fin_seq = None
    rst = 0
    while fin_seq is None and time.monotonic() < end:
        t = w.recv(end)
        if t is None:
            break
        n = len(bytes(t.payload))
        if t.seq == w.rcv_nxt:
            w.rcv_nxt = (w.rcv_nxt + n) & 0xFFFFFFFF
            if "F" in t.flags:
                fin_seq = w.rcv_nxt
    if fin_seq is None:
        print("no_fin=1")
        return 1
    # Our FIN, acknowledging the data but not theirs.
    w.send("FA")
    ours = w.snd_nxt
    w.snd_nxt = (w.snd_nxt + 1) & 0xFFFFFFFF
    fin_acked, r = wait_ack(w, end)
    rst |= r
    print("fin_acked=%d" % fin_acked)
    # Now theirs, then our FIN again as if our ACK of it were lost.
    w.rcv_nxt = (fin_seq + 1) & 0xFFFFFFFF
    w.send("A")
    time.sleep(0.2)
    w.send("FA", seq=ours)
    timewait_ack, r = wait_ack(w, end)
    rst |= r
    print("timewait_ack=%d" % timewait_ack)
    print("rst=%d" % rst)
    return 0


def main():
    a = parse_args()
    w = Wire(a)
    if a.scenario == "synack":
        return scenario_synack(a, w)
    syn = w.handshake()
    if syn is None:
        print("handshake=timeout")
        return 1
    print("handshake=ok")
    if a.scenario == "ooo":
        return scenario_ooo(a, w)
    if a.scenario == "mss":
        return scenario_mss(a, w)
    if a.scenario == "close":
        return scenario_close(a, w)
    return scenario_window(a, w, syn)


if __name__ == "__main__":
    run(main)
