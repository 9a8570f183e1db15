#!/usr/bin/env python3
"""A small client of honeyd's control socket, for the tests.

It sends IMSG_CTL_* requests and reads the IMSG_CTL_RECORD messages of
the answer up to IMSG_CTL_END or IMSG_CTL_ERROR (the framing and the
records: imsgwire.py).

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
import socket
import struct
import sys
import time

import imsgwire
from imsgwire import Reader, imsg_types, parse_record, text
from toolmain import run

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

T = imsg_types()
NAMES = {v: k for k, v in T.items()}


def compose(mtype, payload=b""):
    return imsgwire.compose(mtype, payload, pid=os.getpid())


def request(name, arg=None):
    payload = b"" if arg is None else arg.encode() + b"\0"
    return compose(T[REQUESTS[name]], payload)


def answer(rd):
    """Records up to END or ERROR: (records, end text, error text)."""
    recs = []
    while True:
        m = rd.get()
        if m is None:
            return recs, None, "connection closed"
        mtype, payload, _ = m
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
            mtype, payload, _ = m
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
    run(main, out=sys.stdout, fmt="result=error %s")
