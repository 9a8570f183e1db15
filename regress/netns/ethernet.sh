#!/bin/bash
# "set T ethernet": virtual hosts on the attacker's own subnet answer ARP
# with MACs of their own (a Cisco OUI from nmap's table and a per-host
# part), their replies carry them, and frames to another machine's MAC
# are left alone even when their IP destination is claimed.
. "$(dirname "$0")/../lib.sh"

PREFIXES=/usr/share/nmap/nmap-mac-prefixes

tb_setup
tb_require scapy nc tcpdump
[ -r "$PREFIXES" ] || tb_abort "required tools present" \
    "missing: $PREFIXES (nmap; run regress/deps.sh test as root)"

R1=198.18.0.70
R2=198.18.0.71
PLAIN=198.18.0.72
OTHER=02:00:5e:10:20:30		# nobody's MAC on this segment

conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset
set default default icmp action open

create router
set router ethernet "cisco"
set router default tcp action reset
set router default icmp action open
add router tcp port 22 open

create linux
set linux default icmp action open
add linux tcp port 22 open

bind 198.18.0.70 router
bind 198.18.0.71 router
bind 198.18.0.72 linux
CONF
)
check "honeyd -n accepts the config" \
    "$HONEYD" -n -f "$conf" -p "$(_tb_prints)"
honeyd_start "$conf" 198.18.0.64/26

in_a ip neigh flush dev "$IF_A" >/dev/null 2>&1

# lladdr ADDR: the MAC A's neighbour table holds for ADDR.
lladdr() {
	in_a ip neigh show "$1" dev "$IF_A" |
	    sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p'
}

# vendor MAC: the vendor nmap's table names for MAC's first 3 bytes.
vendor() {
	local oui
	oui=$(printf '%s\n' "$1" | cut -d: -f1-3 | tr -d : |
	    tr '[:lower:]' '[:upper:]')
	grep "^$oui " "$PREFIXES" | cut -d' ' -f2-
}

for h in $R1 $R2 $PLAIN; do
	check "ping $h answers" ping_ok "$h"
done
M1=$(lladdr $R1)
M2=$(lladdr $R2)
MP=$(lladdr $PLAIN)
tb_note "$R1 is at $M1, $R2 at $M2, $PLAIN at $MP; the sensor is $MAC_S"
check_match "$R1 has a MAC" '^([0-9a-f]{2}:){5}[0-9a-f]{2}$' "$M1"
check_match "$R2 has a MAC" '^([0-9a-f]{2}:){5}[0-9a-f]{2}$' "$M2"
check_differ "$R1's MAC is not the sensor's" "$M1" "$MAC_S"
check_differ "$R1 and $R2 have different MACs" "$M1" "$M2"
check_match "$R1's MAC has a Cisco OUI" "^Cisco" "$(vendor "$M1")"
check_match "$R2's MAC has a Cisco OUI" "^Cisco" "$(vendor "$M2")"
check "$R1's MAC is unicast, globally administered" \
    eval '[ -n "$M1" ] && [ $((0x${M1%%:*} & 3)) -eq 0 ]'
check_eq "$PLAIN (no ethernet) is at the sensor's MAC" "$MAC_S" "$MP"

# An ARP request by hand: the answer speaks from the host's MAC.
out=$(tb_packet --proto arp --dst $R2 --show-eth)
check_match "ARP who-has $R2: is-at its own MAC" \
    "^answer proto=arp op=2 hwsrc=$M2 psrc=$R2 hwdst=$MAC_A .* ethsrc=$M2\$" \
    "$out"

# A connection through the virtual MAC; every segment of the host's
# carries it as Ethernet source.
in_a timeout 20 tcpdump -i "$IF_A" -e -nn -l "src host $R1 and tcp" \
    >"$TB_TMP/r1.txt" 2>"$TB_TMP/r1.err" &
dump=$!
tb_listening "$TB_TMP/r1.err"
check "TCP connection to $R1:22 succeeds" in_a timeout 10 nc -z -w 3 $R1 22
out=$(printf 'hello\n' | in_a timeout 10 nc -q 1 -w 3 $R1 22; echo "rc=$?")
check_match "nc to $R1:22 with data exits cleanly" "rc=0" "$out"
sleep 1
kill -TERM "$dump" 2>/dev/null
wait "$dump" 2>/dev/null
pkts=$(grep -c "$R1\.22 >" "$TB_TMP/r1.txt")
tb_note "$pkts segments from $R1"
check "several segments from $R1 captured" test "$pkts" -ge 3
check_all "every segment from $R1 has Ethernet source $M1" "$pkts" \
    "$(grep "$R1\.22 >" "$TB_TMP/r1.txt" | grep -c "^[0-9:.]* $M1 >")"

# Frames by hand to each MAC: the host's own and the interface's are
# taken, another machine's is not, whatever the IP destination says.
out=$(tb_packet --dst-mac "$M1" --proto tcp --dst $R1 --dport 22 --show-eth)
check_match "SYN to $R1 at $M1: SYN+ACK from $M1" \
    "^answer proto=tcp src=$R1 .* flags=SA .* ethsrc=$M1\$" "$out"
out=$(tb_packet --dst-mac "$MAC_S" --proto icmp --dst $R1 --show-eth)
check_match "echo to $R1 at the sensor's MAC: reply from $M1" \
    "^answer proto=icmp src=$R1 .* type=0 .* ethsrc=$M1\$" "$out"
check_status "SYN to $R1 at another machine's MAC: no answer" 1 \
    tb_packet --dst-mac "$OTHER" --proto tcp --dst $R1 --dport 22
check_status "echo to $R1 at another machine's MAC: no answer" 1 \
    tb_packet --dst-mac "$OTHER" --proto icmp --dst $R1
check_status "echo to $PLAIN at $R1's MAC: no answer" 1 \
    tb_packet --dst-mac "$M1" --proto icmp --dst $PLAIN
check_status "echo to $PLAIN at another machine's MAC: no answer" 1 \
    tb_packet --dst-mac "$OTHER" --proto icmp --dst $PLAIN
out=$(tb_packet --proto icmp --dst $PLAIN --show-eth)
check_match "echo to $PLAIN at the sensor's MAC: reply from it" \
    "^answer proto=icmp src=$PLAIN .* ethsrc=$MAC_S\$" "$out"

# The same config after a reload: the same MACs.
honeyd_reload 'configuration reloaded'
check_match "engine reports the reload" "configuration reloaded" \
    "$(honeyd_log)"
out=$(tb_packet --proto arp --dst $R1)
check_match "after the reload $R1 is still at $M1" "hwsrc=$M1 psrc=$R1" \
    "$out"

# A reload naming an unknown vendor is refused; the MACs stay.
sed 's/"cisco"/"No Such Vendor Inc"/' "$conf" >"$TB_TMP/bad.conf"
check_status "honeyd -n refuses an unknown vendor" 1 \
    "$HONEYD" -n -f "$TB_TMP/bad.conf" -p "$(_tb_prints)"
out=$("$HONEYD" -n -f "$TB_TMP/bad.conf" -p "$(_tb_prints)" 2>&1)
check_match "the error names file and line" \
    "bad\.conf:6: ethernet \"No Such Vendor Inc\": no such vendor" "$out"
cp "$TB_TMP/bad.conf" "$conf"
honeyd_reload 'keeping the running one'
check_match "the bad reload is refused" "keeping the running one" \
    "$(honeyd_log)"
out=$(tb_packet --proto arp --dst $R2)
check_match "after the refused reload $R2 is still at $M2" \
    "hwsrc=$M2 psrc=$R2" "$out"

tb_finish
