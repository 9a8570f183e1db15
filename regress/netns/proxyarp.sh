#!/bin/bash
# Proxy ARP: virtual hosts on the attacker's own subnet are reached
# because the daemon answers ARP for them with the sensor's MAC.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require scapy

conf=$(tb_base_conf <<'CONF'
bind 198.18.0.70 linux
CONF
)
honeyd_start "$conf" 198.19.0.0/16 198.18.0.64/26

# Start from an empty neighbour table.
in_a ip neigh flush dev "$IF_A" >/dev/null 2>&1

check "ping on-link virtual host 198.18.0.70 answers" ping_ok 198.18.0.70
neigh=$(in_a ip neigh show 198.18.0.70 dev "$IF_A")
check_match "A's neighbour entry for 198.18.0.70 is the sensor's MAC" \
    "^198\.18\.0\.70 lladdr $MAC_S (REACHABLE|STALE|DELAY|PROBE)" "$neigh"

# One ARP request by hand: the reply names the virtual host, the
# sensor's MAC, and is addressed back to the asker.
out=$(tb_packet --proto arp --dst 198.18.0.70)
check_match "ARP who-has 198.18.0.70: is-at sensor MAC" \
    "^answer proto=arp op=2 hwsrc=$MAC_S psrc=198\.18\.0\.70 hwdst=$MAC_A pdst=198\.18\.0\.1" \
    "$out"

# Another address in the claimed /26, unbound: default template; it is
# the daemon's, so it answers ARP too.
out=$(tb_packet --proto arp --dst 198.18.0.100)
check_match "ARP who-has 198.18.0.100 (claimed, unbound): is-at sensor MAC" \
    "^answer proto=arp op=2 hwsrc=$MAC_S psrc=198\.18\.0\.100" "$out"

# On the subnet but outside the claimed /26: nobody answers.
check_status "ARP who-has 198.18.0.10 (not claimed): no answer" 1 \
    tb_packet --proto arp --dst 198.18.0.10
check_status "ARP who-has 198.18.0.200 (not claimed): no answer" 1 \
    tb_packet --proto arp --dst 198.18.0.200
check "ping 198.18.0.10 (not claimed) gets no answer" ping_none 198.18.0.10
neigh=$(in_a ip neigh show 198.18.0.10 dev "$IF_A")
check_nomatch "A has no MAC for 198.18.0.10" "lladdr" "$neigh"

# The attacker's own address is not the daemon's to claim.
check_status "ARP who-has 198.18.0.1 (attacker's own) from A: no answer" 1 \
    tb_packet --proto arp --dst 198.18.0.1

# TCP to the on-link host works through the proxied neighbour entry.
out=$(tb_tcp_session --dst 198.18.0.70 --dport 22)
check_eq "TCP connect to 198.18.0.70:22 succeeds" "ok" "$(kv connect "$out")"

tb_finish
