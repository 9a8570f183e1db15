#!/bin/bash
# The TCP state machine with real clients and hand-made segments:
# handshake, data and FIN both ways, resets, in-order delivery of
# out-of-order data, SYN+ACK retransmission with backoff, the window
# following the data a service has not read (and zero window probes),
# our own zero-window persistence, and a SYN flood that cannot evict an
# established connection.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require scapy nc hping3 nft

conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset

create linux
set linux default tcp action reset
set linux default icmp action open
add linux tcp port 7 "sh scripts/echo.sh"
add linux tcp port 9 open
add linux tcp port 19 "head -c 2000000 /dev/zero"
add linux tcp port 2000 "exec sleep 30"
add linux tcp port 2001 "printf 'bye\n'"

bind 198.19.1.10 linux
CONF
)
honeyd_start "$conf" -S "$TB_REPO" -j "$TB_TMP/events.json" 198.19.0.0/16
H=198.19.1.10

raw() {
	in_a timeout 40 "$TB_PY" "$TB_TOOLS/tcp_raw.py" -i "$IF_A" \
	    --dst-mac "$MAC_S" --src 198.18.0.9 --dst $H "$@"
}

# An open port: our data is taken, our FIN answered with the host's.
out=$(tb_tcp_session --dst $H --dport 9 --data "discard me" --wait-fin)
check_match "open port: handshake" "^synack_ack_ok=1" "$out"
check_match "open port: our FIN acknowledged" "^fin_acked=1" "$out"
check_match "open port: the host closes too" "^peer_fin=1" "$out"
check_nomatch "open port: no reset" "^peer_rst=1" "$out"
sseq=$(kv syn_seq "$(echo "$out" | tr "\n" " ")")
if is_num "$sseq"; then
	check_match "open port: the 10 bytes acknowledged" \
	    "seg in flags=A .*ack=$(( (sseq + 11) % 4294967296 )) " "$out"
else
	tb_fail "open port: the 10 bytes acknowledged" \
	    "no syn_seq in the session's record" "$out"
fi

# The service closes first (it prints and exits): FIN_WAIT, TIME_WAIT.
out=$(tb_tcp_session --dst $H --dport 2001 --wait-fin)
check_match "service exits: the host's FIN arrives" "^peer_fin=1" "$out"
check_match "service exits: its output came before the FIN" \
    "seg in flags=[A-Z]*P[A-Z]* .*len=4" "$out"
check_match "service exits: our FIN acknowledged" "^fin_acked=1" "$out"

# Echo both ways through a real client.
out=$(printf 'one\ntwo\n' | in_a timeout 10 nc -N $H 7)
check_eq "echo service returns what it got" "$(printf 'one\ntwo')" "$out"

# Out-of-order: the second half first is held, then both go in order.
out=$(raw ooo --dport 7 --data "helloworld")
check_match "out-of-order piece: a duplicate ACK for what is in order" \
    "^ack_after_second=1$" "$out"
check_match "hole filled: everything acknowledged at once" \
    "^ack_after_first=11$" "$out"
check_match "the service saw the stream in order" "^data=helloworld$" "$out"

# The peer's MSS bounds our segments.
out=$(raw mss --dport 19 --mss 536 --bytes 30000)
check_match "peer MSS 536: data flows" "^received=[1-9][0-9]{4}$" "$out"
check_match "peer MSS 536: no segment larger" "^max_seg=536$" "$out"

# Both close at once: CLOSING, then TIME_WAIT answers a repeated FIN.
out=$(raw close --dport 2001)
check_match "simultaneous close: our FIN acknowledged in CLOSING" \
    "^fin_acked=1" "$out"
check_match "TIME_WAIT: a repeated FIN is acknowledged again" \
    "^timewait_ack=1" "$out"
check_match "closing: no reset" "^rst=0" "$out"

# SYN+ACK retransmitted with backoff while the handshake hangs.
out=$(raw synack --dport 9 --timeout 8)
n=$(kv synacks "$(echo "$out" | tr '\n' ' ')")
check "SYN+ACK retransmitted at least 3 times in 8 s (got $n)" \
    test "${n:-0}" -ge 4
