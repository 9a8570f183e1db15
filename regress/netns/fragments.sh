#!/bin/bash
# IP fragments in and out: a large ping is reassembled and its reply
# fragmented; nmap -f sees open and closed ports as configured;
# overlapping fragments are resolved as the personality's "annotate P
# fragment old|new|drop" says (old when unannotated; the plain stack,
# as Linux, drops a datagram whose fragments overlap in part, but a
# repeated range only itself: the old bytes win); a first fragment
# never completed gets ICMP time exceeded, reassembly, after the
# timeout ("option reassembly timeout"); the exit log counts it all.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require nmap scapy

P_OLD="Linux 2.6.32"
P_NEW="Microsoft Windows XP SP2 or SP3, or Windows Server 2003"
P_DROP="OpenBSD 3.9 - 4.4"

conf=$(tb_conf honeyd.conf <<CONF
option reassembly timeout 3

annotate "$P_OLD" fragment old
annotate "$P_NEW" fragment new
annotate "$P_DROP" fragment drop

create default
set default default tcp action reset
set default default udp action reset
set default default icmp action open

create plain
set plain default tcp action reset
set plain default udp action reset
set plain default icmp action open
add plain tcp port 22 open
add plain tcp port 80 open
add plain udp port 7 "sh scripts/echo.sh"

create t_old
set t_old personality "$P_OLD"
set t_old default tcp action reset
set t_old default icmp action open
add t_old udp port 7 "sh scripts/echo.sh"

create t_new
set t_new personality "$P_NEW"
set t_new default tcp action reset
set t_new default icmp action open
add t_new udp port 7 "sh scripts/echo.sh"

create t_drop
set t_drop personality "$P_DROP"
set t_drop default tcp action reset
set t_drop default icmp action open
add t_drop udp port 7 "sh scripts/echo.sh"

create quiet
set quiet default icmp action block

bind 198.19.1.10 plain
bind 198.19.1.11 t_old
bind 198.19.1.12 t_new
bind 198.19.1.13 t_drop
bind 198.19.1.14 quiet
CONF
)
# A timeout out of range is refused when the configuration loads.
bad=$(tb_conf bad.conf <<'CONF'
option reassembly timeout 0
create default
CONF
)
out=$("$HONEYD" -n -f "$bad" -p "$(_tb_prints)" 2>&1)
check_status "honeyd -n refuses \"option reassembly timeout 0\"" 1 \
    "$HONEYD" -n -f "$bad" -p "$(_tb_prints)"
check_match "... saying why" 'option reassembly timeout 0: too small' "$out"

honeyd_start "$conf" -S "$TB_REPO" 198.19.0.0/16

# frag MODE ARGS...: regress/tools/frag_probe.py from A.
frag() {
	in_a timeout 40 "$TB_PY" "$TB_TOOLS/frag_probe.py" "$1" -i "$IF_A" \
	    --dst-mac "$MAC_S" --src "$ADDR_A" "${@:2}"
}

# ping_big ADDR SIZE: how many of 3 echo requests of SIZE data bytes
# (fragmented by A's kernel) got their reply (reassembled by it).
ping_big() {
	local out
	out=$(in_a timeout 15 ping -n -q -c 3 -i 0.3 -W 2 -w 6 -s "$2" "$1" 2>&1)
	printf '%s\n' "$out" |
	    sed -n 's/.* \([0-9][0-9]*\) \(packets \)\{0,1\}received.*/\1/p' |
	    head -n 1 | grep . || echo 0
}

# --- large datagrams both ways: A's kernel fragments and reassembles.
got=$(ping_big 198.19.1.10 3000)
check_eq "ping -s 3000 198.19.1.10: 3 of 3 echo replies" "3" "$got"
got=$(ping_big 198.19.1.11 8000)
check_eq "ping -s 8000 198.19.1.11 (personality): 3 of 3 echo replies" \
    "3" "$got"
