#!/bin/bash
# A differential battery (tools/diffprobe.py): some 200 unusual probes,
# sent both to the sensor namespace's own Linux kernel (twice, to tell
# its stable answers from the timing-dependent ones) and to two virtual
# hosts, with the same ports: 8080 open TCP (a listener that accepts and
# reads), 8081 closed TCP, 8082 closed UDP, 8083 open UDP (bound, never
# read).  The first host has honeyd's plain Linux stack (a template
# without personality): honeyd's own model of a modern Linux, which no
# fingerprint pins, so each difference from the kernel is one honeyd
# could remove.  The second has the personality "Linux 4.15 - 5.6",
# the nmap entry nearest the kernel: nmap's probes get the fingerprint's
# answers, every other probe should get the kernel's.  What a stack may
# choose (ISNs, window, TTL, MSS and WS values, timestamp and IP ID
# values) is normalised away; everything else must agree.  The test
# fails when more probes differ than the ratchets DIFF_MAX (plain) and
# DIFF_MAX_PERS (personality): fidelity may only get better.  The
# tables are printed either way.
# run.sh: plain build only (some three minutes; the fuzz targets and the
# other tests put the sanitizers on the same code paths).
. "$(dirname "$0")/../lib.sh"

# Differences left (the ratchets): lower them when honeyd gets closer.
DIFF_MAX=${DIFF_MAX:-0}
DIFF_MAX_PERS=${DIFF_MAX_PERS:-0}

tb_setup

H=198.19.1.10
P=198.19.1.11
conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset
set default default udp action reset
set default default icmp action open

create plain
set plain default tcp action reset
set plain default udp action reset
set plain default icmp action open
add plain tcp port 8080 open
add plain udp port 8083 open
bind 198.19.1.10 plain

create lnx
set lnx personality "Linux 4.15 - 5.6"
set lnx default tcp action reset
set lnx default udp action reset
set lnx default icmp action open
add lnx tcp port 8080 open
add lnx udp port 8083 open
bind 198.19.1.11 lnx
CONF
)
honeyd_start "$conf" 198.19.0.0/16

# The kernel's side: a TCP listener that reads and closes on EOF, and a
# UDP socket that is bound and never read.  (Not through in_s: $! must
# be the listener itself, which the test stops before honeyd.)
ip netns exec "$NS_S" "$TB_PY" -c '
import selectors, socket
sel = selectors.DefaultSelector()
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("198.18.0.2", 8080))
l.listen(512)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("198.18.0.2", 8083))
sel.register(l, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        s = key.fileobj
        if s is l:
            c, _ = l.accept()
            c.setblocking(False)
            sel.register(c, selectors.EVENT_READ)
            continue
        try:
            d = s.recv(65536)
        except OSError:
            d = b""
        if not d:
            sel.unregister(s)
            s.close()
' >"$TB_TMP/listener.log" 2>&1 &
listener=$!
for _ in $(seq 50); do
	in_s ss -ltn 2>/dev/null | grep -q ':8080 ' && break
	sleep 0.1
done
check_match "kernel listener on 198.18.0.2:8080" ':8080 ' \
    "$(in_s ss -ltn 2>&1)"

probe() {
	in_a timeout 600 "$TB_PY" "$TB_TOOLS/diffprobe.py" run -i "$IF_A" \
	    --dst-mac "$MAC_S" --dst "$1" --out "$2" \
	    --wait "${DIFF_WAIT:-0.2}"
}

check "battery against the kernel (1)" probe "$ADDR_S" "$TB_TMP/k1.json"
check "battery against honeyd's plain stack" probe "$H" "$TB_TMP/h.json"
check "battery against the Linux personality" probe "$P" "$TB_TMP/p.json"
check "battery against the kernel (2)" probe "$ADDR_S" "$TB_TMP/k2.json"

kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null

# compare WHO JSON MAX: the table against the kernel runs, and checks.
compare() {
	local table sum probes stable diff
	table=$("$TB_PY" "$TB_TOOLS/diffprobe.py" compare "$TB_TMP/k1.json" \
	    "$TB_TMP/k2.json" "$2" 2>&1)
	tb_note "kernel and $1:"
	printf '%s\n' "$table" | sed 's/^/# /'
	sum=$(printf '%s\n' "$table" | tail -n 1)
	probes=$(kv probes "$sum")
	stable=$(kv stable "$sum")
	diff=$(kv different "$sum")
	check_match "$1: comparison complete" \
	    '^probes=[0-9]+ .*different=[0-9]+$' "$sum"
	check "$1: at least 100 probes sent (${probes:-?})" \
	    test "${probes:-0}" -ge 100
	check "$1: the kernel answered most probes alike twice ($stable of $probes)" \
	    test "$((${stable:-0} * 10))" -ge "$((${probes:-1} * 8))"
	tb_note "$1: differences from the kernel: ${diff:-?} (ratchet: at most $3)"
	check "$1: at most $3 probes answered unlike the kernel (${diff:-?})" \
	    test "${diff:-99999}" -le "$3"
}

compare "plain stack" "$TB_TMP/h.json" "$DIFF_MAX"
compare "Linux 4.15 - 5.6" "$TB_TMP/p.json" "$DIFF_MAX_PERS"

tb_finish
