#!/bin/bash
# TCP basics per RFC 793: handshake numbers, FIN handling, and the
# sequence numbers of resets for closed ports and stray segments.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require scapy

conf=$(tb_base_conf <<'CONF'
add linux tcp port 80 open
add linux tcp port 23 block
CONF
)
honeyd_start "$conf" 198.19.0.0/16

H=198.19.1.10

# tcp_probe DESC-PREFIX ARGS...: one crafted segment; sets $ans to the
# first answer line ("" if none) and checks that there was one.
tcp_probe() {
	local desc=$1
	shift
	ans=$(tb_packet --proto tcp --dst $H "$@")
	check_match "$desc: answered" '^answer proto=tcp' "$ans" || ans=
}

# 1. SYN to an open port: SYN+ACK acknowledging seq+1.
tcp_probe "SYN seq=1000 to :22" --dport 22 --flags S --seq 1000
check_eq "SYN to :22: flags SYN+ACK" SA "$(kv flags "$ans")"
check_eq "SYN to :22: ack = seq+1" 1001 "$(kv ack "$ans")"
check_eq "SYN to :22: from port 22" 22 "$(kv sport "$ans")"

# Near the top of the sequence space: ack wraps to 0.
tcp_probe "SYN seq=4294967295 to :80" --dport 80 --flags S --seq 4294967295
check_eq "SYN seq=2^32-1 to :80: ack wraps to 0" 0 "$(kv ack "$ans")"

# 2. A real connection (the attacker's kernel speaks TCP), then FIN.
out=$(tb_tcp_session --dst $H --dport 22)
check_eq "connect to :22 completes the handshake" ok "$(kv connect "$out")"
check_eq "connect to :22: SYN+ACK acknowledges ISN+1" 1 \
    "$(kv synack_ack_ok "$out")"
check_eq "connect to :22: our FIN is acknowledged (ack = FIN seq+1)" 1 \
    "$(kv fin_acked "$out")" || printf '%s\n' "$out" | grep '^seg' |
    sed 's/^/#   /'
check_eq "connect to :22: no RST from the honeypot" 0 "$(kv peer_rst "$out")"

out=$(tb_tcp_session --dst $H --dport 80 --data "GET / HTTP/1.0")
check_eq "connect to :80, send data, FIN: FIN acknowledged after data" 1 \
    "$(kv fin_acked "$out")" || printf '%s\n' "$out" | grep '^seg' |
    sed 's/^/#   /'

# 3. Closed port: RST+ACK, seq 0, ack = seq + segment length (SYN and
# FIN count one each).
tcp_probe "SYN seq=5000 to closed :25" --dport 25 --flags S --seq 5000
check_eq "SYN to closed :25: flags RST+ACK" RA "$(kv flags "$ans")"
check_eq "SYN to closed :25: seq 0" 0 "$(kv seq "$ans")"
check_eq "SYN to closed :25: ack = seq+1" 5001 "$(kv ack "$ans")"

tcp_probe "FIN seq=7000 to closed :25" --dport 25 --flags F --seq 7000
check_eq "FIN to closed :25: flags RST+ACK" RA "$(kv flags "$ans")"
check_eq "FIN to closed :25: ack = seq+1" 7001 "$(kv ack "$ans")"

tcp_probe "SYN with 4 data bytes to closed :25" --dport 25 --flags S \
    --seq 9000 --data abcd
check_eq "SYN+data to closed :25: ack = seq+1+4" 9005 "$(kv ack "$ans")"

# 4. A segment with ACK for no connection: RST whose seq is that ack.
tcp_probe "ACK (no connection) to open :22" --dport 22 --flags A \
    --seq 3000 --ack 424242
check_eq "stray ACK to :22: flags RST only" R "$(kv flags "$ans")"
check_eq "stray ACK to :22: RST seq = segment's ack" 424242 \
    "$(kv seq "$ans")"

tcp_probe "ACK (no connection) to closed :25" --dport 25 --flags A \
    --seq 3000 --ack 77777
check_eq "stray ACK to :25: flags RST only" R "$(kv flags "$ans")"
check_eq "stray ACK to :25: RST seq = segment's ack" 77777 "$(kv seq "$ans")"

# 5. Nothing answers a RST, and a blocked port answers nothing.
check_status "RST to open :22 (no connection): no answer" 1 \
    tb_packet --proto tcp --dst $H --dport 22 --flags R --seq 1234
check_status "RST to closed :25: no answer" 1 \
    tb_packet --proto tcp --dst $H --dport 25 --flags RA --seq 1234 --ack 1
check_status "SYN to blocked :23: no answer" 1 \
    tb_packet --proto tcp --dst $H --dport 23 --flags S

tb_finish
