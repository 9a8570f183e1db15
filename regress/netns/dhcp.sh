#!/bin/bash
# "dhcp T on IFACE": a virtual host of T gets its address from a real
# DHCP server (dnsmasq in A) with a MAC of its own (here derived from
# T's vendor), answers there as a host of T, renews at T1 (to the
# server), rebinds at T2 (broadcast) when the server is gone, starts
# over on a NAK, and gives the address back when honeyd stops.
# run.sh: plain build only (a minute and a half of lease timers; the
# sanitizers see the client's parser in test_dhcp and the fuzz replays).
. "$(dirname "$0")/../lib.sh"

PREFIXES=/usr/share/nmap/nmap-mac-prefixes

tb_setup
tb_require dnsmasq nmap
[ -r "$PREFIXES" ] || tb_abort "required tools present" \
    "missing: $PREFIXES (nmap; run regress/deps.sh test as root)"

LEASES=$TB_TMP/leases
DLOG=$TB_TMP/dnsmasq.log
T1=8
T2=16

# dnsmasq_start FIRST LAST: a server in A for that range.  The shortest
# lease dnsmasq gives is two minutes; T1 and T2 (options 58 and 59)
# make the renewal and the rebinding come soon.
dnsmasq_start() {
	: >"$LEASES"
	# Not through in_a: $! must be dnsmasq itself (ip netns exec execs).
	ip netns exec "$NS_A" dnsmasq --no-daemon --conf-file=/dev/null --user=root \
	    --interface="$IF_A" --bind-interfaces --port=0 \
	    --dhcp-authoritative \
	    --dhcp-range="$1,$2,255.255.255.0,2m" \
	    --dhcp-option=58,$T1 --dhcp-option=59,$T2 \
	    --dhcp-leasefile="$LEASES" --pid-file="$TB_TMP/dnsmasq.pid" \
	    --log-dhcp --log-facility="$DLOG" </dev/null \
	    >"$TB_TMP/dnsmasq.out" 2>&1 &
	DNSMASQ=$!
	sleep 0.5
	check "dnsmasq serves $1-$2 in A" kill -0 "$DNSMASQ" ||
		tb_abort "dnsmasq started" "$(cat "$TB_TMP/dnsmasq.out")"
}
dnsmasq_stop() {
	kill -TERM "$DNSMASQ" 2>/dev/null
	wait "$DNSMASQ" 2>/dev/null
	check "dnsmasq stopped" test -z "$(ns_pgrep "$NS_A" -x dnsmasq)"
}
dnsmasq_start 198.18.0.100 198.18.0.120

# What reaches the server's port, with Ethernet addresses.
in_a timeout 200 tcpdump -i "$IF_A" -e -nn -l "udp dst port 67" \
    >"$TB_TMP/requests.txt" 2>"$TB_TMP/tcpdump.err" &
tb_listening "$TB_TMP/tcpdump.err"

conf=$(tb_conf honeyd.conf <<CONF
create default
set default default tcp action block

create dhcphost
set dhcphost ethernet "cisco"
set dhcphost default tcp action reset
set dhcphost default icmp action open
add dhcphost tcp port 22 open
add dhcphost tcp port 80 open

dhcp dhcphost on $IF_S
CONF
)
check "honeyd -n accepts the config" \
    "$HONEYD" -n -f "$conf" -p "$(_tb_prints)"
honeyd_start "$conf"

# The lease: "expiry mac ip hostname client-id" in dnsmasq's file.
lease_line() {
	grep -v "$MAC_A" "$LEASES" 2>/dev/null | head -n 1
}
# lease_wait [SECONDS]: until the lease file has one (20 s).
lease_wait() {
	for _ in $(seq $((${1:-20} * 5))); do
		[ -n "$(lease_line)" ] && break
		sleep 0.2
	done
}
lease_wait
line=$(lease_line)
tb_note "lease: $line"
check_match "dnsmasq leased an address" \
    '^[0-9]+ ([0-9a-f]{2}:){5}[0-9a-f]{2} 198\.18\.0\.1[0-9][0-9] ' "$line"
EXP1=$(echo "$line" | cut -d' ' -f1)
MAC=$(echo "$line" | cut -d' ' -f2)
IP=$(echo "$line" | cut -d' ' -f3)
check "the host's MAC is not the sensor's" test "$MAC" != "$MAC_S"
oui=$(printf '%s\n' "$MAC" | cut -d: -f1-3 | tr -d : | tr '[:lower:]' '[:upper:]')
check_match "the host's MAC has a Cisco OUI" "^Cisco" \
    "$(grep "^$oui " "$PREFIXES" | cut -d' ' -f2-)"
