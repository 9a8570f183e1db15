#!/bin/bash
# GRE tunnels in a routing topology: a remote site (namespace A) routes
# address space to honeyd through a GRE tunnel.  A's end is 198.18.0.1,
# honeyd's the claimed 198.18.0.66 (the tunnel names it, so honeyd
# claims it although the command line gives only 198.19.0.0/16); A
# routes 198.19.200.0/23 into the tunnel from its site network
# 198.18.128.0/24, and honeyd's topology routes that network back
# through the same tunnel.  Ping, TCP and traceroute reach the virtual
# hosts and routers behind the tunnel's router and their answers come
# back through the tunnel: on the wire everything between them is GRE,
# both ways.  A ping larger than the tunnel's MTU goes in fragments
# inside GRE and its reply in fragments of GRE.  Malformed GRE is
# counted and never answered; the counters match the wire.
#
# A's end is the kernel's ip_gre when it has one; a kernel without it
# gets regress/tools/gre_endpoint.py on a TUN device instead, which
# puts the same GRE on the wire.
. "$(dirname "$0")/../lib.sh"

tb_require tcpdump traceroute scapy

LOCAL=198.18.0.66		# honeyd's end
SITE=198.18.128.1		# A's address in its site network
H1=198.19.200.5			# on the tunnel router's own link
WEB=198.19.201.5		# one router further, 10 ms away

tb_setup

conf=$(tb_conf gre.conf <<CONF
create default
set default default tcp action reset
set default default udp action reset
set default default icmp action open
create web
set web default tcp action reset
set web default udp action reset
set web default icmp action open
add web tcp port 80 open
bind $WEB web

route entry 198.19.200.1 network 198.19.200.0/23
route 198.19.200.1 link 198.19.200.0/24
route 198.19.200.1 add net 198.19.201.0/24 198.19.201.1 latency 10ms
route 198.19.201.1 link 198.19.201.0/24
route 198.19.200.1 add net 198.18.128.0/24 tunnel $LOCAL $ADDR_A
CONF
)
honeyd_start "$conf" 198.19.0.0/16

check "the tunnel's local end $LOCAL is claimed (answers ping)" \
    ping_ok "$LOCAL"

# A's end of the tunnel.
if in_a ip tunnel add gre1 mode gre local "$ADDR_A" remote "$LOCAL" \
    ttl 64 2>/dev/null; then
	tb_note "A's tunnel end: the kernel's ip_gre"
else
	tb_note "no ip_gre in this kernel: A's tunnel end is gre_endpoint.py"
	in_a ip tuntap add dev gre1 mode tun ||
		tb_abort "TUN device gre1 created in A"
	# Not through in_a: $! must be the endpoint itself.
	ip netns exec "$NS_A" "$TB_PY" "$TB_TOOLS/gre_endpoint.py" \
	    --tun gre1 --local "$ADDR_A" --remote "$LOCAL" \
	    >"$TB_TMP/endpoint.log" 2>&1 &
	endpoint=$!
	for _ in $(seq 50); do
		grep -q ready "$TB_TMP/endpoint.log" 2>/dev/null && break
		sleep 0.1
	done
	check_match "gre_endpoint.py runs" ready "$(cat "$TB_TMP/endpoint.log")"
fi
err=$(
	set -e
	exec 2>&1
	in_a ip link set gre1 mtu 1476 up
	in_a ip addr add "$SITE/24" dev gre1
	in_a ip route add 198.19.200.0/23 dev gre1 src "$SITE"
) || tb_abort "tunnel set up in A" "$err"
in_a ethtool -K gre1 tx off >/dev/null 2>&1

# Everything on A's wire while the probes run.
in_a timeout 120 tcpdump -i "$IF_A" -nn -l ip >"$TB_TMP/wire.txt" \
    2>"$TB_TMP/wire.err" &
dump=$!
tb_listening "$TB_TMP/wire.err"

