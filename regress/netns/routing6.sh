#!/bin/bash
# run.sh: alone (round trips checked against the configured latency)
# Virtual routing topology over IPv6: the route statements of
# routing.sh with IPv6 routers and networks.  A (2001:db8::1/32, the
# whole topology on its link) traces three routers deep: each router
# spends a hop and answers ICMPv6 time exceeded from its own address,
# round trips are twice the links' latency, the host answers ping -6
# with its hop limit less the routers', and a TCP SYN traceroute ends
# at its open port 22.  An "unreach" network is
# answered destination unreachable (no route) by the router; a link
# with an MTU of 1280 answers a larger packet with packet too big, and
# A's kernel learns that MTU.  The control socket lists the IPv6
# routes; honeyd -n refuses a route mixing the families, naming the
# line.
#
#   2001:db8:6::1 (entry)   links 2001:db8:6::/64
#     -- 20 ms --> 2001:db8:6:10::1   links 2001:db8:6:10::/64
#       -- 30 ms, mtu 1280 --> 2001:db8:6:18::1   links 2001:db8:6:18::/64
#                                host 2001:db8:6:18::7
. "$(dirname "$0")/../lib.sh"

tb_require traceroute
tb_setup

tb_ipv6_on_a 2001:db8::1/32

ENTRY=2001:db8:6::1
R1=2001:db8:6:10::1
R2=2001:db8:6:18::1
HOST=2001:db8:6:18::7
NEAR=2001:db8:6:10::7
UNREACH=2001:db8:6:ff::9
LAT1=20
LAT2=30

conf=$(tb_conf routing6.conf <<CONF
create router
set router default icmp action open
set router default udp action reset

create host
set host default icmp action open
set host default udp action reset
add host tcp port 22 open

bind $ENTRY router
bind $R1 router
bind $R2 router
bind $HOST host
bind $NEAR host

route entry $ENTRY network 2001:db8:6::/48
route $ENTRY link 2001:db8:6::/64
route $ENTRY add net 2001:db8:6:10::/60 $R1 latency ${LAT1}ms
route $ENTRY unreach 2001:db8:6:ff::/64
route $R1 link 2001:db8:6:10::/64
route $R1 add net 2001:db8:6:18::/64 $R2 latency ${LAT2}ms mtu 1280
route $R2 link 2001:db8:6:18::/64
CONF
)
check "honeyd -n accepts the IPv6 topology" \
    "$HONEYD" -n -f "$conf" -p "$(_tb_prints)"
honeyd_start "$conf"

# First contact creates each host's state and A's neighbour entries,
# so that no probe pays for them.
for a in $ENTRY $R1 $R2 $HOST; do
	in_a ping -6 -n -c 1 -W 2 "$a" >/dev/null 2>&1
done

# check_trace NAME OUTPUT: the hops of a traceroute to $HOST.
check_trace() {
	local name=$1 out=$2 hops path
	hops=$(trace_hops "$out")
	path=$(printf '%s\n' "$hops" | awk '{ printf "%s%s", sep, $2; sep = " " }')
	check_eq "$name: routers in order, ending at the host" \
	    "$ENTRY $R1 $R2 $HOST" "$path" || tb_note "$out"
	check "$name: hop 2 ($R1) takes at least 2 x $LAT1 ms" \
	    rtts_near $((2 * LAT1)) "$(printf '%s\n' "$hops" | sed -n 2p)" 15
	check "$name: hop 3 ($R2) takes at least 2 x ($LAT1 + $LAT2) ms" \
	    rtts_near $((2 * (LAT1 + LAT2))) \
	    "$(printf '%s\n' "$hops" | sed -n 3p)" 15
	check "$name: hop 4 (the host) takes at least 2 x ($LAT1 + $LAT2) ms" \
	    rtts_near $((2 * (LAT1 + LAT2))) \
	    "$(printf '%s\n' "$hops" | sed -n 4p)" 15
}

out=$(in_a timeout 60 traceroute -6 -n -N 1 -q 3 -w 3 -m 8 $HOST 2>&1)
check_trace "traceroute -6 (UDP)" "$out"
out=$(in_a timeout 60 traceroute -6 -I -n -N 1 -q 3 -w 3 -m 8 $HOST 2>&1)
check_trace "traceroute -6 -I (ICMPv6)" "$out"
# TCP SYNs to an open port: time exceeded from each router, then the
# host's SYN+ACK (its TCP over IPv6, behind the topology).
out=$(in_a timeout 60 traceroute -6 -T -p 22 -n -N 1 -q 3 -w 3 -m 8 $HOST 2>&1)
check_trace "traceroute -6 -T -p 22 (TCP SYN, open port)" "$out"

