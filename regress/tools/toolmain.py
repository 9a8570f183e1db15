"""The entry point of every test tool: run(main) calls main() and exits.

The tests read a tool's exit status as its answer, so the statuses mean
the same for all of them:

    0, 1    whatever main() returns (None is 0): by convention 0 for
            "answered" or "as expected", 1 for "no answer" or "not so";
    2       the tool itself went wrong: bad arguments (argparse exits
            with 2 on its own), or any exception main() let through.

An exception must never look like a "no" (status 1, python's default for
a traceback): run() prints it on one line, "TOOL: error: ..." (stderr
unless the test reads stdout), and exits 2.  Timeouts are the tools'
own (--timeout) and the test's "timeout" command around them; a tool's
socket.timeout that escapes main() is an error like any other.
Imported by the tools beside it.
"""

import os
import sys


def run(main, out=None, fmt=None):
    """Exit with main()'s status; 2 and one line on out for an exception.

    fmt formats the exception for the line (default "TOOL: error: %r")."""
    prog = os.path.basename(sys.argv[0])
    out = sys.stderr if out is None else out
    try:
        status = main()
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001
        if fmt is None:
            line = "%s: error: %r" % (prog, exc)
        else:
            line = fmt % (exc,)
        print(line, file=out, flush=True)
        status = 2
    sys.exit(status)
