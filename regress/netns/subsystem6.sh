#!/bin/bash
# Subsystems over IPv6.  A's link holds 2001:db8::1/48; the hosts of
# each template are an IPv4 and an IPv6 address.  python3's http.server
# bound to "::" (dual-stack, as on Linux) answers curl -6 and curl -4
# and logs the peer as 2001:db8::1 and ::ffff:198.18.0.1.  A probe
# program prints what accept, getpeername and getsockname give it: a
# socket on :: gets both families (IPv4 mapped); an IPV6_V6ONLY socket
# and an IPv4 one share a port, each getting its own family; an
# IPV6_V6ONLY socket alone leaves IPv4 unanswered; a second dual-stack
# listen on a taken port is EADDRINUSE; a mapped address on an IPv6-only
# socket is EINVAL.  A UDP echo program on :: answers over IPv6 from the
# host addressed (two of them) and over IPv4, refuses to start a
# conversation, and an IPv6-only UDP socket gets no IPv4.  "show
# services" lists the families.  A process per host serves its one
# address in its family: one per IPv4 address and per IPv6 /128 bound to
# the template (a shorter IPv6 prefix is logged as needing "shared"),
# each answering TCP and UDP there, with its own pid and HONEYD_IP; an
# IPv6 host's process cannot bind IPv4.  A 3000-byte UDP answer arrives
# whole over IPv6 (IPv6 fragments, counted by frag6_out) and IPv4.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require curl cc "$TB_PY"

CTL=$(dirname "$HONEYD")/honeydctl
[ -x "$CTL" ] || CTL=$TB_REPO/build/honeydctl
ctl() { in_s "$CTL" -s "$TB_TMP/honeyd.sock" "$@"; }

tb_ipv6_on_a 2001:db8::1/48

www=$TB_TMP/www
mkdir -p "$www"
echo hello6 >"$www/subsystem-hello6.txt"
chmod 755 "$www"
chmod 644 "$www/subsystem-hello6.txt"

# The probe: one thread per listening socket, each connection told
# the listening socket's family, its peer and its local address.
cat >"$www/probe6.py" <<'PROBE'
import errno, socket, sys, threading
def err(f):
    try:
        f()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
def serve(l):
    while True:
        c, a = l.accept()
        p, n = c.getpeername(), c.getsockname()
        c.sendall(("fam %d peer %s %d local %s %d accept %s\n" %
                   (l.family, p[0], p[1], n[0], n[1], a[0])).encode())
        c.close()
def v6only(s):
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    return s
dual = socket.socket(socket.AF_INET6)
dual.bind(("::", 9100))
dual.listen(5)
only = v6only(socket.socket(socket.AF_INET6))
only.bind(("::", 9101))
only.listen(5)
four = socket.socket(socket.AF_INET)
four.bind(("0.0.0.0", 9101))
four.listen(5)
alone = v6only(socket.socket(socket.AF_INET6))
alone.bind(("::", 9102))
alone.listen(5)
clash = socket.socket(socket.AF_INET6)
print("clash", err(lambda: clash.bind(("::", 9101))),
      err(lambda: clash.listen(5)), file=sys.stderr)
m = v6only(socket.socket(socket.AF_INET6))
print("mapped", err(lambda: m.bind(("::ffff:198.19.6.10", 9103))),
      file=sys.stderr)
print("opts v6only", only.getsockopt(socket.IPPROTO_IPV6,
      socket.IPV6_V6ONLY), dual.getsockopt(socket.IPPROTO_IPV6,
      socket.IPV6_V6ONLY), "domain", only.getsockopt(socket.SOL_SOCKET,
      socket.SO_DOMAIN), "name", dual.getsockname()[:2],
      file=sys.stderr, flush=True)
for l in (dual, only, four):
    threading.Thread(target=serve, args=(l,), daemon=True).start()
serve(alone)
PROBE

# UDP echo on :: (5353), and an IPv6-only socket (5354).
cat >"$www/echo6.py" <<'ECHO'
import socket, threading
def echo(s):
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(b"echo " + data + (" from %s:%d" % peer[:2]).encode(),
                 peer)
        # A port that never sent to us: the engine must not send it.
        s.sendto(b"unsolicited", (peer[0], peer[1] + 1))
o = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
o.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
o.bind(("::", 5354))
threading.Thread(target=echo, args=(o,), daemon=True).start()
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::", 5353))
echo(s)
ECHO
# A per-host program saying who it is: a token of its own (its pid is 2
# in its PID namespace, as every one's) and HONEYD_IP, over TCP
# (9200) and UDP (5360; "big" asks a 3000-byte answer), both on ::.
cat >"$www/who6.py" <<'WHO'
import errno, os, socket, sys, threading
ip = os.environ.get("HONEYD_IP", "-")
me = "pid %s ip %s" % (os.urandom(6).hex(), ip)
if ":" in ip:
    four = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        four.bind(("0.0.0.0", 5360))
        r = "ok"
    except OSError as e:
        r = errno.errorcode.get(e.errno, str(e.errno))
    four.close()
    print("who6 %s ipv4 bind %s" % (ip, r), file=sys.stderr, flush=True)
def udp():
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u.bind(("::", 5360))
    while True:
        data, peer = u.recvfrom(2048)
        out = (me + " udp").encode()
        if data == b"big":
            out = (out + b" " + b"x" * 3000)[:2999] + b"."
            try:
                u.sendto(b"x" * 65528, peer)
                r = "ok"
            except OSError as e:
                r = errno.errorcode.get(e.errno, str(e.errno))
            print("who6 %s 65528 bytes %s" % (ip, r), file=sys.stderr,
                  flush=True)
        u.sendto(out, peer)
threading.Thread(target=udp, daemon=True).start()
l = socket.socket(socket.AF_INET6)
l.bind(("::", 9200))
l.listen(5)
while True:
    c, a = l.accept()
    c.sendall(("%s local %s\n" % (me, c.getsockname()[0])).encode())
    c.close()
WHO
chmod 644 "$www/probe6.py" "$www/echo6.py" "$www/who6.py"

PY=/usr/bin/python3
conf=$(tb_conf honeyd.conf <<CONF
create web6
set web6 personality "Linux 4.15 - 5.6"
set web6 default tcp action reset
add web6 tcp port 8080 open
add web6 subsystem "$PY -m http.server 8080 --bind ::" shared
bind 198.19.1.10 web6
bind 2001:db8::10 web6

create probe6
set probe6 default tcp action reset
add probe6 tcp port 9100 open
add probe6 tcp port 9101 open
add probe6 tcp port 9102 open
add probe6 tcp port 9103 open
add probe6 subsystem "$PY probe6.py" shared
bind 198.19.6.10 probe6
bind 2001:db8::20 probe6

create udp6
set udp6 default udp action reset
add udp6 udp port 5353 open
add udp6 udp port 5354 open
add udp6 subsystem "$PY echo6.py" shared
bind 198.19.7.10 udp6
bind 2001:db8::30 udp6
bind 2001:db8::31 udp6

create solo6
set solo6 default tcp action reset
add solo6 tcp port 8081 open
add solo6 subsystem "$PY -m http.server 8081 --bind ::"
bind 198.19.2.10 solo6
bind 2001:db8::40 solo6

create who6
set who6 default tcp action reset
set who6 default udp action reset
add who6 tcp port 9200 open
add who6 udp port 5360 open
add who6 subsystem "$PY who6.py"
bind 198.19.8.10 who6
bind 2001:db8::50 who6
bind 2001:db8::51 who6
bind 2001:db8:0:1::/120 who6
CONF
)
honeyd_start "$conf" -S "$www"

# wait_log REGEX [COUNT]: until the log has COUNT (1) lines matching.
wait_log() {
	local i
	for i in $(seq 100); do
		[ "$(grep -Ec -- "$1" "$HONEYD_LOG")" -ge "${2:-1}" ] &&
		    return 0
		sleep 0.1
	done
	return 1
}

