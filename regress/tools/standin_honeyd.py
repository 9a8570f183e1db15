#!/usr/bin/python3
"""A stand-in for honeyd, for testing the test harness only.

    HONEYD=regress/tools/standin_honeyd.py regress/netns/ping.sh

It takes honeyd's command line, understands the small part of the
configuration language the integration tests use (create, set ... default
PROTO action A, add ... PROTO port N A, bind), and answers on one
interface the way the tests expect honeyd to: ARP for claimed addresses,
ICMP echo, TCP SYN/RST/FIN per RFC 793 (no data transfer), UDP port
unreachable, and it drops packets with bad checksums or lengths.  It
mimics the process layout too: a root parent and a chrooted, unprivileged
engine with no capabilities and no_new_privs, which logs "engine ready".

It is not honeyd and is not installed; it lets the harness be checked
(and shows what each test asserts) before or apart from the daemon.
"""

import ctypes
import getopt
import ipaddress
import os
import pwd
import random
import select
import shlex
import signal
import socket
import struct
import subprocess
import sys
from toolmain import run

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
PR_SET_NO_NEW_PRIVS = 38
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def log(msg):
    sys.stderr.write("standin: %s\n" % msg)
    sys.stderr.flush()


def die(msg):
    log("fatal: " + msg)
    sys.exit(1)


def cksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def l4sum(src, dst, proto, seg):
    pseudo = src + dst + struct.pack("!BBH", 0, proto, len(seg))
    return cksum(pseudo + seg)


class Template:
    def __init__(self, name):
        self.name = name
        self.default = {"tcp": "reset", "udp": "reset", "icmp": "open"}
        self.ports = {"tcp": {}, "udp": {}}


def parse_config(path):
    templates, binds = {}, {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            try:
                w = shlex.split(line, comments=True)
            except ValueError as exc:
                die("%s:%d: %s" % (path, lineno, exc))
            if not w:
                continue
            if w[0] == "create" and len(w) == 2:
                templates[w[1]] = Template(w[1])
            elif w[0] == "set" and len(w) >= 3 and w[1] in templates:
                t = templates[w[1]]
                if w[2] == "default" and len(w) == 6 and w[4] == "action":
                    t.default[w[3]] = w[5]
                elif w[2] in ("personality", "uptime", "ethernet"):
                    pass
                else:
                    die("%s:%d: unsupported: %s" % (path, lineno, line))
            elif w[0] == "add" and len(w) == 6 and w[1] in templates \
                    and w[3] == "port":
                templates[w[1]].ports[w[2]][int(w[4])] = w[5]
            elif w[0] == "bind" and len(w) == 3 and w[2] in templates:
                binds[ipaddress.IPv4Address(w[1])] = templates[w[2]]
            else:
                die("%s:%d: unsupported: %s" % (path, lineno, line.strip()))
    return templates, binds


class Engine:
    def __init__(self, sock, mac, ifaddr, nets, templates, binds):
        self.sock, self.mac, self.ifaddr = sock, mac, ifaddr
        self.nets, self.templates, self.binds = nets, templates, binds
        self.conns = {}
        self.rnd = random.Random()

    def claimed(self, addr):
        a = ipaddress.IPv4Address(addr)
        return a != self.ifaddr and any(a in n for n in self.nets)

    def template(self, addr):
        a = ipaddress.IPv4Address(addr)
        return self.binds.get(a) or self.templates.get("default")

    def send_ip(self, ethdst, src, dst, proto, payload):
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload),
                          self.rnd.randrange(65536), 0, 64, proto, 0, src,
                          dst)
        hdr = hdr[:10] + struct.pack("!H", cksum(hdr)) + hdr[12:]
        frame = ethdst + self.mac + b"\x08\x00" + hdr + payload
        self.sock.send(frame)

    def frame(self, data):
        if len(data) < 14:
            return
        ethsrc, etype = data[6:12], data[12:14]
        if etype == b"\x08\x06":
            self.arp(ethsrc, data[14:])
        elif etype == b"\x08\x00":
            self.ip(ethsrc, data[14:])

    def arp(self, ethsrc, a):
        if len(a) < 28:
            return
        htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", a[:8])
        sha, spa, tpa = a[8:14], a[14:18], a[24:28]
        if (htype, ptype, hlen, plen, op) != (1, 0x0800, 6, 4, 1):
            return
        if not self.claimed(socket.inet_ntoa(tpa)):
            return
        reply = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + self.mac + tpa \
            + sha + spa
        self.sock.send(ethsrc + self.mac + b"\x08\x06" + reply)

    def ip(self, ethsrc, p):
        if len(p) < 20 or p[0] >> 4 != 4:
            return
        ihl = (p[0] & 0x0F) * 4
        total = struct.unpack("!H", p[2:4])[0]
        if ihl < 20 or total < ihl or total > len(p) or cksum(p[:ihl]):
            return
        if struct.unpack("!H", p[6:8])[0] & 0x3FFF:
            return                      # fragments: not here
        p = p[:total]
        src, dst, proto = p[12:16], p[16:20], p[9]
        if not self.claimed(socket.inet_ntoa(dst)):
            return
        t = self.template(socket.inet_ntoa(dst))
        if t is None:
            return
        seg = p[ihl:]
        if proto == 1:
            if len(seg) < 8 or cksum(seg) or seg[0] != 8:
                return
            if t.default.get("icmp", "open") != "open":
                return
            reply = b"\x00\x00\x00\x00" + seg[4:]
            reply = reply[:2] + struct.pack("!H", cksum(reply)) + reply[4:]
            self.send_ip(ethsrc, dst, src, 1, reply)
        elif proto == 6:
            if len(seg) < 20 or l4sum(src, dst, 6, seg):
                return
            self.tcp(ethsrc, src, dst, seg, t)
        elif proto == 17:
            if len(seg) < 8:
                return
            if struct.unpack("!H", seg[6:8])[0] and l4sum(src, dst, 17, seg):
                return
            dport = struct.unpack("!H", seg[2:4])[0]
            action = t.ports["udp"].get(dport, t.default.get("udp", "reset"))
            if action == "reset":
                quote = p[:ihl + 8]
                icmp = struct.pack("!BBHI", 3, 3, 0, 0) + quote
                icmp = icmp[:2] + struct.pack("!H", cksum(icmp)) + icmp[4:]
                self.send_ip(ethsrc, dst, src, 1, icmp)

    def send_tcp(self, ethsrc, src, dst, sport, dport, seq, ack, flags):
        seg = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                          ack & 0xFFFFFFFF, 5 << 4, flags,
                          5840 if not flags & RST else 0, 0, 0)
        seg = seg[:16] + struct.pack("!H", l4sum(src, dst, 6, seg)) + seg[18:]
        self.send_ip(ethsrc, src, dst, 6, seg)

    def tcp(self, ethsrc, src, dst, seg, t):
        sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB",
                                                           seg[:14])
        n = len(seg) - (off >> 4) * 4
        if n < 0:
            return
        key = (src, sport, dst, dport)
        conn = self.conns.get(key)
        action = t.ports["tcp"].get(dport, t.default.get("tcp", "reset"))
        if flags & RST:
            self.conns.pop(key, None)
            return
        if conn is None:
            if action == "block":
                return
            if flags & SYN and not flags & ACK and action == "open":
                isn = self.rnd.randrange(1, 1 << 32)
                self.conns[key] = {"snd": isn + 1, "rcv": seq + 1,
                                   "fin": False}
                self.send_tcp(ethsrc, dst, src, dport, sport, isn, seq + 1,
                              SYN | ACK)
            elif flags & ACK:
                self.send_tcp(ethsrc, dst, src, dport, sport, ack, 0, RST)
            else:
                slen = n + (1 if flags & SYN else 0) + \
                    (1 if flags & FIN else 0)
                self.send_tcp(ethsrc, dst, src, dport, sport, 0, seq + slen,
                              RST | ACK)
            return
        if flags & SYN:
            self.send_tcp(ethsrc, dst, src, dport, sport, conn["snd"] - 1,
                          conn["rcv"], SYN | ACK)
            return
        if conn["fin"] and flags & ACK and ack == conn["snd"] & 0xFFFFFFFF:
            del self.conns[key]
            return
        if n or flags & FIN:
            conn["rcv"] = seq + n + (1 if flags & FIN else 0)
            if flags & FIN and not conn["fin"]:
                self.send_tcp(ethsrc, dst, src, dport, sport, conn["snd"],
                              conn["rcv"], FIN | ACK)
                conn["snd"] += 1
                conn["fin"] = True
            else:
                self.send_tcp(ethsrc, dst, src, dport, sport, conn["snd"],
                              conn["rcv"], ACK)

    def run(self):
        while True:
            r, _, _ = select.select([self.sock], [], [], 1.0)
            if not r:
                continue
            data, addr = self.sock.recvfrom(65536)
            if addr[2] == PACKET_OUTGOING:
                continue
            self.frame(data)


