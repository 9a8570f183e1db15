#!/bin/bash
# Hostile traffic: build/hostile sends TORTURE_PACKETS frames of every
# bad kind (malformed IP/TCP/UDP/ICMP/ARP, endless and overlapping
# fragments, RST/SYN/ACK storms from random and from the virtual hosts'
# own addresses, broadcast and multicast), then TORTURE_SYNFLOOD SYNs
# from distinct sources, then TORTURE_CONNS connections at once to a
# script service (each waits for its banner).  Afterwards the daemon must be the same processes
# (no crash, no engine restart), within its memory bound, and answer
# ping, nmap and a connection opened before the storm, which must still
# echo.  `make torture` runs it with a million of each against the plain
# build; `make test` with fewer, against each build.
. "$(dirname "$0")/../lib.sh"

HOSTILE=${HOSTILE:-$TB_REPO/build/hostile}
PACKETS=${TORTURE_PACKETS:-60000}
SYNFLOOD=${TORTURE_SYNFLOOD:-30000}
CONNS=${TORTURE_CONNS:-200}
# The engine's resident memory may grow by this much (MB) over the run;
# README "Hostile traffic" says why it is bounded.
RSS_GROWTH_MAX=${TORTURE_RSS_GROWTH_MB:-96}

tb_setup
tb_require "$HOSTILE" nmap "$TB_PY"

conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default personality "Linux 3.2"
set default default tcp action reset
set default default udp action reset
set default default icmp action open
add default tcp port 22 open
add default tcp port 7 "sh scripts/echo.sh"
add default tcp port 2222 "sh scripts/ssh.sh 'OpenSSH_8.4p1'"
add default udp port 53 open
CONF
)
honeyd_start "$conf" -S "$TB_REPO" 198.19.0.0/16 198.18.0.64/26

parent=$HONEYD_PID
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}
engine=$(honeyd_engine "$parent")
check_match "the engine runs (pid $engine)" '^[0-9]+$' "$engine"
[ -n "$engine" ] || tb_abort "no engine to watch"
rss_parent0=$(rss_kb "$parent")
rss_engine0=$(rss_kb "$engine")

# A connection to the echo service, held across the storm.
GO=$TB_TMP/go
in_a "$TB_PY" "$TB_REPO/regress/tools/hold_conn.py" 198.19.1.7 7 "$GO" \
    --wait 900 >"$TB_TMP/hold.out" 2>&1 &
holder=$!
for i in $(seq 50); do
	grep -q before= "$TB_TMP/hold.out" && break
	sleep 0.1
done
check_match "held connection echoes before the storm" "before=ok" \
    "$(cat "$TB_TMP/hold.out")"

# Made-up source MAC: A's kernel never sees the answers (no resets).
hostile() {
	in_a timeout 900 "$HOSTILE" -i "$IF_A" -g "$MAC_S" \
	    -M 02:00:00:00:00:02 -d 198.19.1.1 -c 254 -t 600 "$@"
}
t0=$(date +%s.%N)
out=$(hostile -n "$PACKETS" -x 7)
tb_note "hostile kinds: $out"
check_match "hostile: $PACKETS malformed and hostile frames sent" \
    "^sent=$PACKETS " "$out"
out=$(hostile -k synflood -n "$SYNFLOOD" -S 198.18.128.0 -a 32768 -x 8)
check_match "SYN flood: $SYNFLOOD SYNs from distinct sources sent" \
    "^sent=$SYNFLOOD " "$out"
# The daemon works through what it captured before it is judged.
sleep 2
out=$(in_a timeout 120 "$TB_PY" "$TB_REPO/regress/tools/many_conns.py" \
    198.19.2.7 2222 "$CONNS" --expect SSH- --timeout 60 2>&1 | tr '\n' ' ')
tb_note "connection flood at the ssh banner service: $out"
check_match "connection flood: services answered with their banner" \
    'banners=[1-9]' "$out"
t1=$(date +%s.%N)

# Judgement.
check "the parent survived" _tb_alive "$parent"
engine_after=$(honeyd_engine "$parent")
check_eq "the same engine (no crash, no restart)" "$engine" "$engine_after"
check_nomatch "no engine death in the log" \
    'engine (terminated|exited|restart)' "$(honeyd_log)"
rss_parent1=$(rss_kb "$parent")
rss_engine1=$(rss_kb "$engine")
tb_note "RSS parent ${rss_parent0} -> ${rss_parent1} kB," \
    "engine ${rss_engine0} -> ${rss_engine1} kB;" \
    "storm $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
check "engine RSS grew by less than ${RSS_GROWTH_MAX} MB" \
    test "$(( ${rss_engine1:-999999999} - ${rss_engine0:-0} ))" -lt \
    "$((RSS_GROWTH_MAX * 1024))"
check "parent RSS grew by less than ${RSS_GROWTH_MAX} MB" \
    test "$(( ${rss_parent1:-999999999} - ${rss_parent0:-0} ))" -lt \
    "$((RSS_GROWTH_MAX * 1024))"
check "ping answered after the storm" ping_ok 198.19.1.99
states=$(nmap_port_states 198.19.1.98 tcp 7,22,23)
check_eq "nmap after the storm: 7 and 22 open, 23 closed" \
    "7/open 22/open 23/closed" "$(echo $states)"
touch "$GO"
for i in $(seq 100); do
	grep -q after= "$TB_TMP/hold.out" && break
	sleep 0.1
done
check_match "the connection held across the storm still echoes" \
    "after=ok" "$(cat "$TB_TMP/hold.out")"
wait "$holder" 2>/dev/null
honeyd_stop
tb_note "exit counters: $(grep -E 'in [0-9]+; dropped|frames in' \
    "$HONEYD_LOG" | sed 's/^.*\] //' | tr '\n' ' ')"
tb_finish
