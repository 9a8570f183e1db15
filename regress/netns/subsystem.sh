#!/bin/bash
# Subsystems: real, unmodified programs serving the virtual hosts
# through the preloaded library.  python3's http.server, shared by the
# two hosts of a Linux template: curl from A gets its directory listing
# and its "Server: SimpleHTTP" banner from both, nmap -sS sees the port
# open and nmap -O still names the template's personality; "show
# services" lists it with its pid and port; killed, "restart" brings it
# back.  Unshared: one process per host.  A port the template does not
# declare open is refused (the program's listen fails).  A static
# program is not started, with the log's reason.  dropbear, a real SSH
# server, gives its banner.  A program that closes every descriptor
# (close_range) still listens, a dup of an accepted socket still names
# its peer, and read(2) of a UDP socket gets the datagram alone.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require curl nc nmap cc "$TB_PY" dropbear dropbearkey

CTL=$(dirname "$HONEYD")/honeydctl
[ -x "$CTL" ] || CTL=$TB_REPO/build/honeydctl
ctl() { in_s "$CTL" -s "$TB_TMP/honeyd.sock" "$@"; }

www=$TB_TMP/www
mkdir -p "$www"
echo hello >"$www/subsystem-hello.txt"
chmod 755 "$www"
chmod 644 "$www/subsystem-hello.txt"

printf 'int main(void) { return 0; }\n' >"$TB_TMP/static.c"
cc -static -o "$TB_TMP/static" "$TB_TMP/static.c" 2>"$TB_TMP/cc.err"
check "a static program is built (cc -static)" test -x "$TB_TMP/static"
chmod 755 "$TB_TMP" "$TB_TMP/static"

dropbearkey -t ed25519 -f "$TB_TMP/dbkey" >/dev/null 2>&1
chmod 644 "$TB_TMP/dbkey"
check "a dropbear host key" test -s "$TB_TMP/dbkey"
# The caged program sees the service directory, not $TB_TMP.
cp "$TB_TMP/dbkey" "$www/dbkey"

# A program that says what the library gives it: outgoing connect and
# UDP refused, an IPv6 listen checked as an IPv4 one, then for each
# connection its peer and local addresses as it sees them.
cat >"$www/probe.py" <<'PROBE'
import errno, os, socket, sys
def err(f):
    try:
        f()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
s = socket.socket()
print("connect", err(lambda: s.connect(("198.18.0.1", 80))), file=sys.stderr)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print("sendto", err(lambda: u.sendto(b"x", ("198.18.0.1", 53))),
      file=sys.stderr)
s6 = socket.socket(socket.AF_INET6)
print("bind6", err(lambda: s6.bind(("::", 9101))), err(lambda: s6.listen()),
      file=sys.stderr)
print("udpbind", err(lambda: u.bind(("0.0.0.0", 9102))), file=sys.stderr)
print("uid", os.getuid(), file=sys.stderr, flush=True)
# A daemon's habit: close every descriptor above stderr (close_range).
os.closerange(3, 65536)
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", 9100))
l.listen(5)
while True:
    c, a = l.accept()
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    d = socket.socket(fileno=os.dup(c.fileno()))
    c.sendall(("peer %s:%d local %s:%d dup %s:%d\n" %
               (a + c.getsockname() + d.getpeername())).encode())
    d.close()
    c.close()
PROBE
chmod 644 "$www/probe.py"

# A UDP echo server: each datagram back, with what the program saw.
cat >"$www/echo.py" <<'ECHO'
import errno, os, socket, sys, threading
# Port 5355 is read with read(2): the datagram without the library's
# header; write(2) has no peer to go to.
def reader():
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind(("0.0.0.0", 5355))
    while True:
        data = os.read(r.fileno(), 2048)
        try:
            os.write(r.fileno(), b"x")
            w = "ok"
        except OSError as e:
            w = errno.errorcode.get(e.errno, str(e.errno))
        print("read", data.decode(errors="replace"), "write", w,
              file=sys.stderr, flush=True)