# ping -6 through the routers: answered, the hop limit reduced by the
# three routers on the way back, the round trip twice the latency.
out=$(in_a timeout 10 ping -6 -n -c 3 -i 0.3 -W 3 $HOST 2>&1)
check_match "ping -6 $HOST (three routers deep) answers" \
    " 3 received" "$out"
check_match "... with hop limit 64 - 3" "ttl=61 " "$out"
rtt=$(printf '%s\n' "$out" | sed -n 's|^rtt min/avg/max/mdev = \([0-9.]*\)/.*|\1|p')
check "... round trip (min ${rtt:-none} ms) at least 2 x ($LAT1 + $LAT2) ms" \
    awk -v r="${rtt:-0}" -v w=$((2 * (LAT1 + LAT2))) 'BEGIN { exit !(r >= w) }'
out=$(in_a timeout 10 ping -6 -n -c 1 -W 3 $NEAR 2>&1)
check_match "ping -6 $NEAR (two routers deep): hop limit 64 - 2" \
    "ttl=62 " "$out"
out=$(in_a timeout 10 ping -6 -n -c 1 -W 3 $R1 2>&1)
check_match "the router $R1 answers ping -6 itself, one router deep" \
    "ttl=63 " "$out"

# hop limit 2: time exceeded from the second router.
out=$(in_a timeout 10 ping -6 -n -c 1 -W 3 -t 2 $HOST 2>&1)
check_match "ping -6 -t 2 $HOST: time exceeded from $R1" \
    "From $R1 .*Time exceeded: Hop limit" "$out"

# An unreach network: destination unreachable, no route, from the entry.
out=$(in_a timeout 10 ping -6 -n -c 1 -W 3 $UNREACH 2>&1)
check_match "ping -6 $UNREACH (unreach): no route, from $ENTRY" \
    "From $ENTRY .*Destination unreachable: No route" "$out"

# The 1280 link: a larger packet is answered packet too big by R1
# (IPv6 routers never fragment), and A's kernel keeps that MTU.
in_a ping -6 -n -c 1 -W 3 -s 1400 -M do $HOST >/dev/null 2>&1
out=$(in_a ip -6 route get $HOST 2>&1)
check_match "packet too big from $R1: A's route to $HOST has mtu 1280" \
    "mtu 1280" "$out"
out=$(in_a timeout 10 ping -6 -n -c 2 -i 0.3 -W 3 -s 1400 $HOST 2>&1)
check_match "ping -6 -s 1400 $HOST then goes in fragments, answered" \
    " 2 received" "$out"

# The control socket lists the IPv6 routes as written.
out=$(ctl_json routes 2>&1)
check_match "show routes: $R1's link, with its MTU and latency" \
    "\"kind\": \"net\", \"router\": \"$R1\", \"net\": \"2001:db8:6:18::/64\", \"gateway\": \"$R2\", \"mtu\": 1280, \"latency\": $LAT2" \
    "$out"
# ... and honeydctl prints them in columns (the network was missing).
CTL=$(dirname "$HONEYD")/honeydctl
out=$("$CTL" -s "$TB_TMP/honeyd.sock" show routes 2>&1)
check_match "honeydctl show routes: a KIND and a NETWORK column" \
    "^ROUTER +KIND +NETWORK +GATEWAY +MTU +LATENCY" "$out"
check_match "honeydctl show routes: $R1's link with its network and MTU" \
    "^$R1 +net +2001:db8:6:18::/64 +$R2 +1280 +$LAT2" "$out"

honeyd_stop
check_match "the engine sent ICMPv6 errors from the routers" \
    "icmp6 .*; errors [1-9]" "$(honeyd_log)"
check_match "... and routed IPv6 packets both ways" \
    "route in [1-9][0-9]* out [1-9]" "$(honeyd_log)"

# honeyd -n: a route mixing the families, with the line to blame.
bad=$(tb_conf mixed.conf <<'CONF'
route entry 2001:db8:6::1 network 2001:db8:6::/48
route 2001:db8:6::1 add net 2001:db8:6:10::/60 198.18.6.1
create default
CONF
)
out=$("$HONEYD" -n -f "$bad" -p "$(_tb_prints)" 2>&1)
rc=$?
check "honeyd -n rejects an IPv4 gateway of an IPv6 route" test "$rc" -ne 0
check_match "honeyd -n names the line: $(basename "$bad"):2" \
    "^$bad:2: route 2001:db8:6::1: an IPv4 gateway for an IPv6 router" \
    "$out"

tb_finish