def drop_privileges(user, root):
    pw = pwd.getpwnam(user)
    os.chroot(root)
    os.chdir("/")
    os.setgroups([])
    os.setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid)
    os.setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        die("prctl(NO_NEW_PRIVS) failed")


def main():
    try:
        opts, args = getopt.getopt(sys.argv[1:], "dnvVe:f:i:p:u:g:l:s:j:c:P:")
    except getopt.GetoptError as exc:
        die(str(exc))
    o = dict(opts)
    iface = o.get("-i") or die("need -i")
    templates, binds = parse_config(o.get("-f") or die("need -f"))
    if "-p" in o and not os.access(o["-p"], os.R_OK):
        die("cannot read %s" % o["-p"])
    nets = [ipaddress.IPv4Network(a, strict=False) for a in args]
    if not nets:
        die("no networks to claim")
    with open("/sys/class/net/%s/address" % iface) as f:
        mac = bytes.fromhex(f.read().strip().replace(":", ""))
    ifaddr = None
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "dev", iface],
                         capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        w = line.split()
        ifaddr = ipaddress.IPv4Interface(w[w.index("inet") + 1]).ip
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                         socket.htons(ETH_P_ALL))
    sock.bind((iface, 0))
    if "-P" in o:
        with open(o["-P"], "w") as f:
            f.write("%d\n" % os.getpid())
    log("listening on %s (%s), claiming %s" % (
        iface, ifaddr, " ".join(str(n) for n in nets)))
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
        drop_privileges(o.get("-u", "nobody"), "/var/empty")
        log("engine ready")
        Engine(sock, mac, ifaddr, nets, templates, binds).run()
        os._exit(0)
    sock.close()

    def stop(*_):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _, status = os.waitpid(pid, 0)
    if "-P" in o:
        try:
            os.unlink(o["-P"])
        except OSError:
            pass
    log("exiting")
    return 0 if os.waitstatus_to_exitcode(status) == 0 else 1


if __name__ == "__main__":
    run(main)
