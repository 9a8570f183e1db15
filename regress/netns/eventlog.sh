#!/bin/bash
# The event logs: the packet log (-l) and service log (-s) in Honeyd's
# line formats, the JSON log (-j) with the fields honeyd.8 documents
# (every line parses, every event has its fields), scans recorded as
# such, SIGUSR1 reopening the files, "-j -" on standard output.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require nc nmap "$TB_PY"

conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset
set default default icmp action open

create t
set t default tcp action reset
set t default udp action reset
set t default icmp action open
add t tcp port 80 "sh scripts/web.sh"
add t tcp port 22 open
add t tcp port 23 block
bind 198.19.1.10 t
CONF
)
P=$TB_TMP/packets.log
S=$TB_TMP/services.log
J=$TB_TMP/events.json
honeyd_start "$conf" -S "$TB_REPO" -l "$P" -s "$S" -j "$J" 198.19.0.0/16
H=198.19.1.10
T='[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{4}'
# The source's OS, when p0f's signatures are installed (passive.sh).
OS='( \[[^]]+\])?'

ping_ok $H >/dev/null
printf 'GET / HTTP/1.0\r\n\r\n' | in_a timeout 10 nc $H 80 >/dev/null
in_a timeout 5 nc -z $H 25
in_a timeout 5 "$TB_PY" -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b'x', ('$H', 9))"
in_a timeout 60 nmap -n -Pn -sN -p 22,25 $H >/dev/null 2>&1
in_a timeout 60 nmap -n -Pn -sF -p 22 $H >/dev/null 2>&1
in_a timeout 60 nmap -n -Pn -sX -p 23 $H >/dev/null 2>&1
sleep 1

p=$(cat "$P")
check_match "packet log: the header line" "^$T honeyd log started ------$" "$p"
check_match "packet log: ICMP echo" \
    "^$T icmp\(1\) - 198\.18\.0\.1 $H: 8\(0\): 84$" "$p"
check_match "packet log: a connection starts (S)" \
    "^$T tcp\(6\) S 198\.18\.0\.1 [0-9]+ $H 80$OS$" "$p"
check_match "packet log: and ends (E) with bytes received and sent" \
    "^$T tcp\(6\) E 198\.18\.0\.1 [0-9]+ $H 80: 18 [1-9][0-9]+$" "$p"
check_match "packet log: SYN to a closed port (-, size, flags)" \
    "^$T tcp\(6\) - 198\.18\.0\.1 [0-9]+ $H 25: (40|44|60) S$OS$" "$p"
check_match "packet log: UDP to a closed port" \
    "^$T udp\(17\) - 198\.18\.0\.1 [0-9]+ $H 9: 29$" "$p"
check_match "packet log: NULL probe (a lone space for no flags)" \
    "^$T tcp\(6\) - 198\.18\.0\.1 [0-9]+ $H 22: 40 $OS$" "$p"
check_match "packet log: Xmas probe" \
    "^$T tcp\(6\) - 198\.18\.0\.1 [0-9]+ $H 23: 40 FPU$OS$" "$p"
check_match "service log: web.sh's request" \
    "^$T tcp\(6\) 198\.18\.0\.1 [0-9]+ $H 80: \|GET / HTTP/1\.0\|$" \
    "$(cat "$S")"

j=$(cat "$J")
out=$("$TB_PY" "$TB_TOOLS/check_events.py" "$J")
check "JSON log: every event has its documented fields" test $? -eq 0
tb_note "$(echo "$out" | tr '\n' ' ')"
check "JSON log: every line parses (json.tool --json-lines)" \
    json_lines_ok "$J"
check_match "JSON: ICMP" '"event":"icmp".*"icmp_type":8,"icmp_code":0' "$j"
check_match "JSON: closed port probe" \
    '"event":"probe".*"dst_port":25,.*"flags":"S","port_state":"closed"' "$j"
check_match "JSON: NULL scan" '"event":"scan".*"port_state":"open","scan":"null"' "$j"
check_match "JSON: FIN scan" '"event":"scan".*"scan":"fin"' "$j"
check_match "JSON: Xmas scan, filtered port" \
    '"event":"scan".*"dst_port":23,.*"port_state":"filtered","scan":"xmas"' "$j"
check_match "JSON: web session start" \
    '"event":"connection_start".*"dst_port":80,.*"template":"t","action":"command"' "$j"
check_match "JSON: web session end" \
    '"event":"connection_end".*"dst_port":80,.*"bytes_in":18,.*"reason":"closed"' "$j"
check_match "JSON: service start and exit" \
    '"event":"service_exit".*"dst_port":80,.*"exit_status":0,"reason":"exited"' "$j"

# SIGUSR1: logrotate moved the files; honeyd writes new ones.
mv "$P" "$P.1"
mv "$J" "$J.1"
kill -USR1 "$HONEYD_PID"
for i in $(seq 50); do
	[ -s "$P" ] && break
	sleep 0.1
done
ping_ok $H >/dev/null
sleep 0.5
check_match "SIGUSR1: a new packet log, started" \
    "^$T honeyd log started ------$" "$(cat "$P" 2>&1)"
check_match "SIGUSR1: new events go to the new packet log" \
    "icmp\(1\) - 198\.18\.0\.1 $H" "$(cat "$P" 2>&1)"
check_match "SIGUSR1: and to the new JSON log" '"event":"icmp"' \
    "$(cat "$J" 2>&1)"
n=$(grep -c 'icmp(1)' "$P.1")
sleep 0.5
n2=$(grep -c 'icmp(1)' "$P.1")
# Some lines before, none added since: an empty old file proves nothing.
check "SIGUSR1: the old file gets nothing more ($n, then $n2 echo lines)" \
    eval 'is_num "$n" && [ "$n" -gt 0 ] && [ "$n" = "$n2" ]'
honeyd_stop
check_match "packet log: the closing line" "^$T honeyd log stopped ------$" \
    "$(cat "$P")"

# "-j -": events on standard output.
honeyd_start "$conf" -S "$TB_REPO" -j - 198.19.0.0/16
ping_ok $H >/dev/null
sleep 0.5
honeyd_stop
out=$(grep '^{"time"' "$HONEYD_LOG")
check_match "-j -: JSON events on standard output" '"event":"icmp"' "$out"
printf '%s\n' "$out" >"$TB_TMP/stdout.json"
check "-j -: they parse" json_lines_ok "$TB_TMP/stdout.json"

tb_finish
