#!/bin/bash
# "dhcp T on IFACE": a virtual host of T gets its address from a real
# DHCP server (dnsmasq in A) with a MAC of its own (here derived from
# T's vendor), answers there as a host of T, renews at T1 and gives the
# address back when honeyd stops.
. "$(dirname "$0")/../lib.sh"

PREFIXES=/usr/share/nmap/nmap-mac-prefixes

tb_setup
tb_require dnsmasq nmap
[ -r "$PREFIXES" ] || tb_abort "required tools present" \
    "missing: $PREFIXES (nmap; run regress/deps.sh test as root)"

LEASES=$TB_TMP/leases
DLOG=$TB_TMP/dnsmasq.log
T1=8

# The shortest lease dnsmasq gives is two minutes; T1 (option 58) is
# what makes the renewal come soon.
: >"$LEASES"
in_a dnsmasq --no-daemon --conf-file=/dev/null --user=root \
    --interface="$IF_A" --bind-interfaces --port=0 \
    --dhcp-range=198.18.0.100,198.18.0.120,255.255.255.0,2m \
    --dhcp-option=58,$T1 --dhcp-option=59,100 \
    --dhcp-leasefile="$LEASES" --pid-file="$TB_TMP/dnsmasq.pid" \
    --log-dhcp --log-facility="$DLOG" </dev/null >"$TB_TMP/dnsmasq.out" 2>&1 &
DNSMASQ=$!
sleep 0.5
check "dnsmasq runs in A" kill -0 "$DNSMASQ" ||
	tb_abort "dnsmasq started" "$(cat "$TB_TMP/dnsmasq.out")"

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
for i in $(seq 100); do
	[ -n "$(lease_line)" ] && break
	sleep 0.2
done
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

# Renewal at T1: a second REQUEST, acknowledged, and a later expiry.
for i in $(seq 150); do
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

# SIGTERM: the address goes back to the server.
honeyd_stop
for i in $(seq 50); do
	grep -q "DHCPRELEASE($IF_A) $IP $MAC" "$DLOG" && break
	sleep 0.1
done
check_match "dnsmasq saw the release" "DHCPRELEASE\($IF_A\) $IP $MAC" \
    "$(cat "$DLOG")"
check_eq "the lease is gone from dnsmasq's file" "" "$(grep " $IP " "$LEASES")"
check_match "honeyd logs the release" "dhcp: dhcphost released $IP" \
    "$(honeyd_log)"

kill -TERM "$DNSMASQ" 2>/dev/null
wait "$DNSMASQ" 2>/dev/null
tb_finish