# ---- http.server on ::, over IPv6 and IPv4
wait_log "subsystem $PY -m http.server 8080 .* listens on tcp port 8080 \(IPv4 and IPv6\)"
check "http.server on :: listens on 8080, IPv4 and IPv6" test $? -eq 0
out=$(in_a timeout 10 curl -6 -s -i "http://[2001:db8::10]:8080/" 2>&1)
check_match "curl -6: 200" "^HTTP/1.0 200 OK" "$out"
check_match "curl -6: python's banner" "^Server: SimpleHTTP/" "$out"
check_match "curl -6: the directory listing" "subsystem-hello6.txt" "$out"
out=$(in_a timeout 10 curl -4 -s http://198.19.1.10:8080/subsystem-hello6.txt)
check_eq "curl -4 to the same program: the file" hello6 "$out"
log=$(honeyd_log)
check_match "python logged the IPv6 peer" \
    "^2001:db8::1 - - .*GET / HTTP" "$log"
check_match "python logged the IPv4 peer, mapped (dual-stack)" \
    "^::ffff:198\.18\.0\.1 - - .*GET /subsystem-hello6.txt" "$log"

# ---- what the library gives the probe
# tcp_ask ADDR PORT SPORT: what the program says to a connection from
# A's port SPORT, or "nothing" (a plain open port says nothing).
tcp_ask() {
	in_a timeout 15 "$TB_PY" - "$@" <<'PY'
import socket, sys
a, p, sp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fam = socket.AF_INET6 if ":" in a else socket.AF_INET
s = socket.socket(fam)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", sp))
s.settimeout(3)
try:
    s.connect((a, p))
    print(s.recv(200).decode().strip() or "nothing")
except socket.timeout:
    print("nothing")
except OSError as e:
    print(type(e).__name__)
PY
}
wait_log "subsystem $PY probe6.py of probe6 listens on tcp port 9102 \(IPv6\)"
check "the probe listens on 9102, IPv6 alone" test $? -eq 0
log=$(honeyd_log)
check_match "9100 on ::: IPv4 and IPv6" \
    "probe6.py of probe6 listens on tcp port 9100 \(IPv4 and IPv6\)" "$log"
check_match "9101: an IPV6_V6ONLY socket and an IPv4 one share the port" \
    "listens on tcp port 9101 \(IPv6\).*" "$log"
check_match "... the IPv4 one too" "listens on tcp port 9101 \(IPv4\)" "$log"
check_match "a dual-stack listen on a port taken: EADDRINUSE" \
    "^clash ok EADDRINUSE" "$log"
check_match "a mapped address on an IPv6-only socket: EINVAL" \
    "^mapped EINVAL" "$log"
check_match "getsockopt: IPV6_V6ONLY 1 and 0, SO_DOMAIN AF_INET6, getsockname ::" \
    "^opts v6only 1 0 domain 10 name \('::', 9100\)" "$log"
out=$(tcp_ask 2001:db8::20 9100 40123)
check_eq "dual-stack, IPv6: peer, local, accept's address" \
    "fam 10 peer 2001:db8::1 40123 local 2001:db8::20 9100 accept 2001:db8::1" \
    "$out"
out=$(tcp_ask 198.19.6.10 9100 40124)
check_eq "dual-stack, IPv4: mapped addresses" \
    "fam 10 peer ::ffff:198.18.0.1 40124 local ::ffff:198.19.6.10 9100 accept ::ffff:198.18.0.1" \
    "$out"
out=$(tcp_ask 2001:db8::20 9101 40125)
check_eq "IPV6_V6ONLY beside IPv4: IPv6 to the IPv6 socket" \
    "fam 10 peer 2001:db8::1 40125 local 2001:db8::20 9101 accept 2001:db8::1" \
    "$out"
out=$(tcp_ask 198.19.6.10 9101 40126)
check_eq "IPV6_V6ONLY beside IPv4: IPv4 to the IPv4 socket" \
    "fam 2 peer 198.18.0.1 40126 local 198.19.6.10 9101 accept 198.18.0.1" \
    "$out"
out=$(tcp_ask 2001:db8::20 9102 40127)
check_eq "IPV6_V6ONLY alone: IPv6 served" \
    "fam 10 peer 2001:db8::1 40127 local 2001:db8::20 9102 accept 2001:db8::1" \
    "$out"
out=$(tcp_ask 198.19.6.10 9102 40128)
check_eq "IPV6_V6ONLY alone: IPv4 not given to it (a plain open port)" \
    nothing "$out"

# ---- UDP over IPv6
# udp_ask SPORT ADDR:PORT...: one datagram to each from A's port SPORT;
# the answer and where it came from, or "none".
udp_ask() {
	in_a timeout 30 "$TB_PY" - "$@" <<'PY'
import socket, sys
sp = int(sys.argv[1])
socks = {}
for t in sys.argv[2:]:
    a, p = t.rsplit(":", 1)
    fam = socket.AF_INET6 if ":" in a else socket.AF_INET
    if fam not in socks:
        s = socks[fam] = socket.socket(fam, socket.SOCK_DGRAM)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", sp))
        s.settimeout(3)
    s = socks[fam]
    s.sendto(b"hi", (a, int(p)))
    try:
        data, src = s.recvfrom(2048)
        print(data.decode(), "<-", "%s:%d" % src[:2])
    except socket.timeout:
        print("none")
PY
}
wait_log "subsystem $PY echo6.py of udp6 listens on udp port 5353 \(IPv4 and IPv6\)"
check "the UDP echo program is bound to 5353, IPv4 and IPv6" test $? -eq 0
wait_log "subsystem $PY echo6.py of udp6 listens on udp port 5354 \(IPv6\)"
check "... and to 5354, IPv6 alone" test $? -eq 0
out=$(udp_ask 40500 2001:db8::30:5353 2001:db8::31:5353 198.19.7.10:5353)
check_eq "UDP: each host answers from its own address, IPv6 and IPv4" \
    "$(printf '%s\n' \
    "echo hi from 2001:db8::1:40500 <- 2001:db8::30:5353" \
    "echo hi from 2001:db8::1:40500 <- 2001:db8::31:5353" \
    "echo hi from ::ffff:198.18.0.1:40500 <- 198.19.7.10:5353")" "$out"
out=$(udp_ask 40510 2001:db8::30:5354 198.19.7.10:5354)
check_eq "UDP IPV6_V6ONLY: IPv6 answered, IPv4 not" \
    "$(printf '%s\n' \
    "echo hi from 2001:db8::1:40510 <- 2001:db8::30:5354" none)" "$out"

# ---- show services
# stat NAME: one engine counter of honeydctl show stats.
stat() {
	ctl show stats 2>/dev/null | tr -s ' \t' '\n\n' |
	    sed -n "/^$1\$/{n;p;q}"
}

# subsys KEYS...: "show services"'s subsystem records, KEYS of each.
subsys() {
	ctl -j show services 2>/dev/null | "$TB_PY" -c '
import json, sys
for r in json.load(sys.stdin).get("subsystem", []):
    print(" ".join(str(r.get(k, "-")) for k in sys.argv[1:]))' "$@"
}
out=$(subsys template proto address port family)
check_match "show services: web6 on every host, both families" \
    "^web6 tcp \* 8080 ipv4\+ipv6$" "$out"
check_match "show services: probe6's IPv6-only 9101" \
    "^probe6 tcp \* 9101 ipv6$" "$out"
check_match "show services: probe6's IPv4 9101" \
    "^probe6 tcp \* 9101 ipv4$" "$out"
out=$(subsys template proto port datagrams_in datagrams_out \
    datagrams_refused | grep "^udp6 udp 5353 ")
check_eq "show services: 5353's datagrams: 3 in, 3 out, 3 refused" \
    "udp6 udp 5353 3 3 3" "$out"

# ---- a process per host: its address alone, IPv4's or IPv6's
wait_log "subsystem $PY -m http.server 8081 .* listens on tcp port 8081 \(IPv4\)"
check "per host: the IPv4 host's :: listen takes IPv4 alone" test $? -eq 0
wait_log "subsystem $PY -m http.server 8081 .* listens on tcp port 8081 \(IPv6\)"
check "per host: the IPv6 host's :: listen takes IPv6 alone" test $? -eq 0
out=$(in_a timeout 10 curl -4 -s -i http://198.19.2.10:8081/ 2>&1)
check_match "per host: curl -4 gets python" "^Server: SimpleHTTP/" "$out"
out=$(in_a timeout 10 curl -6 -s -i "http://[2001:db8::40]:8081/" 2>&1)
check_match "per host: curl -6 to the IPv6 host gets python" \
    "^Server: SimpleHTTP/" "$out"
check_match "per host: two http.server processes for solo6" \
    "^2$" "$(grep -c "subsystem $PY -m http.server 8081 --bind :: of solo6 started" "$HONEYD_LOG")"

wait_log "subsystem $PY who6.py of who6 listens on udp port 5360 \(IPv6\)" 2
check "per host: both IPv6 hosts' processes bound UDP 5360, IPv6" test $? -eq 0
wait_log "subsystem $PY who6.py of who6 listens on tcp port 9200 \(IPv6\)" 2
check "per host: both IPv6 hosts' processes listen on TCP 9200, IPv6" \
    test $? -eq 0
wait_log "subsystem $PY who6.py of who6 listens on tcp port 9200 \(IPv4\)"
check "per host: the IPv4 host's process listens on TCP 9200, IPv4" \
    test $? -eq 0
log=$(honeyd_log)
check_eq "per host: three who6 processes (two /128s, one IPv4)" 3 \
    "$(grep -c "subsystem $PY who6.py of who6 started" "$HONEYD_LOG")"
check_match "per host: the /120 is logged as needing shared" \
    "who6.py of who6: 2001:db8:0:1::/120 is a prefix, not an address.*shared" \
    "$log"
check_match "per host: an IPv6 host's process cannot bind IPv4" \
    "^who6 2001:db8::50 ipv4 bind EADDRNOTAVAIL" "$log"

# who ADDR: what the program at ADDR says over TCP 9200.
who() {
	in_a timeout 10 "$TB_PY" - "$1" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], 9200), timeout=5)
