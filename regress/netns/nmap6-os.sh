#!/bin/bash
# nmap -6 -O names the family of an IPv6 personality.  nmap's IPv6 OS
# detection has no fingerprint database: a classifier trained on real
# hosts weighs the hop limit, length and traffic class of each answer,
# the ICMPv6 type and code of the answers to its odd echo requests (IE1:
# code 9 after a hop-by-hop header; IE2: a hop-by-hop header out of
# place) and to its neighbor solicitation, and each TCP answer's window,
# flags, options and MSS (honeyd/stackmodel.c).  A Linux and a Windows
# personality, each with an open and a closed TCP port, on 2001:db8::
# addresses of the link (A holds 2001:db8::1); the sensor's own stack
# stays without IPv6.  For each host the test asserts the family nmap
# names, and what its fingerprint lines record of S1's answer (a
# SYN+ACK from the open port): the family's hop limit, window and flow
# label (Linux labels every flow, Windows none).
# run.sh: alone (nmap -O, timing-sensitive like osmatch.sh)
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require nmap

tb_ipv6_on_a 2001:db8::1/48

LNX6=2001:db8::10
WIN6=2001:db8::20
conf=$(tb_conf honeyd.conf <<'CONF'
create lnx
set lnx personality "Linux 4.15 - 5.6"
set lnx default tcp action reset
set lnx default udp action reset
set lnx default icmp action open
add lnx tcp port 22 open

create win
set win personality "Microsoft Windows 7, Windows Server 2012, or Windows 8.1 Update 1"
set win default tcp action reset
set win default udp action reset
set win default icmp action open
add win tcp port 445 open

bind 2001:db8::10 lnx
bind 2001:db8::20 win
CONF
)
honeyd_start "$conf"

# os6 ADDR OPEN CLOSED: nmap -6 -O of ADDR, its open and closed ports
# given; the whole output, kept in the test's directory too.
os6() {
	local out
	out=$(in_a timeout 180 nmap -6 -O -n -Pn -d --max-os-tries 1 \
	    -p "$2,$3" "$1" 2>&1)
	printf '%s\n' "$out" >"$TB_TMP/nmap6-$1.txt"
	printf '%s\n' "$out"
}
# verdict OUT: the lines in which nmap names (or does not name) an OS.
verdict() {
	printf '%s\n' "$1" | grep -E '^(Running|OS details|Aggressive OS guesses|No exact OS matches|No OS matches|OS CPE|Device type)' || true
}
# s1 OUT: S1's answer, as the fingerprint's hex: nmap prints it whole
# when it names nothing, wrapped ("OS:" lines) and run-length encoded
# ("XX{32}": 32 times XX) when it names an OS.
s1() {
	printf '%s\n' "$1" | "$TB_PY" -c '
import re, sys
t = sys.stdin.read()
w = "".join(l[3:] for l in t.splitlines() if l.startswith("OS:"))
m = re.search(r"S1\(P=([0-9A-Fa-fX{}0-9]*)", w or t)
if m:
    print(re.sub(r"(..)\{(\d+)\}", lambda g: g.group(1) * int(g.group(2)),
        m.group(1)))'
}
# hexbyte HEX N [LEN]: LEN (1) bytes from the Nth (from 0) of a hex
# string, as a decimal number.
hexbyte() {
	printf '%d' "0x${1:$(($2 * 2)):$((${3:-1} * 2))}"
}
# note TEXT: each line of TEXT as a note.
note() {
	printf '%s\n' "$1" | while IFS= read -r l; do
		tb_note "  $l"
	done
}

for host in lnx win; do
	if [ $host = lnx ]; then
		addr=$LNX6 open=22 closed=23 family=Linux hl=64 win=64260
	else
		addr=$WIN6 open=445 closed=446 family=Windows hl=128 win=8192
	fi
	out=$(os6 $addr $open $closed)
	v=$(verdict "$out")
	tb_note "nmap -6 -O $addr ($host) said:"
	note "$v"
	check_match "nmap -6 -O sees port $open open on $addr" \
	    "^$open/tcp +open" "$out"
	check_match "nmap -6 -O names $family for $addr" \
	    "^(Running|OS details): .*$family" "$v"
	# The fingerprint nmap prints (with -d, or when it names nothing)
	# holds each answer whole, its IPv6 header first.
	p=$(s1 "$out")
	if [ -n "$p" ]; then
		tb_note "S1's answer from $addr: $p"
		check_eq "S1's answer from $addr: hop limit $hl" "$hl" \
		    "$(hexbyte "$p" 7)"
		check_eq "S1's answer from $addr: window $win" "$win" \
		    "$(hexbyte "$p" 54 2)"
		fl=$(($(hexbyte "$p" 1 3) & 0xfffff))
		if [ $host = lnx ]; then
			check "S1's answer from $addr: a flow label ($fl)" \
			    test "$fl" -ne 0
		else
			check_eq "S1's answer from $addr: no flow label" 0 "$fl"
		fi
	else
		tb_note "no fingerprint lines for $addr (nmap printed none)"
	fi
done

honeyd_stop
tb_finish
