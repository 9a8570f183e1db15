#!/bin/bash
# Stack models (honeyd/stackmodel.c): where nmap's tests do not look, a
# personality answers as its fingerprint's family does.  One host per
# family, each probed with packets no nmap test sends: a SYN without
# timestamps (the family's option layout), protocol 253 (protocol
# unreachable or silence), a burst of small datagrams to a closed port
# (the family's quote and rate limit), a FIN and a SYN with data to a
# closed port (what the reset acknowledges), an ICMP timestamp request;
# for some, record route and loose source route options, a reset inside
# the window of a connection (RFC 5961's challenge ACK or RFC 793's
# abort) and the SYN+ACK retransmission timer.
# The expected answers are the rows' (see the unit test
# regress/unit/test_stackmodel.c for their sources); Linux's are also
# the kernel's (regress/netns/differential.sh).
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require scapy

# address|personality|SYN options|proto 253|burst|FIN ack|timestamp
CASES="198.19.3.1|Linux 4.15 - 5.6|MNNSNW|icmp=3/2|errors=6 quoted=40|1|icmp=14/0
198.19.3.2|Microsoft Windows 7, Windows Server 2012, or Windows 8.1 Update 1|MNWNNS|none|errors=12 quoted=40|1|icmp=14/0
198.19.3.3|FreeBSD 10.3-RELEASE|MNWSLL|icmp=3/2|errors=12 quoted=28|1|icmp=14/0
198.19.3.4|OpenBSD 4.9 - 5.4|MNNSNW|icmp=3/2|errors=12 quoted=28|0|icmp=14/0
198.19.3.5|Apple macOS 10.14 (Mojave) (Darwin 18.2.0 - 18.6.0)|MNWSLL|icmp=3/2|errors=12 quoted=28|0|none
198.19.3.6|Cisco 2811 router (IOS 12.2 - 12.4)|M|icmp=3/2|errors=1 quoted=28|1|icmp=14/0
198.19.3.7|HP LaserJet 4250 (JetDirect) printer|MNW|icmp=3/2|errors=12 quoted=28|0|none"

conf=$TB_TMP/honeyd.conf
{
	echo "create default"
	echo "set default default tcp action reset"
	i=0
	while IFS='|' read -r addr pers rest; do
		i=$((i + 1))
		echo "create s$i"
		echo "set s$i personality \"$pers\""
		echo "set s$i default tcp action reset"
		echo "set s$i default udp action reset"
		echo "set s$i default icmp action open"
		echo "add s$i tcp port 80 open"
		echo "bind $addr s$i"
	done <<<"$CASES"
} >"$conf"
honeyd_start "$conf" 198.19.0.0/16

probe() {
	in_a timeout 40 "$TB_PY" "$TB_TOOLS/stackprobe.py" -i "$IF_A" \
	    --dst-mac "$MAC_S" --src "$ADDR_A" "$@"
}

while IFS='|' read -r addr pers opts proto burst fin ts; do
	name=${pers%% (*}
	name=${name%%,*}
	check_eq "$name: SYN+ACK to a SYN offering M,N,W,N,N,S" \
	    "flags=SA opts=$opts" "$(probe --dst "$addr" --probe syn \
	    --opts MNWNNS)"
	check_eq "$name: protocol 253" "$proto" \
	    "$(probe --dst "$addr" --probe proto --ipproto 253 --timeout 1)"
	check_eq "$name: timestamp request" "$ts" \
	    "$(probe --dst "$addr" --probe tstamp --timeout 1)"
	check_eq "$name: FIN to a closed port, the reset's ack" \
	    "flags=RA ackdelta=$fin" "$(probe --dst "$addr" --probe closed \
	    --dport 81 --flags F)"
	check_eq "$name: SYN with 5 bytes to a closed port, the reset's ack" \
	    "flags=RA ackdelta=6" "$(probe --dst "$addr" --probe closed \
	    --dport 81 --flags S --data hello)"
	# Buckets the errors above drew from fill up again.
	sleep 1.2
	check_eq "$name: 12 datagrams of 12 bytes to a closed port" \
	    "$burst" "$(probe --dst "$addr" --probe udp --dport 81 \
	    --len 12 --count 12 --timeout 2)"
done <<<"$CASES"

# IP options, RFC 5961, SYN+ACK retransmission: a few families apiece.
# address|echo with RR|SYN with RR|echo with LSRR|inexact RST
MORE="198.19.3.1|icmp=0/0 ipo=12|flags=SA opts=MNNSNW ipo=12|none|after_rst=A data=A
198.19.3.2|icmp=0/0 ipo=12|flags=SA opts=MNWNNS ipo=0|none|after_rst=none data=R
198.19.3.3|icmp=0/0 ipo=12|flags=SA opts=MNWSLL ipo=0|none|after_rst=A data=A
198.19.3.6|icmp=0/0 ipo=12|flags=SA opts=M ipo=0|icmp=0/0|after_rst=A data=A
198.19.3.7|icmp=0/0 ipo=0|flags=SA opts=MNW ipo=0|icmp=0/0|after_rst=none data=R"
while IFS='|' read -r addr echo syn lsrr rst; do
	check_eq "$addr: echo request with record route" "$echo" \
	    "$(probe --dst "$addr" --probe echo --rr --timeout 1)"
	check_eq "$addr: SYN with record route" "$syn" \
	    "$(probe --dst "$addr" --probe syn --opts MNWNNS --rr)"
	check_eq "$addr: echo request with a loose source route" "$lsrr" \
	    "$(probe --dst "$addr" --probe echo --lsrr --timeout 1)"
	# From an address of its own: A's kernel would reset the handshake.
	check_eq "$addr: a reset in the window, then data" "$rst" \
	    "$(probe --dst "$addr" --probe rst --src 198.18.0.98)"
done <<<"$MORE"

# SYN+ACKs to a SYN never answered: Linux resends after 1 s, 2 s...,
# Windows after 3 s (tcp_raw.py prints the gaps between them).
out=$(in_a timeout 40 "$TB_PY" "$TB_TOOLS/tcp_raw.py" synack -i "$IF_A" \
    --dst-mac "$MAC_S" --src 198.18.0.99 --dst 198.19.3.1 --dport 80 \
    --timeout 4.5 2>&1 | tr '\n' ' ')
check_match "Linux: SYN+ACK resent after 1 s, then 2 s ($out)" \
    'synacks=3 gaps=(0\.9|1\.[0-2])[0-9]*,(1\.9|2\.[0-2])' "$out"
out=$(in_a timeout 40 "$TB_PY" "$TB_TOOLS/tcp_raw.py" synack -i "$IF_A" \
    --dst-mac "$MAC_S" --src 198.18.0.99 --dst 198.19.3.2 --dport 80 \
    --timeout 4.5 2>&1 | tr '\n' ' ')
check_match "Windows: SYN+ACK resent after 3 s ($out)" \
    'synacks=2 gaps=(2\.9|3\.[0-2])' "$out"

tb_finish
