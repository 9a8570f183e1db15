#!/usr/bin/python3
"""Helper of regress/osmatch: pick personalities, write the honeyd
configuration for them, and judge what nmap -O made of them.

    osmatch.py pick  --prints FILE [-n N] [--seed S] [--name NAME]...
    osmatch.py conf  --names FILE --net A.B.C.0 > honeyd.conf
    osmatch.py report --prints FILE --names FILE --net A.B.C.0 --xml X

pick prints fingerprint names one a line: the names given, else N
drawn (without repeats, reproducibly for a seed) from the distinct
names of the file.  Where a file repeats a name, honeyd uses the most
typical entry of that name; nmap names hosts by name, so this tool
scores against the entry of that name that fits best.

report prints per personality its address, the configured name and
nmap's best guesses with their accuracy, then the totals:
    exact   the configured fingerprint is among nmap's guesses of the
            top accuracy, or scores equal to them (scored here as nmap
            does, with the MatchPoints of the system's nmap-os-db)
    family  a top guess shares a vendor and OS family (Class lines)
    none    neither
For the others it lists the tests where nmap's fingerprint of the host
differs from the configured one.  Exit status: 0 if all were exact,
1 otherwise, 2 on errors.
"""

import argparse
import ipaddress
import random
import re
import sys
import xml.etree.ElementTree as ET
from toolmain import run

NMAP_OS_DB = "/usr/share/nmap/nmap-os-db"
TESTS = ("SEQ", "OPS", "WIN", "ECN", "T1", "T2", "T3", "T4", "T5", "T6",
         "T7", "U1", "IE")
LINE_RE = re.compile(r"^([A-Z][A-Z0-9]*)\((.*)\)$")


class Fingerprint:
    def __init__(self, name):
        self.name = name
        self.classes = []       # (vendor, family, generation, type)
        self.tests = {}         # test -> {attr: expression}
        self.entries = [self]   # the first of a name: all of that name


def parse_avs(body):
    avs = {}
    for kv in body.split("%"):
        if not kv:
            continue
        k, _, v = kv.partition("=")
        avs[k] = v
    return avs


def load_prints(path):
    """Fingerprints of a file in order, the first of each name."""
    fps, seen, cur, skipping = [], {}, None, False
    with open(path, encoding="latin-1") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith("MatchPoints"):
                skipping, cur = True, None
                continue
            if line.startswith("Fingerprint "):
                skipping = False
                name = line[len("Fingerprint "):].strip()
                cur = Fingerprint(name)
                if name not in seen:
                    seen[name] = cur
                    fps.append(cur)
                else:
                    seen[name].entries.append(cur)
                continue
            if cur is None or skipping:
                continue
            if line.startswith("Class "):
                cur.classes.append(tuple(
                    x.strip() for x in line[len("Class "):].split("|")))
                continue
            m = LINE_RE.match(line)
            if m:
                cur.tests[m.group(1)] = parse_avs(m.group(2))
    return fps


def load_matchpoints(path=NMAP_OS_DB):
    points, inmp = {}, False
    with open(path, encoding="latin-1") as f:
        for line in f:
            line = line.strip()
            if line.startswith("MatchPoints"):
                inmp = True
                continue
            if not inmp:
                continue
            m = LINE_RE.match(line)
            if not m:
                if points:
                    break
                continue
            points[m.group(1)] = {k: int(v) for k, v in
                                  parse_avs(m.group(2)).items()}
    return points


def hexval(s):
    try:
        return int(s, 16)
    except ValueError:
        return None


def expr_match(expr, value):
    """nmap's test: value (as nmap prints it) against an expression."""
    v = hexval(value)
    for alt in expr.split("|"):
        if alt == value:
            return True
        if v is None or not alt:
            continue
        if alt[0] == ">" and hexval(alt[1:]) is not None:
            if v > hexval(alt[1:]):
                return True
        elif alt[0] == "<" and hexval(alt[1:]) is not None:
            if v < hexval(alt[1:]):
                return True
        elif "-" in alt:
            lo, _, hi = alt.partition("-")
            if hexval(lo) is not None and hexval(hi) is not None and \
                    hexval(lo) <= v <= hexval(hi):
                return True
        elif hexval(alt) is not None and hexval(alt) == v:
            return True
    return False


def score(ref, obs, points):
    """(points matched, points possible, mismatches) as nmap counts."""
    got = total = 0
    bad = []
    for test, avs in ref.tests.items():
        if test not in obs:
            continue
        for attr, expr in avs.items():
            if attr not in obs[test]:
                continue
            p = points.get(test, {}).get(attr, 0)
            total += p
            if expr_match(expr, obs[test][attr]):
                got += p
            else:
                bad.append("%s.%s=%s (want %s)" % (test, attr,
                                                  obs[test][attr], expr))
    return got, total, bad


def best_score(fp, obs, points):
    """score() of the entry of fp's name that fits obs best."""
    return max((score(e, obs, points) for e in fp.entries),
               key=lambda s: s[0] / s[1] if s[1] else 0)


def parse_observed(text):
    """nmap's printed fingerprint (OS: prefixes and all) to tests."""
    text = "".join(l[3:] if l.startswith("OS:") else l
                   for l in text.splitlines())
    tests = {}
    for m in re.finditer(r"([A-Z][A-Z0-9]*)\(([^)]*)\)", text):
        if m.group(1) in TESTS:
            tests[m.group(1)] = parse_avs(m.group(2))
    return tests


