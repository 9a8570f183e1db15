#!/usr/bin/env python3
"""A small client of honeyd's control socket, for the tests.

It speaks the protocol of honeyd/honeyd.h: imsg messages (a header of
type, len, flags, pad, peerid, pid, little endian, len counting header
and payload; each message padded with zeros to a multiple of 4) carrying
IMSG_CTL_* requests; the answer is IMSG_CTL_RECORD messages (ctlrec.c
records) ending with IMSG_CTL_END or IMSG_CTL_ERROR.  The message
numbers come from the enum in honeyd.h, read at run time.

    ctlclient.py [-s SOCK] status|stats|binds|routes|services|verbose|brief
    ctlclient.py [-s SOCK] templates|hosts|connections|reload|config [ARG]
    ctlclient.py [-s SOCK] monitor MASK [--count N] [--timeout S]
    ctlclient.py [-s SOCK] loop N REQUEST [ARG]   N answers, one connection
    ctlclient.py [-s SOCK] garbage BYTES          random bytes, then wait
    ctlclient.py [-s SOCK] hog SECONDS            requests, never reads
    ctlclient.py [-s SOCK] stall SECONDS          half a header, then wait

Records print as JSON objects, one a line, with "kind" first; the end
prints {"end": TEXT}, an error {"error": TEXT} (exit status 1).  The
stress modes print one line "result=..." instead.
"""

import argparse
import json
import os
import re
import socket
import struct
import sys
import time

HDR = struct.Struct("<IIHHII")
HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = os.path.join(HERE, "..", "..", "honeyd", "honeyd.h")

REQUESTS = {
    "status": "IMSG_CTL_SHOW_STATUS",
    "stats": "IMSG_CTL_SHOW_STATS",
    "templates": "IMSG_CTL_SHOW_TEMPLATES",
    "hosts": "IMSG_CTL_SHOW_HOSTS",
    "binds": "IMSG_CTL_SHOW_BINDS",
    "routes": "IMSG_CTL_SHOW_ROUTES",
    "connections": "IMSG_CTL_SHOW_CONNECTIONS",
    "services": "IMSG_CTL_SHOW_SERVICES",
    "reload": "IMSG_CTL_RELOAD",
    "verbose": "IMSG_CTL_LOG_VERBOSE",
    "brief": "IMSG_CTL_LOG_BRIEF",
    "config": "IMSG_CTL_CONFIG",
}


def imsg_types(path):
    """The numbers of enum imsg_type, by name."""
    text = open(path).read()
    m = re.search(r"enum imsg_type\s*{(.*?)};", text, re.S)
    if m is None:
        sys.exit("no enum imsg_type in " + path)
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    types, n = {}, 0
    for item in body.split(","):
        item = item.strip()
        if not item:
            continue
        if "=" in item:
            name, val = [x.strip() for x in item.split("=", 1)]
            n = int(val, 0)
        else:
            name = item
        types[name] = n
        n += 1
    return types


T = imsg_types(HEADER)
NAMES = {v: k for k, v in T.items()}


def compose(mtype, payload=b""):
    n = HDR.size + len(payload)
    msg = HDR.pack(mtype, n, 0, 0, 0, os.getpid()) + payload
    return msg + b"\0" * (-len(msg) % 4)


def request(name, arg=None):
    payload = b"" if arg is None else arg.encode() + b"\0"
    return compose(T[REQUESTS[name]], payload)


class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def get(self):
        """The next message (type, payload), or None at EOF."""
        while True:
            if len(self.buf) >= HDR.size:
                mtype, n, _, _, _, _ = HDR.unpack_from(self.buf)
                if n < HDR.size:
                    raise ValueError("bad header length %d" % n)
                whole = n + (-n % 4)
                if len(self.buf) >= whole:
                    payload = self.buf[HDR.size:n]
                    self.buf = self.buf[whole:]
                    return mtype, payload
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buf += data


def parse_record(data):
    """A ctlrec: kind, then (type byte, key, value) fields."""
    parts = data.split(b"\0")
    if parts[-1] != b"":
        raise ValueError("record not NUL-terminated")
    kind = parts[0].decode()
    out = {"kind": kind}
    rest = data[len(parts[0]) + 1:]
    while rest:
        ftype = chr(rest[0])
        key, val, rest = rest[1:].split(b"\0", 2)
        key, val = key.decode(), val.decode()
        if ftype == "n":
            out[key] = float(val) if ("." in val or "e" in val) \
                else int(val)
        elif ftype == "b":
            out[key] = val == "true"
        else:
            out[key] = val
    return out


