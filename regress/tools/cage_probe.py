#!/usr/bin/python3
# Run as a honeyd service (regress/netns/services.sh): tries what an
# attacker who owns a service script would, and says on stdout how each
# try went, one "key value" line each.  The cage should refuse them all
# but writing to /tmp.
import ctypes
import errno
import os
import socket
import subprocess

libc = ctypes.CDLL(None, use_errno=True)


def err(e):
    return errno.errorcode.get(e, str(e))


def say(key, value):
    print(key, value, flush=True)


# Landlock (ABI 4) refuses a TCP connect before routing can: UDP shows
# the network namespace's answer.
def connect(addr, kind):
    s = socket.socket(socket.AF_INET, kind)
    s.settimeout(3)
    try:
        s.connect((addr, 80))
        return "connected"
    except socket.timeout:
        return "timeout"
    except OSError as e:
        return err(e.errno)
    finally:
        s.close()


def write(path):
    try:
        with open(path, "w") as f:
            f.write("x\n")
        return "ok"
    except OSError as e:
        return err(e.errno)


def read(path):
    try:
        with open(path) as f:
            f.read()
        return "ok"
    except OSError as e:
        return err(e.errno)


def call(rv):
    return "ok" if rv == 0 else err(ctypes.get_errno())


for a in ("198.18.0.1", "198.18.0.2"):
    say("tcp_" + a, connect(a, socket.SOCK_STREAM))
    say("udp_" + a, connect(a, socket.SOCK_DGRAM))
with open("/proc/net/dev") as f:
    say("netdev", ",".join(sorted(l.split(":")[0].strip()
                                  for l in f.readlines()[2:])))
try:
    out = subprocess.run(["/sbin/ip", "-o", "link"], capture_output=True,
                         text=True).stdout
    say("iplink", ",".join(l.split(":")[1].strip()
                           for l in out.splitlines()))
except OSError as e:
    say("iplink", err(e.errno))
say("rootdir", ",".join(sorted(os.listdir("/"))))
say("write_svcdir", write(os.path.join(os.getcwd(), "cage-probe.tmp")))
say("write_etc", write("/etc/cage-probe.tmp"))
say("write_tmp", write("/tmp/cage-probe.tmp"))
say("write_devnull", write("/dev/null"))
say("read_shadow", read("/etc/shadow"))
say("read_sshkeys", "present" if os.path.exists("/etc/ssh") else "absent")
say("mypid", os.getpid())
say("pids", len([d for d in os.listdir("/proc") if d.isdigit()]))
# PTRACE_ATTACH (16) to the namespace's PID 1
say("ptrace", call(libc.ptrace(16, 1, None, None)))
say("unshare", call(libc.unshare(0x10000000)))        # CLONE_NEWUSER
say("mount", call(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)))
try:
    socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close()
    say("packet", "ok")
except OSError as e:
    say("packet", err(e.errno))
say("hostname", socket.gethostname())
for ns in ("mnt", "pid", "ipc", "uts", "net"):
    say("ns_" + ns, os.readlink("/proc/self/ns/" + ns))
with open("/proc/self/status") as f:
    for line in f:
        k, v = line.split(":", 1)
        if k in ("Seccomp", "NoNewPrivs"):
            say(k, v.strip())
say("end", "ok")
