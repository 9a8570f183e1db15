#!/usr/bin/python3
"""A fake honeyd control socket, for testing honeydctl on its own.

    fakectl.py SOCKET HONEYD_H REQUEST_LOG

Listens on the unix socket SOCKET (mode 0600) and answers each request
with canned records, the way honeyd's control.c would: IMSG_CTL_RECORD
messages (the encoding of honeyd/ctlrec.c), then IMSG_CTL_END or
IMSG_CTL_ERROR.  The message numbers are read from HONEYD_H's enum
imsg_type, so they follow the header.  Each request is appended to
REQUEST_LOG as one line, "TYPE_NAME payload" (payload as Python repr).

"show connections MODE" answers badly on purpose, MODE one of: badrec,
badfield, close, garbage, huge, badtype, hasfd, noend, emptyerror.
A statement containing "fail" is refused.  "monitor" sends a few events
and closes the connection.  The server exits after 120 idle seconds,
or when the process that started it is gone.
"""

import os
import socket
import sys

from imsgwire import HDR, Reader, compose, imsg_types, record
from toolmain import run

T = imsg_types(sys.argv[2])
NAMES = {v: k for k, v in T.items()}


def msg(type_, payload=b"", flags=0):
    return compose(type_, payload, flags)


def rec(kind, *fields):
    """fields: (type, key, value) with type 's', 'n' or 'b'."""
    return msg(T["IMSG_CTL_RECORD"], record(kind, *fields))


def end(text=None):
    return msg(T["IMSG_CTL_END"], b"" if text is None else
               text.encode() + b"\0")


def error(text):
    return msg(T["IMSG_CTL_ERROR"], text.encode() + b"\0")


def status():
    return rec("status", ("s", "version", "0.9-fake"),
               ("n", "uptime", "3600"), ("s", "config_file",
                                         "/etc/honeyd/honeyd.conf"),
               ("n", "hosts", "3"), ("b", "verbose", "false")) + end()


def stats():
    out = b""
    for proc, name, val in (("engine", "packets_in", "12345"),
                            ("engine", "packets_out", "999"),
                            ("engine", "tcp_connections", "7"),
                            ("parent", "frames_captured", "12400")):
        out += rec("counter", ("s", "name", name), ("s", "process", proc),
                   ("n", "value", val))
    return out + end()


def templates(arg):
    out = rec("template", ("s", "name", "web"),
              ("s", "personality", "Linux 2.6.32"), ("n", "ports", "3"),
              ("n", "hosts", "2"))
    if not arg:
        # Strings that need escaping: quotes, backslash, control
        # characters, valid UTF-8 and a byte that is not UTF-8.
        out += rec("template", ("s", "name", 'we"ird\\tab\there\x01'),
                   ("s", "personality", b"caf\xc3\xa9 \xff end"),
                   ("n", "ports", "0"), ("n", "hosts", "-1.5e3"))
    return out + end()


def hosts(arg):
    addrs = [arg] if arg else ["198.19.1.10", "198.19.1.11"]
    out = b""
    for a in addrs:
        out += rec("host", ("s", "address", a), ("s", "template", "web"),
                   ("n", "connections", "2"), ("b", "reachable", "true"))
    return out + end()


def binds():
    # bind records carry a field no table knows, and a new kind follows.
    return (rec("bind", ("s", "address", "198.19.1.10"),
                ("s", "template", "web"), ("s", "since", "boot")) +
            rec("gizmo", ("s", "colour", "blue"), ("n", "size", "3")) +
            end())