check "ping $H1 through the tunnel" ping_ok "$H1"
check "ping the tunnel's router 198.19.200.1" ping_ok 198.19.200.1
t1=$(in_a ping -n -c 1 -W 3 "$H1" | sed -n 's/.*ttl=\([0-9]*\).*/\1/p')
out=$(in_a ping -n -c 3 -i 0.2 -W 3 "$WEB")
t2=$(printf '%s\n' "$out" | sed -n 's/.*ttl=\([0-9]*\).*/\1/p' | head -n 1)
check_eq "one router deeper: TTL one less (from $WEB)" \
    "$((${t1:-0} - 1))" "${t2:-none}"
rtt=$(printf '%s\n' "$out" | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' |
    sort -n | head -n 1)
check "the 10 ms link, both ways: $WEB answers in 20 ms or more" \
    awk -v r="${rtt:-0}" 'BEGIN { print r " ms"; exit !(r >= 19.9) }'

check "TCP connection to $WEB:80 (open) through the tunnel" \
    in_a timeout 10 bash -c "exec 3<>/dev/tcp/$WEB/80"
out=$(in_a timeout 10 bash -c "exec 3<>/dev/tcp/$WEB/81" 2>&1)
check_match "TCP to $WEB:81 (closed): refused, the reset came back" \
    'Connection refused' "$out"

out=$(in_a timeout 60 traceroute -I -n -q 1 -w 3 -m 8 "$WEB" 2>&1)
path=$(printf '%s\n' "$out" | awk '$1 ~ /^[0-9]+$/ { printf "%s%s", sep, $2; sep = " " }')
check_eq "traceroute -I $WEB through the tunnel: routers in order" \
    "198.19.200.1 198.19.201.1 $WEB" "$path" || tb_note "$out"
out=$(in_a timeout 60 traceroute -n -q 1 -w 3 -m 8 "$WEB" 2>&1)
path=$(printf '%s\n' "$out" | awk '$1 ~ /^[0-9]+$/ { printf "%s%s", sep, $2; sep = " " }')
check_eq "traceroute (UDP) $WEB through the tunnel" \
    "198.19.200.1 198.19.201.1 $WEB" "$path" || tb_note "$out"

# Larger than the tunnel's MTU: A fragments it before the tunnel,
# honeyd reassembles it, and the reply leaves in outer fragments.
check "a 3000-byte ping through the tunnel" \
    in_a ping -n -c 1 -W 3 -s 3000 "$H1"

sleep 1
kill -TERM "$dump" 2>/dev/null
wait "$dump" 2>/dev/null
wire=$(cat "$TB_TMP/wire.txt")
# tcpdump prints a GRE packet's outer header, then its inner packet.
gre_a="IP $ADDR_A > $LOCAL: GREv0, length [0-9]+: IP"
gre_h="IP $LOCAL > $ADDR_A: GREv0, length [0-9]+: IP"
check_match "on the wire: the echo request to $H1 in GRE from A" \
    "$gre_a $SITE > $H1: ICMP echo request" "$wire"
check_match "on the wire: its reply in GRE from honeyd" \
    "$gre_h $H1 > $SITE: ICMP echo reply" "$wire"
check_match "on the wire: the SYN to $WEB:80 in GRE" \
    "$gre_a $SITE\.[0-9]+ > $WEB\.80: Flags \[S\]" "$wire"
check_match "on the wire: the SYN+ACK from $WEB:80 in GRE" \
    "$gre_h $WEB\.80 > $SITE\.[0-9]+: Flags \[S\.\]" "$wire"
check_match "on the wire: time exceeded from the second router in GRE" \
    "$gre_h 198\.19\.201\.1 > $SITE: ICMP time exceeded" "$wire"
check_match "on the wire: the 3000-byte reply in GRE, in outer fragments" \
    "IP $LOCAL > $ADDR_A: ip-proto-47" "$wire"
# No packet of the tunneled networks travels bare.
bare=$(printf '%s\n' "$wire" | grep -v ': GREv0, ' |
    grep -E "IP ($SITE|198\.19\.20[01]\.[0-9]+)[ .:]" || true)
