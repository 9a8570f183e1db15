#!/bin/bash
# Proxies and tarpits.  "proxy $ipsrc:22" sends the attacker's
# connection back to a listener in the attacker's own namespace; data
# goes both ways and either side's close closes the other; a proxy to
# a closed port resets the connection; UDP is relayed datagram by
# datagram; a literal target and 1 MB both ways arrive intact; a tarpit
# answers in dribbles.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require "$TB_PY" nc

conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset

create p
set p default tcp action reset
set p default udp action reset
add p tcp port 22 proxy $ipsrc:22
add p tcp port 2222 proxy $ipsrc:2223
add p tcp port 8080 proxy 198.18.0.1:8081
add p udp port 53 proxy $ipsrc:5353
add p tcp port 7 tarpit "sh scripts/echo.sh"
bind 198.19.1.10 p
CONF
)
J=$TB_TMP/events.json
honeyd_start "$conf" -S "$TB_REPO" -j "$J" 198.19.0.0/16
H=198.19.1.10

# The attacker's own listeners: port 22 (banner, echo, "quit" closes),
# 8081 (echo of everything, for 1 MB), UDP 5353 (datagram echo).
in_a timeout 60 "$TB_PY" - >"$TB_TMP/listener.out" 2>&1 <<'PY' &
import selectors, socket
sel = selectors.DefaultSelector()
def listen(port, kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("198.18.0.1", port))
    if kind == socket.SOCK_STREAM:
        s.listen(16)
    sel.register(s, selectors.EVENT_READ, ("listen", port))
    return s
listen(22); listen(8081); listen(5353, socket.SOCK_DGRAM)
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        kind, port = key.data
        s = key.fileobj
        if kind == "listen" and port == 5353:
            data, peer = s.recvfrom(2048)
            s.sendto(b"udp-echo: " + data, peer)
            continue
        if kind == "listen":
            c, peer = s.accept()
            print("accept %d from %s" % (port, peer[0]), flush=True)
            if port == 22:
                c.sendall(b"SSH-2.0-attacker-own-listener\r\n")
            sel.register(c, selectors.EVENT_READ, ("conn", port))
            continue
        data = s.recv(65536)
        if not data:
            print("eof %d" % port, flush=True)
            sel.unregister(s)
            s.close()
        elif port == 22 and data.strip() == b"quit":
            s.sendall(b"bye\r\n")
            print("closing %d" % port, flush=True)
            sel.unregister(s)
            s.close()
        elif port == 22:
            s.sendall(b"echo: " + data)
        else:
            s.sendall(data)
PY
listener=$!
for i in $(seq 50); do
	grep -q ready "$TB_TMP/listener.out" && break
	sleep 0.1
done

out=$(in_a timeout 20 "$TB_PY" "$TB_TOOLS/dialogue.py" $H 22 <<'DLG'
expect ^SSH-2\.0-attacker-own-listener
send hello through the honeypot
expect echo: hello through the honeypot
send quit
expect bye
eof
DLG
)
check "proxy \$ipsrc:22: banner and data both ways, listener's close" \
    test $? -eq 0
check_match "proxy \$ipsrc:22: the listener closed, so did we" \
    "step 6 ok: closed" "$out"
check_match "proxy: the listener was reached from the sensor" \
    "^accept 22 from 198\.18\.0\.2$" "$(cat "$TB_TMP/listener.out")"
check_match "proxy_start logged with its target" \
    '"event":"proxy_start".*"dst_port":22,.*"target_ip":"198\.18\.0\.1","target_port":22' \
    "$(cat "$J")"

# The client closes first: the listener sees EOF.
out=$(printf 'one line\n' | in_a timeout 10 nc -N $H 22)
check_match "proxy: data came back" "echo: one line" "$out"
sleep 0.5
check "proxy: the client's close reached the listener" \
    test "$(grep -c '^eof 22$' "$TB_TMP/listener.out")" -ge 1

# Nothing listens on 2223: the connection is reset.
out=$(in_a timeout 10 "$TB_PY" - $H <<'PY' 2>&1
import socket, sys
try:
    # The reset may come before connect() even returns.
    s = socket.create_connection((sys.argv[1], 2222), timeout=5)
    print("closed" if s.recv(10) == b"" else "data")
except ConnectionResetError:
    print("reset")
PY
)
check_eq "proxy to a closed port: the connection is reset" "reset" "$out"
check_match "proxy_failed logged" '"event":"proxy_failed".*"dst_port":2222' \
    "$(cat "$J")"

# UDP: each datagram relayed, the answer comes back from the host.
out=$(in_a timeout 10 "$TB_PY" - $H <<'PY' 2>&1
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
for m in (b"first", b"second"):
    s.sendto(m, (sys.argv[1], 53))
    data, peer = s.recvfrom(2048)
    print(data.decode(), peer[0], peer[1])
PY
)
check_eq "UDP proxy: two datagrams relayed and answered" \
    "$(printf 'udp-echo: first 198.19.1.10 53\nudp-echo: second 198.19.1.10 53')" \
    "$out"

# 1 MB both ways through a literal target.
head -c 1000000 /dev/urandom >"$TB_TMP/big"
t0=$(date +%s.%N)
in_a timeout 60 nc -N $H 8080 <"$TB_TMP/big" >"$TB_TMP/big.out"
t1=$(date +%s.%N)
check "proxy 198.18.0.1:8081: 1 MB out and back intact" \
    cmp "$TB_TMP/big" "$TB_TMP/big.out"
tb_note "1 MB each way through the proxy in $(echo "$t1 - $t0" | bc) s"

# A tarpit: a few bytes of window, one small segment a second.
out=$(tb_tcp_session --dst $H --dport 7 --data "0123456789abcdefghijklmnopqrstuvwxyz" \
    --wait-fin --timeout 20)
check_match "tarpit: the echo came back, all 36 bytes" \
    "^fin_acked=1" "$out"
big=$(printf '%s\n' "$out" | awk '/^seg in / { split($6, a, "=");
    if (a[2] > 16) n++ } END { print n + 0 }')
n=$(printf '%s\n' "$out" | awk '/^seg in / { split($6, a, "=");
    if (a[2] > 0) n++ } END { print n + 0 }')
# Of the segments with data (there must be some), none over 16 bytes.
check "tarpit: no segment from the host carries more than 16 bytes ($big of $n)" \
    eval '[ "$n" -ge 1 ] && [ "$big" -eq 0 ]'
check "tarpit: 36 bytes took several segments ($n)" test "$n" -ge 3

kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
honeyd_stop
check "JSON log: every line parses (json.tool --json-lines)" \
    json_lines_ok "$J"
tb_finish
