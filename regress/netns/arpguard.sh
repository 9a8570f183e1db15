#!/bin/bash
# run.sh: alone (conflict timeouts counted in seconds)
# Safe proxy ARP (honeyd/arpguard.c): the daemon never answers ARP for
# an address another machine on the link uses.  A "real" machine R
# shares the link: a macvlan of A's interface, with its own MAC, in a
# namespace of its own.  It holds 198.18.0.75 before the daemon starts
# (the probe must find it) and later takes 198.18.0.70, which the
# daemon had claimed (the claim must be withdrawn, its neighbours .71
# and .72 stay the daemon's).  Then "option arp silence".
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require scapy arping

NS_R="${NS_A%-a}-r"
IF_R="hdr$TB_ID"
err=$(ip netns add "$NS_R" 2>&1) || tb_abort "namespace $NS_R created" "$err"
TB_NS_MADE="$TB_NS_MADE $NS_R"
in_r() {
	ip netns exec "$NS_R" "$@"
}
err=$(
	set -e
	exec 2>&1
	ip -n "$NS_A" link add link "$IF_A" name "$IF_R" type macvlan \
	    mode bridge
	ip -n "$NS_A" link set "$IF_R" netns "$NS_R"
	ip -n "$NS_R" link set lo up
	[ ! -d /proc/sys/net/ipv6 ] ||
		in_r sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1
	ip -n "$NS_R" addr add 198.18.0.75/24 dev "$IF_R"
	ip -n "$NS_R" link set "$IF_R" up
) || tb_abort "real machine R set up" "$err"
MAC_R=$(in_r cat "/sys/class/net/$IF_R/address")
tb_note "real machine R: $NS_R/$IF_R (198.18.0.75 $MAC_R)"

conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset
set default default udp action reset
set default default icmp action open

option arp conflict_timeout 8
CONF
)

# A bad "option arp" is refused before anything starts.
bad=$(tb_conf bad.conf <<'CONF'
create default
option arp probes 3
CONF
)
out=$("$HONEYD" -n -f "$bad" -p "$(_tb_prints)" 2>&1)
check_match "option arp with an unknown key is refused" \
    "option arp probes: unknown" "$out"

J=$TB_TMP/events.json
honeyd_start "$conf" -j "$J" 198.19.0.0/16 198.18.0.64/26
in_a ip neigh flush dev "$IF_A" >/dev/null 2>&1

# arp_is ADDR: the MACs that answer one ARP request from A for ADDR, one
# "hwsrc=MAC" a line (the probe holds the first answer about a second).
arp_is() {
	tb_packet --proto arp --dst "$1" --timeout 3 --all |
	    sed -n 's/^answer .*\(hwsrc=[0-9a-f:]*\).*/\1/p'
}

# The probe: nobody holds .70, so the daemon claims it.
check_eq "ARP who-has 198.18.0.70: the sensor's MAC, after the probe" \
    "hwsrc=$MAC_S" "$(arp_is 198.18.0.70)"
check "ping 198.18.0.70 answers" ping_ok 198.18.0.70

# No ARP first (a stale or static neighbour entry): the engine's answer
# waits for the probe, then goes out.
out=$(tb_packet --proto icmp --dst 198.18.0.90 --timeout 3)
check_match "echo to unprobed 198.18.0.90 via the sensor's MAC: answered" \
    "^answer proto=icmp src=198\.18\.0\.90 .*type=0" "$out"

# R already holds .75 and answers the probe: the daemon stays silent.
check_eq "ARP who-has 198.18.0.75 (R's): the daemon does not answer" \
    "" "$(arp_is 198.18.0.75 | grep -x "hwsrc=$MAC_S")"
check_match "log: 198.18.0.75 is R's, found by the probe" \
    "198\.18\.0\.75 is used by $MAC_R; no longer answering ARP for it \(it answered our probe\)" \
    "$(honeyd_log)"

# R takes .70 and announces it (gratuitous ARP).
in_r ip addr add 198.18.0.70/24 dev "$IF_R"
check "R announces 198.18.0.70 (arping -U)" \
    in_r arping -q -U -c 2 -w 3 -I "$IF_R" 198.18.0.70
withdrawn=
for i in $(seq 30); do
	if honeyd_log | grep -q "198\.18\.0\.70 is used by"; then
		withdrawn=1
		break
	fi
	sleep 0.1
