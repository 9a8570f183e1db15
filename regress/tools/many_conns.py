#!/usr/bin/python3
"""Open N connections to one TCP service at once and wait until every
one has received a line matching --expect (its banner); all stay open
until then, so the service runs N times concurrently.

Prints connected=C banners=B (and failed=... for the others).
Exit status: 0 if all N got their banner, 1 if not, 2 on errors.
"""

import argparse
import errno
import re
import selectors
import socket
import sys
import time
from toolmain import run


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("--expect", default=".")
    ap.add_argument("--timeout", type=float, default=60.0)
    a = ap.parse_args()
    if not 0 < a.count <= 5000 or not 0 < a.timeout <= 300:
        ap.error("count in (0, 5000], timeout in (0, 300]")
    rx = re.compile(a.expect.encode())
    sel = selectors.DefaultSelector()
    conns = {}
    for _ in range(a.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex((a.host, a.port))
        if err not in (0, errno.EINPROGRESS):
            print("connect: %s" % errno.errorcode.get(err, err))
            s.close()
            continue
        conns[s] = b""
        sel.register(s, selectors.EVENT_READ)
    got, dead = set(), set()
    deadline = time.monotonic() + a.timeout
    while len(got) + len(dead) < len(conns) and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            try:
                b = s.recv(4096)
            except OSError:
                b = b""
            if not b:
                sel.unregister(s)
                if s not in got:
                    dead.add(s)
                continue
            conns[s] += b
            if s not in got and rx.search(conns[s]):
                got.add(s)
                sel.unregister(s)
    print("connected=%d" % len(conns))
    print("banners=%d" % len(got))
    print("failed=%d" % (len(conns) - len(got)))
    for s in conns:
        s.close()
    return 0 if len(got) == a.count else 1


if __name__ == "__main__":
    run(main, out=sys.stdout)
