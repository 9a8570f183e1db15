"""honeyd's control protocol on the wire, for the tools that speak it
(ctlclient.py, the client; fakectl.py, a fake server for honeydctl).

An imsg (privsep/imsg.h) is a header of type, len, flags, pad, peerid
and pid (little endian; len counts header and payload), the payload,
and zeros up to a multiple of 4.  A control answer is IMSG_CTL_RECORD
messages holding ctlrec.c records, then IMSG_CTL_END or IMSG_CTL_ERROR.
The message numbers are read from honeyd.h's enum imsg_type at run time,
so that they follow the header.
"""

import os
import re
import struct

HDR = struct.Struct("<IIHHII")
# The largest message either side accepts (a record is far smaller).
MAX_LEN = 70000
HONEYD_H = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "..", "..", "honeyd", "honeyd.h")


def imsg_types(path=HONEYD_H):
    """The numbers of enum imsg_type, by name."""
    with open(path) as f:
        text = f.read()
    m = re.search(r"enum imsg_type\s*{(.*?)};", text, re.S)
    if m is None:
        raise ValueError("no enum imsg_type in " + path)
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    types, n = {}, 0
    for item in body.split(","):
        item = item.strip()
        if not item:
            continue
        if "=" in item:
            name, val = (x.strip() for x in item.split("=", 1))
            n = int(val, 0)
        else:
            name = item
        types[name] = n
        n += 1
    return types


def compose(mtype, payload=b"", flags=0, pid=0):
    """One message, padded."""
    msg = HDR.pack(mtype, HDR.size + len(payload), flags, 0, 0, pid) + \
        payload
    return msg + b"\0" * (-len(msg) % 4)


class Reader:
    """Messages from a stream socket, whatever the reads cut them into."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def get(self):
        """The next message (type, payload, flags), or None at EOF.
        A header whose length is impossible raises ValueError."""
        while True:
            if len(self.buf) >= HDR.size:
                mtype, n, flags, _, _, _ = HDR.unpack_from(self.buf)
                if n < HDR.size or n > MAX_LEN:
                    raise ValueError("bad header length %d" % n)
                whole = n + (-n % 4)
                if len(self.buf) >= whole:
                    payload = self.buf[HDR.size:n]
                    self.buf = self.buf[whole:]
                    return mtype, payload, flags
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buf += data


def record(kind, *fields):
    """A ctlrec record's bytes: kind, then (type, key, value) fields with
    type 's' (string), 'n' (number) or 'b' (boolean)."""
    out = kind.encode() + b"\0"
    for t, k, v in fields:
        if isinstance(v, str):
            v = v.encode()
        out += t.encode() + k.encode() + b"\0" + v + b"\0"
    return out


def parse_record(data):
    """A ctlrec record as a dict, "kind" first; ValueError if malformed."""
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
    """A NUL-terminated string payload."""
    return payload.rstrip(b"\0").decode(errors="replace")
