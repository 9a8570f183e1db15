#!/bin/bash
# The rate of address probes (honeyd/arpguard.c, "option arp probe_rate"
# and "probe_burst"): a neighbour that asks, in one burst, for many
# distinct claimed addresses nobody has probed yet must not have the
# sensor broadcast two probes for each.  From A, scapy sends ARP
# requests for 180 such addresses at once while it captures A's link
# for a few seconds; the sensor's probes (ARP requests from 0.0.0.0)
# must be at most the burst plus the rate over the flood's duration,
# two for each address started, and no address it did not probe is
# answered.  The refused requests are counted (probe_limited, in "show
# stats" and the exit log); an address claimed before the flood is
# answered throughout, and a refused one is claimed when asked again
# later.  Then the same with Neighbor Solicitations for IPv6 addresses,
# which draw on the same limit (one DAD probe each).  Nothing is
# asserted about speed beyond the flood's own measured duration.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require scapy

RATE=5
BURST=20
tb_ipv6_on_a 2001:db8::1/48

conf=$(tb_conf honeyd.conf <<CONF
create default
set default default icmp action open

option arp probe_rate $RATE
option arp probe_burst $BURST
CONF
)
honeyd_start "$conf" 198.18.0.64/26 198.18.0.128/25 2001:db8:0:1::/64

# arp_is ADDR: the MACs that answer one ARP request from A for ADDR.
arp_is() {
	tb_packet --proto arp --dst "$1" --timeout 3 --all |
	    sed -n 's/^answer .*\(hwsrc=[0-9a-f:]*\).*/\1/p'
}
stat_of() {
	ctl_json stats | "$TB_PY" -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r.get("process") == "parent" and r.get("name") == sys.argv[1]:
        print(r["value"]); break
' "$1"
}

# flood v4|v6 SETTLE TARGET...: from A, one request for each TARGET (ARP
# who-has, or a Neighbor Solicitation to its solicited-node group) sent
# as fast as scapy goes, while A's link is captured until SETTLE seconds
# after the last.  Prints "sent N seconds S probes P starts T answers A":
# the sensor's probes, the distinct targets they probed, and its
# answers for the targets.
flood() {
	in_a timeout 60 "$TB_PY" - "$IF_A" "$MAC_S" "$@" <<'PY'
import sys, threading, time
from scapy.all import (ARP, AsyncSniffer, Ether, ICMPv6ND_NA, ICMPv6ND_NS,
                       ICMPv6NDOptSrcLLAddr, IPv6, conf, get_if_hwaddr,
                       in6_getnsma, in6_getnsmac, sendp)
import socket

iface, mac_s, family, settle = sys.argv[1], sys.argv[2].lower(), \
    sys.argv[3], float(sys.argv[4])
targets = sys.argv[5:]
conf.verb = 0
mac_a = get_if_hwaddr(iface)
pkts = []
for t in targets:
    if family == "v4":
        pkts.append(Ether(dst="ff:ff:ff:ff:ff:ff", src=mac_a) /
                    ARP(op=1, hwsrc=mac_a, psrc="198.18.0.1", pdst=t))
    else:
        nsma = in6_getnsma(socket.inet_pton(socket.AF_INET6, t))
        pkts.append(Ether(dst=in6_getnsmac(nsma), src=mac_a) /
                    IPv6(src="2001:db8::1",
                         dst=socket.inet_ntop(socket.AF_INET6, nsma),
                         hlim=255) /
                    ICMPv6ND_NS(tgt=t) / ICMPv6NDOptSrcLLAddr(lladdr=mac_a))
up = threading.Event()
sn = AsyncSniffer(iface=iface, filter="arp or icmp6", store=True,
                  started_callback=up.set)
sn.start()
up.wait(5)
time.sleep(0.2)
t0 = time.monotonic()
sendp(pkts, iface=iface)
secs = time.monotonic() - t0
time.sleep(settle)
sn.stop()
want = set(socket.inet_pton(socket.AF_INET6, t) for t in targets) \
    if family == "v6" else set(targets)
probes, started, answered = 0, set(), set()
for p in sn.results:
    if Ether not in p or p[Ether].src.lower() != mac_s:
        continue
    if family == "v4" and ARP in p:
        a = p[ARP]
        if a.op == 1 and a.psrc == "0.0.0.0" and a.pdst in want:
            probes += 1
            started.add(a.pdst)
        elif a.op == 2 and a.psrc in want:
            answered.add(a.psrc)
    elif family == "v6" and IPv6 in p:
        if ICMPv6ND_NS in p and p[IPv6].src == "::":
            tgt = socket.inet_pton(socket.AF_INET6, p[ICMPv6ND_NS].tgt)
            if tgt in want:
                probes += 1
                started.add(tgt)
        elif ICMPv6ND_NA in p:
            tgt = socket.inet_pton(socket.AF_INET6, p[ICMPv6ND_NA].tgt)
            if tgt in want:
                answered.add(tgt)
print("sent %d seconds %.3f probes %d starts %d answers %d unprobed %d" % (
    len(pkts), secs, probes, len(started), len(answered),
    len(answered - started)))
PY
}
# field NAME TEXT: the number after NAME in TEXT.
field() {
	printf '%s\n' "$2" | sed -n "s/.* $1 \([0-9.]*\).*/\1/p; s/^$1 \([0-9.]*\).*/\1/p" |
	    head -n 1
}
# most SECONDS: the probe starts the limit allows over a flood that
# took SECONDS to send, with two seconds more for the parent to lag
# behind on a loaded machine: BURST + RATE * (SECONDS + 2).
most() {
	awk -v s="$1" -v r=$RATE -v b=$BURST \
	    'BEGIN { printf "%d\n", b + r * (s + 2) }'
}

