#!/usr/bin/python3
"""The maps of files in the READMEs against the tree.

    regress/maps.py          (from anywhere; run.sh runs it with the units)

The top-level README's "Architecture" map and regress/README's "What is
here" list every file of the directories named in MAPS below, one entry
each.  An entry is a line indented two more than its directory's line
("dir/"), its names first, then two spaces and what the file is:

    honeyd/             the daemon
      tcp.c tcp.h       engine: the TCP state machine

A name stands for the file of that name or with an extension added
(regress/README says "ping" for netns/ping.sh, "test_ipfrag" for
unit/test_ipfrag.c).  This prints a check for each directory, that every
file is listed, that every name is a file, that no file is listed twice,
and ends with the tally "N passed, M failed".  A file added, removed or
renamed is one line in the README; a directory to map is one line here.
"""

import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(
    os.path.abspath(__file__)), ".."))

# (README, first line of the map, the line after it, the directory the
# map's names are relative to, the directories it must list whole; ""
# is that directory's own files, at the map's outer indentation).
MAPS = [
    ("README", "Architecture", "Processes:", "",
     ["honeyd", "privsep"]),
    ("regress/README", "What is here", "Integration tests", "regress",
     ["", "unit", "lib", "netns", "tools"]),
]

# Never listed: what builds and editors leave.
IGNORE = re.compile(r"(^\.|~$|\.pyc$|\.tmp$)")

passed = failed = 0


def check(desc, bad):
    """A check: passes if bad (a list of offending names) is empty."""
    global passed, failed
    if not bad:
        passed += 1
        print("ok - %s" % desc)
    else:
        failed += 1
        print("FAIL - %s" % desc)
        for b in bad:
            print("#   %s" % b)


def entries(readme, first, last):
    """{directory: [names...]} of the map between the lines first and
    last ("" for the outer level's own files)."""
    with open(os.path.join(ROOT, readme)) as f:
        lines = f.read().split("\n")
    start = lines.index(first)
    end = lines.index(last, start)
    out, base, cur = {}, None, None
    for line in lines[start + 1:end]:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        names = re.split(r"  +", line.strip())[0].split(" ")
        if base is None:
            if indent == 0:
                continue
            base = indent
        if indent == base:
            if names[0].endswith("/"):
                cur = names[0].rstrip("/")
            else:
                cur = None
                out.setdefault("", []).extend(names)
        elif indent == base + 2 and cur is not None:
            out.setdefault(cur, []).extend(names)
    return out


def stem(name):
    return name.split(".", 1)[0]


def main():
    for readme, first, last, top, dirs in MAPS:
        try:
            listed = entries(readme, first, last)
        except (OSError, ValueError) as e:
            check("%s has its map (\"%s\" to \"%s\")" % (readme, first,
                                                        last), [str(e)])
            continue
        for d in dirs:
            path = os.path.join(ROOT, top, d)
            shown = os.path.join(top, d).rstrip("/") + "/"
            files = sorted(f for f in os.listdir(path)
                           if not IGNORE.search(f) and
                           os.path.isfile(os.path.join(path, f)) and
                           os.path.join(top, d, f) != readme)
            names = listed.get(d, [])
            check("%s lists every file of %s" % (readme, shown),
                  [f for f in files
                   if f not in names and stem(f) not in names])
            check("%s lists only files of %s" % (readme, shown),
                  [n for n in names
                   if n not in files and
                   n not in [stem(f) for f in files]])
            seen = [f for f in files if names.count(f) +
                    (names.count(stem(f)) if stem(f) != f else 0) > 1]
            check("%s lists each file of %s once" % (readme, shown), seen)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