done
check_match "log: the claim on 198.18.0.70 is withdrawn" \
    "198\.18\.0\.70 is used by $MAC_R; no longer answering ARP for it$" \
    "$(honeyd_log)"
[ -n "$withdrawn" ] || tb_note "no withdrawal logged within 3 s"

# A stale neighbour entry still sends .70's traffic to the sensor: the
# engine answers, but the parent does not put that on the wire.
check_status "echo to 198.18.0.70 through the sensor's MAC: no answer" 1 \
    tb_packet --proto icmp --dst 198.18.0.70 --timeout 2

check_eq "ARP who-has 198.18.0.70 now: not the daemon's MAC" \
    "" "$(arp_is 198.18.0.70 | grep -x "hwsrc=$MAC_S")"
check_eq "ARP who-has 198.18.0.71: still the sensor's MAC" \
    "hwsrc=$MAC_S" "$(arp_is 198.18.0.71)"
check_eq "ARP who-has 198.18.0.72: still the sensor's MAC" \
    "hwsrc=$MAC_S" "$(arp_is 198.18.0.72)"
check "ping 198.18.0.71 answers" ping_ok 198.18.0.71

# R gives .70 up; after conflict_timeout (8 s) of silence the daemon
# probes it again and, nobody answering, claims it once more.
in_r ip addr del 198.18.0.70/24 dev "$IF_R"
sleep 8.5
check_eq "R gone silent for 8 s: 198.18.0.70 is the daemon's again" \
    "hwsrc=$MAC_S" "$(arp_is 198.18.0.70)"
# .75's owner is silent too, but alive: it answers the new probe.
check_eq "198.18.0.75 probed again: R still answers, the daemon does not" \
    "" "$(arp_is 198.18.0.75 | grep -x "hwsrc=$MAC_S")"

honeyd_stop
check "JSON log matches honeyd.8 (check_events.py)" \
    "$TB_PY" "$TB_TOOLS/check_events.py" "$J"
check_match "JSON: arp_conflict for 198.18.0.70, claimed" \
    "\"event\":\"arp_conflict\",\"ip\":\"198\.18\.0\.70\",\"mac\":\"$MAC_R\",\"was\":\"claimed\"" \
    "$(cat "$J")"
check_match "JSON: arp_conflict for 198.18.0.75, probing" \
    "\"event\":\"arp_conflict\",\"ip\":\"198\.18\.0\.75\",\"mac\":\"$MAC_R\",\"was\":\"probing\"" \
    "$(cat "$J")"

stats=$(honeyd_log | grep "arp conflicts")
conflicts=$(printf '%s\n' "$stats" | sed -n 's/.*arp conflicts \([0-9]*\).*/\1/p')
check "exit log: arp conflicts 3 (.75 twice, .70 once): $stats" \
    test "${conflicts:-0}" -eq 3
check_match "exit log: the engine's packets from .70 refused" \
    "out withdrawn [1-9]" "$stats"
check_match "exit log: the answer from .90 was held" "held [1-9]" "$stats"

# "option arp silence 2": only an address asked for 2 s with no answer
# is claimed; R's is never.
conf=$(tb_conf dynamic.conf <<'CONF'
create default
set default default icmp action open
option arp silence 2
CONF
)
honeyd_start "$conf" 198.18.0.64/26
check_eq "dynamic: first ARP who-has 198.18.0.80: no answer" \
    "" "$(arp_is 198.18.0.80 | grep -x "hwsrc=$MAC_S")"
check_eq "dynamic: first ARP who-has 198.18.0.75 (R's): no answer" \
    "" "$(arp_is 198.18.0.75 | grep -x "hwsrc=$MAC_S")"
sleep 2
check_eq "dynamic: 198.18.0.80 silent for 2 s: the sensor's MAC" \
    "hwsrc=$MAC_S" "$(arp_is 198.18.0.80)"
check_eq "dynamic: 198.18.0.75 asked for 2 s: R answers the probe" \
    "" "$(arp_is 198.18.0.75 | grep -x "hwsrc=$MAC_S")"
check_match "dynamic: log says 198.18.0.75 is R's" \
    "198\.18\.0\.75 is used by $MAC_R" "$(honeyd_log)"
check "dynamic: ping 198.18.0.80 answers" ping_ok 198.18.0.80

tb_finish
