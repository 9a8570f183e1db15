#!/bin/bash
# nmap SYN and UDP scans of virtual hosts: the port states nmap reports
# must be the ones the configuration gives.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require nmap

conf=$(tb_base_conf <<'CONF'
add linux tcp port 80 open
add linux tcp port 23 block
add linux udp port 53 open
add linux udp port 161 block
bind 198.18.0.70 linux
CONF
)
honeyd_start "$conf" 198.19.0.0/16 198.18.0.64/26

# states HOST PROTO PORTS: "port/state" words on one line.
states() {
	nmap_port_states "$@" | tr '\n' ' ' | sed 's/ $//'
}

got=$(states 198.19.1.10 tcp 21,22,23,25,80,443,8080)
check_eq "nmap -sS 198.19.1.10: 22,80 open; 23 filtered; rest closed" \
    "21/closed 22/open 23/filtered 25/closed 80/open 443/closed 8080/closed" \
    "$got"

got=$(states 198.19.1.10 udp 53,161,162)
check_eq "nmap -sU 198.19.1.10: 53,161 open|filtered; 162 closed" \
    "53/open|filtered 161/open|filtered 162/closed" "$got"

# The same template on A's own subnet, reached through proxy ARP.
got=$(states 198.18.0.70 tcp 22,23,25)
check_eq "nmap -sS 198.18.0.70 (on-link): 22 open, 23 filtered, 25 closed" \
    "22/open 23/filtered 25/closed" "$got"

# An unbound address takes the default template: everything resets.
got=$(states 198.19.7.7 tcp 22,80)
check_eq "nmap -sS 198.19.7.7 (default template): all closed" \
    "22/closed 80/closed" "$got"
got=$(states 198.19.7.7 udp 53)
check_eq "nmap -sU 198.19.7.7 (default template): 53 closed" \
    "53/closed" "$got"

tb_finish