check_eq "no packet of the tunneled networks outside GRE" "" "$bare"
# A datagram in fragments enters honeyd once: count its first only.
ngre_in=$(printf '%s\n' "$wire" | grep "$ADDR_A > $LOCAL: GREv0" |
    grep -vc 'ip-proto-')
ngre_out=$(printf '%s\n' "$wire" | grep -c "$LOCAL > $ADDR_A: GREv0")
tb_note "GRE on the wire: $ngre_in to honeyd, $ngre_out from it"

# Malformed GRE from A's end: none is answered, each is counted.
in_a timeout 30 tcpdump -i "$IF_A" -nn -l "src host $LOCAL" \
    >"$TB_TMP/bad.txt" 2>"$TB_TMP/bad.err" &
dump=$!
tb_listening "$TB_TMP/bad.err"
out=$(in_a "$TB_PY" - "$IF_A" "$ADDR_A" "$LOCAL" "$SITE" "$H1" <<'PY' 2>&1
import sys
from scapy.all import GRE, ICMP, IP, Raw, conf, send
conf.verb = 0
ifc, a, local, site, h1 = sys.argv[1:6]
inner = IP(src=site, dst=h1) / ICMP(id=7, seq=1) / Raw(b"probe")
bad = [
    ("version 1", IP(src=a, dst=local) / GRE(version=1) / inner),
    ("key", IP(src=a, dst=local) / GRE(key_present=1, key=5) / inner),
    ("truncated", IP(src=a, dst=local, proto=47) / Raw(b"\x00\x00")),
    ("IPv6 payload", IP(src=a, dst=local) / GRE(proto=0x86dd) /
        Raw(bytes(inner))),
    ("inner IP checksum", IP(src=a, dst=local) / GRE() /
        IP(src=site, dst=h1, chksum=0x1234) / ICMP()),
    ("inner from outside the site", IP(src=a, dst=local) / GRE() /
        IP(src=a, dst=h1) / ICMP()),
    ("GRE in GRE", IP(src=a, dst=local) / GRE() /
        IP(src=site, dst=h1) / GRE() / inner),
]
for name, p in bad:
    send(p, iface=ifc)
print(len(bad))
PY
)
nbad=$(printf '%s\n' "$out" | tail -n 1)
check_match "scapy sent the malformed GRE" '^[0-9]+$' "$nbad" ||
	tb_note "$out"
sleep 2
kill -TERM "$dump" 2>/dev/null
wait "$dump" 2>/dev/null
check_eq "malformed GRE: nothing answered from $LOCAL" "" \
    "$(grep -E 'IP ' "$TB_TMP/bad.txt")"

honeyd_stop
log=$(honeyd_log)
check_match "engine counted tunneled packets in and out" \
    'tunnel in [1-9][0-9]* out [1-9][0-9]* dropped' "$log"
check_eq "engine dropped exactly the malformed GRE" \
    "${nbad:-none}" \
    "$(printf '%s\n' "$log" | sed -n 's/.*tunnel in [0-9]* out [0-9]* dropped \([0-9]*\).*/\1/p' | tail -n 1)"
tin=$(printf '%s\n' "$log" | sed -n 's/.*tunnel in \([0-9]*\) .*/\1/p' | tail -n 1)
tout=$(printf '%s\n' "$log" | sed -n 's/.*tunnel in [0-9]* out \([0-9]*\) .*/\1/p' | tail -n 1)
check_eq "every GRE packet to honeyd on the wire was taken (tunnel in)" \
    "$ngre_in" "${tin:-none}"
check_eq "every GRE packet from honeyd on the wire was counted (tunnel out)" \
    "$ngre_out" "${tout:-none}"
if [ -n "${endpoint:-}" ]; then
	kill -TERM "$endpoint" 2>/dev/null
	wait "$endpoint" 2>/dev/null
	tb_note "$(tail -n 1 "$TB_TMP/endpoint.log")"
fi

tb_finish