threading.Thread(target=reader, daemon=True).start()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5353))
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(b"echo " + data + (" from %s:%d" % peer).encode(), peer)
    # A port that never sent to us: the engine must not send it.
    s.sendto(b"unsolicited", (peer[0], peer[1] + 1))
ECHO
chmod 644 "$www/echo.py"

PY=/usr/bin/python3
conf=$(tb_conf honeyd.conf <<CONF
create default
set default default tcp action reset

create web
set web personality "Linux 4.15 - 5.6"
set web default tcp action reset
add web tcp port 8080 open
add web subsystem "$PY -m http.server 8080 --bind 0.0.0.0" shared restart
set web uid 4321 gid 4322
bind 198.19.1.10 web
bind 198.19.1.11 web

create solo
set solo default tcp action reset
add solo tcp port 8081 open
add solo subsystem "$PY -m http.server 8081 --bind 0.0.0.0"
bind 198.19.2.10 solo
bind 198.19.2.11 solo

create undeclared
set undeclared default tcp action reset
add undeclared subsystem "$PY -m http.server 8082 --bind 0.0.0.0"
bind 198.19.3.10 undeclared

create static
add static tcp port 9000 open
add static subsystem "$TB_TMP/static"
bind 198.19.4.10 static

create probe
set probe default tcp action reset
add probe tcp port 9100 open
add probe subsystem "$PY probe.py"
set probe uid 4323 gid 4323
bind 198.19.6.10 probe

create udpecho
set udpecho default udp action reset
add udpecho udp port 5353 open
add udpecho udp port 5355 open
add udpecho subsystem "$PY echo.py" shared
bind 198.19.7.10 udpecho
bind 198.19.7.11 udpecho

create ssh
set ssh default tcp action reset
add ssh tcp port 2222 open
add ssh subsystem "/usr/sbin/dropbear -F -E -s -p 2222 -r dbkey" shared
bind 198.19.5.10 ssh
CONF
)
honeyd_start "$conf" -S "$www" 198.19.0.0/16

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

wait_log "subsystem $PY -m http.server 8080 .* listens on tcp port 8080"
check "the shared web subsystem listens on 8080" test $? -eq 0