# Claimed before the flood: answered (after its probe), and pinged.
check_eq "ARP who-has 198.18.0.65 before the flood: the sensor's MAC" \
    "hwsrc=$MAC_S" "$(arp_is 198.18.0.65)"
check "ping 198.18.0.65 answers" ping_ok 198.18.0.65
sleep $((BURST / RATE + 1))		# a full bucket again

targets=
for i in $(seq 70 249); do
	targets="$targets 198.18.0.$i"
done
out=$(flood v4 2.5 $targets)
tb_note "ARP flood: $out"
sent=$(field sent "$out")
secs=$(field seconds "$out")
probes=$(field probes "$out")
starts=$(field starts "$out")
answers=$(field answers "$out")
max=$(most "${secs:-0}")
check "ARP flood: all 180 requests sent ($out)" test "${sent:-0}" -eq 180
check "ARP flood: probes started for $starts addresses, at most $max" \
    test -n "$starts" -a "${starts:-0}" -le "$max"
check "ARP flood: the limit let the burst through ($starts >= $((BURST / 2)))" \
    test "${starts:-0}" -ge $((BURST / 2))
check "ARP flood: $probes probes, two per address started at most" \
    test -n "$probes" -a "${probes:-0}" -le $((2 * ${starts:-0}))
check "ARP flood: probed addresses answered after their probe ($answers)" \
    test "${answers:-0}" -ge 1
check_eq "ARP flood: no address answered that was not probed" \
    0 "$(field unprobed "$out")"
limited=$(stat_of probe_limited)
check "show stats: probe_limited counts the refused requests ($limited)" \
    test "${limited:-0}" -ge $((180 - max))

# Claimed addresses are answered at any rate; a refused one, asked again
# once the bucket refilled, is probed and claimed.
check_eq "ARP who-has 198.18.0.65 after the flood: the sensor's MAC" \
    "hwsrc=$MAC_S" "$(arp_is 198.18.0.65)"
check "ping 198.18.0.65 still answers" ping_ok 198.18.0.65
sleep 1
check_eq "ARP who-has 198.18.0.249 (refused in the flood) again: answered" \
    "hwsrc=$MAC_S" "$(arp_is 198.18.0.249)"
sleep $((BURST / RATE + 1))

targets=
for i in $(seq 256 405); do
	targets="$targets 2001:db8:0:1::$(printf %x "$i")"
done
out=$(flood v6 2 $targets)
tb_note "NS flood: $out"
secs=$(field seconds "$out")
probes=$(field probes "$out")
starts=$(field starts "$out")
max=$(most "${secs:-0}")
check "NS flood: all 150 solicitations sent ($out)" \
    test "$(field sent "$out")" = 150
check "NS flood: DAD probes for $starts addresses, at most $max" \
    test -n "$starts" -a "${starts:-0}" -le "$max"
check "NS flood: the limit let the burst through ($starts >= $((BURST / 2)))" \
    test "${starts:-0}" -ge $((BURST / 2))
check "NS flood: one probe per address started ($probes)" \
    test -n "$probes" -a "${probes:-0}" -le "${starts:-0}"
check "NS flood: probed addresses advertised after their probe" \
    test "$(field answers "$out")" -ge 1
check_eq "NS flood: no address advertised that was not probed" \
    0 "$(field unprobed "$out")"
limited6=$(stat_of probe_limited)
check "show stats: probe_limited grew by the refused solicitations ($limited -> $limited6)" \
    test "${limited6:-0}" -ge $((limited + 150 - max))

honeyd_stop
line=$(honeyd_log | grep "arp conflicts")
check_match "exit log: the refused requests on the arp conflicts line" \
    " probe-limited [1-9][0-9]*;" "$line"

tb_finish
