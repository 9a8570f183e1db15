#!/usr/bin/python3
"""Check a honeyd JSON event log (-j) against the fields honeyd.8
documents: every line one object, "time" RFC 3339 UTC, a known
"event", each event's fields present with their types, nothing
undocumented.  Prints "EVENT N" counts; exit 1 on the first violation
(printed with its line number) or when there is no event at all, 2 on
errors.
"""

import json
import re
import sys
from toolmain import run

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
IP = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
S, I, F, B = "str", "int", "num", "bool"
FLOW = {"proto": S, "src_ip": "ip", "src_port": I, "dst_ip": "ip",
        "dst_port": I}
EVENTS = {
    "connection_start": (dict(FLOW, conn_id=I, size=I, template=S,
                              action=S), {"personality": S, "tarpit": B,
                                         "src_os": S}),
    "connection_end": (dict(FLOW, conn_id=I, bytes_in=I, bytes_out=I,
                            duration=F, reason=S), {}),
    "probe": (dict(FLOW, size=I, port_state=S), {"flags": S, "src_os": S}),
    "scan": (dict(FLOW, size=I, port_state=S, flags=S, scan=S),
             {"src_os": S}),
    "icmp": ({"proto": S, "src_ip": "ip", "dst_ip": "ip", "icmp_type": I,
              "icmp_code": I, "size": I}, {}),
    "service_start": (dict(FLOW, conn_id=I, pid=I, uid=I, gid=I,
                           command=S), {}),
    "service_exit": (dict(FLOW, conn_id=I, pid=I, reason=S, duration=F),
                     {"exit_status": I, "signal": I}),
    "service_refused": (dict(FLOW, conn_id=I, reason=S), {}),
    "proxy_start": (dict(FLOW, conn_id=I, target_ip="ip",
                         target_port=I), {}),
    "proxy_failed": (dict(FLOW, conn_id=I, reason=S), {}),
    "arp_conflict": ({"ip": "ip", "mac": S, "was": S}, {}),
}


def typed(v, t):
    if t == S:
        return isinstance(v, str)
    if t == "ip":
        return isinstance(v, str) and IP.match(v) is not None
    if t == I:
        return isinstance(v, int) and not isinstance(v, bool)
    if t == F:
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, bool)


def check(o):
    if not isinstance(o, dict):
        return "not an object"
    if not TIME.match(str(o.get("time", ""))):
        return "bad time %r" % o.get("time")
    ev = o.get("event")
    if ev not in EVENTS:
        return "unknown event %r" % ev
    need, opt = EVENTS[ev]
    for k, t in need.items():
        if k not in o or not typed(o[k], t):
            return "%s: field %s missing or not %s" % (ev, k, t)
    for k in o:
        if k in ("time", "event") or k in need:
            continue
        if k not in opt or not typed(o[k], opt[k]):
            return "%s: undocumented or mistyped field %s" % (ev, k)
    if ev == "service_exit" and ("exit_status" in o) == ("signal" in o):
        return "service_exit: exactly one of exit_status, signal"
    return None


def main():
    counts = {}
    with open(sys.argv[1], encoding="ascii") as f:
        for n, line in enumerate(f, 1):
            try:
                o = json.loads(line)
            except ValueError as exc:
                print("line %d: not JSON: %s" % (n, exc))
                return 1
            err = check(o)
            if err:
                print("line %d: %s" % (n, err))
                return 1
            counts[o["event"]] = counts.get(o["event"], 0) + 1
    if not counts:
        print("no event at all")
        return 1
    for ev in sorted(counts):
        print("%s %d" % (ev, counts[ev]))
    return 0


if __name__ == "__main__":
    run(main, out=sys.stdout)
