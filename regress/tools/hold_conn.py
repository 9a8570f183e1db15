#!/usr/bin/python3
"""Hold one TCP connection to an echo service across an event: send a
line and read it back, wait until the file GO exists (bounded), then
send a second line and read it back on the same connection.

Prints before=ok|fail and after=ok|fail (and why); exit 0 if both
echoed.
"""

import argparse
import os
import socket
import time
from toolmain import run


def echo(sock, line, timeout):
    sock.settimeout(timeout)
    sock.sendall(line)
    got = b""
    end = time.monotonic() + timeout
    while not got.endswith(b"\n") and time.monotonic() < end:
        chunk = sock.recv(4096)
        if not chunk:
            break
        got += chunk
    return got == line


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("go", help="file whose existence starts the second echo")
    ap.add_argument("--wait", type=float, default=600.0)
    ap.add_argument("--timeout", type=float, default=10.0)
    a = ap.parse_args()
    if not 0 < a.wait <= 3600 or not 0 < a.timeout <= 60:
        ap.error("wait in (0, 3600], timeout in (0, 60]")
    try:
        sock = socket.create_connection((a.host, a.port), timeout=a.timeout)
        ok = echo(sock, b"before the storm\n", a.timeout)
    except OSError as e:
        print("before=fail (%s)" % e, flush=True)
        return 1
    print("before=%s" % ("ok" if ok else "fail"), flush=True)
    end = time.monotonic() + a.wait
    while not os.path.exists(a.go) and time.monotonic() < end:
        time.sleep(0.2)
    try:
        ok2 = echo(sock, b"after the storm\n", a.timeout)
    except OSError as e:
        print("after=fail (%s)" % e, flush=True)
        return 1
    print("after=%s" % ("ok" if ok2 else "fail"), flush=True)
    return 0 if ok and ok2 else 1


if __name__ == "__main__":
    run(main)
