#!/bin/bash
# "bind A to IFACE": a real machine as a host of a virtual routing
# topology.  A third namespace R is the real machine, 198.19.9.9, on a
# second veth pair to the sensor (honeyd listens on both); its default
# route is 198.19.9.1, the virtual router that links it (here a route
# to 198.18.0.0/15 only).  From the
# attacker, R's own kernel answers ping (its TTL spent by the two
# virtual routers on the way back, its round trip twice the 20 ms
# link), serves HTTP to curl, and traceroute lists the virtual routers
# and then R.  On R's wire the frames come from the sensor; the parent
# counts what it forwarded both ways.
. "$(dirname "$0")/../lib.sh"

tb_require traceroute curl tcpdump

REAL=198.19.9.9			# the real machine, in R
GW=198.19.9.1			# the virtual router that links it

tb_setup

# R and its link to S; removed with the testbed (TB_NS_MADE).
NS_R="hd${TB_TAG:+-$TB_TAG}-$TB_ID-r"
IF_SR="hdr$TB_ID"		# S's end
IF_R="hdq$TB_ID"		# R's end
err=$(ip netns add "$NS_R" 2>&1) || tb_abort "namespace $NS_R created" "$err"
TB_NS_MADE="$TB_NS_MADE $NS_R"
in_r() {
	ip netns exec "$NS_R" "$@"
}
err=$(
	set -e
	exec 2>&1
	ip -n "$NS_S" link add "$IF_SR" type veth peer name "$IF_R" \
	    netns "$NS_R"
	ip -n "$NS_R" link set lo up
	[ ! -d /proc/sys/net/ipv6 ] ||
		in_r sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1
	# Checksums complete on the wire: honeyd checks what it captures.
	in_r ethtool -K "$IF_R" rx off tx off tso off gso off gro off \
	    >/dev/null
	in_s ethtool -K "$IF_SR" rx off tx off tso off gso off gro off \
	    >/dev/null
	ip -n "$NS_R" addr add "$REAL/24" dev "$IF_R"
	ip -n "$NS_R" link set "$IF_R" up
	ip -n "$NS_S" link set "$IF_SR" up
	# A default route in real life; only the test's addresses here.
	ip -n "$NS_R" route add 198.18.0.0/15 via "$GW"
) || tb_abort "real machine R set up" "$err"
for _ in $(seq 50); do
	ip -n "$NS_R" link show "$IF_R" | grep -q 'state UP' && break
	sleep 0.1
done

conf=$(tb_conf bindif.conf <<CONF
create default
set default default tcp action reset
set default default udp action reset
set default default icmp action open

route entry 198.19.0.1
route 198.19.0.1 link 198.19.0.0/24
route 198.19.0.1 add net 198.19.9.0/24 $GW latency 20ms
route $GW link 198.19.9.0/24
bind $REAL to $IF_SR
CONF
)

out=$(in_s "$HONEYD" -n -f "$conf" -p "$(_tb_prints)" -i "$IF_S" -i "$IF_SR" 2>&1)
check_eq "honeyd -n accepts the configuration, not a word more" \
    "configuration OK" "$out"
out=$(in_s "$HONEYD" -n -f "$conf" -p "$(_tb_prints)" -i "$IF_S" 2>&1)
check_match "honeyd -n without -i $IF_SR: the bind warns, file:line" \
    "bindif.conf:10: warning: bind $REAL to $IF_SR: honeyd does not listen on $IF_SR" \
    "$out"
honeyd_start "$conf" -i "$IF_SR" 198.19.0.0/16

# A web server in R, and R's wire.
mkdir -p "$TB_TMP/www"
echo "real machine $REAL" >"$TB_TMP/www/index.html"
# http.server's own server_bind() asks DNS for its name: not here.
cat >"$TB_TMP/www.py" <<'PY'
import http.server, os, socketserver, sys
class Server(http.server.HTTPServer):
    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]
os.chdir(sys.argv[2])
Server((sys.argv[1], 8080), http.server.SimpleHTTPRequestHandler).serve_forever()
PY
ip netns exec "$NS_R" "$TB_PY" "$TB_TMP/www.py" "$REAL" "$TB_TMP/www" \
    >"$TB_TMP/http.log" 2>&1 &
