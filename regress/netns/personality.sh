#!/bin/bash
# The personality on every packet, not just nmap's probes: an ordinary
# connection's segments carry the fingerprint's TTL, DF, IP IDs and
# timestamps; hosts sharing a template keep independent clocks; the
# TCP timestamp clock starts at the configured uptime; a fingerprint
# that cannot be reproduced exactly gets a warning naming the test.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require nmap nc tcpdump

WIN=198.19.3.1		# Windows 7: TTL 128, DF, IP IDs +1, timestamps
WIN2=198.19.3.2		# the same template
LNX=198.19.3.3		# Linux: IP ID 0 with DF, TS 200 Hz, up 10 days

conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset

create win
set win personality "Microsoft Windows 7, Windows Server 2012, or Windows 8.1 Update 1"
set win default tcp action reset
add win tcp port 80 open
bind 198.19.3.1 win
bind 198.19.3.2 win

create lnx
set lnx personality "Linux 3.2"
set lnx default tcp action reset
add lnx tcp port 80 open
set lnx uptime 864000
bind 198.19.3.3 lnx

create odd
set odd personality "Apple iPhone mobile phone (iPhone OS 2.2)"
bind 198.19.3.4 odd
CONF
)
# The iPhone entry asks for a timestamp rate nmap can never report.
PRINTS=/usr/share/nmap/nmap-os-db
honeyd_start "$conf" 198.19.0.0/16
check_match "warning names the test that cannot be emulated" \
    'personality "Apple iPhone mobile phone \(iPhone OS 2\.2\)": test SEQ cannot be emulated exactly' \
    "$(honeyd_log)"

# One whole connection to the Windows host, captured on the attacker.
in_a tcpdump -i "$IF_A" -nn -v -l "src host $WIN and tcp" \
    >"$TB_TMP/win.txt" 2>"$TB_TMP/win.err" &
dump=$!
tb_listening "$TB_TMP/win.err"
check "connection to $WIN:80 with data, closed by us" \
    in_a sh -c "printf 'hello\n' | nc -q 1 -w 3 $WIN 80"
sleep 1
kill -TERM "$dump" 2>/dev/null
wait "$dump" 2>/dev/null
pkts=$(grep -c 'ttl' "$TB_TMP/win.txt")
tb_note "$pkts segments from $WIN"
check "several segments from $WIN captured" test "$pkts" -ge 3
check_all "every segment from $WIN has TTL 128" "$pkts" \
    "$(grep -c 'ttl 128,' "$TB_TMP/win.txt")"
check_all "every segment from $WIN has DF" "$pkts" \
    "$(grep 'ttl' "$TB_TMP/win.txt" | grep -c 'flags \[DF\]')"
# Timestamps on every segment, not only on the SYN+ACK.
check_all "every segment from $WIN carries a timestamp" "$pkts" \
    "$(grep -c 'TS val' "$TB_TMP/win.txt")"
ids=$(sed -n 's/.* id \([0-9]*\),.*/\1/p' "$TB_TMP/win.txt" | tr '\n' ' ')
tb_note "IP IDs: $ids"
check "IP IDs from $WIN go up by small steps (TI=I)" awk -v ids="$ids" \
    'BEGIN { n = split(ids, a, " "); ok = n >= 3;
	for (i = 2; i <= n; i++) { d = (a[i] - a[i-1] + 65536) % 65536;
	    if (d < 1 || d > 9) ok = 0 }; exit !ok }'

# Two hosts of one template: the same stack, separate clocks.
syn() {
	tb_packet --proto tcp --dst "$1" --dport 80 --flags S --seq 1000
}
a=$(syn "$WIN")
b=$(syn "$WIN2")
check_same "both hosts of the template answer with the same window" \
    "$(kv win "$a")" "$(kv win "$b")"
check_differ "their ISNs differ" "$(kv seq "$a")" "$(kv seq "$b")"
check_differ "their IP IDs differ" "$(kv ipid "$a")" "$(kv ipid "$b")"
a2=$(syn "$WIN")
id1=$(kv ipid "$a")
id2=$(kv ipid "$a2")
# Both answers must be there: nothing minus nothing is no step of 0.
check "one host's IP IDs keep counting (${id1:-none} then ${id2:-none})" \
    eval 'is_num "$id1" "$id2" &&
    [ $(((id2 - id1 + 65536) % 65536)) -le 9 ]'

# The Linux host: IP ID 0 under DF; nmap's uptime guess is the
# configured 10 days, from the TCP timestamp clock.
l=$(syn "$LNX")
check_eq "Linux host: IP ID 0" 0 "$(kv ipid "$l")"
check_eq "Linux host: DF" 1 "$(kv df "$l")"
# Its fingerprint allows a reset to a closed port to acknowledge some
# other number (T5 A=O|S+); it acknowledges the SYN, as Linux does, so
# that a client's connect() is refused at once instead of timing out.
r=$(tb_packet --proto tcp --dst "$LNX" --dport 81 --flags S --seq 5000)
check_match "Linux host: closed port resets" 'flags=RA' "$r"
check_eq "Linux host: the reset acknowledges the SYN" 5001 "$(kv ack "$r")"
check_match "Linux host: connect() to a closed port is refused" \
    'refused' "$(in_a timeout 5 bash -c "exec 3<>/dev/tcp/$LNX/81" 2>&1)"
out=$(in_a timeout 120 nmap -n -Pn -O -v -p 80,81 "$LNX" 2>&1)
check_match "nmap: Linux host up 10 days" 'Uptime guess: (9\.[89][0-9]*|10\.[01][0-9]*) days' \
    "$out"

tb_finish
