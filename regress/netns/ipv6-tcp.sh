#!/bin/bash
# TCP and UDP over IPv6: the one TCP state machine and UDP of tcp.c and
# udp.c serve IPv6 hosts too.  The link is 2001:db8::/48 (A holds
# 2001:db8::1); 2001:db8::5 is bound to "web" (198.18.0.80 too:
# dual-stack), 2001:db8:0:2::/64 to "win" (a Windows personality).
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require nmap
tb_require python3
[ -d /proc/sys/net/ipv6 ] || tb_abort "kernel with IPv6" "no /proc/sys/net/ipv6"

# IPv6 on A only, quiet: no router solicitations, no DAD; the sensor's
# own stack stays without IPv6, the daemon speaks for it.
err=$(
	set -e
	exec 2>&1
	ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
	    net.ipv6.conf.default.router_solicitations=0 \
	    net.ipv6.conf.default.accept_dad=0 \
	    "net.ipv6.conf.$IF_A.disable_ipv6=0" \
	    "net.ipv6.conf.$IF_A.router_solicitations=0" \
	    "net.ipv6.conf.$IF_A.accept_dad=0"
	ip -n "$NS_A" -6 addr add 2001:db8::1/48 dev "$IF_A" nodad
) || tb_abort "IPv6 on A set up" "$err"

WEB6=2001:db8::5
WEB4=198.18.0.80
WIN6=2001:db8:0:2::20
WIN4=198.18.0.81

conf=$(tb_conf honeyd.conf <<'CONF'
create web
set web default tcp action reset
set web default udp action reset
add web tcp port 22 open
add web tcp port 80 open
add web tcp port 23 block

create win
set win personality "Microsoft Windows 7, Windows Server 2012, or Windows 8.1 Update 1"
set win default tcp action reset
add win tcp port 445 open

bind 198.18.0.80 web
bind 198.18.0.81 win
bind 2001:db8::5 web
bind 2001:db8:0:2::/64 win
CONF
)
check "honeyd -n accepts the config" \
    "$HONEYD" -n -f "$conf" -p "$(_tb_prints)"
J=$TB_TMP/events.json
honeyd_start "$conf" -j "$J"

# states ADDR PROTO PORTS: "port/state" words on one line, over IPv6.
states6() {
	nmap_port_states "$1" "$2" "$3" -6 | tr '\n' ' ' | sed 's/ $//'
}
# tcp6 ADDR PORT [SEND]: connect from A; prints "connected" and what
# the peer sent back (if SEND is given, after sending it), or the error.
tcp6() {
	in_a timeout 20 python3 - "$@" <<'PY'
import socket, sys
addr, port = sys.argv[1], int(sys.argv[2])
try:
    s = socket.create_connection((addr, port), timeout=5)
except OSError as e:
    print(type(e).__name__)
    sys.exit(1)
out = "connected"
if len(sys.argv) > 3:
    s.sendall(sys.argv[3].encode())
    s.shutdown(socket.SHUT_WR)
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except OSError as e:
        out += " " + type(e).__name__
    out += " " + str(len(data)) + " " + data[:64].decode(errors="replace")
s.close()
print(out)
PY
}

