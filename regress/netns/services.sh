#!/bin/bash
# Service scripts behind open ports, with real clients: curl against
# scripts/web.sh, a telnet dialogue with scripts/router-telnet.sh, SMTP,
# the SSH banner, UDP echo; the sandbox (uid, gid, limits, session,
# working directory, environment, descriptors) read from /proc; 500
# services at once; the service log; a reset connection ends its
# service; a runaway is killed at its limit; past "option service max"
# connections are refused and logged.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require curl nc "$TB_PY"

conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset

create srv
set srv default tcp action reset
set srv default udp action reset
set srv default icmp action open
add srv tcp port 7 "sh scripts/echo.sh"
add srv udp port 7 "sh scripts/echo.sh"
add srv tcp port 22 "sh scripts/ssh.sh 'OpenSSH_7.4'"
add srv tcp port 23 "sh scripts/router-telnet.sh gw1"
add srv tcp port 25 "sh scripts/smtp.sh mx.example.net"
add srv tcp port 80 "sh scripts/web.sh 'Apache/2.4.41 (Ubuntu)'"
add srv tcp port 2000 "exec sleep 30"
add srv tcp port 2002 "echo to-stderr $ipsrc $sport $dport >&2; exec sleep 30"
add srv tcp port 2003 "/usr/bin/python3 regress/tools/cage_probe.py"
add srv tcp port 2004 "exit 7"
add srv tcp port 2005 "kill -USR1 $$; sleep 5"
set srv uid 4321 gid 4322
set srv maxfds 17

bind 198.19.1.10 srv

create tight
set tight default tcp action reset
add tight tcp port 22 "echo tight"
set tight maxfds 4
bind 198.19.1.11 tight
CONF
)
J=$TB_TMP/events.json
honeyd_start "$conf" -S "$TB_REPO" -j "$J" -s "$TB_TMP/svc.log" \
    198.19.0.0/16
H=198.19.1.10

# json_wait REGEX: wait (at most 10 s) for a JSON log line; print it.
json_wait() {
	local i
	for i in $(seq 100); do
		grep -E -- "$1" "$J" 2>/dev/null | tail -n 1 | grep . && return 0
		sleep 0.1
	done
	return 1
}