www=$!
in_r timeout 120 tcpdump -i "$IF_R" -nn -e -l ip >"$TB_TMP/wire.txt" \
    2>/dev/null &
dump=$!
for _ in $(seq 50); do
	in_r ss -ltn 2>/dev/null | grep -q ":8080" && break
	sleep 0.1
done
sleep 1

# Ping: R's kernel answers with TTL 64, the two routers take one each.
out=$(in_a ping -n -c 5 -i 0.3 -W 3 "$REAL" 2>&1)
got=$(printf '%s\n' "$out" | grep -c 'bytes from')
check "ping $REAL: the real machine answers (through the topology)" \
    test "$got" -ge 3 || tb_note "$out"
ttl=$(printf '%s\n' "$out" | sed -n 's/.*ttl=\([0-9]*\).*/\1/p' | sort -u)
check_eq "its replies' TTL: 64 less the two virtual routers" "62" "$ttl"
rtt=$(printf '%s\n' "$out" | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' |
    sort -n | head -n 1)
check "the 20 ms link both ways: round trip 40 ms or more" \
    awk -v r="${rtt:-0}" 'BEGIN { print r " ms"; exit !(r >= 39.9) }'
check "the virtual router $GW answers ping too" ping_ok "$GW"

# TCP to the real machine's listener.
out=$(in_a curl -s -m 15 "http://$REAL:8080/index.html" 2>&1)
check_eq "curl http://$REAL:8080/: the real machine's page" \
    "real machine $REAL" "$out"

# Traceroute: the virtual routers, then the real machine.
out=$(in_a timeout 60 traceroute -n -q 1 -w 3 -m 8 "$REAL" 2>&1)
path=$(printf '%s\n' "$out" |
    awk '$1 ~ /^[0-9]+$/ { printf "%s%s", sep, $2; sep = " " }')
check_eq "traceroute $REAL: the virtual routers, then the real machine" \
    "198.19.0.1 $GW $REAL" "$path" || tb_note "$out"

# Not the real machine's: a host on the same link is virtual.
check "a virtual host beside it (198.19.9.50) answers" ping_ok 198.19.9.50

# The other way: the real machine reaches the topology's own hosts.
check "from R, ping the virtual host 198.19.9.50" \
    in_r ping -n -c 2 -i 0.3 -W 3 198.19.9.50
out=$(in_r ping -n -c 3 -i 0.3 -W 3 "$ADDR_A" 2>&1)
check_match "from R, ping the attacker $ADDR_A through the topology" \
    ' 0% packet loss' "$out"

sleep 1
kill -TERM "$dump" 2>/dev/null
wait "$dump" 2>/dev/null
wire=$(cat "$TB_TMP/wire.txt")
mac_sr=$(in_s cat "/sys/class/net/$IF_SR/address")
n=$(printf '%s\n' "$wire" | grep -c "$mac_sr > .* $ADDR_A\.\?[0-9]* > $REAL")
check "on R's wire, the attacker's packets come from the sensor's MAC" \
    test "$n" -gt 0 || tb_note "$(printf '%s\n' "$wire" | head -n 5)"
n=$(printf '%s\n' "$wire" | grep -c "> $ADDR_A" )
check "R's answers to the attacker are on its wire" test "$n" -gt 0

# Nothing else: the attacker never talks to R unrouted.
check_nomatch "R never sees the attacker's MAC" "$MAC_A" "$wire"

kill -TERM "$www" 2>/dev/null
wait "$www" 2>/dev/null
honeyd_stop
log=$(honeyd_log)
check_match "the engine routed them both ways" \
    'engine: tunnel in .*; bound machines in [1-9][0-9]* out [1-9]' "$log"
check_match "and the parent moved them both ways" \
    'parent: arp conflicts .*; bound machines in [1-9][0-9]* out [1-9]' \
    "$log"
check_match "no forwarded packet was taken for one of ours (arpguard)" \
    'out withdrawn 0 held 0' "$log"
tb_finish
