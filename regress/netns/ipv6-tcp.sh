#!/bin/bash
# TCP and UDP over IPv6: the one TCP state machine and UDP of tcp.c and
# udp.c serve IPv6 hosts too.  The link is 2001:db8::/48 (A holds
# 2001:db8::1, the sensor's own stack 2001:db8::2 for the proxies);
# 2001:db8::5 is bound to "web" (198.18.0.80 too: dual-stack),
# 2001:db8:0:2::/64 to "win" (a Windows personality, 198.18.0.81 too).
# nmap -6 -sS and -sU see the configured port states; the SYN+ACK is
# the IPv4 one but for its MSS; connections complete, are refused or
# go unanswered, or are rejected as by a host firewall ("prohibit":
# administratively prohibited, nmap --reason's admin-prohibited, over
# both families and UDP); services (web.sh by curl -6, UDP echo, $ipsrc and
# HONEYD_IP_*), the JSON and packet logs, honeydctl show connections
# and hosts, with IPv6 filters too;
# proxies to an IPv6 target, an IPv4 one, back to $ipsrc, and a claimed
# one refused.
. "$(dirname "$0")/../lib.sh"

HONEYDCTL=${HONEYDCTL:-$(dirname "$HONEYD")/honeydctl}
tb_setup
tb_require nmap
tb_require "$TB_PY"
tb_require curl
tb_require "$HONEYDCTL"

tb_ipv6_on_a 2001:db8::1/48
# The sensor's own stack gets 2001:db8::2 only for the proxies, whose
# connections the parent makes from it (the daemon still answers for
# the bound addresses; the kernel forwards nothing).
tb_ipv6_on "$NS_S" "$IF_S" 2001:db8::2/48
err=$(in_s sysctl -qw net.ipv6.conf.all.forwarding=0 2>&1) ||
    tb_abort "no IPv6 forwarding on the sensor" "$err"

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
add web udp port 53 open
add web udp port 161 block
add web tcp port 24 prohibit
add web udp port 164 prohibit
add web udp port 7 "sh scripts/echo.sh"
add web tcp port 8080 "sh scripts/web.sh 'Apache/2.4.41 (Ubuntu)'"
add web tcp port 2001 "echo expand $ipsrc $ipdst $dport; echo env $HONEYD_IP_SRC $HONEYD_IP_DST $HONEYD_DST_PORT"
add web tcp port 2002 "exec sleep 30"
add web tcp port 9000 proxy [2001:db8::1]:9999
add web tcp port 9001 proxy 198.18.0.1:9998
add web tcp port 9002 proxy $ipsrc:9997
add web tcp port 9003 proxy [2001:db8::5]:80

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
P=$TB_TMP/packets.log
honeyd_start "$conf" -S "$TB_REPO" -j "$J" -l "$P"

# states ADDR PROTO PORTS: "port/state" words on one line, over IPv6.
states6() {
	nmap_port_states "$1" "$2" "$3" -6 | tr '\n' ' ' | sed 's/ $//'
}
# why ADDR PROTO PORT [NMAP-ARGS]: nmap --reason's line for the port:
# "PORT/PROTO STATE SERVICE REASON...".
why() {
	local scan=-sS
	[ "$2" = udp ] && scan=-sU
	in_a timeout 120 nmap -n -Pn $scan --reason -p "$3" --max-retries 2 \
	    --host-timeout 90s "${@:4}" "$1" 2>&1 | grep "^$3/$2 "
}
# tcp6 ADDR PORT [SEND]: connect from A; prints "connected" and what
# the peer sent back (if SEND is given, after sending it), or the error.
tcp6() {
	in_a timeout 20 "$TB_PY" - "$@" <<'PY'
import socket, sys
addr, port = sys.argv[1], int(sys.argv[2])
try:
    s = socket.create_connection((addr, port), timeout=5)
except OSError as e:
    print(type(e).__name__)
    sys.exit(1)
out = "connected"
if len(sys.argv) > 3:
    data = b""
    try:
        # A refused proxy may have reset the connection already.
        s.sendall(sys.argv[3].encode())
        s.shutdown(socket.SHUT_WR)
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except OSError as e:
        out += " " + type(e).__name__
    out += " " + str(len(data)) + " " + data[:200].decode(errors="replace")
s.close()
print(out)
PY
}