gaps=$(kv gaps "$(echo "$out" | tr '\n' ' ')")
check "retransmission gaps grow (backoff): $gaps" awk -v g="$gaps" \
    'BEGIN { n = split(g, a, ","); for (i = 2; i <= n; i++)
	if (a[i] < a[i - 1] * 1.5) exit 1; exit n < 2 }'

# A service that never reads: the window closes on what is buffered,
# a probe into the zero window is answered, the connection lives.
out=$(raw window --dport 2000 --bytes 2000000 --timeout 20)
check_match "window: handshake" "^handshake=ok" "$out"
check_match "window: the advertised window reached zero" "^zero_window=1" \
    "$out"
acc=$(kv accepted "$(echo "$out" | tr '\n' ' ')")
check "window: what was accepted is bounded (${acc} bytes)" \
    test "${acc:-0}" -gt 65536 -a "${acc:-0}" -lt 2000000
check_match "window: a zero window probe is acknowledged" \
    "^probe_acked=1" "$out"

# Our own persistence: a client that does not read for 3 s gets every
# byte anyway (zero window, probes, window update).
in_a timeout 30 "$TB_PY" - $H 19 >"$TB_TMP/chargen.out" 2>&1 <<'PY'
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
time.sleep(3)
n = 0
while True:
    b = s.recv(65536)
    if not b:
        break
    n += len(b)
print("received=%d" % n)
PY
check_match "slow reader: all 2000000 bytes arrive" "^received=2000000$" \
    "$(cat "$TB_TMP/chargen.out")"

# A reload in the middle of a connection: it goes on (the old
# configuration is freed at once; connections hold no pointer into it).
in_a "$TB_PY" - $H 7 >"$TB_TMP/reload.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
s.sendall(b"a\n")
print(s.recv(100).decode().strip())
time.sleep(3)
s.sendall(b"b\n")
print(s.recv(100).decode().strip())
PY
client=$!
sleep 1
kill -HUP "$HONEYD_PID"
wait $client
check_eq "a connection lives through a reload" "$(printf 'a\nb')" \
    "$(cat "$TB_TMP/reload.out")"
check_match "the reload happened" "configuration reloaded" "$(honeyd_log)"

# A SYN flood (our resets to its SYN+ACKs dropped) cannot evict an
# established connection; half-open ones are capped.
in_a "$TB_PY" - $H 7 >"$TB_TMP/flood.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
s.sendall(b"before\n")
print(s.recv(100).decode().strip())
time.sleep(8)
s.sendall(b"after\n")
s.settimeout(10)
print(s.recv(100).decode().strip())
PY
client=$!
sleep 1
in_a nft -f - <<NFT
table inet floodtest {
	chain out {
		type filter hook output priority 0;
		ip daddr $H tcp dport 9 tcp flags rst drop
	}
}
NFT
in_a timeout 60 hping3 -q -S -p 9 -s 10000 -i u200 -c 8000 $H \
    >/dev/null 2>&1
sleep 1
in_a nft delete table inet floodtest
wait $client
check_eq "established connection survives a 8000-SYN flood" \
    "$(printf 'before\nafter')" "$(cat "$TB_TMP/flood.out")"

honeyd_stop
log=$(honeyd_log)
evicted=$(echo "$log" | sed -n 's/.* evicted \([0-9]*\);.*/\1/p' | head -1)
check "flood: past the half-open cap, half-open ones were evicted ($evicted)" \
    test "${evicted:-0}" -ge 1
check_match "stats: connection counts logged" \
    "tcp established [0-9]+ closed [0-9]+ reset [0-9]+ timeout" "$log"
check "JSON log: every line parses (json.tool --json-lines)" \
    json_lines_ok "$TB_TMP/events.json"
check_match "JSON log: the echo session recorded" \
    '"event":"connection_end".*"dst_port":7.*"bytes_in":8,"bytes_out":8' \
    "$(cat "$TB_TMP/events.json")"

tb_finish
