#!/bin/bash
# Honeyd 1.5c statements that now act: "annotate P finscan" and
# "annotate P no finscan" as nmap's FIN, NULL and Xmas scans see them,
# "set T spoof" as tcpdump sees it, and "set T droprate syn" by hping3, the share of SYNs answered within
# binomial bounds and equal to the engine's counter.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require nmap hping3

WIN="Microsoft Windows XP SP2 or SP3, or Windows Server 2003"
LIN="Linux 4.15 - 5.6"
conf=$(tb_conf honeyd.conf <<CONF
annotate "$WIN" finscan
annotate "$LIN" no finscan

create win
set win personality "$WIN"
set win default tcp action reset
add win tcp port 22 open
bind 198.19.3.10 win

create lin
set lin personality "$LIN"
set lin default tcp action reset
add lin tcp port 22 open
bind 198.19.3.11 lin

create plain
set plain personality "$WIN"
set plain default tcp action reset
add plain tcp port 22 open
bind 198.19.3.12 plain

create spoofy
set spoofy default icmp action open
set spoofy spoof from 198.19.3.31
bind 198.19.3.30 spoofy

create spoofout
set spoofout default icmp action open
set spoofout spoof from 198.18.200.1
bind 198.19.3.32 spoofout

create lossy
set lossy default tcp action reset
set lossy droprate syn 30
add lossy tcp port 80 open
bind 198.19.3.20 lossy
CONF
)
honeyd_start "$conf" 198.19.0.0/16

for scan in -sF -sN -sX; do
	out=$(nmap_port_states 198.19.3.10 "tcp:$scan" 22,23)
	check_eq "finscan ($scan): the open port is silent, the closed one resets" \
	    "22/open|filtered 23/closed" "$(echo $out)"
	out=$(nmap_port_states 198.19.3.11 "tcp:$scan" 22,23)
	check_eq "no finscan ($scan): the open port resets like a closed one" \
	    "22/closed 23/closed" "$(echo $out)"
done
# The same Windows personality without the annotation on another
# template would also be annotated: an annotation is the personality's.
out=$(nmap_port_states 198.19.3.12 tcp:-sF 22)
check_eq "the annotation follows the personality to every template" \
    "22/open|filtered" "$(echo $out)"
# The SYN scan is not touched by either.
check_eq "SYN scan of the no-finscan host: 22 open" "22/open" \
    "$(nmap_port_states 198.19.3.11 tcp 22)"

# spoof: the echo reply of .30 comes from .31; from an address honeyd
# does not claim, the parent refuses it.
reply_src() {
	in_a timeout 6 tcpdump -l -n -p -i "$IF_A" -c 1 \
	    'icmp[icmptype] = icmp-echoreply' 2>/dev/null >"$TB_TMP/td.out" &
	sleep 1
	in_a ping -c 1 -W 2 "$1" >/dev/null 2>&1
	wait
	sed -n 's/.* IP \([0-9.]*\) > .*/\1/p' "$TB_TMP/td.out"
}
check_eq "spoof from 198.19.3.31: the echo reply of .30 comes from .31" \
    198.19.3.31 "$(reply_src 198.19.3.30)"
check_eq "spoof from an unclaimed address: no echo reply goes out" \
    "" "$(reply_src 198.19.3.32)"

# droprate syn 30: of N SYNs about 70% are answered.
N=400
out=$(in_a timeout 30 hping3 -S -p 80 -c "$N" -i u2000 198.19.3.20 2>&1 |
    grep 'packets received')
got=$(echo "$out" | sed -n 's/.* \([0-9]*\) packets received.*/\1/p')
tb_note "hping3: $out"
# Binomial(400, 0.7): mean 280, sd 9.2; 4.5 sd either side.
check "droprate syn 30: $got of $N SYNs answered, within [239, 321]" \
    test "${got:-0}" -ge 239 -a "${got:-999}" -le 321
check "droprate syn 0 elsewhere: every SYN to the finscan host answered" \
    test "$(in_a timeout 30 hping3 -S -p 22 -c 50 -i u2000 198.19.3.10 2>&1 |
    sed -n 's/.* \([0-9]*\) packets received.*/\1/p')" = 50
honeyd_stop
refused=$(sed -n 's/.* refused \([0-9]*\) .*/\1/p' "$HONEYD_LOG" | tail -n 1)
check "the parent refused and counted the unclaimed spoofed replies ($refused)" \
    test "${refused:-0}" -ge 1
dropped=$(sed -n 's/.* droprate-syn \([0-9]*\) .*/\1/p' "$HONEYD_LOG" | tail -n 1)
check "the engine counted the dropped SYNs ($dropped) = $N - $got (+-2)" \
    test "${dropped:-0}" -ge $((N - ${got:-0} - 2)) -a \
    "${dropped:-0}" -le $((N - ${got:-0} + 2)) -a -n "$dropped"
tb_finish