check_eq "the lease carries the template's name as host name" dhcphost \
    "$(echo "$line" | cut -d' ' -f4)"
check_eq "the client identifier is 01 and the MAC" "01:$MAC" \
    "$(echo "$line" | cut -d' ' -f5)"
check_match "honeyd logs the lease" "dhcp: dhcphost leased $IP from $ADDR_A" \
    "$(honeyd_log)"

# The leased address is a host of dhcphost, at the client's MAC.
check "ping $IP answers" ping_ok "$IP"
check_eq "A's neighbour table has $IP at the client's MAC" "$MAC" \
    "$(in_a ip neigh show "$IP" dev "$IF_A" |
    sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p')"
out=$(nmap_port_states "$IP" tcp 22,80,443 | tr '\n' ' ')
check_eq "nmap sees dhcphost's ports at $IP" "22/open 80/open 443/closed " \
    "$out"
check "a neighbour outside the lease is not answered" ping_none 198.18.0.121

# A reload of the same configuration keeps the client and its lease.
check "SIGHUP reloads" honeyd_reload 'configuration reloaded'
check "ping $IP answers after the reload" ping_ok "$IP"
check_eq "no second lease after the reload" 1 \
    "$(honeyd_log | grep -c "dhcp: dhcphost leased")"

# Renewal at T1: a second REQUEST, acknowledged, and a later expiry.
for _ in $(seq 150); do
	[ "$(grep -c "DHCPACK($IF_A) $IP $MAC" "$DLOG")" -ge 2 ] && break
	sleep 0.2
done
check "dnsmasq saw the renewal (a second REQUEST for $IP)" \
    test "$(grep -c "DHCPREQUEST($IF_A) $IP $MAC" "$DLOG")" -ge 2
check "dnsmasq acknowledged it" \
    test "$(grep -c "DHCPACK($IF_A) $IP $MAC" "$DLOG")" -ge 2
EXP2=$(lease_line | cut -d' ' -f1)
check "the lease's expiry moved on ($EXP1 -> $EXP2)" test "$EXP2" -gt "$EXP1"
check "ping $IP still answers after the renewal" ping_ok "$IP"
check_match "the renewal went to the server from $IP at $MAC" \
    "^[0-9:.]* $MAC > $MAC_A, .* $IP\.68 > $ADDR_A\.67: " \
    "$(cat "$TB_TMP/requests.txt")"

# The server is gone: unanswered renewals until T2, then broadcast
# requests from the address.  A server that does not know the address
# any more says NAK to the next one (half the lease's remaining time
# later: about a minute), and the client starts over with a new one.
dnsmasq_stop
for _ in $(seq 150); do
	grep -q "$IP\.68 > 255\.255\.255\.255\.67" "$TB_TMP/requests.txt" &&
	    break
	sleep 0.2
done
check_match "past T2 the client rebinds: broadcast from $IP at $MAC" \
    "^[0-9:.]* $MAC > ff:ff:ff:ff:ff:ff, .* $IP\.68 > 255\.255\.255\.255\.67: " \
    "$(cat "$TB_TMP/requests.txt")"
check "ping $IP answers while rebinding" ping_ok "$IP"
dnsmasq_start 198.18.0.130 198.18.0.140
lease_wait 80
line=$(lease_line)
tb_note "new lease: $line"
IP2=$(echo "$line" | cut -d' ' -f3)
check_match "dnsmasq said NAK to the old address" "DHCPNAK\($IF_A\) $IP $MAC" \
    "$(cat "$DLOG")"
check_match "the client leased a new address from the new range" \
    "^198\.18\.0\.1[34][0-9]\$" "$IP2"
check_eq "with the same MAC" "$MAC" "$(echo "$line" | cut -d' ' -f2)"
check_match "honeyd logs the loss" "dhcp: dhcphost: $IP lost: the server said NAK" \
    "$(honeyd_log)"
check "ping $IP2 answers" ping_ok "$IP2"
in_a ip neigh flush dev "$IF_A" >/dev/null 2>&1
check "the old address $IP is not answered any more" ping_none "$IP"
IP=$IP2

# SIGTERM: the address goes back to the server.
honeyd_stop
for _ in $(seq 50); do
	grep -q "DHCPRELEASE($IF_A) $IP $MAC" "$DLOG" && break
	sleep 0.1
done
check_match "dnsmasq saw the release" "DHCPRELEASE\($IF_A\) $IP $MAC" \
    "$(cat "$DLOG")"
check_eq "the lease is gone from dnsmasq's file" "" "$(grep " $IP " "$LEASES")"
check_match "honeyd logs the release" "dhcp: dhcphost released $IP" \
    "$(honeyd_log)"

dnsmasq_stop
tb_finish