# synack ADDR PORT: "win W mss M opts K,K,..." of the SYN+ACK that
# answers a SYN with Linux's options (a raw socket on A).
synack() {
	in_a timeout 20 "$TB_PY" - "$@" <<'PY'
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

# Prohibited ports: what a rejecting host firewall answers, from the
# host itself (nmap names no "from" address then).
got=$(why $WEB6 tcp 24 -6)
check_match "nmap -6 -sS --reason $WEB6: 24 (prohibit) filtered, admin-prohibited" \
    "^24/tcp +filtered +[^ ]+ +admin-prohibited ttl [0-9]+$" "$got"
got=$(why $WEB4 tcp 24)
check_match "nmap -sS --reason $WEB4: 24 filtered, admin-prohibited" \
    "^24/tcp +filtered +[^ ]+ +admin-prohibited ttl [0-9]+$" "$got"
got=$(why $WEB6 udp 164 -6)
check_match "nmap -6 -sU --reason $WEB6: 164 (prohibit) filtered, admin-prohibited" \
    "^164/udp +filtered +[^ ]+ +admin-prohibited ttl [0-9]+$" "$got"
got=$(why $WEB4 udp 164)
check_match "nmap -sU --reason $WEB4: 164 filtered, admin-prohibited" \
    "^164/udp +filtered +[^ ]+ +admin-prohibited ttl [0-9]+$" "$got"
got=$(tcp6 $WEB6 24)
check_eq "a TCP connection to [$WEB6]:24 (prohibit) fails: EACCES" \
    "PermissionError" "$got"

# Step 2: UDP.
got=$(states6 $WEB6 udp 53,161,162)
check_eq "nmap -6 -sU $WEB6: 53,161 open|filtered; 162 closed" \
    "53/open|filtered 161/open|filtered 162/closed" "$got"
got=$(in_a timeout 20 "$TB_PY" - $WEB6 <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(b"ping over udp6\n", (sys.argv[1], 7))
try:
    print(s.recvfrom(2000)[0].decode().strip())
except OSError as e:
    print(type(e).__name__)
PY
)
check_eq "a UDP echo service answers over IPv6 with a datagram" \
    "ping over udp6" "$got"

# Step 3: services.
out=$(in_a timeout 10 curl -6 -s -g -i "http://[$WEB6]:8080/" 2>&1)
check_match "curl -6 GET / from web.sh: 200" "^HTTP/1.1 200 OK" "$out"
check_match "... the configured banner" "^Server: Apache/2.4.41 \(Ubuntu\)" \
    "$out"
check_match "... the page" "<h1>It works!</h1>" "$out"
out=$(tcp6 $WEB6 2001 x)
check_match "\$ipsrc, \$ipdst expand to the IPv6 addresses" \
    "expand 2001:db8::1 $WEB6 2001" "$out"
check_match "HONEYD_IP_SRC, HONEYD_IP_DST carry them" \
    "env 2001:db8::1 $WEB6 2001" "$out"
# honeydctl show connections, with one held open.
in_a timeout 20 "$TB_PY" - $WEB6 <<'PY' &
import socket, sys, time
s = socket.create_connection((sys.argv[1], 2002), timeout=5)
time.sleep(8)
PY
hold=$!
for i in $(seq 50); do
	out=$(in_s "$HONEYDCTL" -s "$TB_TMP/honeyd.sock" show connections 2>&1)
	case $out in *"dport: 2002"*) break ;; esac
	sleep 0.1
done
check_match "honeydctl show connections lists the IPv6 one" \
    "src: 2001:db8::1.*dst: $WEB6.*dport: 2002" "$(echo $out)"
out=$(in_s "$HONEYDCTL" -s "$TB_TMP/honeyd.sock" -j show connections 2>&1)
check_match "... as JSON too" \
    "\"src\": *\"2001:db8::1\", *\"sport\": *[0-9]+, *\"dst\": *\"$WEB6\", *\"dport\": *2002" \
    "$out"
# IPv6 filters: its address or a network holding it lists it; another
# network, or the same host's IPv4 address, does not.
ctl() { in_s "$HONEYDCTL" -s "$TB_TMP/honeyd.sock" "$@" 2>&1; }
check_match "show connections $WEB6 lists it" "dport: 2002" \
    "$(ctl show connections $WEB6)"
check_match "show connections 2001:db8::/64 lists it" "dport: 2002" \
    "$(ctl show connections 2001:db8::/64)"
check_nomatch "show connections 2001:db8:0:2::/64 does not" \
    "dport: 2002|not an" \
    "$(ctl show connections 2001:db8:0:2::/64)"
check_nomatch "show connections 198.18.0.80 does not" "dport: 2002|not an" \
    "$(ctl show connections 198.18.0.80)"
check_match "show hosts 2001:db8::/120 lists $WEB6" "^$WEB6 +web" \
    "$(ctl show hosts 2001:db8::/120)"