# synack ADDR PORT: "win W mss M opts K,K,..." of the SYN+ACK that
# answers a SYN with Linux's options (a raw socket on A).
synack() {
	in_a timeout 20 python3 - "$@" <<'PY'
import os, socket, struct, sys
addr, port = sys.argv[1], int(sys.argv[2])
v6 = ":" in addr
fam = socket.AF_INET6 if v6 else socket.AF_INET
src = "2001:db8::1" if v6 else "198.18.0.1"
s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_TCP)
s.settimeout(5)
sport = 40000 + os.getpid() % 20000
opts = bytes([2, 4, 0x05, 0xb4, 4, 2, 8, 10]) + bytes(8) + bytes([1, 3, 3, 7])
hdr = struct.pack("!HHIIBBHHH", sport, port, 12345, 0,
    (20 + len(opts)) // 4 << 4, 0x02, 64240, 0, 0) + opts
a = socket.inet_pton(fam, src) + socket.inet_pton(fam, addr)
pseudo = a + (struct.pack("!IxxxB", len(hdr), 6) if v6 else
    struct.pack("!xBH", 6, len(hdr)))
data = pseudo + hdr
w = sum(struct.unpack("!%dH" % (len(data) // 2), data))
while w >> 16:
    w = (w & 0xffff) + (w >> 16)
hdr = hdr[:16] + struct.pack("!H", ~w & 0xffff) + hdr[18:]
s.sendto(hdr, (addr, 0))
while True:
    try:
        pkt, frm = s.recvfrom(2000)
    except socket.timeout:
        print("no answer")
        sys.exit(1)
    if not v6:
        pkt = pkt[(pkt[0] & 15) * 4:]
    sp, dp, flags = struct.unpack("!HH", pkt[:4]) + (pkt[13],)
    if frm[0] == addr and sp == port and dp == sport:
        break
win = struct.unpack("!H", pkt[14:16])[0]
o, mss, kinds = pkt[20:(pkt[12] >> 4) * 4], 0, []
i = 0
while i < len(o) and o[i] != 0:
    kinds.append(str(o[i]))
    if o[i] == 1:
        i += 1
        continue
    if o[i] == 2:
        mss = struct.unpack("!H", o[i + 2:i + 4])[0]
    i += max(o[i + 1], 2)
print("flags %#x win %d mss %d opts %s" % (flags, win, mss, ",".join(kinds)))
PY
}

# Step 1: TCP.
got=$(states6 $WEB6 tcp 21,22,23,25,80)
check_eq "nmap -6 -sS $WEB6: 22,80 open; 23 filtered; 21,25 closed" \
    "21/closed 22/open 23/filtered 25/closed 80/open" "$got"
got=$(states6 $WIN6 tcp 139,445)
check_eq "nmap -6 -sS $WIN6 (Windows, in a /64): 445 open, 139 closed" \
    "139/closed 445/open" "$got"
got=$(nmap_port_states $WEB4 tcp 22,23,25 |
    tr '\n' ' ' | sed 's/ $//')
check_eq "nmap -sS $WEB4 (the same template over IPv4) agrees" \
    "22/open 23/filtered 25/closed" "$got"
# The personality's choices: the SYN+ACK's window and options are the
# ones it gives over IPv4, but for an MSS of the link's MTU less 60,
# and Linux's window (the plain stack's), whole segments of that MSS:
# 45 x 1440 where IPv4 has 44 x 1460 (stackmodel.c).
for h in "$WEB4 $WEB6 80 64800" "$WIN4 $WIN6 445 same"; do
	set -- $h
	a4=$(synack $1 $3)
	a6=$(synack $2 $3)
	tb_note "SYN+ACK from $1: $a4; from $2: $a6"
	check_match "SYN+ACK from [$2]:$3 has MSS 1440" \
	    "^flags 0x12 win [0-9]+ mss 1440 opts " "$a6"
	check_match "... from $1:$3, MSS 1460" \
	    "^flags 0x12 win [0-9]+ mss 1460 opts " "$a4"
	want=${a4/mss 1460/}
	[ "$4" = same ] || want=$(printf '%s' "$want" |
	    sed "s/ win [0-9]* / win $4 /")
	check_eq "... the same options over both, window ${4/same/the same}" \
	    "$want" "${a6/mss 1440/}"
done
got=$(tcp6 $WEB6 80)
check_eq "a TCP connection to [$WEB6]:80 (open) completes" "connected" "$got"
got=$(tcp6 $WEB6 25)
check_eq "... to [$WEB6]:25 (closed) is refused" "ConnectionRefusedError" \
    "$got"
got=$(tcp6 $WEB6 23)
check_match "... to [$WEB6]:23 (blocked) gets no answer" "Timeout|timed out" \
    "$got"

honeyd_stop
check_match "the engine took TCP over IPv6, none dropped" \
    "tcp6 in [1-9][0-9]* dropped 0" "$(honeyd_log)"
check "the JSON log is well-formed" json_lines_ok "$J"

tb_finish
