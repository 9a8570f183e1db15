#!/bin/bash
# The paper's Figure 5 (conf/figure5.conf) seen by nmap: the routers are
# ordinary templates with the Cisco personality, so nmap -O calls the
# entry router and the router behind it Cisco; nmap counts the router
# between them in its network distance, and its traceroute lists them.
# run.sh: alone (nmap -O guessed the router behind the entry wrong once
# while other tests loaded the machine)
. "$(dirname "$0")/../lib.sh"

tb_require nmap

tb_setup
conf=$TB_TMP/figure5.conf
cp conf/figure5.conf "$conf"
honeyd_start "$conf" 198.19.0.0/16

# nmap_os ADDR: nmap -O of one address, bounded.
nmap_os() {
	in_a timeout 180 nmap -n -Pn -O -p 23,80,443 --max-retries 2 \
	    --host-timeout 150s "$1" 2>&1
}

out=$(nmap_os 198.19.0.1)
check_match "nmap: telnet open on the entry router" '^23/tcp +open' "$out"
check_match "nmap -O: entry router 198.19.0.1 is a Cisco" \
    '^(Running|OS details|Aggressive OS guesses).*Cisco' "$out" ||
	tb_note "$(printf '%s\n' "$out" | grep -E '^(Running|OS|Aggressive|No exact|Network)')"
d0=$(printf '%s\n' "$out" | sed -n 's/^Network Distance: \([0-9]*\) hop.*/\1/p')

out=$(nmap_os 198.19.16.1)
check_match "nmap -O: router 198.19.16.1 behind it is a Cisco too" \
    '^(Running|OS details|Aggressive OS guesses).*Cisco' "$out" ||
	tb_note "$(printf '%s\n' "$out" | grep -E '^(Running|OS|Aggressive|No exact|Network)')"
# A personality may add hops of its own (a fingerprint taken from afar),
# so only the difference is the topology's: one router more.
d1=$(printf '%s\n' "$out" | sed -n 's/^Network Distance: \([0-9]*\) hop.*/\1/p')
check_eq "nmap: 198.19.16.1 is one hop further than the entry router" \
    "$((${d0:-0} + 1))" "${d1:-none}"

# nmap's own traceroute (TCP to an open port) through the topology.
out=$(in_a timeout 120 nmap -n -Pn -sS -p 80 --traceroute 198.19.16.2 2>&1)
path=$(printf '%s\n' "$out" | awk '/^TRACEROUTE/ { t = 1; next }
	t && $1 ~ /^[0-9]+$/ { printf "%s%s", sep, $NF; sep = " " }
	t && NF == 0 { t = 0 }')
check_eq "nmap --traceroute 198.19.16.2: entry, router, host" \
    "198.19.0.1 198.19.16.1 198.19.16.2" "$path"

tb_finish