print(s.recv(200).decode().strip())
PY
}
w50=$(who 2001:db8::50)
w51=$(who 2001:db8::51)
w4=$(who 198.19.8.10)
check_match "per host TCP: 2001:db8::50 reaches its own process" \
    "^pid [0-9a-f]+ ip 2001:db8::50 local 2001:db8::50$" "$w50"
check_match "per host TCP: 2001:db8::51 reaches its own process" \
    "^pid [0-9a-f]+ ip 2001:db8::51 local 2001:db8::51$" "$w51"
check_match "per host TCP: 198.19.8.10 reaches its own process" \
    "^pid [0-9a-f]+ ip 198\.19\.8\.10 local ::ffff:198\.19\.8\.10$" "$w4"
pids=$(printf '%s\n' "$w50" "$w51" "$w4" | awk '{ print $2 }' | sort -u |
    wc -l)
check_eq "per host: three distinct processes answer" 3 "$pids"
check_eq "per host: ... and honeyd started three distinct pids" 3 \
    "$(grep "subsystem $PY who6.py of who6 started" "$HONEYD_LOG" |
    sed 's/.*pid //' | sort -u | wc -l)"

# udp_who SPORT ADDR MSG: the answer's length and its first 4 words,
# or "none".
udp_who() {
	in_a timeout 10 "$TB_PY" - "$@" <<'PY'
import socket, sys
sp, a, m = int(sys.argv[1]), sys.argv[2], sys.argv[3]
fam = socket.AF_INET6 if ":" in a else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", sp))
s.settimeout(3)
s.sendto(m.encode(), (a, 5360))
try:
    d = s.recv(65536)
    print(len(d), " ".join(d.decode().split()[:5]), d[-1:].decode())
except socket.timeout:
    print("none")
PY
}
u50=$(udp_who 40600 2001:db8::50 hi)
u51=$(udp_who 40601 2001:db8::51 hi)
check_match "per host UDP: 2001:db8::50's process answers" \
    "^[0-9]+ pid [0-9a-f]+ ip 2001:db8::50 udp p$" "$u50"
