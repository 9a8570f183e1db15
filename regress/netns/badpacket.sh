#!/bin/bash
# Malformed packets get no answer; the same packets made well do.  Each
# bad probe is paired with its good twin so that "no answer" cannot pass
# just because nothing answers at all.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require scapy

conf=$(tb_base_conf <<'CONF'
add linux tcp port 80 open
add linux udp port 53 open
bind 198.18.0.70 linux
CONF
)
honeyd_start "$conf" 198.19.0.0/16 198.18.0.64/26

H=198.19.1.10

# ICMP echo: IP header checksum, then ICMP checksum.
check_status "ICMP echo with bad IP header checksum: no answer" 1 \
    tb_packet --proto icmp --dst $H --bad-ip-cksum
out=$(tb_packet --proto icmp --dst $H --icmp-id 7)
check_match "ICMP echo with correct checksums: echo reply" \
    "^answer proto=icmp src=$H .*type=0 code=0 id=7 " "$out"
check_status "ICMP echo with bad ICMP checksum: no answer" 1 \
    tb_packet --proto icmp --dst $H --bad-cksum
check_status "ICMP echo claiming 20 bytes more than sent: no answer" 1 \
    tb_packet --proto icmp --dst $H --ip-len-extra 20

# TCP SYN to an open port: TCP checksum, IP header checksum.
check_status "TCP SYN to :22 with bad TCP checksum: no answer" 1 \
    tb_packet --proto tcp --dst $H --dport 22 --flags S --seq 1000 --bad-cksum
out=$(tb_packet --proto tcp --dst $H --dport 22 --flags S --seq 1000)
check_match "TCP SYN to :22 with correct checksum: SYN+ACK" \
    "^answer proto=tcp src=$H .* sport=22 .*flags=SA .*ack=1001 " "$out"
check_status "TCP SYN to :22 with bad IP header checksum: no answer" 1 \
    tb_packet --proto tcp --dst $H --dport 22 --flags S --bad-ip-cksum
check_status "TCP SYN to :80 with bad TCP checksum: no answer" 1 \
    tb_packet --proto tcp --dst $H --dport 80 --flags S --bad-cksum
check_status "TCP SYN to closed :25 with bad TCP checksum: no RST" 1 \
    tb_packet --proto tcp --dst $H --dport 25 --flags S --bad-cksum
out=$(tb_packet --proto tcp --dst $H --dport 25 --flags S)
check_match "TCP SYN to closed :25 with correct checksum: RST" \
    "^answer proto=tcp src=$H .* sport=25 .*flags=RA " "$out"

# UDP to a reset port: port unreachable only when the checksum is right.
check_status "UDP to closed :9 with bad UDP checksum: no port unreachable" 1 \
    tb_packet --proto udp --dst $H --dport 9 --data probe --bad-cksum
out=$(tb_packet --proto udp --dst $H --dport 9 --data probe)
check_match "UDP to closed :9 with correct checksum: port unreachable" \
    "^answer proto=icmp src=$H .*type=3 code=3 quoted_dst=$H quoted_dport=9" \
    "$out"
check_status "UDP to closed :9 with bad IP header checksum: no answer" 1 \
    tb_packet --proto udp --dst $H --dport 9 --data probe --bad-ip-cksum

# The on-link host, same rules.
check_status "ICMP echo to 198.18.0.70 with bad IP header checksum: no answer" 1 \
    tb_packet --proto icmp --dst 198.18.0.70 --bad-ip-cksum
check "ICMP echo to 198.18.0.70, correct: answered" \
    tb_packet --proto icmp --dst 198.18.0.70

# Still alive after the garbage.
check "ping $H still answers" ping_ok $H

tb_finish