def addresses(net, n):
    base = int(ipaddress.IPv4Address(net))
    # x.y.z.1 .. x.y.z.250, then the next /24.
    return [str(ipaddress.IPv4Address(base + (i // 250) * 256 + i % 250 + 1))
            for i in range(n)]


def read_names(path):
    with open(path, encoding="latin-1") as f:
        return [l.rstrip("\r\n") for l in f if l.strip()]


def cmd_pick(a):
    names = [fp.name for fp in load_prints(a.prints)]
    if a.name:
        missing = [n for n in a.name if n not in names]
        if missing:
            print("osmatch: not in %s: %s" % (a.prints, "; ".join(missing)),
                  file=sys.stderr)
            return 2
        out = a.name
    else:
        rnd = random.Random(a.seed)
        out = rnd.sample(names, min(a.n, len(names)))
    for n in out:
        print(n)
    return 0


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def cmd_conf(a):
    names = read_names(a.names)
    print("create default")
    print("set default default tcp action reset")
    print("set default default udp action reset")
    print("set default default icmp action open")
    for i, (name, addr) in enumerate(zip(names, addresses(a.net,
                                                          len(names)))):
        t = "p%d" % (i + 1)
        print()
        print("create %s" % t)
        print("set %s personality %s" % (t, quote(name)))
        print("set %s default tcp action reset" % t)
        print("set %s default udp action reset" % t)
        print("set %s default icmp action open" % t)
        print("add %s tcp port 22 open" % t)
        print("add %s tcp port 80 open" % t)
        print("bind %s %s" % (addr, t))
    return 0


def nmap_results(path):
    """address -> (list of (name, accuracy, classes), observed text)."""
    res = {}
    for host in ET.parse(path).getroot().iter("host"):
        addr = None
        for ad in host.iter("address"):
            if ad.get("addrtype") == "ipv4":
                addr = ad.get("addr")
        matches, fptext = [], ""
        for m in host.iter("osmatch"):
            classes = [(c.get("vendor", ""), c.get("osfamily", ""))
                       for c in m.iter("osclass")]
            matches.append((m.get("name"), int(m.get("accuracy", "0")),
                            classes))
        for f in host.iter("osfingerprint"):
            fptext = f.get("fingerprint", "")
        res[addr] = (matches, fptext)
    return res


def judge(fp, byname, matches, obs, points):
    """'exact', 'family' or 'none', and mismatch notes."""
    notes = []
    if not matches:
        return "none", notes
    top = max(acc for _, acc, _ in matches)
    topnames = [n for n, acc, _ in matches if acc == top]
    mine = best_score(fp, obs, points) if obs else None
    if mine:
        notes = mine[2]
    if fp.name in topnames:
        return "exact", notes
    if mine and mine[1]:
        best = max((best_score(byname[n], obs, points) for n in topnames
                    if n in byname), default=None,
                   key=lambda s: s[0] / s[1] if s[1] else 0)
        if best and best[1] and mine[0] * best[1] >= best[0] * mine[1]:
            return "exact", notes
    fam = {(v, f) for v, f, *_ in fp.classes}
    for n, acc, classes in matches:
        if acc == top and fam & set(classes):
            return "family", notes
    return "none", notes


def cmd_report(a):
    byname = {fp.name: fp for fp in load_prints(a.prints)}
    names = read_names(a.names)
    points = load_matchpoints(a.matchpoints)
    res = nmap_results(a.xml)
    tally = {"exact": 0, "family": 0, "none": 0}
    for name, addr in zip(names, addresses(a.net, len(names))):
        fp = byname[name]
        matches, fptext = res.get(addr, ([], ""))
        obs = parse_observed(fptext) if fptext else None
        verdict, notes = judge(fp, byname, matches, obs, points)
        tally[verdict] += 1
        print("%-15s %-6s %s" % (addr, verdict, name))
        guesses = ", ".join("%s (%d%%)" % (n, acc)
                            for n, acc, _ in matches[:4])
        print("%22s nmap: %s" % ("", guesses or "no guess"))
        if verdict != "exact" or a.verbose:
            for n in notes[:12]:
                print("%22s   %s" % ("", n))
    n = len(names)
    print("total %d: exact %d (%.0f%%), family %d, none %d" % (
        n, tally["exact"], 100.0 * tally["exact"] / max(n, 1),
        tally["family"], tally["none"]))
    print("exact or same family: %d (%.0f%%)" % (
        tally["exact"] + tally["family"],
        100.0 * (tally["exact"] + tally["family"]) / max(n, 1)))
    return 0 if tally["exact"] == n else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pick")
    p.add_argument("--prints", required=True)
    p.add_argument("-n", type=int, default=12)
    p.add_argument("--seed", default="1")
    p.add_argument("--name", action="append")
    p = sub.add_parser("conf")
    p.add_argument("--names", required=True)
    p.add_argument("--net", required=True)
    p = sub.add_parser("report")
    p.add_argument("--prints", required=True)
    p.add_argument("--names", required=True)
    p.add_argument("--net", required=True)
    p.add_argument("--xml", required=True)
    p.add_argument("--matchpoints", default=NMAP_OS_DB)
    p.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    try:
        return {"pick": cmd_pick, "conf": cmd_conf,
                "report": cmd_report}[a.cmd](a)
    except (OSError, ET.ParseError, KeyError) as e:
        print("osmatch: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    run(main)