check_nomatch "show hosts 2001:db8:0:2::/64 does not" "^$WEB6 |not an" \
    "$(ctl show hosts 2001:db8:0:2::/64)"
check_match "show hosts 2001:db8::/129 is refused" "not an address" \
    "$(ctl show hosts 2001:db8::/129)"
check_match "show templates web lists the prohibit ports" \
    "tcp/24 prohibit.*udp/164 prohibit" "$(echo $(ctl show templates web))"
wait $hold

# Step 4: proxies.
# listen_once ADDR PORT: a listener on A that tells its one client
# where it came from, then closes; its pid in $lpid.
listen_once() {
	in_a timeout 30 "$TB_PY" - "$1" "$2" <<'PY' &
import socket, sys
addr, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(1)
c, peer = s.accept()
c.sendall(("listener %s:%d from %s\n" % (addr, port, peer[0])).encode())
c.close()
PY
	lpid=$!
	# Until it listens (python's start is slow on a busy machine).
	for _ in $(seq 100); do
		in_a ss -Hltn "sport = :$2" 2>/dev/null | grep -q . && break
		sleep 0.1
	done
}
listen_once 2001:db8::1 9999
got=$(tcp6 $WEB6 9000 x)
check_match "proxy [2001:db8::1]:9999 relays an IPv6 connection to an IPv6 target" \
    "listener 2001:db8::1:9999 from 2001:db8::2" "$got"
wait $lpid
listen_once 198.18.0.1 9998
got=$(tcp6 $WEB6 9001 x)
check_match "proxy 198.18.0.1:9998 relays an IPv6 connection to an IPv4 target" \
    "listener 198.18.0.1:9998 from 198.18.0.2" "$got"
wait $lpid
listen_once 2001:db8::1 9997
got=$(tcp6 $WEB6 9002 x)
check_match "proxy \$ipsrc:9997 goes back to the IPv6 peer" \
    "listener 2001:db8::1:9997 from 2001:db8::2" "$got"
wait $lpid
got=$(tcp6 $WEB6 9003 x)
# Refused: closed or reset with nothing relayed; the reset may even
# beat the end of the client's connect.
check_match "a proxy to a claimed IPv6 address is refused" \
    "^(connected.* 0 |ConnectionResetError)$" "$got"
out=$("$HONEYD" -n -f /dev/stdin -p "$(_tb_prints)" 2>&1 <<'CONF'
create t
add t tcp port 80 proxy 2001:db8::1:80
CONF
)
check_match "honeyd -n: an IPv6 proxy target without brackets is refused" \
    "goes in brackets" "$out"

honeyd_stop
check_match "the engine took TCP over IPv6, none dropped" \
    "tcp6 in [1-9][0-9]* dropped 0" "$(honeyd_log)"
check "the JSON log is well-formed" json_lines_ok "$J"
check "the JSON log has the IPv6 connection to port 8080" \
    grep -q "\"connection_start\".*\"proto\":\"tcp\",\"src_ip\":\"2001:db8::1\",\"src_port\":[0-9]*,\"dst_ip\":\"$WEB6\",\"dst_port\":8080" "$J"
check "... its service's start" \
    grep -q "\"service_start\".*\"dst_ip\":\"$WEB6\",\"dst_port\":8080" "$J"
check "... a probe of a closed IPv6 port" \
    grep -q "\"probe\".*\"dst_ip\":\"$WEB6\",\"dst_port\":25" "$J"
check "the JSON log has the proxy to [2001:db8::1]:9999" \
    grep -q "\"proxy_start\".*\"dst_port\":9000.*\"target_ip\":\"2001:db8::1\",\"target_port\":9999" "$J"
check "... and the refused one to a claimed address" \
    grep -q "\"dst_port\":9003.*proxy" "$J"
check "the packet log has the IPv6 connection" \
    grep -Eq " tcp\([0-9]+\) S 2001:db8::1 [0-9]+ $WEB6 8080" "$P"
check "... and the UDP flow" \
    grep -Eq " udp\([0-9]+\) S 2001:db8::1 [0-9]+ $WEB6 7" "$P"
check_match "UDP over IPv6: a closed port answered, the filtered one's dropped" \
    "udp6 closed [1-9][0-9]* dropped [1-9][0-9]*;" "$(honeyd_log)"
check_match "the prohibited answers are counted" \
    "; prohibited [1-9]" "$(honeyd_log)"
check "the JSON log has the probe of a prohibited port, filtered" \
    grep -q "\"probe\".*\"dst_ip\":\"$WEB6\",\"dst_port\":24.*filtered" "$J"

tb_finish
