#!/bin/bash
# run.sh: alone (round trips checked within 2 ms)
# Virtual routing topology, the paper's Figure 5 (conf/figure5.conf):
# traceroute over UDP, ICMP and TCP to a host two routers deep lists the
# routers in order and ends at the host; round-trip times are twice the
# configured latency (the paper's Figure 6); the routers answer ping.
# A topology that is not a tree is rejected by honeyd -n with its line
# number, and a reload with one keeps the running configuration.
. "$(dirname "$0")/../lib.sh"

tb_require traceroute

# check_trace NAME OUTPUT: the hops of a traceroute to 198.19.16.2.
check_trace() {
	local name=$1 out=$2 hops path
	hops=$(trace_hops "$out")
	path=$(printf '%s\n' "$hops" | awk '{ printf "%s%s", sep, $2; sep = " " }')
	check_eq "$name: routers in order, ending at the host" \
	    "198.19.0.1 198.19.16.1 198.19.16.2" "$path" ||
		tb_note "$out"
	# Entry router: no link crossed.  Then the 55 ms link, twice.
	check "$name: hop 1 (entry router) within 2 ms of 0 ms" \
	    rtts_near 0 "$(printf '%s\n' "$hops" | sed -n 1p)"
	check "$name: hop 2 (second router) within 2 ms of 110 ms" \
	    rtts_near 110 "$(printf '%s\n' "$hops" | sed -n 2p)"
	check "$name: hop 3 (host) within 2 ms of 110 ms" \
	    rtts_near 110 "$(printf '%s\n' "$hops" | sed -n 3p)"
}

tb_setup

conf=$TB_TMP/figure5.conf
cp conf/figure5.conf "$conf"
honeyd_start "$conf" 198.19.0.0/16

# Probes go one at a time (-N 1): a burst would share any scheduling
# stall of this busy machine, and the fastest of a hop's five would not
# measure the link.  A first ping creates each host's state, so no
# probe pays for that either.
for a in 198.19.0.1 198.19.16.1 198.19.16.2 198.19.32.1 198.19.32.7; do
	in_a ping -n -c 1 -W 1 "$a" >/dev/null 2>&1
done

out=$(in_a timeout 60 traceroute -n -N 1 -q 5 -z 0.05 -w 3 -m 8 198.19.16.2 2>&1)
check_trace "traceroute (UDP)" "$out"
out=$(in_a timeout 60 traceroute -I -n -N 1 -q 5 -z 0.05 -w 3 -m 8 198.19.16.2 2>&1)
check_trace "traceroute -I (ICMP)" "$out"
out=$(in_a timeout 60 traceroute -T -n -N 1 -q 5 -z 0.05 -w 3 -m 8 198.19.16.2 2>&1)
check_trace "traceroute -T (TCP port 80)" "$out"

# The other branch: 20 ms each way.
out=$(in_a timeout 60 traceroute -I -n -N 1 -q 5 -z 0.05 -w 3 -m 8 198.19.32.7 2>&1)
hops=$(trace_hops "$out")
check_eq "traceroute -I 198.19.32.7: entry, 198.19.32.1, host" \
    "198.19.0.1 198.19.32.1 198.19.32.7" \
    "$(printf '%s\n' "$hops" | awk '{ printf "%s%s", sep, $2; sep = " " }')"
check "traceroute -I 198.19.32.7: host within 2 ms of 40 ms" \
    rtts_near 40 "$(printf '%s\n' "$hops" | sed -n 3p)"

# Routers are ordinary templates: they answer ping, from behind the entry
# with one TTL spent on the way back.
check "entry router 198.19.0.1 answers ping" ping_ok 198.19.0.1
check "second router 198.19.16.1 answers ping" ping_ok 198.19.16.1
t0=$(in_a ping -n -c 1 -W 3 198.19.0.1 | sed -n 's/.*ttl=\([0-9]*\).*/\1/p')
t1=$(in_a ping -n -c 1 -W 3 198.19.16.1 | sed -n 's/.*ttl=\([0-9]*\).*/\1/p')
check_eq "same template one router deeper: TTL one less" \
    "$((${t0:-0} - 1))" "${t1:-none}"

# honeyd -n: a topology that is not a tree, with the line to blame.
bad=$(tb_conf loop.conf <<'CONF'
route entry 198.19.0.1
route 198.19.0.1 add net 198.19.16.0/20 198.19.16.1
route 198.19.16.1 add net 198.19.20.0/24 198.19.20.1
route 198.19.20.1 add net 198.19.16.0/24 198.19.16.1
create default
CONF
)
out=$("$HONEYD" -n -f "$bad" -p "$(_tb_prints)" 2>&1)
rc=$?
check "honeyd -n rejects a second way to a router" test "$rc" -ne 0
check_match "honeyd -n names the line: $(basename "$bad"):4" \
    "^$bad:4: gateway 198\.19\.16\.1 is already reached from 198\.19\.0\.1 \(line 2\)" \
    "$out"
bad2=$(tb_conf orphan.conf <<'CONF'
route entry 198.19.0.1
route 198.19.0.1 link 198.19.0.0/24

route 198.19.9.1 add net 198.19.20.0/24 198.19.20.1
create default
CONF
)
out=$("$HONEYD" -n -f "$bad2" -p "$(_tb_prints)" 2>&1)
check_match "honeyd -n: a router no entry reaches, at line 4" \
    "^$bad2:4: router 198\.19\.9\.1 is not reachable from a route entry" \
    "$out"

# A reload with such a topology keeps the running one.
cp "$bad" "$conf"
honeyd_reload 'configuration not reloaded'
check_match "reload with a routing loop: refused" \
    'configuration not reloaded' "$(honeyd_log)"
check_match "reload with a routing loop: the line is logged" \
    'figure5\.conf:4: gateway 198\.19\.16\.1 is already reached' \
    "$(honeyd_log)"
# Two probes a hop, 600 ms apart: the links lose 0.1% each way, and the
# routers' personality sends one ICMP error per 500 ms.
out=$(in_a timeout 60 traceroute -I -n -N 1 -q 2 -z 0.6 -w 3 -m 8 \
    198.19.16.2 2>&1)
check_eq "after the refused reload: the old topology still routes" \
    "198.19.0.1 198.19.16.1 198.19.16.2" \
    "$(trace_hops "$out" | awk '{ printf "%s%s", sep, $2; sep = " " }')" ||
	tb_note "$out"

honeyd_stop
check_match "engine counted routed packets" \
    'route in [1-9][0-9]* out [1-9]' "$(honeyd_log)"

tb_finish
