#!/usr/bin/python3
"""Talk to a TCP service the way a person at a terminal would, from a
script read on stdin, one step a line:

    expect REGEX    wait until what arrived since the last match matches
    send TEXT       send TEXT and CR LF
    eof             wait until the service closes the connection

Every wait is bounded by --timeout.  Prints "step N ok: ..." lines;
on the first failure "failed at step N: ..." and what arrived.
Exit status: 0 if every step passed, 1 if one failed, 2 on errors.
"""

import argparse
import re
import socket
import sys
import time
from toolmain import run


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--timeout", type=float, default=5.0)
    a = ap.parse_args()
    steps = [l.rstrip("\n") for l in sys.stdin if l.strip()]
    s = socket.create_connection((a.host, a.port), timeout=a.timeout)
    buf = ""
    closed = False

    def more(deadline):
        nonlocal buf, closed
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            b = s.recv(4096)
        except socket.timeout:
            return False
        if not b:
            closed = True
            return False
        buf += b.decode("latin-1")
        return True

    for n, step in enumerate(steps, 1):
        verb, _, arg = step.partition(" ")
        deadline = time.monotonic() + a.timeout
        if verb == "send":
            s.sendall((arg + "\r\n").encode("latin-1"))
            print("step %d ok: sent %r" % (n, arg))
            continue
        if verb == "expect":
            rx = re.compile(arg)
            while not rx.search(buf):
                if closed or time.monotonic() >= deadline:
                    print("failed at step %d: expect %r" % (n, arg))
                    print("received: %r" % buf)
                    return 1
                more(deadline)
            m = rx.search(buf)
            print("step %d ok: got %r" % (n, m.group(0)))
            buf = buf[m.end():]
            continue
        if verb == "eof":
            while not closed and time.monotonic() < deadline:
                more(deadline)
            if not closed:
                print("failed at step %d: no close; received %r" % (n, buf))
                return 1
            print("step %d ok: closed" % n)
            continue
        print("bad step %d: %r" % (n, step), file=sys.stderr)
        return 2
    s.close()
    return 0


if __name__ == "__main__":
    run(main, out=sys.stdout)