check_match "per host UDP: 2001:db8::51's process answers" \
    "^[0-9]+ pid [0-9a-f]+ ip 2001:db8::51 udp p$" "$u51"
check_eq "per host UDP: the same processes as TCP's" \
    "$(echo "$w50" | awk '{ print $2 }') $(echo "$w51" | awk '{ print $2 }')" \
    "$(echo "$u50" | awk '{ print $3 }') $(echo "$u51" | awk '{ print $3 }')"

before=$(stat frag6_out)
out=$(udp_who 40602 2001:db8::50 big)
check_match "a 3000-byte UDP answer over IPv6 arrives whole" \
    "^3000 pid [0-9a-f]+ ip 2001:db8::50 udp \.$" "$out"
after=$(stat frag6_out)
check "... sent as IPv6 fragments (frag6_out $before -> $after)" \
    test "${after:-0}" -gt "${before:-0}"
check_match "65528 bytes, more than IPv6 carries: EMSGSIZE" \
    "^who6 2001:db8::50 65528 bytes EMSGSIZE" "$(honeyd_log)"
before=$(stat frag_out)
out=$(udp_who 40603 198.19.8.10 big)
check_match "a 3000-byte UDP answer over IPv4 arrives whole" \
    "^3000 pid [0-9a-f]+ ip 198\.19\.8\.10 udp \.$" "$out"
after=$(stat frag_out)
check "... sent as IPv4 fragments (frag_out $before -> $after)" \
    test "${after:-0}" -gt "${before:-0}"

honeyd_stop
tb_finish
