#!/bin/bash
# Repeated fingerprint names: nmap-os-db has 112 entries called "Linux
# 2.6.32", the first of which ignores pings.  The name alone takes the
# most typical entry, which answers ping and the UDP probe as most of
# them do; "entry 1" takes the first, which is silent; -nv says which
# entry each template took; an entry past the last is an error that
# names the file and line.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require scapy

TYP=198.19.4.1		# "Linux 2.6.32": the typical entry
FIRST=198.19.4.2	# "Linux 2.6.32" entry 1: IE(R=N)

conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset

create typ
set typ personality "Linux 2.6.32"
set typ default tcp action reset
set typ default udp action reset
set typ default icmp action open
bind 198.19.4.1 typ

create first
set first personality "Linux 2.6.32" entry 1
set first default tcp action reset
set first default udp action reset
set first default icmp action open
bind 198.19.4.2 first
CONF
)
PRINTS=/usr/share/nmap/nmap-os-db

# -nv names the entries taken and prints "entry N" back.
out=$("$HONEYD" -nv -p "$PRINTS" -f "$conf" 2>&1)
check_match "-nv: the name alone takes the most typical of 112" \
    'personality "Linux 2\.6\.32" entry [0-9]+ of 112 \(the most typical\)' \
    "$out"
check_match "-nv: entry 1 as configured" \
    'personality "Linux 2\.6\.32" entry 1 of 112$' "$out"
check_match "-nv: the printout keeps entry 1" \
    '^set first personality "Linux 2\.6\.32" entry 1$' "$out"
check_nomatch "-nv: no entry printed where none was asked" \
    '^set typ personality "Linux 2\.6\.32" entry' "$out"

bad=$(tb_conf bad.conf <<'CONF'
create t
set t personality "Linux 2.6.32" entry 113
CONF
)
out=$("$HONEYD" -n -p "$PRINTS" -f "$bad" 2>&1)
check_status "-n: entry 113 of 112 is refused" 1 \
    "$HONEYD" -n -p "$PRINTS" -f "$bad"
check_match "-n: the error names file and line" \
    'bad\.conf:2: personality "Linux 2\.6\.32" has 112 entries, not 113' \
    "$out"

honeyd_start "$conf" 198.19.0.0/16

check "ping the typical Linux 2.6.32 ($TYP) answers" ping_ok $TYP
check "ping Linux 2.6.32 entry 1 ($FIRST) gets no answer" ping_none $FIRST
out=$(tb_packet --proto udp --dst $TYP --dport 31337 --data probe)
check_match "UDP to a closed port of $TYP: port unreachable" \
    "^answer proto=icmp src=$TYP .*type=3 code=3 quoted_dst=$TYP quoted_dport=31337" \
    "$out"

tb_finish
