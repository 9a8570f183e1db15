#!/bin/bash
# ICMP echo: bound hosts and default-template hosts answer; addresses
# outside the claimed networks and templates that block ICMP do not.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require scapy

conf=$(tb_base_conf <<'CONF'
create quiet
set quiet default tcp action reset
set quiet default icmp action block
bind 198.19.1.20 quiet
bind 198.18.0.70 linux
CONF
)

# Claim only the lower half of 198.19/16: A still routes all of it to S,
# so 198.19.200.0/24 reaches the daemon's interface but is not its own.
honeyd_start "$conf" 198.19.0.0/17 198.18.0.64/26

check "ping bound host 198.19.1.10 (linux) answers"	ping_ok 198.19.1.10
check "ping default-template host 198.19.1.99 answers"	ping_ok 198.19.1.99
check "ping on-link bound host 198.18.0.70 answers"	ping_ok 198.18.0.70
check "ping unclaimed 198.19.200.5 gets no answer"	ping_none 198.19.200.5
check "ping 198.19.1.20 (icmp action block) gets no answer" \
    ping_none 198.19.1.20

# The same with a single crafted echo request each, to look at the reply.
out=$(tb_packet --proto icmp --dst 198.19.1.10 --icmp-id 4242 --data hello)
check_match "echo reply from 198.19.1.10 keeps id, type 0" \
    '^answer proto=icmp src=198\.19\.1\.10 dst=198\.18\.0\.1 .*type=0 code=0 id=4242 seq=1 len=5' "$out"
check_status "crafted echo to unclaimed 198.19.200.5: no answer" 1 \
    tb_packet --proto icmp --dst 198.19.200.5

# Still alive and answering after all that.
check "ping 198.19.1.10 still answers" ping_ok 198.19.1.10

tb_finish