def connections(arg):
    bad = {
        "badrec": msg(T["IMSG_CTL_RECORD"], b"host\0sname\0unterminated"),
        "badfield": msg(T["IMSG_CTL_RECORD"], b"host\0xkey\0val\0"),
        "close": rec("connection", ("s", "proto", "tcp")),
        "garbage": b"\xff" * 7 + bytes(range(64)),
        "huge": HDR.pack(T["IMSG_CTL_RECORD"], 0x7fffffff, 0, 0, 0, 0),
        "badtype": msg(9999, b"x"),
        "hasfd": msg(T["IMSG_CTL_END"], b"", flags=1),
        "noend": rec("connection", ("s", "proto", "udp")) + b"\1\0",
        "emptyerror": msg(T["IMSG_CTL_ERROR"]),
    }
    if arg in bad:
        return bad[arg], True
    out = (rec("connection", ("s", "proto", "tcp"),
               ("s", "src_ip", "198.18.0.1"), ("n", "src_port", "40000"),
               ("s", "dst_ip", "198.19.1.10"), ("n", "dst_port", "80"),
               ("s", "state", "established")) +
           rec("summary", ("n", "total", "2")) +
           rec("connection", ("s", "proto", "udp"),
               ("s", "src_ip", "198.18.0.1"), ("n", "src_port", "5353"),
               ("s", "dst_ip", "198.19.1.11"), ("n", "dst_port", "53"),
               ("s", "state", "open")))
    return out + end(), False


def monitor():
    return (msg(T["IMSG_CTL_EVENT"],
                b'{"time":"2026-12-06T20:00:00.000Z","event":"connect",'
                b'"proto":"tcp","src_ip":"198.18.0.1","src_port":40000,'
                b'"open":true}\n') +
            msg(T["IMSG_CTL_EVENT"],
                b'{"time":"2026-12-06T20:00:01.000Z","event":"service",'
                b'"command":"sh \\"x\\"\\u00e9","exit":-1}') +
            msg(T["IMSG_CTL_EVENT"], b"not json \x1b[31m at all"))


def answer(type_, payload):
    """The bytes to send, and whether to close afterwards."""
    name = NAMES.get(type_, "?")
    arg = payload.rstrip(b"\0").decode("utf-8", "replace")
    if name == "IMSG_CTL_SHOW_STATUS":
        return status(), False
    if name == "IMSG_CTL_SHOW_STATS":
        return stats(), False
    if name == "IMSG_CTL_SHOW_TEMPLATES":
        return templates(arg), False
    if name == "IMSG_CTL_SHOW_HOSTS":
        return hosts(arg), False
    if name == "IMSG_CTL_SHOW_BINDS":
        return binds(), False
    if name == "IMSG_CTL_SHOW_ROUTES":
        return end(), False
    if name == "IMSG_CTL_SHOW_CONNECTIONS":
        return connections(arg)
    if name == "IMSG_CTL_SHOW_SERVICES":
        return end(), False
    if name == "IMSG_CTL_MONITOR":
        return monitor(), True
    if name == "IMSG_CTL_RELOAD":
        return end("reloaded " + (arg or "the configuration")), False
    if name in ("IMSG_CTL_LOG_VERBOSE", "IMSG_CTL_LOG_BRIEF"):
        return end(), False
    if name == "IMSG_CTL_CONFIG":
        if "fail" in arg:
            return error("line 1: syntax error near \"fail\""), False
        return end(), False
    return error("unknown request %d" % type_), False


def serve(conn, log):
    rd = Reader(conn)
    while True:
        try:
            m = rd.get()
        except ValueError:
            return
        if m is None:
            return
        type_, payload, _ = m
        with open(log, "a") as f:
            f.write("%s %r\n" % (NAMES.get(type_, type_), payload))
        data, close = answer(type_, payload)
        conn.sendall(data)
        if close:
            return


def main():
    path, log = sys.argv[1], sys.argv[3]
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path + ".new")
    os.chmod(path + ".new", 0o600)
    os.rename(path + ".new", path)
    srv.listen(8)
    srv.settimeout(1)
    parent, idle = os.getppid(), 0
    while True:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            # A test that died does not leave us behind for long.
            idle += 1
            if idle >= 120 or os.getppid() != parent:
                return
            continue
        idle = 0
        try:
            conn.settimeout(30)
            serve(conn, log)
        except OSError:
            pass
        finally:
            conn.close()


if __name__ == "__main__":
    run(main)