# ---- web.sh with curl
out=$(in_a timeout 10 curl -s -i http://$H/ 2>&1)
check_match "curl GET /: 200" "^HTTP/1.1 200 OK" "$out"
check_match "curl GET /: the configured banner" \
    "^Server: Apache/2.4.41 \(Ubuntu\)" "$out"
check_match "curl GET /: the page" "<h1>It works!</h1>" "$out"
out=$(in_a timeout 10 curl -s -I http://$H/ 2>&1)
check_match "curl HEAD /: 200 with a length" "^Content-Length: [0-9]+" "$out"
check_nomatch "curl HEAD /: no body" "<html>" "$out"
out=$(in_a timeout 10 curl -s -o /dev/null -o /dev/null -w '%{http_code}\n' \
    http://$H/nothing-here http://$H/index.html 2>&1)
check_eq "curl: 404, then 200 on the same connection" "$(printf '404\n200')" \
    "$out"

# ---- router-telnet.sh: a dialogue
out=$(in_a timeout 40 "$TB_PY" "$TB_TOOLS/dialogue.py" $H 23 <<'DLG'
expect User Access Verification
expect Username: $
send admin
expect Password: $
send admin
expect % Login invalid
expect Username: $
send cisco
expect Password: $
send cisco
expect gw1>$
send show version
expect Cisco IOS Software
expect gw1>$
send enable
expect Password: $
send secret
expect % Access denied
send exit
eof
DLG
)
check "telnet dialogue: login, show version, enable, exit" test $? -eq 0
check_match "telnet dialogue: went to the end" "step 20 ok: closed" "$out"

# ---- smtp.sh with python's smtplib
out=$(in_a timeout 20 "$TB_PY" - $H <<'PY' 2>&1
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], 25, timeout=10)
print("banner", s.ehlo()[0])
print("sendmail", s.sendmail("a@example.org", ["b@example.net"],
      "Subject: hi\r\n\r\nhello\r\n"))
print("quit", s.quit()[0])
PY
)
check_eq "SMTP: EHLO, a message accepted, QUIT" \
    "$(printf 'banner 250\nsendmail {}\nquit 221')" "$out"

# ---- ssh.sh: the banner
out=$(echo "SSH-2.0-OpenSSH_9.0" | in_a timeout 5 nc -q 1 $H 22 | head -n 1)
check_eq "SSH banner" "SSH-2.0-OpenSSH_7.4$(printf '\r')" "$out"

# (The cage's last steps need a few more descriptors than that.)
out=$(in_a timeout 5 nc -d 198.19.1.11 22 </dev/null)
check_eq "a service with maxfds 4 runs" tight "$out"

# ---- UDP: a datagram in, the service's answer out as a datagram
out=$(in_a timeout 10 "$TB_PY" - $H <<'PY' 2>&1
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(b"ping over udp\n", (sys.argv[1], 7))
print(s.recvfrom(2048)[0].decode().strip())
PY
)
check_eq "UDP echo service answers with a datagram" "ping over udp" "$out"

# ---- the sandbox, from /proc
in_a "$TB_PY" -c "
import socket, time
s = socket.create_connection(('$H', 2002), timeout=10)
time.sleep(6)
" &
holder=$!
line=$(json_wait '"event":"service_start".*"dst_port":2002')
pid=$(printf '%s\n' "$line" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
check "sandbox: service_start logged with a pid ($pid)" test -n "$pid"
# That pid is the cage's keeper; the script is the newest of its group.
kpid=$pid
pid=$(pgrep -n -g "$kpid")
check "sandbox: the script runs in the keeper's process group ($pid)" \
    test -n "$pid" -a "$pid" != "$kpid"
st=$(cat "/proc/$pid/status" 2>&1)
check_match "sandbox: runs as uid 4321" "^Uid:[[:space:]]+4321[[:space:]]+4321[[:space:]]+4321[[:space:]]+4321$" "$st"
check_match "sandbox: runs as gid 4322" "^Gid:[[:space:]]+4322[[:space:]]+4322[[:space:]]+4322[[:space:]]+4322$" "$st"
check_match "sandbox: no other groups" "^Groups:[[:space:]]+4322[[:space:]]*$" "$st"
check_match "sandbox: no new privileges" "^NoNewPrivs:[[:space:]]+1$" "$st"
check_match "sandbox: no capabilities" "^CapEff:[[:space:]]+0+$" "$st"
lim=$(cat "/proc/$pid/limits" 2>&1)
check_match "sandbox: open files = maxfds 17" "^Max open files +17 +17 " "$lim"
check_match "sandbox: CPU time limited" "^Max cpu time +60 +60 " "$lim"
check_match "sandbox: address space limited" \
    "^Max address space +268435456 +268435456 " "$lim"
check_match "sandbox: file size limited" "^Max file size +1048576 +1048576 " \
    "$lim"
check_match "sandbox: processes limited" "^Max processes +4096 +4096 " "$lim"
check_match "sandbox: no core dumps" "^Max core file size +0 +0 " "$lim"
check_same "sandbox: its own session" "$kpid" \
    "$(ps -o sid= -p "$pid" 2>&1 | tr -d ' ')"
check_eq "sandbox: working directory is the service directory (-S)" \
    "$TB_REPO" "$(readlink "/proc/$pid/cwd")"
check_eq "sandbox: only stdin, stdout and stderr open" "0 1 2" \
    "$(ls "/proc/$pid/fd" | sort -n | tr '\n' ' ' | sed 's/ $//')"
env=$(tr '\0' '\n' <"/proc/$pid/environ")
check_match "sandbox: HONEYD_IP_SRC" "^HONEYD_IP_SRC=198\.18\.0\.1$" "$env"
check_match "sandbox: HONEYD_IP_DST" "^HONEYD_IP_DST=198\.19\.1\.10$" "$env"
check_match "sandbox: HONEYD_SRC_PORT" "^HONEYD_SRC_PORT=[0-9]+$" "$env"
check_match "sandbox: HONEYD_DST_PORT" "^HONEYD_DST_PORT=2002$" "$env"
check_match "sandbox: HONEYD_TEMPLATE" "^HONEYD_TEMPLATE=srv$" "$env"
check_match "sandbox: HONEYD_PERSONALITY (none set)" "^HONEYD_PERSONALITY=$" \
    "$env"
# (PWD is the shell's own doing.)  An environment not read is no pass.
extra=$(printf '%s\n' "$env" | grep -Ev '^(PATH|HOME|SHELL|LANG|PWD|HONEYD_[A-Z_]+)=')
check "sandbox: nothing else in the environment${extra:+: $extra}" \
    eval '[ -n "$env" ] && [ -z "$extra" ]'
wait $holder
sport=$(printf '%s\n' "$env" | sed -n 's/^HONEYD_SRC_PORT=//p')
check_match "service log: the stderr line, variables expanded" \
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{4} tcp\(6\) 198\.18\.0\.1 $sport 198\.19\.1\.10 2002: \|to-stderr 198\.18\.0\.1 $sport 2002\|$" \
    "$(cat "$TB_TMP/svc.log")"
check_match "service log: web.sh's request lines" \
    "tcp\(6\) 198\.18\.0\.1 [0-9]+ 198\.19\.1\.10 80: \|GET / HTTP/1\.1\|$" \
    "$(cat "$TB_TMP/svc.log")"

# ---- the cage: what a script an attacker owns can reach
out=$(in_a timeout 30 "$TB_PY" - $H <<'PY' 2>&1
import socket, sys
s = socket.create_connection((sys.argv[1], 2003), timeout=20)
data = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    data += b
print(data.decode(), end="")
PY
)
tb_note "cage_probe.py said:" "$out"
probe() { printf '%s\n' "$out" | sed -n "s/^$1 //p"; }
check_eq "cage: the probe ran to its end" ok "$(probe end)"
for a in 198.18.0.1 198.18.0.2; do
	check_eq "cage: no route to $a (UDP)" ENETUNREACH "$(probe udp_$a)"
	check_match "cage: no TCP to $a (Landlock, or no route)" \
	    '^(EACCES|ENETUNREACH)$' "$(probe tcp_$a)"
done
check_eq "cage: /proc/net/dev has only lo" lo "$(probe netdev)"
check_eq "cage: ip link shows only lo" lo "$(probe iplink)"
check_nomatch "cage: no /root, /home, /var, /run, /sys or /boot" \
    '(^|,)(root|home|var|run|sys|boot)(,|$)' "$(probe rootdir)"
check_match "cage: /usr, /etc, /dev, /proc, /tmp" \
    '^(.*,)?dev,etc,.*proc,.*tmp,usr(,.*)?$' "$(probe rootdir)"
check_eq "cage: the service directory is read-only" EROFS \
    "$(probe write_svcdir)"
check_eq "cage: /etc is read-only" EROFS "$(probe write_etc)"
check_eq "cage: /tmp is writable" ok "$(probe write_tmp)"
check_eq "cage: /dev/null is writable" ok "$(probe write_devnull)"
check_eq "cage: no /etc/shadow" ENOENT "$(probe read_shadow)"
check_eq "cage: no /etc/ssh" absent "$(probe read_sshkeys)"
check "cage: a small pid of its own ($(probe mypid))" \
    test "$(probe mypid)" -le 4
check "cage: /proc shows its own few processes ($(probe pids))" \
    test "$(probe pids)" -le 4
check_eq "cage: ptrace refused" EPERM "$(probe ptrace)"
check_eq "cage: unshare refused" EPERM "$(probe unshare)"
check_eq "cage: mount refused" EPERM "$(probe mount)"
check_eq "cage: packet socket refused" EPERM "$(probe packet)"
check_eq "cage: seccomp filter on" 2 "$(probe Seccomp)"
check_eq "cage: no new privileges" 1 "$(probe NoNewPrivs)"
check_eq "cage: the template's name as hostname" srv "$(probe hostname)"
for ns in mnt pid ipc uts net; do
	mine=$(readlink "/proc/$HONEYD_PID/ns/$ns")
	theirs=$(probe ns_$ns)
	check "cage: its own $ns namespace ($theirs, honeyd's $mine)" \
	    test -n "$theirs" -a -n "$mine" -a "$theirs" != "$mine"
done
check "cage: the probe left nothing in the service directory" \
    test ! -e "$TB_REPO/cage-probe.tmp"

# ---- through the keeper, the parent logs how the script ended
for port in 2004 2005; do
	in_a "$TB_PY" -c "
import socket
s = socket.create_connection(('$H', $port), timeout=10)
s.settimeout(10)
s.recv(10)
"
done
line=$(json_wait '"event":"service_exit".*"dst_port":2004')
check_match "cage: the script's exit status 7 is logged" '"exit_status":7' \
    "$line"
line=$(json_wait '"event":"service_exit".*"dst_port":2005')
check_match "cage: the script's death by SIGUSR1 is logged" '"signal":10' \
    "$line"

# ---- a connection that ends ends its service
in_a "$TB_PY" -c "
import socket, struct, time
s = socket.create_connection(('$H', 2000), timeout=10)
time.sleep(1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
s.close()
"
line=$(json_wait '"event":"service_exit".*"dst_port":2000')
check_match "reset connection: its service was stopped" '"reason":"closed"' \
    "$line"
check_match "reset connection: the script died by SIGTERM" '"signal":15' \
    "$line"
pid=$(printf '%s\n' "$line" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
check "reset connection: the process is gone" test ! -e "/proc/$pid"

# ---- 500 at once, each its own process
out=$(in_a timeout 120 "$TB_PY" "$TB_TOOLS/many_conns.py" $H 22 500 \
    --expect '^SSH-2\.0-OpenSSH_7\.4' --timeout 90)
check_match "500 concurrent connections: all got the banner" \
    "^banners=500$" "$out"
n=$(grep -c '"event":"service_start".*"dst_port":22,' "$J")
check "500 concurrent connections: 500 services started ($n)" \
    test "$n" -ge 500

honeyd_stop
check "JSON log: every line parses (json.tool --json-lines)" \
    json_lines_ok "$J"

# ---- limits: a runaway is killed; past the cap, connections are refused
conf=$(tb_conf limits.conf <<'CONF'
option service timeout 2
option service max 2
create t
set t default tcp action reset
add t tcp port 2000 "exec sleep 60"
bind 198.19.1.10 t
CONF
)
J=$TB_TMP/limits.json
honeyd_start "$conf" -S "$TB_REPO" -j "$J" 198.19.0.0/16
out=$(in_a timeout 20 "$TB_PY" - $H <<'PY' 2>&1
import socket, sys, time
a = socket.create_connection((sys.argv[1], 2000), timeout=10)
b = socket.create_connection((sys.argv[1], 2000), timeout=10)
time.sleep(0.5)
try:
    # The reset may come before connect() even returns.
    c = socket.create_connection((sys.argv[1], 2000), timeout=10)
    print("third", "closed" if c.recv(10) == b"" else "data")
except ConnectionResetError:
    print("third reset")
t = time.monotonic()
a.settimeout(10)
print("first", "closed" if a.recv(10) == b"" else "data")
PY
)
check_match "past 'option service max 2': the third connection is reset" \
    "^third reset$" "$out"
check_match "runaway: killed at its limit, its connection closed" \
    "^first closed$" "$out"
line=$(json_wait '"event":"service_exit".*"reason":"timeout"')
check_match "runaway: service_exit says timeout, SIGKILL" '"signal":9' "$line"
check_match "refusal logged" '"event":"service_refused".*"reason":"limit"' \
    "$(cat "$J")"
honeyd_stop
check_match "refusal in the daemon log" "service refused for connection" \
    "$(honeyd_log)"
check "JSON log: every line parses (json.tool --json-lines)" \
    json_lines_ok "$J"

# ---- a kernel that refuses the namespaces: services run, the log says so
# Without CAP_SYS_ADMIN (as in a container) no kind can be unshared.
real=$HONEYD
HONEYD=$TB_TMP/honeyd-noadmin
printf '#!/bin/sh\nexec setpriv --bounding-set -sys_admin "%s" "$@"\n' \
    "$real" >"$HONEYD"
chmod 755 "$HONEYD"
conf=$(tb_conf noadmin.conf <<'CONF'
create t
set t default tcp action reset
add t tcp port 22 "sh scripts/ssh.sh 'OpenSSH_7.4'"
add t tcp port 2003 "/usr/bin/python3 regress/tools/cage_probe.py"
bind 198.19.1.10 t
CONF
)
honeyd_start "$conf" -S "$TB_REPO" 198.19.0.0/16
out=$(in_a timeout 60 "$TB_PY" "$TB_TOOLS/many_conns.py" $H 22 3 \
    --expect '^SSH-2\.0-OpenSSH_7\.4' --timeout 30)
check_match "no namespaces: services still answer" "^banners=3$" "$out"
out=$(in_a timeout 30 "$TB_PY" -c "
import socket
s = socket.create_connection(('$H', 2003), timeout=20)
d = b''
while True:
    b = s.recv(4096)
    if not b:
        break
    d += b
print(d.decode(), end='')
")
check_eq "no namespaces: still no TCP out (Landlock)" EACCES \
    "$(probe tcp_198.18.0.1)"
check_eq "no namespaces: still seccomp" 2 "$(probe Seccomp)"
honeyd_stop
log=$(honeyd_log)
for kind in mount PID IPC UTS network; do
	check_eq "no namespaces: the log says once there is no $kind namespace" \
	    1 "$(printf '%s\n' "$log" | grep -c "service cage: no $kind namespace")"
done
HONEYD=$real

tb_finish