got=$(ping_big 198.19.1.14 3000)
check_eq "ping -s 3000 198.19.1.14 (icmp block): no reply" "0" "$got"

# --- nmap -f: the TCP header itself in 8-byte fragments.
got=$(nmap_port_states 198.19.1.10 tcp 21,22,80,443 -f | tr '\n' ' ' |
    sed 's/ $//')
check_eq "nmap -f -sS 198.19.1.10: 22,80 open, 21,443 closed" \
    "21/closed 22/open 80/open 443/closed" "$got"

# --- overlaps: the bytes the answer carries tell which fragment won.
out=$(frag overlap --proto icmp --dst 198.19.1.10)
check_match "overlap, plain (a repeat, as Linux): old bytes in the echo reply" \
    '^answer proto=icmp .*type=0 .*payload=old' "$out"
out=$(frag overlap --proto icmp --dst 198.19.1.11)
check_match "overlap, \"fragment old\": old bytes in the echo reply" \
    '^answer proto=icmp .*type=0 .*payload=old' "$out"
out=$(frag overlap --proto icmp --dst 198.19.1.12)
check_match "overlap, \"fragment new\": new bytes in the echo reply" \
    '^answer proto=icmp .*type=0 .*payload=new' "$out"
check_status "overlap, \"fragment drop\": no echo reply" 1 \
    frag overlap --proto icmp --dst 198.19.1.13
out=$(frag overlap --proto udp --dport 7 --timeout 5 --dst 198.19.1.11)
check_match "UDP overlap to the echo service, \"old\": old bytes echoed" \
    '^answer proto=udp .*payload=old' "$out"
out=$(frag overlap --proto udp --dport 7 --timeout 5 --dst 198.19.1.12)
check_match "UDP overlap to the echo service, \"new\": new bytes echoed" \
    '^answer proto=udp .*payload=new' "$out"
check_status "UDP overlap to the echo service, \"drop\": nothing echoed" 1 \
    frag overlap --proto udp --dport 7 --timeout 5 --dst 198.19.1.13

# --- a first fragment alone: time exceeded, reassembly, after 3 s.
out=$(frag lone --dst 198.19.1.10 --timeout 10)
check_match "lone first fragment: ICMP time exceeded code 1 quoting it" \
    '^answer proto=icmp src=198\.19\.1\.10 type=11 code=1 .*quoted_mf=1' \
    "$out"
check_status "lone first fragment to 198.19.1.14 (icmp block): silence" 1 \
    frag lone --dst 198.19.1.14 --timeout 6

# Still answering after all that.
check "ping 198.19.1.10 still answers" ping_ok 198.19.1.10

honeyd_stop
log=$(honeyd_log)
line=$(printf '%s\n' "$log" | grep 'fragments in ' | tail -n 1)
tb_note "counters: $line"
frag_in=$(printf '%s\n' "$line" | sed -n 's/.*fragments in \([0-9]*\).*/\1/p')
check "exit log: fragments received counted (>= 20)" \
    test "${frag_in:-0}" -ge 20
done_n=$(printf '%s\n' "$line" | sed -n 's/.* reassembled \([0-9]*\).*/\1/p')
check "exit log: datagrams reassembled counted (>= 10)" \
    test "${done_n:-0}" -ge 10
check_match "exit log: 2 timed out, 2 dropped for overlap, nothing held" \
    'timeout 2 overlap 2 limit 0 malformed 0 held 0;' "$line"
check_match "exit log: no fragment bytes held either" 'bytes held 0$' "$line"
out_n=$(printf '%s\n' "$line" | sed -n 's/.*; out \([0-9]*\).*/\1/p')
check "exit log: fragmented replies counted (>= 6)" test "${out_n:-0}" -ge 6
# The parent put every fragment on the wire: none refused.
line=$(printf '%s\n' "$log" | grep 'frames in ' | tail -n 1)
tb_note "parent: $line"
check_match "parent exit log: frames sent, none refused" \
    ' out [1-9][0-9]* refused 0 ' "$line"

tb_finish