def text(payload):
    return payload.rstrip(b"\0").decode(errors="replace")


def answer(rd):
    """Records up to END or ERROR: (records, end text, error text)."""
    recs = []
    while True:
        m = rd.get()
        if m is None:
            return recs, None, "connection closed"
        mtype, payload = m
        if mtype == T["IMSG_CTL_RECORD"]:
            recs.append(parse_record(payload))
        elif mtype == T["IMSG_CTL_END"]:
            return recs, text(payload), None
        elif mtype == T["IMSG_CTL_ERROR"]:
            return recs, None, text(payload)
        else:
            raise ValueError("unexpected message %s" %
                             NAMES.get(mtype, mtype))


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def one(a):
    s = connect(a.socket)
    s.sendall(request(a.cmd, a.arg[0] if a.arg else None))
    recs, end, err = answer(Reader(s))
    for r in recs:
        print(json.dumps(r))
    if err is not None:
        print(json.dumps({"error": err}))
        return 1
    print(json.dumps({"end": end}))
    return 0


def monitor(a):
    s = connect(a.socket)
    s.sendall(compose(T["IMSG_CTL_MONITOR"],
                      struct.pack("<I", int(a.arg[0], 0))))
    s.settimeout(a.timeout)
    rd, n = Reader(s), 0
    print("subscribed", flush=True)
    try:
        while n < a.count:
            m = rd.get()
            if m is None:
                break
            mtype, payload = m
            if mtype == T["IMSG_CTL_EVENT"]:
                print(payload.decode(), flush=True)
                n += 1
            elif mtype == T["IMSG_CTL_ERROR"]:
                print(json.dumps({"error": text(payload)}))
                return 1
    except socket.timeout:
        pass
    return 0 if n > 0 else 1


def loop(a):
    """N requests on one connection, each answer read whole."""
    n = int(a.arg[0])
    s = connect(a.socket)
    rd, ok, recs = Reader(s), 0, 0
    for _ in range(n):
        s.sendall(request(a.arg[1], a.arg[2] if len(a.arg) > 2 else None))
        r, end, err = answer(rd)
        if err is not None:
            break
        ok += 1
        recs += len(r)
    print("result=%s answers=%d records=%d" %
          ("ok" if ok == n else "fail", ok, recs))
    return 0 if ok == n else 1


def garbage(a):
    """Random bytes; the daemon must close this connection only."""
    s = connect(a.socket)
    data = os.urandom(int(a.arg[0]))
    try:
        s.sendall(data)
    except OSError:
        pass
    s.settimeout(5)
    try:
        closed = s.recv(1) == b""
    except ConnectionResetError:
        closed = True
    except socket.timeout:
        closed = False
    print("result=%s" % ("closed" if closed else "open"))
    return 0 if closed else 1


def hog(a):
    """Ask for much, read nothing, for a while: the daemon must cope."""
    s = connect(a.socket)
    s.setblocking(False)
    end = time.time() + float(a.arg[0])
    sent = 0
    req = request("stats")
    while time.time() < end:
        try:
            s.send(req)
            sent += 1
        except BlockingIOError:
            time.sleep(0.1)
        except OSError:
            break
    print("result=done sent=%d" % sent)
    return 0


def stall(a):
    """Half a header and silence: closed after the request timeout."""
    s = connect(a.socket)
    s.sendall(request("status")[:7])
    s.settimeout(float(a.arg[0]))
    t0 = time.time()
    try:
        closed = s.recv(1) == b""
    except socket.timeout:
        closed = False
    print("result=%s after=%.1f" % ("closed" if closed else "open",
                                    time.time() - t0))
    return 0 if closed else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-s", "--socket", default="/run/honeyd.sock")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("cmd")
    ap.add_argument("arg", nargs="*")
    a = ap.parse_args()
    if a.cmd == "monitor":
        return monitor(a)
    if a.cmd == "loop":
        return loop(a)
    if a.cmd == "garbage":
        return garbage(a)
    if a.cmd == "hog":
        return hog(a)
    if a.cmd == "stall":
        return stall(a)
    if a.cmd not in REQUESTS:
        ap.error("unknown request " + a.cmd)
    return one(a)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError) as e:
        print("result=error %s" % e)
        sys.exit(2)