# ---- the shared program serves both hosts
for h in 198.19.1.10 198.19.1.11; do
	out=$(in_a timeout 10 curl -s -i http://$h:8080/ 2>&1)
	check_match "curl $h:8080: 200" "^HTTP/1.0 200 OK" "$out"
	check_match "curl $h:8080: python's banner" "^Server: SimpleHTTP/" \
	    "$out"
	check_match "curl $h:8080: the directory listing" \
	    "subsystem-hello.txt" "$out"
done
out=$(in_a timeout 10 curl -s http://198.19.1.10:8080/subsystem-hello.txt)
check_eq "curl: a file of the service directory" hello "$out"
check_match "python logged the peer's address (getpeername/accept)" \
    "198\.18\.0\.1 - - .*GET /subsystem-hello.txt" "$(honeyd_log)"

# ---- nmap: open port, the template's OS
out=$(nmap_port_states 198.19.1.10 tcp 8080,8079)
check_eq "nmap -sS: 8080 open, 8079 closed" "$(printf '8080/open\n8079/closed')" \
    "$out"
out=$(in_a timeout 120 nmap -n -Pn -sV -p 8080 --version-light \
    198.19.1.11 2>&1)
check_match "nmap -sV: SimpleHTTPServer" "8080/tcp +open +http +SimpleHTTPServer" \
    "$out"
out=$(in_a timeout 200 nmap -n -Pn -O -p 8080,113 --max-retries 2 \
    198.19.1.10 2>&1)
check_match "nmap -O: still Linux 4.15 - 5.6" \
    "OS details: .*Linux 4\.15 - 5\.6" "$out"

# ---- show services: the subsystem, its pid, its port
# subsys KEYS...: "show services"'s subsystem records, KEYS of each.
subsys() {
	ctl -j show services 2>/dev/null | "$TB_PY" -c '
import json, sys
for r in json.load(sys.stdin).get("subsystem", []):
    print(" ".join(str(r.get(k, "-")) for k in sys.argv[1:]))' "$@"
}
out=$(subsys template address port)
check_match "show services: web listens on every host's 8080" \
    "^web \* 8080$" "$out"
pid=$(subsys template pid | awk '$1 == "web" { print $2 }')
check "show services: web's pid" test "${pid:-0}" -gt 0

# ---- one process per host without "shared"
wait_log "listens on tcp port 8081" 2
check "two unshared programs listen on 8081" test $? -eq 0
n=$(grep -Ec "subsystem $PY -m http.server 8081 .* started, pid" \
    "$HONEYD_LOG")
check_eq "two unshared processes started" 2 "$n"
out=$(subsys template pid address | awk '$1 == "solo" { print $2, $3 }' |
    sort -u)
check_eq "show services: two pids, one per host" 2 \
    "$(printf '%s\n' "$out" | awk '{ print $1 }' | sort -u | grep -c .)"
check_eq "show services: solo's two hosts" \
    "$(printf '198.19.2.10\n198.19.2.11')" \
    "$(printf '%s\n' "$out" | awk '{ print $2 }' | sort)"
for h in 198.19.2.10 198.19.2.11; do
	out=$(in_a timeout 10 curl -s -i http://$h:8081/ 2>&1)
	check_match "curl $h:8081: python's banner" "^Server: SimpleHTTP/" \
	    "$out"
done

# ---- restart: kill the shared program, it comes back
victim=$(pgrep_under "$HONEYD_PID" -f -- "-m http.server 8080" | head -n 1)
check "the shared program is running" test -n "$victim"
in_s kill -KILL "$victim"
wait_log "subsystem $PY -m http.server 8080 .*: killed by signal|exited" &&
    wait_log "subsystem $PY -m http.server 8080 .* listens on tcp port 8080" 2
check "restart: it listens again" test $? -eq 0
out=$(in_a timeout 10 curl -s -i http://198.19.1.10:8080/ 2>&1)
check_match "restart: curl gets python again" "^Server: SimpleHTTP/" "$out"
victim2=$(pgrep_under "$HONEYD_PID" -f -- "-m http.server 8080" | head -n 1)
check "restart: another process" test -n "$victim2" -a "$victim2" != "$victim"

# ---- a port the template does not declare open
wait_log "subsystem $PY -m http.server 8082 .*: listen on port 8082 refused"
check "an undeclared port's listen is refused" test $? -eq 0
wait_log "subsystem $PY -m http.server 8082 .* of undeclared: exited"
check "the program whose listen failed exited" test $? -eq 0
out=$(nmap_port_states 198.19.3.10 tcp 8082)
check_eq "the undeclared port stays closed" 8082/closed "$out"

# ---- what the library gives a program
wait_log "subsystem $PY probe.py of probe listens on tcp port 9100"
check "the probe listens on 9100" test $? -eq 0
log=$(honeyd_log)
check_match "connect() out: ECONNREFUSED" "^connect ECONNREFUSED" "$log"
check_match "UDP sendto(): ENETUNREACH" "^sendto ENETUNREACH" "$log"
check_match "the subsystem runs as the template's uid" "^uid 4323$" "$log"
check_match "a UDP bind of a port not declared open: EACCES" \
    "^udpbind EACCES" "$log"
check_match "IPv6 intercepted: listen on a port not declared open: EACCES" \
    "^bind6 ok EACCES" "$log"
out=$(in_a timeout 10 nc -w 5 -p 40123 198.19.6.10 9100 </dev/null)
check_eq "accept: the peer; getsockname: the virtual host; after close_range, dup: the peer" \
    "peer 198.18.0.1:40123 local 198.19.6.10:9100 dup 198.18.0.1:40123" "$out"

# ---- UDP: datagrams to the program and back, from the host addressed
# udp_ask ADDR...: one datagram to port 5353 of each from A (port
# 40500), the answer and where it came from, or "none".
udp_ask() {
	in_a timeout 20 "$TB_PY" - "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 40500))
s.settimeout(3)
for h in sys.argv[1:]:
    s.sendto(b"hi", (h, 5353))
    try:
        data, src = s.recvfrom(2048)
        print(data.decode(), "<-", "%s:%d" % src)
    except socket.timeout:
        print("none")
PY
}
wait_log "subsystem $PY echo.py of udpecho listens on udp port 5353"
check "the UDP echo program is bound to 5353" test $? -eq 0
out=$(udp_ask 198.19.7.10 198.19.7.11)
check_eq "UDP: each host answers from its own address" \
    "$(printf '%s\n' "echo hi from 198.18.0.1:40500 <- 198.19.7.10:5353" \
    "echo hi from 198.18.0.1:40500 <- 198.19.7.11:5353")" "$out"
in_a "$TB_PY" -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"hi5355", ("198.19.7.10", 5355))'
wait_log "read hi5355 write EDESTADDRREQ"
check "UDP read(2): the datagram alone; write(2): EDESTADDRREQ" test $? -eq 0
out=$(nmap_port_states 198.19.7.10 udp 5353,5354)
# nmap's probe gets the echo: an answer, so open.
check_eq "nmap -sU: 5353 open (it answered), 5354 closed" \
    "$(printf '5353/open\n5354/closed')" "$out"
out=$(subsys template proto port datagrams_in datagrams_out \
    datagrams_refused | grep "^udpecho udp 5353 ")
check_match "show services: the UDP port" "^udpecho udp 5353 " "$out"
check "show services: as many datagrams out as in (answers)" \
    test "$(echo "$out" | awk '{ print $4 }')" = \
    "$(echo "$out" | awk '{ print $5 }')" -a "$(echo "$out" |
    awk '{ print $4 }')" -ge 2
check "show services: the unsolicited ones refused" \
    test "$(echo "$out" | awk '{ print $6 }')" -ge 2

# ---- a new engine learns which ports listen
engine=$(for p in $(pgrep -P "$HONEYD_PID"); do
	grep -q engine "/proc/$p/cmdline" 2>/dev/null && echo "$p"
done | head -n 1)
check_match "an engine runs" '^[0-9]+$' "$engine"
kill -KILL "$engine"
wait_log "engine restarted"
check "the engine was restarted" test $? -eq 0
out=$(in_a timeout 10 curl -s -i http://198.19.1.11:8080/ 2>&1)
check_match "after an engine restart: python serves again" \
    "^Server: SimpleHTTP/" "$out"
check_match "... and show services lists it" "^web \* 8080$" \
    "$(subsys template address port)"
out=$(udp_ask 198.19.7.11)
check_eq "after an engine restart: UDP too" \
    "echo hi from 198.18.0.1:40500 <- 198.19.7.11:5353" "$out"

# ---- reload: solo's subsystem goes, web's stays as it was
webpid=$(subsys template pid | awk '$1 == "web" { print $2 }')
sed -i '/^add solo subsystem/d' "$conf"
honeyd_reload "configuration loaded"
check "reload without solo's subsystem" test $? -eq 0
wait_log "of solo: killed by signal 15" 2
check "reload: both of solo's programs stopped" test $? -eq 0
out=$(subsys template pid)
check_eq "reload: web's program kept" "web $webpid" \
    "$(printf '%s\n' "$out" | grep '^web ')"
check_nomatch "reload: solo listens no more" "^solo " "$out"
out=$(in_a timeout 10 curl -s -o /dev/null -w '%{http_code}' \
    -m 3 http://198.19.2.10:8081/ 2>&1)
check_eq "reload: solo's port is a plain open one (no answer)" 000 "$out"
check_eq "reload: the program that ended is started again" 2 \
    "$(grep -Ec "subsystem $PY -m http.server 8082 .* started, pid" \
    "$HONEYD_LOG")"

# ---- a static program
check_match "a static program: the reason, not started" \
    "subsystem $TB_TMP/static: statically linked, its sockets cannot be virtualised; not started" \
    "$(honeyd_log)"

# ---- dropbear's banner
wait_log "subsystem /usr/sbin/dropbear .* listens on tcp port 2222"
check "dropbear listens on 2222" test $? -eq 0
out=$(in_a timeout 10 nc -w 5 198.19.5.10 2222 </dev/null | head -n 1)
check_match "dropbear: its SSH banner" "^SSH-2\.0-dropbear" "$out"

honeyd_stop
tb_finish
